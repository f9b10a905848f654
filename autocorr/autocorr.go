package autocorr

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// DefaultWindowC is the constant c of Sokal's automatic window: the
// window W is the smallest lag with W ≥ c·τ(W). Sokal (1997) recommends
// c ≈ 4–6 for nearly exponential autocorrelations; with c = 6 the
// truncation bias of a pure exponential, −2ρ^{W+1}/(1−ρ)·…, is below
// e^{−6}·τ ≈ 0.25% of τ.
const DefaultWindowC = 6

// Autocov accumulates the autocovariance of a stationary observable over
// many independent chains of the same length n. The mean is the global
// one (all chains, all times), so a slow observable whose chains have
// not mixed is not hidden by per-chain centring. Sums over chains are
// taken in the order Add is called; the result is exact up to rounding.
type Autocov struct {
	n, chains int
	fft       *fourier.FFT
	power     []float64 // Σ_chains |X(f)|² of the zero-padded series
	prefix    []float64 // Σ_chains Σ_{t<i} x_t, i = 0..n
	buf       []float64
	coef      []complex128
}

// NewAutocov returns an accumulator for series of length n ≥ 2.
func NewAutocov(n int) (*Autocov, error) {
	if n < 2 {
		return nil, fmt.Errorf("autocorrelation: series of length %d, need at least 2", n)
	}
	m := 2 * n // zero padding to 2n makes the circular correlation linear
	return &Autocov{n: n, fft: fourier.NewFFT(m), power: make([]float64, m/2+1),
		prefix: make([]float64, n+1), buf: make([]float64, m), coef: make([]complex128, m/2+1)}, nil
}

// Len returns the series length n.
func (a *Autocov) Len() int { return a.n }

// Chains returns the number of series added.
func (a *Autocov) Chains() int { return a.chains }

// Add accumulates one chain's series x (length n).
func (a *Autocov) Add(x []float64) {
	if len(x) != a.n {
		panic(fmt.Sprintf("autocorr: Autocov.Add got %d values, want %d", len(x), a.n))
	}
	copy(a.buf, x)
	a.add()
}

// Add32 is Add for a float32 series.
func (a *Autocov) Add32(x []float32) {
	if len(x) != a.n {
		panic(fmt.Sprintf("autocorr: Autocov.Add32 got %d values, want %d", len(x), a.n))
	}
	for t, v := range x {
		a.buf[t] = float64(v)
	}
	a.add()
}

// add accumulates the series in buf[:n]: its prefix sums and the power
// spectrum of its zero-padded form, whose inverse transform is the raw
// lagged product Σ_t x_t x_{t+l} for l < n.
func (a *Autocov) add() {
	s := 0.0
	for t := 0; t < a.n; t++ {
		s += a.buf[t]
		a.prefix[t+1] += s
	}
	clear(a.buf[a.n:])
	a.fft.Coefficients(a.coef, a.buf)
	for f, c := range a.coef {
		a.power[f] += real(c)*real(c) + imag(c)*imag(c)
	}
	a.chains++
}

// Autocovariance returns C(l), l = 0..maxLag (≤ n−1), about the global
// mean μ of all chains:
//
//	C(l) = Σ_chains Σ_{t<n−l} (x_t−μ)(x_{t+l}−μ) / (R(n−l))
//	     = [S(l) − μ(H(l)+T(l))]/(R(n−l)) + μ²,
//
// with S(l) the raw lagged products (inverse transform of the summed power
// spectrum), H(l) = Σ x_{t<n−l} and T(l) = Σ x_{t≥l} from the prefix sums.
func (a *Autocov) Autocovariance(maxLag int) ([]float64, float64) {
	maxLag = min(maxLag, a.n-1)
	if a.chains == 0 || maxLag < 0 {
		return nil, math.NaN()
	}
	m := float64(2 * a.n)
	pc := make([]complex128, len(a.power))
	for f, p := range a.power {
		pc[f] = complex(p, 0)
	}
	raw := a.fft.Sequence(nil, pc)
	r := float64(a.chains)
	total := a.prefix[a.n]
	mu := total / (r * float64(a.n))
	c := make([]float64, maxLag+1)
	for l := range c {
		s := raw[l] / m
		h := a.prefix[a.n-l]
		t := total - a.prefix[l]
		c[l] = (s-mu*(h+t))/(r*float64(a.n-l)) + mu*mu
	}
	return c, mu
}

// IAT is an integrated autocorrelation time τ = 1 + 2 Σ_{l=1}^{W} ρ(l)
// with Sokal's automatic window W and the Madras–Sokal error
// var(τ) ≈ 2(2W+1)/N · τ², N the number of samples (chains × length).
type IAT struct {
	Tau     float64 `json:"tau"`
	Err     float64 `json:"tau_err"`
	Window  int     `json:"window"`  // W
	Mean    float64 `json:"mean"`    // the global mean μ
	Var     float64 `json:"var"`     // C(0)
	Samples int     `json:"samples"` // N
	// Converged is false when no W < n/2 satisfied W ≥ c·τ(W): the chains
	// are too short for this observable and Tau (taken at W = n/2) is a
	// lower bound.
	Converged bool `json:"converged"`
}

// IntegratedTime returns τ of the accumulated chains with window
// constant c (DefaultWindowC when c ≤ 0): W is the smallest lag with
// W ≥ c·max(τ(W), 1). The max keeps the window at least c lags wide for
// anticorrelated observables (τ < 1, e.g. the w_k of a Gibbs chain), whose
// partial sums can dip below zero at W = 1. A constant observable
// (C(0) = 0) has τ = NaN.
//
// The automatic window is Sokal's compromise between bias and variance,
// and it is biased low for an observable with a small overlap ε on a much
// slower mode: that mode's tail, ≈ 2ε·λ^{W+1}/(1−λ), lies beyond W. Use
// TimeAt with the window of the slowest observable to include it.
func (a *Autocov) IntegratedTime(c float64) IAT {
	if c <= 0 {
		c = DefaultWindowC
	}
	return a.window(func(w int, tau float64) bool { return float64(w) >= c*math.Max(tau, 1) })
}

// TimeAt returns τ summed over the fixed window W (clamped to [1, n/2];
// Converged reports whether W was within range).
func (a *Autocov) TimeAt(w int) IAT {
	r := a.window(func(l int, _ float64) bool { return l >= w })
	return r
}

// window sums τ(W) = 1 + 2Σ_{l≤W} ρ(l) until stop(W, τ(W)) or W = n/2.
func (a *Autocov) window(stop func(w int, tau float64) bool) IAT {
	maxW := max(1, a.n/2)
	cov, mu := a.Autocovariance(maxW)
	out := IAT{Mean: mu, Samples: a.chains * a.n, Tau: math.NaN(), Err: math.NaN()}
	if cov == nil {
		return out
	}
	out.Var = cov[0]
	if !(cov[0] > 0) {
		return out
	}
	tau := 1.0
	w := 1
	for ; w < len(cov); w++ {
		tau += 2 * cov[w] / cov[0]
		if stop(w, tau) {
			out.Converged = true
			break
		}
	}
	w = min(w, len(cov)-1)
	out.Tau, out.Window = tau, w
	out.Err = tau * math.Sqrt(2*float64(2*w+1)/float64(out.Samples))
	return out
}

// FromTrace accumulates trace[t][c], the observable of chain c at time t
// (time-major, as samplers record it), one chain at a time in order c.
func FromTrace(trace [][]float64) (*Autocov, error) {
	a, err := NewAutocov(len(trace))
	if err != nil {
		return nil, err
	}
	if len(trace) == 0 {
		return a, nil
	}
	x := make([]float64, len(trace))
	for c := range trace[0] {
		for t, row := range trace {
			x[t] = row[c]
		}
		a.Add(x)
	}
	return a, nil
}

// ExpTime returns the exponential autocorrelation time estimate
// max_l −l/log ρ(l) over the lags l = 1..maxLag at which ρ(l) = C(l)/C(0)
// stays above floor (the PTT paper's reading for exchange levels, after
// Alvarez Baños et al., J. Stat. Mech. (2010) P06026): below the floor
// log ρ is dominated by noise. 0 when ρ(1) ≤ floor; NaN for C(0) = 0.
func (a *Autocov) ExpTime(maxLag int, floor float64) float64 {
	cov, _ := a.Autocovariance(maxLag)
	if cov == nil || !(cov[0] > 0) {
		return math.NaN()
	}
	tau := 0.0
	for l := 1; l < len(cov); l++ {
		rho := cov[l] / cov[0]
		if rho <= floor {
			break
		}
		tau = math.Max(tau, -float64(l)/math.Log(rho))
	}
	return tau
}
