package tensor

import (
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Backend is the set of operations the training step, the Gibbs sampler
// and AIS are written against. Keep it small: a GPU backend must be able to
// implement it.
type Backend interface {
	// Name identifies the backend ("openblas" or "gonum").
	Name() string
	// Gemm computes C = alpha·op(A)·op(B) + beta·C, op(X) = Xᵀ when t is true.
	Gemm(tA, tB bool, alpha float32, a, b *Mat32, beta float32, c *Mat32)
	// MulSparse sets out = v·W, skipping the zero entries of v: for the
	// sparse 0/1 states of an RBM (MNIST is ~13% ones) a sum of selected
	// rows of W is several times cheaper than a dense GEMM. Any v is
	// computed correctly.
	MulSparse(v, w, out *Mat32)
	// MulSparseT sets C = alpha·xᵀ·y + beta·C, skipping the zero entries of
	// x: the weight gradient [v0; vk]ᵀ·[h0; hk] of a minibatch and its chains,
	// whose visible states are 0/1. The products for each element of C are
	// summed before they meet beta·C, so a long inner dimension loses no
	// float32 precision against large entries of C. beta == 0 does not read
	// C. Any x is computed correctly.
	MulSparseT(alpha float32, x, y *Mat32, beta float32, c *Mat32)
	// SigmoidSample sets prob = sig(scale·(x + bias)) and, when sample is
	// non-nil, sample = 1{u < prob} with u uniform from stream key. x may
	// alias prob. bias may be nil. Either output may be nil.
	SigmoidSample(x *Mat32, bias []float32, scale float32, prob, sample *Mat32, key uint64)
	// SoftplusRowSums returns out[i] = Σ_j softplus(scale·(x_ij + bias_j)),
	// accumulated in float64.
	SoftplusRowSums(x *Mat32, bias []float32, scale float32, out []float64)
	// AdamStep is one Adam ascent step on a parameter array θ with gradient
	// g and L2 decay: g' = g − decay·θ, m ← b1·m + (1−b1)g',
	// v ← b2·v + (1−b2)g'², θ ← θ + lr·m/(√v + eps), where lr already holds
	// the bias correction. It returns false if any θ is NaN or outside
	// [−maxAbs, maxAbs].
	AdamStep(th, g, m, v []float32, lr, b1, b2, eps, decay, maxAbs float32) bool
	// MomentumStep is one SGD ascent step with classical momentum:
	// u ← mom·u + lr·(g − decay·θ), θ ← θ + u; the return value is as for
	// AdamStep. With g == nil, u already holds mom·u + lr·g (formed by a
	// GEMM with beta = mom) and only u −= lr·decay·θ, θ += u remain.
	MomentumStep(th, g, u []float32, lr, mom, decay, maxAbs float32) bool
}

// kernels are the elementwise operations of a CPU backend.
type kernels interface {
	mulSparse(v, w, out *Mat32)
	mulSparseT(alpha float32, x, y *Mat32, beta float32, c *Mat32)
	sigmoidSample(x *Mat32, bias []float32, scale float32, prob, sample *Mat32, key uint64)
	softplusRowSums(x *Mat32, bias []float32, scale float32, out []float64)
	adam(th, g, m, v []float32, lr, b1, b2, eps, decay, maxAbs float32) bool
	momentum(th, g, u []float32, lr, mom, decay, maxAbs float32) bool
}

// blasBackend implements Backend on any BLAS Sgemm; elementwise kernels are
// the shared goroutine-parallel Go kernels.
type blasBackend struct {
	name  string
	impl  blas.Float32Level3
	k     kernels
	split bool // split GEMMs across the worker pool (impl is single-threaded)
}

func (b blasBackend) Name() string { return b.name }

func (b blasBackend) Gemm(tA, tB bool, alpha float32, a, bm *Mat32, beta float32, c *Mat32) {
	m, n, k := checkGemmShapes(tA, tB, a, bm, c)
	if m == 0 || n == 0 {
		return
	}
	parts := 1
	if b.split {
		parts = gemmParts(m, n, k)
	}
	b.splitGemm(parts, tA, tB, alpha, a, bm, beta, c)
}

// splitGemm computes the GEMM in parts along the longer side of C, on the
// worker pool. A BLAS may round an element of C differently in a part than
// in the whole product (OpenBLAS's level-3 driver blocks the rows of C and
// gives block edges other accumulators; its AVX-512 builds pick small-matrix
// kernels by size), so the parts are fixed by the shape alone (gemmParts),
// never by the number of threads: the same product is always computed the
// same way, whichever worker runs which part.
func (b blasBackend) splitGemm(parts int, tA, tB bool, alpha float32, a, bm *Mat32, beta float32, c *Mat32) {
	m, n, k := checkGemmShapes(tA, tB, a, bm, c)
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	lda, ldb, ldc := max(a.Cols, 1), max(bm.Cols, 1), max(c.Cols, 1)
	if parts <= 1 {
		b.impl.Sgemm(ta, tb, m, n, k, alpha, a.Data, lda, bm.Data, ldb, beta, c.Data, ldc)
		return
	}
	if m >= n {
		parallel(m, parts, func(lo, hi int) {
			aoff := lo * lda // rows lo… of op(A)
			if tA {
				aoff = lo // columns lo… of A
			}
			b.impl.Sgemm(ta, tb, hi-lo, n, k, alpha, a.Data[aoff:], lda, bm.Data, ldb, beta, c.Data[lo*ldc:], ldc)
		})
		return
	}
	parallel(n, parts, func(lo, hi int) {
		boff := lo // columns lo… of op(B)
		if tB {
			boff = lo * ldb // rows lo… of B
		}
		b.impl.Sgemm(ta, tb, m, hi-lo, k, alpha, a.Data, lda, bm.Data[boff:], ldb, beta, c.Data[lo:], ldc)
	})
}

// gemmParts is the number of parts a GEMM with C m×n and inner dimension k
// is split into: 1 below minSplitFlops, else parts of at least minGemmPart
// rows or columns of the longer side, at most maxGemmParts of them. It is a
// function of the shape alone, so the rounding of every element of C is
// too; the pool runs the parts on however many workers exist.
func gemmParts(m, n, k int) int {
	if 2*m*n*k < minSplitFlops {
		return 1
	}
	return min(maxGemmParts, max(max(m, n)/minGemmPart, 1))
}

// maxGemmParts (8) balances over 1, 2, 4 or 8 workers exactly and over 3
// within a part; each part re-packs the shared operand, so more parts cost
// more packing.
const (
	minSplitFlops = 1 << 21
	minGemmPart   = 64
	maxGemmParts  = 8
)

func (b blasBackend) MulSparse(v, w, out *Mat32) {
	if nonzeroFraction(v.Data) > maxSparseFraction {
		checkMulSparse(v, w, out)
		b.Gemm(false, false, 1, v, w, 0, out)
		return
	}
	b.k.mulSparse(v, w, out)
}

func (b blasBackend) MulSparseT(alpha float32, x, y *Mat32, beta float32, c *Mat32) {
	if nonzeroFraction(x.Data) > maxSparseFraction {
		checkMulSparseT(x, y, c)
		if beta == 0 {
			b.Gemm(true, false, alpha, x, y, 0, c)
			return
		}
		// A GEMM with beta ≠ 0 may add products (or k-blocks of them)
		// straight into C; form the whole product first, as promised.
		t := getScratch(len(c.Data))
		defer scratchPool.Put(t)
		p := &Mat32{Rows: c.Rows, Cols: c.Cols, Data: (*t)[:len(c.Data)]}
		b.Gemm(true, false, 1, x, y, 0, p)
		ParallelRows(c.Rows, c.Cols, func(lo, hi int) {
			for i := lo * c.Cols; i < hi*c.Cols; i++ {
				c.Data[i] = beta*c.Data[i] + alpha*p.Data[i]
			}
		})
		return
	}
	b.k.mulSparseT(alpha, x, y, beta, c)
}

// scratchPool holds float32 buffers for products formed before they meet
// their destination.
var scratchPool sync.Pool

func getScratch(n int) *[]float32 {
	if t, ok := scratchPool.Get().(*[]float32); ok && cap(*t) >= n {
		return t
	}
	t := make([]float32, n)
	return &t
}

// Above maxSparseFraction nonzeros the row sums of MulSparse and MulSparseT
// cost more than a dense GEMM (measured break-even ≈ 0.3 for both backends
// at 784×500), so they hand over to Gemm. Both paths compute the same
// product; the choice depends only on the data, never on the thread count.
const maxSparseFraction = 0.3

// nonzeroFraction estimates the fraction of nonzero entries of x from up to
// 4096 entries at fixed pseudo-random positions.
func nonzeroFraction(x []float32) float64 {
	const probes = 4096
	n := len(x)
	if n == 0 {
		return 0
	}
	if n <= probes {
		nz := 0
		for _, v := range x {
			if v != 0 {
				nz++
			}
		}
		return float64(nz) / float64(n)
	}
	nz := 0
	for i := uint64(0); i < probes; i++ {
		if x[(i*0x9e3779b97f4a7c15>>11)%uint64(n)] != 0 {
			nz++
		}
	}
	return float64(nz) / probes
}

func (b blasBackend) SigmoidSample(x *Mat32, bias []float32, scale float32, prob, sample *Mat32, key uint64) {
	b.k.sigmoidSample(x, bias, scale, prob, sample, key)
}

func (b blasBackend) SoftplusRowSums(x *Mat32, bias []float32, scale float32, out []float64) {
	b.k.softplusRowSums(x, bias, scale, out)
}

func (b blasBackend) AdamStep(th, g, m, v []float32, lr, b1, b2, eps, decay, maxAbs float32) bool {
	return b.k.adam(th, g, m, v, lr, b1, b2, eps, decay, maxAbs)
}

func (b blasBackend) MomentumStep(th, g, u []float32, lr, mom, decay, maxAbs float32) bool {
	return b.k.momentum(th, g, u, lr, mom, decay, maxAbs)
}

// Gonum returns the pure-Go backend (gonum's BLAS), always available.
func Gonum() Backend { return blasBackend{name: "gonum", impl: gonum.Implementation{}, k: goKernels{}} }

var defaultBackend = Gonum()

// Default returns the fastest backend compiled in: OpenBLAS when built with
// the "openblas" tag, gonum otherwise.
func Default() Backend { return defaultBackend }

// ByName returns the backend called name ("openblas", "gonum" or "" for
// the default), or false if it is not compiled in.
func ByName(name string) (Backend, bool) {
	switch name {
	case "", "default":
		return Default(), true
	case "gonum":
		return Gonum(), true
	case "openblas":
		if b, ok := openBLAS(); ok {
			return b, true
		}
	}
	return nil, false
}
