package partition

import (
	"math"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/tensor"
)

func TestSchedules(t *testing.T) {
	for _, c := range []struct {
		kind  string
		k     int
		check func(b []float64) bool
	}{
		{Linear, 4, func(b []float64) bool { return b[1] == 0.25 && b[2] == 0.5 && b[3] == 0.75 }},
		{SM08, 14500, func(b []float64) bool {
			return b[500] == 0.5 && math.Abs(b[4500]-0.9) < 1e-15 && math.Abs(b[250]-0.25) < 1e-15 &&
				math.Abs(b[4500+5000]-0.95) < 1e-12
		}},
		{SM08, 29, func(b []float64) bool { return b[1] == 0.5 && math.Abs(b[9]-0.9) < 1e-15 }},
		{Geometric, 5, func(b []float64) bool {
			return math.Abs(b[1]-1e-4) < 1e-18 && math.Abs(b[2]-1e-3) < 1e-15 && math.Abs(b[4]-1e-1) < 1e-15
		}},
	} {
		b, err := Schedule(c.kind, c.k)
		if err != nil {
			t.Fatalf("%s K=%d: %v", c.kind, c.k, err)
		}
		if len(b) != c.k+1 || b[0] != 0 || b[c.k] != 1 || checkBetas(b) != nil || !c.check(b) {
			t.Errorf("%s K=%d: bad schedule %v", c.kind, c.k, b[:min(len(b), 12)])
		}
	}
	for _, c := range []struct {
		kind string
		k    int
	}{{"cosine", 10}, {Linear, 0}, {SM08, 2}, {Geometric, 1}} {
		if _, err := Schedule(c.kind, c.k); err == nil {
			t.Errorf("%s K=%d accepted", c.kind, c.k)
		}
	}
}

func TestLogMeanExpAndEstimators(t *testing.T) {
	if got := LogMeanExp([]float64{1000, 1000}); got != 1000 {
		t.Errorf("LogMeanExp overflowed: %v", got)
	}
	x := []float64{0.1, -0.7, 2.3, 1.1}
	want := math.Log((math.Exp(0.1) + math.Exp(-0.7) + math.Exp(2.3) + math.Exp(1.1)) / 4)
	if d := math.Abs(LogMeanExp(x) - want); d > 1e-15 {
		t.Errorf("LogMeanExp off by %g", d)
	}
	wantRev := -math.Log((math.Exp(-0.1) + math.Exp(0.7) + math.Exp(-2.3) + math.Exp(-1.1)) / 4)
	if d := math.Abs(EstimateLogZ(x, true, LogMeanExpEstimator) - wantRev); d > 1e-15 {
		t.Errorf("reverse estimator off by %g", d)
	}
	if EstimateLogZ(x, true, Mean) != 0.7 || EstimateLogZ(x, false, Mean) != 0.7 {
		t.Error("mean estimator")
	}
	for _, s := range []string{"mean", "lme", "logmeanexp"} {
		if _, err := ParseEstimator(s); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseEstimator("median"); err == nil {
		t.Error("median accepted")
	}
}

// On log-weights with a known law the estimators have the expectations the
// package relies on. With log w ~ N(μ, σ²), Z = E[w] = e^{μ+σ²/2}
// (lognormal mean), so the forward log-mean-exp gives E[e^{Ẑ}] = Z exactly;
// with log r ~ N(μ, σ²), 1/Z = E[1/r] = e^{−μ+σ²/2}, and the reverse one
// gives E[e^{−Ẑ}] = 1/Z exactly; the mean estimator's expectation is μ, i.e.
// log Z ∓ σ²/2, the widening of the sandwich. Each is checked over R
// independent repetitions of n values, within 4 standard errors taken from
// the spread of the repetitions: for the ratios sd ≈ √((e^{σ²}−1)/n) ≈ 0.3,
// so the band is about ±0.027, for the mean σ/√(nR) ≈ 0.0057 against a
// σ²/2 = 0.32 offset.
func TestEstimatorsOnLognormalWeights(t *testing.T) {
	const (
		mu, sigma = 3.0, 0.8
		n, reps   = 10, 2000
	)
	logZFwd, logZRev := mu+sigma*sigma/2, mu-sigma*sigma/2
	type acc struct{ s, s2 float64 }
	add := func(a *acc, x float64) { a.s, a.s2 = a.s+x/reps, a.s2+x*x/reps }
	se := func(a acc) float64 { return math.Sqrt((a.s2 - a.s*a.s) / (reps - 1)) }
	var fwd, rev, mean acc
	x := make([]float64, n)
	for r := 0; r < reps; r++ {
		g := tensor.RowRand(23, r)
		for i := range x {
			x[i] = mu + sigma*g.NormFloat64()
		}
		add(&fwd, math.Exp(EstimateLogZ(x, false, LogMeanExpEstimator)-logZFwd))
		add(&rev, math.Exp(logZRev-EstimateLogZ(x, true, LogMeanExpEstimator)))
		add(&mean, EstimateLogZ(x, false, Mean))
		if m := EstimateLogZ(x, true, Mean); m != EstimateLogZ(x, false, Mean) {
			t.Fatalf("mean estimator depends on the direction: %v vs %v", m, EstimateLogZ(x, false, Mean))
		}
	}
	t.Logf("E[Ẑ/Z] %.4f ± %.4f, E[Z/Ẑ_rev] %.4f ± %.4f, E[mean] − μ %.4f ± %.4f", fwd.s, se(fwd), rev.s, se(rev), mean.s-mu, se(mean))
	if math.Abs(fwd.s-1) > 4*se(fwd) {
		t.Errorf("forward log-mean-exp: E[Ẑ/Z] = %.4f ± %.4f, want 1", fwd.s, se(fwd))
	}
	if math.Abs(rev.s-1) > 4*se(rev) {
		t.Errorf("reverse log-mean-exp: E[Z/Ẑ] = %.4f ± %.4f, want 1", rev.s, se(rev))
	}
	if math.Abs(mean.s-mu) > 4*se(mean) {
		t.Errorf("mean estimator: E = %.4f ± %.4f, want μ = %v (log Z ∓ σ²/2)", mean.s, se(mean), mu)
	}
}

// The bootstrap error of the mean of n normal values is sd/√n.
func TestBootstrapSE(t *testing.T) {
	const n = 2000
	x := make([]float64, n)
	g := tensor.RowRand(17, 0)
	for i := range x {
		x[i] = 3 + 0.5*g.NormFloat64()
	}
	se := BootstrapSE(x, false, Mean, 400, 1)
	want := 0.5 / math.Sqrt(n)
	if math.Abs(se/want-1) > 0.15 {
		t.Errorf("bootstrap se %.5f, want about %.5f", se, want)
	}
	if se != BootstrapSE(x, false, Mean, 400, 1) {
		t.Error("bootstrap not reproducible")
	}
	// For small spread logmeanexp ≈ mean, so their errors agree.
	if lse := BootstrapSE(x, false, LogMeanExpEstimator, 400, 1); math.Abs(lse/se-1) > 0.3 {
		t.Errorf("logmeanexp se %.5f vs mean se %.5f", lse, se)
	}
	if !math.IsNaN(BootstrapSE(x[:1], false, Mean, 10, 1)) {
		t.Error("one chain has no error estimate")
	}
}

func TestBaseRate(t *testing.T) {
	a := BaseRate([]float64{0, 0.5, 1, 0.25})
	want := []float64{math.Log(1e-3 / (1 - 1e-3)), 0, math.Log((1 - 1e-3) / 1e-3), math.Log(1.0 / 3)}
	for i := range a {
		if math.Abs(a[i]-want[i]) > 1e-12 {
			t.Errorf("BaseRate[%d] = %v, want %v", i, a[i], want[i])
		}
	}
	// log Z_A = Σ sp(a) + M log 2: a product of independent units.
	if d := LogZBase([]float64{0, 0}, 3) - 5*math.Ln2; math.Abs(d) > 1e-15 {
		t.Errorf("LogZBase off by %g", d)
	}
}

func TestEffectiveSampleSize(t *testing.T) {
	for _, c := range []struct {
		name    string
		logw    []float64
		reverse bool
		want    float64
	}{
		{"equal", []float64{3, 3, 3, 3}, false, 4},
		{"one dominates", []float64{0, -50, -60, -70}, false, 1},
		{"two of four", []float64{700, 700, 0, -1e3}, false, 2},
		{"reverse flips the sign", []float64{0, 50, 60, 70}, true, 1},
		// weights 1 and 2: (1+2)²/(1+4) = 9/5
		{"closed form", []float64{0, math.Ln2}, false, 1.8},
	} {
		if got := EffectiveSampleSize(c.logw, c.reverse); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: ESS %v, want %v", c.name, got, c.want)
		}
	}
}

func TestWarnings(t *testing.T) {
	even := &Result{Method: "ais", ESS: 180, Chains: 200}
	evenR := &Result{Method: "rais", ESS: 150, Chains: 200}
	ok := LLBounds{LogZAIS: 100, LogZRAIS: 101, LLAISErr: 0.5, LLRAISErr: 0.5}
	if w := Warnings(ok, even, evenR); len(w) != 0 {
		t.Fatalf("sound bounds drew warnings: %q", w)
	}
	few := &Result{Method: "ais", ESS: 3.2, Chains: 200}
	if w := Warnings(ok, few, evenR); len(w) != 1 || !strings.Contains(w[0], "effective sample size 3.2 of 200") {
		t.Fatalf("low ESS: %q", w)
	}
	// Resampled down to 12 families of 200 chains: the genealogy error is
	// itself uncertain. 25 families (one in eight) and a run that never
	// resampled (Eves = Chains, or unset) draw nothing.
	collapsed := &Result{Method: "ais", ESS: 150, Chains: 200, Resamples: 6, Eves: 12}
	if w := Warnings(ok, collapsed, evenR); len(w) != 1 || !strings.Contains(w[0], "descend from only 12 initial chains") {
		t.Fatalf("collapsed genealogy: %q", w)
	}
	for _, r := range []*Result{{Method: "ais", ESS: 150, Chains: 200, Resamples: 3, Eves: 25}, {Method: "ais", ESS: 150, Chains: 200, Eves: 200}} {
		if w := Warnings(ok, r, evenR); len(w) != 0 {
			t.Fatalf("%d families of %d drew warnings: %q", r.Eves, r.Chains, w)
		}
	}
	// Pooled runs whose spread their errors cannot explain (p < 0.01), and
	// ones that agree.
	disagree := &Result{Method: "ais", ESS: 150, Chains: 600, Spread: &Spread{Runs: 3, SD: 1.2, Chi2: 14.5, P: 7.1e-4}}
	if w := Warnings(ok, disagree, evenR); len(w) != 1 || !strings.Contains(w[0], "3 independent runs disagree") {
		t.Fatalf("disagreeing runs: %q", w)
	}
	if w := Warnings(ok, &Result{Method: "ais", ESS: 150, Chains: 600, Spread: &Spread{Runs: 3, Chi2: 1.1, P: 0.58}}, evenR); len(w) != 0 {
		t.Fatalf("agreeing runs drew warnings: %q", w)
	}
	inverted := LLBounds{LogZAIS: 363.8, LogZRAIS: 344.0, LLAIS: -103.6, LLAISErr: 2.8, LLRAISErr: 4.3}
	if w := Warnings(inverted, even, evenR); len(w) != 1 || !strings.Contains(w[0], "inverted sandwich") {
		t.Fatalf("inverted sandwich: %q", w)
	}
	// Within three combined standard errors is noise, not an inversion.
	noisy := LLBounds{LogZAIS: 100, LogZRAIS: 98, LLAISErr: 1, LLRAISErr: 1}
	if w := Warnings(noisy, even, evenR); len(w) != 0 {
		t.Fatalf("overlapping bounds drew warnings: %q", w)
	}
	if w := Warnings(ok, nil, nil); len(w) != 0 {
		t.Fatalf("no estimates, warnings %q", w)
	}
}
