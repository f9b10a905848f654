// Package train fits RBMs by stochastic maximum likelihood with the three
// chain initialisations of the paper: CD-k (chains start at the batch),
// PCD-k (persistent chains) and Rdm-k (fresh Bernoulli(½) states at every
// update), with SGD+momentum or Adam and L2 weight decay.
//
// Run writes a run directory (run.json, metrics.csv, checkpoints/) and can
// resume it exactly: same seed, flags and backend give bit-identical
// parameters whether or not the run was interrupted.
package train

import (
	"fmt"
	"math"
)

// Config is everything that determines a training run.
type Config struct {
	Data       string  `json:"data"`        // "mnist", an IDX directory or a .npy 0/1 matrix
	Binarize   string  `json:"binarize"`    // "threshold" (pixel ≥ 0.5) or "stochastic"
	TrainLimit int     `json:"train_limit"` // use only the first n training examples (0 = all)
	Hidden     int     `json:"hidden"`      // M
	Method     string  `json:"method"`      // "cd", "pcd" or "rdm"
	K          int     `json:"k"`           // Gibbs sweeps per update
	Batch      int     `json:"batch"`       // minibatch size
	Chains     int     `json:"chains"`      // PCD chains (0 = batch size)
	Epochs     int     `json:"epochs"`      // passes over the training set
	Optimizer  string  `json:"optimizer"`   // "adam" or "sgd"
	LR         float64 `json:"lr"`          // learning rate
	// LRSchedule is "" (constant) or "linear": in epoch e (1-based) of
	// Epochs the rate is LR·(1 − (e−1)/Epochs), falling to LR/Epochs in the
	// last epoch. Stored empty when constant, so run.json files written
	// before the option existed still resume.
	LRSchedule   string  `json:"lr_schedule,omitempty"`
	Momentum     float64 `json:"momentum"`     // SGD momentum
	WeightDecay  float64 `json:"weight_decay"` // L2 penalty on W
	AdamBeta1    float64 `json:"adam_beta1"`   //
	AdamBeta2    float64 `json:"adam_beta2"`   //
	AdamEps      float64 `json:"adam_eps"`     //
	InitStd      float64 `json:"init_std"`     // W ~ N(0, s²)
	InitVisible  string  `json:"init_visible"` // "zero" or "data" (log-odds of pixel means)
	NegativeH    string  `json:"negative_h"`   // "mean" (Rao–Blackwellised) or "sample"
	Seed         uint64  `json:"seed"`         //
	CheckEvery   int     `json:"checkpoint_every"`
	CheckSpacing string  `json:"checkpoint_spacing"` // "linear" or "log"
	EvalSubset   int     `json:"eval_subset"`        // test examples for the per-epoch recon error and exact pseudo-LL (0 = none)
	Backend      string  `json:"backend"`            // "" (default), "openblas" or "gonum"

	// Parallel trajectory tempering (Method "ptt"; docs/ptt.md).
	PTTAlpha     float64 `json:"ptt_alpha,omitempty"`     // freeze a checkpoint when the exchange acceptance falls below this
	PTTAlphaMin  float64 `json:"ptt_alpha_min,omitempty"` // reject an update whose acceptance falls below this
	PTTReservoir int     `json:"ptt_reservoir,omitempty"` // equilibrium samples kept per checkpoint (0 = 10 × chains)
	PTTAnneal    int     `json:"ptt_anneal,omitempty"`    // steps from the independent-site model to the initial parameters
	PTTSweepK    int     `json:"ptt_sweep_k,omitempty"`   // Gibbs sweeps per exchange while freezing a checkpoint (0 = K)
}

// DefaultEvalSubset is the default number of test images of the per-epoch
// metrics. The exact pseudo-log-likelihood costs N·M softplus evaluations
// per image (all N single-bit flips, each through M hidden units): for
// 784×500, 100 images take 1–2 % of a CD-1 epoch with the OpenBLAS build
// and about 4 % with the pure-Go one (docs/performance.md); more
// images (--eval-subset 1000, or 10000 for the whole test set) cost
// proportionally more.
const DefaultEvalSubset = 100

// DefaultConfig returns the defaults of `rbmscope train`.
func DefaultConfig() Config {
	return Config{
		Data: "mnist", Binarize: "threshold", Hidden: 500, Method: "pcd", K: 10, Batch: 100,
		Epochs: 20, Optimizer: "adam", LR: 0.001, Momentum: 0.5, AdamBeta1: 0.9, AdamBeta2: 0.999,
		AdamEps: 1e-8, InitStd: 0.01, InitVisible: "data", NegativeH: "mean", Seed: 1,
		CheckEvery: 1, CheckSpacing: "linear", EvalSubset: DefaultEvalSubset,
		PTTAlpha: 0.3, PTTAlphaMin: 0.1, PTTAnneal: 100,
	}
}

// Validate checks every field and says what to change.
func (c *Config) Validate() error {
	switch {
	case c.Hidden < 1:
		return fmt.Errorf("hidden units must be ≥ 1 (got %d)", c.Hidden)
	case c.K < 1:
		return fmt.Errorf("k (Gibbs sweeps per update) must be ≥ 1 (got %d)", c.K)
	case c.Batch < 1:
		return fmt.Errorf("batch size must be ≥ 1 (got %d)", c.Batch)
	case c.Chains < 0:
		return fmt.Errorf("chains must be ≥ 0 (0 means the batch size; got %d)", c.Chains)
	case c.Epochs < 0:
		return fmt.Errorf("epochs must be ≥ 0 (got %d)", c.Epochs)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("learning rate must be positive and finite (got %v)", c.LR)
	case !(c.Momentum >= 0 && c.Momentum < 1):
		return fmt.Errorf("momentum must be in [0, 1) (got %v)", c.Momentum)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return fmt.Errorf("weight decay must be finite and ≥ 0 (got %v)", c.WeightDecay)
	case !(c.InitStd >= 0) || math.IsInf(c.InitStd, 0):
		return fmt.Errorf("init std must be finite and ≥ 0 (got %v)", c.InitStd)
	case c.CheckEvery < 1:
		return fmt.Errorf("checkpoint-every must be ≥ 1 (got %d)", c.CheckEvery)
	case c.EvalSubset < 0:
		return fmt.Errorf("eval subset must be ≥ 0 (got %d)", c.EvalSubset)
	case c.TrainLimit < 0:
		return fmt.Errorf("train limit must be ≥ 0 (got %d)", c.TrainLimit)
	}
	for _, f := range []struct {
		name, val string
		ok        []string
	}{
		{"method", c.Method, []string{"cd", "pcd", "rdm", "ptt"}},
		{"optimizer", c.Optimizer, []string{"adam", "sgd"}},
		{"init-visible", c.InitVisible, []string{"zero", "data"}},
		{"negative-h", c.NegativeH, []string{"mean", "sample"}},
		{"checkpoint-spacing", c.CheckSpacing, []string{"linear", "log"}},
		{"binarize", c.Binarize, []string{"threshold", "stochastic"}},
	} {
		if !contains(f.ok, f.val) {
			return fmt.Errorf("%s must be one of %v (got %q)", f.name, f.ok, f.val)
		}
	}
	if c.LRSchedule != "" && c.LRSchedule != "linear" {
		return fmt.Errorf("lr-schedule must be constant or linear (got %q)", c.LRSchedule)
	}
	if err := c.validatePTT(); err != nil {
		return err
	}
	if c.Optimizer == "adam" && (c.AdamBeta1 < 0 || c.AdamBeta1 >= 1 || c.AdamBeta2 < 0 || c.AdamBeta2 >= 1 || !(c.AdamEps > 0)) {
		return fmt.Errorf("adam betas must be in [0,1) and eps > 0")
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// NumChains is the number of negative-phase chains per update.
func (c *Config) NumChains() int {
	if (c.Method == "pcd" || c.Method == "ptt") && c.Chains > 0 {
		return c.Chains
	}
	return c.Batch
}

// validatePTT checks the settings of method ptt (ignored by the others).
func (c *Config) validatePTT() error {
	if c.Method != "ptt" {
		return nil
	}
	switch {
	case !(c.PTTAlphaMin > 0 && c.PTTAlphaMin < c.PTTAlpha && c.PTTAlpha <= 1):
		return fmt.Errorf("ptt needs 0 < ptt-alpha-min < ptt-alpha ≤ 1 (got %v and %v)", c.PTTAlphaMin, c.PTTAlpha)
	case c.PTTReservoir != 0 && c.PTTReservoir < c.NumChains():
		return fmt.Errorf("ptt-reservoir must be 0 (10 × chains) or at least the number of chains %d (got %d)", c.NumChains(), c.PTTReservoir)
	case c.PTTAnneal < 1:
		return fmt.Errorf("ptt-anneal must be ≥ 1 (got %d)", c.PTTAnneal)
	case c.PTTSweepK < 0:
		return fmt.Errorf("ptt-sweep-k must be ≥ 0 (0 = k; got %d)", c.PTTSweepK)
	}
	return nil
}

// PTTReservoirSize is the number of equilibrium samples PTT keeps.
func (c *Config) PTTReservoirSize() int {
	if c.PTTReservoir > 0 {
		return c.PTTReservoir
	}
	return 10 * c.NumChains()
}

// IsCheckpoint reports whether the parameters after epoch e are saved.
// Epoch 0 (the initialisation) and the last epoch always are.
func (c *Config) IsCheckpoint(e int) bool {
	if e == 0 || e == c.Epochs {
		return true
	}
	if c.CheckSpacing == "log" {
		return e&(e-1) == 0 // powers of two
	}
	return e%c.CheckEvery == 0
}
