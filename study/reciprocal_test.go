package study

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

// randomModel has N(0, s²) weights and N(0, sb²) biases.
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

// plantedModel returns an n×m model W = Σ_k σ_k q_k r_kᵀ with orthonormal q, r
// (taken from a random frame) and the given singular values, and the planted
// q_k, r_k.
func plantedModel(t *testing.T, n, m int, sigma []float64) (md *rbm.Model, q, r [][]float64) {
	t.Helper()
	f, err := reciprocal.NewFrame(randomModel(n, m, 1, 0, 77), reciprocal.GaugeMuWPositive)
	if err != nil {
		t.Fatal(err)
	}
	md = randomModel(n, m, 0, 0.2, 78)
	for k, s := range sigma {
		q = append(q, mat.Col(nil, k, f.U))
		r = append(r, mat.Col(nil, k, f.V))
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				md.W.Set(i, j, md.W.At(i, j)+s*f.U.At(i, k)*f.V.At(j, k))
			}
		}
	}
	return md, q, r
}

func dot(x, y []float64) float64 {
	s := 0.0
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}

func smallOptions() ReciprocalOptions {
	return ReciprocalOptions{MPSizes: []int{20, 40}, KurtSizes: []int{30, 60, 120}, KurtSamples: 2000, Fig5Samples: 4000,
		GibbsChains: 16, GibbsSteps: 10, Grid: 8, Seed: 4, KurtLayers: []reciprocal.Layer{reciprocal.LayerVisible, reciprocal.LayerHidden}}
}

func TestAnalyze(t *testing.T) {
	sigma := []float64{7, 5, 4.5, 3, 1}
	md, q, r := plantedModel(t, 40, 25, sigma)
	data := tensor.NewMat64(50, 40)
	labels := make([]int, 50)
	for i := range data.Data {
		data.Data[i] = float64((i * 7 / 3) % 2)
	}
	o := smallOptions()
	o.Data, o.Labels = data, labels
	s, err := AnalyzeModel(md, o)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range sigma {
		if math.Abs(s.Sigma[k]-want) > 1e-9 {
			t.Errorf("σ_%d = %v, planted %v", k+1, s.Sigma[k], want)
		}
	}
	if s.NUnstable != 3 || !slices.Equal(s.UnstableModes, []int{1, 2, 3}) || s.Threshold != 4 {
		t.Errorf("unstable %d %v (threshold %v), want 3 [1 2 3] at 4", s.NUnstable, s.UnstableModes, s.Threshold)
	}
	if s.Rank != 5 || len(s.SaddleEnergies) != 5 {
		t.Errorf("rank %d with %d saddle energies, want 5", s.Rank, len(s.SaddleEnergies))
	}
	// The saddle energies sum to Σ_k ã_k b̃_k/σ_k = aᵀ(W⁺)ᵀb, and for the
	// planted W the pseudo-inverse is known: W⁺ = Σ_k r_k q_kᵀ/σ_k, so the
	// total is Σ_k (q_k·a)(r_k·b)/σ_k without any SVD, provided q and r are
	// orthonormal (checked first, to 4·n·eps, the rounding of a length-n
	// dot product of unit vectors; sign flips of a pair cancel).
	const eps = 0x1p-52
	for k := range q {
		for l := range q {
			want := 0.0
			if k == l {
				want = 1
			}
			if d := math.Max(math.Abs(dot(q[k], q[l])-want), math.Abs(dot(r[k], r[l])-want)); d > 4*40*eps {
				t.Fatalf("planted vectors %d, %d not orthonormal: %g", k, l, d)
			}
		}
	}
	// Tolerance: the code's SVD (backward stable: the exact SVD of W + E,
	// ‖E‖ ≤ p·eps·σ₁ with p a modest function of the size; p = 4·max(n, m)
	// is generous) moves σ_k by ≤ ‖E‖ and u_k, v_k by ≤ ‖E‖/gap_k, gap_k
	// the distance of σ_k to the rest of the spectrum (0 included); each
	// term T_k = ã_k b̃_k/σ_k then moves by at most
	// ‖E‖·(|T_k|/σ_k + (|b̃_k|‖a‖ + |ã_k|‖b‖)/(σ_k·gap_k)). With these
	// σ (gaps ≥ 0.5) it is ≈ 1e-13.
	a, b := md.A, md.B
	tot, tol := 0.0, 0.0
	e := 4 * 40 * eps * sigma[0]
	for k, sk := range sigma {
		at, bt := dot(q[k], a), dot(r[k], b)
		tot += at * bt / sk
		gap := sk
		for l, sl := range sigma {
			if l != k {
				gap = math.Min(gap, math.Abs(sk-sl))
			}
		}
		tol += e * (math.Abs(at*bt)/(sk*sk) + (math.Abs(bt)*math.Sqrt(dot(a, a))+math.Abs(at)*math.Sqrt(dot(b, b)))/(sk*gap))
	}
	if math.Abs(tot-s.SaddleTotal) > tol {
		t.Errorf("saddle total %.15g, want Σ (q·a)(r·b)/σ = %.15g (tolerance %.2g)", s.SaddleTotal, tot, tol)
	}
	if s.MeanField.Residual > 1e-10 {
		t.Errorf("mean-field residual %v", s.MeanField.Residual)
	}
	// Defaults: modes 1,2,3 and the last (clamped from 498).
	if got := []int{s.Trained.Modes[0].Mode, s.Trained.Modes[3].Mode}; got[0] != 1 || got[1] != 25 {
		t.Errorf("modes %v", got)
	}
	mv := s.Trained.Modes[0]
	if len(mv.Data.X) != 50 || len(mv.Gibbs.X) != 16 || len(mv.Grid.Z) != 8 {
		t.Errorf("mode view sizes: data %d gibbs %d grid %d", len(mv.Data.X), len(mv.Gibbs.X), len(mv.Grid.Z))
	}
	// Data projections are x_k = Σ_i U_ik v_i.
	want := 0.0
	for i := 0; i < 40; i++ {
		want += s.Frame.U.At(i, 0) * data.At(3, i)
	}
	if math.Abs(mv.Data.X[3]-want) > 1e-12 {
		t.Errorf("x_1 of row 3: %v, want %v", mv.Data.X[3], want)
	}
	// Fig. 5: sample means within 5 standard errors (½/√n) of μ = ½Σu.
	for _, fm := range s.Fig5 {
		for _, c := range []struct {
			xs []float64
			mu float64
		}{{fm.X, fm.MuX}, {fm.Y, fm.MuY}, {fm.X0, fm.MuX0}, {fm.Y0, fm.MuY0}} {
			m := 0.0
			for _, x := range c.xs {
				m += x
			}
			m /= float64(len(c.xs))
			if math.Abs(m-c.mu) > 5*0.5/math.Sqrt(float64(len(c.xs))) {
				t.Errorf("Fig. 5 mode %d: mean %v vs μ %v", fm.Mode, m, c.mu)
			}
		}
	}
	if len(s.MPPanels) != 2 || len(s.KurtCurves) != 2 {
		t.Errorf("%d MP panels, %d kurtosis curves", len(s.MPPanels), len(s.KurtCurves))
	}
	if _, err := json.Marshal(s); err != nil {
		t.Errorf("summary does not encode as JSON: %v", err)
	}
	// Same seed, same numbers.
	s2, err := AnalyzeModel(md, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Trained.Modes[1].Gibbs.X, s2.Trained.Modes[1].Gibbs.X) || s.Kurtosis.XSampled.Mean != s2.Kurtosis.XSampled.Mean ||
		!slices.Equal(s.Fig5[0].X, s2.Fig5[0].X) || s.MP.KSInit != s2.MP.KSInit {
		t.Error("Analyze is not deterministic for a fixed seed")
	}
}

func TestAnalyzeBadInput(t *testing.T) {
	md := randomModel(12, 8, 0.1, 0.1, 1)
	for _, c := range []struct {
		name string
		mod  func(*ReciprocalOptions)
		want string
	}{
		{"mode out of range", func(o *ReciprocalOptions) { o.Modes = []int{8} }, "mode 9 is out of range"},
		{"data width", func(o *ReciprocalOptions) { o.Data = tensor.NewMat64(3, 10) }, "10 columns"},
		{"untrained shape", func(o *ReciprocalOptions) { o.Untrained = rbm.New(8, 12) }, "untrained model is 8×12"},
		{"gauge", func(o *ReciprocalOptions) { o.Gauge = "x" }, "unknown gauge"},
		{"init std", func(o *ReciprocalOptions) { o.InitStd = -1 }, "init std"},
	} {
		o := smallOptions()
		c.mod(&o)
		if _, err := AnalyzeModel(md, o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

// BenchmarkAnalyze784x500 times a default AnalyzeModel (no data) of a 784×500 model.
func BenchmarkAnalyze784x500(b *testing.B) {
	md := randomModel(784, 500, 0.05, 0.1, 1)
	for b.Loop() {
		if _, err := AnalyzeModel(md, ReciprocalOptions{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
