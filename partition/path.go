package partition

import (
	"context"
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// pathNode is one end of a linear segment of the parameter path, in the
// float32 values the chains use, widened to float64 for interpolation.
type pathNode struct {
	w    *tensor.Mat32
	a, b []float64
	p    *rbm.Params32
}

func newPathNode(p *rbm.Params32) pathNode {
	n := pathNode{w: p.W, p: p, a: make([]float64, len(p.A)), b: make([]float64, len(p.B))}
	for i, x := range p.A {
		n.a[i] = float64(x)
	}
	for j, x := range p.B {
		n.b[j] = float64(x)
	}
	return n
}

// path is the piecewise-linear parameter path through its nodes: the
// base-rate model (W = 0, b = 0, a = a^A), then θ_0 … θ_T. Position u ∈
// [0, L] (L = nodes − 1) lies on segment ⌊u⌋ at s = u − ⌊u⌋, with the
// parameters (1−s)θ_⌊u⌋ + sθ_⌊u⌋+1: linear interpolation of the parameters
// is geometric interpolation of the Boltzmann weights, so the segment from
// the base-rate model to a model is the AIS (temperature) path of that
// model, and a one-model path is a temperature ladder.
type path struct {
	nodes []pathNode
	n, m  int
}

// newPath validates models (all the same shape) and the base-rate visible
// biases (nil: zeros) and builds the path base → models[0] → … .
func newPath(models []*rbm.Model, baseVisible []float64) (*path, error) {
	if len(models) == 0 {
		return nil, fmt.Errorf("no models given")
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
	if baseVisible != nil {
		if len(baseVisible) != n {
			return nil, fmt.Errorf("base-rate model has %d visible biases but the models have %d visible units", len(baseVisible), n)
		}
		copy(base.A, baseVisible)
		if err := base.Validate(); err != nil {
			return nil, fmt.Errorf("base-rate visible biases: %w", err)
		}
	}
	p := &path{n: n, m: m, nodes: []pathNode{newPathNode(base.To32())}}
	for _, md := range models {
		p.nodes = append(p.nodes, newPathNode(md.To32()))
	}
	return p, nil
}

// last is the position of the last node.
func (p *path) last() float64 { return float64(len(p.nodes) - 1) }

// at returns the float32 parameters at position u: a node's own (shared)
// parameters when u is an integer, else the interpolation rounded to
// float32.
func (p *path) at(u float64) *rbm.Params32 {
	return p.atInto(u, nil)
}

// atInto is at writing an interpolation into buf (nil: a new one), whose
// shapes must be the path's; a node's own parameters are returned as they
// are, buf untouched.
func (p *path) atInto(u float64, buf *rbm.Params32) *rbm.Params32 {
	i := int(math.Floor(u))
	if float64(i) == u {
		return p.nodes[i].p
	}
	s := u - float64(i)
	P, Q := &p.nodes[i], &p.nodes[i+1]
	out := buf
	if out == nil {
		out = &rbm.Params32{W: tensor.NewMat32(p.n, p.m), A: make([]float32, p.n), B: make([]float32, p.m)}
	}
	tensor.ParallelRows(p.n, p.m, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			dst, wp, wq := out.W.Row(r), P.w.Row(r), Q.w.Row(r)
			for j := range dst {
				dst[j] = float32((1-s)*float64(wp[j]) + s*float64(wq[j]))
			}
		}
	})
	for k := range out.A {
		out.A[k] = float32((1-s)*P.a[k] + s*Q.a[k])
	}
	for j := range out.B {
		out.B[j] = float32((1-s)*P.b[j] + s*Q.b[j])
	}
	return out
}

// pathRung is one rung of the ladder: its position, parameters and chains
// with their fields X = V·W and free energies F(v).
type pathRung struct {
	u    float64
	p    *rbm.Params32
	V, X *tensor.Mat32
	f    []float64
	// xc = V·W' and fc = F'(v) for the parameters of the neighbour this
	// rung is paired with in the current swap round.
	xc *tensor.Mat32
	fc []float64
	// modes are the targets of its jump move (jumpSet.at; none without
	// jumps), tried and accepted jumpTries and jumpAcc times since the
	// last resetStats.
	modes              *rungModes
	jumpTries, jumpAcc int
}

// pathPT is parallel tempering over a ladder of rungs on a path.
type pathPT struct {
	be      tensor.Backend
	path    *path
	c       int
	rungs   []*pathRung
	st      *tensor.Stream
	scratch []gibbsScratch // one per group of rungs (see groups)
	keys    []uint64       // the random keys of one sweep
	accSum  []float64      // Σ min(1, e^{l+r}) per pair since the last reset
	tries   []int          // its number of terms
	rec     *pairRecords   // forward and reverse increments, when recording
	batches int            // groups of chains the records are split into
	jump    *jumpSet       // the modes of the jump move (nil: no jumps)
}

// gibbsScratch holds the hidden (C×M) and visible (C×N) scratch of one
// Gibbs sweep, and the jump move's (nil without jumps).
type gibbsScratch struct {
	H, PH, PV *tensor.Mat32
	jump      *jumpScratch
}

// maxGroups is the number of groups the rungs are split into for a sweep:
// consecutive runs of rungs, fixed by the number of rungs alone, worked on
// in parallel (each rung's sweep is computed the same way in any group).
const maxGroups = 8

// groups calls fn(g, lo, hi) for the groups g of consecutive items [lo, hi)
// of n items, in parallel; every group's work must be independent of the
// others'.
func groups(n int, fn func(g, lo, hi int)) {
	k := min(n, maxGroups)
	tensor.ParallelRows(k, 1<<20, func(glo, ghi int) {
		for g := glo; g < ghi; g++ {
			fn(g, g*n/k, (g+1)*n/k)
		}
	})
}

// pairRecords holds l = F_k − F_{k+1} on rung-k samples and r = F_{k+1} −
// F_k on rung-(k+1) samples, per pair and batch (group of chains).
type pairRecords struct{ l, r [][][]float64 }

func newPairRecords(pairs, batches int) *pairRecords {
	rec := &pairRecords{l: make([][][]float64, pairs), r: make([][][]float64, pairs)}
	for k := range rec.l {
		rec.l[k], rec.r[k] = make([][]float64, batches), make([][]float64, batches)
	}
	return rec
}

// newPathPT puts C chains on a rung at every node of the path, all drawn
// from init (copied) or else independently and exactly from the base-rate
// model.
func newPathPT(be tensor.Backend, p *path, c int, init *tensor.Mat32, seed uint64) (*pathPT, error) {
	return newPathPTAt(be, p, c, init, seed, nil, nil)
}

// newPathPTAt is newPathPT with the rungs at the positions of ladder (nil:
// at every node), which the caller has validated, and the jump move
// between the modes of js (nil: none).
func newPathPTAt(be tensor.Backend, p *path, c int, init *tensor.Mat32, seed uint64, ladder []float64, js *jumpSet) (*pathPT, error) {
	if init != nil {
		if init.Rows != c || init.Cols != p.n {
			return nil, fmt.Errorf("start states are %d×%d, want %d×%d", init.Rows, init.Cols, c, p.n)
		}
		if err := checkBinary(init); err != nil {
			return nil, err
		}
	}
	pt := &pathPT{be: be, path: p, c: c, st: tensor.NewStream(seed, purposeTrajectory), jump: js}
	for range maxGroups {
		sc := gibbsScratch{H: tensor.NewMat32(c, p.m), PH: tensor.NewMat32(c, p.m), PV: tensor.NewMat32(c, p.n)}
		if js != nil {
			sc.jump = newJumpScratch(js, c, p.n, p.m)
		}
		pt.scratch = append(pt.scratch, sc)
	}
	PV := pt.scratch[0].PV
	if ladder == nil {
		for i := range p.nodes {
			ladder = append(ladder, float64(i))
		}
	}
	for _, u := range ladder {
		r := pt.newRung(u)
		if init != nil {
			copy(r.V.Data, init.Data)
		} else {
			clear(PV.Data)
			be.SigmoidSample(PV, p.nodes[0].p.A, 1, PV, r.V, pt.st.Key())
		}
		pt.refresh(r)
		pt.rungs = append(pt.rungs, r)
	}
	return pt, nil
}

func (pt *pathPT) newRung(u float64) *pathRung {
	c, n, m := pt.c, pt.path.n, pt.path.m
	r := &pathRung{u: u, p: pt.path.at(u), V: tensor.NewMat32(c, n), X: tensor.NewMat32(c, m), f: make([]float64, c),
		xc: tensor.NewMat32(c, m), fc: make([]float64, c)}
	if pt.jump != nil {
		r.modes = pt.jump.forRung(u, r.p)
	}
	return r
}

// refresh recomputes X = V·W and F(v) of rung r.
func (pt *pathPT) refresh(r *pathRung) {
	pt.be.MulSparse(r.V, r.p.W, r.X)
	freeEnergies(pt.be, r.V, r.X, r.p, r.f)
}

// freeEnergies sets out_c = F(v_c) = −a·v_c − Σ_j sp(b_j + X_cj) for the
// parameters p, given X = V·W of those parameters. The softplus sum runs
// in float32 terms accumulated in float64 (tensor.Backend.SoftplusRowSums):
// each term is off by a relative 1e-7, so F by about 1e-5·√M nats, which
// enters an estimate only through differences of such values.
func freeEnergies(be tensor.Backend, V, X *tensor.Mat32, p *rbm.Params32, out []float64) {
	be.SoftplusRowSums(X, p.B, 1, out)
	for c := range out {
		s := 0.0
		for i, v := range V.Row(c) {
			if v != 0 {
				s += float64(p.A[i])
			}
		}
		out[c] = -s - out[c]
	}
}

// gibbs runs one block-Gibbs sweep v → h → v of rung r's chains with the
// random keys kh and kv, starting from its X (V·W), and refreshes X and F.
// On the base-rate rung (W = 0) the sweep draws exact independent samples.
// A rung with modes also makes its jump move (key kj) on the smaller layer:
// on v before h is drawn, or on h before v is.
func (pt *pathPT) gibbs(r *pathRung, sc *gibbsScratch, kh, kv, kj uint64) {
	jump := r.modes != nil && len(r.modes.logPi) > 0
	if jump && !pt.jump.hidden {
		pt.jumpVisible(r, sc, kj)
	}
	pt.be.SigmoidSample(r.X, r.p.B, 1, sc.PH, sc.H, kh)
	pt.be.Gemm(false, true, 1, sc.H, r.p.W, 0, sc.PV)
	if jump && pt.jump.hidden {
		pt.jumpHidden(r, sc, kj)
	}
	pt.be.SigmoidSample(sc.PV, r.p.A, 1, sc.PV, r.V, kv)
	pt.refresh(r)
}

// sweep is one PT sweep: Gibbs at every rung, then swap proposals between
// rungs k and k+1 for k ≡ t (mod 2). With record, the pairs' increments
// are kept, per batch (group of chains). The random keys are drawn in one fixed order
// before the work, which runs on groups of rungs (and then of pairs) in
// parallel: every rung and pair is computed the same way whichever worker
// takes it, so the result does not depend on GOMAXPROCS.
func (pt *pathPT) sweep(t int, record bool) {
	R, nk := len(pt.rungs), 2 // keys per rung: h, v and, with jumps, the jump
	if pt.jump != nil {
		nk = 3
	}
	pt.keys = pt.keys[:0]
	for range nk * R {
		pt.keys = append(pt.keys, pt.st.Key())
	}
	groups(R, func(g, lo, hi int) {
		for i := lo; i < hi; i++ {
			var kj uint64
			if nk == 3 {
				kj = pt.keys[3*i+2]
			}
			pt.gibbs(pt.rungs[i], &pt.scratch[g], pt.keys[nk*i], pt.keys[nk*i+1], kj)
		}
	})
	first := t % 2
	pairs := max(0, (R-first)/2) // k = first, first+2, … ≤ R−2
	pt.keys = pt.keys[:0]
	for range pairs {
		pt.keys = append(pt.keys, pt.st.Key())
	}
	groups(pairs, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			pt.swap(first+2*i, record, pt.keys[i])
		}
	})
}

// swap proposes to exchange the states of chain c of rungs k and k+1 for
// every c, accepted with probability min(1, e^{l+r}), l = F_k(v_k) −
// F_{k+1}(v_k), r = F_{k+1}(v_{k+1}) − F_k(v_{k+1}), with uniforms from
// key. The cross products V_k·W_{k+1} and V_{k+1}·W_k give l and r and,
// after an accepted swap, are the swapped chains' new X rows, so no
// product is formed twice.
func (pt *pathPT) swap(k int, record bool, key uint64) {
	lo, hi := pt.rungs[k], pt.rungs[k+1]
	pt.be.MulSparse(lo.V, hi.p.W, lo.xc)
	freeEnergies(pt.be, lo.V, lo.xc, hi.p, lo.fc)
	pt.be.MulSparse(hi.V, lo.p.W, hi.xc)
	freeEnergies(pt.be, hi.V, hi.xc, lo.p, hi.fc)
	for c := 0; c < pt.c; c++ {
		l, r := lo.f[c]-lo.fc[c], hi.f[c]-hi.fc[c]
		pt.accSum[k] += min(1, math.Exp(l+r))
		pt.tries[k]++
		if record {
			b := c * pt.batches / pt.c
			pt.rec.l[k][b] = append(pt.rec.l[k][b], l)
			pt.rec.r[k][b] = append(pt.rec.r[k][b], r)
		}
		g := tensor.RowRand(key, c)
		if l+r >= 0 || g.Float64() < math.Exp(l+r) {
			swapRows(lo.V, hi.V, c)
			copy(lo.X.Row(c), hi.xc.Row(c))
			copy(hi.X.Row(c), lo.xc.Row(c))
			lo.f[c], hi.f[c] = hi.fc[c], lo.fc[c]
		}
	}
}

func swapRows(a, b *tensor.Mat32, c int) {
	x, y := a.Row(c), b.Row(c)
	for i := range x {
		x[i], y[i] = y[i], x[i]
	}
}

// resetStats clears the swap statistics (one entry per pair).
func (pt *pathPT) resetStats() {
	pt.accSum = make([]float64, len(pt.rungs)-1)
	pt.tries = make([]int, len(pt.rungs)-1)
	for _, r := range pt.rungs {
		r.jumpTries, r.jumpAcc = 0, 0
	}
}

// swapRates returns the mean over proposals of min(1, e^{l+r}) per pair:
// the expected acceptance, with less variance than the count of accepted
// swaps.
func (pt *pathPT) swapRates() []float64 {
	out := make([]float64, len(pt.accSum))
	for k := range out {
		out[k] = pt.accSum[k] / max(1, float64(pt.tries[k]))
	}
	return out
}

// run runs sweeps PT sweeps; with record, the increments of every swap
// proposal are kept, in pt.batches batches: batch g holds chains
// [g·C/B, (g+1)·C/B). Chain c of a rung only ever swaps with chain c of
// its neighbours, so the chains with one index form an independent
// replica of the whole ladder, and batches of replicas are independent
// however long the chains' autocorrelation.
func (pt *pathPT) run(ctx context.Context, sweeps int, record bool, each func(t int)) error {
	for t := 0; t < sweeps; t++ {
		if t%8 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		pt.sweep(t, record)
		if each != nil {
			each(t)
		}
	}
	return nil
}

// adapt grows the ladder: pilot sweeps at a time, it inserts the midpoint
// of every neighbouring pair whose swap rate is below target (its chains
// copied from the lower neighbour), until every pair reaches target. It
// fails when the ladder would exceed maxRungs. It returns the rounds run.
func (pt *pathPT) adapt(ctx context.Context, pilot int, target float64, maxRungs int) (int, error) {
	for round := 1; ; round++ {
		pt.resetStats()
		if err := pt.run(ctx, pilot, false, nil); err != nil {
			return round, err
		}
		split, err := pt.split(target, maxRungs, func(low int, lowest float64) string {
			return fmt.Sprintf("to reach swap rate %.2f between neighbours (%d pairs below it after %d rounds, lowest %.3g); raise the rung cap or lower the target", target, low, round, lowest)
		})
		if err != nil || !split {
			return round, err
		}
	}
}

// split gives every pair whose swap rate (since the last resetStats) is
// below floor its midpoint rung and says whether there was one. It fails,
// inserting nothing, when the ladder would exceed maxRungs; why completes
// the error from the number of such pairs and the lowest rate.
func (pt *pathPT) split(floor float64, maxRungs int, why func(low int, lowest float64) string) (bool, error) {
	rates := pt.swapRates()
	var low []int
	for k, r := range rates {
		if r < floor {
			low = append(low, k)
		}
	}
	if len(low) == 0 {
		return false, nil
	}
	if len(pt.rungs)+len(low) > maxRungs {
		return false, fmt.Errorf("the ladder needs more than %d rungs %s", maxRungs, why(len(low), minOf(rates)))
	}
	pt.insert(low)
	return true, nil
}

// MaxRechecks caps the re-checks of an adapted ladder after burn-in
// (pathPT.burnIn).
const MaxRechecks = 3

// burnIn runs sweeps PT sweeps whose samples are discarded. With recheck
// it then re-checks the ladder on chains closer to equilibrium than the
// adaptation's pilot rounds saw (their chains start as copies of a
// neighbour's): every pair whose swap rate over the burn-in's second half
// is below floor gets its midpoint rung, and that half runs again, until
// no pair is below floor or MaxRechecks re-checks have inserted rungs.
// grow is told of the extra sweeps; it returns the re-checks that
// inserted rungs. Without insertions the chains take exactly the steps of
// one run of sweeps sweeps.
func (pt *pathPT) burnIn(ctx context.Context, sweeps int, recheck bool, floor float64, maxRungs int, grow func(extra int), each func(t int)) (int, error) {
	first := sweeps / 2 &^ 1 // even, so the sweeps alternate their pairs as in one run
	pt.resetStats()
	if err := pt.run(ctx, first, false, each); err != nil {
		return 0, err
	}
	for n := 0; ; n++ {
		pt.resetStats()
		if err := pt.run(ctx, sweeps-first, false, each); err != nil {
			return n, err
		}
		if !recheck || sweeps < 2 || n == MaxRechecks {
			return n, nil
		}
		split, err := pt.split(floor, maxRungs, func(low int, lowest float64) string {
			return fmt.Sprintf("after burn-in: %d pairs swap below %.2f (lowest %.3g); raise the rung cap", low, floor, lowest)
		})
		if err != nil || !split {
			return n, err
		}
		grow(sweeps - first)
	}
}

// insert adds the midpoint rung of each pair in low (ascending).
func (pt *pathPT) insert(low []int) {
	out := make([]*pathRung, 0, len(pt.rungs)+len(low))
	j := 0
	for k, r := range pt.rungs {
		out = append(out, r)
		if j < len(low) && low[j] == k {
			j++
			mid := pt.newRung((r.u + pt.rungs[k+1].u) / 2)
			copy(mid.V.Data, r.V.Data)
			pt.refresh(mid)
			out = append(out, mid)
		}
	}
	pt.rungs = out
}

func minOf(x []float64) float64 {
	m := math.Inf(1)
	for _, v := range x {
		m = min(m, v)
	}
	return m
}
