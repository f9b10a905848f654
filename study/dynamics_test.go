package study

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/internal/badinput"
	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

func dynModel(t *testing.T) string {
	md := rbm.New(30, 20)
	r := tensor.RowRand(8, 0)
	for i := range md.W.Data {
		md.W.Data[i] = 0.5 * r.NormFloat64()
	}
	p := filepath.Join(t.TempDir(), "m.npz")
	if err := md.Save(p, rbm.Float64); err != nil {
		t.Fatal(err)
	}
	return p
}

// Dynamics writes relaxation.csv with the header, one row per
// mode, leading first, and the same bytes for any GOMAXPROCS.
func TestDynamicsFiles(t *testing.T) {
	path := dynModel(t)
	o := DefaultDynamicsOptions()
	o.Modes, o.Chains, o.Sweeps, o.BurnIn, o.Particles, o.NoFigures = 4, 60, 300, 20, 50, true
	var outs [][]byte
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		dir := filepath.Join(t.TempDir(), "dyn")
		r, err := Dynamics(path, dir, o)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "relaxation.csv"))
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if lines[0] != "mode,sigma,omega_minus,omega_plus,tau_pred,tau,tau_err,unstable" || len(lines) != 5 {
			t.Fatalf("relaxation.csv:\n%s", b)
		}
		for k := 1; k < len(r.Modes); k++ {
			if r.Modes[k].Sigma > r.Modes[k-1].Sigma || !strings.HasPrefix(lines[k+1], string(rune('1'+k))+",") {
				t.Errorf("row %d out of order: %s", k+1, lines[k+1])
			}
		}
		for _, f := range []string{"relaxation_uw.csv", "leading.csv", "dynamics.json"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Error(err)
			}
		}
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("relaxation.csv differs between GOMAXPROCS 1 and 2")
	}
	run := t.TempDir()
	os.MkdirAll(filepath.Join(run, "checkpoints"), 0o755)
	md, _ := rbm.Load(path)
	for _, e := range []string{"epoch-0000.npz", "epoch-0001.npz", "epoch-0002.npz"} {
		if err := md.Save(filepath.Join(run, "checkpoints", e), rbm.Float64); err != nil {
			t.Fatal(err)
		}
	}
	ro := o
	ro.Every = 2
	rr, err := DynamicsRun(run, filepath.Join(run, "dynamics"), ro)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(run, "dynamics", "relaxation_epochs.csv"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 1+2*4 || lines[0] != "epoch,"+RelaxationHeader || !strings.HasPrefix(lines[5], "2,1,") {
		t.Errorf("relaxation_epochs.csv (epochs %v):\n%s", rr.Epochs, b)
	}
	// The same parameters and seed at epochs 0 and 2: the same rows.
	if strings.TrimPrefix(lines[1], "0,") != strings.TrimPrefix(lines[5], "2,") {
		t.Errorf("same model, same seed, different rows: %q vs %q", lines[1], lines[5])
	}
	bad := o
	bad.Chains = 0
	if _, err := Dynamics(path, t.TempDir(), bad); !badinput.Is(err) {
		t.Errorf("--chains 0: %v, want a bad-input error", err)
	}
	if _, err := DynamicsRun(t.TempDir(), t.TempDir(), o); !badinput.Is(err) {
		t.Errorf("a directory without checkpoints: %v, want a bad-input error", err)
	}
}
