package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/train"
)

// eval --estimator both on a run of three 784×10 checkpoints: the JSON
// object has a trajectory entry per checkpoint, each within 4 of its
// standard errors of the exact log-likelihood (batch means over 20
// groups of chains: Student t with 19 degrees of freedom, P(|t| > 4) ≈ 0.08 %;
// TestTrajectorySmallExact measured their calibration),
// metrics.csv gets the ll_traj columns, and --ll-json writes the last
// checkpoint's bracket from both methods (reverse AIS from parallel
// tempering samples, --rais-start pt). The hidden layer has 10 units, so
// both tempering runs make mode jumps by default (20 starts per model,
// --mode-jumps −1), and they report their acceptance; --mode-jumps −2 is
// bad input.
func TestEvalTrajectoryCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("PT trajectory, AIS and PT-started reverse AIS of three checkpoints (-short); the estimators' backend-dependent parts are checked on both backends in partition, and the OpenBLAS pass runs this")
	}
	bin := testBinary(t)
	run := threeCheckpointRun(t)
	llj := filepath.Join(run, "ll.json")
	stdout, stderr, code := runBin(bin, "eval", "--run", run, "--estimator", "both", "--every", "2", "--betas", "200",
		"--chains", "100", "--limit", "300", "--rais-start", "pt", "--pt-rungs", "400", "--gibbs-steps", "20", "--ll-json", llj, "--json", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out struct {
		Results []struct {
			PT *struct {
				SwapRate []float64 `json:"swap_rate"`
				JumpRate []float64 `json:"jump_rate"`
			} `json:"pt"`
		} `json:"results"`
		Trajectory []trajPointJSON `json:"trajectory"`
		Info       struct {
			Rungs      int       `json:"rungs"`
			ModeJumps  int       `json:"mode_jumps"`
			JumpRate   []float64 `json:"jump_rate"`
			ModeStates []int     `json:"mode_states"`
		} `json:"trajectory_info"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout)
	}
	if len(out.Trajectory) != 3 || len(out.Results) != 2 {
		t.Fatalf("%d trajectory points and %d AIS results, want 3 and 2", len(out.Trajectory), len(out.Results))
	}
	// the starts come from the adaptive temperature ladder: at least the
	// base-rate model and the target, every pair swapping sometimes
	if pt := out.Results[1].PT; pt == nil || len(pt.SwapRate) < 1 || slices.Min(pt.SwapRate) <= 0 {
		t.Errorf("reverse AIS without the tempering run behind its starts: %+v", out.Results[1])
	} else if len(pt.JumpRate) != len(pt.SwapRate)+1 {
		t.Errorf("the reverse-AIS tempering run reports %d jump rates for %d rungs", len(pt.JumpRate), len(pt.SwapRate)+1)
	}
	if in := out.Info; in.ModeJumps != 20 || len(in.JumpRate) != in.Rungs || len(in.ModeStates) != 3 || slices.Max(in.JumpRate) <= 0 {
		t.Errorf("trajectory without automatic mode jumps: %+v", in)
	}
	for _, p := range out.Trajectory {
		if p.LLExact == nil {
			t.Fatalf("epoch %d: no exact value", p.Epoch)
		}
		if p.Warning != "" {
			t.Errorf("epoch %d: %s", p.Epoch, p.Warning)
		}
		if d := math.Abs(p.LL - *p.LLExact); d > 4*p.LLErrV {
			t.Errorf("epoch %d: trajectory LL %.4f ± %.4f, exact %.4f", p.Epoch, p.LL, p.LLErrV, *p.LLExact)
		}
	}
	ms, err := rundir.ReadMetrics(run)
	if err != nil || len(ms) != 3 || math.IsNaN(ms[1].LLTraj) || math.IsNaN(ms[1].LLTrajLower) || !math.IsNaN(ms[1].LLAIS) || math.IsNaN(ms[2].LLAIS) {
		t.Fatalf("metrics %+v (%v)", ms, err)
	}
	var f struct {
		Model   string `json:"model"`
		Agree   *bool  `json:"agree"`
		Methods []struct {
			Method string `json:"method"`
		} `json:"methods"`
	}
	jb, err := os.ReadFile(llj)
	if err != nil || json.Unmarshal(jb, &f) != nil || f.Agree == nil || len(f.Methods) != 2 || filepath.Base(f.Model) != "epoch-0002.npz" {
		t.Fatalf("ll.json: %v\n%s", err, jb)
	}
	if _, stderr, code := runBin(bin, "eval", "--model", rundir.CheckpointPath(run, 0), "--estimator", "trajectory"); code != 2 {
		t.Errorf("trajectory of a single model: exit %d, %s", code, stderr)
	}
	if _, stderr, code := runBin(bin, "eval", "--run", run, "--estimator", "trajectory", "--mode-jumps", "-2"); code != 2 || !strings.Contains(stderr, "--mode-jumps") {
		t.Errorf("--mode-jumps -2: exit %d, %s", code, stderr)
	}
}

// threeCheckpointRun writes a run directory with three 784×10 checkpoints
// (epochs 0–2, weights of growing scale) and a run.json.
// trajPointJSON is what the tests read of one point of eval --json's
// "trajectory" array.
type trajPointJSON struct {
	Epoch   int      `json:"epoch"`
	LL      float64  `json:"ll"`
	LLErrV  float64  `json:"ll_err"`
	LLLower *float64 `json:"ll_lower"`
	LLExact *float64 `json:"ll_exact"`
	Steps   int      `json:"steps"`
	Warning string   `json:"warning"`
}

func threeCheckpointRun(t *testing.T) string {
	t.Helper()
	run := filepath.Join(t.TempDir(), "run")
	if err := os.MkdirAll(filepath.Join(run, "checkpoints"), 0o755); err != nil {
		t.Fatal(err)
	}
	for e := 0; e <= 2; e++ {
		evalModel(t, rundir.CheckpointPath(run, e), 10, 0.01*float64(e+1), uint64(e))
	}
	b, _ := json.Marshal(train.RunInfo{Config: train.DefaultConfig()})
	if err := os.WriteFile(filepath.Join(run, "run.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return run
}

// eval --estimator trajectory --traj-method ais on the run of three 784×10
// checkpoints: every checkpoint's forward estimate is within 4 of its
// errors (genealogy errors, which TestGenealogyVarianceMatchesSpread
// checks against the spread of runs) of the exact log-likelihood, the last
// also has the reverse run's value, metrics.csv gets ll_traj everywhere
// and ll_traj_lower (the reverse side) at the last checkpoint only, also
// after a PT trajectory wrote both sides everywhere first, and a method
// other than pt or ais is bad input.
func TestEvalTrajectoryAISCommand(t *testing.T) {
	bin := testBinary(t)
	run := threeCheckpointRun(t)
	if _, stderr, code := runBin(bin, "eval", "--run", run, "--estimator", "trajectory", "--traj-sweeps", "40", "--limit", "300", "--quiet"); code != 0 {
		t.Fatalf("PT trajectory: exit %d: %s", code, stderr)
	}
	stdout, stderr, code := runBin(bin, "eval", "--run", run, "--estimator", "trajectory", "--traj-method", "ais", "--betas", "600",
		"--chains", "100", "--limit", "300", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out struct {
		Trajectory []trajPointJSON `json:"trajectory"`
		Info       struct {
			Method   string `json:"method"`
			Schedule []int  `json:"schedule"`
		} `json:"trajectory_info"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout)
	}
	if len(out.Trajectory) != 3 || out.Info.Method != "ais" || len(out.Info.Schedule) != 3 {
		t.Fatalf("%d trajectory points, info %+v; want 3 points by method ais with a 3-segment schedule", len(out.Trajectory), out.Info)
	}
	for i, p := range out.Trajectory {
		if p.LLExact == nil || p.Steps != out.Info.Schedule[i] {
			t.Fatalf("epoch %d: exact %v, %d steps (schedule %v)", p.Epoch, p.LLExact, p.Steps, out.Info.Schedule)
		}
		if d := math.Abs(p.LL - *p.LLExact); d > 4*p.LLErrV {
			t.Errorf("epoch %d: trajectory-AIS LL %.4f ± %.4f, exact %.4f", p.Epoch, p.LL, p.LLErrV, *p.LLExact)
		}
		if (p.LLLower != nil) != (i == 2) {
			t.Errorf("epoch %d: reverse side %v; want one at the last checkpoint only", p.Epoch, p.LLLower)
		}
	}
	ms, err := rundir.ReadMetrics(run)
	if err != nil || len(ms) != 3 || math.IsNaN(ms[0].LLTraj) || !math.IsNaN(ms[0].LLTrajLower) || math.IsNaN(ms[2].LLTrajLower) {
		t.Fatalf("metrics %+v (%v)", ms, err)
	}
	if _, stderr, code := runBin(bin, "eval", "--run", run, "--estimator", "trajectory", "--traj-method", "bar"); code != 2 || !strings.Contains(stderr, "--traj-method") {
		t.Errorf("--traj-method bar: exit %d, %s", code, stderr)
	}
}

// sample --pt writes the grid, the states (.npy, 0/1) and the statistics
// JSON with one swap rate per pair of rungs and plain Gibbs beside it, on
// the temperature path of a model and on the trajectory path of a run
// (--run), with mode jumps on by default (10 hidden units) and their
// acceptance per rung; a rung cap the ladder exceeds fails with exit 2,
// and so does --mode-jumps −2.
func TestSamplePTCommand(t *testing.T) {
	bin := testBinary(t)
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if err := os.MkdirAll(filepath.Join(run, "checkpoints"), 0o755); err != nil {
		t.Fatal(err)
	}
	for e := 0; e <= 2; e++ {
		evalModel(t, rundir.CheckpointPath(run, e), 10, 0.02*float64(e+1), uint64(e))
	}
	model := rundir.CheckpointPath(run, 2)
	for _, src := range [][]string{{"--model", model}, {"--run", run}} {
		samplePT(t, bin, dir, src)
	}
	if _, stderr, code := runBin(bin, "sample", "--model", model, "--pt", "--pt-rungs", "2", "--chains", "20", "--steps", "20",
		"--out", filepath.Join(dir, "s.png")); code != 2 || !strings.Contains(stderr, "more than 2 rungs") {
		t.Errorf("rung cap 2: exit %d, %s", code, stderr)
	}
	if _, stderr, code := runBin(bin, "sample", "--model", model, "--pt", "--mode-jumps", "-2", "--out", filepath.Join(dir, "s.png")); code != 2 || !strings.Contains(stderr, "--mode-jumps") {
		t.Errorf("--mode-jumps -2: exit %d, %s", code, stderr)
	}
}

func samplePT(t *testing.T, bin, dir string, src []string) {
	t.Helper()
	states := filepath.Join(dir, "s.npy")
	args := append([]string{"sample", "--pt", "--chains", "20", "--steps", "20", "--out", filepath.Join(dir, "s.png"), "--states", states}, src...)
	_, stderr, code := runBin(bin, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", src, code, stderr)
	}
	set, err := dataset.LoadNPY(states)
	if err != nil || set.Len() != 20 || set.Width() != 784 {
		t.Fatalf("states: %v", err)
	}
	var st struct {
		Samples struct {
			Rungs        int       `json:"rungs"`
			SwapRate     []float64 `json:"swap_rate"`
			ModeJumps    int       `json:"mode_jumps"`
			JumpRate     []float64 `json:"jump_rate"`
			ClassEntropy float64   `json:"class_entropy"`
			ClassCounts  []int     `json:"class_counts"`
		} `json:"samples"`
		Gibbs *struct{ Method string } `json:"gibbs"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "s.json"))
	if err != nil || json.Unmarshal(b, &st) != nil {
		t.Fatalf("stats: %v\n%s", err, b)
	}
	if st.Samples.Rungs < 2 || len(st.Samples.SwapRate) != st.Samples.Rungs-1 || st.Gibbs == nil || st.Gibbs.Method != "gibbs" || len(st.Samples.ClassCounts) != 10 ||
		st.Samples.ModeJumps != 20 || len(st.Samples.JumpRate) != st.Samples.Rungs {
		t.Fatalf("stats %s", b)
	}
}

// eval --traj-every 2 on the run of three checkpoints (epochs 0, 1, 2)
// runs the trajectory through epochs 0 and 2 only: two points, each within
// 4 errors of its exact log-likelihood, a path of two segments (base-rate
// model → θ_0 → θ_2), metrics.csv rows with ll_traj for those epochs and
// none for epoch 1; --traj-every 0 is bad input. With --traj-branch-steps
// epoch 1 gets an estimate from a branch off epoch 0.
func TestEvalTrajectoryEvery(t *testing.T) {
	bin := testBinary(t)
	run := threeCheckpointRun(t)
	stdout, stderr, code := runBin(bin, "eval", "--run", run, "--estimator", "trajectory", "--traj-every", "2", "--traj-sweeps", "200",
		"--limit", "300", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out struct {
		Trajectory []trajPointJSON `json:"trajectory"`
		Info       struct {
			Lengths []float64 `json:"lengths"`
		} `json:"trajectory_info"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout)
	}
	if len(out.Trajectory) != 2 || out.Trajectory[0].Epoch != 0 || out.Trajectory[1].Epoch != 2 || len(out.Info.Lengths) != 2 {
		t.Fatalf("points %+v, lengths %v; want epochs 0 and 2 on a 2-segment path", out.Trajectory, out.Info.Lengths)
	}
	for _, p := range out.Trajectory {
		if p.LLExact == nil || math.Abs(p.LL-*p.LLExact) > 4*p.LLErrV {
			t.Errorf("epoch %d: trajectory LL %.4f ± %.4f, exact %v", p.Epoch, p.LL, p.LLErrV, p.LLExact)
		}
	}
	ms, err := rundir.ReadMetrics(run)
	if err != nil || len(ms) != 2 || ms[0].Epoch != 0 || ms[1].Epoch != 2 || math.IsNaN(ms[0].LLTraj) || math.IsNaN(ms[1].LLTraj) {
		t.Fatalf("metrics %+v (%v); want ll_traj rows for epochs 0 and 2 only (the run has no training metrics)", ms, err)
	}
	if _, stderr, code := runBin(bin, "eval", "--run", run, "--estimator", "trajectory", "--traj-every", "0"); code != 2 || !strings.Contains(stderr, "--traj-every") {
		t.Errorf("--traj-every 0: exit %d, %s", code, stderr)
	}
	// With branches epoch 1 gets its estimate too: 50 AIS steps off epoch
	// 0, within 4 of its errors of exact, with no reverse side; the path
	// is still the 2-segment backbone.
	stdout, stderr, code = runBin(bin, "eval", "--run", run, "--estimator", "trajectory", "--traj-every", "2", "--traj-sweeps", "200",
		"--traj-branch-steps", "50", "--limit", "300", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("branches: exit %d: %s", code, stderr)
	}
	var br struct {
		Trajectory []struct {
			trajPointJSON
			BranchFrom  *int `json:"branch_from"`
			BranchSteps int  `json:"branch_steps"`
		} `json:"trajectory"`
		Info struct {
			Lengths  []float64 `json:"lengths"`
			Backbone []int     `json:"backbone"`
		} `json:"trajectory_info"`
	}
	if err := json.Unmarshal([]byte(stdout), &br); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout)
	}
	if len(br.Trajectory) != 3 || len(br.Info.Lengths) != 2 || !slices.Equal(br.Info.Backbone, []int{0, 2}) {
		t.Fatalf("branches: %d points, lengths %v, backbone %v", len(br.Trajectory), br.Info.Lengths, br.Info.Backbone)
	}
	for _, p := range br.Trajectory {
		if p.LLExact == nil || math.Abs(p.LL-*p.LLExact) > 4*p.LLErrV {
			t.Errorf("branches, epoch %d: trajectory LL %.4f ± %.4f, exact %v", p.Epoch, p.LL, p.LLErrV, p.LLExact)
		}
		if branch := p.Epoch == 1; branch != (p.BranchSteps == 50) || branch && (p.BranchFrom == nil || *p.BranchFrom != 0 || p.LLLower != nil) {
			t.Errorf("branches, epoch %d: branch_from %v, branch_steps %d, ll_lower %v", p.Epoch, p.BranchFrom, p.BranchSteps, p.LLLower)
		}
	}
	for _, args := range [][]string{{"--traj-branch-steps", "-1"}, {"--traj-branch-steps", "5", "--traj-method", "ais"}} {
		if _, stderr, code := runBin(bin, append([]string{"eval", "--run", run, "--estimator", "trajectory", "--traj-every", "2"}, args...)...); code != 2 || !strings.Contains(stderr, "--traj-branch-steps") {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
}
