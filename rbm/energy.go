package rbm

import (
	"math"

	"github.com/rbmscope/rbmscope/tensor"
)

// Energy returns E(v,h) = −aᵀv − bᵀh − vᵀWh.
func (m *Model) Energy(v, h []float64) float64 {
	e := 0.0
	for i, vi := range v {
		if vi == 0 {
			continue
		}
		e -= m.A[i] * vi
		row := m.W.Row(i)
		for j, hj := range h {
			e -= vi * row[j] * hj
		}
	}
	for j, hj := range h {
		e -= m.B[j] * hj
	}
	return e
}

// HiddenField returns b + Wᵀv.
func (m *Model) HiddenField(v []float64) []float64 {
	f := append([]float64(nil), m.B...)
	for i, vi := range v {
		if vi == 0 {
			continue
		}
		for j, w := range m.W.Row(i) {
			f[j] += vi * w
		}
	}
	return f
}

// VisibleField returns a + Wh.
func (m *Model) VisibleField(h []float64) []float64 {
	f := append([]float64(nil), m.A...)
	for i := range f {
		row := m.W.Row(i)
		for j, hj := range h {
			f[i] += row[j] * hj
		}
	}
	return f
}

// FreeEnergyV returns F(v) = −aᵀv − Σ_j softplus(b_j + (Wᵀv)_j), so that
// log p(v) = −F(v) − log Z.
func (m *Model) FreeEnergyV(v []float64) float64 {
	f := 0.0
	for i, vi := range v {
		f -= m.A[i] * vi
	}
	for _, x := range m.HiddenField(v) {
		f -= tensor.Softplus64(x)
	}
	return f
}

// FreeEnergyH returns F(h) = −bᵀh − Σ_i softplus(a_i + (Wh)_i).
func (m *Model) FreeEnergyH(h []float64) float64 {
	f := 0.0
	for j, hj := range h {
		f -= m.B[j] * hj
	}
	for _, x := range m.VisibleField(h) {
		f -= tensor.Softplus64(x)
	}
	return f
}

// FreeEnergies returns F(v) for every row of data (rows are visible states),
// computed with one GEMM on the float64 matrix.
func (m *Model) FreeEnergies(data *tensor.Mat64) []float64 {
	out := make([]float64, data.Rows)
	tensor.ParallelRows(data.Rows, m.W.Cols*m.W.Rows/64+1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			out[r] = m.FreeEnergyV(data.Row(r))
		}
	})
	return out
}

// ProbHidden returns p(h_j=1|v) = sig(b_j + (Wᵀv)_j).
func (m *Model) ProbHidden(v []float64) []float64 {
	f := m.HiddenField(v)
	for j, x := range f {
		f[j] = Sigmoid(x)
	}
	return f
}

// ProbVisible returns p(v_i=1|h) = sig(a_i + (Wh)_i).
func (m *Model) ProbVisible(h []float64) []float64 {
	f := m.VisibleField(h)
	for i, x := range f {
		f[i] = Sigmoid(x)
	}
	return f
}

// Sigmoid is 1/(1+e^{−x}) in float64.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
