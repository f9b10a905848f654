package symmetry

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/rbmscope/rbmscope/tensor"
)

// JSEpsilon is the regulariser of the Jensen–Shannon divergence (docs/theory.md §JS).
const JSEpsilon = 1e-9

// JSDivergence returns ½Σp log((p+ε)/(m+ε)) + ½Σq log((q+ε)/(m+ε)) with
// m = (p+q)/2, natural log, for probability vectors p and q of equal length.
// It lies in [0, log 2].
func JSDivergence(p, q []float64, eps float64) float64 {
	if len(p) != len(q) {
		panic("symmetry: JSDivergence of vectors with different lengths")
	}
	var js float64
	for i := range p {
		m := (p[i] + q[i]) / 2
		if p[i] > 0 {
			js += 0.5 * p[i] * math.Log((p[i]+eps)/(m+eps))
		}
		if q[i] > 0 {
			js += 0.5 * q[i] * math.Log((q[i]+eps)/(m+eps))
		}
	}
	return js
}

// Histogram counts values in bins equal-width bins on [lo, hi]; the last
// bin includes hi and values outside are dropped (as numpy.histogram).
func Histogram(values []float64, lo, hi float64, bins int) []float64 {
	h := make([]float64, bins)
	width := (hi - lo) / float64(bins)
	for _, x := range values {
		if x < lo || x > hi || math.IsNaN(x) {
			continue
		}
		b := int((x - lo) / width)
		if b >= bins {
			b = bins - 1
		}
		h[b]++
	}
	return h
}

// EntryJS is the Jensen–Shannon divergence between the entry histograms of
// w and w2: bins equal-width bins on [min w, max w], entries of w2 outside
// that range dropped, both normalised, ε = JSEpsilon.
func EntryJS(w, w2 []float64, bins int) float64 {
	lo, hi := rangeOf(w)
	if hi <= lo {
		lo, hi = lo-0.5, hi+0.5
	}
	p := normalise(Histogram(w, lo, hi, bins))
	q := normalise(Histogram(w2, lo, hi, bins))
	return JSDivergence(p, q, JSEpsilon)
}

func rangeOf(x []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range x {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}

func normalise(h []float64) []float64 {
	var s float64
	for _, v := range h {
		s += v
	}
	if s > 0 {
		for i := range h {
			h[i] /= s
		}
	}
	return h
}

// Convention selects how rotations act on the singular vectors (docs/theory.md §JS).
type Convention string

const (
	// ConventionMode rotates in mode space: W′ = (U R_U) Σ (V R_V)ᵀ.
	ConventionMode Convention = "mode"
	// ConventionRepo is the authors' code: W′ = (R_U U R_Uᵀ) Σ (R_V Vᵀ R_V).
	ConventionRepo Convention = "repo"
)

// ParseConvention checks a convention name ("" means mode).
func ParseConvention(s string) (Convention, error) {
	switch Convention(s) {
	case "", ConventionMode:
		return ConventionMode, nil
	case ConventionRepo:
		return ConventionRepo, nil
	}
	return "", fmt.Errorf("rotation convention %q: use \"mode\" (W′=(UR)Σ(VR′)ᵀ) or \"repo\" (the authors' RURᵀ)", s)
}

// RotateU returns the rotated left singular vectors: U·R (mode) or R·U·Rᵀ
// (repo). U is not modified.
func RotateU(u *mat.Dense, r Rotation, conv Convention) *mat.Dense {
	o := mat.DenseCopyOf(u)
	if conv == ConventionRepo {
		r.ApplyLeft(o)
		r.T().ApplyRight(o)
		return o
	}
	r.ApplyRight(o)
	return o
}

// RotateVt returns the rotated transposed right singular vectors: (V·R)ᵀ
// (mode) or R·Vᵀ·R (repo). V is not modified.
func RotateVt(v *mat.Dense, r Rotation, conv Convention) *mat.Dense {
	if conv == ConventionRepo {
		o := mat.DenseCopyOf(v.T())
		r.ApplyLeft(o)
		r.ApplyRight(o)
		return o
	}
	o := mat.DenseCopyOf(v)
	r.ApplyRight(o)
	return mat.DenseCopyOf(o.T())
}

// Compose returns U[:, :L] diag(s) Vt[:L, :] (N×M), L = len(s).
func Compose(u *mat.Dense, s []float64, vt *mat.Dense) *mat.Dense {
	n, _ := u.Dims()
	_, m := vt.Dims()
	l := len(s)
	us := mat.DenseCopyOf(u.Slice(0, n, 0, l))
	for k := 0; k < l; k++ {
		for i := 0; i < n; i++ {
			us.Set(i, k, us.At(i, k)*s[k])
		}
	}
	var w mat.Dense
	w.Mul(us, vt.Slice(0, l, 0, m))
	return &w
}

// RotatedWeights returns W′ for rotations ru (of the N×N U) and rv (of the
// M×M V) under the convention.
func RotatedWeights(u *mat.Dense, s []float64, v *mat.Dense, ru, rv Rotation, conv Convention) *mat.Dense {
	return Compose(RotateU(u, ru, conv), s, RotateVt(v, rv, conv))
}

// FullSVD returns the full SVD W = U diag(s) Vᵀ (U N×N, V M×M, s
// descending, length min(N,M)).
func FullSVD(w *mat.Dense) (u *mat.Dense, s []float64, v *mat.Dense, err error) {
	var svd mat.SVD
	if !svd.Factorize(w, mat.SVDFull) {
		return nil, nil, nil, fmt.Errorf("SVD did not converge")
	}
	u, v = new(mat.Dense), new(mat.Dense)
	svd.UTo(u)
	svd.VTo(v)
	return u, svd.Values(nil), v, nil
}

// JSOptions configures the rotation/Jensen–Shannon study of Fig. 4.
type JSOptions struct {
	Draws       int        // random rotation draws (default 5)
	Fraction    float64    // rotations per draw: ⌊Fraction·N⌋ for U, ⌊Fraction·M⌋ for V (default 0.1)
	Bins        int        // histogram bins (default 1000)
	Convention  Convention // default mode
	BaselineStd float64    // std of the untrained N(0,s²) baseline (default 0.01)
	PDFBins     int        // bins of the before/after weight PDFs (default 100)
	Seed        uint64
}

func (o *JSOptions) defaults() {
	if o.Draws <= 0 {
		o.Draws = 5
	}
	if o.Fraction <= 0 {
		o.Fraction = 0.1
	}
	if o.Bins <= 0 {
		o.Bins = 1000
	}
	if o.Convention == "" {
		o.Convention = ConventionMode
	}
	if o.BaselineStd <= 0 {
		o.BaselineStd = 0.01
	}
	if o.PDFBins <= 0 {
		o.PDFBins = 100
	}
}

// JSResult is the outcome of JSStudy.
type JSResult struct {
	N            int        `json:"n_visible"`
	M            int        `json:"n_hidden"`
	Convention   Convention `json:"convention"`
	RotationsU   int        `json:"rotations_u"`
	RotationsV   int        `json:"rotations_v"`
	Values       []float64  `json:"js"`
	Mean         float64    `json:"js_mean"`
	SD           float64    `json:"js_sd"`
	Baseline     []float64  `json:"baseline_js"`
	BaselineMean float64    `json:"baseline_js_mean"`
	BaselineSD   float64    `json:"baseline_js_sd"`
	// Weight PDFs before and after the first rotation draw, on PDFEdges.
	PDFEdges  []float64 `json:"pdf_edges"`
	PDFBefore []float64 `json:"pdf_before"`
	PDFAfter  []float64 `json:"pdf_after"`
}

// JSStudy measures how much random rotations of the singular vectors of W
// change the distribution of its entries (docs/theory.md §JS): for each draw,
// ⌊0.1N⌋ rotations of U and ⌊0.1M⌋ of V in random coordinate planes with
// θ ~ U(0, 2π), then JS between the entry histograms of W and W′. The
// baseline repeats this on an N(0, s²) matrix of the same shape.
func JSStudy(w *mat.Dense, opts JSOptions) (*JSResult, error) {
	opts.defaults()
	n, m := w.Dims()
	if n < 2 || m < 2 {
		return nil, fmt.Errorf("JS study needs W at least 2×2, got %d×%d", n, m)
	}
	u, s, v, err := FullSVD(w)
	if err != nil {
		return nil, err
	}
	res := &JSResult{N: n, M: m, Convention: opts.Convention,
		RotationsU: int(opts.Fraction * float64(n)), RotationsV: int(opts.Fraction * float64(m))}
	entries := w.RawMatrix().Data
	if w.RawMatrix().Stride != m {
		entries = mat.DenseCopyOf(w).RawMatrix().Data
	}
	stream := tensor.NewStream(opts.Seed, 0x15)
	res.Values, err = jsDraws(u, s, v, entries, opts, stream, func(wp []float64) {
		lo, hi := rangeOf(entries)
		res.PDFEdges = make([]float64, opts.PDFBins+1)
		for i := range res.PDFEdges {
			res.PDFEdges[i] = lo + (hi-lo)*float64(i)/float64(opts.PDFBins)
		}
		res.PDFBefore = density(Histogram(entries, lo, hi, opts.PDFBins), lo, hi)
		res.PDFAfter = density(Histogram(wp, lo, hi, opts.PDFBins), lo, hi)
	})
	if err != nil {
		return nil, err
	}
	res.Mean, res.SD = stat.MeanStdDev(res.Values, nil)
	// Untrained baseline.
	g := mat.NewDense(n, m, nil)
	key := stream.Key()
	for i := 0; i < n; i++ {
		rng := tensor.RowRand(key, i)
		for j := 0; j < m; j++ {
			g.Set(i, j, opts.BaselineStd*rng.NormFloat64())
		}
	}
	gu, gs, gv, err := FullSVD(g)
	if err != nil {
		return nil, err
	}
	res.Baseline, err = jsDraws(gu, gs, gv, g.RawMatrix().Data, opts, stream, nil)
	if err != nil {
		return nil, err
	}
	res.BaselineMean, res.BaselineSD = stat.MeanStdDev(res.Baseline, nil)
	if len(res.Values) < 2 {
		res.SD, res.BaselineSD = 0, 0
	}
	return res, nil
}

func jsDraws(u *mat.Dense, s []float64, v *mat.Dense, entries []float64, opts JSOptions, stream *tensor.Stream, first func([]float64)) ([]float64, error) {
	n, _ := u.Dims()
	m, _ := v.Dims()
	out := make([]float64, opts.Draws)
	for d := range out {
		ru, err := RandomRotation(n, 0, int(opts.Fraction*float64(n)), math.NaN(), stream.Key())
		if err != nil {
			return nil, err
		}
		rv, err := RandomRotation(m, 0, int(opts.Fraction*float64(m)), math.NaN(), stream.Key())
		if err != nil {
			return nil, err
		}
		wp := RotatedWeights(u, s, v, ru, rv, opts.Convention).RawMatrix().Data
		out[d] = EntryJS(entries, wp, opts.Bins)
		if d == 0 && first != nil {
			first(wp)
		}
	}
	return out, nil
}

func density(h []float64, lo, hi float64) []float64 {
	var tot float64
	for _, c := range h {
		tot += c
	}
	width := (hi - lo) / float64(len(h))
	for i := range h {
		if tot > 0 && width > 0 {
			h[i] /= tot * width
		}
	}
	return h
}

// JSPoint is one point of Fig. 4: the JS divergence at hidden size M,
// mean ± sd over replicas (over rotation draws when there is one replica).
type JSPoint struct {
	M        int     `json:"n_hidden"`
	Mean     float64 `json:"js_mean"`
	SD       float64 `json:"js_sd"`
	Replicas int     `json:"replicas"`
}

// AggregateJS groups JS results by hidden size, ascending in M.
func AggregateJS(results []*JSResult) []JSPoint {
	by := map[int][]*JSResult{}
	var ms []int
	for _, r := range results {
		if _, ok := by[r.M]; !ok {
			ms = append(ms, r.M)
		}
		by[r.M] = append(by[r.M], r)
	}
	sortInts(ms)
	var out []JSPoint
	for _, m := range ms {
		rs := by[m]
		p := JSPoint{M: m, Replicas: len(rs)}
		if len(rs) == 1 {
			p.Mean, p.SD = rs[0].Mean, rs[0].SD
		} else {
			var xs []float64
			for _, r := range rs {
				xs = append(xs, r.Mean)
			}
			p.Mean, p.SD = stat.MeanStdDev(xs, nil)
		}
		out = append(out, p)
	}
	return out
}

func sortInts(x []int) {
	for i := 1; i < len(x); i++ {
		for j := i; j > 0 && x[j] < x[j-1]; j-- {
			x[j], x[j-1] = x[j-1], x[j]
		}
	}
}
