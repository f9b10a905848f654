package figures

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/rbmscope/rbmscope/reciprocal"
)

// Colours of the reciprocal-space figures.
var (
	magenta = color.RGBA{200, 0, 200, 255}
	grey    = color.NRGBA{110, 110, 110, 200}
	// digitColors: one colour per MNIST digit (tab10).
	digitColors = []color.RGBA{{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
		{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
		{188, 189, 34, 255}, {23, 190, 207, 255}}
)

// polyGlyph draws a regular polygon (n sides) or an n-pointed star.
type polyGlyph struct {
	n    int
	star bool
}

func (g polyGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	var p vg.Path
	k := g.n
	if g.star {
		k = 2 * g.n
	}
	for i := 0; i <= k; i++ {
		r := sty.Radius
		if g.star && i%2 == 1 {
			r *= 0.45
		}
		a := math.Pi/2 + 2*math.Pi*float64(i)/float64(k)
		q := vg.Point{X: pt.X + vg.Length(math.Cos(a))*r, Y: pt.Y + vg.Length(math.Sin(a))*r}
		if i == 0 {
			p.Move(q)
		} else {
			p.Line(q)
		}
	}
	p.Close()
	c.SetColor(sty.Color)
	c.Fill(p)
	c.SetLineStyle(draw.LineStyle{Color: color.Black, Width: vg.Points(0.4)})
	c.Stroke(p)
}

var (
	starGlyph     = polyGlyph{n: 5, star: true}
	pentagonGlyph = polyGlyph{n: 5}
	hexagonGlyph  = polyGlyph{n: 6}
)

// gridXYZ adapts a reciprocal.Grid to plotter.GridXYZ.
type gridXYZ struct{ g *reciprocal.Grid }

func (g gridXYZ) Dims() (c, r int)   { return len(g.g.Xs), len(g.g.Ys) }
func (g gridXYZ) Z(c, r int) float64 { return g.g.Z[r][c] }
func (g gridXYZ) X(c int) float64    { return g.g.Xs[c] }
func (g gridXYZ) Y(r int) float64    { return g.g.Ys[r] }

// landscapePlot draws E_k as a filled heat map with contour lines.
func landscapePlot(mv reciprocal.ModeView, title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = fmt.Sprintf("x_%d", mv.Mode)
	p.Y.Label.Text = fmt.Sprintf("y_%d", mv.Mode)
	if mv.Grid == nil {
		return p
	}
	g := gridXYZ{mv.Grid}
	pal := moreland.SmoothBlueRed().Palette(64)
	hm := plotter.NewHeatMap(g, pal)
	hm.Rasterized = true
	p.Add(hm)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range mv.Grid.Z {
		for _, z := range row {
			lo, hi = math.Min(lo, z), math.Max(hi, z)
		}
	}
	if hi > lo {
		var levels []float64
		for i := 1; i < 12; i++ {
			levels = append(levels, lo+(hi-lo)*float64(i)/12)
		}
		ct := plotter.NewContour(g, levels, nil)
		ct.LineStyles = []draw.LineStyle{{Color: color.RGBA{40, 40, 40, 160}, Width: vg.Points(0.5)}}
		p.Add(ct)
	}
	p.X.Min, p.X.Max = mv.Grid.Xs[0], mv.Grid.Xs[len(mv.Grid.Xs)-1]
	p.Y.Min, p.Y.Max = mv.Grid.Ys[0], mv.Grid.Ys[len(mv.Grid.Ys)-1]
	return p
}

// addSaddle marks the saddle with a magenta star when it lies in the grid.
func addSaddle(p *plot.Plot, mv reciprocal.ModeView) {
	if !mv.Paired || mv.Grid == nil || mv.SaddleX < p.X.Min || mv.SaddleX > p.X.Max || mv.SaddleY < p.Y.Min || mv.SaddleY > p.Y.Max {
		return
	}
	addPoints(p, []float64{mv.SaddleX}, []float64{mv.SaddleY}, magenta, starGlyph, 7)
}

func addPoints(p *plot.Plot, xs, ys []float64, c color.Color, shape draw.GlyphDrawer, r float64) {
	pts := make(plotter.XYs, 0, len(xs))
	for i := range xs {
		if !math.IsNaN(xs[i]) && !math.IsNaN(ys[i]) {
			pts = append(pts, plotter.XY{X: xs[i], Y: ys[i]})
		}
	}
	if len(pts) == 0 {
		return
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(r), Shape: shape}
	p.Add(s)
}

// tiles draws plots in a rows×cols grid on c.
func tiles(c draw.Canvas, plots [][]*plot.Plot) {
	rows, cols := len(plots), len(plots[0])
	t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 3, PadY: vg.Millimeter * 7,
		PadTop: vg.Millimeter * 5, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	cs := plot.Align(plots, t, c)
	for i := range plots {
		for j := range plots[i] {
			if plots[i][j] != nil {
				plots[i][j].Draw(cs[i][j])
			}
		}
	}
}

// Fig1Right draws one Gibbs sample (black pentagon) in the landscapes of up
// to four modes of a trained model, saddles as magenta stars, clockwise from
// top-left.
func Fig1Right(ls *reciprocal.Landscape, base string) ([]string, error) {
	if ls == nil || len(ls.Modes) == 0 {
		return nil, fmt.Errorf("Fig. 1 right: no modes to draw")
	}
	order := [][2]int{{0, 0}, {0, 1}, {1, 1}, {1, 0}} // clockwise
	plots := [][]*plot.Plot{{nil, nil}, {nil, nil}}
	for i, mv := range ls.Modes {
		if i >= 4 {
			break
		}
		p := landscapePlot(mv, fmt.Sprintf("k = %d (σ = %.3g)", mv.Mode, mv.Sigma))
		addSaddle(p, mv)
		addPoints(p, []float64{mv.Sample[0]}, []float64{mv.Sample[1]}, color.Black, pentagonGlyph, 6)
		plots[order[i][0]][order[i][1]] = p
	}
	return SaveCanvas(Width*1.3, Height*1.5, base, func(c draw.Canvas) { tiles(c, plots) })
}

// Fig2 draws the landscapes of the chosen modes for an untrained (left)
// and a trained (right) model: contours of E_k, test data coloured by
// digit, Gibbs samples as grey hexagons, saddles as magenta stars.
func Fig2(untrained, trained *reciprocal.Landscape, base string) ([]string, error) {
	if untrained == nil || trained == nil || len(trained.Modes) == 0 || len(untrained.Modes) != len(trained.Modes) {
		return nil, fmt.Errorf("Fig. 2: need the same modes for the untrained and trained models")
	}
	var plots [][]*plot.Plot
	for i := range trained.Modes {
		var row []*plot.Plot
		for _, ls := range []*reciprocal.Landscape{untrained, trained} {
			mv := ls.Modes[i]
			p := landscapePlot(mv, fmt.Sprintf("%s, k = %d", ls.Label, mv.Mode))
			for d := 0; d < 10; d++ {
				var xs, ys []float64
				for j := range mv.Data.X {
					lab := 0
					if ls.Labels != nil {
						lab = ls.Labels[j]
					}
					if lab == d || (d == 0 && (lab < 0 || lab > 9)) {
						xs, ys = append(xs, mv.Data.X[j]), append(ys, mv.Data.Y[j])
					}
				}
				addPoints(p, xs, ys, digitColors[d], draw.CircleGlyph{}, 1.2)
			}
			addPoints(p, mv.Gibbs.X, mv.Gibbs.Y, grey, hexagonGlyph, 3.5)
			addSaddle(p, mv)
			row = append(row, p)
		}
		plots = append(plots, row)
	}
	return SaveCanvas(Width*1.3, Height*0.9*vg.Length(len(plots)), base, func(c draw.Canvas) { tiles(c, plots) })
}

// histogram returns a normalised-density histogram of xs with n bins.
func histogram(xs []float64, n int, c color.Color, filled bool) (*plotter.Histogram, error) {
	h, err := plotter.NewHist(plotter.Values(xs), n)
	if err != nil {
		return nil, err
	}
	h.Normalize(1)
	h.LineStyle.Color = c
	h.LineStyle.Width = vg.Points(0.8)
	if filled {
		cc := color.NRGBAModel.Convert(c).(color.NRGBA)
		cc.A = 110
		h.FillColor = cc
	} else {
		h.FillColor = nil
	}
	return h, nil
}

func curve(xs, ys []float64, c color.Color, dashed bool) *plotter.Line {
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	l, _ := plotter.NewLine(pts)
	l.Color = c
	l.Width = vg.Points(1.4)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	}
	return l
}

// Fig3MP draws Fig. 3a–d: histograms (100 bins) of the singular values of
// random initialisations against the Marchenko–Pastur density.
func Fig3MP(panels []reciprocal.MPPanel, base string) ([]string, error) {
	if len(panels) == 0 {
		return nil, fmt.Errorf("Fig. 3a–d: no panels")
	}
	cols := min(2, len(panels))
	rows := (len(panels) + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
	}
	for i, pn := range panels {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("N = %d, M = %d, s = %g (KS %.4f)", pn.N, pn.M, pn.Std, pn.KS)
		p.X.Label.Text = "σ"
		p.Y.Label.Text = "PDF"
		h, err := histogram(pn.Sigma, 100, ColorForHidden(pn.M), true)
		if err != nil {
			return nil, err
		}
		p.Add(h, curve(pn.CurveX, pn.CurveY, color.Black, false))
		plots[i/cols][i%cols] = p
	}
	return SaveCanvas(Width*1.3, Height*0.8*vg.Length(rows), base, func(c draw.Canvas) { tiles(c, plots) })
}

// Fig3e draws the mean kurtosis over modes against 1/n with a ±sd ribbon,
// the linear fit extended to 1/n = 0 and a dashed line at 3, one panel per
// curve (visible and/or hidden reading).
func Fig3e(curves []*reciprocal.KurtCurve, base string) ([]string, error) {
	if len(curves) == 0 {
		return nil, fmt.Errorf("Fig. 3e: no curves")
	}
	var row []*plot.Plot
	for _, kc := range curves {
		p := plot.New()
		v := "x"
		if kc.Layer == reciprocal.LayerHidden {
			v = "y"
		}
		p.Title.Text = fmt.Sprintf("kurtosis of %s_k, %s layer varies (fit: %.3f %+.3f/n)", v, kc.Layer, kc.Fit.Intercept, kc.Fit.Slope)
		p.X.Label.Text = "1/n"
		p.Y.Label.Text = "kurtosis"
		var upper, lower, mean plotter.XYs
		maxInv := 0.0
		for _, pt := range kc.Points {
			upper = append(upper, plotter.XY{X: pt.InvSize, Y: pt.Mean + pt.Sd})
			lower = append(lower, plotter.XY{X: pt.InvSize, Y: pt.Mean - pt.Sd})
			mean = append(mean, plotter.XY{X: pt.InvSize, Y: pt.Mean})
			maxInv = math.Max(maxInv, pt.InvSize)
		}
		// Ribbon: polygon upper → reversed lower.
		poly := append(plotter.XYs{}, sortByX(upper)...)
		lw := sortByX(lower)
		for i := len(lw) - 1; i >= 0; i-- {
			poly = append(poly, lw[i])
		}
		if pg, err := plotter.NewPolygon(poly); err == nil {
			pg.Color = color.NRGBA{0, 114, 178, 60}
			pg.LineStyle.Width = 0
			p.Add(pg)
		}
		sc, _ := plotter.NewScatter(mean)
		sc.GlyphStyle = draw.GlyphStyle{Color: Palette(0), Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		p.Legend.Add("closed form (mean ± sd over modes)", sc)
		if kc.SampledFit != nil {
			var sm plotter.XYs
			for _, pt := range kc.Points {
				sm = append(sm, plotter.XY{X: pt.InvSize, Y: pt.SampledMean})
			}
			ss, _ := plotter.NewScatter(sm)
			ss.GlyphStyle = draw.GlyphStyle{Color: Palette(1), Radius: vg.Points(3), Shape: draw.TriangleGlyph{}}
			p.Add(ss)
			p.Legend.Add(fmt.Sprintf("sampled (%d states)", kc.Samples), ss)
		}
		xs := []float64{0, maxInv * 1.05}
		fit := curve(xs, []float64{kc.Fit.Intercept, kc.Fit.Intercept + kc.Fit.Slope*xs[1]}, Palette(0), false)
		p.Add(fit)
		p.Legend.Add("linear fit in 1/n", fit)
		three := curve(xs, []float64{3, 3}, color.Black, true)
		p.Add(three)
		p.Legend.Add("Gaussian (3)", three)
		p.Legend.Top = false
		p.Legend.Left = true
		p.X.Min = 0
		p.Y.Tick.Marker = fineTicks{}
		row = append(row, p)
	}
	return SaveCanvas(Width*vg.Length(len(row)), Height, base, func(c draw.Canvas) { tiles(c, [][]*plot.Plot{row}) })
}

// fineTicks labels default ticks with enough digits for values near 3.
type fineTicks struct{}

func (fineTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', 4, 64)
		}
	}
	return ts
}

func sortByX(pts plotter.XYs) plotter.XYs {
	out := append(plotter.XYs{}, pts...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].X < out[j-1].X; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Fig3f draws normalised histograms of trained singular values (one per
// spectrum, on its own bins) on a log-y axis. A label "M = m" takes the
// colour of hidden size m; "M = m, METHOD-k" (another training method)
// the same colour, dashed, then dotted for a second such method. The
// legend sits outside the axes.
func Fig3f(spectra []reciprocal.Spectrum, base string) ([]string, error) {
	if len(spectra) == 0 {
		return nil, fmt.Errorf("Fig. 3f: no spectra")
	}
	p := plot.New()
	p.Title.Text = "trained singular values"
	p.X.Label.Text = "σ"
	p.Y.Label.Text = "PDF"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	minPos := math.Inf(1)
	extra := 0
	for i, sp := range spectra {
		var pts plotter.XYs // step outline; empty bins are left out (log scale)
		for b, c := range sp.Counts {
			if c > 0 {
				minPos = math.Min(minPos, c)
				pts = append(pts, plotter.XY{X: sp.Edges[b], Y: c}, plotter.XY{X: sp.Edges[b+1], Y: c})
			}
		}
		if len(pts) == 0 {
			continue
		}
		col := Palette(i)
		var m int // labels "M = 500" take the hidden size's colour
		if _, err := fmt.Sscanf(sp.Label, "M = %d", &m); err == nil {
			col = ColorForHidden(m)
		}
		var dashes []vg.Length
		if strings.Contains(sp.Label, ",") {
			dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			if extra++; extra > 1 {
				dashes = []vg.Length{vg.Points(1.5), vg.Points(2)}
			}
		}
		for j := 0; j+1 < len(pts); j += 2 {
			seg := curve([]float64{pts[j].X, pts[j+1].X}, []float64{pts[j].Y, pts[j+1].Y}, col, false)
			seg.Dashes = dashes
			p.Add(seg)
			if j == 0 {
				p.Legend.Add(sp.Label, seg)
			}
		}
	}
	if !math.IsInf(minPos, 1) {
		p.Y.Min = minPos / 2
	}
	leg := p.Legend
	p.Legend = plot.NewLegend()
	return SaveWithLegend([][]*plot.Plot{{p}}, leg, Width*1.3, Height, base)
}

// Fig5 draws PDFs of x_k (top row) and y_k (bottom row) for random binary
// states, trained (filled) vs untrained (outline), with the Gaussian curves
// N(μ_k, sd²) of Eq. 51 (solid trained, dashed untrained).
func Fig5(modes []reciprocal.Fig5Mode, base string) ([]string, error) {
	if len(modes) == 0 {
		return nil, fmt.Errorf("Fig. 5: no modes")
	}
	plots := [][]*plot.Plot{make([]*plot.Plot, len(modes)), make([]*plot.Plot, len(modes))}
	for j, fm := range modes {
		for r, v := range []struct {
			name       string
			tr, un     []float64
			muTr, muUn float64
		}{{"x", fm.X, fm.X0, fm.MuX, fm.MuX0}, {"y", fm.Y, fm.Y0, fm.MuY, fm.MuY0}} {
			p := plot.New()
			p.Title.Text = fmt.Sprintf("%s_%d", v.name, fm.Mode)
			p.X.Label.Text = fmt.Sprintf("%s_%d", v.name, fm.Mode)
			ht, err := histogram(v.tr, 60, Palette(1), true)
			if err != nil {
				return nil, err
			}
			hu, err := histogram(v.un, 60, Palette(0), false)
			if err != nil {
				return nil, err
			}
			p.Add(ht, hu)
			for _, g := range []struct {
				mu     float64
				col    color.Color
				dashed bool
			}{{v.muTr, Palette(1), false}, {v.muUn, Palette(0), true}} {
				var xs, ys []float64
				for i := 0; i <= 200; i++ {
					x := g.mu - 4*fm.Sd + 8*fm.Sd*float64(i)/200
					z := (x - g.mu) / fm.Sd
					xs, ys = append(xs, x), append(ys, math.Exp(-z*z/2)/(fm.Sd*math.Sqrt(2*math.Pi)))
				}
				p.Add(curve(xs, ys, g.col, g.dashed))
			}
			if j == 0 && r == 0 {
				p.Legend.Add("trained", ht)
				p.Legend.Add("untrained", hu)
			}
			plots[r][j] = p
		}
	}
	return SaveCanvas(Width*0.55*vg.Length(len(modes)), Height*1.2, base, func(c draw.Canvas) { tiles(c, plots) })
}
