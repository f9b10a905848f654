package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/train"
)

var trainCmd = &cobra.Command{
	Use:   "train",
	Short: "Train an RBM (CD-k, PCD-k or Rdm-k) and write a run directory",
	Long: `Train a Bernoulli RBM and write a run directory: run.json (settings), metrics.csv
(per epoch: training seconds, updates, reconstruction error, exact pseudo-log-likelihood per
visible unit on the first --eval-subset test images, the seconds those two metrics took),
checkpoints/epoch-NNNN.npz (epoch 0 = initialisation; numpy .npz with W, a, b) and
checkpoints/chains.npz (PCD chains and optimiser state for --resume).

The pseudo-log-likelihood is exact: every one of the N single-bit flips of each image, no
sampled units; it costs N·M softplus evaluations per image, so the default --eval-subset
(100) keeps the metrics to a few per cent of a 784×500 CD-1 epoch. --eval-subset 1000 (or
10000, the whole MNIST test set) gives the same exact measure on more images, at
proportionally more time per epoch; --eval-subset 0 skips the metrics.

SIGINT/SIGTERM stop cleanly at the next minibatch; rerun with --resume to continue exactly.`,
	Example: `  rbmscope train --hidden 500 --method pcd --k 10 --epochs 5 --out runs/pcd500
  rbmscope train --hidden 16 --method cd --k 1 --epochs 1 --out runs/tiny --json
  rbmscope train --out runs/pcd500 --resume --epochs 20     # continue a run`,
	Args: cobra.NoArgs,
	RunE: runTrain,
}

var trainFlags struct {
	config func(stored *train.Config) train.Config
	out    string
	resume bool
	force  bool
	json   bool
	quiet  bool
}

func init() {
	f := trainCmd.Flags()
	trainFlags.config = train.ConfigFlags(f)
	f.StringVar(&trainFlags.out, "out", "runs/train", "run directory to write")
	f.BoolVar(&trainFlags.resume, "resume", false, "continue the run in --out from its newest state")
	f.BoolVar(&trainFlags.force, "force", false, "overwrite an existing run in --out")
	f.BoolVar(&trainFlags.json, "json", false, "print the final metrics as JSON on stdout")
	f.BoolVar(&trainFlags.quiet, "quiet", false, "no progress output")
	rootCmd.AddCommand(trainCmd)
}

func runTrain(_ *cobra.Command, _ []string) error {
	cfg := trainFlags.config(nil)
	if trainFlags.resume {
		old, err := train.ReadConfig(trainFlags.out)
		if busy := rundir.Busy(trainFlags.out); err != nil && busy != nil {
			return busy // its owner has not written run.json yet
		}
		if err != nil {
			return badinput.Errorf("nothing to resume in %s: %v", trainFlags.out, err)
		}
		cfg = trainFlags.config(&old) // the stored settings, with the flags given now
	}
	if err := cfg.Validate(); err != nil {
		return badinput.Wrap(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	prog := newProgress("epoch", cfg.Epochs, trainFlags.quiet)
	res, err := train.Run(ctx, cfg, train.RunOptions{Out: trainFlags.out, Resume: trainFlags.resume, Force: trainFlags.force,
		Progress: func(ev train.Event) { showTrainEvent(prog, ev) }})
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("stopped by signal; the last finished epoch is saved — continue with: rbmscope train --out %s --resume", trainFlags.out)
	case err != nil:
		return err
	}
	prog.logf("done: %s (backend %s)", res.Dir, res.Backend)
	if trainFlags.json {
		return printJSON(res.Final)
	}
	return nil
}

func showTrainEvent(p *progress, ev train.Event) {
	switch {
	case ev.Message != "":
		p.logf("%s", ev.Message)
	case ev.Metrics != nil:
		m := ev.Metrics
		ll := ""
		if !math.IsNaN(m.LLPTT) {
			ll = fmt.Sprintf(" ll_ptt %.2f ± %.2f", m.LLPTT, m.LLPTTErr)
		}
		if m.Epoch == 0 {
			p.logf("epoch 0 (init): recon %.4f  pseudo-LL/unit %.4f%s", m.ReconError, m.PseudoLL, ll)
			return
		}
		p.step(1, fmt.Sprintf("%.1fs recon %.4f pll %.4f%s", m.Seconds, m.ReconError, m.PseudoLL, ll))
	}
}
