package study

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

// The reciprocal-space analysis of one model as explicit stages (the
// bundle of Figs. 1 right, 2, 3 and 5 that "rbmscope analyze" reports);
// the physics of each stage is in package reciprocal.

// ReciprocalOptions configure AnalyzeModel. Zero values take the defaults
// noted; the No… fields leave out a stage (its fields stay empty).
type ReciprocalOptions struct {
	Gauge     reciprocal.Gauge // "" = mu_w_positive
	Modes     []int            // 0-based modes for Figs. 1–2 (default 0,1,2,min(497,L−1))
	Fig5Modes []int            // 0-based modes for Fig. 5 (default 0,1,2,3,449,L−1 that exist)
	InitStd   float64          // entry std of random initialisations (default 0.01)
	Untrained *rbm.Model       // untrained reference; nil = N(0, InitStd²) weights, zero biases
	// Data are test states (rows 0/1, N wide) with optional labels; nil skips
	// the data layer of Fig. 2.
	Data        *tensor.Mat64
	Labels      []int
	HiddenMode  reciprocal.HiddenMode // for data: "sample" (default) or "mean"
	GibbsChains int                   // default 100
	GibbsSteps  int                   // default 200
	MPSizes     []int                 // hidden sizes of Fig. 3a–d (default 500,784,1200,3000; N = model's N)
	MPDraws     int                   // random initialisations per size (default 1)
	KurtLayers  []reciprocal.Layer    // Fig. 3e readings (default visible)
	KurtSizes   []int                 // default 500,700,784,1200,2000
	KurtSamples int                   // sampled kurtosis: per model mode set and per curve size (default 20000; <0 = none)
	Fig5Samples int                   // random binary states for Fig. 5 (default 10000)
	Grid        int                   // energy-grid points per axis (default 60)
	Seed        uint64
	Backend     tensor.Backend // nil = tensor.Default()
	Progress    func(stage string)
	// Stages to leave out: the landscapes of Figs. 1 right and 2, Fig. 5,
	// the Marchenko–Pastur panels and the kurtosis curves.
	NoLandscapes, NoFig5, NoMPPanels, NoKurtCurves bool
}

// normalise fills defaults and validates against an N×M model with L modes.
func (o *ReciprocalOptions) normalise(n, m int) error {
	l := min(n, m)
	var err error
	if o.Gauge, err = reciprocal.ParseGauge(string(o.Gauge)); err != nil {
		return err
	}
	if o.InitStd == 0 {
		o.InitStd = 0.01
	}
	if !(o.InitStd > 0) || math.IsInf(o.InitStd, 0) {
		return fmt.Errorf("init std %v must be positive", o.InitStd)
	}
	if len(o.Modes) == 0 {
		o.Modes = uniqueModes([]int{0, 1, 2, 497}, l, true)
	}
	for _, k := range o.Modes {
		if k < 0 || k >= l {
			return fmt.Errorf("mode %d is out of range: this %d×%d model has modes 1..%d", k+1, n, m, l)
		}
	}
	if len(o.Fig5Modes) == 0 {
		o.Fig5Modes = uniqueModes([]int{0, 1, 2, 3, 449, l - 1}, l, false)
	}
	for _, k := range o.Fig5Modes {
		if k < 0 || k >= l {
			return fmt.Errorf("Fig. 5 mode %d is out of range 1..%d", k+1, l)
		}
	}
	if o.HiddenMode == "" {
		o.HiddenMode = reciprocal.HiddenSample
	}
	if o.HiddenMode != reciprocal.HiddenSample && o.HiddenMode != reciprocal.HiddenMean {
		return fmt.Errorf("hidden mode %q must be %q or %q", o.HiddenMode, reciprocal.HiddenSample, reciprocal.HiddenMean)
	}
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&o.GibbsChains, 100)
	def(&o.GibbsSteps, 200)
	def(&o.MPDraws, 1)
	def(&o.KurtSamples, 20000)
	def(&o.Fig5Samples, 10000)
	def(&o.Grid, 60)
	if o.GibbsChains < 1 || o.GibbsSteps < 0 || o.MPDraws < 1 || o.Fig5Samples < 2 || o.Grid < 2 {
		return fmt.Errorf("Gibbs chains, MP draws, Fig. 5 samples and grid points must be positive")
	}
	if o.MPSizes == nil {
		o.MPSizes = []int{500, 784, 1200, 3000}
	}
	if len(o.KurtLayers) == 0 {
		o.KurtLayers = []reciprocal.Layer{reciprocal.LayerVisible}
	}
	if o.KurtSizes == nil {
		o.KurtSizes = []int{500, 700, 784, 1200, 2000}
	}
	if o.Data != nil {
		if o.Data.Cols != n {
			return fmt.Errorf("data have %d columns but the model has %d visible units: use data of the model's width", o.Data.Cols, n)
		}
		if o.Labels != nil && len(o.Labels) != o.Data.Rows {
			return fmt.Errorf("%d labels for %d data rows", len(o.Labels), o.Data.Rows)
		}
	}
	if o.Untrained != nil && (o.Untrained.W.Rows != n || o.Untrained.W.Cols != m) {
		return fmt.Errorf("untrained model is %d×%d but the model is %d×%d", o.Untrained.W.Rows, o.Untrained.W.Cols, n, m)
	}
	if o.Backend == nil {
		o.Backend = tensor.Default()
	}
	return nil
}

// uniqueModes keeps the modes below l (clamping to l−1 if clamp), in order,
// without repeats.
func uniqueModes(ks []int, l int, clamp bool) []int {
	var out []int
	for _, k := range ks {
		if k >= l {
			if !clamp {
				continue
			}
			k = l - 1
		}
		if k >= 0 && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// Stats summarises values across modes.
type Stats struct {
	Mean float64 `json:"mean"`
	Sd   float64 `json:"sd"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

func statsOf(x []float64) Stats {
	if len(x) == 0 {
		return Stats{}
	}
	m, s := stat.PopMeanStdDev(x, nil)
	return Stats{Mean: m, Sd: s, Min: slices.Min(x), Max: slices.Max(x)}
}

// KurtosisSummary holds per-mode kurtosis statistics of the analysed model.
type KurtosisSummary struct {
	XClosed  Stats     `json:"x_closed"`
	YClosed  Stats     `json:"y_closed"`
	XSampled *Stats    `json:"x_sampled,omitempty"`
	Samples  int       `json:"samples"`
	XPerMode []float64 `json:"-"`
	YPerMode []float64 `json:"-"`
}

// MPSummary compares singular values with the Marchenko–Pastur law of
// random initialisations of the same shape.
type MPSummary struct {
	Std         float64    `json:"init_std"`
	Edges       [2]float64 `json:"edges"`
	Mode        float64    `json:"mode"`
	KSModel     float64    `json:"ks_model"`     // the analysed model's σ vs MP
	KSInit      float64    `json:"ks_init"`      // random initialisations vs MP (baseline)
	KSUntrained float64    `json:"ks_untrained"` // the untrained reference vs MP
	Draws       int        `json:"draws"`
}

// Reciprocal is everything AnalyzeModel computes; its JSON form is summary.json,
// the fields tagged "-" are arrays for CSV/npz and the figures.
type Reciprocal struct {
	N              int                     `json:"N"`
	M              int                     `json:"M"`
	L              int                     `json:"L"`
	Rank           int                     `json:"rank"`
	Gauge          reciprocal.Gauge        `json:"gauge"`
	Sigma          []float64               `json:"sigma"`
	Sigma1         float64                 `json:"sigma1"`
	SigmaUntrained []float64               `json:"-"`
	Oscillators    *reciprocal.Oscillators `json:"-"`
	NUnstable      int                     `json:"n_unstable"`
	Threshold      float64                 `json:"unstable_threshold"`
	UnstableModes  []int                   `json:"unstable_modes"`  // 1-based
	SaddleEnergies []float64               `json:"saddle_energies"` // paired modes k < rank
	SaddleTotal    float64                 `json:"saddle_energy_total"`
	MuX, MuY       []float64               `json:"-"`
	Kurtosis       KurtosisSummary         `json:"kurtosis"`
	MP             MPSummary               `json:"marchenko_pastur"`
	MeanField      struct {
		Residual float64 `json:"residual"`
		Iter     int     `json:"iterations"`
		Energy   float64 `json:"energy"` // E(m_v, m_h)
	} `json:"mean_field"`
	Trained                 *reciprocal.Landscape   `json:"trained"`
	Untrained               *reciprocal.Landscape   `json:"untrained"`
	MPPanels                []reciprocal.MPPanel    `json:"mp_panels"`
	KurtCurves              []*reciprocal.KurtCurve `json:"kurtosis_curves"`
	Spectra                 []reciprocal.Spectrum   `json:"spectra"`
	Fig5                    []reciprocal.Fig5Mode   `json:"-"`
	Fig5Modes               []int                   `json:"fig5_modes"` // 1-based
	GibbsChains, GibbsSteps int                     `json:"-"`
	Frame                   *reciprocal.Frame       `json:"-"`
}

// AnalyzeModel computes the reciprocal-space analysis of md: the frame,
// saddles, stiffness and mean field always; the kurtosis, the untrained
// reference and the MP comparison; then the stages not left out by o.
func AnalyzeModel(md *rbm.Model, o ReciprocalOptions) (*Reciprocal, error) {
	if err := md.Validate(); err != nil {
		return nil, fmt.Errorf("invalid model: %w", err)
	}
	if err := o.normalise(md.W.Rows, md.W.Cols); err != nil {
		return nil, err
	}
	a := &analysis{md: md, o: &o}
	for _, st := range []struct {
		name string
		skip bool
		run  func() error
	}{
		{"SVD of the model", false, a.frame},
		{"kurtosis of the model's reciprocal variables", false, a.kurtosis},
		{"untrained reference", false, a.untrained},
		{"Marchenko–Pastur", false, a.marchenkoPastur},
		{"", o.NoMPPanels, a.mpPanels},
		{"", o.NoKurtCurves, a.kurtCurves},
		{"landscapes", o.NoLandscapes, a.landscapes},
		{"random binary states (Fig. 5)", o.NoFig5, a.fig5},
	} {
		if st.skip {
			continue
		}
		if st.name != "" {
			a.stage(st.name)
		}
		if err := st.run(); err != nil {
			return nil, err
		}
	}
	return a.s, nil
}

// analysis is the state of one AnalyzeModel.
type analysis struct {
	md, md0 *rbm.Model
	f, f0   *reciprocal.Frame
	o       *ReciprocalOptions
	s       *Reciprocal
}

func (a *analysis) stage(s string) {
	if a.o.Progress != nil {
		a.o.Progress(s)
	}
}

// frame: the SVD frame, saddle energies, stiffness and the mean field.
func (a *analysis) frame() error {
	md, o := a.md, a.o
	n, m := md.W.Rows, md.W.Cols
	f, err := reciprocal.NewFrame(md, o.Gauge)
	if err != nil {
		return err
	}
	a.f = f
	s := &Reciprocal{N: n, M: m, L: f.L, Rank: f.Rank, Gauge: f.Gauge, Sigma: f.S, Sigma1: f.S[0], Frame: f,
		GibbsChains: o.GibbsChains, GibbsSteps: o.GibbsSteps}
	a.s = s
	for k := 0; k < f.Rank; k++ {
		e := f.SaddleEnergy(k)
		s.SaddleEnergies = append(s.SaddleEnergies, e)
		s.SaddleTotal += e
	}
	if s.Oscillators, err = reciprocal.Stiffness(f.S, n, m, 0.25, 0.25); err != nil {
		return err
	}
	s.NUnstable, s.Threshold = s.Oscillators.NUnstable, s.Oscillators.Threshold
	s.UnstableModes = []int{}
	for k, u := range s.Oscillators.Unstable {
		if u {
			s.UnstableModes = append(s.UnstableModes, k+1)
		}
	}
	s.MuX, s.MuY = f.ConstraintMeans(0.5)
	mf, err := reciprocal.MeanFieldSaddle(f, md, 1, 0.5, 1e-12, 10000)
	if err != nil {
		return err
	}
	s.MeanField.Residual, s.MeanField.Iter, s.MeanField.Energy = mf.Residual, mf.Iter, md.Energy(mf.Mv, mf.Mh)
	s.Spectra = []reciprocal.Spectrum{reciprocal.SpectrumHistogram("model", f.S, 40, 41)}
	return nil
}

// kurtosis of the model's reciprocal variables (closed form, sampled).
func (a *analysis) kurtosis() error {
	f, s, o := a.f, a.s, a.o
	s.Kurtosis.XPerMode = reciprocal.KurtosisClosed(f.U, f.L, 0.5)
	s.Kurtosis.YPerMode = reciprocal.KurtosisClosed(f.V, f.L, 0.5)
	s.Kurtosis.XClosed, s.Kurtosis.YClosed = statsOf(s.Kurtosis.XPerMode), statsOf(s.Kurtosis.YPerMode)
	if o.KurtSamples > 0 {
		ks, err := reciprocal.KurtosisSampled(o.Backend, f.U, f.L, 0.5, o.KurtSamples, o.Seed)
		if err != nil {
			return err
		}
		st := statsOf(ks)
		s.Kurtosis.XSampled, s.Kurtosis.Samples = &st, o.KurtSamples
	}
	return nil
}

// untrained: the untrained reference model and its frame.
func (a *analysis) untrained() error {
	a.md0 = a.o.Untrained
	if a.md0 == nil {
		a.md0 = reciprocal.UntrainedModel(a.md.W.Rows, a.md.W.Cols, a.o.InitStd, a.o.Seed)
	}
	f0, err := reciprocal.NewFrame(a.md0, a.o.Gauge)
	if err != nil {
		return fmt.Errorf("untrained model: %w", err)
	}
	a.f0, a.s.SigmaUntrained = f0, f0.S
	return nil
}

// marchenkoPastur compares the model, random initialisations and the
// untrained reference with the MP law of the model's shape.
func (a *analysis) marchenkoPastur() error {
	o, n, m := a.o, a.md.W.Rows, a.md.W.Cols
	law, _ := reciprocal.NewMP(n, m, o.InitStd)
	sv, err := reciprocal.SampleSingularValues(n, m, o.InitStd, o.MPDraws, o.Seed)
	if err != nil {
		return err
	}
	lo, hi := law.Edges()
	a.s.MP = MPSummary{Std: o.InitStd, Edges: [2]float64{lo, hi}, Mode: law.Mode(), KSModel: reciprocal.KS(a.f.S, law.Cdf),
		KSInit: reciprocal.KS(sv, law.Cdf), KSUntrained: reciprocal.KS(a.f0.S, law.Cdf), Draws: o.MPDraws}
	return nil
}

// mpPanels: Fig. 3a–d, one panel per hidden size.
func (a *analysis) mpPanels() error {
	o, n := a.o, a.md.W.Rows
	for _, mm := range o.MPSizes {
		a.stage(fmt.Sprintf("Marchenko–Pastur %d×%d", n, mm))
		p, err := reciprocal.MPPanelOf(n, mm, o.InitStd, o.MPDraws, o.Seed)
		if err != nil {
			return err
		}
		a.s.MPPanels = append(a.s.MPPanels, *p)
	}
	return nil
}

// kurtCurves: Fig. 3e, one curve per layer.
func (a *analysis) kurtCurves() error {
	o, n, m := a.o, a.md.W.Rows, a.md.W.Cols
	for _, layer := range o.KurtLayers {
		a.stage("kurtosis curve (" + string(layer) + ")")
		other := m
		if layer == reciprocal.LayerHidden {
			other = n
		}
		c, err := reciprocal.KurtosisCurve(reciprocal.KurtCurveOptions{Layer: layer, Sizes: o.KurtSizes, Other: other, Std: o.InitStd,
			Samples: max(o.KurtSamples, 0), Seed: o.Seed, Backend: o.Backend})
		if err != nil {
			return err
		}
		a.s.KurtCurves = append(a.s.KurtCurves, c)
	}
	return nil
}

// landscapes: Figs. 1 right and 2, untrained then trained.
func (a *analysis) landscapes() error {
	o := a.o
	lo := &reciprocal.LandscapeOptions{Modes: o.Modes, Data: o.Data, Labels: o.Labels, HiddenMode: o.HiddenMode,
		GibbsChains: o.GibbsChains, GibbsSteps: o.GibbsSteps, Grid: o.Grid, Seed: o.Seed, Backend: o.Backend}
	var err error
	if a.s.Untrained, err = reciprocal.LandscapeOf("untrained", a.md0, a.f0, lo, 0); err != nil {
		return err
	}
	a.s.Trained, err = reciprocal.LandscapeOf("trained", a.md, a.f, lo, 1)
	return err
}

// fig5: reciprocal variables of random binary states.
func (a *analysis) fig5() error {
	a.s.Fig5 = reciprocal.Fig5Of(a.f, a.f0, a.o.Fig5Modes, a.o.Fig5Samples, a.o.Seed, a.s.MuX, a.s.MuY)
	for _, k := range a.o.Fig5Modes {
		a.s.Fig5Modes = append(a.s.Fig5Modes, k+1)
	}
	return nil
}
