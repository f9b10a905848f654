package main

import (
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/figures"
	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

var sampleFlags struct {
	model, out, init, show, data, backend string
	chains, steps, scale                  int
	seed                                  uint64
}

var sampleCmd = &cobra.Command{
	Use:   "sample",
	Short: "Draw block-Gibbs samples from a model and save them as a PNG grid",
	Long: `Run --chains independent block-Gibbs chains for --steps sweeps from random (Bernoulli ½)
or data initial states and save the final visible states as a PNG grid. With --show prob the
grid shows p(v=1|h) of the last sweep (smoother); with --show binary the sampled states.`,
	Example: `  rbmscope sample --model runs/pcd500/checkpoints/epoch-0005.npz --chains 100 --steps 1000 --out samples.png`,
	Args:    cobra.NoArgs,
	RunE:    runSample,
}

func init() {
	f := sampleCmd.Flags()
	f.StringVar(&sampleFlags.model, "model", "", "model .npz (W, a, b) (required)")
	f.StringVar(&sampleFlags.out, "out", "samples.png", "PNG file to write")
	f.IntVar(&sampleFlags.chains, "chains", 100, "number of chains (images)")
	f.IntVar(&sampleFlags.steps, "steps", 1000, "Gibbs sweeps per chain")
	f.Uint64Var(&sampleFlags.seed, "seed", 1, "random seed")
	f.StringVar(&sampleFlags.init, "init", "random", "initial states: random (Bernoulli ½) or data (test images)")
	f.StringVar(&sampleFlags.data, "data", "mnist", "data for --init data")
	f.StringVar(&sampleFlags.show, "show", "prob", "prob (p(v|h) of the last sweep) or binary (sampled states)")
	f.IntVar(&sampleFlags.scale, "scale", 2, "pixel upscaling factor")
	f.StringVar(&sampleFlags.backend, "backend", "", "compute backend (openblas or gonum)")
	rootCmd.AddCommand(sampleCmd)
}

func runSample(_ *cobra.Command, _ []string) error {
	sf := &sampleFlags
	switch {
	case sf.model == "":
		return badinput.Errorf("--model is required (an .npz with W, a, b)")
	case sf.chains < 1 || sf.steps < 0 || sf.scale < 1:
		return badinput.Errorf("--chains and --scale must be ≥ 1 and --steps ≥ 0")
	case sf.show != "prob" && sf.show != "binary":
		return badinput.Errorf("--show must be prob or binary")
	case sf.init != "random" && sf.init != "data":
		return badinput.Errorf("--init must be random or data")
	}
	if st, err := os.Stat(filepath.Dir(sf.out)); err != nil || !st.IsDir() {
		return badinput.Errorf("--out %s: %s is not an existing directory", sf.out, filepath.Dir(sf.out))
	}
	be, ok := tensor.ByName(sf.backend)
	if !ok {
		return badinput.Errorf("backend %q is not compiled in", sf.backend)
	}
	md, err := rbm.Load(sf.model)
	if err != nil {
		return badinput.Wrap(err)
	}
	n, m := md.NumVisible(), md.NumHidden()
	c := rbm.NewChains(sf.chains, n, m)
	if sf.init == "data" {
		set, err := dataset.Load(sf.data, dataset.Test, dataset.Binarize{})
		if err != nil {
			return badinput.Wrap(err)
		}
		if set.Width() != n {
			return badinput.Errorf("data has %d columns but the model has %d visible units", set.Width(), n)
		}
		for r := 0; r < sf.chains; r++ {
			copy(c.V.Row(r), set.X.Row(r%set.Len()))
		}
	} else {
		tensor.Bernoulli(c.V, 0.5, tensor.NewStream(sf.seed, 0).Key())
	}
	s := rbm.NewSampler(be, md.To32(), tensor.NewStream(sf.seed, 1))
	prog := newProgress("gibbs", sf.steps, false)
	for t := 0; t < sf.steps; t++ {
		s.Hidden(c.V, c.ProbH, c.H)
		s.Visible(c.H, c.ProbV, c.V)
		prog.step(1, "")
	}
	imgs := c.V
	if sf.show == "prob" && sf.steps > 0 {
		imgs = c.ProbV
	}
	grid := figures.ImageGrid(imgs.To64(), sf.scale)
	if err := atomicfile.WriteFile(sf.out, func(w io.Writer) error { return png.Encode(w, grid) }); err != nil {
		return badinput.Wrap(err)
	}
	fmt.Fprintf(prog.w, "wrote %s (%d samples, %d sweeps)\n", sf.out, sf.chains, sf.steps)
	return nil
}
