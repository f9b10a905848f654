package partition

import (
	"context"
	"testing"

	"github.com/rbmscope/rbmscope/tensor"
)

// BenchmarkAIS784x500 times AIS with 20000 betas and 200 chains on a
// 784×500 model (the paper's smallest size) on the default backend. Run it
// once with OpenBLAS at full speed:
//
//	env -u OPENBLAS_CORETYPE go test -tags openblas -bench AIS784 -benchtime 1x -run '^$' ./partition/
func BenchmarkAIS784x500(b *testing.B) {
	benchAIS(b, 20000)
}

// BenchmarkAISStep784x500 times 500 betas of the same run (per-β cost).
func BenchmarkAISStep784x500(b *testing.B) {
	benchAIS(b, 500)
}

func benchAIS(b *testing.B, k int) {
	md := randomModel(784, 500, 0.05, 0.5, 1)
	aA := make([]float64, 784)
	for i := range aA {
		aA[i] = -2
	}
	opts := Options{Betas: mustSchedule(b, Linear, k), Chains: 200, BaseVisible: aA, Seed: 1}
	be := tensor.Default()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := AIS(context.Background(), be, md, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.Seconds, "s/run")
		b.ReportMetric(r.Seconds/float64(k)*1e3, "ms/beta")
	}
	b.Logf("backend %s", be.Name())
}
