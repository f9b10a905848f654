package symmetry

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestJSDivergenceIdentities(t *testing.T) {
	p := []float64{0.1, 0.2, 0.3, 0.4, 0}
	q := []float64{0.25, 0.25, 0, 0.25, 0.25}
	for _, tc := range []struct {
		name string
		a, b []float64
		want float64
		tol  float64
	}{
		{"same", p, p, 0, 1e-15},
		{"disjoint", []float64{0.5, 0.5, 0, 0}, []float64{0, 0, 0.3, 0.7}, math.Log(2), 1e-6},
		// Closed form with ε → 0 for p vs q.
		{"pq", p, q, jsExact(p, q), 1e-7},
	} {
		if got := JSDivergence(tc.a, tc.b, JSEpsilon); math.Abs(got-tc.want) > tc.tol {
			t.Errorf("%s: JS = %.12g, want %.12g", tc.name, got, tc.want)
		}
	}
	if a, b := JSDivergence(p, q, JSEpsilon), JSDivergence(q, p, JSEpsilon); a != b {
		t.Errorf("JS not symmetric: %g vs %g", a, b)
	}
	w := []float64{-1, 0.5, 3, 2, 2}
	if js := EntryJS(w, w, 1000); js != 0 {
		t.Errorf("EntryJS(w,w) = %g", js)
	}
	if h := Histogram([]float64{0, 0.5, 1, 1.5, -0.1}, 0, 1, 2); h[0] != 1 || h[1] != 2 {
		t.Errorf("histogram %v: want [1 2] (right edge in last bin, outside dropped)", h)
	}
}

func jsExact(p, q []float64) float64 {
	var s float64
	for i := range p {
		m := (p[i] + q[i]) / 2
		if p[i] > 0 {
			s += 0.5 * p[i] * math.Log(p[i]/m)
		}
		if q[i] > 0 {
			s += 0.5 * q[i] * math.Log(q[i]/m)
		}
	}
	return s
}

// T7.4: for Gaussian W random rotations leave the entry law unchanged (JS at
// the noise floor of two independent draws); a structured W is changed.
func TestJSGaussianVersusStructured(t *testing.T) {
	n, m := 784, 500
	if testing.Short() {
		n, m = 300, 200
	}
	wg := gauss(n, m, 0.01, 1)
	floor := EntryJS(wg.RawMatrix().Data, gauss(n, m, 0.01, 2).RawMatrix().Data, 1000)
	// Structured: zero border pixels and a rank-1 spike.
	side := int(math.Sqrt(float64(n)))
	noise := gauss(n, m, 0.05, 3)
	a, b := gauss(n, 1, 1, 4), gauss(m, 1, 1, 5)
	ws := mat.NewDense(n, m, nil)
	for i := 0; i < n; i++ {
		r, c := i/side, i%side
		if r < 4 || r >= side-4 || c < 4 || c >= side-4 {
			continue
		}
		for j := 0; j < m; j++ {
			ws.Set(i, j, noise.At(i, j)+0.3*a.At(i, 0)*b.At(j, 0)/math.Sqrt(float64(n)))
		}
	}
	for _, conv := range []Convention{ConventionMode, ConventionRepo} {
		rg, err := JSStudy(wg, JSOptions{Draws: 1, Convention: conv, Seed: 9})
		if err != nil {
			t.Fatal(err)
		}
		if rg.Mean > 2*floor {
			t.Errorf("%s: Gaussian JS %.3g above 2× the noise floor %.3g", conv, rg.Mean, floor)
		}
		if rg.BaselineMean > 2*floor {
			t.Errorf("%s: baseline JS %.3g above 2× the noise floor %.3g", conv, rg.BaselineMean, floor)
		}
		rs, err := JSStudy(ws, JSOptions{Draws: 1, Convention: conv, Seed: 9})
		if err != nil {
			t.Fatal(err)
		}
		if rs.Mean < 10*floor {
			t.Errorf("%s: structured JS %.3g not above 10× the noise floor %.3g", conv, rs.Mean, floor)
		}
		if rg.RotationsU != n/10 || rg.RotationsV != m/10 {
			t.Errorf("rotation counts %d,%d", rg.RotationsU, rg.RotationsV)
		}
		t.Logf("%s: floor %.3g, Gaussian %.3g (baseline %.3g), structured %.3g", conv, floor, rg.Mean, rg.BaselineMean, rs.Mean)
	}
}
