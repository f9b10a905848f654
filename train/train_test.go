package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// toyData returns n random binary rows of width w with unequal pixel rates.
func toyData(n, w int, seed uint64) *dataset.Set {
	x := tensor.NewMat32(n, w)
	for i := 0; i < n; i++ {
		g := tensor.RowRand(seed, i)
		proto := i % 3
		for j := 0; j < w; j++ {
			p := 0.15
			if (j+proto)%3 == 0 {
				p = 0.8
			}
			if g.Float64() < p {
				x.Set(i, j, 1)
			}
		}
	}
	return &dataset.Set{X: x}
}

func smallCfg(method string) Config {
	c := DefaultConfig()
	c.Hidden, c.Method, c.K, c.Batch, c.Epochs = 4, method, 1, 10, 2
	c.InitStd, c.EvalSubset = 0.5, 0
	return c
}

func TestConfigValidation(t *testing.T) {
	cases := []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.K = 0 }, "k (Gibbs"},
		{func(c *Config) { c.Batch = 0 }, "batch size"},
		{func(c *Config) { c.Hidden = 0 }, "hidden units"},
		{func(c *Config) { c.LR = -1 }, "learning rate"},
		{func(c *Config) { c.LR = math.NaN() }, "learning rate"},
		{func(c *Config) { c.Method = "gibbs" }, "method must be one of"},
		{func(c *Config) { c.Optimizer = "rmsprop" }, "optimizer"},
		{func(c *Config) { c.Momentum = 1 }, "momentum"},
		{func(c *Config) { c.CheckEvery = 0 }, "checkpoint-every"},
		{func(c *Config) { c.LRSchedule = "cosine" }, "lr-schedule must be constant or linear"},
		{func(c *Config) { c.Method, c.PTTAlphaMin = "ptt", 0.3 }, "ptt-alpha-min < ptt-alpha"},
		{func(c *Config) { c.Method, c.PTTAlpha = "ptt", 1.5 }, "ptt-alpha ≤ 1"},
		{func(c *Config) { c.Method, c.PTTReservoir = "ptt", 50 }, "ptt-reservoir"},
		{func(c *Config) { c.Method, c.PTTAnneal = "ptt", 0 }, "ptt-anneal"},
		{func(c *Config) { c.Method, c.PTTSweepK = "ptt", -1 }, "ptt-sweep-k"},
	}
	for _, tc := range cases {
		c := DefaultConfig()
		tc.mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckpointSchedule(t *testing.T) {
	c := DefaultConfig()
	c.Epochs, c.CheckEvery = 10, 3
	var got []int
	for e := 0; e <= 10; e++ {
		if c.IsCheckpoint(e) {
			got = append(got, e)
		}
	}
	if len(got) != 5 || got[1] != 3 || got[4] != 10 {
		t.Fatalf("linear schedule %v", got)
	}
	c.CheckSpacing = "log"
	got = nil
	for e := 0; e <= 10; e++ {
		if c.IsCheckpoint(e) {
			got = append(got, e)
		}
	}
	if len(got) != 6 || got[4] != 8 || got[5] != 10 {
		t.Fatalf("log schedule %v", got)
	}
}

// T1.5: the three chain initialisations.
func TestChainInitialisations(t *testing.T) {
	data := toyData(40, 12, 1)
	batch := data.X.Slice(0, 10)
	for _, method := range []string{"cd", "pcd", "rdm"} {
		tr, err := NewTrainer(smallCfg(method), tensor.Default(), data)
		if err != nil {
			t.Fatal(err)
		}
		tr.startChains(batch)
		first := tr.neg.V.Clone()
		switch method {
		case "cd", "pcd":
			for i := range first.Data {
				if first.Data[i] != batch.Data[i] {
					t.Fatalf("%s: chains do not start at the batch", method)
				}
			}
		case "rdm":
			var mean float64
			for _, v := range first.Data {
				mean += float64(v)
			}
			mean /= float64(len(first.Data))
			if math.Abs(mean-0.5) > 0.15 {
				t.Fatalf("rdm: mean %v, want ≈ 0.5", mean)
			}
		}
		// After an update, the next chain start is: the new batch (CD),
		// the previous chain ends (PCD), fresh noise (Rdm).
		if err := tr.Update(batch); err != nil {
			t.Fatal(err)
		}
		ends := tr.neg.V.Clone()
		next := data.X.Slice(10, 20)
		tr.startChains(next)
		for i := range ends.Data {
			v := tr.neg.V.Data[i]
			switch method {
			case "cd":
				if v != next.Data[i] {
					t.Fatal("cd: chains do not restart at the new batch")
				}
			case "pcd":
				if v != ends.Data[i] {
					t.Fatal("pcd: chains do not persist")
				}
			}
		}
		if method == "rdm" {
			same := 0
			for i := range ends.Data {
				if tr.neg.V.Data[i] == first.Data[i] {
					same++
				}
			}
			if same == len(ends.Data) {
				t.Fatal("rdm: chains are not redrawn")
			}
		}
	}
}

func enumerate(n int) [][]float64 {
	out := make([][]float64, 1<<n)
	for s := range out {
		out[s] = make([]float64, n)
		for i := range out[s] {
			out[s][i] = float64(s >> i & 1)
		}
	}
	return out
}

// exactGradW is Eq. 6c: data term minus the exact model expectation.
func exactGradW(md *rbm.Model, data *tensor.Mat32) *tensor.Mat64 {
	n, m := md.NumVisible(), md.NumHidden()
	g := tensor.NewMat64(n, m)
	for r := 0; r < data.Rows; r++ {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(data.At(r, i))
		}
		ph := md.ProbHidden(v)
		for i := range v {
			for j := range ph {
				g.Data[i*m+j] += v[i] * ph[j] / float64(data.Rows)
			}
		}
	}
	V := enumerate(n)
	lw := make([]float64, len(V))
	mx := math.Inf(-1)
	for k, v := range V {
		lw[k] = -md.FreeEnergyV(v)
		mx = max(mx, lw[k])
	}
	var z float64
	for _, l := range lw {
		z += math.Exp(l - mx)
	}
	for k, v := range V {
		p := math.Exp(lw[k]-mx) / z
		ph := md.ProbHidden(v)
		for i := range v {
			for j := range ph {
				g.Data[i*m+j] -= p * v[i] * ph[j]
			}
		}
	}
	return g
}

// The PCD gradient with many long chains converges to the exact gradient
// of the log-likelihood (Eq. 6), checked by enumeration.
func TestGradientMatchesExact(t *testing.T) {
	data := toyData(50, 6, 3)
	for _, opt := range []string{"adam", "sgd"} {
		cfg := smallCfg("pcd")
		cfg.Batch, cfg.Chains, cfg.K, cfg.Optimizer, cfg.Momentum, cfg.LR = 50, 40000, 30, opt, 0, 0.01
		tr, err := NewTrainer(cfg, tensor.Default(), data)
		if err != nil {
			t.Fatal(err)
		}
		md := tr.P.Model()
		if err := tr.Update(data.X); err != nil {
			t.Fatal(err)
		}
		got := make([]float64, len(md.W.Data))
		switch opt {
		case "adam": // the gradient buffer
			for i, g := range tr.opt.(*adam).grad.Data {
				got[i] = float64(g)
			}
		case "sgd": // without momentum or decay, ΔW = lr·∇W
			for i, w := range tr.P.W.Data {
				got[i] = (float64(w) - md.W.Data[i]) / cfg.LR
			}
		}
		want := exactGradW(md, data.X)
		for i, w := range want.Data {
			// Monte-Carlo error of a mean of products in [0,1] over 40000 chains.
			if d := math.Abs(got[i] - w); d > 0.012 {
				t.Fatalf("%s: dW[%d] = %v, exact %v", opt, i, got[i], w)
			}
		}
	}
}

func TestPseudoLogLikelihoodExact(t *testing.T) {
	data := toyData(7, 9, 4)
	cfg := smallCfg("cd")
	cfg.InitStd, cfg.Batch = 0.8, 5
	tr, err := NewTrainer(cfg, tensor.Default(), data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tr.P.A {
		tr.P.A[i] = float32(i)/4 - 1
	}
	md := tr.P.Model()
	var want float64
	for r := 0; r < 7; r++ {
		v := make([]float64, 9)
		for i := range v {
			v[i] = float64(data.X.At(r, i))
		}
		f := md.FreeEnergyV(v)
		for i := range v {
			fl := append([]float64(nil), v...)
			fl[i] = 1 - fl[i]
			// log p(v_i|v_-i) = −F(v) − log(e^{−F(v)} + e^{−F(v^i)})
			fi := md.FreeEnergyV(fl)
			want += (-f - math.Log(math.Exp(-f)+math.Exp(-fi))) / 9
		}
	}
	want /= 7
	got := PseudoLogLikelihood(tensor.Default(), tr.P, data.X)
	if math.Abs(got-want) > 1e-5 {
		t.Fatalf("pseudo-LL %v, exact %v", got, want)
	}
}

func writeNPY(t *testing.T, s *dataset.Set) string {
	t.Helper()
	// a .npy of float32 rows, written by hand (format 1.0)
	p := filepath.Join(t.TempDir(), "toy.npy")
	hdr := "{'descr': '<f4', 'fortran_order': False, 'shape': (" + itoa(s.Len()) + ", " + itoa(s.Width()) + "), }"
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	b := []byte("\x93NUMPY\x01\x00")
	b = append(b, byte(len(hdr)), byte(len(hdr)>>8))
	b = append(b, hdr...)
	for _, v := range s.X.Data {
		u := math.Float32bits(v)
		b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

func sameParams(t *testing.T, a, b string) {
	t.Helper()
	ma, err := rbm.Load(a)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := rbm.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ma.W.Data {
		if ma.W.Data[i] != mb.W.Data[i] {
			t.Fatalf("W differs at %d: %v vs %v", i, ma.W.Data[i], mb.W.Data[i])
		}
	}
	for i := range ma.A {
		if ma.A[i] != mb.A[i] {
			t.Fatal("a differs")
		}
	}
}

// PCD resumed after an interruption ends bit-identical to an uninterrupted run.
func TestResumeEqualsUninterrupted(t *testing.T) {
	data := writeNPY(t, toyData(200, 16, 5))
	for _, opt := range []string{"adam", "sgd"} {
		cfg := smallCfg("pcd")
		cfg.Data, cfg.Epochs, cfg.K, cfg.Hidden, cfg.EvalSubset, cfg.Optimizer = data, 4, 3, 8, 20, opt
		full := filepath.Join(t.TempDir(), "full")
		if _, err := Run(context.Background(), cfg, RunOptions{Out: full}); err != nil {
			t.Fatal(err)
		}
		part := filepath.Join(t.TempDir(), "part")
		// stop in the middle of epoch 3 (after 2 full epochs and 5 batches)
		ctx, cancel := context.WithCancel(context.Background())
		_, err := Run(ctx, cfg, RunOptions{Out: part, Progress: func(ev Event) {
			if ev.Epoch == 3 && ev.Batch == 5 {
				cancel()
			}
		}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("want cancellation, got %v", err)
		}
		if _, err := Run(context.Background(), cfg, RunOptions{Out: part}); !errors.Is(err, ErrRunExists) {
			t.Fatalf("rerun without --resume: %v", err)
		}
		if _, err := Run(context.Background(), cfg, RunOptions{Out: part, Resume: true}); err != nil {
			t.Fatal(err)
		}
		sameParams(t, CheckpointPath(full, 4), CheckpointPath(part, 4))
		mf, _ := ReadMetrics(full)
		mp, _ := ReadMetrics(part)
		if len(mf) != 5 || len(mp) != 5 || mf[4].PseudoLL != mp[4].PseudoLL || mf[4].Updates != 80 {
			t.Fatalf("metrics differ: %+v vs %+v", mf, mp)
		}
		cs, _ := Checkpoints(part)
		if len(cs) != 5 || cs[0].Epoch != 0 {
			t.Fatalf("checkpoints %v", cs)
		}
		// extending the run with more epochs continues from the state
		cfg.Epochs = 5
		if _, err := Run(context.Background(), cfg, RunOptions{Out: part, Resume: true}); err != nil {
			t.Fatal(err)
		}
		cfg.K = 2
		if _, err := Run(context.Background(), cfg, RunOptions{Out: part, Resume: true}); err == nil || !strings.Contains(err.Error(), "settings differ") {
			t.Fatalf("resume with other settings: %v", err)
		}
	}
}

// TestLRScheduleLinear: in epoch e of E the linear schedule is exactly a
// constant learning rate LR·(1 − (e−1)/E) — the same bits, epoch by
// epoch, for Adam and SGD — and a linear run cannot be extended.
func TestLRScheduleLinear(t *testing.T) {
	data := toyData(60, 12, 9)
	for _, opt := range []string{"adam", "sgd"} {
		cfg := smallCfg("pcd")
		cfg.Optimizer, cfg.Epochs, cfg.LRSchedule = opt, 4, "linear"
		sched, err := NewTrainer(cfg, tensor.Gonum(), data)
		if err != nil {
			t.Fatal(err)
		}
		for e := 1; e <= cfg.Epochs; e++ {
			want := cfg.LR * (1 - float64(e-1)/float64(cfg.Epochs))
			ref := cfg
			ref.LRSchedule, ref.LR = "", want
			con, err := NewTrainer(ref, tensor.Gonum(), data)
			if err != nil {
				t.Fatal(err)
			}
			copyTrainer(t, sched, con)
			if err := sched.TrainEpoch(context.Background(), data, nil); err != nil {
				t.Fatal(err)
			}
			if err := con.TrainEpoch(context.Background(), data, nil); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(sched.P.W.Data, con.P.W.Data) || !slices.Equal(sched.P.B, con.P.B) {
				t.Fatalf("%s epoch %d: the linear schedule is not lr %v", opt, e, want)
			}
		}
	}
	old, cfg := smallCfg("pcd"), smallCfg("pcd")
	old.LRSchedule, cfg.LRSchedule, cfg.Epochs = "linear", "linear", old.Epochs+1
	if err := sameRun(old, cfg); err == nil || !strings.Contains(err.Error(), "laid out for 2 epochs") {
		t.Errorf("extending a linear schedule: %v", err)
	}
}

// copyTrainer gives dst the parameters, chains, optimiser memory and epoch
// of src, through the resume state file.
func copyTrainer(t *testing.T, src, dst *Trainer) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.npz")
	if err := src.SaveState(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadState(path, dst.Cfg, tensor.Gonum(), &Shape{Visible: src.P.W.Rows})
	if err != nil {
		t.Fatal(err)
	}
	*dst = *got
}

func TestDivergenceStopsWithLastGoodCheckpoint(t *testing.T) {
	data := writeNPY(t, toyData(100, 10, 6))
	cfg := smallCfg("cd")
	cfg.Data, cfg.Optimizer, cfg.LR, cfg.Epochs = data, "sgd", 100, 3
	dir := filepath.Join(t.TempDir(), "run")
	_, err := Run(context.Background(), cfg, RunOptions{Out: dir})
	var de *DivergenceError
	if !errors.As(err, &de) {
		t.Fatalf("want divergence error, got %v", err)
	}
	if !strings.Contains(err.Error(), "epoch 1") || !strings.Contains(err.Error(), "epoch-0000.npz") || !strings.Contains(err.Error(), "smaller learning rate") {
		t.Fatalf("message %q", err)
	}
	if _, err := rbm.Load(CheckpointPath(dir, 0)); err != nil {
		t.Fatalf("last good checkpoint damaged: %v", err)
	}
	ri, _ := ReadInfo(dir)
	if ri.Status != "failed" {
		t.Fatalf("status %q", ri.Status)
	}
}

// Integration: a 784×16 RBM on real MNIST for one epoch lowers the
// reconstruction error and raises the pseudo-likelihood.
func TestMNISTOneEpoch(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Method, cfg.K, cfg.Epochs, cfg.LR, cfg.EvalSubset = 16, "cd", 1, 1, 0.01, 300
	dir := filepath.Join(t.TempDir(), "mnist")
	res, err := Run(context.Background(), cfg, RunOptions{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := ReadMetrics(dir)
	if len(ms) != 2 || ms[1].Updates != 600 {
		t.Fatalf("metrics %+v", ms)
	}
	if !(ms[1].ReconError < 0.8*ms[0].ReconError) || !(ms[1].PseudoLL > ms[0].PseudoLL) {
		t.Fatalf("no learning: recon %v → %v, pseudo-LL %v → %v", ms[0].ReconError, ms[1].ReconError, ms[0].PseudoLL, ms[1].PseudoLL)
	}
	t.Logf("784×16 CD-1, 1 epoch (%s): recon %.4f → %.4f, pseudo-LL/unit %.4f → %.4f, %.2fs", res.Backend, ms[0].ReconError, ms[1].ReconError, ms[0].PseudoLL, ms[1].PseudoLL, ms[1].Seconds)
}

// Plain SGD with a short inner dimension adds the gradient GEMM straight
// into W; the step must equal lr times the gradient Adam sees, up to the
// float32 rounding bounded below.
func TestFusedSGDStepEqualsGradient(t *testing.T) {
	data := toyData(40, 12, 8)
	steps := map[string][]float64{}
	trainers := map[string]*Trainer{}
	var before *rbm.Model
	var lr float64
	for _, opt := range []string{"adam", "sgd"} {
		cfg := smallCfg("pcd")
		cfg.Batch, cfg.Chains, cfg.Optimizer, cfg.Momentum, cfg.LR, cfg.WeightDecay = 20, 30, opt, 0, 0.01, 0
		tr, err := NewTrainer(cfg, tensor.Default(), data)
		if err != nil {
			t.Fatal(err)
		}
		before, lr = tr.P.Model(), cfg.LR
		if err := tr.Update(data.X.Slice(0, 20)); err != nil {
			t.Fatal(err)
		}
		trainers[opt] = tr
		for i, w := range tr.P.W.Data {
			if opt == "adam" {
				steps[opt] = append(steps[opt], float64(tr.opt.(*adam).grad.Data[i]))
			} else {
				steps[opt] = append(steps[opt], (float64(w)-before.W.Data[i])/cfg.LR)
			}
		}
	}
	// Both trainers drew the same chains (same seed, the optimiser comes
	// after the sampling), so they formed the gradient from the same
	// X = [v0; vk] (0/1) and Y = diag(c)·[ph0; hk].
	x, y := trainers["sgd"].stackV, trainers["sgd"].stackH
	if !slices.Equal(x.Data, trainers["adam"].stackV.Data) || !slices.Equal(y.Data, trainers["adam"].stackH.Data) {
		t.Fatal("the two trainers sampled different chains")
	}
	// Error bound, u = 2^-24, K = rows of X (here 50), per element with
	// G = Σ_k x_ki·|y_kj| (≤ 2: the phase weights sum to 1 per phase):
	//   - SGD forms w' = w + lr·Σ_k x_ki·y_kj in float32, in whatever order
	//     the backend adds the K+1 terms (a BLAS GEMM may add each product
	//     straight into w): |w' − w − lr·s| ≤ (K+1)·u·(|w| + lr·G), the
	//     products' own rounding included (x ∈ {0,1} makes lr·x exact);
	//   - its step is divided here by the float64 lr, while it used
	//     float32(lr): a relative u, ≤ u·G;
	//   - Adam's gradient is the float32 sum of the same K exact terms:
	//     ≤ (K−1)·u·G.
	// So |step − gradient| ≤ u·((K+1)·|w|/lr + (2K+1)·G). The |w|/lr term
	// dominates (|w| ≈ 0.5, lr = 0.01: ≈ 1.5e-4). Seen: ≤ 0.8 ulp of w'
	// over lr (≈ 3e-6) with OpenBLAS, which sums the products first, and
	// ≤ 5.3 (≈ 1.6e-5) with gonum, whose GEMM adds them into w one by one.
	const u = 0x1p-24
	k := float64(x.Rows)
	m := y.Cols
	for i := range steps["adam"] {
		r, c := i/m, i%m
		g := 0.0
		for row := 0; row < x.Rows; row++ {
			g += float64(x.At(row, r)) * math.Abs(float64(y.At(row, c)))
		}
		tol := u * ((k+1)*math.Abs(before.W.Data[i])/lr + (2*k+1)*g)
		if d := math.Abs(steps["adam"][i] - steps["sgd"][i]); d > tol {
			t.Fatalf("W[%d]: sgd step/lr %v, gradient %v: differ by %.3g > %.3g", i, steps["sgd"][i], steps["adam"][i], d, tol)
		}
	}
}
