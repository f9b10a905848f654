package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/study"
	"github.com/rbmscope/rbmscope/train"
)

// TestMain doubles as a sweep worker: the local executor tests start this
// test binary with RBMSCOPE_SWEEP_TEST_WORKER=1 and the arguments
// `sweep worker --plan P --index I` (or `crash`).
func TestMain(m *testing.M) {
	if os.Getenv("RBMSCOPE_SWEEP_TEST_WORKER") == "1" {
		os.Exit(testWorker(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func testWorker(args []string) int {
	if len(args) > 0 && args[0] == "crash" {
		panic("worker crashed on purpose")
	}
	if len(args) != 6 || args[0] != "sweep" || args[1] != "worker" || args[2] != "--plan" || args[4] != "--index" {
		fmt.Fprintf(os.Stderr, "bad worker args %q\n", args)
		return 2
	}
	p, err := ReadPlan(args[3])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	i, _, err := IndexFromEnv(args[5], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	e, err := p.Entry(i)
	if err != nil {
		return 2
	}
	// Record the thread settings the executor gave this worker.
	os.MkdirAll(p.RunDir(e), 0o755)
	env := fmt.Sprintf("GOMAXPROCS=%d OPENBLAS_NUM_THREADS=%s\n", runtime.GOMAXPROCS(0), os.Getenv("OPENBLAS_NUM_THREADS"))
	os.WriteFile(filepath.Join(p.RunDir(e), "env.txt"), []byte(env), 0o644)
	if _, err := RunWorker(context.Background(), p, i, WorkerOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// tinyPlan writes a plan of len(hidden)×replicas tiny runs on
// testdata/tiny.npy (120×16) into a temp dir.
func tinyPlan(t testing.TB, hidden, extra string) *Plan {
	t.Helper()
	data, err := filepath.Abs("testdata/tiny.npy")
	if err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf("name: tiny\nhidden: [%s]\nmethod: [pcd]\nk: [1]\nlr: [0.01]\nreplicas: 2\n"+
		"train: {data: %q, batch: 20, epochs: 3, init_std: 0.1, eval_subset: 60}\n%s", hidden, data, extra)
	p := mustExpand(t, src)
	if err := p.Write(t.TempDir(), false); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIndexFromEnv(t *testing.T) {
	cases := []struct {
		flag, slurm, k8s string
		want             int
		source           string
		bad              bool
	}{
		{"3", "5", "7", 3, "--index", false},
		{"", "5", "7", 5, "SLURM_ARRAY_TASK_ID", false},
		{"", "", "7", 7, "JOB_COMPLETION_INDEX", false},
		{"", " 0 ", "", 0, "SLURM_ARRAY_TASK_ID", false},
		{"", "", "", 0, "", true},
		{"x", "5", "", 0, "--index", true},
		{"", "-1", "", 0, "SLURM_ARRAY_TASK_ID", true},
		{"", "", "1.5", 0, "JOB_COMPLETION_INDEX", true},
	}
	for _, tc := range cases {
		env := map[string]string{"SLURM_ARRAY_TASK_ID": tc.slurm, "JOB_COMPLETION_INDEX": tc.k8s}
		i, src, err := IndexFromEnv(tc.flag, func(k string) string { return env[k] })
		if tc.bad {
			if err == nil || !badinput.Is(err) {
				t.Errorf("%+v: want a bad-input error, got %d %v", tc, i, err)
			}
			continue
		}
		if err != nil || i != tc.want || src != tc.source {
			t.Errorf("%+v: got %d from %q (%v)", tc, i, src, err)
		}
	}
}

func TestWorkerTrainsThenSkips(t *testing.T) {
	p := tinyPlan(t, "3", "")
	ctx := context.Background()
	r, err := RunWorker(ctx, p, 1, WorkerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Skipped || r.Done == nil || r.RunDir != filepath.Join(p.Dir(), "runs", "h3-pcd-k1-lr0.01-r1") {
		t.Fatalf("result %+v", r)
	}
	d, err := ReadDone(r.RunDir)
	if err != nil || d.ID != p.Entries[1].ID || d.Epochs != 3 || !(d.Seconds > 0) || d.Finished.IsZero() {
		t.Fatalf("done marker %+v %v", d, err)
	}
	cfg, err := train.ReadConfig(r.RunDir)
	if err != nil || cfg != p.Entries[1].Config {
		t.Fatalf("run.json config %+v (%v), want the plan's", cfg, err)
	}
	ms, _ := rundir.ReadMetrics(r.RunDir)
	if len(ms) != 4 || ms[3].Epoch != 3 {
		t.Fatalf("metrics %+v", ms)
	}
	before, _ := os.ReadFile(filepath.Join(r.RunDir, DoneFile))
	r2, err := RunWorker(ctx, p, 1, WorkerOptions{})
	if err != nil || !r2.Skipped {
		t.Fatalf("second worker: %+v %v", r2, err)
	}
	after, _ := os.ReadFile(filepath.Join(r.RunDir, DoneFile))
	if string(before) != string(after) {
		t.Fatal("a done entry was run again")
	}
	if got := Pending(p); len(got) != 1 || got[0] != 0 {
		t.Fatalf("pending %v, want [0]", got)
	}
}

// A worker stopped mid-run leaves no failed marker; the next one resumes
// from the newest state and ends exactly where an uninterrupted run ends.
func TestWorkerResumesAfterStop(t *testing.T) {
	p := tinyPlan(t, "3", "")
	ctx, cancel := context.WithCancel(context.Background())
	_, err := RunWorker(ctx, p, 0, WorkerOptions{Progress: func(ev train.Event) {
		if ev.Metrics != nil && ev.Epoch == 1 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped worker returned %v", err)
	}
	dir := p.RunDir(p.Entries[0])
	if _, err := os.Stat(filepath.Join(dir, FailedFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a stopped run was marked failed")
	}
	c, _ := Collect(p)
	if c.Runs[0].State != StateStopped || c.Runs[0].EpochsDone != 1 {
		t.Fatalf("after stop: %+v", c.Runs[0])
	}
	var resumed bool
	if _, err := RunWorker(context.Background(), p, 0, WorkerOptions{Progress: func(ev train.Event) {
		resumed = resumed || strings.Contains(ev.Message, "resuming")
	}}); err != nil {
		t.Fatal(err)
	}
	if !resumed {
		t.Fatal("second worker did not resume")
	}
	// Uninterrupted reference run of the same entry.
	ref := t.TempDir()
	if _, err := train.Run(context.Background(), p.Entries[0].Config, train.RunOptions{Out: ref}); err != nil {
		t.Fatal(err)
	}
	a, _ := rundir.ReadMetrics(dir)
	b, _ := rundir.ReadMetrics(ref)
	if len(a) != len(b) || a[len(a)-1].ReconError != b[len(b)-1].ReconError || a[len(a)-1].PseudoLL != b[len(b)-1].PseudoLL {
		t.Fatalf("resumed run ends at %+v, uninterrupted at %+v", a[len(a)-1], b[len(b)-1])
	}
}

func TestWorkerFailureAndSteps(t *testing.T) {
	p := tinyPlan(t, "3", "analyze: true\neval: true\n")
	// Break entry 0's data file: the worker must write a one-line failed marker.
	p.Entries[0].Config.Data = filepath.Join(t.TempDir(), "gone.npy")
	if _, err := RunWorker(context.Background(), p, 0, WorkerOptions{}); err == nil {
		t.Fatal("worker with missing data succeeded")
	}
	f, err := ReadFailed(p.RunDir(p.Entries[0]))
	if err != nil || !strings.Contains(f.Error, "gone.npy") || strings.Contains(f.Error, "\n") || f.ID != p.Entries[0].ID {
		t.Fatalf("failed marker %+v %v", f, err)
	}
	// The steps run in-process: eval writes the log-likelihoods of the
	// initialisation and the final checkpoint into metrics.csv.
	p.Entries[1].Steps.Analyze = nil
	fast := *p.Entries[1].Steps.Eval
	fast.Betas, fast.Chains = 20, 10
	p.Entries[1].Steps.Eval = &fast
	r, err := RunWorker(context.Background(), p, 1, WorkerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Done.Steps) != 1 || r.Done.Steps[0] != "eval" {
		t.Fatalf("steps: done %+v", r.Done)
	}
	ms, _ := rundir.ReadMetrics(r.RunDir)
	for _, m := range ms {
		if evaluated := !math.IsNaN(m.LLAIS) && !math.IsNaN(m.LLRAIS); evaluated != (m.Epoch == 0 || m.Epoch == 3) {
			t.Errorf("epoch %d: ll_ais %v ll_rais %v", m.Epoch, m.LLAIS, m.LLRAIS)
		}
	}
	// A failing step fails the entry.
	bad := study.DefaultAnalyzeOptions()
	bad.Gauge = "sideways"
	p.Entries[1].Steps.Analyze = &bad
	os.Remove(filepath.Join(r.RunDir, DoneFile))
	if _, err := RunWorker(context.Background(), p, 1, WorkerOptions{}); err == nil || !strings.Contains(err.Error(), "analyze step: ") {
		t.Fatalf("failing step: %v", err)
	}
	if _, err := ReadDone(r.RunDir); err == nil {
		t.Fatal("an entry whose step failed is marked done")
	}
}

// TestOldPlanSaysReplan: a plan of version 1 (steps as CLI arguments) is
// refused with one line that says how to re-plan.
func TestOldPlanSaysReplan(t *testing.T) {
	dir := t.TempDir()
	old := `{"version": 1, "name": "x", "spec": {}, "entries": [{"index": 0, "id": "a", "group": "a", "replica": 0, "config": {}, "eval": true, "eval_args": ["--betas", "10"]}]}`
	if err := os.WriteFile(filepath.Join(dir, "plan.json"), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadPlan(dir)
	if err == nil || !badinput.Is(err) || !strings.Contains(err.Error(), "rbmscope sweep plan --spec") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("old plan: %v", err)
	}
}

func TestCollect(t *testing.T) {
	p := tinyPlan(t, "3, 5", "") // 4 entries: h3 r0,r1; h5 r0,r1
	ctx := context.Background()
	for _, i := range []int{0, 1, 2} {
		if _, err := RunWorker(ctx, p, i, WorkerOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Entry 2 then fails on a rerun with more epochs and a broken data path,
	// entry 3 was never started.
	p.Entries[2].Config.Epochs = 5
	p.Entries[2].Config.Data = "/nonexistent/x.npy"
	RunWorker(ctx, p, 2, WorkerOptions{})
	c, err := Collect(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{StateDone, StateDone, StateFailed, StateMissing}
	for i, r := range c.Runs {
		if r.State != want[i] {
			t.Errorf("entry %d: state %s, want %s", i, r.State, want[i])
		}
	}
	if c.Counts[StateDone] != 2 || c.Counts[StateFailed] != 1 || c.Counts[StateMissing] != 1 {
		t.Errorf("counts %v", c.Counts)
	}
	if !strings.Contains(c.Runs[2].Error, "x.npy") {
		t.Errorf("failed entry's error %q", c.Runs[2].Error)
	}
	probs := c.Problems()
	if len(probs) != 2 || !strings.Contains(probs[0], "failed") || !strings.Contains(probs[1], "missing") {
		t.Errorf("problems %q", probs)
	}
	// The row values are the last metrics rows; the summary is their mean
	// and sample standard deviation.
	var recon []float64
	for _, i := range []int{0, 1} {
		ms, _ := rundir.ReadMetrics(p.RunDir(p.Entries[i]))
		last := ms[len(ms)-1]
		if c.Runs[i].ReconError == nil || *c.Runs[i].ReconError != last.ReconError || *c.Runs[i].PseudoLL != last.PseudoLL || c.Runs[i].EpochsDone != 3 {
			t.Fatalf("row %d: %+v vs metrics %+v", i, c.Runs[i], last)
		}
		recon = append(recon, last.ReconError)
	}
	if recon[0] == recon[1] {
		t.Fatal("replicas with different seeds gave identical results")
	}
	g := c.Groups[0]
	mean := (recon[0] + recon[1]) / 2
	sd := math.Abs(recon[0]-recon[1]) / math.Sqrt2
	if g.Group != "h3-pcd-k1-lr0.01" || g.Total != 2 || g.Done != 2 || math.Abs(*g.ReconError.Mean-mean) > 1e-15 || math.Abs(*g.ReconError.SD-sd) > 1e-12 {
		t.Fatalf("group %+v mean %v sd %v, want %v %v", g, *g.ReconError.Mean, *g.ReconError.SD, mean, sd)
	}
	if g2 := c.Groups[1]; g2.Done != 0 || g2.ReconError.Mean != nil || g2.LLAIS.N != 0 {
		t.Fatalf("group 2 %+v", g2)
	}
	if err := c.Write(p.Dir()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(p.Dir(), "collect.csv"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[3], "2,h5-pcd-k1-lr0.01-r0,") || !strings.Contains(lines[3], ",failed,") {
		t.Fatalf("collect.csv:\n%s", b)
	}
	if !strings.Contains(lines[1], strconv.FormatFloat(recon[0], 'g', 10, 64)) {
		t.Fatalf("collect.csv row 0 lacks recon %v: %s", recon[0], lines[1])
	}
	s, _ := os.ReadFile(filepath.Join(p.Dir(), "summary.csv"))
	if sl := strings.Split(strings.TrimSpace(string(s)), "\n"); len(sl) != 3 || !strings.HasPrefix(sl[1], "h3-pcd-k1-lr0.01,3,pcd,1,0.01,3,2,2,") {
		t.Fatalf("summary.csv:\n%s", s)
	}
}

func TestCollectRunning(t *testing.T) {
	p := tinyPlan(t, "3", "")
	// A worker that was killed mid-run leaves run.json status "running".
	dir := p.RunDir(p.Entries[0])
	os.MkdirAll(dir, 0o755)
	writeJSON(filepath.Join(dir, WorkerFile), WorkerInfo{Host: "n1", PID: 42, Started: time.Now(), Engine: "slurm job 7_0"})
	c, _ := Collect(p)
	if c.Runs[0].State != StateRunning || !strings.Contains(c.Problems()[0], "n1 pid 42 (slurm job 7_0)") {
		t.Fatalf("%+v %q", c.Runs[0], c.Problems())
	}
	// The owner lock refines it: a live holder is named, a dead one makes
	// the entry stopped.
	lk, err := rundir.Acquire(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	c, _ = Collect(p)
	if c.Runs[0].State != StateRunning || !strings.Contains(c.Problems()[0], fmt.Sprintf("worker pid %d on host", os.Getpid())) {
		t.Fatalf("live holder: %+v %q", c.Runs[0], c.Problems())
	}
	lk.Release()
	gone := rundir.Holder{Writer: atomicfile.Writer{Host: "n1", PID: 42}, Command: "rbmscope sweep worker",
		Started: time.Now().Add(-time.Hour), Renewed: time.Now().Add(-10 * time.Minute), Lease: 300, Token: "gone"}
	b, _ := json.Marshal(gone)
	os.WriteFile(rundir.LockPath(dir), b, 0o644)
	c, _ = Collect(p)
	if c.Runs[0].State != StateStopped || !strings.Contains(c.Problems()[0], "pid 42 on host n1") || !strings.Contains(c.Problems()[0], "is dead (its lease of 5m0s") {
		t.Fatalf("dead holder: %+v %q", c.Runs[0], c.Problems())
	}
}

func TestMarkLostSlurmTasks(t *testing.T) {
	c := &Collection{Counts: map[string]int{StateRunning: 3}, Runs: []RunStatus{
		{State: StateRunning, Engine: "slurm job 12_0"}, // still queued
		{State: StateRunning, Engine: "slurm job 12_1"}, // gone: killed
		{State: StateRunning, Engine: "slurm job 99_2"}, // another job: not ours to judge
		{State: StateDone, Engine: "slurm job 12_3"},
	}}
	c.MarkLostSlurmTasks([]string{"12"}, []TaskState{{JobID: "12", Index: 0, State: "RUNNING"}})
	got := []string{c.Runs[0].State, c.Runs[1].State, c.Runs[2].State, c.Runs[3].State}
	if strings.Join(got, " ") != "running stopped running done" || c.Counts[StateRunning] != 2 || c.Counts[StateStopped] != 1 ||
		!strings.Contains(c.Runs[1].Error, "12_1 has left the queue") {
		t.Fatalf("states %v counts %v error %q", got, c.Counts, c.Runs[1].Error)
	}
}

// A worker whose lock is taken from it (here: replaced by another host's
// live lock after epoch 1) stops before writing epoch 2, and leaves
// neither a done nor a failed marker: the run belongs to the new holder.
func TestWorkerStopsWhenLockLost(t *testing.T) {
	p := tinyPlan(t, "3", "")
	dir := p.RunDir(p.Entries[0])
	other := rundir.Holder{Writer: atomicfile.Writer{Host: "node-elsewhere", PID: 7}, Command: "rbmscope sweep worker",
		Started: time.Now(), Renewed: time.Now(), Lease: 300, Token: "theirs"}
	b, _ := json.Marshal(other)
	_, err := RunWorker(context.Background(), p, 0, WorkerOptions{Progress: func(ev train.Event) {
		if ev.Metrics != nil && ev.Epoch == 1 {
			os.WriteFile(rundir.LockPath(dir), b, 0o644)
		}
	}})
	if err == nil || !strings.Contains(err.Error(), "lost the lock") || !strings.Contains(err.Error(), "node-elsewhere") {
		t.Fatalf("got %v, want a lost-lock error naming the new holder", err)
	}
	for _, f := range []string{DoneFile, FailedFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s written after the lock was lost", f)
		}
	}
	if _, err := os.Stat(rundir.CheckpointPath(dir, 2)); err == nil {
		t.Error("epoch 2 written after the lock was lost")
	}
	if h, err := os.ReadFile(rundir.LockPath(dir)); err != nil || !strings.Contains(string(h), "theirs") {
		t.Errorf("the new holder's lock was touched: %s %v", h, err)
	}
}
