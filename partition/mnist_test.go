package partition

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// trainCD1 trains an N×m RBM with plain CD-1 SGD on the rows of x (a small
// local loop, independent of package train).
func trainCD1(x *tensor.Mat32, m, epochs, batch int, lr float32, seed uint64) *rbm.Model {
	n := x.Cols
	md := rbm.New(n, m)
	g := tensor.RowRand(seed, 0)
	for i := range md.W.Data {
		md.W.Data[i] = 0.01 * g.NormFloat64()
	}
	copy(md.A, BaseRate(columnMeans(x)))
	p := md.To32()
	be := tensor.Default()
	s := rbm.NewSampler(be, p, tensor.NewStream(seed, 1))
	ph := tensor.NewMat32(batch, m)
	h := tensor.NewMat32(batch, m)
	pv := tensor.NewMat32(batch, n)
	v1 := tensor.NewMat32(batch, n)
	ph1 := tensor.NewMat32(batch, m)
	step := lr / float32(batch)
	for e := 0; e < epochs; e++ {
		for lo := 0; lo+batch <= x.Rows; lo += batch {
			v := x.Slice(lo, lo+batch)
			s.Hidden(v, ph, h)
			s.Visible(h, pv, v1)
			s.Hidden(v1, ph1, nil)
			be.Gemm(true, false, step, v, ph, 1, p.W)
			be.Gemm(true, false, -step, v1, ph1, 1, p.W)
			for r := 0; r < batch; r++ {
				for i, vi := range v.Row(r) {
					p.A[i] += step * (vi - v1.At(r, i))
				}
				for j, q := range ph.Row(r) {
					p.B[j] += step * (q - ph1.At(r, j))
				}
			}
		}
	}
	return p.Model()
}

// Real MNIST: a 784×20 RBM trained briefly with CD-1; AIS and reverse AIS
// (from exact model samples) land within 0.1 nats of the exact test
// log-likelihood, computed by enumerating the 2^20 hidden states.
func TestMNIST784x20AgainstExact(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on MNIST and runs long AIS chains")
	}
	train, err := dataset.Load("mnist", dataset.Train, dataset.Binarize{})
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	test, err := dataset.Load("mnist", dataset.Test, dataset.Binarize{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	md := trainCD1(train.X.Slice(0, 10000), 20, 2, 100, 0.05, 1)
	tTrain := time.Since(t0)
	t0 = time.Now()
	num, err := MeanNegFreeEnergy(md, test.X)
	if err != nil {
		t.Fatal(err)
	}
	lz, err := ExactLogZ(md)
	if err != nil {
		t.Fatal(err)
	}
	exact := num - lz
	tExact := time.Since(t0)
	opts := Options{Betas: mustSchedule(t, Linear, 10000), Chains: 100, BaseVisible: BaseRate(train.Means()), Seed: 1}
	ais, err := AIS(context.Background(), tensor.Default(), md, opts)
	if err != nil {
		t.Fatal(err)
	}
	start, err := ExactSamples(md, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	rais, err := ReverseAIS(context.Background(), tensor.Default(), md, start, opts)
	if err != nil {
		t.Fatal(err)
	}
	b := Bounds(num, ais, rais, LogMeanExpEstimator)
	t.Logf("train %v, exact %v (log Z %.4f), AIS %.1fs, RAIS %.1fs", tTrain.Round(time.Millisecond), tExact.Round(time.Millisecond), lz, ais.Seconds, rais.Seconds)
	t.Logf("test LL: exact %.4f, AIS %.4f±%.4f, RAIS %.4f±%.4f (mean estimators %.4f, %.4f)",
		exact, b.LLAIS, b.LLAISErr, b.LLRAIS, b.LLRAISErr, num-ais.LogZMean, num-rais.LogZMean)
	if exact > -80 || exact < -250 {
		t.Errorf("exact test LL %.2f is not that of a briefly trained MNIST RBM", exact)
	}
	if math.Abs(b.LLAIS-exact) > 0.1 || math.Abs(b.LLRAIS-exact) > 0.1 {
		t.Errorf("AIS %.4f or RAIS %.4f more than 0.1 nats from exact %.4f", b.LLAIS, b.LLRAIS, exact)
	}
}
