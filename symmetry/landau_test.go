package symmetry

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

// T8.2: the c_n of docs/theory.md §Landau reproduce Σα_n(z−μ)ⁿ − ½σz² exactly.
func TestCoefficientsFromAlphaBookkeeping(t *testing.T) {
	g := tensor.RowRand(82, 0)
	for trial := 0; trial < 20; trial++ {
		var alpha [5]float64
		for i := range alpha {
			alpha[i] = 2*g.Float64() - 1
		}
		mu, sigma := 3*g.Float64()-1.5, 6*g.Float64()
		c := CoefficientsFromAlpha(alpha, mu, -sigma/2)
		for r := 0; r < 5; r++ {
			z := 4*g.Float64() - 2
			want := alpha[0] - 0.5*sigma*z*z
			for n := 1; n <= 4; n++ {
				want += alpha[n] * math.Pow(z-mu, float64(n))
			}
			if got := PolyEval(c, z); math.Abs(got-want) > 1e-12 {
				t.Fatalf("F(%g) = %.15g, want %.15g", z, got, want)
			}
		}
	}
}

func TestQuarticStationary(t *testing.T) {
	for _, tc := range []struct {
		name       string
		c          [5]float64
		mins, maxs []float64
	}{
		{"symmetric double well (z²−1)²", [5]float64{1, 0, -2, 0, 1}, []float64{-1, 1}, []float64{0}},
		// F′ = 4(z+2)(z−0.5)(z−3) = 4z³ − 6z² − 22z + 12.
		{"asymmetric", [5]float64{0, 12, -11, -2, 1}, []float64{-2, 3}, []float64{0.5}},
		// F′ = 4(z−1)(z²+1): one real stationary point.
		{"single well", [5]float64{0, -4, 2, -4.0 / 3, 1}, []float64{1}, nil},
		{"parabola", [5]float64{0, -2, 1, 0, 0}, []float64{1}, nil},
	} {
		mins, maxs := QuarticStationary(tc.c)
		if !closeSlices(mins, tc.mins, 1e-10) || !closeSlices(maxs, tc.maxs, 1e-10) {
			t.Errorf("%s: minima %v maxima %v, want %v %v", tc.name, mins, maxs, tc.mins, tc.maxs)
		}
	}
}

func closeSlices(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}

// meanZeroBasis returns an n×n orthogonal matrix whose first column has
// zero sum (so μ_x,1 = 0).
func meanZeroBasis(n int, key uint64) *mat.Dense {
	a := gauss(n, n, 1, key)
	var m float64
	for i := 0; i < n; i++ {
		m += a.At(i, 0) / float64(n)
	}
	for i := 0; i < n; i++ {
		a.Set(i, 0, a.At(i, 0)-m)
	}
	var qr mat.QR
	qr.Factorize(a)
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// modelFromSVD returns the RBM with W = U diag(s) Vᵀ and biases a, b.
func modelFromSVD(u *mat.Dense, s []float64, v *mat.Dense, a, b []float64) *rbm.Model {
	w := Compose(u, s, mat.DenseCopyOf(v.T()))
	n, m := w.Dims()
	md := rbm.New(n, m)
	copy(md.W.Data, w.RawMatrix().Data)
	if a != nil {
		copy(md.A, a)
	}
	if b != nil {
		copy(md.B, b)
	}
	return md
}

// T8.3: with μ_u,1 = 0, c₁ = c₃ = 0 and c₂ changes sign at σ₁ = 4 (Cramér).
func TestLandauSymmetricThreshold(t *testing.T) {
	n, m := 12, 8
	u, v := meanZeroBasis(n, 1), meanZeroBasis(m, 2)
	for _, s1 := range []float64{3.9, 4, 4.1} {
		s := []float64{s1, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05}
		f, err := reciprocal.NewFrame(modelFromSVD(u, s, v, nil, nil), "")
		if err != nil {
			t.Fatal(err)
		}
		l, err := LandauCoefficients(f, LandauOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c4 := (sum4(mat.Col(nil, 0, u)) + sum4(mat.Col(nil, 0, v))) / 3
		if math.Abs(l.Mu) > 1e-12 || math.Abs(l.C[1]) > 1e-12 || math.Abs(l.C[3]) > 1e-12 {
			t.Errorf("σ₁=%g: μ=%.3g c₁=%.3g c₃=%.3g, want 0", s1, l.Mu, l.C[1], l.C[3])
		}
		if math.Abs(l.C[2]-(2-s1/2)) > 1e-12 || math.Abs(l.C[4]-c4) > 1e-12 {
			t.Errorf("σ₁=%g: c₂=%.15g c₄=%.15g, want %g and %g", s1, l.C[2], l.C[4], 2-s1/2, c4)
		}
		if (s1 > 4) != (len(l.Minima) == 2) {
			t.Errorf("σ₁=%g: minima %v", s1, l.Minima)
		}
	}
}

// The closed form of docs/theory.md §Landau for the constraint closure with μ ≠ 0, and the
// Gibbs closure: the O(N+M) reduction equals the full tensor sums.
func TestLandauClosures(t *testing.T) {
	n, m := 5, 4
	md := rbm.New(n, m)
	g := gauss(n+1, m+1, 0.8, 3)
	for i := 0; i < n; i++ {
		md.A[i] = g.At(i, m)
		for j := 0; j < m; j++ {
			md.W.Set(i, j, g.At(i, j))
		}
	}
	for j := 0; j < m; j++ {
		md.B[j] = g.At(n, j)
	}
	f, err := reciprocal.NewFrame(md, "")
	if err != nil {
		t.Fatal(err)
	}
	uk, vk := mat.Col(nil, 0, f.U), mat.Col(nil, 0, f.V)
	mux, muy := 0.5*sum(uk), 0.5*sum(vk)
	muu, muw := f.UW(0, mux, muy)
	c4 := (sum4(uk) + sum4(vk)) / 3
	l, _ := LandauCoefficients(f, LandauOptions{})
	want := [5]float64{l.C[0], -4*muu - 4*c4*muu*muu*muu, 2 - f.S[0]/2 + 6*c4*muu*muu, -4 * c4 * muu, c4}
	for i := 1; i < 5; i++ {
		if math.Abs(l.C[i]-want[i]) > 1e-12 {
			t.Errorf("constraint c_%d = %.15g, want %.15g", i, l.C[i], want[i])
		}
	}
	lw, _ := LandauCoefficients(f, LandauOptions{Variable: VarW})
	if math.Abs(lw.Mu-muw) > 1e-12 || math.Abs(lw.C[2]-(2+f.S[0]/2+6*c4*muw*muw)) > 1e-12 {
		t.Errorf("w: μ=%g c₂=%g", lw.Mu, lw.C[2])
	}
	le, _ := LandauCoefficients(f, LandauOptions{Correction: Edgeworth})
	gamma2 := -0.5 * (sum4(uk) + sum4(vk))
	if d := le.Alpha[2] - 2*(1+gamma2/2); math.Abs(d) > 1e-12 {
		t.Errorf("Edgeworth α₂ off by %g", d)
	}
	// Gibbs closure with uniform means equals the constraint closure.
	half := func(k int) []float64 {
		x := make([]float64, k)
		for i := range x {
			x[i] = 0.5
		}
		return x
	}
	lu, _ := LandauCoefficients(f, LandauOptions{MeanField: MFGibbs, VisibleMean: half(n), HiddenMean: half(m)})
	if lu.C != l.C {
		t.Errorf("gibbs closure at uniform means %v ≠ constraint %v", lu.C, l.C)
	}
	// Nontrivial means: compare with the full sums over the orthogonal map C.
	vm := []float64{0.9, 0.2, 0.6, 0.4, 0.75}
	hm := []float64{0.1, 0.7, 0.55, 0.3}
	lg, err := LandauCoefficients(f, LandauOptions{MeanField: MFGibbs, VisibleMean: vm, HiddenMean: hm})
	if err != nil {
		t.Fatal(err)
	}
	cm := fullC(f)
	sbar := append(append([]float64{}, vm...), hm...)
	delta := make([]float64, n+m)
	for i := range delta {
		for a := range sbar {
			delta[i] += cm.At(i, a) * (sbar[a] - 0.5)
		}
	}
	v4 := func(i, j, k, l int) float64 {
		s := 0.0
		for a := 0; a < n+m; a++ {
			s += cm.At(i, a) * cm.At(j, a) * cm.At(k, a) * cm.At(l, a)
		}
		return 32 * s
	}
	var a1, a2, a3 float64
	for j := 1; j < n+m; j++ {
		a3 += v4(0, 0, 0, j) * delta[j] / 6
		for k := 1; k < n+m; k++ {
			a2 += v4(0, 0, j, k) * delta[j] * delta[k] / 4
			for q := 1; q < n+m; q++ {
				a1 += v4(0, j, k, q) * delta[j] * delta[k] * delta[q] / 6
			}
		}
	}
	wantA := [5]float64{0, a1, 2 + a2, a3, v4(0, 0, 0, 0) / 24}
	for i := range wantA {
		if math.Abs(lg.Alpha[i]-wantA[i]) > 1e-12 {
			t.Errorf("gibbs α_%d = %.15g, full tensor sum %.15g", i, lg.Alpha[i], wantA[i])
		}
	}
	// x variant: c from the closure formula reproduce F(x) pointwise.
	lx, _ := LandauCoefficients(f, LandauOptions{Variable: VarX})
	s4 := sum4(uk)
	for _, x := range []float64{-1, 0.3, 2} {
		fx := -f.At[0]*x + 2*(x-mux)*(x-mux) + 32*s4/24*math.Pow(x-mux, 4) - (f.Bt[0]+f.S[0]*x)*muy - 0.125*math.Pow(f.Bt[0]+f.S[0]*x, 2)
		if math.Abs(PolyEval(lx.C, x)-fx) > 1e-12 {
			t.Errorf("x variant F(%g) = %g, want %g", x, PolyEval(lx.C, x), fx)
		}
	}
	if _, err := LandauCoefficients(f, LandauOptions{Mode: 7}); err == nil {
		t.Error("unpaired mode accepted")
	}
}

// fullC builds the (N+M)×(N+M) orthogonal map z = C s + const with rows
// u_k, w_k (k < Rank) and the unpaired columns of U and V.
func fullC(f *reciprocal.Frame) *mat.Dense {
	n, m := f.N, f.M
	c := mat.NewDense(n+m, n+m, nil)
	r := 0
	for k := 0; k < f.Rank; k++ {
		for i := 0; i < n; i++ {
			c.Set(r, i, f.U.At(i, k)/math.Sqrt2)
			c.Set(r+f.Rank, i, -f.U.At(i, k)/math.Sqrt2)
		}
		for j := 0; j < m; j++ {
			c.Set(r, n+j, f.V.At(j, k)/math.Sqrt2)
			c.Set(r+f.Rank, n+j, f.V.At(j, k)/math.Sqrt2)
		}
		r++
	}
	r = 2 * f.Rank
	for k := f.Rank; k < n; k++ {
		for i := 0; i < n; i++ {
			c.Set(r, i, f.U.At(i, k))
		}
		r++
	}
	for k := f.Rank; k < m; k++ {
		for j := 0; j < m; j++ {
			c.Set(r, n+j, f.V.At(j, k))
		}
		r++
	}
	return c
}

// allStates returns the 2^n binary vectors as rows.
func allStates(n int) *mat.Dense {
	s := mat.NewDense(1<<n, n, nil)
	for x := 0; x < 1<<n; x++ {
		for i := 0; i < n; i++ {
			if x>>i&1 == 1 {
				s.Set(x, i, 1)
			}
		}
	}
	return s
}

// T8.1: exact −log density of u₁ under uniform states (2^20 states) against
// the Edgeworth, Gaussian and Landau-quartic (Edgeworth) approximations.
func TestConstraintPotentialExactEnumeration(t *testing.T) {
	const n = 10
	for _, seed := range []uint64{6, 16} {
		u, v := randOrth(n, seed), randOrth(n, seed+1)
		st := allStates(n)
		var x, y mat.Dense
		x.Mul(st, u)
		y.Mul(st, v)
		row := make([]float64, 2*n)
		for i := 0; i < n; i++ {
			row[i], row[n+i] = u.At(i, 0)/math.Sqrt2, v.At(i, 0)/math.Sqrt2
		}
		mu := 0.5 * sum(row)
		k2 := 0.25
		gamma2 := -2 * sum4(row)
		lo, hi := mu-1.6, mu+1.6
		vals := make([]float64, 0, 1<<(2*n))
		for a := 0; a < 1<<n; a++ {
			for b := 0; b < 1<<n; b++ {
				vals = append(vals, (x.At(a, 0)+y.At(b, 0))/math.Sqrt2)
			}
		}
		h := density(Histogram(vals, lo, hi, 80), lo, hi)
		alpha := rowAlphas(row, nil, Edgeworth)
		quartic := CoefficientsFromAlpha(alpha, mu, 0)
		var errE, errG, errE25 float64
		var diffQ []float64
		for b, p := range h {
			z := lo + (float64(b)+0.5)*(hi-lo)/80
			tt := (z - mu) / math.Sqrt(k2)
			exact := -math.Log(p)
			e := math.Abs(EdgeworthPotential(tt, gamma2, k2) - exact)
			gs := math.Abs(0.5*math.Log(2*math.Pi*k2) + 0.5*tt*tt - exact)
			if math.Abs(tt) < 2.5 {
				errE25 = math.Max(errE25, e)
			}
			if math.Abs(tt) < 1.5 {
				errE, errG = math.Max(errE, e), math.Max(errG, gs)
				diffQ = append(diffQ, PolyEval(quartic, z)-exact)
			}
		}
		lq, hq := rangeOf(diffQ)
		errQ := (hq - lq) / 2 // after removing the best constant
		t.Logf("seed %d: γ₂=%.3f, max error |t|<1.5: Edgeworth %.4f, Gaussian %.4f, Landau quartic %.4f; |t|<2.5 Edgeworth %.4f", seed, gamma2, errE, errG, errQ, errE25)
		if errE >= 0.05 || errE25 >= 0.1 {
			t.Errorf("Edgeworth error %.4f (|t|<1.5), %.4f (|t|<2.5): want < 0.05, < 0.1", errE, errE25)
		}
		if errE >= errG {
			t.Errorf("Edgeworth (%.4f) not better than Gaussian (%.4f) near the mean", errE, errG)
		}
		if errQ >= 0.05 {
			t.Errorf("Landau quartic closure error %.4f ≥ 0.05", errQ)
		}
	}
}

// exactMarginalU returns the exact model free energy −log p(u₁) on 40 bins
// over the support for W = U diag(s) Vᵀ, a = b = 0 (N = M = 10).
func exactMarginalU(u, v *mat.Dense, s []float64) []float64 {
	n := len(s)
	st := allStates(n)
	var x, y mat.Dense
	x.Mul(st, u)
	y.Mul(st, v)
	xs := mat.DenseCopyOf(&x)
	for k := 0; k < n; k++ {
		for a := 0; a < 1<<n; a++ {
			xs.Set(a, k, xs.At(a, k)*s[k])
		}
	}
	var lw mat.Dense
	lw.Mul(xs, y.T()) // log-weight of (v,h) = Σ σ_k x_k y_k
	uv := make([]float64, 0, 1<<(2*n))
	wv := make([]float64, 0, 1<<(2*n))
	mx := mat.Max(&lw)
	for a := 0; a < 1<<n; a++ {
		for b := 0; b < 1<<n; b++ {
			uv = append(uv, (x.At(a, 0)+y.At(b, 0))/math.Sqrt2)
			wv = append(wv, math.Exp(lw.At(a, b)-mx))
		}
	}
	lo, hi := rangeOf(uv)
	lo, hi = lo-1e-9, hi+1e-9
	const bins = 40
	h := make([]float64, bins)
	for i, z := range uv {
		b := min(int((z-lo)/(hi-lo)*bins), bins-1)
		h[b] += wv[i]
	}
	f := make([]float64, bins)
	for b := range h {
		f[b] = -math.Log(h[b]) // +Inf where empty: skipped by HistogramWells
	}
	return f
}

// T8.4: the exact u₁ marginal of an enumerable model (N=M=10, mean-zero
// leading singular vectors, a=b=0) is unimodal at σ₁=1 and bimodal at σ₁=5.
func TestExactModelMarginalSymmetryBreaking(t *testing.T) {
	const n = 10
	for _, seed := range []uint64{7, 70} {
		u, v := meanZeroBasis(n, seed), meanZeroBasis(n, seed+1)
		for _, tc := range []struct {
			s1    float64
			wells int
		}{{1, 1}, {5, 2}} {
			s := []float64{tc.s1, .1, .1, .1, .1, .1, .1, .1, .1, .1}
			f := exactMarginalU(u, v, s)
			wells := HistogramWells(f, MinBarrier)
			if len(wells) != tc.wells {
				t.Errorf("seed %d σ₁=%g: %d wells at bins %v, want %d", seed, tc.s1, len(wells), wells, tc.wells)
			}
			if tc.wells == 2 && len(wells) == 2 && (wells[0] >= 20 || wells[1] < 20) {
				t.Errorf("seed %d: wells %v not on opposite sides of u=0", seed, wells)
			}
		}
	}
}

func TestHistogramWells(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		f    []float64
		want []int
	}{
		{[]float64{3, 2, 1, 2, 3}, []int{2}},
		{[]float64{3, 1, 2, 1, 3}, []int{1, 3}},
		{[]float64{3, 1, 1.05, 1, 3}, []int{1}},
		{[]float64{1, 2, 3}, []int{0}},
		{[]float64{3, 2, 1}, []int{2}},
		{[]float64{1, 3, 0.5}, []int{0, 2}},
		{[]float64{nan, 2, nan, 0, 1, math.Inf(1), 3, 1, 4}, []int{3, 7}},
		{[]float64{nan}, nil},
	} {
		got := HistogramWells(tc.f, 0.1)
		if len(got) != len(tc.want) {
			t.Errorf("%v: wells %v, want %v", tc.f, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%v: wells %v, want %v", tc.f, got, tc.want)
			}
		}
	}
}

func TestEmpiricalFreeEnergy(t *testing.T) {
	// An exact quartic is recovered by the weighted fit.
	want := [5]float64{0.3, -1, -2, 0.2, 0.5}
	var z, f, w []float64
	for i := 0; i < 30; i++ {
		x := -3 + 6*float64(i)/29
		z, f, w = append(z, x), append(f, PolyEval(want, x)), append(w, 1+float64(i%4))
	}
	got := WeightedQuarticFit(z, f, w)
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Fatalf("fit %v, want %v", got, want)
		}
	}
	// Samples from a two-Gaussian mixture: double well, deeper on the heavier side;
	// a single Gaussian: one well.
	g := tensor.RowRand(5, 0)
	var mix, one []float64
	for i := 0; i < 200000; i++ {
		c := -1.5
		if g.Float64() < 0.6 {
			c = 1.5
		}
		mix = append(mix, c+0.5*g.NormFloat64())
		one = append(one, 0.7*g.NormFloat64())
	}
	pm, err := EmpiricalFreeEnergy(mix, EmpiricalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !pm.DoubleWell || len(pm.HistMinima) != 2 || !(pm.Asymmetry > 0) {
		t.Errorf("mixture: double well %v (barrier %.3g, asymmetry %.3g), histogram minima %v", pm.DoubleWell, pm.Barrier, pm.Asymmetry, pm.HistMinima)
	}
	po, _ := EmpiricalFreeEnergy(one, EmpiricalOptions{})
	if po.DoubleWell || len(po.HistMinima) != 1 || math.Abs(po.Fit[2]-1/(2*0.49)) > 0.05 {
		t.Errorf("Gaussian: double well %v, minima %v, c₂ %.4f (want 1/(2·0.49))", po.DoubleWell, po.HistMinima, po.Fit[2])
	}
	if _, err := EmpiricalFreeEnergy([]float64{1, 2}, EmpiricalOptions{}); err == nil {
		t.Error("two samples accepted")
	}
}
