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
