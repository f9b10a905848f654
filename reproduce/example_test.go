package reproduce_test

import (
	"fmt"

	"github.com/rbmscope/rbmscope/reproduce"
)

// The paper preset carries the authors' settings; flags override fields.
func ExamplePreset() {
	s, _ := reproduce.Preset("paper")
	fmt.Println(s.Hidden, s.Replicas, s.Method, s.Batch, s.Optimizer, s.Epochs)
	fmt.Println("AIS:", s.AISBetas, s.AISSchedule, "betas,", s.AISChains, "chains, every", s.EvalEvery, "epochs")
	s.Hidden, s.Epochs = []int{500}, 20
	fmt.Println(s.Validate() == nil, s.TrainConfig(500, 2).Seed)
	// Output:
	// [500 784 1200 3000] 5 pcd 500 adam 100
	// AIS: 20000 linear betas, 200 chains, every 10 epochs
	// true 3
}

// A dry run plans the paper preset without writing anything: the
// authors' k = 500 and 30 runs (4 sizes × 5 replicas, and CD and Rdm at
// M = 500 for Fig. 3f).
func ExampleNewDryRun() {
	s, _ := reproduce.Preset("paper")
	d, _ := reproduce.NewDryRun(s, "", false)
	fmt.Println(d.Settings.K, len(d.Runs), d.Runs[0].ID, d.Runs[len(d.Runs)-1].ID)
	// Output:
	// 500 30 h500-pcd-k500-lr0.001-r0 h500-rdm-k500-lr0.001-r4
}

// Two summaries' claims side by side: the verdicts must agree.
func ExampleCompareClaims() {
	a := []reproduce.Claim{{ID: "fig3f-pcd", Verdict: reproduce.VerdictHolds}, {ID: "fig7-opposite", Verdict: reproduce.VerdictHolds}}
	b := []reproduce.Claim{{ID: "fig3f-pcd", Verdict: reproduce.VerdictHolds}, {ID: "fig7-opposite", Verdict: reproduce.VerdictInconclusive}}
	pairs, agree := reproduce.CompareClaims(a, b)
	fmt.Println(agree, pairs[0].Same, pairs[1].Same)
	// Output:
	// false true false
}

// Estimate times a few updates per hidden size and extrapolates to the
// whole preset (the numbers depend on the machine).
func ExampleEstimate() {
	s, _ := reproduce.Preset("paper")
	if est, err := reproduce.Estimate(s); err == nil {
		fmt.Print(est)
	}
}
