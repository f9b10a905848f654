package train

import (
	"bytes"
	"encoding/csv"
	"errors"
	"github.com/rbmscope/rbmscope/partition"
	"math"
	"slices"
	"strconv"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/rundir"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// Parallel trajectory tempering (method "ptt"), after Béreux, Decelle,
// Furtlehner & Seoane, "Equilibrium Training of Energy-Based Models with
// Parallel Trajectory Tempering" (arXiv 2607.27077). docs/ptt.md explains
// the algorithm, its parameters and the files it writes.
//
// The persistent chains of the model being trained are kept at
// equilibrium by Metropolis exchanges with a reservoir of equilibrium
// samples of the last frozen checkpoint of the training trajectory. When
// the exchange acceptance between that checkpoint and the current model
// falls below α, the current model is frozen as a new checkpoint: its
// chains are thermalised by exchanges with the old reservoir, new
// equilibrium samples are collected, and log Z of the new checkpoint
// follows from the old one by the Bennett acceptance ratio. An update that
// loses overlap (acceptance below αmin, or too few effective chains) is
// rejected: the parameters go back to the last checkpoint and the learning
// rate is halved until the next checkpoint. The ladder starts at the
// independent-site model (W = 0: exact samples, exact log Z) and reaches
// the initial parameters by scaling W up (anneal).

// PTTCheckpoint is one frozen checkpoint of a PTT run (a row of ptt.csv).
type PTTCheckpoint struct {
	Index      int     // 0 = the independent-site model
	Update     int     // parameter updates done when it was frozen (0 during the anneal)
	Epoch      int     // completed epochs when it was frozen
	LogZ       float64 // log Z of the checkpoint
	LogZErr    float64 // standard error, summed in quadrature along the ladder
	Acceptance float64 // exchange acceptance with the previous checkpoint at equilibrium
	Sweeps     int     // exchange sweeps spent thermalising and sampling it
	TauInt     float64 // integrated autocorrelation time of the ladder level (sweeps)
	Rejections int     // updates rejected so far in the run
}

type pttStatus int

const (
	pttAccepted pttStatus = iota
	pttFrozen
	pttRejected
)

// Thermalisation limits of a new checkpoint, in exchange sweeps.
const (
	pttMinSweeps    = 20
	pttMaxSweeps    = 10240
	pttMaxRejection = 30 // consecutive rejections before the run fails
)

var errPTTLost = errors.New("ptt lost equilibrium: 30 consecutive updates were rejected (learning rate halved each time); try a smaller --lr or a larger --ptt-alpha-min margin")

// ladder is the state of parallel trajectory tempering.
type ladder struct {
	be              tensor.Backend
	stream          *tensor.Stream
	k               int // Gibbs sweeps per exchange of an update
	sweepK          int // Gibbs sweeps per exchange while freezing a checkpoint
	alpha, alphaMin float64

	ckpt         *rbm.Params32 // last frozen checkpoint
	logZ, logVar float64       // its log Z and the variance of it
	records      []PTTCheckpoint
	samples      *tensor.Mat32 // equilibrium samples of ckpt (S×N)
	samplesF     []float64     // their free energies under ckpt
	reservoir    *tensor.Mat32 // working copy of samples, exchanged with the chains
	reservoirF   []float64
	chains       *rbm.Chains // the trainer's persistent chains (R×N)
	chainsF      []float64   // their free energies under the model that last sampled them
	acceptance   float64     // last exchange acceptance between ckpt and the model
	since        int         // updates since the last checkpoint was frozen or restored
	rejections   int         // consecutive rejected updates
	totalRejects int
	lrScale      float64 // learning rate relative to Config.LR

	buf      *tensor.Mat32                            // max(S, R)×M products
	y        *tensor.Mat32                            // R×N reservoir rows proposed for exchange
	onFreeze func(p *rbm.Params32, rec PTTCheckpoint) // test hook
}

// freeEnergies sets out[r] = F(v_r) = −a·v_r − Σ_j softplus((v_r W)_j + b_j).
func (l *ladder) freeEnergies(p *rbm.Params32, v *tensor.Mat32, out []float64) {
	x := l.buf.Slice(0, v.Rows)
	l.be.MulSparse(v, p.W, x)
	l.be.SoftplusRowSums(x, p.B, 1, out)
	for r := range v.Rows {
		var s float64
		for i, vi := range v.Row(r) {
			if vi != 0 {
				s += float64(p.A[i])
			}
		}
		out[r] = -s - out[r]
	}
}

func cloneParams(p *rbm.Params32) *rbm.Params32 {
	return &rbm.Params32{W: p.W.Clone(), A: append([]float32(nil), p.A...), B: append([]float32(nil), p.B...)}
}

func equalParams(a, b *rbm.Params32) bool {
	return slices.Equal(a.W.Data, b.W.Data) && slices.Equal(a.A, b.A) && slices.Equal(a.B, b.B)
}

func copyParams(dst, src *rbm.Params32) {
	copy(dst.W.Data, src.W.Data)
	copy(dst.A, src.A)
	copy(dst.B, src.B)
}

// newLadder starts the ladder at the independent-site model of p (its
// biases, W = 0): S exact samples for the reservoir, R for the chains.
// anneal then carries it to p.
func newLadder(cfg *Config, be tensor.Backend, s *tensor.Stream, p *rbm.Params32, chains *rbm.Chains) *ladder {
	n, m, R := p.W.Rows, p.W.Cols, chains.V.Rows
	S := cfg.PTTReservoirSize()
	l := newLadderBuffers(cfg, be, s, n, m, chains)
	l.ckpt = &rbm.Params32{W: tensor.NewMat32(n, m), A: append([]float32(nil), p.A...), B: append([]float32(nil), p.B...)}
	l.samples, l.samplesF = tensor.NewMat32(S, n), make([]float64, S)
	l.reservoirF, l.chainsF = make([]float64, S), make([]float64, R)
	zero := tensor.NewMat32(S, n)
	be.SigmoidSample(zero, p.A, 1, zero, l.samples, s.Key())
	l.freeEnergies(l.ckpt, l.samples, l.samplesF)
	l.reservoir = l.samples.Clone()
	copy(l.reservoirF, l.samplesF)
	zero = tensor.NewMat32(R, n)                            // the first call overwrote it with probabilities
	be.SigmoidSample(zero, p.A, 1, zero, chains.V, s.Key()) // exact samples too
	l.freeEnergies(l.ckpt, chains.V, l.chainsF)
	for _, x := range p.A {
		l.logZ += tensor.Softplus64(float64(x))
	}
	for _, x := range p.B {
		l.logZ += tensor.Softplus64(float64(x))
	}
	l.records = []PTTCheckpoint{{LogZ: l.logZ, Acceptance: 1, TauInt: math.NaN()}}
	return l
}

// newLadderBuffers returns a ladder with its settings and work buffers.
func newLadderBuffers(cfg *Config, be tensor.Backend, s *tensor.Stream, n, m int, chains *rbm.Chains) *ladder {
	S, R := cfg.PTTReservoirSize(), chains.V.Rows
	l := &ladder{be: be, stream: s, k: cfg.K, sweepK: cfg.K, alpha: cfg.PTTAlpha, alphaMin: cfg.PTTAlphaMin, chains: chains, lrScale: 1}
	if cfg.PTTSweepK > 0 {
		l.sweepK = cfg.PTTSweepK
	}
	l.buf, l.y = tensor.NewMat32(max(S, R), m), tensor.NewMat32(R, n)
	return l
}

// anneal extends the ladder from the independent-site model to p along
// W(β) = β·W_p, β = 0 → 1 in steps of 1/steps (halved on rejection), and
// freezes p itself as the last checkpoint.
func (l *ladder) anneal(p *rbm.Params32, steps int) error {
	model := cloneParams(p)
	s := rbm.NewSampler(l.be, model, l.stream)
	beta, beta0, delta := 0.0, 0.0, 1/float64(steps)
	for beta0 < 1 {
		beta = min(beta+delta, 1)
		for i, w := range p.W.Data {
			model.W.Data[i] = float32(beta) * w
		}
		st, err := l.update(model, s, beta == 1, 0, 0)
		if err != nil {
			return err
		}
		switch st {
		case pttRejected:
			beta, delta = beta0, delta/2
			if delta < 1e-6 {
				return errors.New("ptt could not anneal from the independent-site model to the initial parameters; use a smaller --init-std")
			}
		case pttFrozen:
			beta0 = beta
		}
	}
	l.totalRejects, l.rejections = 0, 0
	return nil
}

// propose draws R distinct reservoir rows into l.y and returns their
// indices and the log Metropolis ratios of exchanging them with the
// chains, model (θ) against ckpt (c): Δ = (Fθ(x) − Fc(x)) − (Fθ(y) − Fc(y)).
// fThetaX receives Fθ(x).
func (l *ladder) propose(model, ckpt *rbm.Params32, rng *tensor.Rand, fThetaX []float64) (idx []int, fx, fy, delta []float64) {
	R, S, x := l.y.Rows, l.reservoir.Rows, l.chains.V
	perm := make([]int, S)
	for i := range perm {
		perm[i] = i
	}
	for i := range R { // partial Fisher–Yates
		j := i + int(rng.Uint64()%uint64(S-i))
		perm[i], perm[j] = perm[j], perm[i]
	}
	idx = perm[:R]
	fx, fy, delta = make([]float64, R), make([]float64, R), make([]float64, R)
	fThetaY := make([]float64, R)
	for r, i := range idx {
		copy(l.y.Row(r), l.reservoir.Row(i))
		fy[r] = l.reservoirF[i]
	}
	l.freeEnergies(ckpt, x, fx)
	l.freeEnergies(model, x, fThetaX)
	l.freeEnergies(model, l.y, fThetaY)
	for r := range delta {
		delta[r] = (fThetaX[r] - fx[r]) - (fThetaY[r] - fy[r])
	}
	return idx, fx, fy, delta
}

// exchange applies a proposal by the Metropolis rule and returns which
// exchanges were accepted. The chain's old state goes into the reservoir.
func (l *ladder) exchange(rng *tensor.Rand, idx []int, fx, fy, delta []float64) []bool {
	acc := make([]bool, len(idx))
	for r, i := range idx {
		u := rng.Float64()
		acc[r] = delta[r] >= 0 || u < math.Exp(delta[r])
		if acc[r] {
			copy(l.reservoir.Row(i), l.chains.V.Row(r))
			copy(l.chains.V.Row(r), l.y.Row(r))
			l.reservoirF[i] = fx[r]
		}
	}
	return acc
}

// gibbs runs k block-Gibbs sweeps v → h → v on the chains.
func (l *ladder) gibbs(s *rbm.Sampler, k int) {
	c := l.chains
	for range k {
		s.Hidden(c.V, c.ProbH, c.H)
		s.Visible(c.H, c.ProbV, c.V)
	}
}

// update is one PTT step of the chains of model, which has moved since
// the chains were last sampled: it decides whether model keeps overlap
// with the last checkpoint (from the exchange acceptance reweighted to
// model), exchanges the chains with the reservoir, freezes model as a new
// checkpoint when the acceptance has fallen below α, and runs k Gibbs
// sweeps. On rejection model is restored to the checkpoint and the chains
// to its samples. update and epoch label a frozen checkpoint.
func (l *ladder) update(model *rbm.Params32, s *rbm.Sampler, freeze bool, updates, epoch int) (pttStatus, error) {
	rng := tensor.RowRand(l.stream.Key(), 0)
	R := l.chains.V.Rows
	fThetaX := make([]float64, R)
	idx, fx, fy, delta := l.propose(model, l.ckpt, &rng, fThetaX)
	logw := make([]float64, R)
	for r := range logw {
		logw[r] = l.chainsF[r] - fThetaX[r]
	}
	p := partition.NormalisedWeights(logw, R)
	var acc, s2 float64
	for r, pr := range p {
		acc += pr * min(1, math.Exp(delta[r]))
		s2 += pr * pr
	}
	l.acceptance = acc
	st := l.status(1/s2/float64(R), freeze)
	if st == pttRejected {
		return l.reject(model, &rng)
	}
	l.exchange(&rng, idx, fx, fy, delta)
	if st == pttFrozen {
		ok, err := l.freeze(model, s, updates, epoch)
		if err != nil {
			return 0, err
		}
		if !ok {
			return l.reject(model, &rng)
		}
	}
	l.gibbs(s, l.k)
	l.freeEnergies(model, l.chains.V, l.chainsF)
	l.since++
	l.rejections = 0
	return st, nil
}

// status decides an update from the reweighted acceptance and the
// effective fraction of chains ess behind it.
func (l *ladder) status(ess float64, freeze bool) pttStatus {
	switch {
	case ess < l.alphaMin:
		return pttRejected // the move is too large to assess
	case l.acceptance >= l.alpha && freeze:
		return pttFrozen
	case l.acceptance >= l.alpha:
		return pttAccepted
	case l.acceptance >= l.alphaMin && l.since > 1:
		return pttFrozen
	}
	return pttRejected
}

// reject restores model to the last checkpoint, the reservoir to its
// samples and the chains to R of them.
func (l *ladder) reject(model *rbm.Params32, rng *tensor.Rand) (pttStatus, error) {
	copyParams(model, l.ckpt)
	copy(l.reservoir.Data, l.samples.Data)
	copy(l.reservoirF, l.samplesF)
	S, R, n := l.samples.Rows, l.chains.V.Rows, l.samples.Cols
	perm := make([]int, S)
	for i := range perm {
		perm[i] = i
	}
	for r := range R {
		j := r + int(rng.Uint64()%uint64(S-r))
		perm[r], perm[j] = perm[j], perm[r]
		copy(l.chains.V.Data[r*n:(r+1)*n], l.samples.Row(perm[r]))
		l.chainsF[r] = l.samplesF[perm[r]]
	}
	l.since = 0
	l.rejections++
	l.totalRejects++
	if l.rejections > pttMaxRejection {
		return pttRejected, errPTTLost
	}
	return pttRejected, nil
}

// freeze makes a copy of model the new checkpoint: its chains are
// thermalised by exchanges with the reservoir of the previous checkpoint
// for at least pttMinSweeps sweeps and 20 autocorrelation times of their
// ladder level, then new equilibrium samples are collected every 2τint
// sweeps and log Z follows by the Bennett acceptance ratio. It returns
// false, changing nothing but the chains and the reservoir, when the
// chains do not reach an acceptance of αmin (the online estimate was too
// optimistic) or do not thermalise within pttMaxSweeps.
func (l *ladder) freeze(model *rbm.Params32, s *rbm.Sampler, updates, epoch int) (bool, error) {
	next := cloneParams(model)
	copy(l.reservoir.Data, l.samples.Data)
	copy(l.reservoirF, l.samplesF)
	R := l.chains.V.Rows
	fThetaX := make([]float64, R)
	sweep := func() []bool {
		rng := tensor.RowRand(l.stream.Key(), 0)
		idx, fx, fy, delta := l.propose(next, l.ckpt, &rng, fThetaX)
		acc := l.exchange(&rng, idx, fx, fy, delta)
		l.gibbs(s, l.sweepK)
		return acc
	}
	var swaps [][]bool
	for range pttMinSweeps {
		swaps = append(swaps, sweep())
	}
	tauInt, tauExp := swapAutocorrelation(swaps)
	for float64(len(swaps)) < 20*max(tauInt, tauExp) {
		if lateMean(swaps) < l.alphaMin || len(swaps) >= pttMaxSweeps {
			return false, nil
		}
		for range len(swaps) { // double the run
			swaps = append(swaps, sweep())
		}
		tauInt, tauExp = swapAutocorrelation(swaps)
	}
	accept := lateMean(swaps)
	if accept < l.alphaMin {
		return false, nil
	}
	sweeps := len(swaps)
	S, n := l.samples.Rows, l.samples.Cols
	samples := tensor.NewMat32(S, n)
	for lo := 0; lo < S; lo += R {
		for range int(math.Ceil(2 * tauInt)) {
			sweep()
			sweeps++
		}
		copy(samples.Data[lo*n:min(lo+R, S)*n], l.chains.V.Data)
	}
	l.pushCheckpoint(next, samples, PTTCheckpoint{Update: updates, Epoch: epoch, Acceptance: accept, Sweeps: sweeps, TauInt: tauInt})
	return true, nil
}

// pushCheckpoint appends next, with its equilibrium samples, to the
// ladder: log Z(next) = log Z(ckpt) + BAR(ckpt samples, next samples).
func (l *ladder) pushCheckpoint(next *rbm.Params32, samples *tensor.Mat32, rec PTTCheckpoint) {
	S := samples.Rows
	fNextOld, fOldNew, fNew := make([]float64, S), make([]float64, S), make([]float64, S)
	l.freeEnergies(next, l.samples, fNextOld)
	l.freeEnergies(l.ckpt, samples, fOldNew)
	l.freeEnergies(next, samples, fNew)
	w0, w1 := make([]float64, S), make([]float64, S)
	for i := range S {
		w0[i] = fNextOld[i] - l.samplesF[i]
		w1[i] = fOldNew[i] - fNew[i]
	}
	r, se := partition.BennettLogRatio(w0, w1, nil)
	l.ckpt, l.samples, l.samplesF = next, samples, fNew
	l.logZ, l.logVar = l.logZ+r, l.logVar+se*se
	copy(l.reservoir.Data, samples.Data)
	copy(l.reservoirF, fNew)
	l.freeEnergies(next, l.chains.V, l.chainsF)
	l.since = 0
	rec.Index, rec.LogZ, rec.LogZErr, rec.Rejections = len(l.records), l.logZ, math.Sqrt(l.logVar), l.totalRejects
	l.records = append(l.records, rec)
	if l.onFreeze != nil {
		l.onFreeze(next, rec)
	}
}

// logZOf estimates log Z of model (the current parameters) from the last
// checkpoint's samples and the chains, reweighted from the model that last
// sampled them to model, by the Bennett acceptance ratio.
func (l *ladder) logZOf(model *rbm.Params32) (logZ, se float64) {
	S, R := l.samples.Rows, l.chains.V.Rows
	fModelOld := make([]float64, S)
	l.freeEnergies(model, l.samples, fModelOld)
	fModel, fCkpt := make([]float64, R), make([]float64, R)
	l.freeEnergies(model, l.chains.V, fModel)
	l.freeEnergies(l.ckpt, l.chains.V, fCkpt)
	w0, w1, logw := make([]float64, S), make([]float64, R), make([]float64, R)
	for i := range S {
		w0[i] = fModelOld[i] - l.samplesF[i]
	}
	for j := range R {
		w1[j] = fCkpt[j] - fModel[j]
		logw[j] = l.chainsF[j] - fModel[j]
	}
	r, e := partition.BennettLogRatio(w0, w1, logw)
	return l.logZ + r, math.Sqrt(l.logVar + e*e)
}

// meanNegFreeEnergy is the mean of −F(v) over the rows of v, in blocks of
// the ladder's buffer.
func (l *ladder) meanNegFreeEnergy(p *rbm.Params32, v *tensor.Mat32) float64 {
	var s float64
	out := make([]float64, l.buf.Rows)
	for lo := 0; lo < v.Rows; lo += l.buf.Rows {
		blk := v.Slice(lo, min(lo+l.buf.Rows, v.Rows))
		l.freeEnergies(p, blk, out[:blk.Rows])
		for _, f := range out[:blk.Rows] {
			s -= f
		}
	}
	return s / float64(v.Rows)
}

// pttLL fills the ll_ptt columns of m (a ptt run) with the test-set
// log-likelihood ⟨−F(v)⟩_test − log Z of the current parameters and the
// standard error of log Z, and rewrites ptt.csv.
func (r *runner) pttLL(m *Metrics) error {
	t := r.t
	if t.ptt == nil {
		return nil
	}
	logZ, se := t.PTTLogZ()
	m.LLPTT, m.LLPTTErr = t.ptt.meanNegFreeEnergy(t.P, r.testSet.X)-logZ, se
	return writePTT(r.dir, t.ptt.records)
}

// pttHeader is the header of ptt.csv, one row per frozen checkpoint.
var pttHeader = []string{"index", "update", "epoch", "log_z", "log_z_err", "acceptance", "sweeps", "tau_int", "rejections"}

// writePTT writes DIR/ptt.csv atomically.
func writePTT(dir string, recs []PTTCheckpoint) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(pttHeader)
	f := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', 12, 64)
	}
	for _, c := range recs {
		w.Write([]string{strconv.Itoa(c.Index), strconv.Itoa(c.Update), strconv.Itoa(c.Epoch), f(c.LogZ), f(c.LogZErr),
			f(c.Acceptance), strconv.Itoa(c.Sweeps), f(c.TauInt), strconv.Itoa(c.Rejections)})
	}
	w.Flush()
	return atomicfile.WriteBytes(rundir.PTTPath(dir), buf.Bytes())
}
