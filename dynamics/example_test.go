package dynamics_test

import (
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/dynamics"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

// The integrated autocorrelation time of an AR(1) process with ρ = 0.5
// is (1+ρ)/(1−ρ) = 3.
func ExampleAutocov() {
	acc, _ := dynamics.NewAutocov(5000)
	x := make([]float64, 5000)
	for c := 0; c < 20; c++ {
		r := tensor.RowRand(1, c)
		x[0] = r.NormFloat64()
		for t := 1; t < len(x); t++ {
			x[t] = 0.5*x[t-1] + math.Sqrt(0.75)*r.NormFloat64()
		}
		acc.Add(x)
	}
	iat := acc.IntegratedTime(0)
	fmt.Printf("τ within 3 errors of 3: %v\n", math.Abs(iat.Tau-3) < 3*iat.Err)
	// Output: τ within 3 errors of 3: true
}

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
