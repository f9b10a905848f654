package train

import (
	"math"
	"time"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/tensor"
)

// Metrics is one row of metrics.csv (the format belongs to rundir).
type Metrics = rundir.Metrics

// NewMetrics returns a row with every measurement unset (NaN).
func NewMetrics(epoch int) Metrics { return rundir.NewMetrics(epoch) }

// ReconError returns the mean squared error between the rows of v and
// p(v|h) with h ~ p(h|v) drawn from key.
func ReconError(be tensor.Backend, p *rbm.Params32, v *tensor.Mat32, key uint64) float64 {
	s := rbm.NewSampler(be, p, tensor.RestoreStream(key, 0))
	c := rbm.NewChains(v.Rows, v.Cols, p.W.Cols)
	s.Hidden(v, c.ProbH, c.H)
	s.Visible(c.H, c.ProbV, nil)
	var e float64
	for i, x := range v.Data {
		d := float64(x - c.ProbV.Data[i])
		e += d * d
	}
	return e / float64(len(v.Data))
}

// PseudoLogLikelihood returns the exact pseudo-log-likelihood per visible
// unit, (1/N) Σ_i log p(v_i | v_{−i}), averaged over the rows of v: every
// one of the N single-bit flips is evaluated (no random subset of units).
// p(v_i|v_{−i}) = sig(F(v^i) − F(v)), where v^i is v with bit i flipped and
// F(v^i) − F(v) = −a_i d_i − Σ_j [softplus(x_j + d_i W_ij) − softplus(x_j)]
// with x = vW + b and d_i = 1 − 2v_i.
//
// The N flips of one row are one batched softplus over the N×M matrix
// X_flip = 1·xᵀ + diag(d)·W, never formed. With the OpenBLAS backend it is
// one vectorised C kernel per row (pll_openblas.go). Otherwise it is
// Backend.SoftplusRowSums on views of W: on a run of rows whose bits are
// 0 (d = +1) X_flip is W with bias x, on a run of 1s (d = −1) it is
// −(W + bias −x), so each run of equal bits is one call.
func PseudoLogLikelihood(be tensor.Backend, p *rbm.Params32, v *tensor.Mat32) float64 {
	n, m := p.W.Rows, p.W.Cols
	if v.Rows == 0 || n == 0 || m == 0 {
		return math.NaN()
	}
	act := tensor.NewMat32(v.Rows, m)
	be.Gemm(false, false, 1, v, p.W, 0, act)
	useC := cFlipSums != nil && be.Name() == "openblas"
	rowPLL := make([]float64, v.Rows)
	tensor.ParallelRows(v.Rows, n*m, func(lo, hi int) {
		x := make([]float32, m)
		flipped := make([]float64, n) // Σ_j softplus(x_j + d_i W_ij) − softplus(x_j)
		var fs *flipSums
		if !useC {
			fs = newFlipSums(m)
		}
		for r := lo; r < hi; r++ {
			ar, vr := act.Row(r), v.Row(r)
			for j := range x {
				x[j] = ar[j] + p.B[j]
			}
			if useC {
				cFlipSums(p, x, vr, flipped)
			} else {
				fs.row(be, p, x, vr, flipped)
			}
			var s float64
			for i, vi := range vr {
				d := 1 - 2*vi // +1 turns a 0 on, −1 turns a 1 off
				delta := -float64(p.A[i]*d) - flipped[i]
				s -= tensor.Softplus64(-delta) // log sig(delta)
			}
			rowPLL[r] = s / float64(n)
		}
	})
	var tot float64
	for _, x := range rowPLL {
		tot += x
	}
	return tot / float64(v.Rows)
}

// cFlipSums, set in the OpenBLAS build, sets out[i] = Σ_j softplus(x_j +
// d_i W_ij) − softplus(x_j), d_i = 1 − 2v_i, for one row v.
var cFlipSums func(p *rbm.Params32, x, v []float32, out []float64)

// flipSums computes the same with Backend.SoftplusRowSums, one call per run
// of equal bits of v; its buffers are reused from row to row.
type flipSums struct {
	negX, flip []float32 // −x; one explicit row of X_flip for bits ∉ {0, 1}
	base       [1]float64
}

func newFlipSums(m int) *flipSums {
	return &flipSums{negX: make([]float32, m), flip: make([]float32, m)}
}

func (f *flipSums) row(be tensor.Backend, p *rbm.Params32, x, v []float32, out []float64) {
	n, m := p.W.Rows, p.W.Cols
	for j, xj := range x {
		f.negX[j] = -xj
	}
	be.SoftplusRowSums(&tensor.Mat32{Rows: 1, Cols: m, Data: x}, nil, 1, f.base[:])
	for i := 0; i < n; {
		k := i + 1
		for k < n && v[k] == v[i] {
			k++
		}
		w := p.W.Slice(i, k)
		switch v[i] {
		case 0: // softplus(x_j + W_ij)
			be.SoftplusRowSums(w, x, 1, out[i:k])
		case 1: // softplus(x_j − W_ij) = softplus(−(W_ij − x_j))
			be.SoftplusRowSums(w, f.negX, -1, out[i:k])
		default:
			d := 1 - 2*v[i]
			for q := i; q < k; q++ {
				wq := p.W.Row(q)
				for j := range f.flip {
					f.flip[j] = x[j] + d*wq[j]
				}
				be.SoftplusRowSums(&tensor.Mat32{Rows: 1, Cols: m, Data: f.flip}, nil, 1, out[q:q+1])
			}
		}
		i = k
	}
	for i := range out {
		out[i] -= f.base[0]
	}
}

// evaluate fills the recon error and pseudo-LL of row m on the eval set.
func (t *Trainer) evaluate(m *Metrics, eval *dataset.Set) {
	if eval == nil || eval.Len() == 0 {
		return
	}
	start := time.Now()
	key := tensor.NewStream(t.Cfg.Seed, purposeEval, uint64(t.Epoch)).Key()
	m.ReconError = ReconError(t.Backend, t.P, eval.X, key)
	m.PseudoLL = PseudoLogLikelihood(t.Backend, t.P, eval.X)
	m.MetricsSeconds = time.Since(start).Seconds()
}
