// Package symmetry probes the rotational symmetry of a trained RBM in
// reciprocal space (docs/theory.md §Rotation to §Tracking): plane rotations (the direct formula and
// the Aguilera–Pérez-Aguila construction), consecutive random rotations in
// coordinate planes applied implicitly, the Jensen–Shannon divergence
// between the entries of W and of a rotated W′ (Fig. 4), the hierarchical
// probe that resamples the visible layer with rotated singular vectors
// (Fig. 6), Landau free-energy coefficients for a leading mode (docs/theory.md §Landau) and
// per-epoch tracking of the landscape of a training run (Figs. 7–8).
//
// Everything here is float64 except Gibbs sampling, which runs in float32
// on a tensor.Backend. Randomness comes from tensor streams derived from a
// seed, so the same seed gives the same numbers.
package symmetry
