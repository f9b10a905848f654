package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rbmscope/rbmscope/internal/jsonsafe"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/train"
)

// Marker files in a run directory.
const (
	DoneFile   = "done"        // JSON DoneMarker, written last
	FailedFile = "failed"      // JSON FailedMarker
	WorkerFile = "worker.json" // JSON WorkerInfo of the newest worker
)

// DoneMarker is the content of a run's done file.
type DoneMarker struct {
	ID           string    `json:"id"`
	Finished     time.Time `json:"finished"`
	Seconds      float64   `json:"seconds"`       // wall seconds of the worker that finished the run
	TrainSeconds float64   `json:"train_seconds"` // sum of the epoch times in metrics.csv (over every attempt)
	Epochs       int       `json:"epochs"`
	Steps        []string  `json:"steps,omitempty"` // post-training steps that ran
}

// FailedMarker is the content of a run's failed file.
type FailedMarker struct {
	ID    string    `json:"id"`
	Time  time.Time `json:"time"`
	Host  string    `json:"host"`
	Error string    `json:"error"` // one line
}

// WorkerInfo says who is (or was last) working on a run.
type WorkerInfo struct {
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	Engine  string    `json:"engine,omitempty"` // e.g. "slurm job 12_3"
	// TookOver says whose lock this worker took over, and why ("" if the
	// run directory was free).
	TookOver string `json:"took_over,omitempty"`
}

// IndexFromEnv returns the entry index: flag if it is not empty, else
// $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX (Kubernetes Indexed
// Jobs). source names where it came from.
func IndexFromEnv(flag string, getenv func(string) string) (index int, source string, err error) {
	for _, c := range []struct{ name, val string }{
		{"--index", flag},
		{"SLURM_ARRAY_TASK_ID", getenv("SLURM_ARRAY_TASK_ID")},
		{"JOB_COMPLETION_INDEX", getenv("JOB_COMPLETION_INDEX")},
	} {
		v := strings.TrimSpace(c.val)
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 {
			return 0, c.name, specErr("%s = %q is not an entry index (a whole number ≥ 0)", c.name, c.val)
		}
		return i, c.name, nil
	}
	return 0, "", specErr("no entry index: give --index I, or run inside a Slurm array ($SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job ($JOB_COMPLETION_INDEX)")
}

// WorkerOptions tune RunWorker.
type WorkerOptions struct {
	Progress func(train.Event) // training progress (optional)
	Engine   string            // recorded in worker.json (optional)
}

// WorkerResult reports what a worker did.
type WorkerResult struct {
	Entry   Entry
	RunDir  string
	Skipped bool           // the entry was already done
	Busy    *rundir.Holder // the entry is held by this live worker: nothing to do
	Done    *DoneMarker
}

// RunWorker trains entry index of p into its run directory, resuming from
// the newest checkpoint if an earlier worker was killed, then runs the
// requested post-training steps and writes the done marker. It holds the
// run directory's owner lock (rundir.Acquire) throughout: an entry that
// another live worker holds is left to it (Busy, no error), and the lock
// of a dead one is taken over (reported through opts.Progress). An entry
// that is already done is skipped. A failure writes the failed marker (and
// is returned); a cancelled ctx stops the run without marking it failed,
// so that the next worker resumes it.
func RunWorker(ctx context.Context, p *Plan, index int, opts WorkerOptions) (*WorkerResult, error) {
	e, err := p.Entry(index)
	if err != nil {
		return nil, err
	}
	dir := p.RunDir(e)
	res := &WorkerResult{Entry: e, RunDir: dir}
	if d, err := ReadDone(dir); err == nil && d.Epochs >= e.Config.Epochs {
		res.Skipped, res.Done = true, d
		return res, nil
	}
	start := time.Now()
	lk, err := train.OwnDir(dir)
	var busy *rundir.BusyError
	if errors.As(err, &busy) {
		res.Busy = &busy.Holder
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	defer lk.Release()
	if note := lk.TakeoverNote(); note != "" && opts.Progress != nil {
		opts.Progress(train.Event{Message: note})
	}
	if d, err := ReadDone(dir); err == nil && d.Epochs >= e.Config.Epochs { // finished while we waited for the lock
		res.Skipped, res.Done = true, d
		return res, nil
	}
	for _, f := range []string{DoneFile, FailedFile} { // a stale done marker (fewer epochs) or an old failure
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	host, _ := os.Hostname()
	wi := WorkerInfo{Host: host, PID: os.Getpid(), Started: start.UTC(), Engine: opts.Engine, TookOver: lk.TakeoverNote()}
	if err := writeJSON(filepath.Join(dir, WorkerFile), wi); err != nil {
		return nil, err
	}
	fail := func(err error) (*WorkerResult, error) {
		if ctx.Err() != nil || lk.Check() != nil {
			return res, err // stopped, not failed: the next worker resumes (or the new holder finishes)
		}
		fm := FailedMarker{ID: e.ID, Time: time.Now().UTC(), Host: host, Error: oneLine(err.Error())}
		if werr := writeJSON(filepath.Join(dir, FailedFile), fm); werr != nil {
			return res, fmt.Errorf("%v (and the failed marker could not be written: %v)", err, werr)
		}
		return res, err
	}
	if _, err := train.Run(ctx, e.Config, train.RunOptions{Out: dir, Resume: true, Progress: opts.Progress, Lock: lk}); err != nil {
		return fail(fmt.Errorf("entry %d (%s): %w", e.Index, e.ID, err))
	}
	done := &DoneMarker{ID: e.ID, Epochs: e.Config.Epochs}
	if done.Steps, err = runSteps(ctx, dir, e); err != nil {
		return fail(fmt.Errorf("entry %d (%s): %w", e.Index, e.ID, err))
	}
	ms, err := rundir.ReadMetrics(dir)
	if err != nil {
		return fail(err)
	}
	for _, m := range ms {
		if m.Seconds == m.Seconds { // not NaN
			done.TrainSeconds += m.Seconds
		}
	}
	done.Finished, done.Seconds = time.Now().UTC(), time.Since(start).Seconds()
	if err := lk.Check(); err != nil {
		return res, err // not ours any more: the new holder finishes the entry
	}
	if err := writeJSON(filepath.Join(dir, DoneFile), done); err != nil {
		return fail(err)
	}
	res.Done = done
	return res, nil
}

// ReadDone reads a run directory's done marker.
func ReadDone(runDir string) (*DoneMarker, error) {
	var d DoneMarker
	if err := readJSON(filepath.Join(runDir, DoneFile), &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// ReadFailed reads a run directory's failed marker.
func ReadFailed(runDir string) (*FailedMarker, error) {
	var f FailedMarker
	if err := readJSON(filepath.Join(runDir, FailedFile), &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// Pending lists the indices of entries that are not done.
func Pending(p *Plan) []int {
	var out []int
	for _, e := range p.Entries {
		if d, err := ReadDone(p.RunDir(e)); err != nil || d.Epochs < e.Config.Epochs {
			out = append(out, e.Index)
		}
	}
	sort.Ints(out)
	return out
}

func writeJSON(path string, v any) error { return jsonsafe.WriteFile(path, v, "  ") }

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}
