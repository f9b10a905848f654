// Package partition measures the log-likelihood of an RBM honestly:
//
//   - ExactLogZ enumerates the smaller layer (up to MaxExactUnits units) in
//     float64, chunk-parallel with a running log-sum-exp;
//   - AIS (Salakhutdinov & Murray 2008) gives a stochastic lower bound on
//     log Z, hence an upper bound on the log-likelihood;
//   - ReverseAIS (Burda, Grosse & Salakhutdinov 2015) gives a stochastic
//     upper bound on log Z, hence a lower bound on the log-likelihood;
//   - Trajectory carries log Z along a training run's checkpoints by
//     parallel tempering on the piecewise-linear parameter path from the
//     base-rate model through them, over a ladder that gets midpoint rungs
//     until neighbours swap often enough, with Bennett, forward and reverse
//     estimates from the swap statistics and batch-means errors;
//     PathTempering is the same sampler returning samples of the last model
//     (one model: its temperature path) with swap rates and the free-energy
//     trace of the target's chains (package autocorr turns it into an
//     autocorrelation time); TrajectoryOptions.Ladder fixes the rungs at
//     given positions on the path instead of adapting them (one model:
//     inverse temperatures; one rung: plain block Gibbs);
//     TrajectoryOptions.ModeJumps adds to every rung's Gibbs sweep a
//     Metropolis–Hastings jump of the smaller layer to states near the
//     modes a search found (jumps.go), which leaves every rung's
//     distribution as it is and lets chains reach basins that Gibbs never
//     enters (AutoModeJumps: on for layers of at most 32 units);
//     Options.ModeJumps does the same after every hidden sample of AIS and
//     reverse AIS (aisjumps.go);
//     TrajectoryOptions.Backbone runs the tempering path through some of
//     the models only and gives every other one a branch: plain AIS from
//     snapshots of the previous backbone model's chains along the straight
//     segment to it (branch.go);
//   - Bounds combines num = mean −F(v) over a data set with both estimates,
//     and Warnings says when they should not be trusted (an effective sample
//     size of a few chains, a collapsed genealogy, pooled runs that disagree,
//     or an inverted sandwich: spurious modes that the reverse chains' start
//     states miss);
//   - SearchModes gives a certified lower bound on log Z, with no sampling
//     error: the exact weights, the other layer summed out, of the local
//     maxima that greedy single-flip ascents of the smaller layer reach;
//     ModeWarnings flags AIS and reverse-AIS estimates below it (chains
//     that missed a mode holding more mass than their whole estimate, which
//     happens to AIS, reverse AIS and tempering alike on sharp models).
//
// Options.Resample turns both into sequential Monte Carlo samplers: chains
// are resampled in proportion to their weights whenever the effective sample
// size drops below that fraction of the chains (multinomial resampling). The
// estimates of Z and 1/Z stay unbiased, and on trained 784×500 models the
// weights no longer rest on a handful of chains (see the 784×500 table in
// docs/likelihood.md). Resampled chains share ancestors, so their standard
// error comes from GenealogyVariance (Lee & Whiteley 2018), not from a
// bootstrap over chains, which understates it. Pool combines independent
// runs and tests, by a χ² on their spread, that their errors are right.
//
// AIS and reverse AIS follow the geometric path between the joint Boltzmann
// weights of a base-rate model A (visible biases from data means, W=0, b=0)
// and the model (docs/theory.md §AIS, §RAIS, §Bounds). Chains run in float32 on a
// tensor.Backend with two products with W per inverse temperature β (v·W as
// a sparse row sum when v is 0/1); the elementwise half of a step is fused,
// in C with the OpenBLAS build and in Go otherwise, and per-chain
// log-weights are accumulated in float64.
package partition
