//go:build openblas && cgo

package tensor

import (
	"fmt"
	"math"
	"testing"
)

// TestGemmSplitWithinBound checks the OpenBLAS backend's split GEMM against
// the whole product and a float64 reference. No BLAS promises that a block
// of C is rounded as in the whole product (OpenBLAS gives block edges other
// accumulators and picks kernels by size), so the test asks for what holds
// for any summation order: with u = 2⁻²⁴ and γ_n = n·u/(1 − n·u), a float32
// c = α·Σ_l a_il·b_lj + β·c0 over k terms is within γ_{k+2}·S of the exact
// value, S = |α|·Σ_l |a_il·b_lj| + |β·c0| (Higham, Accuracy and Stability of
// Numerical Algorithms, §3.1; two more roundings for α and β). The float64
// reference is exact to ~k·2⁻⁵³·S, far below that. So each of split and
// whole is within γ_{k+2}·S of the reference and within 2γ_{k+2}·S of the
// other. A misplaced part (wrong offset or stride) is off by O(S).
// Under the race detector only the smallest shape runs: 2, 3 and 7 parts
// take the same goroutine paths on it, and the float64 reference of the
// large ones is a serial triple loop that instrumentation slows 50-fold.
func TestGemmSplitWithinBound(t *testing.T) {
	whole := openBLASBackend
	whole.split = false
	shapes := [][3]int{{100, 784, 500}, {200, 500, 784}, {784, 500, 200}, {37, 61, 29}}
	if raceEnabled {
		shapes = shapes[3:]
	}
	for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		for _, sh := range shapes {
			m, n, k := sh[0], sh[1], sh[2]
			a, b := randMat(m, k, 1), randMat(k, n, 2)
			if tr[0] {
				a = randMat(k, m, 1)
			}
			if tr[1] {
				b = randMat(n, k, 2)
			}
			const alpha, beta = 0.7, 0.3
			c0 := randMat(m, n, 3)
			ref, scale := gemmRef(tr, alpha, a, b, beta, c0, m, n, k)
			g := float64(k+2) * 0x1p-24 / (1 - float64(k+2)*0x1p-24)
			want := NewMat32(m, n)
			copy(want.Data, c0.Data)
			whole.Gemm(tr[0], tr[1], alpha, a, b, beta, want)
			for _, parts := range []int{2, 3, 7, gemmParts(m, n, k)} {
				got := NewMat32(m, n)
				copy(got.Data, c0.Data)
				openBLASBackend.splitGemm(parts, tr[0], tr[1], alpha, a, b, beta, got)
				for i := range got.Data {
					s, x, w := scale[i], float64(got.Data[i]), float64(want.Data[i])
					if math.Abs(x-ref[i]) > g*s || math.Abs(w-ref[i]) > g*s || math.Abs(x-w) > 2*g*s {
						t.Fatalf("%s: %d parts, element %d: split %v, whole %v, exact %v, bound γS = %.3g",
							fmt.Sprint(tr, sh), parts, i, x, w, ref[i], g*s)
					}
				}
			}
		}
	}
}

// gemmRef returns α·op(A)·op(B) + β·C0 in float64 and, per element, the
// scale S = |α|·Σ|a·b| + |β·c0| of its rounding error.
func gemmRef(tr [2]bool, alpha float64, a, b *Mat32, beta float64, c0 *Mat32, m, n, k int) (ref, scale []float64) {
	at := func(i, l int) float64 {
		if tr[0] {
			return float64(a.At(l, i))
		}
		return float64(a.At(i, l))
	}
	bt := func(l, j int) float64 {
		if tr[1] {
			return float64(b.At(j, l))
		}
		return float64(b.At(l, j))
	}
	ref, scale = make([]float64, m*n), make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, sa float64
			for l := 0; l < k; l++ {
				p := at(i, l) * bt(l, j)
				s += p
				sa += math.Abs(p)
			}
			c := float64(c0.At(i, j))
			ref[i*n+j] = alpha*s + beta*c
			scale[i*n+j] = math.Abs(alpha)*sa + math.Abs(beta*c)
		}
	}
	return ref, scale
}

// TestGemmPartsShapeOnly pins the split of the products rbmscope runs (a
// change of it changes the bits of every result). That the split ignores
// GOMAXPROCS is tested end to end in internal/determinism.
func TestGemmPartsShapeOnly(t *testing.T) {
	for _, c := range []struct{ m, n, k, want int }{
		{10, 10, 10, 1},      // below minSplitFlops
		{100, 500, 784, 7},   // 500/64
		{100, 784, 500, 8},   // 784/64 = 12, capped
		{784, 500, 200, 8},   //
		{64, 64, 1 << 10, 1}, // long inner dimension, 64 columns: one part
	} {
		if got := gemmParts(c.m, c.n, c.k); got != c.want {
			t.Errorf("gemmParts(%d, %d, %d) = %d, want %d", c.m, c.n, c.k, got, c.want)
		}
	}
}
