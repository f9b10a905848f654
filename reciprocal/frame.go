// Package reciprocal analyses an RBM in "reciprocal space", the frame of the
// singular value decomposition W = UΣVᵀ (docs/theory.md §Frame to §Kurtosis): projections x = Uᵀv,
// y = Vᵀh, per-mode energies and their saddle points, the Marchenko–Pastur
// law of random initialisations, Gaussianity and kurtosis of the reciprocal
// variables, the Gaussian-closure Fokker–Planck oscillator spectrum and the
// naive mean-field saddle. Everything is float64 (gonum mat/lapack); heavy
// sampling runs in float32 on the tensor backend. The package knows nothing
// about files.
package reciprocal

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/rbm"
)

// Gauge fixes the sign of each singular pair (u_k, v_k), which the SVD leaves
// free (docs/theory.md §Gauge).
type Gauge string

const (
	// GaugeMuWPositive makes μ_w,k ≥ 0, where μ_w,k is the 45° coordinate
	// w_k (Eq. 18) of the constraint mean (½Uᵀ1, ½Vᵀ1) (the repo's choice).
	GaugeMuWPositive Gauge = "mu_w_positive"
	// GaugeColsumUPositive makes Σ_i U_ik ≥ 0.
	GaugeColsumUPositive Gauge = "colsum_U_positive"
)

// ParseGauge validates a gauge name ("" means the default).
func ParseGauge(s string) (Gauge, error) {
	switch Gauge(s) {
	case "", GaugeMuWPositive:
		return GaugeMuWPositive, nil
	case GaugeColsumUPositive:
		return GaugeColsumUPositive, nil
	}
	return "", fmt.Errorf("unknown gauge %q: use %q or %q", s, GaugeMuWPositive, GaugeColsumUPositive)
}

// ZeroTol is the relative tolerance below which a singular value counts as
// zero: σ_k ≤ ZeroTol·σ₁.
const ZeroTol = 1e-10

// Frame is the SVD frame of one model with its transformed biases.
// Modes k < Rank are "paired" (σ_k > 0, a saddle point); the remaining
// columns of U and V are unpaired (purely linear energy terms).
type Frame struct {
	N, M, L int        // visible, hidden, min(N,M)
	U       *mat.Dense // N×N orthogonal, columns = left singular vectors
	S       []float64  // length L, descending
	V       *mat.Dense // M×M orthogonal
	At, Bt  []float64  // ã = Uᵀa (N), b̃ = Vᵀb (M)
	Rank    int        // number of σ_k > tol = 1e-10·σ₁
	Gauge   Gauge      // the gauge applied
}

// NewFrame computes the full SVD of m.W and applies the sign gauge g
// ("" = GaugeMuWPositive). Paired modes (k < Rank) flip (u_k, v_k) together;
// unpaired columns of U (resp. V) are gauged by the sign of their column sum.
// Columns whose gauge statistic is exactly zero keep the LAPACK sign.
func NewFrame(m *rbm.Model, g Gauge) (*Frame, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("invalid model: %w", err)
	}
	g, err := ParseGauge(string(g))
	if err != nil {
		return nil, err
	}
	n, mm := m.W.Rows, m.W.Cols
	w := mat.NewDense(n, mm, append([]float64(nil), m.W.Data...))
	var svd mat.SVD
	if !svd.Factorize(w, mat.SVDFull) {
		return nil, fmt.Errorf("SVD of the %d×%d weight matrix did not converge", n, mm)
	}
	f := &Frame{N: n, M: mm, L: min(n, mm), U: new(mat.Dense), V: new(mat.Dense), Gauge: g}
	svd.UTo(f.U)
	svd.VTo(f.V)
	f.S = svd.Values(nil)
	if len(f.S) != f.L {
		return nil, fmt.Errorf("SVD returned %d singular values, want %d", len(f.S), f.L)
	}
	tol := ZeroTol * f.S[0]
	for k, s := range f.S {
		if s > tol {
			f.Rank = k + 1
		}
	}
	f.At = mulTVec(f.U, m.A)
	f.Bt = mulTVec(f.V, m.B)
	f.applyGauge()
	return f, nil
}

// applyGauge flips column signs in place (U, V, At, Bt).
func (f *Frame) applyGauge() {
	colsum := func(a *mat.Dense, k int) float64 {
		r, _ := a.Dims()
		s := 0.0
		for i := 0; i < r; i++ {
			s += a.At(i, k)
		}
		return s
	}
	for k := 0; k < f.Rank; k++ {
		var stat float64
		switch f.Gauge {
		case GaugeColsumUPositive:
			stat = colsum(f.U, k)
		default:
			mux, muy := 0.5*colsum(f.U, k), 0.5*colsum(f.V, k)
			xs, ys := f.Saddle(k)
			stat = (-(mux - xs) + (muy - ys)) / math.Sqrt2
		}
		if stat < 0 {
			flipCol(f.U, k)
			flipCol(f.V, k)
			f.At[k], f.Bt[k] = -f.At[k], -f.Bt[k]
		}
	}
	for k := f.Rank; k < f.N; k++ {
		if colsum(f.U, k) < 0 {
			flipCol(f.U, k)
			f.At[k] = -f.At[k]
		}
	}
	for k := f.Rank; k < f.M; k++ {
		if colsum(f.V, k) < 0 {
			flipCol(f.V, k)
			f.Bt[k] = -f.Bt[k]
		}
	}
}

func flipCol(a *mat.Dense, k int) {
	r, _ := a.Dims()
	for i := 0; i < r; i++ {
		a.Set(i, k, -a.At(i, k))
	}
}

// mulTVec returns aᵀx.
func mulTVec(a *mat.Dense, x []float64) []float64 {
	_, c := a.Dims()
	out := mat.NewVecDense(c, nil)
	out.MulVec(a.T(), mat.NewVecDense(len(x), append([]float64(nil), x...)))
	return out.RawVector().Data
}

// ProjectV returns x = Uᵀv (length N).
func (f *Frame) ProjectV(v []float64) []float64 {
	if len(v) != f.N {
		panic(fmt.Sprintf("reciprocal: ProjectV got length %d, want N=%d", len(v), f.N))
	}
	return mulTVec(f.U, v)
}

// ProjectH returns y = Vᵀh (length M).
func (f *Frame) ProjectH(h []float64) []float64 {
	if len(h) != f.M {
		panic(fmt.Sprintf("reciprocal: ProjectH got length %d, want M=%d", len(h), f.M))
	}
	return mulTVec(f.V, h)
}

// Sigma returns σ_k, or 0 for k ≥ L.
func (f *Frame) Sigma(k int) float64 {
	if k < f.L {
		return f.S[k]
	}
	return 0
}

// Paired reports whether mode k has a saddle point (k < Rank).
func (f *Frame) Paired(k int) bool { return k >= 0 && k < f.Rank }

// Saddle returns the saddle point (x*_k, y*_k) = (−b̃_k/σ_k, −ã_k/σ_k) of mode
// k (0-based). Unpaired modes have none: NaN, NaN.
func (f *Frame) Saddle(k int) (x, y float64) {
	if !f.Paired(k) {
		return math.NaN(), math.NaN()
	}
	return -f.Bt[k] / f.S[k], -f.At[k] / f.S[k]
}

// SaddleEnergy returns E_k(x*_k, y*_k) = ã_k b̃_k / σ_k (NaN if unpaired).
func (f *Frame) SaddleEnergy(k int) float64 {
	if !f.Paired(k) {
		return math.NaN()
	}
	return f.At[k] * f.Bt[k] / f.S[k]
}

// UW returns the 45° variables of Eq. 18 around the saddle of mode k:
// u = (x+y−x*−y*)/√2, w = (−x+y+x*−y*)/√2.
func (f *Frame) UW(k int, x, y float64) (u, w float64) {
	xs, ys := f.Saddle(k)
	dx, dy := x-xs, y-ys
	return (dx + dy) / math.Sqrt2, (-dx + dy) / math.Sqrt2
}

// ModeEnergy returns E_k(x, y) = −ã_k x − b̃_k y − σ_k x y (Eq. 16) for
// k < L (σ_k = 0 for rank-deficient modes).
func (f *Frame) ModeEnergy(k int, x, y float64) float64 {
	return -f.At[k]*x - f.Bt[k]*y - f.S[k]*x*y
}

// Energy returns E in reciprocal coordinates (Eq. 15): the sum of the paired
// mode energies plus the linear unpaired terms. x has length N, y length M.
func (f *Frame) Energy(x, y []float64) float64 {
	e := 0.0
	for k := 0; k < f.L; k++ {
		e += f.ModeEnergy(k, x[k], y[k])
	}
	for k := f.L; k < f.N; k++ {
		e -= f.At[k] * x[k]
	}
	for k := f.L; k < f.M; k++ {
		e -= f.Bt[k] * y[k]
	}
	return e
}
