package train

import "github.com/spf13/pflag"

// ConfigFlags registers the settings flags of "rbmscope train" on f
// (defaults: DefaultConfig) and returns a function that reads them after
// parsing. Given a stored configuration (a run to resume) it returns that
// configuration with only the flags given on the command line applied;
// Run then refuses any change other than Epochs.
func ConfigFlags(f *pflag.FlagSet) func(stored *Config) Config {
	c := DefaultConfig()
	addConfigFlags(f, &c)
	return func(stored *Config) Config {
		if stored == nil {
			return c
		}
		out := *stored
		again := pflag.NewFlagSet("stored", pflag.ContinueOnError)
		addConfigFlags(again, &out)
		f.Visit(func(fl *pflag.Flag) {
			if again.Lookup(fl.Name) != nil {
				again.Set(fl.Name, fl.Value.String())
			}
		})
		return out
	}
}

// addConfigFlags binds the settings flags to c (defaults: its values).
func addConfigFlags(f *pflag.FlagSet, c *Config) {
	f.StringVar(&c.Data, "data", c.Data, `training data: "mnist", a directory of IDX files, or a .npy 0/1 matrix`)
	f.StringVar(&c.Binarize, "binarize", c.Binarize, "threshold (pixel ≥ 0.5) or stochastic (Bernoulli per pixel, seeded)")
	f.IntVar(&c.TrainLimit, "train-limit", c.TrainLimit, "use only the first n training examples (0 = all)")
	f.IntVar(&c.Hidden, "hidden", c.Hidden, "number of hidden units M")
	f.StringVar(&c.Method, "method", c.Method, "chain initialisation: cd, pcd, rdm, or ptt (persistent chains kept at equilibrium by parallel trajectory tempering; docs/ptt.md)")
	f.IntVar(&c.K, "k", c.K, "Gibbs sweeps per update")
	f.IntVar(&c.Batch, "batch", c.Batch, "minibatch size")
	f.IntVar(&c.Chains, "chains", c.Chains, "persistent chains for pcd and ptt (0 = batch size)")
	f.IntVar(&c.Epochs, "epochs", c.Epochs, "epochs (passes over the training set)")
	f.StringVar(&c.Optimizer, "optimizer", c.Optimizer, "adam or sgd (with momentum)")
	f.Float64Var(&c.LR, "lr", c.LR, "learning rate")
	f.Var((*lrSchedule)(&c.LRSchedule), "lr-schedule", "constant, or linear: lr·(1 − (e−1)/epochs) in epoch e, down to lr/epochs in the last")
	f.Float64Var(&c.Momentum, "momentum", c.Momentum, "SGD momentum")
	f.Float64Var(&c.WeightDecay, "weight-decay", c.WeightDecay, "L2 weight decay on W")
	f.Float64Var(&c.InitStd, "init-std", c.InitStd, "initial weights ~ N(0, s²)")
	f.StringVar(&c.InitVisible, "init-visible", c.InitVisible, "initial visible biases: zero or data (log-odds of pixel means)")
	f.StringVar(&c.NegativeH, "negative-h", c.NegativeH, "negative-phase hidden statistics: mean (Rao–Blackwellised) or sample")
	f.Uint64Var(&c.Seed, "seed", c.Seed, "random seed")
	f.IntVar(&c.CheckEvery, "checkpoint-every", c.CheckEvery, "save parameters every n epochs")
	f.StringVar(&c.CheckSpacing, "checkpoint-spacing", c.CheckSpacing, "linear (every n epochs) or log (epochs 1, 2, 4, 8, …)")
	f.IntVar(&c.EvalSubset, "eval-subset", c.EvalSubset, "first n test examples for the per-epoch recon error and exact pseudo-LL, all N flips per example, N·M softplus each (0 = skip)")
	f.Float64Var(&c.PTTAlpha, "ptt-alpha", c.PTTAlpha, "ptt: freeze a checkpoint when the exchange acceptance with the last one falls below this")
	f.Float64Var(&c.PTTAlphaMin, "ptt-alpha-min", c.PTTAlphaMin, "ptt: reject an update (restore the last checkpoint, halve the learning rate) below this acceptance")
	f.IntVar(&c.PTTReservoir, "ptt-reservoir", c.PTTReservoir, "ptt: equilibrium samples kept per checkpoint (0 = 10 × chains)")
	f.IntVar(&c.PTTAnneal, "ptt-anneal", c.PTTAnneal, "ptt: steps from the independent-site model (W = 0) to the initial parameters")
	f.IntVar(&c.PTTSweepK, "ptt-sweep-k", c.PTTSweepK, "ptt: Gibbs sweeps per exchange while freezing a checkpoint (0 = k)")
	f.StringVar(&c.Backend, "backend", c.Backend, `compute backend: "openblas" or "gonum" (default: the fastest compiled in)`)
}

// lrSchedule is the --lr-schedule flag: "constant" on the command line,
// "" in Config (so older run.json files, which lack the field, match).
type lrSchedule string

func (s *lrSchedule) String() string {
	if *s == "" {
		return "constant"
	}
	return string(*s)
}

func (s *lrSchedule) Set(v string) error {
	if v == "constant" {
		v = ""
	}
	*s = lrSchedule(v) // Config.Validate names the allowed values
	return nil
}

func (s *lrSchedule) Type() string { return "string" }
