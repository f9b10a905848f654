package symmetry

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/reciprocal"
	"github.com/rbmscope/rbmscope/tensor"
)

// ProbeOptions configures the hierarchical-learning probe (Fig. 6).
type ProbeOptions struct {
	Chains int // Gibbs chains (default 200)
	Sweeps int // block-Gibbs sweeps before probing (default 1000)
	Show   int // samples kept as images (default 100)
	Random int // θ=π rotations in random planes for panel 3 (default 10)
	// Draws is how many independent random rotations (each of Random
	// planes) are compared with the unrotated samples (default 1). One draw
	// is a poor replica: whether its planes hit a mode with a large σ decides
	// its effect (measured on 100×784 models: 0.1 to 20 pixels changed per
	// sample, participation 0.16 to 0.36, between draws of the same model),
	// so RandomParticipation and RandomHamming average over the draws.
	Draws      int
	Keep       int        // leading modes kept fixed in panel 3 (default 5)
	Convention Convention // mode (default) or repo
	Threshold  float64    // a pixel counts as changed if it flips in ≥ this fraction of samples (default 0.1)
	Seed       uint64
	Backend    tensor.Backend // default tensor.Default()
}

// ProbePanel is one panel of the probe: visible samples drawn from
// p(v|h) with the (possibly rotated) U and the same y = Vᵀh, with the same
// uniform random numbers as the unrotated panel.
type ProbePanel struct {
	Name     string   `json:"name"`
	Rotation Rotation `json:"rotation,omitempty"`
	// Images are the first Show samples (rows, 0/1).
	Images *tensor.Mat64 `json:"-"`
	// MeanHamming is the mean number of pixels that differ from the unrotated
	// sample (sampled with common random numbers), SDHamming its sd over samples;
	// ExpectedHamming is Σ_i |p′_i − p_i| averaged over samples, the exact
	// expectation of the former given h.
	MeanHamming     float64 `json:"mean_hamming"`
	SDHamming       float64 `json:"sd_hamming"`
	ExpectedHamming float64 `json:"expected_hamming"`
	// ChangeMap[i] is the mean of |p′_i − p_i| over samples: the probability
	// that pixel i flips under common random numbers.
	ChangeMap []float64 `json:"change_map"`
	// FracChanged is the fraction of pixels whose flip probability is ≥
	// Threshold; Participation = (Σc)²/(N Σc²) ∈ [1/N, 1] measures how
	// spread the change is (1: uniform over all pixels, 1/N: one pixel);
	// Entropy is the Shannon entropy of c/Σc over log N (1: uniform).
	FracChanged   float64 `json:"frac_changed"`
	Participation float64 `json:"participation"`
	Entropy       float64 `json:"entropy"`
	// ParticipationHalves is Participation of the change maps of the even
	// and the odd samples: their difference is the sampling scale of
	// Participation (two independent half-size estimates).
	ParticipationHalves [2]float64 `json:"participation_halves"`
}

// ProbeResult holds the three panels of Fig. 6 plus a reference panel: an
// independent resample with the unrotated U (different random numbers),
// whose Hamming distance is the scale of ordinary sampling noise.
type ProbeResult struct {
	N          int          `json:"n_visible"`
	Chains     int          `json:"chains"`
	Sweeps     int          `json:"sweeps"`
	Convention Convention   `json:"convention"`
	Threshold  float64      `json:"threshold"`
	Original   ProbePanel   `json:"original"`
	TopTwo     ProbePanel   `json:"top_two"`
	RandomPi   ProbePanel   `json:"random_pi"`
	Reference  ProbePanel   `json:"reference"`
	Panels     []ProbePanel `json:"-"`
	// RandomDraws random rotations were compared (RandomPi is the first);
	// RandomParticipation and RandomHamming are the mean and sd over them
	// of each draw's Participation and MeanHamming.
	RandomDraws         int        `json:"random_draws"`
	RandomParticipation [2]float64 `json:"random_participation"`
	RandomHamming       [2]float64 `json:"random_hamming"`
	RandomRotations     []Rotation `json:"random_rotations"` // every draw's planes, RandomPi's first
	// Hidden holds the Gibbs hidden states h that every panel conditions on.
	Hidden *tensor.Mat64 `json:"-"`
}

// Probe runs the hierarchical probe of docs/theory.md §Probe on model m with frame f:
// Gibbs samples (v, h); then v is resampled from Bern(sig(a + U′Σy)),
// y = Vᵀh, with (a) U′ = U (panel 1), (b) θ=π in the plane of modes 1, 2,
// (c) Random θ=π rotations in random planes with the first Keep modes fixed.
// All three use the same uniforms, so differences are due to the rotation.
func Probe(m *rbm.Model, f *reciprocal.Frame, o ProbeOptions) (*ProbeResult, error) {
	if o.Chains <= 0 {
		o.Chains = 200
	}
	if o.Sweeps < 0 {
		return nil, fmt.Errorf("sweeps must be ≥ 0")
	}
	if o.Sweeps == 0 {
		o.Sweeps = 1000
	}
	if o.Show <= 0 {
		o.Show = 100
	}
	o.Show = min(o.Show, o.Chains)
	if o.Random <= 0 {
		o.Random = 10
	}
	if o.Draws <= 0 {
		o.Draws = 1
	}
	if o.Keep <= 0 {
		o.Keep = 5
	}
	if o.Convention == "" {
		o.Convention = ConventionMode
	}
	if o.Threshold <= 0 {
		o.Threshold = 0.1
	}
	if o.Backend == nil {
		o.Backend = tensor.Default()
	}
	if f.N < o.Keep+2 {
		return nil, fmt.Errorf("probe needs at least %d visible units to keep %d modes fixed", o.Keep+2, o.Keep)
	}
	stream := tensor.NewStream(o.Seed, 0x9b0e)
	c := gibbsChains(o.Backend, m, o.Chains, o.Sweeps, stream)
	// G = (H V)[:, :L] diag(σ): rows σ_k y_k.
	n, mm, l := f.N, f.M, f.L
	h := mat.NewDense(o.Chains, mm, nil)
	for r := 0; r < o.Chains; r++ {
		for j, v := range c.H.Row(r) {
			h.Set(r, j, float64(v))
		}
	}
	var y mat.Dense
	y.Mul(h, f.V)
	g := mat.DenseCopyOf(y.Slice(0, o.Chains, 0, l))
	for r := 0; r < o.Chains; r++ {
		for k := 0; k < l; k++ {
			g.Set(r, k, g.At(r, k)*f.S[k])
		}
	}
	common := stream.Key()
	resample := func(u *mat.Dense, key uint64) (v, p *mat.Dense) {
		var field mat.Dense
		field.Mul(g, u.Slice(0, n, 0, l).T())
		v, p = mat.NewDense(o.Chains, n, nil), mat.NewDense(o.Chains, n, nil)
		for r := 0; r < o.Chains; r++ {
			rng := tensor.RowRand(key, r)
			for i := 0; i < n; i++ {
				pi := rbm.Sigmoid(m.A[i] + field.At(r, i))
				p.Set(r, i, pi)
				if rng.Float64() < pi {
					v.Set(r, i, 1)
				}
			}
		}
		return v, p
	}
	v0, p0 := resample(f.U, common)
	res := &ProbeResult{N: n, Chains: o.Chains, Sweeps: o.Sweeps, Convention: o.Convention, Threshold: o.Threshold, Hidden: c.H.To64()}
	res.Original = ProbePanel{Name: "original", Images: images(v0, o.Show), ChangeMap: make([]float64, n)}
	rnd, err := RandomRotation(n, o.Keep, o.Random, math.Pi, stream.Key())
	if err != nil {
		return nil, err
	}
	for _, spec := range []struct {
		dst  *ProbePanel
		name string
		rot  Rotation
		key  uint64
	}{
		{&res.TopTwo, "top_two_pi", Rotation{{0, 1, math.Pi}}, common},
		{&res.RandomPi, "random_pi", rnd, common},
		{&res.Reference, "independent_resample", nil, stream.Key()},
	} {
		v1, p1 := resample(RotateU(f.U, spec.rot, o.Convention), spec.key)
		*spec.dst = comparePanels(spec.name, spec.rot, v0, p0, v1, p1, o)
	}
	res.Panels = []ProbePanel{res.Original, res.TopTwo, res.RandomPi}
	// The further draws take their keys after every key above, so the
	// panels do not depend on o.Draws.
	part, ham := []float64{res.RandomPi.Participation}, []float64{res.RandomPi.MeanHamming}
	res.RandomRotations = []Rotation{rnd}
	for d := 1; d < o.Draws; d++ {
		rot, err := RandomRotation(n, o.Keep, o.Random, math.Pi, stream.Key())
		if err != nil {
			return nil, err
		}
		v1, p1 := resample(RotateU(f.U, rot, o.Convention), common)
		pn := comparePanels("random_pi", rot, v0, p0, v1, p1, o)
		part, ham = append(part, pn.Participation), append(ham, pn.MeanHamming)
		res.RandomRotations = append(res.RandomRotations, rot)
	}
	res.RandomDraws, res.RandomParticipation, res.RandomHamming = o.Draws, meanSD(part), meanSD(ham)
	return res, nil
}

func images(v *mat.Dense, show int) *tensor.Mat64 {
	_, n := v.Dims()
	out := tensor.NewMat64(show, n)
	for r := 0; r < show; r++ {
		copy(out.Row(r), v.RawRowView(r))
	}
	return out
}

func comparePanels(name string, rot Rotation, v0, p0, v1, p1 *mat.Dense, o ProbeOptions) ProbePanel {
	rows, n := v0.Dims()
	pn := ProbePanel{Name: name, Rotation: rot, Images: images(v1, o.Show), ChangeMap: make([]float64, n)}
	ham := make([]float64, rows)
	halves := [2][]float64{make([]float64, n), make([]float64, n)}
	var exp float64
	for r := 0; r < rows; r++ {
		for i := 0; i < n; i++ {
			if v0.At(r, i) != v1.At(r, i) {
				ham[r]++
			}
			d := math.Abs(p1.At(r, i) - p0.At(r, i))
			if name == "independent_resample" {
				// Independent draws differ with probability p₀(1−p₁)+p₁(1−p₀).
				d = p0.At(r, i)*(1-p1.At(r, i)) + p1.At(r, i)*(1-p0.At(r, i))
			}
			pn.ChangeMap[i] += d / float64(rows)
			halves[r%2][i] += d
			exp += d / float64(rows)
		}
	}
	ms := meanSD(ham)
	pn.MeanHamming, pn.SDHamming, pn.ExpectedHamming = ms[0], ms[1], exp
	pn.ParticipationHalves = [2]float64{participation(halves[0]), participation(halves[1])}
	var s1, s2, ent float64
	for _, c := range pn.ChangeMap {
		s1 += c
		s2 += c * c
		if c >= o.Threshold {
			pn.FracChanged++
		}
	}
	pn.FracChanged /= float64(n)
	if s2 > 0 {
		pn.Participation = s1 * s1 / (float64(n) * s2)
		for _, c := range pn.ChangeMap {
			if c > 0 {
				q := c / s1
				ent -= q * math.Log(q)
			}
		}
		pn.Entropy = ent / math.Log(float64(n))
	}
	return pn
}

// participation is (Σc)²/(n Σc²) of a change map (0 when it is all 0,
// as Participation); scaling c does not change it.
func participation(c []float64) float64 {
	var s1, s2 float64
	for _, x := range c {
		s1, s2 = s1+x, s2+x*x
	}
	if s2 == 0 {
		return 0
	}
	return s1 * s1 / (float64(len(c)) * s2)
}
