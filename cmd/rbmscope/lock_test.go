package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/sweep"
)

// lockTrainArgs is a PCD run of a few seconds (most of it the fsyncs of
// its 21 checkpoints and states), long enough for other processes to
// meet it.
func lockTrainArgs(data, out string) []string {
	return []string{"train", "--data", data, "--hidden", "24", "--method", "pcd", "--k", "20", "--batch", "20",
		"--epochs", "20", "--eval-subset", "200", "--seed", "3", "--out", out, "--quiet"}
}

// evalJSON is the part of `eval --json` these tests read.
type evalJSON struct {
	Epoch  *int `json:"epoch"`
	Bounds *struct {
		LLAIS *float64 `json:"ll_ais"`
	} `json:"bounds"`
}

// g10 is a value as metrics.csv stores it (10 significant digits).
func g10(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }

// TestEvalWhileTraining: `eval --run` run again and again while the run
// trains (the lost-update scenario). Every value an evaluation
// wrote is in metrics.csv at the end, and equals a separate evaluation of
// the same checkpoint with `eval --model`.
func TestEvalWhileTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for 150 epochs while evaluating (-short); the locking it checks does not depend on the backend, and the OpenBLAS pass runs it")
	}
	bin := testBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "d.npy")
	fmWriteNPY(t, data, 2000, 100, 11)
	run := filepath.Join(dir, "run")
	// 20 epochs train in under 1.5 s on a quiet 2-vCPU Zen 5, before one
	// evaluation can finish; 150 (the last --epochs wins) keep it training.
	tr, stderr := startBin(t, bin, append(lockTrainArgs(data, run), "--epochs", "150")...)
	done := make(chan error, 1)
	go func() { done <- tr.Wait() }()
	if !waitFor(t, done, rundir.CheckpointPath(run, 1)) {
		t.Fatalf("training ended before its first epoch: %s", stderr)
	}
	est := []string{"--estimator", "ais", "--betas", "100", "--chains", "20", "--json", "--quiet"}
	got := map[int]float64{} // epoch → ll_ais that an evaluation wrote
	during, trained := 0, false
	for !trained {
		code, out, e := fmRun(t, bin, append([]string{"eval", "--run", run}, est...)...)
		if code != 0 {
			t.Fatalf("eval --run: exit %d: %s", code, e)
		}
		var rs []evalJSON
		if err := json.Unmarshal([]byte(out), &rs); err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			v := *r.Bounds.LLAIS
			if old, ok := got[*r.Epoch]; ok && math.Float64bits(old) != math.Float64bits(v) {
				t.Fatalf("epoch %d evaluated twice: %v then %v", *r.Epoch, old, v)
			}
			got[*r.Epoch] = v
		}
		select {
		case err := <-done:
			if exitCode(err) != 0 {
				t.Fatalf("train: %v: %s", err, stderr)
			}
			trained = true
		default:
			during++ // this evaluation's values were written while the trainer still rewrites metrics.csv
		}
	}
	if during == 0 {
		t.Fatal("no evaluation finished while training ran: make the run longer")
	}
	ms, err := rundir.ReadMetrics(run)
	if err != nil {
		t.Fatal(err)
	}
	byEpoch := map[int]rundir.Metrics{}
	for _, m := range ms {
		byEpoch[m.Epoch] = m
	}
	for e, v := range got {
		if m, ok := byEpoch[e]; !ok || math.IsNaN(m.LLAIS) || g10(m.LLAIS) != g10(v) {
			t.Errorf("epoch %d: metrics.csv has ll_ais %v, the evaluation wrote %s", e, m.LLAIS, g10(v))
		}
	}
	last := 0
	for e := range got {
		last = max(last, e)
	}
	for _, e := range []int{1, last} {
		code, out, errOut := fmRun(t, bin, append([]string{"eval", "--model", rundir.CheckpointPath(run, e), "--data", data}, est...)...)
		var r evalJSON
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("eval --model: exit %d: %s", code, errOut)
		}
		if g10(*r.Bounds.LLAIS) != g10(byEpoch[e].LLAIS) {
			t.Errorf("epoch %d: eval --model gives %s, metrics.csv %s", e, g10(*r.Bounds.LLAIS), g10(byEpoch[e].LLAIS))
		}
	}
	t.Logf("%d evaluations during training; %d epochs evaluated", during, len(got))
	if tmp := tempFiles(run); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

// TestRunDirectoryLock: the owner lock of a run directory with real
// processes. Every run ends bit-identical to one uninterrupted worker.
func TestRunDirectoryLock(t *testing.T) {
	bin := testBinary(t)
	c := cli{t, bin}
	data := filepath.Join(t.TempDir(), "d.npy")
	fmWriteNPY(t, data, 2000, 100, 11)
	spec := fmt.Sprintf("name: locks\nhidden: [24]\nmethod: [pcd]\nk: [20]\nlr: [0.01]\nepochs: [12]\nreplicas: 1\n"+
		"train: {data: %s, batch: 20, eval_subset: 200, seed: 3}\n", data)
	const id = "h24-pcd-k20-lr0.01-r0"
	final := func(plan string) string {
		return rundir.CheckpointPath(filepath.Join(filepath.Dir(plan), "runs", id), 12)
	}
	worker := func(plan string) []string { return []string{"sweep", "worker", "--plan", plan, "--index", "0"} }
	ref := c.planSweep(spec)
	if code, _, e := fmRun(t, bin, worker(ref)...); code != 0 {
		t.Fatalf("reference worker: exit %d: %s", code, e)
	}

	t.Run("two workers on one entry", func(t *testing.T) {
		plan := c.planSweep(spec)
		runDir := filepath.Dir(filepath.Dir(final(plan)))
		w1, e1 := startBin(t, bin, worker(plan)...)
		w2, e2 := startBin(t, bin, worker(plan)...)
		// While one trains, train --resume is refused with status 3.
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if _, err := os.Stat(rundir.InfoPath(runDir)); err == nil {
				break
			}
		}
		code, _, e := fmRun(t, bin, "train", "--out", runDir, "--resume", "--quiet")
		err1, err2 := w1.Wait(), w2.Wait()
		if exitCode(err1) != 0 || exitCode(err2) != 0 {
			t.Fatalf("workers exit %d, %d:\n%s\n%s", exitCode(err1), exitCode(err2), e1, e2)
		}
		outs := e1.String() + e2.String()
		if strings.Count(outs, "done in") != 1 || strings.Count(outs, "nothing to do") != 1 || !strings.Contains(outs, "is held by pid") {
			t.Fatalf("want one worker to train and one to say the entry is held:\n%s\n%s", e1, e2)
		}
		if code != 3 || strings.Count(strings.TrimSpace(e), "\n") != 0 || !strings.Contains(e, "is in use by pid") {
			t.Errorf("train --resume on a held run: exit %d, %q; want 3 and one line naming the holder", code, e)
		}
		sameModel(t, final(ref), final(plan))
	})

	t.Run("SIGKILLed holder is taken over", func(t *testing.T) {
		plan := c.planSweep(spec)
		runDir := filepath.Dir(filepath.Dir(final(plan)))
		w1, e1 := startBin(t, bin, worker(plan)...)
		done := make(chan error, 1)
		go func() { done <- w1.Wait() }()
		if !waitFor(t, done, rundir.CheckpointPath(runDir, 3)) {
			t.Fatalf("worker ended early: %s", e1)
		}
		w1.Process.Signal(syscall.SIGKILL)
		<-done
		if _, err := os.Stat(rundir.LockPath(runDir)); err != nil {
			t.Fatalf("the killed worker's lock.json: %v", err)
		}
		code, _, e := fmRun(t, bin, worker(plan)...)
		if code != 0 || !strings.Contains(e, fmt.Sprintf("took over %s from pid %d", runDir, w1.Process.Pid)) || !strings.Contains(e, "its process is gone") {
			t.Fatalf("second worker: exit %d: %s", code, e)
		}
		sameModel(t, final(ref), final(plan))
		if _, err := os.Stat(rundir.LockPath(runDir)); err == nil {
			t.Error("lock.json left after the worker finished")
		}
		var wi sweep.WorkerInfo
		if b, err := os.ReadFile(filepath.Join(runDir, sweep.WorkerFile)); err != nil || json.Unmarshal(b, &wi) != nil ||
			!strings.Contains(wi.TookOver, fmt.Sprintf("from pid %d", w1.Process.Pid)) {
			t.Errorf("worker.json does not record the takeover: %+v (%v)", wi, err)
		}
	})

	t.Run("lease of another host", func(t *testing.T) {
		plan := c.planSweep(spec)
		runDir := filepath.Dir(filepath.Dir(final(plan)))
		os.MkdirAll(runDir, 0o755)
		const lease = 5 * time.Second // the first worker must be refused within it, even on a loaded machine
		now := time.Now().UTC()
		other := rundir.Holder{Writer: atomicfile.Writer{Host: "node-elsewhere", PID: 4242}, Command: "rbmscope sweep worker --plan P --index 0",
			Started: now, Renewed: now, Lease: lease.Seconds(), Token: "elsewhere"}
		b, _ := json.Marshal(other)
		if err := os.WriteFile(rundir.LockPath(runDir), b, 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, e := fmRun(t, bin, worker(plan)...)
		if time.Since(now) >= lease {
			t.Fatalf("the first worker took longer than the lease (%v); cannot tell", lease)
		}
		if code != 0 || !strings.Contains(e, "is held by pid 4242 on host node-elsewhere") || !strings.Contains(e, "nothing to do") {
			t.Fatalf("worker within the lease: exit %d: %s", code, e)
		}
		if _, err := os.Stat(rundir.InfoPath(runDir)); err == nil {
			t.Fatal("the worker wrote into a run held by another host")
		}
		time.Sleep(time.Until(now.Add(lease + 100*time.Millisecond)))
		code, _, e = fmRun(t, bin, worker(plan)...)
		if code != 0 || !strings.Contains(e, "took over") || !strings.Contains(e, "node-elsewhere") || !strings.Contains(e, "lease of 5s") {
			t.Fatalf("worker after the lease: exit %d: %s", code, e)
		}
		sameModel(t, final(ref), final(plan))
	})
}
