package reproduce

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/internal/intlist"
)

// Flags registers the settings flags of "rbmscope reproduce" on f (every
// field of Settings but Preset) and returns a function that starts from a
// preset and applies the flags given on the command line.
func Flags(f *pflag.FlagSet) func(preset string) (Settings, error) {
	var given Settings
	var lists [4]string
	addSettingsFlags(f, &given, &lists)
	return func(preset string) (Settings, error) {
		s, err := Preset(preset)
		if err != nil {
			return s, badinput.Wrap(err)
		}
		// The flags again, bound to the preset with its values as defaults;
		// each flag given on the command line is set there once more.
		scratch := pflag.NewFlagSet("preset", pflag.ContinueOnError)
		var presetLists [4]string
		addSettingsFlags(scratch, &s, &presetLists)
		var setErr error
		f.Visit(func(fl *pflag.Flag) {
			if scratch.Lookup(fl.Name) != nil && setErr == nil {
				setErr = scratch.Set(fl.Name, fl.Value.String())
			}
		})
		if setErr == nil && f.Changed("methods") {
			s.Methods = splitList(lists[3])
		}
		if setErr != nil {
			return s, badinput.Wrap(setErr)
		}
		for i, l := range []struct {
			flag string
			dst  *[]int
		}{{"hidden", &s.Hidden}, {"mp-sizes", &s.MPSizes}, {"kurt-sizes", &s.KurtSizes}} {
			if f.Changed(l.flag) {
				if *l.dst, err = intlist.Parse(l.flag, lists[i], 2); err != nil {
					return s, err
				}
			}
		}
		if err := s.Validate(); err != nil {
			return s, badinput.Wrap(err)
		}
		return s, nil
	}
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.ToLower(strings.TrimSpace(x)); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// addSettingsFlags binds the settings flags to s (defaults: its values)
// and the comma-separated size lists to lists.
func addSettingsFlags(f *pflag.FlagSet, s *Settings, lists *[4]string) {
	f.StringVar(&s.Data, "data", s.Data, `training/test data: "mnist", an IDX directory or a .npy 0/1 matrix`)
	f.StringVar(&lists[0], "hidden", "", "hidden sizes, comma-separated (e.g. 500,784)")
	f.IntVar(&s.Replicas, "replicas", s.Replicas, "replicas per hidden size")
	f.StringVar(&s.Method, "method", s.Method, "training method: pcd, cd or rdm")
	f.StringVar(&lists[3], "methods", "", "training methods compared in Fig. 3f, comma-separated (e.g. pcd,cd,rdm; default: the preset's)")
	f.IntVar(&s.MethodsHidden, "methods-hidden", s.MethodsHidden, "hidden size of the Fig. 3f runs of the methods other than --method")
	f.IntVar(&s.K, "k", s.K, "Gibbs sweeps per update")
	f.IntVar(&s.Batch, "batch", s.Batch, "minibatch size")
	f.IntVar(&s.Epochs, "epochs", s.Epochs, "training epochs")
	f.StringVar(&s.Optimizer, "optimizer", s.Optimizer, "adam or sgd")
	f.Float64Var(&s.LR, "lr", s.LR, "learning rate")
	f.Float64Var(&s.InitStd, "init-std", s.InitStd, "std of the initial weights")
	f.IntVar(&s.TrainLimit, "train-limit", s.TrainLimit, "use only the first n training images (0 = all)")
	f.IntVar(&s.CheckEvery, "checkpoint-every", s.CheckEvery, "save a checkpoint every n epochs")
	f.Uint64Var(&s.Seed, "seed", s.Seed, "seed (replica r trains with seed+r)")
	f.IntVar(&s.EvalEvery, "eval-every", s.EvalEvery, "AIS/RAIS at epochs that are multiples of n (and the last)")
	f.IntVar(&s.AISBetas, "ais-betas", s.AISBetas, "AIS inverse temperatures K")
	f.IntVar(&s.AISChains, "ais-chains", s.AISChains, "AIS chains and reverse-AIS start points")
	f.StringVar(&s.AISSchedule, "ais-schedule", s.AISSchedule, "β schedule: linear, sm08 or geometric")
	f.Float64Var(&s.AISResample, "ais-resample", s.AISResample, "resample AIS/RAIS chains below this effective-sample-size fraction (0 = plain AIS, as the paper; eval's default is 0.5)")
	f.IntVar(&s.RAISGibbs, "rais-gibbs", s.RAISGibbs, "Gibbs sweeps from the test points before reverse AIS (0 = start at the data)")
	f.StringVar(&s.LLCombine, "ll-combine", s.LLCombine, "AIS log-weights → log Z: logmeanexp or mean (the authors' plain mean; eval --combine)")
	f.StringVar(&s.LLEstimator, "ll-estimator", s.LLEstimator, "Fig. 1 left: ais (AIS and reverse AIS, the paper's estimators; default: the claims rest on them), trajectory (log Z carried along every checkpoint; measured separately in docs/likelihood.md) or both")
	f.IntVar(&s.TestLimit, "test-limit", s.TestLimit, "use only the first n test images (0 = all)")
	f.IntVar(&s.GibbsChains, "gibbs-chains", s.GibbsChains, "Gibbs chains for landscapes (Figs. 2, 7, 8)")
	f.IntVar(&s.GibbsSteps, "gibbs-steps", s.GibbsSteps, "Gibbs sweeps for landscapes")
	f.StringVar(&lists[1], "mp-sizes", "", "hidden sizes of Fig. 3a–d")
	f.IntVar(&s.MPDraws, "mp-draws", s.MPDraws, "random initialisations per MP size")
	f.StringVar(&lists[2], "kurt-sizes", "", "layer sizes of Fig. 3e")
	f.IntVar(&s.KurtSamples, "kurt-samples", s.KurtSamples, "binary states for the sampled kurtosis (0 = closed form only)")
	f.StringVar(&s.KurtLayer, "kurt-layer", s.KurtLayer, "Fig. 3e reading: visible (vary N, x_k) or hidden (vary M, y_k)")
	f.IntVar(&s.Fig5Samples, "fig5-samples", s.Fig5Samples, "random binary states for Fig. 5")
	f.IntVar(&s.TrackEvery, "track-every", s.TrackEvery, "track the landscape at epochs that are multiples of n (and the last)")
	f.StringVar(&s.Series, "series", s.Series, "test data of Figs. 7–8: all digits or digit0 (the authors' series)")
	f.IntVar(&s.JSDraws, "js-draws", s.JSDraws, "rotation draws per model for the JS divergence")
	f.IntVar(&s.JSBins, "js-bins", s.JSBins, "histogram bins of the JS divergence")
	f.IntVar(&s.ProbeChains, "probe-chains", s.ProbeChains, "Gibbs chains for the hierarchical probe")
	f.IntVar(&s.ProbeSteps, "probe-steps", s.ProbeSteps, "Gibbs sweeps for the hierarchical probe")
	f.IntVar(&s.ProbeDraws, "probe-draws", s.ProbeDraws, "random rotations (each of 10 planes) the probe averages over, against the top-2 rotation (Fig. 6's claims)")
	f.IntVar(&s.Workers, "workers", s.Workers, "training runs and analyses at once")
	f.StringVar(&s.Backend, "backend", s.Backend, "compute backend (openblas or gonum)")
}
