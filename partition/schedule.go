package partition

import (
	"fmt"
	"math"
)

// Schedule kinds for inverse temperatures β_0=0 < … < β_K=1 (docs/theory.md §AIS).
const (
	Linear    = "linear"    // β_k = k/K
	SM08      = "sm08"      // Salakhutdinov–Murray: 500/4000/10000 steps on [0,.5]/[.5,.9]/[.9,1], scaled to K
	Geometric = "geometric" // β_0 = 0, then K values log-spaced on [1e-4, 1]
)

// ScheduleKinds lists the accepted schedule names.
var ScheduleKinds = []string{Linear, SM08, Geometric}

// Schedule returns K+1 inverse temperatures from 0 to 1 of the given kind.
// For sm08 the three segments keep the 500:4000:10000 proportions of the
// paper's K=14500 schedule.
func Schedule(kind string, k int) ([]float64, error) {
	if k < 1 {
		return nil, fmt.Errorf("schedule needs at least 1 intermediate step, got K=%d", k)
	}
	b := make([]float64, k+1)
	switch kind {
	case Linear, "":
		for i := range b {
			b[i] = float64(i) / float64(k)
		}
	case SM08:
		if k < 3 {
			return nil, fmt.Errorf("sm08 schedule has three segments and needs K ≥ 3, got %d", k)
		}
		n1 := max(1, int(math.Round(float64(k)*500/14500)))
		n2 := max(1, int(math.Round(float64(k)*4000/14500)))
		n3 := k - n1 - n2
		i := 1
		for _, seg := range []struct {
			n      int
			lo, hi float64
		}{{n1, 0, 0.5}, {n2, 0.5, 0.9}, {n3, 0.9, 1}} {
			for s := 1; s <= seg.n; s++ {
				b[i] = seg.lo + (seg.hi-seg.lo)*float64(s)/float64(seg.n)
				i++
			}
		}
	case Geometric:
		if k < 2 {
			return nil, fmt.Errorf("geometric schedule needs K ≥ 2, got %d", k)
		}
		lo := math.Log(1e-4)
		for i := 1; i <= k; i++ {
			b[i] = math.Exp(lo * float64(k-i) / float64(k-1))
		}
	default:
		return nil, fmt.Errorf("unknown schedule %q: use linear, sm08 or geometric", kind)
	}
	b[k] = 1
	return b, nil
}

// checkBetas verifies 0 = β_0 < β_1 < … < β_K = 1, also after rounding to
// float32 (the chains run in float32).
func checkBetas(b []float64) error {
	if len(b) < 2 || b[0] != 0 || b[len(b)-1] != 1 {
		return fmt.Errorf("schedule must run from β=0 to β=1 with at least one step (got %d values)", len(b))
	}
	for k := 1; k < len(b); k++ {
		if !(float32(b[k]) > float32(b[k-1])) {
			return fmt.Errorf("schedule is not strictly increasing in float32 at step %d (%v → %v)", k, b[k-1], b[k])
		}
	}
	return nil
}
