package partition

import (
	"math"

	"github.com/rbmscope/rbmscope/rbm"
)

// BennettLogRatio returns the Bennett acceptance ratio estimate of
// r = log(Z1/Z0) and its standard error, from N0 equilibrium samples of
// model 0 and n1 samples of model 1, given as "works"
//
//	w0[i] = F1(x_i) − F0(x_i)  for x_i ~ p0,
//	w1[j] = F0(y_j) − F1(y_j)  for y_j ~ p1
//
// (F = free energy, p ∝ e^{−F}). logw1, when non-nil, are importance
// log-weights of the y_j (samples of a neighbouring model reweighted to
// model 1); they enter through their normalised weights p_j and their
// effective number n1 = 1/Σp_j².
//
// Derivation (docs/ptt.md has it in full). It is the one Bennett solver of rbmscope:
// the trajectory estimator and trajectory-tempering training both use it. For any α(x),
// Z0·E0[α q1] = Z1·E1[α q0] with q = e^{−F}. Bennett's optimal
// α ∝ 1/(N0 q0/Z0 + n1 q1/Z1) turns this into the self-consistent equation
//
//	g(r) = Σ_i σ(−M − r − w0_i) − n1 Σ_j p_j σ(M + r − w1_j) = 0,  M = log(N0/n1),
//
// whose left sum decreases and right sum increases in r, so the root is
// unique and bisection finds it. The error is the delta-method standard
// deviation of the log of the two means at the root,
// σ² = (⟨f0²⟩/⟨f0⟩² − 1)/N0 + (⟨f1²⟩/⟨f1⟩² − 1)/n1, which treats the samples
// as independent (the ladder collects them two autocorrelation times apart).
func BennettLogRatio(w0, w1, logw1 []float64) (r, se float64) {
	n0 := float64(len(w0))
	p1 := NormalisedWeights(logw1, len(w1))
	var s2 float64
	for _, p := range p1 {
		s2 += p * p
	}
	n1 := 1 / s2
	m := math.Log(n0 / n1)
	g := func(r float64) float64 {
		var a, b float64
		for _, w := range w0 {
			a += rbm.Sigmoid(-m - r - w)
		}
		for j, w := range w1 {
			b += p1[j] * rbm.Sigmoid(m+r-w)
		}
		return a - n1*b
	}
	// Bracket around the one-sided (exponential averaging) estimate
	// r ≈ log E0[e^{−w0}], then bisect to float64 resolution.
	lse := math.Inf(-1)
	for _, w := range w0 {
		lse = logAddExp(lse, -w)
	}
	lo := lse - math.Log(n0)
	hi := lo
	for g(lo) < 0 {
		lo -= 1 + math.Abs(lo)
	}
	for g(hi) > 0 {
		hi += 1 + math.Abs(hi)
	}
	for range 200 {
		mid := (lo + hi) / 2
		if !(lo < mid && mid < hi) {
			break
		}
		if g(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	r = (lo + hi) / 2
	var f0, f0sq, f1, f1sq float64
	for _, w := range w0 {
		f := rbm.Sigmoid(-m - r - w)
		f0, f0sq = f0+f/n0, f0sq+f*f/n0
	}
	for j, w := range w1 {
		f := rbm.Sigmoid(m + r - w)
		f1, f1sq = f1+p1[j]*f, f1sq+p1[j]*f*f
	}
	return r, math.Sqrt(max(0, (f0sq/(f0*f0)-1)/n0+(f1sq/(f1*f1)-1)/n1))
}

// NormalisedWeights returns the self-normalised importance weights
// softmax(logw) (from the largest log-weight, so nothing overflows), or n
// uniform weights when logw is nil.
func NormalisedWeights(logw []float64, n int) []float64 {
	p := make([]float64, n)
	if logw == nil {
		for i := range p {
			p[i] = 1 / float64(n)
		}
		return p
	}
	mx := math.Inf(-1)
	for _, l := range logw {
		mx = max(mx, l)
	}
	var s float64
	for i, l := range logw {
		p[i] = math.Exp(l - mx)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
	return p
}

func logAddExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(b, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}
