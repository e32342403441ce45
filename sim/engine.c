/*
 * engine.c - the event heap.
 *
 * A binary min-heap of timer pointers keyed by (when, seq). Each timer knows
 * its own slot, so cancel and re-arm are O(log n) without searching. The heap
 * holds only *pending* timers; a simulation of two endpoints has a handful, so
 * the heap stays tiny and the loop is dominated by the callbacks themselves.
 *
 * A source of many back-to-back events (a NAT's background flows) may run its
 * next event inside the current callback (eng_fire_inline) when nothing else
 * is due before it: the order is the one the heap would give, the heap round
 * trip is saved. Nothing is batched or reordered; each event is counted.
 *
 * Trade-off, stated honestly: a timing wheel would make arming O(1), but it
 * would also quantise time, and kasim models the kernel's wheel explicitly
 * elsewhere (timer.c) where quantisation is the point. Here time is exact.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>

static inline bool ev_before(const struct ev_timer *a, const struct ev_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static inline void heap_put(struct engine *e, uint32_t i, struct ev_timer *t)
{
	e->heap[i] = t;
	t->slot = i + 1;
}

/*
 * The two sifts place t into the hole at index i, moving it towards the root
 * (up) or the leaves (down) until the order holds. They are small and inlined
 * into their three callers: on a heap of a handful of timers, the calls and
 * register saves around them cost more than the comparisons.
 */
static inline void sift_up(struct engine *e, uint32_t i, struct ev_timer *t)
{
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		struct ev_timer *p = e->heap[parent];
		if (!ev_before(t, p))
			break;
		heap_put(e, i, p);
		i = parent;
	}
	heap_put(e, i, t);
}

static inline void sift_down(struct engine *e, uint32_t i, struct ev_timer *t)
{
	struct ev_timer **h = e->heap;
	uint32_t len = e->len;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= len)
			break;
		if (c + 1 < len && ev_before(h[c + 1], h[c]))
			c++;
		if (!ev_before(h[c], t))
			break;
		heap_put(e, i, h[c]);
		i = c;
	}
	heap_put(e, i, t);
}

void eng_init(struct engine *e)
{
	*e = (struct engine){0};
}

void eng_destroy(struct engine *e)
{
	for (uint32_t i = 0; i < e->len; i++)
		e->heap[i]->slot = 0;
	free(e->heap);
	*e = (struct engine){0};
}

void ev_timer_init(struct ev_timer *t, ev_cb cb)
{
	*t = (struct ev_timer){.cb = cb};
}

/* Put t into the hole at index i, restoring the order: t's key may be earlier
 * or later than that of the timer that was there. */
static void heap_fix(struct engine *e, uint32_t i, struct ev_timer *t)
{
	if (i > 0 && ev_before(t, e->heap[(i - 1) / 2]))
		sift_up(e, i, t);
	else
		sift_down(e, i, t);
}

/* Remove the timer at heap index i: the last timer fills its hole. */
static inline void heap_remove_at(struct engine *e, uint32_t i)
{
	struct ev_timer *last = e->heap[--e->len];
	e->heap[i]->slot = 0;
	if (i != e->len)
		heap_fix(e, i, last);
}

/* The same for the earliest timer, whose hole can only move down. */
static inline void heap_pop(struct engine *e)
{
	struct ev_timer *last = e->heap[--e->len];
	e->heap[0]->slot = 0;
	if (e->len > 0)
		sift_down(e, 0, last);
}

/* A full heap: grow it, then insert t. Out of line, so that arming a timer
 * on the common path calls nothing and saves no registers. */
__attribute__((noinline)) static void heap_grow_insert(struct engine *e, struct ev_timer *t)
{
	uint32_t cap = e->cap ? e->cap * 2 : 16;
	struct ev_timer **h = realloc(e->heap, cap * sizeof(*h));
	if (!h) {
		fputs("kasim: out of memory (event heap)\n", stderr);
		abort();
	}
	e->heap = h;
	e->cap = cap;
	sift_up(e, e->len++, t);
}

void eng_schedule(struct engine *e, struct ev_timer *t, ks_time_t when)
{
	eng_schedule_seq(e, t, when, e->next_seq++);
}

uint64_t eng_reserve_seq(struct engine *e, uint64_t n)
{
	uint64_t first = e->next_seq;
	e->next_seq += n;
	return first;
}

/* t, not pending, joins the heap. */
static inline void heap_insert(struct engine *e, struct ev_timer *t)
{
	if (e->len == e->cap) {
		heap_grow_insert(e, t);
		return;
	}
	sift_up(e, e->len++, t);
}

/* The key of a timer armed for when (never in the past: the clock only moves
 * forward) with seq. */
static inline void ev_set_key(const struct engine *e, struct ev_timer *t, ks_time_t when,
			      uint64_t seq)
{
	t->when = when < e->now ? e->now : when;
	t->seq = seq;
}

void eng_schedule_seq(struct engine *e, struct ev_timer *t, ks_time_t when, uint64_t seq)
{
	ev_set_key(e, t, when, seq);
	if (t->slot) {
		heap_fix(e, t->slot - 1, t); /* re-arm in place */
		return;
	}
	heap_insert(e, t);
}

void eng_add(struct engine *e, struct ev_timer *t, ks_time_t when)
{
	ev_set_key(e, t, when, e->next_seq++);
	heap_insert(e, t);
}

void eng_schedule_in(struct engine *e, struct ev_timer *t, ks_time_t delay)
{
	ks_time_t when = e->now + delay;
	eng_schedule(e, t, when < e->now ? KS_TIME_NEVER : when);
}

void eng_cancel(struct engine *e, struct ev_timer *t)
{
	if (t->slot)
		heap_remove_at(e, t->slot - 1);
}

void eng_stop(struct engine *e)
{
	e->stopped = true;
}

bool eng_fire_inline(struct engine *e, ks_time_t when)
{
	if (!e->running || e->stopped || when > e->until || when < e->now)
		return false;
	if (e->len > 0 && e->heap[0]->when <= when)
		return false; /* something pending comes first */
	e->now = when;
	e->next_seq++; /* the seq the re-arm would have taken */
	e->inlined++;
	return true;
}

uint64_t eng_run(struct engine *e, ks_time_t until)
{
	uint64_t n = 0;
	e->stopped = false;
	e->running = true;
	e->until = until;
	e->inlined = 0;
	while (e->len > 0 && !e->stopped) {
		struct ev_timer *t = e->heap[0];
		if (t->when > until)
			break;
		heap_pop(e);
		e->now = t->when;
		t->cb(e, t);
		n++;
	}
	if (!e->stopped && e->now < until)
		e->now = until;
	e->running = false;
	n += e->inlined;
	e->fired += n;
	return n;
}
