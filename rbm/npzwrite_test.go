package rbm

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rbmscope/rbmscope/internal/pyexec"
)

// NumPy reads every dtype and shape NPZWriter writes, bit for bit
// (including a value that rounds in float32, a negative zero and the
// largest uint64), and its header is the 64-byte-aligned format 1.0.
func TestNPZWriterNumpyReadsEveryDtype(t *testing.T) {
	py := pyexec.Python(t)
	var buf bytes.Buffer
	w := NewNPZWriter(&buf)
	w.Float32("f32", 2, 3, []float32{0.1, float32(math.Copysign(0, -1)), 1e-30, 3, float32(math.Pi), -7.5})
	w.Float64("f64", -1, 0, []float64{0.1, math.Inf(-1), -2.5e300})
	w.Int64("i64", []int64{-1, 1 << 62})
	w.Uint64("u64", []uint64{math.MaxUint64, 7})
	w.Float32("empty", 0, 5, nil)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "w.npz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	check := `import numpy as np, sys, zipfile
d = np.load(sys.argv[1])
f = d["f32"]
assert f.dtype == np.float32 and f.shape == (2, 3), (f.dtype, f.shape)
assert f.tobytes() == np.array([0.1, -0.0, 1e-30, 3, np.pi, -7.5], dtype=np.float32).tobytes()
g = d["f64"]
assert g.dtype == np.float64 and g.shape == (3,) and g[0] == 0.1 and g[1] == -np.inf and g[2] == -2.5e300
assert d["i64"].dtype == np.int64 and list(d["i64"]) == [-1, 1 << 62]
assert d["u64"].dtype == np.uint64 and list(d["u64"]) == [2**64 - 1, 7]
assert d["empty"].shape == (0, 5)
z = zipfile.ZipFile(sys.argv[1])
for i in z.infolist():
    assert i.compress_type == zipfile.ZIP_STORED, i
    raw = z.read(i.filename)
    hl = raw[8] | raw[9] << 8
    assert raw[:8] == b"\x93NUMPY\x01\x00" and (10 + hl) % 64 == 0, (i.filename, hl)
print("ok")`
	if out, err := exec.Command(py, "-c", check, p).CombinedOutput(); err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
}

// A shape that does not match the data is an error from Close, and nothing
// after it is written.
func TestNPZWriterShapeMismatch(t *testing.T) {
	w := NewNPZWriter(&bytes.Buffer{})
	w.Float64("W", 2, 2, []float64{1, 2, 3})
	w.Float64("a", -1, 0, []float64{1})
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "3 values for a 2×2 array") {
		t.Fatalf("err = %v", err)
	}
}
