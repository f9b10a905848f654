package autocorr

import (
	"math"
	"testing"

	"github.com/rbmscope/rbmscope/internal/stats"
	"github.com/rbmscope/rbmscope/tensor"
)

// ar1 fills chains of x_t = ρx_{t−1} + √(1−ρ²)ε_t started from the
// stationary N(0,1), so every sample is stationary.
func ar1(acc *Autocov, rho float64, chains int, key uint64) {
	x := make([]float64, acc.Len())
	for c := 0; c < chains; c++ {
		r := tensor.RowRand(key, c)
		x[0] = r.NormFloat64()
		for t := 1; t < len(x); t++ {
			x[t] = rho*x[t-1] + math.Sqrt(1-rho*rho)*r.NormFloat64()
		}
		acc.Add(x)
	}
}

// The AR(1) process has ρ(l) = ρ^|l|, so τ = 1 + 2Σ_{l≥1}ρ^l = (1+ρ)/(1−ρ)
// exactly. The estimate must fall within 3 Madras–Sokal error bars (a
// normal deviate beyond 3σ has probability 0.3%; the window's truncation
// bias, 2|ρ|^{W+1}/(1−ρ) with W ≥ 6·max(τ,1), is below 1e-3·τ for these
// ρ, under a tenth of the error bar).
func TestIATAR1(t *testing.T) {
	for i, rho := range []float64{0, 0.5, 0.9, 0.97, -0.3} {
		acc, err := NewAutocov(4000)
		if err != nil {
			t.Fatal(err)
		}
		ar1(acc, rho, 50, tensor.NewStream(7, uint64(i)).Key())
		got := acc.IntegratedTime(0)
		want := (1 + rho) / (1 - rho)
		if !got.Converged || math.Abs(got.Tau-want) > 3*got.Err {
			t.Errorf("ρ=%v: τ = %.4f ± %.4f (W=%d, converged %v), want %.4f", rho, got.Tau, got.Err, got.Window, got.Converged, want)
		}
		if math.Abs(got.Var-1) > 6*math.Sqrt(2*want/float64(got.Samples)) {
			t.Errorf("ρ=%v: variance %v, want 1", rho, got.Var)
		}
	}
}

// The Madras–Sokal error bar is an honest one: over 40 independent
// replicates of ρ = 0.8 (τ = 9) the spread of τ̂ is the stated error
// within a factor 1.5 (the sample SD of 40 normal draws lies within
// ±1.5× of σ with probability > 0.999).
func TestIATErrorBar(t *testing.T) {
	var taus, errs []float64
	for rep := 0; rep < 40; rep++ {
		acc, _ := NewAutocov(2000)
		ar1(acc, 0.8, 10, tensor.NewStream(11, uint64(rep)).Key())
		r := acc.IntegratedTime(0)
		taus, errs = append(taus, r.Tau), append(errs, r.Err)
	}
	_, sd := stats.MeanSD(taus, 1)
	mErr, _ := stats.MeanSD(errs, 1)
	if sd > 1.5*mErr || sd < mErr/1.5 {
		t.Errorf("replicate SD of τ̂ %.4f, mean stated error %.4f", sd, mErr)
	}
}

// The FFT autocovariance equals the direct double sum about the global
// mean (exact up to rounding), including chains whose means differ.
func TestAutocovDirect(t *testing.T) {
	const n = 37
	series := [][]float64{}
	acc, _ := NewAutocov(n)
	for c := 0; c < 3; c++ {
		r := tensor.RowRand(3, c)
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(c) + r.NormFloat64() + 10
		}
		series = append(series, x)
		acc.Add(x)
	}
	got, mu := acc.Autocovariance(n - 1)
	sum := 0.0
	for _, x := range series {
		for _, v := range x {
			sum += v
		}
	}
	if want := sum / (3 * n); math.Abs(mu-want) > 1e-12 {
		t.Fatalf("mean %v, want %v", mu, want)
	}
	for l := 0; l < n; l++ {
		s := 0.0
		for _, x := range series {
			for i := 0; i+l < n; i++ {
				s += (x[i] - mu) * (x[i+l] - mu)
			}
		}
		want := s / float64(3*(n-l))
		if math.Abs(got[l]-want) > 1e-10 {
			t.Errorf("lag %d: %v, direct %v", l, got[l], want)
		}
	}
	if _, err := NewAutocov(1); err == nil {
		t.Error("length 1 accepted")
	}
	c, _ := NewAutocov(10)
	c.Add(make([]float64, 10))
	if r := c.IntegratedTime(0); !math.IsNaN(r.Tau) {
		t.Errorf("constant series: τ = %v, want NaN", r.Tau)
	}
}

// TestExpTimeAR1: an AR(1) chain has ρ(l) = ρ^l exactly, so −l/log ρ(l) =
// −1/log ρ at every lag; with 40 chains × 4000 steps the estimate of ρ(l)
// has sd ≈ √(τ_int/N) ≈ 0.004, which moves −l/log ρ(l) by under 5% while
// ρ(l) > 0.2 (the floor used here).
func TestExpTimeAR1(t *testing.T) {
	for _, rho := range []float64{0.5, 0.9} {
		acc, _ := NewAutocov(4000)
		ar1(acc, rho, 40, 7)
		want := -1 / math.Log(rho)
		if got := acc.ExpTime(200, 0.2); math.Abs(got-want) > 0.05*want {
			t.Errorf("ρ = %v: τexp %v, want %v ± 5%%", rho, got, want)
		}
	}
	flat, _ := NewAutocov(10)
	flat.Add(make([]float64, 10))
	if got := flat.ExpTime(5, 0.05); !math.IsNaN(got) {
		t.Errorf("constant series: τexp %v, want NaN", got)
	}
}

// TestFromTrace: the time-major trace gives the same accumulator as
// adding each chain's series.
func TestFromTrace(t *testing.T) {
	const n, chains = 64, 3
	trace := make([][]float64, n)
	direct, _ := NewAutocov(n)
	series := make([][]float64, chains)
	for c := range series {
		r := tensor.RowRand(3, c)
		series[c] = make([]float64, n)
		for i := range series[c] {
			series[c][i] = r.NormFloat64()
		}
		direct.Add(series[c])
	}
	for i := range trace {
		trace[i] = make([]float64, chains)
		for c := range trace[i] {
			trace[i][c] = series[c][i]
		}
	}
	acc, err := FromTrace(trace)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := acc.Autocovariance(n - 1)
	b, _ := direct.Autocovariance(n - 1)
	for l := range a {
		if a[l] != b[l] {
			t.Fatalf("lag %d: %v vs %v", l, a[l], b[l])
		}
	}
	if _, err := FromTrace(make([][]float64, 1)); err == nil {
		t.Error("a one-step trace was accepted")
	}
}
