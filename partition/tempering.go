package partition

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// TemperingOptions configure ParallelTempering.
type TemperingOptions struct {
	Chains int    // chains per rung
	Sweeps int    // block-Gibbs sweeps, each followed by one round of swaps
	Seed   uint64 //
	// Init, when set, holds the start states of every rung's chains
	// (Chains rows of 0/1); otherwise each rung starts from Bernoulli(½).
	Init *tensor.Mat32
	// Trace, when true, records the free energy of the last rung's chains
	// after every sweep (TemperingResult.Trace), for autocorrelation times.
	Trace    bool
	Progress func(done, total int)
}

// TemperingResult is the outcome of ParallelTempering.
type TemperingResult struct {
	// Samples holds the final visible states of the last rung (the
	// target), one row per chain.
	Samples *tensor.Mat32 `json:"-"`
	// SwapRate[k] is the fraction of accepted swaps between rungs k and
	// k+1 (len(ladder)−1 entries).
	SwapRate []float64 `json:"swap_rate"`
	// Trace[t][c] is F(v) of chain c of the last rung after sweep t (only
	// with TemperingOptions.Trace).
	Trace   [][]float64 `json:"-"`
	Rungs   int         `json:"rungs"`
	Chains  int         `json:"chains"`
	Sweeps  int         `json:"sweeps"`
	Seconds float64     `json:"seconds"`
}

// TemperatureLadder returns the models (1−β)θ_A + βθ for the given
// inverse temperatures: the AIS path from the base-rate model θ_A (W = 0,
// b = 0, a = baseVisible; nil means a = 0) to m, in order.
func TemperatureLadder(m *rbm.Model, baseVisible []float64, betas []float64) ([]*rbm.Model, error) {
	if baseVisible != nil && len(baseVisible) != m.NumVisible() {
		return nil, fmt.Errorf("temperature ladder: %d base-rate biases for %d visible units", len(baseVisible), m.NumVisible())
	}
	var out []*rbm.Model
	for _, b := range betas {
		if !(b >= 0 && b <= 1) {
			return nil, fmt.Errorf("temperature ladder: inverse temperature %v outside [0, 1]", b)
		}
		r := m.Clone()
		for i := range r.W.Data {
			r.W.Data[i] *= b
		}
		for i := range r.A {
			aA := 0.0
			if baseVisible != nil {
				aA = baseVisible[i]
			}
			r.A[i] = (1-b)*aA + b*r.A[i]
		}
		for j := range r.B {
			r.B[j] *= b
		}
		out = append(out, r)
	}
	return out, nil
}

// ptRung is one rung: its parameters, chains and free-energy scratch.
type ptRung struct {
	p    *rbm.Params32
	a, b []float64
	ch   *rbm.Chains
}

// ParallelTempering runs Chains block-Gibbs chains on every rung of ladder
// (ordered, the target last) for Sweeps sweeps; after each sweep, chain c of
// rung k and chain c of rung k+1 swap their states with probability
// min(1, e^{F_k(v_k) + F_{k+1}(v_{k+1}) − F_k(v_{k+1}) − F_{k+1}(v_k)}),
// alternately for the even and the odd pairs. Every random number comes
// from one stream in a fixed order, so the result does not depend on
// GOMAXPROCS.
func ParallelTempering(ctx context.Context, be tensor.Backend, ladder []*rbm.Model, o TemperingOptions) (*TemperingResult, error) {
	t0 := time.Now()
	rungs, err := newRungs(ladder, o)
	if err != nil {
		return nil, fmt.Errorf("parallel tempering: %w", err)
	}
	st := tensor.NewStream(o.Seed, purposeTempering)
	for _, r := range rungs {
		if o.Init != nil {
			copy(r.ch.V.Data, o.Init.Data)
		} else {
			tensor.Bernoulli(r.ch.V, 0.5, st.Key())
		}
	}
	K := len(rungs)
	res := &TemperingResult{SwapRate: make([]float64, K-1), Rungs: K, Chains: o.Chains, Sweeps: o.Sweeps}
	tries := make([]int, K-1)
	X := tensor.NewMat32(o.Chains, ladder[0].NumHidden())
	fe := func(k, src int, out []float64) { // F_k of rung src's states
		r := rungs[k]
		be.MulSparse(rungs[src].ch.V, r.p.W, X)
		freeEnergies(X, rungs[src].ch.V, r.a, r.b, out)
	}
	f := [4][]float64{}
	for i := range f {
		f[i] = make([]float64, o.Chains)
	}
	for t := 0; t < o.Sweeps; t++ {
		for _, r := range rungs {
			s := rbm.NewSampler(be, r.p, st)
			s.Hidden(r.ch.V, r.ch.ProbH, r.ch.H)
			s.Visible(r.ch.H, r.ch.ProbV, r.ch.V)
		}
		for k := t % 2; k+1 < K; k += 2 {
			fe(k, k, f[0])
			fe(k+1, k+1, f[1])
			fe(k, k+1, f[2])
			fe(k+1, k, f[3])
			key := st.Key()
			for c := 0; c < o.Chains; c++ {
				g := tensor.RowRand(key, c)
				d := f[0][c] + f[1][c] - f[2][c] - f[3][c]
				tries[k]++
				if d >= 0 || g.Float64() < math.Exp(d) {
					res.SwapRate[k]++
					a, b := rungs[k].ch.V.Row(c), rungs[k+1].ch.V.Row(c)
					for i := range a {
						a[i], b[i] = b[i], a[i]
					}
				}
			}
		}
		if o.Trace {
			tr := make([]float64, o.Chains)
			fe(K-1, K-1, tr)
			res.Trace = append(res.Trace, tr)
		}
		if o.Progress != nil {
			o.Progress(t+1, o.Sweeps)
		}
		if t%16 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	for k := range res.SwapRate {
		res.SwapRate[k] /= max(1, float64(tries[k]))
	}
	res.Samples = rungs[K-1].ch.V
	res.Seconds = time.Since(t0).Seconds()
	return res, nil
}

func newRungs(ladder []*rbm.Model, o TemperingOptions) ([]*ptRung, error) {
	if len(ladder) == 0 {
		return nil, fmt.Errorf("empty ladder")
	}
	if o.Chains < 1 || o.Sweeps < 0 {
		return nil, fmt.Errorf("need ≥ 1 chain and ≥ 0 sweeps (got %d, %d)", o.Chains, o.Sweeps)
	}
	n, m := ladder[0].NumVisible(), ladder[0].NumHidden()
	if o.Init != nil {
		if o.Init.Rows != o.Chains || o.Init.Cols != n {
			return nil, fmt.Errorf("start states are %d×%d, want %d×%d", o.Init.Rows, o.Init.Cols, o.Chains, n)
		}
		for _, x := range o.Init.Data {
			if x != 0 && x != 1 {
				return nil, fmt.Errorf("start states must be 0/1 (found %v)", x)
			}
		}
	}
	var rungs []*ptRung
	for k, md := range ladder {
		if err := md.Validate(); err != nil {
			return nil, fmt.Errorf("rung %d: %w", k, err)
		}
		if md.NumVisible() != n || md.NumHidden() != m {
			return nil, fmt.Errorf("rung %d is %d×%d, rung 0 is %d×%d", k, md.NumVisible(), md.NumHidden(), n, m)
		}
		node := newPathNode(md.To32())
		rungs = append(rungs, &ptRung{p: node.p, a: node.a, b: node.b, ch: rbm.NewChains(o.Chains, n, m)})
	}
	return rungs, nil
}

// freeEnergies sets out_c = F(v_c) = −a·v_c − Σ_j sp(b_j + X_cj), X = V·W.
func freeEnergies(X, V *tensor.Mat32, a, b []float64, out []float64) {
	tensor.ParallelRows(X.Rows, X.Cols, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			s := 0.0
			for i, v := range V.Row(c) {
				if v != 0 {
					s -= a[i]
				}
			}
			for j, x := range X.Row(c) {
				s -= tensor.Softplus64(b[j] + float64(x))
			}
			out[c] = s
		}
	})
}
