package symmetry_test

import (
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/symmetry"
)

// A θ=π rotation in the plane of the first two axes flips both, and the
// Landau quartic of a symmetric mode turns into a double well when σ₁ > 4.
func Example() {
	r := symmetry.Rotation{{I: 0, J: 1, Theta: math.Pi}}.Dense(3)
	fmt.Printf("diag R = %.0f %.0f %.0f\n", r.At(0, 0), r.At(1, 1), r.At(2, 2))
	for _, sigma := range []float64{3, 5} {
		// Constraint closure with μ = 0: α₂ = 2, α₄ = c₄.
		c := symmetry.CoefficientsFromAlpha([5]float64{0, 0, 2, 0, 0.05}, 0, -sigma/2)
		minima, _ := symmetry.QuarticStationary(c)
		fmt.Printf("σ₁=%g: c₂=%.1f, %d minima\n", sigma, c[2], len(minima))
	}
	fmt.Printf("JS of disjoint histograms = log 2: %.6f\n", symmetry.JSDivergence([]float64{1, 0}, []float64{0, 1}, symmetry.JSEpsilon))
	// Output:
	// diag R = -1 -1 1
	// σ₁=3: c₂=0.5, 1 minima
	// σ₁=5: c₂=-0.5, 2 minima
	// JS of disjoint histograms = log 2: 0.693147
}
