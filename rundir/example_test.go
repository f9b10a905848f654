package rundir_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/rbmscope/rbmscope/rundir"
)

// A process that trains in a run directory owns it; a second one is told
// who holds it.
func ExampleAcquire() {
	dir, _ := os.MkdirTemp("", "run")
	defer os.RemoveAll(dir)
	lk, err := rundir.Acquire(dir, time.Minute)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = rundir.Acquire(dir, time.Minute)
	var busy *rundir.BusyError
	fmt.Println(errors.As(err, &busy), busy.Holder.PID == os.Getpid())
	fmt.Println(lk.Check())
	lk.Release()
	_, err = os.Stat(rundir.LockPath(dir))
	fmt.Println(errors.Is(err, os.ErrNotExist))
	// Output:
	// true true
	// <nil>
	// true
}

// The trainer's rows and an evaluation's LL values meet in metrics.csv:
// neither overwrites the other.
func ExampleMergeMetrics() {
	dir, _ := os.MkdirTemp("", "run")
	defer os.RemoveAll(dir)
	m0, m1 := rundir.NewMetrics(0), rundir.NewMetrics(1)
	m0.PseudoLL, m1.PseudoLL = -0.7, -0.5
	rundir.MergeMetrics(dir, []rundir.Metrics{m0})
	rundir.UpdateLL(dir, 0, rundir.LL{AIS: -90.5, AISErr: 0.25, RAIS: math.NaN()}) // eval --run
	rundir.MergeMetrics(dir, []rundir.Metrics{m0, m1})                             // the next epoch
	ms, _ := rundir.ReadMetrics(dir)
	for _, m := range ms {
		fmt.Println(m.Epoch, m.PseudoLL, m.LLAIS)
	}
	// Output:
	// 0 -0.7 -90.5
	// 1 -0.5 NaN
}

// Writers of one output directory take turns.
func ExampleWithWriteLock() {
	dir, _ := os.MkdirTemp("", "analysis")
	defer os.RemoveAll(dir)
	err := rundir.WithWriteLock(dir, func() error {
		return os.WriteFile(dir+"/summary.json", []byte("{}\n"), 0o644)
	})
	fmt.Println(err)
	// Output: <nil>
}
