package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

func failureCfg(t *testing.T) Config {
	cfg := smallCfg("pcd")
	cfg.Data, cfg.Epochs, cfg.K, cfg.Hidden = writeNPY(t, toyData(200, 16, 5)), 3, 2, 6
	return cfg
}

// staleTemps lists atomic-write temporaries in a run directory.
func staleTemps(dir string) []string {
	a, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	b, _ := filepath.Glob(filepath.Join(dir, "checkpoints", ".*.tmp-*"))
	return append(a, b...)
}

// TestResumeRemovesStaleTemps: temporaries that a SIGKILLed run left
// behind are removed when the run is resumed, and the run completes.
func TestResumeRemovesStaleTemps(t *testing.T) {
	cfg := failureCfg(t)
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Run(ctx, cfg, RunOptions{Out: dir, Progress: func(ev Event) {
		if ev.Epoch == 2 && ev.Batch == 3 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want cancellation, got %v", err)
	}
	for _, p := range []string{"checkpoints/.epoch-0002.npz.tmp-123", "checkpoints/.chains.npz.tmp-9", ".metrics.csv.tmp-77", ".run.json.tmp-5"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte("half a fi"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Run(context.Background(), cfg, RunOptions{Out: dir, Resume: true}); err != nil {
		t.Fatal(err)
	}
	if left := staleTemps(dir); len(left) > 0 {
		t.Errorf("stale temporaries survive a resume: %v", left)
	}
	if cs, _ := Checkpoints(dir); len(cs) != 4 {
		t.Errorf("%d checkpoints, want 4", len(cs))
	}
}

// TestRunBadOutputIsInputError: an output path below a regular file (which
// even root cannot create) is bad input, reported before any work.
func TestRunBadOutputIsInputError(t *testing.T) {
	cfg := failureCfg(t)
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o644)
	_, err := Run(context.Background(), cfg, RunOptions{Out: filepath.Join(file, "run")})
	if !IsInputError(err) || !strings.Contains(err.Error(), "run directory") {
		t.Fatalf("got %v, want an InputError about the run directory", err)
	}
}

// TestResumeWithDamagedState: a truncated or mismatched chains.npz makes
// --resume fail with an error naming the file, not a panic.
func TestResumeWithDamagedState(t *testing.T) {
	cfg := failureCfg(t)
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Run(context.Background(), cfg, RunOptions{Out: dir}); err != nil {
		t.Fatal(err)
	}
	state := StatePath(dir)
	good, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Epochs = 4
	for name, data := range map[string][]byte{
		"truncated": good[:len(good)/2],
		"garbage":   []byte("PK\x03\x04 not really"),
		"empty":     nil,
	} {
		os.WriteFile(state, data, 0o644)
		_, err := Run(context.Background(), cfg, RunOptions{Out: dir, Resume: true})
		if err == nil || !strings.Contains(err.Error(), "chains.npz") {
			t.Errorf("%s state: %v, want an error naming chains.npz", name, err)
		}
	}
	// A state of other dimensions (a model saved where the state belongs).
	if err := rbm.New(16, 3).Save(state, rbm.Float32); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), cfg, RunOptions{Out: dir, Resume: true}); err == nil || !strings.Contains(err.Error(), "chains.npz") {
		t.Errorf("mismatched state: %v", err)
	}
}

// TestSaveStateOnFullDisk: when the file system refuses writes (a
// file-size limit stands in for a full disk), SaveState returns an error
// instead of panicking and leaves neither a temporary nor a damaged file.
// The limit is set in a child process: RLIMIT_FSIZE is process-wide, and
// in the test process itself it also failed go test's own log writes.
func TestSaveStateOnFullDisk(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses RLIMIT_FSIZE")
	}
	if dir := os.Getenv(fullDiskChildEnv); dir != "" {
		saveUnderFileLimit(t, dir)
		return
	}
	cfg := failureCfg(t)
	cfg.Hidden = 64
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Run(context.Background(), cfg, RunOptions{Out: dir}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(StatePath(dir))
	cmd := exec.Command(os.Args[0], "-test.run=^TestSaveStateOnFullDisk$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), fullDiskChildEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "SaveState failed as it should:") {
		t.Fatalf("child did not report SaveState's error:\n%s", out)
	}
	if left := staleTemps(dir); len(left) > 0 {
		t.Errorf("temporaries left: %v", left)
	}
	after, _ := os.ReadFile(StatePath(dir))
	if string(after) != string(before) {
		t.Error("the previous state was changed by the failed write")
	}
}

const fullDiskChildEnv = "RBMSCOPE_FULL_DISK_CHILD"

// saveUnderFileLimit is the child of TestSaveStateOnFullDisk: it saves the
// run's state again under a 4 KiB file-size limit.
func saveUnderFileLimit(t *testing.T, dir string) {
	info, err := ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := LoadState(StatePath(dir), info.Config, tensor.Default(), &Shape{Visible: 16})
	if err != nil {
		t.Fatal(err)
	}
	signal.Ignore(syscall.SIGXFSZ)
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip(err)
	}
	lim := old
	lim.Cur = 4096
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skip(err)
	}
	err = func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("SaveState panicked: %v", p)
			}
		}()
		return tr.SaveState(StatePath(dir))
	}()
	syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old)
	if err == nil {
		t.Fatal("SaveState succeeded past a 4 KiB file-size limit")
	}
	fmt.Println("SaveState failed as it should:", err)
}

// TestValidateRejectsNonFinite: NaN or infinite settings are bad input,
// not a "divergence" one epoch later.
func TestValidateRejectsNonFinite(t *testing.T) {
	inf := math.Inf(1)
	for name, mod := range map[string]func(*Config){
		"momentum NaN":     func(c *Config) { c.Momentum = math.NaN() },
		"weight decay NaN": func(c *Config) { c.WeightDecay = math.NaN() },
		"weight decay Inf": func(c *Config) { c.WeightDecay = inf },
		"init std Inf":     func(c *Config) { c.InitStd = inf },
		"init std NaN":     func(c *Config) { c.InitStd = math.NaN() },
		"lr NaN":           func(c *Config) { c.LR = math.NaN() },
		"lr Inf":           func(c *Config) { c.LR = inf },
	} {
		c := DefaultConfig()
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
