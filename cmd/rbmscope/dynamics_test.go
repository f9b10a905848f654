package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rbmscope dynamics --model writes relaxation.csv with the header
// and one row per measured mode.
func TestDynamicsCommand(t *testing.T) {
	bin := testBinary(t)
	dir := t.TempDir()
	in := makeFailureInputs(t, dir)
	out := filepath.Join(dir, "dyn")
	code, _, stderr := fmRun(t, bin, "dynamics", "--model", in.model20, "--out", out, "--modes", "3", "--chains", "8",
		"--sweeps", "200", "--burn-in", "10", "--particles", "20", "--no-figures")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "relaxation.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if lines[0] != "mode,sigma,omega_minus,omega_plus,tau_pred,tau,tau_err,unstable" || len(lines) != 4 {
		t.Errorf("relaxation.csv:\n%s", b)
	}
}
