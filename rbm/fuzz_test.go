package rbm

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadNPZ writes arbitrary bytes to a file and loads it as a model:
// Load must never panic, and either fail or return a model that passes
// Validate.
func FuzzLoadNPZ(f *testing.F) {
	dir := f.TempDir()
	for i, dt := range []DType{Float32, Float64} {
		m := New(3, 2)
		for k := range m.W.Data {
			m.W.Data[k] = float64(k) - 2.5
		}
		m.A[1], m.B[0] = 0.5, -1
		p := filepath.Join(dir, "seed"+string(rune('0'+i))+".npz")
		if err := m.Save(p, dt); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	// Stored (uncompressed) archives, as numpy.savez writes them, with
	// headers the fuzzer can edit in place.
	w := npyBytes("<f8", "(3, 2)", make([]byte, 48))
	a := npyBytes("<f8", "(3,)", make([]byte, 24))
	b := npyBytes("<f8", "(2,)", make([]byte, 16))
	f.Add(storedZip(f, "W.npy", w, "a.npy", a, "b.npy", b))
	f.Add(storedZip(f, "W.npy", npyBytes("<f4", "(99999999, 99999)", make([]byte, 24)), "a.npy", a, "b.npy", b))
	f.Add(storedZip(f, "W.npy", npyBytes("<f8", "(-3, 2)", make([]byte, 48)), "a.npy", a, "b.npy", b))
	f.Add(storedZip(f, "W.npy", npyBytes("<i8", "(3, 2)", make([]byte, 48)), "a.npy", a, "b.npy", b))
	f.Add(storedZip(f, "W.npy", []byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f{}"), "a.npy", a, "b.npy", b))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Add([]byte("not a zip"))
	path := filepath.Join(dir, "fuzz.npz")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Load(path)
		if err != nil {
			if m != nil {
				t.Fatalf("error %v with a non-nil model", err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("Load returned an invalid model: %v", err)
		}
		n, h := m.NumVisible(), m.NumHidden()
		if int64(n)*int64(h)*4 > int64(len(data))*1100 {
			t.Fatalf("%d×%d model from %d bytes", n, h, len(data))
		}
		for _, x := range m.W.Data {
			if math.IsNaN(x) {
				t.Fatal("NaN weight")
			}
		}
	})
}

// npyBytes builds a version-1.0 .npy file with the given header fields.
func npyBytes(descr, shape string, data []byte) []byte {
	hdr := "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	var buf bytes.Buffer
	buf.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&buf, binary.LittleEndian, uint16(len(hdr)))
	buf.WriteString(hdr)
	buf.Write(data)
	return buf.Bytes()
}

// storedZip builds a zip of (name, bytes) pairs without compression.
func storedZip(f testing.TB, kv ...any) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(kv); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: kv[i].(string), Method: zip.Store})
		if err != nil {
			f.Fatal(err)
		}
		w.Write(kv[i+1].([]byte))
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}
