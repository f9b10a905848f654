//go:build openblas && cgo

package tensor

/*
#cgo CFLAGS: -O3 -ffast-math
#cgo LDFLAGS: -lm
#include <stdint.h>

void rbm_sigmoid_sample(const float *x, const float *bias, float scale, float *prob,
                        float *sample, int row0, int rows, int cols, uint64_t key);
void rbm_mul_sparse(const float *v, const float *w, float *out, int row0, int rows, int n, int m);
void rbm_softplus_rowsums(const float *x, const float *bias, float scale, double *out,
                          int rows, int cols);
int rbm_adam(float *th, const float *g, float *m, float *v, int n, float lr, float b1,
             float b2, float eps, float decay, float maxabs);
int rbm_momentum(float *th, const float *g, float *u, int n, float lr, float mom,
                 float decay, float maxabs);
#include <math.h>
#include <stddef.h>
#include <string.h>

// bad_param is 1 for NaN, ±Inf or |t| > maxabs, tested on the bits so that
// -ffast-math cannot assume the NaN case away.
static inline int bad_param(float t, float maxabs) {
	uint32_t b;
	memcpy(&b, &t, 4);
	return ((b & 0x7f800000u) == 0x7f800000u) | !(fabsf(t) <= maxabs);
}

#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

static inline uint64_t mix64(uint64_t z) {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t wy(uint64_t *s) {
	*s += 0xa0761d6478bd642fULL;
	unsigned __int128 p = (unsigned __int128)(*s) * (*s ^ 0xe7037ed1a0b428dbULL);
	return (uint64_t)(p >> 64) ^ (uint64_t)p;
}

static inline float exp32(float t) {
	if (t > 88.0f) t = 88.0f;
	if (t < -87.0f) t = -87.0f;
	float y = t * 1.44269504088896341f;
	int32_t ni = (int32_t)(y >= 0 ? y + 0.5f : y - 0.5f);
	float n = (float)ni;
	float r = t - n * 0.693359375f - n * -2.12194440e-4f;
	float q = (1.0f / 720) * r + 1.0f / 120;
	q = q * r + 1.0f / 24;
	q = q * r + 1.0f / 6;
	q = q * r + 0.5f;
	q = q * r + 1.0f;
	q = q * r + 1.0f;
	union { uint32_t u; float f; } sc;
	sc.u = (uint32_t)(ni + 127) << 23;
	return q * sc.f;
}

static inline void sigmoid_row(float *restrict p, const float *restrict x, const float *restrict bias, float scale, int cols) {
	if (bias) {
		for (int j = 0; j < cols; j++) p[j] = 1.0f / (1.0f + exp32(-scale * (x[j] + bias[j])));
	} else {
		for (int j = 0; j < cols; j++) p[j] = 1.0f / (1.0f + exp32(-scale * x[j]));
	}
}

CLONES void rbm_sigmoid_sample(const float *x, const float *bias, float scale, float *prob,
                        float *sample, int row0, int rows, int cols, uint64_t key) {
	float tmp[cols > 0 ? cols : 1];
	for (int i = row0; i < row0 + rows; i++) {
		float *p = prob ? prob + (size_t)i * cols : tmp;
		sigmoid_row(p, x + (size_t)i * cols, bias, scale, cols);
		if (!sample) continue;
		float *s = sample + (size_t)i * cols;
		uint64_t st = mix64(key ^ ((uint64_t)i + 1) * 0x9e3779b97f4a7c15ULL);
		int j = 0;
		for (; j + 1 < cols; j += 2) {
			uint64_t u = wy(&st);
			int32_t u0 = (int32_t)(u >> 40), u1 = (int32_t)((u >> 8) & ((1u << 24) - 1));
			s[j] = (float)((uint32_t)(u0 - (int32_t)(p[j] * 16777216.0f)) >> 31);
			s[j + 1] = (float)((uint32_t)(u1 - (int32_t)(p[j + 1] * 16777216.0f)) >> 31);
		}
		if (j < cols) {
			int32_t u0 = (int32_t)(wy(&st) >> 40);
			s[j] = (float)((uint32_t)(u0 - (int32_t)(p[j] * 16777216.0f)) >> 31);
		}
	}
}

CLONES void rbm_mul_sparse(const float *v, const float *w, float *out, int row0, int rows, int n, int m) {
	int idx[n > 0 ? n : 1];
	for (int r = row0; r < row0 + rows; r++) {
		float *restrict o = out + (size_t)r * m;
		const float *vr = v + (size_t)r * n;
		int cnt = 0;
		for (int i = 0; i < n; i++) { // branch-free compaction of the nonzeros
			idx[cnt] = i;
			cnt += vr[i] != 0.0f;
		}
		for (int j = 0; j < m; j++) o[j] = 0;
		int k = 0;
		for (; k + 7 < cnt; k += 8) { // eight rows of W per pass over o
			const float *restrict q[8];
			float a[8];
			for (int t = 0; t < 8; t++) {
				q[t] = w + (size_t)idx[k + t] * m;
				a[t] = vr[idx[k + t]];
			}
			for (int j = 0; j < m; j++)
				o[j] += ((a[0] * q[0][j] + a[1] * q[1][j]) + (a[2] * q[2][j] + a[3] * q[3][j])) +
				        ((a[4] * q[4][j] + a[5] * q[5][j]) + (a[6] * q[6][j] + a[7] * q[7][j]));
		}
		for (; k < cnt; k++) {
			const float *restrict w0 = w + (size_t)idx[k] * m;
			float a0 = vr[idx[k]];
			for (int j = 0; j < m; j++) o[j] += a0 * w0[j];
		}
	}
}

static inline float log1p32(float z) {
	float s = z / (2.0f + z), s2 = s * s;
	float p = 1.0f / 13;
	p = p * s2 + 1.0f / 11;
	p = p * s2 + 1.0f / 9;
	p = p * s2 + 1.0f / 7;
	p = p * s2 + 1.0f / 5;
	p = p * s2 + 1.0f / 3;
	p = p * s2 + 1.0f;
	return 2.0f * s * p;
}

CLONES void rbm_softplus_rowsums(const float *x, const float *bias, float scale, double *out, int rows, int cols) {
	for (int i = 0; i < rows; i++) {
		const float *xr = x + (size_t)i * cols;
		double lin = 0;
		float corr = 0;
		double corrd = 0;
		for (int j = 0; j < cols; j++) {
			float t = scale * (xr[j] + (bias ? bias[j] : 0.0f));
			float at = t < 0 ? -t : t;
			if (t > 0) lin += (double)t;
			corr += log1p32(exp32(-at));
			if ((j & 255) == 255) { corrd += corr; corr = 0; }
		}
		out[i] = lin + corrd + corr;
	}
}

CLONES int rbm_adam(float *restrict th, const float *restrict g, float *restrict m, float *restrict v, int n,
                    float lr, float b1, float b2, float eps, float decay, float maxabs) {
	int bad = 0;
	for (int i = 0; i < n; i++) {
		float gi = g[i] - decay * th[i];
		float mi = b1 * m[i] + (1 - b1) * gi;
		float vi = b2 * v[i] + (1 - b2) * gi * gi;
		m[i] = mi;
		v[i] = vi;
		float t = th[i] + lr * mi / (sqrtf(vi) + eps);
		th[i] = t;
		bad |= bad_param(t, maxabs);
	}
	return !bad;
}

CLONES int rbm_momentum(float *restrict th, const float *restrict g, float *restrict u, int n, float lr, float mom,
                        float decay, float maxabs) {
	int bad = 0;
	for (int i = 0; i < n; i++) {
		float ui = g ? mom * u[i] + lr * (g[i] - decay * th[i]) : u[i] - lr * decay * th[i];
		u[i] = ui;
		float t = th[i] + ui;
		th[i] = t;
		bad |= bad_param(t, maxabs);
	}
	return !bad;
}
*/
import "C"

import "unsafe"

// cKernels are the C versions of the elementwise kernels, vectorised by the
// compiler for the CPU at hand (target_clones: AVX-512, AVX2, baseline).
type cKernels struct{}

func f32p(x []float32) *C.float {
	if len(x) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&x[0]))
}

func (cKernels) sigmoidSample(x *Mat32, bias []float32, scale float32, prob, sample *Mat32, key uint64) {
	checkSigmoidShapes(x, bias, prob, sample)
	var pp, sp *C.float
	if prob != nil {
		pp = f32p(prob.Data)
	}
	if sample != nil {
		sp = f32p(sample.Data)
	}
	ParallelRows(x.Rows, x.Cols, func(lo, hi int) {
		C.rbm_sigmoid_sample(f32p(x.Data), f32p(bias), C.float(scale), pp, sp, C.int(lo), C.int(hi-lo), C.int(x.Cols), C.uint64_t(key))
	})
}

func (cKernels) softplusRowSums(x *Mat32, bias []float32, scale float32, out []float64) {
	if len(out) != x.Rows || (bias != nil && len(bias) != x.Cols) {
		panic("tensor: SoftplusRowSums shape mismatch")
	}
	ParallelRows(x.Rows, x.Cols, func(lo, hi int) {
		C.rbm_softplus_rowsums(f32p(x.Data[lo*x.Cols:]), f32p(bias), C.float(scale), (*C.double)(unsafe.Pointer(&out[lo])), C.int(hi-lo), C.int(x.Cols))
	})
}

func (cKernels) adam(th, g, m, v []float32, lr, b1, b2, eps, decay, maxAbs float32) bool {
	return parallelChunks(len(th), func(lo, hi int) bool {
		return C.rbm_adam(f32p(th[lo:hi]), f32p(g[lo:hi]), f32p(m[lo:hi]), f32p(v[lo:hi]), C.int(hi-lo), C.float(lr), C.float(b1), C.float(b2), C.float(eps), C.float(decay), C.float(maxAbs)) != 0
	})
}

func (cKernels) momentum(th, g, u []float32, lr, mom, decay, maxAbs float32) bool {
	return parallelChunks(len(th), func(lo, hi int) bool {
		var gp *C.float
		if g != nil {
			gp = f32p(g[lo:hi])
		}
		return C.rbm_momentum(f32p(th[lo:hi]), gp, f32p(u[lo:hi]), C.int(hi-lo), C.float(lr), C.float(mom), C.float(decay), C.float(maxAbs)) != 0
	})
}

func (cKernels) mulSparse(v, w, out *Mat32) {
	checkMulSparse(v, w, out)
	ParallelRows(v.Rows, v.Cols*w.Cols/8, func(lo, hi int) {
		C.rbm_mul_sparse(f32p(v.Data), f32p(w.Data), f32p(out.Data), C.int(lo), C.int(hi-lo), C.int(v.Cols), C.int(w.Cols))
	})
}
