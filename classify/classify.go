// Package classify labels 0/1 images with a 1-nearest-neighbour classifier
// and measures the class entropy of a set of samples: how many digit
// classes an RBM's samples cover (rbmscope sample's mixing diagnostic).
package classify

import (
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/tensor"
)

// NearestNeighbour is a 1-nearest-neighbour classifier in Hamming distance
// (squared Euclidean on 0/1 rows) over labelled reference rows.
type NearestNeighbour struct {
	ref    *tensor.Mat32
	labels []int
	ones   []float32 // |r|, the number of ones of each reference row
	be     tensor.Backend
}

// New returns a classifier over the rows of ref with the given labels
// (0 … 9 for MNIST); be computes the inner products.
func New(be tensor.Backend, ref *tensor.Mat32, labels []int) (*NearestNeighbour, error) {
	if ref == nil || ref.Rows == 0 || len(labels) != ref.Rows {
		return nil, fmt.Errorf("classifier: need labelled reference rows (got %d labels)", len(labels))
	}
	c := &NearestNeighbour{ref: ref, labels: labels, ones: make([]float32, ref.Rows), be: be}
	for r := range c.ones {
		for _, v := range ref.Row(r) {
			c.ones[r] += v
		}
	}
	return c, nil
}

// block is the number of queries per product (block × reference rows
// float32 scratch: 10 MB for 10000 references).
const block = 256

// Predict returns the label of the nearest reference row of every row of x
// (ties to the first). The distance |x| + |r| − 2x·r is exact in float32
// for 0/1 rows of fewer than 2^24 units.
func (c *NearestNeighbour) Predict(x *tensor.Mat32) ([]int, error) {
	if x.Cols != c.ref.Cols {
		return nil, fmt.Errorf("classifier: rows have %d units, the reference has %d", x.Cols, c.ref.Cols)
	}
	out := make([]int, x.Rows)
	dot := tensor.NewMat32(min(block, x.Rows), c.ref.Rows)
	for lo := 0; lo < x.Rows; lo += block {
		hi := min(lo+block, x.Rows)
		q := x.Slice(lo, hi)
		d := dot.Slice(0, hi-lo)
		c.be.Gemm(false, true, 1, q, c.ref, 0, d)
		for i := lo; i < hi; i++ {
			// |x| is the same for every reference row: minimise |r| − 2x·r.
			best, arg := float32(math.Inf(1)), 0
			for r, v := range d.Row(i - lo) {
				if s := c.ones[r] - 2*v; s < best {
					best, arg = s, r
				}
			}
			out[i] = c.labels[arg]
		}
	}
	return out, nil
}

// Entropy returns the class counts (classes 0 … k−1) of labels and the
// entropy −Σ p log p of their frequencies, in nats (log k at most).
func Entropy(labels []int, k int) ([]int, float64) {
	counts := make([]int, k)
	for _, l := range labels {
		if l >= 0 && l < k {
			counts[l]++
		}
	}
	h := 0.0
	for _, n := range counts {
		if n > 0 {
			p := float64(n) / float64(len(labels))
			h -= p * math.Log(p)
		}
	}
	return counts, h
}
