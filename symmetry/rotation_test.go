package symmetry

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestPlaneRotationProperties(t *testing.T) {
	for _, tc := range []struct {
		n     int
		theta float64
	}{{3, 0.83}, {7, math.Pi}, {20, -2.1}, {5, 0}} {
		q := randOrth(tc.n, uint64(tc.n))
		p1, p2 := mat.Col(nil, 0, q), mat.Col(nil, 1, q)
		r := PlaneRotation(p1, p2, tc.theta)
		checkOrthogonal(t, r, 1e-12)
		if tr := mat.Trace(r); math.Abs(tr-(float64(tc.n)-2+2*math.Cos(tc.theta))) > 1e-12 {
			t.Errorf("n=%d θ=%g: trace %.15g, want n−2+2cosθ", tc.n, tc.theta, tr)
		}
		for k := 2; k < tc.n; k++ { // the complement is fixed
			e := mat.NewVecDense(tc.n, mat.Col(nil, k, q))
			var re mat.VecDense
			re.MulVec(r, e)
			if d := maxAbsDiff(&re, e); d > 1e-12 {
				t.Errorf("n=%d: R moves a fixed vector by %.3g", tc.n, d)
			}
		}
		var rp mat.VecDense
		rp.MulVec(r, mat.NewVecDense(tc.n, p1))
		for i := 0; i < tc.n; i++ {
			if want := math.Cos(tc.theta)*p1[i] + math.Sin(tc.theta)*p2[i]; math.Abs(rp.AtVec(i)-want) > 1e-12 {
				t.Fatalf("R p ≠ cosθ p + sinθ q at %d", i)
			}
		}
	}
}

func TestAguileraPerezAguilaEqualsDirectFormula(t *testing.T) {
	for _, tc := range []struct {
		n     int
		theta float64
		seed  uint64
	}{{4, 0.83, 1}, {7, 0.83, 2}, {12, math.Pi, 3}, {9, -1.3, 4}} {
		q := randOrth(tc.n, tc.seed+100)
		fixed := mat.DenseCopyOf(q.Slice(0, tc.n, 0, tc.n-2))
		r, p, pq := AguileraPerezAguila(fixed, tc.theta)
		checkOrthogonal(t, r, 1e-12)
		var rf mat.Dense
		rf.Mul(r, fixed)
		if d := maxAbsDiff(&rf, fixed); d > 1e-12 {
			t.Errorf("n=%d: A–P rotation moves the fixed subspace by %.3g", tc.n, d)
		}
		if d := maxAbsDiff(r, PlaneRotation(p, pq, tc.theta)); d > 1e-12 {
			t.Errorf("n=%d: A–P differs from the direct formula on its plane by %.3g", tc.n, d)
		}
		// The plane is the orthogonal complement: the direct formula on Q's last two
		// columns gives the same matrix for θ or −θ (orientation).
		e1, e2 := mat.Col(nil, tc.n-2, q), mat.Col(nil, tc.n-1, q)
		d := math.Min(maxAbsDiff(r, PlaneRotation(e1, e2, tc.theta)), maxAbsDiff(r, PlaneRotation(e1, e2, -tc.theta)))
		if d > 1e-12 {
			t.Errorf("n=%d: A–P differs from the direct rotation about the same subspace by %.3g", tc.n, d)
		}
		if tr := mat.Trace(r); math.Abs(tr-(float64(tc.n)-2+2*math.Cos(tc.theta))) > 1e-12 {
			t.Errorf("trace %.15g", tr)
		}
	}
	// Coordinate-aligned subspace (the paper's case): a Givens rotation in (i, j).
	n, i, j, th := 6, 1, 4, 0.7
	fixed := mat.NewDense(n, n-2, nil)
	c := 0
	for k := 0; k < n; k++ {
		if k != i && k != j {
			fixed.Set(k, c, 1)
			c++
		}
	}
	r, _, _ := AguileraPerezAguila(fixed, th)
	d := math.Min(maxAbsDiff(r, Rotation{{i, j, th}}.Dense(n)), maxAbsDiff(r, Rotation{{i, j, -th}}.Dense(n)))
	if d > 1e-12 {
		t.Errorf("coordinate-aligned A–P is not the Givens rotation in (%d,%d): %.3g", i, j, d)
	}
}

func TestImplicitRotationsMatchDense(t *testing.T) {
	n := 8
	e := func(k int) []float64 { v := make([]float64, n); v[k] = 1; return v }
	r := Rotation{{0, 3, 0.4}, {5, 2, 2.5}, {3, 7, -1.1}, {1, 0, math.Pi}}
	want := identity(n)
	for _, g := range r {
		var tmp mat.Dense
		tmp.Mul(want, PlaneRotation(e(g.I), e(g.J), g.Theta))
		want = &tmp
	}
	if d := maxAbsDiff(r.Dense(n), want); d > 1e-14 {
		t.Fatalf("implicit product differs from dense product of direct rotations: %.3g", d)
	}
	checkOrthogonal(t, want, 1e-12)
	a := gauss(n, 5, 1, 7)
	var ra, at, art mat.Dense
	ra.Mul(want, a)
	left := mat.DenseCopyOf(a)
	r.ApplyLeft(left)
	if d := maxAbsDiff(left, &ra); d > 1e-13 {
		t.Errorf("ApplyLeft ≠ R·a: %.3g", d)
	}
	b := gauss(5, n, 1, 8)
	at.Mul(b, want)
	right := mat.DenseCopyOf(b)
	r.ApplyRight(right)
	if d := maxAbsDiff(right, &at); d > 1e-13 {
		t.Errorf("ApplyRight ≠ a·R: %.3g", d)
	}
	art.Mul(b, want.T())
	rt := mat.DenseCopyOf(b)
	r.T().ApplyRight(rt)
	if d := maxAbsDiff(rt, &art); d > 1e-13 {
		t.Errorf("T() is not the transpose: %.3g", d)
	}
}

func TestRandomRotationKeepsLeadingAxes(t *testing.T) {
	for _, tc := range []struct{ n, keep, count int }{{10, 0, 30}, {784, 5, 10}, {7, 5, 4}} {
		r, err := RandomRotation(tc.n, tc.keep, tc.count, math.NaN(), 42)
		if err != nil {
			t.Fatal(err)
		}
		r2, _ := RandomRotation(tc.n, tc.keep, tc.count, math.NaN(), 42)
		if len(r) != tc.count {
			t.Fatalf("got %d rotations", len(r))
		}
		for k, g := range r {
			if g.I == g.J || g.I < tc.keep || g.J < tc.keep || g.I >= tc.n || g.J >= tc.n {
				t.Fatalf("bad plane %+v", g)
			}
			if g.Theta < 0 || g.Theta >= 2*math.Pi {
				t.Fatalf("angle %g outside [0,2π)", g.Theta)
			}
			if g != r2[k] {
				t.Fatal("same key gave different rotations")
			}
		}
		if tc.n <= 10 {
			d := r.Dense(tc.n)
			checkOrthogonal(t, d, 1e-12)
			for k := 0; k < tc.keep; k++ {
				for i := 0; i < tc.n; i++ {
					want := 0.0
					if i == k {
						want = 1
					}
					if math.Abs(d.At(i, k)-want) > 1e-15 || math.Abs(d.At(k, i)-want) > 1e-15 {
						t.Fatalf("axis %d is not fixed", k)
					}
				}
			}
		}
	}
	if _, err := RandomRotation(6, 5, 1, 0, 1); err == nil {
		t.Error("one free axis accepted")
	}
	pi, _ := RandomRotation(50, 5, 10, math.Pi, 3)
	for _, g := range pi {
		if g.Theta != math.Pi {
			t.Fatal("fixed angle not used")
		}
	}
}

// testSVD returns a random full SVD with the given singular values.
func testSVD(n, m int, s []float64, seed uint64) (u *mat.Dense, v *mat.Dense, w *mat.Dense) {
	u, v = randOrth(n, seed), randOrth(m, seed+1)
	return u, v, Compose(u, s, mat.DenseCopyOf(v.T()))
}

func TestRotationsOfSingularVectors(t *testing.T) {
	n, m := 7, 5
	s := []float64{3, 2, 1.5, 0.7, 0.2}
	u, v, w := testSVD(n, m, s, 11)
	// T7.7: θ = 0 is the identity, in both conventions.
	for _, conv := range []Convention{ConventionMode, ConventionRepo} {
		r0 := Rotation{{0, 1, 0}, {2, 4, 0}}
		if d := maxAbsDiff(RotatedWeights(u, s, v, r0, r0, conv), w); d > 1e-13 {
			t.Errorf("%s: θ=0 changes W by %.3g", conv, d)
		}
	}
	// T7.5: θ = π in plane {1,2} (mode convention) flips u₁, u₂ and nothing else.
	up := RotateU(u, Rotation{{0, 1, math.Pi}}, ConventionMode)
	for i := 0; i < n; i++ {
		for k := 0; k < n; k++ {
			want := u.At(i, k)
			if k < 2 {
				want = -want
			}
			if math.Abs(up.At(i, k)-want) > 1e-15 {
				t.Fatalf("U′[%d,%d] = %g, want %g", i, k, up.At(i, k), want)
			}
		}
	}
	// Repo convention: R U Rᵀ flips pixel rows 1,2 and mode columns 1,2.
	ur := RotateU(u, Rotation{{0, 1, math.Pi}}, ConventionRepo)
	for i := 0; i < n; i++ {
		for k := 0; k < n; k++ {
			want := u.At(i, k)
			if (i < 2) != (k < 2) {
				want = -want
			}
			if math.Abs(ur.At(i, k)-want) > 1e-15 {
				t.Fatalf("repo U′[%d,%d] = %g, want %g", i, k, ur.At(i, k), want)
			}
		}
	}
	// T7.6: a degenerate pair σ_i = σ_j; rotating U and V jointly in {i,j} leaves W.
	sd := []float64{3, 2, 2, 0.7, 0.2}
	u2, v2, w2 := testSVD(n, m, sd, 12)
	r := Rotation{{1, 2, 0.9}}
	if d := maxAbsDiff(RotatedWeights(u2, sd, v2, r, r, ConventionMode), w2); d > 1e-12 {
		t.Errorf("joint rotation of a degenerate block changed W by %.3g", d)
	}
	if d := maxAbsDiff(RotatedWeights(u2, sd, v2, r, nil, ConventionMode), w2); d < 1e-3 {
		t.Errorf("rotating only U left W unchanged (%.3g)", d)
	}
	if d := maxAbsDiff(RotatedWeights(u, s, v, r, r, ConventionMode), w); d < 1e-3 {
		t.Errorf("joint rotation of a non-degenerate pair left W unchanged (%.3g)", d)
	}
	// Rotations preserve the singular values in both conventions.
	ru, _ := RandomRotation(n, 0, 6, math.NaN(), 5)
	rv, _ := RandomRotation(m, 0, 4, math.NaN(), 6)
	for _, conv := range []Convention{ConventionMode, ConventionRepo} {
		_, sp, _, err := FullSVD(RotatedWeights(u, s, v, ru, rv, conv))
		if err != nil {
			t.Fatal(err)
		}
		for k := range s {
			if math.Abs(sp[k]-s[k]) > 1e-12 {
				t.Errorf("%s: σ_%d %g → %g", conv, k+1, s[k], sp[k])
			}
		}
	}
}
