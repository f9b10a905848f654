package dataset

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// TestReadIDXAllocationBoundedByInput feeds headers that claim up to 2 GiB
// of pixels but carry a few bytes: ReadIDX must fail as truncated without
// allocating anywhere near what the header claims.
func TestReadIDXAllocationBoundedByInput(t *testing.T) {
	for name, in := range map[string][]byte{
		"raw":  idxBytes([]uint32{65535, 32767}, []byte("a few bytes")),
		"gzip": gz(idxBytes([]uint32{65535, 32767}, []byte("a few bytes"))),
		"fuzz": []byte("\x00\x00\b\x02\x00\x00\xff\xff\x00\x00|||||||||\xff\xff"), // found by FuzzReadIDX
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := ReadIDX(bytes.NewReader(in))
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("%s: error %v, want truncated", name, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
			t.Errorf("%s: allocated %d MiB for an input of %d bytes", name, got>>20, len(in))
		}
	}
}

// TestReadIDXGzipChecksum: a gzip file whose data decodes but whose CRC
// does not match (bit rot in the trailer, or in a stored block) is corrupt.
func TestReadIDXGzipChecksum(t *testing.T) {
	good := gz(idxBytes([]uint32{3, 2, 2}, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}))
	if _, err := ReadIDX(bytes.NewReader(good)); err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(good)
	bad[len(bad)-8] ^= 0xff // first byte of the CRC-32 trailer
	if _, err := ReadIDX(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "corrupt gzip") {
		t.Errorf("flipped CRC: error %v, want corrupt gzip", err)
	}
	bad = bytes.Clone(good)
	bad[len(bad)-4] ^= 0x01 // ISIZE (length mod 2³²) trailer
	if _, err := ReadIDX(bytes.NewReader(bad)); err == nil {
		t.Error("wrong ISIZE accepted")
	}
}

// TestReadIDXEveryTruncation cuts a valid file (raw and gzip) at every
// length: each prefix is an error mentioning truncation or a bad header,
// never a panic or a short result.
func TestReadIDXEveryTruncation(t *testing.T) {
	raw := idxBytes([]uint32{2, 3, 3}, []byte("0123456789abcdefgh"))
	for name, full := range map[string][]byte{"raw": raw, "gzip": gz(raw)} {
		for n := 0; n < len(full); n++ {
			x, err := ReadIDX(bytes.NewReader(full[:n]))
			if err == nil {
				t.Errorf("%s cut at %d/%d: decoded %v", name, n, len(full), x.Dims)
			}
		}
	}
}
