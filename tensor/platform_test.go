package tensor

import (
	"strings"
	"testing"
)

// RBMSCOPE_SIMD: unset and the baseline are always accepted, a misspelt
// path is refused with the accepted names.
func TestCheckSIMDRequest(t *testing.T) {
	for _, c := range []struct{ val, errHas string }{
		{"", ""},
		{"generic", ""},
		{"avx9", "names no SIMD path"},
		{"AVX2", "names no SIMD path"},
	} {
		t.Setenv(SIMDEnv, c.val)
		err := CheckSIMDRequest()
		if (err == nil) != (c.errHas == "") || err != nil && !strings.Contains(err.Error(), c.errHas) {
			t.Errorf("%s=%q: err = %v, want %q", SIMDEnv, c.val, err, c.errHas)
		}
	}
	if BestSIMD() == SIMDAVX2 { // an AVX2-only CPU must refuse AVX-512
		t.Setenv(SIMDEnv, SIMDAVX512)
		if err := CheckSIMDRequest(); err == nil || !strings.Contains(err.Error(), "best path is avx2") {
			t.Errorf("avx512 on an AVX2 CPU: %v", err)
		}
	}
}
