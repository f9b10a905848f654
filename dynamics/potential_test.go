package dynamics

import (
	"math"
	"testing"

	"github.com/rbmscope/rbmscope/tensor"
)

// Samples of N(0,1): the binned KDE is N(0, 1+b²) (b the bandwidth) up to
// binning and sampling noise, so Φ' = q/(1+b²), the FP rates are
// n/(1+b²) (TestFPHarmonic's operator) and Langevin particles in Φ relax
// to variance 1+b². Tolerances: the FP rate λ₁ depends on the bulk of Φ,
// where 1e5 samples give a relative density error ~1/√(N·b·p) < 1%, so
// 3%; Φ' at q = ±1 is a difference quotient of that noise over the
// bandwidth (≈ 1%/b·H… ≤ 5%), so 10% of its value; the Langevin variance
// of 2000 particles has a 3.2% SD, the start's memory is e^{−10} and the
// step (capped at 5000 steps: dt = 1e-3) inflates it by 1/(1−dt/2), so 10%.
func TestEmpiricalPotentialGaussian(t *testing.T) {
	xs := make([]float64, 100000)
	r := tensor.RowRand(21, 0)
	for i := range xs {
		xs[i] = r.NormFloat64()
	}
	lm, err := AnalyzeLeading(xs, 200, 5000, LangevinOptions{Particles: 2000, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	p := lm.Potential
	v := 1 + p.Bandwidth*p.Bandwidth
	for _, q := range []float64{-1, 1} {
		if g := p.Grad(q); math.Abs(g-q/v) > 0.1 {
			t.Errorf("Φ'(%v) = %v, want %v", q, g, q/v)
		}
	}
	if math.Abs(lm.Rates[0]) > 1e-8 || math.Abs(lm.Rates[1]-1/v) > 0.03 {
		t.Errorf("FP rates %v, want 0, %v", lm.Rates, 1/v)
	}
	last := lm.Langevin.Var[len(lm.Langevin.Var)-1][0]
	if math.Abs(last-v) > 0.1*v {
		t.Errorf("Langevin variance %v, want %v", last, v)
	}
	// ∫p = 1 on the grid (trapezoid, error ~ H² p'' ≪ 1e-3).
	s := 0.0
	for _, d := range p.Density {
		s += d * p.Grid.H
	}
	if math.Abs(s-1) > 1e-3 {
		t.Errorf("∫p = %v", s)
	}
	// Three outliers far from the bulk are trimmed: they must not create
	// an island whose slow exchange with the bulk would set λ₁.
	out, err := EmpiricalPotential(append(append([]float64(nil), xs...), 15, 15.5, -14), 200)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := FPSpectrum(out.Grid, out.Phi, 2); math.Abs(r[1]-1/v) > 0.03 {
		t.Errorf("with outliers: λ₁ = %v, want %v", r[1], 1/v)
	}
	if _, err := EmpiricalPotential([]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 50); err == nil {
		t.Error("constant samples accepted")
	}
	if _, err := EmpiricalPotential(append(make([]float64, 20), math.NaN()), 50); err == nil {
		t.Error("NaN sample accepted")
	}
}
