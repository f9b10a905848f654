// Package study is the one library path from a run directory (or a model
// file) to results: evaluating log-likelihoods (EvalModel, EvalRun),
// analysing a model in reciprocal space (Analyze), and tracking a run's
// landscape with the rotation/JS study and the hierarchical probe
// (Symmetry). Each takes typed options whose JSON form is what a sweep
// plan stores, and each output file has one writer here.
//
// "rbmscope eval", "analyze" and "symmetry" are flag parsing and printing
// over this package; reproduce's per-run steps and sweep workers call the
// same functions in-process, so the three give byte-identical files.
package study
