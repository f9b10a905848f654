package partition

import (
	"context"
	"math"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// With W = 0 every unit is independent and one Gibbs sweep draws an exact
// sample, so between swap rounds the two rungs hold independent exact
// samples and the swap acceptance is the closed form
// E_{v~p0, v'~p1} min(1, f0(v')f1(v)/(f0(v)f1(v'))), here summed over
// all 2^N × 2^N pairs of a 4-unit model.
func TestTemperingSwapRateClosedForm(t *testing.T) {
	const n = 4
	a0 := []float64{-1, 0.5, 2, -0.3}
	a1 := []float64{1, -0.5, 0.2, 0.7}
	models := make([]*rbm.Model, 2)
	for k, a := range [][]float64{a0, a1} {
		models[k] = rbm.New(n, 1)
		copy(models[k].A, a)
	}
	logf := func(a []float64, s int) float64 { // log of the unnormalised p(v) for v = bits of s (h summed: +log 2 cancels)
		x := 0.0
		for i := range a {
			if s>>i&1 == 1 {
				x += float64(float32(a[i]))
			}
		}
		return x
	}
	logZ := func(a []float64) float64 {
		z := 0.0
		for s := 0; s < 1<<n; s++ {
			z += math.Exp(logf(a, s))
		}
		return math.Log(z)
	}
	z0, z1 := logZ(a0), logZ(a1)
	want := 0.0
	for s := 0; s < 1<<n; s++ {
		for u := 0; u < 1<<n; u++ {
			p := math.Exp(logf(a0, s) - z0 + logf(a1, u) - z1)
			d := logf(a0, u) + logf(a1, s) - logf(a0, s) - logf(a1, u)
			want += p * math.Min(1, math.Exp(d))
		}
	}
	const chains, sweeps = 200, 400
	res, err := ParallelTempering(context.Background(), tensor.Default(), models, TemperingOptions{Chains: chains, Sweeps: sweeps, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Swaps happen on every other sweep (one pair, even/odd rounds):
	// chains·sweeps/2 = 40000 independent Bernoulli(want) trials, so the
	// standard error is √(want(1−want)/40000) ≤ 0.0025; allow 4 of them.
	trials := float64(chains * sweeps / 2)
	tol := 4 * math.Sqrt(want*(1-want)/trials)
	t.Logf("swap rate %.4f, closed form %.4f (tolerance %.4f)", res.SwapRate[0], want, tol)
	if math.Abs(res.SwapRate[0]-want) > tol {
		t.Errorf("swap rate %.4f, closed form %.4f", res.SwapRate[0], want)
	}
}
