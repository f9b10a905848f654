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
