package study

import (
	"context"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rbmscope/rbmscope/autocorr"
	"github.com/rbmscope/rbmscope/classify"
	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/figures"
	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/internal/jsonsafe"
	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/tensor"
)

// ChainStats describes one set of samples: how they were drawn, how fast
// the chains mix and which digits they look like.
type ChainStats struct {
	Method   string    `json:"method"`         // "pt" or "gibbs"
	Path     string    `json:"path,omitempty"` // PT: "temperature" or "trajectory" (through a run's checkpoints)
	Rungs    int       `json:"rungs"`
	SwapRate []float64 `json:"swap_rate,omitempty"` // per neighbouring pair of rungs (PT)
	// ModeJumps is the mode-search starts per model of PT's jump moves (0:
	// none) and JumpRate every rung's jump acceptance.
	ModeJumps int       `json:"mode_jumps,omitempty"`
	JumpRate  []float64 `json:"jump_rate,omitempty"`
	// TauEnergy is the integrated autocorrelation time of the free energy
	// F(v) of the target's chains, in sweeps (package autocorr: global mean,
	// Sokal's window), and TauEnergyErr its Madras–Sokal error; NaN (null)
	// for a constant trace.
	TauEnergy    float64 `json:"tau_energy"`
	TauEnergyErr float64 `json:"tau_energy_err"`
	ClassCounts  []int   `json:"class_counts,omitempty"`
	ClassEntropy float64 `json:"class_entropy"` // nats; log 10 = 2.303 for evenly spread digits
	Seconds      float64 `json:"seconds"`
}

// SampleStats is the JSON sidecar of rbmscope sample --pt: the samples
// written (PT), plain Gibbs from random states beside them, and the class
// entropy of the data's test images for reference.
type SampleStats struct {
	Model      string      `json:"model"`
	Chains     int         `json:"chains"`
	Sweeps     int         `json:"sweeps"`
	Classifier string      `json:"classifier"`
	Samples    ChainStats  `json:"samples"`
	Gibbs      *ChainStats `json:"gibbs,omitempty"`
	TestImages float64     `json:"test_class_entropy"`
}

// SamplePT draws o.Chains samples of the model in path — by parallel
// tempering when o.PT (on the trajectory path of o.Run when set, path
// then being its last checkpoint), else by plain Gibbs from o.Init
// states — writes
// the PNG grid (binary states), the states (o.States) and the statistics
// (o.Stats), and returns the statistics. With o.PT plain Gibbs from random
// states runs beside it with the same chains and sweeps.
func SamplePT(path, out string, o SampleOptions) (*SampleStats, error) {
	be, md, err := sampleSetup(path, out, &o)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	st := &SampleStats{Model: path, Chains: o.Chains, Sweeps: o.Steps, Classifier: "1-nearest-neighbour (Hamming) on the training images"}
	train, err := dataset.Load(o.Data, dataset.Train, dataset.Binarize{})
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	if train.Width() != md.NumVisible() {
		return nil, badinput.Errorf("data has %d columns but the model has %d visible units", train.Width(), md.NumVisible())
	}
	var cl *classify.NearestNeighbour
	if train.Labels != nil {
		if cl, err = classify.New(be, train.X, train.Labels); err != nil {
			return nil, err
		}
	}
	init, err := startChains(md, &o)
	if err != nil {
		return nil, err
	}
	var samples *tensor.Mat32
	var cs *ChainStats
	if o.PT {
		samples, cs, err = runPT(ctx, be, md, init.V, partition.BaseRate(train.Means()), o, cl)
	} else {
		samples, cs, err = runChains(ctx, be, md, init.V, o, cl)
	}
	if err != nil {
		return nil, err
	}
	st.Samples = *cs
	if o.PT {
		g, err := startChains(md, &SampleOptions{Chains: o.Chains, Seed: o.Seed, Init: "random"})
		if err != nil {
			return nil, err
		}
		if _, st.Gibbs, err = runChains(ctx, be, md, g.V, SampleOptions{Steps: o.Steps, Seed: o.Seed + 1}, cl); err != nil {
			return nil, err
		}
	}
	if cl != nil {
		if test, err := dataset.Load(o.Data, dataset.Test, dataset.Binarize{}); err == nil && test.Labels != nil {
			_, st.TestImages = classify.Entropy(test.Labels, 10)
		}
	}
	return st, writeSamples(out, samples, st, o)
}

// sampleSetup validates o and loads the backend and the model.
func sampleSetup(path, out string, o *SampleOptions) (tensor.Backend, *rbm.Model, error) {
	switch {
	case o.Chains < 1 || o.Steps < 0 || o.Scale < 1:
		return nil, nil, badinput.Errorf("--chains and --scale must be ≥ 1 and --steps ≥ 0")
	case o.PT && (o.PTRungs < 2 || !(o.PTTarget > 0 && o.PTTarget < 1)):
		return nil, nil, badinput.Errorf("--pt-rungs must be ≥ 2 and --pt-target in (0, 1) (got %d, %v)", o.PTRungs, o.PTTarget)
	case o.ModeJumps < -1:
		return nil, nil, badinput.Errorf("--mode-jumps must be ≥ 0, or −1 for automatic (got %d)", o.ModeJumps)
	case o.Run != "" && !o.PT:
		return nil, nil, badinput.Errorf("--run needs --pt (parallel tempering through the run's checkpoints)")
	case o.Init != "random" && o.Init != "data":
		return nil, nil, badinput.Errorf("--init must be random or data")
	}
	for _, f := range []string{out, o.States, o.Stats} {
		if f == "" {
			continue
		}
		if st, err := os.Stat(filepath.Dir(f)); err != nil || !st.IsDir() {
			return nil, nil, badinput.Errorf("%s: %s is not an existing directory", f, filepath.Dir(f))
		}
	}
	be, ok := tensor.ByName(o.Backend)
	if !ok {
		return nil, nil, badinput.Errorf("backend %q is not compiled in", o.Backend)
	}
	md, err := rbm.Load(path)
	if err != nil {
		return nil, nil, badinput.Wrap(err)
	}
	return be, md, nil
}

// runChains runs plain block-Gibbs chains of md from init for o.Steps
// sweeps and describes their samples: partition.PathTempering on the
// one-rung fixed ladder {1}, the model itself (no swaps).
func runChains(ctx context.Context, be tensor.Backend, md *rbm.Model, init *tensor.Mat32, o SampleOptions, cl *classify.NearestNeighbour) (*tensor.Mat32, *ChainStats, error) {
	t0 := time.Now()
	res, err := partition.PathTempering(ctx, be, []*rbm.Model{md}, partition.TrajectoryOptions{
		Chains: init.Rows, Sweeps: o.Steps, BurnIn: 0, Ladder: []float64{1}, Init: init, Trace: true, Seed: o.Seed, Progress: progressOf(o)})
	if err != nil {
		return nil, nil, err
	}
	cs := &ChainStats{Method: "gibbs", Rungs: 1}
	return res.Samples, cs, describe(cs, res, cl, t0)
}

// runPT samples md by partition.PathTempering: on the temperature path
// from the base-rate model, or on the trajectory path through the
// checkpoints of o.Run.
func runPT(ctx context.Context, be tensor.Backend, md *rbm.Model, init *tensor.Mat32, base []float64, o SampleOptions, cl *classify.NearestNeighbour) (*tensor.Mat32, *ChainStats, error) {
	t0 := time.Now()
	models, kind := []*rbm.Model{md}, "temperature"
	if o.Run != "" {
		var err error
		if models, err = runModels(o.Run, md); err != nil {
			return nil, nil, err
		}
		kind = "trajectory"
	}
	to := partition.DefaultTrajectoryOptions()
	to.Chains, to.Sweeps, to.BurnIn, to.MaxRungs, to.SwapTarget = init.Rows, o.Steps, 0, o.PTRungs, o.PTTarget
	to.BaseVisible, to.Init, to.Trace, to.Seed, to.Progress = base, init, true, o.Seed, progressOf(o)
	to.ModeJumps = modeJumps(o.ModeJumps, md)
	res, err := partition.PathTempering(ctx, be, models, to)
	if err != nil {
		return nil, nil, badinput.Wrap(err)
	}
	cs := &ChainStats{Method: "pt", Path: kind, Rungs: res.Rungs, SwapRate: res.SwapRate, ModeJumps: to.ModeJumps, JumpRate: res.JumpRate}
	return res.Samples, cs, describe(cs, res, cl, t0)
}

// runModels loads the checkpoints of run, whose last must be md's shape.
func runModels(run string, md *rbm.Model) ([]*rbm.Model, error) {
	cks, err := rundir.Checkpoints(run)
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	var models []*rbm.Model
	for _, c := range cks {
		m, err := c.Load()
		if err != nil {
			return nil, badinput.Wrap(err)
		}
		if m.NumVisible() != md.NumVisible() || m.NumHidden() != md.NumHidden() {
			return nil, badinput.Errorf("%s is %d×%d but the model is %d×%d", c.Path, m.NumVisible(), m.NumHidden(), md.NumVisible(), md.NumHidden())
		}
		models = append(models, m)
	}
	return models, nil
}

func progressOf(o SampleOptions) func(int, int) {
	if o.Progress == nil {
		return nil
	}
	return func(int, int) { o.Progress() }
}

// describe fills the energy autocorrelation time, the class statistics and
// the time of cs from res.
func describe(cs *ChainStats, res *partition.TemperingResult, cl *classify.NearestNeighbour, t0 time.Time) error {
	cs.TauEnergy, cs.TauEnergyErr = math.NaN(), math.NaN()
	if acc, err := autocorr.FromTrace(res.Trace); err == nil {
		iat := acc.IntegratedTime(0)
		cs.TauEnergy, cs.TauEnergyErr = iat.Tau, iat.Err
	}
	if cl != nil {
		labels, err := cl.Predict(res.Samples)
		if err != nil {
			return err
		}
		cs.ClassCounts, cs.ClassEntropy = classify.Entropy(labels, 10)
	}
	cs.Seconds = time.Since(t0).Seconds()
	return nil
}

// writeSamples writes the PNG grid, the states and the statistics.
func writeSamples(out string, x *tensor.Mat32, st *SampleStats, o SampleOptions) error {
	grid := figures.ImageGrid(x.To64(), o.Scale)
	if err := atomicfile.WriteFile(out, func(w io.Writer) error { return png.Encode(w, grid) }); err != nil {
		return badinput.Wrap(err)
	}
	if o.States != "" {
		if err := dataset.WriteNPY(o.States, x); err != nil {
			return err
		}
	}
	if o.Stats != "" {
		return jsonsafe.WriteFile(o.Stats, st, "  ")
	}
	return nil
}

// Report is the human summary of s: one line per set of samples ("" for
// nil).
func (s *SampleStats) Report() string {
	var b strings.Builder
	if s == nil {
		return ""
	}
	for _, c := range []*ChainStats{&s.Samples, s.Gibbs} {
		if c == nil {
			continue
		}
		rates := "-"
		if r := slices.Sorted(slices.Values(c.SwapRate)); len(r) > 0 {
			rates = fmt.Sprintf("min %.2f median %.2f max %.2f", r[0], r[len(r)/2], r[len(r)-1])
		}
		fmt.Fprintf(&b, "%s: class entropy %.3f nats (test images %.3f), classes %v, energy autocorrelation %.1f sweeps, swap rates %s\n",
			c.Method, c.ClassEntropy, s.TestImages, c.ClassCounts, c.TauEnergy, rates)
	}
	return b.String()
}
