package symmetry

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// MinBarrier is the barrier (nats) that separates two wells: a minimum
// counts only if it lies at least this far below its neighbouring maxima.
const MinBarrier = 0.1

// EmpiricalOptions configures EmpiricalFreeEnergy (docs/theory.md §Empirical).
type EmpiricalOptions struct {
	Bins     int     // histogram bins (default 60)
	Quantile float64 // range [q, 1−q] of the samples (default 0.005)
	MinCount int     // bins with fewer samples are dropped (default 10)
}

// FreeEnergyProfile is the empirical free energy −log p̂(z) of samples of one
// coordinate with a count-weighted quartic fit.
type FreeEnergyProfile struct {
	Centers []float64  `json:"centers"`
	F       []float64  `json:"F"` // −log density; NaN for dropped bins
	Counts  []float64  `json:"counts"`
	Fit     [5]float64 `json:"fit"` // quartic c₀..c₄ (NaN if fewer than 5 bins kept)
	// Stationary points of the fit inside the histogram range.
	FitMinima []float64 `json:"fit_minima"`
	FitMaxima []float64 `json:"fit_maxima"`
	// Wells of the fit: two minima with a barrier ≥ MinBarrier above the
	// shallower one. Asymmetry = F(left well) − F(right well) (> 0: the right
	// well is deeper). NaN when single-welled.
	DoubleWell bool    `json:"double_well"`
	Barrier    float64 `json:"barrier"`
	Asymmetry  float64 `json:"asymmetry"`
	// Minima of the histogram itself that are ≥ MinBarrier below both
	// neighbouring maxima (bin centres).
	HistMinima []float64 `json:"hist_minima"`
}

// EmpiricalFreeEnergy histograms the samples, sets F = −log p̂ on bins with
// at least MinCount samples, fits a quartic weighted by the counts and
// locates its wells.
func EmpiricalFreeEnergy(samples []float64, o EmpiricalOptions) (*FreeEnergyProfile, error) {
	if o.Bins <= 0 {
		o.Bins = 60
	}
	if o.Quantile <= 0 {
		o.Quantile = 0.005
	}
	if o.MinCount <= 0 {
		o.MinCount = 10
	}
	if len(samples) < o.MinCount {
		return nil, fmt.Errorf("empirical free energy needs at least %d samples, have %d", o.MinCount, len(samples))
	}
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	q := func(p float64) float64 { return s[int(math.Round(p*float64(len(s)-1)))] }
	lo, hi := q(o.Quantile), q(1-o.Quantile)
	if hi <= lo {
		lo, hi = s[0]-0.5, s[len(s)-1]+0.5
		if hi-lo < 1 {
			lo, hi = lo-0.5, hi+0.5
		}
	}
	counts := Histogram(samples, lo, hi, o.Bins)
	width := (hi - lo) / float64(o.Bins)
	p := &FreeEnergyProfile{Centers: make([]float64, o.Bins), F: make([]float64, o.Bins), Counts: counts,
		Barrier: math.NaN(), Asymmetry: math.NaN()}
	var zs, fs, ws []float64
	for b := range counts {
		p.Centers[b] = lo + (float64(b)+0.5)*width
		p.F[b] = math.NaN()
		if counts[b] >= float64(o.MinCount) {
			p.F[b] = -math.Log(counts[b] / (float64(len(samples)) * width))
			zs, fs, ws = append(zs, p.Centers[b]), append(fs, p.F[b]), append(ws, counts[b])
		}
	}
	p.HistMinima = nil
	for _, i := range HistogramWells(p.F, MinBarrier) {
		p.HistMinima = append(p.HistMinima, p.Centers[i])
	}
	if len(zs) < 5 {
		for i := range p.Fit {
			p.Fit[i] = math.NaN()
		}
		return p, nil
	}
	p.Fit = WeightedQuarticFit(zs, fs, ws)
	mins, maxs := QuarticStationary(p.Fit)
	for _, z := range mins {
		if z >= zs[0] && z <= zs[len(zs)-1] {
			p.FitMinima = append(p.FitMinima, z)
		}
	}
	for _, z := range maxs {
		if z >= zs[0] && z <= zs[len(zs)-1] {
			p.FitMaxima = append(p.FitMaxima, z)
		}
	}
	if len(p.FitMinima) == 2 && len(p.FitMaxima) == 1 {
		fl, fr, fm := PolyEval(p.Fit, p.FitMinima[0]), PolyEval(p.Fit, p.FitMinima[1]), PolyEval(p.Fit, p.FitMaxima[0])
		p.Barrier = fm - math.Max(fl, fr)
		p.Asymmetry = fl - fr
		p.DoubleWell = p.Barrier >= MinBarrier
	}
	return p, nil
}

// WeightedQuarticFit returns c₀..c₄ minimising Σ w_i (f_i − Σ c_n z_iⁿ)².
// The fit is done in standardised z for conditioning and converted back.
func WeightedQuarticFit(z, f, w []float64) [5]float64 {
	var m, s, sw float64
	for i := range z {
		m += w[i] * z[i]
		sw += w[i]
	}
	m /= sw
	for i := range z {
		s += w[i] * (z[i] - m) * (z[i] - m)
	}
	s = math.Sqrt(s / sw)
	if s == 0 {
		s = 1
	}
	a := mat.NewDense(len(z), 5, nil)
	b := mat.NewVecDense(len(z), nil)
	for i := range z {
		t, sq := (z[i]-m)/s, math.Sqrt(w[i])
		pw := 1.0
		for n := 0; n < 5; n++ {
			a.Set(i, n, sq*pw)
			pw *= t
		}
		b.SetVec(i, sq*f[i])
	}
	var x mat.VecDense
	if err := x.SolveVec(a, b); err != nil {
		var out [5]float64
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	// Σ_n d_n ((z−m)/s)ⁿ → Σ_k c_k zᵏ.
	var c [5]float64
	binom := [5][5]float64{{1}, {1, 1}, {1, 2, 1}, {1, 3, 3, 1}, {1, 4, 6, 4, 1}}
	for n := 0; n < 5; n++ {
		dn := x.AtVec(n) / math.Pow(s, float64(n))
		for k := 0; k <= n; k++ {
			c[k] += dn * binom[n][k] * math.Pow(-m, float64(n-k))
		}
	}
	return c
}

// HistogramWells returns the indices of the local minima of f (NaN entries
// are skipped) that lie at least barrier below both neighbouring maxima;
// a minimum at an end of the sequence needs only its one neighbour. A
// sequence with no such structure has exactly one well, its global minimum.
func HistogramWells(f []float64, barrier float64) []int {
	var idx []int
	for i, v := range f {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	var wells []int
	searchingMin := true
	cur, curIdx := f[idx[0]], idx[0]
	for _, i := range idx[1:] {
		v := f[i]
		if searchingMin {
			if v < cur {
				cur, curIdx = v, i
			} else if v >= cur+barrier {
				wells = append(wells, curIdx)
				searchingMin = false
				cur = v
			}
		} else {
			if v > cur {
				cur = v
			} else if v <= cur-barrier {
				searchingMin = true
				cur, curIdx = v, i
			}
		}
	}
	// A pending minimum at the end: it is a well if a barrier precedes it
	// (after a confirmed maximum) or if nothing was confirmed at all.
	if searchingMin {
		wells = append(wells, curIdx)
	}
	return wells
}
