// Package tensor holds the dense row-major matrices and the small set of
// compute operations that rbmscope's hot loops are written against.
//
// A Backend provides float32 GEMM (all transpose cases) and fused
// elementwise kernels (sigmoid with Bernoulli sampling, softplus row sums).
// Two backends exist: OpenBLAS through cgo (gonum's netlib binding, built
// with the "openblas" build tag) and pure-Go gonum (always available, the
// default when the tag is off or cgo is disabled). Elementwise kernels are
// shared by both backends and are goroutine-parallel over rows.
//
// Random numbers come from counter-based streams (Stream): every kernel
// call draws a fresh key from its stream and every row derives its own
// generator from that key and the row index, so results depend only on the
// seed, never on the number of goroutines or on scheduling.
package tensor
