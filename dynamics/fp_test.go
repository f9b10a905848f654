package dynamics

import (
	"math"
	"slices"
	"testing"

	"github.com/rbmscope/rbmscope/reciprocal"
)

func doubleWell(q float64) float64   { return q*q*q*q/4 - q*q }
func doubleWellD(q float64) float64  { return q*q*q - 2*q }
func doubleWellD2(q float64) float64 { return 3*q*q - 2 }

// T5.2: for the double well Φ = q⁴/4 − q² the Fokker–Planck generator
// (detailed-balance discretisation) and the Schrödinger operator of
// Eq. 36 have the same low spectrum. The reference levels (T5.2 of
// docs/theory.md §Tests, from the paper reconstruction's fine-grid script
// checks/v4_fp.py) are 0, 0.37434, 3.002, 5.830, 9.320, printed to 3–5
// decimals (rounding error up to 5e-4). Both discretisations are second
// order: halving H from 0.005 to 0.0025 moves every level by less than
// 2e-4 (measured: 1.6e-4 for the top one), so by Richardson the grid
// error at H = 0.0025 is a third of that, < 1e-4. The two operators must
// agree to 1e-4 (plus the 1e-4 grid error each: 2e-4), and match the
// references to that 1e-3 — except the fifth level, whose converged
// value here is 9.32157 (Richardson from 4001 and 8001 points): 1.6e-3
// above the printed 9.320, which v4_fp.py produced on a coarser grid (its
// own check was 1e-3). That level is held to 2e-3. The box [−5, 5] cuts
// off e^{−Φ(5)} = e^{−131}, far below rounding.
func TestFPSchrodingerDoubleWell(t *testing.T) {
	want := []float64{0, 0.37434, 3.002, 5.830, 9.320}
	tol := []float64{1e-3, 1e-3, 1e-3, 1e-3, 2e-3}
	spectra := func(n int) (fp, sc []float64) {
		g, _ := NewGrid(-5, 5, n)
		fp, err := FPSpectrum(g, g.Eval(doubleWell), len(want))
		if err != nil {
			t.Fatal(err)
		}
		sc, err = SchrodingerSpectrum(g, g.Eval(SchrodingerPotential(doubleWellD, doubleWellD2)), len(want))
		if err != nil {
			t.Fatal(err)
		}
		return fp, sc
	}
	fp, sc := spectra(2001)
	fp2, sc2 := spectra(4001)
	for k := range want {
		if math.Abs(fp[k]-fp2[k]) > 2e-4 || math.Abs(sc[k]-sc2[k]) > 2e-4 {
			t.Errorf("level %d not converged in H: FP %v → %v, Schrödinger %v → %v", k, fp[k], fp2[k], sc[k], sc2[k])
		}
		if math.Abs(fp2[k]-sc2[k]) > 2e-4 {
			t.Errorf("level %d: FP %.6f and Schrödinger %.6f differ", k, fp2[k], sc2[k])
		}
		if math.Abs(fp2[k]-want[k]) > tol[k] || math.Abs(sc2[k]-want[k]) > tol[k] {
			t.Errorf("level %d: FP %.5f, Schrödinger %.5f, want %.5f", k, fp2[k], sc2[k], want[k])
		}
	}
	// dsterf's rounding on a diagonal of size 2/H² = 3.2e5 is ~1e-10.
	if math.Abs(fp2[0]) > 1e-8 {
		t.Errorf("detailed balance: λ₀ = %g, want 0 to rounding", fp2[0])
	}
}

// T5.1 for the generator: a harmonic Φ = κq²/2 (κ > 0) relaxes with the
// rates κn of Eq. 48 (reciprocal.LowestRates for one oscillator), within
// the O(H²) grid error (≈ κ²n²H²/12 < 2e-4 here, tolerance 1e-3).
func TestFPHarmonic(t *testing.T) {
	for _, kappa := range []float64{0.5, 1, 3} {
		lim := 10 / math.Sqrt(kappa)
		g, _ := NewGrid(-lim, lim, 3001)
		got, err := FPSpectrum(g, g.Eval(func(q float64) float64 { return kappa * q * q / 2 }), 5)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := reciprocal.LowestRates([]float64{kappa}, 5)
		for k := range want {
			if math.Abs(got[k]-want[k]) > 1e-3 {
				t.Errorf("κ=%v level %d: %v, want %v", kappa, k, got[k], want[k])
			}
		}
	}
}

// The 2-D generator of a separable potential is the Kronecker sum of the
// 1-D generators, so its rates are the pairwise sums of the 1-D rates to
// rounding (exact, whatever the grid).
func TestFP2DSeparable(t *testing.T) {
	gx, _ := NewGrid(-3, 3, 17)
	gy, _ := NewGrid(-4, 2, 13)
	fx := func(x float64) float64 { return doubleWell(x) + 0.3*x }
	fy := func(y float64) float64 { return 2 * (y + 1) * (y + 1) }
	phi := make([]float64, gx.N*gy.N)
	for i := 0; i < gx.N; i++ {
		for j := 0; j < gy.N; j++ {
			phi[i*gy.N+j] = fx(gx.At(i)) + fy(gy.At(j))
		}
	}
	got, err := FPSpectrum2D(gx, gy, phi, 12)
	if err != nil {
		t.Fatal(err)
	}
	lx, _ := FPSpectrum(gx, gx.Eval(fx), gx.N)
	ly, _ := FPSpectrum(gy, gy.Eval(fy), gy.N)
	var sums []float64
	for _, a := range lx {
		for _, b := range ly {
			sums = append(sums, a+b)
		}
	}
	slices.Sort(sums)
	for k := range got {
		if math.Abs(got[k]-sums[k]) > 1e-9*math.Max(1, sums[k]) {
			t.Errorf("rate %d: %v, Kronecker sum %v", k, got[k], sums[k])
		}
	}
}

// The 2×2 Gaussian-closure mode: Φ = ½ζᵀK_kζ with K_k = [[4, −σ], [−σ, 4]]
// (p = ½) is a rotated pair of oscillators with ω∓ = 4 ∓ σ, so the 2-D
// generator must give the rates {n₋ω₋ + n₊ω₊} (Eq. 48) although the grid
// is not aligned with the eigen-directions. At σ = 2 (ω = 2, 6) on
// ±2.5 (3.5 standard deviations of the slow direction) the error is
// O(H²): on 25, 31 and 41 points the level λ = 4 is low by 2.1%, 1.25%
// and 0.61%, in the ratio of H² (1.6 and 2.1 expected); the test uses 31
// points (H = 1/6) and a 3% tolerance (the box truncation, e^{−6.25}·…,
// is below 0.2%).
func TestFP2DClosureMode(t *testing.T) {
	const sigma = 2.0
	g, _ := NewGrid(-2.5, 2.5, 31)
	phi := make([]float64, g.N*g.N)
	for i := 0; i < g.N; i++ {
		for j := 0; j < g.N; j++ {
			x, y := g.At(i), g.At(j)
			phi[i*g.N+j] = 0.5 * (4*x*x + 4*y*y - 2*sigma*x*y)
		}
	}
	got, err := FPSpectrum2D(g, g, phi, 5)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := reciprocal.Stiffness([]float64{sigma}, 1, 1, 0.25, 0.25)
	want, _ := reciprocal.LowestRates(o.Omegas(), 5)
	for k := range want {
		if math.Abs(got[k]-want[k]) > 0.03*math.Max(1, want[k]) {
			t.Errorf("level %d: %v, want %v", k, got[k], want[k])
		}
	}
}

func TestGridBadInput(t *testing.T) {
	if _, err := NewGrid(1, 1, 10); err == nil {
		t.Error("empty interval accepted")
	}
	if _, err := NewGrid(0, 1, 2); err == nil {
		t.Error("2-point grid accepted")
	}
	g, _ := NewGrid(0, 1, 5)
	if _, err := FPSpectrum(g, make([]float64, 4), 2); err == nil {
		t.Error("length mismatch accepted")
	}
	if _, err := SchrodingerSpectrum(g, make([]float64, 5), 6); err == nil {
		t.Error("too many levels accepted")
	}
}
