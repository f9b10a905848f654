package main

import (
	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/study"
)

type analyzeFlagValues struct {
	models        []string
	out           string
	asJSON, quiet bool
	opts          func() (study.AnalyzeOptions, error)
}

var analyzeFlags analyzeFlagValues

var analyzeCmd = &cobra.Command{
	Use:   "analyze",
	Short: "Analyse a model in reciprocal space (SVD frame of W): spectrum, saddles, MP law, kurtosis, Figs. 1–3, 5",
	Long: `Compute the SVD frame W = UΣVᵀ of a model (any .npz with W, a, b) with a fixed sign gauge,
its saddle points and energies, the unstable modes of the Gaussian-closure Fokker–Planck
spectrum (σ_k > 4), the kurtosis of the reciprocal variables, the Marchenko–Pastur law of
random initialisations of the same shape, and draw Fig. 1 right, Fig. 2, Fig. 3 a–f and Fig. 5.
Writes DIR/summary.json, DIR/modes.csv, DIR/kurtosis_curve.csv, DIR/arrays.npz and DIR/*.png|svg.
Modes are numbered from 1 as in the paper.`,
	Example: `  rbmscope analyze --model runs/pcd500/checkpoints/epoch-0020.npz --data mnist --out runs/pcd500/analysis
  rbmscope analyze --model a.npz --model b.npz --untrained runs/x/checkpoints/epoch-0000.npz --modes 1,2,3,498 --out out --json`,
	Args: cobra.NoArgs,
	RunE: runAnalyze,
}

func init() {
	f := analyzeCmd.Flags()
	af := &analyzeFlags
	f.StringArrayVar(&af.models, "model", nil, "model .npz (W, a, b); repeat to add trained spectra to Fig. 3f (the first is analysed) (required)")
	f.StringVar(&af.out, "out", "", "output directory (required)")
	f.BoolVar(&af.asJSON, "json", false, "print summary.json on stdout")
	f.BoolVar(&af.quiet, "quiet", false, "no progress output")
	af.opts = study.AnalyzeFlags(f)
	rootCmd.AddCommand(analyzeCmd)
}

func runAnalyze(_ *cobra.Command, _ []string) error {
	af := &analyzeFlags
	switch {
	case len(af.models) == 0:
		return badinput.Errorf("--model is required (an .npz with W, a, b)")
	case af.out == "":
		return badinput.Errorf("--out is required (a directory for summary.json and figures)")
	}
	o, err := af.opts()
	if err != nil {
		return err
	}
	o.Extra = af.models[1:]
	stages := o.Stages()
	pr := newProgress("analyze", stages, af.quiet)
	o.Progress = func(s string) {
		if s == "drawing figures" {
			pr.logf("drawing figures")
			return
		}
		pr.step(1, s)
	}
	s, err := study.Analyze(af.models[0], af.out, o)
	if err != nil {
		return err
	}
	pr.step(stages-pr.done, "done")
	pr.logf("σ₁ = %.4g, %d unstable modes (σ > %.0f), MP KS model %.3f / init %.4f; wrote %s",
		s.Sigma1, s.NUnstable, s.Threshold, s.MP.KSModel, s.MP.KSInit, af.out)
	if af.asJSON {
		return printJSON(s)
	}
	return nil
}
