package main

import (
	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/study"
)

var dynFlags struct{ model, run, out string }

var dynamicsCmd = &cobra.Command{
	Use:   "dynamics",
	Short: "Per-mode relaxation times of Gibbs chains against the Gaussian closure (docs/dynamics.md)",
	Args:  cobra.NoArgs,
}

func init() {
	f := dynamicsCmd.Flags()
	f.StringVar(&dynFlags.model, "model", "", "model .npz (W, a, b)")
	f.StringVar(&dynFlags.run, "run", "", "run directory: measure its checkpoints")
	f.StringVar(&dynFlags.out, "out", "", "output directory (required): relaxation.csv, relaxation_uw.csv, leading.csv, dynamics.json, figures; with --run relaxation_epochs.csv")
	opts := study.DynamicsFlags(f)
	dynamicsCmd.RunE = func(_ *cobra.Command, _ []string) error {
		o, pr := opts(), newProgress("gibbs", 1, false)
		o.Progress = func(done, total int) { pr.total = total; pr.step(done-pr.done, "") }
		return study.DynamicsOf(dynFlags.model, dynFlags.run, dynFlags.out, o)
	}
	rootCmd.AddCommand(dynamicsCmd)
}
