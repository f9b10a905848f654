package dynamics_test

import (
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/dynamics"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

// The Fokker–Planck rates of the double well Φ = q⁴/4 − q² (T5.2 of docs/theory.md §Tests).
func ExampleFPSpectrum() {
	g, _ := dynamics.NewGrid(-5, 5, 2001)
	rates, _ := dynamics.FPSpectrum(g, g.Eval(func(q float64) float64 { return q*q*q*q/4 - q*q }), 3)
	fmt.Printf("%.3f %.3f %.3f\n", math.Abs(rates[0]), rates[1], rates[2])
	// Output: 0.000 0.374 3.002
}

// A Gaussian-closure mode at σ = 3 relaxes to the variance 4/7 of K⁻¹.
func ExampleRunLangevin() {
	o := dynamics.LangevinOptions{Particles: 1000, Steps: 4000, Dt: 2e-3, Seed: 1}
	l, _ := dynamics.RunLangevin([]float64{0, 0}, dynamics.QuadraticGrad(dynamics.ClosureStiffness(3, 0.25, 0.25), 2), o)
	fmt.Printf("variance within 10%% of 4/7: %v\n", math.Abs(l.Var[0][0]-4.0/7) < 0.4/7)
	// Output: variance within 10% of 4/7: true
}

// Relax measures the leading modes of a model and sets the closure's
// prediction beside them.
func ExampleRelax() {
	md := rbm.New(20, 10)
	r := tensor.RowRand(2, 0)
	for i := range md.W.Data {
		md.W.Data[i] = 0.3 * r.NormFloat64()
	}
	f, _ := reciprocal.NewFrame(md, "")
	rel, _ := dynamics.Relax(md, f, 2, dynamics.ChainOptions{Chains: 20, Sweeps: 500, BurnIn: 50, Seed: 1})
	for _, m := range rel.Modes {
		fmt.Printf("mode %d: unstable %v, predicted τ_u %.2f\n", m.Mode+1, m.Unstable, m.TauPredU)
	}
	// Output:
	// mode 1: unstable false, predicted τ_u 1.98
	// mode 2: unstable false, predicted τ_u 1.80
}

// The closure's Gibbs chain at p = ½: τ_u = 1/(1 − σ/4), τ_w = 1/(1 + σ/4).
func ExampleClosureTaus() {
	u, w := dynamics.ClosureTaus(2, 0.25, 0.25)
	fmt.Printf("τ_u = %.3f, τ_w = %.3f\n", u, w)
	u, _ = dynamics.ClosureTaus(5, 0.25, 0.25)
	fmt.Println("σ = 5:", u)
	// Output:
	// τ_u = 2.000, τ_w = 0.667
	// σ = 5: +Inf
}

// The Schrödinger operator of the harmonic potential Φ = q²/2 has
// V_s = q²/4 − ½ and the spectrum n (Eq. 48 with ω = 1).
func ExampleSchrodingerSpectrum() {
	g, _ := dynamics.NewGrid(-10, 10, 2001)
	vs := g.Eval(dynamics.SchrodingerPotential(func(q float64) float64 { return q }, func(float64) float64 { return 1 }))
	levels, _ := dynamics.SchrodingerSpectrum(g, vs, 3)
	fmt.Printf("%.2f %.2f %.2f\n", math.Abs(levels[0]), levels[1], levels[2])
	// Output: 0.00 1.00 2.00
}

// The empirical potential of standard normal samples is q²/2 up to a
// constant, so its slowest Fokker–Planck rate is about 1.
func ExampleEmpiricalPotential() {
	xs := make([]float64, 20000)
	r := tensor.RowRand(3, 0)
	for i := range xs {
		xs[i] = r.NormFloat64()
	}
	p, _ := dynamics.EmpiricalPotential(xs, 150)
	rates, _ := dynamics.FPSpectrum(p.Grid, p.Phi, 2)
	fmt.Printf("λ₁ ≈ 1: %v\n", math.Abs(rates[1]-1) < 0.1)
	// Output: λ₁ ≈ 1: true
}
