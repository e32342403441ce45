/*
 * test_rng.c - PCG32 and SplitMix64 pinned by their published test vectors.
 */
#include <criterion/criterion.h>

#include "helpers.h"
#include "rng.h"

Test(rng, pcg32_reference_vector)
{
	/* pcg32-demo (pcg-c-basic): pcg32_srandom_r(&rng, 42u, 54u) */
	static const uint32_t want[] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
					0x83d2f293, 0xbfa4784b, 0xcbed606e};
	struct rng r;
	rng_seed(&r, 42, 54);
	for (size_t i = 0; i < NELEMS(want); i++) {
		uint32_t got = rng_u32(&r);
		cr_expect_eq(got, want[i], "output %zu: %#010x, want %#010x", i, got, want[i]);
	}
}

Test(rng, splitmix64_reference_vector)
{
	uint64_t x = 0;
	cr_expect_eq(splitmix64(&x), 0xe220a8397b1dcdafULL);
	cr_expect_eq(x, 0x9e3779b97f4a7c15ULL, "the state advances by the golden gamma");
}

Test(rng, same_seed_same_stream_different_seed_differs)
{
	struct rng a, b, c;
	rng_seed(&a, 1, 0x6b6173696dULL);
	rng_seed(&b, 1, 0x6b6173696dULL);
	rng_seed(&c, 2, 0x6b6173696dULL);
	int same_c = 0;
	for (int i = 0; i < 100; i++) {
		uint32_t x = rng_u32(&a), y = rng_u32(&b), z = rng_u32(&c);
		cr_expect_eq(x, y);
		same_c += x == z;
	}
	cr_expect_lt(same_c, 3, "seed 2 reproduces seed 1's stream");
}

Test(rng, unit_in_half_open_interval)
{
	struct rng r;
	rng_seed(&r, 7, 11);
	double lo = 1.0, hi = 0.0, sum = 0.0;
	enum { N = 100000 };
	for (int i = 0; i < N; i++) {
		double u = rng_unit(&r);
		cr_assert(u >= 0.0 && u < 1.0, "rng_unit() = %.17g outside [0, 1)", u);
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
		sum += u;
	}
	/* uniform: the extremes approach the ends and the mean is 1/2 (5 sigma) */
	cr_expect_lt(lo, 1e-3);
	cr_expect_gt(hi, 1 - 1e-3);
	double mean = sum / N, sigma = 0.2886751345948129 / 316.22776601683796; /* 1/sqrt(12 N) */
	cr_expect(mean > 0.5 - 5 * sigma && mean < 0.5 + 5 * sigma, "mean %.6f", mean);
}

Test(rng, unit_uses_53_bits_of_two_outputs)
{
	struct rng a, b;
	rng_seed(&a, 99, 1);
	rng_seed(&b, 99, 1);
	uint64_t hi = rng_u32(&b), lo = rng_u32(&b);
	double want = (double)(((hi << 32) | lo) >> 11) * 0x1.0p-53;
	cr_expect_eq(rng_unit(&a), want);
	cr_expect_eq(rng_u32(&a), rng_u32(&b), "rng_unit consumes exactly two outputs");
}
