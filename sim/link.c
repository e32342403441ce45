/*
 * link.c - a point-to-point wire: per-direction delay, jitter, Bernoulli and
 * Gilbert-Elliott loss, cuts and one-way partitions.
 *
 * Invariant: every slot is on the free list, pending in the engine, or the
 * last one delivered (link->retired: being read inside link_arrive's
 * callback, or waiting for the next arrival), exactly one of the three.
 * Slots are allocated in chunks and never freed before link_destroy(), so
 * steady state allocates nothing.
 *
 * Gilbert-Elliott, per segment and direction: the segment is lost with the
 * loss probability of the current state (ge_loss in the bad state, loss in
 * the good one), then the chain moves (good -> bad with ge_p, bad -> good
 * with ge_r). Stationary P(bad) = ge_p / (ge_p + ge_r); bursts in the bad
 * state last 1 / ge_r segments on average (geometric).
 */
#include "link.h"

#include <stdlib.h>

#include "pool.h"

struct link_pkt {
	struct ev_timer arrive;  /* fires when the last bit reaches the far end */
	struct link *link;
	struct link_arrival a;   /* what link_arrival() hands over; a.seg is &seg for good */
	struct segment seg, out;
	struct link_pkt *next_free;
};

enum { CHUNK = 64 };

const char *drop_reason_name(enum drop_reason r)
{
	switch (r) {
	case DROP_NONE: return NULL;
	case DROP_UNPLUGGED: return "unplugged";
	case DROP_HOST_DOWN: return "host-down";
	case DROP_QDISC: return "local-qdisc";
	case DROP_LINK_LOSS: return "link-loss";
	case DROP_LINK_DOWN: return "link-down";
	case DROP_PARTITION: return "partition";
	case DROP_NAT_NO_MAPPING: return "nat-no-mapping";
	case DROP_NAT_TABLE_FULL: return "nat-table-full";
	case DROP_UNREACHABLE: return "unreachable";
	}
	return "unknown";
}

/* Down or partitioned: the reason a segment sent by h is lost, else DROP_NONE. */
static enum drop_reason cut(const struct link *l, int h)
{
	if (l->down)
		return DROP_LINK_DOWN;
	if (l->partitioned[h])
		return DROP_PARTITION;
	return DROP_NONE;
}

/* The slot of an arrival: it goes back to the free list at the next
 * arrival, the previous one now, so the segments the owner sends while it
 * reads this arrival never reuse its slot. */
static inline struct link_pkt *link_retire(struct ev_timer *t)
{
	struct link_pkt *p = container_of(t, struct link_pkt, arrive);
	struct link *l = p->link;
	if (l->retired) {
		l->retired->next_free = l->free_list;
		l->free_list = l->retired;
	}
	l->retired = p;
	return p;
}

const struct link_arrival *link_arrival(struct ev_timer *t)
{
	struct link_pkt *p = link_retire(t);
	p->a.why = p->a.local ? DROP_NONE : cut(p->link, p->seg.src);
	return &p->a;
}

const struct link_arrival *link_arrival_intact(struct ev_timer *t)
{
	struct link_pkt *p = link_retire(t);
	p->a.why = DROP_NONE;
	return &p->a;
}

/* Another chunk of slots on the free list (steady state never gets here). */
__attribute__((noinline)) static void link_grow(struct link *l)
{
	struct link_pkt *c = POOL_GROW(l->chunks, l->nchunks, CHUNK, true, "link");
	for (int i = 0; i < CHUNK; i++) {
		ev_timer_init(&c[i].arrive, l->arrive);
		c[i].link = l;
		c[i].a.seg = &c[i].seg;
		c[i].a.ctx = l->ctx;
		c[i].next_free = l->free_list;
		l->free_list = &c[i];
	}
}

/* The first free slot (the free list is not empty) for a segment sent now. */
static inline struct link_pkt *link_take(struct link *l, bool local)
{
	struct link_pkt *p = l->free_list;
	p->a.sent = l->eng->now;
	p->a.local = local;
	l->free_list = p->next_free;
	return p;
}

/* A free slot for a segment sent now. */
static inline struct link_pkt *link_alloc(struct link *l, bool local)
{
	if (!l->free_list)
		link_grow(l);
	return link_take(l, local);
}

static void link_update_plain(struct link *l);

void link_init(struct link *l, struct engine *eng, const struct link_config *cfg,
	       uint64_t seed, ev_cb arrive, void *ctx)
{
	*l = (struct link){.eng = eng, .arrive = arrive, .ctx = ctx, .reorder = cfg->reorder};
	for (int h = 0; h < NSOCKS; h++)
		l->dir[h] = cfg->dir[h & 1];
	link_update_plain(l);
	rng_seed(&l->rng, seed, 0x6c696e6bULL /* "link" */);
}

void link_destroy(struct link *l)
{
	for (size_t i = 0; i < l->nchunks; i++) {
		for (int j = 0; j < CHUNK; j++)
			eng_cancel(l->eng, &l->chunks[i][j].arrive);
		free(l->chunks[i]);
	}
	free(l->chunks);
	*l = (struct link){0};
}

static bool chance(struct rng *r, double p)
{
	if (p <= 0)
		return false;
	if (p >= 1)
		return true;
	return rng_unit(r) < p;
}

__attribute__((noinline)) bool link_lose(struct link *l, int h)
{
	const struct link_dir *d = &l->dir[h];
	if (d->ge_p <= 0 && !l->ge_bad[h])
		return chance(&l->rng, d->loss);
	bool lost = chance(&l->rng, l->ge_bad[h] ? d->ge_loss : d->loss);
	if (l->ge_bad[h])
		l->ge_bad[h] = !chance(&l->rng, d->ge_r);
	else
		l->ge_bad[h] = chance(&l->rng, d->ge_p);
	return lost;
}

/* Nothing can be lost in direction h: link_lose() would draw nothing and say no. */
static inline bool lossless(const struct link *l, int h)
{
	return l->dir[h].ge_p <= 0 && !l->ge_bad[h] && l->dir[h].loss <= 0;
}

/* Direction h neither loses nor jitters (the Gilbert-Elliott chain can only
 * turn bad when ge_p > 0): link_send() draws nothing and adds only the delay. */
static void link_update_plain(struct link *l)
{
	for (int h = 0; h < NSOCKS; h++)
		l->plain[h] = lossless(l, h) && !l->dir[h].jitter;
}

void link_set_loss(struct link *l, double p)
{
	for (int h = 0; h < NSOCKS; h++)
		l->dir[h].loss = p;
	link_update_plain(l);
}

void link_set_delay(struct link *l, int h, ks_time_t delay, ks_time_t jitter)
{
	for (int d = 0; d < NSOCKS; d++) { /* every sender of direction h (a proxy's too) */
		if (h >= 0 && (d & 1) != h)
			continue;
		l->dir[d].delay = delay;
		l->dir[d].jitter = jitter;
	}
	link_update_plain(l);
}

/* The jitter added to a segment sent by h: uniform in [0, jitter]. */
__attribute__((noinline)) static ks_time_t jitter(struct link *l, int h)
{
	ks_time_t j = (ks_time_t)(rng_unit(&l->rng) * ((double)l->dir[h].jitter + 1.0));
	return j > l->dir[h].jitter ? l->dir[h].jitter : j;
}

/* Put seg on the wire in direction h, due at when (behind the previous
 * segment unless reorder), in a slot from the free list (not empty). */
static inline void link_put(struct link *l, const struct segment *seg, const struct segment *out,
			    int h, ks_time_t when)
{
	if (!l->reorder && when < l->last_arrival[h])
		when = l->last_arrival[h]; /* no overtaking: wait behind the previous segment */
	l->last_arrival[h] = when;

	struct link_pkt *p = link_take(l, false);
	p->seg = *seg;
	p->a.out = NULL;
	if (out) {
		p->out = *out;
		p->a.out = &p->out;
	}
	eng_add(l->eng, &p->arrive, when); /* a free slot is never pending */
}

/* link_send() in a direction that loses or jitters: the draws, then the
 * wire. Out of line, like link_grow_send(): link_send()'s plain path then
 * calls nothing but the engine and saves no registers. */
__attribute__((noinline)) static enum drop_reason link_send_drawn(struct link *l,
								   const struct segment *seg,
								   const struct segment *out, int h)
{
	if (!lossless(l, h) && link_lose(l, h)) {
		l->lost[h]++;
		return DROP_LINK_LOSS;
	}
	ks_time_t when = l->eng->now + l->dir[h].delay;
	if (l->dir[h].jitter)
		when += jitter(l, h);
	link_put(l, seg, out, h, when);
	return DROP_NONE;
}

/* The free list is empty: another chunk of slots, then link_send(). */
__attribute__((noinline)) static enum drop_reason link_grow_send(struct link *l,
								  const struct segment *seg,
								  const struct segment *out)
{
	link_grow(l);
	return link_send(l, seg, out);
}

enum drop_reason link_send(struct link *l, const struct segment *seg, const struct segment *out)
{
	int h = seg->src;
	enum drop_reason why = cut(l, h);
	if (why != DROP_NONE)
		return why;
	if (!l->free_list)
		return link_grow_send(l, seg, out);
	l->sent[h]++;
	if (!l->plain[h])
		return link_send_drawn(l, seg, out, h);
	link_put(l, seg, out, h, l->eng->now + l->dir[h].delay);
	return DROP_NONE;
}

void link_send_plain(struct link *l, const struct segment *seg)
{
	int h = seg->src;
	l->sent[h]++;
	link_put(l, seg, NULL, h, l->eng->now + l->dir[h].delay);
}

void link_send_local(struct link *l, const struct segment *seg)
{
	struct link_pkt *p = link_alloc(l, true);
	p->seg = *seg;
	p->a.out = NULL;
	eng_add(l->eng, &p->arrive, l->eng->now);
}
