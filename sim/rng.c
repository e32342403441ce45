/*
 * rng.c - PCG32 (XSH RR 64/32) and SplitMix64, written from their published
 * descriptions. Pinned by test vectors in tests/test_rng.c.
 */
#include "rng.h"

#include <math.h>

#include "rng_zig.h"

uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t rng_u32(struct rng *r)
{
	uint64_t old = r->state;
	r->state = old * 6364136223846793005ULL + r->inc;
	uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
	uint32_t rot = (uint32_t)(old >> 59);
	return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

void rng_seed(struct rng *r, uint64_t initstate, uint64_t initseq)
{
	r->state = 0;
	r->inc = (initseq << 1) | 1;
	rng_u32(r);
	r->state += initstate;
	rng_u32(r);
}

double rng_unit(struct rng *r)
{
	uint64_t hi = rng_u32(r), lo = rng_u32(r);
	return (double)(((hi << 32) | lo) >> 11) * 0x1.0p-53;
}

/* ln(x) = e ln 2 + ln(m) with x = m 2^e and m in [sqrt(1/2), sqrt(2)); then
 * ln(m) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...) with s = (m - 1)/(m + 1),
 * |s| <= 0.1716: the terms up to s^17 leave an error below 1e-15 of the result. */
double rng_ln(double x)
{
	int e;
	double m = frexp(x, &e); /* exact: m in [0.5, 1) */
	if (m < 0.70710678118654752440) {
		m *= 2;
		e--;
	}
	double s = (m - 1) / (m + 1), s2 = s * s;
	double p = 1.0 / 17;
	p = p * s2 + 1.0 / 15;
	p = p * s2 + 1.0 / 13;
	p = p * s2 + 1.0 / 11;
	p = p * s2 + 1.0 / 9;
	p = p * s2 + 1.0 / 7;
	p = p * s2 + 1.0 / 5;
	p = p * s2 + 1.0 / 3;
	p = p * s2 + 1.0;
	return 2 * s * p + e * 0.69314718055994530942;
}

/* Exp(1) by the ziggurat (Marsaglia & Tsang 2000; tables in rng_zig.h):
 * one 64-bit draw picks a strip (its low 8 bits) and a point in it (its top 53
 * bits). 97.8 % of draws are under the curve at once: a compare and a multiply,
 * no logarithm. The rest are the base strip's tail (r plus a fresh Exp(1):
 * the distribution is memoryless) or a wedge, accepted when a uniform height
 * lies under exp(-x), tested as ln(y) < -x with kasim's own logarithm, so no
 * draw depends on the C library's last bits. */
double rng_exp1(struct rng *r)
{
	for (;;) {
		uint64_t hi = rng_u32(r), lo = rng_u32(r);
		uint64_t u = (hi << 32) | lo;
		unsigned i = (unsigned)(u & (ZIG_N - 1));
		uint64_t j = u >> 11;
		double x = (double)j * zig_w[i];
		if (j < zig_k[i])
			return x; /* inside the strip's part under the curve */
		if (i == 0)
			return ZIG_R - rng_ln(1.0 - rng_unit(r)); /* the tail beyond r */
		double y = zig_f[i] + rng_unit(r) * (zig_f[i + 1] - zig_f[i]);
		if (rng_ln(y) < -x)
			return x; /* a wedge point under exp(-x) */
	}
}
