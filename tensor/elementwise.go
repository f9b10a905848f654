package tensor

import (
	"math"
	"runtime"
	"sync"
)

// minParallelWork is the number of elements below which kernels run on the
// calling goroutine: spawning costs more than it saves.
const minParallelWork = 1 << 14

// ParallelRows calls fn on disjoint row ranges [lo, hi) of an n-row problem
// whose rows have cols elements each, using up to GOMAXPROCS goroutines.
func ParallelRows(n, cols int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if w := n * cols / minParallelWork; w < workers {
		workers = w
	}
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
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
	const log2e = 1.44269504088896341
	const ln2hi = 0.693359375
	const ln2lo = -2.12194440e-4
	n := float32(math.Floor(float64(x*log2e + 0.5)))
	r := x - n*ln2hi - n*ln2lo
	p := float32(1.0 / 720)
	p = p*r + 1.0/120
	p = p*r + 1.0/24
	p = p*r + 1.0/6
	p = p*r + 0.5
	p = p*r + 1
	p = p*r + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// Sigmoid32 is 1/(1+exp(-x)) in float32.
func Sigmoid32(x float32) float32 { return 1 / (1 + Exp32(-x)) }

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

func sigmoidSample(x *Mat32, bias []float32, scale float32, prob, sample *Mat32, key uint64) {
	rows, cols := x.Rows, x.Cols
	for _, o := range []*Mat32{prob, sample} {
		if o != nil && (o.Rows != rows || o.Cols != cols) {
			panic("tensor: SigmoidSample output shape mismatch")
		}
	}
	if bias != nil && len(bias) != cols {
		panic("tensor: SigmoidSample bias length mismatch")
	}
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
			if bias != nil {
				for j, b := range bias {
					p[j] = 1 / (1 + Exp32(-scale*(xr[j]+b)))
				}
			} else {
				for j, v := range xr {
					p[j] = 1 / (1 + Exp32(-scale*v))
				}
			}
			if sample == nil {
				continue
			}
			s := sample.Row(i)
			rng := RowRand(key, i)
			j := 0
			for ; j+1 < cols; j += 2 {
				u := rng.Uint64()
				u0 := float32(u>>40) * inv24
				u1 := float32((u>>8)&(1<<24-1)) * inv24
				s[j], s[j+1] = b2f(u0 < p[j]), b2f(u1 < p[j+1])
			}
			if j < cols {
				s[j] = b2f(float32(rng.Uint64()>>40)*inv24 < p[j])
			}
		}
	})
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

func softplusRowSums(x *Mat32, bias []float32, scale float32, out []float64) {
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
