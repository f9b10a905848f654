package dynamics

import (
	"math"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
)

// ClosureTaus returns the integrated autocorrelation times (in sweeps) of
// u = (x+y)/√2 and w = (y−x)/√2 for the Gaussian closure's block-Gibbs
// chain of one mode with singular value sigma and closure variances sx2,
// sy2 (docs/dynamics.md §The closure's prediction):
//
//	x_{t+1} | y_t ~ N(r_x y_t, s_x²),  y_t | x_t ~ N(r_y x_t, s_y²),
//	r_x = σ s_x², r_y = σ s_y², ρ = r_x r_y.
//
// The stationary variances are q_x = s_x²/(1−ρ), q_y = s_y²/(1−ρ); the
// lagged covariances are C_xx(l) = ρ^l q_x, C_yy(l) = ρ^l q_y,
// Cov(y_{t+l}, x_t) = r_y ρ^l q_x and Cov(x_{t+l}, y_t) = r_x ρ^{l−1} q_y
// (l ≥ 1), whose geometric sums give τ = 1 + 2Σ_{l≥1} C(l)/C(0). For
// s_x² = s_y² = s² this is τ_u = 1/(1 − σs²) and τ_w = 1/(1 + σs²). Both
// are +Inf when ρ ≥ 1 (σ ≥ 1/(s_x s_y): the closure's chain diverges).
func ClosureTaus(sigma, sx2, sy2 float64) (tauU, tauW float64) {
	rx, ry := sigma*sx2, sigma*sy2
	rho := rx * ry
	if !(rho < 1) {
		return math.Inf(1), math.Inf(1)
	}
	qx, qy := sx2/(1-rho), sy2/(1-rho)
	c0u := (qx + qy + 2*ry*qx) / 2
	su := ((qx+qy+ry*qx)*rho + rx*qy) / (2 * (1 - rho))
	c0w := (qx + qy - 2*ry*qx) / 2
	sw := ((qx+qy-ry*qx)*rho - rx*qy) / (2 * (1 - rho))
	return 1 + 2*su/c0u, 1 + 2*sw/c0w
}

// MeanFieldVariances returns, for the leading modes of f, the closure
// variances at the naive mean-field magnetisations m_v, m_h of md
// (reciprocal.MeanFieldSaddle, from ½, damping ½):
// s_x,k² = Σ_i U_ik² m_i(1−m_i) and s_y,k² = Σ_j V_jk² m_j(1−m_j),
// the conditional variances of x_k and y_k when each unit is Bernoulli
// at its mean-field mean. At p = ½ both are ¼.
func MeanFieldVariances(md *rbm.Model, f *reciprocal.Frame, modes int) (sx2, sy2 []float64, err error) {
	mf, err := reciprocal.MeanFieldSaddle(f, md, 1, 0.5, 1e-10, 2000)
	if err != nil {
		return nil, nil, err
	}
	for k := 0; k < modes; k++ {
		x, y := 0.0, 0.0
		for i, p := range mf.Mv {
			u := f.U.At(i, k)
			x += u * u * p * (1 - p)
		}
		for j, p := range mf.Mh {
			v := f.V.At(j, k)
			y += v * v * p * (1 - p)
		}
		sx2, sy2 = append(sx2, x), append(sy2, y)
	}
	return sx2, sy2, nil
}
