package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/tensor"
	"github.com/rbmscope/rbmscope/train"
)

var evalFlags struct {
	model, run, data, split, estimator, schedule, raisStart, backend, combine string
	every, betas, chains, gibbsSteps, limit                                   int
	seed                                                                      uint64
	json, quiet                                                               bool
	resample                                                                  float64
}

var evalCmd = &cobra.Command{
	Use:   "eval",
	Short: "Measure the log-likelihood of a model: exact, AIS and reverse AIS",
	Long: `Estimate the mean log-likelihood of a data split under one model (--model) or under the
checkpoints of a training run (--run, every --every epochs; ll_ais, ll_rais and their errors are
written into the run's metrics.csv).

  exact  enumerate the smaller layer (at most ` + fmt.Sprint(partition.MaxExactUnits) + ` units; 2^L states)
  ais    annealed importance sampling from a base-rate model (training-split pixel means):
         a stochastic lower bound on log Z, so ll_ais is an upper bound on the log-likelihood
  rais   reverse AIS from data points (--rais-start data) or the ends of long Gibbs chains
         started there (--rais-start gibbs): a stochastic upper bound on log Z, so ll_rais
         is a lower bound
  all    exact when the model is small enough, plus ais and rais

--resample (default 0.5) resamples the chains whenever the effective sample size of their
weights falls below that fraction of the chains (sequential Monte Carlo); the estimates stay
unbiased and the bounds keep their direction. --resample 0 is plain AIS.

--combine chooses how per-chain log-weights become log Z: logmeanexp (the bounds above) or
mean (the plain mean of log-weights that the paper's authors plotted; a wider sandwich).

Warnings (stderr, and "warnings" in the JSON) flag estimates that rest on a few chains and
inverted sandwiches: reverse AIS from data below AIS means the model has high-probability
states the data never reaches (spurious modes); the log-likelihood is then at most ll_ais.`,
	Example: `  rbmscope eval --model runs/x/checkpoints/epoch-0020.npz --data mnist --split test --estimator all --json
  rbmscope eval --run runs/x --every 5 --betas 20000 --chains 200
  rbmscope eval --model small.npz --estimator exact`,
	Args: cobra.NoArgs,
	RunE: runEval,
}

func init() {
	f := evalCmd.Flags()
	f.StringVar(&evalFlags.model, "model", "", "model .npz (W, a, b)")
	f.StringVar(&evalFlags.run, "run", "", "run directory: evaluate its checkpoints and update metrics.csv")
	f.IntVar(&evalFlags.every, "every", 1, "with --run, evaluate checkpoints whose epoch is a multiple of N (and the last)")
	f.StringVar(&evalFlags.data, "data", "mnist", `data set: "mnist", an IDX directory or a .npy 0/1 matrix (with --run: the run's data unless given)`)
	f.StringVar(&evalFlags.split, "split", "test", "split to evaluate: test or train")
	f.IntVar(&evalFlags.limit, "limit", 0, "use only the first n rows of the split (0 = all)")
	f.StringVar(&evalFlags.estimator, "estimator", "all", "exact, ais, rais or all")
	f.IntVar(&evalFlags.betas, "betas", 20000, "number of AIS steps K (inverse temperatures after β=0)")
	f.StringVar(&evalFlags.schedule, "schedule", "linear", "β schedule: linear, sm08 or geometric")
	f.IntVar(&evalFlags.chains, "chains", 200, "AIS chains, and reverse-AIS start states")
	f.Uint64Var(&evalFlags.seed, "seed", 1, "random seed")
	f.StringVar(&evalFlags.raisStart, "rais-start", "data", "reverse AIS start states: data (random rows of the split) or gibbs (long chains from them)")
	f.IntVar(&evalFlags.gibbsSteps, "gibbs-steps", 1000, "Gibbs sweeps for --rais-start gibbs")
	f.Float64Var(&evalFlags.resample, "resample", 0.5, "resample AIS/RAIS chains when their effective sample size falls below this fraction of the chains (sequential Monte Carlo; 0 = plain AIS as in Salakhutdinov & Murray)")
	f.StringVar(&evalFlags.combine, "combine", "logmeanexp", "log-weights → log Z: logmeanexp or mean")
	f.StringVar(&evalFlags.backend, "backend", "", "compute backend (openblas or gonum; default the fastest compiled in)")
	f.BoolVar(&evalFlags.json, "json", false, "print results as JSON on stdout")
	f.BoolVar(&evalFlags.quiet, "quiet", false, "no progress output")
	rootCmd.AddCommand(evalCmd)
}

// evalResult is the outcome for one model.
type evalResult struct {
	Model      string              `json:"model"`
	Epoch      *int                `json:"epoch,omitempty"`
	Visible    int                 `json:"visible"`
	Hidden     int                 `json:"hidden"`
	Data       string              `json:"data"`
	Split      string              `json:"split"`
	Rows       int                 `json:"rows"`
	Num        float64             `json:"num"`
	LogZExact  *float64            `json:"log_z_exact,omitempty"`
	LLExact    *float64            `json:"ll_exact,omitempty"`
	Bounds     *partition.LLBounds `json:"bounds,omitempty"`
	AIS        *partition.Result   `json:"ais,omitempty"`
	RAIS       *partition.Result   `json:"rais,omitempty"`
	RAISStart  string              `json:"rais_start,omitempty"`
	Schedule   string              `json:"schedule,omitempty"`
	Seconds    float64             `json:"seconds"`
	ExactNoted string              `json:"exact_skipped,omitempty"`
	// Warnings say when the AIS/RAIS numbers should not be trusted (see
	// partition.Warnings); they are also printed on stderr.
	Warnings []string `json:"warnings,omitempty"`
	// Platform is what decided the bits: backend, SIMD path, OpenBLAS
	// build and core, Go version (GOMAXPROCS is recorded, not decisive).
	Platform tensor.Platform `json:"platform"`
}

func runEval(cmd *cobra.Command, _ []string) error {
	ef := &evalFlags
	switch {
	case (ef.model == "") == (ef.run == ""):
		return badinput.Errorf("give exactly one of --model M.npz or --run DIR")
	case !slices.Contains([]string{"exact", "ais", "rais", "all"}, ef.estimator):
		return badinput.Errorf("--estimator must be exact, ais, rais or all (got %q)", ef.estimator)
	case ef.split != "test" && ef.split != "train":
		return badinput.Errorf("--split must be test or train (got %q)", ef.split)
	case ef.raisStart != "data" && ef.raisStart != "gibbs":
		return badinput.Errorf("--rais-start must be data or gibbs (got %q)", ef.raisStart)
	case ef.betas < 1 || ef.chains < 1 || ef.every < 1 || ef.gibbsSteps < 0 || ef.limit < 0:
		return badinput.Errorf("--betas, --chains and --every must be ≥ 1, --gibbs-steps and --limit ≥ 0")
	case !(ef.resample >= 0 && ef.resample <= 1):
		return badinput.Errorf("--resample must be a fraction in [0, 1] (got %v)", ef.resample)
	}
	comb, err := partition.ParseEstimator(ef.combine)
	if err != nil {
		return badinput.Wrap(err)
	}
	betas, err := partition.Schedule(ef.schedule, ef.betas)
	if err != nil {
		return badinput.Wrap(err)
	}
	be, ok := tensor.ByName(ef.backend)
	if !ok {
		return badinput.Errorf("backend %q is not compiled in (openblas needs a build with -tags openblas)", ef.backend)
	}

	// The models to evaluate.
	type target struct {
		path  string
		epoch *int
	}
	var targets []target
	dataSpec, bin := ef.data, dataset.Binarize{}
	if ef.model != "" {
		targets = []target{{path: ef.model}}
	} else {
		cks, err := rundir.Checkpoints(ef.run)
		if err != nil {
			return badinput.Wrap(err)
		}
		for i, c := range cks {
			if c.Epoch%ef.every == 0 || i == len(cks)-1 {
				targets = append(targets, target{path: c.Path, epoch: &c.Epoch})
			}
		}
		if len(targets) == 0 {
			return badinput.Errorf("%s has no checkpoints (checkpoints/epoch-NNNN.npz)", ef.run)
		}
		if cfg, err := train.ReadConfig(ef.run); err == nil {
			if !cmd.Flags().Changed("data") && cfg.Data != "" {
				dataSpec = cfg.Data
			}
			bin = dataset.Binarize{Stochastic: cfg.Binarize == "stochastic", Seed: cfg.Seed}
		}
	}

	// Load every model first so bad files and the exact-size limit fail fast.
	models := make([]*rbm.Model, len(targets))
	for i, t := range targets {
		md, err := rbm.Load(t.path)
		if err != nil {
			return badinput.Wrap(err)
		}
		if ef.estimator == "exact" && !partition.CanEnumerate(md) {
			return badinput.Errorf("%s: exact log Z enumerates the smaller layer, at most %d units, but this %d×%d model has %d; use --estimator ais or rais",
				t.path, partition.MaxExactUnits, md.NumVisible(), md.NumHidden(), min(md.NumVisible(), md.NumHidden()))
		}
		models[i] = md
	}

	split := dataset.Test
	if ef.split == "train" {
		split = dataset.Train
	}
	set, err := dataset.Load(dataSpec, split, bin)
	if err != nil {
		return badinput.Wrap(err)
	}
	set = set.Head(ef.limit)
	var baseMeans []float64
	if ef.estimator != "exact" {
		trainSet, err := dataset.Load(dataSpec, dataset.Train, bin)
		if err != nil {
			return badinput.Wrap(err)
		}
		baseMeans = trainSet.Means()
	}
	for i, md := range models {
		if set.Width() != md.NumVisible() {
			return badinput.Errorf("%s has %d visible units but the data has %d columns", targets[i].path, md.NumVisible(), set.Width())
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var results []evalResult
	for i, md := range models {
		t0 := time.Now()
		r := evalResult{Model: targets[i].path, Epoch: targets[i].epoch, Visible: md.NumVisible(), Hidden: md.NumHidden(),
			Data: dataSpec, Split: ef.split, Rows: set.Len(), Platform: tensor.CurrentPlatform(be)}
		label := targets[i].path
		if r.Epoch != nil {
			label = fmt.Sprintf("epoch %d", *r.Epoch)
		}
		if r.Num, err = partition.MeanNegFreeEnergy(md, set.X); err != nil {
			return err
		}
		if ef.estimator == "exact" || (ef.estimator == "all" && partition.CanEnumerate(md)) {
			p := newProgress(label+" exact", 1, ef.quiet)
			lz, err := partition.ExactLogZContext(ctx, md, func(done, total int) { p.total = total; p.step(done-p.done, "") })
			if err != nil {
				return err
			}
			ll := r.Num - lz
			r.LogZExact, r.LLExact = &lz, &ll
		} else if ef.estimator == "all" {
			r.ExactNoted = fmt.Sprintf("smaller layer has %d units, above the exact limit %d", min(md.NumVisible(), md.NumHidden()), partition.MaxExactUnits)
		}
		opts := partition.Options{Betas: betas, Chains: ef.chains, BaseVisible: partition.BaseRate(baseMeans), Seed: ef.seed, Resample: ef.resample}
		if ef.estimator == "ais" || ef.estimator == "all" {
			p := newProgress(label+" AIS ", len(betas)-1, ef.quiet)
			opts.Progress = func(done, _ int) { p.step(done-p.done, "") }
			if r.AIS, err = partition.AIS(ctx, be, md, opts); err != nil {
				return evalErr(err)
			}
		}
		if ef.estimator == "rais" || ef.estimator == "all" {
			start := set.Subset(dataset.Shuffle(set.Len(), ef.seed, 1)[:min(ef.chains, set.Len())]).X
			if ef.raisStart == "gibbs" {
				if start, err = partition.LongChains(ctx, be, md, start, 0, ef.gibbsSteps, ef.seed); err != nil {
					return evalErr(err)
				}
			}
			p := newProgress(label+" RAIS", len(betas)-1, ef.quiet)
			opts.Progress = func(done, _ int) { p.step(done-p.done, "") }
			if r.RAIS, err = partition.ReverseAIS(ctx, be, md, start, opts); err != nil {
				return evalErr(err)
			}
			r.RAISStart = ef.raisStart
		}
		if r.AIS != nil || r.RAIS != nil {
			b := partition.Bounds(r.Num, r.AIS, r.RAIS, comb)
			r.Bounds = &b
			r.Schedule = ef.schedule
			r.Warnings = partition.Warnings(b, r.AIS, r.RAIS)
		}
		r.Seconds = time.Since(t0).Seconds()
		results = append(results, r)
		report(r, ef.quiet)
		if ef.run != "" && r.Bounds != nil {
			b := r.Bounds
			if err := rundir.UpdateLL(ef.run, *r.Epoch, rundir.LL{AIS: b.LLAIS, AISErr: b.LLAISErr, RAIS: b.LLRAIS, RAISErr: b.LLRAISErr}); err != nil {
				return err
			}
		}
	}
	if ef.json {
		if ef.model != "" {
			return printJSON(nanless{V: results[0]})
		}
		return printJSON(nanless{V: results})
	}
	return nil
}

func evalErr(err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted")
	}
	return err
}

// report prints one human line per model on stderr (not with --quiet) and
// any warnings (always).
func report(r evalResult, quiet bool) {
	defer func() {
		for _, w := range r.Warnings {
			fmt.Fprintf(os.Stderr, "  warning: %s\n", w)
		}
	}()
	if quiet {
		return
	}
	line := fmt.Sprintf("%s (%d×%d, %s %s, %d rows): num %.4f", r.Model, r.Visible, r.Hidden, r.Data, r.Split, r.Rows, r.Num)
	if r.LLExact != nil {
		line += fmt.Sprintf("  LL exact %.4f", *r.LLExact)
	}
	if b := r.Bounds; b != nil {
		if !math.IsNaN(b.LLAIS) {
			line += fmt.Sprintf("  LL AIS %.4f ± %.4f", b.LLAIS, b.LLAISErr)
		}
		if !math.IsNaN(b.LLRAIS) {
			line += fmt.Sprintf("  LL RAIS %.4f ± %.4f", b.LLRAIS, b.LLRAISErr)
		}
	}
	fmt.Fprintf(os.Stderr, "%s  (%.1fs)\n", line, r.Seconds)
}
