package figures

import (
	"fmt"
	"github.com/rbmscope/rbmscope/autocorr"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/rbmscope/rbmscope/dynamics"
)

// Relaxation draws measured integrated autocorrelation times (Gibbs
// sweeps, log scale) of u_k and w_k against σ_k with Madras–Sokal error
// bars, the Gaussian closure's 1/(1 ∓ σ/4) as dashed curves, the
// threshold σ = 4 as a grey line, and unstable modes (σ > 4) as
// triangles.
func Relaxation(ms []dynamics.ModeRelaxation, base string) ([]string, error) {
	if len(ms) == 0 {
		return nil, fmt.Errorf("relaxation figure: no modes")
	}
	p := plot.New()
	p.Title.Text = "Relaxation of Gibbs chains per reciprocal mode"
	p.X.Label.Text = "σ_k"
	p.Y.Label.Text = "integrated autocorrelation time τ (sweeps)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top = true
	p.Legend.Left = true
	sigMax, tauMin, tauMax := 4.5, math.Inf(1), 1.0
	type series struct {
		name   string
		pts    plotter.XYs
		errs   plotter.YErrors
		color  int
		glyph  draw.GlyphDrawer
		filter func(dynamics.ModeRelaxation) bool
		tau    func(dynamics.ModeRelaxation) autocorr.IAT
	}
	u := func(m dynamics.ModeRelaxation) autocorr.IAT { return m.U }
	w := func(m dynamics.ModeRelaxation) autocorr.IAT { return m.W }
	all := []*series{
		{name: "u_k, stable", color: 0, glyph: draw.CircleGlyph{}, filter: func(m dynamics.ModeRelaxation) bool { return !m.Unstable }, tau: u},
		{name: "u_k, σ > 4 (closure unstable)", color: 1, glyph: draw.TriangleGlyph{}, filter: func(m dynamics.ModeRelaxation) bool { return m.Unstable }, tau: u},
		{name: "w_k", color: 2, glyph: draw.SquareGlyph{}, filter: func(dynamics.ModeRelaxation) bool { return true }, tau: w},
	}
	for _, m := range ms {
		sigMax = math.Max(sigMax, m.Sigma*1.05)
		for _, s := range all {
			t := s.tau(m)
			if !s.filter(m) || !finite(t.Tau) || t.Tau <= 0 {
				continue
			}
			e := math.Min(t.Err, 0.9*t.Tau)
			s.pts = append(s.pts, plotter.XY{X: m.Sigma, Y: t.Tau})
			s.errs = append(s.errs, struct{ Low, High float64 }{e, t.Err})
			tauMin, tauMax = math.Min(tauMin, t.Tau-e), math.Max(tauMax, t.Tau+t.Err)
		}
	}
	for _, s := range all {
		if len(s.pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(s.pts)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: Palette(s.color), Radius: vg.Points(3), Shape: s.glyph}
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{s.pts, s.errs})
		if err != nil {
			return nil, err
		}
		eb.LineStyle.Color = Palette(s.color)
		p.Add(eb, sc)
		p.Legend.Add(s.name, sc)
	}
	closureCurves(p, sigMax)
	tauMin = math.Min(tauMin, 1/(1+sigMax/4))
	p.Y.Min, p.Y.Max = math.Max(tauMin*0.8, 1e-2), tauMax*1.5
	thr := curve([]float64{4, 4}, []float64{p.Y.Min, p.Y.Max}, grey, false)
	p.Add(thr)
	p.X.Min, p.X.Max = 0, sigMax
	return SavePlot(p, Width, Height, base)
}

// closureCurves adds the p = ½ closure's τ_u = 1/(1 − σ/4) (up to σ =
// 3.96, where it reaches 100) and τ_w = 1/(1 + σ/4) on [0, sigMax].
func closureCurves(p *plot.Plot, sigMax float64) {
	var xu, yu, xw, yw []float64
	for i := 0; i <= 200; i++ {
		s := sigMax * float64(i) / 200
		if s < 3.96 {
			xu, yu = append(xu, s), append(yu, 1/(1-s/4))
		}
		xw, yw = append(xw, s), append(yw, 1/(1+s/4))
	}
	pu, pw := curve(xu, yu, Palette(0), true), curve(xw, yw, Palette(2), true)
	p.Add(pu, pw)
	p.Legend.Add("closure 1/(1 − σ/4) (u)", pu)
	p.Legend.Add("closure 1/(1 + σ/4) (w)", pw)
}

// LangevinLeading draws the leading mode's empirical potential
// Φ(u₁) = −log p(u₁) (left) and, right, the density of the Gibbs samples
// beside that of Langevin particles run in Φ from the lowest sample.
func LangevinLeading(lm *dynamics.LeadingMode, base string) ([]string, error) {
	if lm == nil || lm.Potential == nil {
		return nil, fmt.Errorf("Langevin figure: no leading mode")
	}
	g := lm.Potential.Grid
	xs := make([]float64, g.N)
	for i := range xs {
		xs[i] = g.At(i)
	}
	left := plot.New()
	left.Title.Text = fmt.Sprintf("Φ(u₁) = −log p(u₁); FP λ₁ = %.3g", lm.Rates[1])
	left.X.Label.Text = "u₁ (relative to v = h = ½)"
	left.Y.Label.Text = "Φ"
	left.Add(curve(xs, lm.Potential.Phi, Palette(0), false))
	right := plot.New()
	t := lm.Langevin.Times[len(lm.Langevin.Times)-1]
	right.Title.Text = fmt.Sprintf("density: Gibbs samples vs Langevin at t = %.3g", t)
	right.X.Label.Text = left.X.Label.Text
	right.Y.Label.Text = "p(u₁)"
	ls := curve(xs, lm.Potential.Density, Palette(0), false)
	ll := curve(xs, lm.LangevinDensity, Palette(1), true)
	right.Add(ls, ll)
	right.Legend.Add("Gibbs samples (KDE)", ls)
	right.Legend.Add(fmt.Sprintf("%d Langevin particles", len(lm.Langevin.Final)), ll)
	right.Legend.Top = true
	plots := [][]*plot.Plot{{left, right}}
	return SaveCanvas(Width*1.6, Height*0.9, base, func(c draw.Canvas) { tiles(c, plots) })
}
