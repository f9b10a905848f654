package tensor_test

import (
	"fmt"

	"github.com/rbmscope/rbmscope/tensor"
)

// C = A·B with the default backend (OpenBLAS under -tags openblas, gonum
// otherwise), then the same product of a 0/1 matrix by MulSparse, which adds
// the rows of B that the ones of A select. Small integers are exact in
// float32, so every backend prints the same numbers.
func ExampleBackend_Gemm() {
	be := tensor.Default()
	a := &tensor.Mat32{Rows: 2, Cols: 3, Data: []float32{
		1, 0, 1,
		0, 1, 1,
	}}
	b := &tensor.Mat32{Rows: 3, Cols: 2, Data: []float32{
		1, 2,
		3, 4,
		5, 6,
	}}
	c := tensor.NewMat32(2, 2)
	be.Gemm(false, false, 1, a, b, 0, c) // C = 1·A·B + 0·C
	fmt.Println("A·B       ", c.Row(0), c.Row(1))

	s := tensor.NewMat32(2, 2)
	be.MulSparse(a, b, s)
	fmt.Println("MulSparse ", s.Row(0), s.Row(1))

	at := tensor.NewMat32(3, 3)
	be.Gemm(true, false, 1, a, a, 0, at) // op(A) = Aᵀ: the 3×3 Gram matrix
	fmt.Println("AᵀA diag  ", at.At(0, 0), at.At(1, 1), at.At(2, 2))
	// Output:
	// A·B        [6 8] [8 10]
	// MulSparse  [6 8] [8 10]
	// AᵀA diag   1 1 2
}
