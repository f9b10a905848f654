// Package tensor holds the dense row-major matrices and the small set of
// compute operations that rbmscope's hot loops are written against.
//
// A Backend provides float32 GEMM (all transpose cases), products with 0/1
// states as sums of selected rows (MulSparse for v·W, MulSparseT for the
// weight gradient vᵀh; inputs with more than 30 % nonzeros go to GEMM) and
// fused elementwise kernels (sigmoid with Bernoulli sampling, softplus row
// sums, Adam and momentum steps). Two backends exist: OpenBLAS through cgo
// (gonum's netlib binding, built with the "openblas" build tag; the
// elementwise and sparse kernels are C, compiled once per SIMD path —
// AVX-512, AVX2 and the x86-64 baseline — with the best one the CPU
// executes chosen at start-up, or a lower one forced with
// RBMSCOPE_SIMD=avx512|avx2|generic) and pure-Go gonum (always available,
// the default when the tag is off or cgo is disabled; Go kernels).
//
// Parallel work runs on one pool of GOMAXPROCS threads (ParallelRows, and
// the OpenBLAS backend's GEMMs, which it splits across the pool with
// OpenBLAS itself single-threaded): the workers spin briefly between
// kernels, because waking an idle thread per kernel costs as much as a
// kernel on a VM.
//
// Determinism. Every parallel split — the parts of a GEMM (gemmParts), the
// row ranges of a kernel (RowChunks) — is a function of the shapes alone,
// never of GOMAXPROCS, and every reduction combines its parts in a fixed
// order. So: the same binary, OpenBLAS build and core (OPENBLAS_CORETYPE),
// SIMD path and Go version give the same bits for the same seed and flags,
// for any number of threads. Another SIMD path or OpenBLAS core may round
// differently (vector widths and kernels change the order of sums).
// Platform records these facts for a run; internal/determinism tests the
// guarantee under GOMAXPROCS 1, 2, 3 and 8 on every path a CPU executes.
//
// Random numbers come from counter-based streams (Stream): every kernel
// call draws a fresh key from its stream and every row derives its own
// generator from that key and the row index, so results depend only on the
// seed, never on the number of goroutines or on scheduling.
package tensor
