package partition

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/rbmscope/rbmscope/rbm"
	"github.com/rbmscope/rbmscope/tensor"
)

// ModeOptions configures SearchModes.
type ModeOptions struct {
	// Starts is the number of start states of the searched layer drawn
	// uniformly at random (Bernoulli(½) per unit).
	Starts int
	// Init, when set, adds one start per row: visible states (0/1), such
	// as data or the final states of sampling chains. When the hidden layer
	// is searched a row v starts at its most likely hidden state,
	// h_j = 1[b_j + (vᵀW)_j > 0].
	Init *tensor.Mat32
	// MaxSweeps caps the sweeps of each ascent (0: until a sweep flips
	// nothing, which every ascent reaches: each flip raises a bounded
	// log-weight by more than 1e-9).
	MaxSweeps int
	// Seed seeds the random starts (start r draws from its own stream, so
	// the result does not depend on the number of threads).
	Seed uint64
}

// ModeBound is a certified lower bound on log Z found by SearchModes.
type ModeBound struct {
	LogZ    float64 `json:"log_z"`   // log Σ_{s ∈ S} w(s) ≤ log Z, S the distinct states found
	Best    float64 `json:"best"`    // log w of the heaviest state found
	States  int     `json:"states"`  // |S|
	Starts  int     `json:"starts"`  // ascents run
	Sweeps  int     `json:"sweeps"`  // the longest ascent's sweeps, the last one (flipping nothing) included
	Layer   string  `json:"layer"`   // "hidden" or "visible": the layer searched (the smaller one)
	Seconds float64 `json:"seconds"` //
}

// SearchModes looks for heavy states of the smaller layer s of m (the
// hidden one when M ≤ N) and returns a certified lower bound on log Z.
// The weight of s with the other layer summed out is exact,
//
//	w(s) = exp(c·s) Π_k (1 + exp(d_k + (Cᵀs)_k)),
//
// (c, d the two layers' biases, C the couplings from s's side), and
// Z = Σ_s w(s) over all states, so for any set S of distinct states
// log Z ≥ log Σ_{s∈S} w(s) — a bound with no sampling error, which holds
// whether or not the search finds the heaviest states. Every start climbs
// by single-unit flips, each flip taken when it raises log w (by more than
// 1e-9), in unit order, until a sweep flips nothing (a local maximum of w,
// a mode of the marginal, up to that margin); S is the set of distinct ends. A sampler whose log Z estimate
// lies below LogZ by more than its error has missed weight that the search
// found: a mode holding more mass than the sampler's whole estimate. On
// small sharp models trained at high learning rates this happens to AIS,
// reverse AIS and parallel tempering alike (docs/likelihood.md, "A
// certified bound from a mode search"); on models with broad distributions
// the bound is far below log Z (the entropy of the states near a mode is
// not counted) and says nothing.
//
// Each ascent costs about sweeps × L × K softplus evaluations (L, K the
// smaller and larger layer widths). Starts run in parallel, each on its
// own; S is merged in a fixed order, so the result does not depend on the
// number of threads.
func SearchModes(ctx context.Context, m *rbm.Model, o ModeOptions) (*ModeBound, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("mode search: %w", err)
	}
	if o.Starts < 0 || o.MaxSweeps < 0 {
		return nil, fmt.Errorf("mode search: starts and max sweeps must be ≥ 0 (got %d, %d)", o.Starts, o.MaxSweeps)
	}
	if o.Init != nil && o.Init.Cols != m.NumVisible() {
		return nil, fmt.Errorf("mode search: start states have %d columns but the model has %d visible units", o.Init.Cols, m.NumVisible())
	}
	t0 := time.Now()
	e, ends, sweeps, err := climb(ctx, m, o)
	if err != nil {
		return nil, err
	}
	return e.bound(ends, sweeps, time.Since(t0)), nil
}

// climb runs the ascents of SearchModes (m and o already checked) and
// returns the enumerator of m's smaller layer, the end of every ascent and
// its sweeps.
func climb(ctx context.Context, m *rbm.Model, o ModeOptions) (*enumerator, [][]bool, []int, error) {
	e, err := newEnumerator(m, max(m.NumVisible(), m.NumHidden()))
	if err != nil {
		return nil, nil, nil, err
	}
	starts := e.modeStarts(m, o)
	if len(starts) == 0 {
		return nil, nil, nil, fmt.Errorf("mode search: no start states (give starts or init rows)")
	}
	sweeps := make([]int, len(starts))
	tensor.ParallelRows(len(starts), e.L*e.K, func(lo, hi int) {
		field := make([]float64, e.K)
		for r := lo; r < hi && ctx.Err() == nil; r++ {
			sweeps[r] = e.ascend(starts[r], field, o.MaxSweeps)
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err
	}
	return e, starts, sweeps, nil
}

// modeStarts returns the start states of the searched layer: o.Starts
// random ones, then one per row of o.Init.
func (e *enumerator) modeStarts(m *rbm.Model, o ModeOptions) [][]bool {
	var out [][]bool
	key := tensor.NewStream(o.Seed, purposeModeSearch).Key()
	for r := 0; r < o.Starts; r++ {
		g := tensor.RowRand(key, r)
		s := make([]bool, e.L)
		for l := range s {
			s[l] = g.Uint64()&1 == 1
		}
		out = append(out, s)
	}
	if o.Init == nil {
		return out
	}
	v := make([]float64, m.NumVisible())
	for r := 0; r < o.Init.Rows; r++ {
		s := make([]bool, e.L)
		for i, x := range o.Init.Row(r) {
			v[i] = float64(x)
		}
		if !e.hidden {
			for l, x := range v {
				s[l] = x > 0.5
			}
		} else {
			for j, x := range m.HiddenField(v) {
				s[j] = x > 0
			}
		}
		out = append(out, s)
	}
	return out
}

// ascend climbs from s (changed in place) by single flips that raise
// log w, sweeping the units in order, until a sweep flips nothing or
// maxSweeps (0: no cap) sweeps have run; it returns the sweeps run. field
// is scratch of length K.
func (e *enumerator) ascend(s []bool, field []float64, maxSweeps int) int {
	e.setField(s, field)
	for sweep := 1; ; sweep++ {
		flipped := false
		for l := range s {
			sign := 1.0
			if s[l] {
				sign = -1
			}
			if e.flipGain(l, sign, field) > minGain {
				s[l] = !s[l]
				addTo(field, e.rows[l*e.K:(l+1)*e.K], sign)
				flipped = true
			}
		}
		if !flipped || sweep == maxSweeps {
			return sweep
		}
	}
}

// minGain is the least rise of log w that a flip must bring. The gains come
// from a running field whose sums carry rounding, so a tie could look like
// a gain both ways and an ascent could cycle; with every flip raising the
// bounded log w by more than minGain, each ascent ends.
const minGain = 1e-9

// flipGain is the change of log w when unit l turns on (sign 1) or off
// (sign −1), given the field d + Cᵀs of the current state.
func (e *enumerator) flipGain(l int, sign float64, field []float64) float64 {
	g := sign * e.c[l]
	for k, x := range e.rows[l*e.K : (l+1)*e.K] {
		f := field[k]
		g += tensor.Softplus64(f+sign*x) - tensor.Softplus64(f)
	}
	return g
}

// logWeight is log w(s), computed afresh (not from an ascent's running
// field, whose sums may have drifted by rounding).
func (e *enumerator) logWeight(s []bool, field []float64) float64 {
	lw := e.setField(s, field)
	for _, x := range field {
		lw += tensor.Softplus64(x)
	}
	return lw
}

// setField writes the field d + Cᵀs of state s into field and returns c·s.
func (e *enumerator) setField(s []bool, field []float64) float64 {
	copy(field, e.d)
	lin := 0.0
	for l, on := range s {
		if on {
			addTo(field, e.rows[l*e.K:(l+1)*e.K], 1)
			lin += e.c[l]
		}
	}
	return lin
}

// bound sums the weights of the distinct states among the ascents' ends,
// in the order of their first appearance.
func (e *enumerator) bound(ends [][]bool, sweeps []int, took time.Duration) *ModeBound {
	b := &ModeBound{Starts: len(ends), Sweeps: slices.Max(sweeps), Layer: "visible", Seconds: took.Seconds()}
	if e.hidden {
		b.Layer = "hidden"
	}
	field := make([]float64, e.K)
	ls := newLogSum()
	b.Best = math.Inf(-1)
	states := distinctStates(ends)
	for _, s := range states {
		lw := e.logWeight(s, field)
		ls.add(lw)
		b.Best = max(b.Best, lw)
	}
	b.States, b.LogZ = len(states), ls.value()
	return b
}

// distinctStates returns the distinct states of ends in the order of their
// first appearance.
func distinctStates(ends [][]bool) [][]bool {
	seen := map[string]bool{}
	var out [][]bool
	for _, s := range ends {
		if k := stateKey(s); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// stateKey packs a 0/1 state into a string, one bit per unit.
func stateKey(s []bool) string {
	buf := make([]byte, (len(s)+7)/8)
	for l, on := range s {
		if on {
			buf[l/8] |= 1 << (l % 8)
		}
	}
	return string(buf)
}

// ModeWarnings says when an AIS or reverse-AIS log Z in b lies below the
// certified lower bound mb by more than three of its standard errors: the
// chains missed states whose exact weight alone exceeds their estimate of
// the whole sum. The log-likelihood is then at most b.Num − mb.LogZ, with
// no sampling error.
func ModeWarnings(b LLBounds, mb *ModeBound) []string {
	if mb == nil {
		return nil
	}
	var w []string
	for _, e := range []struct {
		name, ll, consequence string
		logZ, se, llValue     float64
	}{
		{"AIS", "LL_AIS", "its chains missed modes that hold more mass than its whole estimate, so LL_AIS overstates the log-likelihood", b.LogZAIS, b.LLAISErr, b.LLAIS},
		{"reverse-AIS", "LL_RAIS", "its start states miss modes that hold more mass than its whole estimate, so LL_RAIS is no lower bound", b.LogZRAIS, b.LLRAISErr, b.LLRAIS},
	} {
		if math.IsNaN(e.logZ) || !(e.logZ+3*e.se < mb.LogZ) {
			continue
		}
		w = append(w, fmt.Sprintf("%s log Z %.2f ± %.2f is %.2f below a certified lower bound %.2f (the exact weight of %d heavy states a mode search found): %s; the log-likelihood is at most %.2f (%s %.2f)",
			e.name, e.logZ, e.se, mb.LogZ-e.logZ, mb.LogZ, mb.States, e.consequence, b.Num-mb.LogZ, e.ll, e.llValue))
	}
	return w
}
