package dataset

import (
	"bytes"
	"compress/gzip"
	"github.com/rbmscope/rbmscope/internal/pyexec"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func idxBytes(dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		b.Write([]byte{byte(d >> 24), byte(d >> 16), byte(d >> 8), byte(d)})
	}
	b.Write(data)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var o bytes.Buffer
	w := gzip.NewWriter(&o)
	w.Write(b)
	w.Close()
	return o.Bytes()
}

func TestReadIDX(t *testing.T) {
	good := idxBytes([]uint32{2, 2, 3}, []byte{0, 127, 128, 255, 1, 2, 3, 4, 5, 6, 7, 200})
	for name, in := range map[string][]byte{"raw": good, "gzip": gz(good)} {
		x, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(x.Dims) != 3 || x.Dims[0] != 2 || x.Data[11] != 200 {
			t.Fatalf("%s: decoded %v %v", name, x.Dims, x.Data)
		}
	}
	bad := map[string]struct {
		in   []byte
		want string
	}{
		"truncated data":   {good[:len(good)-3], "truncated"},
		"truncated gzip":   {gz(good)[:20], "truncated"},
		"truncated header": {good[:6], "truncated"},
		"wrong magic":      {append([]byte{1, 2, 8, 3}, good[4:]...), "wrong magic"},
		"float type":       {append([]byte{0, 0, 0x0d, 3}, good[4:]...), "not supported"},
		"empty":            {nil, "too short"},
		"corrupt gzip":     {append([]byte{0x1f, 0x8b, 9, 9}, good...), "gzip"},
		"zero dimension":   {idxBytes([]uint32{0, 28, 28}, nil), "empty"},
	}
	for name, c := range bad {
		_, err := ReadIDX(bytes.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", name, err, c.want)
		}
	}
}

func TestIDXDirAndBinarisation(t *testing.T) {
	dir := t.TempDir()
	img := idxBytes([]uint32{3, 1, 2}, []byte{0, 128, 127, 255, 64, 200})
	os.WriteFile(filepath.Join(dir, "t10k-images-idx3-ubyte"), img, 0o644)
	os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), gz(idxBytes([]uint32{3}, []byte{7, 1, 4})), 0o644)
	s, err := Load(dir, Test, Binarize{})
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 1, 0, 1, 0, 1}
	for i, w := range want {
		if s.X.Data[i] != w {
			t.Fatalf("threshold binarisation %v, want %v", s.X.Data, want)
		}
	}
	if s.Labels[2] != 4 || s.Digits([]int{1, 4}).Len() != 2 {
		t.Fatalf("labels %v", s.Labels)
	}
	if _, err := Load(dir, Train, Binarize{}); err == nil || !strings.Contains(err.Error(), "no train images") {
		t.Fatalf("missing split error: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), gz(idxBytes([]uint32{2}, []byte{7, 1})), 0o644)
	if _, err := Load(dir, Test, Binarize{}); err == nil || !strings.Contains(err.Error(), "labels for 3 images") {
		t.Fatalf("label count error: %v", err)
	}
}

func TestMNIST(t *testing.T) {
	tr, err := Load("mnist", Train, Binarize{})
	if err != nil {
		t.Fatal(err)
	}
	te, err := Load("mnist", Test, Binarize{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 60000 || te.Len() != 10000 || tr.Width() != 784 {
		t.Fatalf("MNIST sizes %d/%d × %d", tr.Len(), te.Len(), tr.Width())
	}
	var ones float64
	for _, m := range tr.Means() {
		ones += m
	}
	if f := ones / 784; f < 0.12 || f > 0.15 {
		t.Fatalf("fraction of ones %v, want ≈0.13", f)
	}
	st, err := Load("mnist", Test, Binarize{Stochastic: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	st2, _ := Load("mnist", Test, Binarize{Stochastic: true, Seed: 1})
	diff := 0
	for i := range st.X.Data {
		if st.X.Data[i] != st2.X.Data[i] {
			t.Fatal("stochastic binarisation not reproducible")
		}
		if st.X.Data[i] != te.X.Data[i] {
			diff++
		}
	}
	if diff == 0 {
		t.Fatal("stochastic binarisation equals the threshold")
	}
}

func TestLoadNPY(t *testing.T) {
	py := pyexec.Python(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "x.npy")
	bad := filepath.Join(dir, "bad.npy")
	script := `import numpy as np, sys
np.save(sys.argv[1], np.array([[0,1,1],[1,0,0]], dtype=np.uint8))
np.save(sys.argv[2], np.array([[0,0.5]]))`
	if out, err := exec.Command(py, "-c", script, p, bad).CombinedOutput(); err != nil {
		t.Fatal(string(out))
	}
	s, err := Load(p, Train, Binarize{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 || s.Width() != 3 || s.X.At(0, 2) != 1 || s.X.At(1, 0) != 1 {
		t.Fatalf("npy read %v", s.X.Data)
	}
	if _, err := Load(bad, Train, Binarize{}); err == nil || !strings.Contains(err.Error(), "must be 0/1") {
		t.Fatalf("non-binary error %v", err)
	}
}
