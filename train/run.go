package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/tensor"
)

// RunOptions says where a run goes and how it reports.
type RunOptions struct {
	Out      string      // run directory
	Resume   bool        // continue from the newest state in Out
	Force    bool        // overwrite an existing run in Out
	Progress func(Event) // optional progress callback
	// Lock is the owner lock of Out when the caller already holds it (a
	// sweep worker holds its run through training and the steps after);
	// nil: Run takes it (rundir.Acquire) and releases it when it returns.
	// Another live holder makes Run fail with a *rundir.BusyError.
	Lock *rundir.Lock
}

// Event reports training progress.
type Event struct {
	Epoch, Epochs  int
	Batch, Batches int      // within the current epoch
	Metrics        *Metrics // set once per finished epoch (and for epoch 0)
	Message        string   // human note (resume, checkpoint)
}

// Result summarises a finished run.
type Result struct {
	Dir     string
	Final   Metrics
	Backend string
}

// RunInfo is run.json.
type RunInfo struct {
	Config    Config    `json:"config"`
	Backend   string    `json:"backend"`
	GoVersion string    `json:"go_version"`
	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended,omitzero"`
	Status    string    `json:"status"` // running, done, stopped, failed
	Error     string    `json:"error,omitempty"`
	Epochs    int       `json:"epochs_done"`
	// Platform is what decided the bits of the first epochs (backend, SIMD
	// path, OpenBLAS build and core, Go version, GOMAXPROCS); ResumedOn
	// lists the platform of every resume after it.
	Platform  tensor.Platform   `json:"platform"`
	ResumedOn []tensor.Platform `json:"resumed_on,omitempty"`
}

// DivergenceError reports NaN/Inf parameters.
type DivergenceError struct {
	Epoch    int
	LastGood string // newest intact checkpoint
	LR       float64
}

func (e *DivergenceError) Error() string {
	return fmt.Sprintf("training diverged in epoch %d (parameters became NaN, infinite or larger than %g); last good checkpoint: %s; try a smaller learning rate than %g", e.Epoch, MaxParam, e.LastGood, e.LR)
}

// ErrRunExists is returned when Out already holds a run and neither
// Resume nor Force was given.
var ErrRunExists = errors.New("run directory already holds a run")

// ReadInfo reads run.json.
func ReadInfo(runDir string) (*RunInfo, error) {
	var ri RunInfo
	if err := rundir.ReadInfo(runDir, &ri); err != nil {
		return nil, err
	}
	return &ri, nil
}

// ReadConfig returns the configuration a run was started with.
func ReadConfig(runDir string) (Config, error) {
	ri, err := ReadInfo(runDir)
	if err != nil {
		return Config{}, err
	}
	return ri.Config, nil
}

func writeInfo(runDir string, ri *RunInfo) error { return rundir.WriteInfo(runDir, ri) }

// LoadData reads the training set and the evaluation subset of cfg.
func LoadData(cfg Config) (trainSet, evalSet *dataset.Set, err error) {
	bin := dataset.Binarize{Stochastic: cfg.Binarize == "stochastic", Seed: cfg.Seed}
	trainSet, err = dataset.Load(cfg.Data, dataset.Train, bin)
	if err != nil {
		return nil, nil, err
	}
	trainSet = trainSet.Head(cfg.TrainLimit)
	if cfg.EvalSubset > 0 {
		evalSet, err = dataset.Load(cfg.Data, dataset.Test, bin)
		if err != nil {
			return nil, nil, err
		}
		evalSet = evalSet.Head(cfg.EvalSubset)
	}
	return trainSet, evalSet, nil
}

// Run trains cfg into opts.Out, writing run.json, metrics.csv, a checkpoint
// at epoch 0 and at every checkpoint epoch, and the resume state after
// every epoch. Cancelling ctx stops at the next minibatch; the run can then
// be resumed and ends bit-identical to an uninterrupted one.
func Run(ctx context.Context, cfg Config, opts RunOptions) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, badinput.Wrap(err)
	}
	be, ok := tensor.ByName(cfg.Backend)
	if !ok {
		return nil, badinput.Wrap(fmt.Errorf("backend %q is not compiled in (build with -tags openblas for OpenBLAS)", cfg.Backend))
	}
	dir := opts.Out
	if err := checkOut(dir, opts); err != nil {
		return nil, err
	}
	lk := opts.Lock
	if lk == nil {
		var err error
		if lk, err = OwnDir(dir); err != nil {
			return nil, err
		}
		defer lk.Release()
	}
	exists, err := prepareDir(dir, opts)
	if err != nil {
		return nil, err
	}
	trainSet, evalSet, err := LoadData(cfg)
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	if trainSet.Len() < cfg.Batch {
		return nil, badinput.Wrap(fmt.Errorf("batch size %d is larger than the training set (%d examples)", cfg.Batch, trainSet.Len()))
	}
	r := &runner{cfg: cfg, dir: dir, be: be, progress: opts.Progress, trainSet: trainSet, evalSet: evalSet, lock: lk}
	if note := lk.TakeoverNote(); note != "" && opts.Lock == nil {
		r.emit(Event{Message: note})
	}
	if cfg.Method == "ptt" {
		if r.testSet, err = dataset.Load(cfg.Data, dataset.Test, dataset.Binarize{Stochastic: cfg.Binarize == "stochastic", Seed: cfg.Seed}); err != nil {
			return nil, badinput.Wrap(err)
		}
	}
	r.info = &RunInfo{Config: cfg, Backend: be.Name(), GoVersion: runtime.Version(), Started: time.Now().UTC(), Status: "running", Platform: tensor.CurrentPlatform(be)}
	if exists {
		if err := r.resume(); err != nil {
			return nil, err
		}
	}
	if r.t == nil {
		if err := r.start(); err != nil {
			return nil, err
		}
	}
	if err := writeInfo(dir, r.info); err != nil {
		return nil, err
	}
	if err := r.epochs(ctx); err != nil {
		return nil, err
	}
	return &Result{Dir: dir, Final: r.metrics[len(r.metrics)-1], Backend: be.Name()}, nil
}

// checkOut refuses an output directory that holds a run when neither
// Resume nor Force was given (before taking its lock or writing anything).
func checkOut(dir string, opts RunOptions) error {
	if dir == "" {
		return errors.New("no output directory given")
	}
	if _, err := os.Stat(rundir.InfoPath(dir)); err == nil && !opts.Resume && !opts.Force {
		return badinput.Wrap(fmt.Errorf("%w: %s (use --resume to continue it or --force to start over)", ErrRunExists, dir))
	}
	return nil
}

// OwnDir creates the run directory dir if needed and takes its owner lock
// (rundir.Acquire with the default lease). A directory that cannot be
// created or locked is bad input; another live holder is a
// *rundir.BusyError.
func OwnDir(dir string) (*rundir.Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, badinput.Wrap(fmt.Errorf("cannot create run directory: %w", err))
	}
	lk, err := rundir.Acquire(dir, 0)
	var busy *rundir.BusyError
	if err != nil && !errors.As(err, &busy) {
		return nil, badinput.Wrap(fmt.Errorf("run directory %s cannot be locked: %w", dir, err))
	}
	return lk, err
}

// prepareDir makes dir (whose lock this process holds) a writable run
// directory and says whether it already holds a run to resume.
func prepareDir(dir string, opts RunOptions) (exists bool, err error) {
	_, statErr := os.Stat(rundir.InfoPath(dir))
	exists = statErr == nil
	switch {
	case exists && opts.Force:
		for _, p := range []string{rundir.CheckpointDir, rundir.MetricsFile, rundir.InfoFile, rundir.PTTFile} {
			if err := os.RemoveAll(filepath.Join(dir, p)); err != nil {
				return false, err
			}
		}
		exists = false
	case exists && !opts.Resume:
		return false, badinput.Wrap(fmt.Errorf("%w: %s (use --resume to continue it or --force to start over)", ErrRunExists, dir))
	}
	if err := os.MkdirAll(rundir.CheckpointsPath(dir), 0o755); err != nil {
		return false, badinput.Wrap(fmt.Errorf("cannot create run directory: %w", err))
	}
	removeStaleTemps(dir)
	f, err := os.CreateTemp(dir, ".writable-*")
	if err != nil {
		return false, badinput.Wrap(fmt.Errorf("run directory %s is not writable: %w", dir, err))
	}
	f.Close()
	os.Remove(f.Name())
	return exists, nil
}

// runner is the state of one Run.
type runner struct {
	cfg               Config
	dir               string
	be                tensor.Backend
	progress          func(Event)
	trainSet, evalSet *dataset.Set
	testSet           *dataset.Set // method ptt: the test set of ll_ptt
	info              *RunInfo
	t                 *Trainer
	metrics           []Metrics
	lock              *rundir.Lock // the owner lock of dir, checked before each epoch's writes
}

func (r *runner) emit(ev Event) {
	if r.progress != nil {
		ev.Epochs = r.cfg.Epochs
		r.progress(ev)
	}
}

// resume continues the run in r.dir: same settings, its platform history,
// and the trainer state if there is one (else r.t stays nil).
func (r *runner) resume() error {
	old, err := ReadInfo(r.dir)
	if err != nil {
		return err
	}
	if err := sameRun(old.Config, r.cfg); err != nil {
		return badinput.Wrap(fmt.Errorf("cannot resume %s: %v", r.dir, err))
	}
	r.info.Started = old.Started
	if plat := r.info.Platform; old.Platform.Backend != "" {
		r.info.Platform, r.info.ResumedOn = old.Platform, append(old.ResumedOn, plat)
		if d := old.Platform.BitsDiffer(plat); len(d) > 0 {
			r.emit(Event{Message: "warning: resuming on another platform (" + strings.Join(d, "; ") + "): the run is no longer promised bit-identical to an uninterrupted one"})
		}
	}
	if _, err := os.Stat(rundir.StatePath(r.dir)); err != nil {
		return nil
	}
	if r.t, err = LoadState(rundir.StatePath(r.dir), r.cfg, r.be, &Shape{Visible: r.trainSet.Width()}); err != nil {
		return fmt.Errorf("cannot resume: %v", err)
	}
	if r.metrics, err = rundir.ReadMetrics(r.dir); err != nil {
		return err
	}
	r.metrics = keepUpTo(r.metrics, r.t.Epoch)
	r.emit(Event{Epoch: r.t.Epoch, Message: fmt.Sprintf("resuming %s after epoch %d", r.dir, r.t.Epoch)})
	return nil
}

// start initialises a fresh run: trainer, epoch-0 metrics and checkpoint.
func (r *runner) start() error {
	var err error
	if r.t, err = NewTrainer(r.cfg, r.be, r.trainSet); err != nil {
		return err
	}
	m := NewMetrics(0)
	r.t.evaluate(&m, r.evalSet)
	if err := r.pttLL(&m); err != nil {
		return err
	}
	r.metrics = []Metrics{m}
	if err := r.t.P.Model().Save(rundir.CheckpointPath(r.dir, 0), 0); err != nil {
		return err
	}
	if err := r.t.SaveState(rundir.StatePath(r.dir)); err != nil {
		return err
	}
	if err := rundir.ReplaceMetrics(r.dir, r.metrics); err != nil {
		return err
	}
	r.emit(Event{Epoch: 0, Metrics: &m})
	return nil
}

// epochs trains the remaining epochs, saving after each, and marks the
// run done, stopped or failed in run.json.
func (r *runner) epochs(ctx context.Context) error {
	t, info := r.t, r.info
	for t.Epoch < r.cfg.Epochs {
		start := time.Now()
		err := t.TrainEpoch(ctx, r.trainSet, func(b, nb int) { r.emit(Event{Epoch: t.Epoch + 1, Batch: b, Batches: nb}) })
		if err != nil {
			info.Ended, info.Epochs = time.Now().UTC(), t.Epoch
			if errors.Is(err, errDiverged) {
				info.Status, info.Error = "failed", "diverged"
				writeInfo(r.dir, info)
				return &DivergenceError{Epoch: t.Epoch + 1, LastGood: r.lastGood(), LR: r.cfg.LR}
			}
			if errors.Is(err, errPTTLost) {
				info.Status, info.Error = "failed", err.Error()
				writeInfo(r.dir, info)
				return err
			}
			info.Status = "stopped"
			writeInfo(r.dir, info)
			return err
		}
		m := NewMetrics(t.Epoch)
		m.Seconds = time.Since(start).Seconds()
		m.Updates = t.Updates
		t.evaluate(&m, r.evalSet)
		if err := r.pttLL(&m); err != nil {
			return err
		}
		r.metrics = append(r.metrics, m)
		if err := r.lock.Check(); err != nil {
			return err
		}
		if r.cfg.IsCheckpoint(t.Epoch) {
			if err := t.P.Model().Save(rundir.CheckpointPath(r.dir, t.Epoch), 0); err != nil {
				return err
			}
		}
		if err := rundir.MergeMetrics(r.dir, r.metrics); err != nil {
			return err
		}
		if err := t.SaveState(rundir.StatePath(r.dir)); err != nil {
			return err
		}
		r.emit(Event{Epoch: t.Epoch, Metrics: &m})
	}
	info.Status, info.Ended, info.Epochs = "done", time.Now().UTC(), t.Epoch
	return writeInfo(r.dir, info)
}

// lastGood is the newest checkpoint ("none" if there is none).
func (r *runner) lastGood() string {
	cs, _ := rundir.Checkpoints(r.dir)
	if len(cs) == 0 {
		return "none"
	}
	return cs[len(cs)-1].Path
}

// removeStaleTemps deletes the temporary files of atomic writes that a
// killed process (SIGKILL, power loss) left in the run directory; those of
// live writers (an eval --run writing metrics.csv now) stay
// (atomicfile.RemoveStale). Only an owner creates .writable-* probes.
func removeStaleTemps(dir string) {
	for _, d := range []string{dir, rundir.CheckpointsPath(dir)} {
		atomicfile.RemoveStale(d)
		old, _ := filepath.Glob(filepath.Join(d, ".writable-*"))
		for _, p := range old {
			os.Remove(p)
		}
	}
}

func keepUpTo(ms []Metrics, epoch int) []Metrics {
	var out []Metrics
	for _, m := range ms {
		if m.Epoch <= epoch {
			out = append(out, m)
		}
	}
	return out
}

// sameRun checks that a resumed run keeps every setting that shapes the
// trajectory (only Epochs may grow).
func sameRun(old, cfg Config) error {
	a, b := old, cfg
	if a.LRSchedule != "" && a.Epochs != b.Epochs {
		return fmt.Errorf("the %s learning-rate schedule was laid out for %d epochs, not %d; resume with --epochs %d", a.LRSchedule, a.Epochs, b.Epochs, a.Epochs)
	}
	a.Epochs, b.Epochs = 0, 0
	if a != b {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return fmt.Errorf("settings differ from the original run (%s vs %s); resume with the same flags", ja, jb)
	}
	return nil
}
