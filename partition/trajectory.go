package partition

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// TrajectoryOptions configure Trajectory.
type TrajectoryOptions struct {
	// Chains is the number of particles C.
	Chains int
	// Sweeps is the number of block-Gibbs sweeps run at every rung after
	// resampling (≥ 1: the reverse increments need samples moved at the
	// upper rung).
	Sweeps int
	// MinESS is the fraction τ ∈ (0, 1) of the particles that the
	// effective sample size of every step's incremental weights must
	// reach: where one step to the next checkpoint would fall below τC,
	// intermediate rungs (parameters interpolated linearly between the two
	// checkpoints) are inserted by bisection.
	MinESS float64
	// BaseVisible holds a^A of the base-rate model the path starts from
	// (nil: zeros); see BaseRate.
	BaseVisible []float64
	// Seed selects the random streams.
	Seed uint64
	// MaxRungs caps the total number of rungs (0: 1,000,000); a path that
	// needs more fails.
	MaxRungs int
	// Progress, when set, is called with the checkpoints done and their
	// number.
	Progress func(done, total int)
}

// DefaultTrajectoryOptions returns 200 particles, 1 sweep per rung and
// τ = 0.99: many small steps, as in AIS (the variance of the sum of the
// increments falls as the steps shrink, docs/likelihood.md §Trajectory).
func DefaultTrajectoryOptions() TrajectoryOptions {
	return TrajectoryOptions{Chains: 200, Sweeps: 1, MinESS: 0.99, Seed: 1}
}

// TrajectoryPoint is the log Z of one checkpoint (docs/likelihood.md §Trajectory).
type TrajectoryPoint struct {
	Index int `json:"index"` // position in the list of models
	// LogZ is the Bennett acceptance ratio estimate, the sum over rungs of
	// the BAR increments; LogZErr is the larger of its and the forward
	// estimate's delta-method standard errors.
	LogZ    float64 `json:"log_z"`
	LogZErr float64 `json:"log_z_err"`
	// LogZLower is the forward sequential Monte Carlo estimate, the sum
	// over rungs of log-mean-exp forward increments: E[e^LogZLower] = Z,
	// so it is a stochastic lower bound on log Z.
	LogZLower    float64 `json:"log_z_lower"`
	LogZLowerErr float64 `json:"log_z_lower_err"`
	// LogZUpper sums the reverse increments −log mean e^{F_k − F_{k−1}} over
	// samples of each upper rung k: a stochastic upper bound on log Z when
	// those samples are at equilibrium (the BDMC caveat).
	LogZUpper    float64 `json:"log_z_upper"`
	LogZUpperErr float64 `json:"log_z_upper_err"`
	Rungs        int     `json:"rungs"`   // steps from the previous checkpoint (or the base-rate model) to this one
	MinESS       float64 `json:"min_ess"` // smallest effective sample size of those steps' incremental weights
}

// TrajectoryResult is the log Z along a training trajectory.
type TrajectoryResult struct {
	Points   []TrajectoryPoint `json:"points"`
	LogZBase float64           `json:"log_z_base"`
	Rungs    int               `json:"rungs"`
	Chains   int               `json:"chains"`
	Sweeps   int               `json:"sweeps"`
	Seconds  float64           `json:"seconds"`
	// Final holds the particles at the last model after its Gibbs sweeps
	// (equal weights): approximate samples of it.
	Final *tensor.Mat32 `json:"-"`
}

// pathNode is one end of a linear segment of the parameter path, in the
// float32 values the chains use, widened to float64 for free energies.
type pathNode struct {
	w          *tensor.Mat32
	a, b       []float64
	a32, b32   []float32
	zeroCouple bool // W = 0 (the base-rate model)
}

func newPathNode(p *rbm.Params32) pathNode {
	n := pathNode{w: p.W, a32: p.A, b32: p.B, a: make([]float64, len(p.A)), b: make([]float64, len(p.B))}
	for i, x := range p.A {
		n.a[i] = float64(x)
	}
	for j, x := range p.B {
		n.b[j] = float64(x)
	}
	return n
}

// trajectory is the particle system of Trajectory.
type trajectory struct {
	be         tensor.Backend
	o          TrajectoryOptions
	nodes      []pathNode
	c          int
	V, H       *tensor.Mat32 // particles (C×N) and hidden buffer (C×M)
	PV, PH     *tensor.Mat32
	XP, XQ     *tensor.Mat32 // V·W_P and V·W_Q of the current segment
	linP, linQ []float64     // V·a_P and V·a_Q
	rung       *rbm.Params32 // parameters of the current rung (float32)
	stream     *tensor.Stream
	l, r       []float64 // per-particle forward and reverse log-increments
	spare      *tensor.Mat32
	rungs      int
}

// Trajectory estimates log Z of every model in models (the checkpoints
// θ_0 … θ_T of a training run, in order) by sequential Monte Carlo along
// the piecewise-linear parameter path base-rate model → θ_0 → θ_1 → … → θ_T
// (docs/likelihood.md §Trajectory). Linear interpolation of the parameters is
// geometric interpolation of the Boltzmann weights, so the first segment is
// the AIS path of θ_0. At each rung k the C particles (samples of p_k) give
// the forward increments l = F_k(v) − F_{k+1}(v), the next rung is the
// farthest point of the segment whose incremental weights keep an effective
// sample size ≥ MinESS·C (found by bisection, so close checkpoints cost one
// rung and far ones get intermediate distributions), the particles are
// resampled in proportion to e^l and moved by Sweeps block-Gibbs sweeps at
// the new rung, where they give the reverse increments r = F_{k+1}(v) − F_k(v).
// Each checkpoint gets a forward (lower), reverse (upper) and Bennett
// acceptance ratio estimate of log Z.
func Trajectory(ctx context.Context, be tensor.Backend, models []*rbm.Model, o TrajectoryOptions) (*TrajectoryResult, error) {
	t0 := time.Now()
	tr, err := newTrajectory(be, models, o)
	if err != nil {
		return nil, fmt.Errorf("trajectory: %w", err)
	}
	res := &TrajectoryResult{LogZBase: LogZBase(tr.nodes[0].a, models[0].NumHidden()), Chains: o.Chains, Sweeps: o.Sweeps}
	var acc pathSums
	acc.init(res.LogZBase)
	tr.exactBase()
	for i := 0; i+1 < len(tr.nodes); i++ {
		pt, err := tr.segment(ctx, i, &acc)
		if err != nil {
			return nil, err
		}
		pt.Index = i
		res.Points = append(res.Points, pt)
		if o.Progress != nil {
			o.Progress(i+1, len(models))
		}
	}
	res.Rungs, res.Final = tr.rungs, tr.V
	res.Seconds = time.Since(t0).Seconds()
	return res, nil
}

func newTrajectory(be tensor.Backend, models []*rbm.Model, o TrajectoryOptions) (*trajectory, error) {
	switch {
	case be == nil:
		return nil, fmt.Errorf("no tensor backend given")
	case len(models) == 0:
		return nil, fmt.Errorf("no models given")
	case o.Chains < 2:
		return nil, fmt.Errorf("need at least 2 particles, got %d", o.Chains)
	case o.Sweeps < 1:
		return nil, fmt.Errorf("need at least 1 Gibbs sweep per rung, got %d", o.Sweeps)
	case !(o.MinESS > 0 && o.MinESS < 1):
		return nil, fmt.Errorf("the effective-sample-size threshold must be in (0, 1), got %v", o.MinESS)
	}
	n, m := models[0].NumVisible(), models[0].NumHidden()
	for t, md := range models {
		if err := md.Validate(); err != nil {
			return nil, fmt.Errorf("model %d: %w", t, err)
		}
		if md.NumVisible() != n || md.NumHidden() != m {
			return nil, fmt.Errorf("model %d is %d×%d but model 0 is %d×%d", t, md.NumVisible(), md.NumHidden(), n, m)
		}
	}
	base := rbm.New(n, m)
	if o.BaseVisible != nil {
		if len(o.BaseVisible) != n {
			return nil, fmt.Errorf("base-rate model has %d visible biases but the models have %d visible units", len(o.BaseVisible), n)
		}
		copy(base.A, o.BaseVisible)
		if err := base.Validate(); err != nil {
			return nil, fmt.Errorf("base-rate visible biases: %w", err)
		}
	}
	tr := &trajectory{be: be, o: o, c: o.Chains, stream: tensor.NewStream(o.Seed, purposeTrajectory)}
	tr.nodes = append(tr.nodes, newPathNode(base.To32()))
	tr.nodes[0].zeroCouple = true
	for _, md := range models {
		tr.nodes = append(tr.nodes, newPathNode(md.To32()))
	}
	c := o.Chains
	tr.V, tr.PV, tr.spare = tensor.NewMat32(c, n), tensor.NewMat32(c, n), tensor.NewMat32(c, n)
	tr.H, tr.PH = tensor.NewMat32(c, m), tensor.NewMat32(c, m)
	tr.XP, tr.XQ = tensor.NewMat32(c, m), tensor.NewMat32(c, m)
	tr.linP, tr.linQ = make([]float64, c), make([]float64, c)
	tr.l, tr.r = make([]float64, c), make([]float64, c)
	tr.rung = &rbm.Params32{W: tensor.NewMat32(n, m), A: make([]float32, n), B: make([]float32, m)}
	return tr, nil
}

// exactBase draws the particles exactly from the base-rate model.
func (tr *trajectory) exactBase() {
	clear(tr.H.Data)
	s := rbm.NewSampler(tr.be, tr.nodes[0].params(), tr.stream)
	s.Visible(tr.H, tr.PV, tr.V)
}

func (n *pathNode) params() *rbm.Params32 { return &rbm.Params32{W: n.w, A: n.a32, B: n.b32} }

// pathSums accumulates the three estimates and their variances along the path.
type pathSums struct {
	fwd, rev, bar          float64
	fwdVar, revVar, barVar float64
}

func (p *pathSums) init(logZA float64) { p.fwd, p.rev, p.bar = logZA, logZA, logZA }

// segment walks from node i to node i+1 and returns the estimates at node i+1.
func (tr *trajectory) segment(ctx context.Context, i int, acc *pathSums) (TrajectoryPoint, error) {
	P, Q := &tr.nodes[i], &tr.nodes[i+1]
	tr.fields(P, Q)
	pt := TrajectoryPoint{MinESS: math.Inf(1)}
	s, step := 0.0, 0.0
	for s < 1 {
		if err := ctx.Err(); err != nil {
			return pt, err
		}
		if tr.o.MaxRungs > 0 && tr.rungs >= tr.o.MaxRungs || tr.rungs >= 1_000_000 {
			return pt, fmt.Errorf("trajectory: more than %d rungs needed; raise MaxRungs or lower MinESS", tr.rungs)
		}
		s1, ess := tr.nextRung(P, Q, s, step)
		pt.MinESS = min(pt.MinESS, ess)
		fwd := LogMeanExp(tr.l)
		acc.fwd += fwd
		acc.fwdVar += max(0, 1/ess-1/float64(tr.c))
		tr.resample()
		tr.gibbs(P, Q, s1)
		tr.fields(P, Q)
		tr.increments(P, Q, s1, s, tr.r) // r = F_{s1} − F_s on samples of p_{s1}
		rev := -LogMeanExp(tr.r)
		acc.rev += rev
		acc.revVar += max(0, 1/EffectiveSampleSize(tr.r, false)-1/float64(tr.c))
		d, v := bennett(tr.l, tr.r, fwd, rev)
		acc.bar += d
		acc.barVar += v
		s, step = s1, s1-s
		tr.rungs++
		pt.Rungs++
	}
	// The delta-method variances ignore the correlation that resampling
	// creates between steps; on the tests' small models the Bennett
	// error so computed is too small by up to 2×, the forward one much
	// less, so LogZErr is the larger of the two (docs/likelihood.md).
	pt.LogZ, pt.LogZErr = acc.bar, math.Sqrt(max(acc.barVar, acc.fwdVar))
	pt.LogZLower, pt.LogZLowerErr = acc.fwd, math.Sqrt(acc.fwdVar)
	pt.LogZUpper, pt.LogZUpperErr = acc.rev, math.Sqrt(acc.revVar)
	return pt, nil
}

// increments sets out_c = F_{sa}(v_c) − F_{sb}(v_c) for the particles, with
// F_s the free energy at s of the segment P→Q (XP, XQ, linP, linQ current).
func (tr *trajectory) increments(P, Q *pathNode, sa, sb float64, out []float64) {
	d := sb - sa
	tensor.ParallelRows(tr.c, tr.XP.Cols, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			xp, xq := tr.XP.Row(c), tr.XQ.Row(c)
			acc := d * (tr.linQ[c] - tr.linP[c])
			for j := range xp {
				yp := P.b[j] + float64(xp[j])
				dy := Q.b[j] + float64(xq[j]) - yp
				acc += tensor.Softplus64(yp+sb*dy) - tensor.Softplus64(yp+sa*dy)
			}
			out[c] = acc
		}
	})
}

// nextRung returns the next rung s1 ∈ (s, 1], whose forward increments
// l = F_s − F_{s1} (left in tr.l) keep an effective sample size ≥
// MinESS·C, and that effective sample size. It tries s + 1.5·step (step:
// the previous step of the segment, or the whole rest of it at its start)
// and otherwise bisects below that to within a quarter of the step, so a
// smooth segment costs about one evaluation per rung.
func (tr *trajectory) nextRung(P, Q *pathNode, s, step float64) (float64, float64) {
	need := tr.o.MinESS * float64(tr.c)
	ess := func(s1 float64) float64 {
		tr.increments(P, Q, s, s1, tr.l)
		return EffectiveSampleSize(tr.l, false)
	}
	hi := 1.0
	if step > 0 {
		hi = min(1, s+1.5*step)
	}
	if e := ess(hi); e >= need {
		return hi, e
	}
	lo := s
	for it := 0; it < 60; it++ {
		mid := lo + (hi-lo)/2
		if ess(mid) >= need {
			lo = mid
		} else {
			hi = mid
		}
		if lo > s && hi-lo <= 0.25*(lo-s) {
			break
		}
	}
	if !(lo > s) {
		lo = s + (hi-s)/2 // unreachable for finite weights: ESS → C as s1 → s
	}
	return lo, ess(lo)
}

// fields sets XP = V·W_P, XQ = V·W_Q, linP = V·a_P and linQ = V·a_Q.
func (tr *trajectory) fields(P, Q *pathNode) {
	for _, x := range []struct {
		n   *pathNode
		X   *tensor.Mat32
		lin []float64
	}{{P, tr.XP, tr.linP}, {Q, tr.XQ, tr.linQ}} {
		if x.n.zeroCouple {
			clear(x.X.Data)
		} else {
			tr.be.MulSparse(tr.V, x.n.w, x.X)
		}
		for c := range x.lin {
			s := 0.0
			for i, v := range tr.V.Row(c) {
				if v != 0 {
					s += x.n.a[i]
				}
			}
			x.lin[c] = s
		}
	}
}

// gibbs sets the rung parameters (1−s)θ_P + sθ_Q (rounded to float32) and
// runs Sweeps block-Gibbs sweeps of the particles there.
func (tr *trajectory) gibbs(P, Q *pathNode, s float64) {
	W := tr.rung.W
	tensor.ParallelRows(W.Rows, W.Cols, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst, wp, wq := W.Row(i), P.w.Row(i), Q.w.Row(i)
			for j := range dst {
				dst[j] = float32((1-s)*float64(wp[j]) + s*float64(wq[j]))
			}
		}
	})
	for i := range tr.rung.A {
		tr.rung.A[i] = float32((1-s)*P.a[i] + s*Q.a[i])
	}
	for j := range tr.rung.B {
		tr.rung.B[j] = float32((1-s)*P.b[j] + s*Q.b[j])
	}
	smp := rbm.NewSampler(tr.be, tr.rung, tr.stream)
	for t := 0; t < tr.o.Sweeps; t++ {
		smp.Hidden(tr.V, tr.PH, tr.H)
		smp.Visible(tr.H, tr.PV, tr.V)
	}
}

// resample replaces the particles by a systematic resample in proportion
// to e^{l_c} (one uniform from the stream).
func (tr *trajectory) resample() {
	w := make([]float64, tr.c)
	_, total, _ := scaledWeights(tr.l, false, w)
	g := tensor.RowRand(tr.stream.Key(), 0)
	u := g.Float64()
	j, cum := 0, w[0]
	for i := 0; i < tr.c; i++ {
		pos := (u + float64(i)) / float64(tr.c) * total
		for cum < pos && j < tr.c-1 {
			j++
			cum += w[j]
		}
		copy(tr.spare.Row(i), tr.V.Row(j))
	}
	tr.V, tr.spare = tr.spare, tr.V
}

// bennett solves the Bennett acceptance ratio equation for equal sample
// sizes, Σ_F σ(l − Δ) = Σ_R σ(r + Δ), for Δ = log Z_1 − log Z_0, with l =
// F_0 − F_1 on samples of p_0 and r = F_1 − F_0 on samples of p_1, and
// returns Δ and Bennett's variance estimate
// Σ_{F,R} (⟨g²⟩/⟨g⟩² − 1)/n with g = σ(l − Δ) and σ(r + Δ).
// The left side decreases in Δ and the right side increases, so the root
// is unique; it is bracketed around the one-sided estimates fwd and rev.
func bennett(l, r []float64, fwd, rev float64) (float64, float64) {
	f := func(d float64) float64 {
		s := 0.0
		for _, x := range l {
			s += sigmoid(x - d)
		}
		for _, x := range r {
			s -= sigmoid(x + d)
		}
		return s
	}
	lo, hi := min(fwd, rev)-1, max(fwd, rev)+1
	for k := 0; f(lo) < 0 && k < 60; k++ {
		lo -= hi - lo
	}
	for k := 0; f(hi) > 0 && k < 60; k++ {
		hi += hi - lo
	}
	for k := 0; k < 200 && hi-lo > 1e-12*max(1, math.Abs(lo)); k++ {
		mid := lo + (hi-lo)/2
		if f(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	d := lo + (hi-lo)/2
	return d, bennettVar(l, -d) + bennettVar(r, d)
}

// bennettVar is (⟨g²⟩/⟨g⟩² − 1)/n for g = σ(x + shift).
func bennettVar(x []float64, shift float64) float64 {
	var s1, s2 float64
	for _, v := range x {
		g := sigmoid(v + shift)
		s1 += g
		s2 += g * g
	}
	n := float64(len(x))
	if s1 == 0 {
		return math.Inf(1)
	}
	return max(0, (s2/n)/((s1/n)*(s1/n))-1) / n
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
