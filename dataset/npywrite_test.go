package dataset

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rbmscope/rbmscope/tensor"
)

// WriteNPY writes what LoadNPY reads back, with a header numpy accepts
// (length a multiple of 64), and refuses non-0/1 entries.
func TestWriteNPYRoundTrip(t *testing.T) {
	x := tensor.NewMat32(3, 5)
	for i := range x.Data {
		x.Data[i] = float32(i % 2)
	}
	path := filepath.Join(t.TempDir(), "s.npy")
	if err := WriteNPY(path, x); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if (len(b)-15)%64 != 0 || string(b[:6]) != "\x93NUMPY" {
		t.Fatalf("file of %d bytes starting %q", len(b), b[:6])
	}
	set, err := LoadNPY(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(set.X.Data, x.Data) || set.X.Rows != 3 || set.X.Cols != 5 {
		t.Fatalf("read back %v", set.X)
	}
	x.Data[0] = 0.5
	if err := WriteNPY(path, x); err == nil {
		t.Fatal("a non-0/1 entry was written")
	}
}
