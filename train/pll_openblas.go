//go:build openblas && cgo

package train

/*
#cgo CFLAGS: -O3 -ffast-math -Wno-psabi -I${SRCDIR}/../tensor
#include <stdint.h>
#include "rbmkernels.h"

// softplus32 is log(1 + e^t) as max(t, 0) + log1p(e^−|t|), as
// tensor.Softplus32 (in float32).
RBM_INLINE float softplus32(float t) {
	float at = t < 0 ? -t : t;
	return (t > 0 ? t : 0.0f) + log1p32(exp32(-at));
}

// pll_flips sets, for one visible row v with hidden inputs x = vW + b,
// out[i] = Σ_j softplus(x_j + d_i W_ij) − softplus(x_j), d_i = 1 − 2v_i,
// for all n flips i: the hidden part of F(v) − F(v^i). The terms are
// differences (of the size of d_i W_ij, not of x_j) summed in float32
// vector lanes, one row of W at a time, and meet float64 per flip.
RBM_INLINE void pll_flips_body(const float *x, const float *w, const float *v, double *out, int n, int m) {
	float *spx = scratch(sizeof(float) * (size_t)(m > 0 ? m : 1));
	for (int j = 0; j < m; j++) spx[j] = softplus32(x[j]);
	for (int i = 0; i < n; i++) {
		const float *wi = w + (size_t)i * m;
		float d = 1.0f - 2.0f * v[i];
		float s = 0;
		for (int j = 0; j < m; j++) s += softplus32(x[j] + d * wi[j]) - spx[j];
		out[i] = (double)s;
	}
}

RBM_DISPATCH_VOID(pll_flips, (const float *x, const float *w, const float *v, double *out, int n, int m),
                  (x, w, v, out, n, m))
*/
import "C"

import (
	"unsafe"

	"github.com/rbmscope/rbmscope/rbm"
)

// With the OpenBLAS backend the flips of the pseudo-log-likelihood run as
// one vectorised C kernel per visible row (the Backend.SoftplusRowSums path
// of metrics.go is the pure-Go one). Both compute the same sums to float32
// rounding (tested against float64 references).
func init() { cFlipSums = flipSumsC }

func flipSumsC(p *rbm.Params32, x, v []float32, out []float64) {
	n, m := p.W.Rows, p.W.Cols
	C.pll_flips((*C.float)(unsafe.Pointer(&x[0])), (*C.float)(unsafe.Pointer(&p.W.Data[0])), (*C.float)(unsafe.Pointer(&v[0])),
		(*C.double)(unsafe.Pointer(&out[0])), C.int(n), C.int(m))
}
