package dataset_test

import (
	"fmt"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/tensor"
)

// A Set is one 0/1 row per example with optional labels. Digits keeps the
// examples of some labels, Subset picks rows, and Means gives the pixel
// means (from which train initialises the visible biases as log-odds).
func ExampleSet_Means() {
	s := &dataset.Set{
		X: &tensor.Mat32{Rows: 4, Cols: 3, Data: []float32{
			1, 1, 0, // a "1"
			1, 0, 0, // a "7"
			1, 1, 1, // a "1"
			0, 0, 1, // a "7"
		}},
		Labels: []int{1, 7, 1, 7},
	}
	fmt.Println("all:   ", s.Len(), "examples,", s.Width(), "pixels, means", s.Means())
	ones := s.Digits([]int{1})
	fmt.Println("digit 1:", ones.Len(), "examples, means", ones.Means())
	pick := s.Subset([]int{3, 0})
	fmt.Println("rows 3,0:", pick.Labels, "means", pick.Means())
	// Output:
	// all:    4 examples, 3 pixels, means [0.75 0.5 0.5]
	// digit 1: 2 examples, means [1 1 0.5]
	// rows 3,0: [7 1] means [0.5 0.5 0.5]
}

// Shuffle is the minibatch order of an epoch: a permutation fixed by the
// seed and the epoch number, so a resumed run draws the same batches.
func ExampleShuffle() {
	fmt.Println("epoch 1:", dataset.Shuffle(6, 1, 1))
	fmt.Println("epoch 1:", dataset.Shuffle(6, 1, 1))
	fmt.Println("epoch 2:", dataset.Shuffle(6, 1, 2))
	// Output:
	// epoch 1: [0 5 2 3 1 4]
	// epoch 1: [0 5 2 3 1 4]
	// epoch 2: [3 5 0 1 2 4]
}
