// Package stats holds the one mean-and-standard-deviation of rbmscope.
package stats

import "math"

// MeanSD returns the mean of xs and its standard deviation with ddof
// delta degrees of freedom: ddof 0 is the population sd (divide by n),
// ddof 1 the sample sd (divide by n−1). Both are NaN for no values; the sd
// is 0 when n ≤ ddof (a single replica). Two passes, no compensation.
func MeanSD(xs []float64, ddof int) (mean, sd float64) {
	n := len(xs)
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	var s, s2 float64
	for _, x := range xs {
		s += x
	}
	mean = s / float64(n)
	if n <= ddof {
		return mean, 0
	}
	for _, x := range xs {
		s2 += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(s2 / float64(n-ddof))
}

// Finite returns the values of xs that are neither NaN nor ±Inf.
func Finite(xs []float64) []float64 {
	var out []float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}

// Sum returns the sum of xs, in order (0 for none).
func Sum[T int | float64](xs []T) T {
	var s T
	for _, x := range xs {
		s += x
	}
	return s
}
