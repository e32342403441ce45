/*
 * pool.h - objects allocated in chunks, recycled by their owner through a
 * free list of its own, and freed only when the owner is destroyed: the
 * link's in-flight slots (link.c) and the NAT's mappings (nat_table.c). So
 * steady state allocates nothing.
 *
 * The owner keeps every chunk in `T **chunks; size_t nchunks;` for its
 * destroy, and threads a new chunk's objects onto its free list itself (the
 * link field, the order and any set-up of the objects are its own).
 */
#ifndef KASIM_POOL_H
#define KASIM_POOL_H

#include <stdbool.h>
#include <stddef.h>

/* A block of len objects of size bytes, aligned to align: zeroed, or left
 * uninitialised for an owner that sets up every field itself (zeroing a big
 * chunk costs as much as using it for a while). */
void *pool_chunk(size_t len, size_t size, size_t align, bool zero, const char *who);
/* list, an array of n pointers of ptr_size bytes each, with room for one more. */
void *pool_list_grow(void *list, size_t n, size_t ptr_size, const char *who);

/*
 * POOL_GROW(chunks, nchunks, len, zero, who): another chunk of len objects
 * of chunks' element type, aligned for that type (zeroed when zero),
 * appended to chunks[] (nchunks counts it); the value is the chunk. chunks and nchunks are plain
 * lvalues (evaluated more than once). Out of memory: "kasim: out of memory
 * (who)" on stderr, and abort().
 */
#define POOL_GROW(chunks, nchunks, len, zero, who)                                         \
	((chunks) = pool_list_grow((chunks), (nchunks), sizeof(*(chunks)), (who)),          \
	 (chunks)[(nchunks)++] = pool_chunk((len), sizeof(**(chunks)),                       \
					    _Alignof(__typeof__(**(chunks))), (zero), (who)))

#endif
