package partition

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// MaxExactUnits is the largest smaller layer that exact enumeration accepts
// (2^25 ≈ 3.4·10^7 states).
const MaxExactUnits = 25

// chunkBits sets the enumeration chunk: 2^16 states per work item.
const chunkBits = 16

// TooLargeError reports a model whose smaller layer is too big to enumerate.
type TooLargeError struct{ N, M, Limit int }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("exact log Z enumerates the smaller layer, but this %d×%d model has min(N,M)=%d units and the limit is %d (2^%d states); use AIS or reverse AIS instead",
		e.N, e.M, min(e.N, e.M), e.Limit, e.Limit)
}

// CanEnumerate reports whether ExactLogZ accepts m.
func CanEnumerate(m *rbm.Model) bool { return min(m.NumVisible(), m.NumHidden()) <= MaxExactUnits }

// enumerator sums exp(c·s + Σ_k sp(d_k + (Cᵀs)_k)) over s ∈ {0,1}^L: the
// unnormalised marginal of the enumerated layer with the other layer summed
// out. rows[l] holds the couplings of enumerated unit l (length K).
type enumerator struct {
	L, K   int
	rows   []float64 // L×K, row-major
	c, d   []float64
	hidden bool // true when the enumerated layer is h
}

// newEnumerator picks the smaller layer of m (h when M ≤ N).
func newEnumerator(m *rbm.Model, limit int) (*enumerator, error) {
	n, nh := m.NumVisible(), m.NumHidden()
	if min(n, nh) > limit {
		return nil, &TooLargeError{N: n, M: nh, Limit: limit}
	}
	if nh <= n {
		wt := make([]float64, nh*n)
		for i := 0; i < n; i++ {
			for j, w := range m.W.Row(i) {
				wt[j*n+i] = w
			}
		}
		return &enumerator{L: nh, K: n, rows: wt, c: m.B, d: m.A, hidden: true}, nil
	}
	return &enumerator{L: n, K: nh, rows: m.W.Data, c: m.A, d: m.B}, nil
}

// gray is the reflected binary Gray code of s; consecutive codes differ in
// the bit bits.TrailingZeros(s).
func gray(s uint64) uint64 { return s ^ (s >> 1) }

// chunk writes the log-weights of states lo..lo+len(out)-1 (in Gray-code
// order: out[t] belongs to state gray(lo+t)) using one field update per
// state. field is scratch of length K.
func (e *enumerator) chunk(lo uint64, out, field []float64) {
	copy(field, e.d)
	lin := 0.0
	g := gray(lo)
	for l := 0; l < e.L; l++ {
		if g>>l&1 == 1 {
			addTo(field, e.rows[l*e.K:(l+1)*e.K], 1)
			lin += e.c[l]
		}
	}
	for t := range out {
		s := lo + uint64(t)
		if t > 0 {
			l := bits.TrailingZeros64(s)
			sign := -1.0
			if gray(s)>>l&1 == 1 {
				sign = 1
			}
			addTo(field, e.rows[l*e.K:(l+1)*e.K], sign)
			lin += sign * e.c[l]
		}
		v := lin
		for _, x := range field {
			v += tensor.Softplus64(x)
		}
		out[t] = v
	}
}

func addTo(dst, src []float64, sign float64) {
	src = src[:len(dst)]
	if sign > 0 {
		for i, x := range src {
			dst[i] += x
		}
		return
	}
	for i, x := range src {
		dst[i] -= x
	}
}

// forChunks runs fn on every chunk of the 2^L states on GOMAXPROCS
// goroutines; fn gets the chunk index, its first state and its log-weights.
func (e *enumerator) forChunks(ctx context.Context, progress func(done, total int), fn func(ci int, lo uint64, vals []float64)) error {
	total := uint64(1) << e.L
	size := min(total, uint64(1)<<chunkBits)
	nChunks := int(total / size)
	workers := min(runtime.GOMAXPROCS(0), nChunks)
	var next, done atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vals := make([]float64, size)
			field := make([]float64, e.K)
			for {
				ci := int(next.Add(1) - 1)
				if ci >= nChunks || ctx.Err() != nil {
					return
				}
				lo := uint64(ci) * size
				e.chunk(lo, vals, field)
				fn(ci, lo, vals)
				d := int(done.Add(1))
				if progress != nil {
					mu.Lock()
					progress(d, nChunks)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// logSum is a running log-sum-exp: the sum is exp(Max)·S.
type logSum struct{ Max, S float64 }

func (l *logSum) add(x float64) {
	switch {
	case math.IsInf(x, -1):
	case x > l.Max:
		l.S = l.S*math.Exp(l.Max-x) + 1
		l.Max = x
	default:
		l.S += math.Exp(x - l.Max)
	}
}

func (l *logSum) merge(o logSum) {
	if o.S == 0 {
		return
	}
	if o.Max > l.Max {
		l.S = l.S*math.Exp(l.Max-o.Max) + o.S
		l.Max = o.Max
		return
	}
	l.S += o.S * math.Exp(o.Max-l.Max)
}

func (l logSum) value() float64 { return l.Max + math.Log(l.S) }

func newLogSum() logSum { return logSum{Max: math.Inf(-1)} }

// ExactLogZ returns log Z of m by enumerating its smaller layer in float64.
// It fails with a *TooLargeError when min(N,M) > MaxExactUnits.
func ExactLogZ(m *rbm.Model) (float64, error) {
	return ExactLogZContext(context.Background(), m, nil)
}

// ExactLogZContext is ExactLogZ with cancellation and a progress callback
// (called with chunks done and the total number of 2^16-state chunks).
func ExactLogZContext(ctx context.Context, m *rbm.Model, progress func(done, total int)) (float64, error) {
	if err := m.Validate(); err != nil {
		return 0, fmt.Errorf("exact log Z: %w", err)
	}
	e, err := newEnumerator(m, MaxExactUnits)
	if err != nil {
		return 0, err
	}
	return e.logZ(ctx, progress)
}

// logZ is the log-sum-exp over all 2^L states, merged in chunk order so the
// result does not depend on scheduling.
func (e *enumerator) logZ(ctx context.Context, progress func(done, total int)) (float64, error) {
	nChunks := max(1, (1<<e.L)>>chunkBits)
	parts := make([]logSum, nChunks)
	err := e.forChunks(ctx, progress, func(ci int, _ uint64, vals []float64) {
		ls := newLogSum()
		for _, v := range vals {
			ls.add(v)
		}
		parts[ci] = ls
	})
	if err != nil {
		return 0, err
	}
	tot := newLogSum()
	for _, p := range parts {
		tot.merge(p)
	}
	return tot.value(), nil
}

// MeanNegFreeEnergy returns num = (1/n) Σ_rows −F(v) in float64 for 0/1
// data rows (n×N), so that the mean log-likelihood is num − log Z.
func MeanNegFreeEnergy(m *rbm.Model, data *tensor.Mat32) (float64, error) {
	if data.Cols != m.NumVisible() {
		return 0, fmt.Errorf("data has %d columns but the model has %d visible units", data.Cols, m.NumVisible())
	}
	if data.Rows == 0 {
		return 0, fmt.Errorf("data set is empty")
	}
	out := make([]float64, data.Rows)
	nh := m.NumHidden()
	tensor.ParallelRows(data.Rows, m.NumVisible()*nh/16+1, func(lo, hi int) {
		field := make([]float64, nh)
		for r := lo; r < hi; r++ {
			copy(field, m.B)
			f := 0.0
			for i, v := range data.Row(r) {
				if v == 0 {
					continue
				}
				vi := float64(v)
				f += m.A[i] * vi
				for j, w := range m.W.Row(i) {
					field[j] += vi * w
				}
			}
			for _, x := range field {
				f += tensor.Softplus64(x)
			}
			out[r] = f
		}
	})
	s := 0.0
	for _, f := range out {
		s += f
	}
	return s / float64(data.Rows), nil
}

// ExactLogLikelihood returns the exact mean log-likelihood of the data rows
// under m: MeanNegFreeEnergy − ExactLogZ.
func ExactLogLikelihood(m *rbm.Model, data *tensor.Mat32) (float64, error) {
	num, err := MeanNegFreeEnergy(m, data)
	if err != nil {
		return 0, err
	}
	lz, err := ExactLogZ(m)
	if err != nil {
		return 0, err
	}
	return num - lz, nil
}

// MaxJointUnits bounds ExactLogZJoint (2^(N+M) states).
const MaxJointUnits = 24

// ExactLogZJoint returns log Z by brute force over all 2^(N+M) joint states
// (v,h) with E(v,h) = −aᵀv − bᵀh − vᵀWh. It exists to test the faster
// enumerations; N+M must not exceed MaxJointUnits.
func ExactLogZJoint(m *rbm.Model) (float64, error) {
	n, nh := m.NumVisible(), m.NumHidden()
	if n+nh > MaxJointUnits {
		return 0, fmt.Errorf("joint enumeration of a %d×%d model needs 2^%d states; the limit is N+M ≤ %d", n, nh, n+nh, MaxJointUnits)
	}
	v := make([]float64, n)
	h := make([]float64, nh)
	ls := newLogSum()
	for s := 0; s < 1<<(n+nh); s++ {
		for i := range v {
			v[i] = float64(s >> i & 1)
		}
		for j := range h {
			h[j] = float64(s >> (n + j) & 1)
		}
		ls.add(-m.Energy(v, h))
	}
	return ls.value(), nil
}

// ExactLogZFromVisible returns log Z = logsumexp_v −F(v) by enumerating the
// visible layer, whatever its size relative to the hidden one (N ≤ 25).
// Tests use it against ExactLogZ; ExactLogZ itself picks the smaller layer.
func ExactLogZFromVisible(m *rbm.Model) (float64, error) {
	return layerLogZ(m, false)
}

// ExactLogZFromHidden returns log Z = logsumexp_h −F(h) by enumerating the
// hidden layer (M ≤ 25).
func ExactLogZFromHidden(m *rbm.Model) (float64, error) {
	return layerLogZ(m, true)
}

func layerLogZ(m *rbm.Model, hidden bool) (float64, error) {
	e := &enumerator{L: m.NumVisible(), K: m.NumHidden(), rows: m.W.Data, c: m.A, d: m.B}
	if hidden {
		e = &enumerator{L: m.NumHidden(), K: m.NumVisible(), rows: transpose(m.W).Data, c: m.B, d: m.A, hidden: true}
	}
	if e.L > MaxExactUnits {
		return 0, &TooLargeError{N: m.NumVisible(), M: m.NumHidden(), Limit: MaxExactUnits}
	}
	return e.logZ(context.Background(), nil)
}

func transpose(w *tensor.Mat64) *tensor.Mat64 {
	t := tensor.NewMat64(w.Cols, w.Rows)
	for i := 0; i < w.Rows; i++ {
		for j, x := range w.Row(i) {
			t.Data[j*w.Rows+i] = x
		}
	}
	return t
}
