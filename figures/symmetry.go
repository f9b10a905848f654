package figures

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/rbmscope/rbmscope/symmetry"
	"github.com/rbmscope/rbmscope/tensor"
)

// Colours of Figs. 7–8 as in the paper.
var (
	symOrange = color.RGBA{230, 120, 0, 255}
	symGreen  = color.RGBA{0, 150, 60, 255}
	symPurple = color.RGBA{128, 0, 160, 255}
)

// symTiles lays out plots in a grid on c.
func symTiles(c draw.Canvas, plots [][]*plot.Plot) {
	t := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	cs := plot.Align(plots, t, c)
	for i := range plots {
		for j := range plots[i] {
			if plots[i][j] != nil {
				plots[i][j].Draw(cs[i][j])
			}
		}
	}
}

func symLine(pts plotter.XYs, c color.Color, dashed bool) *plotter.Line {
	l, _ := plotter.NewLine(pts)
	l.Color = c
	l.Width = vg.Points(1.4)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return l
}

// symRibbon returns a translucent band between lo and hi over xs.
func symRibbon(xs, lo, hi []float64, c color.RGBA) *plotter.Polygon {
	var pts plotter.XYs
	for i := range xs {
		if finite(lo[i]) && finite(hi[i]) {
			pts = append(pts, plotter.XY{X: xs[i], Y: lo[i]})
		}
	}
	for i := len(xs) - 1; i >= 0; i-- {
		if finite(lo[i]) && finite(hi[i]) {
			pts = append(pts, plotter.XY{X: xs[i], Y: hi[i]})
		}
	}
	if len(pts) < 3 {
		return nil
	}
	poly, err := plotter.NewPolygon(pts)
	if err != nil {
		return nil
	}
	// Light enough that two overlapping bands leave every line visible.
	// color.RGBA is alpha-premultiplied: a translucent colour must be
	// NRGBA (RGBA{…, A: 60} with channels above 60 drew dark, saturated bands).
	poly.Color = color.NRGBA{R: c.R, G: c.G, B: c.B, A: 40}
	poly.LineStyle.Width = 0
	return poly
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Fig4 draws the Jensen–Shannon divergence between the entries of W and of
// the rotated W′ against 1/M (mean ± sd, log y; dashed line: untrained
// baseline) and, beside it, the weight PDFs before and after one rotation
// draw of pdf (log y).
func Fig4(points []symmetry.JSPoint, baseline float64, pdf *symmetry.JSResult, base string) ([]string, error) {
	if len(points) == 0 {
		return nil, fmt.Errorf("Fig. 4: no JS points to draw")
	}
	p := plot.New()
	p.Title.Text = "Rotated vs original weights"
	p.X.Label.Text = "1/M"
	p.Y.Label.Text = "Jensen–Shannon divergence"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	leg := plot.NewLegend() // one legend for both panels, outside the data
	var xs []float64
	for _, pt := range points {
		x := 1 / float64(pt.M)
		xs = append(xs, x)
		mean := math.Max(pt.Mean, 1e-12)
		lo := math.Max(pt.Mean-pt.SD, mean/10)
		c := ColorForHidden(pt.M)
		s, _ := plotter.NewScatter(plotter.XYs{{X: x, Y: mean}})
		s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
		p.Add(s, symLine(plotter.XYs{{X: x, Y: lo}, {X: x, Y: pt.Mean + pt.SD}}, c, false))
		leg.Add(fmt.Sprintf("M = %d", pt.M), s)
	}
	if baseline > 0 {
		lo, hi := xs[0], xs[len(xs)-1]
		pad := math.Max((hi-lo)*0.1, lo*0.1)
		l := symLine(plotter.XYs{{X: lo - pad, Y: baseline}, {X: hi + pad, Y: baseline}}, color.Black, true)
		p.Add(l)
		leg.Add("untrained JS", l)
	}
	plots := [][]*plot.Plot{{p}}
	if pdf != nil && len(pdf.PDFEdges) > 1 {
		q := plot.New()
		q.Title.Text = fmt.Sprintf("Weight PDFs (M = %d)", pdf.M)
		q.X.Label.Text = "W_ij"
		q.Y.Label.Text = "density"
		q.Y.Scale = plot.LogScale{}
		q.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		for i, d := range []struct {
			ys    []float64
			label string
		}{{pdf.PDFBefore, "before rotation"}, {pdf.PDFAfter, "after rotation"}} {
			var pts plotter.XYs
			for b, y := range d.ys {
				if y > 0 {
					pts = append(pts, plotter.XY{X: (pdf.PDFEdges[b] + pdf.PDFEdges[b+1]) / 2, Y: y})
				}
			}
			if len(pts) > 1 {
				l := symLine(pts, Palette(i), i == 1)
				q.Add(l)
				leg.Add("W "+d.label, l)
			}
		}
		plots[0] = append(plots[0], q)
	}
	return SaveWithLegend(plots, leg, Width*vg.Length(len(plots[0]))*0.8+Width*0.3, Height, base)
}

// ImageGrid lays out images (rows of x, values in [0,1], black = 1) as a
// near-square grid of square tiles (28×28 when N = 784; a strip when N is not a
// square), upscaled nearest-neighbour by scale.
func ImageGrid(x *tensor.Mat64, scale int) *image.Gray {
	n := x.Cols
	side := int(math.Round(math.Sqrt(float64(n))))
	h, w := side, side
	if side*side != n {
		h, w = 1, n
	}
	cols := int(math.Ceil(math.Sqrt(float64(x.Rows))))
	rows := (x.Rows + cols - 1) / cols
	cw, ch := w*scale+1, h*scale+1
	img := image.NewGray(image.Rect(0, 0, cols*cw+1, rows*ch+1))
	for i := range img.Pix {
		img.Pix[i] = 160
	}
	for k := 0; k < x.Rows; k++ {
		ox, oy := (k%cols)*cw+1, (k/cols)*ch+1
		for p, v := range x.Row(k) {
			g := color.Gray{Y: uint8(255 * (1 - math.Min(math.Max(v, 0), 1)))}
			py, px := p/w, p%w
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetGray(ox+px*scale+dx, oy+py*scale+dy, g)
				}
			}
		}
	}
	return img
}

// Fig6 draws the hierarchical probe: the original samples, the samples
// with the two leading modes rotated by π, and with random π rotations
// that keep the leading modes fixed, each titled with its mean Hamming
// distance to the original.
func Fig6(res *symmetry.ProbeResult, base string) ([]string, error) {
	if res == nil || res.Original.Images == nil {
		return nil, fmt.Errorf("Fig. 6: no probe result")
	}
	var row []*plot.Plot
	for _, pn := range []symmetry.ProbePanel{res.Original, res.TopTwo, res.RandomPi} {
		img := ImageGrid(pn.Images, 2)
		b := img.Bounds()
		p := plot.New()
		switch pn.Name {
		case "original":
			p.Title.Text = "original"
		case "top_two_pi":
			p.Title.Text = fmt.Sprintf("modes 1,2 rotated by π\nHamming %.1f, spread %.2f", pn.MeanHamming, pn.Participation)
		default:
			p.Title.Text = fmt.Sprintf("%d random π rotations\nHamming %.1f, spread %.2f", len(pn.Rotation), pn.MeanHamming, pn.Participation)
		}
		p.Add(plotter.NewImage(img, 0, 0, float64(b.Dx()), float64(b.Dy())))
		p.HideAxes()
		row = append(row, p)
	}
	return SaveCanvas(Width*1.6, Height*0.75, base, func(c draw.Canvas) { symTiles(c, [][]*plot.Plot{row}) })
}

// landscapePanels returns the u (z₁) and w (z_{M+1}) panels of one run
// (integer epoch ticks, no legends) and their shared legend.
func landscapePanels(tr *symmetry.Tracking, label string) (pu, pw *plot.Plot, leg plot.Legend) {
	n := len(tr.Epochs)
	ep := make([]float64, n)
	get := func(f func(e symmetry.EpochResult) float64) []float64 {
		out := make([]float64, n)
		for i, e := range tr.Epochs {
			out[i] = f(e)
		}
		return out
	}
	for i, e := range tr.Epochs {
		ep[i] = float64(e.Epoch)
	}
	mk := func(name string, mu, data, dsd, gib, gsd []float64) *plot.Plot {
		p := plot.New()
		p.Title.Text = label
		p.X.Label.Text = "epoch"
		p.X.Tick.Marker = EpochTicks{}
		p.Y.Label.Text = name
		lo, hi := make([]float64, n), make([]float64, n)
		glo, ghi := make([]float64, n), make([]float64, n)
		for i := range ep {
			lo[i], hi[i] = data[i]-dsd[i], data[i]+dsd[i]
			glo[i], ghi[i] = gib[i]-gsd[i], gib[i]+gsd[i]
		}
		for _, b := range []struct {
			lo, hi []float64
			c      color.RGBA
			label  string
		}{{lo, hi, symGreen, "test data ± sd"}, {glo, ghi, symPurple, "Gibbs ± sd"}} {
			if r := symRibbon(ep, b.lo, b.hi, b.c); r != nil {
				p.Add(r)
				p.Legend.Add(b.label, r)
			}
		}
		xy := func(ys []float64) plotter.XYs {
			var pts plotter.XYs
			for i := range ep {
				if finite(ys[i]) {
					pts = append(pts, plotter.XY{X: ep[i], Y: ys[i]})
				}
			}
			return pts
		}
		zero := symLine(plotter.XYs{{X: ep[0], Y: 0}, {X: ep[n-1], Y: 0}}, color.Black, true)
		p.Add(zero)
		p.Legend.Add("saddle", zero)
		for _, s := range []struct {
			ys    []float64
			c     color.Color
			label string
		}{{mu, symOrange, "μ (constraint)"}, {data, symGreen, "test data"}, {gib, symPurple, "Gibbs"}} {
			if pts := xy(s.ys); len(pts) > 0 {
				l := symLine(pts, s.c, false)
				p.Add(l)
				p.Legend.Add(s.label, l)
			}
		}
		return p
	}
	k := tr.Mode
	pu = mk(fmt.Sprintf("z_%d = u_%d", k, k),
		get(func(e symmetry.EpochResult) float64 { return e.MuU }),
		get(func(e symmetry.EpochResult) float64 { return e.DataU[0] }), get(func(e symmetry.EpochResult) float64 { return e.DataU[1] }),
		get(func(e symmetry.EpochResult) float64 { return e.GibbsU[0] }), get(func(e symmetry.EpochResult) float64 { return e.GibbsU[1] }))
	pw = mk(fmt.Sprintf("z_{M+%d} = w_%d", k, k),
		get(func(e symmetry.EpochResult) float64 { return e.MuW }),
		get(func(e symmetry.EpochResult) float64 { return e.DataW[0] }), get(func(e symmetry.EpochResult) float64 { return e.DataW[1] }),
		get(func(e symmetry.EpochResult) float64 { return e.GibbsW[0] }), get(func(e symmetry.EpochResult) float64 { return e.GibbsW[1] }))
	leg = pu.Legend
	pu.Legend, pw.Legend = plot.NewLegend(), plot.NewLegend()
	return pu, pw, leg
}

// Fig7 draws u_k (left) and w_k (right) against epoch for one run: dashed
// black saddle at 0, orange constraint minimum μ, green test-data mean ±
// sd, purple Gibbs mean ± sd.
func Fig7(tr *symmetry.Tracking, base string) ([]string, error) {
	if tr == nil || len(tr.Epochs) == 0 {
		return nil, fmt.Errorf("Fig. 7: no tracked epochs")
	}
	pu, pw, leg := landscapePanels(tr, fmt.Sprintf("M = %d", tr.M))
	return SaveWithLegend([][]*plot.Plot{{pu, pw}}, leg, Width*1.9, Height*0.9, base)
}

// Fig8 draws the Fig. 7 panels of several runs side by side (one column
// per run, u on top, w below).
func Fig8(trs []*symmetry.Tracking, base string) ([]string, error) {
	if len(trs) == 0 {
		return nil, fmt.Errorf("Fig. 8: no runs")
	}
	rows := [][]*plot.Plot{{}, {}}
	var leg plot.Legend
	for _, tr := range trs {
		if tr == nil || len(tr.Epochs) == 0 {
			return nil, fmt.Errorf("Fig. 8: a run has no tracked epochs")
		}
		var pu, pw *plot.Plot
		pu, pw, leg = landscapePanels(tr, fmt.Sprintf("M = %d", tr.M))
		rows[0], rows[1] = append(rows[0], pu), append(rows[1], pw)
	}
	return SaveWithLegend(rows, leg, Width*0.75*vg.Length(len(trs))+Width*0.35, Height*1.5, base)
}
