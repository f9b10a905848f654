package reproduce

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/tensor"
	"github.com/rbmscope/rbmscope/train"
)

// SizeCost is the estimated wall time of one run of one hidden size and
// method on this machine (one worker).
type SizeCost struct {
	Hidden     int     `json:"hidden"`
	Method     string  `json:"method"`
	Runs       int     `json:"runs"`
	SweepSec   float64 `json:"sweep_seconds"`  // one Gibbs sweep of the batch (measured)
	FixedSec   float64 `json:"fixed_seconds"`  // the rest of one update (measured)
	UpdateSec  float64 `json:"update_seconds"` // FixedSec + k·SweepSec
	Updates    int     `json:"updates"`        // per run
	TrainHours float64 `json:"train_hours"`    // per run
	EvalHours  float64 `json:"eval_hours"`     // AIS + reverse AIS, per run
	TrackHours float64 `json:"track_hours"`    // landscape tracking, per run
	TotalHours float64 `json:"total_hours"`    // per run
}

// CostEstimate is the estimated cost of a preset from a short probe of the
// per-update cost (Estimate).
type CostEstimate struct {
	Sizes      []SizeCost `json:"sizes"`
	TotalHours float64    `json:"total_hours"` // all runs, one after another
	WallHours  float64    `json:"wall_hours"`  // with Settings.Workers at once
	Cores      int        `json:"cores"`
	Note       string     `json:"note"`
}

// estimateSweeps are the k of the two probes whose difference gives the
// cost of one sweep.
var estimateSweeps = [2]int{1, 5}

// Estimate measures a few training updates of every hidden size with k = 1
// and k = 5 (the difference is the cost of four Gibbs sweeps of the batch,
// the rest is the fixed cost of an update; on a busy machine the
// difference is floored at t(k=5)/8, i.e. a fixed cost of at most three
// sweeps: the positive phase and the gradient are two products of the
// same size) and extrapolates to the whole
// pipeline: training (updates × (fixed + k·sweep)), AIS and reverse AIS
// (chains × (2·betas + RAIS sweeps) row-sweeps per evaluated checkpoint)
// and tracking (Gibbs chains × sweeps per tracked checkpoint), a row-sweep
// costing sweep/batch. The analyses of the final models (spectra, JS,
// landscapes, probe) are not included: they are minutes, not hours.
func Estimate(s Settings) (*CostEstimate, error) {
	be, ok := tensor.ByName(s.Backend)
	if !ok {
		return nil, fmt.Errorf("backend %q is not compiled in", s.Backend)
	}
	test, err := dataset.Load(s.Data, dataset.Test, dataset.Binarize{})
	if err != nil {
		return nil, err
	}
	examples := s.TrainLimit
	if examples == 0 {
		tr, err := dataset.Load(s.Data, dataset.Train, dataset.Binarize{})
		if err != nil {
			return nil, err
		}
		examples = tr.Len()
	}
	est := &CostEstimate{Cores: runtime.NumCPU(),
		Note: "training, AIS/RAIS and tracking on this machine, extrapolated from a few updates; the analyses of final models (minutes) are not included"}
	type job struct {
		m      int
		method string
	}
	jobs := []job{}
	for _, h := range s.Hidden {
		jobs = append(jobs, job{h, s.Method})
	}
	for _, m := range s.ExtraMethods() {
		jobs = append(jobs, job{s.MethodsHidden, m})
	}
	for _, j := range jobs {
		c, err := s.probeCost(be, test, j.m, j.method)
		if err != nil {
			return nil, err
		}
		s.extrapolate(&c, examples)
		c.Runs = s.Replicas
		est.Sizes = append(est.Sizes, c)
		est.TotalHours += c.TotalHours * float64(c.Runs)
	}
	est.WallHours = est.TotalHours / float64(s.Workers)
	return est, nil
}

// probeCost times updates of a hidden-size-m model on a batch of test
// images (the positive phase skips zero pixels, so the data's density
// matters): the fastest of three for each k of estimateSweeps.
func (s *Settings) probeCost(be tensor.Backend, test *dataset.Set, m int, method string) (SizeCost, error) {
	x := tensor.NewMat32(s.Batch, test.Width())
	for r := range s.Batch {
		copy(x.Row(r), test.X.Row(r%test.Len()))
	}
	data := &dataset.Set{X: x}
	var best [2]float64
	for i, k := range estimateSweeps {
		cfg := s.TrainConfig(m, 0)
		cfg.Method, cfg.K, cfg.TrainLimit = method, k, 0
		tr, err := train.NewTrainer(cfg, be, data)
		if err != nil {
			return SizeCost{}, err
		}
		best[i] = math.Inf(1)
		for rep := range 4 {
			t0 := time.Now()
			if err := tr.Update(x); err != nil {
				return SizeCost{}, err
			}
			if rep > 0 { // the first update allocates and warms up
				best[i] = math.Min(best[i], time.Since(t0).Seconds())
			}
		}
	}
	sweep := math.Max((best[1]-best[0])/float64(estimateSweeps[1]-estimateSweeps[0]), best[1]/float64(estimateSweeps[1]+3))
	fixed := math.Max(0, best[0]-float64(estimateSweeps[0])*sweep)
	return SizeCost{Hidden: m, Method: method, SweepSec: sweep, FixedSec: fixed, UpdateSec: fixed + float64(s.K)*sweep}, nil
}

// extrapolate fills the per-run hours of c from its measured costs.
func (s *Settings) extrapolate(c *SizeCost, examples int) {
	c.Updates = s.Epochs * (examples / s.Batch)
	row := c.SweepSec / float64(s.Batch) // one chain, one sweep
	c.TrainHours = float64(c.Updates) * c.UpdateSec / 3600
	if c.Method == s.Method {
		c.EvalHours = float64(countEvery(s.Epochs, s.EvalEvery)) * row * float64(s.AISChains*(2*s.AISBetas+s.RAISGibbs)) / 3600
		c.TrackHours = float64(countEvery(s.Epochs, s.TrackEvery)) * row * float64(s.GibbsChains*s.GibbsSteps) / 3600
	}
	c.TotalHours = c.TrainHours + c.EvalHours + c.TrackHours
}

// countEvery counts the checkpoints 0..epochs whose epoch is a multiple
// of every, and the last (rundir.Every).
func countEvery(epochs, every int) int {
	n := epochs/every + 1
	if epochs%every != 0 {
		n++
	}
	return n
}

// String is the estimate as a few human lines.
func (e *CostEstimate) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "estimated cost on this machine (%d cores; %s):\n", e.Cores, e.Note)
	for _, c := range e.Sizes {
		fmt.Fprintf(&b, "  M=%-5d %-4s %2d run(s) × %s (train %s: %d updates × %.3g s; AIS/RAIS %s; tracking %s)\n",
			c.Hidden, c.Method, c.Runs, hours(c.TotalHours), hours(c.TrainHours), c.Updates, c.UpdateSec, hours(c.EvalHours), hours(c.TrackHours))
	}
	fmt.Fprintf(&b, "  total %s of compute; %s with the configured workers. For a cluster, run the plan with `rbmscope sweep` (docs/cluster.md).\n",
		hours(e.TotalHours), hours(e.WallHours))
	return b.String()
}

func hours(h float64) string {
	switch {
	case h >= 48:
		return fmt.Sprintf("%.1f days", h/24)
	case h >= 1:
		return fmt.Sprintf("%.1f h", h)
	default:
		return fmt.Sprintf("%.1f min", h*60)
	}
}
