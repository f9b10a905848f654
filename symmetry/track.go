package symmetry

import (
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

// Snapshot is one model of a run to track (epoch 0 = initialisation):
// its epoch and how to obtain it. Track loads one snapshot at a time, so
// a long run is never held in memory at once; rundir.Checkpoint.Load is
// a typical Load.
type Snapshot struct {
	Epoch int
	Load  func() (*rbm.Model, error)
}

// Loaded is a Snapshot of a model already in memory.
func Loaded(epoch int, m *rbm.Model) Snapshot {
	return Snapshot{Epoch: epoch, Load: func() (*rbm.Model, error) { return m, nil }}
}

// TrackOptions configures per-epoch landscape tracking (docs/theory.md §Tracking).
type TrackOptions struct {
	Mode      int              // 0-based mode k (default 0, the leading mode)
	Gauge     reciprocal.Gauge // sign gauge (default mu_w_positive)
	Chains    int              // Gibbs chains per checkpoint (default 200)
	Sweeps    int              // block-Gibbs sweeps (default 200)
	Seed      uint64
	Backend   tensor.Backend // default tensor.Default()
	Empirical EmpiricalOptions
	// Progress, if set, is called after each checkpoint.
	Progress func(done, total int, epoch int)
}

// EpochResult holds the landscape of one checkpoint for mode k, in the
// 45° coordinates (u_k, w_k) around the saddle (so the saddle is (0, 0)).
type EpochResult struct {
	Epoch     int     `json:"epoch"`
	Sigma     float64 `json:"sigma"`
	Unstable  bool    `json:"unstable"`   // σ_k > 4 (docs/theory.md §Stiffness)
	GaugeSign float64 `json:"gauge_sign"` // sign(μ_w,k) in the frame's gauge
	SaddleX   float64 `json:"saddle_x"`   // (x*_k, y*_k) in raw coordinates
	SaddleY   float64 `json:"saddle_y"`
	MuU       float64 `json:"mu_u"` // constraint-potential minimum (Eq. 28)
	MuW       float64 `json:"mu_w"`
	// Test-data projections (h ~ p(h|v)) and Gibbs samples: mean, sd.
	DataU  [2]float64 `json:"data_u"`
	DataW  [2]float64 `json:"data_w"`
	GibbsU [2]float64 `json:"gibbs_u"`
	GibbsW [2]float64 `json:"gibbs_w"`
	// Landau quartics: u, w with {constraint, gibbs} × {cramer, edgeworth}, and x.
	Landau []*Landau `json:"landau"`
	// Empirical free energies −log p(u_k), −log p(w_k) from the Gibbs samples.
	EmpiricalU *FreeEnergyProfile `json:"empirical_u"`
	EmpiricalW *FreeEnergyProfile `json:"empirical_w"`
}

// Tracking is the per-epoch landscape of one run.
type Tracking struct {
	Mode      int              `json:"mode"` // 1-based, as in the paper
	Gauge     reciprocal.Gauge `json:"gauge"`
	Chains    int              `json:"gibbs_chains"`
	Sweeps    int              `json:"gibbs_sweeps"`
	DataCount int              `json:"data_count"`
	N         int              `json:"n_visible"`
	M         int              `json:"n_hidden"`
	Epochs    []EpochResult    `json:"epochs"`
	// SymmetryBreakingEpoch is the first epoch whose empirical free energy of
	// u_k (quartic fit of the Gibbs histogram) has two minima separated by a
	// barrier ≥ MinBarrier (−1: never); BreakingAsymmetry is the depth
	// difference F(left) − F(right) of its wells there.
	SymmetryBreakingEpoch int     `json:"symmetry_breaking_epoch"`
	BreakingBarrier       float64 `json:"breaking_barrier"`
	BreakingAsymmetry     float64 `json:"breaking_asymmetry"`
	// C2NegativeEpoch: first epoch where c₂ of the u quartic is negative, per
	// closure "meanfield/correction" (−1: never).
	C2NegativeEpoch map[string]int `json:"c2_negative_epoch"`
	// UnstableEpoch is the first epoch with σ_k > 4 (−1: never).
	UnstableEpoch int `json:"unstable_epoch"`
}

// Track computes the landscape of every checkpoint (in the given order) for
// mode k: saddle, constraint minimum, test-data and Gibbs projections,
// Landau coefficients and the empirical free energy. test may be nil (no
// data series).
func Track(ckpts []Snapshot, test *dataset.Set, o TrackOptions) (*Tracking, error) {
	if len(ckpts) == 0 {
		return nil, fmt.Errorf("no checkpoints to track")
	}
	tr := &Tracking{Mode: o.Mode + 1, SymmetryBreakingEpoch: -1, UnstableEpoch: -1,
		BreakingBarrier: math.NaN(), BreakingAsymmetry: math.NaN(), C2NegativeEpoch: map[string]int{}}
	for i, c := range ckpts {
		m, err := c.Load()
		if err != nil {
			return nil, fmt.Errorf("checkpoint epoch %d: %w", c.Epoch, err)
		}
		if i > 0 && (m.NumVisible() != tr.N || m.NumHidden() != tr.M) {
			return nil, fmt.Errorf("checkpoint epoch %d is %d×%d but earlier ones are %d×%d", c.Epoch, m.NumVisible(), m.NumHidden(), tr.N, tr.M)
		}
		tr.N, tr.M = m.NumVisible(), m.NumHidden()
		e, err := TrackModel(c.Epoch, m, test, &o)
		if err != nil {
			return nil, fmt.Errorf("checkpoint epoch %d: %w", c.Epoch, err)
		}
		tr.Epochs = append(tr.Epochs, *e)
		if o.Progress != nil {
			o.Progress(i+1, len(ckpts), c.Epoch)
		}
	}
	tr.Gauge, tr.Chains, tr.Sweeps = o.Gauge, o.Chains, o.Sweeps
	if test != nil {
		tr.DataCount = test.Len()
	}
	for _, e := range tr.Epochs {
		if e.Unstable && tr.UnstableEpoch < 0 {
			tr.UnstableEpoch = e.Epoch
		}
		if p := e.EmpiricalU; p != nil && p.DoubleWell && tr.SymmetryBreakingEpoch < 0 {
			tr.SymmetryBreakingEpoch, tr.BreakingBarrier, tr.BreakingAsymmetry = e.Epoch, p.Barrier, p.Asymmetry
		}
		for _, l := range e.Landau {
			if l.Variable != VarU {
				continue
			}
			key := string(l.MeanField) + "/" + string(l.Correction)
			if _, ok := tr.C2NegativeEpoch[key]; !ok {
				tr.C2NegativeEpoch[key] = -1
			}
			if l.C[2] < 0 && tr.C2NegativeEpoch[key] < 0 {
				tr.C2NegativeEpoch[key] = e.Epoch
			}
		}
	}
	return tr, nil
}

// TrackModel computes the landscape of one model (see Track). It fills in
// the defaults of o.
func TrackModel(epoch int, m *rbm.Model, test *dataset.Set, o *TrackOptions) (*EpochResult, error) {
	if o.Chains <= 0 {
		o.Chains = 200
	}
	if o.Sweeps <= 0 {
		o.Sweeps = 200
	}
	if o.Backend == nil {
		o.Backend = tensor.Default()
	}
	if o.Gauge == "" {
		o.Gauge = reciprocal.GaugeMuWPositive
	}
	if test != nil && test.Width() != m.NumVisible() {
		return nil, fmt.Errorf("test data have %d columns but the model has %d visible units", test.Width(), m.NumVisible())
	}
	f, err := reciprocal.NewFrame(m, o.Gauge)
	if err != nil {
		return nil, err
	}
	k := o.Mode
	if !f.Paired(k) {
		return nil, fmt.Errorf("mode %d has no saddle point (rank %d); choose --mode ≤ %d", k+1, f.Rank, f.Rank)
	}
	e := &EpochResult{Epoch: epoch, Sigma: f.S[k], Unstable: f.S[k] > 4}
	e.SaddleX, e.SaddleY = f.Saddle(k)
	mux, muy := f.ConstraintMeans(0.5)
	e.MuU, e.MuW = f.UW(k, mux[k], muy[k])
	e.GaugeSign = 1
	if e.MuW < 0 {
		e.GaugeSign = -1
	}
	stream := tensor.NewStream(o.Seed, 0x7aac, uint64(epoch))
	nan2 := [2]float64{math.NaN(), math.NaN()}
	e.DataU, e.DataW = nan2, nan2
	if test != nil && test.Len() > 0 {
		s := rbm.NewSampler(o.Backend, m.To32(), stream)
		prob := tensor.NewMat32(test.Len(), m.NumHidden())
		h := tensor.NewMat32(test.Len(), m.NumHidden())
		s.Hidden(test.X, prob, h)
		u, w := modeCoords(f, k, test.X, h)
		e.DataU, e.DataW = meanSD(u), meanSD(w)
	}
	c, gu, gw := gibbsPooled(o.Backend, m, f, k, o.Chains, o.Sweeps, stream)
	e.GibbsU, e.GibbsW = meanSD(gu), meanSD(gw)
	vm, hm := columnMeans(c.V), columnMeans(c.ProbH)
	for _, v := range []Variable{VarU, VarW} {
		for _, mf := range []MeanField{MFConstraint, MFGibbs} {
			for _, corr := range []Correction{Cramer, Edgeworth} {
				l, err := LandauCoefficients(f, LandauOptions{Mode: k, Variable: v, MeanField: mf, Correction: corr, VisibleMean: vm, HiddenMean: hm})
				if err != nil {
					return nil, err
				}
				e.Landau = append(e.Landau, l)
			}
		}
	}
	lx, err := LandauCoefficients(f, LandauOptions{Mode: k, Variable: VarX})
	if err != nil {
		return nil, err
	}
	e.Landau = append(e.Landau, lx)
	if e.EmpiricalU, err = EmpiricalFreeEnergy(gu, o.Empirical); err != nil {
		return nil, fmt.Errorf("empirical free energy of u: %w (raise --gibbs-chains)", err)
	}
	if e.EmpiricalW, err = EmpiricalFreeEnergy(gw, o.Empirical); err != nil {
		return nil, fmt.Errorf("empirical free energy of w: %w (raise --gibbs-chains)", err)
	}
	return e, nil
}

// LandauFor returns the epoch's quartic for a variable and closure (nil if absent).
func (e *EpochResult) LandauFor(v Variable, mf MeanField, corr Correction) *Landau {
	for _, l := range e.Landau {
		if l.Variable == v && l.MeanField == mf && (l.Correction == corr || v == VarX) {
			return l
		}
	}
	return nil
}
