package partition

import (
	"context"
	"testing"
	"time"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/rundir"
	"github.com/rbmscope/rbmscope/tensor"
	"github.com/rbmscope/rbmscope/train"
)

// sharpRun trains a small MNIST RBM with a high learning rate and returns
// its checkpoints (epoch 0 first) and the base rate of the training data.
func sharpRun(t *testing.T, hidden, epochs, limit int, lr float64) ([]*rbm.Model, []float64) {
	t.Helper()
	cfg := train.DefaultConfig()
	cfg.Hidden, cfg.Epochs, cfg.TrainLimit, cfg.LR, cfg.EvalSubset = hidden, epochs, limit, lr, 0
	cfg.Method, cfg.K = "pcd", 1
	dir := t.TempDir()
	if _, err := train.Run(context.Background(), cfg, train.RunOptions{Out: dir, Force: true}); err != nil {
		t.Fatal(err)
	}
	cks, err := rundir.Checkpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	var models []*rbm.Model
	for _, c := range cks {
		md, err := c.Load()
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, md)
	}
	set, err := dataset.Load("mnist", dataset.Train, dataset.Binarize{})
	if err != nil {
		t.Fatal(err)
	}
	return models, BaseRate(set.Head(limit).Means())
}

func TestTrajectoryMNISTSharp(t *testing.T) {
	t0 := time.Now()
	models, base := sharpRun(t, 12, 30, 2000, 0.003)
	t.Logf("train %v, %d checkpoints", time.Since(t0), len(models))
	t0 = time.Now()
	exact := make([]float64, len(models))
	for i, md := range models {
		var err error
		if exact[i], err = ExactLogZ(md); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("exact %v", time.Since(t0))
	o := DefaultTrajectoryOptions()
	o.BaseVisible = base
	o.Chains, o.Sweeps, o.MinESS = 200, 1, 0.99
	res, err := Trajectory(context.Background(), tensor.Default(), models, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range res.Points {
		t.Logf("t=%d exact %.4f bar %+.4f±%.4f lower %+.4f±%.4f upper %+.4f±%.4f rungs %d ess %.0f", i, exact[i], p.LogZ-exact[i], p.LogZErr, p.LogZLower-exact[i], p.LogZLowerErr, p.LogZUpper-exact[i], p.LogZUpperErr, p.Rungs, p.MinESS)
	}
	t.Logf("rungs %d, %.2fs", res.Rungs, res.Seconds)
	last := models[len(models)-1]
	ais, err := AIS(context.Background(), tensor.Default(), last, Options{Betas: mustSchedule(t, Linear, 2000), Chains: 100, BaseVisible: base, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("AIS 2000 betas: %+.4f ± %.4f, ess %.1f, %.2fs", ais.LogZ-exact[len(exact)-1], ais.LogZErr, ais.ESS, ais.Seconds)
}
