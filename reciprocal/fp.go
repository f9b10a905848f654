package reciprocal

import (
	"container/heap"
	"fmt"
	"math"
	"sort"

	"github.com/rbmscope/rbmscope/rbm"
)

// Oscillators is the Gaussian-closure spectrum of the Fokker–Planck operator
// (docs/theory.md §Stiffness, Eqs. 45–48): per paired mode the 2×2 stiffness block
// K_k = [[1/s_x², −σ_k], [−σ_k, 1/s_y²]] with eigenvalues ω±_k, plus the
// unpaired modes with ω = 1/s_x² (visible) or 1/s_y² (hidden).
type Oscillators struct {
	Sx2        float64   `json:"sx2"` // closure variance of x (¼ for uniform states)
	Sy2        float64   `json:"sy2"`
	OmegaMinus []float64 `json:"omega_minus"` // length L
	OmegaPlus  []float64 `json:"omega_plus"`
	Det        []float64 `json:"det"` // det K_k = 1/(s_x² s_y²) − σ_k²
	Unstable   []bool    `json:"unstable"`
	Threshold  float64   `json:"threshold"` // 1/(s_x s_y)
	NUnstable  int       `json:"n_unstable"`
	Unpaired   []float64 `json:"unpaired"` // ω of the |N−M| unpaired modes
}

// Stiffness returns the oscillator spectrum for singular values sigma of an
// N×M model with closure variances sx2, sy2 (both ¼ at p = ½). A mode is
// unstable iff det K_k < 0, i.e. σ_k > 1/(s_x s_y).
func Stiffness(sigma []float64, n, m int, sx2, sy2 float64) (*Oscillators, error) {
	if !(sx2 > 0) || !(sy2 > 0) {
		return nil, fmt.Errorf("stiffness: closure variances (%v, %v) must be positive", sx2, sy2)
	}
	o := &Oscillators{Sx2: sx2, Sy2: sy2, Threshold: 1 / math.Sqrt(sx2*sy2)}
	ix, iy := 1/sx2, 1/sy2
	for _, s := range sigma {
		mid, half := (ix+iy)/2, (ix-iy)/2
		r := math.Hypot(half, s)
		o.OmegaMinus = append(o.OmegaMinus, mid-r)
		o.OmegaPlus = append(o.OmegaPlus, mid+r)
		det := ix*iy - s*s
		o.Det = append(o.Det, det)
		o.Unstable = append(o.Unstable, det < 0)
		if det < 0 {
			o.NUnstable++
		}
	}
	for k := len(sigma); k < n; k++ {
		o.Unpaired = append(o.Unpaired, ix)
	}
	for k := len(sigma); k < m; k++ {
		o.Unpaired = append(o.Unpaired, iy)
	}
	return o, nil
}

// Omegas returns every oscillator frequency (ω−, ω+ of each paired mode and
// the unpaired ones).
func (o *Oscillators) Omegas() []float64 {
	out := append(append([]float64(nil), o.OmegaMinus...), o.OmegaPlus...)
	return append(out, o.Unpaired...)
}

// LowestRates returns the count smallest relaxation rates
// λ = Σ_m ω_m n_m, n_m ∈ ℕ₀ (Eq. 48), starting with λ₀ = 0, with
// multiplicity. It fails if some ω ≤ 0: then the Gaussian closure has no
// stationary state (the spectrum of Eq. 48 is unbounded below).
func LowestRates(omega []float64, count int) ([]float64, error) {
	if count <= 0 {
		return nil, nil
	}
	w := append([]float64(nil), omega...)
	sort.Float64s(w)
	if len(w) > 0 && w[0] <= 0 {
		return nil, fmt.Errorf("relaxation rates: frequency %v ≤ 0 (an unstable mode), no stationary state", w[0])
	}
	out := []float64{0}
	if len(w) == 0 {
		return out, nil
	}
	// Enumerate multisets as non-decreasing index sequences; children of a
	// sequence ending in i: append i again, or bump the last index to i+1.
	h := &rateHeap{{sum: w[0], last: 0}}
	for len(out) < count && h.Len() > 0 {
		s := heap.Pop(h).(rateState)
		out = append(out, s.sum)
		heap.Push(h, rateState{sum: s.sum + w[s.last], last: s.last})
		if s.last+1 < len(w) {
			heap.Push(h, rateState{sum: s.sum - w[s.last] + w[s.last+1], last: s.last + 1})
		}
	}
	return out, nil
}

type rateState struct {
	sum  float64
	last int
}
type rateHeap []rateState

func (h rateHeap) Len() int           { return len(h) }
func (h rateHeap) Less(i, j int) bool { return h[i].sum < h[j].sum }
func (h rateHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *rateHeap) Push(x any)        { *h = append(*h, x.(rateState)) }
func (h *rateHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// MeanField is the saddle point of the reciprocal-space integrand
// (Eqs. 26–27), which is exactly naive mean field.
type MeanField struct {
	Mv, Mh   []float64 // ⟨v⟩, ⟨h⟩
	X, Y     []float64 // Uᵀm_v, Vᵀm_h
	Residual float64   // max |Eq. 26d–f residual|
	Iter     int
}

// MeanFieldSaddle iterates m_v = sig(β(a+Wm_h)), m_h = sig(β(b+Wᵀm_v)) with
// damping from m = ½ until the update is below tol (at most maxIter
// sweeps), then evaluates the residual of Eq. 26 in the frame f:
// x − Uᵀsig(−U t_x) and y − Vᵀsig(−V t_y) with t_x = −β(ã+Σy),
// t_y = −β(b̃+Σᵀx).
func MeanFieldSaddle(f *Frame, md *rbm.Model, beta, damping, tol float64, maxIter int) (*MeanField, error) {
	if md.W.Rows != f.N || md.W.Cols != f.M {
		return nil, fmt.Errorf("mean field: model is %d×%d but frame is %d×%d", md.W.Rows, md.W.Cols, f.N, f.M)
	}
	if !(damping >= 0 && damping < 1) {
		return nil, fmt.Errorf("mean field: damping %v must be in [0, 1)", damping)
	}
	n, m := f.N, f.M
	mv, mh := fill(n, 0.5), fill(m, 0.5)
	it := 0
	for ; it < maxIter; it++ {
		delta := 0.0
		fv := md.VisibleField(mh)
		for i := range mv {
			nv := damping*mv[i] + (1-damping)*rbm.Sigmoid(beta*fv[i])
			delta = math.Max(delta, math.Abs(nv-mv[i]))
			mv[i] = nv
		}
		fh := md.HiddenField(mv)
		for j := range mh {
			nh := damping*mh[j] + (1-damping)*rbm.Sigmoid(beta*fh[j])
			delta = math.Max(delta, math.Abs(nh-mh[j]))
			mh[j] = nh
		}
		if delta < tol {
			it++
			break
		}
	}
	r := &MeanField{Mv: mv, Mh: mh, X: f.ProjectV(mv), Y: f.ProjectH(mh), Iter: it}
	tx := make([]float64, n)
	ty := make([]float64, m)
	for k := 0; k < n; k++ {
		tx[k] = -beta * f.At[k]
		if k < f.L {
			tx[k] -= beta * f.S[k] * r.Y[k]
		}
	}
	for k := 0; k < m; k++ {
		ty[k] = -beta * f.Bt[k]
		if k < f.L {
			ty[k] -= beta * f.S[k] * r.X[k]
		}
	}
	// ⟨v_i⟩ = sig(−(U t_x)_i), then x = Uᵀ⟨v⟩.
	ux, vy := mulVec(f.U, tx), mulVec(f.V, ty)
	for i := range ux {
		ux[i] = rbm.Sigmoid(-ux[i])
	}
	for j := range vy {
		vy[j] = rbm.Sigmoid(-vy[j])
	}
	x2, y2 := f.ProjectV(ux), f.ProjectH(vy)
	for k := range x2 {
		r.Residual = math.Max(r.Residual, math.Abs(x2[k]-r.X[k]))
	}
	for k := range y2 {
		r.Residual = math.Max(r.Residual, math.Abs(y2[k]-r.Y[k]))
	}
	return r, nil
}

func fill(n int, v float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = v
	}
	return x
}
