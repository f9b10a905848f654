package partition

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/rbmscope/rbmscope/internal/stats"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// TrajectoryAISOptions configures TrajectoryAIS and ReverseTrajectoryAIS.
type TrajectoryAISOptions struct {
	// Steps is the number K of annealing steps over the whole path
	// base-rate model → θ_0 → … → θ_T, split among its T+1 segments by the
	// pilot run (or evenly without one).
	Steps int
	// Schedule, when set, fixes the steps of each segment (T+1 entries,
	// each ≥ 1; segment 0 runs from the base-rate model to θ_0); Steps and
	// Pilot are then ignored.
	Schedule []int
	// Pilot is the number of steps of the pilot run that splits Steps
	// among the segments in proportion to their thermodynamic lengths
	// (see PilotSchedule); 0 splits them evenly.
	Pilot int
	// Chains is the number of chains C (TrajectoryAIS; the reverse run has
	// one per start state).
	Chains int
	// Resample is the SMC resampling threshold, as in Options.
	Resample float64
	// BaseVisible holds a^A of the base-rate model (nil: zeros).
	BaseVisible []float64
	// Seed selects the random streams (pilot, annealing and bootstrap).
	Seed uint64
	// Progress, when set, is called with the steps done and their number
	// (pilot steps first).
	Progress func(done, total int)
}

// DefaultTrajectoryAISOptions returns 20000 steps split by a 2000-step
// pilot, 200 chains, resampling at ESS < C/2, seed 1.
func DefaultTrajectoryAISOptions() TrajectoryAISOptions {
	return TrajectoryAISOptions{Steps: 20000, Pilot: 2000, Chains: 200, Resample: 0.5, Seed: 1}
}

// TrajectoryAISResult is one forward annealing run along a training
// trajectory.
type TrajectoryAISResult struct {
	// Points[t] is the estimate of log Z of models[t] (method "ais-traj"):
	// its log-weights are those of the chains when they reach θ_t, so it
	// is an AIS run of its own from the base-rate model to θ_t (a
	// stochastic lower bound on log Z_t); its Betas are the steps taken.
	Points []*Result `json:"points"`
	// Schedule holds the steps of each segment.
	Schedule []int `json:"schedule"`
	// Lengths holds the pilot's thermodynamic length of each segment (see
	// PilotLengths; nil without a pilot). Their sum squared over the steps
	// is about the variance of the log-weights the run can reach, so a
	// path whose total is several times the temperature path's (ThermoLength
	// of the last model alone) needs that factor squared more steps.
	Lengths  []float64 `json:"lengths,omitempty"`
	LogZBase float64   `json:"log_z_base"`
	Chains   int       `json:"chains"`
	Steps    int       `json:"steps"`
	Seconds  float64   `json:"seconds"`
}

// TrajectoryAIS estimates log Z of every model in models (the checkpoints
// θ_0 … θ_T of a training run, in order) by one annealed importance
// sampling run along the piecewise-linear parameter path base-rate model →
// θ_0 → … → θ_T (docs/likelihood.md §Trajectory AIS): the chains start
// from exact samples of the base-rate model and take one block-Gibbs sweep
// at each of o.Steps positions on the path, gathering log w += F_{u_{k−1}}(v)
// − F_{u_k}(v). When they reach θ_t their log-mean-exp weight estimates
// log Z_t, from below (Jensen), as in AIS; resampling (o.Resample) keeps it
// unbiased for Z_t. Where the temperature path of a well-trained model
// crosses a first-order transition, the training path follows its modes
// as they appeared.
func TrajectoryAIS(ctx context.Context, be tensor.Backend, models []*rbm.Model, o TrajectoryAISOptions) (*TrajectoryAISResult, error) {
	t0 := time.Now()
	ta, err := newTrajAnnealer(be, models, o, o.Chains, purposeTrajectoryAIS)
	if err != nil {
		return nil, fmt.Errorf("trajectory AIS: %w", err)
	}
	sched, lengths, err := ta.schedule(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("trajectory AIS: %w", err)
	}
	ta.baseSample()
	res := &TrajectoryAISResult{Schedule: sched, Lengths: lengths, LogZBase: ta.logZA, Chains: o.Chains, Steps: stats.Sum(sched)}
	pos := positions(sched)
	err = ta.anneal(ctx, pos, false, ta.progress(o, len(pos)-1), func(k int) {
		if u := pos[k]; u == math.Floor(u) {
			r := summarize("ais-traj", ta.logw, ta.eve, ta.resamples, ta.logZA, o.Seed)
			r.Betas = k
			res.Points = append(res.Points, r)
		}
	})
	if err != nil {
		return nil, err
	}
	res.Seconds = time.Since(t0).Seconds()
	for _, r := range res.Points {
		r.Seconds = res.Seconds
	}
	return res, nil
}

// ReverseTrajectoryAIS runs the chains the other way, from the rows of
// start (ideally exact samples of the last model) down the same path to the
// base-rate model, with o.Schedule (the forward run's Schedule, so the two
// share a path) or else one of its own. Its Result (method "rais-traj")
// estimates log Z of the last model from above when start is exact, as
// ReverseAIS does along the temperature path.
func ReverseTrajectoryAIS(ctx context.Context, be tensor.Backend, models []*rbm.Model, start *tensor.Mat32, o TrajectoryAISOptions) (*Result, error) {
	t0 := time.Now()
	if start == nil || start.Rows == 0 {
		return nil, fmt.Errorf("reverse trajectory AIS: no start states")
	}
	ta, err := newTrajAnnealer(be, models, o, start.Rows, purposeTrajectoryRAIS)
	if err != nil {
		return nil, fmt.Errorf("reverse trajectory AIS: %w", err)
	}
	if start.Cols != ta.path.n {
		return nil, fmt.Errorf("reverse trajectory AIS: start states have %d columns but the models have %d visible units", start.Cols, ta.path.n)
	}
	if err := checkBinary(start); err != nil {
		return nil, fmt.Errorf("reverse trajectory AIS: %w", err)
	}
	sched, _, err := ta.schedule(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("reverse trajectory AIS: %w", err)
	}
	copy(ta.V.Data, start.Data)
	pos := positions(sched)
	slices.Reverse(pos)
	if err := ta.anneal(ctx, pos, true, ta.progress(o, len(pos)-1), nil); err != nil {
		return nil, err
	}
	r := summarize("rais-traj", ta.logw, ta.eve, ta.resamples, ta.logZA, o.Seed)
	r.Betas = len(pos) - 1
	r.Seconds = time.Since(t0).Seconds()
	return r, nil
}

// PilotLengths measures the thermodynamic length of every segment of the
// path through models by a pilot AIS run of pilot steps split evenly over
// the segments, with chains chains (no resampling): the length of a
// segment is the sum over its steps of the standard deviation (across
// chains) of the step's log-weight increment, which for small steps does
// not depend on how many there are. The total length L of a path sets what
// annealing along it costs: with K steps spaced so that every step's
// increment has the same variance (L/K)² (steps ∝ length; Crooks 2007) the
// log-weights' variance is about L²/K. One model gives its temperature
// path (base-rate model → model, in even steps of β). The pilot uses its
// own random stream, so a schedule built from it is independent of the run
// it serves, and that run's estimate keeps its expectation.
func PilotLengths(ctx context.Context, be tensor.Backend, models []*rbm.Model, pilot, chains int, baseVisible []float64, seed uint64) ([]float64, error) {
	o := TrajectoryAISOptions{Pilot: pilot, Chains: chains, BaseVisible: baseVisible, Seed: seed}
	if err := o.check(be, chains); err != nil {
		return nil, err
	}
	p, err := newPath(models, baseVisible)
	if err != nil {
		return nil, err
	}
	return pilotLengths(ctx, be, p, chains, o)
}

// trajAnnealer holds C chains on the trajectory path.
type trajAnnealer struct {
	be              tensor.Backend
	path            *path
	V, X, XF, H, PH *tensor.Mat32 // X = V·W at the step's target, XF at its origin
	PV, spare       *tensor.Mat32
	fFrom, fTo      []float64
	logw, w         []float64
	eve             []int32
	resamples       int
	resample        float64
	st              *tensor.Stream
	logZA           float64
	buf             [2]*rbm.Params32 // interpolated parameters of the last two positions
	stepSD          []float64        // in a pilot: Σ over the steps of each segment of the sd of the increments
}

func newTrajAnnealer(be tensor.Backend, models []*rbm.Model, o TrajectoryAISOptions, chains int, purpose uint64) (*trajAnnealer, error) {
	if err := o.check(be, chains); err != nil {
		return nil, err
	}
	p, err := newPath(models, o.BaseVisible)
	if err != nil {
		return nil, err
	}
	return newTrajAnnealerOn(be, p, o.Resample, chains, o.Seed, purpose), nil
}

// check validates the options shared by every annealing run.
func (o *TrajectoryAISOptions) check(be tensor.Backend, chains int) error {
	switch {
	case be == nil:
		return fmt.Errorf("no tensor backend given")
	case chains < 1:
		return fmt.Errorf("need at least one chain, got %d", chains)
	case !(o.Resample >= 0 && o.Resample <= 1):
		return fmt.Errorf("resampling threshold must be in [0, 1] (a fraction of the chains), got %v", o.Resample)
	case o.Pilot < 0:
		return fmt.Errorf("need ≥ 0 pilot steps, got %d", o.Pilot)
	}
	return nil
}

// newTrajAnnealerOn puts chains chains with buffers of their own on the
// path p, every log-weight at log Z of the base-rate model.
func newTrajAnnealerOn(be tensor.Backend, p *path, resample float64, chains int, seed, purpose uint64) *trajAnnealer {
	n, m := p.n, p.m
	ta := &trajAnnealer{be: be, path: p, resample: resample, st: tensor.NewStream(seed, purpose),
		V: tensor.NewMat32(chains, n), X: tensor.NewMat32(chains, m), XF: tensor.NewMat32(chains, m), H: tensor.NewMat32(chains, m),
		PH: tensor.NewMat32(chains, m), PV: tensor.NewMat32(chains, n), fFrom: make([]float64, chains), fTo: make([]float64, chains),
		logw: make([]float64, chains), w: make([]float64, chains), eve: make([]int32, chains)}
	for i := range ta.buf {
		ta.buf[i] = &rbm.Params32{W: tensor.NewMat32(n, m), A: make([]float32, n), B: make([]float32, m)}
	}
	ta.logZA = LogZBase(p.nodes[0].a, m)
	for c := range ta.logw {
		ta.logw[c], ta.eve[c] = ta.logZA, int32(c)
	}
	return ta
}

// progress reports the steps of the main run after the pilot's.
func (ta *trajAnnealer) progress(o TrajectoryAISOptions, steps int) func(done, total int) {
	if o.Progress == nil {
		return nil
	}
	pilot := 0
	if o.Schedule == nil && o.Pilot > 0 {
		pilot = pilotSteps(o, len(ta.path.nodes)-1)
	}
	return func(done, _ int) { o.Progress(pilot+done, pilot+steps) }
}

// baseSample draws V exactly from the base-rate model.
func (ta *trajAnnealer) baseSample() {
	clear(ta.PV.Data)
	ta.be.SigmoidSample(ta.PV, ta.path.nodes[0].p.A, 1, ta.PV, ta.V, ta.st.Key())
}

// schedule returns o.Schedule (checked) or splits o.Steps by the lengths
// a pilot run measures (evenly without one), and those lengths.
func (ta *trajAnnealer) schedule(ctx context.Context, o TrajectoryAISOptions) ([]int, []float64, error) {
	segs := len(ta.path.nodes) - 1
	if o.Schedule != nil {
		if len(o.Schedule) != segs {
			return nil, nil, fmt.Errorf("the schedule has %d segments but the path has %d (from the base-rate model through %d models)", len(o.Schedule), segs, segs)
		}
		for i, s := range o.Schedule {
			if s < 1 {
				return nil, nil, fmt.Errorf("segment %d of the schedule has %d steps; each needs ≥ 1", i, s)
			}
		}
		return slices.Clone(o.Schedule), nil, nil
	}
	if o.Steps < segs {
		return nil, nil, fmt.Errorf("%d steps cannot cover the %d segments of the path (from the base-rate model through %d models); give ≥ %d", o.Steps, segs, segs, segs)
	}
	if o.Pilot == 0 {
		return split(o.Steps, slices.Repeat([]float64{1}, segs)), nil, nil
	}
	lengths, err := pilotLengths(ctx, ta.be, ta.path, len(ta.logw), o)
	if err != nil {
		return nil, nil, err
	}
	return split(o.Steps, lengths), lengths, nil
}

// pilotSteps is the number of steps the pilot runs on a path of segs
// segments: o.Pilot, at least one per segment.
func pilotSteps(o TrajectoryAISOptions, segs int) int { return max(o.Pilot, segs) }

// pilotLengths runs the pilot of PilotLengths on path p: chains chains of
// their own, no resampling, the pilot's random stream, o.Pilot steps split
// evenly (at least one per segment).
func pilotLengths(ctx context.Context, be tensor.Backend, p *path, chains int, o TrajectoryAISOptions) ([]float64, error) {
	segs := len(p.nodes) - 1
	pt := newTrajAnnealerOn(be, p, 0, chains, o.Seed, purposeTrajectoryPilot)
	pt.stepSD = make([]float64, segs)
	pt.baseSample()
	pos := positions(split(pilotSteps(o, segs), slices.Repeat([]float64{1}, segs)))
	var prog func(int, int)
	if o.Progress != nil {
		prog = func(done, _ int) { o.Progress(done, len(pos)-1+o.Steps) }
	}
	if err := pt.anneal(ctx, pos, false, prog, nil); err != nil {
		return nil, err
	}
	return pt.stepSD, nil
}

// split divides total (≥ len(weights)) into len(weights) parts ≥ 1: one
// each, and the rest in proportion to the weights, by rounding their
// cumulative shares (so the parts add up exactly); evenly when the weights'
// sum is not finite and positive.
func split(total int, weights []float64) []int {
	n := len(weights)
	s := stats.Sum(weights)
	if !(s > 0) || math.IsInf(s, 0) {
		weights, s = slices.Repeat([]float64{1}, n), float64(n)
	}
	extra := float64(total - n)
	out := make([]int, n)
	cum, prev := 0.0, 0
	for i, w := range weights {
		cum += w
		next := int(math.Round(extra * min(cum/s, 1)))
		if i == n-1 {
			next = total - n
		}
		out[i] = 1 + next - prev
		prev = next
	}
	return out
}

// positions lists the path positions of a schedule: 0, then n_i equal
// steps through each segment i, ending exactly on its node i+1.
func positions(sched []int) []float64 {
	pos := []float64{0}
	for i, n := range sched {
		for j := 1; j < n; j++ {
			pos = append(pos, float64(i)+float64(j)/float64(n))
		}
		pos = append(pos, float64(i+1))
	}
	return pos
}

// params returns the parameters at position u, interpolated into the
// buffer of step parity k.
func (ta *trajAnnealer) params(u float64, k int) *rbm.Params32 {
	return ta.path.atInto(u, ta.buf[k%2])
}

// anneal moves the chains along pos (pos[0] is where V is): at step k it
// adds to every log-weight the increment F_{pos[k−1]}(v) − F_{pos[k]}(v)
// (forward) or its negative (reverse, where pos descends: the log r of
// ReverseAIS), calls at(k), resamples when the weights call for it and,
// unless k is the last step, takes one block-Gibbs sweep at pos[k].
func (ta *trajAnnealer) anneal(ctx context.Context, pos []float64, reverse bool, progress func(done, total int), at func(k int)) error {
	K := len(pos) - 1
	st := stepper{ctx: ctx, progress: progress, total: K}
	from := ta.params(pos[0], 0)
	for k := 1; k <= K; k++ {
		to := ta.params(pos[k], k)
		ta.be.MulSparse(ta.V, from.W, ta.XF)
		freeEnergies(ta.be, ta.V, ta.XF, from, ta.fFrom)
		ta.be.MulSparse(ta.V, to.W, ta.X)
		freeEnergies(ta.be, ta.V, ta.X, to, ta.fTo)
		ta.increment(reverse, pos[k-1])
		if at != nil {
			at(k)
		}
		if k < K {
			ta.maybeResample(reverse)
			ta.be.SigmoidSample(ta.X, to.B, 1, ta.PH, ta.H, ta.st.Key())
			ta.be.Gemm(false, true, 1, ta.H, to.W, 0, ta.PV)
			ta.be.SigmoidSample(ta.PV, to.A, 1, ta.PV, ta.V, ta.st.Key())
		}
		from = to
		if err := st.at(k); err != nil {
			return err
		}
	}
	return nil
}

// increment adds the step's F_from − F_to (forward) or F_to − F_from
// (reverse) to the log-weights and, in a pilot, its standard deviation
// across chains to the length of the segment of the step's origin u.
func (ta *trajAnnealer) increment(reverse bool, u float64) {
	sign := 1.0
	if reverse {
		sign = -1
	}
	mean, sq := 0.0, 0.0
	for c := range ta.logw {
		d := sign * (ta.fFrom[c] - ta.fTo[c])
		ta.logw[c] += d
		mean += d
		sq += d * d
	}
	if ta.stepSD != nil {
		n := float64(len(ta.logw))
		mean /= n
		seg := min(int(math.Floor(u)), len(ta.stepSD)-1)
		ta.stepSD[seg] += math.Sqrt(max(0, sq/n-mean*mean))
	}
}

// maybeResample resamples the chains (V, with their fields X) when their
// weights call for it (resampleParents).
func (ta *trajAnnealer) maybeResample(reverse bool) {
	parent, ok := resampleParents(ta.logw, reverse, ta.resample, ta.st, ta.w)
	if !ok {
		return
	}
	if ta.spare == nil {
		ta.spare = tensor.NewMat32(ta.V.Rows, ta.V.Cols)
	}
	eve := make([]int32, len(parent))
	for i, j := range parent {
		copy(ta.spare.Row(i), ta.V.Row(j))
		copy(ta.XF.Row(i), ta.X.Row(j))
		eve[i] = ta.eve[j]
	}
	ta.V, ta.spare = ta.spare, ta.V
	ta.X, ta.XF = ta.XF, ta.X
	ta.eve = eve
	ta.resamples++
}

// checkBinary reports the first entry of m that is not 0 or 1.
func checkBinary(m *tensor.Mat32) error {
	for _, x := range m.Data {
		if x != 0 && x != 1 {
			return fmt.Errorf("start states must be 0/1 (found %v)", x)
		}
	}
	return nil
}
