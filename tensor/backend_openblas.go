//go:build openblas && cgo

package tensor

// #cgo LDFLAGS: -lopenblas
import "C"

import "gonum.org/v1/netlib/blas/netlib"

func init() {
	defaultBackend = blasBackend{name: "openblas", impl: netlib.Implementation{}, k: cKernels{}}
}

func openBLAS() (Backend, bool) {
	return blasBackend{name: "openblas", impl: netlib.Implementation{}, k: cKernels{}}, true
}

// HasOpenBLAS reports whether the OpenBLAS backend is compiled in.
const HasOpenBLAS = true
