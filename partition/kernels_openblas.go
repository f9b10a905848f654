//go:build openblas && cgo

package partition

/*
#cgo CFLAGS: -O3 -ffast-math
#cgo LDFLAGS: -lm
#include <stdint.h>
#include <stddef.h>
#include <math.h>

#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

static inline uint64_t mix64(uint64_t z) {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

// The row generator of tensor.RowRand and the two-per-draw 24-bit
// uniforms of kernels.go.
typedef struct { uint64_t s, bits; int have; } unif;

static inline float unif_next(unif *u) {
	if (u->have) {
		u->have = 0;
		return (float)(u->bits & ((1u << 24) - 1)) * (1.0f / 16777216.0f);
	}
	u->s += 0xa0761d6478bd642fULL;
	unsigned __int128 p = (unsigned __int128)u->s * (u->s ^ 0xe7037ed1a0b428dbULL);
	u->bits = (uint64_t)(p >> 64) ^ (uint64_t)p;
	u->have = 1;
	return (float)(u->bits >> 40) * (1.0f / 16777216.0f);
}

static inline float expneg32(float x) {
	float x0 = x;
	if (x < -87.0f) x = -87.0f;
	int32_t n = (int32_t)(x * 1.44269504088896341f - 0.5f);
	float fn = (float)n;
	float r = x - fn * 0.693359375f - fn * -2.12194440e-4f;
	float p = 1.0f / 720;
	p = p * r + 1.0f / 120;
	p = p * r + 1.0f / 24;
	p = p * r + 1.0f / 6;
	p = p * r + 0.5f;
	p = p * r + 1.0f;
	p = p * r + 1.0f;
	union { uint32_t u; float f; } sc;
	sc.u = (uint32_t)(n + 127) << 23;
	return x0 < -87.0f ? 0.0f : p * sc.f;
}

// See annealer.hiddenGo: the same computation, row by row.
CLONES void rbm_ais_hidden(const float *X, const float *bias, float *H, double *logw, const double *linV,
                           int r0, int r1, int m, double lo, double hi, float fLo, float fHi, int sampleAt,
                           uint64_t key) {
	double d = hi - lo;
	for (int c = r0; c < r1; c++) {
		const float *x = X + (size_t)c * m;
		float *h = H + (size_t)c * m;
		unif u = {mix64(key ^ ((uint64_t)c + 1) * 0x9e3779b97f4a7c15ULL), 0, 0};
		double pos = 0, corr = 0;
		for (int j = 0; j < m; j++) {
			float t = x[j] + bias[j];
			float at = t;
			if (t < 0) at = -t;
			else pos += (double)t;
			double eHi = (double)expneg32(-fHi * at);
			double s = d * (double)at;
			double eLo;
			if (s < 0.02) {
				double rm1 = s * (1 + s * (0.5 + s * (1.0 / 6 + s * (1.0 / 24 + s * (1.0 / 120)))));
				eLo = eHi * (1 + rm1);
				double y = eHi * rm1 / (1 + eLo);
				corr -= y * (1 + y * (0.5 + y * (1.0 / 3 + y * (0.25 + y * 0.2))));
			} else {
				eLo = (double)expneg32(-fLo * at);
				corr += log1p(eHi) - log1p(eLo);
			}
			if (sampleAt == 0) continue;
			double e = sampleAt == 1 ? eHi : eLo;
			double lim = t > 0 ? 1.0 : e;
			h[j] = ((double)unif_next(&u) * (1 + e) < lim) ? 1.0f : 0.0f;
		}
		logw[c] += d * (linV[c] + pos) + corr;
	}
}

// See annealer.visibleSampleGo. Two passes per row: the exponentials
// (vectorised), then the uniforms and comparisons (branch-free).
CLONES void rbm_ais_visible(const float *P, const float *biasV, float *V, const double *lin, double *linV,
                            int r0, int r1, int n, uint64_t key) {
	float e1[n > 0 ? n : 1], lim[n > 0 ? n : 1];
	for (int c = r0; c < r1; c++) {
		const float *p = P + (size_t)c * n;
		float *v = V + (size_t)c * n;
		for (int i = 0; i < n; i++) {
			float z = p[i] + biasV[i];
			float az = z <= 0 ? z : -z;
			float e = az > -17.0f ? expneg32(az) : 0.0f;
			e1[i] = 1 + e;
			lim[i] = z <= 0 ? e : 1.0f;
		}
		unif u = {mix64(key ^ ((uint64_t)c + 1) * 0x9e3779b97f4a7c15ULL), 0, 0};
		double s = 0;
		for (int i = 0; i < n; i++) {
			float un = unif_next(&u);
			int on = (un * e1[i] < lim[i]) | ((lim[i] == 0.0f) & (un == 0.0f));
			v[i] = (float)on;
			s += on ? lin[i] : 0.0;
		}
		linV[c] = s;
	}
}
*/
import "C"

import (
	"unsafe"

	"github.com/rbmscope/rbmscope/tensor"
)

// The OpenBLAS build runs the two fused AIS kernels of kernels.go in C
// (compiled for the CPU at hand); they draw the same random numbers.

func fp(x []float32) *C.float  { return (*C.float)(unsafe.Pointer(&x[0])) }
func dp(x []float64) *C.double { return (*C.double)(unsafe.Pointer(&x[0])) }

func (a *annealer) hidden(k, sampleAt int) {
	var key uint64
	if sampleAt != noSample {
		key = a.stream.Key()
	}
	lo, hi := a.betas[k-1], a.betas[k]
	fLo, fHi := a.betas32[k-1], a.betas32[k]
	tensor.ParallelRows(a.X.Rows, a.X.Cols, func(r0, r1 int) {
		C.rbm_ais_hidden(fp(a.X.Data), fp(a.p.B), fp(a.H.Data), dp(a.logw), dp(a.linV), C.int(r0), C.int(r1), C.int(a.X.Cols),
			C.double(lo), C.double(hi), C.float(fLo), C.float(fHi), C.int(sampleAt), C.uint64_t(key))
	})
}

func (a *annealer) visibleSample() {
	key := a.stream.Key()
	tensor.ParallelRows(a.P.Rows, a.P.Cols, func(r0, r1 int) {
		C.rbm_ais_visible(fp(a.P.Data), fp(a.biasV), fp(a.V.Data), dp(a.lin), dp(a.linV), C.int(r0), C.int(r1), C.int(a.P.Cols), C.uint64_t(key))
	})
}
