package reciprocal

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/tensor"
)

// MP is the Marchenko–Pastur law of the L = min(N,M) nonzero singular values
// of an N×M matrix with i.i.d. N(0, s²) entries (docs/theory.md §MP, Eq. 20):
//
//	ρ(σ) = √((σ₊²−σ²)(σ²−σ₋²)) / (π q σ),  σ± = s|√N ± √M|,  q = L s².
type MP struct {
	N, M int
	Std  float64

	cdfSigma, cdfValue []float64 // tabulated CDF (built lazily)
	norm               float64
}

// NewMP returns the law for an n×m matrix with entry standard deviation s.
func NewMP(n, m int, s float64) (*MP, error) {
	if n <= 0 || m <= 0 {
		return nil, fmt.Errorf("Marchenko–Pastur: shape %d×%d must be positive", n, m)
	}
	if !(s > 0) || math.IsInf(s, 0) {
		return nil, fmt.Errorf("Marchenko–Pastur: entry std %v must be positive and finite", s)
	}
	return &MP{N: n, M: m, Std: s}, nil
}

// Edges returns (σ₋, σ₊).
func (p *MP) Edges() (lo, hi float64) {
	rn, rm := math.Sqrt(float64(p.N)), math.Sqrt(float64(p.M))
	return p.Std * math.Abs(rn-rm), p.Std * (rn + rm)
}

// Q returns q = min(N,M)·s².
func (p *MP) Q() float64 { return float64(min(p.N, p.M)) * p.Std * p.Std }

// Pdf returns ρ(σ) (0 outside (σ₋, σ₊)).
func (p *MP) Pdf(sigma float64) float64 {
	lo, hi := p.Edges()
	if !(sigma > lo && sigma < hi) {
		return 0
	}
	s2 := sigma * sigma
	return math.Sqrt((hi*hi-s2)*(s2-lo*lo)) / (math.Pi * p.Q() * sigma)
}

// Mode returns the location of the density's maximum, s√|N−M|.
func (p *MP) Mode() float64 { return p.Std * math.Sqrt(math.Abs(float64(p.N-p.M))) }

// PeakHeight returns ρ(Mode) = 2/(π s √L) (for N = M the quarter circle's
// value at σ → 0).
func (p *MP) PeakHeight() float64 {
	return 2 / (math.Pi * p.Std * math.Sqrt(float64(min(p.N, p.M))))
}

// cdfPoints is the number of φ nodes of the tabulated CDF.
const cdfPoints = 20001

// build tabulates the CDF with the substitution
// σ = σ₋ + (σ₊−σ₋)(1−cos φ)/2, φ ∈ [0, π], which removes the square-root
// edge singularities, and the trapezoid rule in φ.
func (p *MP) build() {
	if p.cdfSigma != nil {
		return
	}
	lo, hi := p.Edges()
	p.cdfSigma = make([]float64, cdfPoints)
	p.cdfValue = make([]float64, cdfPoints)
	h := math.Pi / float64(cdfPoints-1)
	g := func(phi float64) (sigma, val float64) {
		sigma = lo + (hi-lo)*(1-math.Cos(phi))/2
		return sigma, p.Pdf(sigma) * (hi - lo) * math.Sin(phi) / 2
	}
	prevS, prev := g(0)
	p.cdfSigma[0] = prevS
	acc := 0.0
	for i := 1; i < cdfPoints; i++ {
		s, v := g(float64(i) * h)
		acc += h * (prev + v) / 2
		p.cdfSigma[i], p.cdfValue[i] = s, acc
		prev = v
	}
	p.norm = acc
	for i := range p.cdfValue {
		p.cdfValue[i] /= acc
	}
}

// Integral returns ∫ρ dσ computed numerically (1 up to quadrature error).
func (p *MP) Integral() float64 {
	p.build()
	return p.norm
}

// Cdf returns ∫_{σ₋}^{σ} ρ (renormalised so that Cdf(σ₊) = 1).
func (p *MP) Cdf(sigma float64) float64 {
	p.build()
	xs := p.cdfSigma
	if sigma <= xs[0] {
		return 0
	}
	if sigma >= xs[len(xs)-1] {
		return 1
	}
	i := sort.SearchFloat64s(xs, sigma) // xs[i-1] < sigma <= xs[i]
	t := (sigma - xs[i-1]) / (xs[i] - xs[i-1])
	return p.cdfValue[i-1] + t*(p.cdfValue[i]-p.cdfValue[i-1])
}

// KS returns the Kolmogorov–Smirnov distance sup|F_n − F| between the
// empirical distribution of samples and cdf.
func KS(samples []float64, cdf func(float64) float64) float64 {
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	n := float64(len(s))
	d := 0.0
	for i, x := range s {
		f := cdf(x)
		d = math.Max(d, math.Max(math.Abs(f-float64(i)/n), math.Abs(float64(i+1)/n-f)))
	}
	return d
}

// GaussianMatrix fills an n×m matrix with i.i.d. N(0, s²) entries from the
// stream key (row i uses tensor.RowRand(key, i), so the result does not
// depend on scheduling).
func GaussianMatrix(n, m int, s float64, key uint64) *tensor.Mat64 {
	w := tensor.NewMat64(n, m)
	tensor.ParallelRows(n, m, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := tensor.RowRand(key, i)
			row := w.Row(i)
			for j := range row {
				row[j] = s * r.NormFloat64()
			}
		}
	})
	return w
}

// SingularValues returns the singular values of w in descending order.
func SingularValues(w *tensor.Mat64) ([]float64, error) {
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(w.Rows, w.Cols, w.Data), mat.SVDNone) {
		return nil, fmt.Errorf("SVD of the %d×%d matrix did not converge", w.Rows, w.Cols)
	}
	return svd.Values(nil), nil
}

// SampleSingularValues pools the singular values of draws independent n×m
// N(0, s²) matrices (draw d uses stream (seed, n, m, d)). The result has
// draws·min(n,m) values, each draw's block in descending order.
func SampleSingularValues(n, m int, s float64, draws int, seed uint64) ([]float64, error) {
	if n <= 0 || m <= 0 || draws <= 0 {
		return nil, fmt.Errorf("random singular values: shape %d×%d and draws %d must be positive", n, m, draws)
	}
	out := make([]float64, 0, draws*min(n, m))
	for d := 0; d < draws; d++ {
		key := tensor.NewStream(seed, uint64(n), uint64(m), uint64(d), purposeInit).Key()
		sv, err := SingularValues(GaussianMatrix(n, m, s, key))
		if err != nil {
			return nil, err
		}
		out = append(out, sv...)
	}
	return out, nil
}

// Stream purposes (distinct ids keep the random streams independent).
const (
	purposeInit uint64 = iota + 0x5ec0
	purposeGibbs
	purposeHidden
	purposeStates
	purposeKurt
)
