package reciprocal

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// The figure inputs of the reciprocal-space analysis: each is computed by
// one function here; study.AnalyzeModel runs the ones that are asked for.

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

// MPPanelOf is one panel of Fig. 3a–d: the pooled singular values of
// draws N(0, std²) n×m matrices against the Marchenko–Pastur density.
func MPPanelOf(n, m int, std float64, draws int, seed uint64) (*MPPanel, error) {
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

// UntrainedModel is the default untrained reference of an n×m model:
// N(0, std²) weights and zero biases, drawn from seed.
func UntrainedModel(n, m int, std float64, seed uint64) *rbm.Model {
	md := rbm.New(n, m)
	md.W = GaussianMatrix(n, m, std, tensor.NewStream(seed, purposeInit, 1<<40).Key())
	return md
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
func gibbs(md *rbm.Model, o *LandscapeOptions, id uint64) (v, h *tensor.Mat64) {
	st := tensor.NewStream(o.Seed, purposeGibbs, id)
	c := rbm.NewChains(o.GibbsChains, md.W.Rows, md.W.Cols)
	tensor.Bernoulli(c.V, 0.5, st.Key())
	sm := rbm.NewSampler(o.Backend, md.To32(), st)
	sm.Sweep(c, o.GibbsSteps)
	return c.V.To64(), c.H.To64()
}

// LandscapeOptions configure LandscapeOf.
type LandscapeOptions struct {
	Modes       []int         // 0-based modes
	Data        *tensor.Mat64 // test states (nil: no data layer)
	Labels      []int         // labels of Data (optional)
	HiddenMode  HiddenMode    // hidden states of the data: sample or mean
	GibbsChains int
	GibbsSteps  int
	Grid        int // energy-grid points per axis
	Seed        uint64
	Backend     tensor.Backend
}

// LandscapeOf is one model's side of Figs. 1 right and 2: per mode, the
// saddle, Gibbs samples and data in (x_k, y_k) and the energy on a grid
// around them. id separates the random streams of several models.
func LandscapeOf(label string, md *rbm.Model, f *Frame, o *LandscapeOptions, id uint64) (*Landscape, error) {
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

// Fig5Of projects samples uniform binary states (visible and hidden) on
// the modes of a trained frame f and an untrained frame f0 (Fig. 5); mux,
// muy are f's constraint means.
func Fig5Of(f, f0 *Frame, modes []int, samples int, seed uint64, mux, muy []float64) []Fig5Mode {
	var out []Fig5Mode
	st := tensor.NewStream(seed, purposeStates)
	v := tensor.NewMat32(samples, f.N)
	h := tensor.NewMat32(samples, f.M)
	tensor.Bernoulli(v, 0.5, st.Key())
	tensor.Bernoulli(h, 0.5, st.Key())
	v64, h64 := v.To64(), h.To64()
	cols := func(fr *Frame, a *mat.Dense, states *tensor.Mat64) [][]float64 {
		out := make([][]float64, len(modes))
		sub := mat.NewDense(a.RawMatrix().Rows, len(modes), nil)
		for j, k := range modes {
			sub.SetCol(j, mat.Col(nil, k, a))
		}
		p := mulRows(states, sub)
		for j := range modes {
			for i := 0; i < p.Rows; i++ {
				out[j] = append(out[j], p.At(i, j))
			}
		}
		return out
	}
	x, y := cols(f, f.U, v64), cols(f, f.V, h64)
	x0, y0 := cols(f0, f0.U, v64), cols(f0, f0.V, h64)
	mux0, muy0 := f0.ConstraintMeans(0.5)
	for j, k := range modes {
		out = append(out, Fig5Mode{Mode: k + 1, X: x[j], Y: y[j], X0: x0[j], Y0: y0[j],
			MuX: mux[k], MuY: muy[k], MuX0: mux0[k], MuY0: muy0[k], Sd: math.Sqrt(ConstraintVariance(0.5))})
	}
	return out
}
