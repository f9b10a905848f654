package train

import (
	"math"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// optimizer applies a gradient-ascent step to the parameters. step returns
// false if any parameter is no longer finite or exceeds MaxParam.
type optimizer interface {
	step(p *rbm.Params32, gW *tensor.Mat32, ga, gb []float32, decay float32) bool
	// state returns the optimiser's arrays (for checkpoints), in a fixed order.
	state() [][]float32
	counter() *int
}

func newOptimizer(cfg *Config, p *rbm.Params32) optimizer {
	n, m := p.W.Rows, p.W.Cols
	if cfg.Optimizer == "sgd" {
		return &sgd{lr: float32(cfg.LR), mom: float32(cfg.Momentum), vel: [3][]float32{make([]float32, n*m), make([]float32, n), make([]float32, m)}}
	}
	a := &adam{lr: cfg.LR, b1: cfg.AdamBeta1, b2: cfg.AdamBeta2, eps: float32(cfg.AdamEps)}
	for i, k := range []int{n * m, n, m} {
		a.m[i], a.v[i] = make([]float32, k), make([]float32, k)
	}
	return a
}

// sgd is gradient ascent with classical momentum: u ← μu + η g; θ ← θ + u.
type sgd struct {
	lr, mom float32
	vel     [3][]float32
	t       int
}

func (s *sgd) step(p *rbm.Params32, gW *tensor.Mat32, ga, gb []float32, decay float32) bool {
	s.t++
	params := [3][]float32{p.W.Data, p.A, p.B}
	grads := [3][]float32{gW.Data, ga, gb}
	ok := true
	for k := range params {
		ok = parallelUpdate(params[k], func(lo, hi int) bool {
			th, g, u := params[k][lo:hi], grads[k][lo:hi], s.vel[k][lo:hi]
			good := true
			for i := range th {
				gi := g[i]
				if k == 0 {
					gi -= decay * th[i]
				}
				u[i] = s.mom*u[i] + s.lr*gi
				th[i] += u[i]
				good = good && finite(th[i])
			}
			return good
		}) && ok
	}
	return ok
}

func (s *sgd) state() [][]float32 { return s.vel[:] }
func (s *sgd) counter() *int      { return &s.t }

// adam is Adam (Kingma & Ba) for gradient ascent.
type adam struct {
	lr, b1, b2 float64
	eps        float32
	m, v       [3][]float32
	t          int
}

func (a *adam) step(p *rbm.Params32, gW *tensor.Mat32, ga, gb []float32, decay float32) bool {
	a.t++
	lrt := float32(a.lr * math.Sqrt(1-math.Pow(a.b2, float64(a.t))) / (1 - math.Pow(a.b1, float64(a.t))))
	b1, b2 := float32(a.b1), float32(a.b2)
	params := [3][]float32{p.W.Data, p.A, p.B}
	grads := [3][]float32{gW.Data, ga, gb}
	ok := true
	for k := range params {
		ok = parallelUpdate(params[k], func(lo, hi int) bool {
			th, g, m, v := params[k][lo:hi], grads[k][lo:hi], a.m[k][lo:hi], a.v[k][lo:hi]
			good := true
			for i := range th {
				gi := g[i]
				if k == 0 {
					gi -= decay * th[i]
				}
				m[i] = b1*m[i] + (1-b1)*gi
				v[i] = b2*v[i] + (1-b2)*gi*gi
				th[i] += lrt * m[i] / (float32(math.Sqrt(float64(v[i]))) + a.eps)
				good = good && finite(th[i])
			}
			return good
		}) && ok
	}
	return ok
}

func (a *adam) state() [][]float32 { return append(append([][]float32{}, a.m[:]...), a.v[:]...) }
func (a *adam) counter() *int      { return &a.t }

// MaxParam bounds |θ|. A weight or bias beyond ±100 pins its conditionals
// to within e^{−100} of 0 or 1, so Gibbs chains freeze and learning has
// stopped: the run has diverged even before any value is NaN or infinite
// (RBM gradients are bounded, so a too-large learning rate saturates the
// parameters rather than overflowing them).
const MaxParam = 100.0

// finite reports whether x is a usable parameter value (not NaN, not
// infinite, |x| ≤ MaxParam).
func finite(x float32) bool { return x >= -MaxParam && x <= MaxParam }

// parallelUpdate runs fn over chunks of x in parallel and reports whether
// every chunk returned true.
func parallelUpdate(x []float32, fn func(lo, hi int) bool) bool {
	const chunk = 1 << 14
	n := (len(x) + chunk - 1) / chunk
	res := make([]bool, n)
	tensor.ParallelRows(n, chunk, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			res[c] = fn(c*chunk, min((c+1)*chunk, len(x)))
		}
	})
	for _, r := range res {
		if !r {
			return false
		}
	}
	return true
}
