package dynamics

import (
	"fmt"
	"github.com/rbmscope/rbmscope/autocorr"
	"math"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

// Shape constants of the chain runs. They split work by shape only, so
// results are the same bits for any GOMAXPROCS.
const (
	// groupChains is the number of chains run together: their series are
	// stored (float32, chains × sweeps × observables) until their
	// autocovariances are accumulated, so the group bounds memory
	// (100 chains × 10000 sweeps × 100 observables: 400 MB).
	groupChains = 100
	// blockSweeps is the number of sweeps whose states are projected
	// on the observables by one GEMM.
	blockSweeps = 16
)

// Groups returns the number of chain groups of a run of chains chains
// (ChainOptions.Progress is called for each group's sweeps).
func Groups(chains int) int { return (chains + groupChains - 1) / groupChains }

// ChainOptions configure block-Gibbs chains for relaxation measurements.
type ChainOptions struct {
	Chains, Sweeps, BurnIn int
	Seed                   uint64
	Backend                tensor.Backend   // nil = tensor.Default()
	Progress               func(sweeps int) // optional: after each block of sweeps of a group
}

func (o *ChainOptions) check() error {
	if o.Chains < 1 || o.Sweeps < 2 || o.BurnIn < 0 {
		return fmt.Errorf("chains: need ≥ 1 chain, ≥ 2 sweeps and burn-in ≥ 0 (got %d, %d, %d)", o.Chains, o.Sweeps, o.BurnIn)
	}
	return nil
}

// LinearSeries runs o.Chains block-Gibbs chains of md from Bernoulli(½)
// states and accumulates the autocovariance of the S linear observables
// z_s = v·a[:,s] + h·b[:,s] (a is N×S, b is M×S, either may be nil),
// recorded after every sweep v_t ~ p(v|h_{t−1}), h_t ~ p(h|v_t), following
// o.BurnIn unrecorded sweeps. keep, if ≥ 0, also returns observable
// keep's recorded values (chain-major, minus its value at v = h = ½).
//
// Chains run in groups of groupChains (group g draws from the stream
// (Seed, 17, g)); the states of blockSweeps sweeps are projected by one
// GEMM per layer; each observable's series of a group are then added to
// its accumulator in chain order, observables in parallel.
func LinearSeries(md *rbm.Model, a, b *tensor.Mat64, keep int, o ChainOptions) ([]*autocorr.Autocov, []float32, error) {
	s, err := observableCount(a, b, md.NumVisible(), md.NumHidden())
	if err != nil {
		return nil, nil, err
	}
	mix := func(x, y []float32, out []float64) {
		for i := range out {
			out[i] = 0
			if x != nil {
				out[i] += float64(x[i])
			}
			if y != nil {
				out[i] += float64(y[i])
			}
		}
	}
	return series(md, a, b, s, mix, keep, o)
}

// series runs the chains, projects states on x = v·a and y = h·b (one
// GEMM per block of sweeps and layer) and accumulates the s observables
// mix(x, y) of every sweep.
func series(md *rbm.Model, a, b *tensor.Mat64, s int, mix func(x, y []float32, out []float64), keep int, o ChainOptions) ([]*autocorr.Autocov, []float32, error) {
	if err := o.check(); err != nil {
		return nil, nil, err
	}
	be := o.Backend
	if be == nil {
		be = tensor.Default()
	}
	accs := make([]*autocorr.Autocov, s)
	for i := range accs {
		var err error
		if accs[i], err = autocorr.NewAutocov(o.Sweeps); err != nil {
			return nil, nil, err
		}
	}
	p := &projector{a: to32(a), b: to32(b), mix: mix, ref: make([]float64, s)}
	mix(halfSums(p.a), halfSums(p.b), p.ref)
	params := md.To32()
	var kept []float32
	for g, lo := 0, 0; lo < o.Chains; g, lo = g+1, lo+groupChains {
		r := min(groupChains, o.Chains-lo)
		ser := runGroup(be, params, p, r, g, o)
		tensor.ParallelRows(s, r*o.Sweeps, func(l, h int) {
			for i := l; i < h; i++ {
				for c := 0; c < r; c++ {
					accs[i].Add32(ser[i][c*o.Sweeps : (c+1)*o.Sweeps])
				}
			}
		})
		if keep >= 0 && keep < s {
			kept = append(kept, ser[keep]...)
		}
	}
	return accs, kept, nil
}

func observableCount(a, b *tensor.Mat64, n, m int) (int, error) {
	if a == nil && b == nil {
		return 0, fmt.Errorf("chains: no observables")
	}
	s := -1
	if a != nil {
		if a.Rows != n {
			return 0, fmt.Errorf("chains: visible projection has %d rows, the model %d visible units", a.Rows, n)
		}
		s = a.Cols
	}
	if b != nil {
		if b.Rows != m || (s >= 0 && b.Cols != s) {
			return 0, fmt.Errorf("chains: hidden projection is %d×%d, want %d rows and %d columns", b.Rows, b.Cols, m, s)
		}
		s = b.Cols
	}
	if s < 1 {
		return 0, fmt.Errorf("chains: no observables")
	}
	return s, nil
}

func to32(x *tensor.Mat64) *tensor.Mat32 {
	if x == nil {
		return nil
	}
	return x.To32()
}

// halfSums returns the projection of the state ½ (column sums / 2), nil
// for a nil matrix.
func halfSums(x *tensor.Mat32) []float32 {
	if x == nil {
		return nil
	}
	out := make([]float32, x.Cols)
	for i := 0; i < x.Rows; i++ {
		for j, v := range x.Row(i) {
			out[j] += v / 2
		}
	}
	return out
}

type projector struct {
	a, b *tensor.Mat32
	mix  func(x, y []float32, out []float64)
	ref  []float64 // mix at v = h = ½: keeps the stored float32 values small
}

// runGroup runs r chains of group g and returns ser[s][chain·Sweeps + t].
func runGroup(be tensor.Backend, params *rbm.Params32, p *projector, r, g int, o ChainOptions) [][]float32 {
	n, m := params.W.Rows, params.W.Cols
	s := len(p.ref)
	st := tensor.NewStream(o.Seed, 17, uint64(g))
	c := rbm.NewChains(r, n, m)
	tensor.Bernoulli(c.V, 0.5, st.Key())
	smp := rbm.NewSampler(be, params, st)
	smp.Hidden(c.V, c.ProbH, c.H)
	for t := 0; t < o.BurnIn; t++ {
		smp.Visible(c.H, c.ProbV, c.V)
		smp.Hidden(c.V, c.ProbH, c.H)
	}
	ser := make([][]float32, s)
	for i := range ser {
		ser[i] = make([]float32, r*o.Sweeps)
	}
	vb, hb := tensor.NewMat32(blockSweeps*r, n), tensor.NewMat32(blockSweeps*r, m)
	var xb, yb *tensor.Mat32
	if p.a != nil {
		xb = tensor.NewMat32(blockSweeps*r, p.a.Cols)
	}
	if p.b != nil {
		yb = tensor.NewMat32(blockSweeps*r, p.b.Cols)
	}
	out := make([]float64, s)
	for t0 := 0; t0 < o.Sweeps; t0 += blockSweeps {
		nb := min(blockSweeps, o.Sweeps-t0)
		for k := 0; k < nb; k++ {
			smp.Visible(c.H, c.ProbV, c.V)
			smp.Hidden(c.V, c.ProbH, c.H)
			copy(vb.Data[k*r*n:(k+1)*r*n], c.V.Data)
			copy(hb.Data[k*r*m:(k+1)*r*m], c.H.Data)
		}
		if xb != nil {
			be.Gemm(false, false, 1, vb.Slice(0, nb*r), p.a, 0, xb.Slice(0, nb*r))
		}
		if yb != nil {
			be.Gemm(false, false, 1, hb.Slice(0, nb*r), p.b, 0, yb.Slice(0, nb*r))
		}
		for k := 0; k < nb; k++ {
			for ch := 0; ch < r; ch++ {
				var x, y []float32
				if xb != nil {
					x = xb.Row(k*r + ch)
				}
				if yb != nil {
					y = yb.Row(k*r + ch)
				}
				p.mix(x, y, out)
				for i, v := range out {
					ser[i][ch*o.Sweeps+t0+k] = float32(v - p.ref[i])
				}
			}
		}
		if o.Progress != nil {
			o.Progress(nb)
		}
	}
	return ser
}

// ModeRelaxation compares one paired mode's measured relaxation with the
// Gaussian closure (docs/dynamics.md §Closure prediction).
type ModeRelaxation struct {
	Mode       int     `json:"mode"` // 0-based
	Sigma      float64 `json:"sigma"`
	OmegaMinus float64 `json:"omega_minus"`
	OmegaPlus  float64 `json:"omega_plus"`
	// TauPredU, TauPredW are the closure's integrated autocorrelation
	// times in sweeps, 1/(s²ω∓) = 1/(1 ∓ σ/4) at p = ½; +Inf for TauPredU
	// of an unstable mode (σ > 4: the closure's Gibbs chain diverges).
	TauPredU float64 `json:"tau_pred_u"`
	TauPredW float64 `json:"tau_pred_w"`
	// Sx2, Sy2 are the closure variances at the mean-field magnetisations
	// (MeanFieldVariances) and TauMFU, TauMFW the closure's times with
	// them (ClosureTaus): the closure without the p = ½ assumption.
	Sx2      float64      `json:"sx2_mf"`
	Sy2      float64      `json:"sy2_mf"`
	TauMFU   float64      `json:"tau_mf_u"`
	TauMFW   float64      `json:"tau_mf_w"`
	Unstable bool         `json:"unstable"`
	U        autocorr.IAT `json:"u"` // measured, of u_k
	W        autocorr.IAT `json:"w"` // measured, of w_k
}

// Relaxation is the measured relaxation of a model's leading modes.
type Relaxation struct {
	Modes  []ModeRelaxation
	Chains int
	Sweeps int
	BurnIn int
	// Lead holds the recorded u_1 values (chain-major, minus the value at
	// v = h = ½), the samples behind the leading mode's empirical
	// potential.
	Lead []float32
}

// ClosureS2 is the closure variance s_x² = s_y² = p(1−p) at p = ½.
const ClosureS2 = 0.25

// Relax measures the integrated autocorrelation times of u_k and w_k
// (Eq. 18, up to constants: u = (x+y)/√2, w = (y−x)/√2) for the leading
// modes paired modes of the frame f of md, and the closure's predictions.
func Relax(md *rbm.Model, f *reciprocal.Frame, modes int, o ChainOptions) (*Relaxation, error) {
	if modes < 1 {
		return nil, fmt.Errorf("relaxation: need ≥ 1 mode, got %d", modes)
	}
	modes = min(modes, f.Rank)
	if modes < 1 {
		return nil, fmt.Errorf("relaxation: the model has no paired mode (W = 0)")
	}
	n, m := f.N, f.M
	a, b := tensor.NewMat64(n, modes), tensor.NewMat64(m, modes)
	for k := 0; k < modes; k++ {
		for i := 0; i < n; i++ {
			a.Set(i, k, f.U.At(i, k))
		}
		for j := 0; j < m; j++ {
			b.Set(j, k, f.V.At(j, k))
		}
	}
	// Observables k < modes are u_k = (x_k+y_k)/√2, then w_k = (y_k−x_k)/√2.
	mix := func(x, y []float32, out []float64) {
		for k := range x {
			xk, yk := float64(x[k]), float64(y[k])
			out[k], out[modes+k] = (xk+yk)/math.Sqrt2, (yk-xk)/math.Sqrt2
		}
	}
	accs, lead, err := series(md, a, b, 2*modes, mix, 0, o)
	if err != nil {
		return nil, err
	}
	osc, err := reciprocal.Stiffness(f.S[:modes], modes, modes, ClosureS2, ClosureS2)
	if err != nil {
		return nil, err
	}
	sx2, sy2, err := MeanFieldVariances(md, f, modes)
	if err != nil {
		return nil, err
	}
	r := &Relaxation{Chains: o.Chains, Sweeps: o.Sweeps, BurnIn: o.BurnIn, Lead: lead}
	for k := 0; k < modes; k++ {
		mr := ModeRelaxation{Mode: k, Sigma: f.S[k], OmegaMinus: osc.OmegaMinus[k], OmegaPlus: osc.OmegaPlus[k],
			Unstable: osc.Unstable[k], TauPredU: closureTau(osc.OmegaMinus[k]), TauPredW: closureTau(osc.OmegaPlus[k]),
			Sx2: sx2[k], Sy2: sy2[k], U: accs[k].IntegratedTime(0), W: accs[modes+k].IntegratedTime(0)}
		mr.TauMFU, mr.TauMFW = ClosureTaus(f.S[k], sx2[k], sy2[k])
		r.Modes = append(r.Modes, mr)
	}
	return r, nil
}

// closureTau is the integrated autocorrelation time 1/(s²ω) in sweeps of
// a closure direction with stiffness ω (+Inf when ω ≤ 0).
func closureTau(omega float64) float64 {
	if omega <= 0 {
		return math.Inf(1)
	}
	return 1 / (ClosureS2 * omega)
}
