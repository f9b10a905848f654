package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/dataset"
)

// data export writes the embedded MNIST files byte for byte, idempotently,
// and says what is wrong with a bad --out (exit 2).
func TestDataExport(t *testing.T) {
	bin := testBinary(t)
	out := filepath.Join(t.TempDir(), "shared", "mnist")
	for range 2 {
		code, stdout, stderr := fmRun(t, bin, "data", "export", "--out", out)
		if code != 0 {
			t.Fatalf("data export: exit %d: %s", code, stderr)
		}
		if got := strings.Fields(stdout); len(got) != len(dataset.MNISTFiles) {
			t.Fatalf("printed %q", stdout)
		}
	}
	ents, err := os.ReadDir(out)
	if err != nil || len(ents) != len(dataset.MNISTFiles) {
		t.Fatalf("%s holds %d entries (%v), want only the %d MNIST files", out, len(ents), err, len(dataset.MNISTFiles))
	}
	for _, name := range dataset.MNISTFiles {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := dataset.MNISTFile(name)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s differs from the embedded file", name)
		}
	}

	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"data", "export"}, "--out is required"},
		{[]string{"data", "export", "--out", file}, "is a file"},
		{[]string{"data"}, "needs a subcommand: export"},
	} {
		if code, _, stderr := fmRun(t, bin, c.args...); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if code, stdout, _ := fmRun(t, bin, "help", "data"); code != 0 || !strings.Contains(stdout, "rbmscope data export --out DIR") {
		t.Errorf("help data: exit %d: %s", code, stdout)
	}
}

// A copied binary trains on MNIST with no Go toolchain, module cache or
// MNIST files around it: the situation on a cluster node.
func TestMNISTNeedsNoToolchain(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on MNIST (-short)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "rbmscope")
	b, err := os.ReadFile(testBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "train", "--data", "mnist", "--train-limit", "200", "--hidden", "4", "--batch", "20",
		"--epochs", "1", "--eval-subset", "20", "--out", filepath.Join(dir, "run"), "--quiet")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=", "HOME=" + dir, "GOMODCACHE=" + filepath.Join(dir, "none"), "GOPATH=" + filepath.Join(dir, "none")}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("train on MNIST without Go: %v\n%s", err, out)
	}
}
