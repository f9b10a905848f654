package partition_test

import (
	"testing"

	"github.com/rbmscope/rbmscope/internal/simdpath"
)

// TestKernelsOnEveryPath reruns the AIS kernel tests on every SIMD path and
// OpenBLAS core the CPU executes below its own.
func TestKernelsOnEveryPath(t *testing.T) {
	simdpath.RunTests(t, "^Test(HiddenKernel|VisibleKernel|ExpNeg32|AISBackendsAgree|AISZeroWeightsIsExact)$")
}
