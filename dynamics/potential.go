package dynamics

import (
	"fmt"
	"math"
	"slices"
)

// Potential is a 1-D potential Φ = −log p tabulated on a grid from
// samples: a histogram of fine bins smoothed by a Gaussian kernel
// (a binned kernel density estimate), normalised so ∫p = 1.
type Potential struct {
	Grid      Grid
	Density   []float64 // p(q_i)
	Phi       []float64 // −log p(q_i)
	Bandwidth float64   // kernel SD
	Samples   int
}

// TrimFraction is the fraction of samples cut from each end before the
// grid of EmpiricalPotential is laid: a handful of outliers would otherwise
// make islands of density, separated from the bulk by near-empty bins,
// whose exchange with the bulk sets a spuriously slow lowest FP rate.
const TrimFraction = 5e-4

// EmpiricalPotential estimates p and Φ on n grid points spanning the
// samples' range between the TrimFraction and 1−TrimFraction quantiles,
// widened by three bandwidths; samples beyond the grid are left out. The bandwidth is
// Silverman's 1.06·SD·N^{−1/5}, but at least two grid spacings of the
// unwidened range so the density has no empty bins. Non-finite samples
// are an error.
func EmpiricalPotential(samples []float64, n int) (*Potential, error) {
	if len(samples) < 10 || n < 16 {
		return nil, fmt.Errorf("empirical potential: need ≥ 10 samples and ≥ 16 grid points (got %d, %d)", len(samples), n)
	}
	lo, hi := slices.Min(samples), slices.Max(samples)
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil, fmt.Errorf("empirical potential: non-finite samples")
	}
	mean, sq := 0.0, 0.0
	for _, x := range samples {
		mean += x
	}
	mean /= float64(len(samples))
	for _, x := range samples {
		sq += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(sq / float64(len(samples)-1))
	if !(hi > lo) || !(sd > 0) {
		return nil, fmt.Errorf("empirical potential: the samples are constant")
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	cut := int(TrimFraction * float64(len(sorted)))
	if sorted[len(sorted)-1-cut] > sorted[cut] {
		lo, hi = sorted[cut], sorted[len(sorted)-1-cut]
	}
	bw := math.Max(1.06*sd*math.Pow(float64(len(samples)), -0.2), 2*(hi-lo)/float64(n-1))
	g, err := NewGrid(lo-3*bw, hi+3*bw, n)
	if err != nil {
		return nil, err
	}
	p := &Potential{Grid: g, Density: kde(samples, g, bw), Bandwidth: bw, Samples: len(samples)}
	p.Phi = make([]float64, n)
	for i, d := range p.Density {
		p.Phi[i] = -math.Log(d)
	}
	return p, nil
}

// Grad returns dΦ/dq at q from the centred differences of the table,
// interpolated linearly (one-sided at the ends, constant outside).
func (p *Potential) Grad(q float64) float64 {
	g := p.Grid
	d := func(i int) float64 {
		switch {
		case i == 0:
			return (p.Phi[1] - p.Phi[0]) / g.H
		case i == g.N-1:
			return (p.Phi[i] - p.Phi[i-1]) / g.H
		}
		return (p.Phi[i+1] - p.Phi[i-1]) / (2 * g.H)
	}
	x := (q - g.Lo) / g.H
	if x <= 0 {
		return d(0)
	}
	if x >= float64(g.N-1) {
		return d(g.N - 1)
	}
	i := int(x)
	t := x - float64(i)
	return (1-t)*d(i) + t*d(i+1)
}

// kde bins the xs that fall on g and smooths the counts with a Gaussian
// kernel of SD bw: the density of those samples at the grid points.
func kde(xs []float64, g Grid, bw float64) []float64 {
	counts := make([]float64, g.N)
	inside := 0
	for _, x := range xs {
		if i := int(math.Round((x - g.Lo) / g.H)); i >= 0 && i < g.N {
			counts[i]++
			inside++
		}
	}
	out := make([]float64, g.N)
	norm := 1 / (float64(max(inside, 1)) * bw * math.Sqrt(2*math.Pi))
	for i := range out {
		s := 0.0
		for j, c := range counts {
			if c == 0 {
				continue
			}
			d := float64(i-j) * g.H / bw
			s += c * math.Exp(-d*d/2)
		}
		out[i] = s * norm
	}
	return out
}

// silverman returns 1.06·SD·N^{−1/5} of xs.
func silverman(xs []float64) float64 {
	mean, sq := 0.0, 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sq += (x - mean) * (x - mean)
	}
	return 1.06 * math.Sqrt(sq/float64(len(xs)-1)) * math.Pow(float64(len(xs)), -0.2)
}

// LeadingMode is the Fokker–Planck and Langevin reading of one mode's
// empirical potential.
type LeadingMode struct {
	Potential *Potential
	// Rates are the lowest Fokker–Planck rates of Φ (λ₀ ≈ 0, λ₁ the
	// slowest relaxation), in the FP time unit (D = 1).
	Rates    []float64
	Langevin *Langevin
	// LangevinDensity is the particles' density at the final time on
	// Potential.Grid (kernel SD: the larger of the potential's and the
	// particles' own Silverman bandwidth).
	LangevinDensity []float64
	Start           float64 // the particles' common start
}

// AnalyzeLeading builds Φ = −log p from samples, its lowest FP rates,
// and runs o.Particles Langevin particles in Φ from the lowest sample
// (reflecting walls at the grid ends) for five slowest relaxation times
// 5/λ₁. The step is dt = 0.05·H² (a diffusion step of 0.3 grid
// spacings), raised if needed so that at most maxSteps steps are taken.
// o.Steps, o.Dt, o.Lo and o.Hi are set here.
func AnalyzeLeading(samples []float64, gridN, maxSteps int, o LangevinOptions) (*LeadingMode, error) {
	pot, err := EmpiricalPotential(samples, gridN)
	if err != nil {
		return nil, err
	}
	rates, err := FPSpectrum(pot.Grid, pot.Phi, 4)
	if err != nil {
		return nil, err
	}
	g := pot.Grid
	total := 5 / rates[1]
	o.Dt = 0.05 * g.H * g.H
	o.Steps = int(math.Ceil(total / o.Dt))
	if o.Steps > maxSteps {
		o.Steps = maxSteps
		o.Dt = total / float64(maxSteps)
	}
	o.Lo, o.Hi = g.Lo, g.At(g.N-1)
	o.Every = max(1, o.Steps/50)
	start := slices.Min(samples)
	l, err := RunLangevin([]float64{start}, func(z, gr []float64) { gr[0] = pot.Grad(z[0]) }, o)
	if err != nil {
		return nil, err
	}
	xs := make([]float64, len(l.Final))
	for i, z := range l.Final {
		xs[i] = z[0]
	}
	bw := math.Max(pot.Bandwidth, silverman(xs))
	return &LeadingMode{Potential: pot, Rates: rates, Langevin: l, LangevinDensity: kde(xs, g, bw), Start: start}, nil
}
