package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rbmscope/rbmscope/train"
)

// rbmscopeBin is the rbmscope binary the end-to-end tests run: built once
// by TestMain, with the build tags of this test binary (testBuildTags), in
// a temporary directory removed when the tests end.
var rbmscopeBin string

func TestMain(m *testing.M) { os.Exit(runWithBinary(m)) }

func runWithBinary(m *testing.M) int {
	dir, err := os.MkdirTemp("", "rbmscope-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "temporary directory for the rbmscope binary:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "rbmscope")
	if out, err := exec.Command("go", "build", "-tags="+testBuildTags, "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build -tags=%q rbmscope: %v\n%s", testBuildTags, err, out)
		return 1
	}
	rbmscopeBin = bin
	return m.Run()
}

// testBinary returns the prebuilt rbmscope binary (see TestMain).
func testBinary(t *testing.T) string {
	t.Helper()
	if rbmscopeBin == "" {
		t.Fatal("rbmscope binary not built (TestMain did not run)")
	}
	return rbmscopeBin
}

// The binary under test has this test binary's backend: a one-epoch run
// records "openblas" in its run.json when the tests were built with
// -tags openblas and "gonum" without.
func TestBinaryHasTheTestBackend(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.npy")
	fmWriteNPY(t, data, 40, 16, 1)
	run := filepath.Join(dir, "run")
	if code, _, e := fmRun(t, testBinary(t), "train", "--data", data, "--hidden", "4", "--batch", "20", "--epochs", "1",
		"--eval-subset", "20", "--out", run, "--quiet"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, e)
	}
	info, err := train.ReadInfo(run)
	if err != nil {
		t.Fatal(err)
	}
	want := "gonum"
	if testBuildTags == "openblas" {
		want = "openblas"
	}
	if info.Backend != want {
		t.Errorf("binary built for tags %q runs backend %q, want %q", testBuildTags, info.Backend, want)
	}
}
