package partition

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/rbmscope/rbmscope/internal/stats"
)

// Spread is the agreement of independent runs of one estimator (Pool):
// their log Z values and reported errors, and Cochran's χ² of the values
// about their inverse-variance weighted mean, Σ_r (log Ẑ_r − ȳ)²/σ_r², on
// Runs − 1 degrees of freedom. When every run's error is right, P (the
// chance of a χ² at least this large) is uniform on [0, 1]; a small P says
// the runs disagree beyond their errors, so a single run's error
// understates how far its value can move with the seed.
type Spread struct {
	Runs    int       `json:"runs"`
	LogZ    []float64 `json:"log_z"`
	LogZErr []float64 `json:"log_z_err"`
	SD      float64   `json:"sd"` // standard deviation of the runs' log Z
	Chi2    float64   `json:"chi2"`
	P       float64   `json:"p"`
}

// Pool combines independent runs of AIS (or of reverse AIS) with the same
// number of chains into one result: the chains are concatenated, so the
// pooled Ẑ is the mean of the runs' Ẑ_r (unbiased, like each of them; for
// reverse AIS the mean of their 1/Ẑ_r), and its relative variance is
// Σ_r V_r (Ẑ_r/Ẑ)²/R², with each run's V_r = e^{σ_r²} − 1 from its own
// error σ_r (GenealogySE inverted). The plain-mean estimator is the mean of
// the runs' with error √Σσ_r²/R. Spread records how well the runs agree.
func Pool(runs []*Result) (*Result, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("pool: no runs")
	}
	first := runs[0]
	if len(runs) == 1 {
		return first, nil
	}
	rev := first.reverse()
	p := &Result{Method: first.Method, LogZA: first.LogZA, Betas: first.Betas}
	for i, r := range runs {
		if r.Method != first.Method || len(r.LogW) != len(first.LogW) || r.Betas != first.Betas {
			return nil, fmt.Errorf("pool: run %d (%s, %d chains, %d betas) differs from run 0 (%s, %d chains, %d betas)",
				i, r.Method, len(r.LogW), r.Betas, first.Method, len(first.LogW), first.Betas)
		}
		p.LogW = append(p.LogW, r.LogW...)
		p.Eve = append(p.Eve, offsetEves(r, i*len(first.LogW))...)
		p.Chains += r.Chains
		p.Resamples += r.Resamples
		p.Eves += r.Eves
		p.Seconds += r.Seconds
	}
	p.LogZ = EstimateLogZ(p.LogW, rev, LogMeanExpEstimator)
	p.ESS = EffectiveSampleSize(p.LogW, rev)
	sign := 1.0
	if rev {
		sign = -1
	}
	n := float64(len(runs))
	var v, meanSum, meanVar float64
	sp := &Spread{Runs: len(runs)}
	for _, r := range runs {
		x := math.Exp(sign * (r.LogZ - p.LogZ)) // Ẑ_r/Ẑ (or (1/Ẑ_r)/(1/Ẑ))
		v += math.Expm1(r.LogZErr*r.LogZErr) * x * x / (n * n)
		meanSum += r.LogZMean / n
		meanVar += r.LogZMeanErr * r.LogZMeanErr / (n * n)
		sp.LogZ = append(sp.LogZ, r.LogZ)
		sp.LogZErr = append(sp.LogZErr, r.LogZErr)
	}
	p.LogZErr = math.Sqrt(math.Log1p(v))
	p.LogZMean, p.LogZMeanErr = meanSum, math.Sqrt(meanVar)
	sp.SD, sp.Chi2 = spreadStats(sp.LogZ, sp.LogZErr)
	sp.P = distuv.ChiSquared{K: n - 1}.Survival(sp.Chi2)
	p.Spread = sp
	return p, nil
}

// offsetEves returns r's eve indices shifted by off, so that families of
// different runs stay apart (a run without them is one family per chain).
func offsetEves(r *Result, off int) []int32 {
	e := make([]int32, len(r.LogW))
	for c := range e {
		if len(r.Eve) == len(e) {
			e[c] = r.Eve[c] + int32(off)
		} else {
			e[c] = int32(c + off)
		}
	}
	return e
}

// spreadStats returns the standard deviation of y and Cochran's χ² of y
// about its inverse-variance weighted mean (NaN when an error is not
// positive).
func spreadStats(y, se []float64) (sd, chi2 float64) {
	_, sd = stats.MeanSD(y, 1)
	var sw, swy float64
	for i, v := range y {
		w := 1 / (se[i] * se[i])
		sw += w
		swy += w * v
	}
	if !(sw > 0) || math.IsInf(sw, 0) {
		return sd, math.NaN()
	}
	for i, v := range y {
		d := v - swy/sw
		chi2 += d * d / (se[i] * se[i])
	}
	return sd, chi2
}
