package reciprocal

import (
	"fmt"
	"math"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
)

// Empty bins between occupied ones are reported as merged intervals.
func TestSpectrumHistogramGaps(t *testing.T) {
	sp := SpectrumHistogram("x", []float64{0.5, 1.5, 5.5, 9.5, 9.9}, 10, 10)
	want := [][2]float64{{2, 5}, {6, 9}}
	if fmt.Sprint(sp.Gaps) != fmt.Sprint(want) {
		t.Errorf("gaps %v, want %v", sp.Gaps, want)
	}
	total := 0.0
	for _, c := range sp.Counts {
		total += c * 1
	}
	if math.Abs(total-1) > 1e-12 {
		t.Errorf("density integrates to %v", total)
	}
}

// Example: the frame of a rank-one model, its saddle and its stability.
func ExampleNewFrame() {
	md := rbm.New(3, 2)
	// W = 5·e₁e₁ᵀ: one mode with σ = 5 > 4, so unstable at p = ½.
	md.W.Set(0, 0, 5)
	md.A[0], md.B[0] = 1, -2
	f, _ := NewFrame(md, GaugeMuWPositive)
	xs, ys := f.Saddle(0)
	osc, _ := Stiffness(f.S, f.N, f.M, 0.25, 0.25)
	fmt.Printf("σ = %.0f, rank %d, saddle (%.1f, %.1f), E* = %.1f, unstable modes %d\n",
		f.S[0], f.Rank, xs, ys, f.SaddleEnergy(0), osc.NUnstable)
	// Output: σ = 5, rank 1, saddle (0.4, -0.2), E* = -0.4, unstable modes 1
}
