package partition

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/rbmscope/rbmscope/internal/stats"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// split and positions, by hand: the parts add up to the total, each ≥ 1,
// the rest in proportion to the weights (rounded cumulative shares), and
// the positions of a schedule step evenly through each segment onto its
// node.
func TestSplitAndPositions(t *testing.T) {
	for _, tc := range []struct {
		total   int
		weights []float64
		want    []int
	}{
		{3, []float64{1, 1, 1}, []int{1, 1, 1}},
		{13, []float64{0, 1, 0, 3}, []int{1, 3, 1, 8}},   // rest 9: cumulative 0, 2.25→2, 2, 9
		{10, []float64{1, 1}, []int{5, 5}},               // rest 8: 4, 4
		{7, []float64{0, 0}, []int{4, 3}},                // no length: evenly, rest 5: 2.5→3 (half away from zero), 5
		{6, []float64{math.Inf(1), 1}, []int{3, 3}},      // not finite: evenly
		{5, []float64{math.NaN(), 1, 1}, []int{2, 1, 2}}, // NaN sum: evenly, rest 2: 0.67→1, 1.33→1, 2
		{1000, []float64{1e-300, 1}, []int{1, 999}},      // a vanishing weight still gets its step
		{4, []float64{2, 1e300, 1}, []int{1, 2, 1}},      // a huge one takes the rest
	} {
		got := split(tc.total, tc.weights)
		if !slices.Equal(got, tc.want) {
			t.Errorf("split(%d, %v) = %v, want %v", tc.total, tc.weights, got, tc.want)
		}
		if stats.Sum(got) != tc.total {
			t.Errorf("split(%d, %v) adds up to %d", tc.total, tc.weights, stats.Sum(got))
		}
	}
	if got, want := positions([]int{2, 1, 4}), []float64{0, 0.5, 1, 2, 2.25, 2.5, 2.75, 3}; !slices.Equal(got, want) {
		t.Errorf("positions = %v, want %v", got, want)
	}
}

// The pilot gives a segment between two equal models (length 0) a single
// step and the long segments the rest in proportion to their lengths: on
// the path base → θ → θ → 2θ-ish, the zero segment gets 1 step.
func TestPilotSchedule(t *testing.T) {
	a := randomModel(12, 8, 1.0, 0.5, 3)
	b := randomModel(12, 8, 2.0, 0.5, 4)
	models := []*rbm.Model{a, a.Clone(), b}
	lengths, err := PilotLengths(context.Background(), tensor.Default(), models, 100, 50, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if lengths[1] != 0 || !(lengths[0] > 0 && lengths[2] > 0) {
		t.Errorf("lengths %v: want 0 for the repeated model's segment only", lengths)
	}
	s := split(400, lengths)
	if len(s) != 3 || stats.Sum(s) != 400 || s[1] != 1 || s[0] < 20 || s[2] < 20 {
		t.Errorf("schedule %v: want 3 segments adding up to 400, the repeated model's segment 1 step, the others ≥ 20", s)
	}
	t.Logf("lengths %v, schedule %v", lengths, s)
}

// T-trajais.1 (unbiasedness, exact): along the 16×10 toy trajectory of
// T-traj.1 (9 checkpoints, exact log Z by enumeration), a deliberately short
// run (60 steps over 9 segments, 20 chains) gives at every checkpoint an
// estimate Ẑ_t whose mean over 300 independent runs is Z_t: the mean of
// Ẑ_t/Z_t must be 1 within 4 standard errors of that mean (the sd of the
// 300 ratios over √300), with and without resampling. So must the reverse
// run from exact samples of the last model, for Z/Ẑ (E[1/Ẑ] = 1/Z).
// An increment taken at the wrong position, or a Gibbs sweep that does not
// leave the step's distribution invariant, biases the short runs by far
// more: the runs' log Z spread is 0.1–0.5 nat.
// The ratios are positive with finite variance (the weights are bounded on
// a finite state space), so the mean of 300 is near normal; P(|z| > 4) ≈
// 6e-5 per comparison, 1e-3 over the 19.
func TestTrajectoryAISUnbiased(t *testing.T) {
	models := growingPath(16, 10, 8, 1.2, 5)
	exact := exactAll(t, models)
	const runs = 300
	for _, resample := range []float64{0, 0.5} {
		ratios := make([][]float64, len(models))
		resampled := 0
		for r := range runs {
			o := TrajectoryAISOptions{Steps: 60, Chains: 20, Resample: resample, Seed: uint64(r + 1)}
			res, err := TrajectoryAIS(context.Background(), tensor.Default(), models, o)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range res.Points {
				ratios[i] = append(ratios[i], math.Exp(p.LogZ-exact[i]))
			}
			resampled += res.Points[len(res.Points)-1].Resamples
		}
		if (resample > 0) != (resampled > 0) {
			t.Fatalf("resample %v: %d resampling events over the runs", resample, resampled)
		}
		for i, x := range ratios {
			m, sd := stats.MeanSD(x, 1)
			se := sd / math.Sqrt(runs)
			if math.Abs(m-1) > 4*se {
				t.Errorf("resample %v, checkpoint %d: mean Ẑ/Z = %.4f ± %.4f, want 1", resample, i, m, se)
			}
			if i == len(ratios)-1 || i == len(ratios)/2 {
				t.Logf("resample %v, checkpoint %d: mean Ẑ/Z = %.4f ± %.4f (sd %.3f)", resample, i, m, se, sd)
			}
		}
	}
	last := models[len(models)-1]
	var inv []float64
	for r := range runs {
		start, err := ExactSamples(last, 20, uint64(1000+r))
		if err != nil {
			t.Fatal(err)
		}
		o := TrajectoryAISOptions{Schedule: []int{10, 6, 6, 6, 6, 6, 6, 7, 7}, Resample: 0.5, Seed: uint64(r + 1)}
		res, err := ReverseTrajectoryAIS(context.Background(), tensor.Default(), models, start, o)
		if err != nil {
			t.Fatal(err)
		}
		inv = append(inv, math.Exp(exact[len(exact)-1]-res.LogZ))
	}
	m, sd := stats.MeanSD(inv, 1)
	if se := sd / math.Sqrt(runs); math.Abs(m-1) > 4*se {
		t.Errorf("reverse: mean Z/Ẑ = %.4f ± %.4f, want 1", m, se)
	}
	t.Logf("reverse: mean Z/Ẑ = %.4f ± %.4f (sd %.3f)", m, sd/math.Sqrt(runs), sd)
}

// T-trajais.2: one run with the default options but 2000 steps (200 of
// pilot) is within 4 of its own standard errors and 0.05 nat of the exact
// log Z at every checkpoint of the toy trajectory, for three seeds. The
// errors are the genealogy estimates (TestGenealogyVarianceMatchesSpread
// checks them against the spread of runs); the measured errors are 0.002–
// 0.01 nat, so 0.05 nat is 5 of the largest.
func TestTrajectoryAISExact(t *testing.T) {
	models := growingPath(16, 10, 8, 1.2, 5)
	exact := exactAll(t, models)
	o := DefaultTrajectoryAISOptions()
	o.Steps, o.Pilot = 2000, 200
	for seed := uint64(1); seed <= 3; seed++ {
		o.Seed = seed
		res, err := TrajectoryAIS(context.Background(), tensor.Default(), models, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Points) != len(models) || res.Steps != 2000 || stats.Sum(res.Schedule) != 2000 {
			t.Fatalf("%d points, %d steps (schedule %v)", len(res.Points), res.Steps, res.Schedule)
		}
		for i, p := range res.Points {
			if d := math.Abs(p.LogZ - exact[i]); d > 4*p.LogZErr || d > 0.05 {
				t.Errorf("seed %d, checkpoint %d: log Z %.4f ± %.4f, exact %.4f", seed, i, p.LogZ, p.LogZErr, exact[i])
			}
		}
		p := res.Points[len(res.Points)-1]
		t.Logf("seed %d: last %+.4f ± %.4f from exact, schedule %v", seed, p.LogZ-exact[len(exact)-1], p.LogZErr, res.Schedule)
	}
}

// Bad input gets one clear error, and the same seed gives the same bits.
func TestTrajectoryAISInputAndDeterminism(t *testing.T) {
	models := growingPath(8, 4, 3, 1, 2)
	ctx, be := context.Background(), tensor.Default()
	for name, o := range map[string]TrajectoryAISOptions{
		"too few steps":  {Steps: 3, Chains: 4},
		"no chains":      {Steps: 10},
		"bad resample":   {Steps: 10, Chains: 4, Resample: 2},
		"bad schedule":   {Schedule: []int{1, 2}, Chains: 4},
		"zero-step part": {Schedule: []int{1, 0, 1, 1}, Chains: 4},
		"negative pilot": {Steps: 10, Chains: 4, Pilot: -1},
	} {
		if _, err := TrajectoryAIS(ctx, be, models, o); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	bad := tensor.NewMat32(2, 8)
	bad.Data[0] = 0.5
	if _, err := ReverseTrajectoryAIS(ctx, be, models, bad, TrajectoryAISOptions{Steps: 10}); err == nil {
		t.Error("non-binary start states: no error")
	}
	o := TrajectoryAISOptions{Steps: 40, Pilot: 8, Chains: 16, Resample: 0.5, Seed: 7}
	r1, err := TrajectoryAIS(ctx, be, models, o)
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := TrajectoryAIS(ctx, be, models, o)
	for i := range r1.Points {
		if !slices.Equal(r1.Points[i].LogW, r2.Points[i].LogW) || r1.Points[i].LogZErr != r2.Points[i].LogZErr {
			t.Fatalf("checkpoint %d differs between two runs with one seed", i)
		}
	}
}
