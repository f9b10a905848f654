package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/study"
)

type symFlags struct {
	runs                []string
	compare, model, out string
	jsonOut, quiet      bool
	o                   study.SymmetryOptions // from the flags of study.SymmetryFlags
}

var symmetryFlags symFlags

var symmetryCmd = &cobra.Command{
	Use:   "symmetry",
	Short: "Rotations, Jensen–Shannon divergence, hierarchical probe, Landau free energy and per-epoch landscapes",
	Long: `For a training run (--run DIR: every checkpoint in DIR/checkpoints) or one model (--model M.npz):
  - tracks mode --mode across checkpoints: saddle, constraint minimum μ (Eq. 28), test-data and Gibbs
    projections (mean ± sd) in the 45° coordinates (u, w), σ_k and the unstable flag σ_k > 4, Landau
    quartic coefficients (constraint/gibbs mean field × Cramér/Edgeworth) and the empirical free energy
    −log p(u) from Gibbs samples; reports the symmetry-breaking epoch (first double well with a barrier
    ≥ 0.1 nats) and the first epoch with c₂ < 0;
  - on the last checkpoint: the JS divergence between the entries of W and of W′ after random rotations
    of its singular vectors (Fig. 4) and the hierarchical probe (Fig. 6).
Writes symmetry.json, tracking.csv and figures (PNG + SVG) under --out. With several runs (repeated
--run or --compare) each run gets a subdirectory and --out gets Fig. 8 (landscapes side by side) and
Fig. 4 (JS vs 1/M across hidden sizes).`,
	Example: `  rbmscope symmetry --run runs/pcd3000 --out runs/pcd3000/analysis/symmetry
  rbmscope symmetry --run runs/pcd500 --compare runs/pcd784,runs/pcd1200 --out runs/fig8
  rbmscope symmetry --model M.npz --data none --gibbs-chains 500 --json --out sym`,
	Args: cobra.NoArgs,
	RunE: func(*cobra.Command, []string) error {
		o, err := symmetryOptions()
		if err != nil {
			return err
		}
		symmetryFlags.o = o
		return runSymmetry(&symmetryFlags)
	},
}

func init() {
	f := symmetryCmd.Flags()
	sf := &symmetryFlags
	f.StringArrayVar(&sf.runs, "run", nil, "run directory (repeatable)")
	f.StringVar(&sf.compare, "compare", "", "more run directories, comma-separated (Fig. 8 / Fig. 4 across sizes)")
	f.StringVar(&sf.model, "model", "", "a single model .npz instead of a run")
	f.StringVar(&sf.out, "out", "", "output directory (required)")
	f.BoolVar(&sf.jsonOut, "json", false, "print a JSON summary on stdout")
	f.BoolVar(&sf.quiet, "quiet", false, "no progress output")
	symmetryOptions = study.SymmetryFlags(f)
	rootCmd.AddCommand(symmetryCmd)
}

// symmetryOptions reads the option flags.
var symmetryOptions func() (study.SymmetryOptions, error)

func runSymmetry(sf *symFlags) error {
	runs := append([]string(nil), sf.runs...)
	for _, r := range strings.Split(sf.compare, ",") {
		if r = strings.TrimSpace(r); r != "" {
			runs = append(runs, r)
		}
	}
	o := sf.o
	if o.Data == "" {
		o.Data = "mnist"
	}
	if err := o.Validate(); err != nil {
		return err
	}
	switch {
	case sf.out == "":
		return badinput.Errorf("--out is required (a directory for symmetry.json, CSV and figures)")
	case len(runs) == 0 && sf.model == "":
		return badinput.Errorf("give --run DIR (a training run) or --model M.npz")
	case len(runs) > 0 && sf.model != "":
		return badinput.Errorf("give either --run/--compare or --model, not both")
	}
	test, err := study.SymmetryData(o.Data, o.Digits)
	if err != nil {
		return err
	}
	type source struct {
		name, src string
		ckpts     []rundir.Checkpoint
	}
	var sources []source
	if sf.model != "" {
		sources = append(sources, source{strings.TrimSuffix(filepath.Base(sf.model), ".npz"), sf.model, []rundir.Checkpoint{{Epoch: 0, Path: sf.model}}})
	}
	for _, r := range runs {
		cks, err := runCheckpoints(r)
		if err != nil {
			return badinput.Wrap(err)
		}
		sources = append(sources, source{filepath.Base(filepath.Clean(r)), r, cks})
	}
	total := 0
	for _, s := range sources {
		total += len(s.ckpts)
	}
	prog := newProgress("symmetry", total, sf.quiet || sf.jsonOut && !isTerminal(os.Stderr))
	var results []*study.SymRun
	for _, s := range sources {
		dir := sf.out
		if len(sources) > 1 {
			dir = filepath.Join(sf.out, s.name)
		}
		o.Progress = func(epoch int) { prog.step(1, fmt.Sprintf("%s epoch %d", s.name, epoch)) }
		res, err := study.Symmetry(s.name, s.src, s.ckpts, test, dir, o)
		if err != nil {
			return err
		}
		tr := res.Tracking
		prog.logf("%s: σ_%d %.3g → %.3g; symmetry-breaking epoch %d; c₂<0 (constraint/cramer) epoch %d; unstable epoch %d",
			s.name, o.Mode, tr.Epochs[0].Sigma, tr.Epochs[len(tr.Epochs)-1].Sigma, tr.SymmetryBreakingEpoch, tr.C2NegativeEpoch["constraint/cramer"], tr.UnstableEpoch)
		if res.JS != nil {
			prog.logf("%s: JS(W, W′) = %.3g ± %.2g (untrained baseline %.3g)", s.name, res.JS.Mean, res.JS.SD, res.JS.BaselineMean)
		}
		if res.Probe != nil {
			prog.logf("%s: probe Hamming: modes 1,2 rotated %.1f (spread %.2f); random π rotations %.1f (spread %.2f); independent resample %.1f",
				s.name, res.Probe.TopTwo.MeanHamming, res.Probe.TopTwo.Participation, res.Probe.RandomPi.MeanHamming, res.Probe.RandomPi.Participation, res.Probe.Reference.MeanHamming)
		}
		results = append(results, res)
	}
	if len(results) > 1 {
		if err := study.WriteComparison(sf.out, results); err != nil {
			return err
		}
	}
	if sf.jsonOut {
		return printJSON(study.Headlines(results))
	}
	prog.logf("wrote %s", sf.out)
	return nil
}

// runCheckpoints lists a run's checkpoints, oldest first.
func runCheckpoints(dir string) ([]rundir.Checkpoint, error) {
	cks, err := rundir.Checkpoints(dir)
	if err != nil {
		return nil, fmt.Errorf("%w (or use --model M.npz)", err)
	}
	if len(cks) == 0 {
		return nil, fmt.Errorf("%s/checkpoints holds no epoch-NNNN.npz files", dir)
	}
	return cks, nil
}
