package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/reproduce"
	"github.com/rbmscope/rbmscope/sweep"
)

var reproduceFlags struct {
	preset, out                  string
	hidden, mpSizes, kurtSizes   string
	force, quiet, asJSON, noFigs bool
	childProcs                   bool
	s                            reproduce.Settings
}

var reproduceCmd = &cobra.Command{
	Use:   "reproduce",
	Short: "Reproduce the whole paper (Figs. 1–8, numbers, report.html) from one command",
	Long: `Train every RBM of the paper (hidden sizes × replicas, each in DIR/runs/<id>), estimate test
log-likelihoods with AIS and reverse AIS, analyse trained and untrained models in reciprocal space,
track the leading mode's landscape over epochs, run the rotation/Jensen–Shannon study and the
hierarchical probe, then draw Figs. 1–8 (PNG + SVG in DIR/figures) and write DIR/report.html with
every figure, its caption, the key numbers and a "paper claims / this run shows" line per figure.

Presets:
  quick  hidden 100,200,500,784 × 2 replicas, PCD-5, 5 epochs on 12 000 images: ~10 min on 2 cores
  paper  the authors' settings: hidden 500,784,1200,3000 × 5 replicas, PCD-100, batch 500, Adam,
         100 epochs, AIS/RAIS (20 000 linear betas, 200 chains) every 10 epochs, Gibbs 1000 × 500
  tiny   seconds; for tests
Every setting is printed at the start, saved to DIR/settings.json and can be overridden by a flag.
Running the same command again skips finished runs and steps and resumes unfinished training runs.
Exit status 1 if any run or step failed (the others still complete and the report lists it).`,
	Example: `  rbmscope reproduce --preset quick --out runs/paper
  rbmscope reproduce --preset paper --out runs/full --workers 4
  rbmscope reproduce --preset paper --hidden 500,784 --replicas 2 --epochs 20 --out runs/mid`,
	Args: cobra.NoArgs,
	RunE: runReproduce,
}

func init() {
	f := reproduceCmd.Flags()
	rf := &reproduceFlags
	s := &rf.s
	f.StringVar(&rf.preset, "preset", "quick", "settings preset: quick, paper or tiny")
	f.StringVar(&rf.out, "out", "", "output directory (required)")
	f.BoolVar(&rf.force, "force", false, "replace DIR/plan.json if it lists different runs")
	f.BoolVar(&rf.quiet, "quiet", false, "no progress output")
	f.BoolVar(&rf.asJSON, "json", false, "print the summary as JSON on stdout")
	f.BoolVar(&rf.noFigs, "no-figures", false, "skip figures and report.html")
	f.BoolVar(&rf.childProcs, "processes", false, "train in child processes (rbmscope sweep worker) instead of goroutines; with --workers > 1 each gets cores/workers BLAS threads")
	f.StringVar(&s.Data, "data", "", `training/test data: "mnist", an IDX directory or a .npy 0/1 matrix`)
	f.StringVar(&rf.hidden, "hidden", "", "hidden sizes, comma-separated (e.g. 500,784)")
	f.IntVar(&s.Replicas, "replicas", 0, "replicas per hidden size")
	f.StringVar(&s.Method, "method", "", "training method: pcd, cd or rdm")
	f.IntVar(&s.K, "k", 0, "Gibbs sweeps per update")
	f.IntVar(&s.Batch, "batch", 0, "minibatch size")
	f.IntVar(&s.Epochs, "epochs", 0, "training epochs")
	f.StringVar(&s.Optimizer, "optimizer", "", "adam or sgd")
	f.Float64Var(&s.LR, "lr", 0, "learning rate")
	f.Float64Var(&s.InitStd, "init-std", 0, "std of the initial weights")
	f.IntVar(&s.TrainLimit, "train-limit", 0, "use only the first n training images (0 = all)")
	f.IntVar(&s.CheckEvery, "checkpoint-every", 0, "save a checkpoint every n epochs")
	f.Uint64Var(&s.Seed, "seed", 0, "seed (replica r trains with seed+r)")
	f.IntVar(&s.EvalEvery, "eval-every", 0, "AIS/RAIS at epochs that are multiples of n (and the last)")
	f.IntVar(&s.AISBetas, "ais-betas", 0, "AIS inverse temperatures K")
	f.IntVar(&s.AISChains, "ais-chains", 0, "AIS chains and reverse-AIS start points")
	f.StringVar(&s.AISSchedule, "ais-schedule", "", "β schedule: linear, sm08 or geometric")
	f.Float64Var(&s.AISResample, "ais-resample", 0, "resample AIS/RAIS chains below this effective-sample-size fraction (0 = plain AIS, as the paper; eval's default is 0.5)")
	f.IntVar(&s.RAISGibbs, "rais-gibbs", 0, "Gibbs sweeps from the test points before reverse AIS (0 = start at the data)")
	f.IntVar(&s.TestLimit, "test-limit", 0, "use only the first n test images (0 = all)")
	f.IntVar(&s.GibbsChains, "gibbs-chains", 0, "Gibbs chains for landscapes (Figs. 2, 7, 8)")
	f.IntVar(&s.GibbsSteps, "gibbs-steps", 0, "Gibbs sweeps for landscapes")
	f.StringVar(&rf.mpSizes, "mp-sizes", "", "hidden sizes of Fig. 3a–d")
	f.IntVar(&s.MPDraws, "mp-draws", 0, "random initialisations per MP size")
	f.StringVar(&rf.kurtSizes, "kurt-sizes", "", "layer sizes of Fig. 3e")
	f.IntVar(&s.KurtSamples, "kurt-samples", 0, "binary states for the sampled kurtosis (0 = closed form only)")
	f.IntVar(&s.Fig5Samples, "fig5-samples", 0, "random binary states for Fig. 5")
	f.IntVar(&s.TrackEvery, "track-every", 0, "track the landscape at epochs that are multiples of n (and the last)")
	f.IntVar(&s.JSDraws, "js-draws", 0, "rotation draws per model for the JS divergence")
	f.IntVar(&s.JSBins, "js-bins", 0, "histogram bins of the JS divergence")
	f.IntVar(&s.ProbeChains, "probe-chains", 0, "Gibbs chains for the hierarchical probe")
	f.IntVar(&s.ProbeSteps, "probe-steps", 0, "Gibbs sweeps for the hierarchical probe")
	f.IntVar(&s.Workers, "workers", 0, "training runs and analyses at once")
	f.StringVar(&s.Backend, "backend", "", "compute backend (openblas or gonum)")
	rootCmd.AddCommand(reproduceCmd)
}

// reproduceSettings starts from the preset and applies every flag that was
// given on the command line.
func reproduceSettings(flags *pflag.FlagSet) (reproduce.Settings, error) {
	rf := &reproduceFlags
	s, err := reproduce.Preset(rf.preset)
	if err != nil {
		return s, badinput.Wrap(err)
	}
	given := &rf.s
	set := func(name string, apply func()) {
		if flags.Changed(name) {
			apply()
		}
	}
	set("data", func() { s.Data = given.Data })
	set("replicas", func() { s.Replicas = given.Replicas })
	set("method", func() { s.Method = given.Method })
	set("k", func() { s.K = given.K })
	set("batch", func() { s.Batch = given.Batch })
	set("epochs", func() { s.Epochs = given.Epochs })
	set("optimizer", func() { s.Optimizer = given.Optimizer })
	set("lr", func() { s.LR = given.LR })
	set("init-std", func() { s.InitStd = given.InitStd })
	set("train-limit", func() { s.TrainLimit = given.TrainLimit })
	set("checkpoint-every", func() { s.CheckEvery = given.CheckEvery })
	set("seed", func() { s.Seed = given.Seed })
	set("eval-every", func() { s.EvalEvery = given.EvalEvery })
	set("ais-betas", func() { s.AISBetas = given.AISBetas })
	set("ais-chains", func() { s.AISChains = given.AISChains })
	set("ais-schedule", func() { s.AISSchedule = given.AISSchedule })
	set("ais-resample", func() { s.AISResample = given.AISResample })
	set("rais-gibbs", func() { s.RAISGibbs = given.RAISGibbs })
	set("test-limit", func() { s.TestLimit = given.TestLimit })
	set("gibbs-chains", func() { s.GibbsChains = given.GibbsChains })
	set("gibbs-steps", func() { s.GibbsSteps = given.GibbsSteps })
	set("mp-draws", func() { s.MPDraws = given.MPDraws })
	set("kurt-samples", func() { s.KurtSamples = given.KurtSamples })
	set("fig5-samples", func() { s.Fig5Samples = given.Fig5Samples })
	set("track-every", func() { s.TrackEvery = given.TrackEvery })
	set("js-draws", func() { s.JSDraws = given.JSDraws })
	set("js-bins", func() { s.JSBins = given.JSBins })
	set("probe-chains", func() { s.ProbeChains = given.ProbeChains })
	set("probe-steps", func() { s.ProbeSteps = given.ProbeSteps })
	set("workers", func() { s.Workers = given.Workers })
	set("backend", func() { s.Backend = given.Backend })
	for _, l := range []struct {
		flag string
		val  string
		dst  *[]int
	}{{"hidden", rf.hidden, &s.Hidden}, {"mp-sizes", rf.mpSizes, &s.MPSizes}, {"kurt-sizes", rf.kurtSizes, &s.KurtSizes}} {
		if flags.Changed(l.flag) {
			xs, err := parseInts(l.flag, l.val, 2)
			if err != nil {
				return s, err
			}
			*l.dst = xs
		}
	}
	if err := s.Validate(); err != nil {
		return s, badinput.Wrap(err)
	}
	return s, nil
}

func runReproduce(cmd *cobra.Command, _ []string) error {
	rf := &reproduceFlags
	if rf.out == "" {
		return badinput.Errorf("--out is required (a directory for the runs, results, figures and report.html)")
	}
	s, err := reproduceSettings(cmd.Flags())
	if err != nil {
		return err
	}
	quiet := rf.quiet
	logf := func(format string, args ...any) {
		if !quiet {
			fmt.Fprintf(os.Stderr, format+"\n", args...)
		}
	}
	for _, line := range strings.Split(strings.TrimRight(s.String(), "\n"), "\n") {
		logf("%s", line)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := reproduce.Options{Out: rf.out, Force: rf.force, Logf: logf, NoFigures: rf.noFigs}
	if rf.childProcs {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("--processes: cannot find the rbmscope binary: %v", err)
		}
		opts.TrainExecutor = func(ctx context.Context, p *sweep.Plan) error {
			_, err := sweep.RunLocal(ctx, p, sweep.LocalOptions{Exe: exe, Workers: s.Workers,
				OnExit: func(r sweep.LocalResult) {
					if r.Err != nil {
						logf("training %s failed: %v", r.ID, r.Err)
					} else {
						logf("trained %s (%.1fs)", r.ID, r.Seconds)
					}
				}})
			return err
		}
	}
	res, err := reproduce.Run(ctx, s, opts)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; run the same command again to resume")
		}
		return err
	}
	if res.Summary != nil {
		for _, c := range res.Summary.Claims {
			logf("Fig. %s: %s", c.Figure, c.Shows)
		}
	}
	logf("reproduce: %d figures, report %s, %.0f s (%d steps already done)", len(res.Figures)/2, res.Report, res.Seconds, len(res.Skipped))
	if rf.asJSON {
		if err := printJSON(nanless{V: res}); err != nil {
			return err
		}
	}
	if len(res.Failures) > 0 {
		return fmt.Errorf("%d run(s) or step(s) failed (first: %s: %s); see %s/results/failures.json — the rest completed; rerun to retry",
			len(res.Failures), res.Failures[0].Step, res.Failures[0].Error, rf.out)
	}
	return nil
}
