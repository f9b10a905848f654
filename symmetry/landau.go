package symmetry

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/reciprocal"
)

// Variable is the reciprocal coordinate whose Landau free energy is built.
type Variable string

// MeanField is the closure for the other coordinates z_{j≠1} (docs/theory.md §Landau).
type MeanField string

// Correction selects the approximation of the constraint potential V_c.
type Correction string

const (
	VarU Variable = "u" // u_k, the unstable 45° direction (z₁ in Figs. 7–8)
	VarW Variable = "w" // w_k, the stable 45° direction (z_{M+1})
	VarX Variable = "x" // x_k with y_k integrated out in the Gaussian closure

	// MFConstraint sets ⟨z_j⟩ = μ_j (the constraint mean, Eq. 28).
	MFConstraint MeanField = "constraint"
	// MFGibbs sets ⟨z_j⟩ to Gibbs-sample means of the current model.
	MFGibbs MeanField = "gibbs"

	// Cramer is the leading saddle-point (Legendre) approximation of V_c.
	Cramer Correction = "cramer"
	// Edgeworth adds the 1-D Edgeworth/Daniels correction to V₁₁.
	Edgeworth Correction = "edgeworth"
)

// LandauOptions configures LandauCoefficients.
type LandauOptions struct {
	Mode       int        // 0-based mode index k (default 0, the leading mode)
	Variable   Variable   // u (default), w or x
	MeanField  MeanField  // constraint (default) or gibbs
	Correction Correction // cramer (default) or edgeworth
	// Gibbs means of the visible and hidden units (required for MFGibbs).
	VisibleMean, HiddenMean []float64
}

// Landau is the quartic Landau free energy F(z) = Σ c_n zⁿ of one
// coordinate (Eq. 55). C[0] is reported with Φ₀ = 0: F is defined up to a
// constant independent of z, which changes neither minima nor barriers.
type Landau struct {
	Mode       int        `json:"mode"`
	Variable   Variable   `json:"variable"`
	MeanField  MeanField  `json:"mean_field"`
	Correction Correction `json:"correction"`
	Alpha      [5]float64 `json:"alpha"` // α₀..α₄ of Eq. 52–54 (α₀ = 0)
	Mu         float64    `json:"mu"`    // expansion point μ₁ of z
	C          [5]float64 `json:"c"`     // c₀..c₄
	Minima     []float64  `json:"minima"`
	Maxima     []float64  `json:"maxima"`
}

// CoefficientsFromAlpha expands Σ_{n=1..4} α_n (z−μ)ⁿ + quad·z² in powers
// of z (docs/theory.md §Landau, with quad = −σ/2 for u, +σ/2 for w); c₀ uses α₀ as Φ₀.
func CoefficientsFromAlpha(alpha [5]float64, mu, quad float64) [5]float64 {
	a1, a2, a3, a4 := alpha[1], alpha[2], alpha[3], alpha[4]
	return [5]float64{
		alpha[0] - a1*mu + a2*mu*mu - a3*mu*mu*mu + a4*mu*mu*mu*mu,
		a1 - 2*a2*mu + 3*a3*mu*mu - 4*a4*mu*mu*mu,
		a2 - 3*a3*mu + 6*a4*mu*mu + quad,
		a3 - 4*a4*mu,
		a4,
	}
}

// PolyEval returns Σ c_n zⁿ.
func PolyEval(c [5]float64, z float64) float64 {
	return (((c[4]*z+c[3])*z+c[2])*z+c[1])*z + c[0]
}

// rowAlphas returns α₀..α₄ of the Cramér closure for the coordinate with row
// c of the orthogonal map C (z = C s + const, s uniform binary) and mean-
// field couplings d_a = Σ_{j≠1} C_ja δ̄_j (docs/theory.md §Landau): V_ij = 4δ_ij,
// V_ijk = 0, V_ijkl = 32 Σ_a C_ia C_ja C_ka C_la. Edgeworth multiplies the
// quadratic V₁₁ by (1 + γ₂/2), γ₂ = −2 Σ_a C_1a⁴.
func rowAlphas(c, d []float64, corr Correction) [5]float64 {
	var s4, s3d, s2d2, s1d3 float64
	for a, ca := range c {
		c2 := ca * ca
		s4 += c2 * c2
		if d != nil {
			da := d[a]
			s3d += c2 * ca * da
			s2d2 += c2 * da * da
			s1d3 += ca * da * da * da
		}
	}
	v11 := 4.0
	if corr == Edgeworth {
		v11 *= 1 + (-2*s4)/2
	}
	return [5]float64{0, 16.0 / 3 * s1d3, v11/2 + 8*s2d2, 16.0 / 3 * s3d, 4.0 / 3 * s4}
}

// LandauCoefficients builds the quartic Landau free energy of one
// coordinate of mode k from the frame of a model (docs/theory.md §Landau).
func LandauCoefficients(f *reciprocal.Frame, o LandauOptions) (*Landau, error) {
	if o.Variable == "" {
		o.Variable = VarU
	}
	if o.MeanField == "" {
		o.MeanField = MFConstraint
	}
	if o.Correction == "" {
		o.Correction = Cramer
	}
	k := o.Mode
	if !f.Paired(k) {
		return nil, fmt.Errorf("mode %d has no saddle point (σ=0 or beyond min(N,M)=%d); choose a mode ≤ %d", k+1, f.L, f.Rank)
	}
	if o.Correction != Cramer && o.Correction != Edgeworth {
		return nil, fmt.Errorf("correction %q: use cramer or edgeworth", o.Correction)
	}
	uk, vk := mat.Col(nil, k, f.U), mat.Col(nil, k, f.V)
	sigma := f.S[k]
	mux, muy := 0.5*sum(uk), 0.5*sum(vk)
	out := &Landau{Mode: k, Variable: o.Variable, MeanField: o.MeanField, Correction: o.Correction}
	switch o.Variable {
	case VarX:
		if o.MeanField != MFConstraint {
			return nil, fmt.Errorf("the x variable integrates y out in the Gaussian closure; only the constraint mean field applies")
		}
		s4 := sum4(uk)
		v2 := 4.0
		if o.Correction == Edgeworth {
			v2 *= 1 + (-2*s4)/2
		}
		v4 := 32 * s4
		const sy2 = 0.25
		at, bt := f.At[k], f.Bt[k]
		out.Mu = mux
		out.C = [5]float64{0,
			-at - v2*mux - v4*mux*mux*mux/6 - sigma*muy - sy2*sigma*bt,
			v2/2 + v4*mux*mux/4 - sy2*sigma*sigma/2,
			-v4 * mux / 6,
			v4 / 24}
		// c₀ from the expansion, so that F(x) is the closure formula exactly.
		out.C[0] = v2/2*mux*mux + v4/24*mux*mux*mux*mux - bt*muy - sy2/2*bt*bt
	case VarU, VarW:
		sign := 1.0
		quad := -sigma / 2
		if o.Variable == VarW {
			sign, quad = -1, sigma/2
		}
		n, m := f.N, f.M
		row := make([]float64, n+m)
		for i, x := range uk {
			row[i] = sign * x / math.Sqrt2
		}
		for j, x := range vk {
			row[n+j] = x / math.Sqrt2
		}
		mu, muw := f.UW(k, mux, muy)
		if o.Variable == VarW {
			mu = muw
		}
		out.Mu = mu
		var d []float64
		switch o.MeanField {
		case MFConstraint:
		case MFGibbs:
			if len(o.VisibleMean) != n || len(o.HiddenMean) != m {
				return nil, fmt.Errorf("gibbs mean field needs visible (%d) and hidden (%d) Gibbs means", n, m)
			}
			// δ̄ = C(s̄−½), so d = Cᵀδ̄ − C₁δ̄₁ = (s̄−½) − C₁δ̄₁ (C is orthogonal).
			d = make([]float64, n+m)
			for i := 0; i < n; i++ {
				d[i] = o.VisibleMean[i] - 0.5
			}
			for j := 0; j < m; j++ {
				d[n+j] = o.HiddenMean[j] - 0.5
			}
			var delta1 float64
			for a := range d {
				delta1 += row[a] * d[a]
			}
			for a := range d {
				d[a] -= row[a] * delta1
			}
		default:
			return nil, fmt.Errorf("mean field %q: use constraint or gibbs", o.MeanField)
		}
		out.Alpha = rowAlphas(row, d, o.Correction)
		out.C = CoefficientsFromAlpha(out.Alpha, mu, quad)
	default:
		return nil, fmt.Errorf("variable %q: use u, w or x", o.Variable)
	}
	out.Minima, out.Maxima = QuarticStationary(out.C)
	return out, nil
}

func sum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s
}

func sum4(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v * v * v
	}
	return s
}

// QuarticStationary returns the real minima and maxima of F(z) = Σ c_n zⁿ
// (roots of F′ classified by F″), each sorted ascending.
func QuarticStationary(c [5]float64) (minima, maxima []float64) {
	// F′(z) = 4c₄z³ + 3c₃z² + 2c₂z + c₁.
	d := []float64{c[1], 2 * c[2], 3 * c[3], 4 * c[4]}
	roots := realRoots(d)
	for _, z := range roots {
		f2 := 12*c[4]*z*z + 6*c[3]*z + 2*c[2]
		switch {
		case f2 > 0:
			minima = append(minima, z)
		case f2 < 0:
			maxima = append(maxima, z)
		}
	}
	return minima, maxima
}

// realRoots returns the real roots of Σ p_n zⁿ (degree ≤ 3), ascending,
// polished by Newton steps.
func realRoots(p []float64) []float64 {
	deg := len(p) - 1
	scale := 0.0
	for _, v := range p {
		scale = math.Max(scale, math.Abs(v))
	}
	for deg > 0 && math.Abs(p[deg]) <= 1e-14*scale {
		deg--
	}
	if deg == 0 {
		return nil
	}
	if deg == 1 {
		return []float64{-p[0] / p[1]}
	}
	// Companion matrix eigenvalues.
	comp := mat.NewDense(deg, deg, nil)
	for i := 0; i < deg; i++ {
		comp.Set(0, i, -p[deg-1-i]/p[deg])
		if i > 0 {
			comp.Set(i, i-1, 1)
		}
	}
	var eig mat.Eigen
	if !eig.Factorize(comp, mat.EigenNone) {
		return nil
	}
	var out []float64
	for _, v := range eig.Values(nil) {
		if math.Abs(imag(v)) > 1e-9*math.Max(1, math.Abs(real(v))) {
			continue
		}
		z := real(v)
		for it := 0; it < 3; it++ { // Newton polish
			f, df := 0.0, 0.0
			for n := deg; n >= 0; n-- {
				df = df*z + f
				f = f*z + p[n]
			}
			if df == 0 {
				break
			}
			z -= f / df
		}
		out = append(out, z)
	}
	sort.Float64s(out)
	return out
}

// EdgeworthPotential is −log of the Edgeworth density of a standardised
// variable t = (z−μ)/√κ₂ with excess kurtosis γ₂ (no skew):
// ½log(2πκ₂) + t²/2 − log(1 + γ₂/24·(t⁴−6t²+3)).
func EdgeworthPotential(t, gamma2, kappa2 float64) float64 {
	corr := 1 + gamma2/24*(t*t*t*t-6*t*t+3)
	return 0.5*math.Log(2*math.Pi*kappa2) + 0.5*t*t - math.Log(math.Max(corr, 1e-12))
}
