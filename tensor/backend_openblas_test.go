//go:build openblas && cgo

package tensor

import (
	"fmt"
	"testing"
)

// TestGemmSplitBitwise checks the claim that lets the OpenBLAS backend
// split GEMMs across workers without changing any number: OpenBLAS computes
// each element of C the same way whatever block of rows or columns it is
// called on, so split and whole products agree bit for bit, for every
// transpose case and for part counts that do not divide the sides.
func TestGemmSplitBitwise(t *testing.T) {
	whole := openBLASBackend
	whole.split = false
	for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		for _, sh := range [][3]int{{100, 784, 500}, {200, 500, 784}, {784, 500, 200}, {37, 61, 29}} {
			m, n, k := sh[0], sh[1], sh[2]
			a, b := randMat(m, k, 1), randMat(k, n, 2)
			if tr[0] {
				a = randMat(k, m, 1)
			}
			if tr[1] {
				b = randMat(n, k, 2)
			}
			c0 := randMat(m, n, 3)
			want := NewMat32(m, n)
			copy(want.Data, c0.Data)
			whole.Gemm(tr[0], tr[1], 0.7, a, b, 0.3, want)
			for _, parts := range []int{2, 3, 7} {
				got := NewMat32(m, n)
				copy(got.Data, c0.Data)
				openBLASBackend.splitGemm(parts, tr[0], tr[1], 0.7, a, b, 0.3, got)
				for i := range got.Data {
					if got.Data[i] != want.Data[i] {
						t.Fatalf("%s: split into %d differs at %d: %v vs %v", fmt.Sprint(tr, sh), parts, i, got.Data[i], want.Data[i])
					}
				}
			}
		}
	}
}
