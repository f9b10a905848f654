package reciprocal

import (
	"math"
	"slices"
	"sort"
	"testing"

	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/mat"
)

// T5.3: det K_k changes sign exactly at σ = 1/(s_x s_y); ω± are the
// eigenvalues of the 2×2 block; s_x = s_y gives 4 ∓ σ at p = ½.
func TestStiffnessThreshold(t *testing.T) {
	for _, c := range []struct{ sx2, sy2 float64 }{{0.25, 0.25}, {0.21, 0.25}} {
		thr := 1 / math.Sqrt(c.sx2*c.sy2)
		sig := []float64{1.1 * thr, thr * (1 + 1e-12), thr * (1 - 1e-12), 0.9 * thr, 0.5}
		o, err := Stiffness(sig, 7, 5, c.sx2, c.sy2)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(o.Threshold-thr) > 1e-12 {
			t.Errorf("threshold %v, want %v", o.Threshold, thr)
		}
		wantUnstable := []bool{true, true, false, false, false}
		if !slices.Equal(o.Unstable, wantUnstable) || o.NUnstable != 2 {
			t.Errorf("(%v,%v): unstable %v, want %v", c.sx2, c.sy2, o.Unstable, wantUnstable)
		}
		for k, s := range sig {
			var eig mat.EigenSym
			eig.Factorize(mat.NewSymDense(2, []float64{1 / c.sx2, -s, -s, 1 / c.sy2}), false)
			ev := eig.Values(nil)
			if math.Abs(ev[0]-o.OmegaMinus[k]) > 1e-12 || math.Abs(ev[1]-o.OmegaPlus[k]) > 1e-12 {
				t.Errorf("σ=%v: ω± = (%v, %v), eigenvalues %v", s, o.OmegaMinus[k], o.OmegaPlus[k], ev)
			}
			if (o.Det[k] < 0) != (o.OmegaMinus[k] < 0) {
				t.Errorf("σ=%v: det %v and ω− %v disagree in sign", s, o.Det[k], o.OmegaMinus[k])
			}
		}
		if len(o.Unpaired) != 2 || o.Unpaired[0] != 1/c.sx2 {
			t.Errorf("unpaired %v, want two modes at 1/s_x² = %v", o.Unpaired, 1/c.sx2)
		}
	}
	o, _ := Stiffness([]float64{3, 1}, 2, 2, 0.25, 0.25)
	if o.OmegaMinus[0] != 1 || o.OmegaPlus[0] != 7 || o.OmegaMinus[1] != 3 {
		t.Errorf("p=½: ω = %v, %v, want 4∓σ", o.OmegaMinus, o.OmegaPlus)
	}
	if _, err := Stiffness(nil, 1, 1, 0, 1); err == nil {
		t.Error("zero variance accepted")
	}
}

// LowestRates equals brute-force enumeration of Σ ω n over small n.
func TestLowestRates(t *testing.T) {
	omega := []float64{4 - 1.3, 4 + 1.3, 4, 4 - 3.1, 4 + 3.1}
	var all []float64
	var rec func(i int, s float64)
	rec = func(i int, s float64) {
		if i == len(omega) {
			all = append(all, s)
			return
		}
		for n := 0; n <= 12; n++ {
			rec(i+1, s+float64(n)*omega[i])
		}
	}
	rec(0, 0)
	sort.Float64s(all)
	got, err := LowestRates(omega, 60)
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range got { // the 60 smallest are all below 12·min ω
		if math.Abs(g-all[i]) > 1e-12 {
			t.Fatalf("rate %d: %v, brute force %v", i, g, all[i])
		}
	}
	if _, err := LowestRates([]float64{1, -0.5}, 3); err == nil {
		t.Error("an unstable frequency was accepted")
	}
}

// T5.1: a finite-difference Schrödinger operator −∂² + κ²q²/4 − κ/2 has
// the spectrum κn of Eq. 48 (κ > 0) that LowestRates returns for one
// oscillator; for κ < 0 it is |κ|(n+1), so the Schrödinger spectrum stays
// positive even for an unstable mode (MATH.md §5.1).
func TestSchrodingerSpectrum(t *testing.T) {
	for _, kappa := range []float64{2, 0.5, -1.5} {
		const n, half = 3000, 12.0
		h := 2 * half / float64(n-1)
		d := make([]float64, n)
		e := make([]float64, n-1)
		for i := range d {
			q := -half + float64(i)*h
			d[i] = 2/(h*h) + kappa*kappa*q*q/4 - kappa/2
		}
		for i := range e {
			e[i] = -1 / (h * h)
		}
		if !(gonum.Implementation{}).Dsterf(n, d, e) {
			t.Fatal("Dsterf failed")
		}
		sort.Float64s(d)
		var want []float64
		if kappa > 0 {
			want, _ = LowestRates([]float64{kappa}, 6)
		} else {
			for k := 0; k < 6; k++ {
				want = append(want, math.Abs(kappa)*float64(k+1))
			}
		}
		for k := range want {
			if math.Abs(d[k]-want[k]) > 2e-3 {
				t.Errorf("κ=%v level %d: %v, want %v", kappa, k, d[k], want[k])
			}
		}
	}
}

// T4.1/T4.2 (v8_mf.py): at the naive mean-field fixed point the saddle
// equations (26) hold to 1e-10; at β = 1e-4 the saddle is the constraint
// mean ½Uᵀ1 (Eq. 28) within 1e-3.
func TestMeanFieldSaddle(t *testing.T) {
	for _, c := range []struct{ n, m int }{{30, 20}, {15, 25}} {
		md := randomModel(c.n, c.m, 0.3, 0.3, 8)
		f, err := NewFrame(md, GaugeMuWPositive)
		if err != nil {
			t.Fatal(err)
		}
		for _, beta := range []float64{1, 1e-2, 1e-4} {
			mf, err := MeanFieldSaddle(f, md, beta, 0.5, 1e-14, 5000)
			if err != nil {
				t.Fatal(err)
			}
			if mf.Residual > 1e-10 {
				t.Errorf("%dx%d β=%v: residual %v after %d iterations", c.n, c.m, beta, mf.Residual, mf.Iter)
			}
			if beta == 1e-4 {
				mux, muy := f.ConstraintMeans(0.5)
				dev := 0.0
				for k := range mux {
					dev = math.Max(dev, math.Abs(mf.X[k]-mux[k]))
				}
				for k := range muy {
					dev = math.Max(dev, math.Abs(mf.Y[k]-muy[k]))
				}
				if dev > 1e-3 {
					t.Errorf("β=1e-4: |(x,y) − (μ_x,μ_y)|∞ = %v", dev)
				}
			}
		}
		// Not converged → the residual shows it.
		mf, _ := MeanFieldSaddle(f, md, 1, 0.5, 0, 1)
		if mf.Residual < 1e-6 {
			t.Errorf("one damped sweep already has residual %v", mf.Residual)
		}
	}
}
