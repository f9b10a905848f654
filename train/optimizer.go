package train

import (
	"math"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// optimizer applies a gradient-ascent step to the parameters. step returns
// false if any parameter is no longer finite or exceeds MaxParam.
type optimizer interface {
	// step applies the gradient ∇W = XᵀY (the optimiser forms it, with
	// MulSparseT: the rows of X are 0/1 visible states), ∇a, ∇b.
	step(p *rbm.Params32, X, Y *tensor.Mat32, ga, gb []float32, decay float32) bool
	// state returns the optimiser's arrays (for checkpoints), in a fixed order.
	state() [][]float32
	counter() *int
	// setLR sets the learning rate; reset forgets past gradients (moments,
	// velocities) so that a rejected PTT step is not repeated.
	setLR(lr float64)
	reset()
}

// maxFusedK is the largest inner dimension (batch + chains) for which plain
// SGD adds the gradient straight into W.
const maxFusedK = 1024

func newOptimizer(cfg *Config, be tensor.Backend, p *rbm.Params32) optimizer {
	n, m := p.W.Rows, p.W.Cols
	if cfg.Optimizer == "sgd" {
		return &sgd{be: be, lr: float32(cfg.LR), mom: float32(cfg.Momentum), vel: [3][]float32{make([]float32, n*m), make([]float32, n), make([]float32, m)}}
	}
	a := &adam{be: be, lr: cfg.LR, b1: cfg.AdamBeta1, b2: cfg.AdamBeta2, eps: float32(cfg.AdamEps)}
	for i, k := range []int{n * m, n, m} {
		a.m[i], a.v[i] = make([]float32, k), make([]float32, k)
	}
	return a
}

// sgd is gradient ascent with classical momentum: u ← μu + η g; θ ← θ + u.
type sgd struct {
	be      tensor.Backend
	lr, mom float32
	vel     [3][]float32
	t       int
}

func (s *sgd) step(p *rbm.Params32, X, Y *tensor.Mat32, ga, gb []float32, decay float32) bool {
	s.t++
	var ok bool
	vel := &tensor.Mat32{Rows: p.W.Rows, Cols: p.W.Cols, Data: s.vel[0]}
	switch {
	case s.mom == 0 && X.Rows <= maxFusedK:
		// θ ← (1 − η·decay)θ + η XᵀY in one pass over W; the trainer checks
		// the bounds of W. (MulSparseT sums the products before adding them
		// to θ, but dense inputs go to a BLAS GEMM, which may add each
		// product term straight into C: many small terms added to a large θ
		// lose float32 precision, hence the limit on the inner dimension.)
		s.be.MulSparseT(s.lr, X, Y, 1-s.lr*decay, p.W)
		ok = true
	default:
		// u ← μu + η XᵀY in one pass, then u −= η·decay·θ, θ += u.
		s.be.MulSparseT(s.lr, X, Y, s.mom, vel)
		ok = s.be.MomentumStep(p.W.Data, nil, s.vel[0], s.lr, s.mom, decay, MaxParam)
	}
	ok = s.be.MomentumStep(p.A, ga, s.vel[1], s.lr, s.mom, 0, MaxParam) && ok
	return s.be.MomentumStep(p.B, gb, s.vel[2], s.lr, s.mom, 0, MaxParam) && ok
}

func (s *sgd) state() [][]float32 { return s.vel[:] }
func (s *sgd) counter() *int      { return &s.t }
func (s *sgd) setLR(lr float64)   { s.lr = float32(lr) }
func (s *sgd) reset() {
	for _, v := range s.vel {
		clear(v)
	}
}

// adam is Adam (Kingma & Ba) for gradient ascent; weight decay enters the
// gradient of W.
type adam struct {
	be         tensor.Backend
	lr, b1, b2 float64
	eps        float32
	m, v       [3][]float32
	t          int
	grad       *tensor.Mat32 // ∇W buffer
}

func (a *adam) gW(p *rbm.Params32) *tensor.Mat32 {
	if a.grad == nil {
		a.grad = tensor.NewMat32(p.W.Rows, p.W.Cols)
	}
	return a.grad
}

func (a *adam) step(p *rbm.Params32, X, Y *tensor.Mat32, ga, gb []float32, decay float32) bool {
	a.t++
	gW := a.gW(p)
	a.be.MulSparseT(1, X, Y, 0, gW)
	lrt := float32(a.lr * math.Sqrt(1-math.Pow(a.b2, float64(a.t))) / (1 - math.Pow(a.b1, float64(a.t))))
	b1, b2 := float32(a.b1), float32(a.b2)
	ok := a.be.AdamStep(p.W.Data, gW.Data, a.m[0], a.v[0], lrt, b1, b2, a.eps, decay, MaxParam)
	ok = a.be.AdamStep(p.A, ga, a.m[1], a.v[1], lrt, b1, b2, a.eps, 0, MaxParam) && ok
	return a.be.AdamStep(p.B, gb, a.m[2], a.v[2], lrt, b1, b2, a.eps, 0, MaxParam) && ok
}

func (a *adam) state() [][]float32 { return append(append([][]float32{}, a.m[:]...), a.v[:]...) }
func (a *adam) counter() *int      { return &a.t }
func (a *adam) setLR(lr float64)   { a.lr = lr }
func (a *adam) reset() {
	for i := range a.m {
		clear(a.m[i])
		clear(a.v[i])
	}
	a.t = 0
}

// MaxParam bounds |θ|. A weight or bias beyond ±100 pins its conditionals
// to within e^{−100} of 0 or 1, so Gibbs chains freeze and learning has
// stopped: the run has diverged even before any value is NaN or infinite
// (RBM gradients are bounded, so a too-large learning rate saturates the
// parameters rather than overflowing them).
const MaxParam = 100.0
