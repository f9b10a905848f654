package study

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/tensor"
	"github.com/rbmscope/rbmscope/train"
)

// EvalOptions configure a log-likelihood evaluation ("rbmscope eval";
// the JSON form is what a sweep plan stores).
type EvalOptions struct {
	Estimator  string                              `json:"estimator"`                   // exact, ais, rais, all, trajectory or both (all + trajectory)
	Split      string                              `json:"split"`                       // test or train
	Limit      int                                 `json:"limit,omitempty"`             // first n rows of the split (0 = all)
	Betas      int                                 `json:"betas"`                       // AIS steps K
	Schedule   string                              `json:"schedule"`                    // linear, sm08 or geometric
	Chains     int                                 `json:"chains"`                      // AIS chains and reverse-AIS start states
	Seed       uint64                              `json:"seed"`                        //
	RAISStart  string                              `json:"rais_start"`                  // data, gibbs or pt
	GibbsSteps int                                 `json:"gibbs_steps"`                 // sweeps for RAISStart gibbs and pt
	PTRungs    int                                 `json:"pt_rungs,omitempty"`          // cap on the adaptive temperature ladder of RAISStart pt
	TrajMethod string                              `json:"traj_method,omitempty"`       // trajectory: pt (parallel tempering, Bennett) or ais (one annealing run along the checkpoints); "" = pt
	TrajChains int                                 `json:"traj_chains,omitempty"`       // trajectory: chains per rung
	TrajSweeps int                                 `json:"traj_sweeps,omitempty"`       // trajectory: PT sweeps after burn-in
	TrajBurnIn int                                 `json:"traj_burn_in"`                // trajectory: PT sweeps discarded first
	TrajTarget float64                             `json:"traj_target,omitempty"`       // trajectory: swap rate every pair of neighbouring rungs must reach
	TrajRungs  int                                 `json:"traj_max_rungs"`              // trajectory: cap on the ladder
	TrajEvery  int                                 `json:"traj_every,omitempty"`        // trajectory: through checkpoints whose epoch is a multiple (and the last); ≥ 1, 1 = all
	TrajBranch int                                 `json:"traj_branch_steps,omitempty"` // trajectory pt with TrajEvery > 1: AIS steps of a branch to every other checkpoint (0 = none)
	LLJSON     string                              `json:"ll_json,omitempty"`           // with a run and estimator both: where to write the last checkpoint's LLFile
	Resample   float64                             `json:"resample"`                    // SMC resampling threshold (0 = plain AIS)
	AISRuns    int                                 `json:"ais_runs,omitempty"`          // independent forward-AIS runs pooled (seeds Seed, Seed+1, …; 0 or 1 = one)
	Combine    string                              `json:"combine"`                     // logmeanexp or mean
	Backend    string                              `json:"backend,omitempty"`           // "" = the fastest compiled in
	Every      int                                 `json:"every"`                       // with a run: checkpoints whose epoch is a multiple (and the last)
	ModeStarts int                                 `json:"mode_starts"`                 // mode search (certified lower bound on log Z): random starts, and as many start states (0 = off)
	ModeJumps  int                                 `json:"mode_jumps,omitempty"`        // parallel tempering (trajectory pt, rais-start pt): mode-search starts per model for jump moves (0 = off, −1 = partition.AutoModeJumps)
	NoExact    bool                                `json:"no_exact,omitempty"`          // estimator all without exact enumeration
	Data       string                              `json:"data,omitempty"`              // data set ("" = the run's, else mnist)
	Quiet      bool                                `json:"-"`                           // (progress is the caller's)
	Progress   func(label string, done, total int) `json:"-"`                           // optional: stage progress
}

// DefaultEvalOptions are the defaults of "rbmscope eval".
func DefaultEvalOptions() EvalOptions {
	return EvalOptions{Estimator: "all", Split: "test", Betas: 20000, Schedule: "linear", Chains: 200, Seed: 1,
		RAISStart: "data", GibbsSteps: 1000, PTRungs: 1000, Resample: 0.5, Combine: "logmeanexp", Every: 1, ModeStarts: 20, ModeJumps: -1,
		TrajMethod: "pt", TrajChains: 20, TrajSweeps: 1000, TrajBurnIn: 200, TrajTarget: 0.3, TrajRungs: 4000, TrajEvery: 1}
}

// Validate checks o (bad input).
func (o *EvalOptions) Validate() error {
	switch {
	case !slices.Contains([]string{"exact", "ais", "rais", "all", "trajectory", "both"}, o.Estimator):
		return badinput.Errorf("--estimator must be exact, ais, rais, all, trajectory or both (got %q)", o.Estimator)
	case o.Split != "test" && o.Split != "train":
		return badinput.Errorf("--split must be test or train (got %q)", o.Split)
	case !slices.Contains([]string{"data", "gibbs", "pt"}, o.RAISStart):
		return badinput.Errorf("--rais-start must be data, gibbs or pt (got %q)", o.RAISStart)
	case o.RAISStart == "pt" && o.PTRungs < 2:
		return badinput.Errorf("--pt-rungs must be ≥ 2 (got %d)", o.PTRungs)
	case o.LLJSON != "" && o.Estimator != "both":
		return badinput.Errorf("--ll-json needs --estimator both (got %q)", o.Estimator)
	case o.usesTrajectory() && !slices.Contains([]string{"", "pt", "ais"}, o.TrajMethod):
		return badinput.Errorf("--traj-method must be pt or ais (got %q)", o.TrajMethod)
	case o.usesTrajectory() && (o.TrajChains < 1 || o.TrajSweeps < 20 || o.TrajBurnIn < 0 || o.TrajRungs < 2):
		return badinput.Errorf("--traj-chains must be ≥ 1, --traj-sweeps ≥ 20, --traj-burn-in ≥ 0 and --traj-max-rungs ≥ 2 (got %d, %d, %d, %d)", o.TrajChains, o.TrajSweeps, o.TrajBurnIn, o.TrajRungs)
	case o.usesTrajectory() && o.TrajEvery < 1:
		return badinput.Errorf("--traj-every must be ≥ 1 (got %d)", o.TrajEvery)
	case o.usesTrajectory() && (o.TrajBranch < 0 || o.TrajBranch > 0 && o.TrajMethod == "ais"):
		return badinput.Errorf("--traj-branch-steps must be ≥ 0, and branches go with --traj-method pt (got %d, %q)", o.TrajBranch, o.TrajMethod)
	case o.usesTrajectory() && !(o.TrajTarget > 0 && o.TrajTarget < 1):
		return badinput.Errorf("--traj-target must be in (0, 1) (got %v)", o.TrajTarget)
	case o.Betas < 1 || o.Chains < 1 || o.Every < 1 || o.GibbsSteps < 0 || o.Limit < 0:
		return badinput.Errorf("--betas, --chains and --every must be ≥ 1, --gibbs-steps and --limit ≥ 0")
	case !(o.Resample >= 0 && o.Resample <= 1):
		return badinput.Errorf("--resample must be a fraction in [0, 1] (got %v)", o.Resample)
	case o.ModeStarts < 0:
		return badinput.Errorf("--mode-starts must be ≥ 0 (got %d)", o.ModeStarts)
	case o.ModeJumps < -1:
		return badinput.Errorf("--mode-jumps must be ≥ 0, or −1 for automatic (got %d)", o.ModeJumps)
	case o.AISRuns < 0:
		return badinput.Errorf("--ais-runs must be ≥ 1 (got %d)", o.AISRuns)
	}
	return nil
}

// Which estimates o.Estimator asks for.
func (o *EvalOptions) usesAIS() bool {
	return slices.Contains([]string{"ais", "all", "both"}, o.Estimator)
}
func (o *EvalOptions) usesRAIS() bool {
	return slices.Contains([]string{"rais", "all", "both"}, o.Estimator)
}
func (o *EvalOptions) usesExact() bool {
	return o.Estimator == "exact" || (o.Estimator == "all" || o.Estimator == "both") && !o.NoExact
}
func (o *EvalOptions) usesTrajectory() bool {
	return o.Estimator == "trajectory" || o.Estimator == "both"
}

// EvalResult is the outcome for one model.
type EvalResult struct {
	Model      string                     `json:"model"`
	Epoch      *int                       `json:"epoch,omitempty"`
	Visible    int                        `json:"visible"`
	Hidden     int                        `json:"hidden"`
	Data       string                     `json:"data"`
	Split      string                     `json:"split"`
	Rows       int                        `json:"rows"`
	Num        float64                    `json:"num"`
	LogZExact  *float64                   `json:"log_z_exact,omitempty"`
	LLExact    *float64                   `json:"ll_exact,omitempty"`
	Bounds     *partition.LLBounds        `json:"bounds,omitempty"`
	AIS        *partition.Result          `json:"ais,omitempty"`
	RAIS       *partition.Result          `json:"rais,omitempty"`
	Mode       *partition.ModeBound       `json:"mode_bound,omitempty"` // certified lower bound on log Z (with AIS or RAIS, --mode-starts > 0)
	LLMode     *float64                   `json:"ll_mode,omitempty"`    // num − Mode.LogZ: a certified upper bound on the log-likelihood
	RAISStart  string                     `json:"rais_start,omitempty"`
	PT         *partition.TemperingResult `json:"pt,omitempty"` // the tempering run behind RAISStart pt
	Schedule   string                     `json:"schedule,omitempty"`
	Seconds    float64                    `json:"seconds"`
	ExactNoted string                     `json:"exact_skipped,omitempty"`
	// Warnings say when the AIS/RAIS numbers should not be trusted (see
	// partition.Warnings).
	Warnings []string `json:"warnings,omitempty"`
	// Platform is what decided the bits: backend, SIMD path, OpenBLAS
	// build and core, Go version (GOMAXPROCS is recorded, not decisive).
	Platform tensor.Platform `json:"platform"`
}

// evalJob is a validated evaluation: models loaded, data read.
type evalJob struct {
	o         EvalOptions
	runDir    string // "" for a single model
	targets   []rundir.Checkpoint
	epochs    []*int
	models    []*rbm.Model
	data      string
	set       *dataset.Set
	baseMeans []float64
	betas     []float64
	comb      partition.Estimator
	be        tensor.Backend
	starts    raisStart                       // the last reverse-AIS start states made (path "" before the first)
	modes     map[string]*partition.ModeBound // mode-search bounds made so far, by model file
}

// EvalModel evaluates the model in the .npz file path.
func EvalModel(ctx context.Context, path string, o EvalOptions) (*EvalResult, error) {
	if o.Data == "" {
		o.Data = "mnist"
	}
	if o.usesTrajectory() || o.LLJSON != "" {
		return nil, badinput.Errorf("--estimator %s and --ll-json follow a training run's checkpoints: give --run DIR instead of --model", o.Estimator)
	}
	j, err := prepareEval(o, "", []rundir.Checkpoint{{Path: path}}, dataset.Binarize{})
	if err != nil {
		return nil, err
	}
	rs, err := j.run(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &rs[0], nil
}

// EvalRun evaluates the checkpoints of a run (every o.Every epochs and the
// last) and writes each AIS/RAIS sandwich into its metrics.csv
// (rundir.UpdateLL). The data are the run's unless o.Data is set. done,
// if not nil, sees each result as it is finished. EvalRunAll also returns
// the trajectory estimate when o.Estimator asks for it.
func EvalRun(ctx context.Context, dir string, o EvalOptions, done func(EvalResult)) ([]EvalResult, error) {
	re, err := EvalRunAll(ctx, dir, o, done)
	if err != nil {
		return nil, err
	}
	return re.Results, nil
}

// runJob validates a run directory and prepares the evaluation of its
// checkpoints (every o.Every epochs and the last); all lists every
// checkpoint.
func runJob(dir string, o EvalOptions) (j *evalJob, all []rundir.Checkpoint, err error) {
	all, err = rundir.Checkpoints(dir)
	if err != nil {
		return nil, nil, badinput.Wrap(err)
	}
	cks := rundir.Every(all, o.Every)
	if len(cks) == 0 {
		return nil, nil, badinput.Errorf("%s has no checkpoints (checkpoints/epoch-NNNN.npz)", dir)
	}
	bin := dataset.Binarize{}
	if cfg, err := train.ReadConfig(dir); err == nil {
		if o.Data == "" {
			o.Data = cfg.Data
		}
		bin = dataset.Binarize{Stochastic: cfg.Binarize == "stochastic", Seed: cfg.Seed}
	}
	if o.Data == "" {
		o.Data = "mnist"
	}
	j, err = prepareEval(o, dir, cks, bin)
	return j, all, err
}

// prepareEval loads every model and the data first, so that bad files and
// the exact-size limit fail fast (as bad input).
func prepareEval(o EvalOptions, run string, cks []rundir.Checkpoint, bin dataset.Binarize) (*evalJob, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	j := &evalJob{o: o, runDir: run, targets: cks, data: o.Data}
	var err error
	if j.comb, err = partition.ParseEstimator(o.Combine); err != nil {
		return nil, badinput.Wrap(err)
	}
	if j.betas, err = partition.Schedule(o.Schedule, o.Betas); err != nil {
		return nil, badinput.Wrap(err)
	}
	var ok bool
	if j.be, ok = tensor.ByName(o.Backend); !ok {
		return nil, badinput.Errorf("backend %q is not compiled in (openblas needs a build with -tags openblas)", o.Backend)
	}
	for _, c := range cks {
		md, err := c.Load()
		if err != nil {
			return nil, badinput.Wrap(err)
		}
		if o.Estimator == "exact" && !partition.CanEnumerate(md) {
			return nil, badinput.Errorf("%s: exact log Z enumerates the smaller layer, at most %d units, but this %d×%d model has %d; use --estimator ais or rais",
				c.Path, partition.MaxExactUnits, md.NumVisible(), md.NumHidden(), min(md.NumVisible(), md.NumHidden()))
		}
		j.models = append(j.models, md)
		var ep *int
		if run != "" {
			e := c.Epoch
			ep = &e
		}
		j.epochs = append(j.epochs, ep)
	}
	if err := j.loadData(bin); err != nil {
		return nil, err
	}
	return j, nil
}

func (j *evalJob) loadData(bin dataset.Binarize) error {
	split := dataset.Test
	if j.o.Split == "train" {
		split = dataset.Train
	}
	set, err := dataset.Load(j.data, split, bin)
	if err != nil {
		return badinput.Wrap(err)
	}
	j.set = set.Head(j.o.Limit)
	if j.o.Estimator != "exact" {
		trainSet, err := dataset.Load(j.data, dataset.Train, bin)
		if err != nil {
			return badinput.Wrap(err)
		}
		j.baseMeans = trainSet.Means()
	}
	for i, md := range j.models {
		if j.set.Width() != md.NumVisible() {
			return badinput.Errorf("%s has %d visible units but the data has %d columns", j.targets[i].Path, md.NumVisible(), j.set.Width())
		}
	}
	return nil
}

func (j *evalJob) run(ctx context.Context, done func(EvalResult)) ([]EvalResult, error) {
	var results []EvalResult
	for i := range j.models {
		r, err := j.one(ctx, i)
		if err != nil {
			return nil, err
		}
		results = append(results, *r)
		if done != nil {
			done(*r)
		}
		if j.runDir != "" && r.Bounds != nil {
			b := r.Bounds
			ll := rundir.NoLL()
			ll.AIS, ll.AISErr, ll.RAIS, ll.RAISErr = b.LLAIS, b.LLAISErr, b.LLRAIS, b.LLRAISErr
			if err := rundir.UpdateLL(j.runDir, *r.Epoch, ll); err != nil {
				return nil, err
			}
		}
	}
	return results, nil
}

// progress returns a callback for one stage of one model.
func (j *evalJob) progress(label string) func(done, total int) {
	if j.o.Progress == nil {
		return func(int, int) {}
	}
	return func(done, total int) { j.o.Progress(label, done, total) }
}

// one evaluates model i: numerator, exact, AIS, reverse AIS, bounds.
func (j *evalJob) one(ctx context.Context, i int) (*EvalResult, error) {
	t0 := time.Now()
	md, o := j.models[i], &j.o
	r := &EvalResult{Model: j.targets[i].Path, Epoch: j.epochs[i], Visible: md.NumVisible(), Hidden: md.NumHidden(),
		Data: j.data, Split: o.Split, Rows: j.set.Len(), Platform: tensor.CurrentPlatform(j.be)}
	label := r.Model
	if r.Epoch != nil {
		label = fmt.Sprintf("epoch %d", *r.Epoch)
	}
	var err error
	if r.Num, err = partition.MeanNegFreeEnergy(md, j.set.X); err != nil {
		return nil, err
	}
	if o.Estimator == "exact" || (o.usesExact() && partition.CanEnumerate(md)) {
		lz, err := partition.ExactLogZContext(ctx, md, j.progress(label+" exact"))
		if err != nil {
			return nil, interrupted(err)
		}
		ll := r.Num - lz
		r.LogZExact, r.LLExact = &lz, &ll
	} else if o.usesExact() {
		r.ExactNoted = fmt.Sprintf("smaller layer has %d units, above the exact limit %d", min(md.NumVisible(), md.NumHidden()), partition.MaxExactUnits)
	}
	if err := j.sample(ctx, md, label, r); err != nil {
		return nil, interrupted(err)
	}
	if r.AIS != nil || r.RAIS != nil {
		b := partition.Bounds(r.Num, r.AIS, r.RAIS, j.comb)
		r.Bounds = &b
		r.Schedule = o.Schedule
		r.Warnings = partition.Warnings(b, r.AIS, r.RAIS)
		if r.Mode, err = j.modeBound(ctx, md, r.Model); err != nil {
			return nil, interrupted(err)
		}
		if r.Mode != nil {
			ll := r.Num - r.Mode.LogZ
			r.LLMode = &ll
			r.Warnings = append(r.Warnings, partition.ModeWarnings(b, r.Mode)...)
		}
	}
	r.Seconds = time.Since(t0).Seconds()
	return r, nil
}

// sample runs AIS and reverse AIS as o.Estimator asks.
func (j *evalJob) sample(ctx context.Context, md *rbm.Model, label string, r *EvalResult) error {
	o := &j.o
	opts := partition.Options{Betas: j.betas, Chains: o.Chains, BaseVisible: partition.BaseRate(j.baseMeans), Seed: o.Seed, Resample: o.Resample,
		ModeJumps: modeJumps(o.ModeJumps, md)}
	var err error
	if o.usesAIS() {
		if r.AIS, err = j.ais(ctx, md, label, opts); err != nil {
			return err
		}
	}
	if o.usesRAIS() {
		var start *tensor.Mat32
		if start, r.PT, err = j.raisStarts(ctx, md, r.Model, label); err != nil {
			return err
		}
		opts.Progress = j.progress(label + " RAIS")
		if r.RAIS, err = partition.ReverseAIS(ctx, j.be, md, start, opts); err != nil {
			return err
		}
		r.RAISStart = o.RAISStart
	}
	return nil
}

// modeBound returns the certified lower bound on log Z of md (the model in
// the file path) from partition.SearchModes with o.ModeStarts random starts
// and as many start states: the first o.ModeStarts reverse-AIS start states
// when they were made for this file (under --rais-start pt they include
// states of the modes tempering reached), else the first rows of the
// split. nil when o.ModeStarts is 0. Bounds are kept by file (a few numbers
// each), so a checkpoint that AIS and the trajectory both visit is searched
// once.
func (j *evalJob) modeBound(ctx context.Context, md *rbm.Model, path string) (*partition.ModeBound, error) {
	n := j.o.ModeStarts
	if n == 0 {
		return nil, nil
	}
	if b, ok := j.modes[path]; ok {
		return b, nil
	}
	init := j.set.X
	if j.starts.path == path {
		init = j.starts.v
	}
	b, err := partition.SearchModes(ctx, md, partition.ModeOptions{Starts: n, Init: init.Slice(0, min(n, init.Rows)), Seed: j.o.Seed})
	if err != nil {
		return nil, err
	}
	if j.modes == nil {
		j.modes = map[string]*partition.ModeBound{}
	}
	j.modes[path] = b
	return b, nil
}

// raisStarts returns the reverse-AIS start states of md (the model in the
// file path) that o.RAISStart asks for: o.Chains random rows of the split
// (data), long Gibbs chains from them (gibbs) or parallel tempering from
// them (pt, with its run). They depend on the model and the options alone,
// so the last file's states are kept and reused when asked for again: the
// checkpoints are evaluated in order and the trajectory's reverse runs
// (--estimator both) start from the last one's, so one set is all that is
// ever reused, and keeping only it holds memory to one set for any number
// of checkpoints.
func (j *evalJob) raisStarts(ctx context.Context, md *rbm.Model, path, label string) (*tensor.Mat32, *partition.TemperingResult, error) {
	if j.starts.path == path && path != "" {
		return j.starts.v, j.starts.pt, nil
	}
	o := &j.o
	start := j.set.Subset(dataset.Shuffle(j.set.Len(), o.Seed, 1)[:min(o.Chains, j.set.Len())]).X
	var pt *partition.TemperingResult
	var err error
	switch o.RAISStart {
	case "gibbs":
		start, err = partition.LongChains(ctx, j.be, md, start, 0, o.GibbsSteps, o.Seed)
	case "pt":
		start, pt, err = j.ptStarts(ctx, md, start, label)
	}
	if err != nil {
		return nil, nil, err
	}
	j.starts = raisStart{path, start, pt}
	return start, pt, nil
}

// raisStart is one model's reverse-AIS start states, the file they are of
// and the PT run behind them (nil unless --rais-start pt).
type raisStart struct {
	path string
	v    *tensor.Mat32
	pt   *partition.TemperingResult
}

// ais runs forward AIS o.AISRuns times (at least once) with seeds Seed,
// Seed+1, … and pools the runs (partition.Pool: the mean of their Ẑ, with
// their spread and χ² agreement in Result.Spread).
func (j *evalJob) ais(ctx context.Context, md *rbm.Model, label string, opts partition.Options) (*partition.Result, error) {
	n := max(1, j.o.AISRuns)
	runs := make([]*partition.Result, n)
	for i := range runs {
		opts.Seed = j.o.Seed + uint64(i)
		stage := label + " AIS "
		if n > 1 {
			stage = fmt.Sprintf("%s AIS %d/%d ", label, i+1, n)
		}
		opts.Progress = j.progress(stage)
		var err error
		if runs[i], err = partition.AIS(ctx, j.be, md, opts); err != nil {
			return nil, err
		}
	}
	return partition.Pool(runs)
}

// ptStarts samples md by parallel tempering on the temperature path from
// the base-rate model (partition.PathTempering: the adaptive ladder of the
// trajectory estimator, neighbours swapping at ≥ 0.3, at most o.PTRungs
// rungs), every rung's chains starting at the rows of start, and returns
// the target rung's states after o.GibbsSteps sweeps: reverse-AIS starts
// that can include modes the data never visit.
func (j *evalJob) ptStarts(ctx context.Context, md *rbm.Model, start *tensor.Mat32, label string) (*tensor.Mat32, *partition.TemperingResult, error) {
	o := &j.o
	to := partition.DefaultTrajectoryOptions()
	to.Chains, to.Sweeps, to.BurnIn, to.MaxRungs = start.Rows, o.GibbsSteps, 0, o.PTRungs
	to.Init, to.BaseVisible, to.Seed, to.Progress = start, partition.BaseRate(j.baseMeans), o.Seed, j.progress(label+" PT  ")
	to.ModeJumps = modeJumps(o.ModeJumps, md)
	pt, err := partition.PathTempering(ctx, j.be, []*rbm.Model{md}, to)
	if err != nil {
		return nil, nil, err
	}
	return pt.Samples, pt, nil
}

// modeJumps resolves a --mode-jumps value for md: −1 is
// partition.AutoModeJumps.
func modeJumps(n int, md *rbm.Model) int {
	if n < 0 {
		return partition.AutoModeJumps(md)
	}
	return n
}

// interrupted turns a cancelled computation into "interrupted".
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted")
	}
	return err
}
