package train_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/partition"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/tensor"
	"github.com/rbmscope/rbmscope/train"
)

// CD-1 on a toy set of two 6-pixel patterns, 111000 and 000111. The model
// is small enough for the exact average log-likelihood (partition), which
// starts at 6·log ½ ≈ −4.16 (near-zero weights, visible biases at the
// log-odds of the pixel means ½) and rises towards log ½ ≈ −0.69, the best
// possible for two equally frequent patterns. The trained value depends on
// the Gibbs samples, whose last bits differ between backends, so the example
// prints whether it got within 0.5 of the optimum rather than its digits.
func ExampleTrainer_TrainEpoch() {
	x := tensor.NewMat32(40, 6)
	for i := range x.Rows {
		for j := range 6 {
			if (j < 3) == (i%2 == 0) {
				x.Set(i, j, 1)
			}
		}
	}
	data := &dataset.Set{X: x}

	cfg := train.DefaultConfig()
	cfg.Method, cfg.K, cfg.Hidden, cfg.Batch, cfg.LR = "cd", 1, 2, 10, 0.05
	t, err := train.NewTrainer(cfg, tensor.Default(), data)
	if err != nil {
		panic(err)
	}
	ll := func() float64 {
		v, err := partition.ExactLogLikelihood(t.P.Model(), data.X)
		if err != nil {
			panic(err)
		}
		return v
	}
	fmt.Printf("epoch 0: LL = %.2f\n", ll())
	for range 200 {
		if err := t.TrainEpoch(context.Background(), data, nil); err != nil {
			panic(err)
		}
	}
	fmt.Printf("epoch %d (%d updates): LL within 0.5 of log ½: %v\n", t.Epoch, t.Updates, ll() > math.Log(0.5)-0.5)
	// Output:
	// epoch 0: LL = -4.16
	// epoch 200 (800 updates): LL within 0.5 of log ½: true
}

// A caller that does more than train in a run directory (a sweep worker:
// training, then its steps) owns it for the whole time and hands the
// lock to Run in RunOptions.Lock.
func ExampleOwnDir() {
	dir, _ := os.MkdirTemp("", "runs")
	defer os.RemoveAll(dir)
	lk, err := train.OwnDir(filepath.Join(dir, "run"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lk.Release()
	_, err = train.OwnDir(filepath.Join(dir, "run"))
	var busy *rundir.BusyError
	fmt.Println(errors.As(err, &busy))
	// Output: true
}

// PTT training carries log Z along the trajectory: after each epoch the
// parameters are a frozen checkpoint whose log Z PTTLogZ returns. On the
// two-pattern toy set the model is small enough to enumerate; the example
// prints whether PTT's value is within four of its standard errors.
func ExampleTrainer_PTTLogZ() {
	x := tensor.NewMat32(40, 6)
	for i := range x.Rows {
		for j := range 6 {
			if (j < 3) == (i%2 == 0) {
				x.Set(i, j, 1)
			}
		}
	}
	data := &dataset.Set{X: x}
	cfg := train.DefaultConfig()
	cfg.Method, cfg.K, cfg.Hidden, cfg.Batch, cfg.LR = "ptt", 5, 2, 10, 0.05
	t, err := train.NewTrainer(cfg, tensor.Default(), data)
	if err != nil {
		panic(err)
	}
	for range 20 {
		if err := t.TrainEpoch(context.Background(), data, nil); err != nil {
			panic(err)
		}
	}
	logZ, se := t.PTTLogZ()
	exact, err := partition.ExactLogZ(t.P.Model())
	if err != nil {
		panic(err)
	}
	fmt.Printf("checkpoints frozen: %v; log Z within 4σ of exact: %v\n", len(t.PTTCheckpoints()) > 5, math.Abs(logZ-exact) <= 4*se+1e-3)
	// Output:
	// checkpoints frozen: true; log Z within 4σ of exact: true
}
