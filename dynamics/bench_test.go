package dynamics

import (
	"os"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

// BenchmarkRelax784x500 is issue 17's performance target: the top 50
// modes of a 784×500 model from 200 chains × 10000 sweeps (after 100
// burn-in sweeps). RBMSCOPE_BENCH_MODEL names a trained .npz; without it
// the model has N(0, 0.01²) weights (the untrained initialisation, whose
// visible states are denser, so Gibbs sweeps cost at least as much).
// Run: go test -tags openblas -run '^$' -bench Relax784 -benchtime 1x ./dynamics/
func BenchmarkRelax784x500(b *testing.B) {
	md := rbm.New(784, 500)
	if p := os.Getenv("RBMSCOPE_BENCH_MODEL"); p != "" {
		var err error
		if md, err = rbm.Load(p); err != nil {
			b.Fatal(err)
		}
	} else {
		r := tensor.RowRand(1, 0)
		for i := range md.W.Data {
			md.W.Data[i] = 0.01 * r.NormFloat64()
		}
	}
	f, err := reciprocal.NewFrame(md, "")
	if err != nil {
		b.Fatal(err)
	}
	o := ChainOptions{Chains: 200, Sweeps: 10000, BurnIn: 100, Seed: 1}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Relax(md, f, 50, o); err != nil {
			b.Fatal(err)
		}
	}
}
