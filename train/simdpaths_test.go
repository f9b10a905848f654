package train_test

import (
	"testing"

	"github.com/rbmscope/rbmscope/internal/simdpath"
)

// TestKernelsOnEveryPath reruns the pseudo-log-likelihood kernel tests and
// the fused-step test on every SIMD path and OpenBLAS core the CPU executes
// below its own.
func TestKernelsOnEveryPath(t *testing.T) {
	simdpath.RunTests(t, "^Test(PseudoLogLikelihoodBruteForce|PseudoLogLikelihoodMNISTShape|FusedSGDStepEqualsGradient|GradientMatchesExact)$")
}
