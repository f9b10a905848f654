// Package figures draws the paper's figures (gonum/plot → PNG + SVG) from
// results it is handed, and assembles report.html. It computes no physics:
// every function takes arrays or result structs and only plots them.
//
// Conventions shared by all figures: one colour per hidden size
// (ColorForHidden), every figure saved as both PNG and SVG (SavePlot or
// SaveCanvas), titles and axis labels as in the paper.
package figures

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
)

// palette is a colour-blind-safe qualitative palette (Okabe–Ito).
var palette = []color.RGBA{
	{0, 114, 178, 255},   // blue
	{213, 94, 0, 255},    // vermillion
	{0, 158, 115, 255},   // green
	{204, 121, 167, 255}, // purple
	{230, 159, 0, 255},   // orange
	{86, 180, 233, 255},  // sky
	{0, 0, 0, 255},       // black
	{240, 228, 66, 255},  // yellow
}

// Well-known hidden sizes get fixed colours so every figure agrees.
var hiddenIndex = map[int]int{100: 4, 200: 5, 500: 0, 784: 1, 1200: 2, 3000: 3}

// ColorForHidden returns the colour used for hidden size m in every figure.
func ColorForHidden(m int) color.RGBA {
	if i, ok := hiddenIndex[m]; ok {
		return palette[i]
	}
	return palette[(m/7)%len(palette)]
}

// Palette returns the i-th colour of the shared palette (cycled).
func Palette(i int) color.RGBA { return palette[((i%len(palette))+len(palette))%len(palette)] }

// Default figure sizes.
const (
	Width  = 6 * vg.Inch
	Height = 4.5 * vg.Inch
)

// SavePlot writes p as base.png and base.svg (atomically) and returns the
// two paths.
func SavePlot(p *plot.Plot, w, h vg.Length, base string) ([]string, error) {
	return SaveCanvas(w, h, base, func(c draw.Canvas) { p.Draw(c) })
}

// SaveCanvas draws a multi-panel figure with drawFn on a PNG and an SVG
// canvas of size w×h and writes base.png and base.svg.
func SaveCanvas(w, h vg.Length, base string, drawFn func(draw.Canvas)) ([]string, error) {
	png := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))}
	drawFn(draw.New(png))
	svg := vgsvg.New(w, h)
	drawFn(draw.New(svg))
	var paths []string
	for _, out := range []struct {
		ext string
		wt  io.WriterTo
	}{{".png", png}, {".svg", svg}} {
		p := base + out.ext
		if err := atomicfile.WriteFile(p, func(w io.Writer) error { _, err := out.wt.WriteTo(w); return err }); err != nil {
			return nil, fmt.Errorf("figure %s: %w", filepath.Base(p), err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// EpochTicks marks an axis of epochs (or any count) with integer labels
// only: steps of 1, 2 or 5 × 10^k chosen so that at most 10 major ticks
// fall in the range; no tick between two integers.
type EpochTicks struct{}

// Ticks returns the integer ticks in [lo, hi].
func (EpochTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi >= lo) || math.IsInf(hi-lo, 0) {
		return nil
	}
	step := 1.0
	for mult := 0; (hi-lo)/step > 10; mult++ {
		step = []float64{2, 5, 10}[mult%3] * math.Pow(10, float64(mult/3))
	}
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	return ts
}

// SaveWithLegend draws the grid of plots with one shared legend in a
// column to their right, outside every data area, and writes base.png and
// base.svg. The plots' own legends should be empty.
func SaveWithLegend(plots [][]*plot.Plot, leg plot.Legend, w, h vg.Length, base string) ([]string, error) {
	return SaveCanvas(w, h, base, func(c draw.Canvas) {
		r := leg.Rectangle(c)
		lw := r.Max.X - r.Min.X + 4*vg.Millimeter
		symTiles(draw.Crop(c, 0, -lw, 0, 0), plots)
		lc := draw.Crop(c, c.Max.X-c.Min.X-lw+2*vg.Millimeter, 0, 0, -6*vg.Millimeter)
		leg.Top, leg.Left = true, true
		leg.Draw(lc)
	})
}
