package dynamics

import (
	"github.com/rbmscope/rbmscope/autocorr"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

// smallModel is an N=6, M=4 RBM with a strong, nearly uniform coupling
// W_ij = c(1 + 0.3ε_ij) and biases a = −½W1, b = −½Wᵀ1 that balance the
// "all on" and "all off" states: a double well whose block-Gibbs kernel
// mixes slowly (λ₂ close to 1).
func smallModel(c float64) *rbm.Model {
	md := rbm.New(6, 4)
	r := tensor.RowRand(5, 0)
	for i := range md.W.Data {
		md.W.Data[i] = c * (1 + 0.3*r.NormFloat64())
	}
	for i := 0; i < 6; i++ {
		for j := 0; j < 4; j++ {
			md.A[i] -= md.W.At(i, j) / 2
			md.B[j] -= md.W.At(i, j) / 2
		}
	}
	return md
}

// gibbsKernel enumerates the visible block-Gibbs kernel
// P(v'|v) = Σ_h p(h|v) p(v'|h) of a small model (2^N states, bit i of the
// index is v_i) and its stationary law π(v) ∝ e^{−F(v)}. It is built
// from the model's float64 conditionals independently of the sampler.
func gibbsKernel(md *rbm.Model) (p *mat.Dense, pi []float64) {
	n, m := md.NumVisible(), md.NumHidden()
	ns, nh := 1<<n, 1<<m
	bits := func(x, k int) []float64 {
		out := make([]float64, k)
		for i := range out {
			out[i] = float64((x >> i) & 1)
		}
		return out
	}
	bern := func(field []float64, x []float64) float64 {
		pr := 1.0
		for i, f := range field {
			q := rbm.Sigmoid(f)
			if x[i] == 0 {
				q = 1 - q
			}
			pr *= q
		}
		return pr
	}
	ph := mat.NewDense(ns, nh, nil) // p(h|v)
	pv := mat.NewDense(nh, ns, nil) // p(v|h)
	for v := 0; v < ns; v++ {
		fh := md.HiddenField(bits(v, n))
		for h := 0; h < nh; h++ {
			ph.Set(v, h, bern(fh, bits(h, m)))
		}
	}
	for h := 0; h < nh; h++ {
		fv := md.VisibleField(bits(h, m))
		for v := 0; v < ns; v++ {
			pv.Set(h, v, bern(fv, bits(v, n)))
		}
	}
	p = mat.NewDense(ns, ns, nil)
	p.Mul(ph, pv)
	pi = make([]float64, ns)
	z := 0.0
	for v := range pi {
		pi[v] = math.Exp(-md.FreeEnergyV(bits(v, n)))
		z += pi[v]
	}
	for v := range pi {
		pi[v] /= z
	}
	return p, pi
}

// spectral decomposes the reversible kernel: A = D^{½} P D^{−½} is
// symmetric (detailed balance), its eigenvalues λ_j are P's and g_j =
// D^{−½}φ_j are P's right eigenvectors, orthonormal in L²(π).
type spectral struct {
	lambda []float64  // descending, λ_1 = 1
	g      *mat.Dense // columns g_j
	pi     []float64
}

func decompose(t *testing.T, p *mat.Dense, pi []float64) spectral {
	ns := len(pi)
	a := mat.NewSymDense(ns, nil)
	for i := 0; i < ns; i++ {
		for j := i; j < ns; j++ {
			a.SetSym(i, j, math.Sqrt(pi[i])*p.At(i, j)/math.Sqrt(pi[j]))
		}
	}
	// Detailed balance makes A symmetric: check the lower triangle.
	for i := 0; i < ns; i++ {
		for j := 0; j < i; j++ {
			if d := math.Abs(math.Sqrt(pi[i])*p.At(i, j)/math.Sqrt(pi[j]) - a.At(i, j)); d > 1e-12 {
				t.Fatalf("kernel not reversible at (%d,%d): %g", i, j, d)
			}
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(a, true) {
		t.Fatal("eigen decomposition failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	s := spectral{g: mat.NewDense(ns, ns, nil), pi: pi}
	for c := ns - 1; c >= 0; c-- { // descending
		s.lambda = append(s.lambda, vals[c])
		for i := 0; i < ns; i++ {
			s.g.Set(i, ns-1-c, vecs.At(i, c)/math.Sqrt(pi[i]))
		}
	}
	return s
}

// exactTau is the integrated autocorrelation time of the observable f
// (values per state) under the kernel: with c_j = ⟨f, g_j⟩_π (j ≥ 2),
// ρ(l) = Σ c_j² λ_j^l / Σ c_j², so τ = Σ c_j² (1+λ_j)/(1−λ_j) / Σ c_j².
func (s spectral) exactTau(f []float64) float64 {
	num, den := 0.0, 0.0
	for j := 1; j < len(s.lambda); j++ {
		c := 0.0
		for v, fv := range f {
			c += s.pi[v] * fv * s.g.At(v, j)
		}
		num += c * c * (1 + s.lambda[j]) / (1 - s.lambda[j])
		den += c * c
	}
	return num / den
}

// On an exactly solvable RBM (N=6, M=4): the slowest relaxation of the
// block-Gibbs kernel is λ₂ by enumeration, τ_max = (1+λ₂)/(1−λ₂) bounds
// every observable's integrated time, and measured τ of (a) the slow
// eigenfunction g₂(v) (automatic window) and (b) each x_k = (Uᵀv)_k
// (summed over the slow observable's window, see below) matches the exact
// spectral τ within 3 Madras–Sokal error bars (plus 1% for the float32
// sampler's parameters, whose rounding moves λ by ~1e-7). The chains
// start from Bernoulli(½) after 200 burn-in sweeps: with λ₂ ≈ 0.88 the
// start's memory is λ₂^200 < 1e-11.
//
// The automatic window alone is biased low for a fast x_k with a small
// overlap on the slow mode (measured here: x_3 at 1.16 against the exact
// 1.26 over three seeds — its window W = 7 drops the slow tail
// 2ε·0.88^8/0.12); the test asks only that it does not overshoot.
func TestRelaxExactSmallRBM(t *testing.T) {
	md := smallModel(1.1)
	p, pi := gibbsKernel(md)
	s := decompose(t, p, pi)
	if math.Abs(s.lambda[0]-1) > 1e-10 {
		t.Fatalf("top eigenvalue %v, want 1", s.lambda[0])
	}
	l2 := s.lambda[1]
	tauMax := (1 + l2) / (1 - l2)
	t.Logf("λ₂ = %.5f, relaxation time −1/log λ₂ = %.3f sweeps, τ_max = %.3f", l2, -1/math.Log(l2), tauMax)
	if l2 < 0.6 || l2 > 0.98 {
		t.Fatalf("λ₂ = %v: the test model should mix slowly but within the chains", l2)
	}
	f, err := reciprocal.NewFrame(md, "")
	if err != nil {
		t.Fatal(err)
	}
	ns := len(pi)
	// The x_k are linear in v and go through LinearSeries; g₂ is not, so
	// slowObservable tabulates it over the same sampler.
	o := ChainOptions{Chains: 100, Sweeps: 3000, BurnIn: 200, Seed: 9, Backend: tensor.Gonum()}
	a := tensor.NewMat64(6, 6)
	for i := 0; i < 6; i++ {
		for k := 0; k < 6; k++ {
			a.Set(i, k, f.U.At(i, k))
		}
	}
	g2 := make([]float64, ns)
	for v := range g2 {
		g2[v] = s.g.At(v, 1)
	}
	got := slowObservable(t, md, g2, o)
	slowW := got.Window
	accs, _, err := LinearSeries(md, a, nil, -1, o)
	if err != nil {
		t.Fatal(err)
	}
	for k, acc := range accs {
		fx := make([]float64, ns)
		for v := range fx {
			for i := 0; i < 6; i++ {
				fx[v] += float64((v>>i)&1) * f.U.At(i, k)
			}
		}
		want := s.exactTau(fx)
		auto := acc.IntegratedTime(0)
		if auto.Tau > want+3*auto.Err {
			t.Errorf("x_%d: automatic window τ = %.3f ± %.3f above the exact %.3f", k+1, auto.Tau, auto.Err, want)
		}
		got := acc.TimeAt(slowW)
		if want > tauMax*(1+1e-9) {
			t.Errorf("x_%d: exact τ %v above the bound %v", k+1, want, tauMax)
		}
		if math.Abs(got.Tau-want) > 3*got.Err+0.01*want {
			t.Errorf("x_%d: measured τ = %.3f ± %.3f, exact %.3f", k+1, got.Tau, got.Err, want)
		}
		if got.Tau > tauMax+3*got.Err {
			t.Errorf("x_%d: measured τ = %.3f ± %.3f above τ_max %.3f", k+1, got.Tau, got.Err, tauMax)
		}
	}
	if math.Abs(got.Tau-tauMax) > 3*got.Err+0.01*tauMax {
		t.Errorf("g₂: measured τ = %.3f ± %.3f, exact %.3f", got.Tau, got.Err, tauMax)
	}
}

// slowObservable runs the project's sampler with the same sweep order as
// LinearSeries and measures τ of the tabulated observable f(v).
func slowObservable(t *testing.T, md *rbm.Model, f []float64, o ChainOptions) autocorr.IAT {
	acc, _ := autocorr.NewAutocov(o.Sweeps)
	st := tensor.NewStream(o.Seed, 99)
	c := rbm.NewChains(o.Chains, md.NumVisible(), md.NumHidden())
	tensor.Bernoulli(c.V, 0.5, st.Key())
	smp := rbm.NewSampler(o.Backend, md.To32(), st)
	smp.Hidden(c.V, c.ProbH, c.H)
	ser := make([][]float64, o.Chains)
	for i := range ser {
		ser[i] = make([]float64, o.Sweeps)
	}
	for step := -o.BurnIn; step < o.Sweeps; step++ {
		smp.Visible(c.H, c.ProbV, c.V)
		smp.Hidden(c.V, c.ProbH, c.H)
		if step < 0 {
			continue
		}
		for r := 0; r < o.Chains; r++ {
			idx := 0
			for i, x := range c.V.Row(r) {
				if x != 0 {
					idx |= 1 << i
				}
			}
			ser[r][step] = f[idx]
		}
	}
	for _, x := range ser {
		acc.Add(x)
	}
	return acc.IntegratedTime(0)
}

// orthoColumns returns k orthonormal vectors of length n, all orthogonal
// to the all-ones vector (Gram–Schmidt on Gaussian vectors).
func orthoColumns(n, k int, key uint64) [][]float64 {
	one := make([]float64, n)
	for i := range one {
		one[i] = 1 / math.Sqrt(float64(n))
	}
	basis := [][]float64{one}
	r := tensor.RowRand(key, 0)
	for len(basis) <= k {
		x := make([]float64, n)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		for _, b := range basis {
			d := 0.0
			for i := range x {
				d += x[i] * b[i]
			}
			for i := range x {
				x[i] -= d * b[i]
			}
		}
		nrm := 0.0
		for _, v := range x {
			nrm += v * v
		}
		for i := range x {
			x[i] /= math.Sqrt(nrm)
		}
		basis = append(basis, x)
	}
	return basis[1:]
}

// Where the Gaussian closure is exact to first order — zero biases, a few
// modes of moderate σ spread over many units, so every unit's field is
// small — the block-Gibbs chain of mode k is the closure's Gaussian
// chain x → y → x' with x'|y ~ N(r y, s²), y|x ~ N(r x, s²), r = σs² =
// σ/4 (linear response of sig at 0, slope ¼ = s²). That chain gives
// τ_u = 1/(1−r) = 1/(s²ω₋) and τ_w = 1/(1+r) = 1/(s²ω₊)
// (docs/dynamics.md §Closure prediction), which Relax reports.
//
// Tolerance: 3 Madras–Sokal error bars plus twice the closure's own
// leading error. Unit i's field f_i = Σ_k σ_k U_ik y_k has ⟨f²⟩ =
// Σ_k σ_k² Var(y_k)/N on average (U_ik² ≈ 1/N, Var y_k = s²/(1−r_k²)),
// and sig'(f) = ¼sech²(f/2) ≈ ¼(1 − f²/4) lowers r by the factor
// (1 − ⟨f²⟩/4); the resulting shift of τ_u is computed below (0.10 at
// σ = 3, where the measured τ_u is 3.69 ± 0.08 against the closure's 4:
// the closure holds here to 8%).
func TestRelaxClosureRegime(t *testing.T) {
	const n, m = 200, 200
	sig := []float64{3, 2, 1}
	us, vs := orthoColumns(n, len(sig), 1), orthoColumns(m, len(sig), 2)
	md := rbm.New(n, m)
	for k, s := range sig {
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				md.W.Data[i*m+j] += s * us[k][i] * vs[k][j]
			}
		}
	}
	f, err := reciprocal.NewFrame(md, "")
	if err != nil {
		t.Fatal(err)
	}
	o := ChainOptions{Chains: 50, Sweeps: 4000, BurnIn: 100, Seed: 4}
	rel, err := Relax(md, f, 5, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rel.Modes) != len(sig) {
		t.Fatalf("%d modes, want the %d paired ones", len(rel.Modes), len(sig))
	}
	f2 := 0.0
	for _, s := range sig {
		r := s * ClosureS2
		f2 += s * s * ClosureS2 / (1 - r*r) / n
	}
	for k, mr := range rel.Modes {
		r := sig[k] * ClosureS2
		wantU, wantW := 1/(1-r), 1/(1+r)
		if math.Abs(mr.TauPredU-wantU) > 1e-9 || math.Abs(mr.TauPredW-wantW) > 1e-9 || mr.Unstable {
			t.Errorf("mode %d: predicted (%v, %v), want (%v, %v)", k+1, mr.TauPredU, mr.TauPredW, wantU, wantW)
		}
		shift := math.Abs(1/(1-r*(1-f2/4)) - wantU)
		if math.Abs(mr.U.Tau-wantU) > 3*mr.U.Err+2*shift {
			t.Errorf("mode %d: τ_u = %.3f ± %.3f, closure %.3f (± %.3f)", k+1, mr.U.Tau, mr.U.Err, wantU, 2*shift)
		}
		if math.Abs(mr.W.Tau-wantW) > 3*mr.W.Err+2*shift {
			t.Errorf("mode %d: τ_w = %.3f ± %.3f, closure %.3f", k+1, mr.W.Tau, mr.W.Err, wantW)
		}
		t.Logf("σ=%v: τ_u %.3f ± %.3f (closure %.3f), τ_w %.3f ± %.3f (closure %.3f)", sig[k], mr.U.Tau, mr.U.Err, wantU, mr.W.Tau, mr.W.Err, wantW)
	}
	if len(rel.Lead) != o.Chains*o.Sweeps {
		t.Errorf("%d leading-mode samples, want %d", len(rel.Lead), o.Chains*o.Sweeps)
	}
}
