package partition

import (
	"context"
	"math"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// Mode jumps in AIS and reverse AIS (Options.ModeJumps): after h is drawn
// at inverse temperature β, every chain proposes a hidden state near one of
// the modes a search found for the target model and accepts it by
// Metropolis–Hastings on p_β(h) (jumps.go: the same independence proposal
// q, with the modes weighted by p_β). The move leaves p_β invariant, so the
// annealing's weights keep their expectation (every transition of AIS only
// has to leave its intermediate distribution invariant); chains can now
// enter a basin that opens late in the annealing and that block Gibbs never
// reaches. Only for models whose hidden layer is the smaller one (the
// jumps move h); otherwise the option is ignored.

// aisJumps is the jump move of an annealer.
type aisJumps struct {
	js          *jumpSet
	modes       []float32     // K×M mode states of the target model
	S, T, PC    *tensor.Mat32 // proposals (C×M), their fields S·Wᵀ and the current ones H·Wᵀ (C×N)
	MT          *tensor.Mat32 // the modes' fields (K×N)
	lw, lw2     []float64
	uni, lwMode []float64
	bias        []float32
	tries, acc  int
}

// newAISJumps searches m's modes with starts random starts; nil when the
// hidden layer is the larger one or starts is 0.
func newAISJumps(m *rbm.Model, starts, chains int, seed uint64) *aisJumps {
	if starts <= 0 || m.NumHidden() > m.NumVisible() {
		return nil
	}
	js, err := newJumpSet(context.Background(), []*rbm.Model{m}, starts, seed)
	if err != nil {
		return nil // only a cancelled context, which Background never is
	}
	n, nh := m.NumVisible(), m.NumHidden()
	K := len(js.nodes[1]) / nh
	return &aisJumps{js: js, modes: js.nodes[1], S: tensor.NewMat32(chains, nh), T: tensor.NewMat32(chains, n), PC: tensor.NewMat32(chains, n),
		MT: tensor.NewMat32(K, n), lw: make([]float64, chains), lw2: make([]float64, chains), uni: make([]float64, chains),
		lwMode: make([]float64, K), bias: make([]float32, n)}
}

// logW sets out_c = log p_β(h_c) up to log Z_β for the rows h_c of H with
// fields F = H·Wᵀ: β b·h + Σ_i sp((1−β)a^A_i + β(a_i + F_ci)).
func (a *annealer) logW(H, F *tensor.Mat32, beta float64, out []float64) {
	j := a.jump
	for i := range j.bias {
		j.bias[i] = float32(a.p.A[i]) + float32((1-beta)/beta*a.aA[i])
	}
	a.be.SoftplusRowSums(F, j.bias, float32(beta), out)
	for c := range out {
		out[c] += beta * dot32(a.p.B, H.Row(c))
	}
}

// jumpHidden is the move on H at inverse temperature betas[k] (> 0).
func (a *annealer) jumpHidden(k int) {
	j, beta := a.jump, a.betas[k]
	if beta <= 0 || len(j.modes) == 0 {
		return
	}
	key := a.stream.Key()
	K := len(j.lwMode)
	modes := &tensor.Mat32{Rows: K, Cols: a.H.Cols, Data: j.modes}
	a.be.Gemm(false, true, 1, modes, a.p.W, 0, j.MT)
	a.logW(modes, j.MT, beta, j.lwMode)
	rm := &rungModes{states: j.modes}
	rm.weigh(j.lwMode)
	for c := 0; c < a.H.Rows; c++ {
		g := tensor.RowRand(key, c)
		j.js.propose(rm, j.S.Row(c), &g)
		j.uni[c] = g.Float64()
	}
	a.be.Gemm(false, true, 1, a.H, a.p.W, 0, j.PC)
	a.be.Gemm(false, true, 1, j.S, a.p.W, 0, j.T)
	a.logW(a.H, j.PC, beta, j.lw)
	a.logW(j.S, j.T, beta, j.lw2)
	for c := 0; c < a.H.Rows; c++ {
		h, s := a.H.Row(c), j.S.Row(c)
		la := j.lw2[c] - j.lw[c] + j.js.logQ(rm, h) - j.js.logQ(rm, s)
		j.tries++
		if la >= 0 || j.uni[c] < math.Exp(la) {
			copy(h, s)
			j.acc++
		}
	}
}
