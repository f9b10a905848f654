package reciprocal

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/rbm"
)

// randomModel returns an N×M model with N(0, s²) weights and N(0, sb²) biases.
func randomModel(n, m int, s, sb float64, seed uint64) *rbm.Model {
	r := rand.New(rand.NewPCG(seed, 7))
	md := rbm.New(n, m)
	for i := range md.W.Data {
		md.W.Data[i] = s * r.NormFloat64()
	}
	for i := range md.A {
		md.A[i] = sb * r.NormFloat64()
	}
	for j := range md.B {
		md.B[j] = sb * r.NormFloat64()
	}
	return md
}

func randomBinary(n int, p float64, r *rand.Rand) []float64 {
	v := make([]float64, n)
	for i := range v {
		if r.Float64() < p {
			v[i] = 1
		}
	}
	return v
}

// T2.1: Eq. 3 equals Eq. 15 for N>M, N<M, N=M and a rank-deficient W.
func TestEnergyIdentity(t *testing.T) {
	for _, c := range []struct {
		name string
		n, m int
		rank int // 0 = full
	}{{"N>M", 12, 7, 0}, {"N<M", 6, 11, 0}, {"N=M", 8, 8, 0}, {"rank-deficient", 9, 7, 3}} {
		t.Run(c.name, func(t *testing.T) {
			md := randomModel(c.n, c.m, 0.7, 0.5, 1)
			if c.rank > 0 {
				// W = A Bᵀ with inner dimension rank.
				a := randomModel(c.n, c.rank, 1, 0, 2).W
				b := randomModel(c.m, c.rank, 1, 0, 3).W
				for i := 0; i < c.n; i++ {
					for j := 0; j < c.m; j++ {
						s := 0.0
						for r := 0; r < c.rank; r++ {
							s += a.At(i, r) * b.At(j, r)
						}
						md.W.Set(i, j, s)
					}
				}
			}
			for _, g := range []Gauge{GaugeMuWPositive, GaugeColsumUPositive} {
				f, err := NewFrame(md, g)
				if err != nil {
					t.Fatal(err)
				}
				if c.rank > 0 && f.Rank != c.rank {
					t.Fatalf("rank %d, want %d", f.Rank, c.rank)
				}
				r := rand.New(rand.NewPCG(5, 5))
				for trial := 0; trial < 20; trial++ {
					v, h := randomBinary(c.n, 0.5, r), randomBinary(c.m, 0.5, r)
					e3 := md.Energy(v, h)
					e15 := f.Energy(f.ProjectV(v), f.ProjectH(h))
					if math.Abs(e3-e15) > 1e-12*math.Max(1, math.Abs(e3)) {
						t.Fatalf("gauge %s: Eq.3 %v != Eq.15 %v", g, e3, e15)
					}
				}
			}
		})
	}
}

// T2.2–T2.4: the saddle of every paired mode has zero gradient, energy
// ãb̃/σ, Hessian eigenvalues ±σ (finite differences), and Eq. 19 = Eq. 16.
func TestSaddleAndNormalForm(t *testing.T) {
	for _, c := range []struct{ n, m int }{{9, 6}, {5, 8}} {
		f, err := NewFrame(randomModel(c.n, c.m, 0.5, 0.5, 11), GaugeMuWPositive)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(3, 3))
		for k := 0; k < f.L; k++ {
			xs, ys := f.Saddle(k)
			gx := -f.At[k] - f.S[k]*ys
			gy := -f.Bt[k] - f.S[k]*xs
			if math.Abs(gx) > 1e-12 || math.Abs(gy) > 1e-12 {
				t.Errorf("%dx%d mode %d: gradient at saddle (%g, %g)", c.n, c.m, k, gx, gy)
			}
			if e, want := f.ModeEnergy(k, xs, ys), f.At[k]*f.Bt[k]/f.S[k]; math.Abs(e-want) > 1e-12*math.Max(1, math.Abs(want)) || math.Abs(f.SaddleEnergy(k)-want) > 1e-15 {
				t.Errorf("mode %d: saddle energy %v, want ãb̃/σ = %v", k, e, want)
			}
			// Hessian by central differences (E_k is quadratic: exact up to rounding).
			const h = 1e-3
			e := func(dx, dy float64) float64 { return f.ModeEnergy(k, xs+dx, ys+dy) }
			hxx := (e(h, 0) - 2*e(0, 0) + e(-h, 0)) / (h * h)
			hyy := (e(0, h) - 2*e(0, 0) + e(0, -h)) / (h * h)
			hxy := (e(h, h) - e(h, -h) - e(-h, h) + e(-h, -h)) / (4 * h * h)
			var eig mat.EigenSym
			eig.Factorize(mat.NewSymDense(2, []float64{hxx, hxy, hxy, hyy}), false)
			ev := eig.Values(nil)
			if math.Abs(ev[0]+f.S[k]) > 1e-6 || math.Abs(ev[1]-f.S[k]) > 1e-6 {
				t.Errorf("mode %d: Hessian eigenvalues %v, want ±%v", k, ev, f.S[k])
			}
			for trial := 0; trial < 10; trial++ {
				x, y := 3*r.NormFloat64(), 3*r.NormFloat64()
				u, w := f.UW(k, x, y)
				e19 := f.SaddleEnergy(k) - f.S[k]/2*(u*u-w*w)
				if e16 := f.ModeEnergy(k, x, y); math.Abs(e19-e16) > 1e-12*math.Max(1, math.Abs(e16)) {
					t.Errorf("mode %d: Eq.19 %v != Eq.16 %v", k, e19, e16)
				}
			}
		}
	}
}

// T2.5: flipping (u_k, v_k) leaves σ and E_k unchanged and flips x*, y*,
// (x_k, y_k) and (u_k, w_k); both gauges satisfy their condition.
func TestGaugeFlip(t *testing.T) {
	md := randomModel(10, 7, 0.6, 0.4, 21)
	fa, err := NewFrame(md, GaugeMuWPositive)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := NewFrame(md, GaugeColsumUPositive)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewFrame(md, "nonsense"); err == nil {
		t.Error("an unknown gauge was accepted")
	}
	r := rand.New(rand.NewPCG(9, 9))
	v, h := randomBinary(10, 0.5, r), randomBinary(7, 0.5, r)
	xa, ya, xb, yb := fa.ProjectV(v), fa.ProjectH(h), fb.ProjectV(v), fb.ProjectH(h)
	mux, muy := fa.ConstraintMeans(0.5)
	muxb, _ := fb.ConstraintMeans(0.5)
	flips := 0
	for k := 0; k < fa.L; k++ {
		if fa.S[k] != fb.S[k] {
			t.Fatalf("σ differs between gauges")
		}
		if ea, eb := fa.ModeEnergy(k, xa[k], ya[k]), fb.ModeEnergy(k, xb[k], yb[k]); math.Abs(ea-eb) > 1e-12 {
			t.Errorf("mode %d: E_k %v vs %v under the two gauges", k, ea, eb)
		}
		sgn := math.Copysign(1, xa[k]*xb[k])
		if sgn < 0 {
			flips++
		}
		xsa, ysa := fa.Saddle(k)
		xsb, ysb := fb.Saddle(k)
		ua, wa := fa.UW(k, xa[k], ya[k])
		ub, wb := fb.UW(k, xb[k], yb[k])
		for _, pair := range [][2]float64{{xa[k], xb[k]}, {ya[k], yb[k]}, {xsa, xsb}, {ysa, ysb}, {ua, ub}, {wa, wb}} {
			if math.Abs(pair[0]-sgn*pair[1]) > 1e-12 {
				t.Errorf("mode %d: %v is not %v·%v", k, pair[0], sgn, pair[1])
			}
		}
		// Gauge conditions.
		_, muw := fa.UW(k, mux[k], muy[k])
		if muw < 0 {
			t.Errorf("mode %d: μ_w = %v < 0 under %s", k, muw, GaugeMuWPositive)
		}
		if muxb[k] < 0 {
			t.Errorf("mode %d: column sum of U negative under %s", k, GaugeColsumUPositive)
		}
	}
	t.Logf("%d of %d modes differ in sign between the gauges", flips, fa.L)
}
