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

func TestTrajectorySmallExact(t *testing.T) {
	models := growingPath(16, 10, 8, 1.2, 5)
	o := DefaultTrajectoryOptions()
	o.Chains, o.Sweeps, o.MinESS = 500, 1, 0.99
	res, err := Trajectory(context.Background(), tensor.Default(), models, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range res.Points {
		ex, err := ExactLogZ(models[i])
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("t=%d exact %.4f bar %.4f±%.4f lower %.4f±%.4f upper %.4f±%.4f rungs %d ess %.0f", i, ex, p.LogZ, p.LogZErr, p.LogZLower, p.LogZLowerErr, p.LogZUpper, p.LogZUpperErr, p.Rungs, p.MinESS)
	}
	t.Logf("rungs %d, %.2fs", res.Rungs, res.Seconds)
}
