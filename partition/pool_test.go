package partition

import (
	"context"
	"math"
	"testing"

	"github.com/rbmscope/rbmscope/tensor"
)

// Two runs of two unresampled chains: the pooled estimate is the
// log-mean-exp of all four log-weights (the mean of the runs' Ẑ), its
// relative variance Σ_r (e^{σ_r²} − 1)(Ẑ_r/Ẑ)²/4, and the runs' χ² about
// their weighted mean, with values 1 and 2 ± 0.5, is 2: P(χ²₁ > 2) =
// erfc(1).
func TestPoolClosedForms(t *testing.T) {
	a := &Result{Method: "ais", LogW: []float64{1, 1}, LogZ: 1, LogZErr: 0.5, LogZMean: 1, LogZMeanErr: 0.3, Chains: 2, Betas: 10}
	b := &Result{Method: "ais", LogW: []float64{2, 2}, LogZ: 2, LogZErr: 0.5, LogZMean: 2, LogZMeanErr: 0.4, Chains: 2, Betas: 10}
	p, err := Pool([]*Result{a, b})
	if err != nil {
		t.Fatal(err)
	}
	lz := math.Log((2*math.E + 2*math.Exp(2)) / 4)
	v := math.Expm1(0.25) * (math.Exp(2*(1-lz)) + math.Exp(2*(2-lz))) / 4
	checks := []struct {
		name      string
		got, want float64
	}{
		{"log Z", p.LogZ, lz},
		{"error", p.LogZErr, math.Sqrt(math.Log1p(v))},
		{"mean", p.LogZMean, 1.5},
		{"mean error", p.LogZMeanErr, 0.25},
		{"ESS", p.ESS, 4 * math.Pow(math.E+math.Exp(2), 2) / (2 * (math.Exp(2) + math.Exp(4)))},
		{"chains", float64(p.Chains), 4},
		{"χ²", p.Spread.Chi2, 2},
		{"P", p.Spread.P, math.Erfc(1)},
		{"sd", p.Spread.SD, math.Sqrt(0.5)},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-12*max(1, math.Abs(c.want)) {
			t.Errorf("%s: %.15g, want %.15g", c.name, c.got, c.want)
		}
	}
	if want := []int32{0, 1, 2, 3}; len(p.Eve) != 4 || p.Eve[2] != want[2] || p.Eve[3] != want[3] {
		t.Errorf("eves %v, want %v", p.Eve, want)
	}
	c := &Result{Method: "ais", LogW: []float64{1, 1, 1}, Chains: 3, Betas: 10}
	if _, err := Pool([]*Result{a, c}); err == nil {
		t.Error("runs with 2 and 3 chains pooled")
	}
	if one, _ := Pool([]*Result{a}); one != a {
		t.Error("one run is not returned as is")
	}
}

// Eight resampled AIS runs of 50 chains on the rugged 16×10 model (K = 15):
// the pooled estimate lands within 4 of its errors of the exact log Z (its
// error, logged, is near 1/√8 of a single run's), and the runs agree with their
// genealogy errors (P above 0.001; under correct errors P is uniform, so
// this fixed-seed check fails by chance with probability 0.001).
func TestPoolMatchesExact(t *testing.T) {
	md := randomModel(16, 10, 2, 1, 4)
	lz, err := ExactLogZ(md)
	if err != nil {
		t.Fatal(err)
	}
	betas := mustSchedule(t, Linear, 15)
	var runs []*Result
	single := 0.0
	for r := 0; r < 8; r++ {
		o := Options{Betas: betas, Chains: 50, BaseVisible: make([]float64, 16), Seed: 300 + uint64(r), Resample: 0.5}
		a, err := AIS(context.Background(), tensor.Default(), md, o)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, a)
		single += a.LogZErr / 8
	}
	p, err := Pool(runs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pooled %.4f ± %.4f (exact %.4f); single-run errors %.4f on average; runs sd %.4f, χ² %.2f, P %.3f",
		p.LogZ, p.LogZErr, lz, single, p.Spread.SD, p.Spread.Chi2, p.Spread.P)
	if math.Abs(p.LogZ-lz) > 4*p.LogZErr {
		t.Errorf("pooled log Z %.4f ± %.4f, exact %.4f", p.LogZ, p.LogZErr, lz)
	}
	if !(p.Spread.P > 1e-3) {
		t.Errorf("runs disagree with their own errors: χ² %.2f, P %.2g", p.Spread.Chi2, p.Spread.P)
	}
}
