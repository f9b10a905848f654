package main

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/train"
)

// killTrainArgs is a small PCD run of a few seconds on a generated .npy.
func killTrainArgs(data, out string) []string {
	return []string{"train", "--data", data, "--hidden", "24", "--method", "pcd", "--k", "5", "--batch", "20",
		"--epochs", "10", "--eval-subset", "200", "--seed", "3", "--out", out, "--quiet"}
}

// startBin starts the binary; stderr is collected into the returned buffer.
func startBin(t *testing.T, bin string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var e bytes.Buffer
	cmd.Stderr = &e
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &e
}

// waitFor polls until every path exists (or the process has exited).
func waitFor(t *testing.T, done <-chan error, paths ...string) bool {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		all := true
		for _, p := range paths {
			if _, err := os.Stat(p); err != nil {
				all = false
			}
		}
		if all {
			return true
		}
		select {
		case <-done:
			return false
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("timed out waiting for %v", paths)
	return false
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		return -1000
	}
	return 0
}

// tempFiles lists atomic-write leftovers (.NAME.tmp-*) anywhere under dir.
func tempFiles(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".") && strings.Contains(d.Name(), ".tmp-") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// sameModel requires bit-identical W, a and b.
func sameModel(t *testing.T, want, got string) {
	t.Helper()
	a, err := rbm.Load(want)
	if err != nil {
		t.Fatal(err)
	}
	b, err := rbm.Load(got)
	if err != nil {
		t.Fatal(err)
	}
	for name, pair := range map[string][2][]float64{"W": {a.W.Data, b.W.Data}, "a": {a.A, b.A}, "b": {a.B, b.B}} {
		x, y := pair[0], pair[1]
		if len(x) != len(y) {
			t.Fatalf("%s: %d vs %d values", name, len(x), len(y))
		}
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
				t.Fatalf("%s[%d]: %v (uninterrupted) vs %v (interrupted and resumed)", name, i, x[i], y[i])
			}
		}
	}
}

// allCheckpointsLoad checks that every checkpoint in a run is complete.
func allCheckpointsLoad(t *testing.T, run string) int {
	t.Helper()
	cks, err := rundir.Checkpoints(run)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cks {
		if _, err := rbm.Load(c.Path); err != nil {
			t.Errorf("checkpoint %s is damaged: %v", c.Path, err)
		}
	}
	if _, err := os.Stat(rundir.StatePath(run)); err == nil {
		if _, err := rbm.ReadArrays(rundir.StatePath(run), "W", "a", "b", "chains"); err != nil {
			t.Errorf("resume state is damaged: %v", err)
		}
	}
	return len(cks)
}

// TestKillAndResume: a run killed with SIGKILL at random points (twice) and
// resumed each time ends with exactly the parameters of an uninterrupted
// run, and never leaves a damaged checkpoint.
func TestKillAndResume(t *testing.T) {
	bin := testBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "d.npy")
	fmWriteNPY(t, data, 2000, 100, 11)

	ref := filepath.Join(dir, "ref")
	t0 := time.Now()
	if code, _, e := fmRun(t, bin, killTrainArgs(data, ref)...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", code, e)
	}
	total := time.Since(t0)
	final := rundir.CheckpointPath(ref, 10)

	rng := rand.New(rand.NewPCG(2024, 8))
	run := filepath.Join(dir, "killed")
	args := killTrainArgs(data, run)
	kills := 0
	for attempt := 0; attempt < 6 && kills < 2; attempt++ {
		if attempt > 0 {
			args = []string{"train", "--out", run, "--resume", "--quiet"}
		}
		cmd, stderr := startBin(t, bin, args...)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if !waitFor(t, done, rundir.CheckpointPath(run, 0), filepath.Join(run, "run.json")) {
			t.Fatalf("run ended before its first checkpoint: %s", stderr)
		}
		delay := time.Duration(rng.Float64() * 0.6 * float64(total))
		select {
		case err := <-done:
			t.Logf("attempt %d finished (exit %d) before the kill at %v", attempt, exitCode(err), delay)
			continue
		case <-time.After(delay):
		}
		cmd.Process.Signal(syscall.SIGKILL)
		err := <-done
		if exitCode(err) == 0 {
			t.Logf("attempt %d finished just before the kill", attempt)
			continue
		}
		kills++
		n := allCheckpointsLoad(t, run)
		t.Logf("killed after %v with %d checkpoints; leftovers %v", delay, n, tempFiles(run))
	}
	if kills == 0 {
		t.Fatal("never managed to kill the run mid-way")
	}
	if code, _, e := fmRun(t, bin, "train", "--out", run, "--resume", "--quiet"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, e)
	}
	sameModel(t, final, rundir.CheckpointPath(run, 10))
	if tmp := tempFiles(run); len(tmp) > 0 {
		t.Errorf("resume left the killed runs' temporary files: %v", tmp)
	}
	if n := allCheckpointsLoad(t, run); n != 11 {
		t.Errorf("%d checkpoints after resuming, want 11", n)
	}
}

// TestSignalsStopCleanly: SIGINT and SIGTERM stop a run with exit code 1, a
// one-line message saying how to resume, no temporary files and status
// "stopped"; resuming gives the uninterrupted result bit for bit.
func TestSignalsStopCleanly(t *testing.T) {
	bin := testBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "d.npy")
	fmWriteNPY(t, data, 2000, 100, 11)
	ref := filepath.Join(dir, "ref")
	if code, _, e := fmRun(t, bin, killTrainArgs(data, ref)...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", code, e)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			run := filepath.Join(dir, strings.ReplaceAll(sig.String(), " ", "-"))
			cmd, stderr := startBin(t, bin, killTrainArgs(data, run)...)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			if !waitFor(t, done, rundir.CheckpointPath(run, 1)) {
				t.Fatalf("run ended before epoch 1: %s", stderr)
			}
			cmd.Process.Signal(sig)
			code := exitCode(<-done)
			msg := strings.TrimSpace(stderr.String())
			if code != 1 {
				t.Errorf("exit code %d after %v, want 1", code, sig)
			}
			if !strings.Contains(msg, "--resume") || strings.Contains(msg, "\n") || strings.Contains(msg, "goroutine ") {
				t.Errorf("message after %v: %q; want one line saying how to resume", sig, msg)
			}
			if tmp := tempFiles(run); len(tmp) > 0 {
				t.Errorf("temporary files left after %v: %v", sig, tmp)
			}
			if info, err := train.ReadInfo(run); err != nil || info.Status != "stopped" {
				t.Errorf("run.json after %v: %+v, %v; want status stopped", sig, info, err)
			}
			allCheckpointsLoad(t, run)
			if code, _, e := fmRun(t, bin, "train", "--out", run, "--resume", "--quiet"); code != 0 {
				t.Fatalf("resume: exit %d: %s", code, e)
			}
			sameModel(t, rundir.CheckpointPath(ref, 10), rundir.CheckpointPath(run, 10))
		})
	}
}

// TestDivergenceKeepsLastGoodCheckpoint: a far too large learning rate
// stops with exit 1 and a message naming the epoch, the last good
// checkpoint (which loads) and a smaller learning rate; that checkpoint,
// given to eval/analyze/sample, works, while a NaN-poisoned copy is refused
// with exit 2.
func TestDivergenceKeepsLastGoodCheckpoint(t *testing.T) {
	bin := testBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "d.npy")
	fmWriteNPY(t, data, 400, 30, 5)
	run := filepath.Join(dir, "div")
	code, _, stderr := fmRun(t, bin, "train", "--data", data, "--hidden", "8", "--k", "1", "--batch", "20", "--epochs", "5",
		"--optimizer", "sgd", "--lr", "100", "--eval-subset", "50", "--out", run, "--quiet")
	msg := strings.TrimSpace(stderr)
	if code != 1 {
		t.Errorf("exit %d, want 1: %s", code, msg)
	}
	for _, want := range []string{"diverged in epoch 1", "last good checkpoint: " + rundir.CheckpointPath(run, 0), "smaller learning rate"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, "goroutine ") {
		t.Errorf("want one line, got %q", msg)
	}
	if info, err := train.ReadInfo(run); err != nil || info.Status != "failed" {
		t.Errorf("run.json: %+v, %v; want status failed", info, err)
	}
	good := rundir.CheckpointPath(run, 0)
	if _, err := rbm.Load(good); err != nil {
		t.Fatalf("last good checkpoint does not load: %v", err)
	}
	if code, _, e := fmRun(t, bin, "sample", "--model", good, "--chains", "2", "--steps", "1", "--out", filepath.Join(dir, "s.png")); code != 0 {
		t.Errorf("sample on the last good checkpoint: exit %d: %s", code, e)
	}
	// Resuming a diverged run diverges again at the same place (it is
	// deterministic), still with exit 1.
	if code, _, e := fmRun(t, bin, "train", "--out", run, "--resume", "--quiet"); code != 1 || !strings.Contains(e, "diverged in epoch 1") {
		t.Errorf("resume of a diverged run: exit %d: %s", code, e)
	}
}

// TestDiskFullDuringTraining: when writes fail mid-run (a file-size limit
// stands in for a full disk) training stops with exit 1 and a one-line
// error, leaves no temporary files and no damaged checkpoint, and the run
// resumes once space is back.
func TestDiskFullDuringTraining(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash for ulimit")
	}
	bin := testBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "d.npy")
	fmWriteNPY(t, data, 2000, 100, 11)
	ref := filepath.Join(dir, "ref")
	if code, _, e := fmRun(t, bin, killTrainArgs(data, ref)...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", code, e)
	}
	st, err := os.Stat(rundir.StatePath(ref))
	if err != nil {
		t.Fatal(err)
	}
	// Checkpoints (~10 KB) fit; the resume state (~30 KB) does not.
	limitKB := st.Size()/1024 - 4
	run := filepath.Join(dir, "full")
	script := `trap "" XFSZ; ulimit -f "$1"; shift; exec "$@"`
	cmd := exec.Command("bash", append([]string{"-c", script, "bash", itoaKB(limitKB), bin}, killTrainArgs(data, run)...)...)
	var e bytes.Buffer
	cmd.Stderr = &e
	code := exitCode(cmd.Run())
	msg := strings.TrimSpace(e.String())
	if code != 1 {
		t.Errorf("exit %d with a full disk, want 1: %s", code, msg)
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic") {
		t.Errorf("want a one-line error, got:\n%s", msg)
	}
	if tmp := tempFiles(run); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	allCheckpointsLoad(t, run)
	// With space back, start over (the first state never got written) and
	// finish identically.
	if code, _, e := fmRun(t, bin, append(killTrainArgs(data, run), "--force")...); code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, e)
	}
	sameModel(t, rundir.CheckpointPath(ref, 10), rundir.CheckpointPath(run, 10))
}

func itoaKB(n int64) string { return strconv.FormatInt(max(n, 1), 10) }
