//go:build openblas && cgo

package partition

import (
	"math"
	"testing"

	"github.com/rbmscope/rbmscope/tensor"
)

// The C kernels of the OpenBLAS build compute what the Go kernels compute
// and draw the same random numbers.
func TestCKernelsMatchGo(t *testing.T) {
	md := randomModel(40, 30, 1.5, 2, 5)
	aA := make([]float64, 40)
	for i := range aA {
		aA[i] = -1 + 0.1*float64(i%9)
	}
	opts := Options{Betas: []float64{0, 0.2, 0.2001, 0.9, 1}, Chains: 50, BaseVisible: aA, Seed: 3}
	run := func(useC bool) ([]float64, []float32, []float32) {
		a, err := newAnnealer(tensor.Default(), md, opts, 50, 1)
		if err != nil {
			t.Fatal(err)
		}
		tensor.Bernoulli(a.V, 0.5, 9)
		a.refreshLin()
		for k := 1; k < len(a.betas); k++ {
			a.field()
			if useC {
				a.hidden(k, sampleHi)
			} else {
				a.hiddenGo(k, sampleHi)
			}
			if useC {
				a.visible(k) // GEMM, biases, then the C visibleSample
			} else {
				b32, b := a.betas32[k], a.betas[k]
				a.be.Gemm(false, true, b32, a.H, a.p.W, 0, a.P)
				for i := range a.biasV {
					a.biasV[i] = float32((1-b)*a.aA[i] + b*float64(a.p.A[i]))
				}
				a.visibleSampleGo()
			}
		}
		return a.logw, a.H.Data, a.V.Data
	}
	wc, hc, vc := run(true)
	wg, hg, vg := run(false)
	for i := range wc {
		if math.Abs(wc[i]-wg[i]) > 1e-6*(1+math.Abs(wg[i])) {
			t.Fatalf("chain %d: log-weight C %v, Go %v", i, wc[i], wg[i])
		}
	}
	diff := 0
	for i := range hc {
		if hc[i] != hg[i] {
			diff++
		}
	}
	for i := range vc {
		if vc[i] != vg[i] {
			diff++
		}
	}
	if diff > 3 {
		t.Fatalf("%d sampled units differ between the C and Go kernels", diff)
	}
}
