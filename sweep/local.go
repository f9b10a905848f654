package sweep

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// LocalOptions configure the local executor.
type LocalOptions struct {
	Exe     string // rbmscope binary that runs `sweep worker` (required)
	Cores   int    // cores to use (default runtime.NumCPU())
	Workers int    // concurrent workers (default min(pending, Cores/Threads))
	Threads int    // BLAS threads and GOMAXPROCS per worker (default Cores/Workers, at least 1)
	// Args builds the worker's arguments (default: sweep worker --plan P --index I).
	Args func(planPath string, index int) []string
	// Env is appended to the worker environment (after the thread settings).
	Env []string
	// OnExit is called (from the pool goroutines, serialised) as each worker ends.
	OnExit func(r LocalResult)
}

// LocalResult is the outcome of one local worker process.
type LocalResult struct {
	Index   int
	ID      string
	Err     error // nil on exit status 0
	Seconds float64
	Log     string // the worker's stdout+stderr file
}

// Threads splits cores between workers so that workers × threads ≤ cores.
// workers or threads may be 0 (choose); pending bounds the workers.
func Threads(cores, workers, threads, pending int) (w, t int) {
	cores = max(cores, 1)
	switch {
	case workers > 0 && threads > 0:
		w, t = workers, threads
	case workers > 0:
		w, t = workers, max(cores/workers, 1)
	case threads > 0:
		w, t = max(cores/threads, 1), threads
	default:
		w = min(cores, max(pending, 1))
		t = max(cores/w, 1)
	}
	if pending > 0 {
		w = min(w, pending)
	}
	return max(w, 1), max(t, 1)
}

// RunLocal runs every pending entry of p as a child process of opts.Exe,
// a pool of Workers at a time, each with OPENBLAS_NUM_THREADS, OMP_NUM_THREADS
// and GOMAXPROCS set to Threads. A crash in one worker does not affect the
// others. Worker output goes to DIR/logs/local-<id>.log. Cancelling ctx
// sends SIGTERM to running workers (they stop at the next minibatch and
// can be resumed) and starts no new ones.
func RunLocal(ctx context.Context, p *Plan, opts LocalOptions) ([]LocalResult, error) {
	if opts.Exe == "" {
		return nil, fmt.Errorf("local executor: no rbmscope binary given")
	}
	if opts.Workers < 0 || opts.Threads < 0 {
		return nil, specErr("--workers and --threads must be ≥ 0 (0 = choose from the cores)")
	}
	pending := Pending(p)
	if len(pending) == 0 {
		return nil, nil
	}
	cores := opts.Cores
	if cores <= 0 {
		cores = runtime.NumCPU()
	}
	workers, threads := Threads(cores, opts.Workers, opts.Threads, len(pending))
	if workers*threads > cores {
		return nil, specErr("%d workers × %d threads = %d exceeds the %d cores; lower --workers or --threads", workers, threads, workers*threads, cores)
	}
	logs := filepath.Join(p.Dir(), "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, err
	}
	args := opts.Args
	if args == nil {
		args = func(plan string, i int) []string {
			return []string{"sweep", "worker", "--plan", plan, "--index", strconv.Itoa(i)}
		}
	}
	env := append(os.Environ(),
		"OPENBLAS_NUM_THREADS="+strconv.Itoa(threads), "OMP_NUM_THREADS="+strconv.Itoa(threads),
		"GOMAXPROCS="+strconv.Itoa(threads), "SLURM_ARRAY_TASK_ID=", "JOB_COMPLETION_INDEX=")
	env = append(env, opts.Env...)

	jobs := make(chan int)
	results := make([]LocalResult, 0, len(pending))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := runChild(ctx, p, i, opts.Exe, args(p.Path(), i), env, logs)
				mu.Lock()
				results = append(results, r)
				if opts.OnExit != nil {
					opts.OnExit(r)
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, i := range pending {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	return results, ctx.Err()
}

func runChild(ctx context.Context, p *Plan, i int, exe string, args, env []string, logs string) LocalResult {
	e := p.Entries[i]
	r := LocalResult{Index: i, ID: e.ID, Log: filepath.Join(logs, "local-"+e.ID+".log")}
	start := time.Now()
	f, err := os.OpenFile(r.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		r.Err = err
		return r
	}
	defer f.Close()
	fmt.Fprintf(f, "=== %s worker for entry %d (%s)\n", time.Now().UTC().Format(time.RFC3339), i, e.ID)
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, f, f
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Run(); err != nil {
		r.Err = fmt.Errorf("entry %d (%s): worker %v; see %s", i, e.ID, err, r.Log)
	}
	r.Seconds = time.Since(start).Seconds()
	return r
}
