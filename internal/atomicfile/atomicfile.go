// Package atomicfile writes files so that a reader never sees a half-written
// one: data goes to a temporary file in the same directory, is synced, and
// is then renamed over the target.
//
// A temporary file belongs to its writer: its name, .NAME.tmp-WRITER_PID_RAND,
// carries the writer's host (and PID namespace) and process id, so that
// RemoveStale deletes only the temporaries of writers that are gone and
// never the in-flight file of a live process (another worker on the same
// run, another node of a cluster).
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile creates path atomically with the bytes that write produces.
func WriteFile(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, TempPrefix(filepath.Base(path))+"*")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %w", dir, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	// Fchmod on the open file, not chmod on its name: the name is this
	// writer's alone, but a file descriptor cannot be pulled away.
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename to %s: %w", path, err)
	}
	return nil
}

// WriteBytes is WriteFile for a byte slice.
func WriteBytes(path string, b []byte) error {
	return WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
