package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/study"
)

var sampleFlags struct {
	model, out string
	o          study.SampleOptions
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
	o := &sampleFlags.o
	f.IntVar(&o.Chains, "chains", 100, "number of chains (images)")
	f.IntVar(&o.Steps, "steps", 1000, "Gibbs sweeps per chain")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed")
	f.StringVar(&o.Init, "init", "random", "initial states: random (Bernoulli ½) or data (test images)")
	f.StringVar(&o.Data, "data", "mnist", "data for --init data")
	f.StringVar(&o.Show, "show", "prob", "prob (p(v|h) of the last sweep) or binary (sampled states)")
	f.IntVar(&o.Scale, "scale", 2, "pixel upscaling factor")
	f.StringVar(&o.Backend, "backend", "", "compute backend (openblas or gonum)")
	rootCmd.AddCommand(sampleCmd)
}

func runSample(_ *cobra.Command, _ []string) error {
	sf := &sampleFlags
	if sf.model == "" {
		return badinput.Errorf("--model is required (an .npz with W, a, b)")
	}
	o := sf.o
	prog := newProgress("gibbs", o.Steps, false)
	o.Progress = func() { prog.step(1, "") }
	if err := study.Sample(sf.model, sf.out, o); err != nil {
		return err
	}
	fmt.Fprintf(prog.w, "wrote %s (%d samples, %d sweeps)\n", sf.out, o.Chains, o.Steps)
	return nil
}
