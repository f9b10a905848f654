package reproduce

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"os"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/stat"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/stats"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/study"
	"github.com/rbmscope/rbmscope/sweep"
	"github.com/rbmscope/rbmscope/symmetry"
)

// RunSummary holds the key numbers of one training run (NaN / −1 where a
// step did not run).
type RunSummary struct {
	ID                 string  `json:"id"`
	Hidden             int     `json:"hidden"`
	Replica            int     `json:"replica"`
	Method             string  `json:"method"`
	Status             string  `json:"status"` // done or failed
	Error              string  `json:"error,omitempty"`
	TrainSeconds       float64 `json:"train_seconds"`
	Epochs             int     `json:"epochs"`
	LLAIS              float64 `json:"ll_ais"` // final checkpoint
	LLAISErr           float64 `json:"ll_ais_err"`
	LLRAIS             float64 `json:"ll_rais"`
	LLRAISErr          float64 `json:"ll_rais_err"`
	Sigma1             float64 `json:"sigma1"`
	Sigma1Untrained    float64 `json:"sigma1_untrained"`
	NUnstable          int     `json:"n_unstable"`
	NUnstableUntrained int     `json:"n_unstable_untrained"`
	KSModel            float64 `json:"mp_ks_trained"`
	KSUntrained        float64 `json:"mp_ks_untrained"`
	JS                 float64 `json:"js_mean"`
	JSSD               float64 `json:"js_sd"`
	JSBaseline         float64 `json:"js_untrained"`
	JSRatio            float64 `json:"js_ratio"`
	BreakingEpoch      int     `json:"symmetry_breaking_epoch"`
	UnstableEpoch      int     `json:"unstable_epoch"`
	C2NegativeEpoch    int     `json:"c2_negative_epoch"`
}

// SizeSummary is mean ± sd over the replicas of one hidden size.
type SizeSummary struct {
	Hidden     int          `json:"hidden"`
	Runs       int          `json:"runs"`
	LLAIS      [2]float64   `json:"ll_ais"` // mean, sd
	LLRAIS     [2]float64   `json:"ll_rais"`
	Sigma1     [2]float64   `json:"sigma1"`
	Sigma1Min  float64      `json:"sigma1_min"`
	NUnstable  [2]float64   `json:"n_unstable"`
	KSModel    [2]float64   `json:"mp_ks_trained"`
	JS         [2]float64   `json:"js"`
	JSBaseline float64      `json:"js_untrained"`
	JSRatio    [2]float64   `json:"js_ratio"`
	Breaking   []int        `json:"symmetry_breaking_epochs"`
	Unstable   []int        `json:"unstable_epochs"`
	Gaps       [][2]float64 `json:"sigma_gaps"` // empty-bin intervals of the pooled trained spectrum
}

// LLPoint is one row of results/ll.csv: a checkpoint's LL, mean ± sd over replicas.
type LLPoint struct {
	Hidden   int        `json:"hidden"`
	Epoch    int        `json:"epoch"`
	Replicas int        `json:"replicas"`
	AIS      [2]float64 `json:"ll_ais"`
	RAIS     [2]float64 `json:"ll_rais"`
}

// Summary is results/summary.json: the numbers behind every figure.
type Summary struct {
	Settings Settings      `json:"settings"`
	Runs     []RunSummary  `json:"runs"`
	Sizes    []SizeSummary `json:"sizes"`
	LL       []LLPoint     `json:"ll"`
	// Representative run (Figs. 1 right, 2, 3a–e, 5).
	Landscape *LandscapeNumbers `json:"landscape,omitempty"`
	Probe     *ProbeNumbers     `json:"probe,omitempty"`
	Dynamics  *DynamicsNumbers  `json:"dynamics,omitempty"` // rbmscope adds (docs/dynamics.md)
	Claims    []Claim           `json:"claims"`
	Failures  []Failure         `json:"failures"`
	Seconds   float64           `json:"seconds"`

	landscapes *Landscapes
	probe      *ProbeData
	dyn        *DynamicsData
	tracks     map[string]*symmetry.Tracking
	js         map[string]*symmetry.JSResult
	runs       map[string]sweep.Entry
	spectra    map[int][]float64    // main method, per hidden size
	methodSp   map[string][]float64 // other methods of Fig. 3f
	evals      map[string][]EvalPoint
	probes     []*ProbeData // Fig. 6's run first, then the other replicas of its size
	shapes     map[string][]ModeShape
}

// LandscapeNumbers are the headline numbers of the representative analysis.
type LandscapeNumbers struct {
	ID              string    `json:"id"`
	Hidden          int       `json:"hidden"`
	MPKS            []float64 `json:"mp_ks"` // per Fig. 3a–d panel
	MPSizes         []int     `json:"mp_sizes"`
	KurtIntercept   float64   `json:"kurtosis_intercept"`
	KurtSlope       float64   `json:"kurtosis_slope"`
	KurtSampledInt  float64   `json:"kurtosis_sampled_intercept"`
	DataDistTrained float64   `json:"data_saddle_distance_trained"` // mean |(u₁,w₁)| of test data
	DataDistInit    float64   `json:"data_saddle_distance_untrained"`
	Fig5SdTrained   float64   `json:"fig5_x1_sd_trained"`
	Fig5SdInit      float64   `json:"fig5_x1_sd_untrained"`
	Fig5SdTheory    float64   `json:"fig5_sd_eq51"`
}

// ProbeNumbers are the Hamming distances of Fig. 6.
type ProbeNumbers struct {
	ID           string  `json:"id"`
	Hidden       int     `json:"hidden"`
	TopTwo       float64 `json:"hamming_top_two"`
	RandomPi     float64 `json:"hamming_random_pi"` // mean over the random rotations (as the spread)
	RandomDraws  int     `json:"random_draws"`
	Reference    float64 `json:"hamming_resample"`
	TopTwoSpread float64 `json:"spread_top_two"`
	RandomSpread float64 `json:"spread_random_pi"`
}

// meanSD is the mean and sample sd of the finite values of xs.
func meanSD(xs []float64) [2]float64 {
	m, sd := stats.MeanSD(stats.Finite(xs), 1)
	return [2]float64{m, sd}
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// collect reads every result file back and computes the summary.
func (p *pipeline) collect(done []sweep.Entry) (*Summary, error) {
	sum := &Summary{Settings: p.s, tracks: map[string]*symmetry.Tracking{}, js: map[string]*symmetry.JSResult{},
		runs: map[string]sweep.Entry{}, spectra: map[int][]float64{},
		methodSp: map[string][]float64{}, evals: map[string][]EvalPoint{}, shapes: map[string][]ModeShape{}}
	isDone := map[string]bool{}
	for _, e := range done {
		isDone[e.ID] = true
	}
	ll := llSeries{ais: map[llKey][]float64{}, rais: map[llKey][]float64{}}
	for _, e := range p.plan.Entries {
		sum.Runs = append(sum.Runs, p.runSummary(e, isDone[e.ID], sum, ll))
	}
	for _, h := range p.s.Hidden {
		sum.Sizes = append(sum.Sizes, sizeSummary(h, sum))
	}
	for k, v := range ll.ais {
		sum.LL = append(sum.LL, LLPoint{Hidden: k.h, Epoch: k.ep, Replicas: len(v), AIS: meanSD(v), RAIS: meanSD(ll.rais[k])})
	}
	sort.Slice(sum.LL, func(i, j int) bool {
		a, b := sum.LL[i], sum.LL[j]
		return a.Hidden < b.Hidden || a.Hidden == b.Hidden && a.Epoch < b.Epoch
	})
	p.collectGlobal(sum)
	sum.Claims = claims(sum)
	if err := p.writeTables(sum); err != nil {
		return sum, err
	}
	return sum, nil
}

// llKey and llSeries gather the evaluated log-likelihoods per hidden size
// and epoch over the replicas.
type llKey struct{ h, ep int }

type llSeries struct{ ais, rais map[llKey][]float64 }

// runSummary reads back every result of one run (and adds its LL points
// to ll and its trained spectrum, tracking and JS study to sum).
func (p *pipeline) runSummary(e sweep.Entry, isDone bool, sum *Summary, ll llSeries) RunSummary {
	nan := math.NaN()
	rs := RunSummary{ID: e.ID, Hidden: e.Config.Hidden, Replica: e.Replica, Method: e.Config.Method, Status: "done", LLAIS: nan, LLAISErr: nan, LLRAIS: nan,
		LLRAISErr: nan, Sigma1: nan, Sigma1Untrained: nan, NUnstable: -1, NUnstableUntrained: -1, KSModel: nan, KSUntrained: nan,
		JS: nan, JSSD: nan, JSBaseline: nan, JSRatio: nan, BreakingEpoch: -1, UnstableEpoch: -1, C2NegativeEpoch: -1}
	dir := p.plan.RunDir(e)
	if !isDone {
		rs.Status = "failed"
		if f, err := sweep.ReadFailed(dir); err == nil {
			rs.Error = f.Error
		} else {
			rs.Status, rs.Error = "not run", "training did not finish"
		}
		return rs
	}
	sum.runs[e.ID] = e
	if d, err := sweep.ReadDone(dir); err == nil {
		rs.TrainSeconds, rs.Epochs = d.TrainSeconds, d.Epochs
	}
	var pts []EvalPoint
	if readJSONFile(p.res("eval", e.ID+".json"), &pts) == nil {
		sum.evals[e.ID] = pts
		for _, pt := range pts {
			k := llKey{e.Config.Hidden, pt.Epoch}
			ll.ais[k] = append(ll.ais[k], nullable(pt.LL.LLAIS))
			ll.rais[k] = append(ll.rais[k], nullable(pt.LL.LLRAIS))
		}
	}
	// LL values may be null (NaN) in JSON; take them from metrics.csv instead.
	if ms, err := readLL(dir); err == nil && len(ms) > 0 {
		last := ms[len(ms)-1]
		rs.LLAIS, rs.LLAISErr, rs.LLRAIS, rs.LLRAISErr = last[1], last[2], last[3], last[4]
	}
	var ra struct {
		Trained, Untrained *study.Reciprocal
		Shape              []ModeShape
	}
	if readJSONFile(p.res("analysis", e.ID+".json"), &ra) == nil && ra.Trained != nil && ra.Untrained != nil {
		sum.shapes[e.ID] = ra.Shape
		rs.Sigma1, rs.Sigma1Untrained = ra.Trained.Sigma1, ra.Untrained.Sigma1
		rs.NUnstable, rs.NUnstableUntrained = ra.Trained.NUnstable, ra.Untrained.NUnstable
		rs.KSModel, rs.KSUntrained = ra.Trained.MP.KSModel, ra.Untrained.MP.KSModel
		if p.mainRun(e) {
			sum.spectra[e.Config.Hidden] = append(sum.spectra[e.Config.Hidden], ra.Trained.Sigma...)
		} else {
			sum.methodSp[e.Config.Method] = append(sum.methodSp[e.Config.Method], ra.Trained.Sigma...)
		}
	}
	var tr symmetry.Tracking
	if readGob(p.res("tracking", e.ID+".gob"), &tr) == nil {
		sum.tracks[e.ID] = &tr
		rs.BreakingEpoch, rs.UnstableEpoch = tr.SymmetryBreakingEpoch, tr.UnstableEpoch
		if v, ok := tr.C2NegativeEpoch["constraint/cramer"]; ok {
			rs.C2NegativeEpoch = v
		}
	}
	var js symmetry.JSResult
	if readGob(p.res("js", e.ID+".gob"), &js) == nil {
		sum.js[e.ID] = &js
		rs.JS, rs.JSSD, rs.JSBaseline = js.Mean, js.SD, js.BaselineMean
		if js.BaselineMean > 0 {
			rs.JSRatio = js.Mean / js.BaselineMean
		}
	}
	return rs
}

// sizeSummary is the mean and spread over the done replicas of size h.
func sizeSummary(h int, sum *Summary) SizeSummary {
	method := sum.Settings.Method
	nan := math.NaN()
	ss := SizeSummary{Hidden: h, Sigma1Min: nan, Breaking: []int{}, Unstable: []int{}, Gaps: [][2]float64{}}
	var ais, rais, s1, nu, ks, js, jsb, jr []float64
	for _, r := range sum.Runs {
		if r.Hidden != h || r.Status != "done" || r.Method != method {
			continue
		}
		ss.Runs++
		ais, rais, s1, ks, js, jsb, jr = append(ais, r.LLAIS), append(rais, r.LLRAIS), append(s1, r.Sigma1), append(ks, r.KSModel),
			append(js, r.JS), append(jsb, r.JSBaseline), append(jr, r.JSRatio)
		if r.NUnstable >= 0 {
			nu = append(nu, float64(r.NUnstable))
		}
		ss.Breaking, ss.Unstable = append(ss.Breaking, r.BreakingEpoch), append(ss.Unstable, r.UnstableEpoch)
		if !math.IsNaN(r.Sigma1) && (math.IsNaN(ss.Sigma1Min) || r.Sigma1 < ss.Sigma1Min) {
			ss.Sigma1Min = r.Sigma1
		}
	}
	ss.LLAIS, ss.LLRAIS, ss.Sigma1, ss.NUnstable, ss.KSModel = meanSD(ais), meanSD(rais), meanSD(s1), meanSD(nu), meanSD(ks)
	ss.JS, ss.JSRatio, ss.JSBaseline = meanSD(js), meanSD(jr), meanSD(jsb)[0]
	if sp := sum.spectra[h]; len(sp) > 0 {
		ss.Gaps = reciprocal.SpectrumHistogram("", sp, 40, 41).Gaps
	}
	return ss
}

// collectGlobal reads back the landscapes and the probe.
func (p *pipeline) collectGlobal(sum *Summary) {
	var ls Landscapes
	if readGob(p.res("landscapes.gob"), &ls) == nil {
		sum.landscapes = &ls
		sum.Landscape = landscapeNumbers(&ls)
	}
	var pd ProbeData
	if readGob(p.res("probe.gob"), &pd) == nil && pd.Probe != nil {
		sum.probe = &pd
		sum.probes = append(sum.probes, &pd)
		for _, id := range sortedIDs(sum) {
			var o ProbeData
			if id != pd.ID && readGob(p.res("probe", id+".gob"), &o) == nil && o.Probe != nil {
				sum.probes = append(sum.probes, &o)
			}
		}
		pr := pd.Probe
		sum.Probe = &ProbeNumbers{ID: pd.ID, Hidden: pd.Hidden, TopTwo: pr.TopTwo.MeanHamming,
			RandomPi: randomMean(pr, pr.RandomHamming, pr.RandomPi.MeanHamming), RandomDraws: max(1, pr.RandomDraws),
			Reference: pr.Reference.MeanHamming, TopTwoSpread: pr.TopTwo.Participation,
			RandomSpread: randomMean(pr, pr.RandomParticipation, pr.RandomPi.Participation)}
	}
	p.collectDynamics(sum)
}

// readLL returns the rows of metrics.csv that have an AIS estimate as
// [epoch, ll_ais, err, ll_rais, err].
func readLL(dir string) ([][5]float64, error) {
	f, err := os.Open(dir + "/metrics.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 1 {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var out [][5]float64
	for _, r := range rows[1:] {
		if r[col["ll_ais"]] == "" {
			continue
		}
		var v [5]float64
		for i, name := range []string{"epoch", "ll_ais", "ll_ais_err", "ll_rais", "ll_rais_err"} {
			v[i] = math.NaN()
			if x, err := strconv.ParseFloat(r[col[name]], 64); err == nil {
				v[i] = x
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func landscapeNumbers(ls *Landscapes) *LandscapeNumbers {
	n := &LandscapeNumbers{ID: ls.ID, Hidden: ls.Hidden, KurtIntercept: math.NaN(), KurtSlope: math.NaN(), KurtSampledInt: math.NaN(),
		DataDistTrained: math.NaN(), DataDistInit: math.NaN(), Fig5SdTrained: math.NaN(), Fig5SdInit: math.NaN(), Fig5SdTheory: math.NaN()}
	for _, pn := range ls.MPPanels {
		n.MPKS, n.MPSizes = append(n.MPKS, pn.KS), append(n.MPSizes, pn.M)
	}
	if len(ls.KurtCurves) > 0 {
		c := ls.KurtCurves[0]
		n.KurtIntercept, n.KurtSlope = c.Fit.Intercept, c.Fit.Slope
		if c.SampledFit != nil {
			n.KurtSampledInt = c.SampledFit.Intercept
		}
	}
	dist := func(l *reciprocal.Landscape) float64 {
		if l == nil || len(l.Modes) == 0 || len(l.Modes[0].Data.U) == 0 {
			return math.NaN()
		}
		var s float64
		m := l.Modes[0].Data
		for i := range m.U {
			s += math.Hypot(m.U[i], m.W[i])
		}
		return s / float64(len(m.U))
	}
	n.DataDistTrained, n.DataDistInit = dist(ls.Trained), dist(ls.Untrained)
	if len(ls.Fig5) > 0 {
		f := ls.Fig5[0]
		n.Fig5SdTrained, n.Fig5SdInit, n.Fig5SdTheory = stat.StdDev(f.X, nil), stat.StdDev(f.X0, nil), f.Sd
	}
	return n
}

// writeTables writes results/runs.csv, sizes.csv and ll.csv.
func (p *pipeline) writeTables(sum *Summary) error {
	g := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', 8, 64)
	}
	write := func(name string, head []string, rows [][]string) error {
		return atomicfile.WriteFile(p.res(name), func(w io.Writer) error {
			cw := csv.NewWriter(w)
			cw.Write(head)
			cw.WriteAll(rows)
			return cw.Error()
		})
	}
	var rows [][]string
	for _, r := range sum.Runs {
		rows = append(rows, []string{r.ID, strconv.Itoa(r.Hidden), strconv.Itoa(r.Replica), r.Status, g(r.TrainSeconds), g(r.LLAIS), g(r.LLAISErr),
			g(r.LLRAIS), g(r.LLRAISErr), g(r.Sigma1), g(r.Sigma1Untrained), strconv.Itoa(r.NUnstable), strconv.Itoa(r.NUnstableUntrained),
			g(r.KSModel), g(r.KSUntrained), g(r.JS), g(r.JSBaseline), g(r.JSRatio), strconv.Itoa(r.BreakingEpoch), strconv.Itoa(r.UnstableEpoch)})
	}
	if err := write("runs.csv", []string{"id", "hidden", "replica", "status", "train_seconds", "ll_ais", "ll_ais_err", "ll_rais", "ll_rais_err",
		"sigma1", "sigma1_untrained", "n_unstable", "n_unstable_untrained", "mp_ks_trained", "mp_ks_untrained", "js", "js_untrained", "js_ratio",
		"symmetry_breaking_epoch", "unstable_epoch"}, rows); err != nil {
		return err
	}
	rows = nil
	for _, l := range sum.LL {
		rows = append(rows, []string{strconv.Itoa(l.Hidden), strconv.Itoa(l.Epoch), strconv.Itoa(l.Replicas), g(l.AIS[0]), g(l.AIS[1]), g(l.RAIS[0]), g(l.RAIS[1])})
	}
	return write("ll.csv", []string{"hidden", "epoch", "replicas", "ll_ais_mean", "ll_ais_sd", "ll_rais_mean", "ll_rais_sd"}, rows)
}
