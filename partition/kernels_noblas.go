//go:build !openblas || !cgo

package partition

// Without the OpenBLAS build the AIS kernels are the pure-Go ones.

func (a *annealer) hidden(k, sampleAt int) { a.hiddenGo(k, sampleAt) }

func (a *annealer) visibleSample() { a.visibleSampleGo() }
