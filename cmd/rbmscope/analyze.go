package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/figures"
	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

var analyzeFlags struct {
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
	f.BoolVar(&af.asJSON, "json", false, "print summary.json on stdout")
	f.BoolVar(&af.noFigures, "no-figures", false, "skip drawing figures")
	f.BoolVar(&af.quiet, "quiet", false, "no progress output")
	rootCmd.AddCommand(analyzeCmd)
}

// parseInts parses "1,2,3" into ints ≥ lo.
func parseInts(flag, s string, lo int) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := strconv.Atoi(part)
		if err != nil || v < lo {
			return nil, badinput.Errorf("--%s: %q is not an integer ≥ %d (use a comma-separated list like 1,2,3)", flag, part, lo)
		}
		out = append(out, v)
	}
	return out, nil
}

func runAnalyze(_ *cobra.Command, _ []string) error {
	af := &analyzeFlags
	switch {
	case len(af.models) == 0:
		return badinput.Errorf("--model is required (an .npz with W, a, b)")
	case af.out == "":
		return badinput.Errorf("--out is required (a directory for summary.json and figures)")
	case af.chains < 1 || af.steps < 0 || af.mpDraws < 1 || af.fig5Samples < 2 || af.dataLimit < 0 || af.kurtSamples < 0:
		return badinput.Errorf("--gibbs-chains, --mp-draws must be ≥ 1, --fig5-samples ≥ 2, --gibbs-steps, --data-limit and --kurt-samples ≥ 0")
	case !(af.initStd > 0):
		return badinput.Errorf("--init-std must be positive, got %v", af.initStd)
	}
	gauge, err := reciprocal.ParseGauge(af.gauge)
	if err != nil {
		return badinput.Wrap(err)
	}
	hidden := reciprocal.HiddenMode(af.hidden)
	if hidden != reciprocal.HiddenSample && hidden != reciprocal.HiddenMean {
		return badinput.Errorf("--hidden must be sample or mean, got %q", af.hidden)
	}
	var layers []reciprocal.Layer
	switch af.kurtLayer {
	case "visible", "hidden":
		layers = []reciprocal.Layer{reciprocal.Layer(af.kurtLayer)}
	case "both":
		layers = []reciprocal.Layer{reciprocal.LayerVisible, reciprocal.LayerHidden}
	default:
		return badinput.Errorf("--kurt-layer must be visible, hidden or both, got %q", af.kurtLayer)
	}
	modes1, err := parseInts("modes", af.modes, 1)
	if err != nil {
		return err
	}
	if len(modes1) == 0 || len(modes1) > 8 {
		return badinput.Errorf("--modes: give 1 to 8 modes, got %d", len(modes1))
	}
	mpSizes, err := parseInts("mp-sizes", af.mpSizes, 1)
	if err != nil {
		return err
	}
	kurtSizes, err := parseInts("kurt-sizes", af.kurtSizes, 2)
	if err != nil {
		return err
	}
	if len(kurtSizes) < 2 {
		return badinput.Errorf("--kurt-sizes needs at least two sizes for the fit in 1/n")
	}
	be, ok := tensor.ByName(af.backend)
	if !ok {
		return badinput.Errorf("backend %q is not compiled in", af.backend)
	}
	md, err := rbm.Load(af.models[0])
	if err != nil {
		return badinput.Wrap(err)
	}
	n, m := md.NumVisible(), md.NumHidden()
	l := min(n, m)
	// Validate or clamp modes: the paper's default 498 is clamped to L;
	// explicitly requested modes beyond L are an error.
	var modes []int
	for _, k := range modes1 {
		if k > l {
			if af.modes == "1,2,3,498" {
				k = l
			} else {
				return badinput.Errorf("--modes: mode %d is out of range; this %d×%d model has modes 1..%d", k, n, m, l)
			}
		}
		dup := false
		for _, q := range modes {
			dup = dup || q == k-1
		}
		if !dup {
			modes = append(modes, k-1)
		}
	}
	opts := reciprocal.Options{Gauge: gauge, Modes: modes, InitStd: af.initStd, HiddenMode: hidden,
		GibbsChains: af.chains, GibbsSteps: af.steps, MPSizes: mpSizes, MPDraws: af.mpDraws, KurtLayers: layers,
		KurtSizes: kurtSizes, KurtSamples: af.kurtSamples, Fig5Samples: af.fig5Samples, Seed: af.seed, Backend: be}
	if af.kurtSamples == 0 {
		opts.KurtSamples = -1
	}
	if af.untrained != "" {
		if opts.Untrained, err = rbm.Load(af.untrained); err != nil {
			return badinput.Wrap(err)
		}
		if opts.Untrained.NumVisible() != n || opts.Untrained.NumHidden() != m {
			return badinput.Errorf("--untrained is %d×%d but --model is %d×%d: give an initialisation of the same shape",
				opts.Untrained.NumVisible(), opts.Untrained.NumHidden(), n, m)
		}
	}
	var extra []*rbm.Model
	for _, p := range af.models[1:] {
		e, err := rbm.Load(p)
		if err != nil {
			return badinput.Wrap(err)
		}
		extra = append(extra, e)
	}
	if af.data != "" {
		set, err := dataset.Load(af.data, dataset.Test, dataset.Binarize{})
		if err != nil {
			return badinput.Wrap(err)
		}
		if set.Width() != n {
			return badinput.Errorf("data %q has %d columns but the model has %d visible units", af.data, set.Width(), n)
		}
		if af.dataLimit > 0 && set.Len() > af.dataLimit {
			set = set.Head(af.dataLimit)
		}
		opts.Data, opts.Labels = set.X.To64(), set.Labels
	}
	if err := os.MkdirAll(af.out, 0o755); err != nil {
		return badinput.Errorf("cannot create output directory: %v", err)
	}
	stages := 8 + len(mpSizes) + len(layers)
	pr := newProgress("analyze", stages, af.quiet)
	opts.Progress = func(s string) { pr.step(1, s) }
	s, err := reciprocal.Analyze(md, opts)
	if err != nil {
		return badinput.Wrap(err)
	}
	s.Spectra[0].Label = filepath.Base(af.models[0])
	for i, e := range extra {
		f, err := reciprocal.NewFrame(e, gauge)
		if err != nil {
			return badinput.Wrap(fmt.Errorf("%s: %w", af.models[i+1], err))
		}
		s.Spectra = append(s.Spectra, reciprocal.SpectrumHistogram(filepath.Base(af.models[i+1]), f.S, 40, 41))
	}
	if err := writeAnalysis(af.out, s); err != nil {
		return err
	}
	if !af.noFigures {
		pr.logf("drawing figures")
		if err := drawAnalysis(af.out, s); err != nil {
			return err
		}
	}
	pr.step(stages-pr.done, "done")
	pr.logf("σ₁ = %.4g, %d unstable modes (σ > %.0f), MP KS model %.3f / init %.4f; wrote %s",
		s.Sigma1, s.NUnstable, s.Threshold, s.MP.KSModel, s.MP.KSInit, af.out)
	if af.asJSON {
		return printJSON(s)
	}
	return nil
}

func writeAnalysis(dir string, s *reciprocal.Summary) error {
	if err := atomicfile.WriteFile(filepath.Join(dir, "summary.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}); err != nil {
		return err
	}
	f := s.Frame
	if err := atomicfile.WriteFile(filepath.Join(dir, "modes.csv"), func(w io.Writer) error {
		fmt.Fprintln(w, "k,sigma,sigma_untrained,at,bt,saddle_x,saddle_y,saddle_energy,omega_minus,omega_plus,unstable,kurt_x,kurt_y,mu_x,mu_y")
		for k := 0; k < f.L; k++ {
			xs, ys := f.Saddle(k)
			fmt.Fprintf(w, "%d,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%t,%.10g,%.10g,%.10g,%.10g\n", k+1, f.S[k],
				s.SigmaUntrained[k], f.At[k], f.Bt[k], xs, ys, f.SaddleEnergy(k), s.Oscillators.OmegaMinus[k],
				s.Oscillators.OmegaPlus[k], s.Oscillators.Unstable[k], s.Kurtosis.XPerMode[k], s.Kurtosis.YPerMode[k], s.MuX[k], s.MuY[k])
		}
		return nil
	}); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "kurtosis_curve.csv"), func(w io.Writer) error {
		fmt.Fprintln(w, "layer,size,inv_size,mean,sd,sampled_mean,sampled_sd,expected")
		for _, c := range s.KurtCurves {
			for _, p := range c.Points {
				fmt.Fprintf(w, "%s,%d,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g\n", c.Layer, p.Size, p.InvSize, p.Mean, p.Sd, p.SampledMean, p.SampledSd, p.Expected)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	vec := func(x []float64) *tensor.Mat64 { return &tensor.Mat64{Rows: 1, Cols: len(x), Data: x} }
	u := f.U.RawMatrix()
	v := f.V.RawMatrix()
	arrays := map[string]*tensor.Mat64{
		"sigma": vec(f.S), "sigma_untrained": vec(s.SigmaUntrained), "at": vec(f.At), "bt": vec(f.Bt),
		"mu_x": vec(s.MuX), "mu_y": vec(s.MuY), "kurt_x": vec(s.Kurtosis.XPerMode), "kurt_y": vec(s.Kurtosis.YPerMode),
		"U": {Rows: u.Rows, Cols: u.Cols, Data: u.Data}, "V": {Rows: v.Rows, Cols: v.Cols, Data: v.Data},
	}
	return rbm.WriteArrays(filepath.Join(dir, "arrays.npz"), rbm.Float32, arrays,
		"sigma", "sigma_untrained", "at", "bt", "mu_x", "mu_y", "kurt_x", "kurt_y")
}

func drawAnalysis(dir string, s *reciprocal.Summary) error {
	for _, d := range []struct {
		name string
		fn   func(string) ([]string, error)
	}{
		{"fig1_right", func(b string) ([]string, error) { return figures.Fig1Right(s.Trained, b) }},
		{"fig2", func(b string) ([]string, error) { return figures.Fig2(s.Untrained, s.Trained, b) }},
		{"fig3_mp", func(b string) ([]string, error) { return figures.Fig3MP(s.MPPanels, b) }},
		{"fig3e", func(b string) ([]string, error) { return figures.Fig3e(s.KurtCurves, b) }},
		{"fig3f", func(b string) ([]string, error) { return figures.Fig3f(s.Spectra, b) }},
		{"fig5", func(b string) ([]string, error) { return figures.Fig5(s.Fig5, b) }},
	} {
		if _, err := d.fn(filepath.Join(dir, d.name)); err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
	}
	return nil
}
