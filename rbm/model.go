// Package rbm defines the Bernoulli–Bernoulli restricted Boltzmann machine
//
//	E(v,h) = −aᵀv − bᵀh − vᵀWh,  v ∈ {0,1}^N, h ∈ {0,1}^M,
//
// its free energies and conditionals (float64, for analyses and tests), a
// float32 block-Gibbs sampler on a tensor.Backend (for training and
// sampling), and .npz files compatible with numpy.savez(path, W=W, a=a, b=b).
package rbm

import (
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/tensor"
)

// Model is an RBM with N visible and M hidden units. W is N×M.
type Model struct {
	W *tensor.Mat64
	A []float64 // visible biases, length N
	B []float64 // hidden biases, length M
}

// New returns a zero model with n visible and m hidden units.
func New(n, m int) *Model {
	return &Model{W: tensor.NewMat64(n, m), A: make([]float64, n), B: make([]float64, m)}
}

// NumVisible returns N.
func (m *Model) NumVisible() int { return m.W.Rows }

// NumHidden returns M.
func (m *Model) NumHidden() int { return m.W.Cols }

// Clone returns a deep copy.
func (m *Model) Clone() *Model {
	return &Model{W: m.W.Clone(), A: append([]float64(nil), m.A...), B: append([]float64(nil), m.B...)}
}

// Validate checks shapes and that every parameter is finite.
func (m *Model) Validate() error {
	if m.W == nil || m.W.Rows == 0 || m.W.Cols == 0 {
		return fmt.Errorf("W is empty")
	}
	if len(m.W.Data) != m.W.Rows*m.W.Cols {
		return fmt.Errorf("W has %d entries, want %d×%d", len(m.W.Data), m.W.Rows, m.W.Cols)
	}
	if len(m.A) != m.W.Rows {
		return fmt.Errorf("a has length %d but W has %d rows (visible units)", len(m.A), m.W.Rows)
	}
	if len(m.B) != m.W.Cols {
		return fmt.Errorf("b has length %d but W has %d columns (hidden units)", len(m.B), m.W.Cols)
	}
	for name, xs := range map[string][]float64{"W": m.W.Data, "a": m.A, "b": m.B} {
		for i, x := range xs {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%s has a non-finite entry (%v at flat index %d)", name, x, i)
			}
		}
	}
	return nil
}

// Params32 is the float32 copy of a model that the engine computes with.
type Params32 struct {
	W    *tensor.Mat32
	A, B []float32
}

// To32 converts the model to float32.
func (m *Model) To32() *Params32 {
	return &Params32{W: m.W.To32(), A: to32(m.A), B: to32(m.B)}
}

// Model converts float32 parameters back to a float64 Model (exactly).
func (p *Params32) Model() *Model {
	return &Model{W: p.W.To64(), A: to64(p.A), B: to64(p.B)}
}

func to32(x []float64) []float32 {
	o := make([]float32, len(x))
	for i, v := range x {
		o[i] = float32(v)
	}
	return o
}

func to64(x []float32) []float64 {
	o := make([]float64, len(x))
	for i, v := range x {
		o[i] = float64(v)
	}
	return o
}
