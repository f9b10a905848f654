package rbm

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"codeberg.org/sbinet/npyio/npz"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/tensor"
)

// DType selects the float width of saved arrays.
type DType int

const (
	Float32 DType = iota // numpy '<f4'
	Float64              // numpy '<f8'
)

// Save writes the model to path as an .npz with arrays W (N×M), a (N) and b
// (M), exactly as numpy.savez(path, W=W, a=a, b=b) would. The file is
// written atomically.
func (m *Model) Save(path string, dt DType) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("refusing to save an invalid model to %s: %w", path, err)
	}
	return WriteArrays(path, dt, map[string]*tensor.Mat64{
		"W": m.W,
		"a": {Rows: 1, Cols: len(m.A), Data: m.A},
		"b": {Rows: 1, Cols: len(m.B), Data: m.B},
	}, "a", "b")
}

// WriteArrays writes named float arrays to an .npz atomically. Names listed
// in vectors are stored 1-D, the others 2-D.
func WriteArrays(path string, dt DType, arrays map[string]*tensor.Mat64, vectors ...string) error {
	names := make([]string, 0, len(arrays))
	for k := range arrays {
		names = append(names, k)
	}
	slices.Sort(names)
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		zw := NewNPZWriter(w)
		for _, name := range names {
			m := arrays[name]
			rows := m.Rows
			if slices.Contains(vectors, name) {
				rows = -1
			}
			if dt == Float32 {
				zw.Float32(name, rows, m.Cols, to32(m.Data))
			} else {
				zw.Float64(name, rows, m.Cols, m.Data)
			}
		}
		return zw.Close()
	})
}

// Load reads an RBM from an .npz holding W (N×M), a (N) and b (M) as
// float32 or float64, and validates shapes and finiteness.
func Load(path string) (*Model, error) {
	arrs, err := ReadArrays(path, "W", "a", "b")
	if err != nil {
		return nil, err
	}
	W, a, b := arrs["W"], arrs["a"], arrs["b"]
	if W.Rows == 0 || W.Cols == 0 || len(W.Data) != W.Rows*W.Cols {
		return nil, fmt.Errorf("%s: W must be a 2-D N×M array", path)
	}
	m := &Model{W: W, A: a.Data, B: b.Data}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ReadArrays reads the named float arrays (float32 or float64, 1-D or 2-D,
// C or Fortran order) from an .npz. 1-D arrays come back as 1×n.
func ReadArrays(path string, names ...string) (out map[string]*tensor.Mat64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s is not an .npz file (not a zip archive: %v)", path, err)
	}
	r, err := npz.NewReader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s is not a readable .npz file: %v", path, err)
	}
	// The npy decoder trusts its headers; a damaged file must give an
	// error, not a crash or a huge allocation.
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("%s is a corrupt .npz file (%v)", path, p)
		}
	}()
	out = make(map[string]*tensor.Mat64, len(names))
	for _, name := range names {
		key := name + ".npy"
		if !slices.Contains(r.Keys(), key) {
			if !slices.Contains(r.Keys(), name) {
				return nil, fmt.Errorf("%s has no array %q (it has %s); an RBM file needs W, a and b as written by numpy.savez(path, W=W, a=a, b=b)", path, name, strings.Join(r.Keys(), ", "))
			}
			key = name
		}
		limit, err := entryLimit(zr, key, st.Size())
		if err != nil {
			return nil, fmt.Errorf("%s: array %s: %v", path, name, err)
		}
		m, err := readArray(r, key, limit)
		if err != nil {
			return nil, fmt.Errorf("%s: array %s: %v", path, name, err)
		}
		out[name] = m
	}
	return out, nil
}

// entryLimit checks the .npy preamble of an archive member and returns
// the most data bytes the member can really hold: its declared size, and
// no more than deflate can expand the bytes the file actually has.
func entryLimit(zr *zip.Reader, key string, fileSize int64) (int64, error) {
	var zf *zip.File
	for _, f := range zr.File {
		if f.Name == key {
			zf = f
			break
		}
	}
	if zf == nil {
		return 0, errors.New("missing")
	}
	size := int64(min(zf.UncompressedSize64, 1<<62))
	if zf.Method == zip.Store {
		size = min(size, fileSize)
	} else {
		size = min(size, 1100*min(int64(min(zf.CompressedSize64, 1<<50)), fileSize)+1024)
	}
	rc, err := zf.Open()
	if err != nil {
		return 0, fmt.Errorf("cannot open archive member: %v", err)
	}
	defer rc.Close()
	var pre [12]byte
	if _, err := io.ReadFull(rc, pre[:10]); err != nil || string(pre[:6]) != "\x93NUMPY" {
		return 0, errors.New("not a .npy array (bad magic or truncated)")
	}
	hdr := int64(binary.LittleEndian.Uint16(pre[8:10]))
	if pre[6] >= 2 {
		if _, err := io.ReadFull(rc, pre[10:12]); err != nil {
			return 0, errors.New("truncated .npy header")
		}
		hdr = int64(binary.LittleEndian.Uint32(pre[8:12]))
	}
	if hdr > 1<<16 || hdr+12 > size {
		return 0, fmt.Errorf("implausible .npy header length %d", hdr)
	}
	return size - hdr, nil
}

func readArray(r *npz.Reader, key string, limit int64) (*tensor.Mat64, error) {
	h := r.Header(key)
	if h == nil {
		return nil, errors.New("missing header")
	}
	shape := h.Descr.Shape
	var rows, cols int
	switch len(shape) {
	case 1:
		rows, cols = 1, shape[0]
	case 2:
		rows, cols = shape[0], shape[1]
	default:
		return nil, fmt.Errorf("has %d dimensions, want 1 or 2", len(shape))
	}
	if rows < 0 || cols < 0 || (cols > 0 && rows > (1<<34)/cols) {
		return nil, fmt.Errorf("implausible shape %v", shape)
	}
	if int64(rows)*int64(cols)*4 > limit {
		return nil, fmt.Errorf("shape %v needs more data than the file holds (truncated or corrupt)", shape)
	}
	var data []float64
	switch strings.Trim(h.Descr.Type, "'\"") {
	case "<f8", "float64":
		if err := r.Read(key, &data); err != nil {
			return nil, err
		}
	case "<f4", "float32":
		var d32 []float32
		if err := r.Read(key, &d32); err != nil {
			return nil, err
		}
		data = to64(d32)
	default:
		return nil, fmt.Errorf("has dtype %s; want float32 (<f4) or float64 (<f8)", h.Descr.Type)
	}
	if len(data) != rows*cols {
		return nil, fmt.Errorf("has %d values for shape %v (file truncated?)", len(data), shape)
	}
	m := &tensor.Mat64{Rows: rows, Cols: cols, Data: data}
	if h.Descr.Fortran && len(shape) == 2 {
		t := tensor.NewMat64(rows, cols)
		for j := 0; j < cols; j++ {
			for i := 0; i < rows; i++ {
				t.Data[i*cols+j] = data[j*rows+i]
			}
		}
		m = t
	}
	return m, nil
}
