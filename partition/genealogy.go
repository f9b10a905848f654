package partition

import "math"

// GenealogyVariance estimates the relative variance Var(Ẑ)/Z² of a
// resampled (sequential Monte Carlo) AIS run's estimate Ẑ — of 1/Z for
// reverse AIS — from that run alone, by Lee & Whiteley's (2018) estimator:
//
//	V = 1 − (C/(C−1))^{R+1} · (1 − Σ_e S_e²),   S_e = Σ_{c: eve_c = e} W_c,
//
// where W_c are the final chains' normalised weights (e^{±logw_c}, as in
// EffectiveSampleSize), eve_c is the initial chain chain c descends from,
// and R is the number of resampling events. Without resampling (R = 0,
// every chain its own eve) it is the unbiased sample estimate
// (C·ΣW² − 1)/(C − 1) of Var(w)/(C·E[w]²). With resampling, chains of one
// family share their history, and only the families' total weights S_e
// count as independent: when the families are few, V is large, which the
// bootstrap over chains cannot see. V·Ẑ² is unbiased for Var(Ẑ); V itself
// may come out negative, and it is uninformative when a single family is
// left (V = 1 regardless of the spread).
func GenealogyVariance(logw []float64, eve []int32, resamples int, reverse bool) float64 {
	c := len(logw)
	if c < 2 || len(eve) != c || resamples < 0 {
		return math.NaN()
	}
	w := make([]float64, c)
	_, total, _ := scaledWeights(logw, reverse, w)
	if !(total > 0) || math.IsInf(total, 0) {
		return math.NaN()
	}
	// Family sums in a slice indexed by eve (eves are initial chain
	// indices, 0 ≤ eve < C; a pooled result's are offset, so size the
	// slice by the largest), summed in index order: a map's random
	// iteration order would change the last bits from run to run.
	hi := int32(0)
	for _, e := range eve {
		if e < 0 {
			return math.NaN()
		}
		hi = max(hi, e)
	}
	fam := make([]float64, hi+1)
	for i, x := range w {
		fam[eve[i]] += x / total
	}
	q := 0.0
	for _, s := range fam {
		q += s * s
	}
	n := float64(c)
	return 1 - math.Pow(n/(n-1), float64(resamples+1))*(1-q)
}

// GenealogySE turns v from GenealogyVariance into a standard error of
// log Ẑ, √log(1 + v) (exact when Ẑ/Z is log-normal, ≈ √v when v is small),
// floored at the bootstrap error of the last stage's weights so that a
// negative v, which carries no information, does not report zero.
func GenealogySE(v, bootstrap float64) float64 {
	if math.IsNaN(v) {
		return math.NaN()
	}
	return max(math.Sqrt(math.Log1p(max(v, 0))), bootstrap)
}

// countDistinct returns the number of distinct values in eve.
func countDistinct(eve []int32) int {
	seen := make(map[int32]struct{}, len(eve))
	for _, e := range eve {
		seen[e] = struct{}{}
	}
	return len(seen)
}
