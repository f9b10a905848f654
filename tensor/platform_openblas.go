//go:build openblas && cgo

package tensor

// #cgo LDFLAGS: -lopenblas
// char *openblas_get_config(void);
// char *openblas_get_corename(void);
// int rbm_simd_path(void);
// int rbm_simd_best(void);
import "C"

import "strings"

// simdPath is the SIMD path the C kernels run.
func simdPath() string { return simdNames[int(C.rbm_simd_path())] }

// cpuBestSIMD is the highest SIMD path this CPU executes.
func cpuBestSIMD() string { return simdNames[int(C.rbm_simd_best())] }

// openBLASInfo returns OpenBLAS's build configuration and the name of the
// core whose kernels it runs (OPENBLAS_CORETYPE, when set, chooses it).
func openBLASInfo() (config, core string) {
	return strings.TrimSpace(C.GoString(C.openblas_get_config())), strings.TrimSpace(C.GoString(C.openblas_get_corename()))
}
