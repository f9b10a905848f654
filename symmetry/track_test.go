package symmetry

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

func randomModel(n, m int, s float64, key uint64) *rbm.Model {
	md := rbm.New(n, m)
	g := gauss(n+1, m+1, s, key)
	for i := 0; i < n; i++ {
		md.A[i] = 0.5 * g.At(i, m)
		for j := 0; j < m; j++ {
			md.W.Set(i, j, g.At(i, j))
		}
	}
	for j := 0; j < m; j++ {
		md.B[j] = 0.5 * g.At(n, j)
	}
	return md
}

// exactModeMean returns E[u_k] under the model by enumerating v, with
// E[y_k|v] = V_k·sig(b + Wᵀv).
func exactModeMean(md *rbm.Model, f *reciprocal.Frame, k int) float64 {
	n, m := md.NumVisible(), md.NumHidden()
	st := allStates(n)
	logp := make([]float64, 1<<n)
	us := make([]float64, 1<<n)
	mx := math.Inf(-1)
	for s := 0; s < 1<<n; s++ {
		v := st.RawRowView(s)
		logp[s] = -md.FreeEnergyV(v)
		mx = math.Max(mx, logp[s])
		ph := md.ProbHidden(v)
		var x, y float64
		for i := 0; i < n; i++ {
			x += f.U.At(i, k) * v[i]
		}
		for j := 0; j < m; j++ {
			y += f.V.At(j, k) * ph[j]
		}
		us[s], _ = f.UW(k, x, y)
	}
	var z, e float64
	for s := range logp {
		p := math.Exp(logp[s] - mx)
		z += p
		e += p * us[s]
	}
	return e / z
}

// topPair is the leading singular triple of W found by plain power
// iteration in float64 (no LAPACK), with σ₂ for the gap.
type topPair struct {
	s1, s2 float64
	u, v   []float64
	e      float64 // backward-error scale p·eps·σ₁ shared by both SVDs
}

// powerTop iterates v ← WᵀWv/‖·‖ (it converges as (σ₂/σ₁)^{2t}; 2000
// sweeps are plenty while σ₂/σ₁ < 0.99, checked), then u = Wv/σ₁; σ₂ comes
// from the same iteration on WᵀW − σ₁²vvᵀ.
func powerTop(md *rbm.Model) topPair {
	n, m := md.NumVisible(), md.NumHidden()
	wtw := func(x []float64, defl []float64, l1 float64) []float64 {
		wx := make([]float64, n)
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				wx[i] += md.W.At(i, j) * x[j]
			}
		}
		y := make([]float64, m)
		for j := 0; j < m; j++ {
			for i := 0; i < n; i++ {
				y[j] += md.W.At(i, j) * wx[i]
			}
		}
		if defl != nil {
			d := 0.0
			for j := range x {
				d += defl[j] * x[j]
			}
			for j := range y {
				y[j] -= l1 * d * defl[j]
			}
		}
		return y
	}
	iterate := func(defl []float64, l1 float64) ([]float64, float64) {
		x := make([]float64, m)
		for j := range x {
			x[j] = 1 + 0.1*float64(j) // not orthogonal to any singular vector here
		}
		var lam float64
		for it := 0; it < 2000; it++ {
			y := wtw(x, defl, l1)
			nrm := 0.0
			for _, v := range y {
				nrm += v * v
			}
			nrm = math.Sqrt(nrm)
			lam = 0
			for j := range x {
				lam += x[j] * y[j] // Rayleigh quotient of the unit x
				x[j] = y[j] / nrm
			}
		}
		return x, lam
	}
	v, l1 := iterate(nil, 0)
	_, l2 := iterate(v, l1)
	p := topPair{s1: math.Sqrt(l1), s2: math.Sqrt(math.Max(l2, 0)), v: v, u: make([]float64, n)}
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			p.u[i] += md.W.At(i, j) * v[j] / p.s1
		}
	}
	// p = 4·max(n, m) for LAPACK's "modest function of the size" in its
	// backward error p·eps·‖W‖, generous for these sizes; the power
	// iteration's rounding is of the same order per sweep and does not
	// accumulate (each sweep re-normalises).
	p.e = 4 * float64(max(n, m)) * 0x1p-52 * p.s1
	return p
}

// constraintUW returns μ_u, μ_w of mode 1 (Eq. 18 at the constraint mean
// μ_x = ½Σu, μ_y = ½Σv, around the saddle x* = −v·b/σ, y* = −u·a/σ) in
// the μ_w ≥ 0 gauge, and a tolerance: both SVDs are exact for W + E with
// ‖E‖ ≤ e, so σ₁ moves by ≤ e and u, v by ≤ e/(σ₁−σ₂) each (2-norm), and μ
// moves by at most (√n/2·δu + √m/2·δv + (‖b‖δv + ‖a‖δu)/σ + (|ã|+|b̃|)δσ/σ²)
// ·√2 (the 45° rotation adds two coordinates over √2), doubled for two
// implementations.
func (p topPair) constraintUW(md *rbm.Model) (mu, mw, tol float64) {
	var mx, my, at, bt, na, nb float64
	for i, x := range p.u {
		mx += x / 2
		at += x * md.A[i]
		na += md.A[i] * md.A[i]
	}
	for j, y := range p.v {
		my += y / 2
		bt += y * md.B[j]
		nb += md.B[j] * md.B[j]
	}
	xs, ys := -bt/p.s1, -at/p.s1
	mu, mw = (mx+my-xs-ys)/math.Sqrt2, (-mx+my+xs-ys)/math.Sqrt2
	if mw < 0 { // flipping (u, v) together negates both
		mu, mw = -mu, -mw
	}
	n, m := float64(len(p.u)), float64(len(p.v))
	dv := p.e / (p.s1 - p.s2)
	tol = 2 * math.Sqrt2 * (math.Sqrt(n)/2*dv + math.Sqrt(m)/2*dv + (math.Sqrt(nb)+math.Sqrt(na))*dv/p.s1 + (math.Abs(at)+math.Abs(bt))*p.e/(p.s1*p.s1))
	return mu, mw, tol
}

func TestTrackAgainstExactModel(t *testing.T) {
	dir := t.TempDir()
	n, m := 8, 6
	models := []*rbm.Model{randomModel(n, m, 0.1, 1), randomModel(n, m, 1.2, 2)}
	var ck []Snapshot
	for e, md := range models {
		p := filepath.Join(dir, "epoch.npz")
		p = p[:len(p)-4] + string(rune('0'+e)) + ".npz"
		if err := md.Save(p, rbm.Float64); err != nil {
			t.Fatal(err)
		}
		ck = append(ck, fileSnapshot(e*5, p))
	}
	data := &dataset.Set{X: tensor.NewMat32(400, n)}
	tensor.Bernoulli(data.X, 0.3, 77)
	opts := TrackOptions{Chains: 4000, Sweeps: 30, Seed: 3}
	tr, err := Track(ck, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Epochs) != 2 || tr.Epochs[1].Epoch != 5 || tr.Mode != 1 || tr.DataCount != 400 {
		t.Fatalf("tracking header %+v", tr)
	}
	for i, md := range models {
		e := tr.Epochs[i]
		f, _ := reciprocal.NewFrame(md, "")
		top := powerTop(md)
		if top.s2 > 0.99*top.s1 {
			t.Fatalf("epoch %d: σ₂/σ₁ = %.4f, too close for 2000 power sweeps", e.Epoch, top.s2/top.s1)
		}
		mu, mw, tol := top.constraintUW(md)
		if math.Abs(e.MuU-mu) > tol || math.Abs(e.MuW-mw) > tol || e.MuW < 0 || e.GaugeSign != 1 {
			t.Errorf("epoch %d: μ = (%.15g, %.15g), power iteration gives (%.15g, %.15g) ± %.2g with μ_w ≥ 0", e.Epoch, e.MuU, e.MuW, mu, mw, tol)
		}
		if math.Abs(e.Sigma-top.s1) > 2*top.e || e.Unstable != (top.s1 > 4) {
			t.Errorf("epoch %d: σ₁ %.15g unstable %v; power iteration gives σ₁ = %.15g ± %.2g", e.Epoch, e.Sigma, e.Unstable, top.s1, 2*top.e)
		}
		want := exactModeMean(md, f, 0)
		se := e.GibbsU[1] / math.Sqrt(float64(opts.Chains))
		if math.Abs(e.GibbsU[0]-want) > 4*se {
			t.Errorf("epoch %d: Gibbs mean u₁ %.4f, exact %.4f (se %.4f)", e.Epoch, e.GibbsU[0], want, se)
		}
		// Data mean: E over rows of E_h[u|v], s.e. from the h sampling.
		var dm, dv float64
		for r := 0; r < data.Len(); r++ {
			v := make([]float64, n)
			for i, x := range data.X.Row(r) {
				v[i] = float64(x)
			}
			ph := md.ProbHidden(v)
			x, y, vy := 0.0, 0.0, 0.0
			for i := range v {
				x += f.U.At(i, 0) * v[i]
			}
			for j, p := range ph {
				y += f.V.At(j, 0) * p
				vy += f.V.At(j, 0) * f.V.At(j, 0) * p * (1 - p) / 2
			}
			u, _ := f.UW(0, x, y)
			dm += u / float64(data.Len())
			dv += vy
		}
		if dse := math.Sqrt(dv) / float64(data.Len()); math.Abs(e.DataU[0]-dm) > 4*dse+1e-12 {
			t.Errorf("epoch %d: data mean u₁ %.5f, exact %.5f (se %.5f)", e.Epoch, e.DataU[0], dm, dse)
		}
		if len(e.Landau) != 9 || e.LandauFor(VarU, MFGibbs, Edgeworth) == nil || e.LandauFor(VarX, MFConstraint, Cramer) == nil {
			t.Errorf("epoch %d: %d Landau fits", e.Epoch, len(e.Landau))
		}
		if e.EmpiricalU == nil || len(e.EmpiricalU.Centers) != 60 {
			t.Errorf("epoch %d: no empirical free energy", e.Epoch)
		}
	}
	if _, ok := tr.C2NegativeEpoch["constraint/cramer"]; !ok {
		t.Errorf("c₂ epochs %v", tr.C2NegativeEpoch)
	}
	again, _ := Track(ck, data, opts)
	if again.Epochs[1].GibbsU != tr.Epochs[1].GibbsU || again.Epochs[1].DataW != tr.Epochs[1].DataW {
		t.Error("same seed gave different numbers")
	}
	if _, err := Track(ck, &dataset.Set{X: tensor.NewMat32(3, n+1)}, opts); err == nil {
		t.Error("data of the wrong width accepted")
	}
	if _, err := Track(ck, nil, TrackOptions{Mode: 6}); err == nil {
		t.Error("mode beyond min(N,M) accepted")
	}
}

// Symmetry breaking seen by tracking: the exactly enumerable model of T8.4
// at σ₁ = 1 and 5 (Gibbs samples, empirical free energy).
func TestTrackFindsSymmetryBreaking(t *testing.T) {
	dir := t.TempDir()
	const n = 10
	u, v := meanZeroBasis(n, 7), meanZeroBasis(n, 8)
	var ck []Snapshot
	for e, s1 := range []float64{1, 5} {
		s := []float64{s1, .1, .1, .1, .1, .1, .1, .1, .1, .1}
		p := filepath.Join(dir, "e"+string(rune('0'+e))+".npz")
		if err := modelFromSVD(u, s, v, nil, nil).Save(p, rbm.Float64); err != nil {
			t.Fatal(err)
		}
		ck = append(ck, fileSnapshot(e, p))
	}
	tr, err := Track(ck, nil, TrackOptions{Chains: 20000, Sweeps: 50, Seed: 1, Empirical: EmpiricalOptions{Bins: 40}})
	if err != nil {
		t.Fatal(err)
	}
	if tr.SymmetryBreakingEpoch != 1 {
		e0, e1 := tr.Epochs[0].EmpiricalU, tr.Epochs[1].EmpiricalU
		t.Errorf("symmetry-breaking epoch %d, want 1 (σ₁=1: barrier %.3g minima %v; σ₁=5: barrier %.3g minima %v)",
			tr.SymmetryBreakingEpoch, e0.Barrier, e0.HistMinima, e1.Barrier, e1.HistMinima)
	}
	if tr.UnstableEpoch != 1 || tr.C2NegativeEpoch["constraint/cramer"] != 1 {
		t.Errorf("unstable epoch %d, c₂<0 epochs %v", tr.UnstableEpoch, tr.C2NegativeEpoch)
	}
	t.Logf("σ₁=5: barrier %.3f nats, asymmetry %.3f, histogram minima %v", tr.BreakingBarrier, tr.BreakingAsymmetry, tr.Epochs[1].EmpiricalU.HistMinima)
}

func TestProbe(t *testing.T) {
	n, m := 16, 8
	md := randomModel(n, m, 1, 5)
	f, err := reciprocal.NewFrame(md, "")
	if err != nil {
		t.Fatal(err)
	}
	o := ProbeOptions{Chains: 3000, Sweeps: 20, Show: 16, Random: 3, Keep: 2, Seed: 4}
	res, err := Probe(md, f, o)
	if err != nil {
		t.Fatal(err)
	}
	// Independent check of the top-two panel: θ=π in {1,2} flips u₁, u₂, so
	// W′ = W − 2Σ_{k<2} σ_k u_k v_kᵀ; the flip probability of pixel i is |p′_i − p_i|.
	w2 := md.Clone()
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			d := 0.0
			for k := 0; k < 2; k++ {
				d += 2 * f.S[k] * f.U.At(i, k) * f.V.At(j, k)
			}
			w2.W.Set(i, j, md.W.At(i, j)-d)
		}
	}
	want := make([]float64, n)
	halves := [2][]float64{make([]float64, n), make([]float64, n)}
	for r := 0; r < res.Hidden.Rows; r++ {
		p0, p1 := md.ProbVisible(res.Hidden.Row(r)), w2.ProbVisible(res.Hidden.Row(r))
		for i := range want {
			want[i] += math.Abs(p1[i]-p0[i]) / float64(res.Hidden.Rows)
			halves[r%2][i] += math.Abs(p1[i] - p0[i])
		}
	}
	// Participation of the even and odd samples' change maps, by hand:
	// (Σc)²/(nΣc²); sums of ≤ 784 terms in [0, 1], so 1e-9 is generous.
	for h, c := range halves {
		var s1, s2 float64
		for _, x := range c {
			s1, s2 = s1+x, s2+x*x
		}
		if got, w := res.TopTwo.ParticipationHalves[h], s1*s1/(float64(n)*s2); math.Abs(got-w) > 1e-9 {
			t.Errorf("participation of half %d = %g, want %g", h, got, w)
		}
	}
	var expSum float64
	for i := range want {
		if math.Abs(res.TopTwo.ChangeMap[i]-want[i]) > 1e-9 {
			t.Fatalf("change map[%d] = %g, want %g", i, res.TopTwo.ChangeMap[i], want[i])
		}
		expSum += want[i]
	}
	for _, p := range []ProbePanel{res.TopTwo, res.RandomPi, res.Reference} {
		se := p.SDHamming / math.Sqrt(float64(o.Chains))
		if math.Abs(p.MeanHamming-p.ExpectedHamming) > 4*se+1e-12 {
			t.Errorf("%s: sampled Hamming %.3f vs expected %.3f (se %.3f)", p.Name, p.MeanHamming, p.ExpectedHamming, se)
		}
		if p.Participation < 1.0/float64(n)-1e-12 || p.Participation > 1+1e-12 || p.Entropy < 0 || p.Entropy > 1+1e-12 {
			t.Errorf("%s: participation %g entropy %g out of range", p.Name, p.Participation, p.Entropy)
		}
	}
	if math.Abs(res.TopTwo.ExpectedHamming-expSum) > 1e-9 || res.Reference.MeanHamming <= 0 {
		t.Errorf("expected Hamming %g vs %g; reference %g", res.TopTwo.ExpectedHamming, expSum, res.Reference.MeanHamming)
	}
	for _, rot := range res.RandomPi.Rotation {
		if rot.I < 2 || rot.J < 2 || rot.Theta != math.Pi {
			t.Errorf("random rotation %+v touches a kept mode", rot)
		}
	}
	if res.Original.Images.Rows != 16 || res.TopTwo.Images.Cols != n {
		t.Errorf("image shapes %dx%d", res.Original.Images.Rows, res.TopTwo.Images.Cols)
	}
	again, _ := Probe(md, f, o)
	if again.TopTwo.MeanHamming != res.TopTwo.MeanHamming {
		t.Error("same seed gave a different probe")
	}
}

// TestProbeDraws: the random-rotation draws beyond the first leave every
// panel as it was, and their mean participation matches change maps
// computed by hand from each draw's rotated weights.
func TestProbeDraws(t *testing.T) {
	n, m := 16, 8
	md := randomModel(n, m, 1, 5)
	f, err := reciprocal.NewFrame(md, "")
	if err != nil {
		t.Fatal(err)
	}
	o := ProbeOptions{Chains: 500, Sweeps: 10, Show: 4, Random: 3, Keep: 2, Seed: 7}
	one, err := Probe(md, f, o)
	if err != nil {
		t.Fatal(err)
	}
	if one.RandomDraws != 1 || one.RandomParticipation != [2]float64{one.RandomPi.Participation, 0} ||
		one.RandomHamming != [2]float64{one.RandomPi.MeanHamming, 0} {
		t.Errorf("one draw: %d %v %v, want the random panel's %v %v", one.RandomDraws, one.RandomParticipation,
			one.RandomHamming, one.RandomPi.Participation, one.RandomPi.MeanHamming)
	}
	o.Draws = 5
	res, err := Probe(md, f, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range [][2]ProbePanel{{one.TopTwo, res.TopTwo}, {one.RandomPi, res.RandomPi}, {one.Reference, res.Reference}} {
		if p[0].MeanHamming != p[1].MeanHamming || p[0].Participation != p[1].Participation {
			t.Errorf("panel %d changed with Draws", i)
		}
	}
	if len(res.RandomRotations) != 5 || res.RandomDraws != 5 {
		t.Fatalf("%d rotations, %d draws, want 5", len(res.RandomRotations), res.RandomDraws)
	}
	// By hand: W′ = U′ΣVᵀ of each draw, pixel flip probability |p′_i − p_i|
	// given the probe's h; sums of ≤ 500·16 terms in [0, 1], so 1e-9 is generous.
	var sum float64
	for _, rot := range res.RandomRotations {
		u := RotateU(f.U, rot, ConventionMode)
		w2 := md.Clone()
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				var x float64
				for k := 0; k < f.L; k++ {
					x += u.At(i, k) * f.S[k] * f.V.At(j, k)
				}
				w2.W.Set(i, j, x)
			}
		}
		c := make([]float64, n)
		for r := 0; r < res.Hidden.Rows; r++ {
			p0, p1 := md.ProbVisible(res.Hidden.Row(r)), w2.ProbVisible(res.Hidden.Row(r))
			for i := range c {
				c[i] += math.Abs(p1[i] - p0[i])
			}
		}
		sum += participation(c)
	}
	if want := sum / 5; math.Abs(res.RandomParticipation[0]-want) > 1e-9 {
		t.Errorf("mean participation over draws %g, want %g", res.RandomParticipation[0], want)
	}
}

// fileSnapshot loads the model saved at path.
func fileSnapshot(epoch int, path string) Snapshot {
	return Snapshot{Epoch: epoch, Load: func() (*rbm.Model, error) { return rbm.Load(path) }}
}
