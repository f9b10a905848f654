// Package pyexec finds a Python 3 with NumPy for cross-check tests. Debian's
// /usr/bin/python3 (where scripts/setup.sh installs python3-numpy) comes
// first, since a python3 earlier on PATH (pyenv, a venv) may lack NumPy.
package pyexec

import (
	"os/exec"
	"testing"
)

// Python returns the path of a python3 that imports numpy (and the extra
// modules given), or skips the test saying how to install them.
func Python(t testing.TB, modules ...string) string {
	t.Helper()
	imports := "import numpy"
	for _, m := range modules {
		imports += ", " + m
	}
	for _, cand := range []string{"/usr/bin/python3", "python3"} {
		p, err := exec.LookPath(cand)
		if err != nil {
			continue
		}
		if exec.Command(p, "-c", imports).Run() == nil {
			return p
		}
	}
	t.Skipf("no python3 with %q found (scripts/setup.sh installs Debian's python3-numpy)", imports)
	return ""
}
