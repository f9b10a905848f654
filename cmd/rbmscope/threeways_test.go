package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/reproduce"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/sweep"
)

// The path-independent output files of eval (metrics.csv), analyze and
// symmetry, relative to where each way writes them.
var (
	analysisFiles = []string{"summary.json", "modes.csv", "kurtosis_curve.csv", "arrays.npz"}
	trackingFiles = []string{"tracking.csv"}
)

// TestThreeWaysByteIdentical runs eval, analyze and symmetry on the same
// checkpoints of one run three ways — the CLI, reproduce's per-run steps
// and a sweep worker's post-training steps — and checks that the output
// files are byte-identical: each of reproduce and the worker against the
// CLI writing to the same places (so symmetry.json, which names its files,
// is compared too), and reproduce against the worker for the files that
// name no path.
func TestThreeWaysByteIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("trains and analyses a run three ways")
	}
	tmp := t.TempDir()
	data := filepath.Join(tmp, "d.npy")
	fmWriteNPY(t, data, 120, 12, 3)
	s, _ := reproduce.Preset("tiny")
	s.Data, s.Hidden, s.Replicas, s.Epochs, s.TrainLimit, s.TestLimit = data, []int{6}, 1, 2, 0, 0
	s.EvalEvery, s.TrackEvery, s.RAISGibbs, s.AISResample = s.Epochs, 1, 0, 0.5
	s.MPSizes, s.KurtSizes, s.Fig5Samples = []int{6, 8}, []int{8, 12}, 50
	out := filepath.Join(tmp, "rep")
	res, err := reproduce.Run(context.Background(), s, reproduce.Options{Out: out, NoFigures: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) > 0 {
		t.Fatalf("reproduce failures: %+v", res.Failures)
	}
	plan, err := sweep.ReadPlan(out)
	if err != nil {
		t.Fatal(err)
	}
	e := plan.Entries[0]
	run := plan.RunDir(e)
	final := rundir.CheckpointPath(run, s.Epochs)
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	ints := func(xs []int) string { return strings.Trim(strings.Join(strings.Fields(fmt.Sprint(xs)), ","), "[]") }
	evalArgs := []string{"--every", strconv.Itoa(s.Epochs), "--betas", strconv.Itoa(s.AISBetas), "--chains", strconv.Itoa(s.AISChains),
		"--schedule", s.AISSchedule, "--resample", g(s.AISResample), "--seed", strconv.FormatUint(s.Seed, 10)}
	analyzeArgs := []string{"--data-limit", "0", "--init-std", g(s.InitStd), "--gibbs-chains", strconv.Itoa(s.GibbsChains),
		"--gibbs-steps", strconv.Itoa(s.GibbsSteps), "--mp-sizes", ints(s.MPSizes), "--mp-draws", strconv.Itoa(s.MPDraws),
		"--kurt-sizes", ints(s.KurtSizes), "--kurt-samples", strconv.Itoa(s.KurtSamples), "--fig5-samples", strconv.Itoa(s.Fig5Samples),
		"--seed", strconv.FormatUint(s.Seed, 10), "--no-figures"}
	symArgs := []string{"--gibbs-chains", strconv.Itoa(s.GibbsChains), "--gibbs-steps", strconv.Itoa(s.GibbsSteps),
		"--seed", strconv.FormatUint(s.Seed, 10), "--no-probe"}
	cli := func(analysisDir, symDir string) {
		t.Helper()
		clearLL(t, run)
		for _, args := range [][]string{
			append([]string{"eval", "--run", run, "--quiet"}, evalArgs...),
			append([]string{"analyze", "--model", final, "--untrained", rundir.CheckpointPath(run, 0), "--data", data, "--out", analysisDir, "--quiet"}, analyzeArgs...),
			append([]string{"symmetry", "--run", run, "--data", data, "--out", symDir, "--quiet"}, symArgs...),
		} {
			if code, _, stderr := fmRun(t, testBinary(t), args...); code != 0 {
				t.Fatalf("rbmscope %s: exit %d: %s", args[0], code, stderr)
			}
		}
	}

	// 1. reproduce, then the CLI writing to the same places.
	repAnalysis, repTracking := filepath.Join(out, "results", "landscapes"), filepath.Join(out, "results", "tracking", e.ID)
	rep := snapshot(t, run, repAnalysis, repTracking)
	cli(repAnalysis, repTracking)
	sameFiles(t, "reproduce", rep, snapshot(t, run, repAnalysis, repTracking), true)

	// 2. a sweep worker with steps from a spec's step flags, then the CLI.
	spec := &sweep.Spec{Eval: true, Analyze: true, Symmetry: true, EvalArgs: evalArgs[2:], AnalyzeArgs: analyzeArgs, SymmetryArgs: symArgs}
	steps, err := spec.Steps()
	if err != nil {
		t.Fatal(err)
	}
	plan.SetSteps(steps)
	clearLL(t, run)
	if err := os.Remove(filepath.Join(run, sweep.DoneFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := sweep.RunWorker(context.Background(), plan, 0, sweep.WorkerOptions{}); err != nil {
		t.Fatal(err)
	}
	work := snapshot(t, run, sweep.AnalysisDir(run), sweep.SymmetryDir(run))
	cli(sweep.AnalysisDir(run), sweep.SymmetryDir(run))
	sameFiles(t, "sweep worker", work, snapshot(t, run, sweep.AnalysisDir(run), sweep.SymmetryDir(run)), true)

	// 3. reproduce and the worker agree on every file that names no path.
	sameFiles(t, "reproduce vs worker", rep, work, false)
	ms, _ := rundir.ReadMetrics(run)
	for _, m := range ms {
		if evaluated := !math.IsNaN(m.LLAIS); evaluated != (m.Epoch == 0 || m.Epoch == s.Epochs) {
			t.Errorf("epoch %d: ll_ais %v (want the initialisation and the last evaluated)", m.Epoch, m.LLAIS)
		}
	}
}

// clearLL removes every log-likelihood from the run's metrics.csv.
func clearLL(t *testing.T, run string) {
	t.Helper()
	ms, err := rundir.ReadMetrics(run)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ms {
		ms[i].LLAIS, ms[i].LLAISErr, ms[i].LLRAIS, ms[i].LLRAISErr = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	}
	if err := rundir.WriteMetrics(run, ms); err != nil {
		t.Fatal(err)
	}
}

// outputs are the bytes of the output files by name ("eval/metrics.csv",
// "analyze/modes.csv", "symmetry/tracking.csv", "symmetry/symmetry.json").
type outputs map[string][]byte

func snapshot(t *testing.T, run, analysisDir, symDir string) outputs {
	t.Helper()
	o := outputs{}
	read := func(key, path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		o[key] = b
	}
	read("eval/metrics.csv", rundir.MetricsPath(run))
	for _, f := range analysisFiles {
		read("analyze/"+f, filepath.Join(analysisDir, f))
	}
	for _, f := range append(trackingFiles, "symmetry.json") {
		read("symmetry/"+f, filepath.Join(symDir, f))
	}
	return o
}

// sameFiles compares two snapshots; withPaths includes symmetry.json.
func sameFiles(t *testing.T, what string, a, b outputs, withPaths bool) {
	t.Helper()
	for k, x := range a {
		if k == "symmetry/symmetry.json" && !withPaths {
			continue
		}
		if !bytes.Equal(x, b[k]) {
			t.Errorf("%s: %s differs from the CLI's (%d vs %d bytes)", what, k, len(x), len(b[k]))
		}
	}
}
