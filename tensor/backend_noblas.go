//go:build !openblas || !cgo

package tensor

func openBLAS() (Backend, bool) { return nil, false }

// HasOpenBLAS reports whether the OpenBLAS backend is compiled in.
const HasOpenBLAS = false

func simdPath() string               { return SIMDGo }
func cpuBestSIMD() string            { return "" }
func openBLASInfo() (string, string) { return "", "" }
