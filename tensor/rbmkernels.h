// Shared C helpers of rbmscope's cgo kernels (tensor and partition, OpenBLAS
// build). Everything here is static inline: each package compiles its own
// copy from this one source.
#ifndef RBMSCOPE_KERNELS_H
#define RBMSCOPE_KERNELS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// RBM_INLINE helpers are always inlined, so that they are compiled for the
// SIMD path of the kernel that calls them (an out-of-line copy would be
// compiled for the baseline only).
#define RBM_INLINE static inline __attribute__((always_inline))

// The SIMD paths of the C kernels. Each kernel is compiled once per path
// (RBM_DISPATCH below) and every call runs the path rbm_path() chose when
// the process first needed one: the best the CPU executes, or a lower one
// forced by the environment variable RBMSCOPE_SIMD=avx512|avx2|generic.
// The same path gives the same bits; different paths may round
// differently (vector widths change the order of sums).
#define RBM_GENERIC 0
#define RBM_AVX2 1
#define RBM_AVX512 2
#define RBM_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,bmi,bmi2,popcnt")))
#define RBM_TARGET_AVX2 __attribute__((target("avx2,fma,bmi,bmi2,popcnt")))

// rbm_cpu_best is the highest path this CPU executes.
static int rbm_cpu_best(void) {
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
		return RBM_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2"))
		return RBM_AVX2;
	return RBM_GENERIC;
}

// rbm_simd_request is the path RBMSCOPE_SIMD asks for: -1 when unset or
// empty, -2 when it names no path.
static int rbm_simd_request(void) {
	const char *s = getenv("RBMSCOPE_SIMD");
	if (!s || !*s) return -1;
	if (!strcmp(s, "avx512")) return RBM_AVX512;
	if (!strcmp(s, "avx2")) return RBM_AVX2;
	if (!strcmp(s, "generic")) return RBM_GENERIC;
	return -2;
}

// rbm_path is the path the kernels run: the one RBMSCOPE_SIMD asks for if
// the CPU executes it, else the best one. (The Go side reports a bad or
// unexecutable request as an error before any kernel runs.)
static int rbm_path_cache = -1;
static int rbm_path(void) {
	int p = __atomic_load_n(&rbm_path_cache, __ATOMIC_RELAXED);
	if (p < 0) {
		int best = rbm_cpu_best(), req = rbm_simd_request();
		p = req >= 0 && req <= best ? req : best;
		__atomic_store_n(&rbm_path_cache, p, __ATOMIC_RELAXED);
	}
	return p;
}

// RBM_DISPATCH(ret, name, params, args) defines the kernel ret name(params)
// from the always-inlined RBM_INLINE ret name##_body(params): one copy per
// SIMD path, chosen by rbm_path(). RBM_DISPATCH_VOID does the same for a
// void kernel.
#define RBM_DISPATCH(ret, name, params, args)                                      \
	RBM_TARGET_AVX512 static ret name##_avx512 params { return name##_body args; } \
	RBM_TARGET_AVX2 static ret name##_avx2 params { return name##_body args; }     \
	static ret name##_generic params { return name##_body args; }                  \
	ret name params {                                                              \
		switch (rbm_path()) {                                                      \
		case RBM_AVX512: return name##_avx512 args;                                \
		case RBM_AVX2: return name##_avx2 args;                                    \
		default: return name##_generic args;                                      \
		}                                                                          \
	}
// RBM_DISPATCH_VOID_PATH is RBM_DISPATCH_VOID for a body that takes the
// path as a last, constant argument, for code that differs by path beyond
// what the compiler chooses (e.g. vector types that an AVX2 build would
// spill).
#define RBM_UNPAREN(...) __VA_ARGS__
#define RBM_DISPATCH_VOID_PATH(name, params, args)                                                 \
	RBM_TARGET_AVX512 static void name##_avx512 params { name##_body(RBM_UNPAREN args, RBM_AVX512); } \
	RBM_TARGET_AVX2 static void name##_avx2 params { name##_body(RBM_UNPAREN args, RBM_AVX2); }       \
	static void name##_generic params { name##_body(RBM_UNPAREN args, RBM_GENERIC); }                 \
	void name params {                                                                             \
		switch (rbm_path()) {                                                                      \
		case RBM_AVX512: name##_avx512 args; break;                                                \
		case RBM_AVX2: name##_avx2 args; break;                                                    \
		default: name##_generic args;                                                              \
		}                                                                                          \
	}
#define RBM_DISPATCH_VOID(name, params, args)                                \
	RBM_TARGET_AVX512 static void name##_avx512 params { name##_body args; } \
	RBM_TARGET_AVX2 static void name##_avx2 params { name##_body args; }     \
	static void name##_generic params { name##_body args; }                  \
	void name params {                                                       \
		switch (rbm_path()) {                                                \
		case RBM_AVX512: name##_avx512 args; break;                          \
		case RBM_AVX2: name##_avx2 args; break;                              \
		default: name##_generic args;                                        \
		}                                                                    \
	}

// mix64 is the splitmix64 finaliser, as tensor.mix64.
RBM_INLINE uint64_t mix64(uint64_t z) {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

// wy is one step of wyrand, as tensor.Rand.Uint64.
RBM_INLINE uint64_t wy(uint64_t *s) {
	*s += 0xa0761d6478bd642fULL;
	unsigned __int128 p = (unsigned __int128)(*s) * (*s ^ 0xe7037ed1a0b428dbULL);
	return (uint64_t)(p >> 64) ^ (uint64_t)p;
}

// row_rng is the generator state of row i under key, as tensor.RowRand.
RBM_INLINE uint64_t row_rng(uint64_t key, uint64_t i) { return mix64(key ^ (i + 1) * 0x9e3779b97f4a7c15ULL); }

// exp32 is a float32 exponential (range reduction plus a degree-6
// polynomial), clamped to [e^-87, e^88], as tensor.ExpReduced.
RBM_INLINE float exp32(float t) {
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

// log1p32 is log(1+z) for z in [-0.5, 1] (atanh series, error below 1e-8).
RBM_INLINE float log1p32(float z) {
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

// scratch returns a per-thread buffer of at least n bytes, kept between
// calls (a fresh malloc of this size would be an mmap, with page faults on
// every use).
static void *scratch(size_t n) {
	static __thread void *buf;
	static __thread size_t cap;
	if (n > cap) {
		free(buf);
		cap = n + n / 2;
		buf = malloc(cap);
		if (!buf) abort();
	}
	return buf;
}

#endif
