package partition

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// Mode jumps (TrajectoryOptions.ModeJumps): a Metropolis–Hastings move of
// the smaller layer s of every rung, between the modes a search found,
// added to each Gibbs sweep. Block Gibbs cannot cross between deep basins;
// on sharp models a basin that holds most of the mass is then never
// entered (docs/likelihood.md §"Mode jumps"). Every rung gets its own
// modes: a search (SearchModes' ascents) of its own parameters, with those
// of the nodes at the ends of its segment added. The move proposes
// s' ~ q: a mode k drawn with probability π_k (rungModes), each unit then
// flipped with probability ε, and accepts it with probability
//
//	min(1, w(s') q(s) / (w(s) q(s'))),   q(s) = Σ_k π_k ε^d_k (1−ε)^(L−d_k),
//
// where w is the rung's exact marginal weight of s (the other layer summed
// out, as in SearchModes) and d_k the Hamming distance from s to mode k.
// q does not depend on the current state, so this is an independence
// sampler, which leaves the rung's marginal of s invariant; drawing the
// other layer from its conditional afterwards leaves the joint invariant.
// The rung's distribution, and so the expectation of every estimate made
// from its samples, is unchanged; only the mixing between modes is. The
// modes need not be exact: any set gives a valid move, a better set a
// faster one. The acceptance ratio is computed from the float32 products
// the chains use, each log w to about 1e-5·√K nats (freeEnergies), a
// relative error in the ratio that shifts the sampled distribution by far
// less than any sampling error here.

// jumpSet holds the modes of every node of a path in its smaller layer.
type jumpSet struct {
	hidden bool // the jumps move h (M ≤ N), else v
	L      int  // width of the jumping layer
	// lr is log(ε/(1−ε)) with ε = 1/(L+1), the flip probability of each
	// unit of a proposal (about one flip per proposal; < ½ for L ≥ 2).
	eps, lr float64
	// nodes[i] holds the mode states of node i (K_i rows of L 0/1 values,
	// row-major); the base-rate node 0 has none.
	nodes [][]float32
	// The search options, for the rungs between nodes (ctx, starts, seed).
	ctx    context.Context
	starts int
	seed   uint64
}

// newJumpSet runs a mode search with starts random starts on every model
// (the same starts for each, from seed) and keeps the distinct ends.
func newJumpSet(ctx context.Context, models []*rbm.Model, starts int, seed uint64) (*jumpSet, error) {
	js := &jumpSet{nodes: make([][]float32, len(models)+1), ctx: ctx, starts: starts, seed: seed}
	for i, m := range models {
		var err error
		if js.nodes[i+1], err = js.search(m); err != nil {
			return nil, fmt.Errorf("mode jumps, model %d: %w", i, err)
		}
	}
	js.eps = 1 / float64(js.L+1)
	js.lr = math.Log(js.eps / (1 - js.eps))
	return js, nil
}

// search returns the distinct ends of a mode search of m.
func (js *jumpSet) search(m *rbm.Model) ([]float32, error) {
	e, ends, _, err := climb(js.ctx, m, ModeOptions{Starts: js.starts, Seed: js.seed})
	if err != nil {
		return nil, err
	}
	js.hidden, js.L = e.hidden, e.L
	var out []float32
	for _, s := range distinctStates(ends) {
		for _, on := range s {
			out = append(out, b2f(on))
		}
	}
	return out, nil
}

func b2f(on bool) float32 {
	if on {
		return 1
	}
	return 0
}

// at returns the modes of a rung at position u with parameters p: at a
// node, the node's; between nodes, those of a search of p and of the
// nodes at both ends of its segment, each state once.
func (js *jumpSet) at(u float64, p *rbm.Params32) []float32 {
	lo, hi := int(math.Floor(u)), int(math.Ceil(u))
	if hi == lo {
		return slices.Clone(js.nodes[lo])
	}
	out, err := js.search(p.Model())
	if err != nil { // only a cancelled context: the rung keeps the nodes' modes
		out = nil
	}
	for _, set := range [][]float32{js.nodes[lo], js.nodes[hi]} {
		for k := 0; k < len(set); k += js.L {
			if m := set[k : k+js.L]; !js.has(out, m) {
				out = append(out, m...)
			}
		}
	}
	return out
}

func (js *jumpSet) has(modes, s []float32) bool {
	for k := 0; k < len(modes); k += js.L {
		if slices.Equal(modes[k:k+js.L], s) {
			return true
		}
	}
	return false
}

// rungModes are the targets of one rung's jumps: K mode states (rows of
// L 0/1 values) with their proposal probabilities π_k, half uniform and
// half in proportion to the rung's weight of the state, w(m_k): proposals
// then go mostly where the mass is, as the target's are, while every mode
// keeps at least 1/(2K) (a defensive mixture: the weight of a mode state
// does not count its basin's other states).
type rungModes struct {
	states []float32
	logPi  []float64 // log π_k
	cum    []float64 // π_1 + … + π_k
}

// forRung returns the modes of a rung at position u with parameters p
// (jumpSet.at) and their proposal probabilities under p.
func (js *jumpSet) forRung(u float64, p *rbm.Params32) *rungModes {
	rm := &rungModes{states: js.at(u, p)}
	K := len(rm.states) / js.L
	if K == 0 {
		return rm
	}
	md := p.Model()
	e, err := newEnumerator(md, max(md.NumVisible(), md.NumHidden()))
	if err != nil {
		panic(err) // the limit is the larger layer: never too large
	}
	lw, field, s := make([]float64, K), make([]float64, e.K), make([]bool, js.L)
	for k := range K {
		for l, x := range rm.states[k*js.L : (k+1)*js.L] {
			s[l] = x != 0
		}
		lw[k] = e.logWeight(s, field)
	}
	rm.weigh(lw)
	return rm
}

// weigh sets the proposal probabilities π_k from the modes' log-weights
// lw: half uniform, half in proportion to e^{lw_k}.
func (rm *rungModes) weigh(lw []float64) {
	ls := newLogSum()
	for _, x := range lw {
		ls.add(x)
	}
	K, sum := float64(len(lw)), 0.0
	rm.logPi, rm.cum = rm.logPi[:0], rm.cum[:0]
	for _, x := range lw {
		pi := 0.5/K + 0.5*math.Exp(x-ls.value())
		rm.logPi = append(rm.logPi, math.Log(pi))
		sum += pi
		rm.cum = append(rm.cum, sum)
	}
}

// propose writes a draw of q into dst, with randoms from g.
func (js *jumpSet) propose(rm *rungModes, dst []float32, g *tensor.Rand) {
	x := g.Float64() * rm.cum[len(rm.cum)-1]
	k := 0
	for k < len(rm.cum)-1 && rm.cum[k] <= x {
		k++
	}
	copy(dst, rm.states[k*js.L:(k+1)*js.L])
	for l := range dst {
		if g.Float64() < js.eps {
			dst[l] = 1 - dst[l]
		}
	}
}

// logQ is log q(s) = log Σ_k π_k ε^d_k (1−ε)^(L−d_k), d_k the Hamming
// distance from s to mode k, up to the term L·log(1−ε) that is the same
// for every s and cancels in the acceptance ratio.
func (js *jumpSet) logQ(rm *rungModes, s []float32) float64 {
	ls := newLogSum()
	for k, lp := range rm.logPi {
		d := 0
		for l, x := range rm.states[k*js.L : (k+1)*js.L] {
			if x != s[l] {
				d++
			}
		}
		ls.add(lp + float64(d)*js.lr)
	}
	return ls.value()
}

// jumpScratch is the scratch of the jump move of one group of rungs: the
// proposals S (C×L), their products with the couplings T (C×K), the log
// weights of the current states and the proposals, and the uniforms.
type jumpScratch struct {
	S, T         *tensor.Mat32
	lw, lw2, uni []float64
}

func newJumpScratch(js *jumpSet, c, n, m int) *jumpScratch {
	k := n
	if !js.hidden {
		k = m
	}
	return &jumpScratch{S: tensor.NewMat32(c, js.L), T: tensor.NewMat32(c, k), lw: make([]float64, c), lw2: make([]float64, c), uni: make([]float64, c)}
}

// proposeAll draws every chain's proposal and acceptance uniform from its
// own generator, RowRand(key, c).
func (pt *pathPT) proposeAll(r *pathRung, js *jumpScratch, key uint64) {
	for c := 0; c < pt.c; c++ {
		g := tensor.RowRand(key, c)
		pt.jump.propose(r.modes, js.S.Row(c), &g)
		js.uni[c] = g.Float64()
	}
}

// accept reports whether chain c moves from s to its proposal s', given
// log w(s') − log w(s) = dlw.
func (pt *pathPT) accept(r *pathRung, js *jumpScratch, c int, s []float32, dlw float64) bool {
	la := dlw + pt.jump.logQ(r.modes, s) - pt.jump.logQ(r.modes, js.S.Row(c))
	r.jumpTries++
	if la >= 0 || js.uni[c] < math.Exp(la) {
		r.jumpAcc++
		return true
	}
	return false
}

// jumpHidden is the move on h, run after h is drawn: sc.H holds h and
// sc.PV the product h·Wᵀ, from which log w(h) = b·h + Σ_i sp(a_i + (Wh)_i).
// An accepted proposal replaces both rows, so v is then drawn given it.
func (pt *pathPT) jumpHidden(r *pathRung, sc *gibbsScratch, key uint64) {
	js := sc.jump
	pt.proposeAll(r, js, key)
	pt.be.Gemm(false, true, 1, js.S, r.p.W, 0, js.T)
	pt.be.SoftplusRowSums(sc.PV, r.p.A, 1, js.lw)
	pt.be.SoftplusRowSums(js.T, r.p.A, 1, js.lw2)
	for c := 0; c < pt.c; c++ {
		h := sc.H.Row(c)
		dlw := js.lw2[c] + dot32(r.p.B, js.S.Row(c)) - js.lw[c] - dot32(r.p.B, h)
		if pt.accept(r, js, c, h, dlw) {
			copy(h, js.S.Row(c))
			copy(sc.PV.Row(c), js.T.Row(c))
		}
	}
}

// jumpVisible is the move on v, run before h is drawn, with log w(v) =
// −F(v): an accepted proposal replaces the chain's v, its X row and F.
func (pt *pathPT) jumpVisible(r *pathRung, sc *gibbsScratch, key uint64) {
	js := sc.jump
	pt.proposeAll(r, js, key)
	pt.be.MulSparse(js.S, r.p.W, js.T)
	freeEnergies(pt.be, js.S, js.T, r.p, js.lw2)
	for c := 0; c < pt.c; c++ {
		if pt.accept(r, js, c, r.V.Row(c), r.f[c]-js.lw2[c]) {
			copy(r.V.Row(c), js.S.Row(c))
			copy(r.X.Row(c), js.T.Row(c))
			r.f[c] = js.lw2[c]
		}
	}
}

// dot32 is Σ_j b_j s_j in float64.
func dot32(b, s []float32) float64 {
	x := 0.0
	for j, v := range s {
		if v != 0 {
			x += float64(b[j])
		}
	}
	return x
}

// jumpRates returns every rung's jump acceptance since the last
// resetStats (0 for a rung without modes: the base-rate rung).
func (pt *pathPT) jumpRates() []float64 {
	out := make([]float64, len(pt.rungs))
	for i, r := range pt.rungs {
		if r.jumpTries > 0 {
			out[i] = float64(r.jumpAcc) / float64(r.jumpTries)
		}
	}
	return out
}

// checkJumps validates the mode-jump starts.
func checkJumps(starts int) error {
	if starts < 0 {
		return fmt.Errorf("mode-jump starts must be ≥ 0 (0: no jumps), got %d", starts)
	}
	return nil
}

// AutoJumpUnits is the widest smaller layer for which AutoModeJumps turns
// the jumps on.
const AutoJumpUnits = 32

// AutoModeJumps is the default of TrajectoryOptions.ModeJumps for m: 20
// starts when m's smaller layer has at most AutoJumpUnits units, else 0.
// On small sharp models the mass sits in a few states of that layer, which
// a search finds in milliseconds and the jumps reach (docs/likelihood.md
// §"Mode jumps"); on wide layers (784×500) the mass is spread over states
// far from any local maximum, the search costs seconds per model, and a
// proposal near a maximum is almost never accepted.
func AutoModeJumps(m *rbm.Model) int {
	if min(m.NumVisible(), m.NumHidden()) <= AutoJumpUnits {
		return 20
	}
	return 0
}
