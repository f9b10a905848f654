// Package autocorr measures how fast Markov chains forget: the
// autocovariance of an observable over many independent chains (by FFT,
// about the global mean), the integrated autocorrelation time
// τ = 1 + 2Σρ(l) with Sokal's automatic window and the Madras–Sokal error
// bar, and the exponential time. It is the one estimator behind every
// autocorrelation time rbmscope reports: the reciprocal-mode relaxation of
// package dynamics, the energy trace of parallel tempering (package
// partition) and the exchange statistics of trajectory-tempering training
// (package train).
//
// Everything is float64; sums over chains are taken in the order the
// chains are added, so results do not depend on GOMAXPROCS.
package autocorr
