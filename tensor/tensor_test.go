package tensor

import (
	"math"
	"runtime"
	"testing"
)

func randMat(r, c int, key uint64) *Mat32 {
	m := NewMat32(r, c)
	for i := 0; i < r; i++ {
		g := RowRand(key, i)
		for j := range m.Row(i) {
			m.Data[i*c+j] = float32(g.NormFloat64())
		}
	}
	return m
}

// naiveGemm is the textbook triple loop in float64.
func naiveGemm(tA, tB bool, alpha float32, a, b *Mat32, beta float32, c *Mat32) *Mat64 {
	at := func(i, k int) float64 {
		if tA {
			return float64(a.At(k, i))
		}
		return float64(a.At(i, k))
	}
	bt := func(k, j int) float64 {
		if tB {
			return float64(b.At(j, k))
		}
		return float64(b.At(k, j))
	}
	K := a.Cols
	if tA {
		K = a.Rows
	}
	out := NewMat64(c.Rows, c.Cols)
	for i := 0; i < c.Rows; i++ {
		for j := 0; j < c.Cols; j++ {
			var s float64
			for k := 0; k < K; k++ {
				s += at(i, k) * bt(k, j)
			}
			out.Set(i, j, float64(alpha)*s+float64(beta)*float64(c.At(i, j)))
		}
	}
	return out
}

func TestGemmAllTransposes(t *testing.T) {
	backends := []Backend{Gonum()}
	if b, ok := ByName("openblas"); ok {
		backends = append(backends, b)
	}
	const m, n, k = 13, 7, 29
	for _, be := range backends {
		for _, tc := range []struct{ tA, tB bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
			ar, ac := m, k
			if tc.tA {
				ar, ac = k, m
			}
			br, bc := k, n
			if tc.tB {
				br, bc = n, k
			}
			a, b, c := randMat(ar, ac, 1), randMat(br, bc, 2), randMat(m, n, 3)
			want := naiveGemm(tc.tA, tc.tB, 0.5, a, b, 2, c)
			be.Gemm(tc.tA, tc.tB, 0.5, a, b, 2, c)
			for i, w := range want.Data {
				if d := math.Abs(float64(c.Data[i]) - w); d > 1e-4*(1+math.Abs(w)) {
					t.Fatalf("%s tA=%v tB=%v: element %d = %v, want %v", be.Name(), tc.tA, tc.tB, i, c.Data[i], w)
				}
			}
		}
	}
}

func TestBackendsAgree(t *testing.T) {
	ob, ok := ByName("openblas")
	if !ok {
		t.Skip("built without the openblas tag")
	}
	const n = 784
	// Exact arithmetic: entries in {−8, …, 8}/8 make every product a
	// multiple of 2^-6 of magnitude ≤ 1 and every partial sum, in any
	// order, with or without FMA, a multiple of 2^-6 below n < 2^10, which
	// float32 holds exactly (16 significant bits of 24). Both backends must
	// then return the exact (float64) product, bit for bit.
	a, b := randMat(100, n, 4), randMat(n, 500, 5)
	grid := func(m *Mat32) *Mat32 {
		g := NewMat32(m.Rows, m.Cols)
		for i, x := range m.Data {
			g.Data[i] = float32(math.Round(max(-8, min(8, 3*float64(x))))) / 8
		}
		return g
	}
	ga, gb := grid(a), grid(b)
	want := naiveGemm(false, false, 1, ga, gb, 0, NewMat32(100, 500))
	for _, be := range []Backend{Gonum(), ob} {
		c := NewMat32(100, 500)
		be.Gemm(false, false, 1, ga, gb, 0, c)
		for i, w := range want.Data {
			if float64(c.Data[i]) != w {
				t.Fatalf("%s, exactly representable sums: element %d = %v, exact %v", be.Name(), i, c.Data[i], w)
			}
		}
	}

	// Rounding on unit normals, for any order of summation. Each backend's
	// ĉ_ij is within γ_n·Σ_k|p_k| of the exact value (p_k = a_ik·b_kj,
	// γ_n = n·u/(1 − n·u), u = 2^-24; Higham, Accuracy and Stability of
	// Numerical Algorithms, §3.1), and the float64 reference is exact to
	// ~n·2^-53·Σ|p_k|. A tighter, statistical bound would have to assume
	// how a kernel orders its sums, and OpenBLAS's cores order them
	// differently (its SSE3 Prescott kernel splits k into partial sums);
	// wrong elements are caught bit for bit by the exact check above.
	c1, c2 := NewMat32(100, 500), NewMat32(100, 500)
	Gonum().Gemm(false, false, 1, a, b, 0, c1)
	ob.Gemm(false, false, 1, a, b, 0, c2)
	const u = 0x1p-24
	gamma := float64(n) * u / (1 - float64(n)*u)
	for i := 0; i < c1.Rows; i++ {
		for j := 0; j < c1.Cols; j++ {
			var s, sa float64
			for k := 0; k < n; k++ {
				p := float64(a.At(i, k)) * float64(b.At(k, j))
				s += p
				sa += math.Abs(p)
			}
			for _, c := range []*Mat32{c1, c2} {
				if d := math.Abs(float64(c.At(i, j)) - s); d > gamma*sa {
					t.Fatalf("element (%d,%d): %v, exact %v, off by %.3g > γ_n·Σ|p| = %.3g", i, j, c.At(i, j), s, d, gamma*sa)
				}
			}
		}
	}
}

func TestExp32Accuracy(t *testing.T) {
	for x := float32(-87); x < 88; x += 0.0137 {
		got, want := float64(Exp32(x)), math.Exp(float64(x))
		if math.Abs(got-want) > 3e-7*want {
			t.Fatalf("Exp32(%v) = %v, want %v", x, got, want)
		}
	}
	if Exp32(-200) != 0 || !math.IsInf(float64(Exp32(200)), 1) {
		t.Fatal("Exp32 does not saturate")
	}
}

func TestSoftplus(t *testing.T) {
	for x := float32(-60); x < 60; x += 0.011 {
		want := math.Log1p(math.Exp(float64(x)))
		if x > 30 {
			want = float64(x) + math.Exp(-float64(x))
		}
		if d := math.Abs(Softplus32(x) - want); d > 1e-7 {
			t.Fatalf("Softplus32(%v) = %v, want %v", x, Softplus32(x), want)
		}
		if d := math.Abs(Softplus64(float64(x)) - want); d > 1e-14*(1+want) {
			t.Fatalf("Softplus64(%v) off by %v", x, d)
		}
	}
}

func TestSigmoidSampleFrequencies(t *testing.T) {
	x := NewMat32(4000, 5)
	bias := []float32{-3, -1, 0, 1, 3}
	p, s := NewMat32(4000, 5), NewMat32(4000, 5)
	Gonum().SigmoidSample(x, bias, 1, p, s, NewStream(7).Key())
	for j, b := range bias {
		want := 1 / (1 + math.Exp(-float64(b)))
		if math.Abs(float64(p.At(0, j))-want) > 1e-6 {
			t.Fatalf("prob %v, want %v", p.At(0, j), want)
		}
		var mean float64
		for i := 0; i < 4000; i++ {
			mean += float64(s.At(i, j))
		}
		mean /= 4000
		se := math.Sqrt(want * (1 - want) / 4000)
		if math.Abs(mean-want) > 5*se {
			t.Fatalf("column %d: frequency %v, want %v ± %v", j, mean, want, se)
		}
	}
}

func TestKernelsIndependentOfParallelism(t *testing.T) {
	x := randMat(300, 200, 9)
	run := func(procs int) (*Mat32, []float64) {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		s := NewMat32(300, 200)
		Gonum().SigmoidSample(x, nil, 1.5, nil, s, NewStream(3, 1, 2).Key())
		out := make([]float64, 300)
		Gonum().SoftplusRowSums(x, nil, 0.3, out)
		return s, out
	}
	s1, o1 := run(1)
	s4, o4 := run(4)
	for i := range s1.Data {
		if s1.Data[i] != s4.Data[i] {
			t.Fatal("samples depend on GOMAXPROCS")
		}
	}
	for i := range o1 {
		if o1[i] != o4[i] {
			t.Fatal("softplus sums depend on GOMAXPROCS")
		}
	}
}

func TestStreamsDiffer(t *testing.T) {
	if NewStream(1, 0).Key() == NewStream(1, 1).Key() || NewStream(1).Key() == NewStream(2).Key() {
		t.Fatal("distinct ids give the same key")
	}
	s := NewStream(5)
	k1 := s.Key()
	k, c := s.State()
	r := RestoreStream(k, c)
	if r.Key() != s.Key() || k1 == s.Key() {
		t.Fatal("restored stream diverges")
	}
}

// The OpenBLAS build's C kernels compute what the Go kernels compute, to
// float32 rounding; samples use the same random stream.
func TestElementwiseBackendsAgree(t *testing.T) {
	ob, ok := ByName("openblas")
	if !ok {
		t.Skip("built without the openblas tag")
	}
	g := Gonum()
	x := randMat(64, 333, 21)
	for i := range x.Data {
		x.Data[i] *= 4
	}
	bias := randMat(1, 333, 22).Data
	p1, s1, p2, s2 := NewMat32(64, 333), NewMat32(64, 333), NewMat32(64, 333), NewMat32(64, 333)
	g.SigmoidSample(x, bias, 0.7, p1, s1, 5)
	ob.SigmoidSample(x, bias, 0.7, p2, s2, 5)
	diff := 0
	for i := range p1.Data {
		if d := math.Abs(float64(p1.Data[i] - p2.Data[i])); d > 1e-6 {
			t.Fatalf("prob %d: go %v c %v", i, p1.Data[i], p2.Data[i])
		}
		if s1.Data[i] != s2.Data[i] {
			diff++
		}
	}
	if diff > 2 {
		t.Fatalf("%d of %d samples differ", diff, len(s1.Data))
	}
	o1, o2 := make([]float64, 64), make([]float64, 64)
	g.SoftplusRowSums(x, bias, 0.3, o1)
	ob.SoftplusRowSums(x, bias, 0.3, o2)
	for i := range o1 {
		if math.Abs(o1[i]-o2[i]) > 1e-5*(1+math.Abs(o1[i])) {
			t.Fatalf("softplus row %d: go %v c %v", i, o1[i], o2[i])
		}
	}
	for _, be := range []Backend{g, ob} {
		th := []float32{1, -2, 0.5, 99.99}
		gr := []float32{0.1, 0.2, -0.3, 1}
		m, v, u := make([]float32, 4), make([]float32, 4), make([]float32, 4)
		// bias-corrected rate for step 1: lr·√(1−b2)/(1−b1)
		if be.AdamStep(th, gr, m, v, float32(0.1*math.Sqrt(0.001)/0.1), 0.9, 0.999, 1e-8, 0, 100) {
			t.Fatalf("%s: adam step past maxAbs not reported", be.Name())
		}
		if math.Abs(float64(th[0])-1.1) > 1e-6 || math.Abs(float64(th[2])-0.4) > 1e-6 {
			t.Fatalf("%s: first Adam step moves by lr·sign(g): %v", be.Name(), th)
		}
		th2 := []float32{1, 2}
		if !be.MomentumStep(th2, []float32{1, -1}, u[:2], 0.5, 0.9, 0.1, 100) || math.Abs(float64(th2[0])-1.45) > 1e-6 {
			t.Fatalf("%s: momentum step %v", be.Name(), th2)
		}
		nan := []float32{float32(math.NaN())}
		if be.MomentumStep(nan, []float32{0}, []float32{0}, 1, 0, 0, 100) {
			t.Fatalf("%s: NaN not reported", be.Name())
		}
	}
}

// sparseShapes exercise the 16-column blocks of the C kernels and their
// tails, rows with fewer and more than eight nonzeros, and 0/1 rows next to
// rows with other values.
var sparseShapes = []struct {
	k, n, m int
	density float64
}{
	{37, 50, 29, 0.15},
	{200, 784, 48, 0.13},
	{9, 12, 5, 0.5},
	{64, 40, 33, 0.9},
	{3, 7, 16, 0},
}

// sparseImpl is one way to compute the sparse products: a backend's
// methods (which hand dense inputs to GEMM) or its row-sum kernels alone.
type sparseImpl struct {
	name string
	mul  func(v, w, out *Mat32)
	mulT func(alpha float32, x, y *Mat32, beta float32, c *Mat32)
}

func sparseBackends() []sparseImpl {
	backends := []Backend{Gonum()}
	if b, ok := ByName("openblas"); ok {
		backends = append(backends, b)
	}
	var impls []sparseImpl
	for _, be := range backends {
		k := be.(blasBackend).k
		impls = append(impls,
			sparseImpl{be.Name(), be.MulSparse, be.MulSparseT},
			sparseImpl{be.Name() + " kernel", k.mulSparse, k.mulSparseT})
	}
	return impls
}

func TestMulSparse(t *testing.T) {
	for _, sh := range sparseShapes {
		v := NewMat32(sh.k, sh.n)
		Bernoulli(v, sh.density, 3)
		v.Set(2, 3, 0.25) // non-binary entries are computed too
		w := randMat(sh.n, sh.m, 4)
		for _, be := range sparseBackends() {
			got, want := NewMat32(sh.k, sh.m), NewMat32(sh.k, sh.m)
			for i := range got.Data {
				got.Data[i] = 99 // must be overwritten
			}
			be.mul(v, w, got)
			Gonum().Gemm(false, false, 1, v, w, 0, want)
			for i := range got.Data {
				if math.Abs(float64(got.Data[i]-want.Data[i])) > 1e-5*(1+math.Abs(float64(want.Data[i]))) {
					t.Fatalf("%s %v: element %d = %v, GEMM gives %v", be.name, sh, i, got.Data[i], want.Data[i])
				}
			}
		}
	}
}

// TestMulSparseT checks C = alpha·xᵀy + beta·C against a float64 sum, for
// beta = 0 (C, here NaN, must not be read) and beta ≠ 0.
func TestMulSparseT(t *testing.T) {
	for _, sh := range sparseShapes {
		x, y := NewMat32(sh.k, sh.n), randMat(sh.k, sh.m, 5)
		Bernoulli(x, sh.density, 6)
		x.Set(1, 2, -0.5)
		c0 := randMat(sh.n, sh.m, 7)
		for _, beta := range []float32{0, 0.9} {
			const alpha = 0.3
			for _, be := range sparseBackends() {
				c := NewMat32(sh.n, sh.m)
				for i := range c.Data {
					c.Data[i] = c0.Data[i]
					if beta == 0 {
						c.Data[i] = float32(math.NaN())
					}
				}
				be.mulT(alpha, x, y, beta, c)
				for i := 0; i < sh.n; i++ {
					for j := 0; j < sh.m; j++ {
						want := 0.0
						for k := 0; k < sh.k; k++ {
							want += float64(x.At(k, i)) * float64(y.At(k, j))
						}
						want = alpha*want + float64(beta)*float64(c0.At(i, j))
						if got := c.At(i, j); math.Abs(float64(got)-want) > 1e-5*(1+math.Abs(want)) {
							t.Fatalf("%s %v beta=%v: C[%d,%d] = %v, want %v", be.name, sh, beta, i, j, got, want)
						}
					}
				}
			}
		}
	}
}

// MulSparseT sums the products of each element before they meet beta·C,
// on the dense (GEMM) path too: 1000 products of 1e-4 added to 1e4 one at
// a time would each round away (ulp(1e4) = 2^-10 ≈ 1e-3), while their sum,
// 0.1, survives to within ulp(1e4)/2.
func TestMulSparseTSumsBeforeC(t *testing.T) {
	x, y := NewMat32(1000, 1), NewMat32(1000, 1)
	for i := range x.Data {
		x.Data[i], y.Data[i] = 1, 1e-4
	}
	for _, be := range []Backend{Gonum(), Default()} {
		c := &Mat32{Rows: 1, Cols: 1, Data: []float32{1e4}}
		be.MulSparseT(1, x, y, 1, c)
		if want := 1e4 + 1000*float64(float32(1e-4)); math.Abs(float64(c.Data[0])-want) > 0x1p-11 {
			t.Errorf("%s: %v, want %v within ulp/2", be.Name(), c.Data[0], want)
		}
	}
}
