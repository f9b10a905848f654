package train

import (
	"context"
	"testing"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/tensor"
)

func mnistTrain(b *testing.B) *dataset.Set {
	s, err := dataset.Load("mnist", dataset.Train, dataset.Binarize{})
	if err != nil {
		b.Skip(err)
	}
	return s
}

// BenchmarkCD1Epoch is one CD-1 epoch of a 784×500 RBM, batch 100, on the
// 60000 binarised MNIST training images (float32, default backend).
func BenchmarkCD1Epoch(b *testing.B) {
	data := mnistTrain(b)
	cfg := DefaultConfig()
	cfg.Method, cfg.K, cfg.Hidden, cfg.Batch = "cd", 1, 500, 100
	tr, err := NewTrainer(cfg, tensor.Default(), data)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := tr.TrainEpoch(context.Background(), data, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N), "s/epoch")
}

// BenchmarkPCD10Update is one PCD-10 update (784×500, batch 100).
func BenchmarkPCD10Update(b *testing.B) {
	data := mnistTrain(b)
	cfg := DefaultConfig()
	cfg.Method, cfg.K, cfg.Hidden, cfg.Batch = "pcd", 10, 500, 100
	tr, err := NewTrainer(cfg, tensor.Default(), data)
	if err != nil {
		b.Fatal(err)
	}
	batch := data.X.Slice(0, 100)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := tr.Update(batch); err != nil {
			b.Fatal(err)
		}
	}
}
