/*
 * nat_table.c - the NAT's mapping table: hashing, the LRU lists, chunk
 * allocation, refresh and class changes, eviction, expiry and the NAT's
 * timers, flush, and the table's life cycle (the model: nat.h and
 * docs/nat.md; the invariants: priv/nat_priv.h).
 */
#include "priv/nat_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#define CHUNK_MIN 16
#define HASH_BUCKETS 16 /* a power of two */

/* ---- hashing ------------------------------------------------------------------ */

static uint32_t mix(uint32_t a, uint32_t b, uint32_t c)
{
	uint64_t x = ((uint64_t)a << 32 | b) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)c * 0xc2b2ae3d27d4eb4fULL;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return (uint32_t)(x ^ (x >> 32));
}

static uint32_t hash_in(const struct nat *n, uint32_t in_addr, uint16_t in_port, uint32_t rem_addr,
			uint16_t rem_port)
{
	return mix(in_addr, rem_addr, (uint32_t)in_port << 16 | rem_port) & n->hmask;
}

static uint32_t hash_ex(const struct nat *n, uint16_t ext_port, uint32_t rem_addr, uint16_t rem_port)
{
	return mix(ext_port, rem_addr, rem_port) & n->hmask;
}

struct nat_map *nat_find_in(const struct nat *n, uint32_t in_addr, uint16_t in_port,
			    uint32_t rem_addr, uint16_t rem_port)
{
	struct nat_map *m = n->hin[hash_in(n, in_addr, in_port, rem_addr, rem_port)];
	while (m && !(m->in_addr == in_addr && m->in_port == in_port && m->rem_addr == rem_addr &&
		      m->rem_port == rem_port))
		m = m->hin;
	return m;
}

struct nat_map *nat_find_ex(const struct nat *n, uint16_t ext_port, uint32_t rem_addr,
			    uint16_t rem_port)
{
	struct nat_map *m = n->hex[hash_ex(n, ext_port, rem_addr, rem_port)];
	while (m && !(m->ext_port == ext_port && m->rem_addr == rem_addr && m->rem_port == rem_port))
		m = m->hex;
	return m;
}

static void hash_insert(struct nat *n, struct nat_map *m)
{
	uint32_t hi = hash_in(n, m->in_addr, m->in_port, m->rem_addr, m->rem_port);
	uint32_t he = hash_ex(n, m->ext_port, m->rem_addr, m->rem_port);
	m->hin = n->hin[hi];
	if (m->hin)
		m->hin->hin_pp = &m->hin;
	m->hin_pp = &n->hin[hi];
	n->hin[hi] = m;
	m->hex = n->hex[he];
	if (m->hex)
		m->hex->hex_pp = &m->hex;
	m->hex_pp = &n->hex[he];
	n->hex[he] = m;
}

static void hash_remove(struct nat *n, struct nat_map *m)
{
	(void)n;
	if (!m->hin_pp)
		return; /* a background mapping kept out of the tables */
	*m->hin_pp = m->hin;
	if (m->hin)
		m->hin->hin_pp = m->hin_pp;
	*m->hex_pp = m->hex;
	if (m->hex)
		m->hex->hex_pp = m->hex_pp;
}

uint16_t nat_lookup_port(const struct nat *n, uint32_t in_addr, uint16_t in_port,
			 uint32_t rem_addr, uint16_t rem_port)
{
	const struct nat_map *m = nat_find_in(n, in_addr, in_port, rem_addr, rem_port);
	return m ? m->ext_port : 0;
}

/* ---- lists and timers ------------------------------------------------------------ */

static void list_remove(struct nat *n, struct nat_map *m)
{
	if (m->prev)
		m->prev->next = m->next;
	else
		n->head[m->cls] = m->next;
	if (m->next)
		m->next->prev = m->prev;
	else
		n->tail[m->cls] = m->prev;
	m->prev = m->next = NULL;
}

static void list_append(struct nat *n, struct nat_map *m)
{
	m->next = NULL;
	m->prev = n->tail[m->cls];
	if (m->prev)
		m->prev->next = m;
	else
		n->head[m->cls] = m;
	n->tail[m->cls] = m;
}

void nat_detach(struct nat *n, struct nat_map *m)
{
	if (m->where == IN_QUEUE) {
		struct nat_bg_queue *q = &n->bgq[m->pattern];
		bool qhead = q->head == m;
		bgl_remove(q, m);
		if (qhead)
			nat_arm(n); /* the next segment changed */
	} else if (m->where == IN_IDLE) {
		bgl_remove(&n->bgidle[m->pattern], m);
	} else {
		list_remove(n, m);
	}
	m->where = IN_CLASS;
}

/* The least recently refreshed mapping of class c. For established, that is
 * the oldest of its list's head and the heads of the background queues and
 * idle lists, which are each in LRU order too (touch order). */
static struct nat_map *class_head(const struct nat *n, int c)
{
	struct nat_map *h = n->head[c];
	if (c != NAT_ESTABLISHED)
		return h;
	for (uint32_t k = 0; k < n->cfg.bg_interval.n; k++) {
		struct nat_map *q = n->bgq[k].head, *i = n->bgidle[k].head;
		if (q && (!h || q->touch < h->touch))
			h = q;
		if (i && (!h || i->touch < h->touch))
			h = i;
	}
	return h;
}

/* The NAT's next event: an expiry check or a background event. */
static ks_time_t nat_next(const struct nat *n)
{
	ks_time_t t = nat_bg_next(n);
	for (int c = 0; c < NAT_NCLASSES; c++)
		if (n->exp_when[c] < t)
			t = n->exp_when[c];
	return t;
}

void nat_arm(struct nat *n)
{
	if (n->busy)
		return;
	ks_time_t t = nat_next(n);
	if (t == KS_TIME_NEVER)
		eng_cancel(n->eng, &n->tm);
	else if (!ev_timer_pending(&n->tm) || n->tm.when != t)
		eng_schedule(n->eng, &n->tm, t);
}

/* Exact mode: the expiry check of class c (exp_when[c]) comes no later than
 * the deadline of the class's least recently refreshed mapping. It is lazy,
 * like the kernel's keepalive timer. Every list is sorted, and a mapping
 * joins one at its tail with the latest deadline, so that deadline only ever
 * moves later (timeouts are fixed): an armed check is therefore already at or
 * before it and is left where it is, without even looking at the new oldest
 * mapping (the common case: the least recently refreshed flow is usually the
 * next to send). When it comes early, expire_due() finds nothing due and it
 * is armed again for the then oldest mapping's deadline. Expiries still
 * happen exactly at their deadlines. */
void nat_arm_expiry(struct nat *n, int c)
{
	if (!nat_exact(n) || n->exp_when[c] != KS_TIME_NEVER)
		return; /* gc mode, or armed already (at or before the deadline) */
	struct nat_map *h = class_head(n, c);
	if (!h)
		return;
	ks_time_t t = nat_deadline(n, h);
	n->exp_when[c] = t;
	if (!n->busy && (!ev_timer_pending(&n->tm) || t < n->tm.when))
		eng_schedule(n->eng, &n->tm, t);
}

/* ---- reports -------------------------------------------------------------------- */

void nat_fill_rec(const struct nat *n, const struct nat_map *m, struct rec_nat *r)
{
	r->in_addr = m->in_addr;
	r->in_port = m->in_port;
	r->ext_addr = nat_keeps_addr(n) ? m->in_addr : n->cfg.ext_addr;
	r->ext_port = m->ext_port;
	r->rem_addr = m->rem_addr;
	r->rem_port = m->rem_port;
	r->cls = (enum nat_class)m->cls;
	r->timeout = n->timeout[m->cls];
}

void nat_emit(struct nat *n, struct rec_nat *r)
{
	if (!n->hooks.report)
		return;
	r->box = n->box;
	n->hooks.report(n->hooks.ctx, r);
}

void nat_report_map(struct nat *n, const struct nat_map *m, enum nat_decision d, int dir,
		    const char *why)
{
	if (m->bg || !n->hooks.report)
		return;
	struct rec_nat r = {.decision = d, .dir = dir, .why = why};
	nat_fill_rec(n, m, &r);
	r.idle = n->eng->now - m->last;
	nat_emit(n, &r);
}

/* ---- mappings -------------------------------------------------------------------- */

static struct nat_map *map_alloc(struct nat *n)
{
	if (!n->free_list) {
		/* chunks of 16, 32, ... 4096 mappings: a table that stays small (a
		 * sweep run with one connection) costs one small allocation */
		size_t len = (size_t)CHUNK_MIN << (n->nchunks < 8 ? n->nchunks : 8);
		struct nat_map *c = POOL_GROW(n->chunks, n->nchunks, len, false, "nat");
		for (size_t i = len; i-- > 0;) {
			c[i].next = n->free_list;
			n->free_list = &c[i];
		}
	}
	struct nat_map *m = n->free_list;
	n->free_list = m->next;
	return m; /* the caller initialises every field */
}

/* Remove m from the table (the caller has reported and counted). */
static void map_delete(struct nat *n, struct nat_map *m)
{
	nat_detach(n, m); /* the expiry check stays armed: it is lazy */
	hash_remove(n, m);
	n->count--;
	m->next = n->free_list;
	n->free_list = m;
}

void nat_refresh(struct nat *n, struct nat_map *m)
{
	nat_detach(n, m);
	m->last = n->eng->now;
	m->touch = ++n->touch;
	list_append(n, m);
	nat_arm_expiry(n, m->cls); /* lazy: only if the class had none */
	if (!m->bg)
		n->st.refreshes++;
}

/* The mapping moves to the new class list's tail. */
void nat_set_class(struct nat *n, struct nat_map *m, enum nat_class to, int dir)
{
	if (m->cls == to)
		return;
	nat_detach(n, m);
	m->cls = (uint8_t)to;
	m->last = n->eng->now;
	m->touch = ++n->touch;
	list_append(n, m);
	nat_arm_expiry(n, to); /* the old class's check is lazy: it stays */
	nat_report_map(n, m, NATD_CLASS, dir, to == NAT_ESTABLISHED ? "handshake seen" : "FIN or RST seen");
}

/* A background flow's mapping is going: the flow is broken if it still sends. */
static void bg_lost(struct nat *n, const struct nat_map *m)
{
	if (m->where == IN_QUEUE)
		n->st.bg_broken++;
}

/* m's idle timer ran out (exact: at its deadline; GC: at a tick). */
static void expire(struct nat *n, struct nat_map *m)
{
	if (m->bg) {
		n->st.bg_expired++;
		bg_lost(n, m);
	} else {
		n->st.expired++;
		n->st.last_expiry = n->eng->now;
		n->st.last_expiry_idle = n->eng->now - m->last;
		nat_report_map(n, m, NATD_EXPIRED, -1,
			       m->cls == NAT_ESTABLISHED ? "established_timeout" : "transitory_timeout");
		if (n->cfg.rst_on_expiry) {
			nat_send_rst_for(n, m, HOST_A);
			nat_send_rst_for(n, m, HOST_B);
		}
	}
	map_delete(n, m);
}

/* The least recently used mapping goes to make room. */
static void evict_lru(struct nat *n)
{
	struct nat_map *a = n->head[NAT_TRANSITORY], *b = class_head(n, NAT_ESTABLISHED);
	struct nat_map *v = !a ? b : !b ? a : (a->touch < b->touch ? a : b);
	if (!v)
		return;
	if (v->bg) {
		n->st.bg_evicted++;
		bg_lost(n, v);
	} else {
		n->st.evicted++;
		nat_report_map(n, v, NATD_EVICTED, -1, "least recently used, the table is full");
	}
	map_delete(n, v);
}

bool nat_make_room(struct nat *n)
{
	if (n->count < n->cfg.capacity)
		return true;
	if (n->cfg.table_full == NAT_FULL_DROP) {
		n->st.table_full_drops++;
		return false;
	}
	evict_lru(n);
	return n->count < n->cfg.capacity;
}

struct nat_map *nat_map_insert(struct nat *n, uint32_t in_addr, uint16_t in_port,
			       uint16_t ext_port, uint32_t rem_addr, uint16_t rem_port,
			       enum nat_class cls, bool bg)
{
	struct nat_map *m = map_alloc(n);
	/* every field, one by one: a zeroing memset of the whole struct (rep
	 * stos) cost more than the rest of a background flow's arrival */
	m->in_addr = in_addr;
	m->rem_addr = rem_addr;
	m->in_port = in_port;
	m->ext_port = ext_port;
	m->rem_port = rem_port;
	m->cls = (uint8_t)cls;
	m->tcp = 0;
	m->bg = bg;
	m->a_ack = m->b_ack = false;
	m->a_rcv_nxt = m->b_rcv_nxt = 0;
	m->last = n->eng->now;
	m->touch = ++n->touch;
	m->prev = m->next = NULL;
	m->qprev = m->qnext = NULL;
	m->where = IN_CLASS;
	m->pattern = 0;
	m->ticks_left = 0;
	m->next_tick = 0;
	m->hin = m->hex = NULL;
	m->hin_pp = m->hex_pp = NULL;
	if (!bg) /* a background flow's tuple is never looked up */
		hash_insert(n, m);
	if (!bg)
		list_append(n, m); /* a background flow joins its queue (nat_bg_arrive) */
	n->count++;
	if (n->count > n->st.peak)
		n->st.peak = n->count;
	nat_arm_expiry(n, cls);
	return m;
}

/* ---- expiry and the NAT's timers ------------------------------------------------------ */

struct nat_map *nat_live(struct nat *n, struct nat_map *m)
{
	if (m && nat_exact(n) && n->eng->now >= nat_deadline(n, m)) {
		expire(n, m);
		return NULL;
	}
	return m;
}

static void expire_due(struct nat *n, int c)
{
	struct nat_map *h;
	while ((h = class_head(n, c)) && nat_deadline(n, h) <= n->eng->now)
		expire(n, h);
}

static void gc_fire(struct engine *eng, struct ev_timer *t)
{
	struct nat *n = container_of(t, struct nat, gc);
	for (int c = 0; c < NAT_NCLASSES; c++)
		expire_due(n, c);
	eng_schedule(eng, &n->gc, eng->now + n->cfg.gc_period);
}

/* The NAT's events, one at a time. At one instant: the expiry checks
 * (transitory, then established), the patterns' segments (in pattern order),
 * then a new flow. While the next one is due before anything else in the
 * simulation, it runs here without a round trip through the event heap
 * (eng_fire_inline: the same order, each counted as an event): background
 * flows make most of a busy NAT's events. */
static void nat_fire(struct engine *eng, struct ev_timer *t)
{
	struct nat *n = container_of(t, struct nat, tm);
	n->busy = true;
	ks_time_t next;
	do {
		ks_time_t now = eng->now;
		int due = -1;
		if (n->exp_when[NAT_TRANSITORY] <= now)
			due = NAT_TRANSITORY;
		else if (n->exp_when[NAT_ESTABLISHED] <= now)
			due = NAT_ESTABLISHED;
		if (due >= 0) {
			n->exp_when[due] = KS_TIME_NEVER;
			expire_due(n, due);
			nat_arm_expiry(n, due);
		} else {
			for (uint32_t k = 0; k < n->cfg.bg_interval.n && due < 0; k++)
				if (n->bgq[k].head && n->bgq[k].head->next_tick <= now)
					due = (int)k;
			if (due >= 0)
				nat_bg_segment(n, due);
			else if (n->cfg.bg_rate > 0 && n->bg_arrival <= now)
				nat_bg_arrive(n);
			else
				break; /* nothing due (a check whose list emptied) */
		}
		next = nat_next(n);
	} while (next != KS_TIME_NEVER && eng_fire_inline(eng, next));
	n->busy = false;
	nat_arm(n);
}

/* ---- flush and life cycle ------------------------------------------------------------- */

void nat_flush(struct nat *n, bool reboot)
{
	for (int c = 0; c < NAT_NCLASSES; c++) {
		struct nat_map *m;
		while ((m = class_head(n, c))) {
			if (m->bg) {
				bg_lost(n, m);
			} else {
				n->st.flushed++;
				nat_report_map(n, m, NATD_FLUSHED, -1,
					       n->box == NAT_BOX_LB ? (reboot ? "lb reboot" : "lb flush")
								    : (reboot ? "nat reboot" : "nat flush"));
			}
			map_delete(n, m);
		}
	}
	if (reboot)
		n->next_port = PORT_FIRST;
}

void nat_init(struct nat *n, struct engine *eng, const struct nat_config *cfg, uint64_t seed,
	      const struct nat_hooks *hooks)
{
	memset(n, 0, sizeof(*n));
	n->eng = eng;
	n->cfg = *cfg;
	if (hooks)
		n->hooks = *hooks;
	rng_seed(&n->rng, seed, 0x6e6174ULL /* "nat" */);
	n->timeout[NAT_TRANSITORY] = cfg->transitory_timeout;
	n->timeout[NAT_ESTABLISHED] = cfg->established_timeout;
	n->next_port = PORT_FIRST;
	/* only the simulated connection's mappings are hashed (background tuples
	 * are never looked up): a few at a time, whatever the capacity */
	uint64_t nb = HASH_BUCKETS;
	n->hmask = (uint32_t)(nb - 1);
	n->hin = calloc(nb, sizeof(*n->hin));
	n->hex = calloc(nb, sizeof(*n->hex));
	if (!n->hin || !n->hex) {
		fputs("kasim: out of memory (nat)\n", stderr);
		abort();
	}
	for (int c = 0; c < NAT_NCLASSES; c++)
		n->exp_when[c] = KS_TIME_NEVER;
	ev_timer_init(&n->tm, nat_fire);
	ev_timer_init(&n->gc, gc_fire);
	if (cfg->gc_period)
		eng_schedule(eng, &n->gc, cfg->gc_period);
	if (cfg->bg_rate > 0)
		nat_bg_start(n);
}

void nat_destroy(struct nat *n)
{
	eng_cancel(n->eng, &n->tm);
	eng_cancel(n->eng, &n->gc);
	for (size_t i = 0; i < n->nchunks; i++)
		free(n->chunks[i]);
	free(n->chunks);
	free(n->hin);
	free(n->hex);
	memset(n, 0, sizeof(*n));
}
