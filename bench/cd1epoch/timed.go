package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rbmscope/rbmscope/tensor"
)

// timed wraps a backend and adds up the wall time of each operation, so
// the benchmark can say where an epoch goes (GEMM, sparse products,
// elementwise kernels). Two clock reads per call cost far less than the
// shortest kernel here.
type timed struct {
	tensor.Backend
	t map[string]time.Duration
}

func (b *timed) add(op string, start time.Time) { b.t[op] += time.Since(start) }

func (b *timed) Gemm(tA, tB bool, alpha float32, a, m *tensor.Mat32, beta float32, c *tensor.Mat32) {
	defer b.add("gemm", time.Now())
	b.Backend.Gemm(tA, tB, alpha, a, m, beta, c)
}

func (b *timed) MulSparse(v, w, out *tensor.Mat32) {
	defer b.add("sparse product v·W", time.Now())
	b.Backend.MulSparse(v, w, out)
}

func (b *timed) MulSparseT(alpha float32, x, y *tensor.Mat32, beta float32, c *tensor.Mat32) {
	defer b.add("sparse gradient vᵀh (+ SGD step)", time.Now())
	b.Backend.MulSparseT(alpha, x, y, beta, c)
}

func (b *timed) SigmoidSample(x *tensor.Mat32, bias []float32, scale float32, prob, sample *tensor.Mat32, key uint64) {
	defer b.add("elementwise: sigmoid + sample", time.Now())
	b.Backend.SigmoidSample(x, bias, scale, prob, sample, key)
}

func (b *timed) SoftplusRowSums(x *tensor.Mat32, bias []float32, scale float32, out []float64) {
	defer b.add("elementwise: softplus", time.Now())
	b.Backend.SoftplusRowSums(x, bias, scale, out)
}

func (b *timed) AdamStep(th, g, m, v []float32, lr, b1, b2, eps, decay, maxAbs float32) bool {
	defer b.add("elementwise: optimiser", time.Now())
	return b.Backend.AdamStep(th, g, m, v, lr, b1, b2, eps, decay, maxAbs)
}

func (b *timed) MomentumStep(th, g, u []float32, lr, mom, decay, maxAbs float32) bool {
	defer b.add("elementwise: optimiser", time.Now())
	return b.Backend.MomentumStep(th, g, u, lr, mom, decay, maxAbs)
}

// report writes each operation's share of the epoch time total.
func (b *timed) report(total time.Duration) string {
	ops := make([]string, 0, len(b.t))
	var inside time.Duration
	for op, d := range b.t {
		ops = append(ops, op)
		inside += d
	}
	sort.Slice(ops, func(i, j int) bool { return b.t[ops[i]] > b.t[ops[j]] })
	var s strings.Builder
	var elem time.Duration
	for _, op := range ops {
		fmt.Fprintf(&s, "  %-36s %6.3f s  %5.1f %%\n", op, b.t[op].Seconds(), 100*b.t[op].Seconds()/total.Seconds())
		if strings.HasPrefix(op, "elementwise") {
			elem += b.t[op]
		}
	}
	rest := total - inside
	fmt.Fprintf(&s, "  %-36s %6.3f s  %5.1f %%\n", "rest (copies, scaling, checks)", rest.Seconds(), 100*rest.Seconds()/total.Seconds())
	fmt.Fprintf(&s, "  elementwise total %.1f %% of the epoch\n", 100*elem.Seconds()/total.Seconds())
	return s.String()
}
