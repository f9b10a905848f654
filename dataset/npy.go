package dataset

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"codeberg.org/sbinet/npyio/npy"

	"github.com/rbmscope/rbmscope/tensor"
)

// LoadNPY reads a 2-D 0/1 matrix (rows are examples) from a .npy file of
// any float, int, uint or bool dtype.
func LoadNPY(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	r, err := npy.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s is not a .npy file: %v", path, err)
	}
	shape := r.Header.Descr.Shape
	if len(shape) != 2 || shape[0] == 0 || shape[1] == 0 {
		return nil, fmt.Errorf("%s: shape %v, want a 2-D (examples × units) 0/1 matrix", path, shape)
	}
	vals, err := readAsFloat(r, strings.Trim(r.Header.Descr.Type, "'\""))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	rows, cols := shape[0], shape[1]
	if len(vals) != rows*cols {
		return nil, fmt.Errorf("%s: %d values for shape %v (truncated?)", path, len(vals), shape)
	}
	m := tensor.NewMat32(rows, cols)
	for k, v := range vals {
		i, j := k/cols, k%cols
		if r.Header.Descr.Fortran {
			i, j = k%rows, k/rows
		}
		if v != 0 && v != 1 {
			return nil, fmt.Errorf("%s: entry (%d,%d) is %v; data must be 0/1", path, i, j, v)
		}
		m.Data[i*cols+j] = float32(v)
	}
	return &Set{X: m}, nil
}

func readAsFloat(r *npy.Reader, typ string) ([]float64, error) {
	switch typ {
	case "<f8":
		var d []float64
		return d, r.Read(&d)
	case "<f4":
		var d []float32
		err := r.Read(&d)
		return widen(d), err
	case "|u1", "<u1":
		var d []uint8
		err := r.Read(&d)
		return widen(d), err
	case "|i1", "<i1":
		var d []int8
		err := r.Read(&d)
		return widen(d), err
	case "<i8":
		var d []int64
		err := r.Read(&d)
		return widen(d), err
	case "<i4":
		var d []int32
		err := r.Read(&d)
		return widen(d), err
	case "|b1":
		var d []bool
		err := r.Read(&d)
		o := make([]float64, len(d))
		for i, b := range d {
			if b {
				o[i] = 1
			}
		}
		return o, err
	}
	return nil, fmt.Errorf("dtype %s not supported; save a float, int or bool 0/1 matrix", typ)
}

func widen[T float32 | uint8 | int8 | int32 | int64](d []T) []float64 {
	o := make([]float64, len(d))
	for i, v := range d {
		o[i] = float64(v)
	}
	return o
}
