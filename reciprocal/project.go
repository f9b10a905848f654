package reciprocal

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// mulVec returns a·x.
func mulVec(a *mat.Dense, x []float64) []float64 {
	r, _ := a.Dims()
	out := mat.NewVecDense(r, nil)
	out.MulVec(a, mat.NewVecDense(len(x), append([]float64(nil), x...)))
	return out.RawVector().Data
}

// ProjectRowsV returns X·U (rows x = Uᵀv) for the visible states in the rows
// of v (n×N).
func (f *Frame) ProjectRowsV(v *tensor.Mat64) (*tensor.Mat64, error) {
	if v.Cols != f.N {
		return nil, fmt.Errorf("visible states have %d columns but the model has N=%d visible units", v.Cols, f.N)
	}
	return mulRows(v, f.U), nil
}

// ProjectRowsH returns rows y = Vᵀh for the hidden states in the rows of h (n×M).
func (f *Frame) ProjectRowsH(h *tensor.Mat64) (*tensor.Mat64, error) {
	if h.Cols != f.M {
		return nil, fmt.Errorf("hidden states have %d columns but the model has M=%d hidden units", h.Cols, f.M)
	}
	return mulRows(h, f.V), nil
}

func mulRows(x *tensor.Mat64, b *mat.Dense) *tensor.Mat64 {
	_, c := b.Dims()
	out := tensor.NewMat64(x.Rows, c)
	if x.Rows == 0 {
		return out
	}
	od := mat.NewDense(x.Rows, c, out.Data)
	od.Mul(mat.NewDense(x.Rows, x.Cols, x.Data), b)
	return out
}

// HiddenMode chooses how hidden states are attached to visible data.
type HiddenMode string

const (
	HiddenSample HiddenMode = "sample" // h ~ p(h|v) (the repo's choice)
	HiddenMean   HiddenMode = "mean"   // h = p(h=1|v)
)

// HiddenFor returns hidden states for the visible rows of v: the
// conditional means p(h=1|v), or Bernoulli samples from them with stream
// key (row i uses tensor.RowRand(key, i)).
func HiddenFor(md *rbm.Model, v *tensor.Mat64, mode HiddenMode, key uint64) (*tensor.Mat64, error) {
	if v.Cols != md.W.Rows {
		return nil, fmt.Errorf("data have %d columns but the model has %d visible units", v.Cols, md.W.Rows)
	}
	if mode != HiddenSample && mode != HiddenMean {
		return nil, fmt.Errorf("hidden mode %q must be %q or %q", mode, HiddenSample, HiddenMean)
	}
	h := mulRows(v, mat.NewDense(md.W.Rows, md.W.Cols, md.W.Data))
	tensor.ParallelRows(h.Rows, h.Cols, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := tensor.RowRand(key, i)
			row := h.Row(i)
			for j := range row {
				p := rbm.Sigmoid(row[j] + md.B[j])
				if mode == HiddenSample {
					if r.Float64() < p {
						p = 1
					} else {
						p = 0
					}
				}
				row[j] = p
			}
		}
	})
	return h, nil
}

// ModePoints holds the coordinates of states in one mode's plane.
type ModePoints struct {
	Mode int       `json:"mode"` // 0-based
	X, Y []float64 `json:"-"`
	U, W []float64 `json:"-"` // 45° variables around the saddle (NaN if unpaired)
}

// ModeCoords extracts mode k's (x_k, y_k) and (u_k, w_k) from projected rows.
func (f *Frame) ModeCoords(k int, x, y *tensor.Mat64) ModePoints {
	p := ModePoints{Mode: k}
	for i := 0; i < x.Rows; i++ {
		xi, yi := x.At(i, k), y.At(i, k)
		u, w := f.UW(k, xi, yi)
		p.X, p.Y, p.U, p.W = append(p.X, xi), append(p.Y, yi), append(p.U, u), append(p.W, w)
	}
	return p
}

// Grid is E_k evaluated on a rectangular grid: Z[i][j] = E_k(Xs[j], Ys[i]).
type Grid struct {
	Mode   int         `json:"mode"` // 0-based
	Xs, Ys []float64   `json:"-"`
	Z      [][]float64 `json:"-"`
}

// EnergyGrid evaluates E_k on nx×ny points spanning [x0,x1]×[y0,y1].
func (f *Frame) EnergyGrid(k int, x0, x1, y0, y1 float64, nx, ny int) (*Grid, error) {
	if k < 0 || k >= f.L {
		return nil, fmt.Errorf("mode %d is out of range: the model has %d paired modes", k+1, f.L)
	}
	if nx < 2 || ny < 2 || !(x1 > x0) || !(y1 > y0) {
		return nil, fmt.Errorf("energy grid: need ≥2 points per axis and a non-empty box")
	}
	g := &Grid{Mode: k, Xs: linspace(x0, x1, nx), Ys: linspace(y0, y1, ny)}
	for _, y := range g.Ys {
		row := make([]float64, nx)
		for j, x := range g.Xs {
			row[j] = f.ModeEnergy(k, x, y)
		}
		g.Z = append(g.Z, row)
	}
	return g, nil
}

func linspace(a, b float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	return out
}

// bounds returns the range of the values xs, widened to include extra and
// padded by 10% (at least ±pad).
func bounds(pad float64, xs []float64, extra ...float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range append(append([]float64(nil), xs...), extra...) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo > hi {
		return -1, 1
	}
	d := math.Max(0.1*(hi-lo), pad)
	return lo - d, hi + d
}
