package rbm

import (
	"math"
	"testing"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/tensor"
)

// mnistLikeModel returns the model and starting states of bench/gibbssweep:
// a 784×m RBM whose visible biases are the log-odds of the binarised MNIST
// pixel means (clamped to [0.001, 0.999]), hidden biases zero and
// W ~ N(0, 0.01²), with r chains started from the first r MNIST images, so
// that about 13 % of the visible units are on, as with MNIST.
func mnistLikeModel(b *testing.B, m, r int) (*Params32, *tensor.Mat32) {
	data, err := dataset.Load("mnist", dataset.Train, dataset.Binarize{})
	if err != nil {
		b.Skip(err)
	}
	md := New(data.Width(), m)
	for j, mu := range data.Means() {
		mu = min(max(mu, 0.001), 0.999)
		md.A[j] = math.Log(mu / (1 - mu))
	}
	key := tensor.NewStream(1, 0x77).Key()
	for i := 0; i < md.W.Rows; i++ {
		g := tensor.RowRand(key, i)
		for j := range md.W.Row(i) {
			md.W.Data[i*md.W.Cols+j] = 0.01 * g.NormFloat64()
		}
	}
	return md.To32(), data.X.Slice(0, r).Clone()
}

// BenchmarkGibbsSweep784x500x500 is one block-Gibbs sweep v → h → v
// (sampling both layers, float32) of 500 chains of a 784×500 RBM with
// MNIST-like visible states, as in PCD-k, AIS and the landscapes; see
// bench/gibbs.sh for the comparison with NumPy and PyTorch.
func BenchmarkGibbsSweep784x500x500(b *testing.B) {
	p, v0 := mnistLikeModel(b, 500, 500)
	bes := []tensor.Backend{tensor.Gonum()}
	if tensor.Default().Name() != "gonum" {
		bes = append(bes, tensor.Default())
	}
	for _, be := range bes {
		b.Run(be.Name(), func(b *testing.B) {
			s := NewSampler(be, p, tensor.NewStream(1, 0x61bb5))
			c := NewChains(v0.Rows, v0.Cols, p.W.Cols)
			copy(c.V.Data, v0.Data)
			s.Hidden(c.V, c.ProbH, c.H) // warm-up sweep
			s.Visible(c.H, c.ProbV, c.V)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Hidden(c.V, c.ProbH, c.H)
				s.Visible(c.H, c.ProbV, c.V)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sweeps/s")
		})
	}
}
