package partition

import (
	"context"
	"math"
	"testing"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// transposed returns m with its layers exchanged (visible ↔ hidden): the
// same joint distribution with v and h renamed.
func transposed(m *rbm.Model) *rbm.Model {
	t := rbm.New(m.NumHidden(), m.NumVisible())
	copy(t.A, m.B)
	copy(t.B, m.A)
	for i := 0; i < m.NumVisible(); i++ {
		for j, w := range m.W.Row(i) {
			t.W.Set(j, i, w)
		}
	}
	return t
}

// T-jumps: the jump move alone (a one-rung ladder: block Gibbs plus jumps,
// no swaps) samples the planted model of TestPlantedModes, where plain
// Gibbs from all-off states never turns a group on. Its three group units
// are independent, each on with probability p = sig(g), g = b + 8[sp(−2 +
// w) − sp(−2)] (closed form, TestPlantedModes). The mode search finds the
// one local maximum of their marginal, all on; proposals flip about one
// unit of it, so all 8 patterns are proposed. 2000 independent chains,
// started all off, run 60 sweeps; the fraction of chains in each of the 8
// patterns of the group units has binomial standard deviation
// √(P(1−P)/2000) (P the pattern's exact probability), and must be within
// 5 of them (P(|z| > 5) ≈ 6e-7 per pattern, with a normal approximation
// that holds for the smallest pattern, P = 0.002, expected count 3.5,
// only roughly, so its slack is wider). The pattern of a chain is read
// from the smaller layer directly: the hidden units' conditional
// probabilities given v averaged (Rao–Blackwell, which has at most the
// indicator's variance) when the groups are hidden, the visible states when
// the model is transposed so that they are visible and the jumps move v.
// Without jumps the same chains stay all off, which the control asserts.
func TestModeJumpsPlanted(t *testing.T) {
	const w, b, C = 8.0, -45.0, 2000
	p := rbm.Sigmoid(b + 8*(tensor.Softplus64(-2+w)-tensor.Softplus64(-2)))
	for _, tc := range []struct {
		name   string
		md     *rbm.Model
		groups func(v []float32) [8]float64 // probability of each pattern given the chain's v
	}{
		{"hidden groups (jumps on h)", plantedModel(w, b), func(v []float32) [8]float64 {
			var q [3]float64
			for j := range q {
				s := 0.0
				for _, x := range v[8*j : 8*j+8] {
					s += float64(x)
				}
				q[j] = rbm.Sigmoid(b + w*s)
			}
			var out [8]float64
			for k := range out {
				out[k] = 1
				for j := range q {
					if k>>j&1 == 1 {
						out[k] *= q[j]
					} else {
						out[k] *= 1 - q[j]
					}
				}
			}
			return out
		}},
		{"visible groups (jumps on v)", transposed(plantedModel(w, b)), func(v []float32) [8]float64 {
			var out [8]float64
			k := 0
			for j, x := range v {
				if x != 0 {
					k |= 1 << j
				}
			}
			out[k] = 1
			return out
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, jumps := range []int{0, 20} {
				init := tensor.NewMat32(C, tc.md.NumVisible())
				res, err := PathTempering(context.Background(), tensor.Default(), []*rbm.Model{tc.md},
					TrajectoryOptions{Chains: C, Sweeps: 60, Seed: 3, Init: init, Ladder: []float64{1}, ModeJumps: jumps})
				if err != nil {
					t.Fatal(err)
				}
				var freq [8]float64
				for c := 0; c < C; c++ {
					for k, q := range tc.groups(res.Samples.Row(c)) {
						freq[k] += q / C
					}
				}
				for k, f := range freq {
					want := 1.0
					for j := 0; j < 3; j++ {
						if k>>j&1 == 1 {
							want *= p
						} else {
							want *= 1 - p
						}
					}
					sd := math.Sqrt(want * (1 - want) / C)
					z := (f - want) / sd
					switch {
					case jumps == 0 && k == 7 && f > 0.01:
						t.Errorf("without jumps %.3f of the chains reached all-on (exact %.3f): the control should fail", f, want)
					case jumps > 0 && math.Abs(z) > 5:
						t.Errorf("pattern %03b: %.4f of the chains, exact %.4f (z = %.1f)", k, f, want, z)
					}
				}
				if jumps > 0 {
					t.Logf("patterns %.4f (exact all-on %.4f), jump rate %.2f", freq, p*p*p, res.JumpRate)
				}
			}
		})
	}
}

// pairsModel has four bistable pixel pairs: pair p's two pixels (a_i = a)
// couple by 6 to four hidden units (b_j = −8), so with k of the pair on
// log w gains f(k) = ak + 4·sp(−8 + 6k). With a = −7.8 (TestModeJumpsPairs)
// f(0) ≈ 0.001, f(1) ≈ −7.3, f(2) ≈ 0.47: each pair is on with probability
// ≈ 0.61, off with ≈ 0.39, and crossing between them takes a pixel
// through the −7.3 state, which block Gibbs almost never does. The visible
// layer (8 units) is the smaller one, so the jumps move v, between up to
// 16 modes of different weights.
func pairsModel(a float64) *rbm.Model {
	md := rbm.New(8, 16)
	for i := range md.A {
		md.A[i] = a
		for j := range md.B {
			md.B[j] = -8
			if i/2 == j%4 {
				md.W.Set(i, j, 6)
			}
		}
	}
	return md
}

// T-jumps-pairs: on pairsModel, 4000 chains started all off, with jumps
// between the modes of a 100-start search (all 16; with 20 starts it finds
// 13, and a state two flips from every found mode is still 5.6 deviations
// short after 60 sweeps: slow mixing, not a wrong equilibrium), after 60
// sweeps put every one of the 256 visible states at its exact
// probability p(v) ∝ e^{−F(v)} (rbm.Model.FreeEnergyV, enumerated), within
// 5 binomial standard deviations √(p(1−p)/4000) plus 1/4000 (one chain:
// the normal approximation is rough for the rare states). The proposal
// weights the 16 modes unequally (half uniform, half by their weights), so
// this checks the proposal probabilities q in the acceptance ratio with
// several modes. Without jumps more than half the chains are still all off
// (exact 0.022; measured 0.965), the control.
func TestModeJumpsPairs(t *testing.T) {
	const C = 4000
	md := pairsModel(-7.8)
	n := md.NumVisible()
	exact, ls := make([]float64, 1<<n), newLogSum()
	v := make([]float64, n)
	for s := range exact {
		for i := range v {
			v[i] = float64(s >> i & 1)
		}
		exact[s] = -md.FreeEnergyV(v)
		ls.add(exact[s])
	}
	for s := range exact {
		exact[s] = math.Exp(exact[s] - ls.value())
	}
	for _, jumps := range []int{0, 100} {
		res, err := PathTempering(context.Background(), tensor.Default(), []*rbm.Model{md},
			TrajectoryOptions{Chains: C, Sweeps: 60, Seed: 5, Init: tensor.NewMat32(C, n), Ladder: []float64{1}, ModeJumps: jumps})
		if err != nil {
			t.Fatal(err)
		}
		freq := make([]float64, 1<<n)
		for c := 0; c < C; c++ {
			s := 0
			for i, x := range res.Samples.Row(c) {
				if x != 0 {
					s |= 1 << i
				}
			}
			freq[s] += 1.0 / C
		}
		if jumps == 0 {
			if freq[0] < 0.5 {
				t.Errorf("without jumps %.3f of the chains are all off (exact %.3f): the control should be far from it", freq[0], exact[0])
			}
			continue
		}
		for s, p := range exact {
			if d := math.Abs(freq[s] - p); d > 5*math.Sqrt(p*(1-p)/C)+1.0/C {
				t.Errorf("state %08b: %.4f of the chains, exact %.4f", s, freq[s], p)
			}
		}
		t.Logf("all off %.4f (exact %.4f), all on %.4f (exact %.4f), %d modes, jump rate %.2f", freq[0], exact[0], freq[255], exact[255], res.ModeStates[0], res.JumpRate)
	}
}

// T-jumps-AIS: AIS and reverse AIS with mode jumps after every hidden
// sample. On the planted model (100 β, 1000 chains from the base-rate
// model) plain AIS rests on a few chains (ESS 18 of 1000 measured: the
// groups turn on only in chains that happen to cross at low β); with the
// jumps the ESS is above 200 (measured 414) and log Z within 4 errors and
// 0.1 nat of exact. Reverse AIS from exact samples (ExactSamples) with the
// jumps is within 4 errors and 0.1 nat too. Both are bootstrap errors over
// independent chains (no resampling), whose z-scores the AIS tests
// calibrate (TestAISAndReverseAISMatchExact); 0.1 nat is above 2.5 of the
// largest error measured (0.038). Without the jumps the runs never jump
// (JumpRate 0, no ModeStates).
func TestAISModeJumps(t *testing.T) {
	md := plantedModel(8, -45)
	exact, err := ExactLogZ(md)
	if err != nil {
		t.Fatal(err)
	}
	betas := mustSchedule(t, Linear, 100)
	plain, err := AIS(context.Background(), tensor.Default(), md, Options{Betas: betas, Chains: 1000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Betas: betas, Chains: 1000, Seed: 1, ModeJumps: 20}
	ais, err := AIS(context.Background(), tensor.Default(), md, o)
	if err != nil {
		t.Fatal(err)
	}
	start, err := ExactSamples(md, 1000, 2)
	if err != nil {
		t.Fatal(err)
	}
	rais, err := ReverseAIS(context.Background(), tensor.Default(), md, start, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("AIS %+.4f ± %.4f (ESS %.0f) without jumps, %+.4f ± %.4f (ESS %.0f, jump rate %.2f) with; reverse AIS %+.4f ± %.4f", plain.LogZ-exact, plain.LogZErr, plain.ESS,
		ais.LogZ-exact, ais.LogZErr, ais.ESS, ais.JumpRate, rais.LogZ-exact, rais.LogZErr)
	if plain.JumpRate != 0 || plain.ModeStates != 0 || ais.ModeStates != 1 || ais.JumpRate <= 0 {
		t.Errorf("jump statistics: plain %v/%d, with jumps %v/%d", plain.JumpRate, plain.ModeStates, ais.JumpRate, ais.ModeStates)
	}
	if ais.ESS < 200 {
		t.Errorf("ESS %.0f of 1000 with jumps", ais.ESS)
	}
	for _, r := range []*Result{ais, rais} {
		if d := math.Abs(r.LogZ - exact); d > 4*r.LogZErr || d > 0.1 {
			t.Errorf("%s with jumps: log Z %.4f ± %.4f, exact %.4f", r.Method, r.LogZ, r.LogZErr, exact)
		}
	}
}
