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

// With W = 0 every unit is independent and one Gibbs sweep draws an exact
// sample, so between swap rounds the two rungs hold independent exact
// samples and the swap acceptance is the closed form
// E_{v~p0, v'~p1} min(1, f0(v')f1(v)/(f0(v)f1(v'))), here summed over
// all 2^N × 2^N pairs of a 4-unit model. The two models are nodes 1 and 2
// of the path (node 0 is the base-rate model), so the fixed ladder of
// PathTempering is {1, 2}.
func TestTemperingSwapRateClosedForm(t *testing.T) {
	const n = 4
	a0 := []float64{-1, 0.5, 2, -0.3}
	a1 := []float64{1, -0.5, 0.2, 0.7}
	models := make([]*rbm.Model, 2)
	for k, a := range [][]float64{a0, a1} {
		models[k] = rbm.New(n, 1)
		copy(models[k].A, a)
	}
	logf := func(a []float64, s int) float64 { // log of the unnormalised p(v) for v = bits of s (h summed: +log 2 cancels)
		x := 0.0
		for i := range a {
			if s>>i&1 == 1 {
				x += float64(float32(a[i]))
			}
		}
		return x
	}
	logZ := func(a []float64) float64 {
		z := 0.0
		for s := 0; s < 1<<n; s++ {
			z += math.Exp(logf(a, s))
		}
		return math.Log(z)
	}
	z0, z1 := logZ(a0), logZ(a1)
	want := 0.0
	for s := 0; s < 1<<n; s++ {
		for u := 0; u < 1<<n; u++ {
			p := math.Exp(logf(a0, s) - z0 + logf(a1, u) - z1)
			d := logf(a0, u) + logf(a1, s) - logf(a0, s) - logf(a1, u)
			want += p * math.Min(1, math.Exp(d))
		}
	}
	const chains, sweeps = 200, 400
	res, err := PathTempering(context.Background(), tensor.Default(), models, TrajectoryOptions{Chains: chains, Sweeps: sweeps, Seed: 3, Ladder: []float64{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rungs != 2 || len(res.SwapRate) != 1 {
		t.Fatalf("%d rungs, %d swap rates; want the fixed 2 and 1", res.Rungs, len(res.SwapRate))
	}
	// Swaps are proposed on every other sweep (one pair, even/odd rounds):
	// chains·sweeps/2 = 40000 independent proposals. The swap rate is the
	// mean over them of the acceptance probability m = min(1, e^{l+r}),
	// whose mean is want; as 0 ≤ m ≤ 1, E[m²] ≤ E[m] and its variance is
	// at most want(1−want), that of the Bernoulli(want) indicator of an
	// accepted swap. So the standard error is still at most
	// √(want(1−want)/40000) ≤ 0.0025; allow 4 of them.
	trials := float64(chains * sweeps / 2)
	tol := 4 * math.Sqrt(want*(1-want)/trials)
	t.Logf("swap rate %.4f, closed form %.4f (tolerance %.4f)", res.SwapRate[0], want, tol)
	if math.Abs(res.SwapRate[0]-want) > tol {
		t.Errorf("swap rate %.4f, closed form %.4f", res.SwapRate[0], want)
	}
}

// A one-rung fixed ladder is plain block Gibbs: no swaps, and the trace
// holds F(v) of the chains after each of the o.Sweeps sweeps (after the
// burn-in), the last row that of the samples (float32 parameters, so
// within 1e-4 nat of the float64 free energy). The adaptation options are
// ignored (zero here) and progress counts burn-in and sweeps.
func TestFixedLadderOneRung(t *testing.T) {
	md := randomModel(12, 5, 1, 0.5, 3)
	init := tensor.NewMat32(7, 12)
	calls := 0
	o := TrajectoryOptions{Chains: 7, BurnIn: 3, Sweeps: 9, Seed: 2, Init: init, Trace: true, Ladder: []float64{1},
		Progress: func(done, total int) {
			calls++
			if done != calls || total != 12 {
				t.Errorf("progress %d of %d at call %d", done, total, calls)
			}
		}}
	res, err := PathTempering(context.Background(), tensor.Default(), []*rbm.Model{md}, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rungs != 1 || len(res.SwapRate) != 0 || len(res.Trace) != 9 || calls != 12 || res.Samples.Rows != 7 {
		t.Fatalf("%d rungs, %d swap rates, %d trace rows, %d progress calls, %d samples", res.Rungs, len(res.SwapRate), len(res.Trace), calls, res.Samples.Rows)
	}
	x := res.Samples.To64()
	for c, f := range res.Trace[8] {
		if want := md.FreeEnergyV(x.Row(c)); math.Abs(f-want) > 1e-4 {
			t.Errorf("chain %d: traced F %.6f, F of the sample %.6f", c, f, want)
		}
	}
	// No sweeps: the samples are the start states.
	o.BurnIn, o.Sweeps, o.Progress = 0, 0, nil
	init.Set(2, 3, 1)
	res, err = PathTempering(context.Background(), tensor.Default(), []*rbm.Model{md}, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range res.Samples.Data {
		if v != init.Data[i] {
			t.Fatalf("without sweeps the samples differ from the start states at %d", i)
		}
	}
}

// The trajectory estimates on a fixed ladder through every node (with
// extra rungs between some) are within 5 batch-means errors and 0.1 nat of
// the exact log Z of each model, with no adaptation rounds and the ladder
// as given (swap rates 0.5–1). The bound of 5 errors dates from batches of
// consecutive sweeps, whose errors came out too small: over seeds 1–10
// (30 z-scores) they were within ±1.8 but for −3.1 and −4.1 at this seed.
// The batches are now 20 groups of independent replicas (T-traj.1), whose
// z-scores follow Student's t with 19 degrees of freedom: P(|t₁₉| > 5) ≈
// 0.008 %. 0.1 nat is far above the largest standard error, 0.016 nat.
func TestFixedLadderTrajectory(t *testing.T) {
	models := growingPath(10, 6, 2, 2, 4)
	o := DefaultTrajectoryOptions()
	o.Ladder = []float64{0, 0.25, 0.5, 1, 1.5, 2, 2.5, 3}
	res, err := Trajectory(context.Background(), tensor.Default(), models, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rounds != 0 || !slices.Equal(res.Ladder, o.Ladder) || len(res.Points) != 3 {
		t.Fatalf("%d rounds, ladder %v, %d points", res.Rounds, res.Ladder, len(res.Points))
	}
	checkExact(t, res, exactAll(t, models), 5, 0.1)
	t.Logf("swap rates %.2f", res.SwapRate)
}

// Bad fixed ladders fail with one line saying what is wrong.
func TestFixedLadderBadInput(t *testing.T) {
	models := growingPath(6, 4, 1, 1, 1) // two models: the path is [0, 2]
	for _, tc := range []struct {
		ladder     []float64
		trajectory bool
		want       string
	}{
		{[]float64{}, false, "empty"},
		{[]float64{-0.5, 1}, false, "outside the path [0, 2]"},
		{[]float64{1, 2.5}, false, "outside the path [0, 2]"},
		{[]float64{math.NaN()}, false, "outside the path"},
		{[]float64{0, 1, 1}, false, "strictly ascending"},
		{[]float64{0, 1.5, 1}, false, "strictly ascending"},
		{[]float64{0, 2}, true, "1 is missing"},
		{[]float64{0.5, 1, 2}, true, "0 is missing"},
	} {
		o := DefaultTrajectoryOptions()
		o.Sweeps, o.Batches, o.Ladder = 20, 2, tc.ladder
		var err error
		if tc.trajectory {
			_, err = Trajectory(context.Background(), tensor.Default(), models, o)
		} else {
			_, err = PathTempering(context.Background(), tensor.Default(), models, o)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ladder %v: got %v, want one line about %q", tc.ladder, err, tc.want)
		}
	}
	// The adaptation options are not checked with a fixed ladder.
	o := TrajectoryOptions{Chains: 2, Sweeps: 4, Ladder: []float64{0, 2}}
	if _, err := PathTempering(context.Background(), tensor.Default(), models, o); err != nil {
		t.Errorf("fixed ladder without adaptation options: %v", err)
	}
}
