// Package dynamics moves the reciprocal-space picture: the Fokker–Planck
// generator and the Schrödinger operator of a potential Φ on a grid
// (docs/theory.md §Stiffness, Eqs. 33–38), Euler–Maruyama Langevin dynamics for the
// Gaussian-closure modes and for an empirical potential Φ(u) = −log p(u),
// and the measured relaxation of real block-Gibbs chains projected on the
// reciprocal modes (u_k, w_k): integrated autocorrelation times with
// Sokal's automatic window and Madras–Sokal error bars, set beside the
// closure's prediction (docs/dynamics.md).
//
// Everything is float64 except the Gibbs chains, which run in float32 on a
// tensor.Backend. Random numbers come from tensor streams keyed by
// (seed, purpose, group) and per-row generators, so results are the same
// bits for any GOMAXPROCS. The package knows nothing about files.
package dynamics
