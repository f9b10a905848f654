package reciprocal

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// LillieforsCrit5 and LillieforsCrit1 are the large-n critical values of
// the Lilliefors statistic √n·D (Kolmogorov–Smirnov against a normal whose
// mean and sd are estimated from the same sample) at the 5% and 1% levels
// (Lilliefors 1967, Table 1, last row: 0.886/√n and 1.031/√n).
const (
	LillieforsCrit5 = 0.886
	LillieforsCrit1 = 1.031
)

// ShapeStat measures how far a sample is from a normal distribution.
type ShapeStat struct {
	N int `json:"n"`
	// KS is sup_x |F̂(x) − Φ((x − x̄)/s)|, the Kolmogorov–Smirnov distance to
	// the normal with the sample's mean and sd (the Lilliefors statistic).
	KS float64 `json:"ks"`
	// ExcessKurt is m₄/m₂² − 3 of the sample (0 for a normal); KurtSE =
	// √(24/n) is its standard error for normal samples.
	ExcessKurt float64 `json:"excess_kurtosis"`
	KurtSE     float64 `json:"kurtosis_se"`
}

// Shape computes the Lilliefors distance and the excess kurtosis of xs
// (at least 4 values; NaN fields otherwise or for a constant sample).
func Shape(xs []float64) ShapeStat {
	n := len(xs)
	st := ShapeStat{N: n, KS: math.NaN(), ExcessKurt: math.NaN(), KurtSE: math.NaN()}
	if n < 4 {
		return st
	}
	var mean float64
	for _, x := range xs {
		mean += x
	}
	mean /= float64(n)
	var m2, m4 float64
	for _, x := range xs {
		d := (x - mean) * (x - mean)
		m2 += d
		m4 += d * d
	}
	m2, m4 = m2/float64(n), m4/float64(n)
	if !(m2 > 0) {
		return st
	}
	st.ExcessKurt, st.KurtSE = m4/(m2*m2)-3, math.Sqrt(24/float64(n))
	sd := math.Sqrt(m2 * float64(n) / float64(n-1))
	s := slices.Clone(xs)
	slices.Sort(s)
	norm := distuv.Normal{Mu: mean, Sigma: sd}
	var d float64
	for i, x := range s {
		c := norm.CDF(x)
		d = max(d, math.Abs(float64(i+1)/float64(n)-c), math.Abs(c-float64(i)/float64(n)))
	}
	st.KS = d
	return st
}

// BinaryExcessKurtosis is the exact excess kurtosis of x = uᵀv for v
// uniform on {0,1}ⁿ: with v_i = (1 + s_i)/2, s_i = ±1, the cumulants of x
// are κ₂ = ¼Σu_i² and κ₄ = (1/16)Σu_i⁴·κ₄(s) = −(2/16)Σu_i⁴ (κ₄(s) =
// E s⁴ − 3(E s²)² = −2), so κ₄/κ₂² = −2Σu_i⁴/(Σu_i²)². It is 0 only in
// the limit of a fully spread u and −2 for a single nonzero entry.
func BinaryExcessKurtosis(u []float64) float64 {
	var s2, s4 float64
	for _, x := range u {
		s2 += x * x
		s4 += x * x * x * x
	}
	return -2 * s4 / (s2 * s2)
}
