// Package determinism holds rbmscope's end-to-end bit-identity tests and
// nothing else: a few PCD, CD and PTT updates of a 784×500 RBM, forward and
// reverse AIS with 200 chains, the trajectory estimator (also with mode
// jumps, on the first 16 hidden units of two checkpoints, and AIS with
// them on the second), trajectory AIS
// (forward and reverse) and parallel tempering, and the reciprocal-space
// analysis, each run in child processes under GOMAXPROCS 1, 2, 3 and 8
// on the machine's own path and under 1 and 3 on every lower SIMD path and
// OpenBLAS core this CPU executes (forced through RBMSCOPE_SIMD and
// OPENBLAS_CORETYPE), and compared digest for digest.
//
// The guarantee they hold: the same binary, OpenBLAS build and core, and
// SIMD path give the same bits for the same seed and flags, for any number
// of threads. Different paths or cores may round differently.
package determinism
