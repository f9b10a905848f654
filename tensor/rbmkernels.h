// Shared C helpers of rbmscope's cgo kernels (tensor and partition, OpenBLAS
// build). Everything here is static inline: each package compiles its own
// copy from this one source.
#ifndef RBMSCOPE_KERNELS_H
#define RBMSCOPE_KERNELS_H

#include <stdint.h>
#include <stdlib.h>

// CLONES compiles a function for AVX-512, AVX2 and the baseline and picks
// one at load time for the CPU at hand.
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// mix64 is the splitmix64 finaliser, as tensor.mix64.
static inline uint64_t mix64(uint64_t z) {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

// wy is one step of wyrand, as tensor.Rand.Uint64.
static inline uint64_t wy(uint64_t *s) {
	*s += 0xa0761d6478bd642fULL;
	unsigned __int128 p = (unsigned __int128)(*s) * (*s ^ 0xe7037ed1a0b428dbULL);
	return (uint64_t)(p >> 64) ^ (uint64_t)p;
}

// row_rng is the generator state of row i under key, as tensor.RowRand.
static inline uint64_t row_rng(uint64_t key, uint64_t i) { return mix64(key ^ (i + 1) * 0x9e3779b97f4a7c15ULL); }

// exp32 is a float32 exponential (range reduction plus a degree-6
// polynomial), clamped to [e^-87, e^88], as tensor.ExpReduced.
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

// log1p32 is log(1+z) for z in [-0.5, 1] (atanh series, error below 1e-8).
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
