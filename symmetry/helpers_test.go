package symmetry

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/tensor"
)

// gauss returns an r×c matrix of N(0, s²) entries from key.
func gauss(r, c int, s float64, key uint64) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		g := tensor.RowRand(key, i)
		for j := 0; j < c; j++ {
			m.Set(i, j, s*g.NormFloat64())
		}
	}
	return m
}

// randOrth returns a random n×n orthogonal matrix (QR of a Gaussian).
func randOrth(n int, key uint64) *mat.Dense {
	var qr mat.QR
	qr.Factorize(gauss(n, n, 1, key))
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

func maxAbsDiff(a, b mat.Matrix) float64 {
	r, c := a.Dims()
	var d float64
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			d = math.Max(d, math.Abs(a.At(i, j)-b.At(i, j)))
		}
	}
	return d
}

func checkOrthogonal(t *testing.T, r *mat.Dense, tol float64) {
	t.Helper()
	n, _ := r.Dims()
	var rrt mat.Dense
	rrt.Mul(r, r.T())
	if d := maxAbsDiff(&rrt, identity(n)); d > tol {
		t.Errorf("R Rᵀ − I = %.3g", d)
	}
	if d := mat.Det(r); math.Abs(d-1) > tol {
		t.Errorf("det R = %.15g, want 1", d)
	}
}
