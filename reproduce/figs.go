package reproduce

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rbmscope/rbmscope/figures"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/study"
	"github.com/rbmscope/rbmscope/symmetry"
)

// figure is one drawn figure with its report text.
type figure struct {
	id, title, caption string
	claim              string // Claim.Figure it belongs to
	png, svg           string
}

// drawFigures draws Figs. 1–8 into DIR/figures from the collected results.
// A figure whose data are missing is skipped and reported as a failure.
func (p *pipeline) drawFigures(sum *Summary) ([]string, error) {
	dir := filepath.Join(p.dir, "figures")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p.figs = nil
	s := p.s
	c := &figSet{p: p, sum: sum, dir: dir, sizes: intsString(s.Hidden), reps: fmt.Sprintf("%d replica(s) per size", s.Replicas),
		train:    fmt.Sprintf("%s-%d, batch %d, %s lr %g, %d epochs", strings.ToUpper(s.Method), s.K, s.Batch, s.Optimizer, s.LR, s.Epochs),
		testRows: "the full test set"}
	if s.TrainLimit > 0 {
		c.train += fmt.Sprintf(" on the first %d training images", s.TrainLimit)
	}
	if s.TestLimit > 0 {
		c.testRows = fmt.Sprintf("the first %d test images", s.TestLimit)
	}
	for _, draw := range []func(){c.llCurves, c.landscapes, c.spectra, c.jsDivergence, c.probe, c.tracking, c.dynamicsFigures} {
		draw()
	}
	return c.files, nil
}

// figSet draws the report's figures into dir; captions share the words
// for the sizes, replicas, training and test rows.
type figSet struct {
	p                            *pipeline
	sum                          *Summary
	dir                          string
	files                        []string
	sizes, reps, train, testRows string
}

// draw draws one figure (a failure is recorded, not returned).
func (c *figSet) draw(id, title, claim, caption string, fn func(base string) ([]string, error)) {
	base := filepath.Join(c.dir, id)
	fs, err := safelyFiles(func() ([]string, error) { return fn(base) })
	if err != nil {
		c.p.fail("figure/"+id, err)
		return
	}
	c.files = append(c.files, fs...)
	c.p.figs = append(c.p.figs, figure{id: id, title: title, caption: caption, claim: claim, png: base + ".png", svg: base + ".svg"})
}

// llCurves draws Fig. 1 left.
func (c *figSet) llCurves() {
	s, sum := c.p.s, c.sum
	sizes, reps, train, testRows := c.sizes, c.reps, c.train, c.testRows
	// Fig. 1 left.
	if series := c.p.llSeries(sum); len(series) > 0 {
		c.draw("fig1_left", "Fig. 1 (left): test log-likelihood vs epochs", "1 left", llCaption(s, testRows, sizes, reps, train),
			func(b string) ([]string, error) {
				return figures.LLCurves(series, figures.LLCurvesOptions{Title: "Test log-likelihood", XLabel: "Epochs", YLabel: "Test log-likelihood (nats)"}, b)
			})
	}
}

// llCaption is Fig. 1 left's caption for the estimators s.LLEstimator draws.
func llCaption(s Settings, testRows, sizes, reps, train string) string {
	var est []string
	if s.LLEstimator != "trajectory" {
		est = append(est, fmt.Sprintf("at the evaluated checkpoints (every %d epochs and the last) AIS (solid, squares; a stochastic upper bound on LL) and reverse AIS from %d test points run %d Gibbs sweeps towards the model (dashed, circles; a lower bound), %d linear betas, %d chains",
			s.EvalEvery, s.AISChains, s.RAISGibbs, s.AISBetas, s.AISChains))
	}
	if s.LLEstimator != "ais" {
		est = append(est, "at every checkpoint the trajectory estimator (dotted, triangles; log Z carried from the base-rate model along the run's checkpoints with eval's trajectory defaults, docs/likelihood.md §Trajectory)")
	}
	return fmt.Sprintf("Mean ± sd over replicas of the test log-likelihood (%s): %s. M = %s, %s, %s.", testRows, strings.Join(est, "; "), sizes, reps, train)
}

// landscapes draws Figs. 1 right, 2, 3 a–e and 5 of the representative run.
func (c *figSet) landscapes() {
	s, sum := c.p.s, c.sum
	testRows := c.testRows
	if ls := sum.landscapes; ls != nil {
		who := fmt.Sprintf("run %s (M = %d, final epoch) and its own initialisation (epoch 0)", ls.ID, ls.Hidden)
		c.draw("fig1_right", "Fig. 1 (right): one generated digit in four landscapes", "1 right, 2",
			fmt.Sprintf("Energy E_k(x, y) of modes %s of %s; black pentagon: (x_k, y_k) of one Gibbs sample (%d sweeps from Bernoulli(½)); magenta star: saddle point. Clockwise from top left.",
				modesString(ls.Trained), who, s.GibbsSteps),
			func(b string) ([]string, error) { return figures.Fig1Right(ls.Trained, b) })
		c.draw("fig2", "Fig. 2: landscapes of an untrained (left) and a trained (right) RBM", "1 right, 2",
			fmt.Sprintf("Contours of E_k for modes %s of %s; coloured dots: %s projected with h ~ p(h|v), coloured by digit; grey hexagons: %d Gibbs chains × %d sweeps; magenta star: saddle.",
				modesString(ls.Trained), who, testRows, s.GibbsChains, s.GibbsSteps),
			func(b string) ([]string, error) { return figures.Fig2(ls.Untrained, ls.Trained, b) })
		c.draw("fig3_mp", "Fig. 3 a–d: singular values of random initialisations vs Marchenko–Pastur", "3 a–d",
			fmt.Sprintf("Normalised histograms (100 bins) of the singular values of %d N(0, %g²) matrices of size 784 × M, M = %s, against the MP density (Eq. 20, q = min(N, M)s²); KS distance in each title.",
				s.MPDraws, s.InitStd, intsString(s.MPSizes)),
			func(b string) ([]string, error) { return figures.Fig3MP(ls.MPPanels, b) })
		c.draw("fig3e", "Fig. 3 e: kurtosis of reciprocal variables vs 1/n", "3 e",
			fmt.Sprintf("Mean ± sd over modes of the kurtosis of x_k for uniform binary states of random N(0, %g²) models, visible size n = %s (closed form; sampled with %d states where shown); blue: linear fit in 1/n extended to 1/n = 0; dashed: 3 (Gaussian).",
				s.InitStd, intsString(s.KurtSizes), s.KurtSamples),
			func(b string) ([]string, error) { return figures.Fig3e(ls.KurtCurves, b) })
		c.draw("fig5", "Fig. 5: PDFs of reciprocal variables for random binary states", "5",
			fmt.Sprintf("Histograms (60 bins) of x_k = U_kᵀv (top) and y_k = V_kᵀh (bottom) for %d uniform Bernoulli(½) states, trained (filled) vs untrained (outline) %s; curves: N(μ_k, ¼) of Eq. 51.",
				s.Fig5Samples, who),
			func(b string) ([]string, error) { return figures.Fig5(ls.Fig5, b) })
	}
}

// spectra draws Fig. 3f: pooled trained spectra per hidden size.
func (c *figSet) spectra() {
	s, sum := c.p.s, c.sum
	sizes, reps, train := c.sizes, c.reps, c.train
	// Fig. 3f: pooled trained spectra per hidden size.
	var spectra []reciprocal.Spectrum
	for _, h := range s.Hidden {
		if sp := sum.spectra[h]; len(sp) > 0 {
			spectra = append(spectra, reciprocal.SpectrumHistogram(fmt.Sprintf("M = %d", h), sp, 40, 41))
		}
	}
	for _, m := range s.ExtraMethods() {
		if sp := sum.methodSp[m]; len(sp) > 0 {
			spectra = append(spectra, reciprocal.SpectrumHistogram(fmt.Sprintf("M = %d, %s-%d", s.MethodsHidden, strings.ToUpper(m), s.K), sp, 40, 41))
		}
	}
	if len(spectra) > 0 {
		c.draw("fig3f", "Fig. 3 f: singular values of trained RBMs", "3 f",
			fmt.Sprintf("Normalised histograms (40 bins on [0, 41], log y) of the singular values of the final W, pooled over the replicas of each hidden size M = %s (%s, %s).", sizes, reps, train),
			func(b string) ([]string, error) { return figures.Fig3f(spectra, b) })
	}
}

// jsDivergence draws Fig. 4.
func (c *figSet) jsDivergence() {
	s, sum := c.p.s, c.sum
	ids := sortedIDs(sum)
	// Fig. 4.
	var jss []*symmetry.JSResult
	var pdf *symmetry.JSResult
	baseline := math.NaN()
	for _, id := range ids {
		if js := sum.js[id]; js != nil {
			jss = append(jss, js)
			e := sum.runs[id]
			if e.Replica == 0 && (pdf == nil || js.M > pdf.M) {
				pdf = js
			}
			if math.IsNaN(baseline) || e.Config.Hidden == 500 {
				baseline = js.BaselineMean
			}
		}
	}
	if len(jss) > 0 {
		c.draw("fig4", "Fig. 4: Jensen–Shannon divergence of rotated weights vs 1/M", "4",
			fmt.Sprintf("Left: JS divergence (%d bins) between the entries of the final W and of W′ = (UR)Σ(VR′)ᵀ after ⌊0.1N⌋ and ⌊0.1M⌋ random plane rotations, mean ± sd over replicas (%d draws each), vs 1/M; dashed: the same for an untrained N(0, %g²) matrix. Right: PDFs of the entries of W and W′ for M = %d (replica 0).",
				s.JSBins, s.JSDraws, s.InitStd, pdf.M),
			func(b string) ([]string, error) { return figures.Fig4(symmetry.AggregateJS(jss), baseline, pdf, b) })
	}
}

// probe draws Fig. 6.
func (c *figSet) probe() {
	s, sum := c.p.s, c.sum
	// Fig. 6.
	if pd := sum.probe; pd != nil {
		c.draw("fig6", "Fig. 6: hierarchical probe", "6",
			fmt.Sprintf("Run %s (M = %d, epoch %d): %d Gibbs samples after %d sweeps (left), resampled v with modes 1–2 rotated by π (centre), and with 10 random π rotations keeping modes 1–5 fixed (right), same random numbers.",
				pd.ID, pd.Hidden, pd.Epoch, min(100, s.ProbeChains), s.ProbeSteps),
			func(b string) ([]string, error) { return figures.Fig6(pd.Probe, b) })
	}
}

// tracking draws Figs. 7 and 8: the largest size alone, then up to three others.
func (c *figSet) tracking() {
	s, sum := c.p.s, c.sum
	testRows := c.testRows
	ids := sortedIDs(sum)
	// Figs. 7 and 8: the largest size alone, then up to three others.
	var r0 []string
	for _, id := range ids {
		if sum.runs[id].Replica == 0 && sum.tracks[id] != nil {
			r0 = append(r0, id)
		}
	}
	if len(r0) > 0 {
		sort.Slice(r0, func(i, j int) bool { return sum.runs[r0[i]].Config.Hidden < sum.runs[r0[j]].Config.Hidden })
		big := r0[len(r0)-1]
		tracking := fmt.Sprintf("mode 1 in (u₁, w₁) around the saddle, every %d epochs; Gibbs %d chains × %d sweeps; test data: %s with h ~ p(h|v); gauge sign(μ_w,1)", s.TrackEvery, s.GibbsChains, s.GibbsSteps, testRows)
		c.draw("fig7", fmt.Sprintf("Fig. 7: leading-mode landscape vs epoch, M = %d", sum.runs[big].Config.Hidden), "7, 8",
			fmt.Sprintf("Run %s: u₁ (left) and w₁ (right) vs epoch; dashed black: saddle (0); orange: constraint minimum μ (Eq. 28); green: test data mean ± sd; purple: Gibbs samples mean ± sd. %s.", big, tracking),
			func(b string) ([]string, error) { return figures.Fig7(sum.tracks[big], b) })
		rest := r0[:len(r0)-1]
		if len(rest) > 3 {
			rest = rest[len(rest)-3:]
		}
		if len(rest) > 0 {
			var trs []*symmetry.Tracking
			var ms []int
			for _, id := range rest {
				trs, ms = append(trs, sum.tracks[id]), append(ms, sum.runs[id].Config.Hidden)
			}
			c.draw("fig8", fmt.Sprintf("Fig. 8: leading-mode landscape vs epoch, M = %s", intsString(ms)), "7, 8",
				fmt.Sprintf("As Fig. 7 for replica 0 of M = %s (left to right): u₁ (top) and w₁ (bottom) vs epoch. %s.", intsString(ms), tracking),
				func(b string) ([]string, error) { return figures.Fig8(trs, b) })
		}
	}
}

func safelyFiles(fn func() ([]string, error)) (fs []string, err error) {
	err = safely(func() error {
		var e error
		fs, e = fn()
		return e
	})
	return fs, err
}

func sortedIDs(sum *Summary) []string {
	var ids []string
	for id := range sum.runs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := sum.runs[ids[i]], sum.runs[ids[j]]
		return a.Config.Hidden < b.Config.Hidden || a.Config.Hidden == b.Config.Hidden && a.Replica < b.Replica
	})
	return ids
}

func intsString(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ", ")
}

func modesString(ls *reciprocal.Landscape) string {
	if ls == nil {
		return ""
	}
	var ks []int
	for _, m := range ls.Modes {
		ks = append(ks, m.Mode)
	}
	return intsString(ks)
}

// llSeries builds Fig. 1 left's series from the per-run evaluations: AIS
// and reverse AIS at the evaluated epochs and, where it ran, the
// trajectory estimate at every checkpoint.
func (p *pipeline) llSeries(sum *Summary) []figures.LLSeries {
	var out []figures.LLSeries
	for _, h := range p.s.Hidden {
		var ids []string
		for _, id := range sortedIDs(sum) {
			if sum.runs[id].Config.Hidden == h && p.mainRun(sum.runs[id]) {
				ids = append(ids, id)
			}
		}
		s := figures.LLSeries{Hidden: h}
		s.Epochs, s.AIS, s.RAIS = p.aisSeries(ids)
		s.TrajEpochs, s.Traj = p.trajSeries(ids)
		if len(s.AIS) > 0 || len(s.Traj) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// aisSeries reads results/eval/<id>.json of the runs ids: the union of
// their epochs and, per run with a file, the AIS and reverse-AIS LL there
// (NaN where missing).
func (p *pipeline) aisSeries(ids []string) (epochs []float64, ais, rais [][]float64) {
	per := map[string]map[int]EvalPoint{}
	for _, id := range ids {
		var pts []EvalPoint
		if readJSONFile(p.res("eval", id+".json"), &pts) != nil || len(pts) == 0 {
			continue
		}
		per[id] = map[int]EvalPoint{}
		for _, pt := range pts {
			per[id][pt.Epoch] = pt
		}
	}
	es := unionEpochs(per)
	for _, id := range ids {
		m, ok := per[id]
		if !ok {
			continue
		}
		a, r := make([]float64, len(es)), make([]float64, len(es))
		for i, e := range es {
			a[i], r[i] = math.NaN(), math.NaN()
			if pt, ok := m[e]; ok {
				a[i], r[i] = nullable(pt.LL.LLAIS), nullable(pt.LL.LLRAIS)
			}
		}
		ais, rais = append(ais, a), append(rais, r)
	}
	return floats(es), ais, rais
}

// trajSeries reads results/eval/<id>.traj.json of the runs ids: the union
// of their epochs and the trajectory LL per run with a file.
func (p *pipeline) trajSeries(ids []string) (epochs []float64, traj [][]float64) {
	per := map[string]map[int]float64{}
	for _, id := range ids {
		var pts []study.TrajectoryPoint
		if readJSONFile(p.res("eval", id+".traj.json"), &pts) != nil || len(pts) == 0 {
			continue
		}
		per[id] = map[int]float64{}
		for _, pt := range pts {
			per[id][pt.Epoch] = nullable(pt.LL)
		}
	}
	es := unionEpochs(per)
	for _, id := range ids {
		m, ok := per[id]
		if !ok {
			continue
		}
		row := make([]float64, len(es))
		for i, e := range es {
			row[i] = math.NaN()
			if v, ok := m[e]; ok {
				row[i] = v
			}
		}
		traj = append(traj, row)
	}
	return floats(es), traj
}

// unionEpochs is the sorted union of the epochs of per's runs.
func unionEpochs[V any](per map[string]map[int]V) []int {
	set := map[int]bool{}
	for _, m := range per {
		for e := range m {
			set[e] = true
		}
	}
	var out []int
	for e := range set {
		out = append(out, e)
	}
	sort.Ints(out)
	return out
}

func floats(xs []int) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

// nullable maps the zero that a JSON null decodes to back to NaN (a
// log-likelihood of exactly 0 cannot occur for binary images).
func nullable(x float64) float64 {
	if x == 0 {
		return math.NaN()
	}
	return x
}

func f3(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return fmt.Sprintf("%.3g", x)
}

func pm(v [2]float64, prec int) string {
	if math.IsNaN(v[0]) {
		return "–"
	}
	return fmt.Sprintf("%.*f ± %.*f", prec, v[0], prec, v[1])
}

func epochsString(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		if x < 0 {
			parts[i] = "never"
		} else {
			parts[i] = fmt.Sprint(x)
		}
	}
	return strings.Join(parts, ", ")
}

// writeReport assembles report.html from the drawn figures and the summary.
func (p *pipeline) writeReport(sum *Summary, _ []string) error {
	s := p.s
	r := &figures.Report{
		Title: "Exploring the energy landscape of RBMs — reproduction",
		Subtitle: fmt.Sprintf("rbmscope reproduce --preset %s: %d training runs (hidden sizes %s × %d replicas); report written %s.",
			s.Preset, len(p.plan.Entries), intsString(s.Hidden), s.Replicas, time.Now().UTC().Format("2006-01-02 15:04 UTC")),
	}
	for _, line := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		r.Settings = append(r.Settings, [2]string{k, strings.TrimSpace(v)})
	}
	claimOf := map[string][]Claim{}
	for _, c := range sum.Claims {
		// rbmscope's additions join a figure's box only on their own figures.
		if c.Section == SectionPaper || strings.HasPrefix(c.Figure, "rbmscope adds") {
			claimOf[c.Figure] = append(claimOf[c.Figure], c)
		}
	}
	for _, f := range p.figs {
		rf := figures.ReportFigure{ID: f.id, Title: f.title, Image: f.png, SVG: f.svg, Caption: f.caption}
		if cs := claimOf[f.claim]; len(cs) > 0 {
			rf.Paper, rf.Shows, rf.Holds = joinClaims(cs)
		}
		r.Figures = append(r.Figures, rf)
	}
	r.Tables = append(r.Tables, claimsTable(sum.Claims))
	// Tables.
	ll := figures.ReportTable{ID: "table-ll", Title: "Test log-likelihood of the final models (nats, mean ± sd over replicas)",
		Header: []string{"M", "runs", "LL AIS (upper)", "LL RAIS (lower)"},
		Note: fmt.Sprintf("AIS with %d %s betas and %d chains; reverse AIS from %d test points after %d Gibbs sweeps. All checkpoints: results/ll.csv.",
			s.AISBetas, s.AISSchedule, s.AISChains, s.AISChains, s.RAISGibbs)}
	spec := figures.ReportTable{ID: "table-spectrum", Title: "Spectrum: σ₁, unstable modes (σ > 4), Marchenko–Pastur KS distance",
		Header: []string{"M", "σ₁ trained", "σ₁ min", "σ₁ untrained", "unstable modes trained", "unstable untrained", "KS(MP) trained", "KS(MP) untrained", "empty σ bins"}}
	js := figures.ReportTable{ID: "table-js", Title: "Jensen–Shannon divergence of rotated weights",
		Header: []string{"M", "JS trained", "JS untrained", "ratio trained/untrained"}}
	sym := figures.ReportTable{ID: "table-symmetry", Title: "Symmetry breaking of the leading mode (per replica)",
		Header: []string{"M", "symmetry-breaking epoch", "first epoch with σ₁ > 4"},
		Note:   "Symmetry-breaking epoch: first checkpoint whose empirical free energy −log p(u₁) of the Gibbs samples has two wells with a barrier ≥ 0.1 nats (never: no such checkpoint)."}
	untr := map[int][]float64{}
	untrU := map[int][]float64{}
	untrKS := map[int][]float64{}
	for _, rs := range sum.Runs {
		if rs.Status == "done" {
			untr[rs.Hidden] = append(untr[rs.Hidden], rs.Sigma1Untrained)
			untrU[rs.Hidden] = append(untrU[rs.Hidden], float64(rs.NUnstableUntrained))
			untrKS[rs.Hidden] = append(untrKS[rs.Hidden], rs.KSUntrained)
		}
	}
	for _, sz := range sum.Sizes {
		m := fmt.Sprint(sz.Hidden)
		ll.Rows = append(ll.Rows, []string{m, fmt.Sprint(sz.Runs), pm(sz.LLAIS, 2), pm(sz.LLRAIS, 2)})
		gaps := "none"
		if len(sz.Gaps) > 0 {
			var g []string
			for _, x := range sz.Gaps {
				g = append(g, fmt.Sprintf("%.1f–%.1f", x[0], x[1]))
			}
			gaps = strings.Join(g, ", ")
		}
		spec.Rows = append(spec.Rows, []string{m, pm(sz.Sigma1, 2), f3(sz.Sigma1Min), pm(meanSD(untr[sz.Hidden]), 3), pm(sz.NUnstable, 1),
			pm(meanSD(untrU[sz.Hidden]), 1), pm(sz.KSModel, 3), pm(meanSD(untrKS[sz.Hidden]), 3), gaps})
		js.Rows = append(js.Rows, []string{m, fmt.Sprintf("%.3g ± %.2g", sz.JS[0], sz.JS[1]), f3(sz.JSBaseline), pm(sz.JSRatio, 1)})
		sym.Rows = append(sym.Rows, []string{m, epochsString(sz.Breaking), epochsString(sz.Unstable)})
	}
	r.Tables = append(r.Tables, ll, spec, js, sym)
	if l := sum.Landscape; l != nil {
		t := figures.ReportTable{ID: "table-gauss", Title: fmt.Sprintf("Gaussianity and Marchenko–Pastur (representative run %s)", l.ID),
			Header: []string{"quantity", "value"}}
		for i, k := range l.MPKS {
			t.Rows = append(t.Rows, []string{fmt.Sprintf("KS distance, random 784 × %d vs MP", l.MPSizes[i]), fmt.Sprintf("%.4f", k)})
		}
		t.Rows = append(t.Rows,
			[]string{"kurtosis fit intercept (1/n → 0), closed form", fmt.Sprintf("%.4f", l.KurtIntercept)},
			[]string{"kurtosis fit slope", fmt.Sprintf("%.3f", l.KurtSlope)},
			[]string{"kurtosis fit intercept, sampled", f3(l.KurtSampledInt)},
			[]string{"sd of x₁ for random states: untrained / trained / Eq. 51", fmt.Sprintf("%.3f / %.3f / %.3f", l.Fig5SdInit, l.Fig5SdTrained, l.Fig5SdTheory)},
			[]string{"mean distance of test data from the mode-1 saddle: untrained / trained", fmt.Sprintf("%.2f / %.2f", l.DataDistInit, l.DataDistTrained)})
		r.Tables = append(r.Tables, t)
	}
	if pr := sum.Probe; pr != nil {
		r.Tables = append(r.Tables, figures.ReportTable{ID: "table-probe", Title: fmt.Sprintf("Hierarchical probe (run %s)", pr.ID),
			Header: []string{"panel", "mean Hamming distance (pixels)", "spread (participation ratio)"},
			Rows: [][]string{{"modes 1–2 rotated by π", fmt.Sprintf("%.1f", pr.TopTwo), fmt.Sprintf("%.2f", pr.TopTwoSpread)},
				{fmt.Sprintf("10 random π rotations, modes 1–5 fixed (mean of %d draws)", pr.RandomDraws), fmt.Sprintf("%.1f", pr.RandomPi), fmt.Sprintf("%.2f", pr.RandomSpread)},
				{"independent resample (noise scale)", fmt.Sprintf("%.1f", pr.Reference), ""}},
			Note: "Hamming distance between samples drawn with the same random numbers before and after the rotation."})
	}
	runs := figures.ReportTable{ID: "table-runs", Title: "Training runs", Header: []string{"run", "status", "train seconds", "LL AIS", "LL RAIS", "σ₁", "unstable modes"}}
	for _, rs := range sum.Runs {
		st := rs.Status
		if rs.Error != "" {
			st += ": " + rs.Error
		}
		runs.Rows = append(runs.Rows, []string{rs.ID, st, fmt.Sprintf("%.0f", rs.TrainSeconds), f3(rs.LLAIS), f3(rs.LLRAIS), f3(rs.Sigma1), fmt.Sprint(rs.NUnstable)})
	}
	r.Tables = append(r.Tables, runs)
	for _, f := range p.failures {
		r.Notes = append(r.Notes, f.Step+": "+f.Error)
	}
	return figures.WriteReport(filepath.Join(p.dir, "report.html"), r)
}

// joinClaims merges the claims of one figure into the report's lines: the
// figure's claim holds when every one of them holds.
func joinClaims(cs []Claim) (paper, shows string, holds *bool) {
	var ps, ss []string
	for _, c := range cs {
		ps = append(ps, c.Paper)
		ss = append(ss, fmt.Sprintf("%s [%s]", c.Shows, c.Verdict))
		if c.Holds != nil {
			h := *c.Holds && (holds == nil || *holds)
			holds = &h
		}
	}
	return strings.Join(ps, "; "), strings.Join(ss, "; "), holds
}

// claimsTable lists every claim with its value, margin and verdict.
func claimsTable(cs []Claim) figures.ReportTable {
	t := figures.ReportTable{ID: "table-claims", Title: "Claims: value ± margin and verdict (docs/reproduce.md §Claims says how each is decided)",
		Header: []string{"figure", "section", "claim", "value", "margin", "verdict", "rule"}}
	for _, c := range cs {
		t.Rows = append(t.Rows, []string{c.Figure, c.Section, c.Paper, f3(c.Value), f3(c.Margin), c.Verdict, c.Rule})
	}
	return t
}
