// Package reproduce runs the whole paper as one pipeline: a sweep of
// training runs (hidden sizes × replicas), AIS/RAIS log-likelihoods of
// selected checkpoints, the reciprocal-space analysis of trained and
// untrained models, per-epoch landscape tracking, the Jensen–Shannon
// rotation study and the hierarchical probe, then Figs. 1–8 and one
// self-contained report.html.
//
// An output directory looks like
//
//	DIR/settings.json        every setting of the pipeline
//	DIR/plan.json            the training runs (a sweep plan)
//	DIR/runs/<id>/           one run directory per training run (+ done/failed markers)
//	DIR/results/             JSON/CSV results; results/steps/ holds per-step done markers
//	DIR/figures/             Figs. 1–8 as PNG and SVG
//	DIR/report.html          every figure with its caption and the key numbers
//
// Running again skips finished runs and finished steps, and resumes
// unfinished training runs from their newest checkpoint.
package reproduce

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"

	"github.com/rbmscope/rbmscope/train"
)

// Settings are every knob of the pipeline. Presets fill them; flags
// override single fields.
type Settings struct {
	Preset string `json:"preset"`
	Data   string `json:"data"` // "mnist", an IDX directory or a .npy 0/1 matrix

	// Training (one run per hidden size × replica).
	Hidden   []int  `json:"hidden"`
	Replicas int    `json:"replicas"`
	Method   string `json:"method"` // pcd, cd or rdm: trains every size × replica
	// Methods are the training methods compared in Fig. 3f; each one other
	// than Method trains MethodsHidden × Replicas runs that only feed the
	// spectrum (and its claims).
	Methods       []string `json:"methods"`
	MethodsHidden int      `json:"methods_hidden"`
	K             int      `json:"k"` // Gibbs sweeps per update
	Batch         int      `json:"batch"`
	Epochs        int      `json:"epochs"`
	Optimizer     string   `json:"optimizer"`
	LR            float64  `json:"lr"`
	InitStd       float64  `json:"init_std"`
	TrainLimit    int      `json:"train_limit"` // first n training examples (0 = all 60000)
	CheckEvery    int      `json:"checkpoint_every"`
	Seed          uint64   `json:"seed"` // replica r trains with seed Seed+r; analyses use Seed

	// Log-likelihood (Fig. 1 left).
	EvalEvery   int    `json:"eval_every"`   // AIS/RAIS at epochs that are multiples of this (and the last)
	AISBetas    int    `json:"ais_betas"`    // K inverse temperatures
	AISChains   int    `json:"ais_chains"`   // AIS chains = RAIS start points
	AISSchedule string `json:"ais_schedule"` // linear, sm08 or geometric
	// AISResample resamples the AIS/RAIS chains when their effective sample
	// size falls below this fraction of the chains (partition.Options.Resample;
	// 0 = plain AIS, the paper's method).
	AISResample float64 `json:"ais_resample,omitempty"`
	RAISGibbs   int     `json:"rais_gibbs"` // Gibbs sweeps from the test points before reverse AIS (0 = start at the data)
	TestLimit   int     `json:"test_limit"` // test examples for num = mean −F(v) and projections (0 = all 10000)
	// LLCombine turns AIS log-weights into log Z: "logmeanexp" (the
	// unbiased Z estimate) or "mean" (the authors' plain mean of the
	// log-weights, a stochastic lower bound on log Z; eval --combine).
	LLCombine string `json:"ll_combine"`
	// LLEstimator is what Fig. 1 left draws: "ais" (AIS and reverse AIS at
	// the evaluated checkpoints, the paper's estimators), "trajectory"
	// (study's trajectory estimator over every checkpoint) or "both". AIS
	// is the default: the paper used it, the claims of Fig. 1 rest on it,
	// and the trajectory estimate is measured separately
	// (docs/likelihood.md §Trajectory).
	LLEstimator string `json:"ll_estimator"`

	// Reciprocal-space analysis (Figs. 1 right, 2, 3, 5).
	GibbsChains int   `json:"gibbs_chains"` // landscapes (Figs. 2, 7, 8)
	GibbsSteps  int   `json:"gibbs_steps"`
	MPSizes     []int `json:"mp_sizes"` // hidden sizes of Fig. 3a–d
	MPDraws     int   `json:"mp_draws"` // random initialisations per size
	KurtSizes   []int `json:"kurt_sizes"`
	KurtSamples int   `json:"kurt_samples"` // 0 = closed form only
	Fig5Samples int   `json:"fig5_samples"`
	// KurtLayer is Fig. 3e's reading: "visible" (vary N, x_k) or "hidden"
	// (vary M, y_k; the caption's reading).
	KurtLayer string `json:"kurt_layer"`

	// Symmetry (Figs. 4, 6, 7, 8).
	TrackEvery int `json:"track_every"` // track checkpoints whose epoch is a multiple of this (and the last)
	// Series is the test data projected in Figs. 7–8: "all" digits or
	// "digit0" (the authors' test series).
	Series      string `json:"series"`
	JSDraws     int    `json:"js_draws"` // rotation draws per model
	JSBins      int    `json:"js_bins"`
	ProbeChains int    `json:"probe_chains"`
	ProbeSteps  int    `json:"probe_steps"`
	// ProbeDraws is the number of random rotations the probe compares the
	// top-2 rotation with (symmetry.ProbeOptions.Draws): one draw is a poor
	// replica, its effect depends on which planes it hits.
	ProbeDraws int `json:"probe_draws"`

	Workers int    `json:"workers"` // runs trained/analysed at once
	Backend string `json:"backend"` // "" = fastest compiled in
}

// Presets lists the preset names.
var Presets = []string{"tiny", "quick", "paper"}

// Preset returns the settings of a named preset.
//
//   - paper: the authors' settings with the CPU-sized AIS and analysis
//     defaults of docs/theory.md §Settings; hours to days of compute.
//   - quick: the same pipeline scaled to finish in about ten minutes on two
//     cores and still show every effect.
//   - tiny: seconds; for tests.
func Preset(name string) (Settings, error) {
	s := Settings{
		Preset: name, Data: "mnist", Method: "pcd", Optimizer: "adam", LR: 0.001, InitStd: 0.01,
		CheckEvery: 1, Seed: 1, AISSchedule: "linear", Workers: 1, JSBins: 1000,
		Methods: []string{"pcd", "cd", "rdm"}, LLCombine: "logmeanexp", LLEstimator: "ais", KurtLayer: "visible", Series: "all",
		// Reverse AIS bounds log Z from above only when it starts from model
		// samples; test points of a half-trained model are not, so the
		// chains first run from them towards the model (docs/theory.md §RAIS).
		RAISGibbs: 1000,
	}
	switch name {
	case "paper":
		s.Hidden = []int{500, 784, 1200, 3000}
		s.Replicas = 5
		// k = 500: the authors' pcd.jl passes steps=t to pcd!, with t from
		// its --gibbs option, whose default is 500 (docs/reproduce.md).
		s.K, s.Batch, s.Epochs = 500, 500, 100
		s.MethodsHidden = 500
		s.EvalEvery, s.AISBetas, s.AISChains = 10, 20000, 200
		s.GibbsChains, s.GibbsSteps = 1000, 500
		s.MPSizes, s.MPDraws = []int{500, 784, 1200, 3000}, 100
		s.KurtSizes, s.KurtSamples = []int{500, 700, 784, 1200, 2000}, 1000000
		s.Fig5Samples = 10000
		s.TrackEvery, s.JSDraws = 1, 5
		s.ProbeChains, s.ProbeSteps, s.ProbeDraws = 200, 1000, 20
		s.Workers = max(1, runtime.NumCPU()/8)
	case "quick":
		s.Hidden = []int{100, 200, 500, 784}
		// Three replicas, so that every claim has a spread over seeds; the
		// claims' margins are 2 standard errors of replica means.
		s.Replicas = 3
		// Batch 100 on 12 000 examples gives 120 updates per epoch: 5× the
		// updates of batch 500 for the same number of Gibbs sweeps. Eight
		// epochs let every size break the leading mode's symmetry.
		s.K, s.Batch, s.Epochs, s.TrainLimit = 5, 100, 8, 12000
		s.MethodsHidden = 100
		// AIS/RAIS at the initialisation and the last epoch only: they were
		// three quarters of the pipeline's time (docs/reproduce.md).
		s.EvalEvery, s.AISBetas, s.AISChains, s.TestLimit, s.RAISGibbs = 8, 2000, 64, 2000, 500
		s.GibbsChains, s.GibbsSteps = 200, 100
		s.MPSizes, s.MPDraws = []int{500, 784, 1200, 3000}, 2
		s.KurtSizes, s.KurtSamples = []int{500, 700, 784, 1200, 2000}, 20000
		s.Fig5Samples = 5000
		s.TrackEvery, s.JSDraws = 2, 3
		// 20 random rotations per probed model: a few seconds each at M = 784.
		s.ProbeChains, s.ProbeSteps, s.ProbeDraws = 200, 300, 20
	case "tiny":
		s.Hidden = []int{10, 20}
		s.Replicas = 2
		s.MethodsHidden = 10
		s.K, s.Batch, s.Epochs, s.TrainLimit = 1, 50, 2, 300
		s.EvalEvery, s.AISBetas, s.AISChains, s.TestLimit = 1, 30, 16, 200
		s.GibbsChains, s.GibbsSteps = 20, 10
		s.MPSizes, s.MPDraws = []int{10, 20}, 1
		s.KurtSizes, s.KurtSamples = []int{20, 40}, 0
		s.Fig5Samples = 200
		s.TrackEvery, s.JSDraws, s.JSBins = 1, 2, 100
		s.ProbeChains, s.ProbeSteps, s.ProbeDraws = 20, 10, 3
	default:
		return Settings{}, fmt.Errorf("unknown preset %q: use one of %s", name, strings.Join(Presets, ", "))
	}
	return s, nil
}

// Validate checks every field and says what to change.
func (s *Settings) Validate() error {
	if len(s.Hidden) == 0 {
		return fmt.Errorf("no hidden sizes: give e.g. --hidden 500,784")
	}
	seen := map[int]bool{}
	for _, h := range s.Hidden {
		if h < 2 {
			return fmt.Errorf("hidden size %d: must be ≥ 2", h)
		}
		if seen[h] {
			return fmt.Errorf("hidden size %d is listed twice", h)
		}
		seen[h] = true
	}
	pos := []struct {
		name string
		v    int
	}{{"replicas", s.Replicas}, {"k", s.K}, {"batch", s.Batch}, {"epochs", s.Epochs}, {"checkpoint-every", s.CheckEvery},
		{"eval-every", s.EvalEvery}, {"ais-betas", s.AISBetas}, {"ais-chains", s.AISChains}, {"gibbs-chains", s.GibbsChains},
		{"gibbs-steps", s.GibbsSteps}, {"mp-draws", s.MPDraws}, {"fig5-samples", s.Fig5Samples}, {"track-every", s.TrackEvery},
		{"js-draws", s.JSDraws}, {"js-bins", s.JSBins}, {"probe-chains", s.ProbeChains}, {"probe-steps", s.ProbeSteps},
		{"probe-draws", s.ProbeDraws}, {"workers", s.Workers}}
	for _, p := range pos {
		if p.v < 1 {
			return fmt.Errorf("--%s must be ≥ 1 (got %d)", p.name, p.v)
		}
	}
	switch {
	case s.TrainLimit < 0 || s.TestLimit < 0 || s.KurtSamples < 0 || s.RAISGibbs < 0:
		return fmt.Errorf("--train-limit, --test-limit, --kurt-samples and --rais-gibbs must be ≥ 0")
	case s.TrainLimit > 0 && s.TrainLimit < s.Batch:
		return fmt.Errorf("--train-limit %d is smaller than --batch %d", s.TrainLimit, s.Batch)
	case s.GibbsChains < 10:
		return fmt.Errorf("--gibbs-chains must be ≥ 10 (means and sds of projections need several chains; got %d)", s.GibbsChains)
	case s.Fig5Samples < 2:
		return fmt.Errorf("--fig5-samples must be ≥ 2")
	case len(s.MPSizes) == 0:
		return fmt.Errorf("--mp-sizes needs at least one size")
	case len(s.KurtSizes) < 2:
		return fmt.Errorf("--kurt-sizes needs at least two sizes for the fit in 1/n")
	case !(s.InitStd > 0) || math.IsInf(s.InitStd, 0):
		return fmt.Errorf("--init-std must be positive (got %v)", s.InitStd)
	case !(s.AISResample >= 0 && s.AISResample <= 1):
		return fmt.Errorf("--ais-resample must be a fraction in [0, 1] (got %v)", s.AISResample)
	case !slices.Contains([]string{"linear", "sm08", "geometric"}, s.AISSchedule):
		return fmt.Errorf("--ais-schedule must be linear, sm08 or geometric (got %q)", s.AISSchedule)
	}
	for _, v := range append(append([]int(nil), s.MPSizes...), s.KurtSizes...) {
		if v < 2 {
			return fmt.Errorf("--mp-sizes and --kurt-sizes must be ≥ 2 (got %d)", v)
		}
	}
	if err := s.validateChoices(); err != nil {
		return err
	}
	cfg := s.TrainConfig(s.Hidden[0], 0)
	if err := cfg.Validate(); err != nil {
		return err
	}
	return nil
}

// validateChoices checks the string options and the methods of Fig. 3f.
func (s *Settings) validateChoices() error {
	switch {
	case !slices.Contains([]string{"logmeanexp", "mean"}, s.LLCombine):
		return fmt.Errorf("--ll-combine must be logmeanexp or mean (got %q)", s.LLCombine)
	case !slices.Contains([]string{"ais", "trajectory", "both"}, s.LLEstimator):
		return fmt.Errorf("--ll-estimator must be ais, trajectory or both (got %q)", s.LLEstimator)
	case !slices.Contains([]string{"visible", "hidden"}, s.KurtLayer):
		return fmt.Errorf("--kurt-layer must be visible or hidden (got %q)", s.KurtLayer)
	case !slices.Contains([]string{"all", "digit0"}, s.Series):
		return fmt.Errorf("--series must be all or digit0 (got %q)", s.Series)
	case len(s.ExtraMethods()) > 0 && s.MethodsHidden < 2:
		return fmt.Errorf("--methods-hidden must be ≥ 2 (got %d)", s.MethodsHidden)
	}
	seen := map[string]bool{}
	for _, m := range s.Methods {
		if !slices.Contains([]string{"pcd", "cd", "rdm"}, m) {
			return fmt.Errorf("--methods: unknown method %q; use pcd, cd or rdm", m)
		}
		if seen[m] {
			return fmt.Errorf("--methods lists %s twice", m)
		}
		seen[m] = true
	}
	return nil
}

// ExtraMethods are the methods of Fig. 3f other than Method, in order.
func (s *Settings) ExtraMethods() []string {
	var out []string
	for _, m := range s.Methods {
		if m != s.Method {
			out = append(out, m)
		}
	}
	return out
}

// TrainConfig is the training configuration of hidden size m, replica r.
func (s *Settings) TrainConfig(m, r int) train.Config {
	c := train.DefaultConfig()
	c.Data, c.Hidden, c.Method, c.K, c.Batch, c.Epochs = s.Data, m, s.Method, s.K, s.Batch, s.Epochs
	c.Optimizer, c.LR, c.InitStd, c.TrainLimit, c.CheckEvery = s.Optimizer, s.LR, s.InitStd, s.TrainLimit, s.CheckEvery
	c.Seed = s.Seed + uint64(r)
	c.EvalSubset = 0 // the pipeline measures AIS/RAIS log-likelihoods instead
	c.Backend = s.Backend
	return c
}

// JSON returns the indented settings.
func (s *Settings) JSON() []byte {
	b, _ := json.MarshalIndent(s, "", "  ")
	return append(b, '\n')
}

// String prints one setting per line, as shown at the start of a run.
func (s *Settings) String() string {
	var b strings.Builder
	ints := func(xs []int) string {
		parts := make([]string, len(xs))
		for i, x := range xs {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, ",")
	}
	fmt.Fprintf(&b, "preset %s: data %s, train-limit %d (0 = all), test-limit %d (0 = all)\n", s.Preset, s.Data, s.TrainLimit, s.TestLimit)
	fmt.Fprintf(&b, "  training:  hidden %s × %d replicas; %s-%d, batch %d, %d epochs, %s lr %g, init std %g, checkpoint every %d, seed %d\n",
		ints(s.Hidden), s.Replicas, strings.ToUpper(s.Method), s.K, s.Batch, s.Epochs, s.Optimizer, s.LR, s.InitStd, s.CheckEvery, s.Seed)
	if extra := s.ExtraMethods(); len(extra) > 0 {
		fmt.Fprintf(&b, "  Fig. 3f:   also %s at hidden %d × %d replicas (spectrum only)\n", strings.ToUpper(strings.Join(extra, ", ")), s.MethodsHidden, s.Replicas)
	}
	fmt.Fprintf(&b, "  LL:        AIS/RAIS every %d epochs (and the last), %d %s betas, %d chains / RAIS start points (test points + %d Gibbs sweeps), resampling below ESS %g·chains (0 = plain AIS), log Z by %s of the log-weights\n",
		s.EvalEvery, s.AISBetas, s.AISSchedule, s.AISChains, s.RAISGibbs, s.AISResample, s.LLCombine)
	fmt.Fprintf(&b, "  LL estimator: %s (ais: AIS/RAIS as above; trajectory: log Z carried along every checkpoint with eval's trajectory defaults; both: the two)\n",
		s.LLEstimator)
	fmt.Fprintf(&b, "  landscape: Gibbs %d chains × %d sweeps; MP sizes %s × %d draws; kurtosis (%s layer) sizes %s, %d samples; Fig. 5 %d states\n",
		s.GibbsChains, s.GibbsSteps, ints(s.MPSizes), s.MPDraws, s.KurtLayer, ints(s.KurtSizes), s.KurtSamples, s.Fig5Samples)
	fmt.Fprintf(&b, "  symmetry:  track every %d epochs, test series %s; JS %d draws × %d bins; probe %d chains × %d sweeps, %d random rotations\n",
		s.TrackEvery, s.Series, s.JSDraws, s.JSBins, s.ProbeChains, s.ProbeSteps, s.ProbeDraws)
	backend := s.Backend
	if backend == "" {
		backend = "fastest compiled in"
	}
	fmt.Fprintf(&b, "  execution: %d worker(s), backend %s\n", s.Workers, backend)
	return b.String()
}
