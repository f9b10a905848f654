package partition

import (
	"context"
	"math"
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
// to N(0, 1.2²) over 8 checkpoints), the trajectory estimate is within 4
// standard errors and 0.1 nat of the exact log Z at every checkpoint for
// four seeds, and the exact value lies between the lower and the upper
// estimate widened by 4 of their standard errors. Gibbs mixes well on this
// model, so the particles are near equilibrium and only the noise of the
// weights is left; 4σ keeps the chance that any of the 4·9 comparisons
// fails by chance, with the errors' calibration measured in the log
// (z-scores of spread ≈ 1.2–1.7), below a few per cent.
func TestTrajectorySmallExact(t *testing.T) {
	models := growingPath(16, 10, 8, 1.2, 5)
	exact := make([]float64, len(models))
	for i, md := range models {
		var err error
		if exact[i], err = ExactLogZ(md); err != nil {
			t.Fatal(err)
		}
	}
	o := DefaultTrajectoryOptions()
	o.Chains = 500
	for seed := uint64(1); seed <= 4; seed++ {
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
			if p.LogZLower-4*p.LogZLowerErr > ex || p.LogZUpper+4*p.LogZUpperErr < ex {
				t.Errorf("seed %d, checkpoint %d: exact %.4f outside [%.4f ± %.4f, %.4f ± %.4f]", seed, i, ex, p.LogZLower, p.LogZLowerErr, p.LogZUpper, p.LogZUpperErr)
			}
		}
		t.Logf("seed %d: last checkpoint log Z %+.4f ± %.4f from exact, %d rungs", seed, res.Points[8].LogZ-exact[8], res.Points[8].LogZErr, res.Rungs)
	}
}
