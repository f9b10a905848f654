package symmetry

import (
	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/internal/stats"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

// gibbsChains runs chains block-Gibbs chains of sweeps sweeps from
// Bernoulli(½) visible states (float32, on be) and returns them; H holds
// h ~ p(h|V) of the final V and ProbH its probabilities.
func gibbsChains(be tensor.Backend, m *rbm.Model, chains, sweeps int, stream *tensor.Stream) *rbm.Chains {
	c := rbm.NewChains(chains, m.NumVisible(), m.NumHidden())
	tensor.Bernoulli(c.V, 0.5, stream.Key())
	rbm.NewSampler(be, m.To32(), stream).Sweep(c, sweeps)
	return c
}

// gibbsPooled runs chains block-Gibbs chains of sweeps sweeps from
// Bernoulli(½) states and returns the final chains together with (u_k, w_k)
// of every state (v_t, h_t ~ p(h|v_t)) visited in the second half of the
// run, pooled over chains: chains·(sweeps/2 + 1) correlated samples of the
// model's marginal, enough to histogram −log p(u_k) (docs/theory.md §Empirical) where
// the final states alone (a few hundred) are not.
func gibbsPooled(be tensor.Backend, m *rbm.Model, f *reciprocal.Frame, k, chains, sweeps int, stream *tensor.Stream) (*rbm.Chains, []float64, []float64) {
	c := rbm.NewChains(chains, m.NumVisible(), m.NumHidden())
	tensor.Bernoulli(c.V, 0.5, stream.Key())
	s := rbm.NewSampler(be, m.To32(), stream)
	var us, ws []float64
	for t := 0; t <= sweeps; t++ {
		s.Hidden(c.V, c.ProbH, c.H)
		if 2*t >= sweeps {
			u, w := modeCoords(f, k, c.V, c.H)
			us, ws = append(us, u...), append(ws, w...)
		}
		if t < sweeps {
			s.Visible(c.H, c.ProbV, c.V)
		}
	}
	return c, us, ws
}

// modeCoords returns (u_k, w_k) for each row pair of v (R×N) and h (R×M).
func modeCoords(f *reciprocal.Frame, k int, v, h *tensor.Mat32) (u, w []float64) {
	uk, vk := mat.Col(nil, k, f.U), mat.Col(nil, k, f.V)
	u, w = make([]float64, v.Rows), make([]float64, v.Rows)
	for r := 0; r < v.Rows; r++ {
		var x, y float64
		for i, s := range v.Row(r) {
			if s != 0 {
				x += uk[i] * float64(s)
			}
		}
		for j, s := range h.Row(r) {
			if s != 0 {
				y += vk[j] * float64(s)
			}
		}
		u[r], w[r] = f.UW(k, x, y)
	}
	return u, w
}

// meanSD returns the mean and the population standard deviation.
func meanSD(x []float64) [2]float64 {
	m, sd := stats.MeanSD(x, 0)
	return [2]float64{m, sd}
}

// columnMeans returns the mean of each column of a.
func columnMeans(a *tensor.Mat32) []float64 {
	out := make([]float64, a.Cols)
	for r := 0; r < a.Rows; r++ {
		for j, v := range a.Row(r) {
			out[j] += float64(v)
		}
	}
	for j := range out {
		out[j] /= float64(max(a.Rows, 1))
	}
	return out
}
