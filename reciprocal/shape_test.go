package reciprocal

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// TestBinaryExcessKurtosis compares the closed form with the kurtosis of
// x = uᵀv over all 2ⁿ binary states (exact population moments).
func TestBinaryExcessKurtosis(t *testing.T) {
	for _, u := range [][]float64{
		{1},
		{1, 1},
		{0.3, -0.7, 0.1, 0.5, 0.2, -0.4, 0.9},
		{2, 0, 0, 1e-3, -1},
	} {
		n := len(u)
		var xs []float64
		for mask := 0; mask < 1<<n; mask++ {
			var x float64
			for i := range u {
				if mask>>i&1 == 1 {
					x += u[i]
				}
			}
			xs = append(xs, x)
		}
		var mean, m2, m4 float64
		for _, x := range xs {
			mean += x
		}
		mean /= float64(len(xs))
		for _, x := range xs {
			d := (x - mean) * (x - mean)
			m2, m4 = m2+d, m4+d*d
		}
		m2, m4 = m2/float64(len(xs)), m4/float64(len(xs))
		want := m4/(m2*m2) - 3
		// Sums of at most 128 terms of size O(1): rounding ≪ 1e-12.
		if got := BinaryExcessKurtosis(u); math.Abs(got-want) > 1e-12 {
			t.Errorf("u=%v: closed form %.15g, enumeration %.15g", u, got, want)
		}
	}
	// One nonzero entry: a two-point distribution, excess kurtosis −2.
	if got := BinaryExcessKurtosis([]float64{0, 3, 0}); got != -2 {
		t.Errorf("single entry: got %v, want −2", got)
	}
}

func TestShape(t *testing.T) {
	const n = 4000
	// Normal quantiles Φ⁻¹((i+½)/n): the empirical CDF is within 1/(2n) of
	// Φ at every point, and the estimated mean is 0 by symmetry; the
	// estimated sd differs from 1 by O(log n / n), which moves Φ by at most
	// ~0.24·|Δsd| ≈ 1e-3. So D < 2e-3, far below the 5% critical value
	// 0.886/√n = 0.014; the excess kurtosis is O(log n/n)-close to 0.
	norm := distuv.UnitNormal
	var gauss, unif []float64
	for i := range n {
		q := (float64(i) + 0.5) / n
		gauss = append(gauss, norm.Quantile(q))
		unif = append(unif, q)
	}
	g := Shape(gauss)
	if g.KS > 2e-3 || math.Abs(g.ExcessKurt) > 0.05 {
		t.Errorf("normal quantiles: KS %v, excess kurtosis %v; want ≈ 0", g.KS, g.ExcessKurt)
	}
	// A uniform sample: excess kurtosis −6/5 (+O(1/n²) for the grid), and
	// the Lilliefors distance of the uniform law is ≈ 0.057 (sup |x − Φ((x−½)√12)|),
	// far beyond the critical value.
	u := Shape(unif)
	if math.Abs(u.ExcessKurt+1.2) > 1e-5 {
		t.Errorf("uniform grid: excess kurtosis %v, want −1.2", u.ExcessKurt)
	}
	if u.KS*math.Sqrt(n) < 2*LillieforsCrit1 {
		t.Errorf("uniform grid: √n·KS = %v, want far beyond %v", u.KS*math.Sqrt(n), LillieforsCrit1)
	}
	if s := Shape([]float64{1, 1, 1, 1}); !math.IsNaN(s.KS) {
		t.Errorf("constant sample: got %+v, want NaN fields", s)
	}
	if math.Abs(g.KurtSE-math.Sqrt(24.0/n)) > 1e-15 {
		t.Errorf("KurtSE %v", g.KurtSE)
	}
}

// The exact excess kurtosis of x = uᵀv for uniform binary v: 0 only for a
// fully spread u, −2 for a single pixel.
func ExampleBinaryExcessKurtosis() {
	spread := make([]float64, 784)
	for i := range spread {
		spread[i] = 1 / 28.0
	}
	fmt.Printf("%.5f %.1f\n", BinaryExcessKurtosis(spread), BinaryExcessKurtosis([]float64{0, 1, 0}))
	// Output:
	// -0.00255 -2.0
}

// Shape measures a sample's distance from a normal.
func ExampleShape() {
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = float64(i) / 1000 // uniform: far from normal
	}
	s := Shape(xs)
	fmt.Printf("excess kurtosis %.2f, √n·D beyond the 1%% critical value: %v\n", s.ExcessKurt, s.KS*math.Sqrt(1000) > LillieforsCrit1)
	// Output:
	// excess kurtosis -1.20, √n·D beyond the 1% critical value: true
}
