package reciprocal

import (
	"math"
	"slices"
	"sort"
	"testing"

	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/rbm"
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
// positive even for an unstable mode (docs/theory.md §Stiffness).
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

// mfResiduals recomputes, straight from the model and without the frame,
// the naive mean-field residuals r_v = m_v − sig(β(a + W m_h)) and
// r_h = m_h − sig(β(b + Wᵀm_v)), and for each entry the rounding bound on
// the difference between this evaluation and the code's:
// two float64 evaluations of a field (a sum of K+1 terms, error ≤ K·u·Σ|terms|
// each) seen through sig' ≤ β/4, plus 10u for two sigmoid evaluations
// (≤ 3u each) and the rounding of the damped update; u = 2^-53.
func mfResiduals(md *rbm.Model, beta float64, mv, mh []float64) (rv, rh, roundV, roundH []float64) {
	const u = 0x1p-53
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	n, m := md.NumVisible(), md.NumHidden()
	for i := 0; i < n; i++ {
		f, s := md.A[i], math.Abs(md.A[i])
		for j := 0; j < m; j++ {
			f += md.W.At(i, j) * mh[j]
			s += math.Abs(md.W.At(i, j) * mh[j])
		}
		rv = append(rv, mv[i]-sig(beta*f))
		roundV = append(roundV, 2*beta/4*float64(m)*u*s+10*u)
	}
	for j := 0; j < m; j++ {
		f, s := md.B[j], math.Abs(md.B[j])
		for i := 0; i < n; i++ {
			f += md.W.At(i, j) * mv[i]
			s += math.Abs(md.W.At(i, j) * mv[i])
		}
		rh = append(rh, mh[j]-sig(beta*f))
		roundH = append(roundH, 2*beta/4*float64(n)*u*s+10*u)
	}
	return rv, rh, roundV, roundH
}

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// T4.1/T4.2 (docs/theory.md §MeanField): at the naive mean-field fixed point the saddle
// equations (26) hold, checked by recomputing the residual from the
// returned m_v, m_h (see the bound below); at β = 1e-4 the saddle is the
// constraint mean ½Uᵀ1 (Eq. 28) within 1e-3.
func TestMeanFieldSaddle(t *testing.T) {
	const damping, tol, maxIter = 0.5, 1e-14, 5000
	for _, c := range []struct{ n, m int }{{30, 20}, {15, 25}} {
		md := randomModel(c.n, c.m, 0.3, 0.3, 8)
		f, err := NewFrame(md, GaugeMuWPositive)
		if err != nil {
			t.Fatal(err)
		}
		for _, beta := range []float64{1, 1e-2, 1e-4} {
			mf, err := MeanFieldSaddle(f, md, beta, damping, tol, maxIter)
			if err != nil {
				t.Fatal(err)
			}
			// The iteration stopped on its last sweep's largest change δ <
			// tol (Iter < maxIter proves it stopped for that reason). With
			// m' = d·m + (1−d)·F(m) the new m' misses F(m) by d/(1−d)·|m'−m|,
			// so |r_h| ≤ δ·d/(1−d) (the hidden update used the final m_v),
			// and |r_v| ≤ δ·d/(1−d) + (β/4)·Σ_j|W_ij|·δ (the visible update
			// saw m_h before its last change of ≤ δ; sig' ≤ 1/4), plus the
			// rounding bound of mfResiduals. That is ≈ 3e-14 at β = 1.
			if mf.Iter >= maxIter {
				t.Fatalf("%dx%d β=%v: no convergence in %d sweeps", c.n, c.m, beta, maxIter)
			}
			rv, rh, roundV, roundH := mfResiduals(md, beta, mf.Mv, mf.Mh)
			k := damping / (1 - damping)
			for i, r := range rv {
				rowAbs := 0.0
				for j := 0; j < c.m; j++ {
					rowAbs += math.Abs(md.W.At(i, j))
				}
				if b := tol*(k+beta/4*rowAbs) + roundV[i]; math.Abs(r) > b {
					t.Errorf("%dx%d β=%v: visible residual %d is %.3g, bound %.3g", c.n, c.m, beta, i, r, b)
				}
			}
			for j, r := range rh {
				if b := tol*k + roundH[j]; math.Abs(r) > b {
					t.Errorf("%dx%d β=%v: hidden residual %d is %.3g, bound %.3g", c.n, c.m, beta, j, r, b)
				}
			}
			if mf.Residual > 1e-10 {
				t.Errorf("%dx%d β=%v: reported residual %v after %d iterations (recomputed: %.3g, %.3g)", c.n, c.m, beta, mf.Residual, mf.Iter, maxAbs(rv), maxAbs(rh))
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
		// Not converged → the reported residual shows it, and it is the
		// frame form max(|Uᵀr_v|∞, |Vᵀr_h|∞) of the residuals recomputed from
		// the model (x − Uᵀsig(−U t_x) = Uᵀ(m_v − sig(β(a + W m_h))) since
		// U t_x = −β(a + W m_h)). Both sides round differently: each
		// rotated entry carries ≤ n·u·Σ|U_ik| ≤ n^1.5·u times the size
		// (≤ 1) of the vectors it rotates, the field reconstruction
		// U(ã + Σy) adds about as much again; 8·max(n,m)^1.5·u ≈ 2e-13 covers
		// both.
		mf, _ := MeanFieldSaddle(f, md, 1, 0.5, 0, 1)
		if mf.Residual < 1e-6 {
			t.Errorf("one damped sweep already has residual %v", mf.Residual)
		}
		rv, rh, _, _ := mfResiduals(md, 1, mf.Mv, mf.Mh)
		want := math.Max(maxAbs(f.ProjectV(rv)), maxAbs(f.ProjectH(rh)))
		if d := math.Abs(mf.Residual - want); d > 8*math.Pow(float64(max(c.n, c.m)), 1.5)*0x1p-53 {
			t.Errorf("%dx%d after one sweep: reported residual %.15g, recomputed %.15g", c.n, c.m, mf.Residual, want)
		}
	}
}
