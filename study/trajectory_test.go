package study

import (
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/partition"
)

// crossCheck warns when the trajectory LL is above the AIS upper bound or
// below an uninverted reverse-AIS lower bound by more than 3 combined
// standard errors, and stays quiet inside the bracket.
func TestCrossCheck(t *testing.T) {
	ep := 20
	for _, tc := range []struct {
		ll, ais, rais float64
		want          string
	}{
		{-94.5, -94.4, -94.6, ""},
		{-70.8, -94.5, -94.6, "above the AIS upper bound"},
		{-99.0, -94.5, -94.6, "below the reverse-AIS lower bound"},
		{-99.0, -94.5, -90.0, ""}, // inverted sandwich: no lower bound to check against
	} {
		re := &RunEval{
			Results:    []EvalResult{{Epoch: &ep, Bounds: &partition.LLBounds{LLAIS: tc.ais, LLAISErr: 0.1, LLRAIS: tc.rais, LLRAISErr: 0.1}}},
			Trajectory: []TrajectoryPoint{{Epoch: ep, LL: tc.ll, LLErr: 0.2}},
		}
		crossCheck(re)
		if w := re.Trajectory[0].Warning; (tc.want == "") != (w == "") || !strings.Contains(w, tc.want) {
			t.Errorf("LL %v in [%v, %v]: warning %q, want %q", tc.ll, tc.rais, tc.ais, w, tc.want)
		}
	}
}
