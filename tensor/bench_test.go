package tensor

import "testing"

// BenchmarkSigmoidSample is the fused hidden-layer kernel of one minibatch
// (100×500): sigmoid of pre-activations plus bias, and Bernoulli draws.
func BenchmarkSigmoidSample(b *testing.B) {
	x := randMat(100, 500, 1)
	bias := make([]float32, 500)
	p, s := NewMat32(100, 500), NewMat32(100, 500)
	for _, be := range []Backend{Gonum(), Default()} {
		b.Run(be.Name(), func(b *testing.B) {
			b.SetBytes(100 * 500 * 4)
			for i := 0; i < b.N; i++ {
				be.SigmoidSample(x, bias, 1, p, s, uint64(i))
			}
		})
	}
}

// BenchmarkGemm784x500 is the positive-phase product of one minibatch.
func BenchmarkGemm784x500(b *testing.B) {
	a, w, c := randMat(100, 784, 1), randMat(784, 500, 2), NewMat32(100, 500)
	for _, be := range []Backend{Gonum(), Default()} {
		b.Run(be.Name(), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				be.Gemm(false, false, 1, a, w, 0, c)
			}
			b.ReportMetric(2*100*784*500*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkGemmGradient compares the weight-gradient product vᵀh as two
// K=100 GEMMs (positive and negative phase) against one stacked K=200 GEMM.
func BenchmarkGemmGradient(b *testing.B) {
	be := Default()
	v, h, g := randMat(200, 784, 1), randMat(200, 500, 2), NewMat32(784, 500)
	b.Run("two-K100", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			be.Gemm(true, false, 1, v.Slice(0, 100), h.Slice(0, 100), 0, g)
			be.Gemm(true, false, -1, v.Slice(100, 200), h.Slice(100, 200), 1, g)
		}
	})
	b.Run("one-K200", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			be.Gemm(true, false, 1, v, h, 0, g)
		}
	})
}

// BenchmarkMulSparse compares v·W for a binary MNIST-like minibatch (13%
// ones, 100×784 times 784×500) by dense GEMM and by summing selected rows.
func BenchmarkMulSparse(b *testing.B) {
	v, w, out := NewMat32(100, 784), randMat(784, 500, 2), NewMat32(100, 500)
	Bernoulli(v, 0.13, 1)
	for _, be := range []Backend{Gonum(), Default()} {
		b.Run(be.Name()+"/gemm", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				be.Gemm(false, false, 1, v, w, 0, out)
			}
		})
		b.Run(be.Name()+"/sparse", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				be.MulSparse(v, w, out)
			}
		})
	}
}

// BenchmarkMulSparseT compares the weight gradient vᵀh of a minibatch and
// its chains (200×784 binary, 13% ones, times 200×500) by dense GEMM and by
// summing selected rows, both adding into W as the fused SGD step does.
func BenchmarkMulSparseT(b *testing.B) {
	v, h, w := NewMat32(200, 784), randMat(200, 500, 2), randMat(784, 500, 3)
	Bernoulli(v, 0.13, 1)
	for _, be := range []Backend{Gonum(), Default()} {
		b.Run(be.Name()+"/gemm", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				be.Gemm(true, false, 1e-9, v, h, 1, w)
			}
		})
		b.Run(be.Name()+"/sparse", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				be.MulSparseT(1e-9, v, h, 1, w)
			}
		})
	}
}
