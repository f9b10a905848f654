package partition

import (
	"fmt"
	"math"
	"strings"

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

// EffectiveSampleSize returns Kish's effective sample size (Σw)²/Σw² of the
// importance weights w_c = e^{logw_c} (e^{−logw_c} when reverse), computed
// stably: n for equal weights, 1 when a single weight dominates.
func EffectiveSampleSize(logw []float64, reverse bool) float64 {
	if len(logw) == 0 {
		return 0
	}
	_, total, sumSq := scaledWeights(logw, reverse, nil)
	return total * total / sumSq
}

// scaledWeights returns the importance weights e^{±logw_c − mx} scaled by
// their largest, mx, their sum and the sum of their squares; w, when not
// nil, receives the weights. NaN or infinite log-weights give NaN sums.
func scaledWeights(logw []float64, reverse bool, w []float64) (mx, total, sumSq float64) {
	sign := 1.0
	if reverse {
		sign = -1
	}
	mx = math.Inf(-1)
	for _, v := range logw {
		mx = max(mx, sign*v)
	}
	if math.IsInf(mx, 0) || math.IsNaN(mx) {
		return mx, math.NaN(), math.NaN()
	}
	for i, v := range logw {
		x := math.Exp(sign*v - mx)
		if w != nil {
			w[i] = x
		}
		total += x
		sumSq += x * x
	}
	return mx, total, sumSq
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
// (docs/theory.md §Bounds). Fields are NaN when the estimate was not run.
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

// Warnings says, one sentence each, when the bounds in b (from ais and rais,
// either may be nil) should not be trusted:
//   - an effective sample size below a tenth of the chains (or below 5):
//     the log-mean-exp rests on a few chains, and more betas or chains would
//     likely move it;
//   - after resampling, final chains that descend from fewer than a tenth
//     of the initial chains (or fewer than 5): the genealogy error rests on
//     those few families and is itself uncertain;
//   - independent runs (Pool) that disagree beyond their errors: Cochran's
//     χ² with p < 0.01;
//   - an inverted sandwich, the reverse-AIS log Z below the AIS one by more
//     than three combined standard errors: the forward chains found states
//     of high probability that the reverse chains, started at data, never
//     reach (spurious modes), so LL_RAIS is no lower bound here and the
//     log-likelihood is at most LL_AIS.
func Warnings(b LLBounds, ais, rais *Result) []string {
	var w []string
	for _, r := range []*Result{ais, rais} {
		if r == nil || math.IsNaN(r.ESS) {
			continue
		}
		if r.ESS < max(5, 0.1*float64(r.Chains)) {
			w = append(w, fmt.Sprintf("%s: effective sample size %.1f of %d chains; the estimate rests on a few chains and more betas (--betas) or chains (--chains) would likely move it",
				strings.ToUpper(r.Method), r.ESS, r.Chains))
		}
		if r.Resamples > 0 && r.Eves > 0 && float64(r.Eves) < max(5, 0.1*float64(r.Chains)) {
			w = append(w, fmt.Sprintf("%s: after %d resamplings the %d chains descend from only %d initial chains; the error (from their genealogy) rests on those few families and may itself be off by a factor, so more chains (--chains) or betas (--betas) are needed to trust it",
				strings.ToUpper(r.Method), r.Resamples, r.Chains, r.Eves))
		}
		if s := r.Spread; s != nil && s.P < 0.01 {
			w = append(w, fmt.Sprintf("%s: the %d independent runs disagree beyond their errors (log Z sd %.2f, χ² %.1f on %d degrees of freedom, p = %.2g): a single run's error understates how far it moves with the seed, so quote the spread, and more betas (--betas) are likely needed",
				strings.ToUpper(r.Method), s.Runs, s.SD, s.Chi2, s.Runs-1, s.P))
		}
	}
	if ais != nil && rais != nil && b.LogZRAIS < b.LogZAIS-3*math.Hypot(b.LLAISErr, b.LLRAISErr) {
		w = append(w, fmt.Sprintf("inverted sandwich: reverse-AIS log Z %.2f is below the AIS log Z %.2f; forward AIS found high-probability states that the reverse chains' start states miss (spurious modes that data, and Gibbs or tempering runs too short, never reach), so LL_RAIS is no lower bound here and the log-likelihood is at most LL_AIS %.2f",
			b.LogZRAIS, b.LogZAIS, b.LLAIS))
	}
	return w
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
