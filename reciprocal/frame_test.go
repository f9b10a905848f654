package reciprocal

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
)

// randomModel returns an N×M model with N(0, s²) weights and N(0, sb²) biases.
func randomModel(n, m int, s, sb float64, seed uint64) *rbm.Model {
	r := rand.New(rand.NewPCG(seed, 7))
	md := rbm.New(n, m)
	for i := range md.W.Data {
		md.W.Data[i] = s * r.NormFloat64()
	}
	for i := range md.A {
		md.A[i] = sb * r.NormFloat64()
	}
	for j := range md.B {
		md.B[j] = sb * r.NormFloat64()
	}
	return md
}

func randomBinary(n int, p float64, r *rand.Rand) []float64 {
	v := make([]float64, n)
	for i := range v {
		if r.Float64() < p {
			v[i] = 1
		}
	}
	return v
}

// T2.1: Eq. 3 equals Eq. 15 for N>M, N<M, N=M and a rank-deficient W.
func TestEnergyIdentity(t *testing.T) {
	for _, c := range []struct {
		name string
		n, m int
		rank int // 0 = full
	}{{"N>M", 12, 7, 0}, {"N<M", 6, 11, 0}, {"N=M", 8, 8, 0}, {"rank-deficient", 9, 7, 3}} {
		t.Run(c.name, func(t *testing.T) {
			md := randomModel(c.n, c.m, 0.7, 0.5, 1)
			if c.rank > 0 {
				// W = A Bᵀ with inner dimension rank.
				a := randomModel(c.n, c.rank, 1, 0, 2).W
				b := randomModel(c.m, c.rank, 1, 0, 3).W
				for i := 0; i < c.n; i++ {
					for j := 0; j < c.m; j++ {
						s := 0.0
						for r := 0; r < c.rank; r++ {
							s += a.At(i, r) * b.At(j, r)
						}
						md.W.Set(i, j, s)
					}
				}
			}
			for _, g := range []Gauge{GaugeMuWPositive, GaugeColsumUPositive} {
				f, err := NewFrame(md, g)
				if err != nil {
					t.Fatal(err)
				}
				if c.rank > 0 && f.Rank != c.rank {
					t.Fatalf("rank %d, want %d", f.Rank, c.rank)
				}
				r := rand.New(rand.NewPCG(5, 5))
				for trial := 0; trial < 20; trial++ {
					v, h := randomBinary(c.n, 0.5, r), randomBinary(c.m, 0.5, r)
					e3 := md.Energy(v, h)
					e15 := f.Energy(f.ProjectV(v), f.ProjectH(h))
					if math.Abs(e3-e15) > 1e-12*math.Max(1, math.Abs(e3)) {
						t.Fatalf("gauge %s: Eq.3 %v != Eq.15 %v", g, e3, e15)
					}
				}
			}
		})
	}
}
