package partition

import (
	"math"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

func TestExpNeg32(t *testing.T) {
	for x := float32(0); x > -90; x -= 0.01 {
		want := math.Exp(float64(x))
		got := float64(expNeg32(x))
		if x < -87 {
			want = 0
		}
		if math.Abs(got-want) > 3e-7*want {
			t.Fatalf("expNeg32(%v) = %v, want %v", x, got, want)
		}
	}
}

// The fused hidden kernel adds exactly F_{β_{k−1}}(v) − F_{β_k}(v) (float64
// reference on the same float32 fields), on both its series and its direct
// branch, and samples h with probability sig(βt).
// kernelBackends are the backends whose AIS kernels are tested: the Go
// kernels run with gonum, the C ones with OpenBLAS.
func kernelBackends() []tensor.Backend {
	bs := []tensor.Backend{tensor.Gonum()}
	if b, ok := tensor.ByName("openblas"); ok {
		bs = append(bs, b)
	}
	return bs
}

func TestHiddenKernel(t *testing.T) {
	for _, be := range kernelBackends() {
		t.Run(be.Name(), func(t *testing.T) { testHiddenKernel(t, be) })
	}
}

func testHiddenKernel(t *testing.T, be tensor.Backend) {
	md := randomModel(30, 20, 1.5, 2, 4)
	aA := make([]float64, 30)
	for i := range aA {
		aA[i] = -1 + 0.1*float64(i%7)
	}
	for _, c := range []struct{ lo, hi float64 }{{0, 1e-4}, {0.3, 0.30005}, {0.999, 1}, {0.2, 0.9}, {0, 1}} {
		betas := []float64{0}
		if c.lo > 0 {
			betas = append(betas, c.lo)
		}
		k := len(betas)
		betas = append(betas, c.hi)
		if c.hi < 1 {
			betas = append(betas, 1)
		}
		opts := Options{Betas: betas, Chains: 64, BaseVisible: aA, Seed: 1}
		a, err := newAnnealer(be, md, opts, 64, 1)
		if err != nil {
			t.Fatal(err)
		}
		tensor.Bernoulli(a.V, 0.5, 9)
		a.refreshLin()
		a.field()
		before := append([]float64(nil), a.logw...)
		a.hidden(k, noSample)
		lo, hi := a.betas[k-1], a.betas[k]
		for ch := 0; ch < 64; ch++ {
			ref := 0.0
			for i, v := range a.V.Row(ch) {
				ref += (hi - lo) * float64(v) * (float64(a.p.A[i]) - a.aA[i])
			}
			for j, x := range a.X.Row(ch) {
				tt := float64(x + a.p.B[j])
				ref += tensor.Softplus64(hi*tt) - tensor.Softplus64(lo*tt)
			}
			if d := math.Abs(a.logw[ch] - before[ch] - ref); d > 1e-6*max(1, math.Abs(ref)) {
				t.Fatalf("β %v→%v chain %d: increment %.10g, reference %.10g", lo, hi, ch, a.logw[ch]-before[ch], ref)
			}
		}
	}
	// Sampling: one field row repeated over many chains.
	const chains = 20000
	md = randomModel(4, 6, 1, 1, 5)
	opts := Options{Betas: []float64{0, 0.5, 0.7, 1}, Chains: chains, Seed: 3}
	a, _ := newAnnealer(be, md, opts, chains, 1)
	for c := 0; c < chains; c++ {
		copy(a.V.Row(c), []float32{1, 0, 1, 1})
	}
	a.refreshLin()
	for _, at := range []int{sampleHi, sampleLo} {
		a.field()
		a.hidden(2, at)
		beta := a.betas[2]
		if at == sampleLo {
			beta = a.betas[1]
		}
		for j := 0; j < 6; j++ {
			tt := float64(a.X.At(0, j) + a.p.B[j])
			p := rbm.Sigmoid(beta * tt)
			n := 0.0
			for c := 0; c < chains; c++ {
				n += float64(a.H.At(c, j))
			}
			if se := math.Sqrt(p * (1 - p) / chains); math.Abs(n/chains-p) > 5*se {
				t.Errorf("h_%d at β=%v: frequency %.4f, sig %.4f", j, beta, n/chains, p)
			}
		}
	}
}

// visibleSample draws v with probability sig(z), including saturated z
// where the exponential is skipped, and keeps linV in step.
func TestVisibleKernel(t *testing.T) {
	for _, be := range kernelBackends() {
		t.Run(be.Name(), func(t *testing.T) { testVisibleKernel(t, be) })
	}
}

func testVisibleKernel(t *testing.T, be tensor.Backend) {
	const chains = 20000
	md := randomModel(6, 3, 1, 1, 6)
	a, _ := newAnnealer(be, md, Options{Betas: []float64{0, 1}, Chains: chains, Seed: 2}, chains, 1)
	z := []float32{-3, -0.5, 0, 0.7, 2.5, 20}
	clear(a.P.Data)
	copy(a.biasV, z)
	a.visibleSample()
	for i, zi := range z {
		p := rbm.Sigmoid(float64(zi))
		n := 0.0
		for c := 0; c < chains; c++ {
			n += float64(a.V.At(c, i))
		}
		if se := math.Sqrt(p*(1-p)/chains) + 1e-9; math.Abs(n/chains-p) > 5*se {
			t.Errorf("z=%v: frequency %.4f, sig %.4f", zi, n/chains, p)
		}
	}
	lin := append([]float64(nil), a.linV...)
	a.refreshLin()
	for c := range lin {
		if math.Abs(lin[c]-a.linV[c]) > 1e-12 {
			t.Fatalf("chain %d: linV %v after sampling, %v recomputed", c, lin[c], a.linV[c])
		}
	}
}
