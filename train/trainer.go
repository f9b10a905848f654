package train

import (
	"context"
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// Stream purposes: every random stream is derived from (seed, purpose, …).
const (
	purposeInit = iota + 1
	purposeTrain
	purposeEval
)

// Trainer holds the parameters, the optimiser state and the negative-phase
// chains of one run, and performs updates on minibatches.
type Trainer struct {
	Cfg     Config
	Backend tensor.Backend
	P       *rbm.Params32
	Epoch   int // completed epochs
	Updates int // completed parameter updates

	opt     optimizer
	stream  *tensor.Stream
	sampler *rbm.Sampler
	neg     *rbm.Chains // negative-phase chains, R×N / R×M
	started bool        // PCD chains have been initialised

	// The minibatch and the chains' visible states are stacked in one
	// (B+R)×N matrix, p(h|v_data) and the chains' hidden statistics in one
	// (B+R)×M matrix, so the weight gradient is a single GEMM with inner
	// dimension B+R: dW = [v0; vk]ᵀ·[ph0/B; −hk/R], computed by
	// MulSparseT as sums of selected rows (the visible states are 0/1).
	stackV, stackH *tensor.Mat32
	batch          *tensor.Mat32 // B×N view: current minibatch
	probH0         *tensor.Mat32 // B×M view: p(h|v_data)
	phase          *tensor.Mat32 // (B+R)×1: 1/B for data rows, −1/R for chain rows
	ga, gb         []float32

	ptt *ladder // method ptt: the trajectory ladder that keeps neg at equilibrium
}

// NewTrainer initialises parameters for cfg on data with n visible units:
// W ~ N(0, InitStd²), b = 0, a = 0 or the log-odds of the data means.
func NewTrainer(cfg Config, be tensor.Backend, data *dataset.Set) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n, m := data.Width(), cfg.Hidden
	if cfg.Batch > data.Len() {
		return nil, fmt.Errorf("batch size %d is larger than the training set (%d examples)", cfg.Batch, data.Len())
	}
	p := &rbm.Params32{W: tensor.NewMat32(n, m), A: make([]float32, n), B: make([]float32, m)}
	g := tensor.RowRand(tensor.NewStream(cfg.Seed, purposeInit).Key(), 0)
	for i := range p.W.Data {
		p.W.Data[i] = float32(cfg.InitStd * g.NormFloat64())
	}
	if cfg.InitVisible == "data" {
		for i, mu := range data.Means() {
			mu = min(max(mu, 1e-3), 1-1e-3)
			p.A[i] = float32(math.Log(mu / (1 - mu)))
		}
	}
	t := &Trainer{Cfg: cfg, Backend: be, P: p, stream: tensor.NewStream(cfg.Seed, purposeTrain)}
	t.opt = newOptimizer(&cfg, be, p)
	t.alloc()
	if cfg.Method == "ptt" {
		t.ptt = newLadder(&t.Cfg, be, t.stream, p, t.neg)
		if err := t.ptt.anneal(p, cfg.PTTAnneal); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// alloc sets up the buffers; chains already present (from a saved state)
// keep their visible states.
func (t *Trainer) alloc() {
	n, m, B, R := t.P.W.Rows, t.P.W.Cols, t.Cfg.Batch, t.Cfg.NumChains()
	t.sampler = rbm.NewSampler(t.Backend, t.P, t.stream)
	t.stackV, t.stackH = tensor.NewMat32(B+R, n), tensor.NewMat32(B+R, m)
	t.batch, t.probH0 = t.stackV.Slice(0, B), t.stackH.Slice(0, B)
	old := t.neg
	t.neg = &rbm.Chains{V: t.stackV.Slice(B, B+R), H: tensor.NewMat32(R, m), ProbV: tensor.NewMat32(R, n), ProbH: t.stackH.Slice(B, B+R)}
	if old != nil {
		copy(t.neg.V.Data, old.V.Data)
	}
	t.phase = tensor.NewMat32(B+R, 1)
	for i := range t.phase.Data {
		if i < B {
			t.phase.Data[i] = 1 / float32(B)
		} else {
			t.phase.Data[i] = -1 / float32(R)
		}
	}
	t.ga, t.gb = make([]float32, n), make([]float32, m)
}

// Chains returns the negative-phase chains (persistent for PCD).
func (t *Trainer) Chains() *rbm.Chains { return t.neg }

// Update performs one stochastic-gradient step on the minibatch v0 (B×N).
// It returns an error if a parameter becomes NaN or infinite.
func (t *Trainer) Update(v0 *tensor.Mat32) error {
	be, cfg, neg := t.Backend, &t.Cfg, t.neg
	if v0.Rows != t.batch.Rows || v0.Cols != t.batch.Cols {
		return fmt.Errorf("minibatch is %d×%d, want %d×%d", v0.Rows, v0.Cols, t.batch.Rows, t.batch.Cols)
	}
	if &v0.Data[0] != &t.batch.Data[0] {
		copy(t.batch.Data, v0.Data)
		v0 = t.batch
	}
	if t.ptt != nil { // first: a rejected step restores the parameters
		if err := t.pttStep(false); err != nil {
			return err
		}
	}
	// Positive phase: p(h|v_data); for CD its sample starts the chain.
	be.MulSparse(v0, t.P.W, t.probH0)
	var h0 *tensor.Mat32
	if cfg.Method == "cd" {
		h0 = neg.H
	}
	be.SigmoidSample(t.probH0, t.P.B, 1, t.probH0, h0, t.stream.Key())

	// Negative phase: k sweeps from the chain start of the method (PTT
	// ran them in pttStep).
	t.startChains(v0)
	for s := 0; s < cfg.K && t.ptt == nil; s++ {
		if s > 0 || cfg.Method != "cd" {
			t.sampler.Hidden(neg.V, neg.ProbH, neg.H)
		}
		t.sampler.Visible(neg.H, neg.ProbV, neg.V)
	}
	if cfg.NegativeH == "sample" {
		t.sampler.Hidden(neg.V, neg.ProbH, neg.H)
		copy(neg.ProbH.Data, neg.H.Data) // hk = sampled h
	} else {
		t.sampler.Hidden(neg.V, neg.ProbH, nil)
	}

	// Gradient of the log-likelihood (ascent direction): with the phase
	// weights c = [1/B…; −1/R…], ∇a = [v0; vk]ᵀc, ∇b = [ph0; hk]ᵀc and
	// ∇W = [v0; vk]ᵀ·diag(c)·[ph0; hk], the last formed by the optimiser
	// (for SGD directly into its velocity).
	be.Gemm(true, false, 1, t.stackV, t.phase, 0, &tensor.Mat32{Rows: len(t.ga), Cols: 1, Data: t.ga})
	be.Gemm(true, false, 1, t.stackH, t.phase, 0, &tensor.Mat32{Rows: len(t.gb), Cols: 1, Data: t.gb})
	t.scaleByPhase()
	t.Updates++
	if !t.opt.step(t.P, t.stackV, t.stackH, t.ga, t.gb, float32(cfg.WeightDecay)) {
		return errDiverged
	}
	if t.Updates%checkEvery == 0 && !t.paramsBounded() {
		return errDiverged
	}
	return nil
}

// pttStep runs the PTT exchange and Gibbs sweeps of one update and adapts
// the learning rate: halved (and the optimiser's memory cleared) when the
// update is rejected, doubled back at each new checkpoint up to Config.LR.
// With freeze the parameters end as a frozen checkpoint: the current ones
// if they can be frozen, else (rejected) the last checkpoint's.
func (t *Trainer) pttStep(freeze bool) error {
	st, err := t.ptt.update(t.P, t.sampler, freeze, t.Updates, t.Epoch+1)
	if err != nil {
		return err
	}
	switch {
	case st == pttRejected:
		t.ptt.lrScale /= 2
		t.opt.setLR(t.lr())
		t.opt.reset()
	case st == pttFrozen && t.ptt.lrScale < 1:
		t.ptt.lrScale *= 2
		t.opt.setLR(t.lr())
	}
	return nil
}

// lr is the learning rate of the next update: Config.LR, times the
// schedule's factor for the epoch under way (Config.LRSchedule), times
// PTT's scale (halved at each rejected update).
func (t *Trainer) lr() float64 {
	lr := t.Cfg.LR
	if t.Cfg.LRSchedule == "linear" && t.Cfg.Epochs > 0 {
		lr *= 1 - float64(min(t.Epoch, t.Cfg.Epochs-1))/float64(t.Cfg.Epochs)
	}
	if t.ptt != nil {
		lr *= t.ptt.lrScale
	}
	return lr
}

// PTTCheckpoints returns the frozen checkpoints of a ptt run (nil for the
// other methods).
func (t *Trainer) PTTCheckpoints() []PTTCheckpoint {
	if t.ptt == nil {
		return nil
	}
	return t.ptt.records
}

// PTTLogZ returns log Z of the current parameters and its standard error
// as PTT estimated them (NaN for the other methods). At the end of an
// epoch the parameters are a frozen checkpoint, so this is its value;
// between epochs it is the Bennett estimate from the last checkpoint's
// samples and the chains reweighted to the current parameters.
func (t *Trainer) PTTLogZ() (logZ, se float64) {
	if t.ptt == nil {
		return math.NaN(), math.NaN()
	}
	if equalParams(t.P, t.ptt.ckpt) {
		return t.ptt.logZ, math.Sqrt(t.ptt.logVar)
	}
	return t.ptt.logZOf(t.P)
}

// checkEvery is how often (in updates) the trainer scans every parameter
// for NaN, ±Inf or |θ| > MaxParam; optimisers that already check inside
// their update (Adam, momentum SGD) make this redundant but cheap, and
// plain SGD, which updates W inside one GEMM, relies on it. Epoch ends are
// always checked, so no diverged checkpoint is ever written.
const checkEvery = 16

// paramsBounded reports whether every parameter is finite and within
// ±MaxParam.
func (t *Trainer) paramsBounded() bool {
	ok := true
	for _, x := range [][]float32{t.P.A, t.P.B} {
		for _, v := range x {
			ok = ok && v >= -MaxParam && v <= MaxParam
		}
	}
	w := t.P.W.Data
	const chunk = 1 << 15
	nc := (len(w) + chunk - 1) / chunk
	res := make([]bool, nc)
	tensor.ParallelRows(nc, chunk, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			good := true
			for _, v := range w[c*chunk : min((c+1)*chunk, len(w))] {
				good = good && v >= -MaxParam && v <= MaxParam
			}
			res[c] = good
		}
	})
	for _, r := range res {
		ok = ok && r
	}
	return ok
}

// startChains sets the negative chains' initial visible states: the batch
// (CD), the previous chain ends (PCD; the first batch at the first update)
// or fresh Bernoulli(½) states (Rdm).
func (t *Trainer) startChains(v0 *tensor.Mat32) {
	neg := t.neg
	switch t.Cfg.Method {
	case "cd":
		copy(neg.V.Data, v0.Data)
	case "rdm":
		tensor.Bernoulli(neg.V, 0.5, t.stream.Key())
	case "pcd":
		if !t.started {
			for r := 0; r < neg.V.Rows; r++ {
				copy(neg.V.Row(r), v0.Row(r%v0.Rows))
			}
			t.started = true
		}
	}
}

var errDiverged = fmt.Errorf("parameters became NaN, infinite or larger than %g", MaxParam)

// scaleByPhase multiplies each row of stackH by its phase weight (1/B for
// the data rows, −1/R for the chains), in parallel.
func (t *Trainer) scaleByPhase() {
	h, c := t.stackH, t.phase.Data
	tensor.ParallelRows(h.Rows, h.Cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			f := c[r]
			row := h.Row(r)
			for i := range row {
				row[i] *= f
			}
		}
	})
}

// TrainEpoch runs one pass over data in the order given by the seed and
// epoch number, dropping the last partial batch. It stops early with
// ctx.Err() if ctx is cancelled (the partial epoch must then be redone).
func (t *Trainer) TrainEpoch(ctx context.Context, data *dataset.Set, onBatch func(done, total int)) error {
	epoch := t.Epoch + 1
	if data.Width() != t.P.W.Rows {
		return fmt.Errorf("data has %d columns but the model has %d visible units", data.Width(), t.P.W.Rows)
	}
	if t.Cfg.LRSchedule != "" {
		t.opt.setLR(t.lr())
	}
	perm := dataset.Shuffle(data.Len(), t.Cfg.Seed, uint64(epoch))
	nb := data.Len() / t.Cfg.Batch
	for b := 0; b < nb; b++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Gathering shuffled rows of a 188 MB matrix is bound by memory
		// latency (up to ≈ 10 % of a CD-1 epoch measured in place); the
		// workers overlap their misses.
		rows := perm[b*t.Cfg.Batch : (b+1)*t.Cfg.Batch]
		tensor.ParallelRows(len(rows), data.Width(), func(lo, hi int) {
			for r := lo; r < hi; r++ {
				copy(t.batch.Row(r), data.X.Row(rows[r]))
			}
		})
		if err := t.Update(t.batch); err != nil {
			return err
		}
		if onBatch != nil {
			onBatch(b+1, nb)
		}
	}
	if t.ptt != nil { // the epoch ends at a frozen checkpoint with a log Z
		if err := t.pttStep(true); err != nil {
			return err
		}
	}
	if !t.paramsBounded() {
		return errDiverged
	}
	t.Epoch = epoch
	return nil
}
