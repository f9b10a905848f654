package study

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/figures"
	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/tensor"
)

// AnalyzeOptions configure the reciprocal-space analysis of one model
// ("rbmscope analyze"; the JSON form is what a sweep plan stores).
type AnalyzeOptions struct {
	Untrained   string   `json:"untrained,omitempty"`  // initialisation .npz ("" = N(0, InitStd²) weights)
	Extra       []string `json:"extra,omitempty"`      // more trained models for Fig. 3f
	Data        string   `json:"data,omitempty"`       // test data projected in Fig. 2 ("" = none)
	DataLimit   int      `json:"data_limit"`           // at most this many test examples (0 = all)
	Modes       []int    `json:"modes"`                // 1-based modes for Figs. 1–2
	Gauge       string   `json:"gauge"`                // mu_w_positive or colsum_U_positive
	Hidden      string   `json:"hidden"`               // sample or mean
	Chains      int      `json:"gibbs_chains"`         //
	Steps       int      `json:"gibbs_steps"`          //
	InitStd     float64  `json:"init_std"`             //
	MPDraws     int      `json:"mp_draws"`             //
	MPSizes     []int    `json:"mp_sizes"`             //
	KurtLayer   string   `json:"kurt_layer"`           // visible, hidden or both
	KurtSizes   []int    `json:"kurt_sizes"`           //
	KurtSamples int      `json:"kurt_samples"`         // 0 = closed form only
	Fig5Samples int      `json:"fig5_samples"`         //
	Seed        uint64   `json:"seed"`                 //
	Backend     string   `json:"backend,omitempty"`    //
	NoFigures   bool     `json:"no_figures,omitempty"` //
	// Progress, if set, is called after each stage of the analysis.
	Progress func(stage string) `json:"-"`
}

// defaultModes are clamped to the model's rank; other modes beyond it are
// an error.
var defaultModes = []int{1, 2, 3, 498}

// DefaultAnalyzeOptions are the defaults of "rbmscope analyze".
func DefaultAnalyzeOptions() AnalyzeOptions {
	return AnalyzeOptions{DataLimit: 2000, Modes: slices.Clone(defaultModes), Gauge: string(reciprocal.GaugeMuWPositive),
		Hidden: string(reciprocal.HiddenSample), Chains: 100, Steps: 200, InitStd: 0.01, MPDraws: 1,
		MPSizes: []int{500, 784, 1200, 3000}, KurtLayer: "visible", KurtSizes: []int{500, 700, 784, 1200, 2000},
		KurtSamples: 20000, Fig5Samples: 10000, Seed: 1}
}

// Stages is the number of Progress calls of Analyze.
func (o *AnalyzeOptions) Stages() int {
	n := 1
	if o.KurtLayer == "both" {
		n = 2
	}
	return 8 + len(o.MPSizes) + n
}

// reciprocalOptions checks o against the model md and turns it into the
// options of AnalyzeModel (bad input as badinput errors).
func (o *AnalyzeOptions) reciprocalOptions(md *rbm.Model) (ReciprocalOptions, error) {
	var ro ReciprocalOptions
	switch {
	case o.Chains < 1 || o.Steps < 0 || o.MPDraws < 1 || o.Fig5Samples < 2 || o.DataLimit < 0 || o.KurtSamples < 0:
		return ro, badinput.Errorf("--gibbs-chains, --mp-draws must be ≥ 1, --fig5-samples ≥ 2, --gibbs-steps, --data-limit and --kurt-samples ≥ 0")
	case !(o.InitStd > 0):
		return ro, badinput.Errorf("--init-std must be positive, got %v", o.InitStd)
	case len(o.Modes) == 0 || len(o.Modes) > 8:
		return ro, badinput.Errorf("--modes: give 1 to 8 modes, got %d", len(o.Modes))
	case len(o.KurtSizes) < 2:
		return ro, badinput.Errorf("--kurt-sizes needs at least two sizes for the fit in 1/n")
	}
	gauge, err := reciprocal.ParseGauge(o.Gauge)
	if err != nil {
		return ro, badinput.Wrap(err)
	}
	hidden := reciprocal.HiddenMode(o.Hidden)
	if hidden != reciprocal.HiddenSample && hidden != reciprocal.HiddenMean {
		return ro, badinput.Errorf("--hidden must be sample or mean, got %q", o.Hidden)
	}
	var layers []reciprocal.Layer
	switch o.KurtLayer {
	case "visible", "hidden":
		layers = []reciprocal.Layer{reciprocal.Layer(o.KurtLayer)}
	case "both":
		layers = []reciprocal.Layer{reciprocal.LayerVisible, reciprocal.LayerHidden}
	default:
		return ro, badinput.Errorf("--kurt-layer must be visible, hidden or both, got %q", o.KurtLayer)
	}
	be, ok := tensor.ByName(o.Backend)
	if !ok {
		return ro, badinput.Errorf("backend %q is not compiled in", o.Backend)
	}
	modes, err := o.modes(md)
	if err != nil {
		return ro, err
	}
	ro = ReciprocalOptions{Gauge: gauge, Modes: modes, InitStd: o.InitStd, HiddenMode: hidden,
		GibbsChains: o.Chains, GibbsSteps: o.Steps, MPSizes: o.MPSizes, MPDraws: o.MPDraws, KurtLayers: layers,
		KurtSizes: o.KurtSizes, KurtSamples: o.KurtSamples, Fig5Samples: o.Fig5Samples, Seed: o.Seed, Backend: be}
	if o.KurtSamples == 0 {
		ro.KurtSamples = -1
	}
	return ro, nil
}

// modes validates the 1-based modes against the model's rank L and returns
// them 0-based without duplicates; the default 498 is clamped to L.
func (o *AnalyzeOptions) modes(md *rbm.Model) ([]int, error) {
	n, m := md.NumVisible(), md.NumHidden()
	l := min(n, m)
	var modes []int
	for _, k := range o.Modes {
		if k > l {
			if !slices.Equal(o.Modes, defaultModes) {
				return nil, badinput.Errorf("--modes: mode %d is out of range; this %d×%d model has modes 1..%d", k, n, m, l)
			}
			k = l
		}
		if !slices.Contains(modes, k-1) {
			modes = append(modes, k-1)
		}
	}
	return modes, nil
}

// Analyze analyses the model in the .npz file path (and o.Extra for the
// spectra of Fig. 3f) and writes DIR/summary.json, modes.csv,
// kurtosis_curve.csv, arrays.npz and, unless o.NoFigures, the figures.
func Analyze(path, dir string, o AnalyzeOptions) (*Reciprocal, error) {
	md, err := rbm.Load(path)
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	ro, err := o.reciprocalOptions(md)
	if err != nil {
		return nil, err
	}
	n, m := md.NumVisible(), md.NumHidden()
	if o.Untrained != "" {
		if ro.Untrained, err = rbm.Load(o.Untrained); err != nil {
			return nil, badinput.Wrap(err)
		}
		if ro.Untrained.NumVisible() != n || ro.Untrained.NumHidden() != m {
			return nil, badinput.Errorf("--untrained is %d×%d but --model is %d×%d: give an initialisation of the same shape",
				ro.Untrained.NumVisible(), ro.Untrained.NumHidden(), n, m)
		}
	}
	var extra []*rbm.Model
	for _, p := range o.Extra {
		e, err := rbm.Load(p)
		if err != nil {
			return nil, badinput.Wrap(err)
		}
		extra = append(extra, e)
	}
	if o.Data != "" {
		set, err := dataset.Load(o.Data, dataset.Test, dataset.Binarize{})
		if err != nil {
			return nil, badinput.Wrap(err)
		}
		if set.Width() != n {
			return nil, badinput.Errorf("data %q has %d columns but the model has %d visible units", o.Data, set.Width(), n)
		}
		if o.DataLimit > 0 && set.Len() > o.DataLimit {
			set = set.Head(o.DataLimit)
		}
		ro.Data, ro.Labels = set.X.To64(), set.Labels
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, badinput.Errorf("cannot create output directory: %v", err)
	}
	ro.Progress = o.Progress
	s, err := AnalyzeModel(md, ro)
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	s.Spectra[0].Label = filepath.Base(path)
	for i, e := range extra {
		f, err := reciprocal.NewFrame(e, ro.Gauge)
		if err != nil {
			return nil, badinput.Wrap(fmt.Errorf("%s: %w", o.Extra[i], err))
		}
		s.Spectra = append(s.Spectra, reciprocal.SpectrumHistogram(filepath.Base(o.Extra[i]), f.S, 40, 41))
	}
	err = rundir.WithWriteLock(dir, func() error { // one writer's set of files at a time
		if err := WriteAnalysis(dir, s); err != nil || o.NoFigures {
			return err
		}
		if o.Progress != nil {
			o.Progress("drawing figures")
		}
		return DrawAnalysis(dir, s)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// WriteAnalysis writes DIR/summary.json, modes.csv, kurtosis_curve.csv
// and arrays.npz of an analysis: the one writer of each.
func WriteAnalysis(dir string, s *Reciprocal) error {
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

// DrawAnalysis draws Fig. 1 right, 2, 3a–f and 5 of an analysis into DIR.
func DrawAnalysis(dir string, s *Reciprocal) error {
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
