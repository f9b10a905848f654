package sweep

import (
	"context"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestThreads(t *testing.T) {
	cases := []struct {
		cores, workers, threads, pending int
		w, t                             int
	}{
		{16, 0, 0, 20, 16, 1},
		{16, 0, 0, 4, 4, 4}, // few runs: more BLAS threads each
		{16, 4, 0, 20, 4, 4},
		{16, 0, 8, 20, 2, 8},
		{16, 3, 0, 20, 3, 5},
		{2, 0, 0, 1, 1, 2},
		{2, 0, 4, 9, 1, 4}, // asked for more threads than cores: RunLocal refuses
		{1, 5, 0, 9, 5, 1},
		{0, 0, 0, 0, 1, 1},
	}
	for _, tc := range cases {
		w, th := Threads(tc.cores, tc.workers, tc.threads, tc.pending)
		if w != tc.w || th != tc.t {
			t.Errorf("Threads(%d cores, %d workers, %d threads, %d pending) = %d×%d, want %d×%d",
				tc.cores, tc.workers, tc.threads, tc.pending, w, th, tc.w, tc.t)
		}
		if tc.workers == 0 && tc.threads == 0 && w*th > max(tc.cores, 1) {
			t.Errorf("default split oversubscribes %d cores: %d×%d", tc.cores, w, th)
		}
	}
}

// testExe returns this test binary as a worker executable.
func testExe(t *testing.T) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("RBMSCOPE_SWEEP_TEST_WORKER", "1")
	return exe
}

func TestRunLocal(t *testing.T) {
	p := tinyPlan(t, "3", "")
	exe := testExe(t)
	var exits int
	res, err := RunLocal(context.Background(), p, LocalOptions{Exe: exe, Cores: 2, OnExit: func(LocalResult) { exits++ }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || exits != 2 {
		t.Fatalf("results %+v, %d exits", res, exits)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("entry %d: %v", r.Index, r.Err)
		}
	}
	c, _ := Collect(p)
	if c.Counts[StateDone] != 2 {
		t.Fatalf("counts %v", c.Counts)
	}
	// 2 cores, 2 runs: one thread each, set for the child.
	for _, e := range p.Entries {
		b, err := os.ReadFile(filepath.Join(p.RunDir(e), "env.txt"))
		if err != nil || strings.TrimSpace(string(b)) != "GOMAXPROCS=1 OPENBLAS_NUM_THREADS=1" {
			t.Errorf("entry %s ran with %q (%v)", e.ID, b, err)
		}
	}
	// Nothing left: a second submit starts no worker.
	res, err = RunLocal(context.Background(), p, LocalOptions{Exe: exe, Cores: 2})
	if err != nil || len(res) != 0 {
		t.Fatalf("second run: %+v %v", res, err)
	}
}

// A worker that crashes loses only its own entry.
func TestRunLocalCrashIsolated(t *testing.T) {
	p := tinyPlan(t, "3", "")
	exe := testExe(t)
	args := func(plan string, i int) []string {
		if i == 0 {
			return []string{"crash"}
		}
		return []string{"sweep", "worker", "--plan", plan, "--index", strconv.Itoa(i)}
	}
	res, err := RunLocal(context.Background(), p, LocalOptions{Exe: exe, Cores: 2, Workers: 1, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	byIndex := map[int]LocalResult{}
	for _, r := range res {
		byIndex[r.Index] = r
	}
	if byIndex[0].Err == nil || byIndex[1].Err != nil {
		t.Fatalf("results %+v", res)
	}
	log, _ := os.ReadFile(byIndex[0].Log)
	if !strings.Contains(string(log), "worker crashed on purpose") || !strings.Contains(byIndex[0].Err.Error(), byIndex[0].Log) {
		t.Fatalf("crash log %q, error %v", log, byIndex[0].Err)
	}
	if got := Pending(p); len(got) != 1 || got[0] != 0 {
		t.Fatalf("pending after crash %v, want [0]", got)
	}
	if _, err := RunLocal(context.Background(), p, LocalOptions{Exe: exe, Cores: 2, Workers: 1, Threads: 4}); err == nil || !badinput.Is(err) {
		t.Fatalf("oversubscription accepted: %v", err)
	}
}
