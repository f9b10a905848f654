package reproduce

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/autocorr"
	"github.com/rbmscope/rbmscope/dynamics"
	"github.com/rbmscope/rbmscope/study"
	"github.com/rbmscope/rbmscope/symmetry"
)

// TestVerdictRule: the verdict of a claim from its value, margin and
// threshold, both directions.
func TestVerdictRule(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		value, margin float64
		n             int
		above         bool
		want          string
	}{
		{5, 0.5, 3, true, VerdictHolds},          // 4.5 > 4
		{4.2, 0.5, 3, true, VerdictInconclusive}, // 3.7 … 4.7 straddles 4
		{3, 0.5, 3, true, VerdictFails},          // 3.5 < 4
		{3, 0.5, 3, false, VerdictHolds},         // 3.5 < 4
		{4.2, 0.5, 3, false, VerdictInconclusive},
		{5, 0.5, 3, false, VerdictFails},
		{5, nan, 1, true, VerdictInconclusive}, // one replica: no spread
		{nan, nan, 0, true, VerdictNotMeasured},
		{5, 0, 3, true, VerdictHolds}, // an exact value (margin 0)
	} {
		c := &claimer{}
		c.add("x", SectionPaper, "1", "p", "s", tc.value, tc.margin, tc.n, tc.above, 4)
		got := c.out[0]
		if got.Verdict != tc.want {
			t.Errorf("value %v ± %v above=%v: verdict %s, want %s", tc.value, tc.margin, tc.above, got.Verdict, tc.want)
		}
		if (got.Holds == nil) != (tc.want == VerdictNotMeasured) || got.Holds != nil && *got.Holds != (tc.want == VerdictHolds) {
			t.Errorf("value %v: holds %v with verdict %s", tc.value, got.Holds, got.Verdict)
		}
	}
}

// TestMarginHelpers checks the statistics behind the margins against
// values worked out by hand.
func TestMarginHelpers(t *testing.T) {
	// 1, 2, 3, 6: mean 3, sample sd √(14/3), 2 SE = 2√(14/3)/2 = √(14/3).
	m, mg, n := mean2SE([]float64{1, 2, math.NaN(), 3, 6})
	if m != 3 || math.Abs(mg-math.Sqrt(14.0/3)) > 1e-12 || n != 4 {
		t.Errorf("mean2SE: %v %v %v", m, mg, n)
	}
	if _, mg, n := mean2SE([]float64{2}); !math.IsNaN(mg) || n != 1 {
		t.Errorf("one value: margin %v n %d, want NaN 1", mg, n)
	}
	f, fm, n := fraction2SE([]bool{true, true, true, false})
	if f != 0.75 || math.Abs(fm-0.5) > 1e-15 || n != 4 { // 2√(¼/4) = ½
		t.Errorf("fraction2SE: %v %v %v", f, fm, n)
	}
	// y = 1 + 2x exactly: slope 2, residuals 0, margin 0.
	s, sm, _ := slope2SE([]float64{0, 1, 2, 3}, []float64{1, 3, 5, 7})
	if math.Abs(s-2) > 1e-12 || sm > 1e-12 {
		t.Errorf("exact line: slope %v margin %v", s, sm)
	}
	// x = 0,1,2, y = 0,2,1: slope ½, residuals (½−… ) = −½·(0−1)... worked:
	// ȳ = 1, ŷ = 1 + ½(x−1) = ½, 1, 3/2; residuals −½, 1, −½; RSS = 3/2;
	// s² = RSS/(n−2) = 3/2; Sxx = 2; se = √(3/4); margin = 2·√(3/4) = √3.
	s, sm, _ = slope2SE([]float64{0, 1, 2}, []float64{0, 2, 1})
	if math.Abs(s-0.5) > 1e-12 || math.Abs(sm-math.Sqrt(3)) > 1e-12 {
		t.Errorf("slope2SE: %v %v, want 0.5 %v", s, sm, math.Sqrt(3))
	}
	// Same data: se(intercept)² = s²Σx²/(nSxx) = (3/2)(5)/(3·2) = 5/4, margin 2·√(5/4) = √5.
	if got := interceptSE([]float64{0, 1, 2}, []float64{0, 2, 1}); math.Abs(got-math.Sqrt(5)) > 1e-12 {
		t.Errorf("interceptSE %v, want √5", got)
	}
}

// TestSaddleClaims: the saddle's distance from the data cloud in data sds,
// √((ū/s_u)² + (w̄/s_w)²), at the last epoch (trained) and at epoch 0
// (untrained), over three runs, against values worked out by hand.
func TestSaddleClaims(t *testing.T) {
	ep := func(epoch int, u, su, w, sw float64) symmetry.EpochResult {
		return symmetry.EpochResult{Epoch: epoch, DataU: [2]float64{u, su}, DataW: [2]float64{w, sw}}
	}
	s := &Summary{Settings: Settings{Method: "pcd"}, tracks: map[string]*symmetry.Tracking{}}
	// Per run (epoch 0; last): (0.3/0.3, 0.4/0.1) → √(1+16) = √17; (3/1, 4/2) → √13.
	for i, id := range []string{"a", "b", "c"} {
		s.Runs = append(s.Runs, RunSummary{ID: id, Hidden: 100, Method: "pcd", Status: "done"})
		s.tracks[id] = &symmetry.Tracking{Epochs: []symmetry.EpochResult{ep(0, 0.3, 0.3, 0.4, 0.1), ep(4, 3*float64(i+1), float64(i+1), 4, 2)}}
	}
	if got := saddleSDs(ep(0, -3, 1, 4, 2)); math.Abs(got-math.Sqrt(13)) > 1e-12 {
		t.Errorf("saddleSDs = %v, want √13", got)
	}
	if got := saddleSDs(ep(0, 1, 0, 1, 1)); !math.IsNaN(got) {
		t.Errorf("no data spread: %v, want NaN", got)
	}
	c := &claimer{s: s}
	c.saddle()
	c.saddleUntrained()
	// Trained: √13 in every run (sd 0: margin 0) > 3 holds; untrained √17 > 3 fails.
	for i, want := range []struct {
		id, verdict string
		value       float64
	}{{"fig2-saddle", VerdictHolds, math.Sqrt(13)}, {"fig2-saddle-untrained", VerdictFails, math.Sqrt(17)}} {
		got := c.out[i]
		if got.ID != want.id || got.Verdict != want.verdict || math.Abs(got.Value-want.value) > 1e-12 || got.Margin > 1e-12 || got.N != 3 {
			t.Errorf("%s: %+v, want %s %v", want.id, got, want.verdict, want.value)
		}
	}
}

// TestGapBracket: the dynamics claim's bracket of τ(fastest unstable) −
// τ(slowest stable) with two error bars each side, by hand.
func TestGapBracket(t *testing.T) {
	mode := func(unstable bool, tau, err float64) dynamics.ModeRelaxation {
		return dynamics.ModeRelaxation{Unstable: unstable, U: autocorr.IAT{Tau: tau, Err: err}}
	}
	for _, tc := range []struct {
		modes []dynamics.ModeRelaxation
		want  [2]float64
	}{
		// unstable 10 ± 1 and 20 ± 1, stable 3 ± 0.5: [8 − 4, 12 − 2] = [4, 10] (holds).
		{[]dynamics.ModeRelaxation{mode(true, 10, 1), mode(true, 20, 1), mode(false, 3, 0.5)}, [2]float64{4, 10}},
		// unstable 5 ± 1, stable 4 ± 1: [3 − 6, 7 − 2] = [−3, 5] (inconclusive).
		{[]dynamics.ModeRelaxation{mode(true, 5, 1), mode(false, 4, 1)}, [2]float64{-3, 5}},
		// unstable 2 ± 0.1, stable 9 ± 0.5: [1.8 − 10, 2.2 − 8] = [−8.2, −5.8] (fails).
		{[]dynamics.ModeRelaxation{mode(true, 2, 0.1), mode(false, 9, 0.5)}, [2]float64{-8.2, -5.8}},
	} {
		if got := gapBracket(tc.modes); math.Abs(got[0]-tc.want[0]) > 1e-12 || math.Abs(got[1]-tc.want[1]) > 1e-12 {
			t.Errorf("gapBracket = %v, want %v", got, tc.want)
		}
	}
}

// TestDynamicsClaim: the middles of the runs' brackets, mean ± 2 SE.
func TestDynamicsClaim(t *testing.T) {
	s := &Summary{dyn: &DynamicsData{Modes: make([]dynamics.ModeRelaxation, 4)}}
	s.Dynamics = &DynamicsNumbers{Hidden: 500, Claims: study.DynamicsClaims{Unstable: 2},
		Runs: []DynamicsGap{{ID: "a", Gap: [2]float64{1, 3}}, {ID: "b", Gap: [2]float64{2, 4}}, {ID: "c", Gap: [2]float64{3, 5}}}}
	c := &claimer{s: s}
	c.dynamics()
	// Middles 2, 3, 4: mean 3, sample sd 1, 2 SE = 2/√3.
	if got := c.out[0]; got.Verdict != VerdictHolds || got.Value != 3 || math.Abs(got.Margin-2/math.Sqrt(3)) > 1e-12 || got.N != 3 {
		t.Errorf("claim %+v", got)
	}
	s.Dynamics.Runs[0].Gap = [2]float64{-200, -100} // middles −150, 3, 4: inconclusive
	c = &claimer{s: s}
	c.dynamics()
	if got := c.out[0]; got.Verdict != VerdictInconclusive {
		t.Errorf("with an outlier: %+v", got)
	}
}

// TestCompareClaims: verdicts paired by id; a difference or a claim
// missing on one side is disagreement.
func TestCompareClaims(t *testing.T) {
	a := []Claim{{ID: "x", Verdict: VerdictHolds}, {ID: "y", Verdict: VerdictFails}}
	b := []Claim{{ID: "y", Verdict: VerdictFails}, {ID: "x", Verdict: VerdictHolds}}
	if pairs, agree := CompareClaims(a, b); !agree || len(pairs) != 2 || pairs[0].ID != "x" || !pairs[1].Same {
		t.Errorf("same verdicts: agree %v %+v", agree, pairs)
	}
	b[1].Verdict = VerdictInconclusive
	if pairs, agree := CompareClaims(a, b); agree || pairs[0].Same {
		t.Errorf("a changed verdict went unnoticed")
	}
	if _, agree := CompareClaims(a, append(b[:1:1], Claim{ID: "z"})); agree {
		t.Errorf("claims missing on one side went unnoticed")
	}
	if tab := VerdictTable([]ClaimPair{{ID: "x", A: &a[0]}}, "seed 1", "seed 2"); !strings.Contains(tab, "| x |") || !strings.Contains(tab, "absent") {
		t.Errorf("table:\n%s", tab)
	}
}

// TestTinySeeds runs the tiny preset with a second seed and compares its
// claims with seed 1's: the machinery of "make reproduce --seed 1/2"
// (the tiny models are too small for the paper's effects, so the verdicts
// themselves are not asserted, only that every claim is computed and
// paired, and that results/summary.json holds the documented fields).
func TestTinySeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("a second tiny pipeline (~15 s)")
	}
	dir1, res1 := runTiny(t)
	s, _ := Preset("tiny")
	s.Seed = 2
	dir2 := t.TempDir()
	res2, err := Run(context.Background(), s, Options{Out: dir2, NoFigures: true})
	if err != nil {
		t.Fatal(err)
	}
	a, b := res1.Summary.Claims, res2.Summary.Claims
	if len(a) < 15 {
		t.Errorf("%d claims, want ≥ 15", len(a))
	}
	pairs, _ := CompareClaims(a, b)
	adds := 0
	for _, p := range pairs {
		if p.A == nil || p.B == nil {
			t.Errorf("claim %s on one side only", p.ID)
			continue
		}
		if p.A.Verdict == "" || p.A.Rule == "" && p.A.Verdict != VerdictNotMeasured {
			t.Errorf("claim %s: no verdict or rule: %+v", p.ID, p.A)
		}
		if p.A.Section == SectionAdds {
			adds++
		}
	}
	if adds == 0 || adds == len(pairs) {
		t.Errorf("%d of %d claims are rbmscope's additions; want both sections", adds, len(pairs))
	}
	var out strings.Builder
	err = compareDirs(&out, dir1, dir2, false)
	if _, agree := CompareClaims(a, b); (err == nil) != agree || !strings.Contains(out.String(), "fig5-ks") {
		t.Errorf("compareDirs: err %v, agree %v, table:\n%s", err, agree, out.String())
	}
	raw, _ := os.ReadFile(filepath.Join(dir2, "results", "summary.json"))
	var js struct {
		Claims []map[string]any `json:"claims"`
	}
	if err := json.Unmarshal(raw, &js); err != nil || len(js.Claims) != len(b) {
		t.Fatalf("summary.json: %v", err)
	}
	for _, k := range []string{"figure", "paper", "shows", "holds", "value", "margin", "section", "verdict"} {
		if _, ok := js.Claims[0][k]; !ok {
			t.Errorf("summary.json claims lack %q", k)
		}
	}
}

// TestEstimateArithmetic: the extrapolation from measured costs, by hand.
func TestEstimateArithmetic(t *testing.T) {
	s, _ := Preset("tiny") // 2 epochs, batch 50, eval and track every epoch
	c := SizeCost{Method: s.Method, SweepSec: 0.5, UpdateSec: 2}
	s.extrapolate(&c, 300)
	// 2 epochs × 300/50 updates = 12; 12 × 2 s = 24 s.
	if c.Updates != 12 || math.Abs(c.TrainHours-24.0/3600) > 1e-15 {
		t.Errorf("training: %d updates, %v h", c.Updates, c.TrainHours)
	}
	// 3 checkpoints × (0.5/50 s per row-sweep) × chains·(2·betas + RAIS sweeps).
	wantEval := 3 * 0.01 * float64(s.AISChains*(2*s.AISBetas+s.RAISGibbs)) / 3600
	wantTrack := 3 * 0.01 * float64(s.GibbsChains*s.GibbsSteps) / 3600
	if math.Abs(c.EvalHours-wantEval) > 1e-15 || math.Abs(c.TrackHours-wantTrack) > 1e-15 {
		t.Errorf("eval %v h (want %v), track %v h (want %v)", c.EvalHours, wantEval, c.TrackHours, wantTrack)
	}
	for _, tc := range [][3]int{{8, 8, 2}, {5, 2, 4}, {100, 10, 11}, {100, 1, 101}} {
		if got := countEvery(tc[0], tc[1]); got != tc[2] {
			t.Errorf("countEvery(%d, %d) = %d, want %d", tc[0], tc[1], got, tc[2])
		}
	}
}

// TestEstimateProbe measures the tiny preset's costs: positive, and the
// per-update cost grows with k.
func TestEstimateProbe(t *testing.T) {
	s, _ := Preset("tiny")
	est, err := Estimate(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(est.Sizes) != len(s.Hidden)+len(s.ExtraMethods()) || !(est.TotalHours > 0) || !strings.Contains(est.String(), "sweep") {
		t.Errorf("estimate %+v", est)
	}
	for _, c := range est.Sizes {
		if !(c.UpdateSec > 0) || c.SweepSec < 0 || c.Runs != s.Replicas {
			t.Errorf("M=%d %s: %+v", c.Hidden, c.Method, c)
		}
	}
}
