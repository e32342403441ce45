/*
 * test_rng.c - PCG32 and SplitMix64 pinned by their published test vectors.
 */
#include <criterion/criterion.h>
#include <math.h>

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

/* kasim's own logarithm: within 2e-15 (relative) of libm's log over (0, 1],
 * exact at powers of two, and ln(1) = 0. */
Test(rng, own_logarithm_matches_libm)
{
	double worst = 0;
	for (double x = 1e-300; x < 1; x *= 1.0007) {
		double rel = fabs(rng_ln(x) - log(x)) / fabs(log(x));
		if (rel > worst)
			worst = rel;
	}
	cr_expect_lt(worst, 2e-15, "worst relative error %g", worst);
	cr_expect_eq(rng_ln(1.0), 0.0);
	cr_expect_eq(rng_ln(0.5), -0.69314718055994530942);
	cr_expect_eq(rng_ln(0x1p-20), -20 * 0.69314718055994530942);
}

/* Exp(1) draws: mean 1 and P(X > 1) = e^-1, within 5 standard errors of
 * 10^6 draws (sd of the mean 1e-3; of the proportion sqrt(p(1-p)/n) = 4.8e-4). */
Test(rng, exponential_draws_have_mean_one)
{
	struct rng r;
	rng_seed(&r, 7, 11);
	const int n = 1000000;
	double sum = 0;
	int above = 0;
	for (int i = 0; i < n; i++) {
		double x = rng_exp1(&r);
		cr_assert_geq(x, 0.0);
		sum += x;
		above += x > 1;
	}
	cr_expect(fabs(sum / n - 1) < 5e-3, "mean %f", sum / n);
	cr_expect(fabs((double)above / n - exp(-1)) < 2.4e-3, "P(X > 1) = %f", (double)above / n);
}

/* The ziggurat's tables (scripts/gen-ziggurat.py): every strip has the same
 * area v, the edges fall from X[1] = r to X[N] = 0 on f(x) = exp(-x), and the
 * base strip's rectangle plus the tail, r f(r) + exp(-r), is v too. */
#include "../sim/rng_zig.h"

Test(rng, ziggurat_tables_cover_exp_in_equal_strips)
{
	double X[ZIG_N + 1];
	for (int i = 0; i < ZIG_N; i++)
		X[i] = zig_w[i] * 0x1p53;
	X[ZIG_N] = 0;
	cr_expect_eq(X[1], ZIG_R);
	cr_expect(fabs((ZIG_R + 1) * exp(-ZIG_R) - ZIG_V) < 1e-15 * ZIG_V);
	cr_expect(fabs(X[0] * zig_f[1] - ZIG_V) < 1e-13 * ZIG_V, "base strip");
	for (int i = 1; i < ZIG_N; i++) {
		cr_expect_gt(X[i], X[i + 1], "edges fall: %d", i);
		/* X[i] is rounded to a double (2^-53 relative), so exp(-X[i]) moves
		 * by up to X[i] 2^-53 relative, plus libm's own rounding */
		cr_expect(fabs(zig_f[i] - exp(-X[i])) <= (X[i] + 2) * 0x1p-52 * zig_f[i], "f(X[%d])",
			  i);
		double area = X[i] * (zig_f[i + 1] - zig_f[i]);
		cr_expect(fabs(area - ZIG_V) < 1e-12 * ZIG_V, "strip %d: area %.17g", i, area);
		/* below zig_k[i] a point's x is under X[i+1]: inside the curve (the
		 * ratio of two rounded edges is good to a few units of 2^-53) */
		double k = X[i + 1] / X[i] * 0x1p53;
		cr_expect(fabs(k - (double)zig_k[i]) < 4, "zig_k[%d]", i);
	}
	cr_expect_eq(zig_f[ZIG_N], 1.0);
	cr_expect_eq(zig_k[ZIG_N - 1], 0, "the top strip always takes the wedge test");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* 10^6 draws follow 1 - exp(-x): the Kolmogorov-Smirnov distance is below
 * 1.95 / sqrt(n), the 0.1 % critical value; the tail beyond r (the ziggurat's
 * separate path) holds exp(-r) = 4.54e-4 of the draws (within 5 sd = 107 of
 * 454) and beyond it the excess over r is again Exp(1) (mean within 5 sd). */
Test(rng, exponential_draws_follow_the_distribution)
{
	const int n = 1000000;
	double *x = malloc(n * sizeof(*x));
	cr_assert_not_null(x);
	struct rng r;
	rng_seed(&r, 2026, 11);
	int tail = 0;
	double excess = 0;
	for (int i = 0; i < n; i++) {
		x[i] = rng_exp1(&r);
		if (x[i] > ZIG_R) {
			tail++;
			excess += x[i] - ZIG_R;
		}
	}
	qsort(x, n, sizeof(*x), cmp_double);
	double d = 0;
	for (int i = 0; i < n; i++) {
		double F = -expm1(-x[i]);
		d = fmax(d, fmax(fabs(F - (double)i / n), fabs((double)(i + 1) / n - F)));
	}
	free(x);
	cr_expect_lt(d, 1.95e-3, "KS distance %g", d);
	double want = n * exp(-ZIG_R), sd = sqrt(want);
	cr_expect(fabs(tail - want) < 5 * sd, "%d draws beyond r, want %.0f", tail, want);
	cr_assert_eq(tail, 433); /* seeded draws (want about n e^-r), pinned */
	cr_expect(fabs(excess / tail - 1) < 5 / sqrt(tail), "mean excess %f", excess / tail);
}
