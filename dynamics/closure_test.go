package dynamics

import (
	"github.com/rbmscope/rbmscope/autocorr"
	"math"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

// ClosureTaus: the symmetric case is 1/(1 ∓ σs²) exactly; an asymmetric
// case matches a simulation of the closure's Gaussian Gibbs chain within
// three Madras–Sokal error bars (the estimator's own test is
// TestIATAR1); ρ ≥ 1 diverges.
func TestClosureTaus(t *testing.T) {
	for _, sig := range []float64{0.5, 2, 3.9} {
		u, w := ClosureTaus(sig, 0.25, 0.25)
		if math.Abs(u-1/(1-sig/4)) > 1e-12*u || math.Abs(w-1/(1+sig/4)) > 1e-12 {
			t.Errorf("σ=%v: (%v, %v), want (%v, %v)", sig, u, w, 1/(1-sig/4), 1/(1+sig/4))
		}
	}
	if u, w := ClosureTaus(4.5, 0.25, 0.25); !math.IsInf(u, 1) || !math.IsInf(w, 1) {
		t.Errorf("σ > 4: (%v, %v), want +Inf", u, w)
	}
	const sig, sx2, sy2, n = 3.0, 0.09, 0.25, 4000
	wantU, wantW := ClosureTaus(sig, sx2, sy2)
	au, _ := autocorr.NewAutocov(n)
	aw, _ := autocorr.NewAutocov(n)
	us, ws := make([]float64, n), make([]float64, n)
	for c := 0; c < 50; c++ {
		r := tensor.RowRand(31, c)
		x := 0.0
		for t0 := -200; t0 < n; t0++ {
			y := sig*sy2*x + math.Sqrt(sy2)*r.NormFloat64()
			if t0 >= 0 {
				us[t0], ws[t0] = (x+y)/math.Sqrt2, (y-x)/math.Sqrt2
			}
			x = sig*sx2*y + math.Sqrt(sx2)*r.NormFloat64()
		}
		au.Add(us)
		aw.Add(ws)
	}
	gu, gw := au.IntegratedTime(0), aw.IntegratedTime(0)
	if math.Abs(gu.Tau-wantU) > 3*gu.Err || math.Abs(gw.Tau-wantW) > 3*gw.Err {
		t.Errorf("simulated (%.4f ± %.4f, %.4f ± %.4f), closed form (%.4f, %.4f)", gu.Tau, gu.Err, gw.Tau, gw.Err, wantU, wantW)
	}
}

// At zero parameters every unit is ½ in mean field, so both variances
// are Σ_i U_ik²/4 = ¼.
func TestMeanFieldVariances(t *testing.T) {
	md := rbm.New(8, 5)
	md.W.Set(0, 0, 1e-3)
	md.W.Set(3, 2, -2e-3)
	f, err := reciprocal.NewFrame(md, "")
	if err != nil {
		t.Fatal(err)
	}
	sx2, sy2, err := MeanFieldVariances(md, f, 2)
	if err != nil {
		t.Fatal(err)
	}
	for k := range sx2 {
		// The fields are O(1e-3·½), so sig' differs from ¼ by < 1e-6.
		if math.Abs(sx2[k]-0.25) > 1e-6 || math.Abs(sy2[k]-0.25) > 1e-6 {
			t.Errorf("mode %d: (%v, %v), want ¼", k+1, sx2[k], sy2[k])
		}
	}
}
