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
	// dimension B+R: dW = [v0; vk]ᵀ·[ph0/B; −hk/R].
	stackV, stackH *tensor.Mat32
	batch          *tensor.Mat32 // B×N view: current minibatch
	probH0         *tensor.Mat32 // B×M view: p(h|v_data)
	gW             *tensor.Mat32
	ga, gb         []float32
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
	t.gW = tensor.NewMat32(n, m)
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
	B, R := float32(v0.Rows), float32(neg.V.Rows)
	// Positive phase: p(h|v_data); for CD its sample starts the chain.
	be.MulSparse(v0, t.P.W, t.probH0)
	var h0 *tensor.Mat32
	if cfg.Method == "cd" {
		h0 = neg.H
	}
	be.SigmoidSample(t.probH0, t.P.B, 1, t.probH0, h0, t.stream.Key())

	// Negative phase: k sweeps from the chain start of the method.
	t.startChains(v0)
	for s := 0; s < cfg.K; s++ {
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

	// Gradient of the log-likelihood (ascent direction).
	colMeanDiff(t.ga, v0, neg.V)
	colMeanDiff(t.gb, t.probH0, neg.ProbH)
	scale(t.probH0.Data, 1/B)
	scale(neg.ProbH.Data, -1/R)
	be.Gemm(true, false, 1, t.stackV, t.stackH, 0, t.gW)
	t.Updates++
	if !t.opt.step(t.P, t.gW, t.ga, t.gb, float32(cfg.WeightDecay)) {
		return errDiverged
	}
	return nil
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

func scale(x []float32, s float32) {
	for i := range x {
		x[i] *= s
	}
}

// colMeanDiff sets out_j = mean_r x_rj − mean_r y_rj.
func colMeanDiff(out []float32, x, y *tensor.Mat32) {
	sx := make([]float64, len(out))
	sy := make([]float64, len(out))
	for r := 0; r < x.Rows; r++ {
		for j, v := range x.Row(r) {
			sx[j] += float64(v)
		}
	}
	for r := 0; r < y.Rows; r++ {
		for j, v := range y.Row(r) {
			sy[j] += float64(v)
		}
	}
	for j := range out {
		out[j] = float32(sx[j]/float64(x.Rows) - sy[j]/float64(y.Rows))
	}
}

// TrainEpoch runs one pass over data in the order given by the seed and
// epoch number, dropping the last partial batch. It stops early with
// ctx.Err() if ctx is cancelled (the partial epoch must then be redone).
func (t *Trainer) TrainEpoch(ctx context.Context, data *dataset.Set, onBatch func(done, total int)) error {
	epoch := t.Epoch + 1
	if data.Width() != t.P.W.Rows {
		return fmt.Errorf("data has %d columns but the model has %d visible units", data.Width(), t.P.W.Rows)
	}
	perm := dataset.Shuffle(data.Len(), t.Cfg.Seed, uint64(epoch))
	nb := data.Len() / t.Cfg.Batch
	for b := 0; b < nb; b++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		for r := 0; r < t.Cfg.Batch; r++ {
			copy(t.batch.Row(r), data.X.Row(perm[b*t.Cfg.Batch+r]))
		}
		if err := t.Update(t.batch); err != nil {
			return err
		}
		if onBatch != nil {
			onBatch(b+1, nb)
		}
	}
	t.Epoch = epoch
	return nil
}
