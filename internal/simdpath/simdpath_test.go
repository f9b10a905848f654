package simdpath

import (
	"slices"
	"testing"

	"github.com/rbmscope/rbmscope/tensor"
)

// A core the environment pins bounds the forced cores; the machine's own
// path always comes first.
func TestPathsNeverAboveThePinnedCore(t *testing.T) {
	for _, c := range []struct {
		pinned  string
		allowed []string // cores that may be forced
	}{
		{"", []string{"", "SkylakeX", "Haswell", "Zen"}},
		{"Haswell", []string{"", "Haswell", "Zen"}},
		{"ZEN", []string{"", "Haswell", "Zen"}},
		{"Prescott", []string{""}},
		{"SomethingNew", []string{""}},
	} {
		t.Setenv("OPENBLAS_CORETYPE", c.pinned)
		ps := Paths()
		if !ps[0].Native() {
			t.Fatalf("pinned %q: first path %v is not the machine's own", c.pinned, ps[0])
		}
		for _, p := range ps[1:] {
			if !slices.Contains(c.allowed, p.Core) {
				t.Errorf("pinned %q: forces core %q", c.pinned, p.Core)
			}
			if rank[p.SIMD] > rank[tensor.BestSIMD()] {
				t.Errorf("forces SIMD %s above the CPU's %s", p.SIMD, tensor.BestSIMD())
			}
		}
		if tensor.HasOpenBLAS && !slices.ContainsFunc(ps, func(p Path) bool { return p.SIMD == tensor.SIMDGeneric }) {
			t.Errorf("pinned %q: the baseline kernels are never forced", c.pinned)
		}
	}
}
