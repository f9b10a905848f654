package study

import (
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/figures"
	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/internal/jsonsafe"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/symmetry"
	"github.com/rbmscope/rbmscope/tensor"
	"strings"
)

// SymmetryOptions configure the landscape tracking of a run and the
// rotation/JS study and hierarchical probe of its last checkpoint
// ("rbmscope symmetry").
type SymmetryOptions struct {
	Mode        int    `json:"mode"`         // 1 = leading
	Gauge       string `json:"gauge"`        // SVD sign gauge
	Chains      int    `json:"gibbs_chains"` // Gibbs chains per checkpoint
	Steps       int    `json:"gibbs_steps"`  // Gibbs sweeps per checkpoint
	Draws       int    `json:"rotations"`    // random rotation draws (JS study)
	Convention  string `json:"convention"`   // mode or repo
	ProbeChains int    `json:"probe_chains"` //
	ProbeSteps  int    `json:"probe_steps"`  //
	NoProbe     bool   `json:"no_probe,omitempty"`
	Seed        uint64 `json:"seed"`
	Backend     string `json:"backend,omitempty"`
	// Data and Digits choose the test data projected on the mode
	// (SymmetryData; "none" = no data series, "" = the caller's default).
	Data   string `json:"data,omitempty"`
	Digits []int  `json:"digits,omitempty"`
	// Progress, if set, is called after each tracked checkpoint.
	Progress func(epoch int) `json:"-"`
}

// DefaultSymmetryOptions are the defaults of "rbmscope symmetry".
func DefaultSymmetryOptions() SymmetryOptions {
	return SymmetryOptions{Mode: 1, Gauge: string(reciprocal.GaugeMuWPositive), Chains: 200, Steps: 200, Draws: 5,
		Convention: "mode", ProbeChains: 200, ProbeSteps: 1000, Seed: 1}
}

// Validate checks o (bad input).
func (o *SymmetryOptions) Validate() error {
	switch {
	case o.Mode < 1:
		return badinput.Errorf("--mode must be ≥ 1 (1 = leading mode)")
	case o.Chains < 10 || o.Steps < 1 || o.Draws < 1 || o.ProbeChains < 1 || o.ProbeSteps < 1:
		return badinput.Errorf("--gibbs-chains must be ≥ 10 and --gibbs-steps, --rotations, --probe-chains, --probe-steps ≥ 1")
	}
	if _, err := symmetry.ParseConvention(o.Convention); err != nil {
		return badinput.Wrap(err)
	}
	if _, err := reciprocal.ParseGauge(o.Gauge); err != nil {
		return badinput.Wrap(err)
	}
	if _, ok := tensor.ByName(o.Backend); !ok {
		return badinput.Errorf("backend %q is not compiled in", o.Backend)
	}
	return nil
}

// SymmetryData loads the test split of data restricted to digits (all
// when empty); "none" is no data (nil).
func SymmetryData(data string, digits []int) (*dataset.Set, error) {
	if strings.EqualFold(data, "none") {
		return nil, nil
	}
	test, err := dataset.Load(data, dataset.Test, dataset.Binarize{})
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	test = test.Digits(digits)
	if test.Len() == 0 {
		return nil, badinput.Errorf("no test examples with digits %v", digits)
	}
	return test, nil
}

// SymRun is everything computed for one run (or model).
type SymRun struct {
	Name     string                `json:"name"`
	Source   string                `json:"source"`
	Tracking *symmetry.Tracking    `json:"tracking"`
	JS       *symmetry.JSResult    `json:"js,omitempty"`
	Probe    *symmetry.ProbeResult `json:"probe,omitempty"`
	Files    []string              `json:"files"`
}

// Symmetry tracks mode o.Mode over the checkpoints cks (oldest first) of
// the run or model named name (src: where it came from), runs the JS study
// and the probe on the last one unless o.NoProbe, and writes
// tracking.csv, the figures and symmetry.json into dir. test may be nil.
func Symmetry(name, src string, cks []rundir.Checkpoint, test *dataset.Set, dir string, o SymmetryOptions) (*SymRun, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if len(cks) == 0 {
		return nil, badinput.Errorf("%s: no checkpoints to track", src)
	}
	gauge, _ := reciprocal.ParseGauge(o.Gauge)
	conv, _ := symmetry.ParseConvention(o.Convention)
	be, _ := tensor.ByName(o.Backend)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, badinput.Errorf("cannot create output directory: %v", err)
	}
	// Check the first checkpoint up front so bad input is exit 2.
	first, err := cks[0].Load()
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	if test != nil && test.Width() != first.NumVisible() {
		return nil, badinput.Errorf("%s has %d visible units but the test data have %d columns; pass matching --data or --data none", cks[0].Path, first.NumVisible(), test.Width())
	}
	if o.Mode > min(first.NumVisible(), first.NumHidden()) {
		return nil, badinput.Errorf("--mode %d exceeds min(N,M) = %d", o.Mode, min(first.NumVisible(), first.NumHidden()))
	}
	snaps := make([]symmetry.Snapshot, len(cks))
	for i, c := range cks {
		snaps[i] = symmetry.Snapshot{Epoch: c.Epoch, Load: c.Load}
	}
	tr, err := symmetry.Track(snaps, test, symmetry.TrackOptions{Mode: o.Mode - 1, Gauge: gauge, Chains: o.Chains, Sweeps: o.Steps,
		Seed: o.Seed, Backend: be, Progress: func(_, _, epoch int) {
			if o.Progress != nil {
				o.Progress(epoch)
			}
		}})
	if err != nil {
		return nil, err
	}
	res := &SymRun{Name: name, Source: src, Tracking: tr}
	if !o.NoProbe {
		last, err := cks[len(cks)-1].Load()
		if err != nil {
			return nil, badinput.Wrap(err)
		}
		w := mat.NewDense(last.NumVisible(), last.NumHidden(), last.W.Data)
		if res.JS, err = symmetry.JSStudy(w, symmetry.JSOptions{Draws: o.Draws, Convention: conv, Seed: o.Seed}); err != nil {
			return nil, err
		}
		f, err := reciprocal.NewFrame(last, gauge)
		if err != nil {
			return nil, err
		}
		if last.NumVisible() >= 7 {
			if res.Probe, err = symmetry.Probe(last, f, symmetry.ProbeOptions{Chains: o.ProbeChains, Sweeps: o.ProbeSteps,
				Convention: conv, Seed: o.Seed, Backend: be}); err != nil {
				return nil, err
			}
		}
	}
	return res, rundir.WithWriteLock(dir, func() error { return WriteSymRun(dir, res) })
}

// WriteSymRun writes tracking.csv, Figs. 4, 6, 7 and symmetry.json of one
// run into dir, listing them in r.Files.
func WriteSymRun(dir string, r *SymRun) error {
	if err := WriteTrackingCSV(filepath.Join(dir, "tracking.csv"), r.Tracking); err != nil {
		return err
	}
	r.Files = append(r.Files, filepath.Join(dir, "tracking.csv"))
	files, err := figures.Fig7(r.Tracking, filepath.Join(dir, "fig7_landscape"))
	if err != nil {
		return err
	}
	r.Files = append(r.Files, files...)
	if r.JS != nil {
		files, err := figures.Fig4(symmetry.AggregateJS([]*symmetry.JSResult{r.JS}), r.JS.BaselineMean, r.JS, filepath.Join(dir, "fig4_js"))
		if err != nil {
			return err
		}
		r.Files = append(r.Files, files...)
	}
	if r.Probe != nil {
		files, err := figures.Fig6(r.Probe, filepath.Join(dir, "fig6_probe"))
		if err != nil {
			return err
		}
		r.Files = append(r.Files, files...)
	}
	r.Files = append(r.Files, filepath.Join(dir, "symmetry.json"))
	return WriteJSON(filepath.Join(dir, "symmetry.json"), r, " ")
}

// WriteJSON writes v to path (internal/jsonsafe.WriteFile: atomically,
// NaN and ±Inf as null), indented by indent ("" = one line).
func WriteJSON(path string, v any, indent string) error { return jsonsafe.WriteFile(path, v, indent) }

// trackingHeader is the header of tracking.csv.
var trackingHeader = []string{"epoch", "sigma", "unstable", "gauge_sign", "saddle_x", "saddle_y", "mu_u", "mu_w",
	"data_u_mean", "data_u_sd", "data_w_mean", "data_w_sd", "gibbs_u_mean", "gibbs_u_sd", "gibbs_w_mean", "gibbs_w_sd",
	"c0", "c1", "c2", "c3", "c4", "c2_constraint_edgeworth", "c2_gibbs_cramer", "c2_gibbs_edgeworth",
	"emp_double_well", "emp_barrier", "emp_asymmetry", "emp_c0", "emp_c1", "emp_c2", "emp_c3", "emp_c4"}

// WriteTrackingCSV writes the per-epoch landscape of a run (one row per
// checkpoint, 10 significant digits): the one writer of tracking.csv.
func WriteTrackingCSV(path string, tr *symmetry.Tracking) error {
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		_ = cw.Write(trackingHeader)
		for _, e := range tr.Epochs {
			_ = cw.Write(trackingRow(&e))
		}
		cw.Flush()
		return cw.Error()
	})
}

func trackingRow(e *symmetry.EpochResult) []string {
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }
	row := []string{strconv.Itoa(e.Epoch), g(e.Sigma), strconv.FormatBool(e.Unstable), g(e.GaugeSign), g(e.SaddleX), g(e.SaddleY), g(e.MuU), g(e.MuW),
		g(e.DataU[0]), g(e.DataU[1]), g(e.DataW[0]), g(e.DataW[1]), g(e.GibbsU[0]), g(e.GibbsU[1]), g(e.GibbsW[0]), g(e.GibbsW[1])}
	l := e.LandauFor(symmetry.VarU, symmetry.MFConstraint, symmetry.Cramer)
	for _, c := range l.C {
		row = append(row, g(c))
	}
	for _, k := range [][2]string{{"constraint", "edgeworth"}, {"gibbs", "cramer"}, {"gibbs", "edgeworth"}} {
		row = append(row, g(e.LandauFor(symmetry.VarU, symmetry.MeanField(k[0]), symmetry.Correction(k[1])).C[2]))
	}
	p := e.EmpiricalU
	row = append(row, strconv.FormatBool(p.DoubleWell), g(p.Barrier), g(p.Asymmetry))
	for _, c := range p.Fit {
		row = append(row, g(c))
	}
	return row
}

// WriteComparison draws Fig. 8 (the runs' landscapes side by side) and
// Fig. 4 across their sizes into dir and writes dir/symmetry.json with
// every run and the files.
func WriteComparison(dir string, results []*SymRun) error {
	var trs []*symmetry.Tracking
	var jss []*symmetry.JSResult
	for _, r := range results {
		trs = append(trs, r.Tracking)
		if r.JS != nil {
			jss = append(jss, r.JS)
		}
	}
	files, err := figures.Fig8(trs, filepath.Join(dir, "fig8_landscapes"))
	if err != nil {
		return err
	}
	if len(jss) > 0 {
		f4, err := figures.Fig4(symmetry.AggregateJS(jss), jss[0].BaselineMean, jss[len(jss)-1], filepath.Join(dir, "fig4_js"))
		if err != nil {
			return err
		}
		files = append(files, f4...)
	}
	return WriteJSON(filepath.Join(dir, "symmetry.json"), struct {
		Runs  []*SymRun `json:"runs"`
		Files []string  `json:"files"`
	}{results, files}, "")
}

// Headlines are the headline numbers per run ("rbmscope symmetry --json").
func Headlines(rs []*SymRun) any {
	var out []map[string]any
	for _, r := range rs {
		tr := r.Tracking
		last := tr.Epochs[len(tr.Epochs)-1]
		s := map[string]any{"name": r.Name, "source": r.Source, "n_visible": tr.N, "n_hidden": tr.M, "mode": tr.Mode,
			"epochs": len(tr.Epochs), "sigma_last": last.Sigma, "symmetry_breaking_epoch": tr.SymmetryBreakingEpoch,
			"breaking_barrier": tr.BreakingBarrier, "breaking_asymmetry": tr.BreakingAsymmetry,
			"c2_negative_epoch": tr.C2NegativeEpoch, "unstable_epoch": tr.UnstableEpoch, "files": r.Files}
		if r.JS != nil {
			s["js_mean"], s["js_sd"], s["js_baseline"] = r.JS.Mean, r.JS.SD, r.JS.BaselineMean
		}
		if r.Probe != nil {
			s["probe_hamming_top_two"], s["probe_hamming_random"], s["probe_hamming_reference"] = r.Probe.TopTwo.MeanHamming, r.Probe.RandomPi.MeanHamming, r.Probe.Reference.MeanHamming
			s["probe_spread_top_two"], s["probe_spread_random"] = r.Probe.TopTwo.Participation, r.Probe.RandomPi.Participation
		}
		out = append(out, s)
	}
	return jsonsafe.Value(out)
}
