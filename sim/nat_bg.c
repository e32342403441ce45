/*
 * nat_bg.c - the NAT's background load: other inside hosts open flows at a
 * Poisson rate (bg_rate); each lives an exponential time (bg_lifetime) and
 * follows a traffic pattern drawn from the bg_interval list. The flows of
 * one pattern share its interval, so their next segments form a FIFO queue
 * (bgq[k]), which is also in LRU order; a flow that went silent waits in its
 * pattern's idle list (bgidle[k]) until it expires or is evicted. The model:
 * nat.h and docs/nat.md; the invariants: priv/nat_priv.h.
 */
#include "priv/nat_priv.h"

#define BG_IN_NET 0x0A000000u   /* 10.0.0.0/8 */
#define BG_REM_NET 0x64400000u  /* 100.64.0.0/10 */

/* Exponential with the given mean (ns), at least 1 ns. */
static ks_time_t exp_ns(struct rng *r, double mean_ns)
{
	double x = rng_exp1(r) * mean_ns;
	if (x < 1)
		return 1;
	if (x > 1e18)
		return (ks_time_t)1e18;
	return (ks_time_t)x;
}

void nat_bg_start(struct nat *n)
{
	n->bg_arrival = exp_ns(&n->rng, 1e9 / n->cfg.bg_rate);
	nat_arm(n);
}

ks_time_t nat_bg_next(const struct nat *n)
{
	ks_time_t t = n->cfg.bg_rate > 0 ? n->bg_arrival : KS_TIME_NEVER;
	for (uint32_t k = 0; k < n->cfg.bg_interval.n; k++)
		if (n->bgq[k].head && n->bgq[k].head->next_tick < t)
			t = n->bgq[k].head->next_tick;
	return t;
}

/* A new background flow: a mapping (evicting the LRU one when the table is
 * full), its first segment, its pattern and how many more it sends. */
void nat_bg_arrive(struct nat *n)
{
	ks_time_t now = n->eng->now;
	uint64_t id = n->bg_next_id++;
	n->st.bg_flows++;
	ks_time_t life = exp_ns(&n->rng, (double)n->cfg.bg_lifetime);
	if (nat_make_room(n)) {
		uint32_t in_addr = BG_IN_NET | (uint32_t)((id >> 15) & 0xFFFFFF);
		uint16_t port = (uint16_t)(PORT_FIRST + (id & 0x7FFF));
		uint32_t rem = BG_REM_NET | (uint32_t)(id & 0x3FFFFF);
		struct nat_map *m = nat_map_insert(n, in_addr, port, port, rem, 443, NAT_ESTABLISHED, true);
		n->st.bg_segments++;
		/* the flow's traffic pattern: uniform over the list (no draw for one) */
		uint32_t np = n->cfg.bg_interval.n;
		m->pattern = np > 1 ? (uint8_t)(((uint64_t)rng_u32(&n->rng) * np) >> 32) : 0;
		ks_time_t iv = n->cfg.bg_interval.v[m->pattern];
		uint64_t ticks = (life + iv - 1) / iv;
		m->ticks_left = ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks;
		m->next_tick = now + iv;
		bgl_append(&n->bgq[m->pattern], m);
		m->where = IN_QUEUE;
		nat_arm_expiry(n, NAT_ESTABLISHED); /* if it is the class's only mapping */
	} else {
		n->st.bg_refused++;
	}
	n->bg_arrival = now + exp_ns(&n->rng, 1e9 / n->cfg.bg_rate);
}

/* The flow at the head of queue k sends its segment (refresh), or ends. */
void nat_bg_segment(struct nat *n, int k)
{
	struct nat_map *m = n->bgq[k].head;
	/* the flow after next: the next segment writes its line (a table of
	 * 1,000 flows does not fit in the L1 cache) */
	if (m->qnext && m->qnext->qnext)
		__builtin_prefetch(m->qnext->qnext, 1);
	if (nat_live(n, m) == NULL)
		return; /* expired exactly now: broken, removed */
	n->st.bg_segments++;
	if (--m->ticks_left == 0) {
		/* the flow is over; its mapping stays until it expires */
		if (n->cfg.bg_end == NAT_BG_FIN) {
			nat_refresh(n, m); /* out of the queue, into the class list */
			m->tcp |= TCP_FIN_SEEN;
			nat_set_class(n, m, NAT_TRANSITORY, HOST_A);
		} else {
			/* silent: not refreshed; the idle list stays in LRU order,
			 * as the pattern's flows fall silent in queue order */
			nat_detach(n, m);
			bgl_append(&n->bgidle[k], m);
			m->where = IN_IDLE;
		}
		return;
	}
	/* a refresh: the flow moves to the queue's tail, which keeps the queue
	 * in both next-segment and LRU order (no class list to update) */
	struct nat_bg_queue *q = &n->bgq[k];
	bgl_remove(q, m);
	m->last = n->eng->now;
	m->touch = ++n->touch;
	m->next_tick = n->eng->now + n->cfg.bg_interval.v[k];
	bgl_append(q, m);
}
