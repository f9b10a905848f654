package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rundir"
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
grid shows p(v=1|h) of the last sweep (smoother); with --show binary the sampled states.

--pt: parallel tempering on the temperature path from the data's base-rate model to the model,
over a ladder that gets midpoint rungs until neighbours swap at rate --pt-target (at most
--pt-rungs rungs); with --run DIR the path runs instead through that run's checkpoints (the
model is the last one unless --model is given). See docs/likelihood.md. Prints and writes
(--stats) swap rates, the energy autocorrelation time and the digit-class entropy of the samples,
with plain Gibbs from random states beside it. --states FILE.npy writes the 0/1 states.`,
	Example: `  rbmscope sample --model runs/pcd500/checkpoints/epoch-0005.npz --chains 100 --steps 1000 --out samples.png
  rbmscope sample --model runs/best500/checkpoints/epoch-0050.npz --pt --chains 1000 --steps 1000 --states s.npy
  rbmscope sample --run runs/pcd500 --pt --chains 100 --steps 500 --out s.png`,
	Args: cobra.NoArgs,
	RunE: runSample,
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
	f.BoolVar(&o.PT, "pt", false, "sample by parallel tempering over an adaptive ladder, with mixing diagnostics")
	f.IntVar(&o.PTRungs, "pt-rungs", 1000, "--pt: fail when the ladder needs more rungs than this")
	f.Float64Var(&o.PTTarget, "pt-target", 0.3, "--pt: insert midpoint rungs until neighbours swap at this rate")
	f.IntVar(&o.ModeJumps, "mode-jumps", -1, "--pt: every sweep each chain may jump to one of the modes a search with this many random starts found, accepted by Metropolis–Hastings (0 = off; −1 = 20 when the smaller layer has ≤ 32 units, else off)")
	f.StringVar(&o.Run, "run", "", "--pt through the checkpoints of this run directory (trajectory path)")
	f.StringVar(&o.States, "states", "", "also write the final states to this .npy file (0/1 rows)")
	f.StringVar(&o.Stats, "stats", "", "mixing diagnostics JSON (with --pt by default the PNG's name with .json)")
	f.BoolVar(&o.Classify, "classify", false, "report the digit-class entropy of the samples (always with --pt)")
	rootCmd.AddCommand(sampleCmd)
}

func runSample(_ *cobra.Command, _ []string) error {
	sf := &sampleFlags
	o := sf.o
	if sf.model == "" && o.Run != "" {
		cks, err := rundir.Checkpoints(o.Run)
		if err != nil || len(cks) == 0 {
			return badinput.Errorf("--run %s: no checkpoints (%v)", o.Run, err)
		}
		sf.model = cks[len(cks)-1].Path
	}
	if sf.model == "" {
		return badinput.Errorf("--model is required (an .npz with W, a, b), or --run with --pt")
	}
	prog := newProgress("gibbs", o.Steps, false)
	o.Progress = func() { prog.step(1, "") }
	st, err := study.Sample(sf.model, sf.out, o)
	if err != nil {
		return err
	}
	fmt.Fprint(prog.w, st.Report())
	fmt.Fprintf(prog.w, "wrote %s (%d samples, %d sweeps)\n", sf.out, o.Chains, o.Steps)
	return nil
}
