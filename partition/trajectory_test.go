package partition

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// growingPath returns T+1 models θ_t = (t/T)^p·θ plus a fixed N(0, 0.01²)
// initial weight, a toy training trajectory whose couplings grow from
// almost zero to those of randomModel(n, m, sw, sb).
func growingPath(n, m, T int, sw float64, seed uint64) []*rbm.Model {
	final := randomModel(n, m, sw, 0.5, seed)
	init := randomModel(n, m, 0.01, 0, seed+1)
	var out []*rbm.Model
	for t := 0; t <= T; t++ {
		f := math.Pow(float64(t)/float64(T), 1.5)
		md := rbm.New(n, m)
		for i := range md.W.Data {
			md.W.Data[i] = init.W.Data[i] + f*final.W.Data[i]
		}
		for i := range md.A {
			md.A[i] = f * final.A[i]
		}
		for j := range md.B {
			md.B[j] = f * final.B[j]
		}
		out = append(out, md)
	}
	return out
}

// T-traj.1: on a 16×10 toy trajectory (couplings growing from N(0, 0.01²)
// to N(0, 1.2²) over 8 checkpoints), the PT trajectory estimate (default
// options: 20 chains per rung, 1000 sweeps, 20 batches) is within 4
// standard errors and 0.1 nat of the exact log Z at every checkpoint for
// four seeds, and the exact value lies between the forward (lower) and
// reverse (upper) estimates widened by 4 of their standard errors.
// Error analysis: the errors are batch means over B = 20 batches of chains
// (independent replicas of the ladder, path.go run), so the z-score of an
// estimate follows Student's t with 19 degrees of freedom, P(|t₁₉| > 4) ≈
// 0.08 %; over the 4·9 correlated comparisons per estimator a chance
// failure is below 3 %. The measured errors are
// 0.002–0.02 nat, so 0.1 nat is 5σ of the largest; the float32 free
// energies (path.go) add about 1e-4 nat per pair of rungs, far below it.
func TestTrajectorySmallExact(t *testing.T) {
	models := growingPath(16, 10, 8, 1.2, 5)
	exact := exactAll(t, models)
	o := DefaultTrajectoryOptions()
	for seed := uint64(1); seed <= 4; seed++ {
		o.Seed = seed
		res, err := Trajectory(context.Background(), tensor.Default(), models, o)
		if err != nil {
			t.Fatal(err)
		}
		checkExact(t, res, exact, 4, 0.1)
		t.Logf("seed %d: last checkpoint log Z %+.4f ± %.4f from exact, %d rungs, %d rounds", seed, res.Points[8].LogZ-exact[8], res.Points[8].LogZErr, res.Rungs, res.Rounds)
	}
}

func exactAll(t *testing.T, models []*rbm.Model) []float64 {
	t.Helper()
	exact := make([]float64, len(models))
	for i, md := range models {
		var err error
		if exact[i], err = ExactLogZ(md); err != nil {
			t.Fatal(err)
		}
	}
	return exact
}

// checkExact requires every point of res within k standard errors and tol
// nats of exact, and exact within [lower − k·err, upper + k·err].
func checkExact(t *testing.T, res *TrajectoryResult, exact []float64, k, tol float64) {
	t.Helper()
	for i, p := range res.Points {
		ex := exact[i]
		if d := math.Abs(p.LogZ - ex); d > k*p.LogZErr || d > tol {
			t.Errorf("checkpoint %d: log Z %.4f ± %.4f, exact %.4f", i, p.LogZ, p.LogZErr, ex)
		}
		if p.LogZLower-k*p.LogZLowerErr > ex || p.LogZUpper+k*p.LogZUpperErr < ex {
			t.Errorf("checkpoint %d: exact %.4f outside [%.4f ± %.4f, %.4f ± %.4f]", i, ex, p.LogZLower, p.LogZLowerErr, p.LogZUpper, p.LogZUpperErr)
		}
	}
}

// T-traj.ladder: on the temperature path of sharp 16×10 models (one
// model: the path base-rate model → model), the adapted ladder has every
// neighbouring pair at or above the target in the last pilot round, has
// grown beyond its two nodes, and the log Z estimate is within 4 errors
// and 0.1 nat of exact (the error analysis of T-traj.1). A rung cap below
// what the path needs fails with one line naming the cap.
func TestTrajectoryLadder(t *testing.T) {
	for _, tc := range []struct {
		sw     float64
		target float64
	}{{1.5, 0.3}, {2.5, 0.3}, {2.5, 0.6}} {
		md := randomModel(16, 10, tc.sw, 0.5, 11)
		p, err := newPath([]*rbm.Model{md}, nil)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := newPathPT(tensor.Default(), p, 20, nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		rounds, err := pt.adapt(context.Background(), 20, tc.target, 1000)
		if err != nil {
			t.Fatal(err)
		}
		rates := pt.swapRates()
		if len(pt.rungs) <= 2 || minOf(rates) < tc.target {
			t.Errorf("sw %.1f target %.1f: %d rungs after %d rounds, lowest swap rate %.3f", tc.sw, tc.target, len(pt.rungs), rounds, minOf(rates))
		}
		o := DefaultTrajectoryOptions()
		o.SwapTarget = tc.target
		res, err := Trajectory(context.Background(), tensor.Default(), []*rbm.Model{md}, o)
		if err != nil {
			t.Fatal(err)
		}
		checkExact(t, res, exactAll(t, []*rbm.Model{md}), 4, 0.1)
		t.Logf("sw %.1f target %.1f: %d rungs, %d rounds; log Z %+.4f ± %.4f from exact", tc.sw, tc.target, res.Rungs, res.Rounds, res.Points[0].LogZ-exactAll(t, []*rbm.Model{md})[0], res.Points[0].LogZErr)
	}
	o := DefaultTrajectoryOptions()
	o.MaxRungs = 3
	_, err := Trajectory(context.Background(), tensor.Default(), []*rbm.Model{randomModel(16, 10, 2.5, 0.5, 11)}, o)
	if err == nil || !strings.Contains(err.Error(), "more than 3 rungs") || strings.Contains(err.Error(), "\n") {
		t.Errorf("cap 3: got %v, want one line about the cap", err)
	}
}

// T-traj.inputs: bad options and models fail with an error, not a panic.
func TestTrajectoryBadInput(t *testing.T) {
	good := growingPath(6, 4, 2, 1, 1)
	bad := func(mod func(*TrajectoryOptions)) TrajectoryOptions {
		o := DefaultTrajectoryOptions()
		mod(&o)
		return o
	}
	for name, tc := range map[string]struct {
		models []*rbm.Model
		o      TrajectoryOptions
	}{
		"no models":   {nil, DefaultTrajectoryOptions()},
		"shapes":      {[]*rbm.Model{rbm.New(6, 4), rbm.New(5, 4)}, DefaultTrajectoryOptions()},
		"chains":      {good, bad(func(o *TrajectoryOptions) { o.Chains = 0 })},
		"target":      {good, bad(func(o *TrajectoryOptions) { o.SwapTarget = 1 })},
		"batches":     {good, bad(func(o *TrajectoryOptions) { o.Batches = 1 })},
		"short":       {good, bad(func(o *TrajectoryOptions) { o.Sweeps = 1 })},
		"one chain":   {good, bad(func(o *TrajectoryOptions) { o.Chains = 1 })},
		"base":        {good, bad(func(o *TrajectoryOptions) { o.BaseVisible = []float64{1} })},
		"init shape":  {good, bad(func(o *TrajectoryOptions) { o.Init = tensor.NewMat32(3, 6) })},
		"init values": {good, bad(func(o *TrajectoryOptions) { o.Init = tensor.NewMat32(20, 6); o.Init.Data[0] = 0.5 })},
		"mode jumps":  {good, bad(func(o *TrajectoryOptions) { o.ModeJumps = -1 })},
		"backbone without the last": {good, bad(func(o *TrajectoryOptions) {
			o.Backbone, o.BranchSteps, o.BranchStarts = []int{0, 1}, 10, 2
		})},
		"backbone without the first": {good, bad(func(o *TrajectoryOptions) {
			o.Backbone, o.BranchSteps, o.BranchStarts = []int{1, 2}, 10, 2
		})},
		"backbone order": {good, bad(func(o *TrajectoryOptions) { o.Backbone, o.BranchSteps, o.BranchStarts = []int{0, 0, 2}, 10, 2 })},
		"branch steps":   {good, bad(func(o *TrajectoryOptions) { o.Backbone, o.BranchStarts = []int{0, 2}, 2 })},
		"branch starts":  {good, bad(func(o *TrajectoryOptions) { o.Backbone, o.BranchSteps, o.BranchStarts = []int{0, 2}, 10, 0 })},
		"snapshots > sweeps": {good, bad(func(o *TrajectoryOptions) {
			o.Backbone, o.BranchSteps, o.BranchStarts, o.Sweeps = []int{0, 2}, 10, 50, 20
		})},
	} {
		if _, err := Trajectory(context.Background(), tensor.Default(), tc.models, tc.o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// T-traj.recheck: the ladder's re-check after burn-in. On the temperature
// path of a sharp 16×10 model a ladder of its two nodes alone (swap rate
// near 0) gains midpoint rungs until every pair swaps at ≥ the floor over
// the burn-in's second half, and grow hears of
// each extra half; without recheck it keeps its rungs; a rung cap below
// what the re-check needs fails with one line. On a ladder already
// adapted to a target 4× the floor nothing is inserted, and the chains end
// bit-identical to one uninterrupted run of the same sweeps (so results
// where no re-check fires are those of before it existed).
func TestTrajectoryRecheck(t *testing.T) {
	ctx := context.Background()
	md := randomModel(16, 10, 2.5, 0.5, 11)
	p, err := newPath([]*rbm.Model{md}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() *pathPT {
		pt, err := newPathPT(tensor.Default(), p, 20, nil, 3)
		if err != nil {
			t.Fatal(err)
		}
		return pt
	}
	const floor, burn = 0.15, 200
	pt, extra := fresh(), 0
	n, err := pt.burnIn(ctx, burn, true, floor, 1000, func(e int) { extra += e }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n < 1 || len(pt.rungs) <= 2 || extra != n*burn/2 {
		t.Fatalf("two-node ladder: %d re-checks, %d rungs, %d extra sweeps; want ≥ 1 re-check, more rungs, %d sweeps per re-check", n, len(pt.rungs), extra, burn/2)
	}
	// the re-checks suffice here (measured: 3, lowest rate 0.29, far
	// above the floor on any backend's rounding)
	if lo := minOf(pt.swapRates()); lo < floor {
		t.Errorf("after %d re-checks the lowest swap rate is %.3f < %.2f", n, lo, floor)
	}
	t.Logf("two-node ladder: %d re-checks → %d rungs, lowest swap rate %.3f", n, len(pt.rungs), minOf(pt.swapRates()))

	pt = fresh()
	if n, err := pt.burnIn(ctx, burn, false, floor, 1000, func(int) { t.Error("grow called without recheck") }, nil); err != nil || n != 0 || len(pt.rungs) != 2 {
		t.Errorf("without recheck: %d re-checks, %d rungs, %v", n, len(pt.rungs), err)
	}
	if _, err := fresh().burnIn(ctx, burn, true, floor, 2, func(int) {}, nil); err == nil || !strings.Contains(err.Error(), "more than 2 rungs") || strings.Contains(err.Error(), "\n") {
		t.Errorf("cap 2: got %v, want one line about the cap", err)
	}

	a, b := fresh(), fresh()
	for _, pt := range []*pathPT{a, b} {
		if _, err := pt.adapt(ctx, 20, 4*floor, 1000); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := a.burnIn(ctx, burn+2, true, floor, 1000, func(int) { t.Error("grow called on an adapted ladder") }, nil); err != nil || n != 0 {
		t.Fatalf("adapted ladder: %d re-checks, %v", n, err)
	}
	if err := b.run(ctx, burn+2, false, nil); err != nil {
		t.Fatal(err)
	}
	for k := range a.rungs {
		if !slices.Equal(a.rungs[k].V.Data, b.rungs[k].V.Data) {
			t.Fatalf("rung %d: burn-in with a quiet re-check differs from one run of the same sweeps", k)
		}
	}
}

// T-traj.branch: on the toy trajectory of T-traj.1 with the tempering path
// through checkpoints 0, 4 and 8 only, the six others get their log Z from
// branches (200 AIS steps off the previous backbone checkpoint, from 5
// snapshots of each of its 20 chains, 100 AIS chains per branch), and
// every checkpoint, on the backbone or off it, is within 4 batch-means
// errors (Student t with 19 degrees of freedom, as in T-traj.1) and 0.1
// nat of exact. A branch has a lower side only: its LogZLower is the
// backbone's forward sum plus the same AIS estimate, and exact lies above
// it less 4 of its errors; its upper side is NaN. Measured: branch errors
// 0.003–0.02 nat, so 0.1 nat is 5σ of the largest, and the bias of the
// log-mean-exp of 5 chains per batch, about the variance of the weights
// over 10 (≤ 0.01 nat here: ESS ≥ 90 of 100), is inside the error.
func TestTrajectoryBranches(t *testing.T) {
	models := growingPath(16, 10, 8, 1.2, 5)
	exact := exactAll(t, models)
	o := DefaultTrajectoryOptions()
	o.Backbone, o.BranchSteps, o.BranchStarts = []int{0, 4, 8}, 200, 5
	for seed := uint64(1); seed <= 2; seed++ {
		o.Seed = seed
		res, err := Trajectory(context.Background(), tensor.Default(), models, o)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range res.Points {
			ex := exact[i]
			if d := math.Abs(p.LogZ - ex); d > 4*p.LogZErr || d > 0.1 {
				t.Errorf("seed %d, checkpoint %d: log Z %.4f ± %.4f, exact %.4f", seed, i, p.LogZ, p.LogZErr, ex)
			}
			if p.LogZLower-4*p.LogZLowerErr > ex {
				t.Errorf("seed %d, checkpoint %d: lower side %.4f ± %.4f above exact %.4f", seed, i, p.LogZLower, p.LogZLowerErr, ex)
			}
			onBackbone := i%4 == 0
			if p.Index != i || onBackbone != (p.BranchSteps == 0) || !onBackbone && (!math.IsNaN(p.LogZUpper) || p.BranchFrom != i/4*4 || p.BranchESS <= 0) {
				t.Errorf("seed %d, checkpoint %d: %+v", seed, i, p)
			}
			if !onBackbone {
				t.Logf("seed %d, checkpoint %d: branch %+.4f ± %.4f from exact, ESS %.0f", seed, i, p.LogZ-ex, p.LogZErr, p.BranchESS)
			}
		}
	}
}
