package figures

import (
	"fmt"

	"github.com/rbmscope/rbmscope/internal/stats"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// LLSeries is one hidden size of Fig. 1 (left): the test log-likelihood of
// each replica at each epoch from AIS and from reverse AIS. AIS[r][i] and
// RAIS[r][i] belong to replica r at Epochs[i]; NaN marks a missing value.
// Traj[r][i], if any, is the trajectory estimator's at TrajEpochs[i] (it
// covers every checkpoint, AIS only the evaluated ones).
type LLSeries struct {
	Hidden     int
	Epochs     []float64
	AIS        [][]float64
	RAIS       [][]float64
	TrajEpochs []float64
	Traj       [][]float64
}

// LLCurvesOptions sets labels; zero values give the paper's.
type LLCurvesOptions struct {
	Title  string
	XLabel string // default "Epochs"
	YLabel string // default "Test log-likelihood"
}

// LLCurves draws LL vs epoch as in paper Fig. 1 (left): for each hidden size
// the mean over replicas with ±1 sd error bars, AIS as a solid line with
// squares, reverse AIS as a dashed line with circles and the trajectory
// estimate (if any) as a dotted line with triangles, one colour per hidden
// size. It writes base.png and base.svg.
func LLCurves(series []LLSeries, opts LLCurvesOptions, base string) ([]string, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("LL curves: no series to plot")
	}
	p := plot.New()
	p.Title.Text = opts.Title
	p.X.Label.Text = opts.XLabel
	if p.X.Label.Text == "" {
		p.X.Label.Text = "Epochs"
	}
	p.Y.Label.Text = opts.YLabel
	if p.Y.Label.Text == "" {
		p.Y.Label.Text = "Test log-likelihood"
	}
	p.X.Tick.Marker = EpochTicks{}
	drawn := 0
	for _, s := range series {
		col := ColorForHidden(s.Hidden)
		for _, est := range []struct {
			name   string
			epochs []float64
			reps   [][]float64
			dashes []vg.Length
			glyph  draw.GlyphDrawer
		}{{"AIS", s.Epochs, s.AIS, nil, draw.BoxGlyph{}},
			{"RAIS", s.Epochs, s.RAIS, []vg.Length{vg.Points(5), vg.Points(3)}, draw.CircleGlyph{}},
			{"trajectory", s.TrajEpochs, s.Traj, []vg.Length{vg.Points(1.5), vg.Points(2.5)}, draw.TriangleGlyph{}}} {
			if len(est.reps) == 0 {
				continue
			}
			pts, errs, err := meanSD(est.epochs, est.reps)
			if err != nil {
				return nil, fmt.Errorf("LL curves, M=%d %s: %w", s.Hidden, est.name, err)
			}
			if len(pts) == 0 {
				continue
			}
			line, scatter, err := plotter.NewLinePoints(pts)
			if err != nil {
				return nil, err
			}
			line.Color = col
			line.Width = vg.Points(1.5)
			line.Dashes = est.dashes
			scatter.Shape = est.glyph
			scatter.Color = col
			scatter.Radius = vg.Points(3)
			bars, err := plotter.NewYErrorBars(struct {
				plotter.XYs
				plotter.YErrors
			}{pts, errs})
			if err != nil {
				return nil, err
			}
			bars.Color = col
			bars.Width = vg.Points(1)
			p.Add(bars, line, scatter)
			p.Legend.Add(fmt.Sprintf("M=%d %s", s.Hidden, est.name), line, scatter)
			drawn++
		}
	}
	if drawn == 0 {
		return nil, fmt.Errorf("LL curves: every value is missing")
	}
	leg := p.Legend
	p.Legend = plot.NewLegend()
	return SaveWithLegend([][]*plot.Plot{{p}}, leg, Width*1.25, Height, base)
}

// meanSD returns, per epoch with at least one finite value, the mean over
// replicas and the sample standard deviation (0 for a single replica).
func meanSD(epochs []float64, reps [][]float64) (plotter.XYs, plotter.YErrors, error) {
	var pts plotter.XYs
	var errs plotter.YErrors
	for r, row := range reps {
		if len(row) != len(epochs) {
			return nil, nil, fmt.Errorf("replica %d has %d values for %d epochs", r, len(row), len(epochs))
		}
	}
	for i, e := range epochs {
		var xs []float64
		for _, row := range reps {
			xs = append(xs, row[i])
		}
		xs = stats.Finite(xs)
		if len(xs) == 0 {
			continue
		}
		m, sd := stats.MeanSD(xs, 1)
		pts = append(pts, plotter.XY{X: e, Y: m})
		errs = append(errs, struct{ Low, High float64 }{sd, sd})
	}
	return pts, errs, nil
}
