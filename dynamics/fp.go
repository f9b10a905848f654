package dynamics

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/mat"
)

// Grid is a uniform grid of n points q_i = Lo + i·H on [Lo, Lo+(n−1)H].
type Grid struct {
	Lo, H float64
	N     int
}

// NewGrid returns n ≥ 3 points spanning [lo, hi].
func NewGrid(lo, hi float64, n int) (Grid, error) {
	if n < 3 || !(hi > lo) || math.IsInf(hi-lo, 0) {
		return Grid{}, fmt.Errorf("grid: need at least 3 points on a finite interval with hi > lo, got %d on [%v, %v]", n, lo, hi)
	}
	return Grid{Lo: lo, H: (hi - lo) / float64(n-1), N: n}, nil
}

// At returns q_i.
func (g Grid) At(i int) float64 { return g.Lo + float64(i)*g.H }

// Eval returns f at every grid point.
func (g Grid) Eval(f func(float64) float64) []float64 {
	out := make([]float64, g.N)
	for i := range out {
		out[i] = f(g.At(i))
	}
	return out
}

// FPSpectrum returns the count smallest relaxation rates λ of the
// over-damped Fokker–Planck equation ∂P/∂t = ∂(PΦ') + ∂²P (Eq. 33, D = 1)
// for a potential tabulated on g (phi[i] = Φ(q_i)), ascending from λ₀ ≈ 0.
//
// The discretisation is a nearest-neighbour jump process with rates
// W(i→i±1) = exp(−(Φ_{i±1}−Φ_i)/2)/H², which satisfies detailed balance
// with π_i ∝ e^{−Φ_i} exactly, so λ₀ = 0 to rounding and every λ is real;
// the ends reflect (no jumps off the grid). Similarity by π^{1/2} makes
// the generator symmetric tridiagonal — off-diagonal −1/H², diagonal
// Σ_j W(i→j) — and its eigenvalues come from LAPACK's dsterf. As H → 0
// the symmetric generator tends to −∂² + V_s (Eq. 36), so both operators
// share the spectrum up to O(H²).
func FPSpectrum(g Grid, phi []float64, count int) ([]float64, error) {
	if len(phi) != g.N {
		return nil, fmt.Errorf("fokker-planck: %d potential values on a %d-point grid", len(phi), g.N)
	}
	d := make([]float64, g.N)
	for i := range d {
		if i > 0 {
			d[i] += math.Exp(-(phi[i-1] - phi[i]) / 2)
		}
		if i+1 < g.N {
			d[i] += math.Exp(-(phi[i+1] - phi[i]) / 2)
		}
		d[i] /= g.H * g.H
	}
	return tridiagLowest(d, -1/(g.H*g.H), count)
}

// SchrodingerSpectrum returns the count lowest eigenvalues of
// Ĥ = −∂² + V_s on g with Dirichlet ends (second differences, potential
// vs[i] = V_s(q_i)).
func SchrodingerSpectrum(g Grid, vs []float64, count int) ([]float64, error) {
	if len(vs) != g.N {
		return nil, fmt.Errorf("schrödinger: %d potential values on a %d-point grid", len(vs), g.N)
	}
	d := make([]float64, g.N)
	for i := range d {
		d[i] = 2/(g.H*g.H) + vs[i]
	}
	return tridiagLowest(d, -1/(g.H*g.H), count)
}

// SchrodingerPotential returns V_s = ¼(∂Φ)² − ½∂²Φ (Eq. 36) from the
// first and second derivatives of Φ.
func SchrodingerPotential(dphi, d2phi func(float64) float64) func(float64) float64 {
	return func(q float64) float64 {
		p := dphi(q)
		return p*p/4 - d2phi(q)/2
	}
}

// tridiagLowest returns the count smallest eigenvalues of the symmetric
// tridiagonal matrix with diagonal d and constant off-diagonal e.
func tridiagLowest(d []float64, e float64, count int) ([]float64, error) {
	n := len(d)
	if count < 1 || count > n {
		return nil, fmt.Errorf("eigenvalues: asked for %d of %d", count, n)
	}
	dd := append([]float64(nil), d...)
	ee := make([]float64, n-1)
	for i := range ee {
		ee[i] = e
	}
	if !(gonum.Implementation{}).Dsterf(n, dd, ee) {
		return nil, fmt.Errorf("eigenvalues: the tridiagonal QL iteration did not converge")
	}
	slices.Sort(dd)
	return dd[:count], nil
}

// FPSpectrum2D returns the count smallest Fokker–Planck rates of a
// potential tabulated on the product grid gx × gy (phi[i*gy.N+j] =
// Φ(x_i, y_j)), with the detailed-balance jump rates of FPSpectrum along
// each axis. The symmetric generator is dense (gx.N·gy.N)² and is
// diagonalised by mat.EigenSym, so keep the grid below ~50×50.
// For a separable Φ(x,y) = Φ_x(x) + Φ_y(y) the generator is the Kronecker
// sum of the two 1-D generators and the rates are exactly the pairwise
// sums of the 1-D rates.
func FPSpectrum2D(gx, gy Grid, phi []float64, count int) ([]float64, error) {
	nx, ny := gx.N, gy.N
	n := nx * ny
	if len(phi) != n {
		return nil, fmt.Errorf("fokker-planck 2-D: %d potential values on a %d×%d grid", len(phi), nx, ny)
	}
	if count < 1 || count > n {
		return nil, fmt.Errorf("eigenvalues: asked for %d of %d", count, n)
	}
	a := mat.NewSymDense(n, nil)
	link := func(p, q int, h float64) {
		a.SetSym(p, p, a.At(p, p)+math.Exp(-(phi[q]-phi[p])/2)/(h*h))
		a.SetSym(q, q, a.At(q, q)+math.Exp(-(phi[p]-phi[q])/2)/(h*h))
		a.SetSym(p, q, -1/(h*h))
	}
	for i := 0; i < nx; i++ {
		for j := 0; j < ny; j++ {
			p := i*ny + j
			if i+1 < nx {
				link(p, p+ny, gx.H)
			}
			if j+1 < ny {
				link(p, p+1, gy.H)
			}
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(a, false) {
		return nil, fmt.Errorf("eigenvalues: the %d×%d symmetric eigenproblem did not converge", n, n)
	}
	ev := eig.Values(nil)
	slices.Sort(ev)
	return ev[:count], nil
}
