package partition

import (
	"fmt"
	"math"

	"github.com/rbmscope/rbmscope/tensor"
)

// Estimator turns per-chain log-weights into a log Z estimate.
type Estimator string

const (
	// LogMeanExpEstimator is logmeanexp(log w) for AIS and
	// −logmeanexp(−log r) for reverse AIS: the unbiased-weight estimators
	// whose expectations bound log Z from below and above.
	LogMeanExpEstimator Estimator = "logmeanexp"
	// Mean is the plain mean of the log-weights, as the paper's authors
	// plotted; it is lower (AIS) or higher (reverse AIS) still.
	Mean Estimator = "mean"
)

// ParseEstimator accepts "logmeanexp" (or "lme") and "mean".
func ParseEstimator(s string) (Estimator, error) {
	switch s {
	case "logmeanexp", "lme", "":
		return LogMeanExpEstimator, nil
	case "mean":
		return Mean, nil
	}
	return "", fmt.Errorf("unknown log Z estimator %q: use logmeanexp or mean", s)
}

const bootstrapReps = 200

// LogMeanExp returns log((1/n) Σ exp(x_i)), computed stably.
func LogMeanExp(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	mx := math.Inf(-1)
	for _, v := range x {
		mx = max(mx, v)
	}
	if math.IsInf(mx, 0) {
		return mx
	}
	s := 0.0
	for _, v := range x {
		s += math.Exp(v - mx)
	}
	return mx + math.Log(s/float64(len(x)))
}

// EstimateLogZ returns the log Z estimate from per-chain log-weights;
// reverse selects the reverse-AIS form (log r, with E e^{−log r} = 1/Z).
func EstimateLogZ(logw []float64, reverse bool, est Estimator) float64 {
	if est == Mean {
		s := 0.0
		for _, v := range logw {
			s += v
		}
		return s / float64(len(logw))
	}
	if !reverse {
		return LogMeanExp(logw)
	}
	neg := make([]float64, len(logw))
	for i, v := range logw {
		neg[i] = -v
	}
	return -LogMeanExp(neg)
}

// BootstrapSE is the standard deviation of EstimateLogZ over reps
// resamplings of the chains (with replacement), seeded.
func BootstrapSE(logw []float64, reverse bool, kind Estimator, reps int, seed uint64) float64 {
	n := len(logw)
	if n < 2 || reps < 2 {
		return math.NaN()
	}
	key := tensor.NewStream(seed, purposeBootstrap).Key()
	res := make([]float64, n)
	est := make([]float64, reps)
	mean := 0.0
	for b := range est {
		g := tensor.RowRand(key, b)
		for i := range res {
			res[i] = logw[g.Uint64()%uint64(n)]
		}
		est[b] = EstimateLogZ(res, reverse, kind)
		mean += est[b] / float64(reps)
	}
	ss := 0.0
	for _, e := range est {
		ss += (e - mean) * (e - mean)
	}
	return math.Sqrt(ss / float64(reps-1))
}

// LLBounds are the stochastic bounds on the mean log-likelihood of a data set
// (MATH.md §1.6). Fields are NaN when the estimate was not run.
type LLBounds struct {
	Num       float64   `json:"num"` // mean −F(v) over the data
	Estimator Estimator `json:"estimator"`
	LogZAIS   float64   `json:"log_z_ais"`
	// LLAIS = num − log Z_AIS: an upper bound on the log-likelihood in
	// expectation (AIS underestimates log Z).
	LLAIS    float64 `json:"ll_ais"`
	LLAISErr float64 `json:"ll_ais_err"`
	LogZRAIS float64 `json:"log_z_rais"`
	// LLRAIS = num − log Z_RAIS: a lower bound in expectation.
	LLRAIS    float64 `json:"ll_rais"`
	LLRAISErr float64 `json:"ll_rais_err"`
}

// Bounds combines num with an AIS and a reverse AIS result (either may be
// nil) under estimator est.
func Bounds(num float64, ais, rais *Result, est Estimator) LLBounds {
	nan := math.NaN()
	b := LLBounds{Num: num, Estimator: est, LogZAIS: nan, LLAIS: nan, LLAISErr: nan, LogZRAIS: nan, LLRAIS: nan, LLRAISErr: nan}
	if ais != nil {
		lz, se := ais.Estimate(est)
		b.LogZAIS, b.LLAIS, b.LLAISErr = lz, num-lz, se
	}
	if rais != nil {
		lz, se := rais.Estimate(est)
		b.LogZRAIS, b.LLRAIS, b.LLRAISErr = lz, num-lz, se
	}
	return b
}
