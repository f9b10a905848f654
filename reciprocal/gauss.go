package reciprocal

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/rbmscope/rbmscope/tensor"
)

// ConstraintMeans returns μ_x = p·Uᵀ1 (length N) and μ_y = p·Vᵀ1 (length M),
// the means of x and y under i.i.d. Bernoulli(p) states (Eqs. 28, 51; p = ½
// gives the high-temperature saddle).
func (f *Frame) ConstraintMeans(p float64) (mux, muy []float64) {
	return colSums(f.U, p), colSums(f.V, p)
}

// ConstraintVariance returns p(1−p), the variance of every x_k and y_k under
// i.i.d. Bernoulli(p) states (Eq. 51; covariance p(1−p)·I exactly).
func ConstraintVariance(p float64) float64 { return p * (1 - p) }

func colSums(a mat.Matrix, scale float64) []float64 {
	r, c := a.Dims()
	out := make([]float64, c)
	for i := 0; i < r; i++ {
		for k := 0; k < c; k++ {
			out[k] += a.At(i, k)
		}
	}
	for k := range out {
		out[k] *= scale
	}
	return out
}

// KurtosisClosed returns the exact kurtosis of x_k = Σ_i u_ik v_i for
// i.i.d. Bernoulli(p) v_i, for the first cols columns of u (docs/theory.md §Kurtosis):
//
//	Kurt = 3 + (1−6p(1−p))/(p(1−p)) · Σu⁴/(Σu²)².
func KurtosisClosed(u mat.Matrix, cols int, p float64) []float64 {
	r, _ := u.Dims()
	c := (1 - 6*p*(1-p)) / (p * (1 - p))
	out := make([]float64, cols)
	for k := 0; k < cols; k++ {
		s2, s4 := 0.0, 0.0
		for i := 0; i < r; i++ {
			x := u.At(i, k)
			s2 += x * x
			s4 += x * x * x * x
		}
		out[k] = 3 + c*s4/(s2*s2)
	}
	return out
}

// KurtosisSampled estimates the same kurtosis as KurtosisClosed from
// `samples` Bernoulli(p) states drawn in float32 batches on backend be
// (nil = tensor.Default()) from stream seed; projections are float32 GEMMs,
// the moments (m₄/m₂², population estimator) accumulate in float64.
func KurtosisSampled(be tensor.Backend, u mat.Matrix, cols int, p float64, samples int, seed uint64) ([]float64, error) {
	if samples < 2 {
		return nil, fmt.Errorf("kurtosis: need at least 2 samples, got %d", samples)
	}
	if be == nil {
		be = tensor.Default()
	}
	n, _ := u.Dims()
	u32 := tensor.NewMat32(n, cols)
	shift := make([]float64, cols) // p·Σ_i u_ik, the exact mean (for stability)
	for i := 0; i < n; i++ {
		for k := 0; k < cols; k++ {
			x := u.At(i, k)
			u32.Set(i, k, float32(x))
			shift[k] += p * x
		}
	}
	const batch = 4096
	st := tensor.NewStream(seed, purposeKurt)
	var s1, s2, s3, s4 = make([]float64, cols), make([]float64, cols), make([]float64, cols), make([]float64, cols)
	states := tensor.NewMat32(batch, n)
	proj := tensor.NewMat32(batch, cols)
	for done := 0; done < samples; {
		b := min(batch, samples-done)
		sv, pv := states.Slice(0, b), proj.Slice(0, b)
		tensor.Bernoulli(sv, p, st.Key())
		be.Gemm(false, false, 1, sv, u32, 0, pv)
		for r := 0; r < b; r++ {
			row := pv.Row(r)
			for k, x := range row {
				d := float64(x) - shift[k]
				d2 := d * d
				s1[k] += d
				s2[k] += d2
				s3[k] += d2 * d
				s4[k] += d2 * d2
			}
		}
		done += b
	}
	out := make([]float64, cols)
	ns := float64(samples)
	for k := range out {
		m1, r2, r3, r4 := s1[k]/ns, s2[k]/ns, s3[k]/ns, s4[k]/ns
		c2 := r2 - m1*m1
		c4 := r4 - 4*m1*r3 + 6*m1*m1*r2 - 3*m1*m1*m1*m1
		out[k] = c4 / (c2 * c2)
	}
	return out, nil
}

// Layer selects which layer size varies in the kurtosis-vs-size curve
// (both readings of Fig. 3e, docs/theory.md §Kurtosis).
type Layer string

const (
	// LayerVisible varies N at fixed M and uses x_k (the authors' script).
	LayerVisible Layer = "visible"
	// LayerHidden varies M at fixed N and uses y_k (the caption's reading).
	LayerHidden Layer = "hidden"
)

// KurtPoint is one size of the kurtosis curve: mean and sd over the modes
// k < L of the closed-form kurtosis and, if sampled, of the sampled one.
type KurtPoint struct {
	Size        int     `json:"size"`
	InvSize     float64 `json:"inv_size"`
	Mean        float64 `json:"mean"`
	Sd          float64 `json:"sd"`
	SampledMean float64 `json:"sampled_mean,omitempty"`
	SampledSd   float64 `json:"sampled_sd,omitempty"`
	Expected    float64 `json:"expected"` // 3 − 6/(n+2), the Haar average at p = ½
}

// LinearFit is y = Slope·(1/n) + Intercept with its largest |residual|.
type LinearFit struct {
	Slope       float64 `json:"slope"`
	Intercept   float64 `json:"intercept"`
	MaxResidual float64 `json:"max_residual"`
}

// KurtCurve is Fig. 3e's data.
type KurtCurve struct {
	Layer      Layer       `json:"layer"`
	Other      int         `json:"other_size"`
	Std        float64     `json:"init_std"`
	Samples    int         `json:"samples"`
	Points     []KurtPoint `json:"points"`
	Fit        LinearFit   `json:"fit"`
	SampledFit *LinearFit  `json:"sampled_fit,omitempty"`
}

// KurtCurveOptions configures KurtosisCurve.
type KurtCurveOptions struct {
	Layer   Layer
	Sizes   []int   // sizes of the varying layer
	Other   int     // size of the fixed layer
	Std     float64 // entry std of the random initialisations
	P       float64 // Bernoulli p of the states (0 = ½)
	Samples int     // sampled estimator per size (0 = closed form only)
	Seed    uint64
	Backend tensor.Backend
}

// KurtosisCurve computes the kurtosis of the reciprocal variables of the
// summed layer for random N(0, s²) initialisations of each size, and fits
// mean kurtosis against 1/n.
func KurtosisCurve(o KurtCurveOptions) (*KurtCurve, error) {
	if o.Layer != LayerVisible && o.Layer != LayerHidden {
		return nil, fmt.Errorf("kurtosis curve: layer %q must be %q or %q", o.Layer, LayerVisible, LayerHidden)
	}
	if len(o.Sizes) < 2 || o.Other <= 0 {
		return nil, fmt.Errorf("kurtosis curve: need at least 2 sizes and a positive fixed size")
	}
	p := o.P
	if p == 0 {
		p = 0.5
	}
	c := &KurtCurve{Layer: o.Layer, Other: o.Other, Std: o.Std, Samples: o.Samples}
	var inv, means, smeans []float64
	for _, n := range o.Sizes {
		if n <= 0 {
			return nil, fmt.Errorf("kurtosis curve: size %d must be positive", n)
		}
		rows, cols := n, o.Other // W is N×M; the summed layer is N (visible)
		if o.Layer == LayerHidden {
			rows, cols = o.Other, n
		}
		key := tensor.NewStream(o.Seed, uint64(rows), uint64(cols), purposeKurt).Key()
		w := GaussianMatrix(rows, cols, o.Std, key)
		var a *mat.Dense
		if o.Layer == LayerHidden {
			a = mat.DenseCopyOf(mat.NewDense(rows, cols, w.Data).T())
		} else {
			a = mat.NewDense(rows, cols, w.Data)
		}
		u, err := leftSingularVectors(a)
		if err != nil {
			return nil, err
		}
		l := min(rows, cols)
		kc := KurtosisClosed(u, l, p)
		pt := KurtPoint{Size: n, InvSize: 1 / float64(n), Expected: 3 - 6/float64(n+2)}
		pt.Mean, pt.Sd = stat.PopMeanStdDev(kc, nil)
		if o.Samples > 0 {
			ks, err := KurtosisSampled(o.Backend, u, l, p, o.Samples, o.Seed^uint64(n))
			if err != nil {
				return nil, err
			}
			pt.SampledMean, pt.SampledSd = stat.PopMeanStdDev(ks, nil)
			smeans = append(smeans, pt.SampledMean)
		}
		c.Points = append(c.Points, pt)
		inv = append(inv, pt.InvSize)
		means = append(means, pt.Mean)
	}
	c.Fit = FitLinear(inv, means)
	if o.Samples > 0 {
		f := FitLinear(inv, smeans)
		c.SampledFit = &f
	}
	return c, nil
}

// FitLinear is the least-squares line y = Slope·x + Intercept.
func FitLinear(x, y []float64) LinearFit {
	alpha, beta := stat.LinearRegression(x, y, nil, false)
	f := LinearFit{Slope: beta, Intercept: alpha}
	for i := range x {
		f.MaxResidual = math.Max(f.MaxResidual, math.Abs(y[i]-alpha-beta*x[i]))
	}
	return f
}

// leftSingularVectors returns the first min(r,c) left singular vectors of the
// r×c matrix a (columns of an r×min(r,c) matrix), through the eigenvectors of
// the smaller Gram matrix: aaᵀ if r ≤ c, else U = aVΣ⁻¹ from aᵀa. Used for
// random matrices, whose singular values are well separated from zero.
func leftSingularVectors(a *mat.Dense) (*mat.Dense, error) {
	r, c := a.Dims()
	var g mat.SymDense
	if r <= c {
		g.SymOuterK(1, a)
	} else {
		g.SymOuterK(1, a.T())
	}
	var eig mat.EigenSym
	if !eig.Factorize(&g, true) {
		return nil, fmt.Errorf("eigendecomposition of a %d×%d Gram matrix failed", r, c)
	}
	var vec mat.Dense
	eig.VectorsTo(&vec)
	if r <= c {
		return &vec, nil
	}
	vals := eig.Values(nil)
	var u mat.Dense
	u.Mul(a, &vec)
	for k, ev := range vals {
		if ev <= 0 {
			return nil, fmt.Errorf("random %d×%d matrix is rank deficient", r, c)
		}
		col := u.ColView(k).(*mat.VecDense)
		col.ScaleVec(1/math.Sqrt(ev), col)
	}
	return &u, nil
}
