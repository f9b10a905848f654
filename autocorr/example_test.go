package autocorr_test

import (
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/autocorr"
	"github.com/rbmscope/rbmscope/tensor"
)

// The integrated autocorrelation time of an AR(1) process with ρ = 0.5
// is (1+ρ)/(1−ρ) = 3.
func ExampleAutocov() {
	acc, _ := autocorr.NewAutocov(5000)
	x := make([]float64, 5000)
	for c := 0; c < 20; c++ {
		r := tensor.RowRand(1, c)
		x[0] = r.NormFloat64()
		for t := 1; t < len(x); t++ {
			x[t] = 0.5*x[t-1] + math.Sqrt(0.75)*r.NormFloat64()
		}
		acc.Add(x)
	}
	iat := acc.IntegratedTime(0)
	fmt.Printf("τ within 3 errors of 3: %v\n", math.Abs(iat.Tau-3) < 3*iat.Err)
	// Output: τ within 3 errors of 3: true
}
