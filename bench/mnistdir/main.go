// Command mnistdir prints the directory that holds the MNIST IDX files
// (the GoMNIST module's data/ folder), for scripts.
package main

import (
	"fmt"
	"os"

	"github.com/rbmscope/rbmscope/dataset"
)

func main() {
	d, err := dataset.MNISTDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(d)
}
