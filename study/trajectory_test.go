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

// trajectoryWarnings flags a trajectory-only estimate that nothing checked
// (no exact value at some checkpoint), and nothing else: with exact values
// at every checkpoint, or with --estimator both (whose per-point
// crossCheck warns instead), it stays quiet.
func TestTrajectoryWarnings(t *testing.T) {
	exact := -90.0
	checked := []TrajectoryPoint{{Epoch: 0, LLExact: &exact}, {Epoch: 1, LLExact: &exact}}
	unchecked := []TrajectoryPoint{{Epoch: 0, LLExact: &exact}, {Epoch: 1}}
	for _, tc := range []struct {
		est  string
		pts  []TrajectoryPoint
		want int
	}{
		{"trajectory", unchecked, 1},
		{"trajectory", checked, 0},
		{"both", unchecked, 0},
	} {
		got := trajectoryWarnings(&RunEval{Trajectory: tc.pts}, tc.est)
		if len(got) != tc.want || (tc.want == 1 && !strings.Contains(got[0], "--estimator both")) {
			t.Errorf("%s, %d points: warnings %q, want %d", tc.est, len(tc.pts), got, tc.want)
		}
	}
}
