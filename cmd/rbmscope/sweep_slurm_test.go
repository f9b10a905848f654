package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/sweep"
	"github.com/rbmscope/rbmscope/train"
)

// These tests submit sweeps to a real Slurm cluster (scripts/slurm-local.sh
// start brings up a single-node one). They run when RBMSCOPE_SLURM=1 is set
// (then a missing cluster is an error) or when sinfo answers.

func needSlurm(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("Slurm integration test: skipped with -short (it runs in the OpenBLAS pass of scripts/test.sh)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sinfo", "-h", "-o", "%a").CombinedOutput()
	up := err == nil && strings.Contains(string(out), "up")
	switch {
	case os.Getenv("RBMSCOPE_SLURM") == "1" && !up:
		t.Fatalf("RBMSCOPE_SLURM=1 but sinfo does not answer (%v: %s); start the cluster with scripts/slurm-local.sh start", err, out)
	case !up:
		t.Skip("no Slurm cluster (sinfo does not answer); run scripts/slurm-local.sh start and set RBMSCOPE_SLURM=1")
	}
}

type cli struct {
	t   *testing.T
	bin string
}

// run runs rbmscope and returns stdout; a non-zero exit fails the test.
func (c cli) run(args ...string) []byte {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(c.bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("rbmscope %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// planSweep writes spec into a temp sweep dir and plans it.
func (c cli) planSweep(spec string) string {
	c.t.Helper()
	dir := c.t.TempDir()
	specPath := filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(specPath, []byte(spec), 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.run("sweep", "plan", "--spec", specPath, "--out", filepath.Join(dir, "sw"))
	return filepath.Join(dir, "sw", "plan.json")
}

// submitSlurm submits the plan's pending entries and cancels the job when
// the test ends.
func (c cli) submitSlurm(plan string) sweep.Submission {
	c.t.Helper()
	var sub sweep.Submission
	if err := json.Unmarshal(c.run("sweep", "submit", "--plan", plan, "--executor", "slurm", "--json"), &sub); err != nil || sub.JobID == "" {
		c.t.Fatalf("submit output: %+v %v", sub, err)
	}
	c.t.Cleanup(func() { exec.Command("scancel", sub.JobID).Run() })
	return sub
}

type statusJSON struct {
	Counts   map[string]int    `json:"counts"`
	Problems []string          `json:"problems"`
	Slurm    []sweep.TaskState `json:"slurm"`
}

func (c cli) status(plan string) statusJSON {
	c.t.Helper()
	var st statusJSON
	if err := json.Unmarshal(c.run("sweep", "status", "--plan", plan, "--json"), &st); err != nil {
		c.t.Fatal(err)
	}
	return st
}

// waitDone polls sweep status until every entry is done.
func (c cli) waitDone(plan string, n int, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := c.status(plan)
		if st.Counts[sweep.StateDone] == n {
			return
		}
		if st.Counts[sweep.StateFailed] > 0 || time.Now().After(deadline) {
			c.t.Fatalf("sweep not done after %v: counts %v\n%s\nslurm %+v", timeout, st.Counts, strings.Join(st.Problems, "\n"), st.Slurm)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func tinySpec(t *testing.T, epochs string) string {
	data, err := filepath.Abs("../../sweep/testdata/tiny.npy")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("name: slurmtest\nhidden: [3]\nmethod: [pcd]\nk: [1]\nlr: [0.01]\nepochs: %s\nreplicas: 2\n"+
		"train: {data: %s, batch: 20, eval_subset: 60, checkpoint_spacing: log}\nresources: {cpus: 1, time: \"10:00\"}\n", epochs, data)
}

func TestSweepSlurmArray(t *testing.T) {
	needSlurm(t)
	c := cli{t, testBinary(t)}
	plan := c.planSweep(tinySpec(t, "[2, 3]")) // 4 entries: e2-r0, e2-r1, e3-r0, e3-r1
	sub := c.submitSlurm(plan)
	if sub.Indices != "0-3" {
		t.Fatalf("submitted indices %q", sub.Indices)
	}
	script, _ := os.ReadFile(sub.File)
	if !strings.Contains(string(script), "#SBATCH --array=0-3\n") || !strings.Contains(string(script), "#SBATCH --time=10:00\n") {
		t.Fatalf("script:\n%s", script)
	}
	c.waitDone(plan, 4, 2*time.Minute)

	var col sweep.Collection
	if err := json.Unmarshal(c.run("sweep", "collect", "--plan", plan, "--json"), &col); err != nil {
		t.Fatal(err)
	}
	if len(col.Runs) != 4 || len(col.Groups) != 2 {
		t.Fatalf("collection: %d runs, %d groups", len(col.Runs), len(col.Groups))
	}
	p, err := sweep.ReadPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range col.Runs {
		e := p.Entries[i]
		ms, err := rundir.ReadMetrics(p.RunDir(e))
		if err != nil || len(ms) != e.Config.Epochs+1 {
			t.Fatalf("entry %s: %d metrics rows (%v)", e.ID, len(ms), err)
		}
		last := ms[len(ms)-1]
		if r.State != sweep.StateDone || r.EpochsDone != e.Config.Epochs || r.ReconError == nil || *r.ReconError != last.ReconError || *r.PseudoLL != last.PseudoLL {
			t.Errorf("entry %s: %+v, metrics %+v", e.ID, r, last)
		}
		// The worker ran inside the array task whose index is the entry's.
		var wi sweep.WorkerInfo
		b, _ := os.ReadFile(filepath.Join(p.RunDir(e), sweep.WorkerFile))
		json.Unmarshal(b, &wi)
		if wi.Engine != fmt.Sprintf("slurm job %s_%d", sub.JobID, i) {
			t.Errorf("entry %d ran in %q, want array task %s_%d", i, wi.Engine, sub.JobID, i)
		}
		if cfg, _ := train.ReadConfig(p.RunDir(e)); cfg != e.Config {
			t.Errorf("entry %s trained with %+v", e.ID, cfg)
		}
	}
	for _, g := range col.Groups {
		if g.Done != 2 || g.PseudoLL.N != 2 || g.PseudoLL.SD == nil {
			t.Errorf("group %+v", g)
		}
	}
	if _, err := os.Stat(filepath.Join(p.Dir(), "summary.csv")); err != nil {
		t.Error(err)
	}
	// Submitting again finds nothing to do.
	var again any
	if b := c.run("sweep", "submit", "--plan", plan, "--executor", "slurm", "--json"); len(bytes.TrimSpace(b)) != 0 {
		json.Unmarshal(b, &again)
		t.Fatalf("second submit printed %v", again)
	}
}

// Two array tasks are killed mid-run, one by scancel (SIGTERM: the worker
// stops cleanly) and one by SIGKILL to the worker process; resubmitting submits only those two,
// they resume from their newest state, and the finished entries are not
// touched (their done markers are byte-identical).
func TestSweepSlurmResumeAfterKill(t *testing.T) {
	needSlurm(t)
	c := cli{t, testBinary(t)}
	plan := c.planSweep(tinySpec(t, "[2, 1000]")) // entries 2 and 3 train 1000 epochs (several seconds)
	p, err := sweep.ReadPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	sub := c.submitSlurm(plan)
	// Wait for both long entries to pass their first epoch, then kill them.
	deadline := time.Now().Add(2 * time.Minute)
	for _, i := range []int{2, 3} {
		ckpt := rundir.CheckpointPath(p.RunDir(p.Entries[i]), 1)
		for {
			if _, err := os.Stat(ckpt); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("entry %d never reached epoch 1: %+v", i, c.status(plan))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Entry 2: scancel (Slurm sends SIGTERM). Entry 3: SIGKILL the worker
	// process itself (as the OOM killer or a node crash would), by the pid
	// that it recorded in worker.json.
	if out, err := exec.Command("scancel", sub.JobID+"_2").CombinedOutput(); err != nil {
		t.Fatalf("scancel: %v %s", err, out)
	}
	var wi sweep.WorkerInfo
	b, err := os.ReadFile(filepath.Join(p.RunDir(p.Entries[3]), sweep.WorkerFile))
	if err != nil || json.Unmarshal(b, &wi) != nil || wi.PID <= 0 || wi.Engine != fmt.Sprintf("slurm job %s_3", sub.JobID) {
		t.Fatalf("worker.json of entry 3: %s (%v)", b, err)
	}
	if host, _ := os.Hostname(); wi.Host != host {
		t.Fatalf("worker ran on %s, not on this node %s", wi.Host, host)
	}
	if err := syscall.Kill(wi.PID, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", wi.PID, err)
	}
	// Wait until Slurm has let go of both tasks; status then reports both
	// as stopped (the SIGKILLed one because its run directory's lock holder,
	// the killed worker, is dead: rundir.Holder.Dead).
	for {
		st := c.status(plan)
		if len(st.Slurm) == 0 {
			if st.Counts[sweep.StateDone] != 2 || st.Counts[sweep.StateStopped] != 2 || !strings.Contains(strings.Join(st.Problems, "\n"), fmt.Sprintf("pid %d on host", wi.PID)) || !strings.Contains(strings.Join(st.Problems, "\n"), "is dead (its process is gone)") {
				t.Fatalf("after the kills: %v\n%s", st.Counts, strings.Join(st.Problems, "\n"))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tasks still queued: %+v", st.Slurm)
		}
		time.Sleep(250 * time.Millisecond)
	}
	col, err := sweep.Collect(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{2, 3} {
		r := col.Runs[i]
		if r.State == sweep.StateDone || r.State == sweep.StateFailed || r.EpochsDone < 1 || r.EpochsDone >= 1000 {
			t.Fatalf("killed entry %d: state %s after %d epochs (the test needs it killed mid-run)", i, r.State, r.EpochsDone)
		}
	}
	t.Logf("killed: entry 2 %s after %d epochs, entry 3 %s after %d epochs", col.Runs[2].State, col.Runs[2].EpochsDone, col.Runs[3].State, col.Runs[3].EpochsDone)
	if col.Runs[2].State != sweep.StateStopped {
		t.Errorf("scancelled entry is %s, want stopped (SIGTERM stops the worker cleanly)", col.Runs[2].State)
	}
	if col.Runs[3].State != sweep.StateStopped || !strings.Contains(col.Runs[3].Error, "is dead") {
		t.Errorf("SIGKILLed entry is %s (%q), want stopped: its lock holder, the killed worker, is dead", col.Runs[3].State, col.Runs[3].Error)
	}
	doneBefore := map[int][]byte{}
	for _, i := range []int{0, 1} {
		b, err := os.ReadFile(filepath.Join(p.RunDir(p.Entries[i]), sweep.DoneFile))
		if err != nil {
			t.Fatal(err)
		}
		doneBefore[i] = b
	}

	sub2 := c.submitSlurm(plan)
	if sub2.Indices != "2-3" || sub2.JobID == sub.JobID {
		t.Fatalf("resubmission %+v, want only entries 2-3 in a new job", sub2)
	}
	c.waitDone(plan, 4, 3*time.Minute)
	for i, want := range doneBefore {
		got, _ := os.ReadFile(filepath.Join(p.RunDir(p.Entries[i]), sweep.DoneFile))
		if !bytes.Equal(got, want) {
			t.Errorf("entry %d was redone: done marker %s, was %s", i, got, want)
		}
	}
	for _, i := range []int{2, 3} {
		e := p.Entries[i]
		log, _ := os.ReadFile(filepath.Join(p.Dir(), "logs", fmt.Sprintf("slurm-%s_%d.out", sub2.JobID, i)))
		if !strings.Contains(string(log), "resuming") {
			t.Errorf("entry %d did not resume; its log:\n%s", i, log)
		}
		ms, _ := rundir.ReadMetrics(p.RunDir(e))
		if len(ms) != 1001 {
			t.Fatalf("entry %d: %d metrics rows, want 1001", i, len(ms))
		}
		for k, m := range ms {
			if m.Epoch != k {
				t.Fatalf("entry %d: metrics row %d is epoch %d", i, k, m.Epoch)
			}
		}
		if info, _ := train.ReadInfo(p.RunDir(e)); info == nil || info.Status != "done" {
			t.Errorf("entry %d run.json %+v", i, info)
		}
	}
}
