package partition

import (
	"context"
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// Branches (TrajectoryOptions.Backbone): the tempering path runs through
// the backbone models only, and every other model t gets
//
//	log Z_t = log Z_s + log mean_c e^{w_c},
//
// s the nearest backbone model before t and w_c the log-weight of chain c
// of a plain AIS run (no resampling) of BranchSteps steps along the
// straight parameter segment θ_s → θ_t, started from equilibrium samples of
// θ_s: snapshots of the chains of s's rung during the estimation sweeps.
// E[e^{w_c}] = Z_t/Z_s exactly when the starts are exact samples of θ_s, so
// the branch adds a stochastic lower bound on the log-ratio (Jensen) to
// the backbone's estimate of log Z_s. Consecutive checkpoints of a run
// differ mostly by training noise, so each one visited on the tempering
// path adds a detour of about the same thermodynamic length whether it
// spans one epoch or several (docs/likelihood.md §Trajectory AIS); a
// branch visits one checkpoint and anneals, without the burn-in and the
// ladder-wide mixing that parallel tempering needs.
//
// Errors are batch means, as on the backbone: the AIS chains started from
// the snapshots of replica c belong to c's batch, and each batch's branch
// estimate is added to the same batch's estimate of log Z_s.

// checkBackbone validates a backbone of n models.
func checkBackbone(b []int, n, steps, starts int) error {
	if len(b) == 0 || b[len(b)-1] != n-1 {
		return fmt.Errorf("the backbone must include the last model (%d)", n-1)
	}
	for k, i := range b {
		if i < 0 || k > 0 && i <= b[k-1] {
			return fmt.Errorf("backbone indices must be ≥ 0 and strictly ascending, got %v", b)
		}
	}
	if b[0] != 0 {
		return fmt.Errorf("the backbone must start at the first model (0): a model before it has no backbone model to branch from")
	}
	if steps < 1 || starts < 1 {
		return fmt.Errorf("branches need ≥ 1 AIS step and ≥ 1 snapshot per chain (got %d, %d)", steps, starts)
	}
	return nil
}

// branched runs Trajectory with o.Backbone: the tempering path through the
// backbone, snapshots of its nodes' chains, and a branch to every other
// model.
func branched(ctx context.Context, be tensor.Backend, models []*rbm.Model, o TrajectoryOptions) (*TrajectoryResult, error) {
	if err := checkBackbone(o.Backbone, len(models), o.BranchSteps, o.BranchStarts); err != nil {
		return nil, err
	}
	if o.Sweeps < o.BranchStarts {
		return nil, fmt.Errorf("%d snapshots per chain need at least as many estimation sweeps (got %d)", o.BranchStarts, o.Sweeps)
	}
	var back []*rbm.Model
	for _, i := range o.Backbone {
		back = append(back, models[i])
	}
	every := o.Sweeps / o.BranchStarts
	snaps := make([][]*tensor.Mat32, len(back)) // per backbone model, per snapshot
	snap := func(t int, pt *pathPT) {
		if (t+1)%every != 0 || (t+1)/every > o.BranchStarts {
			return
		}
		for _, r := range pt.rungs {
			if k := int(r.u) - 1; r.u == math.Floor(r.u) && k >= 0 {
				snaps[k] = append(snaps[k], r.V.Clone())
			}
		}
	}
	pt, res, err := runPathSnap(ctx, be, back, o, true, snap)
	if err != nil {
		return nil, err
	}
	points, perBatch := pt.estimates(res.LogZBase, res.SwapRate)
	out := make([]TrajectoryPoint, len(models))
	k := 0
	for t := range models {
		if k < len(o.Backbone) && o.Backbone[k] == t {
			out[t] = points[k]
			out[t].Index = t
			k++
			continue
		}
		s := k - 1 // the backbone model before t
		if out[t], err = branch(ctx, be, models[o.Backbone[s]], models[t], snaps[s], points[s], perBatch[s], pt.batches, o, t); err != nil {
			return nil, err
		}
		out[t].BranchFrom = o.Backbone[s]
	}
	res.Points = out
	return res, nil
}

// branch estimates log Z of to from the backbone point at of from, by AIS
// of o.BranchSteps steps from the snapshots (each C×N) of from's chains.
func branch(ctx context.Context, be tensor.Backend, from, to *rbm.Model, snaps []*tensor.Mat32, at TrajectoryPoint, atB []pairEstimate, batches int, o TrajectoryOptions, t int) (TrajectoryPoint, error) {
	p, err := newPath([]*rbm.Model{from, to}, nil)
	if err != nil {
		return TrajectoryPoint{}, err
	}
	C, S := snaps[0].Rows, len(snaps)
	// Its own stream per branch: the purpose with the model's index above
	// the bits that tell the package's purposes apart.
	ta := newTrajAnnealerOn(be, p, 0, C*S, o.Seed, purposeBranch+uint64(t)<<40)
	for c := 0; c < C; c++ { // chain c·S + j starts at snapshot j of replica c
		for j, m := range snaps {
			copy(ta.V.Row(c*S+j), m.Row(c))
		}
	}
	clear(ta.logw)
	pos := make([]float64, o.BranchSteps+1)
	for i := range pos {
		pos[i] = 1 + float64(i)/float64(o.BranchSteps)
	}
	if err := ta.anneal(ctx, pos, false, nil, nil); err != nil {
		return TrajectoryPoint{}, err
	}
	d := LogMeanExp(ta.logw)
	perB := make([]pairEstimate, batches)
	for b := range perB {
		lo, hi := b*C/batches*S, (b+1)*C/batches*S
		db := LogMeanExp(ta.logw[lo:hi])
		perB[b] = pairEstimate{bar: atB[b].bar + db, fwd: atB[b].fwd + db}
	}
	nan := math.NaN()
	return TrajectoryPoint{Index: t, LogZ: at.LogZ + d, LogZErr: batchSE(perB, func(e pairEstimate) float64 { return e.bar }),
		LogZLower: at.LogZLower + d, LogZLowerErr: batchSE(perB, func(e pairEstimate) float64 { return e.fwd }),
		LogZUpper: nan, LogZUpperErr: nan, MinSwapRate: nan, BranchSteps: o.BranchSteps, BranchESS: EffectiveSampleSize(ta.logw, false)}, nil
}
