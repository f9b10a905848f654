package rbm

import (
	"github.com/rbmscope/rbmscope/internal/pyexec"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/tensor"
)

// randomModel returns an n×m model with N(0, s²) parameters.
func randomModel(n, m int, s float64, seed uint64) *Model {
	md := New(n, m)
	g := tensor.RowRand(seed, 0)
	for i := range md.W.Data {
		md.W.Data[i] = s * g.NormFloat64()
	}
	for i := range md.A {
		md.A[i] = s * g.NormFloat64()
	}
	for j := range md.B {
		md.B[j] = s * g.NormFloat64()
	}
	return md
}

func states(n int) [][]float64 {
	out := make([][]float64, 1<<n)
	for s := range out {
		out[s] = make([]float64, n)
		for i := 0; i < n; i++ {
			out[s][i] = float64((s >> i) & 1)
		}
	}
	return out
}

func logSumExp(x []float64) float64 {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = max(mx, v)
	}
	s := 0.0
	for _, v := range x {
		s += math.Exp(v - mx)
	}
	return mx + math.Log(s)
}

// T1.1: log Z from the joint, from F(v) and from F(h) agree.
func TestFreeEnergiesAgreeWithJoint(t *testing.T) {
	md := randomModel(9, 6, 0.5, 1)
	V, H := states(9), states(6)
	var joint, fv, fh []float64
	for _, v := range V {
		for _, h := range H {
			joint = append(joint, -md.Energy(v, h))
		}
		fv = append(fv, -md.FreeEnergyV(v))
	}
	for _, h := range H {
		fh = append(fh, -md.FreeEnergyH(h))
	}
	lz, lv, lh := logSumExp(joint), logSumExp(fv), logSumExp(fh)
	if math.Abs(lz-lv) > 1e-10 || math.Abs(lz-lh) > 1e-10 {
		t.Fatalf("log Z joint %v, v-side %v, h-side %v", lz, lv, lh)
	}
	// F(v) is the marginal of the joint for each v.
	for k, v := range V[:20] {
		var row []float64
		for _, h := range H {
			row = append(row, -md.Energy(v, h))
		}
		if d := math.Abs(logSumExp(row) + md.FreeEnergyV(v)); d > 1e-12 {
			t.Fatalf("state %d: F(v) off by %v", k, d)
		}
	}
	fe := md.FreeEnergies(&tensor.Mat64{Rows: 2, Cols: 9, Data: append(append([]float64{}, V[3]...), V[77]...)})
	if fe[0] != md.FreeEnergyV(V[3]) || fe[1] != md.FreeEnergyV(V[77]) {
		t.Fatal("FreeEnergies disagrees with FreeEnergyV")
	}
}

// T1.3: p(h|v) from the joint table factorises as Π_j of Eq. 11.
func TestConditionalsFactorise(t *testing.T) {
	md := randomModel(7, 5, 0.8, 2)
	V, H := states(7), states(5)
	for _, v := range []([]float64){V[0], V[37], V[127]} {
		var lw []float64
		for _, h := range H {
			lw = append(lw, -md.Energy(v, h))
		}
		lz := logSumExp(lw)
		ph := md.ProbHidden(v)
		for k, h := range H {
			prod := 1.0
			for j, hj := range h {
				if hj == 1 {
					prod *= ph[j]
				} else {
					prod *= 1 - ph[j]
				}
			}
			if d := math.Abs(math.Exp(lw[k]-lz) - prod); d > 1e-12 {
				t.Fatalf("p(h|v) mismatch %v", d)
			}
		}
	}
	// and symmetrically p(v|h)
	h := H[19]
	var lw []float64
	for _, v := range V {
		lw = append(lw, -md.Energy(v, h))
	}
	lz := logSumExp(lw)
	pv := md.ProbVisible(h)
	for k, v := range V {
		prod := 1.0
		for i, vi := range v {
			if vi == 1 {
				prod *= pv[i]
			} else {
				prod *= 1 - pv[i]
			}
		}
		if d := math.Abs(math.Exp(lw[k]-lz) - prod); d > 1e-12 {
			t.Fatalf("p(v|h) mismatch %v", d)
		}
	}
}

// T1.4: the block-Gibbs kernel T(v'|v) = Σ_h p(h|v)p(v'|h) leaves p(v)
// invariant and satisfies detailed balance.
func TestGibbsKernelInvariance(t *testing.T) {
	md := randomModel(6, 4, 0.7, 3)
	V, H := states(6), states(4)
	n := len(V)
	logp := make([]float64, n)
	for k, v := range V {
		logp[k] = -md.FreeEnergyV(v)
	}
	lz := logSumExp(logp)
	p := make([]float64, n)
	for k := range p {
		p[k] = math.Exp(logp[k] - lz)
	}
	prob := func(x, pr []float64) float64 {
		q := 1.0
		for i, xi := range x {
			if xi == 1 {
				q *= pr[i]
			} else {
				q *= 1 - pr[i]
			}
		}
		return q
	}
	T := make([][]float64, n)
	for a, v := range V {
		T[a] = make([]float64, n)
		ph := md.ProbHidden(v)
		for _, h := range H {
			phv := prob(h, ph)
			pv := md.ProbVisible(h)
			for b, v2 := range V {
				T[a][b] += phv * prob(v2, pv)
			}
		}
	}
	for b := 0; b < n; b++ {
		s := 0.0
		for a := 0; a < n; a++ {
			s += p[a] * T[a][b]
			if d := math.Abs(p[a]*T[a][b] - p[b]*T[b][a]); d > 1e-12 {
				t.Fatalf("detailed balance broken by %v", d)
			}
		}
		if math.Abs(s-p[b]) > 1e-12 {
			t.Fatalf("pT != p at state %d: %v vs %v", b, s, p[b])
		}
	}
}

// The float32 sampler's conditionals agree with the float64 formulas, and
// long runs reproduce the exact marginal of a small model.
func TestSamplerMatchesExactMarginal(t *testing.T) {
	md := randomModel(5, 3, 0.8, 4)
	p32 := md.To32()
	s := NewSampler(tensor.Default(), p32, tensor.NewStream(11))
	const R = 20000
	c := NewChains(R, 5, 3)
	tensor.Bernoulli(c.V, 0.5, 99)
	s.Sweep(c, 20)
	V := states(5)
	logp := make([]float64, len(V))
	for k, v := range V {
		logp[k] = -md.FreeEnergyV(v)
	}
	lz := logSumExp(logp)
	counts := make([]float64, len(V))
	for r := 0; r < R; r++ {
		idx := 0
		for i, x := range c.V.Row(r) {
			if x == 1 {
				idx |= 1 << i
			}
		}
		counts[idx]++
	}
	for k := range V {
		pk := math.Exp(logp[k] - lz)
		se := math.Sqrt(pk * (1 - pk) / R)
		if math.Abs(counts[k]/R-pk) > 5*se+1e-4 {
			t.Fatalf("state %d: frequency %v, exact %v", k, counts[k]/R, pk)
		}
	}
	// conditionals
	ph := md.ProbHidden(V[13])
	v := tensor.NewMat32(1, 5)
	copy(v.Data, []float32{1, 0, 1, 1, 0})
	prob := tensor.NewMat32(1, 3)
	s.Hidden(v, prob, nil)
	for j := range ph {
		if math.Abs(float64(prob.Data[j])-ph[j]) > 1e-6 {
			t.Fatalf("float32 p(h|v) %v vs %v", prob.Data[j], ph[j])
		}
	}
}

func TestNPZRoundTrip(t *testing.T) {
	md := randomModel(7, 3, 1, 5)
	dir := t.TempDir()
	p64, p32 := filepath.Join(dir, "m64.npz"), filepath.Join(dir, "m32.npz")
	if err := md.Save(p64, Float64); err != nil {
		t.Fatal(err)
	}
	if err := md.Save(p32, Float32); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p64)
	if err != nil {
		t.Fatal(err)
	}
	for i := range md.W.Data {
		if got.W.Data[i] != md.W.Data[i] {
			t.Fatal("float64 round trip changed W")
		}
	}
	got32, err := Load(p32)
	if err != nil {
		t.Fatal(err)
	}
	for i := range md.W.Data {
		if got32.W.Data[i] != float64(float32(md.W.Data[i])) {
			t.Fatal("float32 round trip changed W")
		}
	}
}

// numpy writes the file; rbmscope reads it, writes its own, numpy reads that.
func TestNPZInteropWithNumpy(t *testing.T) {
	py := pyexec.Python(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "np.npz")
	script := `import numpy as np, sys
W = np.arange(12, dtype=np.float64).reshape(4, 3) / 7
np.savez(sys.argv[1], W=np.asfortranarray(W), a=np.linspace(-1, 1, 4).astype(np.float32), b=np.array([0.5, -0.25, 2.0]))`
	if out, err := exec.Command(py, "-c", script, src).CombinedOutput(); err != nil {
		t.Fatalf("numpy: %v %s", err, out)
	}
	md, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	if md.W.At(2, 1) != 7.0/7 || md.W.At(3, 2) != 11.0/7 || md.A[0] != -1 || md.B[2] != 2 {
		t.Fatalf("numpy file read wrongly: W=%v a=%v b=%v", md.W.Data, md.A, md.B)
	}
	dst := filepath.Join(dir, "go.npz")
	if err := md.Save(dst, Float32); err != nil {
		t.Fatal(err)
	}
	check := `import numpy as np, sys
d = np.load(sys.argv[1])
assert d["W"].shape == (4, 3) and d["W"].dtype == np.float32, (d["W"].shape, d["W"].dtype)
assert abs(d["W"][3, 2] - 11/7) < 1e-6 and d["a"].shape == (4,) and d["b"][1] == -0.25
print("ok")`
	if out, err := exec.Command(py, "-c", check, dst).CombinedOutput(); err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("numpy could not read our file: %v %s", err, out)
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, arrays map[string]*tensor.Mat64, vec ...string) string {
		p := filepath.Join(dir, name)
		if err := WriteArrays(p, Float64, arrays, vec...); err != nil {
			t.Fatal(err)
		}
		return p
	}
	W := tensor.NewMat64(3, 2)
	vec := func(n int) *tensor.Mat64 { return tensor.NewMat64(1, n) }
	nan := vec(3)
	nan.Data[1] = math.NaN()
	notzip := filepath.Join(dir, "x.npz")
	os.WriteFile(notzip, []byte("hello"), 0o644)
	good := write("good.npz", map[string]*tensor.Mat64{"W": W, "a": vec(3), "b": vec(2)}, "a", "b")
	raw, _ := os.ReadFile(good)
	trunc := filepath.Join(dir, "trunc.npz")
	os.WriteFile(trunc, raw[:len(raw)/2], 0o644)
	cases := []struct{ path, want string }{
		{write("noW.npz", map[string]*tensor.Mat64{"a": vec(3), "b": vec(2)}, "a", "b"), `no array "W"`},
		{write("shape.npz", map[string]*tensor.Mat64{"W": W, "a": vec(4), "b": vec(2)}, "a", "b"), "a has length 4"},
		{write("nan.npz", map[string]*tensor.Mat64{"W": W, "a": nan, "b": vec(2)}, "a", "b"), "non-finite"},
		{notzip, "not an .npz"},
		{trunc, "not an .npz"},
		{filepath.Join(dir, "missing.npz"), "cannot open"},
	}
	for _, c := range cases {
		_, err := Load(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", filepath.Base(c.path), err, c.want)
		}
	}
	if _, err := Load(good); err != nil {
		t.Fatal(err)
	}
}
