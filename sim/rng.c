/*
 * rng.c - PCG32 (XSH RR 64/32) and SplitMix64, written from their published
 * descriptions. Pinned by test vectors in tests/test_rng.c.
 */
#include "rng.h"

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
