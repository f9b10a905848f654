// Command cd1epoch times CD-1 epochs of a 784×500 RBM (batch 100, the
// 60000 binarised MNIST training images, float32) with rbmscope's trainer,
// printing one line per epoch: "<backend> <seconds>". It is the rbmscope
// side of bench/cd1.sh. With -breakdown it also times every backend
// operation and prints each one's share of the epoch to stderr.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/rbmscope/rbmscope/dataset"
	"github.com/rbmscope/rbmscope/tensor"
	"github.com/rbmscope/rbmscope/train"
)

func main() {
	epochs := flag.Int("epochs", 1, "epochs to time")
	backend := flag.String("backend", "", "openblas or gonum")
	breakdown := flag.Bool("breakdown", false, "time each backend operation and print the shares to stderr")
	opt := flag.String("optimizer", "sgd", "sgd (as scikit-learn and the NumPy/PyTorch loops) or adam")
	flag.Parse()
	be, ok := tensor.ByName(*backend)
	if !ok {
		fmt.Fprintln(os.Stderr, "backend not compiled in:", *backend)
		os.Exit(2)
	}
	data, err := dataset.Load("mnist", dataset.Train, dataset.Binarize{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg := train.DefaultConfig()
	cfg.Method, cfg.K, cfg.Hidden, cfg.Batch, cfg.Optimizer, cfg.LR, cfg.Momentum = "cd", 1, 500, 100, *opt, 0.01, 0
	var tb *timed
	if *breakdown {
		tb = &timed{Backend: be, t: map[string]time.Duration{}}
		be = tb
	}
	tr, err := train.NewTrainer(cfg, be, data)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for e := 0; e < *epochs; e++ {
		start := time.Now()
		if err := tr.TrainEpoch(context.Background(), data, nil); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		el := time.Since(start)
		fmt.Printf("%s %.4f\n", be.Name(), el.Seconds())
		if tb != nil {
			fmt.Fprint(os.Stderr, tb.report(el))
			clear(tb.t)
		}
	}
}
