/*
 * pool.c - chunks of objects for the link's and the NAT's free lists (see
 * pool.h). Only growth gets here, never the steady state.
 */
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noreturn, cold)) static void pool_oom(const char *who)
{
	fprintf(stderr, "kasim: out of memory (%s)\n", who);
	abort();
}

void *pool_chunk(size_t len, size_t size, size_t align, bool zero, const char *who)
{
	void *c;
	if (zero && align <= _Alignof(max_align_t))
		c = calloc(len, size); /* fresh pages come zeroed: no memset */
	else
		c = aligned_alloc(align, len * size); /* size is a multiple of align */
	if (!c)
		pool_oom(who);
	if (zero && align > _Alignof(max_align_t))
		memset(c, 0, len * size);
	return c;
}

void *pool_list_grow(void *list, size_t n, size_t ptr_size, const char *who)
{
	void *l = realloc(list, (n + 1) * ptr_size);
	if (!l)
		pool_oom(who);
	return l;
}
