package dataset

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/rbmscope/rbmscope/tensor"
)

// Set is a binary data set: one 0/1 row per example, with optional labels
// (nil when unknown; otherwise one int per row).
type Set struct {
	X      *tensor.Mat32
	Labels []int
}

// Len is the number of examples.
func (s *Set) Len() int { return s.X.Rows }

// Width is the number of visible units.
func (s *Set) Width() int { return s.X.Cols }

// Subset returns the rows in idx (copied).
func (s *Set) Subset(idx []int) *Set {
	o := &Set{X: tensor.NewMat32(len(idx), s.X.Cols)}
	for r, i := range idx {
		copy(o.X.Row(r), s.X.Row(i))
	}
	if s.Labels != nil {
		o.Labels = make([]int, len(idx))
		for r, i := range idx {
			o.Labels[r] = s.Labels[i]
		}
	}
	return o
}

// Head returns the first n examples (all if n <= 0 or n > Len).
func (s *Set) Head(n int) *Set {
	if n <= 0 || n >= s.Len() {
		return s
	}
	o := &Set{X: s.X.Slice(0, n)}
	if s.Labels != nil {
		o.Labels = s.Labels[:n]
	}
	return o
}

// Digits keeps only examples whose label is in keep.
func (s *Set) Digits(keep []int) *Set {
	if len(keep) == 0 || s.Labels == nil {
		return s
	}
	var idx []int
	for i, l := range s.Labels {
		for _, k := range keep {
			if l == k {
				idx = append(idx, i)
				break
			}
		}
	}
	return s.Subset(idx)
}

// Means returns the per-column mean of the data.
func (s *Set) Means() []float64 {
	m := make([]float64, s.X.Cols)
	for i := 0; i < s.X.Rows; i++ {
		for j, v := range s.X.Row(i) {
			m[j] += float64(v)
		}
	}
	for j := range m {
		m[j] /= float64(max(s.X.Rows, 1))
	}
	return m
}

// Binarize selects how grey levels become 0/1.
type Binarize struct {
	Stochastic bool   // per-pixel Bernoulli(pixel/255) instead of a threshold
	Seed       uint64 // seed for stochastic binarisation
}

// binarize turns images of bytes into a 0/1 float32 matrix.
func (b Binarize) apply(img []byte, rows, cols int, purpose uint64) *tensor.Mat32 {
	m := tensor.NewMat32(rows, cols)
	if !b.Stochastic {
		for i, p := range img {
			if p >= 128 { // pixel/255 >= 0.5
				m.Data[i] = 1
			}
		}
		return m
	}
	key := tensor.NewStream(b.Seed, purpose).Key()
	tensor.ParallelRows(rows, cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			g := tensor.RowRand(key, r)
			for j := 0; j < cols; j++ {
				if g.Float64()*255 < float64(img[r*cols+j]) {
					m.Data[r*cols+j] = 1
				}
			}
		}
	})
	return m
}

// Split names a part of a data set.
type Split string

const (
	Train Split = "train"
	Test  Split = "test"
)

// Load reads a data set. spec is "mnist" (the real MNIST embedded in the
// binary, or the IDX directory that RBMSCOPE_MNIST names), a
// directory holding IDX files ({train,t10k}-images-idx3-ubyte[.gz] and
// labels), or a .npy file of a 0/1 matrix (same rows for both splits).
func Load(spec string, split Split, bin Binarize) (*Set, error) {
	switch {
	case spec == "" || strings.EqualFold(spec, "mnist"):
		return loadMNIST(split, bin)
	case strings.HasSuffix(strings.ToLower(spec), ".npy"):
		return LoadNPY(spec)
	default:
		st, err := os.Stat(spec)
		if err != nil {
			return nil, fmt.Errorf("data %q: not \"mnist\", an IDX directory or a .npy file (%v)", spec, err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("data %q: a file that is not .npy; give a directory of IDX files or a .npy 0/1 matrix", spec)
		}
		return LoadIDXDir(spec, split, bin)
	}
}

// LoadIDXDir reads the images (and labels, if present) of split from an
// MNIST-style directory.
func LoadIDXDir(dir string, split Split, bin Binarize) (*Set, error) {
	prefix := "train"
	if split == Test {
		prefix = "t10k"
	}
	imgPath := findFile(dir, prefix+"-images-idx3-ubyte", prefix+"-images.idx3-ubyte")
	if imgPath == "" {
		return nil, fmt.Errorf("no %s images in %s (want %s-images-idx3-ubyte or .gz)", split, dir, prefix)
	}
	img, err := ReadIDXFile(imgPath)
	if err != nil {
		return nil, err
	}
	var lab *IDX
	lp := findFile(dir, prefix+"-labels-idx1-ubyte", prefix+"-labels.idx1-ubyte")
	if lp != "" {
		if lab, err = ReadIDXFile(lp); err != nil {
			return nil, err
		}
	}
	return newIDXSet(imgPath, img, lp, lab, split, bin)
}

// newIDXSet binarises decoded images (and attaches labels when lab is not
// nil); the names are for errors.
func newIDXSet(imgName string, img *IDX, labName string, lab *IDX, split Split, bin Binarize) (*Set, error) {
	if len(img.Dims) != 3 {
		return nil, fmt.Errorf("%s: image file has %d dimensions, want 3 (count, rows, cols)", imgName, len(img.Dims))
	}
	n, w := img.Dims[0], img.Dims[1]*img.Dims[2]
	purpose := uint64(1)
	if split == Test {
		purpose = 2
	}
	set := &Set{X: bin.apply(img.Data, n, w, purpose)}
	if lab != nil {
		if len(lab.Dims) != 1 || lab.Dims[0] != n {
			return nil, fmt.Errorf("%s: %v labels for %d images", labName, lab.Dims, n)
		}
		set.Labels = make([]int, n)
		for i, l := range lab.Data {
			set.Labels[i] = int(l)
		}
	}
	return set, nil
}

func findFile(dir string, names ...string) string {
	for _, n := range names {
		for _, ext := range []string{".gz", ""} {
			p := filepath.Join(dir, n+ext)
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	return ""
}

// Shuffle returns a permutation of 0..n-1 drawn from seed and epoch.
func Shuffle(n int, seed, epoch uint64) []int {
	r := rand.New(rand.NewPCG(seed, epoch*0x9e3779b97f4a7c15+1))
	return r.Perm(n)
}
