package rbm

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestLoadDamagedNPZ: archives whose .npy headers lie (huge or negative
// shapes, a 2 GiB header length, an unparsable header) give an error that
// names the file — no panic and no allocation beyond what the file holds.
func TestLoadDamagedNPZ(t *testing.T) {
	a := npyBytes("<f8", "(3,)", make([]byte, 24))
	b := npyBytes("<f8", "(2,)", make([]byte, 16))
	cases := map[string][]byte{
		"huge shape":        storedZip(t, "W.npy", npyBytes("<f4", "(99999, 99999)", make([]byte, 24)), "a.npy", a, "b.npy", b),
		"shape beyond data": storedZip(t, "W.npy", npyBytes("<f8", "(3000, 2000)", make([]byte, 48)), "a.npy", a, "b.npy", b),
		"negative shape":    storedZip(t, "W.npy", npyBytes("<f8", "(-3, 2)", make([]byte, 48)), "a.npy", a, "b.npy", b),
		"2 GiB header":      storedZip(t, "W.npy", []byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f{}"), "a.npy", a, "b.npy", b),
		"no newline":        storedZip(t, "W.npy", []byte("\x93NUMPY\x01\x00\x04\x00{}{}"), "a.npy", a, "b.npy", b),
		"garbled dict":      storedZip(t, "W.npy", []byte("\x93NUMPY\x01\x00\x28\x00{'shape': 'fortran_order': 'descr': }\n"), "a.npy", a, "b.npy", b),
		"not npy":           storedZip(t, "W.npy", []byte("hello"), "a.npy", a, "b.npy", b),
		"truncated data":    storedZip(t, "W.npy", npyBytes("<f8", "(3, 2)", make([]byte, 40)), "a.npy", a, "b.npy", b),
	}
	dir := t.TempDir()
	for name, data := range cases {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".npz")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m, err := Load(p)
		runtime.ReadMemStats(&after)
		if err == nil || m != nil {
			t.Errorf("%s: loaded %v, want an error", name, m)
			continue
		}
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
			t.Errorf("%s: allocated %d MiB for a %d-byte file", name, got>>20, len(data))
		}
	}
	// The well-formed version of the same archive loads.
	good := filepath.Join(dir, "good.npz")
	os.WriteFile(good, storedZip(t, "W.npy", npyBytes("<f8", "(3, 2)", make([]byte, 48)), "a.npy", a, "b.npy", b), 0o644)
	if m, err := Load(good); err != nil || m.NumVisible() != 3 || m.NumHidden() != 2 {
		t.Errorf("well-formed stored archive: %v", err)
	}
}
