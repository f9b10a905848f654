package reciprocal

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// Options configures Analyze. Zero values take the defaults noted.
type Options struct {
	Gauge     Gauge      // "" = mu_w_positive
	Modes     []int      // 0-based modes for Figs. 1–2 (default 0,1,2,min(497,L−1))
	Fig5Modes []int      // 0-based modes for Fig. 5 (default 0,1,2,3,449,L−1 that exist)
	InitStd   float64    // entry std of random initialisations (default 0.01)
	Untrained *rbm.Model // untrained reference; nil = N(0, InitStd²) weights, zero biases
	// Data are test states (rows 0/1, N wide) with optional labels; nil skips
	// the data layer of Fig. 2.
	Data        *tensor.Mat64
	Labels      []int
	HiddenMode  HiddenMode // for data: "sample" (default) or "mean"
	GibbsChains int        // default 100
	GibbsSteps  int        // default 200
	MPSizes     []int      // hidden sizes of Fig. 3a–d (default 500,784,1200,3000; N = model's N)
	MPDraws     int        // random initialisations per size (default 1)
	KurtLayers  []Layer    // Fig. 3e readings (default visible)
	KurtSizes   []int      // default 500,700,784,1200,2000
	KurtSamples int        // sampled kurtosis: per model mode set and per curve size (default 20000; <0 = none)
	Fig5Samples int        // random binary states for Fig. 5 (default 10000)
	Grid        int        // energy-grid points per axis (default 60)
	Seed        uint64
	Backend     tensor.Backend // nil = tensor.Default()
	Progress    func(stage string)
}

// normalise fills defaults and validates against an N×M model with L modes.
func (o *Options) normalise(n, m int) error {
	l := min(n, m)
	var err error
	if o.Gauge, err = ParseGauge(string(o.Gauge)); err != nil {
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
		o.HiddenMode = HiddenSample
	}
	if o.HiddenMode != HiddenSample && o.HiddenMode != HiddenMean {
		return fmt.Errorf("hidden mode %q must be %q or %q", o.HiddenMode, HiddenSample, HiddenMean)
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
		o.KurtLayers = []Layer{LayerVisible}
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

// ModeView is one mode's landscape for Figs. 1–2.
type ModeView struct {
	Mode         int        `json:"mode"` // 1-based, as in the paper
	Sigma        float64    `json:"sigma"`
	Paired       bool       `json:"paired"`
	SaddleX      float64    `json:"saddle_x"`
	SaddleY      float64    `json:"saddle_y"`
	SaddleEnergy float64    `json:"saddle_energy"`
	Grid         *Grid      `json:"-"`
	Data         ModePoints `json:"-"`      // test data (x_k, y_k)
	Gibbs        ModePoints `json:"-"`      // Gibbs samples
	Sample       [2]float64 `json:"sample"` // Fig. 1 right: (x_k, y_k) of one Gibbs sample
}

// Landscape is one model's side of Fig. 2 (and Fig. 1 right).
type Landscape struct {
	Label  string     `json:"label"`
	Modes  []ModeView `json:"modes"`
	Labels []int      `json:"-"` // data labels (nil if none)
}

// MPPanel is one panel of Fig. 3a–d.
type MPPanel struct {
	N, M       int        `json:"-"`
	Shape      [2]int     `json:"shape"`
	Std        float64    `json:"init_std"`
	Draws      int        `json:"draws"`
	Lo, Hi     float64    `json:"-"`
	Edges      [2]float64 `json:"edges"`
	Mode       float64    `json:"mode"`
	KS         float64    `json:"ks"`
	Sigma      []float64  `json:"-"` // pooled singular values
	CurveX     []float64  `json:"-"` // MP density sampled for plotting
	CurveY     []float64  `json:"-"`
	ObservedLo float64    `json:"observed_min"`
	ObservedHi float64    `json:"observed_max"`
}

// Spectrum is a histogram of trained singular values (Fig. 3f).
type Spectrum struct {
	Label  string       `json:"label"`
	Sigma  []float64    `json:"-"`
	Edges  []float64    `json:"-"`
	Counts []float64    `json:"-"`    // normalised density per bin
	Gaps   [][2]float64 `json:"gaps"` // empty-bin intervals between occupied bins
}

// Fig5Mode holds the reciprocal variables of random binary states.
type Fig5Mode struct {
	Mode                 int       `json:"mode"` // 1-based
	X, Y, X0, Y0         []float64 `json:"-"`    // trained, untrained
	MuX, MuY, MuX0, MuY0 float64   `json:"-"`
	Sd                   float64   `json:"-"`
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

// Summary is everything Analyze computes; its JSON form is summary.json,
// the fields tagged "-" are arrays for CSV/npz and the figures.
type Summary struct {
	N              int             `json:"N"`
	M              int             `json:"M"`
	L              int             `json:"L"`
	Rank           int             `json:"rank"`
	Gauge          Gauge           `json:"gauge"`
	Sigma          []float64       `json:"sigma"`
	Sigma1         float64         `json:"sigma1"`
	SigmaUntrained []float64       `json:"-"`
	Oscillators    *Oscillators    `json:"-"`
	NUnstable      int             `json:"n_unstable"`
	Threshold      float64         `json:"unstable_threshold"`
	UnstableModes  []int           `json:"unstable_modes"`  // 1-based
	SaddleEnergies []float64       `json:"saddle_energies"` // paired modes k < rank
	SaddleTotal    float64         `json:"saddle_energy_total"`
	MuX, MuY       []float64       `json:"-"`
	Kurtosis       KurtosisSummary `json:"kurtosis"`
	MP             MPSummary       `json:"marchenko_pastur"`
	MeanField      struct {
		Residual float64 `json:"residual"`
		Iter     int     `json:"iterations"`
		Energy   float64 `json:"energy"` // E(m_v, m_h)
	} `json:"mean_field"`
	Trained                 *Landscape   `json:"trained"`
	Untrained               *Landscape   `json:"untrained"`
	MPPanels                []MPPanel    `json:"mp_panels"`
	KurtCurves              []*KurtCurve `json:"kurtosis_curves"`
	Spectra                 []Spectrum   `json:"spectra"`
	Fig5                    []Fig5Mode   `json:"-"`
	Fig5Modes               []int        `json:"fig5_modes"` // 1-based
	GibbsChains, GibbsSteps int          `json:"-"`
	Frame                   *Frame       `json:"-"`
}

// Analyze computes the reciprocal-space analysis of md that the `analyze`
// command reports and Figs. 1 right, 2, 3 and 5 draw.
func Analyze(md *rbm.Model, o Options) (*Summary, error) {
	if err := md.Validate(); err != nil {
		return nil, fmt.Errorf("invalid model: %w", err)
	}
	n, m := md.W.Rows, md.W.Cols
	if err := o.normalise(n, m); err != nil {
		return nil, err
	}
	stage := func(s string) {
		if o.Progress != nil {
			o.Progress(s)
		}
	}
	stage("SVD of the model")
	f, err := NewFrame(md, o.Gauge)
	if err != nil {
		return nil, err
	}
	s := &Summary{N: n, M: m, L: f.L, Rank: f.Rank, Gauge: f.Gauge, Sigma: f.S, Sigma1: f.S[0], Frame: f,
		GibbsChains: o.GibbsChains, GibbsSteps: o.GibbsSteps}
	for k := 0; k < f.Rank; k++ {
		e := f.SaddleEnergy(k)
		s.SaddleEnergies = append(s.SaddleEnergies, e)
		s.SaddleTotal += e
	}
	if s.Oscillators, err = Stiffness(f.S, n, m, 0.25, 0.25); err != nil {
		return nil, err
	}
	s.NUnstable, s.Threshold = s.Oscillators.NUnstable, s.Oscillators.Threshold
	s.UnstableModes = []int{}
	for k, u := range s.Oscillators.Unstable {
		if u {
			s.UnstableModes = append(s.UnstableModes, k+1)
		}
	}
	s.MuX, s.MuY = f.ConstraintMeans(0.5)
	mf, err := MeanFieldSaddle(f, md, 1, 0.5, 1e-12, 10000)
	if err != nil {
		return nil, err
	}
	s.MeanField.Residual, s.MeanField.Iter, s.MeanField.Energy = mf.Residual, mf.Iter, md.Energy(mf.Mv, mf.Mh)

	stage("kurtosis of the model's reciprocal variables")
	s.Kurtosis.XPerMode = KurtosisClosed(f.U, f.L, 0.5)
	s.Kurtosis.YPerMode = KurtosisClosed(f.V, f.L, 0.5)
	s.Kurtosis.XClosed, s.Kurtosis.YClosed = statsOf(s.Kurtosis.XPerMode), statsOf(s.Kurtosis.YPerMode)
	if o.KurtSamples > 0 {
		ks, err := KurtosisSampled(o.Backend, f.U, f.L, 0.5, o.KurtSamples, o.Seed)
		if err != nil {
			return nil, err
		}
		st := statsOf(ks)
		s.Kurtosis.XSampled, s.Kurtosis.Samples = &st, o.KurtSamples
	}

	stage("untrained reference")
	md0 := o.Untrained
	if md0 == nil {
		md0 = rbm.New(n, m)
		md0.W = GaussianMatrix(n, m, o.InitStd, tensor.NewStream(o.Seed, purposeInit, 1<<40).Key())
	}
	f0, err := NewFrame(md0, o.Gauge)
	if err != nil {
		return nil, fmt.Errorf("untrained model: %w", err)
	}
	s.SigmaUntrained = f0.S

	stage("Marchenko–Pastur")
	law, _ := NewMP(n, m, o.InitStd)
	sv, err := SampleSingularValues(n, m, o.InitStd, o.MPDraws, o.Seed)
	if err != nil {
		return nil, err
	}
	lo, hi := law.Edges()
	s.MP = MPSummary{Std: o.InitStd, Edges: [2]float64{lo, hi}, Mode: law.Mode(), KSModel: KS(f.S, law.Cdf),
		KSInit: KS(sv, law.Cdf), KSUntrained: KS(f0.S, law.Cdf), Draws: o.MPDraws}
	for _, mm := range o.MPSizes {
		stage(fmt.Sprintf("Marchenko–Pastur %d×%d", n, mm))
		p, err := mpPanel(n, mm, o.InitStd, o.MPDraws, o.Seed)
		if err != nil {
			return nil, err
		}
		s.MPPanels = append(s.MPPanels, *p)
	}
	for _, layer := range o.KurtLayers {
		stage("kurtosis curve (" + string(layer) + ")")
		other := m
		if layer == LayerHidden {
			other = n
		}
		samples := max(o.KurtSamples, 0)
		c, err := KurtosisCurve(KurtCurveOptions{Layer: layer, Sizes: o.KurtSizes, Other: other, Std: o.InitStd,
			Samples: samples, Seed: o.Seed, Backend: o.Backend})
		if err != nil {
			return nil, err
		}
		s.KurtCurves = append(s.KurtCurves, c)
	}
	s.Spectra = []Spectrum{SpectrumHistogram("model", f.S, 40, 41)}

	stage("landscapes")
	for i, side := range []struct {
		label string
		md    *rbm.Model
		f     *Frame
	}{{"untrained", md0, f0}, {"trained", md, f}} {
		ls, err := landscape(side.label, side.md, side.f, &o, uint64(i))
		if err != nil {
			return nil, err
		}
		if i == 0 {
			s.Untrained = ls
		} else {
			s.Trained = ls
		}
	}

	stage("random binary states (Fig. 5)")
	if err := fig5(s, f, f0, &o); err != nil {
		return nil, err
	}
	for _, k := range o.Fig5Modes {
		s.Fig5Modes = append(s.Fig5Modes, k+1)
	}
	return s, nil
}

func mpPanel(n, m int, std float64, draws int, seed uint64) (*MPPanel, error) {
	law, err := NewMP(n, m, std)
	if err != nil {
		return nil, err
	}
	sv, err := SampleSingularValues(n, m, std, draws, seed)
	if err != nil {
		return nil, err
	}
	lo, hi := law.Edges()
	p := &MPPanel{N: n, M: m, Shape: [2]int{n, m}, Std: std, Draws: draws, Lo: lo, Hi: hi, Edges: [2]float64{lo, hi},
		Mode: law.Mode(), KS: KS(sv, law.Cdf), Sigma: sv, ObservedLo: slices.Min(sv), ObservedHi: slices.Max(sv)}
	const pts = 400
	for i := 0; i <= pts; i++ {
		x := lo + (hi-lo)*float64(i)/pts
		p.CurveX, p.CurveY = append(p.CurveX, x), append(p.CurveY, law.Pdf(x))
	}
	return p, nil
}

// SpectrumHistogram bins singular values into `bins` equal bins over
// [0, max(top, max σ)] as a normalised density and reports the empty-bin
// intervals between the first and last occupied bins (Fig. 3f).
func SpectrumHistogram(label string, sigma []float64, bins int, top float64) Spectrum {
	hi := math.Max(top, slices.Max(sigma))
	sp := Spectrum{Label: label, Sigma: sigma, Edges: linspace(0, hi, bins+1), Counts: make([]float64, bins), Gaps: [][2]float64{}}
	w := hi / float64(bins)
	for _, x := range sigma {
		b := min(int(x/w), bins-1)
		sp.Counts[b]++
	}
	first, last := -1, -1
	for b, c := range sp.Counts {
		if c > 0 {
			if first < 0 {
				first = b
			}
			last = b
		}
	}
	for b := first + 1; b < last; b++ {
		if sp.Counts[b] == 0 {
			if b == first+1 || sp.Counts[b-1] != 0 {
				sp.Gaps = append(sp.Gaps, [2]float64{sp.Edges[b], sp.Edges[b+1]})
			} else {
				sp.Gaps[len(sp.Gaps)-1][1] = sp.Edges[b+1]
			}
		}
	}
	for b := range sp.Counts {
		sp.Counts[b] /= float64(len(sigma)) * w
	}
	return sp
}

// gibbs runs chains from Bernoulli(½) states and returns the final (v, h).
func gibbs(md *rbm.Model, o *Options, id uint64) (v, h *tensor.Mat64) {
	st := tensor.NewStream(o.Seed, purposeGibbs, id)
	c := rbm.NewChains(o.GibbsChains, md.W.Rows, md.W.Cols)
	tensor.Bernoulli(c.V, 0.5, st.Key())
	sm := rbm.NewSampler(o.Backend, md.To32(), st)
	sm.Sweep(c, o.GibbsSteps)
	return c.V.To64(), c.H.To64()
}

func landscape(label string, md *rbm.Model, f *Frame, o *Options, id uint64) (*Landscape, error) {
	ls := &Landscape{Label: label, Labels: o.Labels}
	gv, gh := gibbs(md, o, id)
	gx, _ := f.ProjectRowsV(gv)
	gy, _ := f.ProjectRowsH(gh)
	var dx, dy *tensor.Mat64
	if o.Data != nil {
		h, err := HiddenFor(md, o.Data, o.HiddenMode, tensor.NewStream(o.Seed, purposeHidden, id).Key())
		if err != nil {
			return nil, err
		}
		dx, _ = f.ProjectRowsV(o.Data)
		dy, _ = f.ProjectRowsH(h)
	}
	for _, k := range o.Modes {
		mv := ModeView{Mode: k + 1, Sigma: f.S[k], Paired: f.Paired(k)}
		if mv.Paired {
			mv.SaddleX, mv.SaddleY = f.Saddle(k)
			mv.SaddleEnergy = f.SaddleEnergy(k)
		}
		mv.Gibbs = f.ModeCoords(k, gx, gy)
		mv.Sample = [2]float64{gx.At(0, k), gy.At(0, k)}
		xs, ys := append([]float64(nil), mv.Gibbs.X...), append([]float64(nil), mv.Gibbs.Y...)
		if dx != nil {
			mv.Data = f.ModeCoords(k, dx, dy)
			xs, ys = append(xs, mv.Data.X...), append(ys, mv.Data.Y...)
		}
		// Show the saddle when it is near the states (within 3 spans).
		x0, x1 := bounds(0.5, xs)
		y0, y1 := bounds(0.5, ys)
		if mv.Paired && math.Abs(mv.SaddleX-(x0+x1)/2) < 3*(x1-x0) && math.Abs(mv.SaddleY-(y0+y1)/2) < 3*(y1-y0) {
			x0, x1 = bounds(0.5, xs, mv.SaddleX)
			y0, y1 = bounds(0.5, ys, mv.SaddleY)
		}
		g, err := f.EnergyGrid(k, x0, x1, y0, y1, o.Grid, o.Grid)
		if err != nil {
			return nil, err
		}
		mv.Grid = g
		ls.Modes = append(ls.Modes, mv)
	}
	return ls, nil
}

func fig5(s *Summary, f, f0 *Frame, o *Options) error {
	st := tensor.NewStream(o.Seed, purposeStates)
	v := tensor.NewMat32(o.Fig5Samples, f.N)
	h := tensor.NewMat32(o.Fig5Samples, f.M)
	tensor.Bernoulli(v, 0.5, st.Key())
	tensor.Bernoulli(h, 0.5, st.Key())
	v64, h64 := v.To64(), h.To64()
	cols := func(fr *Frame, a *mat.Dense, states *tensor.Mat64) [][]float64 {
		out := make([][]float64, len(o.Fig5Modes))
		sub := mat.NewDense(a.RawMatrix().Rows, len(o.Fig5Modes), nil)
		for j, k := range o.Fig5Modes {
			sub.SetCol(j, mat.Col(nil, k, a))
		}
		p := mulRows(states, sub)
		for j := range o.Fig5Modes {
			for i := 0; i < p.Rows; i++ {
				out[j] = append(out[j], p.At(i, j))
			}
		}
		return out
	}
	x, y := cols(f, f.U, v64), cols(f, f.V, h64)
	x0, y0 := cols(f0, f0.U, v64), cols(f0, f0.V, h64)
	mux0, muy0 := f0.ConstraintMeans(0.5)
	for j, k := range o.Fig5Modes {
		s.Fig5 = append(s.Fig5, Fig5Mode{Mode: k + 1, X: x[j], Y: y[j], X0: x0[j], Y0: y0[j],
			MuX: s.MuX[k], MuY: s.MuY[k], MuX0: mux0[k], MuY0: muy0[k], Sd: math.Sqrt(ConstraintVariance(0.5))})
	}
	return nil
}
