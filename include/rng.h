/*
 * rng.h - the simulation's random numbers: PCG32 (O'Neill, pcg-random.org),
 * seeded from the scenario seed through SplitMix64. Each simulation owns its
 * generator, so the same seed gives the same run on any machine or thread.
 */
#ifndef KASIM_RNG_H
#define KASIM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t state, inc;
};

/* SplitMix64 step: a good 64-bit mixer for deriving seeds (Steele et al.). */
uint64_t splitmix64(uint64_t *x);
/* pcg32_srandom_r(initstate, initseq) semantics. */
void rng_seed(struct rng *r, uint64_t initstate, uint64_t initseq);
uint32_t rng_u32(struct rng *r);
/* Uniform double in [0, 1) with 53 random bits. */
double rng_unit(struct rng *r);
/* Exponential with mean 1, by the ziggurat: most draws cost one 64-bit draw,
 * a compare and a multiply; the rare slow path uses kasim's own logarithm, so
 * draws do not depend on the C library's last bits. */
double rng_exp1(struct rng *r);
/* ln(x) for 0 < x <= 1 (the part of the domain rng_exp1 needs). */
double rng_ln(double x);

#endif
