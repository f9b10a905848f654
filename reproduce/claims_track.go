package reproduce

import (
	"fmt"
	"math"
	"slices"

	"github.com/rbmscope/rbmscope/symmetry"
)

// track returns the tracking of run id and its last epoch (nil if none).
func (c *claimer) track(id string) (*symmetry.Tracking, *symmetry.EpochResult) {
	tr := c.s.tracks[id]
	if tr == nil || len(tr.Epochs) == 0 {
		return nil, nil
	}
	return tr, &tr.Epochs[len(tr.Epochs)-1]
}

// doubleWell: Figs. 7–8, a double well forms in the leading mode's free
// energy: the fraction of runs whose Gibbs −log p(u₁) has two wells at some
// tracked epoch, against ½ (sign test, fraction2SE).
func (c *claimer) doubleWell() {
	const fig, paper = "7, 8", "during training the free energy of u₁ turns from a harmonic well into a double well"
	var ok []bool
	var runs []RunSummary
	for _, r := range c.mainRuns() {
		if tr, _ := c.track(r.ID); tr != nil {
			ok, runs = append(ok, tr.SymmetryBreakingEpoch >= 0), append(runs, r)
		}
	}
	v, m, n := fraction2SE(ok)
	if n == 0 {
		c.missing("fig7-double-well", SectionPaper, fig, paper, "no tracking")
		return
	}
	c.add("fig7-double-well", SectionPaper, fig, paper,
		fmt.Sprintf("%.0f%% of %d runs develop a double well (barrier ≥ 0.1 nats); first epoch per run (−1 = never): %s", 100*v, n,
			perSize(runs, func(r RunSummary) string { return fmt.Sprint(r.BreakingEpoch) })), v, m, n, true, 0.5)
}

// oppositeSide: Fig. 7, μ_u lies on the opposite side of the saddle from
// the effective minimum (the test data's mean u₁) at the last epoch.
func (c *claimer) oppositeSide() {
	const fig, paper = "7, 8", "the constraint minimum μ lies on the opposite side of the saddle from the effective minimum (data and samples): the double well is asymmetric"
	var ok []bool
	var runs []RunSummary
	for _, r := range c.mainRuns() {
		if _, e := c.track(r.ID); e != nil && !math.IsNaN(e.DataU[0]) {
			ok, runs = append(ok, e.MuU*e.DataU[0] < 0), append(runs, r)
		}
	}
	v, m, n := fraction2SE(ok)
	if n == 0 {
		c.missing("fig7-opposite", SectionPaper, fig, paper, "no tracking with test data")
		return
	}
	c.add("fig7-opposite", SectionPaper, fig, paper,
		fmt.Sprintf("at the last epoch μ_u and the test data's mean u₁ have opposite signs in %.0f%% of %d runs (μ_u / data mean: %s)", 100*v, n,
			perSize(runs, func(r RunSummary) string {
				_, e := c.track(r.ID)
				return fmt.Sprintf("%.2f/%.2f", e.MuU, e.DataU[0])
			})), v, m, n, true, 0.5)
}

// wFlat: Fig. 7, w₁ stays flat while u₁ moves: per run, the range of the
// Gibbs samples' mean w₁ over the tracked epochs after the initialisation,
// over the same range of u₁ (epoch 0 is left out: its position is the
// random initialisation's, not the landscape's).
func (c *claimer) wFlat() {
	const fig, paper = "7, 8", "in contrast to u₁, the w₁ mode stays relatively flat over training"
	var x []float64
	for _, r := range c.mainRuns() {
		tr, _ := c.track(r.ID)
		if tr == nil || len(tr.Epochs) < 3 {
			continue
		}
		var us, ws []float64
		for _, e := range tr.Epochs[1:] {
			us, ws = append(us, e.GibbsU[0]), append(ws, e.GibbsW[0])
		}
		x = append(x, spread(ws)/spread(us))
	}
	c.overRuns("fig7-w-flat", fig, paper, x, "fewer than two tracked epochs after the initialisation", false, 1, func(v, m float64, n int) string {
		return fmt.Sprintf("range over epochs of the Gibbs mean w₁ / that of u₁ (tracked epochs after 0): %.2f ± %.2f over %d runs", v, m, n)
	})
}

// spread is max − min of xs.
func spread(xs []float64) float64 { return slices.Max(xs) - slices.Min(xs) }

// muDistance is |μ_u − mean u₁ of the test data| in units of the data's
// sd of u₁ at the last epoch (NaN without data).
func muDistance(e *symmetry.EpochResult) float64 {
	if e == nil || !(e.DataU[1] > 0) {
		return math.NaN()
	}
	return math.Abs(e.MuU-e.DataU[0]) / e.DataU[1]
}

// towardData: Fig. 8, μ moves toward the effective minimum as M grows:
// slope of muDistance on log M over runs, below 0 by 2 SE.
func (c *claimer) towardData() {
	const fig, paper = "7, 8", "as the hidden layer grows, the constraint minimum μ moves closer to the effective minimum (test data and Gibbs samples)"
	var x, y []float64
	var runs []RunSummary
	for _, r := range c.mainRuns() {
		_, e := c.track(r.ID)
		if d := muDistance(e); !math.IsNaN(d) {
			x, y, runs = append(x, math.Log(float64(r.Hidden))), append(y, d), append(runs, r)
		}
	}
	v, m, n := slope2SE(x, y)
	if n == 0 {
		c.missing("fig8-toward-data", SectionPaper, fig, paper, "no tracking with test data")
		return
	}
	c.add("fig8-toward-data", SectionPaper, fig, paper,
		fmt.Sprintf("slope of |μ_u − data mean u₁|/sd(data u₁) on log M: %.2f ± %.2f over %d runs (%s)", v, m, n,
			perSize(runs, func(r RunSummary) string { _, e := c.track(r.ID); return fmt.Sprintf("%.2f", muDistance(e)) })),
		v, m, n, false, 0)
}

// saddleAtMN: Fig. 8, when M = N, μ lies close to the saddle: |μ_u| in
// units of the data's sd of u₁, below ½.
func (c *claimer) saddleAtMN() {
	const fig, paper = "7, 8", "when the hidden layer is as large as the visible one (M = N), μ lies close to the saddle"
	var x []float64
	var runs []RunSummary
	for _, r := range c.mainRuns() {
		tr, e := c.track(r.ID)
		if tr == nil || !(e.DataU[1] > 0) {
			continue
		}
		runs = append(runs, r)
		if tr.M == tr.N {
			x = append(x, math.Abs(e.MuU)/e.DataU[1])
		}
	}
	c.overRuns("fig8-saddle-mn", fig, paper, x, "no run with M = N (784 for MNIST)", false, 0.5, func(v, m float64, n int) string {
		return fmt.Sprintf("|μ_u| / sd(data u₁) at M = N: %.2f ± %.2f over %d runs (all sizes: %s)", v, m, n,
			perSize(runs, func(r RunSummary) string {
				_, e := c.track(r.ID)
				return fmt.Sprintf("%.2f", math.Abs(e.MuU)/e.DataU[1])
			}))
	})
}

// llWithM (rbmscope adds; not a claim of the paper): the final LL rises with M.
func (c *claimer) llWithM() {
	const fig, paper = "1 left", "(not in the paper) the final test log-likelihood rises with the hidden size M"
	var x, y []float64
	runs := c.mainRuns()
	for _, r := range runs {
		x, y = append(x, math.Log(float64(r.Hidden))), append(y, r.LLAIS)
	}
	v, m, n := slope2SE(x, y)
	if n == 0 || math.IsNaN(v) {
		c.missing("adds-ll-with-m", SectionAdds, fig, paper, "fewer than two sizes with a log-likelihood")
		return
	}
	c.add("adds-ll-with-m", SectionAdds, fig, paper,
		fmt.Sprintf("slope of the final AIS LL on log M: %.1f ± %.1f nats per e-fold over %d runs (%s)", v, m, n,
			perSize(runs, func(r RunSummary) string { return fmt.Sprintf("%.1f", r.LLAIS) })), v, m, n, true, 0)
}

// unstableEarly (rbmscope adds): σ₁ passes 4 by the first tracked epoch
// after the initialisation, in every run (a count: margin 0).
func (c *claimer) unstableEarly() {
	const fig, paper = "7, 8", "(not in the paper) σ₁ passes the stability threshold 4 by the first tracked epoch"
	var x []bool
	runs := c.mainRuns()
	limit := c.s.Settings.TrackEvery
	for _, r := range runs {
		x = append(x, r.UnstableEpoch >= 0 && r.UnstableEpoch <= limit)
	}
	v, _, n := fraction2SE(x)
	if n == 0 {
		c.missing("adds-unstable-early", SectionAdds, fig, paper, "no tracking")
		return
	}
	c.add("adds-unstable-early", SectionAdds, fig, paper,
		fmt.Sprintf("first tracked epoch with σ₁ > 4 (limit epoch %d): %s", limit, perSize(runs, func(r RunSummary) string { return fmt.Sprint(r.UnstableEpoch) })),
		v, 0, n, true, 0.999)
}
