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

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/reproduce"
	"github.com/rbmscope/rbmscope/sweep"
)

var reproduceFlags struct {
	preset, out                  string
	force, quiet, asJSON, noFigs bool
	childProcs                   bool
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
  quick  hidden 100,200,500,784 × 3 replicas, PCD-5, 8 epochs on 12 000 images (+ CD, Rdm at 100)
  paper  the authors' settings: hidden 500,784,1200,3000 × 5 replicas, PCD-500, batch 500, Adam,
         100 epochs, AIS/RAIS (20 000 linear betas, 200 chains) every 10 epochs, Gibbs 1000 × 500
  tiny   seconds; for tests
Every setting is printed at the start, saved to DIR/settings.json and can be overridden by a flag.
Running the same command again skips finished runs and steps and resumes unfinished training runs.
Exit status 1 if any run or step failed (the others still complete and the report lists it).`,
	Example: `  rbmscope reproduce --preset quick --out runs/paper
  rbmscope reproduce --preset paper --out runs/full --workers 4
  rbmscope reproduce --preset paper --hidden 500,784 --replicas 2 --epochs 20 --out runs/mid
  rbmscope reproduce --preset paper --dry-run --estimate
  rbmscope reproduce --compare runs/q1,runs/q2`,
	Args: cobra.NoArgs,
	RunE: runReproduce,
}

func init() {
	f := reproduceCmd.Flags()
	rf := &reproduceFlags
	f.StringVar(&rf.preset, "preset", "quick", "settings preset: quick, paper or tiny")
	f.StringVar(&rf.out, "out", "", "output directory (required)")
	f.BoolVar(&rf.force, "force", false, "replace DIR/plan.json if it lists different runs")
	f.BoolVar(&rf.quiet, "quiet", false, "no progress output")
	f.BoolVar(&rf.asJSON, "json", false, "print the summary as JSON on stdout")
	f.BoolVar(&rf.noFigs, "no-figures", false, "skip figures and report.html")
	f.BoolVar(&rf.childProcs, "processes", false, "train in child processes (rbmscope sweep worker) instead of goroutines; with --workers > 1 each gets cores/workers BLAS threads")
	reproduceSettings = reproduce.Flags(f)
	reproduceCLI.Register(f)
	rootCmd.AddCommand(reproduceCmd)
}

// reproduceSettings starts from the preset and applies every flag that was
// given on the command line.
var reproduceSettings func(preset string) (reproduce.Settings, error)

// reproduceCLI holds --dry-run, --estimate and --compare.
var reproduceCLI reproduce.CLI

func runReproduce(cmd *cobra.Command, _ []string) error {
	rf := &reproduceFlags
	s, err := reproduceSettings(rf.preset)
	if err != nil {
		return err
	}
	if done, err := reproduceCLI.Handle(os.Stdout, s, rf.out, rf.asJSON); done {
		return err
	}
	if rf.out == "" {
		return badinput.Errorf("--out is required (a directory for the runs, results, figures and report.html)")
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
	opts := reproduce.Options{Out: rf.out, Force: rf.force, Logf: logf, NoFigures: rf.noFigs, Estimate: reproduceCLI.Estimate}
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
