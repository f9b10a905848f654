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
