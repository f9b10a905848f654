package main

import (
	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/study"
)

var dynFlags struct {
	model, run, out string
	opts            func() study.DynamicsOptions
}

var dynamicsCmd = &cobra.Command{
	Use:   "dynamics",
	Short: "Per-mode relaxation times of Gibbs chains against the Gaussian closure (docs/dynamics.md)",
	Args:  cobra.NoArgs,
	RunE: func(_ *cobra.Command, _ []string) (err error) {
		if (dynFlags.model == "") == (dynFlags.run == "") || dynFlags.out == "" {
			return badinput.Errorf("give --out and exactly one of --model (an .npz) or --run (a run directory)")
		}
		o, pr := dynFlags.opts(), newProgress("gibbs", 1, false)
		o.Progress = func(done, total int) { pr.total = total; pr.step(done-pr.done, "") }
		if dynFlags.model != "" {
			_, err = study.Dynamics(dynFlags.model, dynFlags.out, o)
		} else {
			_, err = study.DynamicsRun(dynFlags.run, dynFlags.out, o)
		}
		return err
	},
}

func init() {
	f := dynamicsCmd.Flags()
	f.StringVar(&dynFlags.model, "model", "", "model .npz (W, a, b)")
	f.StringVar(&dynFlags.run, "run", "", "run directory: measure its checkpoints")
	f.StringVar(&dynFlags.out, "out", "", "output directory (required): relaxation.csv, relaxation_uw.csv, leading.csv, dynamics.json, figures; with --run relaxation_epochs.csv")
	dynFlags.opts = study.DynamicsFlags(f)
	rootCmd.AddCommand(dynamicsCmd)
}
