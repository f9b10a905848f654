package reproduce

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/rbmscope/rbmscope/internal/stats"
)

// Claim sections: what the paper states, and checks rbmscope adds.
const (
	SectionPaper = "paper"
	SectionAdds  = "rbmscope adds"
)

// Verdicts of a claim. A claim "holds" only when it holds beyond its
// margin, "fails" when its opposite holds beyond the margin, and is
// "inconclusive" when the margin straddles the threshold.
const (
	VerdictHolds        = "holds"
	VerdictFails        = "fails"
	VerdictInconclusive = "inconclusive"
	VerdictNotMeasured  = "not measured"
)

// Claim is one "what the paper claims / what this run shows" check with
// the number behind it and its uncertainty (docs/reproduce.md §Claims).
type Claim struct {
	ID      string  `json:"id"`      // stable name, e.g. "fig5-ks"
	Section string  `json:"section"` // SectionPaper or SectionAdds
	Figure  string  `json:"figure"`
	Paper   string  `json:"paper"`
	Shows   string  `json:"shows"`
	Holds   *bool   `json:"holds"` // nil: not measured; false: fails or inconclusive
	Verdict string  `json:"verdict"`
	Value   float64 `json:"value"`
	Margin  float64 `json:"margin"`
	Rule    string  `json:"rule"` // how Verdict follows from Value and Margin
	N       int     `json:"n"`    // replicas (runs, images, samples) behind Value
}

// claimer computes the claims of one summary.
type claimer struct {
	s   *Summary
	out []Claim
}

// claims compares what the paper states with what the numbers of this run
// show, each with a margin, then the checks rbmscope adds.
func claims(s *Summary) []Claim {
	c := &claimer{s: s}
	for _, f := range []func(){c.sandwich, c.llTraining, c.saddle, c.saddleUntrained, c.mp, c.kurtosis, c.spectrum, c.js,
		c.fig5KS, c.fig5Kurt, c.probeHamming, c.probeSpread, c.probeResample,
		c.doubleWell, c.oppositeSide, c.wFlat, c.towardData, c.saddleAtMN, c.llWithM, c.unstableEarly, c.dynamics} {
		f()
	}
	return c.out
}

// add records a claim; rule says how value and margin decide it:
// above: holds when value − margin > thr, fails when value + margin < thr;
// otherwise (below): holds when value + margin < thr, fails when value − margin > thr.
func (c *claimer) add(id, section, fig, paper, shows string, value, margin float64, n int, above bool, thr float64) {
	cl := Claim{ID: id, Section: section, Figure: fig, Paper: paper, Shows: shows, Value: value, Margin: margin, N: n}
	if above {
		cl.Rule = fmt.Sprintf("holds if value − margin > %g; fails if value + margin < %g", thr, thr)
	} else {
		cl.Rule = fmt.Sprintf("holds if value + margin < %g; fails if value − margin > %g", thr, thr)
	}
	lo, hi := value-margin, value+margin
	switch {
	case math.IsNaN(value) || math.IsNaN(margin) || n == 0:
		cl.Verdict = VerdictNotMeasured
		if n > 0 {
			cl.Verdict = VerdictInconclusive // e.g. one replica: no spread
		}
	case above && lo > thr, !above && hi < thr:
		cl.Verdict = VerdictHolds
	case above && hi < thr, !above && lo > thr:
		cl.Verdict = VerdictFails
	default:
		cl.Verdict = VerdictInconclusive
	}
	if cl.Verdict != VerdictNotMeasured {
		cl.Holds = ptr(cl.Verdict == VerdictHolds)
	}
	c.out = append(c.out, cl)
}

// missing records a claim that could not be measured.
func (c *claimer) missing(id, section, fig, paper, why string) {
	c.out = append(c.out, Claim{ID: id, Section: section, Figure: fig, Paper: paper, Shows: why, Verdict: VerdictNotMeasured,
		Value: math.NaN(), Margin: math.NaN()})
}

func ptr(b bool) *bool { return &b }

// mean2SE is the mean of the finite xs and twice its standard error
// (sample sd/√n; NaN for fewer than two values).
// overRuns records the paper claim id whose value is the mean of x over
// runs with a margin of two standard errors (mean2SE), or, when x has no
// finite value, records it as not measured because of none. shows words
// the reading from the value, its margin and the number of runs.
func (c *claimer) overRuns(id, fig, paper string, x []float64, none string, above bool, thr float64, shows func(v, m float64, n int) string) {
	v, m, n := mean2SE(x)
	if n == 0 {
		c.missing(id, SectionPaper, fig, paper, none)
		return
	}
	c.add(id, SectionPaper, fig, paper, shows(v, m, n), v, m, n, above, thr)
}

func mean2SE(xs []float64) (mean, margin float64, n int) {
	xs = stats.Finite(xs)
	if len(xs) == 0 {
		return math.NaN(), math.NaN(), 0
	}
	m, sd := stats.MeanSD(xs, 1)
	if len(xs) < 2 {
		return m, math.NaN(), 1
	}
	return m, 2 * sd / math.Sqrt(float64(len(xs))), len(xs)
}

// fraction2SE is the fraction of true outcomes and the margin 2√(¼/n),
// twice the standard error of a fraction at p = ½: value − margin > ½ is
// then a one-sided sign test at about the 2.5% level.
func fraction2SE(ok []bool) (frac, margin float64, n int) {
	if len(ok) == 0 {
		return math.NaN(), math.NaN(), 0
	}
	k := 0
	for _, b := range ok {
		if b {
			k++
		}
	}
	return float64(k) / float64(len(ok)), 2 * math.Sqrt(0.25/float64(len(ok))), len(ok)
}

// slope2SE is the least-squares slope of y on x and twice its standard
// error sqrt(Σr²/(n−2) / Σ(x−x̄)²) (NaN margin for fewer than 3 points).
func slope2SE(x, y []float64) (slope, margin float64, n int) {
	var xs, ys []float64
	for i := range x {
		if !math.IsNaN(x[i]) && !math.IsNaN(y[i]) {
			xs, ys = append(xs, x[i]), append(ys, y[i])
		}
	}
	n = len(xs)
	if n < 2 {
		return math.NaN(), math.NaN(), n
	}
	mx, _ := stats.MeanSD(xs, 0)
	my, _ := stats.MeanSD(ys, 0)
	var sxx, sxy float64
	for i := range xs {
		sxx += (xs[i] - mx) * (xs[i] - mx)
		sxy += (xs[i] - mx) * (ys[i] - my)
	}
	if sxx == 0 {
		return math.NaN(), math.NaN(), n
	}
	slope = sxy / sxx
	if n < 3 {
		return slope, math.NaN(), n
	}
	var rss float64
	for i := range xs {
		r := ys[i] - my - slope*(xs[i]-mx)
		rss += r * r
	}
	return slope, 2 * math.Sqrt(rss/float64(n-2)/sxx), n
}

// mainRuns are the finished runs of the main method (the grid), by size then replica.
func (c *claimer) mainRuns() []RunSummary {
	var out []RunSummary
	for _, r := range c.s.Runs {
		if r.Status == "done" && r.Method == c.s.Settings.Method {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Hidden < out[j].Hidden })
	return out
}

// perSize formats f(run) per hidden size as "M=100: a, b; M=200: …".
func perSize(runs []RunSummary, f func(RunSummary) string) string {
	var parts []string
	last := -1
	for _, r := range runs {
		if r.Hidden != last {
			parts = append(parts, fmt.Sprintf("M=%d: %s", r.Hidden, f(r)))
			last = r.Hidden
		} else {
			parts[len(parts)-1] += ", " + f(r)
		}
	}
	return strings.Join(parts, "; ")
}

// modeShapesOf returns the stored shape statistics of a run.
func (c *claimer) shapes(id string) []ModeShape { return c.s.shapes[id] }
