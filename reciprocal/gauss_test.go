package reciprocal

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// T4.3/T4.4 and Eq. 51 by exact enumeration: for N=10 (and M=6) the
// distribution of x = Uᵀv under i.i.d. Bernoulli(p) v has mean p·Uᵀ1,
// covariance p(1−p)·I, and each x_k's kurtosis equals the closed form.
func TestMomentsByEnumeration(t *testing.T) {
	f, err := NewFrame(randomModel(10, 6, 0.5, 0.3, 31), GaugeMuWPositive)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []float64{0.5, 0.3} {
		for _, layer := range []struct {
			name string
			u    *mat.Dense
			n    int
		}{{"x", f.U, f.N}, {"y", f.V, f.M}} {
			mean := make([]float64, layer.n)
			second := mat.NewDense(layer.n, layer.n, nil)
			m4 := make([]float64, layer.n) // E (x_k − μ_k)^4, after the mean is known
			state := make([]float64, layer.n)
			var xs [][]float64
			var ws []float64
			for s := 0; s < 1<<layer.n; s++ {
				w := 1.0
				for i := range state {
					state[i] = float64((s >> i) & 1)
					if state[i] == 1 {
						w *= p
					} else {
						w *= 1 - p
					}
				}
				x := mulTVec(layer.u, state)
				xs, ws = append(xs, x), append(ws, w)
				for k := range x {
					mean[k] += w * x[k]
				}
			}
			for s, x := range xs {
				for k := range x {
					for l := range x {
						second.Set(k, l, second.At(k, l)+ws[s]*(x[k]-mean[k])*(x[l]-mean[l]))
					}
					d := x[k] - mean[k]
					m4[k] += ws[s] * d * d * d * d
				}
			}
			var mu []float64
			if layer.name == "x" {
				mu, _ = f.ConstraintMeans(p)
			} else {
				_, mu = f.ConstraintMeans(p)
			}
			kc := KurtosisClosed(layer.u, layer.n, p)
			v := ConstraintVariance(p)
			for k := range mean {
				if math.Abs(mean[k]-mu[k]) > 1e-12 {
					t.Errorf("p=%v %s_%d: mean %v, want p·Σu = %v", p, layer.name, k, mean[k], mu[k])
				}
				for l := range mean {
					want := 0.0
					if k == l {
						want = v
					}
					if math.Abs(second.At(k, l)-want) > 1e-12 {
						t.Errorf("p=%v cov(%s_%d,%s_%d) = %v, want %v", p, layer.name, k, layer.name, l, second.At(k, l), want)
					}
				}
				if kex := m4[k] / (v * v); math.Abs(kex-kc[k]) > 1e-10 {
					t.Errorf("p=%v %s_%d: exact kurtosis %v, closed form %v", p, layer.name, k, kex, kc[k])
				}
			}
		}
	}
}

// T6.1/T6.3: sampled kurtosis (float32 projections, float64 moments)
// matches the closed form: the mode average within 0.003 (p=½) and each
// mode within 5 standard errors √(24/n) (p=½ and p=0.3).
func TestKurtosisSampled(t *testing.T) {
	w := GaussianMatrix(300, 300, 0.01, 5)
	u, err := leftSingularVectors(mat.NewDense(300, 300, w.Data))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p       float64
		samples int
		cols    int
		meanTol float64
	}{{0.5, 200000, 300, 0.003}, {0.3, 100000, 40, 0.01}} {
		kc := KurtosisClosed(u, c.cols, c.p)
		ks, err := KurtosisSampled(nil, u, c.cols, c.p, c.samples, 9)
		if err != nil {
			t.Fatal(err)
		}
		se := math.Sqrt(24 / float64(c.samples))
		if c.p != 0.5 {
			se *= 2 // skewed states: the estimator's spread is larger
		}
		for k := range kc {
			if math.Abs(kc[k]-ks[k]) > 5*se {
				t.Errorf("p=%v mode %d: sampled %v vs closed %v (5 s.e. = %v)", c.p, k, ks[k], kc[k], 5*se)
			}
		}
		mc, ms := stat.Mean(kc, nil), stat.Mean(ks, nil)
		if math.Abs(mc-ms) > c.meanTol {
			t.Errorf("p=%v: mean over modes sampled %v vs closed %v", c.p, ms, mc)
		}
		t.Logf("p=%v: closed %.5f sampled %.5f", c.p, mc, ms)
	}
	if _, err := KurtosisSampled(nil, u, 3, 0.5, 1, 0); err == nil {
		t.Error("one sample accepted")
	}
}

// T6.2 and the Fig. 3e predictions of docs/theory.md §Kurtosis: the mode
// average of the closed form is within 3 sd/√L of 3 − 6/(n+2) for random
// initialisations, both readings; the expected curve fits a line in 1/n
// with slope −5.970 and intercept 2.99998.
func TestKurtosisCurve(t *testing.T) {
	want := map[int]float64{500: 2.98805, 700: 2.99145, 784: 2.99237, 1200: 2.99501, 2000: 2.99700}
	for _, c := range []struct {
		layer Layer
		sizes []int
		other int
	}{
		{LayerVisible, []int{500, 700, 784, 1200, 2000}, 500},
		{LayerHidden, []int{300, 500, 784, 1200}, 784},
	} {
		kc, err := KurtosisCurve(KurtCurveOptions{Layer: c.layer, Sizes: c.sizes, Other: c.other, Std: 0.01, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		var inv, exp []float64
		for _, pt := range kc.Points {
			l := min(pt.Size, c.other)
			if math.Abs(pt.Mean-pt.Expected) > 3*pt.Sd/math.Sqrt(float64(l)) {
				t.Errorf("%s n=%d: mean kurtosis %v vs 3−6/(n+2) = %v (sd %v)", c.layer, pt.Size, pt.Mean, pt.Expected, pt.Sd)
			}
			if w, ok := want[pt.Size]; ok && math.Abs(pt.Expected-w) > 5e-6 {
				t.Errorf("expected kurtosis at n=%d: %v, docs/theory.md §Kurtosis %v", pt.Size, pt.Expected, w)
			}
			inv, exp = append(inv, pt.InvSize), append(exp, pt.Expected)
		}
		if math.Abs(kc.Fit.Intercept-3) > 1e-3 || math.Abs(kc.Fit.Slope+6) > 0.5 {
			t.Errorf("%s: fit %+v, want intercept ≈ 3 and slope ≈ −6", c.layer, kc.Fit)
		}
		if c.layer == LayerVisible {
			fit := FitLinear(inv, exp)
			if math.Abs(fit.Slope+5.970) > 1e-3 || math.Abs(fit.Intercept-2.99998) > 1e-5 || fit.MaxResidual > 5e-6 {
				t.Errorf("expected-curve fit %+v, want slope −5.970, intercept 2.99998, residual ≤ 4e-6", fit)
			}
		}
	}
	if _, err := KurtosisCurve(KurtCurveOptions{Layer: "both", Sizes: []int{1, 2}, Other: 3}); err == nil {
		t.Error("bad layer accepted")
	}
}

// leftSingularVectors agrees with the SVD up to column signs.
func TestLeftSingularVectors(t *testing.T) {
	for _, sh := range [][2]int{{30, 12}, {12, 30}} {
		w := GaussianMatrix(sh[0], sh[1], 1, 4)
		a := mat.NewDense(sh[0], sh[1], w.Data)
		u, err := leftSingularVectors(a)
		if err != nil {
			t.Fatal(err)
		}
		var svd mat.SVD
		svd.Factorize(a, mat.SVDThin)
		var ref mat.Dense
		svd.UTo(&ref)
		l := min(sh[0], sh[1])
		for k := 0; k < l; k++ {
			// eigenvalues come ascending, singular values descending
			dot := 0.0
			for i := 0; i < sh[0]; i++ {
				dot += u.At(i, l-1-k) * ref.At(i, k)
			}
			if math.Abs(math.Abs(dot)-1) > 1e-9 {
				t.Errorf("%v column %d: |⟨u, u_svd⟩| = %v", sh, k, math.Abs(dot))
			}
		}
	}
}
