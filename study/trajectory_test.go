package study

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
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
	// A point's own warning (trajectory AIS: few ancestors) stays, the
	// cross-check's is added to it.
	re := &RunEval{
		Results:    []EvalResult{{Epoch: &ep, Bounds: &partition.LLBounds{LLAIS: -94.5, LLAISErr: 0.1, LLRAIS: -94.6, LLRAISErr: 0.1}}},
		Trajectory: []TrajectoryPoint{{Epoch: ep, LL: -70.8, LLErr: 0.2, Warning: "AIS-TRAJ: only 1 initial chain"}},
	}
	crossCheck(re)
	if w := re.Trajectory[0].Warning; !strings.Contains(w, "only 1 initial chain; ") || !strings.Contains(w, "above the AIS upper bound") {
		t.Errorf("warning %q: want the point's own and the cross-check's", w)
	}
}

// trajectoryWarnings flags a trajectory-only estimate that nothing checked
// (no exact value at some checkpoint) and, for both estimators, the first
// checkpoint whose forward and reverse sums are inverted by more than three
// combined standard errors; otherwise it stays quiet (with exact values at
// every checkpoint, or with --estimator both, whose per-point crossCheck
// warns instead, and for an inversion within the errors).
func TestTrajectoryWarnings(t *testing.T) {
	exact := -90.0
	checked := []TrajectoryPoint{{Epoch: 0, LLExact: &exact}, {Epoch: 1, LLExact: &exact}}
	unchecked := []TrajectoryPoint{{Epoch: 0, LLExact: &exact}, {Epoch: 1}}
	// inverted by 0.5 at epoch 1 (3 errors: 0.42) and 2 at epoch 2; epoch 0 by 0.3 (within)
	inverted := []TrajectoryPoint{
		{Epoch: 0, LLExact: &exact, LLLower: -90.0, LLUpper: -90.3, LogZLowerErr: 0.1, LogZUpperErr: 0.1},
		{Epoch: 1, LLExact: &exact, LLLower: -80.0, LLUpper: -80.5, LogZLowerErr: 0.1, LogZUpperErr: 0.1},
		{Epoch: 2, LLExact: &exact, LLLower: -70.0, LLUpper: -72.0, LogZLowerErr: 0.1, LogZUpperErr: 0.1},
	}
	for _, tc := range []struct {
		est  string
		pts  []TrajectoryPoint
		want []string
	}{
		{"trajectory", unchecked, []string{"--estimator both"}},
		{"trajectory", checked, nil},
		{"both", unchecked, nil},
		{"both", inverted, []string{"inverted from epoch 1 on (by 0.50 nats there, 2.00 at epoch 2)"}},
		{"trajectory", inverted, []string{"inverted from epoch 1 on"}},
	} {
		got := trajectoryWarnings(&RunEval{Trajectory: tc.pts}, tc.est)
		if len(got) != len(tc.want) {
			t.Errorf("%s, %d points: warnings %q, want %d", tc.est, len(tc.pts), got, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%s: warning %q does not say %q", tc.est, got[i], w)
			}
		}
	}
}

// For trajectory AIS the warnings name its own failures: a path through
// the checkpoints more than twice as long as the last checkpoint's
// temperature path (with the factor in steps it costs: the square; for
// parallel tempering the factor in rungs and its square in sweeps; and the
// remedy, fewer checkpoints), and
// forward and reverse runs inverted at the last checkpoint (naming the
// reverse start states); a path under twice as long and a sandwich within
// its errors stay quiet.
func TestTrajectoryAISWarnings(t *testing.T) {
	exact := -90.0
	ok := []TrajectoryPoint{{Epoch: 0, LLExact: &exact, LLLower: math.NaN(), LLUpper: -90}, {Epoch: 1, LLExact: &exact, LLLower: -91, LLUpper: -90, LogZLowerErr: 0.1, LogZUpperErr: 0.1}}
	inv := []TrajectoryPoint{{Epoch: 0, LLLower: math.NaN(), LLUpper: -90}, {Epoch: 1, LLLower: -80, LLUpper: -90, LogZLowerErr: 0.1, LogZUpperErr: 0.1}}
	for _, tc := range []struct {
		method      string
		pts         []TrajectoryPoint
		length, tmp float64
		est         string
		want        []string
	}{
		{"ais", ok, 19, 10, "trajectory", nil},
		{"ais", ok, 30, 10, "both", []string{"3.0× as long", "about 9× the steps", "--traj-every N"}},
		{"pt", ok, 30, 10, "both", []string{"3.0× as long", "about 3× the rungs", "about 9× the sweeps"}},
		{"ais", inv, 10, 10, "both", []string{"inverted at epoch 1 by 10.00 nats", "--rais-start data"}},
		{"ais", inv, 10, 10, "trajectory", []string{"not cross-checked", "inverted at epoch 1"}},
	} {
		re := &RunEval{Trajectory: tc.pts, TrajectoryInfo: &TrajectoryInfo{Method: tc.method, Length: tc.length, TemperatureLength: tc.tmp, ReverseStart: "data"}}
		got := strings.Join(trajectoryWarnings(re, tc.est), " | ")
		if (got == "") != (tc.want == nil) {
			t.Errorf("length %v/%v, %s: warnings %q, want %q", tc.length, tc.tmp, tc.est, got, tc.want)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("length %v/%v, %s: warnings %q do not say %q", tc.length, tc.tmp, tc.est, got, w)
			}
		}
	}
}

// TestSummarizeBracket: the ll.json bracket is the union of both methods'
// one-sided values whichever way round they lie, so an inverted pair
// widens it; the target needs agreement, no pair inverted beyond three
// combined standard errors, ll_lower ≥ −88 and width ≤ 1.
func TestSummarizeBracket(t *testing.T) {
	epoch := 60
	// errs sets the trajectory's errors: LLUpper's (LogZLowerErr), then LLLower's (LogZUpperErr)
	mkErr := func(trLo, trHi, ais, rais float64, errs [2]float64) *RunEval {
		return &RunEval{
			Trajectory: []TrajectoryPoint{{Epoch: epoch, Model: "m.npz", LL: (trLo + trHi) / 2, LLLower: trLo, LLUpper: trHi, LogZLowerErr: errs[0], LogZUpperErr: errs[1]}},
			Results: []EvalResult{{Epoch: &epoch, Visible: 784, Hidden: 500,
				Bounds: &partition.LLBounds{LLAIS: ais, LLAISErr: 0.1, LLRAIS: rais, LLRAISErr: 0.1}}},
		}
	}
	mk := func(trLo, trHi, ais, rais float64) *RunEval {
		return mkErr(trLo, trHi, ais, rais, [2]float64{0.1, 0.1})
	}
	withMode := func(re *RunEval, llMode float64) *RunEval {
		re.Results[0].LLMode = &llMode
		return re
	}
	cases := []struct {
		name           string
		re             *RunEval
		lower, upper   float64
		agree, met     bool
		noteSubstrings []string
	}{
		{"proper", mk(-74.4, -74.0, -74.2, -74.5), -74.5, -74.0, true, true, nil},
		{"trajectory inverted", mk(-69.5, -78.3, -74.2, -74.4), -78.3, -69.5, true, false, []string{"trajectory's one-sided values are inverted"}},
		{"ais inverted beyond 3 SE", mk(-74.4, -74.0, -74.2, -73.7), -74.4, -73.7, true, false, []string{"inverted (ll_rais"}},
		{"ais inverted within noise", mk(-74.4, -74.0, -74.2, -74.0), -74.4, -74.0, true, true, []string{"inverted (ll_rais"}},
		// inverted, the lower end −80 is LLUpper with error 2.5, so it
		// reaches −85 and covers ais+rais at −82; with LLLower's error 0.1
		// it would stop at −80.2 and call the methods in disagreement
		{"trajectory inverted, each end with its error", mkErr(-70, -80, -82.0, -82.3, [2]float64{2.5, 0.1}), -82.3, -70, true, false, []string{"inverted"}},
		{"disagree", mk(-80.4, -80.0, -74.2, -74.5), -80.4, -74.2, false, false, []string{"disagree"}},
		{"below -88", mk(-90.4, -90.0, -90.2, -90.5), -90.5, -90.0, true, false, nil},
		{"mode bound below the bracket", withMode(mk(-74.4, -74.0, -74.2, -74.5), -80), -74.5, -74.0, true, false, []string{"ll_mode -80.00, lies below the bracket"}},
		{"mode bound above it", withMode(mk(-74.4, -74.0, -74.2, -74.5), -40), -74.5, -74.0, true, true, nil},
	}
	for _, tc := range cases {
		f, err := Summarize(tc.re, EvalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if f.LLLower != tc.lower || f.LLUpper != tc.upper || f.Agree != tc.agree || f.Target == nil || f.Target.Met != tc.met {
			t.Errorf("%s: [%v, %v] agree %v met %v, want [%v, %v] %v %v", tc.name, f.LLLower, f.LLUpper, f.Agree, f.Target != nil && f.Target.Met, tc.lower, tc.upper, tc.agree, tc.met)
		}
		for _, sub := range tc.noteSubstrings {
			if !strings.Contains(f.Note, sub) {
				t.Errorf("%s: note %q lacks %q", tc.name, f.Note, sub)
			}
		}
	}
}

// TestRAISStartsKeepsLast checks the reverse-AIS start cache: asking again
// for the last file's states returns the same states (not made twice), and
// only the last file's are kept, so memory is one set for any number of
// checkpoints. States from the data split (a fresh copy each time they are
// made) make "made again" visible as a new pointer.
func TestRAISStartsKeepsLast(t *testing.T) {
	set := &dataset.Set{X: tensor.NewMat32(10, 4)}
	for i := range set.X.Data {
		set.X.Data[i] = float32(i % 2)
	}
	j := &evalJob{o: EvalOptions{Chains: 3, RAISStart: "data", Seed: 1}, set: set}
	md := rbm.New(4, 2)
	get := func(path string) *tensor.Mat32 {
		t.Helper()
		v, pt, err := j.raisStarts(context.Background(), md, path, "test")
		if err != nil || pt != nil {
			t.Fatalf("raisStarts(%q): pt %v, err %v", path, pt, err)
		}
		return v
	}
	a := get("a.npz")
	if again := get("a.npz"); again != a {
		t.Errorf("the last file's states were made again instead of reused")
	}
	b := get("b.npz")
	if b == a || j.starts.path != "b.npz" || j.starts.v != b {
		t.Errorf("after b.npz the cache holds %q (states reused from a: %v); want b.npz's only", j.starts.path, b == a)
	}
	if a2 := get("a.npz"); a2 == a || a2 == b {
		t.Errorf("a.npz's states were kept after b.npz's were made; want only the last set kept")
	}
}

// modeCheck warns for a trajectory point whose log Z, or whose reverse
// sum (its ll_lower side), is more than three errors below the point's
// certified bound, and not otherwise.
func TestModeCheck(t *testing.T) {
	bound, llMode := 100.0, -150.0
	for _, c := range []struct {
		name                string
		logZ, err, up, uErr float64
		bound               *float64
		want                string
	}{
		{"log Z far below", 90, 0.5, 91, 0.5, &bound, "the trajectory log Z 90.00 ± 0.50 is 10.00 below"},
		{"reverse sum below", 99.9, 0.1, 95, 0.5, &bound, "the trajectory's reverse sum 95.00 ± 0.50 is below"},
		{"within three errors", 99, 0.4, 99.5, 0.2, &bound, ""},
		{"no bound", 0, 0.1, 0, 0.1, nil, ""},
	} {
		tp := TrajectoryPoint{LogZ: c.logZ, LogZErr: c.err, LogZUpper: c.up, LogZUpperErr: c.uErr, LogZMode: c.bound, LLMode: &llMode}
		if got := modeCheck(tp); c.want == "" && got != "" || !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want %q…", c.name, got, c.want)
		}
	}
}

// branchCheck warns exactly for branch points whose effective sample size
// is below MinBranchESS of the branch's chains, naming the epoch it
// branches from and the remedy.
func TestBranchCheck(t *testing.T) {
	from := 10
	for _, c := range []struct {
		name  string
		steps int
		ess   float64
		warn  bool
	}{
		{"backbone point", 0, 0, false},
		{"healthy branch", 200, 40, false},
		{"at the threshold", 200, 10, false},
		{"few chains", 200, 9.9, true},
	} {
		tp := TrajectoryPoint{BranchSteps: c.steps, BranchESS: c.ess}
		if c.steps > 0 {
			tp.BranchFrom = &from
		}
		w := branchCheck(tp, 100)
		if (w != "") != c.warn || c.warn && !(strings.Contains(w, "epoch 10") && strings.Contains(w, "--traj-branch-steps")) {
			t.Errorf("%s: warning %q", c.name, w)
		}
	}
}
