package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The embedded files are the published MNIST, byte for byte
// (dataset/mnist/README.md lists the sums).
func TestEmbeddedMNISTChecksums(t *testing.T) {
	want := map[string]string{
		"train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
		"train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
		"t10k-images-idx3-ubyte.gz":  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
		"t10k-labels-idx1-ubyte.gz":  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
	}
	if len(MNISTFiles) != len(want) {
		t.Fatalf("MNISTFiles %v", MNISTFiles)
	}
	for _, name := range MNISTFiles {
		b, err := MNISTFile(name)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want[name] {
			t.Errorf("%s: sha256 %s, want %s", name, got, want[name])
		}
	}
	if _, err := MNISTFile("nope.gz"); err == nil {
		t.Fatal("unknown file accepted")
	}
}

// Loading MNIST needs no Go toolchain, module cache or home directory: the
// situation of a binary copied to a cluster node.
func TestMNISTWithoutGoToolchain(t *testing.T) {
	t.Setenv("PATH", "")
	t.Setenv("GOMODCACHE", "")
	t.Setenv("GOPATH", "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv(MNISTEnv, "")
	s, err := Load("mnist", Test, Binarize{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 10000 || s.Width() != 784 || len(s.Labels) != 10000 || s.Labels[0] != 7 {
		t.Fatalf("test split %d×%d, %d labels", s.Len(), s.Width(), len(s.Labels))
	}
}

func TestExportMNIST(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	paths, err := ExportMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 4 {
		t.Fatalf("paths %v", paths)
	}
	for i, p := range paths {
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := MNISTFile(MNISTFiles[i])
		if filepath.Base(p) != MNISTFiles[i] || !bytes.Equal(got, want) {
			t.Fatalf("%s differs from the embedded %s", p, MNISTFiles[i])
		}
	}
	// A second export leaves the files alone and writes no temporary files.
	if _, err := ExportMNIST(dir); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 4 {
		t.Fatalf("%d entries after a second export", len(ents))
	}
	// The exported directory loads like the embedded copy.
	a, err := LoadIDXDir(dir, Test, Binarize{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Load("mnist", Test, Binarize{})
	if !slices.Equal(a.X.Data, b.X.Data) {
		t.Fatal("exported MNIST loads differently")
	}
	// A file in the way of the directory is a clear error.
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := ExportMNIST(f); err == nil {
		t.Fatal("export into a file succeeded")
	}
}

func TestMNISTEnvOverride(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(MNISTEnv, dir)
	if d, err := MNISTDir(); err != nil || d != dir {
		t.Fatalf("MNISTDir = %q, %v", d, err)
	}
	_, err := Load("mnist", Train, Binarize{})
	if err == nil || !strings.Contains(err.Error(), MNISTEnv+"="+dir) || !strings.Contains(err.Error(), "unset it") {
		t.Fatalf("empty RBMSCOPE_MNIST directory: %v", err)
	}
	t.Setenv(MNISTEnv, "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	d, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadIDXDir(d, Test, Binarize{}); err != nil {
		t.Fatalf("MNISTDir %s: %v", d, err)
	}
}
