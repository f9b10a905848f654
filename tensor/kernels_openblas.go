//go:build openblas && cgo

package tensor

/*
#cgo CFLAGS: -O3 -ffast-math -Wno-psabi
#cgo LDFLAGS: -lm
#include <stdint.h>

void rbm_sigmoid_sample(const float *x, const float *bias, float scale, float *prob,
                        float *sample, int row0, int rows, int cols, uint64_t key);
void rbm_mul_sparse(const float *v, const float *w, float *out, int row0, int rows, int n, int m);
void rbm_mul_sparse_t(float alpha, const float *x, const float *y, float beta, float *c,
                      int i0, int ni, int K, int n, int m);
void rbm_softplus_rowsums(const float *x, const float *bias, float scale, double *out,
                          int rows, int cols);
int rbm_adam(float *th, const float *g, float *m, float *v, int n, float lr, float b1,
             float b2, float eps, float decay, float maxabs);
int rbm_momentum(float *th, const float *g, float *u, int n, float lr, float mom,
                 float decay, float maxabs);
int rbm_simd_path(void);
int rbm_simd_best(void);
int rbm_simd_requested(void);
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <immintrin.h>
#include <string.h>
#include "rbmkernels.h"

// bad_param is 1 for NaN, ±Inf or |t| > maxabs, tested on the bits so that
// -ffast-math cannot assume the NaN case away.
RBM_INLINE int bad_param(float t, float maxabs) {
	uint32_t b;
	memcpy(&b, &t, 4);
	return ((b & 0x7f800000u) == 0x7f800000u) | !(fabsf(t) <= maxabs);
}

RBM_INLINE void sigmoid_row(float *restrict p, const float *restrict x, const float *restrict bias, float scale, int cols) {
	if (bias) {
		for (int j = 0; j < cols; j++) p[j] = 1.0f / (1.0f + exp32(-scale * (x[j] + bias[j])));
	} else {
		for (int j = 0; j < cols; j++) p[j] = 1.0f / (1.0f + exp32(-scale * x[j]));
	}
}

RBM_INLINE void rbm_sigmoid_sample_body(const float *x, const float *bias, float scale, float *prob,
                                        float *sample, int row0, int rows, int cols, uint64_t key) {
	float tmp[cols > 0 ? cols : 1];
	for (int i = row0; i < row0 + rows; i++) {
		float *p = prob ? prob + (size_t)i * cols : tmp;
		sigmoid_row(p, x + (size_t)i * cols, bias, scale, cols);
		if (!sample) continue;
		float *s = sample + (size_t)i * cols;
		uint64_t st = row_rng(key, (uint64_t)i);
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

typedef float v16 __attribute__((vector_size(64)));
typedef float v4 __attribute__((vector_size(16)));
RBM_INLINE v16 ld16(const float *p) { v16 x; memcpy(&x, p, sizeof x); return x; }
RBM_INLINE void st16(float *p, v16 x) { memcpy(p, &x, sizeof x); }
RBM_INLINE v4 ld4(const float *p) { v4 x; memcpy(&x, p, sizeof x); return x; }
RBM_INLINE void st4(float *p, v4 x) { memcpy(p, &x, sizeof x); }


// compact writes the positions and values of the nonzeros of x[0..len) to
// pos and val (each with room for len+16 entries) and returns their count;
// *ones is cleared if a nonzero is not exactly 1. NaN counts as nonzero.
static int compact_scalar(const float *x, int len, int *pos, float *val, int *ones) {
	int c = 0, o = 1;
	for (int i = 0; i < len; i++) { // branch-free
		float xv = x[i];
		pos[c] = i;
		val[c] = xv;
		c += !(xv == 0.0f);
		o &= (xv == 0.0f) | (xv == 1.0f);
	}
	*ones &= o;
	return c;
}

// compact_tail compacts x[i..len) after the c nonzeros the vector loop
// found, and returns the total count.
static int compact_tail(const float *x, int i, int len, int *pos, float *val, int *ones, int c) {
	if (i < len) {
		int t = compact_scalar(x + i, len - i, pos + c, val + c, ones);
		for (int k = c; k < c + t; k++) pos[k] += i;
		c += t;
	}
	return c;
}

RBM_TARGET_AVX512 static int compact_avx512(const float *x, int len, int *pos, float *val, int *ones) {
	__m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	const __m512i step = _mm512_set1_epi32(16);
	const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
	int c = 0, i = 0;
	unsigned other = 0;
	for (; i + 16 <= len; i += 16) {
		__m512 xv = _mm512_loadu_ps(x + i);
		__mmask16 nz = _mm512_cmp_ps_mask(xv, zero, _CMP_NEQ_UQ);
		other |= nz & ~_mm512_cmp_ps_mask(xv, one, _CMP_EQ_OQ);
		_mm512_storeu_si512(pos + c, _mm512_maskz_compress_epi32(nz, idx));
		_mm512_storeu_ps(val + c, _mm512_maskz_compress_ps(nz, xv));
		c += __builtin_popcount(nz);
		idx = _mm512_add_epi32(idx, step);
	}
	if (other) *ones = 0;
	return compact_tail(x, i, len, pos, val, ones, c);
}

// compact_lut[m] holds, in its eight nibbles from the lowest, the lanes of
// the set bits of the 8-bit mask m in order (the rest 0): the permutation
// that packs the nonzeros of eight lanes to the front.
// It is filled when the library loads, before any kernel runs.
static uint32_t compact_lut[256];
__attribute__((constructor)) static void compact_lut_init(void) {
	for (int m = 0; m < 256; m++) {
		uint32_t w = 0;
		int k = 0;
		for (int l = 0; l < 8; l++)
			if (m >> l & 1) w |= (uint32_t)l << (4 * k++);
		compact_lut[m] = w;
	}
}

RBM_TARGET_AVX2 static int compact_avx2(const float *x, int len, int *pos, float *val, int *ones) {
	__m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	const __m256i step = _mm256_set1_epi32(8), shifts = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
	const __m256i nib = _mm256_set1_epi32(15);
	const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
	int c = 0, i = 0;
	unsigned other = 0;
	for (; i + 8 <= len; i += 8) {
		__m256 xv = _mm256_loadu_ps(x + i);
		unsigned nz = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(xv, zero, _CMP_NEQ_UQ));
		other |= nz & ~(unsigned)_mm256_movemask_ps(_mm256_cmp_ps(xv, one, _CMP_EQ_OQ));
		__m256i perm = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32((int)compact_lut[nz]), shifts), nib);
		_mm256_storeu_si256((__m256i *)(pos + c), _mm256_permutevar8x32_epi32(idx, perm));
		_mm256_storeu_ps(val + c, _mm256_permutevar8x32_ps(xv, perm));
		c += __builtin_popcount(nz);
		idx = _mm256_add_epi32(idx, step);
	}
	if (other) *ones = 0;
	return compact_tail(x, i, len, pos, val, ones, c);
}

static int compact(const float *x, int len, int *pos, float *val, int *ones) {
	switch (rbm_path()) {
	case RBM_AVX512: return compact_avx512(x, len, pos, val, ones);
	case RBM_AVX2: return compact_avx2(x, len, pos, val, ones);
	default: return compact_scalar(x, len, pos, val, ones);
	}
}

// SPARSE_DOT(T, LD) is Σ_t cf[t]·rows[off[t] + j …] over c listed row
// offsets, for the vector type T loaded by LD: eight independent loads per
// step, summed as a tree; ones skips the multiplications.
#define SPARSE_DOT(name, T, LD)                                                                    \
	RBM_INLINE T name(const float *rows, int j, const int *off, const float *cf, int c, int ones) { \
		T acc = {0};                                                                               \
		int k = 0;                                                                                 \
		if (ones) {                                                                                \
			for (; k + 7 < c; k += 8)                                                              \
				acc += ((LD(rows + off[k] + j) + LD(rows + off[k + 1] + j)) +                      \
				        (LD(rows + off[k + 2] + j) + LD(rows + off[k + 3] + j))) +                 \
				       ((LD(rows + off[k + 4] + j) + LD(rows + off[k + 5] + j)) +                  \
				        (LD(rows + off[k + 6] + j) + LD(rows + off[k + 7] + j)));                  \
			for (; k < c; k++) acc += LD(rows + off[k] + j);                                       \
		} else {                                                                                   \
			for (; k < c; k++) acc += cf[k] * LD(rows + off[k] + j);                               \
		}                                                                                          \
		return acc;                                                                                \
	}
SPARSE_DOT(sparse_dot16, v16, ld16)
SPARSE_DOT(sparse_dot4, v4, ld4)

// sparse_dot16_pair is sparse_dot16 as two 8-lane halves, for AVX2: a
// 16-lane generic vector there is two registers that GCC spills to the
// stack inside the loop. Each lane is written to add the same terms in
// the same order as sparse_dot16 (-ffast-math leaves the compiler free to
// reassociate, so the paths are not promised the same bits).
typedef float v8 __attribute__((vector_size(32)));
RBM_INLINE v8 ld8(const float *p) { v8 x; memcpy(&x, p, sizeof x); return x; }
RBM_INLINE void st8(float *p, v8 x) { memcpy(p, &x, sizeof x); }
RBM_INLINE void sparse_dot16_pair(const float *rows, int j, const int *off, const float *cf, int c, int ones, v8 *lo, v8 *hi) {
	v8 a = {0}, b = {0};
	int k = 0;
	if (ones) {
		for (; k + 7 < c; k += 8) {
			const float *p0 = rows + off[k] + j, *p1 = rows + off[k + 1] + j, *p2 = rows + off[k + 2] + j,
			            *p3 = rows + off[k + 3] + j, *p4 = rows + off[k + 4] + j, *p5 = rows + off[k + 5] + j,
			            *p6 = rows + off[k + 6] + j, *p7 = rows + off[k + 7] + j;
			a += ((ld8(p0) + ld8(p1)) + (ld8(p2) + ld8(p3))) + ((ld8(p4) + ld8(p5)) + (ld8(p6) + ld8(p7)));
			b += ((ld8(p0 + 8) + ld8(p1 + 8)) + (ld8(p2 + 8) + ld8(p3 + 8))) +
			     ((ld8(p4 + 8) + ld8(p5 + 8)) + (ld8(p6 + 8) + ld8(p7 + 8)));
		}
		for (; k < c; k++) {
			const float *q = rows + off[k] + j;
			a += ld8(q);
			b += ld8(q + 8);
		}
	} else {
		for (; k < c; k++) {
			const float *q = rows + off[k] + j;
			a += cf[k] * ld8(q);
			b += cf[k] * ld8(q + 8);
		}
	}
	*lo = a;
	*hi = b;
}

RBM_INLINE float sparse_dot1(const float *rows, int j, const int *off, const float *cf, int c) {
	float s = 0;
	for (int k = 0; k < c; k++) s += cf[k] * rows[off[k] + j];
	return s;
}

// For a list l of the sparse kernels below: off, cf, count, ones.
#define LIST(l) off + (size_t)(l) * stride, cf + (size_t)(l) * stride, cnt[l], ones[l]

// rbm_mul_sparse sets out = v·w for rows [row0, row0+rows) of v (n columns)
// by summing the rows of w (m columns) that the nonzeros of v select. The
// loop over 16-column panels of w is outermost, so a panel (n×64 bytes)
// stays near the core while every row of v uses it.
RBM_INLINE void rbm_mul_sparse_body(const float *v, const float *w, float *out, int row0, int rows, int n, int m, int path) {
	size_t stride = (size_t)n + 16;
	int *off = scratch(sizeof(int) * (2 * (size_t)rows * stride + 2 * (size_t)rows));
	float *cf = (float *)(off + (size_t)rows * stride);
	int *cnt = (int *)(cf + (size_t)rows * stride), *ones = cnt + rows;
	for (int r = 0; r < rows; r++) {
		int *o = off + (size_t)r * stride;
		ones[r] = 1;
		cnt[r] = compact(v + (size_t)(row0 + r) * n, n, o, cf + (size_t)r * stride, ones + r);
		for (int k = 0; k < cnt[r]; k++) o[k] *= m;
	}
	float *o0 = out + (size_t)row0 * m;
	int j = 0;
	for (; j + 16 <= m; j += 16)
		for (int r = 0; r < rows; r++) {
			float *dst = o0 + (size_t)r * m + j;
			if (path == RBM_AVX2) {
				v8 lo, hi;
				sparse_dot16_pair(w, j, LIST(r), &lo, &hi);
				st8(dst, lo);
				st8(dst + 8, hi);
			} else {
				st16(dst, sparse_dot16(w, j, LIST(r)));
			}
		}
	for (; j + 4 <= m; j += 4)
		for (int r = 0; r < rows; r++) st4(o0 + (size_t)r * m + j, sparse_dot4(w, j, LIST(r)));
	for (; j < m; j++)
		for (int r = 0; r < rows; r++) o0[(size_t)r * m + j] = sparse_dot1(w, j, off + (size_t)r * stride, cf + (size_t)r * stride, cnt[r]);
}

// rbm_mul_sparse_t sets c = alpha·xᵀ·y + beta·c for rows [i0, i0+ni) of c
// (x is K×n, y is K×m, c is n×m): row i of c gathers the rows of y that
// the nonzeros of column i of x select. The nonzeros are found row by row
// of x and filed per column. The products are summed before they meet c,
// so a long inner dimension loses no precision against a large c; beta == 0
// does not read c.
RBM_INLINE void rbm_mul_sparse_t_body(float alpha, const float *x, const float *y, float beta, float *c,
                                      int i0, int ni, int K, int n, int m, int path) {
	size_t stride = (size_t)K;
	int *off = scratch(sizeof(int) * (2 * (size_t)ni * stride + 2 * (size_t)ni + 2 * ((size_t)ni + 16)));
	float *cf = (float *)(off + (size_t)ni * stride);
	int *cnt = (int *)(cf + (size_t)ni * stride), *ones = cnt + ni, *pos = ones + ni;
	float *val = (float *)(pos + ni + 16);
	for (int t = 0; t < ni; t++) cnt[t] = 0, ones[t] = 1;
	for (int k = 0; k < K; k++) {
		int one = 1;
		int nz = compact(x + (size_t)k * n + i0, ni, pos, val, &one);
		for (int q = 0; q < nz; q++) {
			int t = pos[q];
			off[(size_t)t * stride + cnt[t]] = k * m;
			cf[(size_t)t * stride + cnt[t]] = val[q];
			cnt[t]++;
			ones[t] &= one | (val[q] == 1.0f);
		}
	}
	int j = 0;
#define UPDATE(T, ST, LD, DOT)                                                        \
	for (int t = 0; t < ni; t++) {                                                    \
		T s = DOT(y, j, LIST(t));                                                     \
		float *cp = c + (size_t)(i0 + t) * m + j;                                     \
		ST(cp, beta == 0.0f ? alpha * s : beta * LD(cp) + alpha * s);                 \
	}
	for (; j + 16 <= m; j += 16) {
		if (path != RBM_AVX2) {
			UPDATE(v16, st16, ld16, sparse_dot16)
			continue;
		}
		for (int t = 0; t < ni; t++) {
			v8 lo, hi;
			sparse_dot16_pair(y, j, LIST(t), &lo, &hi);
			float *cp = c + (size_t)(i0 + t) * m + j;
			st8(cp, beta == 0.0f ? alpha * lo : beta * ld8(cp) + alpha * lo);
			st8(cp + 8, beta == 0.0f ? alpha * hi : beta * ld8(cp + 8) + alpha * hi);
		}
	}
	for (; j + 4 <= m; j += 4) UPDATE(v4, st4, ld4, sparse_dot4)
#undef UPDATE
	for (; j < m; j++)
		for (int t = 0; t < ni; t++) {
			float s = sparse_dot1(y, j, off + (size_t)t * stride, cf + (size_t)t * stride, cnt[t]);
			float *cp = c + (size_t)(i0 + t) * m + j;
			*cp = beta == 0.0f ? alpha * s : beta * *cp + alpha * s;
		}
}
#undef LIST

RBM_INLINE void rbm_softplus_rowsums_body(const float *x, const float *bias, float scale, double *out, int rows, int cols) {
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

RBM_INLINE int rbm_adam_body(float *restrict th, const float *restrict g, float *restrict m, float *restrict v, int n,
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

RBM_INLINE int rbm_momentum_body(float *restrict th, const float *restrict g, float *restrict u, int n, float lr, float mom,
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

RBM_DISPATCH_VOID(rbm_sigmoid_sample,
                  (const float *x, const float *bias, float scale, float *prob, float *sample, int row0, int rows, int cols, uint64_t key),
                  (x, bias, scale, prob, sample, row0, rows, cols, key))
RBM_DISPATCH_VOID_PATH(rbm_mul_sparse, (const float *v, const float *w, float *out, int row0, int rows, int n, int m),
                  (v, w, out, row0, rows, n, m))
RBM_DISPATCH_VOID_PATH(rbm_mul_sparse_t,
                  (float alpha, const float *x, const float *y, float beta, float *c, int i0, int ni, int K, int n, int m),
                  (alpha, x, y, beta, c, i0, ni, K, n, m))
RBM_DISPATCH_VOID(rbm_softplus_rowsums, (const float *x, const float *bias, float scale, double *out, int rows, int cols),
                  (x, bias, scale, out, rows, cols))
RBM_DISPATCH(int, rbm_adam,
             (float *th, const float *g, float *m, float *v, int n, float lr, float b1, float b2, float eps, float decay, float maxabs),
             (th, g, m, v, n, lr, b1, b2, eps, decay, maxabs))
RBM_DISPATCH(int, rbm_momentum, (float *th, const float *g, float *u, int n, float lr, float mom, float decay, float maxabs),
             (th, g, u, n, lr, mom, decay, maxabs))

// rbm_simd_path, rbm_simd_best and rbm_simd_request tell Go the path the
// kernels run, the best this CPU executes and what RBMSCOPE_SIMD asked for.
int rbm_simd_path(void) { return rbm_path(); }
int rbm_simd_best(void) { return rbm_cpu_best(); }
int rbm_simd_requested(void) { return rbm_simd_request(); }
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

func (cKernels) mulSparseT(alpha float32, x, y *Mat32, beta float32, c *Mat32) {
	checkMulSparseT(x, y, c)
	ParallelRows(c.Rows, x.Rows*c.Cols/8, func(lo, hi int) {
		C.rbm_mul_sparse_t(C.float(alpha), f32p(x.Data), f32p(y.Data), C.float(beta), f32p(c.Data), C.int(lo), C.int(hi-lo), C.int(x.Rows), C.int(x.Cols), C.int(y.Cols))
	})
}
