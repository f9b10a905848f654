package study_test

import (
	"context"
	"fmt"

	"github.com/rbmscope/rbmscope/study"
)

// The trajectory estimate of a run next to AIS and reverse AIS of its
// first and last checkpoints, and the last checkpoint's bracket from both
// written to ll.json (what make best500 runs). Not run: it needs a run
// directory.
func ExampleEvalRunAll() {
	o := study.DefaultEvalOptions()
	o.Estimator, o.Every, o.LLJSON = "both", 100000, "runs/best500/ll.json"
	re, err := study.EvalRunAll(context.Background(), "runs/best500", o, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range re.Trajectory {
		fmt.Println(p)
	}
}

// Parallel tempering on the temperature path (an adaptive ladder of at
// most 256 rungs, neighbours swapping at rate ≥ 0.3), with the samples'
// digit classes and plain Gibbs beside them. Not run: it needs a model file.
func ExampleSamplePT() {
	o := study.SampleOptions{Chains: 1000, Steps: 1000, Scale: 2, Seed: 1, Init: "random", Data: "mnist", Show: "binary",
		PT: true, PTRungs: 256, PTTarget: 0.3, States: "samples.npy", Stats: "samples.json"}
	st, err := study.SamplePT("model.npz", "samples.png", o)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(st.Report())
}
