package study

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/internal/jsonsafe"
	"github.com/rbmscope/rbmscope/internal/stats"
	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/rundir"
)

// TrajectoryPoint is the trajectory estimate at one checkpoint of a run
// (one entry of the "trajectory" array of eval --json). LL = Num − LogZ;
// LLLower = Num − LogZUpper and LLUpper = Num − LogZLower.
type TrajectoryPoint struct {
	Epoch        int      `json:"epoch"`
	Model        string   `json:"model"`
	Num          float64  `json:"num"`
	LogZ         float64  `json:"log_z"`
	LogZErr      float64  `json:"log_z_err"`
	LL           float64  `json:"ll"`
	LLErr        float64  `json:"ll_err"`
	LogZLower    float64  `json:"log_z_lower"`
	LogZLowerErr float64  `json:"log_z_lower_err"`
	LogZUpper    float64  `json:"log_z_upper"`
	LogZUpperErr float64  `json:"log_z_upper_err"`
	LLLower      float64  `json:"ll_lower"`
	LLUpper      float64  `json:"ll_upper"`
	LogZExact    *float64 `json:"log_z_exact,omitempty"`
	LLExact      *float64 `json:"ll_exact,omitempty"`
	LogZMode     *float64 `json:"log_z_mode,omitempty"`   // certified lower bound on log Z from a mode search (--mode-starts)
	LLMode       *float64 `json:"ll_mode,omitempty"`      // num − log_z_mode: a certified upper bound on the log-likelihood
	Rungs        int      `json:"rungs"`                  // pairs of rungs from the previous checkpoint (--traj-method pt)
	MinSwapRate  float64  `json:"min_swap_rate"`          // the smallest swap rate of those pairs (pt)
	Steps        int      `json:"steps,omitempty"`        // annealing steps from the previous checkpoint (--traj-method ais)
	ESS          float64  `json:"ess,omitempty"`          // effective number of chains behind the forward estimate (ais)
	Eves         int      `json:"eves,omitempty"`         // initial chains the forward chains descend from (ais)
	BranchFrom   *int     `json:"branch_from,omitempty"`  // the backbone epoch a branch starts from (--traj-branch-steps)
	BranchSteps  int      `json:"branch_steps,omitempty"` // its AIS steps
	BranchESS    float64  `json:"branch_ess,omitempty"`   // the effective number of its chains
	// Warning is set when AIS or reverse AIS of the same checkpoint
	// (--estimator both) or the mode-search bound contradicts the
	// trajectory estimate.
	Warning string `json:"warning,omitempty"`
}

// String is the human line of eval for p.
func (p TrajectoryPoint) String() string {
	line := ""
	if p.BranchSteps > 0 {
		line = fmt.Sprintf("epoch %d: LL trajectory branch %.4f ± %.4f  (≤ %.4f; %d AIS steps from epoch %d, ESS %.0f)", p.Epoch, p.LL, p.LLErr, p.LLUpper, p.BranchSteps, *p.BranchFrom, p.BranchESS)
	} else if p.Steps > 0 {
		line = fmt.Sprintf("epoch %d: LL trajectory AIS %.4f ± %.4f  (%d steps, ESS %.0f, %d eves)", p.Epoch, p.LL, p.LLErr, p.Steps, p.ESS, p.Eves)
		if !math.IsNaN(p.LLLower) {
			line += fmt.Sprintf("  reverse %.4f ± %.4f", p.LLLower, p.LogZUpperErr)
		}
	} else {
		line = fmt.Sprintf("epoch %d: LL trajectory %.4f ± %.4f  [%.4f, %.4f]  (%d rungs, min swap rate %.2f)", p.Epoch, p.LL, p.LLErr, p.LLLower, p.LLUpper, p.Rungs, p.MinSwapRate)
	}
	if p.Warning != "" {
		line += "\n  warning: " + p.Warning
	}
	return line
}

// crossCheck sets the Warning of every trajectory point whose estimate lies
// above the AIS upper bound or below the reverse-AIS lower bound of the
// same checkpoint by more than three combined standard errors (the
// reverse-AIS side only when its sandwich is not inverted).
func crossCheck(re *RunEval) {
	for _, r := range re.Results {
		if r.Epoch == nil || r.Bounds == nil {
			continue
		}
		i := slices.IndexFunc(re.Trajectory, func(p TrajectoryPoint) bool { return p.Epoch == *r.Epoch })
		if i < 0 {
			continue
		}
		p, b := &re.Trajectory[i], r.Bounds
		var w string
		if d := p.LL - b.LLAIS; d > 3*math.Hypot(p.LLErr, b.LLAISErr) {
			w = fmt.Sprintf("the trajectory LL is %.2f nats above the AIS upper bound %.2f: its chains miss modes that AIS finds (docs/likelihood.md §Trajectory); trust AIS here", d, b.LLAIS)
		} else if d := b.LLRAIS - p.LL; !(b.LLRAIS > b.LLAIS) && d > 3*math.Hypot(p.LLErr, b.LLRAISErr) {
			w = fmt.Sprintf("the trajectory LL is %.2f nats below the reverse-AIS lower bound %.2f", d, b.LLRAIS)
		}
		if w != "" && p.Warning != "" {
			w = p.Warning + "; " + w // keep the point's own warnings (trajectory AIS: few chains or ancestors)
		}
		if w != "" {
			p.Warning = w
		}
	}
}

// TrajectoryInfo describes one trajectory estimate of a run: by parallel
// tempering (method pt: the ladder and its swap rates) or by annealing
// along the checkpoints (method ais: the schedule, each checkpoint's
// forward result and the reverse run of the last).
type TrajectoryInfo struct {
	Method     string    `json:"method"`
	Rungs      int       `json:"rungs"`
	Chains     int       `json:"chains"`
	Sweeps     int       `json:"sweeps"`
	BurnIn     int       `json:"burn_in"`
	Rounds     int       `json:"adapt_rounds"`
	Rechecks   int       `json:"rechecks"` // times the ladder gained rungs after burn-in (partition.TrajectoryResult)
	SwapTarget float64   `json:"swap_target"`
	LogZBase   float64   `json:"log_z_base"`
	Ladder     []float64 `json:"ladder"`    // rung positions: checkpoint i at i+1, the base-rate model at 0
	SwapRate   []float64 `json:"swap_rate"` // per pair of neighbouring rungs
	// ModeJumps is the mode-search starts per checkpoint for the jump
	// moves (0: none), JumpRate every rung's jump acceptance and
	// ModeStates the modes found per checkpoint (partition.TrajectoryResult).
	ModeJumps int `json:"mode_jumps"`
	// Backbone lists the indices (among the estimated checkpoints) that the
	// tempering path runs through when the others get branches of
	// BranchSteps AIS steps (--traj-branch-steps; nil: no branches).
	Backbone    []int     `json:"backbone,omitempty"`
	BranchSteps int       `json:"branch_steps,omitempty"`
	JumpRate    []float64 `json:"jump_rate,omitempty"`
	ModeStates  []int     `json:"mode_states,omitempty"`
	Seconds     float64   `json:"seconds"` // the estimate alone (no numerators, no exact log Z)
	// Method ais: Steps annealing steps split over the segments as
	// Schedule (segment 0: base-rate model → first checkpoint), the forward
	// Result at every checkpoint, and the reverse run from ReverseStart
	// states of the last checkpoint (with the PT run behind them). The
	// lengths below are measured for both methods.
	Steps    int   `json:"steps,omitempty"`
	Schedule []int `json:"schedule,omitempty"`
	// Lengths are the segments' thermodynamic lengths from the pilot
	// (partition.PilotLengths), Length their sum, and TemperatureLength
	// that of the last checkpoint's temperature path measured the same way:
	// annealing needs about (Length/TemperatureLength)² as many steps
	// along the checkpoints as along temperature for the same error.
	Lengths           []float64                  `json:"lengths,omitempty"`
	Length            float64                    `json:"length,omitempty"`
	TemperatureLength float64                    `json:"temperature_length,omitempty"`
	Forward           []*partition.Result        `json:"forward,omitempty"`
	Reverse           *partition.Result          `json:"reverse,omitempty"`
	ReverseStart      string                     `json:"reverse_start,omitempty"`
	PT                *partition.TemperingResult `json:"pt,omitempty"`
}

// RunEval is the evaluation of a run: per-checkpoint AIS/RAIS results and,
// with --estimator trajectory or both, the trajectory estimate at every
// checkpoint.
type RunEval struct {
	Run            string            `json:"run"`
	Results        []EvalResult      `json:"results,omitempty"`
	Trajectory     []TrajectoryPoint `json:"trajectory,omitempty"`
	TrajectoryInfo *TrajectoryInfo   `json:"trajectory_info,omitempty"`
	Seconds        float64           `json:"seconds"`
	// Warnings say when the trajectory estimate stands unchecked (neither
	// exact enumeration nor AIS/RAIS of the same checkpoints tested it) and
	// from which checkpoint its forward and reverse sums are inverted.
	Warnings []string `json:"warnings,omitempty"`
}

// uncheckedTrajectory is the warning of a trajectory estimate that
// nothing checked (--estimator trajectory on models too large to
// enumerate), by method.
var uncheckedTrajectory = map[string]string{
	"pt":  "the trajectory estimate is not cross-checked: on trained 784×500 runs it has been measured 5–9 nats off where spurious modes appear (docs/likelihood.md §Trajectory); use --estimator both, which compares it with AIS and reverse AIS",
	"ais": "the trajectory-AIS estimate is not cross-checked: like AIS it can miss modes its chains never reach, which only lowers log Z (raises the LL); use --estimator both, which compares it with AIS and reverse AIS along the temperature path",
}

// trajectoryWarnings returns the run-level warnings of re for estimator:
// an estimate nothing checked (trajectory alone, no exact values), and the
// first checkpoint from which the forward and reverse estimates are
// inverted by more than three combined standard errors, which with exact
// samples they cannot be (Jensen). For parallel tempering the chains there
// are not at equilibrium; for trajectory AIS (which has both sides at the
// last checkpoint only) the reverse run's start states miss states of the
// model that the forward run found.
func trajectoryWarnings(re *RunEval, estimator string) []string {
	var out []string
	method := "pt"
	if re.TrajectoryInfo != nil && re.TrajectoryInfo.Method != "" {
		method = re.TrajectoryInfo.Method
	}
	if estimator == "trajectory" && slices.ContainsFunc(re.Trajectory, func(p TrajectoryPoint) bool { return p.LLExact == nil }) {
		out = append(out, uncheckedTrajectory[method])
	}
	if info := re.TrajectoryInfo; info != nil && info.Length > 2*info.TemperatureLength {
		r := info.Length / info.TemperatureLength
		cost := fmt.Sprintf("annealing along it needs about %.0f× the steps of temperature AIS for the same error", r*r)
		if method == "pt" {
			cost = fmt.Sprintf("tempering along it needs about %.0f× the rungs of a temperature ladder, and its chains about %.0f× the sweeps to cross them", r, r*r)
		}
		out = append(out, fmt.Sprintf("the path through the checkpoints is %.1f× as long as the last checkpoint's temperature path (thermodynamic length %.1f against %.1f): %s; more checkpoints make the path longer, not shorter, so run it through fewer (--traj-every N) or trust temperature AIS and reverse AIS (--estimator all) here (docs/likelihood.md §Trajectory AIS)",
			r, info.Length, info.TemperatureLength, cost))
	}
	for _, p := range re.Trajectory {
		if d := p.LLLower - p.LLUpper; d > 3*math.Hypot(p.LogZLowerErr, p.LogZUpperErr) {
			if method == "ais" {
				out = append(out, fmt.Sprintf("forward and reverse trajectory AIS are inverted at epoch %d by %.2f nats: the reverse run's start states (--rais-start %s) miss states of the model that the forward chains found, so the LL is at most %.2f (the forward value); try --rais-start pt", p.Epoch, d, re.TrajectoryInfo.ReverseStart, p.LLUpper))
				break
			}
			last := re.Trajectory[len(re.Trajectory)-1]
			out = append(out, fmt.Sprintf("the trajectory's forward and reverse sums are inverted from epoch %d on (by %.2f nats there, %.2f at epoch %d): its chains are not at equilibrium, and there its estimate has been measured to move by 9 nats with the ladder (docs/likelihood.md §Trajectory); trust AIS and reverse AIS", p.Epoch, d, last.LLLower-last.LLUpper, last.Epoch))
			break
		}
	}
	return out
}

// EvalRunAll is EvalRun returning everything: the AIS/RAIS results of the
// checkpoints every o.Every epochs (unless o.Estimator is trajectory) and,
// when o.Estimator is trajectory or both, the trajectory estimate through
// the checkpoints every o.TrajEvery epochs and the last, whose ll_traj
// columns it writes into metrics.csv.
func EvalRunAll(ctx context.Context, dir string, o EvalOptions, done func(EvalResult)) (*RunEval, error) {
	t0 := time.Now()
	j, all, err := runJob(dir, o)
	if err != nil {
		return nil, err
	}
	re := &RunEval{Run: dir}
	if o.Estimator != "trajectory" {
		if re.Results, err = j.run(ctx, done); err != nil {
			return nil, err
		}
	}
	if o.usesTrajectory() {
		cks, backbone := trajectoryCheckpoints(all, o)
		if err := j.trajectory(ctx, cks, backbone, re); err != nil {
			return nil, err
		}
		crossCheck(re)
		re.Warnings = trajectoryWarnings(re, o.Estimator)
	}
	re.Seconds = time.Since(t0).Seconds()
	if o.LLJSON != "" {
		return re, WriteLLJSON(o.LLJSON, re, o)
	}
	return re, nil
}

// BranchStarts is the number of snapshots of every chain of a backbone
// checkpoint that start the AIS chains of its branches (--traj-branch-steps):
// with the default 20 chains per rung, 100 AIS chains per branch.
const BranchStarts = 5

// trajectoryCheckpoints returns the checkpoints the trajectory estimates:
// those every o.TrajEvery epochs and the last, or with branches
// (o.TrajBranch > 0) all of them, with the indices of those (and the
// first) as the tempering path's backbone.
func trajectoryCheckpoints(all []rundir.Checkpoint, o EvalOptions) ([]rundir.Checkpoint, []int) {
	on := rundir.Every(all, o.TrajEvery)
	if o.TrajBranch == 0 || len(on) == len(all) {
		return on, nil
	}
	backbone := []int{0}
	for i, c := range all {
		if i > 0 && slices.ContainsFunc(on, func(d rundir.Checkpoint) bool { return d.Path == c.Path }) {
			backbone = append(backbone, i)
		}
	}
	return all, backbone
}

// trajectory runs partition.Trajectory over the checkpoints all (through
// those of backbone only when set, branching to the others) and writes its
// points into re and metrics.csv.
func (j *evalJob) trajectory(ctx context.Context, all []rundir.Checkpoint, backbone []int, re *RunEval) error {
	o := &j.o
	var models []*rbm.Model
	for _, c := range all {
		md, err := c.Load()
		if err != nil {
			return badinput.Wrap(err)
		}
		if md.NumVisible() != j.set.Width() {
			return badinput.Errorf("%s has %d visible units but the data has %d columns", c.Path, md.NumVisible(), j.set.Width())
		}
		models = append(models, md)
	}
	var points []partition.TrajectoryPoint
	var err error
	if o.TrajMethod == "ais" {
		points, re.TrajectoryInfo, err = j.trajectoryAIS(ctx, models, all)
	} else {
		points, re.TrajectoryInfo, err = j.trajectoryPT(ctx, models, backbone)
	}
	if err != nil {
		return interrupted(err)
	}
	for i, p := range points {
		tp, err := j.trajectoryPoint(ctx, all[i], models[i], p)
		if err != nil {
			return err
		}
		if p.BranchSteps > 0 {
			from := all[p.BranchFrom].Epoch
			tp.BranchFrom, tp.BranchSteps, tp.BranchESS = &from, p.BranchSteps, p.BranchESS
		}
		if info := re.TrajectoryInfo; info.Method == "ais" {
			tp.Steps, tp.ESS, tp.Eves = info.Schedule[i], info.Forward[i].ESS, info.Forward[i].Eves
			var rev *partition.Result
			if i == len(points)-1 {
				rev = info.Reverse
			}
			tp.Warning = strings.Join(partition.Warnings(partition.LLBounds{}, info.Forward[i], rev), "; ")
		}
		for _, w := range []string{modeCheck(tp), branchCheck(tp, j.o.TrajChains*BranchStarts)} {
			if w != "" {
				tp.Warning = strings.Join(slices.DeleteFunc([]string{tp.Warning, w}, func(s string) bool { return s == "" }), "; ")
			}
		}
		re.Trajectory = append(re.Trajectory, tp)
		ll := rundir.NoLL()
		ll.Traj, ll.TrajErr, ll.TrajLower, ll.TrajUpper = tp.LL, tp.LLErr, tp.LLLower, tp.LLUpper
		if err := rundir.UpdateLL(j.runDir, tp.Epoch, ll); err != nil {
			return err
		}
	}
	return nil
}

// trajectoryPT runs partition.Trajectory (parallel tempering along the
// checkpoints) over models, through those of backbone only when set.
func (j *evalJob) trajectoryPT(ctx context.Context, models []*rbm.Model, backbone []int) ([]partition.TrajectoryPoint, *TrajectoryInfo, error) {
	o := &j.o
	to := partition.DefaultTrajectoryOptions()
	if backbone != nil {
		to.Backbone, to.BranchSteps, to.BranchStarts = backbone, o.TrajBranch, BranchStarts
	}
	to.Chains, to.Sweeps, to.BurnIn, to.SwapTarget, to.MaxRungs, to.Seed = o.TrajChains, o.TrajSweeps, o.TrajBurnIn, o.TrajTarget, o.TrajRungs, o.Seed
	to.BaseVisible, to.Progress = partition.BaseRate(j.baseMeans), j.progress("trajectory")
	to.ModeJumps = modeJumps(o.ModeJumps, models[0])
	res, err := partition.Trajectory(ctx, j.be, models, to)
	if err != nil {
		return nil, nil, err
	}
	info := &TrajectoryInfo{Method: "pt", Rungs: res.Rungs, Chains: res.Chains, Sweeps: res.Sweeps, BurnIn: res.BurnIn, Rounds: res.Rounds, Rechecks: res.Rechecks,
		SwapTarget: o.TrajTarget, LogZBase: res.LogZBase, Ladder: res.Ladder, SwapRate: res.SwapRate, Seconds: res.Seconds,
		ModeJumps: to.ModeJumps, JumpRate: res.JumpRate, ModeStates: res.ModeStates}
	path := models // the tempering path: the backbone's models
	if backbone != nil {
		path = nil
		for _, i := range backbone {
			path = append(path, models[i])
		}
		info.Backbone, info.BranchSteps = backbone, o.TrajBranch
	}
	if info.Lengths, err = partition.PilotLengths(ctx, j.be, path, j.pilotSteps(len(path)), o.Chains, to.BaseVisible, o.Seed); err != nil {
		return nil, nil, err
	}
	if err := j.temperatureLength(ctx, path, info); err != nil {
		return nil, nil, err
	}
	return res.Points, info, nil
}

// pilotSteps is the length of the pilots that measure thermodynamic
// lengths: a tenth of --betas, at least one step per segment of the path
// through the checkpoints. partition raises a pilot to one step per
// segment by itself; this rule is here as well so that the temperature
// path's pilot (one segment, temperatureLength) runs as many steps as the
// trajectory's, and their lengths compare like for like.
func (j *evalJob) pilotSteps(segments int) int { return max(j.o.Betas/10, segments) }

// temperatureLength sets info.Length, the sum of info.Lengths, and
// info.TemperatureLength, the last model's temperature path measured by a
// pilot of the same steps (partition.PilotLengths): how much longer the path
// through the checkpoints is (trajectoryWarnings).
func (j *evalJob) temperatureLength(ctx context.Context, models []*rbm.Model, info *TrajectoryInfo) error {
	temp, err := partition.PilotLengths(ctx, j.be, models[len(models)-1:], j.pilotSteps(len(models)), j.o.Chains, partition.BaseRate(j.baseMeans), j.o.Seed)
	if err != nil {
		return err
	}
	info.Length, info.TemperatureLength = stats.Sum(info.Lengths), temp[0]
	return nil
}

// trajectoryAIS runs partition.TrajectoryAIS over models (o.Betas steps
// split by a pilot of o.Betas/10, o.Chains chains, o.Resample), then
// partition.ReverseTrajectoryAIS on the same schedule from the last
// model's reverse-AIS start states (o.RAISStart). Every point gets the
// forward estimate as its log Z and lower side; the last also gets the
// reverse one as its upper side (NaN elsewhere: there are no exact samples
// of the earlier checkpoints to start from).
func (j *evalJob) trajectoryAIS(ctx context.Context, models []*rbm.Model, all []rundir.Checkpoint) ([]partition.TrajectoryPoint, *TrajectoryInfo, error) {
	o := &j.o
	t0 := time.Now()
	to := partition.TrajectoryAISOptions{Steps: max(o.Betas, len(models)), Pilot: j.pilotSteps(len(models)), Chains: o.Chains, Resample: o.Resample,
		BaseVisible: partition.BaseRate(j.baseMeans), Seed: o.Seed, Progress: j.progress("trajectory AIS")}
	fwd, err := partition.TrajectoryAIS(ctx, j.be, models, to)
	if err != nil {
		return nil, nil, err
	}
	last := models[len(models)-1]
	start, pt, err := j.raisStarts(ctx, last, all[len(all)-1].Path, "trajectory")
	if err != nil {
		return nil, nil, err
	}
	to.Schedule, to.Progress = fwd.Schedule, j.progress("trajectory RAIS")
	rev, err := partition.ReverseTrajectoryAIS(ctx, j.be, models, start, to)
	if err != nil {
		return nil, nil, err
	}
	nan := math.NaN()
	points := make([]partition.TrajectoryPoint, len(fwd.Points))
	for i, r := range fwd.Points {
		points[i] = partition.TrajectoryPoint{Index: i, LogZ: r.LogZ, LogZErr: r.LogZErr, LogZLower: r.LogZ, LogZLowerErr: r.LogZErr,
			LogZUpper: nan, LogZUpperErr: nan, MinSwapRate: nan}
	}
	points[len(points)-1].LogZUpper, points[len(points)-1].LogZUpperErr = rev.LogZ, rev.LogZErr
	info := &TrajectoryInfo{Method: "ais", Chains: o.Chains, Steps: fwd.Steps, Schedule: fwd.Schedule, Lengths: fwd.Lengths, LogZBase: fwd.LogZBase,
		Forward: fwd.Points, Reverse: rev, ReverseStart: o.RAISStart, PT: pt, Seconds: time.Since(t0).Seconds()}
	if err := j.temperatureLength(ctx, models, info); err != nil {
		return nil, nil, err
	}
	return points, info, nil
}

// trajectoryPoint turns the log Z estimate p of checkpoint c into
// log-likelihoods, with the exact values where the model can be enumerated
// (unless NoExact).
func (j *evalJob) trajectoryPoint(ctx context.Context, c rundir.Checkpoint, md *rbm.Model, p partition.TrajectoryPoint) (TrajectoryPoint, error) {
	num, err := partition.MeanNegFreeEnergy(md, j.set.X)
	if err != nil {
		return TrajectoryPoint{}, err
	}
	tp := TrajectoryPoint{Epoch: c.Epoch, Model: c.Path, Num: num, LogZ: p.LogZ, LogZErr: p.LogZErr, LL: num - p.LogZ, LLErr: p.LogZErr,
		LogZLower: p.LogZLower, LogZLowerErr: p.LogZLowerErr, LogZUpper: p.LogZUpper, LogZUpperErr: p.LogZUpperErr,
		LLLower: num - p.LogZUpper, LLUpper: num - p.LogZLower, Rungs: p.Rungs, MinSwapRate: p.MinSwapRate}
	if !j.o.NoExact && partition.CanEnumerate(md) {
		lz, err := partition.ExactLogZContext(ctx, md, nil)
		if err != nil {
			return tp, interrupted(err)
		}
		ll := num - lz
		tp.LogZExact, tp.LLExact = &lz, &ll
	}
	mb, err := j.modeBound(ctx, md, c.Path)
	if err != nil || mb == nil {
		return tp, interrupted(err)
	}
	ll := num - mb.LogZ
	tp.LogZMode, tp.LLMode = &mb.LogZ, &ll
	return tp, nil
}

// MinBranchESS is the fraction of a branch's AIS chains below whose
// effective sample size branchCheck warns.
const MinBranchESS = 0.1

// branchCheck is the warning for a branch point (--traj-branch-steps)
// whose AIS weights rest on fewer than MinBranchESS of its chains: the
// log-mean-exp is then biased low by an amount its error does not show
// ("" otherwise).
func branchCheck(tp TrajectoryPoint, chains int) string {
	if tp.BranchSteps == 0 || tp.BranchESS >= MinBranchESS*float64(chains) {
		return ""
	}
	return fmt.Sprintf("the branch from epoch %d rests on %.1f of its %d AIS chains (effective sample size): its log Z is likely too low and its LL too high by more than its error; raise --traj-branch-steps or put this checkpoint on the backbone (--traj-every)", *tp.BranchFrom, tp.BranchESS, chains)
}

// modeCheck is the warning for a trajectory point whose log Z, or whose
// one-sided upper value, lies below the point's certified lower bound by
// more than three standard errors ("" when neither does).
func modeCheck(tp TrajectoryPoint) string {
	if tp.LogZMode == nil {
		return ""
	}
	bound := *tp.LogZMode
	switch {
	case tp.LogZ+3*tp.LogZErr < bound:
		return fmt.Sprintf("the trajectory log Z %.2f ± %.2f is %.2f below a certified lower bound %.2f (a mode search): its chains miss modes that hold more mass than its whole estimate, so its LL %.2f is too high; the log-likelihood is at most %.2f",
			tp.LogZ, tp.LogZErr, bound-tp.LogZ, bound, tp.LL, *tp.LLMode)
	case tp.LogZUpper+3*tp.LogZUpperErr < bound:
		return fmt.Sprintf("the trajectory's reverse sum %.2f ± %.2f is below a certified lower bound %.2f on log Z (a mode search), so ll_lower %.2f is no lower bound", tp.LogZUpper, tp.LogZUpperErr, bound, tp.LLLower)
	}
	return ""
}

// LLFile is the content of eval --ll-json: the final checkpoint's
// log-likelihood from two independent estimators, the trajectory and
// AIS/reverse AIS.
type LLFile struct {
	Model string `json:"model"`
	// LLLower and LLUpper bracket the log-likelihood by the union of the
	// two methods' brackets: the smallest and the largest of their four
	// one-sided values (so an inverted pair widens the bracket).
	LLLower float64 `json:"ll_lower"`
	LLUpper float64 `json:"ll_upper"`
	// LLMode is the certified upper bound on the log-likelihood from the
	// mode search of the last checkpoint (--mode-starts; absent when off).
	// A bracket above it is wrong whatever the methods' agreement: they
	// missed modes.
	LLMode  *float64    `json:"ll_mode,omitempty"`
	Methods []LLMethod  `json:"methods"`
	Seconds float64     `json:"seconds"`
	Agree   bool        `json:"agree"`
	Note    string      `json:"note,omitempty"`
	Target  *LLTarget   `json:"target,omitempty"`
	Epoch   int         `json:"epoch"`
	Data    string      `json:"data"`
	Split   string      `json:"split"`
	Rows    int         `json:"rows"`
	Options EvalOptions `json:"options"`
}

// LLMethod is one estimator's bracket [LLLower, LLUpper] and its errors.
type LLMethod struct {
	Method   string  `json:"method"` // "trajectory" (pt), "trajectory-ais" or "ais+rais"
	LL       float64 `json:"ll"`     // point estimate (BAR; the bracket's midpoint for ais+rais)
	LLLower  float64 `json:"ll_lower"`
	LLUpper  float64 `json:"ll_upper"`
	LowerErr float64 `json:"ll_lower_err"`
	UpperErr float64 `json:"ll_upper_err"`
}

// LLTarget is issue 14's target for the best 784×500 model:
// ll_lower ≥ −88 with ll_upper − ll_lower ≤ 1 and the two methods agreeing.
type LLTarget struct {
	LLLowerMin float64 `json:"ll_lower_min"`
	WidthMax   float64 `json:"width_max"`
	Met        bool    `json:"met"`
}

// Summarize builds the LLFile of re's last checkpoint; it needs both the
// trajectory and an AIS+RAIS result of that checkpoint (--estimator both).
// The two methods agree when their brackets, each widened by two standard
// errors on either side, overlap.
func Summarize(re *RunEval, o EvalOptions) (*LLFile, error) {
	if len(re.Trajectory) == 0 || len(re.Results) == 0 {
		return nil, badinput.Errorf("--ll-json needs --estimator both (the trajectory and AIS/RAIS of the last checkpoint)")
	}
	tp, r := re.Trajectory[len(re.Trajectory)-1], re.Results[len(re.Results)-1]
	if r.Epoch == nil || *r.Epoch != tp.Epoch || r.Bounds == nil || math.IsNaN(r.Bounds.LLAIS) || math.IsNaN(r.Bounds.LLRAIS) {
		return nil, badinput.Errorf("--ll-json needs AIS and reverse AIS of the last checkpoint (--estimator both)")
	}
	b := r.Bounds
	name := "trajectory"
	if re.TrajectoryInfo != nil && re.TrajectoryInfo.Method == "ais" {
		name = "trajectory-ais"
	}
	tr := LLMethod{Method: name, LL: tp.LL, LLLower: tp.LLLower, LLUpper: tp.LLUpper, LowerErr: tp.LogZUpperErr, UpperErr: tp.LogZLowerErr}
	ar := LLMethod{Method: "ais+rais", LL: (b.LLAIS + b.LLRAIS) / 2, LLLower: b.LLRAIS, LLUpper: b.LLAIS, LowerErr: b.LLRAISErr, UpperErr: b.LLAISErr}
	f := &LLFile{Model: tp.Model, LLMode: r.LLMode, Methods: []LLMethod{tr, ar}, Seconds: re.Seconds, Epoch: tp.Epoch, Data: r.Data, Split: r.Split, Rows: r.Rows, Options: o}
	// The union of the two brackets, each taken as the interval between its
	// two one-sided values whichever way round they lie: an inverted pair
	// (spurious modes the reverse side never reaches, or chains not at
	// equilibrium) widens the bracket instead of shrinking it.
	f.LLLower = min(tr.LLLower, tr.LLUpper, ar.LLLower, ar.LLUpper)
	f.LLUpper = max(tr.LLLower, tr.LLUpper, ar.LLLower, ar.LLUpper)
	// Each end keeps its own value's error, also when the pair is inverted
	// (the lower end is then LLUpper, with UpperErr).
	lo := func(m LLMethod) float64 {
		if m.LLLower <= m.LLUpper {
			return m.LLLower - 2*m.LowerErr
		}
		return m.LLUpper - 2*m.UpperErr
	}
	hi := func(m LLMethod) float64 {
		if m.LLLower <= m.LLUpper {
			return m.LLUpper + 2*m.UpperErr
		}
		return m.LLLower + 2*m.LowerErr
	}
	f.Agree = lo(tr) <= hi(ar) && lo(ar) <= hi(tr)
	var notes []string
	if !f.Agree {
		notes = append(notes, fmt.Sprintf("the methods disagree: trajectory [%.2f, %.2f], ais+rais [%.2f, %.2f] do not overlap within two standard errors", tr.LLLower, tr.LLUpper, ar.LLLower, ar.LLUpper))
	}
	if b.LLRAIS > b.LLAIS {
		notes = append(notes, fmt.Sprintf("AIS and reverse AIS are inverted (ll_rais %.2f > ll_ais %.2f)", b.LLRAIS, b.LLAIS))
	}
	if tp.LLLower > tp.LLUpper {
		notes = append(notes, fmt.Sprintf("the trajectory's one-sided values are inverted (%.2f > %.2f)", tp.LLLower, tp.LLUpper))
	}
	refuted := r.LLMode != nil && *r.LLMode < f.LLLower
	if refuted {
		notes = append(notes, fmt.Sprintf("the certified upper bound from a mode search, ll_mode %.2f, lies below the bracket: both methods missed modes, and the log-likelihood is at most %.2f", *r.LLMode, *r.LLMode))
	}
	f.Note = strings.Join(notes, "; ")
	if tp.Model != "" && r.Hidden == 500 && r.Visible == 784 {
		f.Target = &LLTarget{LLLowerMin: -88, WidthMax: 1}
		// an inverted pair beyond noise means its values are not bounds at all
		inverted := b.LLRAIS-b.LLAIS > 3*math.Hypot(b.LLRAISErr, b.LLAISErr) ||
			tp.LLLower-tp.LLUpper > 3*math.Hypot(tp.LogZUpperErr, tp.LogZLowerErr)
		f.Target.Met = f.Agree && !inverted && !refuted && f.LLLower >= -88 && f.LLUpper-f.LLLower <= 1
	}
	return f, nil
}

// WriteLLJSON writes Summarize(re, o) to path (eval --ll-json).
func WriteLLJSON(path string, re *RunEval, o EvalOptions) error {
	f, err := Summarize(re, o)
	if err != nil {
		return err
	}
	return jsonsafe.WriteFile(path, f, "  ")
}
