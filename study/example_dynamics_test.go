package study_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/study"
)

// Dynamics writes relaxation.csv (and the rest) for one model.
func ExampleDynamics() {
	dir, _ := os.MkdirTemp("", "dyn")
	defer os.RemoveAll(dir)
	md := rbm.New(16, 8)
	for i := range md.W.Data {
		md.W.Data[i] = 0.1 * float64(i%7-3)
	}
	path := filepath.Join(dir, "m.npz")
	_ = md.Save(path, rbm.Float64)
	o := study.DefaultDynamicsOptions()
	o.Modes, o.Chains, o.Sweeps, o.BurnIn, o.Particles, o.NoFigures = 2, 10, 200, 10, 20, true
	r, err := study.Dynamics(path, filepath.Join(dir, "out"), o)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(r.Modes), "modes;", filepath.Base(r.Files[0]))
	// Output: 2 modes; relaxation.csv
}

// DynamicsOf measures every checkpoint of a run directory with --run.
func ExampleDynamicsOf() {
	dir, _ := os.MkdirTemp("", "dynrun")
	defer os.RemoveAll(dir)
	md := rbm.New(12, 6)
	for i := range md.W.Data {
		md.W.Data[i] = 0.2 * float64(i%5-2)
	}
	_ = os.MkdirAll(filepath.Join(dir, "run", "checkpoints"), 0o755)
	for _, e := range []string{"epoch-0000.npz", "epoch-0001.npz"} {
		_ = md.Save(filepath.Join(dir, "run", "checkpoints", e), rbm.Float64)
	}
	o := study.DefaultDynamicsOptions()
	o.Modes, o.Chains, o.Sweeps, o.BurnIn = 2, 8, 200, 10
	err := study.DynamicsOf("", filepath.Join(dir, "run"), filepath.Join(dir, "out"), o)
	b, _ := os.ReadFile(filepath.Join(dir, "out", "relaxation_epochs.csv"))
	fmt.Println(err, len(strings.Split(strings.TrimSpace(string(b)), "\n"))-1, "rows")
	// Output: <nil> 4 rows
}
