//go:build openblas && cgo

package partition

/*
#cgo CFLAGS: -O3 -ffast-math -Wno-psabi -I${SRCDIR}/../tensor
#include <stdint.h>
#include "rbmkernels.h"

// below is 1 if the 24-bit uniform u (as u/2^24) is below p, else 0,
// compared as integers (branch-free).
RBM_INLINE float below(int32_t u, float p) { return (float)((uint32_t)(u - (int32_t)(p * 16777216.0f)) >> 31); }

// ais_hidden is annealer.hidden for rows [r0, r1): the free-energy increment
// F_{β_{k−1}}(v) − F_{β_k}(v) of each chain, formed per hidden unit as
// Δβ·max(t,0) + log1p(e^{−β_k|t|}) − log1p(e^{−β_{k−1}|t|}) without
// cancellation (log1p(−y), y = (e_lo − e_hi)/(1 + e_lo), with e_lo − e_hi =
// e_hi·expm1(Δβ|t|) by series when Δβ|t| is small), then optionally a
// hidden sample at β_k (sample_at 1) or β_{k−1} (2). The sums run in float32
// vector lanes, one per 16 units, and meet the float64 log-weight per row.
RBM_INLINE void ais_hidden_body(const float *X, const float *bias, float *H, double *logw, const double *linV,
                                int r0, int r1, int m, float blo, float bhi, double d, int sample_at, uint64_t key) {
	float *p = scratch(sizeof(float) * (size_t)(m > 0 ? m : 1));
	float d32 = (float)d;
	for (int c = r0; c < r1; c++) {
		const float *x = X + (size_t)c * m;
		float pos = 0, corr = 0;
		for (int j = 0; j < m; j++) {
			float t = x[j] + bias[j];
			float at = t < 0 ? -t : t;
			pos += t > 0 ? t : 0.0f;
			float ehi = exp32(-bhi * at);
			float s = d32 * at;
			float em1 = s * (1 + s * (0.5f + s * (1.0f / 6 + s * (1.0f / 24 + s * (1.0f / 120 + s * (1.0f / 720))))));
			int small = s < 0.1f;
			float elo = small ? ehi * (1 + em1) : exp32(-blo * at);
			float y = (small ? ehi * em1 : elo - ehi) / (1 + elo);
			corr += log1p32(-y);
			float e = sample_at == 2 ? elo : ehi;
			p[j] = (t > 0 ? 1.0f : e) / (1 + e); // sig(β t)
		}
		logw[c] += d * (linV[c] + (double)pos) + (double)corr;
		if (!sample_at) continue;
		float *h = H + (size_t)c * m;
		uint64_t st = row_rng(key, (uint64_t)c);
		int j = 0;
		for (; j + 1 < m; j += 2) {
			uint64_t u = wy(&st);
			h[j] = below((int32_t)(u >> 40), p[j]);
			h[j + 1] = below((int32_t)(u & 0xffffff), p[j + 1]);
		}
		if (j < m) h[j] = below((int32_t)(wy(&st) >> 40), p[j]);
	}
}

// ais_visible is annealer.visibleSample for rows [r0, r1): V ~ Bern(sig(P +
// bias)) and linV = Σ_i v_i·lin_i.
RBM_INLINE void ais_visible_body(const float *P, const float *bias, float *V, const double *lin, double *linV,
                                 int r0, int r1, int n, uint64_t key) {
	float *p = scratch(sizeof(float) * (size_t)(n > 0 ? n : 1));
	for (int c = r0; c < r1; c++) {
		const float *x = P + (size_t)c * n;
		for (int i = 0; i < n; i++) p[i] = 1.0f / (1.0f + exp32(-(x[i] + bias[i])));
		float *v = V + (size_t)c * n;
		uint64_t st = row_rng(key, (uint64_t)c);
		double s = 0;
		int i = 0;
		for (; i + 1 < n; i += 2) {
			uint64_t u = wy(&st);
			float b0 = below((int32_t)(u >> 40), p[i]), b1 = below((int32_t)(u & 0xffffff), p[i + 1]);
			v[i] = b0;
			v[i + 1] = b1;
			s += (double)b0 * lin[i] + (double)b1 * lin[i + 1];
		}
		if (i < n) {
			float b0 = below((int32_t)(wy(&st) >> 40), p[i]);
			v[i] = b0;
			s += (double)b0 * lin[i];
		}
		linV[c] = s;
	}
}

RBM_DISPATCH_VOID(ais_hidden,
                  (const float *X, const float *bias, float *H, double *logw, const double *linV, int r0, int r1, int m,
                   float blo, float bhi, double d, int sample_at, uint64_t key),
                  (X, bias, H, logw, linV, r0, r1, m, blo, bhi, d, sample_at, key))
RBM_DISPATCH_VOID(ais_visible,
                  (const float *P, const float *bias, float *V, const double *lin, double *linV, int r0, int r1, int n, uint64_t key),
                  (P, bias, V, lin, linV, r0, r1, n, key))
*/
import "C"

import (
	"unsafe"

	"github.com/rbmscope/rbmscope/tensor"
)

// With the OpenBLAS backend the two elementwise AIS kernels run as C,
// vectorised by the compiler (kernels.go has the Go versions, used with the
// gonum backend). The C kernels compute the same quantities in float32
// vector lanes; the backends agree to float32 rounding (tested).
func init() { cHidden, cVisible = hiddenC, visibleC }

func f32p(x []float32) *C.float  { return (*C.float)(unsafe.Pointer(&x[0])) }
func f64p(x []float64) *C.double { return (*C.double)(unsafe.Pointer(&x[0])) }

func hiddenC(a *annealer, lo, hi float64, fLo, fHi float32, sampleAt int, key uint64) {
	m := a.X.Cols
	tensor.ParallelRows(a.X.Rows, m, func(r0, r1 int) {
		C.ais_hidden(f32p(a.X.Data), f32p(a.p.B), f32p(a.H.Data), f64p(a.logw), f64p(a.linV),
			C.int(r0), C.int(r1), C.int(m), C.float(fLo), C.float(fHi), C.double(hi-lo), C.int(sampleAt), C.uint64_t(key))
	})
}

func visibleC(a *annealer, key uint64) {
	n := a.P.Cols
	tensor.ParallelRows(a.P.Rows, n, func(r0, r1 int) {
		C.ais_visible(f32p(a.P.Data), f32p(a.biasV), f32p(a.V.Data), f64p(a.lin), f64p(a.linV),
			C.int(r0), C.int(r1), C.int(n), C.uint64_t(key))
	})
}
