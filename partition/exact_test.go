package partition

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// randomModel returns an n×m model with W ~ N(0, sw²) and biases ~ N(0, sb²).
func randomModel(n, m int, sw, sb float64, seed uint64) *rbm.Model {
	md := rbm.New(n, m)
	g := tensor.RowRand(seed, 0)
	for i := range md.W.Data {
		md.W.Data[i] = sw * g.NormFloat64()
	}
	for i := range md.A {
		md.A[i] = sb * g.NormFloat64()
	}
	for j := range md.B {
		md.B[j] = sb * g.NormFloat64()
	}
	return md
}

// randomData returns n random 0/1 rows of width w with P(1) = p.
func randomData(n, w int, p float64, seed uint64) *tensor.Mat32 {
	x := tensor.NewMat32(n, w)
	tensor.Bernoulli(x, p, seed)
	return x
}

// T1.1: log Z from the v-side, the h-side, the smaller layer and the joint.
func TestExactLogZAgrees(t *testing.T) {
	for _, c := range []struct{ n, m int }{{9, 6}, {6, 9}, {1, 1}, {3, 10}, {11, 2}} {
		md := randomModel(c.n, c.m, 0.5, 0.5, uint64(c.n*100+c.m))
		lz, err := ExactLogZ(md)
		if err != nil {
			t.Fatal(err)
		}
		lv, _ := ExactLogZFromVisible(md)
		lh, _ := ExactLogZFromHidden(md)
		lj, err := ExactLogZJoint(md)
		if err != nil {
			t.Fatal(err)
		}
		for name, x := range map[string]float64{"visible": lv, "hidden": lh, "joint": lj} {
			if math.Abs(x-lz) > 1e-10 {
				t.Errorf("%d×%d: log Z %s-side %.15g, smaller layer %.15g", c.n, c.m, name, x, lz)
			}
		}
		e, _ := newEnumerator(md, MaxExactUnits)
		if e.L != min(c.n, c.m) || e.hidden != (c.m <= c.n) {
			t.Errorf("%d×%d: enumerated %d units (hidden=%v), want the smaller layer", c.n, c.m, e.L, e.hidden)
		}
	}
}

// Several 2^16-state chunks, both orientations, against the other side.
func TestExactLogZManyChunks(t *testing.T) {
	for _, c := range []struct{ n, m int }{{18, 5}, {5, 18}} {
		md := randomModel(c.n, c.m, 0.3, 0.5, 7)
		lz, err := ExactLogZ(md)
		if err != nil {
			t.Fatal(err)
		}
		other, _ := ExactLogZFromVisible(md)
		if c.n > c.m {
			other, _ = ExactLogZFromHidden(md) // the cheap side is h; compare with v
			other2, _ := ExactLogZFromVisible(md)
			if math.Abs(other2-lz) > 1e-9 {
				t.Errorf("%d×%d: v-side %.15g vs %.15g", c.n, c.m, other2, lz)
			}
		} else {
			other, _ = ExactLogZFromHidden(md)
		}
		if math.Abs(other-lz) > 1e-9 {
			t.Errorf("%d×%d: %.15g vs %.15g", c.n, c.m, other, lz)
		}
	}
}

func TestExactLogZTooLarge(t *testing.T) {
	md := rbm.New(30, 26)
	_, err := ExactLogZ(md)
	var tl *TooLargeError
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), "limit is 25") || !strings.Contains(err.Error(), "min(N,M)=26") {
		t.Fatalf("want a TooLargeError naming the limit, got %v", err)
	}
	if CanEnumerate(md) || !CanEnumerate(rbm.New(784, 25)) {
		t.Fatal("CanEnumerate disagrees with MaxExactUnits")
	}
}

// Σ_v p(v) = 1 with p from ExactLogLikelihood of single rows, and the mean
// log-likelihood is the mean of per-row log p(v) = −F(v) − log Z.
func TestExactLogLikelihoodNormalised(t *testing.T) {
	md := randomModel(7, 5, 0.8, 0.5, 3)
	lz, _ := ExactLogZ(md)
	total := 0.0
	x := tensor.NewMat32(1, 7)
	all := tensor.NewMat32(1<<7, 7)
	mean := 0.0
	for s := 0; s < 1<<7; s++ {
		for i := 0; i < 7; i++ {
			x.Data[i] = float32(s >> i & 1)
			all.Set(s, i, x.Data[i])
		}
		ll, err := ExactLogLikelihood(md, x)
		if err != nil {
			t.Fatal(err)
		}
		v64 := make([]float64, 7)
		for i := range v64 {
			v64[i] = float64(x.Data[i])
		}
		if d := math.Abs(ll - (-md.FreeEnergyV(v64) - lz)); d > 1e-12 {
			t.Fatalf("state %d: log p off by %g", s, d)
		}
		total += math.Exp(ll)
		mean += ll / (1 << 7)
	}
	if math.Abs(total-1) > 1e-12 {
		t.Fatalf("Σ_v p(v) = %.15g", total)
	}
	got, _ := ExactLogLikelihood(md, all)
	if math.Abs(got-mean) > 1e-12 {
		t.Fatalf("mean log-likelihood %.15g, per-row mean %.15g", got, mean)
	}
	if _, err := MeanNegFreeEnergy(md, tensor.NewMat32(3, 6)); err == nil {
		t.Fatal("wrong data width accepted")
	}
}

// T1.2: Eqs. (6) against central finite differences of the exact mean
// log-likelihood.
func TestExactGradientFiniteDifferences(t *testing.T) {
	for _, c := range []struct{ n, m int }{{9, 6}, {5, 8}} {
		md := randomModel(c.n, c.m, 0.5, 0.5, 11)
		data := randomData(25, c.n, 0.4, 5)
		g, err := ExactGradient(md, data)
		if err != nil {
			t.Fatal(err)
		}
		ll := func(p *rbm.Model) float64 {
			v, err := ExactLogLikelihood(p, data)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		const eps = 1e-6
		var num, den float64
		check := func(name string, param, grad []float64) {
			for k := range param {
				old := param[k]
				param[k] = old + eps
				up := ll(md)
				param[k] = old - eps
				dn := ll(md)
				param[k] = old
				fd := (up - dn) / (2 * eps)
				num += (fd - grad[k]) * (fd - grad[k])
				den += grad[k] * grad[k]
				if math.Abs(fd-grad[k]) > 1e-7*max(1, math.Abs(grad[k])) {
					t.Errorf("%d×%d %s[%d]: exact %.10g, finite difference %.10g", c.n, c.m, name, k, grad[k], fd)
				}
			}
		}
		check("W", md.W.Data, g.W.Data)
		check("a", md.A, g.A)
		check("b", md.B, g.B)
		if rel := math.Sqrt(num / den); rel > 1e-6 {
			t.Errorf("%d×%d: relative gradient error %g", c.n, c.m, rel)
		}
	}
}

// ExactSamples reproduces p(v): per-state counts within 5 standard errors,
// for both the v-enumeration and the h-then-v|h path.
func TestExactSamplesMatchDistribution(t *testing.T) {
	for _, c := range []struct{ n, m int }{{4, 6}, {5, 3}} {
		md := randomModel(c.n, c.m, 0.9, 0.5, 21)
		const draws = 40000
		x, err := ExactSamples(md, draws, 1)
		if err != nil {
			t.Fatal(err)
		}
		counts := make([]float64, 1<<c.n)
		for r := 0; r < draws; r++ {
			s := 0
			for i, v := range x.Row(r) {
				s |= int(v) << i
			}
			counts[s]++
		}
		lz, _ := ExactLogZ(md)
		v := make([]float64, c.n)
		for s := range counts {
			for i := range v {
				v[i] = float64(s >> i & 1)
			}
			p := math.Exp(-md.FreeEnergyV(v) - lz)
			se := math.Sqrt(p * (1 - p) / draws)
			if d := math.Abs(counts[s]/draws - p); d > 5*se+1e-9 {
				t.Errorf("%d×%d state %d: frequency %.4f, p(v) %.4f (se %.4f)", c.n, c.m, s, counts[s]/draws, p, se)
			}
		}
		y, _ := ExactSamples(md, draws, 1)
		for i := range x.Data {
			if x.Data[i] != y.Data[i] {
				t.Fatal("same seed gave different samples")
			}
		}
	}
}
