package tensor_test

import (
	"testing"

	"github.com/rbmscope/rbmscope/internal/simdpath"
)

// TestKernelsOnEveryPath reruns this package's kernel tests on every SIMD
// path and OpenBLAS core the CPU executes below its own.
func TestKernelsOnEveryPath(t *testing.T) {
	simdpath.RunTests(t, "^Test(BackendsAgree|ElementwiseBackendsAgree|GemmAllTransposes|GemmSplitWithinBound|KernelsIndependentOfParallelism|MulSparse|MulSparseT|SigmoidSampleFrequencies|Softplus|Exp32Accuracy)$")
}
