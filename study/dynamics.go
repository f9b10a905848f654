package study

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/rbmscope/rbmscope/dynamics"
	"github.com/rbmscope/rbmscope/figures"
	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/internal/jsonsafe"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/tensor"
)

// DynamicsOptions configure the relaxation study of a model or a run
// ("rbmscope dynamics"; docs/dynamics.md).
type DynamicsOptions struct {
	Modes     int    `json:"modes"`     // leading paired modes
	Chains    int    `json:"chains"`    // block-Gibbs chains
	Sweeps    int    `json:"sweeps"`    // recorded sweeps per chain
	BurnIn    int    `json:"burn_in"`   // unrecorded sweeps first
	Seed      uint64 `json:"seed"`      //
	Gauge     string `json:"gauge"`     // SVD sign gauge
	Particles int    `json:"particles"` // Langevin particles in the leading mode's potential
	Every     int    `json:"every"`     // with a run: checkpoints whose epoch is a multiple (and the last)
	Backend   string `json:"backend,omitempty"`
	NoFigures bool   `json:"no_figures,omitempty"`
	// Progress, if set, is called after each block of sweeps with the
	// sweeps done so far and the total (summed over chain groups).
	Progress func(done, total int) `json:"-"`
}

// DefaultDynamicsOptions are the defaults of "rbmscope dynamics".
func DefaultDynamicsOptions() DynamicsOptions {
	return DynamicsOptions{Modes: 20, Chains: 100, Sweeps: 4000, BurnIn: 500, Seed: 1,
		Gauge: string(reciprocal.GaugeMuWPositive), Particles: 2000, Every: 1}
}

// DynamicsFlags registers the flags of DynamicsOptions on f; the function
// it returns reads them after parsing.
func DynamicsFlags(f *pflag.FlagSet) func() DynamicsOptions {
	o := DefaultDynamicsOptions()
	f.IntVar(&o.Modes, "modes", o.Modes, "leading paired modes to measure")
	f.IntVar(&o.Chains, "chains", o.Chains, "independent block-Gibbs chains (Bernoulli ½ starts)")
	f.IntVar(&o.Sweeps, "sweeps", o.Sweeps, "recorded Gibbs sweeps per chain")
	f.IntVar(&o.BurnIn, "burn-in", o.BurnIn, "unrecorded Gibbs sweeps before recording")
	f.Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
	f.StringVar(&o.Gauge, "gauge", o.Gauge, "SVD sign gauge: mu_w_positive or colsum_U_positive")
	f.IntVar(&o.Particles, "particles", o.Particles, "Langevin particles in the leading mode's empirical potential")
	f.IntVar(&o.Every, "every", o.Every, "with --run, checkpoints whose epoch is a multiple of N (and the last)")
	f.StringVar(&o.Backend, "backend", "", "compute backend (openblas or gonum)")
	f.BoolVar(&o.NoFigures, "no-figures", false, "skip drawing figures")
	return func() DynamicsOptions { return o }
}

func (o *DynamicsOptions) check() (tensor.Backend, error) {
	switch {
	case o.Modes < 1:
		return nil, badinput.Errorf("--modes must be ≥ 1")
	case o.Chains < 1 || o.Sweeps < 100 || o.BurnIn < 0:
		return nil, badinput.Errorf("--chains must be ≥ 1, --sweeps ≥ 100 and --burn-in ≥ 0")
	case o.Particles < 10:
		return nil, badinput.Errorf("--particles must be ≥ 10")
	case o.Every < 1:
		return nil, badinput.Errorf("--every must be ≥ 1")
	}
	if _, err := reciprocal.ParseGauge(o.Gauge); err != nil {
		return nil, badinput.Wrap(err)
	}
	be, ok := tensor.ByName(o.Backend)
	if !ok {
		return nil, badinput.Errorf("backend %q is not compiled in: use openblas (with -tags openblas) or gonum", o.Backend)
	}
	return be, nil
}

// DynamicsResult is what Dynamics measured and wrote.
type DynamicsResult struct {
	Model     string                      `json:"model"`
	N         int                         `json:"n"`
	M         int                         `json:"m"`
	Options   DynamicsOptions             `json:"options"`
	Relax     *dynamics.Relaxation        `json:"-"`
	Modes     []dynamics.ModeRelaxation   `json:"modes"`
	Leading   *dynamics.LeadingMode       `json:"-"`
	LeadRates []float64                   `json:"leading_fp_rates"` // FP rates of Φ(u₁)
	Claims    DynamicsClaims              `json:"claims"`
	Seconds   float64                     `json:"seconds"`
	Files     []string                    `json:"files"`
	Epochs    []int                       `json:"epochs,omitempty"` // a run: the checkpoints measured
	PerEpoch  [][]dynamics.ModeRelaxation `json:"-"`
}

// DynamicsClaims are the summary numbers behind docs/dynamics.md and
// reproduce's extra figure.
type DynamicsClaims struct {
	Unstable int `json:"unstable"` // modes with σ > 4 among those measured
	// SlowestUnstableRatio is min τ_u over unstable modes divided by max
	// τ_u over stable ones (> 1: every unstable mode relaxes slower than
	// every stable one); NaN without both kinds.
	SlowestUnstableRatio float64 `json:"slowest_unstable_ratio"`
	// StableMaxRelErr is max |τ_u − τ_pred|/τ_pred over stable modes.
	StableMaxRelErr float64 `json:"stable_max_rel_err"`
}

// Dynamics measures the relaxation of the model in the .npz file path
// and writes relaxation.csv, relaxation_uw.csv, leading.csv,
// dynamics.json and (unless o.NoFigures) the figures relaxation.* and
// langevin.* into dir.
func Dynamics(path, dir string, o DynamicsOptions) (*DynamicsResult, error) {
	be, err := o.check()
	if err != nil {
		return nil, err
	}
	md, err := rbm.Load(path)
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, badinput.Errorf("cannot create output directory: %v", err)
	}
	start := time.Now()
	r, err := relaxModel(md, be, o, new(int), 1)
	if err != nil {
		return nil, err
	}
	r.Model, r.Options = path, o
	lead := make([]float64, len(r.Relax.Lead))
	for i, v := range r.Relax.Lead {
		lead[i] = float64(v)
	}
	if r.Leading, err = dynamics.AnalyzeLeading(lead, 200, 20000, dynamics.LangevinOptions{Particles: o.Particles, Seed: o.Seed}); err != nil {
		return nil, fmt.Errorf("leading mode: %w", err)
	}
	r.LeadRates = r.Leading.Rates
	r.Seconds = time.Since(start).Seconds()
	if err := r.write(dir); err != nil {
		return nil, err
	}
	return r, nil
}

// relaxModel measures one model of models; progress counts block sweeps
// of every chain group in done.
func relaxModel(md *rbm.Model, be tensor.Backend, o DynamicsOptions, done *int, models int) (*DynamicsResult, error) {
	f, err := reciprocal.NewFrame(md, reciprocal.Gauge(o.Gauge))
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	co := dynamics.ChainOptions{Chains: o.Chains, Sweeps: o.Sweeps, BurnIn: o.BurnIn, Seed: o.Seed, Backend: be}
	if o.Progress != nil {
		total := models * dynamics.Groups(o.Chains) * o.Sweeps
		co.Progress = func(n int) { *done += n; o.Progress(*done, total) }
	}
	rel, err := dynamics.Relax(md, f, o.Modes, co)
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	return &DynamicsResult{N: f.N, M: f.M, Relax: rel, Modes: rel.Modes, Claims: claimsOf(rel.Modes)}, nil
}

func claimsOf(ms []dynamics.ModeRelaxation) DynamicsClaims {
	c := DynamicsClaims{SlowestUnstableRatio: math.NaN()}
	minU, maxS := math.Inf(1), math.Inf(-1)
	for _, m := range ms {
		if m.Unstable {
			c.Unstable++
			minU = math.Min(minU, m.U.Tau)
			continue
		}
		maxS = math.Max(maxS, m.U.Tau)
		c.StableMaxRelErr = math.Max(c.StableMaxRelErr, math.Abs(m.U.Tau-m.TauPredU)/m.TauPredU)
	}
	if c.Unstable > 0 && c.Unstable < len(ms) {
		c.SlowestUnstableRatio = minU / maxS
	}
	return c
}

// RelaxationHeader is the header of relaxation.csv (τ in Gibbs sweeps).
const RelaxationHeader = "mode,sigma,omega_minus,omega_plus,tau_pred,tau,tau_err,unstable"

func g10(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }

// WriteRelaxationCSV writes one row per mode, leading modes first: τ and
// tau_pred are those of u_k (the ω₋ direction); tau_pred is +Inf for an
// unstable mode.
func WriteRelaxationCSV(w io.Writer, ms []dynamics.ModeRelaxation, prefix string) {
	for _, m := range ms {
		fmt.Fprintf(w, "%s%d,%s,%s,%s,%s,%s,%s,%t\n", prefix, m.Mode+1, g10(m.Sigma), g10(m.OmegaMinus), g10(m.OmegaPlus),
			g10(m.TauPredU), g10(m.U.Tau), g10(m.U.Err), m.Unstable)
	}
}

func (r *DynamicsResult) write(dir string) error {
	files := []string{filepath.Join(dir, "relaxation.csv"), filepath.Join(dir, "relaxation_uw.csv"), filepath.Join(dir, "leading.csv")}
	if err := atomicfile.WriteFile(files[0], func(w io.Writer) error {
		fmt.Fprintln(w, RelaxationHeader)
		WriteRelaxationCSV(w, r.Modes, "")
		return nil
	}); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(files[1], func(w io.Writer) error {
		fmt.Fprintln(w, "mode,sigma,tau_pred_u,tau_u,tau_u_err,window_u,converged_u,tau_pred_w,tau_w,tau_w_err,window_w,converged_w,sx2_mf,sy2_mf,tau_mf_u,tau_mf_w")
		for _, m := range r.Modes {
			fmt.Fprintf(w, "%d,%s,%s,%s,%s,%d,%t,%s,%s,%s,%d,%t,%s,%s,%s,%s\n", m.Mode+1, g10(m.Sigma), g10(m.TauPredU), g10(m.U.Tau), g10(m.U.Err),
				m.U.Window, m.U.Converged, g10(m.TauPredW), g10(m.W.Tau), g10(m.W.Err), m.W.Window, m.W.Converged,
				g10(m.Sx2), g10(m.Sy2), g10(m.TauMFU), g10(m.TauMFW))
		}
		return nil
	}); err != nil {
		return err
	}
	lm := r.Leading
	if err := atomicfile.WriteFile(files[2], func(w io.Writer) error {
		fmt.Fprintln(w, "u1,phi,p_samples,p_langevin")
		for i := range lm.Potential.Phi {
			fmt.Fprintf(w, "%s,%s,%s,%s\n", g10(lm.Potential.Grid.At(i)), g10(lm.Potential.Phi[i]), g10(lm.Potential.Density[i]), g10(lm.LangevinDensity[i]))
		}
		return nil
	}); err != nil {
		return err
	}
	if !r.Options.NoFigures {
		fs, err := figures.Relaxation(r.Modes, filepath.Join(dir, "relaxation"))
		if err != nil {
			return err
		}
		files = append(files, fs...)
		if fs, err = figures.LangevinLeading(lm, filepath.Join(dir, "langevin")); err != nil {
			return err
		}
		files = append(files, fs...)
	}
	r.Files = append(files, filepath.Join(dir, "dynamics.json"))
	return jsonsafe.WriteFile(filepath.Join(dir, "dynamics.json"), r, "  ")
}

// DynamicsRun measures the checkpoints of the run directory run (every
// o.Every-th epoch and the last) and writes relaxation_epochs.csv (the
// columns of relaxation.csv after an epoch column) and dynamics.json into
// dir. The chains of each checkpoint start afresh from Bernoulli(½) with
// the same seed, so epochs differ only by their parameters.
func DynamicsRun(run, dir string, o DynamicsOptions) (*DynamicsResult, error) {
	be, err := o.check()
	if err != nil {
		return nil, err
	}
	cks, err := rundir.Checkpoints(run)
	if err != nil {
		return nil, badinput.Wrap(err)
	}
	pick := rundir.Every(cks, o.Every)
	if len(pick) == 0 {
		return nil, badinput.Errorf("%s has no epoch-NNNN.npz checkpoints", run)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, badinput.Errorf("cannot create output directory: %v", err)
	}
	start := time.Now()
	out := &DynamicsResult{Model: run, Options: o}
	done := 0
	for _, c := range pick {
		md, err := c.Load()
		if err != nil {
			return nil, badinput.Wrap(err)
		}
		r, err := relaxModel(md, be, o, &done, len(pick))
		if err != nil {
			return nil, fmt.Errorf("epoch %d: %w", c.Epoch, err)
		}
		out.N, out.M = r.N, r.M
		out.Epochs = append(out.Epochs, c.Epoch)
		out.PerEpoch = append(out.PerEpoch, r.Modes)
		out.Modes, out.Claims = r.Modes, r.Claims
	}
	out.Seconds = time.Since(start).Seconds()
	path := filepath.Join(dir, "relaxation_epochs.csv")
	if err := atomicfile.WriteFile(path, func(w io.Writer) error {
		fmt.Fprintln(w, "epoch,"+RelaxationHeader)
		for i, e := range out.Epochs {
			WriteRelaxationCSV(w, out.PerEpoch[i], strconv.Itoa(e)+",")
		}
		return nil
	}); err != nil {
		return nil, err
	}
	out.Files = []string{path, filepath.Join(dir, "dynamics.json")}
	return out, jsonsafe.WriteFile(filepath.Join(dir, "dynamics.json"), out, "  ")
}

// DynamicsOf is "rbmscope dynamics": Dynamics of the model in path, or
// DynamicsRun of the run directory run (exactly one of the two), into dir.
func DynamicsOf(path, run, dir string, o DynamicsOptions) error {
	if (path == "") == (run == "") || dir == "" {
		return badinput.Errorf("give --out and exactly one of --model (an .npz) or --run (a run directory)")
	}
	var err error
	if path != "" {
		_, err = Dynamics(path, dir, o)
	} else {
		_, err = DynamicsRun(run, dir, o)
	}
	return err
}
