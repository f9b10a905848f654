package study

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/internal/intlist"
	"github.com/rbmscope/rbmscope/reciprocal"
)

// The flags of the options: "rbmscope eval", "analyze" and "symmetry"
// register them, and a sweep spec's eval_args, analyze_args and
// symmetry_args are parsed with them, so a plan's typed options mean what
// the same flags mean on the command line.

// EvalFlags registers the flags of EvalOptions on f; the function it
// returns reads them after parsing. Data is "" unless --data was given
// (the run's data, or mnist for a single model).
func EvalFlags(f *pflag.FlagSet) func() EvalOptions {
	o := DefaultEvalOptions()
	f.IntVar(&o.Every, "every", o.Every, "with --run, evaluate checkpoints whose epoch is a multiple of N (and the last)")
	f.StringVar(&o.Data, "data", "mnist", `data set: "mnist", an IDX directory or a .npy 0/1 matrix (with --run: the run's data unless given)`)
	f.StringVar(&o.Split, "split", o.Split, "split to evaluate: test or train")
	f.IntVar(&o.Limit, "limit", o.Limit, "use only the first n rows of the split (0 = all)")
	f.StringVar(&o.Estimator, "estimator", o.Estimator, "exact, ais, rais, all, trajectory (with --run) or both (all and trajectory)")
	f.IntVar(&o.Betas, "betas", o.Betas, "number of AIS steps K (inverse temperatures after β=0)")
	f.StringVar(&o.Schedule, "schedule", o.Schedule, "β schedule: linear, sm08 or geometric")
	f.IntVar(&o.Chains, "chains", o.Chains, "AIS chains, and reverse-AIS start states")
	f.Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
	f.StringVar(&o.RAISStart, "rais-start", o.RAISStart, "reverse AIS start states: data (random rows of the split), gibbs (long chains from them) or pt (parallel tempering from them)")
	f.IntVar(&o.GibbsSteps, "gibbs-steps", o.GibbsSteps, "Gibbs sweeps for --rais-start gibbs and pt")
	f.IntVar(&o.PTRungs, "pt-rungs", o.PTRungs, "--rais-start pt: most rungs of its adaptive temperature ladder (neighbours swap at ≥ 0.3; docs/likelihood.md)")
	f.StringVar(&o.LLJSON, "ll-json", "", "with --run and --estimator both: write the last checkpoint's log-likelihood bracket from both estimators to this JSON file")
	f.StringVar(&o.TrajMethod, "traj-method", o.TrajMethod, "trajectory estimator: pt (parallel tempering over an adaptive ladder through the checkpoints; Bennett, forward and reverse sums) or ais (one annealing run along the checkpoints with --betas steps and --chains chains, and a reverse run from the last checkpoint's --rais-start states)")
	f.IntVar(&o.TrajChains, "traj-chains", o.TrajChains, "trajectory estimator: parallel-tempering chains per rung")
	f.IntVar(&o.TrajSweeps, "traj-sweeps", o.TrajSweeps, "trajectory estimator: parallel-tempering sweeps whose samples give the estimates (after burn-in)")
	f.IntVar(&o.TrajBurnIn, "traj-burn-in", o.TrajBurnIn, "trajectory estimator: sweeps on the adapted ladder discarded before --traj-sweeps (trained 784×500 runs need thousands; see the inversion warning and docs/likelihood.md)")
	f.Float64Var(&o.TrajTarget, "traj-target", o.TrajTarget, "trajectory estimator: insert midpoint rungs until every pair of neighbouring rungs swaps at this rate (mean of min(1, e^(l+r)))")
	f.IntVar(&o.TrajEvery, "traj-every", o.TrajEvery, "trajectory estimator: run through the checkpoints whose epoch is a multiple of N (and the last) only; fewer checkpoints make a shorter path (see the length warning and docs/likelihood.md)")
	f.IntVar(&o.TrajBranch, "traj-branch-steps", o.TrajBranch, fmt.Sprintf("trajectory estimator with --traj-every N > 1: give every other checkpoint its log Z from a branch, plain AIS of this many steps from the previous backbone checkpoint, started from %d snapshots of each of its chains (0 = those checkpoints get no estimate; docs/likelihood.md)", BranchStarts))
	f.IntVar(&o.TrajRungs, "traj-max-rungs", o.TrajRungs, "trajectory estimator: fail when the ladder needs more rungs than this")
	f.IntVar(&o.ModeStarts, "mode-starts", o.ModeStarts, "certified lower bound on log Z (upper bound on the LL, no sampling error) from a search for heavy states: this many random starts and as many start states (reverse-AIS starts, else rows of the split); estimates below it get a warning (0 = off; docs/likelihood.md)")
	f.IntVar(&o.ModeJumps, "mode-jumps", o.ModeJumps, "AIS, reverse AIS and parallel tempering (--traj-method pt, --rais-start pt): after each hidden sample (AIS; when the hidden layer is the smaller) or every sweep (tempering) each chain may jump to one of the modes a search with this many random starts found, accepted by Metropolis–Hastings, so chains reach basins Gibbs never enters (0 = off; −1 = 20 when the smaller layer has ≤ 32 units, else off; docs/likelihood.md)")
	f.Float64Var(&o.Resample, "resample", o.Resample, "resample AIS/RAIS chains when their effective sample size falls below this fraction of the chains (sequential Monte Carlo; 0 = plain AIS as in Salakhutdinov & Murray)")
	f.IntVar(&o.AISRuns, "ais-runs", 1, "independent forward-AIS runs (seeds --seed, --seed+1, …) pooled into one estimate, with their spread and a χ² check that they agree within their errors")
	f.StringVar(&o.Combine, "combine", o.Combine, "log-weights → log Z: logmeanexp or mean")
	f.StringVar(&o.Backend, "backend", o.Backend, "compute backend (openblas or gonum; default the fastest compiled in)")
	return func() EvalOptions {
		r := o
		if !f.Changed("data") {
			r.Data = ""
		}
		return r
	}
}

// AnalyzeFlags registers the flags of AnalyzeOptions on f; the function
// it returns reads them after parsing (the integer lists as bad input).
func AnalyzeFlags(f *pflag.FlagSet) func() (AnalyzeOptions, error) {
	o := DefaultAnalyzeOptions()
	var modes, mpSizes, kurtSizes string
	f.StringVar(&o.Data, "data", "", `test data projected in Fig. 2: "mnist", an IDX directory or a .npy 0/1 matrix (empty: none)`)
	f.IntVar(&o.DataLimit, "data-limit", o.DataLimit, "use at most this many test examples (0 = all)")
	f.StringVar(&o.Untrained, "untrained", "", "untrained model .npz for Figs. 2 and 5 (default: N(0, init-std²) weights of the same shape)")
	f.StringVar(&modes, "modes", "1,2,3,498", "modes for Figs. 1–2, 1-based (498 is clamped to L for smaller models)")
	f.StringVar(&o.Gauge, "gauge", string(reciprocal.GaugeMuWPositive), "SVD sign gauge: mu_w_positive or colsum_U_positive")
	f.StringVar(&o.Hidden, "hidden", string(reciprocal.HiddenSample), "hidden states of data: sample (h ~ p(h|v)) or mean (p(h=1|v))")
	f.IntVar(&o.Chains, "gibbs-chains", o.Chains, "Gibbs chains for the landscapes")
	f.IntVar(&o.Steps, "gibbs-steps", o.Steps, "Gibbs sweeps per chain")
	f.Float64Var(&o.InitStd, "init-std", o.InitStd, "entry std of random initialisations (Marchenko–Pastur, untrained reference)")
	f.IntVar(&o.MPDraws, "mp-draws", o.MPDraws, "random initialisations per shape for the Marchenko–Pastur comparison")
	f.StringVar(&mpSizes, "mp-sizes", "500,784,1200,3000", "hidden sizes of Fig. 3a–d (visible size = the model's)")
	f.StringVar(&o.KurtLayer, "kurt-layer", o.KurtLayer, "Fig. 3e reading: visible (vary N, x_k), hidden (vary M, y_k) or both")
	f.StringVar(&kurtSizes, "kurt-sizes", "500,700,784,1200,2000", "layer sizes of the Fig. 3e curve")
	f.IntVar(&o.KurtSamples, "kurt-samples", o.KurtSamples, "binary states for the sampled kurtosis (0 = closed form only)")
	f.IntVar(&o.Fig5Samples, "fig5-samples", o.Fig5Samples, "random binary states for Fig. 5")
	f.Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
	f.StringVar(&o.Backend, "backend", "", "compute backend (openblas or gonum)")
	f.BoolVar(&o.NoFigures, "no-figures", false, "skip drawing figures")
	return func() (AnalyzeOptions, error) {
		r := o
		var err error
		if r.Modes, err = intlist.Parse("modes", modes, 1); err != nil {
			return r, err
		}
		if r.MPSizes, err = intlist.Parse("mp-sizes", mpSizes, 1); err != nil {
			return r, err
		}
		r.KurtSizes, err = intlist.Parse("kurt-sizes", kurtSizes, 2)
		return r, err
	}
}

// SymmetryFlags registers the flags of SymmetryOptions on f; the function
// it returns reads and validates them after parsing. Data is "" unless
// --data was given (mnist on the command line, the run's data in a sweep).
func SymmetryFlags(f *pflag.FlagSet) func() (SymmetryOptions, error) {
	o := DefaultSymmetryOptions()
	var digits string
	f.StringVar(&o.Data, "data", "mnist", `test data for the data projections ("none" to skip)`)
	f.StringVar(&digits, "digits", "", "keep only these test digits, e.g. 0 or 0,1,7 (default all)")
	f.IntVar(&o.Mode, "mode", o.Mode, "mode k to track (1 = leading)")
	f.IntVar(&o.Chains, "gibbs-chains", o.Chains, "Gibbs chains per checkpoint")
	f.IntVar(&o.Steps, "gibbs-steps", o.Steps, "Gibbs sweeps per checkpoint")
	f.IntVar(&o.Draws, "rotations", o.Draws, "random rotation draws for the JS divergence (each ⌊0.1N⌋ and ⌊0.1M⌋ plane rotations)")
	f.StringVar(&o.Convention, "convention", o.Convention, "rotation convention: mode (W′=(UR)Σ(VR′)ᵀ) or repo (RURᵀ, the authors' code)")
	f.StringVar(&o.Gauge, "gauge", o.Gauge, "SVD sign gauge: mu_w_positive or colsum_U_positive")
	f.IntVar(&o.ProbeChains, "probe-chains", o.ProbeChains, "Gibbs chains for the hierarchical probe")
	f.IntVar(&o.ProbeSteps, "probe-steps", o.ProbeSteps, "Gibbs sweeps for the hierarchical probe")
	f.BoolVar(&o.NoProbe, "no-probe", false, "skip the hierarchical probe and the JS study")
	f.Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
	f.StringVar(&o.Backend, "backend", "", "compute backend (openblas or gonum)")
	return func() (SymmetryOptions, error) {
		r := o
		if !f.Changed("data") {
			r.Data = ""
		}
		var err error
		if r.Digits, err = ParseDigits(digits); err != nil {
			return r, err
		}
		return r, r.Validate()
	}
}

// ParseDigits parses --digits: digits 0–9 separated by commas.
func ParseDigits(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := strconv.Atoi(f)
		if err != nil || d < 0 || d > 9 {
			return nil, badinput.Errorf("--digits %q: give digits 0–9 separated by commas", s)
		}
		out = append(out, d)
	}
	return out, nil
}
