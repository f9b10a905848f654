//go:build openblas && cgo

package tensor

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
import "C"

import "gonum.org/v1/netlib/blas/netlib"

// The OpenBLAS backend runs OpenBLAS single-threaded and splits each GEMM
// across the package's worker pool instead (splitGemm): one set of threads
// for GEMMs and elementwise kernels alike, never two sets competing for the
// cores, and no OpenBLAS thread wake-ups between the short products of a
// training step.
func init() {
	C.openblas_set_num_threads(1)
	defaultBackend = openBLASBackend
}

var openBLASBackend = blasBackend{name: "openblas", impl: netlib.Implementation{}, k: cKernels{}, split: true}

func openBLAS() (Backend, bool) { return openBLASBackend, true }

// HasOpenBLAS reports whether the OpenBLAS backend is compiled in.
const HasOpenBLAS = true
