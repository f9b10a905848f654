package partition

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// TrajectoryOptions configure Trajectory and PathTempering: parallel
// tempering over an adaptive (or, with Ladder, a fixed) ladder of rungs on
// the path base-rate model → θ_0 → … → θ_T (docs/likelihood.md
// §Trajectory).
type TrajectoryOptions struct {
	// Chains is the number of chains C at every rung.
	Chains int
	// Sweeps is the number of PT sweeps after burn-in whose samples give
	// the estimates (PathTempering: the sweeps after the ladder is built).
	Sweeps int
	// BurnIn is the number of PT sweeps discarded before the Sweeps. On
	// an adapted ladder (Ladder nil) the ladder is re-checked after it:
	// pairs whose swap rate over the burn-in's second half (BurnIn − the
	// even number at or below BurnIn/2) fell below SwapTarget/2 get their
	// midpoint rung and that half runs again (at most MaxRechecks times;
	// TrajectoryResult.Rechecks).
	BurnIn int
	// PilotSweeps is the number of PT sweeps of each round of ladder
	// adaptation, after which pairs of neighbours below SwapTarget get a
	// midpoint rung.
	PilotSweeps int
	// SwapTarget ∈ (0, 1) is the swap rate, the mean over proposals of
	// min(1, e^{l+r}), that every pair of neighbouring rungs must reach.
	SwapTarget float64
	// MaxRungs caps the ladder; a path that needs more rungs fails.
	MaxRungs int
	// Ladder, when set, fixes the rungs at these positions on the path
	// (strictly ascending, each in [0, T+1]: the base-rate model is at 0,
	// θ_i at i+1; for one model a position in [0, 1] is an inverse
	// temperature β) and no adaptation rounds run: PilotSweeps, SwapTarget
	// and MaxRungs are ignored. One rung is plain block Gibbs without
	// swaps. Trajectory needs a rung at 0 and at every model's node.
	Ladder []float64
	// Batches is the number of groups of chains whose spread gives the
	// standard errors (batch means over independent replicas of the
	// ladder; ≥ 2; Chains when there are fewer chains).
	Batches int
	// BaseVisible holds a^A of the base-rate model the path starts from
	// (nil: zeros); see BaseRate.
	BaseVisible []float64
	// Init, when set, holds the start states of every rung's chains (C
	// rows of 0/1); otherwise every rung starts from exact samples of the
	// base-rate model.
	Init *tensor.Mat32
	// ModeJumps, when > 0, adds a jump move between modes to every rung's
	// Gibbs sweep (jumps.go): a mode search (SearchModes' ascents) with
	// ModeJumps random starts on every model and on every rung between
	// them gives each rung its modes, and every sweep each chain proposes
	// a state near one of them, accepted by Metropolis–Hastings. The rungs'
	// distributions, and so the estimates' expectations, are unchanged;
	// chains reach basins that block Gibbs never enters. It costs one mode
	// search per rung (about 0.01 s for 784×16 at 20 starts; seconds for
	// 784×500, where AutoModeJumps leaves it off) and about half a Gibbs
	// sweep per sweep. 0: no jumps.
	ModeJumps int
	// Backbone, when set, lists the indices of the models (strictly
	// ascending, the last one included) that the tempering path runs
	// through (Trajectory only). Every other model t gets its log Z from a
	// branch off it (branch.go): plain AIS of BranchSteps steps along the
	// straight segment from the nearest backbone model s < t, from
	// BranchStarts snapshots of each of s's rung's chains taken evenly over
	// the estimation sweeps, added to s's estimate. nil: every model is on
	// the path.
	Backbone     []int
	BranchSteps  int
	BranchStarts int
	// Trace, when true, records F(v) of the last rung's chains after every
	// sweep (TrajectoryResult.Trace), for autocorrelation times.
	Trace bool
	// Seed selects the random streams.
	Seed uint64
	// Progress, when set, is called with the sweeps done and their number
	// (burn-in and estimation sweeps).
	Progress func(done, total int)
}

// DefaultTrajectoryOptions returns 20 chains per rung, 1000 sweeps after
// 200 of burn-in, pilot rounds of 20 sweeps, swap target 0.3, at most 4000
// rungs and 20 batches (one chain each).
func DefaultTrajectoryOptions() TrajectoryOptions {
	return TrajectoryOptions{Chains: 20, Sweeps: 1000, BurnIn: 200, PilotSweeps: 20, SwapTarget: 0.3, MaxRungs: 4000, Batches: 20, Seed: 1}
}

func (o *TrajectoryOptions) check() error {
	switch {
	case o.Chains < 1:
		return fmt.Errorf("need at least 1 chain per rung, got %d", o.Chains)
	case o.Sweeps < 0 || o.BurnIn < 0:
		return fmt.Errorf("need ≥ 0 sweeps and burn-in sweeps (got %d, %d)", o.Sweeps, o.BurnIn)
	case o.ModeJumps < 0:
		return checkJumps(o.ModeJumps)
	case o.Ladder != nil:
		return nil // the adaptation options are ignored
	case o.PilotSweeps < 2:
		return fmt.Errorf("need ≥ 2 pilot sweeps, got %d", o.PilotSweeps)
	case !(o.SwapTarget > 0 && o.SwapTarget < 1):
		return fmt.Errorf("the swap-rate target must be in (0, 1), got %v", o.SwapTarget)
	case o.MaxRungs < 2:
		return fmt.Errorf("the rung cap must be ≥ 2, got %d", o.MaxRungs)
	}
	return nil
}

// checkLadder validates a fixed ladder on a path whose last node is at
// last; estimates (Trajectory) need a rung at every node.
func (o *TrajectoryOptions) checkLadder(last float64, estimates bool) error {
	if o.Ladder == nil {
		return nil
	}
	if len(o.Ladder) == 0 {
		return fmt.Errorf("the fixed ladder is empty; give at least one rung position")
	}
	for k, u := range o.Ladder {
		switch {
		case !(u >= 0 && u <= last):
			return fmt.Errorf("ladder position %d is %v, outside the path [0, %v] (0: the base-rate model, i+1: model i)", k, u, last)
		case k > 0 && u <= o.Ladder[k-1]:
			return fmt.Errorf("ladder positions must be strictly ascending, but position %d is %v after %v", k, u, o.Ladder[k-1])
		}
	}
	if estimates {
		for i := 0; float64(i) <= last; i++ {
			if _, found := slices.BinarySearch(o.Ladder, float64(i)); !found {
				return fmt.Errorf("a fixed ladder for the trajectory estimates needs a rung at every node 0 … %v; %d is missing", last, i)
			}
		}
	}
	return nil
}

// TrajectoryPoint is the log Z of one checkpoint (docs/likelihood.md §Trajectory).
type TrajectoryPoint struct {
	Index int `json:"index"` // position in the list of models
	// LogZ is the sum over the pairs of rungs from the base-rate model of
	// the Bennett acceptance ratio estimates of Δlog Z; LogZErr is its
	// batch-means standard error.
	LogZ    float64 `json:"log_z"`
	LogZErr float64 `json:"log_z_err"`
	// LogZLower sums the forward estimates log mean e^l over the rung-k
	// samples of each pair: a stochastic lower bound on log Z when the
	// samples are at equilibrium (Jensen).
	LogZLower    float64 `json:"log_z_lower"`
	LogZLowerErr float64 `json:"log_z_lower_err"`
	// LogZUpper sums the reverse estimates −log mean e^r over the
	// rung-(k+1) samples: a stochastic upper bound under the same caveat.
	LogZUpper    float64 `json:"log_z_upper"`
	LogZUpperErr float64 `json:"log_z_upper_err"`
	Rungs        int     `json:"rungs"` // pairs of rungs from the previous node (the base-rate model for the first) to this one
	// MinSwapRate is the smallest swap rate of those pairs.
	MinSwapRate float64 `json:"min_swap_rate"`
	// A model off the backbone (TrajectoryOptions.Backbone) has its log Z
	// from a branch of BranchSteps AIS steps off backbone model BranchFrom,
	// whose weights have effective sample size BranchESS; it has no upper
	// side (LogZUpper and MinSwapRate NaN, Rungs 0).
	BranchFrom  int     `json:"branch_from,omitempty"`
	BranchSteps int     `json:"branch_steps,omitempty"`
	BranchESS   float64 `json:"branch_ess,omitempty"`
}

// TrajectoryResult is the log Z along a training trajectory.
type TrajectoryResult struct {
	Points   []TrajectoryPoint `json:"points"`
	LogZBase float64           `json:"log_z_base"`
	Rungs    int               `json:"rungs"`
	Chains   int               `json:"chains"`
	Sweeps   int               `json:"sweeps"`
	BurnIn   int               `json:"burn_in"`
	Rounds   int               `json:"adapt_rounds"` // ladder-adaptation rounds (0 with a fixed ladder)
	// Rechecks is the number of times the ladder gained rungs after the
	// burn-in (TrajectoryOptions.BurnIn), each adding the burn-in's second
	// half again.
	Rechecks int `json:"rechecks"`
	// Ladder holds the rungs' positions on the path (node i at i; the
	// models are nodes 1 … T+1); SwapRate[k] is the swap rate between
	// rungs k and k+1 over the estimation sweeps.
	Ladder   []float64 `json:"ladder"`
	SwapRate []float64 `json:"swap_rate"`
	// JumpRate[k] is the acceptance of rung k's mode jumps over the
	// estimation sweeps (TrajectoryOptions.ModeJumps; 0 on the base-rate
	// rung, which has no modes), and ModeStates the distinct modes found
	// per model; both nil without jumps.
	JumpRate   []float64 `json:"jump_rate,omitempty"`
	ModeStates []int     `json:"mode_states,omitempty"`
	Seconds    float64   `json:"seconds"`
	// Final holds the last rung's chains after the last sweep: samples of
	// the last model.
	Final *tensor.Mat32 `json:"-"`
	// Trace[t][c] is F(v) of chain c of the last rung after estimation
	// sweep t (only with TrajectoryOptions.Trace).
	Trace [][]float64 `json:"-"`
}

// runPath builds the path, adapts the ladder (unless o.Ladder fixes it),
// burns in and runs the estimation sweeps, recording the pairs' increments
// when record.
func runPath(ctx context.Context, be tensor.Backend, models []*rbm.Model, o TrajectoryOptions, record bool) (*pathPT, *TrajectoryResult, error) {
	return runPathSnap(ctx, be, models, o, record, nil)
}

// runPathSnap is runPath calling snap(t, pt) after every estimation sweep t.
func runPathSnap(ctx context.Context, be tensor.Backend, models []*rbm.Model, o TrajectoryOptions, record bool, snap func(t int, pt *pathPT)) (*pathPT, *TrajectoryResult, error) {
	t0 := time.Now()
	if be == nil {
		return nil, nil, fmt.Errorf("no tensor backend given")
	}
	if err := o.check(); err != nil {
		return nil, nil, err
	}
	if record && (o.Batches < 2 || o.Chains < 2 || o.Sweeps < 2) {
		return nil, nil, fmt.Errorf("the errors need ≥ 2 batches of ≥ 1 chain each and ≥ 2 sweeps (got %d batches, %d chains, %d sweeps)", o.Batches, o.Chains, o.Sweeps)
	}
	p, err := newPath(models, o.BaseVisible)
	if err != nil {
		return nil, nil, err
	}
	if err := o.checkLadder(p.last(), record); err != nil {
		return nil, nil, err
	}
	var js *jumpSet
	if o.ModeJumps > 0 {
		if js, err = newJumpSet(ctx, models, o.ModeJumps, o.Seed); err != nil {
			return nil, nil, err
		}
	}
	pt, err := newPathPTAt(be, p, o.Chains, o.Init, o.Seed, o.Ladder, js)
	if err != nil {
		return nil, nil, err
	}
	res := &TrajectoryResult{LogZBase: LogZBase(p.nodes[0].a, p.m), Chains: o.Chains, Sweeps: o.Sweeps, BurnIn: o.BurnIn}
	if js != nil {
		for _, n := range js.nodes[1:] {
			res.ModeStates = append(res.ModeStates, len(n)/js.L)
		}
	}
	if o.Ladder == nil {
		if res.Rounds, err = pt.adapt(ctx, o.PilotSweeps, o.SwapTarget, o.MaxRungs); err != nil {
			return nil, nil, err
		}
	} else {
		pt.resetStats() // the burn-in's swaps count into statistics that adapt would have set up
	}
	total, done := o.BurnIn+o.Sweeps, 0
	tick := func(int) {
		done++
		if o.Progress != nil {
			o.Progress(done, total)
		}
	}
	recheck := o.Ladder == nil
	if res.Rechecks, err = pt.burnIn(ctx, o.BurnIn, recheck, o.SwapTarget/2, o.MaxRungs, func(extra int) { total += extra }, tick); err != nil {
		return nil, nil, err
	}
	pt.resetStats()
	pt.batches = min(o.Batches, o.Chains)
	if record {
		pt.rec = newPairRecords(len(pt.rungs)-1, o.Batches)
	}
	last := pt.rungs[len(pt.rungs)-1]
	each := func(t int) {
		if o.Trace {
			res.Trace = append(res.Trace, append([]float64(nil), last.f...))
		}
		if snap != nil {
			snap(t, pt)
		}
		tick(t)
	}
	if err := pt.run(ctx, o.Sweeps, record, each); err != nil {
		return nil, nil, err
	}
	res.Rungs, res.SwapRate = len(pt.rungs), pt.swapRates()
	if js != nil {
		res.JumpRate = pt.jumpRates()
	}
	for _, r := range pt.rungs {
		res.Ladder = append(res.Ladder, r.u)
	}
	res.Final = last.V
	res.Seconds = time.Since(t0).Seconds()
	return pt, res, nil
}

// Trajectory estimates log Z of every model in models (the checkpoints
// θ_0 … θ_T of a training run, in order) by parallel tempering along the
// piecewise-linear parameter path base-rate model → θ_0 → θ_1 → … → θ_T
// (docs/likelihood.md §Trajectory). The ladder starts with a rung at every
// node and gets midpoint rungs wherever neighbours swap less often than
// SwapTarget; after burn-in, the swap proposals of pair (k, k+1) give the
// forward increments l = F_k − F_{k+1} on rung-k samples and the reverse
// ones r = F_{k+1} − F_k on rung-(k+1) samples. Each pair's Δlog Z is
// estimated by the Bennett acceptance ratio, by the forward log-mean-exp
// (lower) and by the reverse one (upper), and summed from the exact log Z
// of the base-rate model. A one-model list gives a temperature ladder.
// With o.Ladder the rungs stay at the given positions, which must include
// every node.
func Trajectory(ctx context.Context, be tensor.Backend, models []*rbm.Model, o TrajectoryOptions) (*TrajectoryResult, error) {
	t0 := time.Now()
	if o.Backbone != nil {
		res, err := branched(ctx, be, models, o)
		if err != nil {
			return nil, fmt.Errorf("trajectory: %w", err)
		}
		res.Seconds = time.Since(t0).Seconds()
		return res, nil
	}
	pt, res, err := runPath(ctx, be, models, o, true)
	if err != nil {
		return nil, fmt.Errorf("trajectory: %w", err)
	}
	res.Points, _ = pt.estimates(res.LogZBase, res.SwapRate)
	res.Seconds = time.Since(t0).Seconds()
	return res, nil
}

// TemperingResult is the outcome of PathTempering.
type TemperingResult struct {
	// Samples holds the final visible states of the last rung (the
	// target), one row per chain.
	Samples *tensor.Mat32 `json:"-"`
	// SwapRate[k] is the swap rate between rungs k and k+1 over the
	// o.Sweeps sweeps: the mean over proposals of the acceptance
	// probability min(1, e^{l+r}) (Rungs−1 entries).
	SwapRate []float64 `json:"swap_rate"`
	// JumpRate and ModeStates are as in TrajectoryResult (nil without
	// mode jumps).
	JumpRate   []float64 `json:"jump_rate,omitempty"`
	ModeStates []int     `json:"mode_states,omitempty"`
	// Trace[t][c] is F(v) of chain c of the last rung after sweep t of the
	// o.Sweeps (only with TrajectoryOptions.Trace).
	Trace   [][]float64 `json:"-"`
	Rungs   int         `json:"rungs"`
	Chains  int         `json:"chains"`
	Sweeps  int         `json:"sweeps"`
	Seconds float64     `json:"seconds"`
}

// PathTempering samples by parallel tempering along the same path and
// adaptive ladder as Trajectory (one model: a temperature ladder from the
// base-rate model), without estimates: Samples are the last rung's chains
// after o.BurnIn + o.Sweeps sweeps on the adapted ladder, i.e. samples of
// the last of models. With o.Ladder the rungs are fixed at the given
// positions and the samples are those of the model at the last one (a
// one-rung ladder is plain block Gibbs).
func PathTempering(ctx context.Context, be tensor.Backend, models []*rbm.Model, o TrajectoryOptions) (*TemperingResult, error) {
	_, res, err := runPath(ctx, be, models, o, false)
	if err != nil {
		return nil, fmt.Errorf("parallel tempering: %w", err)
	}
	return &TemperingResult{Samples: res.Final, SwapRate: res.SwapRate, JumpRate: res.JumpRate, ModeStates: res.ModeStates, Trace: res.Trace,
		Rungs: res.Rungs, Chains: res.Chains, Sweeps: res.Sweeps, Seconds: res.Seconds}, nil
}

// pairEstimate is Δlog Z of one pair of rungs by the three estimators.
type pairEstimate struct{ bar, fwd, rev float64 }

func estimatePair(l, r []float64) pairEstimate {
	fwd, rev := LogMeanExp(l), -LogMeanExp(r)
	bar, _ := BennettLogRatio(negated(l), negated(r), nil) // its works are −l and −r
	return pairEstimate{bar: bar, fwd: fwd, rev: rev}
}

// estimates turns the recorded increments into one point per model node.
// Standard errors are batch means: every batch (a group of chain indices,
// i.e. of independent replicas of the ladder; see run) gives its own
// cumulative estimate at every node, and the error of the whole is the
// spread of those B estimates over √B. The batches are independent however
// slowly the chains decorrelate (batches of consecutive sweeps, used
// before, were not: their errors came out too small where the chains'
// autocorrelation time approached the batch length); and because each
// batch sums the same pairs, the correlation between the increments of
// neighbouring pairs (which share a rung's samples, and whose chains swap)
// is inside every batch sum, where per-pair variances added up would miss
// it. The replicas share the adapted ladder, a weak coupling the errors
// ignore.
func (pt *pathPT) estimates(logZBase float64, rates []float64) ([]TrajectoryPoint, [][]pairEstimate) {
	pairs, nb := len(pt.rungs)-1, pt.batches
	all := make([]pairEstimate, pairs)
	per := make([][]pairEstimate, pairs)
	tensor.ParallelRows(pairs, 1<<20, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			var l, r []float64
			per[k] = make([]pairEstimate, nb)
			for b := 0; b < nb; b++ {
				l, r = append(l, pt.rec.l[k][b]...), append(r, pt.rec.r[k][b]...)
				per[k][b] = estimatePair(pt.rec.l[k][b], pt.rec.r[k][b])
			}
			all[k] = estimatePair(l, r)
		}
	})
	var out []TrajectoryPoint
	var outB [][]pairEstimate // per point, the batches' cumulative estimates
	cum, cumB := pairEstimate{logZBase, logZBase, logZBase}, make([]pairEstimate, nb)
	for b := range cumB {
		cumB[b] = cum
	}
	pt0 := TrajectoryPoint{MinSwapRate: math.Inf(1)}
	cur := pt0
	for k := 0; k < pairs; k++ {
		cum = add(cum, all[k])
		for b := range cumB {
			cumB[b] = add(cumB[b], per[k][b])
		}
		cur.Rungs++
		cur.MinSwapRate = min(cur.MinSwapRate, rates[k])
		if u := pt.rungs[k+1].u; u == math.Floor(u) {
			cur.Index = int(u) - 1
			cur.LogZ, cur.LogZLower, cur.LogZUpper = cum.bar, cum.fwd, cum.rev
			cur.LogZErr = batchSE(cumB, func(e pairEstimate) float64 { return e.bar })
			cur.LogZLowerErr = batchSE(cumB, func(e pairEstimate) float64 { return e.fwd })
			cur.LogZUpperErr = batchSE(cumB, func(e pairEstimate) float64 { return e.rev })
			out = append(out, cur)
			outB = append(outB, slices.Clone(cumB))
			cur = pt0
		}
	}
	return out, outB
}

func negated(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = -v
	}
	return out
}

func add(a, b pairEstimate) pairEstimate {
	return pairEstimate{a.bar + b.bar, a.fwd + b.fwd, a.rev + b.rev}
}

// batchSE is the standard deviation of f over the batches divided by √B.
func batchSE(batches []pairEstimate, f func(pairEstimate) float64) float64 {
	n := float64(len(batches))
	m := 0.0
	for _, b := range batches {
		m += f(b) / n
	}
	v := 0.0
	for _, b := range batches {
		d := f(b) - m
		v += d * d
	}
	return math.Sqrt(v / (n - 1) / n)
}
