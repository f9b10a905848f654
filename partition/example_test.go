package partition_test

import (
	"context"
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// With W = 0 the units are independent: log Z = Σ sp(a_i) + Σ sp(b_j), and
// AIS from a base-rate model with a^A = a is exact with zero variance.
func Example() {
	m := rbm.New(3, 2)
	m.A = []float64{0.5, -1, 2}
	m.B = []float64{0.3, -0.2}
	lz, _ := partition.ExactLogZ(m)
	closed := 0.0
	for _, x := range append(append([]float64{}, m.A...), m.B...) {
		closed += math.Log1p(math.Exp(x))
	}
	betas, _ := partition.Schedule(partition.Linear, 100)
	ais, _ := partition.AIS(context.Background(), tensor.Default(), m, partition.Options{
		Betas: betas, Chains: 10, BaseVisible: m.A, Seed: 1})
	fmt.Printf("exact %.6f, closed form %.6f, AIS %.5f ± %.5f\n", lz, closed, ais.LogZ, ais.LogZErr)
	// Output: exact 4.866761, closed form 4.866761, AIS 4.86676 ± 0.00000
}

// The effective sample size says how many chains an AIS estimate really
// rests on: all of them when the weights are even, one when a single chain
// carries the sum.
func ExampleEffectiveSampleSize() {
	even := []float64{-3, -3, -3, -3}
	skewed := []float64{0, -40, -45, -50}
	fmt.Printf("even: %.2f of 4, skewed: %.2f of 4\n",
		partition.EffectiveSampleSize(even, false), partition.EffectiveSampleSize(skewed, false))
	// Output: even: 4.00 of 4, skewed: 1.00 of 4
}

// Warnings turns bounds that cannot be trusted into sentences: here reverse
// AIS from data put log Z below the AIS lower bound, so the model has
// high-probability states the data never reaches.
func ExampleWarnings() {
	ais := &partition.Result{Method: "ais", ESS: 180, Chains: 200, LogZ: 450.1, LogZErr: 0.2}
	rais := &partition.Result{Method: "rais", ESS: 190, Chains: 200, LogZ: 443.1, LogZErr: 0.2}
	b := partition.Bounds(356.4, ais, rais, partition.LogMeanExpEstimator)
	for _, w := range partition.Warnings(b, ais, rais) {
		fmt.Println(w[:50])
	}
	// Output: inverted sandwich: reverse-AIS log Z 443.10 is bel
}

// The trajectory estimator carries log Z along a run's checkpoints: here
// three models whose couplings grow, each compared with its exact log Z.
func ExampleTrajectory() {
	var models []*rbm.Model
	for t := 0; t < 3; t++ {
		m := rbm.New(6, 3)
		for i := range m.W.Data {
			m.W.Data[i] = 0.3 * float64(t) * math.Sin(float64(i))
		}
		models = append(models, m)
	}
	o := partition.DefaultTrajectoryOptions()
	o.Chains = 1000
	res, _ := partition.Trajectory(context.Background(), tensor.Default(), models, o)
	for i, p := range res.Points {
		exact, _ := partition.ExactLogZ(models[i])
		fmt.Printf("checkpoint %d: within 4 standard errors of exact: %v\n", i, math.Abs(p.LogZ-exact) < 4*p.LogZErr+1e-9)
	}
	// Output:
	// checkpoint 0: within 4 standard errors of exact: true
	// checkpoint 1: within 4 standard errors of exact: true
	// checkpoint 2: within 4 standard errors of exact: true
}

// Parallel tempering on a fixed ladder of the model's temperature path:
// the model and a flatter copy of it (half the couplings, β = 0.5). Chains
// swap their states, and the swap rate of each pair of neighbouring rungs
// says how well the ladder mixes.
func ExamplePathTempering() {
	m := rbm.New(8, 4)
	for i := range m.W.Data {
		m.W.Data[i] = math.Cos(float64(i))
	}
	res, _ := partition.PathTempering(context.Background(), tensor.Default(), []*rbm.Model{m},
		partition.TrajectoryOptions{Chains: 100, Sweeps: 200, Seed: 1, Ladder: []float64{0.5, 1}})
	fmt.Printf("%d rungs, %d samples of %d units, swap rate in (0, 1): %v\n",
		res.Rungs, res.Samples.Rows, res.Samples.Cols, res.SwapRate[0] > 0 && res.SwapRate[0] < 1)
	// Output: 2 rungs, 100 samples of 8 units, swap rate in (0, 1): true
}

// When model 1's free energy is model 0's plus a constant c on every state,
// Z1/Z0 = e^{−c} exactly, and every work is ±c: the Bennett estimate is −c
// and its error 0.
func ExampleBennettLogRatio() {
	const c = 0.7
	w0 := []float64{c, c, c, c}     // F1 − F0 on samples of model 0
	w1 := []float64{-c, -c, -c, -c} // F0 − F1 on samples of model 1
	r, se := partition.BennettLogRatio(w0, w1, nil)
	fmt.Printf("log Z1/Z0 = %.6f ± %.6f\n", r, se)
	// Output:
	// log Z1/Z0 = -0.700000 ± 0.000000
}

// After resampling, the final chains' weights count by family: four chains
// with weights 1:2:3:4 are worth more, as an estimate of Z, when each has
// its own initial chain (its eve) than when they come from two, and a
// single family leaves a relative variance of 1 whatever the weights.
func ExampleGenealogyVariance() {
	logw := []float64{0, math.Log(2), math.Log(3), math.Log(4)}
	fmt.Printf("independent: %.4f\n", partition.GenealogyVariance(logw, []int32{0, 1, 2, 3}, 0, false))
	fmt.Printf("two families after one resampling: %.4f\n", partition.GenealogyVariance(logw, []int32{0, 0, 3, 3}, 1, false))
	fmt.Printf("one family: %.4f\n", partition.GenealogyVariance(logw, []int32{1, 1, 1, 1}, 3, false))
	// Output:
	// independent: 0.0667
	// two families after one resampling: 0.2533
	// one family: 1.0000
}
