package dataset

import (
	"bytes"
	"testing"
)

// FuzzReadIDX feeds arbitrary bytes (raw or gzip IDX, truncated, with
// absurd headers) to ReadIDX: it must never panic, never allocate more
// than the input can fill, and on success return dims whose product is the
// number of bytes.
func FuzzReadIDX(f *testing.F) {
	small := idxBytes([]uint32{2, 3, 3}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17})
	f.Add(small)
	f.Add(gz(small))
	f.Add(small[:len(small)-3])
	f.Add(gz(small)[:20])
	f.Add(idxBytes([]uint32{4}, []byte{1, 2, 3, 4}))
	f.Add(idxBytes([]uint32{0xffff, 0xffff}, nil))             // claims 4 GiB
	f.Add(gz(idxBytes([]uint32{60000, 28, 28}, []byte{1, 2}))) // claims 47 MB, has 2 bytes
	f.Add([]byte{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0})       // float element type
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := ReadIDX(bytes.NewReader(data))
		if err != nil {
			if x != nil {
				t.Fatalf("error %v with a non-nil result", err)
			}
			return
		}
		if len(x.Dims) < 1 || len(x.Dims) > 4 {
			t.Fatalf("%d dims", len(x.Dims))
		}
		total := 1
		for _, d := range x.Dims {
			if d <= 0 {
				t.Fatalf("dimension %d in %v", d, x.Dims)
			}
			total *= d
		}
		if total != len(x.Data) {
			t.Fatalf("dims %v (%d bytes) but %d data bytes", x.Dims, total, len(x.Data))
		}
		if len(data) < 4+4*len(x.Dims) || (data[0] != 0x1f && len(data) < 4+4*len(x.Dims)+total) {
			t.Fatalf("decoded %d bytes from a %d-byte raw input", total, len(data))
		}
	})
}
