package study

import (
	"context"
	"fmt"
	"github.com/rbmscope/rbmscope/autocorr"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rbmscope/rbmscope/classify"
	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/figures"
	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/internal/jsonsafe"
	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// ChainStats describes one set of samples: how they were drawn, how fast
// the chains mix and which digits they look like.
type ChainStats struct {
	Method   string    `json:"method"` // "pt" or "gibbs"
	Rungs    int       `json:"rungs"`
	SwapRate []float64 `json:"swap_rate,omitempty"` // per neighbouring pair of rungs (PT)
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
// tempering when o.PT, else by plain Gibbs from o.Init states — writes
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
	ladder := []*rbm.Model{md}
	if o.PT {
		betas, err := partition.Schedule(partition.Linear, o.PTRungs-1)
		if err != nil {
			return nil, badinput.Wrap(err)
		}
		if ladder, err = partition.TemperatureLadder(md, partition.BaseRate(train.Means()), betas); err != nil {
			return nil, err
		}
	}
	init, err := startChains(md, &o)
	if err != nil {
		return nil, err
	}
	samples, cs, err := runChains(ctx, be, ladder, init.V, o, cl)
	if err != nil {
		return nil, err
	}
	st.Samples = *cs
	if o.PT {
		g, err := startChains(md, &SampleOptions{Chains: o.Chains, Seed: o.Seed, Init: "random"})
		if err != nil {
			return nil, err
		}
		if _, st.Gibbs, err = runChains(ctx, be, []*rbm.Model{md}, g.V, SampleOptions{Steps: o.Steps, Seed: o.Seed + 1}, cl); err != nil {
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
	case o.PT && o.PTRungs < 2:
		return nil, nil, badinput.Errorf("--pt-rungs must be ≥ 2 (got %d)", o.PTRungs)
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

// runChains runs parallel tempering over ladder (one rung: plain Gibbs)
// from init for o.Steps sweeps and describes the last rung's samples.
func runChains(ctx context.Context, be tensor.Backend, ladder []*rbm.Model, init *tensor.Mat32, o SampleOptions, cl *classify.NearestNeighbour) (*tensor.Mat32, *ChainStats, error) {
	t0 := time.Now()
	var prog func(int, int)
	if o.Progress != nil {
		prog = func(int, int) { o.Progress() }
	}
	res, err := partition.ParallelTempering(ctx, be, ladder, partition.TemperingOptions{Chains: init.Rows, Sweeps: o.Steps, Seed: o.Seed, Init: init, Trace: true, Progress: prog})
	if err != nil {
		return nil, nil, err
	}
	cs := &ChainStats{Method: "gibbs", Rungs: len(ladder), TauEnergy: math.NaN(), TauEnergyErr: math.NaN()}
	if acc, err := autocorr.FromTrace(res.Trace); err == nil {
		iat := acc.IntegratedTime(0)
		cs.TauEnergy, cs.TauEnergyErr = iat.Tau, iat.Err
	}
	if len(ladder) > 1 {
		cs.Method, cs.SwapRate = "pt", res.SwapRate
	}
	if cl != nil {
		labels, err := cl.Predict(res.Samples)
		if err != nil {
			return nil, nil, err
		}
		cs.ClassCounts, cs.ClassEntropy = classify.Entropy(labels, 10)
	}
	cs.Seconds = time.Since(t0).Seconds()
	return res.Samples, cs, nil
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
