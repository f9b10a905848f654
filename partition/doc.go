// Package partition measures the log-likelihood of an RBM honestly:
//
//   - ExactLogZ enumerates the smaller layer (up to MaxExactUnits units) in
//     float64, chunk-parallel with a running log-sum-exp;
//   - AIS (Salakhutdinov & Murray 2008) gives a stochastic lower bound on
//     log Z, hence an upper bound on the log-likelihood;
//   - ReverseAIS (Burda, Grosse & Salakhutdinov 2015) gives a stochastic
//     upper bound on log Z, hence a lower bound on the log-likelihood;
//   - Bounds combines num = mean −F(v) over a data set with both estimates.
//
// AIS and reverse AIS follow the geometric path between the joint Boltzmann
// weights of a base-rate model A (visible biases from data means, W=0, b=0)
// and the model (MATH.md §1.4–1.6). Chains run in float32 on a
// tensor.Backend with two GEMMs per inverse temperature β; per-chain
// log-weights are accumulated in float64.
package partition
