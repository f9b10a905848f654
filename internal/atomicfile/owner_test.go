package atomicfile

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A temporary's name carries its writer, and parses back to it.
func TestTempNameCarriesWriter(t *testing.T) {
	dir := t.TempDir()
	var name string
	err := WriteFile(filepath.Join(dir, "x.csv"), func(w io.Writer) error {
		ents, _ := os.ReadDir(dir)
		name = ents[0].Name()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, TempPrefix("x.csv")) {
		t.Fatalf("temporary %q does not start with %q", name, TempPrefix("x.csv"))
	}
	w, ok := TempWriter(name)
	if !ok || w.Host != Self().Host || w.PID != os.Getpid() {
		t.Fatalf("TempWriter(%q) = %+v %v, want this process %+v", name, w, ok, Self())
	}
	for _, bad := range []string{"x.csv", ".x.csv.tmp-123", ".x.csv.tmp-host_notapid_1"} {
		if _, ok := TempWriter(bad); ok {
			t.Errorf("TempWriter(%q) claims a writer", bad)
		}
	}
}

// RemoveStale removes exactly the temporaries of writers that are gone.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` to start:", err)
	}
	dead := cmd.Process.Pid
	me := Self()
	parent := os.Getppid() // alive while the test runs
	old := time.Now().Add(-2 * StaleAge)
	files := []struct {
		name  string
		old   bool
		stale bool
	}{
		{".a.tmp-" + me.Host + "_" + itoa(me.PID) + "_1", false, false}, // this process: in flight
		{".b.tmp-" + me.Host + "_" + itoa(parent) + "_2", true, false},  // a live process on this host, however old
		{".c.tmp-" + me.Host + "_" + itoa(dead) + "_3", false, true},    // a process that is gone
		{".d.tmp-node-elsewhere_" + itoa(dead) + "_4", false, false},    // another host, recent
		{".e.tmp-node-elsewhere_" + itoa(parent) + "_5", true, true},    // another host, abandoned
		{".f.tmp-77", false, true},                                      // no identity (older versions)
		{"f.csv", true, false},                                          // not a temporary
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		os.WriteFile(p, []byte("x"), 0o644)
		if f.old {
			os.Chtimes(p, old, old)
		}
	}
	removed := RemoveStale(dir)
	for _, f := range files {
		_, err := os.Stat(filepath.Join(dir, f.name))
		gone := os.IsNotExist(err)
		if gone != f.stale || slices.Contains(removed, filepath.Join(dir, f.name)) != f.stale {
			t.Errorf("%s: removed %v, want %v", f.name, gone, f.stale)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
