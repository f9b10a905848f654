package study

import (
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/figures"
	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// SampleOptions configure Sample ("rbmscope sample").
type SampleOptions struct {
	Chains, Steps, Scale int    // chains (images), Gibbs sweeps, pixel upscaling
	Seed                 uint64 //
	Init                 string // random (Bernoulli ½) or data (test images)
	Data                 string // data for Init data, the base rate of PT and the classifier's references
	Show                 string // prob (p(v|h) of the last sweep) or binary
	Backend              string // "" = the fastest compiled in
	Progress             func() // optional: after each sweep
	// PT samples by parallel tempering over an adaptive ladder
	// (partition.PathTempering) on the temperature path from the data's
	// base-rate model to the model, or with Run on the trajectory path
	// through that run's checkpoints (the model is then its last), and
	// reports mixing diagnostics beside plain Gibbs from random states
	// (SampleStats, written to Stats). Midpoint rungs are inserted until
	// neighbours swap at rate PTTarget; PTRungs caps the ladder.
	PT       bool
	PTRungs  int
	PTTarget float64
	// ModeJumps adds jump moves between modes to PT (mode-search starts per
	// model; 0 = off, −1 = partition.AutoModeJumps).
	ModeJumps int
	Run       string
	States    string // when set, the final states as a .npy 0/1 matrix
	Stats     string // when set, the SampleStats JSON (PT, or Classify)
	// Classify labels the samples with a 1-nearest-neighbour classifier
	// on the training images of Data and reports the class entropy
	// (always with PT).
	Classify bool
}

// Sample runs o.Chains block-Gibbs chains of the model in path for o.Steps
// sweeps and writes their final visible states to out as a PNG grid; with
// o.PT, o.Classify, o.States or o.Stats it is SamplePT (with o.PT the
// statistics go by default to out with the extension .json) and returns
// the statistics, otherwise nil.
func Sample(path, out string, o SampleOptions) (*SampleStats, error) {
	if o.PT && o.Stats == "" {
		o.Stats = strings.TrimSuffix(out, filepath.Ext(out)) + ".json"
	}
	if o.PT || o.Classify || o.States != "" || o.Stats != "" {
		return SamplePT(path, out, o)
	}
	return nil, samplePlain(path, out, o)
}

// samplePlain is Sample without statistics (the PNG grid only).
func samplePlain(path, out string, o SampleOptions) error {
	switch {
	case o.Chains < 1 || o.Steps < 0 || o.Scale < 1:
		return badinput.Errorf("--chains and --scale must be ≥ 1 and --steps ≥ 0")
	case o.Show != "prob" && o.Show != "binary":
		return badinput.Errorf("--show must be prob or binary")
	case o.Init != "random" && o.Init != "data":
		return badinput.Errorf("--init must be random or data")
	}
	if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
		return badinput.Errorf("--out %s: %s is not an existing directory", out, filepath.Dir(out))
	}
	be, ok := tensor.ByName(o.Backend)
	if !ok {
		return badinput.Errorf("backend %q is not compiled in", o.Backend)
	}
	md, err := rbm.Load(path)
	if err != nil {
		return badinput.Wrap(err)
	}
	c, err := startChains(md, &o)
	if err != nil {
		return err
	}
	s := rbm.NewSampler(be, md.To32(), tensor.NewStream(o.Seed, 1))
	for t := 0; t < o.Steps; t++ {
		s.Hidden(c.V, c.ProbH, c.H)
		s.Visible(c.H, c.ProbV, c.V)
		if o.Progress != nil {
			o.Progress()
		}
	}
	imgs := c.V
	if o.Show == "prob" && o.Steps > 0 {
		imgs = c.ProbV
	}
	grid := figures.ImageGrid(imgs.To64(), o.Scale)
	if err := atomicfile.WriteFile(out, func(w io.Writer) error { return png.Encode(w, grid) }); err != nil {
		return badinput.Wrap(err)
	}
	return nil
}

// startChains starts the chains from Bernoulli(½) states or test images.
func startChains(md *rbm.Model, o *SampleOptions) (*rbm.Chains, error) {
	n, m := md.NumVisible(), md.NumHidden()
	c := rbm.NewChains(o.Chains, n, m)
	if o.Init != "data" {
		tensor.Bernoulli(c.V, 0.5, tensor.NewStream(o.Seed, 0).Key())
		return c, nil
	}
	set, err := dataset.Load(o.Data, dataset.Test, dataset.Binarize{})
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	if set.Width() != n {
		return nil, badinput.Errorf("data has %d columns but the model has %d visible units", set.Width(), n)
	}
	for r := 0; r < o.Chains; r++ {
		copy(c.V.Row(r), set.X.Row(r%set.Len()))
	}
	return c, nil
}
