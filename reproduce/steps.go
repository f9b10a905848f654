package reproduce

import (
	"context"
	"fmt"
	"math"
	"path/filepath"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/rundir"
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
	ID        string              `json:"id"`
	Hidden    int                 `json:"hidden"`
	Replica   int                 `json:"replica"`
	Epoch     int                 `json:"epoch"`
	Trained   *reciprocal.Summary `json:"trained"`
	Untrained *reciprocal.Summary `json:"untrained"`
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
	Summary    *reciprocal.Summary // arrays dropped
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

// evalEpochs are the checkpoints whose log-likelihood is estimated.
func (s *Settings) evalEpochs(ckpts []rundir.Checkpoint) []rundir.Checkpoint {
	var out []rundir.Checkpoint
	for i, c := range ckpts {
		if c.Epoch > 0 && (c.Epoch%s.EvalEvery == 0 || i == len(ckpts)-1) {
			out = append(out, c)
		}
	}
	return out
}

func (s *Settings) trackEpochs(ckpts []rundir.Checkpoint) []symmetry.Snapshot {
	var out []symmetry.Snapshot
	for _, c := range rundir.Every(ckpts, s.TrackEvery) {
		out = append(out, symmetry.Snapshot{Epoch: c.Epoch, Load: c.Load})
	}
	return out
}

// perRun runs the analysis steps of one finished training run.
func (p *pipeline) perRun(ctx context.Context, e sweep.Entry) {
	dir := p.plan.RunDir(e)
	p.step(ctx, "eval/"+e.ID, func() error { return p.evalRun(ctx, e, dir) })
	p.step(ctx, "analyze/"+e.ID, func() error { return p.analyzeRun(e, dir) })
	p.step(ctx, "track/"+e.ID, func() error { return p.trackRun(e, dir) })
	p.step(ctx, "js/"+e.ID, func() error { return p.jsRun(e, dir) })
}

// evalRun estimates the test log-likelihood of the selected checkpoints
// with AIS and reverse AIS and writes them into the run's metrics.csv.
func (p *pipeline) evalRun(ctx context.Context, e sweep.Entry, dir string) error {
	test, means, err := p.data()
	if err != nil {
		return err
	}
	ckpts, err := rundir.Checkpoints(dir)
	if err != nil {
		return err
	}
	betas, err := partition.Schedule(p.s.AISSchedule, p.s.AISBetas)
	if err != nil {
		return err
	}
	start := test.Subset(dataset.Shuffle(test.Len(), p.s.Seed, 1)[:min(p.s.AISChains, test.Len())]).X
	var points []EvalPoint
	for _, c := range p.s.evalEpochs(ckpts) {
		md, err := rbm.Load(c.Path)
		if err != nil {
			return err
		}
		num, err := partition.MeanNegFreeEnergy(md, test.X)
		if err != nil {
			return err
		}
		opts := partition.Options{Betas: betas, Chains: p.s.AISChains, BaseVisible: partition.BaseRate(means), Seed: p.s.Seed, Resample: p.s.AISResample}
		ais, err := partition.AIS(ctx, p.be, md, opts)
		if err != nil {
			return err
		}
		from := start
		if p.s.RAISGibbs > 0 {
			if from, err = partition.LongChains(ctx, p.be, md, start, 0, p.s.RAISGibbs, p.s.Seed); err != nil {
				return err
			}
		}
		rais, err := partition.ReverseAIS(ctx, p.be, md, from, opts)
		if err != nil {
			return err
		}
		b := partition.Bounds(num, ais, rais, partition.LogMeanExpEstimator)
		points = append(points, EvalPoint{Epoch: c.Epoch, Rows: test.Len(), LL: b, AIS: ais, RAIS: rais})
		if err := updateMetrics(dir, c.Epoch, b); err != nil {
			return err
		}
	}
	return writeJSON(p.res("eval", e.ID+".json"), points)
}

func updateMetrics(runDir string, epoch int, b partition.LLBounds) error {
	return rundir.UpdateLL(runDir, epoch, rundir.LL{AIS: b.LLAIS, AISErr: b.LLAISErr, RAIS: b.LLRAIS, RAISErr: b.LLRAISErr})
}

// lightOptions are reciprocal.Analyze options for the per-run numbers
// (spectrum, unstable modes, MP distance, closed-form kurtosis): the
// landscapes, MP panels and kurtosis curves are left to the representative.
func (p *pipeline) lightOptions(untrained *rbm.Model) reciprocal.Options {
	return reciprocal.Options{Modes: []int{0}, Fig5Modes: []int{0}, InitStd: p.s.InitStd, Untrained: untrained,
		GibbsChains: 2, GibbsSteps: 1, MPSizes: []int{}, MPDraws: p.s.MPDraws, KurtSizes: []int{2, 3}, KurtSamples: -1,
		Fig5Samples: 2, Grid: 2, Seed: p.s.Seed, Backend: p.be}
}

func stripArrays(s *reciprocal.Summary) *reciprocal.Summary {
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
	tr, err := reciprocal.Analyze(md, p.lightOptions(md0))
	if err != nil {
		return fmt.Errorf("trained model: %w", err)
	}
	un, err := reciprocal.Analyze(md0, p.lightOptions(md0))
	if err != nil {
		return fmt.Errorf("untrained model: %w", err)
	}
	ra := RunAnalysis{ID: e.ID, Hidden: e.Config.Hidden, Replica: e.Replica, Epoch: epoch, Trained: stripArrays(tr), Untrained: stripArrays(un)}
	return writeJSON(p.res("analysis", e.ID+".json"), ra)
}

// trackRun follows the leading mode's landscape over the checkpoints.
func (p *pipeline) trackRun(e sweep.Entry, dir string) error {
	test, _, err := p.data()
	if err != nil {
		return err
	}
	ckpts, err := rundir.Checkpoints(dir)
	if err != nil {
		return err
	}
	tr, err := symmetry.Track(p.s.trackEpochs(ckpts), test, symmetry.TrackOptions{Chains: p.s.GibbsChains, Sweeps: p.s.GibbsSteps,
		Seed: p.s.Seed, Backend: p.be})
	if err != nil {
		return err
	}
	if err := writeGob(p.res("tracking", e.ID+".gob"), tr); err != nil {
		return err
	}
	if err := writeTrackingCSV(p.res("tracking", e.ID+".csv"), tr); err != nil {
		return err
	}
	return writeJSON(p.res("tracking", e.ID+".json"), tr)
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
func (p *pipeline) global(ctx context.Context, done []sweep.Entry) {
	if e, ok := pick(done, 500); ok {
		p.step(ctx, "landscapes", func() error { return p.landscapes(e) })
	}
	if e, ok := pick(done, 784, 500); ok {
		p.step(ctx, "probe", func() error { return p.probe(e) })
	}
}

// landscapes runs the full reciprocal-space analysis of one trained run
// (paper: M = 500) against its own initialisation.
func (p *pipeline) landscapes(e sweep.Entry) error {
	test, _, err := p.data()
	if err != nil {
		return err
	}
	md, md0, _, err := loadFinalAndInit(p.plan.RunDir(e))
	if err != nil {
		return err
	}
	ks := p.s.KurtSamples
	if ks == 0 {
		ks = -1
	}
	s, err := reciprocal.Analyze(md, reciprocal.Options{InitStd: p.s.InitStd, Untrained: md0, Data: test.X.To64(), Labels: test.Labels,
		GibbsChains: p.s.GibbsChains, GibbsSteps: p.s.GibbsSteps, MPSizes: p.s.MPSizes, MPDraws: p.s.MPDraws,
		KurtSizes: p.s.KurtSizes, KurtSamples: ks, Fig5Samples: p.s.Fig5Samples, Seed: p.s.Seed, Backend: p.be})
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

// probe runs the hierarchical probe (Fig. 6) on one trained run.
func (p *pipeline) probe(e sweep.Entry) error {
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
	pr, err := symmetry.Probe(md, f, symmetry.ProbeOptions{Chains: p.s.ProbeChains, Sweeps: p.s.ProbeSteps, Show: min(100, p.s.ProbeChains),
		Seed: p.s.Seed, Backend: p.be})
	if err != nil {
		return err
	}
	pd := ProbeData{ID: e.ID, Hidden: e.Config.Hidden, Epoch: last.Epoch, Probe: pr}
	if err := writeGob(p.res("probe.gob"), pd); err != nil {
		return err
	}
	return writeJSON(p.res("probe.json"), pd)
}

func finiteOr(x, def float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return def
	}
	return x
}
