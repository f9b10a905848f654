package reciprocal

import (
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
)

// BenchmarkFullSVD784x3000 times NewFrame (full SVD) of a 784×3000 model.
func BenchmarkFullSVD784x3000(b *testing.B) {
	md := rbm.New(784, 3000)
	md.W = GaussianMatrix(784, 3000, 0.01, 1)
	for b.Loop() {
		if _, err := NewFrame(md, GaugeMuWPositive); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyze784x500 times a default Analyze (no data) of a 784×500 model.
func BenchmarkAnalyze784x500(b *testing.B) {
	md := randomModel(784, 500, 0.05, 0.1, 1)
	for b.Loop() {
		if _, err := Analyze(md, Options{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
