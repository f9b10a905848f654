package reproduce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/sweep"
	"github.com/rbmscope/rbmscope/tensor"
	"github.com/rbmscope/rbmscope/train"
)

// Options say where the pipeline writes and how it reports.
type Options struct {
	Out   string // output directory (required)
	Force bool   // replace a plan.json that lists different runs
	// Logf receives one human line per event (nil: silent).
	Logf func(format string, args ...any)
	// TrainExecutor, when set, trains the pending entries of the plan (for
	// example sweep.RunLocal with child processes); nil trains in this
	// process with a pool of Settings.Workers goroutines.
	TrainExecutor func(ctx context.Context, p *sweep.Plan) error
	// Progress receives training progress of in-process runs (optional).
	Progress  func(id string, ev train.Event)
	NoFigures bool // skip figures and report.html
}

// Failure is one training run or analysis step that failed; the pipeline
// records it and carries on with everything else.
type Failure struct {
	Step  string `json:"step"`
	Error string `json:"error"`
}

// Result is what Run did.
type Result struct {
	Dir      string    `json:"dir"`
	Summary  *Summary  `json:"summary"`
	Failures []Failure `json:"failures"`
	Figures  []string  `json:"figures"`
	Report   string    `json:"report,omitempty"`
	Skipped  []string  `json:"skipped_steps"` // steps found done from an earlier invocation
	Seconds  float64   `json:"seconds"`
}

// pipeline is the state of one Run.
type pipeline struct {
	s    Settings
	o    Options
	dir  string
	plan *sweep.Plan
	be   tensor.Backend

	mu       sync.Mutex
	failures []Failure
	skipped  []string
	figs     []figure

	dataOnce   sync.Once
	dataErr    error
	test       *dataset.Set
	trainMeans []float64
}

func (p *pipeline) logf(format string, args ...any) {
	if p.o.Logf != nil {
		p.mu.Lock()
		p.o.Logf(format, args...)
		p.mu.Unlock()
	}
}

func (p *pipeline) fail(step string, err error) {
	p.mu.Lock()
	p.failures = append(p.failures, Failure{Step: step, Error: oneLine(err.Error())})
	p.mu.Unlock()
	_ = markFailed(p.dir, step, err)
	p.logf("FAILED %s: %s", step, oneLine(err.Error()))
}

// step runs fn once: skipped if its done marker exists, recorded as a
// failure (never a panic) if it errs.
func (p *pipeline) step(ctx context.Context, name string, fn func() error) bool {
	if stepDone(p.dir, name) {
		p.mu.Lock()
		p.skipped = append(p.skipped, name)
		p.mu.Unlock()
		return true
	}
	if ctx.Err() != nil {
		return false
	}
	t0 := time.Now()
	err := safely(fn)
	if err != nil {
		if ctx.Err() == nil {
			p.fail(name, err)
		}
		return false
	}
	secs := time.Since(t0).Seconds()
	if err := markDone(p.dir, name, secs); err != nil {
		p.fail(name, err)
		return false
	}
	p.logf("done %s (%.1fs)", name, secs)
	return true
}

// safely calls fn, turning a panic into an error.
func safely(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v (%s)", r, oneLine(string(debug.Stack())))
		}
	}()
	return fn()
}

// pool runs fn(i) for i in items with n goroutines.
func pool[T any](ctx context.Context, n int, items []T, fn func(T)) {
	ch := make(chan T)
	var wg sync.WaitGroup
	for range max(1, min(n, len(items))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range ch {
				fn(it)
			}
		}()
	}
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		ch <- it
	}
	close(ch)
	wg.Wait()
}

// Run executes the pipeline of s into o.Out. It returns an error only for
// bad input or when ctx is cancelled; failed runs and steps are listed in
// Result.Failures (and in results/failures.json) while everything else
// still completes.
func Run(ctx context.Context, s Settings, o Options) (*Result, error) {
	t0 := time.Now()
	if err := s.Validate(); err != nil {
		return nil, badinput.Wrap(err)
	}
	if o.Out == "" {
		return nil, badinput.Wrap(fmt.Errorf("no output directory: give --out DIR"))
	}
	be, ok := tensor.ByName(s.Backend)
	if !ok {
		return nil, badinput.Wrap(fmt.Errorf("backend %q is not compiled in (build with -tags openblas for OpenBLAS)", s.Backend))
	}
	lk, err := own(o.Out)
	if err != nil {
		return nil, err
	}
	defer lk.Release()
	p := &pipeline{s: s, o: o, dir: o.Out, be: be}
	if note := lk.TakeoverNote(); note != "" {
		p.logf("%s", note)
	}
	plan, err := s.Plan()
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	if err := plan.Write(o.Out, o.Force); err != nil {
		return nil, err
	}
	p.plan = plan
	if err := atomicfile.WriteBytes(filepath.Join(o.Out, "settings.json"), s.JSON()); err != nil {
		return nil, err
	}

	p.trainAll(ctx)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	done := p.doneEntries()
	p.logf("training: %d of %d runs done", len(done), len(plan.Entries))
	pool(ctx, s.Workers, done, func(e sweep.Entry) { p.perRun(ctx, e) })
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	p.global(ctx, done)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	sum, err := p.collect(done)
	if err != nil {
		p.fail("collect", err)
	}
	res := &Result{Dir: o.Out, Summary: sum}
	if !o.NoFigures && sum != nil {
		figs, err := p.drawFigures(sum)
		if err != nil {
			p.fail("figures", err)
		}
		res.Figures = figs
		if err := safely(func() error { return p.writeReport(sum, figs) }); err != nil {
			p.fail("report", err)
		} else {
			res.Report = filepath.Join(o.Out, "report.html")
		}
	}
	sort.Slice(p.failures, func(i, j int) bool { return p.failures[i].Step < p.failures[j].Step })
	res.Failures, res.Skipped = p.failures, p.skipped
	if res.Failures == nil {
		res.Failures = []Failure{}
	}
	res.Seconds = time.Since(t0).Seconds()
	if sum != nil {
		sum.Failures = res.Failures
		sum.Seconds = res.Seconds
		if err := writeJSON(filepath.Join(o.Out, "results", "summary.json"), sum); err != nil {
			return res, err
		}
	}
	if err := writeJSON(filepath.Join(o.Out, "results", "failures.json"), res.Failures); err != nil {
		return res, err
	}
	return res, nil
}

// own creates the output directory and takes its lock (train.OwnDir):
// one reproduce per directory, a second one gets a *rundir.BusyError
// (exit status 3).
func own(out string) (*rundir.Lock, error) {
	if err := os.MkdirAll(filepath.Join(out, "results", "steps"), 0o755); err != nil {
		return nil, badinput.Wrap(fmt.Errorf("cannot create %s: %w", out, err))
	}
	return train.OwnDir(out)
}

// Plan expands the settings into a sweep plan (one entry per hidden size ×
// replica; ids like h500-pcd-k100-lr0.001-r0).
func (s *Settings) Plan() (*sweep.Plan, error) {
	cfg := s.TrainConfig(s.Hidden[0], 0)
	tr, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	spec := &sweep.Spec{Name: "reproduce-" + s.Preset, Hidden: s.Hidden, Replicas: s.Replicas, Train: tr}
	return sweep.Expand(spec)
}

// trainAll trains every entry that is not done.
func (p *pipeline) trainAll(ctx context.Context) {
	pending := sweep.Pending(p.plan)
	if len(pending) == 0 {
		p.logf("training: all %d runs already done", len(p.plan.Entries))
		return
	}
	p.logf("training: %d of %d runs to do", len(pending), len(p.plan.Entries))
	// Results of runs that (re)train are stale: forget their step markers,
	// and those of the steps that read a representative run.
	for _, i := range pending {
		for _, st := range []string{"eval", "analyze", "track", "js"} {
			os.Remove(stepFile(p.dir, st+"/"+p.plan.Entries[i].ID, ".done"))
		}
	}
	os.Remove(stepFile(p.dir, "landscapes", ".done"))
	os.Remove(stepFile(p.dir, "probe", ".done"))
	if p.o.TrainExecutor != nil {
		if err := safely(func() error { return p.o.TrainExecutor(ctx, p.plan) }); err != nil && ctx.Err() == nil {
			p.logf("training executor: %s", oneLine(err.Error()))
		}
	} else {
		pool(ctx, p.s.Workers, pending, func(i int) {
			e := p.plan.Entries[i]
			t0 := time.Now()
			var last time.Time
			opts := sweep.WorkerOptions{Engine: "rbmscope reproduce", Progress: func(ev train.Event) {
				if p.o.Progress != nil {
					p.o.Progress(e.ID, ev)
				}
				if ev.Metrics != nil && time.Since(last) > 2*time.Second {
					last = time.Now()
					p.logf("train %s: epoch %d/%d", e.ID, ev.Epoch, ev.Epochs)
				}
			}}
			var res *sweep.WorkerResult
			err := safely(func() (err error) { res, err = sweep.RunWorker(ctx, p.plan, i, opts); return err })
			if err == nil && res.Busy != nil {
				p.logf("%s", res.Line())
			} else if err == nil {
				p.logf("trained %s (%.1fs)", e.ID, time.Since(t0).Seconds())
			} else if ctx.Err() == nil {
				_ = writeJSON(filepath.Join(p.plan.RunDir(e), sweep.FailedFile), sweep.FailedMarker{ID: e.ID, Time: time.Now().UTC(), Error: oneLine(err.Error())})
			}
		})
	}
	for _, e := range p.plan.Entries {
		if f, err := sweep.ReadFailed(p.plan.RunDir(e)); err == nil {
			if _, derr := sweep.ReadDone(p.plan.RunDir(e)); derr != nil {
				p.fail("train/"+e.ID, errors.New(f.Error))
			}
		}
	}
}

// doneEntries lists the entries whose training finished.
func (p *pipeline) doneEntries() []sweep.Entry {
	var out []sweep.Entry
	for _, e := range p.plan.Entries {
		if d, err := sweep.ReadDone(p.plan.RunDir(e)); err == nil && d.Epochs >= e.Config.Epochs {
			out = append(out, e)
		}
	}
	return out
}

// data loads the test subset and the training-set pixel means once.
func (p *pipeline) data() (*dataset.Set, []float64, error) {
	p.dataOnce.Do(func() {
		test, err := dataset.Load(p.s.Data, dataset.Test, dataset.Binarize{})
		if err != nil {
			p.dataErr = err
			return
		}
		p.test = test.Head(p.s.TestLimit)
		tr, err := dataset.Load(p.s.Data, dataset.Train, dataset.Binarize{})
		if err != nil {
			p.dataErr = err
			return
		}
		p.trainMeans = tr.Means()
	})
	return p.test, p.trainMeans, p.dataErr
}
