package main

import (
	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/internal/intlist"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/study"
	"github.com/spf13/pflag"
)

type analyzeFlagValues struct {
	models                                []string
	out, data, untrained, modes, gauge    string
	hidden, kurtLayer, mpSizes, kurtSizes string
	backend                               string
	dataLimit, chains, steps, mpDraws     int
	kurtSamples, fig5Samples              int
	initStd                               float64
	seed                                  uint64
	asJSON, noFigures, quiet              bool
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
	addAnalyzeFlags(f, af)
	rootCmd.AddCommand(analyzeCmd)
}

// addAnalyzeFlags binds the flags of the analysis options to af (also used
// to read a sweep spec's analyze_args).
func addAnalyzeFlags(f *pflag.FlagSet, af *analyzeFlagValues) {
	f.StringVar(&af.data, "data", "", `test data projected in Fig. 2: "mnist", an IDX directory or a .npy 0/1 matrix (empty: none)`)
	f.IntVar(&af.dataLimit, "data-limit", 2000, "use at most this many test examples (0 = all)")
	f.StringVar(&af.untrained, "untrained", "", "untrained model .npz for Figs. 2 and 5 (default: N(0, init-std²) weights of the same shape)")
	f.StringVar(&af.modes, "modes", "1,2,3,498", "modes for Figs. 1–2, 1-based (498 is clamped to L for smaller models)")
	f.StringVar(&af.gauge, "gauge", string(reciprocal.GaugeMuWPositive), "SVD sign gauge: mu_w_positive or colsum_U_positive")
	f.StringVar(&af.hidden, "hidden", string(reciprocal.HiddenSample), "hidden states of data: sample (h ~ p(h|v)) or mean (p(h=1|v))")
	f.IntVar(&af.chains, "gibbs-chains", 100, "Gibbs chains for the landscapes")
	f.IntVar(&af.steps, "gibbs-steps", 200, "Gibbs sweeps per chain")
	f.Float64Var(&af.initStd, "init-std", 0.01, "entry std of random initialisations (Marchenko–Pastur, untrained reference)")
	f.IntVar(&af.mpDraws, "mp-draws", 1, "random initialisations per shape for the Marchenko–Pastur comparison")
	f.StringVar(&af.mpSizes, "mp-sizes", "500,784,1200,3000", "hidden sizes of Fig. 3a–d (visible size = the model's)")
	f.StringVar(&af.kurtLayer, "kurt-layer", "visible", "Fig. 3e reading: visible (vary N, x_k), hidden (vary M, y_k) or both")
	f.StringVar(&af.kurtSizes, "kurt-sizes", "500,700,784,1200,2000", "layer sizes of the Fig. 3e curve")
	f.IntVar(&af.kurtSamples, "kurt-samples", 20000, "binary states for the sampled kurtosis (0 = closed form only)")
	f.IntVar(&af.fig5Samples, "fig5-samples", 10000, "random binary states for Fig. 5")
	f.Uint64Var(&af.seed, "seed", 1, "random seed")
	f.StringVar(&af.backend, "backend", "", "compute backend (openblas or gonum)")
	f.BoolVar(&af.noFigures, "no-figures", false, "skip drawing figures")
}

// analyzeOptions turns the flags into study options.
func analyzeOptions(af *analyzeFlagValues) (study.AnalyzeOptions, error) {
	o := study.DefaultAnalyzeOptions()
	var err error
	if o.Modes, err = intlist.Parse("modes", af.modes, 1); err != nil {
		return o, err
	}
	if o.MPSizes, err = intlist.Parse("mp-sizes", af.mpSizes, 1); err != nil {
		return o, err
	}
	if o.KurtSizes, err = intlist.Parse("kurt-sizes", af.kurtSizes, 2); err != nil {
		return o, err
	}
	o.Untrained, o.Data, o.DataLimit, o.Gauge, o.Hidden = af.untrained, af.data, af.dataLimit, af.gauge, af.hidden
	o.Chains, o.Steps, o.InitStd, o.MPDraws, o.KurtLayer = af.chains, af.steps, af.initStd, af.mpDraws, af.kurtLayer
	o.KurtSamples, o.Fig5Samples, o.Seed, o.Backend, o.NoFigures = af.kurtSamples, af.fig5Samples, af.seed, af.backend, af.noFigures
	return o, nil
}

func runAnalyze(_ *cobra.Command, _ []string) error {
	af := &analyzeFlags
	switch {
	case len(af.models) == 0:
		return badinput.Errorf("--model is required (an .npz with W, a, b)")
	case af.out == "":
		return badinput.Errorf("--out is required (a directory for summary.json and figures)")
	}
	o, err := analyzeOptions(af)
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
