package partition

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// MaxGradientUnits bounds the smaller layer for ExactGradient and
// ExactSamples (2^22 states, about 32 MiB of log-weights).
const MaxGradientUnits = 22

// ExactGradient returns the exact gradient of the mean log-likelihood of the
// data rows (Eqs. 6a–c) as a Model holding ∂L/∂W, ∂L/∂a and ∂L/∂b. The model
// expectations come from enumerating the smaller layer; it is meant for
// tests of sampled gradients (min(N,M) ≤ MaxGradientUnits).
func ExactGradient(m *rbm.Model, data *tensor.Mat32) (*rbm.Model, error) {
	n, nh := m.NumVisible(), m.NumHidden()
	if data.Cols != n || data.Rows == 0 {
		return nil, fmt.Errorf("exact gradient: data is %d×%d, want at least one row of %d visible units", data.Rows, data.Cols, n)
	}
	e, err := newEnumerator(m, MaxGradientUnits)
	if err != nil {
		return nil, err
	}
	g := rbm.New(n, nh)
	// Data term: v_i, sig(b + Wᵀv)_j and their products, averaged.
	inv := 1 / float64(data.Rows)
	v := make([]float64, n)
	for r := 0; r < data.Rows; r++ {
		for i, x := range data.Row(r) {
			v[i] = float64(x)
		}
		ph := m.ProbHidden(v)
		for i, vi := range v {
			g.A[i] += inv * vi
			if vi == 0 {
				continue
			}
			row := g.W.Row(i)
			for j, p := range ph {
				row[j] += inv * vi * p
			}
		}
		for j, p := range ph {
			g.B[j] += inv * p
		}
	}
	// Model term by enumeration: p(s) over the enumerated layer s, the
	// conditional mean q = sig(d + Cᵀs) of the other layer.
	logp, err := e.logProbs(context.Background())
	if err != nil {
		return nil, err
	}
	es := make([]float64, e.L)      // ⟨s⟩
	eq := make([]float64, e.K)      // ⟨q⟩
	esq := make([]float64, e.L*e.K) // ⟨s_l q_k⟩
	field := make([]float64, e.K)
	for idx, lp := range logp {
		p := math.Exp(lp)
		if p == 0 {
			continue
		}
		s := gray(uint64(idx))
		copy(field, e.d)
		for l := 0; l < e.L; l++ {
			if s>>l&1 == 1 {
				addTo(field, e.rows[l*e.K:(l+1)*e.K], 1)
			}
		}
		for k, x := range field {
			q := p * rbm.Sigmoid(x)
			eq[k] += q
			field[k] = q
		}
		for l := 0; l < e.L; l++ {
			if s>>l&1 == 1 {
				es[l] += p
				addTo(esq[l*e.K:(l+1)*e.K], field, 1)
			}
		}
	}
	// Map (s, q) back to (v, h) and subtract.
	vMean, hMean := eq, es
	if !e.hidden {
		vMean, hMean = es, eq
	}
	for i := range g.A {
		g.A[i] -= vMean[i]
	}
	for j := range g.B {
		g.B[j] -= hMean[j]
	}
	for i := 0; i < n; i++ {
		row := g.W.Row(i)
		for j := range row {
			if e.hidden { // s = h (l = j), q = v (k = i)
				row[j] -= esq[j*e.K+i]
			} else { // s = v (l = i), q = h (k = j)
				row[j] -= esq[i*e.K+j]
			}
		}
	}
	return g, nil
}

// logProbs returns the normalised log-probabilities of all 2^L states of
// the enumerated layer, indexed so that entry idx belongs to state gray(idx).
func (e *enumerator) logProbs(ctx context.Context) ([]float64, error) {
	all := make([]float64, 1<<e.L)
	err := e.forChunks(ctx, nil, func(_ int, lo uint64, vals []float64) {
		copy(all[lo:], vals)
	})
	if err != nil {
		return nil, err
	}
	ls := newLogSum()
	for _, x := range all {
		ls.add(x)
	}
	lz := ls.value()
	for i := range all {
		all[i] -= lz
	}
	return all, nil
}

// ExactSamples draws n independent visible states exactly from p(v) of m:
// the smaller layer is drawn from its enumerated marginal and, when that is
// the hidden layer, v from p(v|h). min(N,M) must not exceed
// MaxGradientUnits. The same seed gives the same samples.
func ExactSamples(m *rbm.Model, n int, seed uint64) (*tensor.Mat32, error) {
	e, err := newEnumerator(m, MaxGradientUnits)
	if err != nil {
		return nil, err
	}
	logp, err := e.logProbs(context.Background())
	if err != nil {
		return nil, err
	}
	cdf := make([]float64, len(logp))
	acc := 0.0
	for i, lp := range logp {
		acc += math.Exp(lp)
		cdf[i] = acc
	}
	nv := m.NumVisible()
	out := tensor.NewMat32(n, nv)
	key := tensor.NewStream(seed, purposeExactSamples).Key()
	h := make([]float64, m.NumHidden())
	for r := 0; r < n; r++ {
		g := tensor.RowRand(key, r)
		u := g.Float64() * acc
		idx := sort.SearchFloat64s(cdf, u)
		if idx >= len(cdf) {
			idx = len(cdf) - 1
		}
		s := gray(uint64(idx))
		row := out.Row(r)
		if !e.hidden {
			for i := range row {
				row[i] = float32(s >> i & 1)
			}
			continue
		}
		for j := range h {
			h[j] = float64(s >> j & 1)
		}
		for i, p := range m.ProbVisible(h) {
			if g.Float64() < p {
				row[i] = 1
			}
		}
	}
	return out, nil
}

// Purposes that separate the random streams of this package.
const (
	purposeExactSamples uint64 = 0x7061727431 + iota
	purposeAIS
	purposeReverseAIS
	purposeBootstrap
	purposeLongChains
	purposeTrajectory
	purposeTrajectoryAIS
	purposeTrajectoryRAIS
	purposeTrajectoryPilot
	purposeModeSearch
	purposeBranch
)
