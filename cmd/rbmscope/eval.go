package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/study"
)

var evalFlags struct {
	model, run  string
	json, quiet bool
	opts        func() study.EvalOptions
}

var evalCmd = &cobra.Command{
	Use:   "eval",
	Short: "Measure the log-likelihood of a model: exact, AIS and reverse AIS",
	Long: `Estimate the mean log-likelihood of a data split under one model (--model) or under the
checkpoints of a training run (--run, every --every epochs; ll_ais, ll_rais and their errors are
written into the run's metrics.csv, also while it trains: the trainer keeps those columns).

  exact  enumerate the smaller layer (at most ` + fmt.Sprint(partition.MaxExactUnits) + ` units; 2^L states)
  ais    annealed importance sampling from a base-rate model (training-split pixel means):
         a stochastic lower bound on log Z, so ll_ais is an upper bound on the log-likelihood
  rais   reverse AIS from data points (--rais-start data) or the ends of long Gibbs chains
         started there (--rais-start gibbs): a stochastic upper bound on log Z, so ll_rais
         is a lower bound
  all    exact when the model is small enough, plus ais and rais
  trajectory  (--run) log Z carried along the checkpoints by parallel tempering over an
         adaptive ladder from the base-rate model through every checkpoint (or every
         --traj-every N epochs and the last: fewer make a shorter path), with Bennett,
         forward and reverse estimates (docs/likelihood.md); ll_traj* columns. both: all and trajectory (--ll-json FILE).
         --traj-method ais instead anneals once along the checkpoints (--betas steps split by
         a pilot's thermodynamic lengths, --chains chains) with a reverse run from the last
         checkpoint's --rais-start states. Both methods report how much longer the path through
         the checkpoints is than the last checkpoint's temperature path (thermodynamic lengths
         from pilots of --betas/10 steps; a warning when over 2×: then trust AIS)

--resample (default 0.5) resamples the chains whenever the effective sample size of their
weights falls below that fraction of the chains (sequential Monte Carlo, multinomial
resampling); the estimates stay unbiased and the bounds keep their direction, and the
error then comes from the chains' genealogy (Lee & Whiteley 2018; "eves" in the JSON counts
the initial chains the final ones descend from), not a bootstrap. --resample 0 is plain AIS.

--ais-runs R runs forward AIS R times with seeds --seed, --seed+1, … and pools them: the
mean of their Z estimates (still unbiased, so still a stochastic lower bound on log Z),
with the runs' values, their standard deviation and Cochran's χ² of their agreement in
"ais"."spread"; a warning fires when p < 0.01, i.e. when the runs move with the seed by
more than their errors allow. It costs R AIS runs.

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
	f.BoolVar(&evalFlags.json, "json", false, "print results as JSON on stdout")
	f.BoolVar(&evalFlags.quiet, "quiet", false, "no progress output")
	evalFlags.opts = study.EvalFlags(f)
	rootCmd.AddCommand(evalCmd)
}

func runEval(_ *cobra.Command, _ []string) error {
	ef := &evalFlags
	if (ef.model == "") == (ef.run == "") {
		return badinput.Errorf("give exactly one of --model M.npz or --run DIR")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := ef.opts()
	bars := map[string]*progress{}
	o.Progress = func(label string, done, total int) {
		p := bars[label]
		if p == nil {
			p = newProgress(label, total, ef.quiet)
			bars[label] = p
		}
		p.total = total
		p.step(done-p.done, "")
	}
	if ef.model != "" {
		r, err := study.EvalModel(ctx, ef.model, o)
		if err != nil {
			return err
		}
		report(*r, ef.quiet)
		if ef.json {
			return printJSON(nanless{V: *r})
		}
		return nil
	}
	re, err := study.EvalRunAll(ctx, ef.run, o, func(r study.EvalResult) { report(r, ef.quiet) })
	if err != nil {
		return err
	}
	for _, p := range re.Trajectory {
		if !ef.quiet {
			fmt.Fprintln(os.Stderr, p)
		}
	}
	for _, w := range re.Warnings {
		fmt.Fprintf(os.Stderr, "warning: %s\n", w)
	}
	if ef.json && re.Trajectory != nil {
		return printJSON(nanless{V: re})
	}
	if ef.json {
		return printJSON(nanless{V: re.Results})
	}
	return nil
}

// report prints one human line per model on stderr (not with --quiet) and
// any warnings (always).
func report(r study.EvalResult, quiet bool) {
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
		if r.AIS != nil && r.AIS.Spread != nil {
			s := r.AIS.Spread
			line += fmt.Sprintf(" (%d runs, sd %.3f, χ² p %.2g)", s.Runs, s.SD, s.P)
		}
		if !math.IsNaN(b.LLRAIS) {
			line += fmt.Sprintf("  LL RAIS %.4f ± %.4f", b.LLRAIS, b.LLRAISErr)
		}
	}
	if r.LLMode != nil {
		line += fmt.Sprintf("  LL ≤ %.4f (mode bound)", *r.LLMode)
	}
	fmt.Fprintf(os.Stderr, "%s  (%.1fs)\n", line, r.Seconds)
}
