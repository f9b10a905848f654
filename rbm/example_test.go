package rbm_test

import (
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rbm"
)

// A 2×2 model is small enough to enumerate: log Z = log Σ_v e^{−F(v)} over
// the four visible states (partition.ExactLogZ does the same for up to
// partition.MaxExactUnits units), and p(v) = e^{−F(v) − log Z} sums to one.
func ExampleModel_FreeEnergyV() {
	m := rbm.New(2, 2)
	m.W.Set(0, 0, 1)
	m.W.Set(1, 1, -1)
	m.A[0], m.B[1] = 0.5, 0.25

	states := [][]float64{{0, 0}, {0, 1}, {1, 0}, {1, 1}}
	var z float64
	for _, v := range states {
		z += math.Exp(-m.FreeEnergyV(v))
	}
	logZ := math.Log(z)
	exact, err := partition.ExactLogZ(m) // the library's enumeration
	if err != nil {
		panic(err)
	}
	fmt.Printf("log Z = %.4f (partition.ExactLogZ: %.4f)\n", logZ, exact)
	var total float64
	for _, v := range states {
		p := math.Exp(-m.FreeEnergyV(v) - logZ)
		total += p
		fmt.Printf("v=%v F=%.4f p=%.4f\n", v, m.FreeEnergyV(v), p)
	}
	fmt.Printf("Σ p = %.4f\n", total)
	// Output:
	// log Z = 3.4191 (partition.ExactLogZ: 3.4191)
	// v=[0 0] F=-1.5191 p=0.1496
	// v=[0 1] F=-1.0800 p=0.0964
	// v=[1 0] F=-2.6392 p=0.4585
	// v=[1 1] F=-2.2001 p=0.2955
	// Σ p = 1.0000
}
