package train

import (
	"math"

	"github.com/rbmscope/rbmscope/autocorr"
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
// Derivation (docs/ptt.md has it in full). For any α(x),
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
	p1 := normalisedWeights(logw1, len(w1))
	var s2 float64
	for _, p := range p1 {
		s2 += p * p
	}
	n1 := 1 / s2
	m := math.Log(n0 / n1)
	g := func(r float64) float64 {
		var a, b float64
		for _, w := range w0 {
			a += sigmoid64(-m - r - w)
		}
		for j, w := range w1 {
			b += p1[j] * sigmoid64(m+r-w)
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
		f := sigmoid64(-m - r - w)
		f0, f0sq = f0+f/n0, f0sq+f*f/n0
	}
	for j, w := range w1 {
		f := sigmoid64(m + r - w)
		f1, f1sq = f1+p1[j]*f, f1sq+p1[j]*f*f
	}
	return r, math.Sqrt(max(0, (f0sq/(f0*f0)-1)/n0+(f1sq/(f1*f1)-1)/n1))
}

// normalisedWeights returns softmax(logw), or uniform weights when logw is nil.
func normalisedWeights(logw []float64, n int) []float64 {
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

func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
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

// swapAutocorrelation returns the integrated and exponential
// autocorrelation times, in sweeps, of the ladder level of each chain
// when a chain's level flips at each of its accepted exchanges:
// swaps[t][c] is whether chain c's exchange was accepted in sweep t. The
// level s = ±1 goes through package autocorr (the estimator of every
// autocorrelation time in rbmscope). Its τ = 1 + 2Σρ is halved to the
// PTT paper's convention τint = ½ + Σρ, and its window c = 3 is the
// paper's t ≥ 6τint. τexp is the largest −t/log ρ(t) while ρ(t) > 0.05
// (Alvarez Baños et al., J. Stat. Mech. (2010) P06026, as the PTT paper
// uses it). A level that never flips has no finite time: NaN, NaN.
func swapAutocorrelation(swaps [][]bool) (tauInt, tauExp float64) {
	T := len(swaps)
	if T < 2 {
		return 0.5, 0
	}
	s := make([][]float64, T)
	level := make([]bool, len(swaps[0]))
	for t := range swaps {
		s[t] = make([]float64, len(level))
		for c, a := range swaps[t] {
			level[c] = level[c] != a
			s[t][c] = 1
			if level[c] {
				s[t][c] = -1
			}
		}
	}
	acc, err := autocorr.FromTrace(s)
	if err != nil {
		return math.NaN(), math.NaN()
	}
	iat := acc.IntegratedTime(3)
	return max(iat.Tau/2, 0.5), acc.ExpTime(T/2, 0.05)
}

// lateMean is the fraction of accepted exchanges over the second half of
// the sweeps.
func lateMean(swaps [][]bool) float64 {
	var n, k int
	for _, row := range swaps[len(swaps)/2:] {
		for _, a := range row {
			n++
			if a {
				k++
			}
		}
	}
	return float64(k) / float64(max(n, 1))
}
