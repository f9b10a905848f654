package sweep_test

import (
	"fmt"

	"github.com/rbmscope/rbmscope/sweep"
)

// A spec expands into one entry per grid point and replica, each with a
// stable id and its full training configuration.
func ExampleExpand() {
	spec, err := sweep.ParseSpec([]byte(`
name: demo
hidden: [100, 500]
method: [pcd]
k: [10]
replicas: 2
train: {epochs: 20, seed: 7}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := sweep.Expand(spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range plan.Entries {
		fmt.Println(e.Index, e.ID, e.Config.Hidden, e.Config.Seed)
	}
	// Output:
	// 0 h100-pcd-k10-lr0.001-r0 100 7
	// 1 h100-pcd-k10-lr0.001-r1 100 8
	// 2 h500-pcd-k10-lr0.001-r0 500 7
	// 3 h500-pcd-k10-lr0.001-r1 500 8
}

// A worker's entry comes from --index, else from the scheduler's
// environment; worker.json records the engine.
func ExampleEntryFromEnv() {
	spec, _ := sweep.ParseSpec([]byte("name: demo\nhidden: [100, 500]\nmethod: [pcd]\nk: [10]\ntrain: {epochs: 20}\n"))
	plan, _ := sweep.Expand(spec)
	env := map[string]string{"SLURM_ARRAY_JOB_ID": "77", "SLURM_ARRAY_TASK_ID": "1"}
	getenv := func(k string) string { return env[k] }
	e, err := sweep.EntryFromEnv(plan, "", getenv)
	fmt.Println(e.ID, err)
	fmt.Println(sweep.EngineFromEnv(getenv))
	// Output:
	// h500-pcd-k10-lr0.001-r0 <nil>
	// slurm job 77_1
}
