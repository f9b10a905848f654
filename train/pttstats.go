package train

import (
	"math"

	"github.com/rbmscope/rbmscope/autocorr"
)

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
