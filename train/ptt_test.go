package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/tensor"
)

// A chain whose ladder level flips with probability p per sweep has the
// level autocorrelation C(t) = (1 − 2p)^t, so τint = ½ + (1 − 2p)/(2p) and
// τexp = −1/log(1 − 2p). With 200 chains × 4000 sweeps each C(t) has a
// standard error ≈ √(2τ/8e5) ≲ 0.35 %; τint sums up to 6τ ≈ 27 of them
// (p = 0.1), so its error is at most ≈ 27 × 0.35 % ≈ 0.1 (2 % of 4.5) if
// they were fully correlated, and the 5 % asked is over twice that. (Over
// 30 streams at 2000 sweeps the worst error of either time was 3.2 %.)
func TestSwapAutocorrelationClosedForm(t *testing.T) {
	for _, p := range []float64{0.25, 0.1} {
		g := tensor.RowRand(99, int(p*100))
		swaps := make([][]bool, 4000)
		for s := range swaps {
			swaps[s] = make([]bool, 200)
			for c := range swaps[s] {
				swaps[s][c] = g.Float64() < p
			}
		}
		ti, te := swapAutocorrelation(swaps)
		wantI, wantE := 0.5+(1-2*p)/(2*p), -1/math.Log(1-2*p)
		if math.Abs(ti-wantI) > 0.05*wantI || math.Abs(te-wantE) > 0.05*wantE {
			t.Errorf("p=%v: τint %.3f (want %.3f), τexp %.3f (want %.3f)", p, ti, wantI, te, wantE)
		}
		if got := lateMean(swaps); math.Abs(got-p) > 0.01 {
			t.Errorf("p=%v: late acceptance %.4f", p, got)
		}
	}
}

func mnistHead(t *testing.T, n int) *dataset.Set {
	t.Helper()
	s, err := dataset.Load("mnist", dataset.Train, dataset.Binarize{})
	if err != nil {
		t.Fatal(err)
	}
	return s.Head(n)
}

// pttCfg is a small MNIST model that PTT trains in seconds and
// partition.ExactLogZ enumerates (10 hidden units: 1024 states).
func pttCfg() Config {
	c := DefaultConfig()
	c.Method, c.Hidden, c.K, c.Batch, c.Epochs, c.LR, c.EvalSubset = "ptt", 10, 5, 30, 8, 0.01, 0
	return c
}

// Every checkpoint PTT freezes while training a 784×10 RBM on 300 MNIST
// images carries a log Z that agrees with exact enumeration.
//
// Tolerance: each Bennett step has a delta-method standard error, summed
// in quadrature along the ladder into LogZErr = σ_t. That error treats the
// samples as independent, which they are only approximately (collected
// 2τint sweeps apart from chains fed by the previous reservoir); over five
// seeds of this setting (39 checkpoints, OpenBLAS build) the errors
// measured against exact enumeration had rms 1.16σ and at most 3.3σ. So
// |error| ≤ 5σ_t: at rms 1.16σ that is 4.3 standard deviations, a
// probability of 2e-5 per checkpoint. Float32 rounding adds to each free
// energy at most ≈ (ones·|W| + M·|x|)·2⁻²⁴ ≲ 1e-4 here, nearly the same for
// both models of a step, so 1e-3 per step (t steps) covers it.
// The run freezes a dozen checkpoints and, at this learning rate, rejects
// some updates, so the ladder is exercised well past its start.
func TestPTTLogZMatchesExact(t *testing.T) {
	if testing.Short() {
		t.Skip("MNIST training against exact enumeration (≈ 5–10 s): the OpenBLAS pass runs it")
	}
	data := mnistHead(t, 300)
	cfg := pttCfg()
	tr, err := NewTrainer(cfg, tensor.Default(), data)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	check := func(p *rbm.Params32, rec PTTCheckpoint) {
		exact, err := partition.ExactLogZ(p.Model())
		if err != nil {
			t.Fatal(err)
		}
		tol := 5*rec.LogZErr + 1e-3*float64(rec.Index)
		if d := rec.LogZ - exact; math.Abs(d) > tol {
			t.Errorf("checkpoint %d (update %d): log Z %.4f ± %.4f, exact %.4f (off by %+.4f > %.4f)", rec.Index, rec.Update, rec.LogZ, rec.LogZErr, exact, d, tol)
		}
		checked++
	}
	check(tr.P, tr.ptt.records[len(tr.ptt.records)-1]) // the anneal ends at the initial parameters
	tr.ptt.onFreeze = check
	for range cfg.Epochs {
		if err := tr.TrainEpoch(context.Background(), data, nil); err != nil {
			t.Fatal(err)
		}
		lz, se := tr.PTTLogZ()
		exact, _ := partition.ExactLogZ(tr.P.Model())
		last := tr.ptt.records[len(tr.ptt.records)-1]
		if lz != last.LogZ || se != last.LogZErr {
			t.Errorf("epoch %d ends off a checkpoint: log Z %v, last checkpoint %v", tr.Epoch, lz, last.LogZ)
		}
		t.Logf("epoch %d: log Z %.4f ± %.4f, exact %.4f, lr ×%v, %d checkpoints, %d rejections", tr.Epoch, lz, se, exact, tr.ptt.lrScale, len(tr.ptt.records), tr.ptt.totalRejects)
	}
	if checked < 5 {
		t.Errorf("only %d checkpoints frozen", checked)
	}
}

// A step that loses all overlap is rejected: the parameters go back to the
// last checkpoint bit for bit, the chains to its samples, the learning
// rate halves and Adam forgets its moments.
func TestPTTRejectionRestoresAndHalves(t *testing.T) {
	data := toyData(300, 100, 7)
	cfg := pttCfg()
	tr, err := NewTrainer(cfg, tensor.Default(), data)
	if err != nil {
		t.Fatal(err)
	}
	for u := range 3 {
		if err := tr.Update(data.X.Slice(30*u, 30*(u+1))); err != nil {
			t.Fatal(err)
		}
	}
	ckpt := cloneParams(tr.ptt.ckpt)
	for i := range tr.P.W.Data {
		tr.P.W.Data[i] += 0.5 // far from anything the chains have seen
	}
	if err := tr.pttStep(false); err != nil {
		t.Fatal(err)
	}
	if !equalParams(tr.P, ckpt) {
		t.Fatal("parameters not restored to the last checkpoint")
	}
	ad := tr.opt.(*adam)
	if tr.ptt.lrScale != 0.5 || ad.lr != cfg.LR/2 || ad.t != 0 || ad.m[0][0] != 0 || ad.v[0][7] != 0 {
		t.Fatalf("after rejection: scale %v, lr %v, t %d", tr.ptt.lrScale, ad.lr, ad.t)
	}
	if tr.ptt.totalRejects != 1 || tr.ptt.since != 0 {
		t.Fatalf("rejections %d, since %d", tr.ptt.totalRejects, tr.ptt.since)
	}
	// 31 hopeless steps in a row end the run with a clear error
	var stepErr error
	for range pttMaxRejection + 1 {
		for i := range tr.P.W.Data {
			tr.P.W.Data[i] += 0.5
		}
		if stepErr = tr.pttStep(false); stepErr != nil {
			break
		}
	}
	if !errors.Is(stepErr, errPTTLost) {
		t.Fatalf("want errPTTLost, got %v", stepErr)
	}
}

// A ptt run writes ll_ptt for every epoch and ptt.csv, and resumed after
// an interruption it ends bit-identical to an uninterrupted one.
func TestPTTRunResume(t *testing.T) {
	data := writeNPY(t, toyData(200, 16, 5))
	cfg := smallCfg("ptt")
	cfg.Data, cfg.Epochs, cfg.K, cfg.Hidden, cfg.LR, cfg.InitStd = data, 4, 3, 8, 0.02, 0.01
	full := filepath.Join(t.TempDir(), "full")
	if _, err := Run(context.Background(), cfg, RunOptions{Out: full}); err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(t.TempDir(), "part")
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Run(ctx, cfg, RunOptions{Out: part, Progress: func(ev Event) {
		if ev.Epoch == 3 && ev.Batch == 5 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want cancellation, got %v", err)
	}
	if _, err := Run(context.Background(), cfg, RunOptions{Out: part, Resume: true}); err != nil {
		t.Fatal(err)
	}
	sameParams(t, CheckpointPath(full, 4), CheckpointPath(part, 4))
	pf, _ := os.ReadFile(rundir.PTTPath(full))
	pp, _ := os.ReadFile(rundir.PTTPath(part))
	if len(pf) == 0 || !bytes.Equal(pf, pp) {
		t.Fatalf("ptt.csv differs:\n%s\nvs\n%s", pf, pp)
	}
	steps := float64(bytes.Count(pf, []byte("\n")) - 1) // checkpoints in the ladder
	mf, _ := ReadMetrics(full)
	mp, _ := ReadMetrics(part)
	for e, m := range mf {
		exact, err := partition.ExactLogLikelihood(mustLoad(t, CheckpointPath(full, e)), toyData(200, 16, 5).X)
		if err != nil {
			t.Fatal(err)
		}
		// test set = training set for a .npy; the error bound as in
		// TestPTTLogZMatchesExact (LL = ⟨−F⟩ − log Z, ⟨−F⟩ exact up to rounding)
		if math.IsNaN(m.LLPTT) || math.Abs(m.LLPTT-exact) > 5*m.LLPTTErr+1e-3*steps || m.LLPTT != mp[e].LLPTT {
			t.Errorf("epoch %d: ll_ptt %v ± %v (resumed %v), exact %v", e, m.LLPTT, m.LLPTTErr, mp[e].LLPTT, exact)
		}
	}
}

func mustLoad(t *testing.T, path string) *rbm.Model {
	t.Helper()
	m, err := rbm.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
