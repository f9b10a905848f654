package tensor

import "fmt"

// Mat32 is a dense row-major float32 matrix.
type Mat32 struct {
	Rows, Cols int
	Data       []float32
}

// NewMat32 returns a zeroed r×c matrix.
func NewMat32(r, c int) *Mat32 {
	return &Mat32{Rows: r, Cols: c, Data: make([]float32, r*c)}
}

// Row returns row i as a slice sharing the matrix storage.
func (m *Mat32) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// At returns element (i, j).
func (m *Mat32) At(i, j int) float32 { return m.Data[i*m.Cols+j] }

// Set sets element (i, j).
func (m *Mat32) Set(i, j int, v float32) { m.Data[i*m.Cols+j] = v }

// Clone returns a deep copy.
func (m *Mat32) Clone() *Mat32 {
	c := &Mat32{Rows: m.Rows, Cols: m.Cols, Data: make([]float32, len(m.Data))}
	copy(c.Data, m.Data)
	return c
}

// Slice returns rows [lo, hi) sharing storage.
func (m *Mat32) Slice(lo, hi int) *Mat32 {
	return &Mat32{Rows: hi - lo, Cols: m.Cols, Data: m.Data[lo*m.Cols : hi*m.Cols]}
}

// To64 converts to float64.
func (m *Mat32) To64() *Mat64 {
	o := NewMat64(m.Rows, m.Cols)
	for i, v := range m.Data {
		o.Data[i] = float64(v)
	}
	return o
}

// Mat64 is a dense row-major float64 matrix.
type Mat64 struct {
	Rows, Cols int
	Data       []float64
}

// NewMat64 returns a zeroed r×c matrix.
func NewMat64(r, c int) *Mat64 {
	return &Mat64{Rows: r, Cols: c, Data: make([]float64, r*c)}
}

// Row returns row i as a slice sharing the matrix storage.
func (m *Mat64) Row(i int) []float64 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// At returns element (i, j).
func (m *Mat64) At(i, j int) float64 { return m.Data[i*m.Cols+j] }

// Set sets element (i, j).
func (m *Mat64) Set(i, j int, v float64) { m.Data[i*m.Cols+j] = v }

// Clone returns a deep copy.
func (m *Mat64) Clone() *Mat64 {
	c := &Mat64{Rows: m.Rows, Cols: m.Cols, Data: make([]float64, len(m.Data))}
	copy(c.Data, m.Data)
	return c
}

// To32 converts to float32.
func (m *Mat64) To32() *Mat32 {
	o := NewMat32(m.Rows, m.Cols)
	for i, v := range m.Data {
		o.Data[i] = float32(v)
	}
	return o
}

func checkGemmShapes(tA, tB bool, a, b, c *Mat32) (m, n, k int) {
	m, k = a.Rows, a.Cols
	if tA {
		m, k = k, m
	}
	kb, n := b.Rows, b.Cols
	if tB {
		kb, n = n, kb
	}
	if k != kb || c.Rows != m || c.Cols != n {
		panic(fmt.Sprintf("tensor: gemm shape mismatch: op(A) %d×%d, op(B) %d×%d, C %d×%d", m, k, kb, n, c.Rows, c.Cols))
	}
	return m, n, k
}
