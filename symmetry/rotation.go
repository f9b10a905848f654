package symmetry

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/tensor"
)

// PlaneRotation returns the n×n rotation by theta in the plane spanned by
// the orthonormal vectors p and q, fixing their orthogonal complement:
//
//	R = I + (cosθ−1)(ppᵀ+qqᵀ) + sinθ(qpᵀ−pqᵀ),  so R p = cosθ p + sinθ q.
func PlaneRotation(p, q []float64, theta float64) *mat.Dense {
	n := len(p)
	if len(q) != n {
		panic("symmetry: PlaneRotation vectors of different length")
	}
	c, s := math.Cos(theta)-1, math.Sin(theta)
	r := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v := c*(p[i]*p[j]+q[i]*q[j]) + s*(q[i]*p[j]-p[i]*q[j])
			if i == j {
				v++
			}
			r.Set(i, j, v)
		}
	}
	return r
}

// AguileraPerezAguila returns the n×n rotation by theta about the
// (n−2)-dimensional subspace spanned by the columns of fixed (n×(n−2)),
// built as in Aguilera & Pérez-Aguila (2004): Givens steps in rows
// (r, r−1) reduce fixed to upper-triangular form, accumulating M; the
// result is Mᵀ R_θ M with R_θ acting on the last two coordinates. It also
// returns the oriented plane (p, q) = (Mᵀe_{n−1}, Mᵀe_n), so that the result
// equals PlaneRotation(p, q, theta).
func AguileraPerezAguila(fixed *mat.Dense, theta float64) (r *mat.Dense, p, q []float64) {
	n, k := fixed.Dims()
	if n < 2 || k != n-2 {
		panic(fmt.Sprintf("symmetry: AguileraPerezAguila needs an n×(n−2) matrix, got %d×%d", n, k))
	}
	v := mat.DenseCopyOf(fixed)
	m := identity(n)
	rot := func(a *mat.Dense, i, j int, ct, st float64) { // rows i ← ct·a_i − st·a_j, j ← st·a_i + ct·a_j
		_, cols := a.Dims()
		for c := 0; c < cols; c++ {
			ai, aj := a.At(i, c), a.At(j, c)
			a.Set(i, c, ct*ai-st*aj)
			a.Set(j, c, st*ai+ct*aj)
		}
	}
	for c := 0; c < n-2; c++ {
		for row := n - 1; row > c; row-- {
			t := math.Atan2(v.At(row, c), v.At(row-1, c))
			ct, st := math.Cos(t), math.Sin(t)
			rot(v, row, row-1, ct, st)
			rot(m, row, row-1, ct, st)
		}
	}
	p = mat.Row(nil, n-2, m)
	q = mat.Row(nil, n-1, m)
	rt := identity(n)
	rt.Set(n-2, n-2, math.Cos(theta))
	rt.Set(n-2, n-1, -math.Sin(theta))
	rt.Set(n-1, n-2, math.Sin(theta))
	rt.Set(n-1, n-1, math.Cos(theta))
	var tmp, out mat.Dense
	tmp.Mul(m.T(), rt)
	out.Mul(&tmp, m)
	return &out, p, q
}

func identity(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		m.Set(i, i, 1)
	}
	return m
}

// Givens is a rotation by Theta in the coordinate plane (I, J), I ≠ J:
// the identity except R_II = R_JJ = cosθ, R_JI = sinθ, R_IJ = −sinθ.
type Givens struct {
	I, J  int
	Theta float64
}

// Rotation is the product R = G₁G₂⋯G_T of coordinate-plane rotations,
// applied implicitly (O(rows) work per factor when acting on columns).
type Rotation []Givens

// T returns the transpose (inverse) rotation G_Tᵀ⋯G₁ᵀ.
func (r Rotation) T() Rotation {
	o := make(Rotation, len(r))
	for i, g := range r {
		o[len(r)-1-i] = Givens{g.I, g.J, -g.Theta}
	}
	return o
}

// ApplyRight sets a ← a·R (mixes columns of a).
func (r Rotation) ApplyRight(a *mat.Dense) {
	rows, _ := a.Dims()
	for _, g := range r {
		c, s := math.Cos(g.Theta), math.Sin(g.Theta)
		for k := 0; k < rows; k++ {
			ai, aj := a.At(k, g.I), a.At(k, g.J)
			a.Set(k, g.I, c*ai+s*aj)
			a.Set(k, g.J, -s*ai+c*aj)
		}
	}
}

// ApplyLeft sets a ← R·a (mixes rows of a).
func (r Rotation) ApplyLeft(a *mat.Dense) {
	_, cols := a.Dims()
	for t := len(r) - 1; t >= 0; t-- {
		g := r[t]
		c, s := math.Cos(g.Theta), math.Sin(g.Theta)
		for k := 0; k < cols; k++ {
			ai, aj := a.At(g.I, k), a.At(g.J, k)
			a.Set(g.I, k, c*ai-s*aj)
			a.Set(g.J, k, s*ai+c*aj)
		}
	}
}

// Dense materialises R as an n×n matrix.
func (r Rotation) Dense(n int) *mat.Dense {
	m := identity(n)
	r.ApplyRight(m)
	return m
}

// RandomRotation draws count consecutive rotations in random coordinate
// planes {i, j} (i ≠ j, uniform among the axes keep..n−1, so the first keep
// axes are always fixed). If theta is NaN each angle is uniform on [0, 2π),
// otherwise every angle is theta. The draw is determined by key.
func RandomRotation(n, keep, count int, theta float64, key uint64) (Rotation, error) {
	free := n - keep
	if keep < 0 || free < 2 {
		return nil, fmt.Errorf("random rotations need at least 2 free axes, have n=%d with %d kept fixed", n, keep)
	}
	rng := tensor.RowRand(key, 0)
	r := make(Rotation, count)
	for t := range r {
		i := int(rng.Uint64() % uint64(free))
		j := int(rng.Uint64() % uint64(free-1))
		if j >= i {
			j++
		}
		th := theta
		if math.IsNaN(theta) {
			th = 2 * math.Pi * rng.Float64()
		}
		r[t] = Givens{I: keep + i, J: keep + j, Theta: th}
	}
	return r, nil
}
