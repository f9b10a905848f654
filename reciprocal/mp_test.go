package reciprocal

import (
	"math"
	"slices"
	"testing"
)

// The table of docs/theory.md §MP: normalisation, edges, mode s√|N−M| on a
// 1e-6 grid, peak height 2/(π s √L), and the support of sampled values.
func TestMarchenkoPastur(t *testing.T) {
	for _, c := range []struct {
		n, m         int
		lo, hi, mode float64
	}{
		{784, 500, 0.05639, 0.50361, 0.16852},
		{784, 784, 0, 0.56000, 0},
		{784, 1200, 0.06641, 0.62641, 0.20396},
		{784, 3000, 0.26772, 0.82772, 0.47074},
		{500, 784, 0.05639, 0.50361, 0.16852}, // transposed shape: same law
	} {
		p, err := NewMP(c.n, c.m, 0.01)
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Abs(p.Integral() - 1); d > 1e-4 {
			t.Errorf("%d×%d: ∫ρ = %v", c.n, c.m, p.Integral())
		}
		lo, hi := p.Edges()
		if math.Abs(lo-c.lo) > 5e-6 || math.Abs(hi-c.hi) > 5e-6 {
			t.Errorf("%d×%d: edges (%v, %v), want (%v, %v)", c.n, c.m, lo, hi, c.lo, c.hi)
		}
		if math.Abs(p.Mode()-c.mode) > 5e-6 {
			t.Errorf("%d×%d: mode %v, want %v", c.n, c.m, p.Mode(), c.mode)
		}
		// argmax on a 1e-6 grid over (0, 0.9).
		best, arg := -1.0, 0.0
		for s := 1e-6; s < 0.9; s += 1e-6 {
			if v := p.Pdf(s); v > best {
				best, arg = v, s
			}
		}
		if math.Abs(arg-p.Mode()) > 1e-4 {
			t.Errorf("%d×%d: argmax %v, formula %v", c.n, c.m, arg, p.Mode())
		}
		if c.n != c.m {
			if h := p.PeakHeight(); math.Abs(p.Pdf(p.Mode())-h) > 1e-6*h {
				t.Errorf("%d×%d: ρ(mode) = %v, formula %v", c.n, c.m, p.Pdf(p.Mode()), h)
			}
		} else if math.Abs(best-p.PeakHeight()) > 1e-3*best {
			t.Errorf("quarter circle: sup ρ %v vs 2/(π s √N) %v", best, p.PeakHeight())
		}
		if cdf := p.Cdf((lo + hi) / 2); !(cdf > 0 && cdf < 1) || p.Cdf(lo-1) != 0 || p.Cdf(hi+1) != 1 {
			t.Errorf("%d×%d: CDF out of range", c.n, c.m)
		}
	}
	p, _ := NewMP(784, 500, 0.01)
	if h := p.PeakHeight(); math.Abs(h-2.847) > 5e-4 {
		t.Errorf("peak height for (784,500) %v, want 2.847", h)
	}
	for _, bad := range [][3]float64{{0, 5, 0.01}, {5, 5, 0}, {5, 5, math.NaN()}} {
		if _, err := NewMP(int(bad[0]), int(bad[1]), bad[2]); err == nil {
			t.Errorf("NewMP%v accepted", bad)
		}
	}
}

// The tabulated CDF matches direct numerical integration of ρ (Simpson on
// a fine grid in σ away from the edges).
func TestMPCdfMatchesQuadrature(t *testing.T) {
	p, _ := NewMP(784, 1200, 0.01)
	lo, hi := p.Edges()
	a, b := lo+0.1*(hi-lo), lo+0.6*(hi-lo)
	const n = 20000
	h := (b - a) / n
	sum := p.Pdf(a) + p.Pdf(b)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * p.Pdf(a+float64(i)*h)
	}
	if got, want := p.Cdf(b)-p.Cdf(a), sum*h/3; math.Abs(got-want) > 1e-6 {
		t.Errorf("CDF difference %v, quadrature %v", got, want)
	}
}

// KS < 0.02 for (784, 500, 0.01) with 5 pooled draws; the sampled support
// lies within 3% of the edges.
func TestMPAgainstRandomMatrices(t *testing.T) {
	for _, c := range []struct {
		n, m, draws int
		ks          float64
	}{{784, 500, 5, 0.02}, {300, 900, 3, 0.03}} {
		sv, err := SampleSingularValues(c.n, c.m, 0.01, c.draws, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(sv) != c.draws*min(c.n, c.m) {
			t.Fatalf("got %d values", len(sv))
		}
		p, _ := NewMP(c.n, c.m, 0.01)
		if d := KS(sv, p.Cdf); d > c.ks {
			t.Errorf("%d×%d: KS %v > %v", c.n, c.m, d, c.ks)
		} else {
			t.Logf("%d×%d: KS %.4f", c.n, c.m, d)
		}
		lo, hi := p.Edges()
		if mn, mx := slices.Min(sv), slices.Max(sv); math.Abs(mn-lo) > 0.03*lo || math.Abs(mx-hi) > 0.03*hi {
			t.Errorf("%d×%d: sampled range (%v, %v) vs edges (%v, %v)", c.n, c.m, mn, mx, lo, hi)
		}
	}
	// Same seed, same numbers; a different seed differs.
	a, _ := SampleSingularValues(50, 30, 0.1, 2, 7)
	b, _ := SampleSingularValues(50, 30, 0.1, 2, 7)
	c, _ := SampleSingularValues(50, 30, 0.1, 2, 8)
	if !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Error("SampleSingularValues is not a deterministic function of its seed")
	}
}

// KS of the exact uniform CDF against an evenly spread sample is 1/(2n)
// at best; against a shifted sample it is the shift.
func TestKS(t *testing.T) {
	uni := func(x float64) float64 { return math.Max(0, math.Min(1, x)) }
	var s []float64
	for i := 0; i < 100; i++ {
		s = append(s, (float64(i)+0.5)/100)
	}
	if d := KS(s, uni); math.Abs(d-0.005) > 1e-12 {
		t.Errorf("KS %v, want 0.005", d)
	}
	for i := range s {
		s[i] = math.Min(1, s[i]+0.1)
	}
	if d := KS(s, uni); math.Abs(d-0.105) > 1e-12 {
		t.Errorf("shifted KS %v, want 0.105", d)
	}
}
