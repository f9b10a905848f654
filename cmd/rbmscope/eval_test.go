package main

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/tensor"
	"github.com/rbmscope/rbmscope/train"
)

// evalModel saves a 784×m model with W ~ N(0, s²) and a = −1.
func evalModel(t *testing.T, path string, m int, s float64, seed uint64) {
	t.Helper()
	md := rbm.New(784, m)
	g := tensor.RowRand(seed, 0)
	for i := range md.W.Data {
		md.W.Data[i] = s * g.NormFloat64()
	}
	for i := range md.A {
		md.A[i] = -1
	}
	if err := md.Save(path, rbm.Float32); err != nil {
		t.Fatal(err)
	}
}

func runBin(bin string, args ...string) (stdout, stderr string, code int) {
	cmd := exec.Command(bin, args...)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
	}
	return o.String(), e.String(), code
}

func TestEvalCommand(t *testing.T) {
	bin := testBinary(t)
	dir := t.TempDir()

	t.Run("exact refuses a large model", func(t *testing.T) {
		big := filepath.Join(dir, "big.npz")
		evalModel(t, big, 30, 0, 1)
		_, stderr, code := runBin(bin, "eval", "--model", big, "--estimator", "exact")
		if code != 2 || !strings.Contains(stderr, "at most 25 units") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Fatalf("exit %d, stderr %q: want exit 2 and a one-line message naming the limit", code, stderr)
		}
	})

	t.Run("bad usage exits 2", func(t *testing.T) {
		for _, args := range [][]string{
			{"eval"},
			{"eval", "--model", "x.npz", "--run", "y"},
			{"eval", "--model", "x.npz", "--estimator", "magic"},
			{"eval", "--model", "x.npz", "--schedule", "cosine"},
			{"eval", "--model", filepath.Join(dir, "missing.npz")},
		} {
			if _, stderr, code := runBin(bin, args...); code != 2 || stderr == "" {
				t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
			}
		}
	})

	t.Run("one model, all estimators", func(t *testing.T) {
		small := filepath.Join(dir, "small.npz")
		evalModel(t, small, 12, 0.02, 2)
		stdout, stderr, code := runBin(bin, "eval", "--model", small, "--betas", "3000", "--chains", "50", "--limit", "500",
			"--rais-start", "gibbs", "--gibbs-steps", "20", "--resample", "0.5", "--json", "--quiet")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var r struct {
			Rows    int      `json:"rows"`
			Num     float64  `json:"num"`
			LLExact *float64 `json:"ll_exact"`
			Bounds  struct {
				LLAIS     float64 `json:"ll_ais"`
				LLAISErr  float64 `json:"ll_ais_err"`
				LLRAIS    float64 `json:"ll_rais"`
				LLRAISErr float64 `json:"ll_rais_err"`
			} `json:"bounds"`
			AIS struct{ Chains, Betas int } `json:"ais"`
		}
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("JSON: %v\n%s", err, stdout)
		}
		if r.Rows != 500 || r.LLExact == nil || r.AIS.Chains != 50 || r.AIS.Betas != 3000 || !(r.Bounds.LLAISErr > 0) {
			t.Fatalf("unexpected result %+v", r)
		}
		// Within 4 of their errors (bootstrap over 50 chains, calibrated
		// by partition's TestAISAndReverseAISMatchExact): about 0.07 nat
		// here, so a fixed 0.05 (what this test asked before) is under one
		// error; over 12 seeds the AIS deviations spread from −0.13 to
		// +0.12 with and without mode jumps alike.
		if math.Abs(r.Bounds.LLAIS-*r.LLExact) > 4*r.Bounds.LLAISErr || math.Abs(r.Bounds.LLRAIS-*r.LLExact) > 4*r.Bounds.LLRAISErr {
			t.Errorf("exact %.4f, AIS %.4f ± %.4f, RAIS %.4f ± %.4f", *r.LLExact, r.Bounds.LLAIS, r.Bounds.LLAISErr, r.Bounds.LLRAIS, r.Bounds.LLRAISErr)
		}
	})

	// --ais-runs 3 is the three runs --seed 1, 2, 3 would give, pooled: the
	// mean of their Ẑ (log-mean-exp of their log Z, equal chains), with
	// their values in the spread; and the pooled LL matches enumeration.
	t.Run("pooled AIS runs", func(t *testing.T) {
		small := filepath.Join(dir, "pool.npz")
		evalModel(t, small, 12, 0.05, 3)
		type out struct {
			LLExact *float64 `json:"ll_exact"`
			Bounds  struct {
				LLAIS    float64 `json:"ll_ais"`
				LLAISErr float64 `json:"ll_ais_err"`
			} `json:"bounds"`
			AIS struct {
				LogZ   float64 `json:"log_z"`
				Chains int     `json:"chains"`
				Spread *struct {
					Runs int       `json:"runs"`
					LogZ []float64 `json:"log_z"`
					P    float64   `json:"p"`
				} `json:"spread"`
			} `json:"ais"`
		}
		run := func(args ...string) out {
			args = append([]string{"eval", "--model", small, "--estimator", "all", "--betas", "300", "--chains", "30", "--limit", "200", "--json", "--quiet"}, args...)
			stdout, stderr, code := runBin(bin, args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, stderr)
			}
			var r out
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatalf("JSON: %v\n%s", err, stdout)
			}
			return r
		}
		pooled := run("--ais-runs", "3")
		var single []float64
		for _, s := range []string{"1", "2", "3"} {
			single = append(single, run("--seed", s).AIS.LogZ)
		}
		mx := max(single[0], single[1], single[2])
		want := mx + math.Log((math.Exp(single[0]-mx)+math.Exp(single[1]-mx)+math.Exp(single[2]-mx))/3)
		sp := pooled.AIS.Spread
		if sp == nil || sp.Runs != 3 || pooled.AIS.Chains != 90 || sp.LogZ[1] != single[1] || math.Abs(pooled.AIS.LogZ-want) > 1e-12 {
			t.Fatalf("pooled %+v, spread %+v; single runs %v (pooled log Z should be %.12f)", pooled.AIS, sp, single, want)
		}
		if d := pooled.Bounds.LLAIS - *pooled.LLExact; math.Abs(d) > 4*pooled.Bounds.LLAISErr {
			t.Errorf("pooled LL %.4f ± %.4f, exact %.4f", pooled.Bounds.LLAIS, pooled.Bounds.LLAISErr, *pooled.LLExact)
		}
		if _, stderr, code := runBin(bin, "eval", "--model", small, "--ais-runs", "-1"); code != 2 || !strings.Contains(stderr, "--ais-runs") {
			t.Errorf("--ais-runs -1: exit %d, %q", code, stderr)
		}
	})

	t.Run("run directory updates metrics", func(t *testing.T) {
		run := filepath.Join(dir, "run")
		if err := os.MkdirAll(filepath.Join(run, "checkpoints"), 0o755); err != nil {
			t.Fatal(err)
		}
		var ms []train.Metrics
		for e := 0; e <= 2; e++ {
			evalModel(t, rundir.CheckpointPath(run, e), 10, 0.01*float64(e+1), uint64(e))
			m := train.NewMetrics(e)
			m.ReconError = 0.1 * float64(e)
			ms = append(ms, m)
		}
		if err := rundir.WriteMetrics(run, ms); err != nil {
			t.Fatal(err)
		}
		cfg := train.DefaultConfig()
		b, _ := json.Marshal(train.RunInfo{Config: cfg})
		if err := os.WriteFile(filepath.Join(run, "run.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := runBin(bin, "eval", "--run", run, "--every", "2", "--estimator", "ais", "--betas", "100",
			"--chains", "20", "--limit", "200", "--quiet")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		got, err := rundir.ReadMetrics(run)
		if err != nil || len(got) != 3 {
			t.Fatalf("metrics: %v, %d rows", err, len(got))
		}
		for _, m := range got {
			evaluated := m.Epoch != 1
			if evaluated == math.IsNaN(m.LLAIS) || !math.IsNaN(m.LLRAIS) || m.ReconError != 0.1*float64(m.Epoch) {
				t.Errorf("epoch %d: ll_ais %v, ll_rais %v, recon %v", m.Epoch, m.LLAIS, m.LLRAIS, m.ReconError)
			}
			if evaluated && !(m.LLAIS < -100 && m.LLAIS > -800 && m.LLAISErr >= 0) {
				t.Errorf("epoch %d: implausible ll_ais %v ± %v", m.Epoch, m.LLAIS, m.LLAISErr)
			}
		}
	})
}

// eval's mode bound on the sharp 784×16 MNIST model of
// partition/testdata (one hidden state holds 87 % of its mass, which AIS
// and reverse AIS from test images never reach): ll_mode is a certified
// upper bound on the LL, within −log 0.8 ≈ 0.22 nat of exact (the states
// found hold ≥ 80 % of the mass), and both estimates of plain Gibbs
// chains (--mode-jumps 0), above it by tens of nats, get a warning;
// --mode-starts 0 turns it off and −1 is bad input. With the default mode
// jumps (16 hidden units) AIS enters that state: its LL is within 4 of its
// errors and 0.5 nat of exact (measured +0.08 ± 0.04), with no warning.
func TestEvalModeBound(t *testing.T) {
	bin := testBinary(t)
	model := filepath.Join("..", "..", "partition", "testdata", "sharpB", "epoch-0135.npz")
	base := []string{"eval", "--model", model, "--betas", "2000", "--chains", "100", "--resample", "0", "--limit", "2000", "--json", "--quiet"}
	args := append(slices.Clone(base), "--mode-jumps", "0")
	stdout, stderr, code := runBin(bin, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		LLExact *float64 `json:"ll_exact"`
		LLMode  *float64 `json:"ll_mode"`
		Mode    *struct {
			States int    `json:"states"`
			Starts int    `json:"starts"`
			Layer  string `json:"layer"`
		} `json:"mode_bound"`
		Bounds struct {
			LLAIS  float64 `json:"ll_ais"`
			LLRAIS float64 `json:"ll_rais"`
		} `json:"bounds"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout)
	}
	if r.LLExact == nil || r.LLMode == nil || r.Mode == nil || r.Mode.Starts != 40 || r.Mode.Layer != "hidden" {
		t.Fatalf("want ll_exact, ll_mode and a hidden-layer mode_bound from 20 + 20 starts: %s", stdout)
	}
	if d := *r.LLMode - *r.LLExact; d < -1e-9 || d > -math.Log(0.8) {
		t.Errorf("ll_mode %.4f is %.4f above exact %.4f; want within [0, %.3f]", *r.LLMode, d, *r.LLExact, -math.Log(0.8))
	}
	var ais, rais bool
	for _, w := range r.Warnings {
		ais = ais || strings.HasPrefix(w, "AIS log Z") && strings.Contains(w, "certified lower bound")
		rais = rais || strings.HasPrefix(w, "reverse-AIS log Z") && strings.Contains(w, "certified lower bound")
	}
	if !(r.Bounds.LLAIS > *r.LLMode+1 && r.Bounds.LLRAIS > *r.LLMode+1) || !ais || !rais {
		t.Errorf("LL AIS %.2f, RAIS %.2f, mode bound %.2f; want both above it with a warning each, got %q", r.Bounds.LLAIS, r.Bounds.LLRAIS, *r.LLMode, r.Warnings)
	}
	stdout, stderr, code = runBin(bin, append(args, "--mode-starts", "0", "--estimator", "ais")...)
	if code != 0 || strings.Contains(stdout, "mode_bound") || strings.Contains(stdout, "ll_mode") {
		t.Errorf("--mode-starts 0: exit %d, want no mode bound in %s (%s)", code, stdout, stderr)
	}
	if _, stderr, code := runBin(bin, append(args, "--mode-starts", "-1")...); code != 2 || !strings.Contains(stderr, "--mode-starts") {
		t.Errorf("--mode-starts -1: exit %d, %s", code, stderr)
	}
	stdout, stderr, code = runBin(bin, append(base, "--estimator", "ais")...)
	if code != 0 {
		t.Fatalf("with mode jumps: exit %d: %s", code, stderr)
	}
	var j struct {
		AIS struct {
			JumpRate float64 `json:"jump_rate"`
		} `json:"ais"`
		Bounds struct {
			LLAIS    float64 `json:"ll_ais"`
			LLAISErr float64 `json:"ll_ais_err"`
		} `json:"bounds"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(stdout), &j); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout)
	}
	if d := math.Abs(j.Bounds.LLAIS - *r.LLExact); d > 4*j.Bounds.LLAISErr || d > 0.5 || j.AIS.JumpRate <= 0 || len(j.Warnings) > 0 {
		t.Errorf("AIS with mode jumps: LL %.4f ± %.4f, exact %.4f, jump rate %.3f, warnings %q", j.Bounds.LLAIS, j.Bounds.LLAISErr, *r.LLExact, j.AIS.JumpRate, j.Warnings)
	}
}
