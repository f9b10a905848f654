package train

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// backends returns every backend compiled in (gonum always, OpenBLAS with
// the tag).
func backends() []tensor.Backend {
	out := []tensor.Backend{tensor.Gonum()}
	if b, ok := tensor.ByName("openblas"); ok {
		out = append(out, b)
	}
	return out
}

// randomParams returns an N×M RBM with W ~ N(0, ws²) and biases ~ N(0, bs²).
func randomParams(n, m int, ws, bs float64, seed uint64) *rbm.Params32 {
	g := tensor.RowRand(seed, 0)
	p := &rbm.Params32{W: tensor.NewMat32(n, m), A: make([]float32, n), B: make([]float32, m)}
	for i := range p.W.Data {
		p.W.Data[i] = float32(ws * g.NormFloat64())
	}
	for i := range p.A {
		p.A[i] = float32(bs * g.NormFloat64())
	}
	for j := range p.B {
		p.B[j] = float32(bs * g.NormFloat64())
	}
	return p
}

// logMarginal is log Σ_h exp(−E(v, h)), E = −a·v − b·h − vᵀWh, by brute
// force over all 2^M hidden states in float64: no free-energy formula, no
// softplus, nothing shared with the code under test.
func logMarginal(p *rbm.Params32, v []float64) float64 {
	n, m := p.W.Rows, p.W.Cols
	var av float64
	for i := 0; i < n; i++ {
		av += float64(p.A[i]) * v[i]
	}
	x := make([]float64, m) // b_j + Σ_i v_i W_ij
	for j := 0; j < m; j++ {
		x[j] = float64(p.B[j])
		for i := 0; i < n; i++ {
			x[j] += v[i] * float64(p.W.At(i, j))
		}
	}
	e := make([]float64, 1<<m)
	mx := math.Inf(-1)
	for h := range e {
		s := av
		for j := 0; j < m; j++ {
			if h>>j&1 == 1 {
				s += x[j]
			}
		}
		e[h] = s
		mx = math.Max(mx, s)
	}
	var z float64
	for _, s := range e {
		z += math.Exp(s - mx)
	}
	return mx + math.Log(z)
}

// bruteForcePLL is (1/N) Σ_i log p(v_i | v_−i) per row, averaged over rows:
// log p(v_i|v_−i) = L(v) − log(e^{L(v)} + e^{L(v^i)}) with L the log
// marginal and v^i the row with v_i replaced by 1 − v_i.
func bruteForcePLL(p *rbm.Params32, v *tensor.Mat32) float64 {
	var tot float64
	for r := 0; r < v.Rows; r++ {
		row := make([]float64, v.Cols)
		for i, x := range v.Row(r) {
			row[i] = float64(x)
		}
		l := logMarginal(p, row)
		var s float64
		for i := range row {
			fl := append([]float64(nil), row...)
			fl[i] = 1 - fl[i]
			li := logMarginal(p, fl)
			mx := math.Max(l, li)
			s += l - (mx + math.Log(math.Exp(l-mx)+math.Exp(li-mx)))
		}
		tot += s / float64(len(row))
	}
	return tot / float64(v.Rows)
}

// TestPseudoLogLikelihoodBruteForce checks the exact (all-flips)
// pseudo-log-likelihood of every backend against a float64 enumeration of
// the hidden states, on small models with strong and weak weights and rows
// that exercise the runs of equal bits (all 0, all 1, alternating, long
// runs) and the rows of v that are not 0/1.
func TestPseudoLogLikelihoodBruteForce(t *testing.T) {
	const n = 13
	rows := [][]float32{
		make([]float32, n), // all zeros: one run
		{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		{0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0},
		{1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0},
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
		{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	}
	data := toyData(10, n, 11)
	for r := 0; r < data.Len(); r++ {
		rows = append(rows, data.X.Row(r))
	}
	v := tensor.NewMat32(len(rows), n)
	for r, row := range rows {
		copy(v.Row(r), row)
	}
	frac := tensor.NewMat32(2, n) // not 0/1: flips to 1 − v_i
	for i := range frac.Data {
		frac.Data[i] = float32(i%5) / 4
	}
	for _, tc := range []struct {
		m      int
		ws, bs float64
	}{{1, 0.5, 0.5}, {6, 0.1, 0.1}, {9, 1, 1}, {8, 3, 2}} {
		p := randomParams(n, tc.m, tc.ws, tc.bs, uint64(tc.m))
		for _, x := range []*tensor.Mat32{v, frac} {
			want := bruteForcePLL(p, x)
			for _, be := range backends() {
				got := PseudoLogLikelihood(be, p, x)
				if math.Abs(got-want) > 1e-5*math.Max(1, math.Abs(want)) {
					t.Errorf("%s, %d×%d (w sd %g), %d rows: pseudo-LL %.9g, brute force %.9g", be.Name(), n, tc.m, tc.ws, x.Rows, got, want)
				}
			}
		}
	}
}

// freeEnergyPLL is the float64 reference of PseudoLogLikelihood through
// free energies, F(v) = −a·v − Σ_j log(1 + e^{b_j + (vW)_j}), for models
// too large to enumerate.
func freeEnergyPLL(p *rbm.Params32, v *tensor.Mat32) float64 {
	n, m := p.W.Rows, p.W.Cols
	free := func(row []float64) float64 {
		var f float64
		for i := 0; i < n; i++ {
			f -= float64(p.A[i]) * row[i]
		}
		for j := 0; j < m; j++ {
			x := float64(p.B[j])
			for i := 0; i < n; i++ {
				if row[i] != 0 {
					x += row[i] * float64(p.W.At(i, j))
				}
			}
			f -= math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
		}
		return f
	}
	var tot float64
	for r := 0; r < v.Rows; r++ {
		row := make([]float64, n)
		for i, x := range v.Row(r) {
			row[i] = float64(x)
		}
		f := free(row)
		var s float64
		for i := range row {
			row[i] = 1 - row[i]
			d := free(row) - f // log p(v_i|v_−i) = log sig(F(v^i) − F(v))
			row[i] = 1 - row[i]
			s -= math.Max(-d, 0) + math.Log1p(math.Exp(-math.Abs(d)))
		}
		tot += s / float64(n)
	}
	return tot / float64(v.Rows)
}

// TestPseudoLogLikelihoodMNISTShape checks a 784-unit model on MNIST-like
// rows (sparse, long runs) against the float64 free-energy reference.
func TestPseudoLogLikelihoodMNISTShape(t *testing.T) {
	const n, m = 784, 40
	p := randomParams(n, m, 0.1, 1, 7)
	v := tensor.NewMat32(6, n)
	for r := 0; r < v.Rows; r++ {
		g := tensor.RowRand(99, r)
		for i := 0; i < n; i++ {
			y, x := i/28-14, i%28-14
			if d := y*y + x*x; d > 20+10*r && d < 60+15*r && g.Float64() < 0.9 {
				v.Set(r, i, 1)
			}
		}
	}
	want := freeEnergyPLL(p, v)
	for _, be := range backends() {
		if got := PseudoLogLikelihood(be, p, v); math.Abs(got-want) > 1e-5 {
			t.Errorf("%s: pseudo-LL %.9g, float64 reference %.9g", be.Name(), got, want)
		}
	}
}

// BenchmarkPseudoLogLikelihood784x500 is the per-epoch pseudo-LL of
// `rbmscope train` on a 784×500 model: the first 100 (the default eval
// subset) and 1000 binarised MNIST test images, default backend.
func BenchmarkPseudoLogLikelihood784x500(b *testing.B) {
	test, err := dataset.Load("mnist", dataset.Test, dataset.Binarize{})
	if err != nil {
		b.Skip(err)
	}
	p := randomParams(784, 500, 0.01, 0.1, 3)
	for _, n := range []int{100, 1000} {
		v := test.Head(n).X
		b.Run(fmt.Sprintf("images=%d", n), func(b *testing.B) {
			start := time.Now()
			for i := 0; i < b.N; i++ {
				PseudoLogLikelihood(tensor.Default(), p, v)
			}
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/eval")
		})
	}
}

// BenchmarkStartup is what `rbmscope train` does before its first epoch
// with the default flags, phase by phase: decode MNIST (train and the eval
// subset), initialise the 784×500 trainer, write the epoch-0 checkpoint
// and resume state, and the epoch-0 metrics.
func BenchmarkStartup(b *testing.B) {
	cfg := DefaultConfig()
	var load, init, save, metrics time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		trainSet, evalSet, err := LoadData(cfg)
		if err != nil {
			b.Skip(err)
		}
		t1 := time.Now()
		tr, err := NewTrainer(cfg, tensor.Default(), trainSet)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		dir := b.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "checkpoints"), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := tr.P.Model().Save(CheckpointPath(dir, 0), 0); err != nil {
			b.Fatal(err)
		}
		if err := tr.SaveState(StatePath(dir)); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		m := NewMetrics(0)
		tr.evaluate(&m, evalSet)
		t4 := time.Now()
		load, init, save, metrics = load+t1.Sub(t0), init+t2.Sub(t1), save+t3.Sub(t2), metrics+t4.Sub(t3)
	}
	n := float64(b.N)
	b.ReportMetric(load.Seconds()/n, "s-load")
	b.ReportMetric(init.Seconds()/n, "s-init")
	b.ReportMetric(save.Seconds()/n, "s-save")
	b.ReportMetric(metrics.Seconds()/n, "s-metrics")
}
