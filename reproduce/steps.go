package reproduce

import (
	"context"
	"fmt"
	"math"
	"path/filepath"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/study"
	"github.com/rbmscope/rbmscope/sweep"
	"github.com/rbmscope/rbmscope/symmetry"
)

// EvalPoint is the log-likelihood of one checkpoint (results/eval/<id>.json).
type EvalPoint struct {
	Epoch int                `json:"epoch"`
	Rows  int                `json:"rows"`
	LL    partition.LLBounds `json:"ll"`
	AIS   *partition.Result  `json:"ais"`
	RAIS  *partition.Result  `json:"rais"`
}

// RunAnalysis is the reciprocal-space summary of one run's final and
// initial models (results/analysis/<id>.json).
type RunAnalysis struct {
	ID        string            `json:"id"`
	Hidden    int               `json:"hidden"`
	Replica   int               `json:"replica"`
	Epoch     int               `json:"epoch"`
	Trained   *study.Reciprocal `json:"trained"`
	Untrained *study.Reciprocal `json:"untrained"`
	// Shape is the Gaussianity of the trained model's leading reciprocal
	// variables for uniform binary states (Fig. 5's claim, per run).
	Shape []ModeShape `json:"shape"`
}

// ModeShape is the distance from a normal of one reciprocal variable of a
// trained model, x_k = U_kᵀv (layer visible) or y_k = V_kᵀh (hidden), for
// uniform binary states: sampled (Lilliefors distance, kurtosis) and the
// exact excess kurtosis −2Σu⁴ (reciprocal.BinaryExcessKurtosis).
type ModeShape struct {
	Mode   int                  `json:"mode"` // 1-based
	Layer  string               `json:"layer"`
	Sample reciprocal.ShapeStat `json:"sample"`
	Exact  float64              `json:"exact_excess_kurtosis"`
}

// shapeModes are the leading modes whose Gaussianity Fig. 5's claim tests.
const shapeModes = 3

// modeShapes measures the Gaussian shape of x_k and y_k, k = 1..3, of md
// for Fig5Samples uniform binary states.
func (s *Settings) modeShapes(md *rbm.Model) ([]ModeShape, error) {
	f, err := reciprocal.NewFrame(md, "")
	if err != nil {
		return nil, err
	}
	var modes []int
	for k := range min(shapeModes, f.L) {
		modes = append(modes, k)
	}
	mux, muy := f.ConstraintMeans(0.5)
	var out []ModeShape
	for j, m := range reciprocal.Fig5Of(f, f, modes, s.Fig5Samples, s.Seed, mux, muy) {
		k := modes[j]
		out = append(out,
			ModeShape{Mode: m.Mode, Layer: "visible", Sample: reciprocal.Shape(m.X), Exact: reciprocal.BinaryExcessKurtosis(mat.Col(nil, k, f.U))},
			ModeShape{Mode: m.Mode, Layer: "hidden", Sample: reciprocal.Shape(m.Y), Exact: reciprocal.BinaryExcessKurtosis(mat.Col(nil, k, f.V))})
	}
	return out, nil
}

// Landscapes holds the figure inputs of the representative run
// (Figs. 1 right, 2, 3a–e, 5).
type Landscapes struct {
	ID         string
	Hidden     int
	Trained    *reciprocal.Landscape
	Untrained  *reciprocal.Landscape
	MPPanels   []reciprocal.MPPanel
	KurtCurves []*reciprocal.KurtCurve
	Fig5       []reciprocal.Fig5Mode
	Summary    *study.Reciprocal // arrays dropped
}

// ProbeData is Fig. 6's input.
type ProbeData struct {
	ID     string
	Hidden int
	Epoch  int
	Probe  *symmetry.ProbeResult
}

func (p *pipeline) res(parts ...string) string {
	return filepath.Join(append([]string{p.dir, "results"}, parts...)...)
}

// evalOptions are the options of the per-run eval step: AIS and reverse
// AIS of every EvalEvery-th checkpoint (the initialisation and the last
// included, as "rbmscope eval --run" and sweep workers do), on the run's
// own data.
func (s *Settings) evalOptions() study.EvalOptions {
	o := study.DefaultEvalOptions()
	o.NoExact, o.Every, o.Limit = true, s.EvalEvery, s.TestLimit
	o.Betas, o.Schedule, o.Chains, o.Seed, o.Resample, o.Backend = s.AISBetas, s.AISSchedule, s.AISChains, s.Seed, s.AISResample, s.Backend
	o.Combine = s.LLCombine
	// No mode search: the figures and claims do not use its bound, and on
	// the quick preset's 2000-β, 64-chain AIS it would double the cost of
	// each evaluated 784×500 checkpoint; "rbmscope eval --run" on a run
	// directory gives it.
	o.ModeStarts = 0
	// ais: AIS and reverse AIS ("all" without exact enumeration).
	o.Estimator = map[string]string{"ais": "all", "trajectory": "trajectory", "both": "both"}[s.LLEstimator]
	if s.RAISGibbs > 0 {
		o.RAISStart, o.GibbsSteps = "gibbs", s.RAISGibbs
	}
	o.Data = ""
	return o
}

// symmetryOptions are the options of the per-run tracking step (no probe:
// the JS study has its own step, the probe is global).
func (s *Settings) symmetryOptions() study.SymmetryOptions {
	o := study.DefaultSymmetryOptions()
	o.Chains, o.Steps, o.Seed, o.Backend, o.NoProbe = s.GibbsChains, s.GibbsSteps, s.Seed, s.Backend, true
	return o
}

// perRun runs the analysis steps of one finished training run.
func (p *pipeline) perRun(ctx context.Context, e sweep.Entry) {
	dir := p.plan.RunDir(e)
	if !p.mainRun(e) {
		p.step(ctx, "analyze/"+e.ID, func() error { return p.analyzeRun(e, dir) })
		return
	}
	p.step(ctx, "eval/"+e.ID, func() error { return p.evalRun(ctx, e, dir) })
	p.step(ctx, "analyze/"+e.ID, func() error { return p.analyzeRun(e, dir) })
	p.step(ctx, "track/"+e.ID, func() error { return p.trackRun(e, dir) })
	p.step(ctx, "js/"+e.ID, func() error { return p.jsRun(e, dir) })
}

// evalRun estimates the test log-likelihood of the selected checkpoints
// with AIS and reverse AIS and/or of every checkpoint with the trajectory
// estimator, as Settings.LLEstimator says (study.EvalRunAll, which writes
// them into the run's metrics.csv), and keeps them in
// results/eval/<id>.json and results/eval/<id>.traj.json.
func (p *pipeline) evalRun(ctx context.Context, e sweep.Entry, dir string) error {
	re, err := study.EvalRunAll(ctx, dir, p.s.evalOptions(), nil)
	if err != nil {
		return err
	}
	points := []EvalPoint{}
	for _, r := range re.Results {
		points = append(points, EvalPoint{Epoch: *r.Epoch, Rows: r.Rows, LL: *r.Bounds, AIS: r.AIS, RAIS: r.RAIS})
	}
	if len(re.Trajectory) > 0 {
		if err := writeJSON(p.res("eval", e.ID+".traj.json"), re.Trajectory); err != nil {
			return err
		}
	}
	return writeJSON(p.res("eval", e.ID+".json"), points)
}

// lightOptions are study.AnalyzeModel options for the per-run numbers
// (spectrum, unstable modes, MP distance, closed-form kurtosis): the
// landscapes, Fig. 5, MP panels and kurtosis curves are not computed (the
// representative run has them).
func (p *pipeline) lightOptions(untrained *rbm.Model) study.ReciprocalOptions {
	return study.ReciprocalOptions{InitStd: p.s.InitStd, Untrained: untrained, MPDraws: p.s.MPDraws, KurtSamples: -1,
		Seed: p.s.Seed, Backend: p.be, NoLandscapes: true, NoFig5: true, NoMPPanels: true, NoKurtCurves: true}
}

func stripArrays(s *study.Reciprocal) *study.Reciprocal {
	c := *s
	c.Trained, c.Untrained, c.MPPanels, c.KurtCurves, c.Fig5, c.Frame, c.Oscillators = nil, nil, nil, nil, nil, nil, nil
	c.SaddleEnergies = nil
	return &c
}

// loadFinalAndInit loads a run's last checkpoint (and its epoch) and its
// initialisation.
func loadFinalAndInit(dir string) (final, init *rbm.Model, epoch int, err error) {
	last, first, err := finalAndInit(dir)
	if err != nil {
		return nil, nil, 0, err
	}
	if final, err = rbm.Load(last.Path); err != nil {
		return nil, nil, 0, err
	}
	if init, err = rbm.Load(first.Path); err != nil {
		return nil, nil, 0, err
	}
	return final, init, last.Epoch, nil
}

func finalAndInit(dir string) (last, first rundir.Checkpoint, err error) {
	return rundir.FinalAndInit(dir)
}

// analyzeRun analyses the final model and its initialisation.
func (p *pipeline) analyzeRun(e sweep.Entry, dir string) error {
	md, md0, epoch, err := loadFinalAndInit(dir)
	if err != nil {
		return err
	}
	tr, err := study.AnalyzeModel(md, p.lightOptions(md0))
	if err != nil {
		return fmt.Errorf("trained model: %w", err)
	}
	un, err := study.AnalyzeModel(md0, p.lightOptions(md0))
	if err != nil {
		return fmt.Errorf("untrained model: %w", err)
	}
	shape, err := p.s.modeShapes(md)
	if err != nil {
		return fmt.Errorf("trained model: %w", err)
	}
	ra := RunAnalysis{ID: e.ID, Hidden: e.Config.Hidden, Replica: e.Replica, Epoch: epoch, Trained: stripArrays(tr), Untrained: stripArrays(un), Shape: shape}
	return writeJSON(p.res("analysis", e.ID+".json"), ra)
}

// trackRun follows the leading mode's landscape over every TrackEvery-th
// checkpoint (study.Symmetry without the probe: tracking.csv, Fig. 7 and
// symmetry.json in results/tracking/<id>/) and keeps the tracking for the
// figures in results/tracking/<id>.gob.
func (p *pipeline) trackRun(e sweep.Entry, dir string) error {
	test, _, err := p.data()
	if err != nil {
		return err
	}
	if p.s.Series == "digit0" {
		if test.Labels == nil {
			return fmt.Errorf("--series digit0 needs labelled test data (%s has none)", p.s.Data)
		}
		if test = test.Digits([]int{0}); test.Len() == 0 {
			return fmt.Errorf("--series digit0: the test data have no digit 0 (labels missing?)")
		}
	}
	ckpts, err := rundir.Checkpoints(dir)
	if err != nil {
		return err
	}
	r, err := study.Symmetry(e.ID, dir, rundir.Every(ckpts, p.s.TrackEvery), test, p.res("tracking", e.ID), p.s.symmetryOptions())
	if err != nil {
		return err
	}
	return writeGob(p.res("tracking", e.ID+".gob"), r.Tracking)
}

// jsRun measures the JS divergence of W's entries under random rotations.
func (p *pipeline) jsRun(e sweep.Entry, dir string) error {
	last, _, err := finalAndInit(dir)
	if err != nil {
		return err
	}
	md, err := rbm.Load(last.Path)
	if err != nil {
		return err
	}
	w := mat.NewDense(md.NumVisible(), md.NumHidden(), md.W.Data)
	js, err := symmetry.JSStudy(w, symmetry.JSOptions{Draws: p.s.JSDraws, Bins: p.s.JSBins, BaselineStd: p.s.InitStd, Seed: p.s.Seed})
	if err != nil {
		return err
	}
	if err := writeGob(p.res("js", e.ID+".gob"), js); err != nil {
		return err
	}
	return writeJSON(p.res("js", e.ID+".json"), js)
}

// pick returns the replica-0 entry of the preferred hidden size (the first
// of prefer that was trained), else of the largest trained size.
func pick(done []sweep.Entry, prefer ...int) (sweep.Entry, bool) {
	if len(done) == 0 {
		return sweep.Entry{}, false
	}
	best := func(h int) (sweep.Entry, bool) {
		var got sweep.Entry
		ok := false
		for _, e := range done {
			if e.Config.Hidden == h && (!ok || e.Replica < got.Replica) {
				got, ok = e, true
			}
		}
		return got, ok
	}
	for _, h := range prefer {
		if e, ok := best(h); ok {
			return e, true
		}
	}
	top := 0
	for _, e := range done {
		top = max(top, e.Config.Hidden)
	}
	return best(top)
}

// global runs the steps that use one representative run.
func (p *pipeline) global(ctx context.Context, all []sweep.Entry) {
	var done []sweep.Entry // the main grid only: Fig. 3f's other methods have no tracking or LL
	for _, e := range all {
		if p.mainRun(e) {
			done = append(done, e)
		}
	}
	if e, ok := pick(done, 500); ok {
		p.step(ctx, "landscapes", func() error { return p.landscapes(e) })
	}
	if e, ok := pick(done, 784, 500); ok {
		p.step(ctx, "probe", func() error { return p.probe(e, p.res("probe")) })
		// The other replicas of that size: the spread over runs is the
		// margin of Fig. 6's claims.
		for _, o := range done {
			if o.Config.Hidden == e.Config.Hidden && o.ID != e.ID {
				p.step(ctx, "probe/"+o.ID, func() error { return p.probe(o, p.res("probe", o.ID)) })
			}
		}
	}
	if e, ok := pick(done, 500); ok {
		p.step(ctx, "dynamics", func() error { return p.dynamicsRun(e, p.res("dynamics"), p.res("dynamics.gob")) })
		// The other replicas of that size: one model's gap between unstable
		// and stable relaxation times ranges from +3 to −180 sweeps between
		// training seeds, so the claim is measured over the replicas.
		for _, o := range done {
			if o.Config.Hidden == e.Config.Hidden && o.ID != e.ID {
				p.step(ctx, "dynamics/"+o.ID, func() error {
					return p.dynamicsRun(o, p.res("dynamics_replicas", o.ID), p.res("dynamics_replicas", o.ID+".gob"))
				})
			}
		}
	}
}

// analyzeOptions are the options of the landscapes step: the full
// analysis of "rbmscope analyze" with the settings' sizes, no figures
// (the report draws its own).
func (s *Settings) analyzeOptions() study.AnalyzeOptions {
	o := study.DefaultAnalyzeOptions()
	o.Data, o.DataLimit, o.InitStd, o.Chains, o.Steps = s.Data, s.TestLimit, s.InitStd, s.GibbsChains, s.GibbsSteps
	o.MPSizes, o.MPDraws, o.KurtSizes, o.KurtSamples = s.MPSizes, s.MPDraws, s.KurtSizes, s.KurtSamples
	o.Fig5Samples, o.Seed, o.Backend, o.NoFigures = s.Fig5Samples, s.Seed, s.Backend, true
	o.KurtLayer = s.KurtLayer
	return o
}

// landscapes runs the full reciprocal-space analysis of one trained run
// (paper: M = 500) against its own initialisation (study.Analyze into
// results/landscapes/) and keeps the figure inputs.
func (p *pipeline) landscapes(e sweep.Entry) error {
	last, first, err := rundir.FinalAndInit(p.plan.RunDir(e))
	if err != nil {
		return err
	}
	o := p.s.analyzeOptions()
	o.Untrained = first.Path
	s, err := study.Analyze(last.Path, p.res("landscapes"), o)
	if err != nil {
		return err
	}
	ls := Landscapes{ID: e.ID, Hidden: e.Config.Hidden, Trained: s.Trained, Untrained: s.Untrained, MPPanels: s.MPPanels,
		KurtCurves: s.KurtCurves, Fig5: s.Fig5, Summary: stripArrays(s)}
	if err := writeGob(p.res("landscapes.gob"), ls); err != nil {
		return err
	}
	return writeJSON(p.res("landscapes.json"), s)
}

// probe runs the hierarchical probe (Fig. 6) on one trained run and
// writes base.gob and base.json.
func (p *pipeline) probe(e sweep.Entry, base string) error {
	last, _, err := finalAndInit(p.plan.RunDir(e))
	if err != nil {
		return err
	}
	md, err := rbm.Load(last.Path)
	if err != nil {
		return err
	}
	if md.NumVisible() < 7 {
		return fmt.Errorf("the probe needs at least 7 visible units (has %d)", md.NumVisible())
	}
	f, err := reciprocal.NewFrame(md, "")
	if err != nil {
		return err
	}
	pr, err := symmetry.Probe(md, f, symmetry.ProbeOptions{Chains: p.s.ProbeChains, Sweeps: p.s.ProbeSteps, Show: min(100, p.s.ProbeChains), Draws: p.s.ProbeDraws,
		Seed: p.s.Seed, Backend: p.be})
	if err != nil {
		return err
	}
	pd := ProbeData{ID: e.ID, Hidden: e.Config.Hidden, Epoch: last.Epoch, Probe: pr}
	if err := writeGob(base+".gob", pd); err != nil {
		return err
	}
	return writeJSON(base+".json", pd)
}

func finiteOr(x, def float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return def
	}
	return x
}
