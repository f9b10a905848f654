package tensor

import (
	"math"
)

// minParallelWork is the number of elements below which kernels run on the
// calling goroutine: spawning costs more than it saves.
const minParallelWork = 1 << 14

// maxRowChunks caps the number of row ranges of ParallelRows. The sparse
// kernels stream all of W once per range, so fewer ranges are faster; 8
// balances over 1, 2, 4 or 8 workers exactly.
var maxRowChunks = 8

// RowChunks is the number of row ranges ParallelRows splits an n-row
// problem with cols elements per row into: a function of the shape alone,
// never of the number of threads.
func RowChunks(n, cols int) int {
	return max(1, min(n, n*cols/minParallelWork, maxRowChunks))
}

// ParallelRows calls fn on the disjoint row ranges [c·n/k, (c+1)·n/k),
// c < k = RowChunks(n, cols), of an n-row problem whose rows have cols
// elements each, on the calling goroutine and the pool's workers (see
// pool.go). The ranges depend on the shape alone, so even an fn whose
// result depended on its range would give the same numbers for any
// GOMAXPROCS; rbmscope's kernels go further and compute every row
// independently of the range it falls in.
func ParallelRows(n, cols int, fn func(lo, hi int)) {
	chunks := RowChunks(n, cols)
	if chunks <= 1 {
		fn(0, n)
		return
	}
	parallel(n, chunks, fn)
}

// Exp32 is a fast float32 exponential (range reduction plus a degree-6
// polynomial); relative error below 2e-7 over the float32 range.
func Exp32(x float32) float32 {
	if x > 88.5 {
		return float32(math.Inf(1))
	}
	if x < -87.3 {
		return 0
	}
	return ExpReduced(x)
}

// ExpReduced is e^x for x in [−87.3, 88.5] without the range checks, small
// enough for the compiler to inline into kernel loops: x = n·ln 2 + r,
// e^r by a degree-6 polynomial, 2^n by building the exponent bits.
func ExpReduced(x float32) float32 {
	const log2e = 1.44269504088896341
	const ln2hi = 0.693359375
	const ln2lo = -2.12194440e-4
	ni := int32(x*log2e+128.5) - 128 // round(x·log2 e); the shift keeps int32() a floor
	n := float32(ni)
	r := x - n*ln2hi - n*ln2lo
	p := ((((((1.0/720)*r+1.0/120)*r+1.0/24)*r+1.0/6)*r+0.5)*r+1)*r + 1
	return p * math.Float32frombits(uint32(ni+127)<<23)
}

// log1p32 returns log(1+z) for z in [0, 1] via 2·atanh(z/(2+z)); absolute
// error below 1e-8.
func log1p32(z float32) float32 {
	s := z / (2 + z)
	s2 := s * s
	p := float32(1.0 / 13)
	p = p*s2 + 1.0/11
	p = p*s2 + 1.0/9
	p = p*s2 + 1.0/7
	p = p*s2 + 1.0/5
	p = p*s2 + 1.0/3
	p = p*s2 + 1
	return 2 * s * p
}

// Softplus32 is log(1+exp(x)) as max(x,0) + log1p(exp(-|x|)), returned in
// float64 so the linear part keeps full precision; the correction term has
// absolute error below 1e-7.
func Softplus32(x float32) float64 {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	c := float64(log1p32(Exp32(-ax)))
	if x > 0 {
		return float64(x) + c
	}
	return c
}

// Softplus64 is log(1+exp(x)) computed stably.
func Softplus64(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

const inv24 = 1.0 / (1 << 24)

// goKernels are the pure-Go elementwise kernels.
type goKernels struct{}

func checkSigmoidShapes(x *Mat32, bias []float32, prob, sample *Mat32) {
	for _, o := range []*Mat32{prob, sample} {
		if o != nil && (o.Rows != x.Rows || o.Cols != x.Cols) {
			panic("tensor: SigmoidSample output shape mismatch")
		}
	}
	if bias != nil && len(bias) != x.Cols {
		panic("tensor: SigmoidSample bias length mismatch")
	}
}

func (goKernels) sigmoidSample(x *Mat32, bias []float32, scale float32, prob, sample *Mat32, key uint64) {
	rows, cols := x.Rows, x.Cols
	checkSigmoidShapes(x, bias, prob, sample)
	ParallelRows(rows, cols, func(lo, hi int) {
		var tmp []float32
		if prob == nil {
			tmp = make([]float32, cols)
		}
		for i := lo; i < hi; i++ {
			xr := x.Row(i)
			p := tmp
			if prob != nil {
				p = prob.Row(i)
			}
			sigmoidRow(p, xr, bias, scale)
			if sample == nil {
				continue
			}
			s := sample.Row(i)
			s = s[:len(p)]
			rng := RowRand(key, i)
			j := 0
			for ; j+1 < len(p); j += 2 {
				u := rng.Uint64()
				s[j] = below(int32(u>>40), p[j])
				s[j+1] = below(int32((u>>8)&(1<<24-1)), p[j+1])
			}
			if j < len(p) {
				s[j] = below(int32(rng.Uint64()>>40), p[j])
			}
		}
	})
}

// below returns 1 if u/2^24 < p else 0, without a branch (the outcome
// is random, so a branch would be mispredicted half the time).
func below(u int32, p float32) float32 {
	return float32(uint32(u-int32(p*(1<<24))) >> 31)
}

// sigmoidRow sets dst_j = sig(scale·(x_j + bias_j)) (bias may be nil) with
// the body of Exp32 written out so the compiler keeps it in the loop.
func sigmoidRow(dst, x, bias []float32, scale float32) {
	x = x[:len(dst)]
	if bias != nil {
		bias = bias[:len(dst)]
	}
	for j := range dst {
		t := x[j]
		if bias != nil {
			t += bias[j]
		}
		t = -scale * t
		if t > 88 {
			t = 88
		} else if t < -87 {
			t = -87
		}
		e := ExpReduced(t)
		dst[j] = 1 / (1 + e)
	}
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

func (goKernels) softplusRowSums(x *Mat32, bias []float32, scale float32, out []float64) {
	if len(out) != x.Rows || (bias != nil && len(bias) != x.Cols) {
		panic("tensor: SoftplusRowSums shape mismatch")
	}
	ParallelRows(x.Rows, x.Cols, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var s float64
			for j, v := range x.Row(i) {
				t := v
				if bias != nil {
					t += bias[j]
				}
				s += Softplus32(scale * t)
			}
			out[i] = s
		}
	})
}

// Bernoulli fills m with independent Bernoulli(p) draws from key.
func Bernoulli(m *Mat32, p float64, key uint64) {
	ParallelRows(m.Rows, m.Cols, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			rng := RowRand(key, i)
			for j := range m.Row(i) {
				m.Data[i*m.Cols+j] = b2f(rng.Float64() < p)
			}
		}
	})
}

func (goKernels) adam(th, g, m, v []float32, lr, b1, b2, eps, decay, maxAbs float32) bool {
	return parallelChunks(len(th), func(lo, hi int) bool {
		th, g, m, v := th[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi]
		g, m, v = g[:len(th)], m[:len(th)], v[:len(th)]
		ok := true
		for i, t := range th {
			gi := g[i] - decay*t
			mi := b1*m[i] + (1-b1)*gi
			vi := b2*v[i] + (1-b2)*gi*gi
			m[i], v[i] = mi, vi
			t += lr * mi / (float32(math.Sqrt(float64(vi))) + eps)
			th[i] = t
			ok = ok && t >= -maxAbs && t <= maxAbs
		}
		return ok
	})
}

func (goKernels) momentum(th, g, u []float32, lr, mom, decay, maxAbs float32) bool {
	return parallelChunks(len(th), func(lo, hi int) bool {
		th, u := th[lo:hi], u[lo:hi]
		u = u[:len(th)]
		ok := true
		if g == nil {
			for i, t := range th {
				ui := u[i] - lr*decay*t
				u[i] = ui
				t += ui
				th[i] = t
				ok = ok && t >= -maxAbs && t <= maxAbs
			}
			return ok
		}
		g = g[lo:hi]
		g = g[:len(th)]
		for i, t := range th {
			ui := mom*u[i] + lr*(g[i]-decay*t)
			u[i] = ui
			t += ui
			th[i] = t
			ok = ok && t >= -maxAbs && t <= maxAbs
		}
		return ok
	})
}

// parallelChunks runs fn over chunks of [0, n) in parallel and reports
// whether every chunk returned true.
func parallelChunks(n int, fn func(lo, hi int) bool) bool {
	const chunk = 1 << 14
	nc := (n + chunk - 1) / chunk
	res := make([]bool, nc)
	ParallelRows(nc, chunk, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			res[c] = fn(c*chunk, min((c+1)*chunk, n))
		}
	})
	for _, r := range res {
		if !r {
			return false
		}
	}
	return true
}

func checkMulSparse(v, w, out *Mat32) {
	if v.Cols != w.Rows || out.Rows != v.Rows || out.Cols != w.Cols {
		panic("tensor: MulSparse shape mismatch")
	}
}

func (goKernels) mulSparse(v, w, out *Mat32) {
	checkMulSparse(v, w, out)
	m := w.Cols
	ParallelRows(v.Rows, v.Cols*m/8, func(lo, hi int) {
		idx := make([]int, v.Cols)
		for r := lo; r < hi; r++ {
			o := out.Row(r)
			clear(o)
			vr := v.Row(r)
			cnt := 0
			for i, vi := range vr {
				if vi != 0 {
					idx[cnt] = i
					cnt++
				}
			}
			k := 0
			for ; k+3 < cnt; k += 4 { // four rows of W per pass over o
				i0, i1, i2, i3 := idx[k], idx[k+1], idx[k+2], idx[k+3]
				a0, a1, a2, a3 := vr[i0], vr[i1], vr[i2], vr[i3]
				w0, w1 := w.Data[i0*m:(i0+1)*m], w.Data[i1*m:(i1+1)*m]
				w2, w3 := w.Data[i2*m:(i2+1)*m], w.Data[i3*m:(i3+1)*m]
				w0, w1, w2, w3 = w0[:len(o)], w1[:len(o)], w2[:len(o)], w3[:len(o)]
				for j := range o {
					o[j] += (a0*w0[j] + a1*w1[j]) + (a2*w2[j] + a3*w3[j])
				}
			}
			for ; k < cnt; k++ {
				a0, w0 := vr[idx[k]], w.Data[idx[k]*m:(idx[k]+1)*m]
				w0 = w0[:len(o)]
				for j := range o {
					o[j] += a0 * w0[j]
				}
			}
		}
	})
}

func checkMulSparseT(x, y, c *Mat32) {
	if x.Rows != y.Rows || c.Rows != x.Cols || c.Cols != y.Cols {
		panic("tensor: MulSparseT shape mismatch")
	}
}

func (goKernels) mulSparseT(alpha float32, x, y *Mat32, beta float32, c *Mat32) {
	checkMulSparseT(x, y, c)
	K, n, m := x.Rows, x.Cols, y.Cols
	ParallelRows(n, K*m/8, func(lo, hi int) {
		idx, acc := make([]int, K), make([]float32, m)
		for i := lo; i < hi; i++ {
			cnt := 0
			for k := 0; k < K; k++ {
				if x.Data[k*n+i] != 0 {
					idx[cnt] = k
					cnt++
				}
			}
			clear(acc)
			k := 0
			for ; k+3 < cnt; k += 4 { // four rows of y per pass over acc
				k0, k1, k2, k3 := idx[k], idx[k+1], idx[k+2], idx[k+3]
				a0, a1, a2, a3 := x.Data[k0*n+i], x.Data[k1*n+i], x.Data[k2*n+i], x.Data[k3*n+i]
				y0, y1, y2, y3 := y.Row(k0)[:m], y.Row(k1)[:m], y.Row(k2)[:m], y.Row(k3)[:m]
				for j := range acc {
					acc[j] += (a0*y0[j] + a1*y1[j]) + (a2*y2[j] + a3*y3[j])
				}
			}
			for ; k < cnt; k++ {
				a0, y0 := x.Data[idx[k]*n+i], y.Row(idx[k])[:m]
				for j := range acc {
					acc[j] += a0 * y0[j]
				}
			}
			ci := c.Row(i)[:m]
			if beta == 0 {
				for j, s := range acc {
					ci[j] = alpha * s
				}
			} else {
				for j, s := range acc {
					ci[j] = beta*ci[j] + alpha*s
				}
			}
		}
	})
}
