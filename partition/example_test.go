package partition_test

import (
	"context"
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// With W = 0 the units are independent: log Z = Σ sp(a_i) + Σ sp(b_j), and
// AIS from a base-rate model with a^A = a is exact with zero variance.
func Example() {
	m := rbm.New(3, 2)
	m.A = []float64{0.5, -1, 2}
	m.B = []float64{0.3, -0.2}
	lz, _ := partition.ExactLogZ(m)
	closed := 0.0
	for _, x := range append(append([]float64{}, m.A...), m.B...) {
		closed += math.Log1p(math.Exp(x))
	}
	betas, _ := partition.Schedule(partition.Linear, 100)
	ais, _ := partition.AIS(context.Background(), tensor.Default(), m, partition.Options{
		Betas: betas, Chains: 10, BaseVisible: m.A, Seed: 1})
	fmt.Printf("exact %.6f, closed form %.6f, AIS %.5f ± %.5f\n", lz, closed, ais.LogZ, ais.LogZErr)
	// Output: exact 4.866761, closed form 4.866761, AIS 4.86676 ± 0.00000
}

// The effective sample size says how many chains an AIS estimate really
// rests on: all of them when the weights are even, one when a single chain
// carries the sum.
func ExampleEffectiveSampleSize() {
	even := []float64{-3, -3, -3, -3}
	skewed := []float64{0, -40, -45, -50}
	fmt.Printf("even: %.2f of 4, skewed: %.2f of 4\n",
		partition.EffectiveSampleSize(even, false), partition.EffectiveSampleSize(skewed, false))
	// Output: even: 4.00 of 4, skewed: 1.00 of 4
}

// Warnings turns bounds that cannot be trusted into sentences: here reverse
// AIS from data put log Z below the AIS lower bound, so the model has
// high-probability states the data never reaches.
func ExampleWarnings() {
	ais := &partition.Result{Method: "ais", ESS: 180, Chains: 200, LogZ: 450.1, LogZErr: 0.2}
	rais := &partition.Result{Method: "rais", ESS: 190, Chains: 200, LogZ: 443.1, LogZErr: 0.2}
	b := partition.Bounds(356.4, ais, rais, partition.LogMeanExpEstimator)
	for _, w := range partition.Warnings(b, ais, rais) {
		fmt.Println(w[:50])
	}
	// Output: inverted sandwich: reverse-AIS log Z 443.10 is bel
}
