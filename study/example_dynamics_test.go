package study_test

import (
	"fmt"
	"os"
	"path/filepath"

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
