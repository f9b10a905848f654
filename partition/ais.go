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

// Options configures AIS and reverse AIS.
type Options struct {
	// Betas is the schedule β_0 = 0 < … < β_K = 1 (see Schedule).
	Betas []float64
	// Chains is the number of AIS chains C. ReverseAIS ignores it and runs
	// one chain per start row.
	Chains int
	// BaseVisible holds the visible biases a^A of the base-rate model
	// (BaseRate builds them from data means); nil means a^A = 0.
	BaseVisible []float64
	// Seed selects the random streams (sampling and bootstrap).
	Seed uint64
	// Resample, when positive, turns AIS into a sequential Monte Carlo
	// sampler: whenever the effective sample size of the chain weights
	// falls below Resample·chains, the chains are resampled in proportion
	// to their weights (systematic resampling) and the weights restart
	// from the running estimate. The estimate of Z (forward) or 1/Z
	// (reverse) stays unbiased, so the bounds keep their direction, but
	// chains stuck in modes that lose weight along the path are moved to
	// the ones that gain it. 0.5 is the usual choice; 0 is plain AIS.
	Resample float64
	// ModeJumps, when > 0 and the hidden layer is the smaller one, adds a
	// mode-jump move on h after every hidden sample (aisjumps.go): a mode
	// search with this many random starts on the target model, then
	// Metropolis–Hastings jumps near its modes that leave each p_β
	// invariant. 0: none (AutoModeJumps gives the default of eval).
	ModeJumps int
	// Progress, when set, is called with the number of β steps done and K.
	Progress func(done, total int)
}

// Result is one AIS or reverse AIS run.
type Result struct {
	Method string    `json:"method"` // "ais" or "rais"
	LogW   []float64 `json:"-"`      // per-chain log-weights: log w (E e^{log w} = Z) or log r (E e^{−log r} = 1/Z)
	LogZA  float64   `json:"log_z_base"`
	// LogZ is the log-mean-exp estimate: logmeanexp(log w) for AIS (a
	// stochastic lower bound) and −logmeanexp(−log r) for reverse AIS (a
	// stochastic upper bound); LogZErr is its standard error: a bootstrap
	// over chains, or GenealogySE when the chains were resampled.
	LogZ    float64 `json:"log_z"`
	LogZErr float64 `json:"log_z_err"`
	// LogZMean is the plain mean of the log-weights (what the paper's
	// authors plotted; it widens the sandwich), with its error (as LogZErr).
	LogZMean    float64 `json:"log_z_mean"`
	LogZMeanErr float64 `json:"log_z_mean_err"`
	// ESS is the effective number of chains behind LogZ, (Σw)²/Σw² of the
	// normalised importance weights (w = e^{log w}, or e^{−log r} for
	// reverse AIS): near Chains when the weights are even, near 1 when one
	// chain dominates and LogZ is not to be trusted.
	ESS       float64 `json:"ess"`
	Resamples int     `json:"resamples,omitempty"` // resampling events (Options.Resample)
	// Eves is the number of distinct initial chains (time-0 ancestors) the
	// final chains descend from after resampling; Chains when none
	// happened. The error of a resampled run rests on these families
	// (GenealogyVariance); a handful of them makes the error itself
	// uncertain.
	Eves int     `json:"eves,omitempty"`
	Eve  []int32 `json:"-"` // each final chain's time-0 ancestor (for GenealogyVariance)
	// ModeStates is the number of modes the jumps went to and JumpRate
	// their acceptance over all steps and chains (Options.ModeJumps).
	ModeStates int     `json:"mode_states,omitempty"`
	JumpRate   float64 `json:"jump_rate,omitempty"`
	Chains     int     `json:"chains"`
	Betas      int     `json:"betas"` // K
	Seconds    float64 `json:"seconds"`
	// Spread, for a result pooled from independent runs (Pool), says how
	// well the runs agree with each other and with their errors.
	Spread *Spread `json:"spread,omitempty"`
}

// reverse reports whether r is a reverse run (method "rais" or
// "rais-traj": its log-weights are log r, E e^{−log r} = 1/Z).
func (r *Result) reverse() bool { return r.Method == "rais" || r.Method == "rais-traj" }

// Estimate returns the log Z estimate and its standard error for est.
func (r *Result) Estimate(est Estimator) (logZ, se float64) {
	if est == Mean {
		return r.LogZMean, r.LogZMeanErr
	}
	return r.LogZ, r.LogZErr
}

// BaseRate returns the base-rate visible biases a^A_i = log(m_i/(1−m_i))
// from data means m_i clipped to [1e-3, 1−1e-3].
func BaseRate(means []float64) []float64 {
	a := make([]float64, len(means))
	for i, m := range means {
		m = min(max(m, 1e-3), 1-1e-3)
		a[i] = math.Log(m / (1 - m))
	}
	return a
}

// LogZBase returns log Z_A = Σ_i sp(a^A_i) + M log 2 of the base-rate model
// with m hidden units.
func LogZBase(aA []float64, m int) float64 {
	s := float64(m) * math.Ln2
	for _, a := range aA {
		s += tensor.Softplus64(a)
	}
	return s
}

// annealer holds the float32 state of C chains on the path
// p_β(v,h) ∝ exp[((1−β)a^A + βa)ᵀv + βbᵀh + βvᵀWh].
type annealer struct {
	be         tensor.Backend
	p          *rbm.Params32
	aA         []float64 // a^A as used (float32-rounded), in float64
	aA32       []float32
	lin        []float64 // a − a^A of the float32 parameters, in float64
	betas32    []float32
	betas      []float64 // float64(betas32): the path actually run
	V, X, H, P *tensor.Mat32
	biasV      []float32
	linV       []float64 // Σ_i v_i(a_i − a^A_i) per chain, kept in step with V
	logw       []float64
	stream     *tensor.Stream
	logZA      float64
	resample   float64       // Options.Resample
	resamples  int           // resampling events so far
	eve        []int32       // time-0 ancestor of each chain, permuted by resampling
	spareV     *tensor.Mat32 // resampling buffer
	weights    []float64     // resampling buffer
	useC       bool          // run the elementwise kernels as C (OpenBLAS build and backend)
	jump       *aisJumps     // the mode-jump move (Options.ModeJumps; nil: none)
}

func newAnnealer(be tensor.Backend, m *rbm.Model, opts Options, chains int, purpose uint64) (*annealer, error) {
	if be == nil {
		return nil, fmt.Errorf("no tensor backend given")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if err := checkBetas(opts.Betas); err != nil {
		return nil, err
	}
	if chains < 1 {
		return nil, fmt.Errorf("AIS needs at least one chain, got %d", chains)
	}
	if !(opts.Resample >= 0 && opts.Resample <= 1) {
		return nil, fmt.Errorf("resampling threshold must be in [0, 1] (a fraction of the chains), got %v", opts.Resample)
	}
	n, nh := m.NumVisible(), m.NumHidden()
	aA := opts.BaseVisible
	if aA == nil {
		aA = make([]float64, n)
	}
	if len(aA) != n {
		return nil, fmt.Errorf("base-rate model has %d visible biases but the model has %d visible units", len(aA), n)
	}
	a := &annealer{be: be, p: m.To32(), stream: tensor.NewStream(opts.Seed, purpose)}
	a.useC = cHidden != nil && be.Name() == "openblas"
	a.resample = opts.Resample
	a.aA32 = make([]float32, n)
	a.aA = make([]float64, n)
	a.lin = make([]float64, n)
	for i, x := range aA {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("base-rate visible bias %d is not finite (%v)", i, x)
		}
		a.aA32[i] = float32(x)
		a.aA[i] = float64(a.aA32[i])
		a.lin[i] = float64(a.p.A[i]) - a.aA[i]
	}
	a.logZA = LogZBase(a.aA, nh)
	a.jump = newAISJumps(m, opts.ModeJumps, chains, opts.Seed)
	a.betas32 = make([]float32, len(opts.Betas))
	a.betas = make([]float64, len(opts.Betas))
	for k, b := range opts.Betas {
		a.betas32[k] = float32(b)
		a.betas[k] = float64(a.betas32[k])
	}
	a.V = tensor.NewMat32(chains, n)
	a.P = tensor.NewMat32(chains, n)
	a.X = tensor.NewMat32(chains, nh)
	a.H = tensor.NewMat32(chains, nh)
	a.biasV = make([]float32, n)
	a.linV = make([]float64, chains)
	a.logw = make([]float64, chains)
	a.eve = make([]int32, chains)
	for c := range a.logw {
		a.logw[c] = a.logZA
		a.eve[c] = int32(c)
	}
	return a, nil
}

// field sets X = V·W (the Wᵀv of every chain, a sparse row sum over the
// ones of V); it serves both free
// energies of the increment and the next hidden sample.
func (a *annealer) field() { a.be.MulSparse(a.V, a.p.W, a.X) }

// visible draws V ~ p_β(v|h) = Bern(sig((1−β)a^A + β(a+Wh))) from H.
func (a *annealer) visible(k int) {
	b32, b := a.betas32[k], a.betas[k]
	a.be.Gemm(false, true, b32, a.H, a.p.W, 0, a.P)
	for i := range a.biasV {
		a.biasV[i] = float32((1-b)*a.aA[i] + b*float64(a.p.A[i]))
	}
	a.visibleSample()
}

// stepper reports progress and checks for cancellation every few steps.
type stepper struct {
	ctx      context.Context
	progress func(done, total int)
	total    int
}

func (s stepper) at(done int) error {
	if done%32 != 0 && done != s.total {
		return nil
	}
	if s.progress != nil {
		s.progress(done, s.total)
	}
	return s.ctx.Err()
}

// AIS runs forward annealed importance sampling from the base-rate model to
// m along opts.Betas with opts.Chains chains on backend be (docs/theory.md §AIS).
// Each chain starts from an exact sample of the base-rate model and gets
// log w = log Z_A + Σ_k [F_{β_{k−1}}(v_k) − F_{β_k}(v_k)]; E[w] = Z.
func AIS(ctx context.Context, be tensor.Backend, m *rbm.Model, opts Options) (*Result, error) {
	start := time.Now()
	a, err := newAnnealer(be, m, opts, opts.Chains, purposeAIS)
	if err != nil {
		return nil, fmt.Errorf("AIS: %w", err)
	}
	// v_1 ~ p_A exactly: Bernoulli(sig(a^A)) per unit.
	clear(a.P.Data)
	copy(a.biasV, a.aA32)
	a.visibleSample()
	K := len(a.betas) - 1
	st := stepper{ctx: ctx, progress: opts.Progress, total: K}
	for k := 1; k <= K; k++ {
		a.field()
		if k < K {
			a.hidden(k, sampleHi) // increment, then h ~ p_{β_k}(h|v_k)
			if a.jump != nil {
				a.jumpHidden(k) // h moved by a jump that leaves p_{β_k}(h) invariant
			}
			a.visible(k) // v_{k+1} ~ p_{β_k}(v|h)
			a.maybeResample(false)
		} else {
			a.hidden(k, noSample)
		}
		if err := st.at(k); err != nil {
			return nil, err
		}
	}
	return finish("ais", a, opts.Seed, start), nil
}

// ReverseAIS runs reverse AIS (docs/theory.md §RAIS) from the visible states in the
// rows of start (ideally exact samples of m; in practice data points or the
// ends of long Gibbs chains, see LongChains): for k = K…1, v_k ~
// T_{β_k}(·|v_{k+1}) when k < K, then log r += F_{β_{k−1}}(v_k) − F_{β_k}(v_k),
// including the final β_1 → β_0 ratio. When start ~ p exactly,
// E[e^{−log r}] = 1/Z. opts.Chains is ignored.
func ReverseAIS(ctx context.Context, be tensor.Backend, m *rbm.Model, start *tensor.Mat32, opts Options) (*Result, error) {
	t0 := time.Now()
	if start == nil || start.Rows == 0 {
		return nil, fmt.Errorf("reverse AIS: no start states")
	}
	if start.Cols != m.NumVisible() {
		return nil, fmt.Errorf("reverse AIS: start states have %d columns but the model has %d visible units", start.Cols, m.NumVisible())
	}
	if err := checkBinary(start); err != nil {
		return nil, fmt.Errorf("reverse AIS: %w", err)
	}
	a, err := newAnnealer(be, m, opts, start.Rows, purposeReverseAIS)
	if err != nil {
		return nil, fmt.Errorf("reverse AIS: %w", err)
	}
	copy(a.V.Data, start.Data)
	a.refreshLin()
	K := len(a.betas) - 1
	st := stepper{ctx: ctx, progress: opts.Progress, total: K}
	for k := K; k >= 1; k-- {
		a.field()
		if k > 1 {
			a.hidden(k, sampleLo) // increment, then h ~ p_{β_{k−1}}(h|v_k)
			if a.jump != nil {
				a.jumpHidden(k - 1)
			}
			a.visible(k - 1) // v_{k−1} ~ p_{β_{k−1}}(v|h)
			a.maybeResample(true)
		} else {
			a.hidden(k, noSample)
		}
		if err := st.at(K - k + 1); err != nil {
			return nil, err
		}
	}
	return finish("rais", a, opts.Seed, t0), nil
}

func finish(method string, a *annealer, seed uint64, start time.Time) *Result {
	r := summarize(method, a.logw, a.eve, a.resamples, a.logZA, seed)
	if j := a.jump; j != nil {
		r.ModeStates, r.JumpRate = len(j.lwMode), float64(j.acc)/max(1, float64(j.tries))
	}
	r.Betas = len(a.betas) - 1
	r.Seconds = time.Since(start).Seconds()
	return r
}

// summarize turns the log-weights of one run (method "rais" or
// "rais-traj": reverse, E e^{−log r} = 1/Z; else forward, E e^{log w} = Z),
// with each chain's time-0 ancestor and the number of resampling events
// so far, into a Result: its estimates, errors and effective sizes. The
// Result owns copies of logw and eve.
func summarize(method string, logw []float64, eve []int32, resamples int, logZA float64, seed uint64) *Result {
	logw, eve = slices.Clone(logw), slices.Clone(eve)
	r := &Result{Method: method, LogW: logw, LogZA: logZA, Chains: len(logw)}
	rev := r.reverse()
	r.LogZ = EstimateLogZ(logw, rev, LogMeanExpEstimator)
	r.LogZMean = EstimateLogZ(logw, rev, Mean)
	r.LogZErr = BootstrapSE(logw, rev, LogMeanExpEstimator, bootstrapReps, seed)
	r.LogZMeanErr = BootstrapSE(logw, rev, Mean, bootstrapReps, seed)
	r.ESS = EffectiveSampleSize(logw, rev)
	r.Resamples = resamples
	r.Eve = eve
	r.Eves = countDistinct(eve)
	// With resampling the chains are no longer independent: descendants of
	// one ancestor share its history, and the bootstrap (which treats them
	// as independent) understates the error. Both errors then come from
	// the genealogy-aware estimate instead.
	if resamples > 0 {
		v := GenealogyVariance(logw, eve, resamples, rev)
		r.LogZErr = GenealogySE(v, r.LogZErr)
		r.LogZMeanErr = GenealogySE(v, r.LogZMeanErr)
	}
	return r
}

// LongChains runs block-Gibbs chains under m for steps sweeps and returns
// the final visible states, as start states for ReverseAIS. The chains start
// from the rows of init, or from n Bernoulli(1/2) states when init is nil.
func LongChains(ctx context.Context, be tensor.Backend, m *rbm.Model, init *tensor.Mat32, n, steps int, seed uint64) (*tensor.Mat32, error) {
	if init != nil {
		n = init.Rows
		if init.Cols != m.NumVisible() {
			return nil, fmt.Errorf("long chains: init has %d columns, model has %d visible units", init.Cols, m.NumVisible())
		}
	}
	if n < 1 || steps < 0 {
		return nil, fmt.Errorf("long chains: need ≥ 1 chain and ≥ 0 steps (got %d, %d)", n, steps)
	}
	st := tensor.NewStream(seed, purposeLongChains)
	ch := rbm.NewChains(n, m.NumVisible(), m.NumHidden())
	if init != nil {
		copy(ch.V.Data, init.Data)
	} else {
		tensor.Bernoulli(ch.V, 0.5, st.Key())
	}
	s := rbm.NewSampler(be, m.To32(), st)
	for t := 0; t < steps; t++ {
		s.Hidden(ch.V, ch.ProbH, ch.H)
		s.Visible(ch.H, ch.ProbV, ch.V)
		if t%64 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return ch.V, nil
}

// maybeResample resamples the chains (states V and linV) in proportion to
// their weights when the effective sample size is below a.resample·C (see
// resampleParents).
func (a *annealer) maybeResample(reverse bool) {
	if a.weights == nil {
		a.weights = make([]float64, len(a.logw))
	}
	parent, ok := resampleParents(a.logw, reverse, a.resample, a.stream, a.weights)
	if !ok {
		return
	}
	if a.spareV == nil {
		a.spareV = tensor.NewMat32(a.V.Rows, a.V.Cols)
	}
	lin := make([]float64, len(parent))
	eve := make([]int32, len(parent))
	for i, j := range parent {
		copy(a.spareV.Row(i), a.V.Row(j))
		lin[i] = a.linV[j]
		eve[i] = a.eve[j]
	}
	a.eve = eve
	a.V, a.spareV = a.spareV, a.V
	copy(a.linV, lin)
	a.resamples++
}

// resampleParents decides one resampling step of C chains with
// log-weights logw (weights e^{±logw_c}): when threshold > 0 and the
// effective sample size is below threshold·C, it draws C parents in
// proportion to the weights by multinomial resampling (one key from st,
// sorted uniforms walked along the cumulative weights), sets every
// log-weight to the log-mean-exp so far (so the log-mean-exp at the end is
// the product of the stage means, the SMC estimate, unbiased for Z or
// 1/Z) and returns parent[i], the chain that new chain i copies. w is
// scratch of length C.
func resampleParents(logw []float64, reverse bool, threshold float64, st *tensor.Stream, w []float64) (parent []int, ok bool) {
	c := len(logw)
	if threshold <= 0 {
		return nil, false
	}
	mx, total, sumSq := scaledWeights(logw, reverse, w)
	if ess := total * total / sumSq; !(ess < threshold*float64(c)) {
		return nil, false
	}
	lme := mx + math.Log(total/float64(c))
	g := tensor.RowRand(st.Key(), 0)
	parent = make([]int, c)
	j, cum := 0, w[0]
	for i, pos := range multinomialPositions(&g, c, total) {
		for cum < pos && j < c-1 {
			j++
			cum += w[j]
		}
		parent[i] = j
	}
	sign := 1.0
	if reverse {
		sign = -1
	}
	for i := range logw {
		logw[i] = sign * lme
	}
	return parent, true
}

// multinomialPositions returns n sorted points uniform on [0, total): the
// order statistics of n uniforms, drawn in O(n) as normalised partial sums
// of n+1 exponential spacings. Walking them along the cumulative weights
// is multinomial resampling.
func multinomialPositions(g interface{ Float64() float64 }, n int, total float64) []float64 {
	pos := make([]float64, n+1)
	s := 0.0
	for i := range pos {
		s += -math.Log(1 - g.Float64()) // Float64 ∈ [0, 1): 1 − u > 0
		pos[i] = s
	}
	for i := range pos {
		pos[i] *= total / s
	}
	return pos[:n]
}
