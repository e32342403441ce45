/*
 * nat.c - the NAT's mapping table, its timers and its miss policies
 * (the model is described in include/nat.h and docs/nat.md).
 *
 * Invariants:
 *   - every mapping in the table is in exactly one list (where): its class's
 *     list, or - a background flow, class established - its pattern's
 *     activity queue while it sends, or its pattern's idle list once it went
 *     silent; and, unless it is a background flow's, in both hash chains
 *     (background tuples are synthetic: no segment ever carries one);
 *   - every one of these lists is sorted by touch (LRU order) and by last:
 *     a refresh appends at the tail. The activity queue is also sorted by
 *     next_tick (a pattern's flows share one interval). So the least recently
 *     refreshed mapping of a class is the oldest of a few heads (class_head);
 *   - in exact mode, while class c has mappings, exp_when[c] is at or before
 *     the deadline of its least recently refreshed one (a mapping joins a
 *     list at its tail, with the latest deadline, so that deadline only moves
 *     later: an armed check never needs to move earlier);
 *   - outside nat_fire, tm is pending at or before nat_next() (the next
 *     expiry check, new flow or queued segment), or not at all when there
 *     is none.
 * Mappings are allocated in chunks and recycled through a free list; nothing
 * is freed before nat_destroy().
 */
#include "nat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BG_IN_NET 0x0A000000u   /* 10.0.0.0/8 */
#define BG_REM_NET 0x64400000u  /* 100.64.0.0/10 */
#define PORT_FIRST 1024u
#define CHUNK_MIN 16
#define HASH_BUCKETS 16 /* a power of two */

/* What the NAT has seen of a mapping's TCP handshake and close (bits of
 * struct mapping's tcp; conntrack's view, not the endpoints' tcp_state). */
enum { TCP_SYN_OUT = 1, TCP_SYNACK_IN = 2, TCP_FIN_SEEN = 4 };
/* A mapping is in exactly one list: its class's, or (a background flow of
 * class established) its pattern's activity queue while it sends, or its
 * pattern's idle list once it went silent. */
enum { IN_CLASS, IN_QUEUE, IN_IDLE };

/* map_insert() sets every field by hand (no memset): a new field must be
 * initialised there. The fields a background segment touches come first and
 * fill the first 64-byte line; mappings are 64-byte aligned, so a segment
 * touches one line of its flow's mapping. */
struct nat_map {
	/* hot: LRU and activity queue */
	ks_time_t last;         /* last refresh */
	uint64_t touch;
	struct nat_map *prev, *next;   /* class list */
	struct nat_map *qprev, *qnext; /* background activity queue */
	ks_time_t next_tick;    /* background: its next segment */
	uint32_t ticks_left;    /* background: segments still to send */
	uint8_t cls;            /* enum nat_class */
	bool bg;                /* a background flow's mapping */
	uint8_t where;          /* which list holds it: IN_CLASS, IN_QUEUE, IN_IDLE */
	uint8_t pattern;        /* background: index in bg_interval */
	/* cold: tuple, hash chains, TCP tracking */
	uint32_t in_addr, rem_addr;
	uint16_t in_port, ext_port, rem_port;
	uint8_t tcp;            /* TCP_* bits seen */
	bool a_ack, b_ack;      /* an ACK was seen from A / from B */
	uint32_t a_rcv_nxt, b_rcv_nxt; /* their last ACK numbers: what each expects next */
	struct nat_map *hin, *hex;     /* hash chains */
	struct nat_map **hin_pp, **hex_pp; /* the pointers to this one: O(1) removal */
} __attribute__((aligned(64)));

const char *nat_decision_name(enum nat_decision d)
{
	static const char *const names[] = {
		[NATD_CREATED] = "created", [NATD_TRANSLATED] = "translated",
		[NATD_CLASS] = "class", [NATD_EXPIRED] = "expired", [NATD_EVICTED] = "evicted",
		[NATD_FLUSHED] = "flushed", [NATD_DROPPED] = "dropped", [NATD_RST] = "rst",
	};
	return names[d];
}

const char *nat_class_name(enum nat_class c)
{
	return c == NAT_ESTABLISHED ? "established" : "transitory";
}

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

static struct nat_map *find_in(const struct nat *n, uint32_t in_addr, uint16_t in_port,
			       uint32_t rem_addr, uint16_t rem_port)
{
	struct nat_map *m = n->hin[hash_in(n, in_addr, in_port, rem_addr, rem_port)];
	while (m && !(m->in_addr == in_addr && m->in_port == in_port && m->rem_addr == rem_addr &&
		      m->rem_port == rem_port))
		m = m->hin;
	return m;
}

static struct nat_map *find_ex(const struct nat *n, uint16_t ext_port, uint32_t rem_addr,
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
	const struct nat_map *m = find_in(n, in_addr, in_port, rem_addr, rem_port);
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

static void bgl_remove(struct nat_bg_queue *q, struct nat_map *m)
{
	if (m->qprev)
		m->qprev->qnext = m->qnext;
	else
		q->head = m->qnext;
	if (m->qnext)
		m->qnext->qprev = m->qprev;
	else
		q->tail = m->qprev;
	m->qprev = m->qnext = NULL;
}

static void bgl_append(struct nat_bg_queue *q, struct nat_map *m)
{
	m->qnext = NULL;
	m->qprev = q->tail;
	if (m->qprev)
		m->qprev->qnext = m;
	else
		q->head = m;
	q->tail = m;
}

static void arm_nat(struct nat *n);

/* Take m out of whichever list holds it. */
static void detach(struct nat *n, struct nat_map *m)
{
	if (m->where == IN_QUEUE) {
		struct nat_bg_queue *q = &n->bgq[m->pattern];
		bool qhead = q->head == m;
		bgl_remove(q, m);
		if (qhead)
			arm_nat(n); /* the next segment changed */
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

static bool exact(const struct nat *n) { return n->cfg.gc_period == 0; }

static ks_time_t deadline(const struct nat *n, const struct nat_map *m)
{
	ks_time_t t = n->timeout[m->cls];
	return m->last > KS_TIME_NEVER - 1 - t ? KS_TIME_NEVER - 1 : m->last + t;
}

/* The NAT's next event: an expiry check or a background event. */
static ks_time_t nat_next(const struct nat *n);

/* Keep tm on the NAT's next event (nat_fire does it itself). */
static void arm_nat(struct nat *n)
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
static void arm_expiry(struct nat *n, int c)
{
	if (!exact(n) || n->exp_when[c] != KS_TIME_NEVER)
		return; /* gc mode, or armed already (at or before the deadline) */
	struct nat_map *h = class_head(n, c);
	if (!h)
		return;
	ks_time_t t = deadline(n, h);
	n->exp_when[c] = t;
	if (!n->busy && (!ev_timer_pending(&n->tm) || t < n->tm.when))
		eng_schedule(n->eng, &n->tm, t);
}

/* The next background event: a new flow, or the first segment due in any
 * pattern's queue (KS_TIME_NEVER: none). */
static ks_time_t bg_next(const struct nat *n)
{
	ks_time_t t = n->cfg.bg_rate > 0 ? n->bg_arrival : KS_TIME_NEVER;
	for (uint32_t k = 0; k < n->cfg.bg_interval.n; k++)
		if (n->bgq[k].head && n->bgq[k].head->next_tick < t)
			t = n->bgq[k].head->next_tick;
	return t;
}

static ks_time_t nat_next(const struct nat *n)
{
	ks_time_t t = bg_next(n);
	for (int c = 0; c < NAT_NCLASSES; c++)
		if (n->exp_when[c] < t)
			t = n->exp_when[c];
	return t;
}

/* ---- reports -------------------------------------------------------------------- */

static void fill_rec(const struct nat *n, const struct nat_map *m, struct rec_nat *r)
{
	r->in_addr = m->in_addr;
	r->in_port = m->in_port;
	r->ext_addr = n->cfg.ext_addr;
	r->ext_port = m->ext_port;
	r->rem_addr = m->rem_addr;
	r->rem_port = m->rem_port;
	r->cls = (enum nat_class)m->cls;
	r->timeout = n->timeout[m->cls];
}

static void report_map(struct nat *n, const struct nat_map *m, enum nat_decision d, int dir,
		       const char *why)
{
	if (m->bg || !n->hooks.report)
		return;
	struct rec_nat r = {.decision = d, .dir = dir, .why = why};
	fill_rec(n, m, &r);
	r.idle = n->eng->now - m->last;
	n->hooks.report(n->hooks.ctx, &r);
}

/* ---- mappings -------------------------------------------------------------------- */

static struct nat_map *map_alloc(struct nat *n)
{
	if (!n->free_list) {
		/* chunks of 16, 32, ... 4096 mappings: a table that stays small (a
		 * sweep run with one connection) costs one small allocation */
		size_t len = (size_t)CHUNK_MIN << (n->nchunks < 8 ? n->nchunks : 8);
		struct nat_map *c = aligned_alloc(_Alignof(struct nat_map), len * sizeof(*c));
		struct nat_map **cs = realloc(n->chunks, (n->nchunks + 1) * sizeof(*cs));
		if (!c || !cs) {
			fputs("kasim: out of memory (nat)\n", stderr);
			abort();
		}
		n->chunks = cs;
		n->chunks[n->nchunks++] = c;
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
	detach(n, m); /* the expiry check stays armed: it is lazy */
	hash_remove(n, m);
	n->count--;
	m->next = n->free_list;
	n->free_list = m;
}

/* Restart m's idle timer now (and make it the most recently used). */
static void refresh(struct nat *n, struct nat_map *m)
{
	detach(n, m);
	m->last = n->eng->now;
	m->touch = ++n->touch;
	list_append(n, m);
	arm_expiry(n, m->cls); /* lazy: only if the class had none */
	if (!m->bg)
		n->st.refreshes++;
}

/* Change class (restarts the idle timer: the mapping moves to the new list's tail). */
static void set_class(struct nat *n, struct nat_map *m, enum nat_class to, int dir)
{
	if (m->cls == to)
		return;
	detach(n, m);
	m->cls = (uint8_t)to;
	m->last = n->eng->now;
	m->touch = ++n->touch;
	list_append(n, m);
	arm_expiry(n, to); /* the old class's check is lazy: it stays */
	report_map(n, m, NATD_CLASS, dir, to == NAT_ESTABLISHED ? "handshake seen" : "FIN or RST seen");
}

static void send_rst_for(struct nat *n, const struct nat_map *m, int to);

/* m's idle timer ran out (exact: at its deadline; GC: at a tick). */
static void expire(struct nat *n, struct nat_map *m)
{
	if (m->bg) {
		n->st.bg_expired++;
		if (m->where == IN_QUEUE)
			n->st.bg_broken++;
	} else {
		n->st.expired++;
		report_map(n, m, NATD_EXPIRED, -1,
			   m->cls == NAT_ESTABLISHED ? "established_timeout" : "transitory_timeout");
		if (n->cfg.rst_on_expiry) {
			send_rst_for(n, m, HOST_A);
			send_rst_for(n, m, HOST_B);
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
		if (v->where == IN_QUEUE)
			n->st.bg_broken++;
	} else {
		n->st.evicted++;
		report_map(n, v, NATD_EVICTED, -1, "least recently used, the table is full");
	}
	map_delete(n, v);
}

/* Room for one more mapping? Evicts when table_full = evict. */
static bool make_room(struct nat *n)
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

static struct nat_map *map_insert(struct nat *n, uint32_t in_addr, uint16_t in_port,
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
		list_append(n, m); /* a background flow joins its queue (bg_arrive) */
	n->count++;
	if (n->count > n->st.peak)
		n->st.peak = n->count;
	arm_expiry(n, cls);
	return m;
}

/* An external port for A's tuple toward rem: A's own port when preservation is
 * on and it is free, else the allocator's next free port (1024..65535). */
static uint16_t alloc_port(struct nat *n, uint16_t in_port, uint32_t rem_addr, uint16_t rem_port)
{
	if (n->cfg.port_preservation && !find_ex(n, in_port, rem_addr, rem_port))
		return in_port;
	for (uint32_t tries = 0; tries < 65536 - PORT_FIRST; tries++) {
		uint16_t p = n->next_port;
		n->next_port = p == 65535 ? PORT_FIRST : (uint16_t)(p + 1);
		if (!find_ex(n, p, rem_addr, rem_port))
			return p;
	}
	return 0; /* every port in use toward rem */
}

/* The tuple of a segment that has no mapping, as a report shows it: an
 * outbound one from its inside side, an inbound one from its outside side. */
static void rec_tuple_of(const struct segment *seg, struct rec_nat *r)
{
	if (seg->src == HOST_A) {
		r->in_addr = seg->saddr;
		r->in_port = seg->sport;
		r->rem_addr = seg->daddr;
		r->rem_port = seg->dport;
	} else {
		r->ext_port = seg->dport;
		r->rem_addr = seg->saddr;
		r->rem_port = seg->sport;
	}
}

/* ---- RSTs ------------------------------------------------------------------------- */

/* A RST answering seg, sent back toward seg's sender (tcp_v4_send_reset's
 * rule: seq = seg's ACK, or RST|ACK acknowledging seg). The tuple is seg's,
 * reversed: the sender sees it come from the peer it was talking to. */
static void rst_answer(struct nat *n, const struct segment *seg, const struct segment *tuple)
{
	if ((seg->flags & TH_RST) || !n->hooks.send)
		return;
	struct segment r = {
		.saddr = tuple->daddr, .daddr = tuple->saddr, .sport = tuple->dport,
		.dport = tuple->sport, .src = seg->dst, .dst = seg->src, .kind = SEG_RST_NAT,
		.win = 0,
	};
	rst_reply_numbers(seg, &r);
	n->st.rsts++;
	struct rec_nat rec = {.decision = NATD_RST, .dir = seg->src, .rst_to = seg->src,
			      .ext_addr = n->cfg.ext_addr, .why = "no mapping"};
	rec_tuple_of(seg, &rec);
	if (n->hooks.report)
		n->hooks.report(n->hooks.ctx, &rec);
	n->hooks.send(n->hooks.ctx, &r);
}

/* rst_on_expiry: a RST to one end of m, with the sequence number that end
 * expects (its peer's last ACK number seen by the NAT). */
static void send_rst_for(struct nat *n, const struct nat_map *m, int to)
{
	if (!n->hooks.send)
		return;
	struct segment r = {.flags = TH_RST, .kind = SEG_RST_NAT, .dst = (uint8_t)to,
			    .src = (uint8_t)!to};
	if (to == HOST_A) {
		if (!m->a_ack)
			return; /* nothing known about what A expects */
		r.saddr = m->rem_addr;
		r.sport = m->rem_port;
		r.daddr = m->in_addr;
		r.dport = m->in_port;
		r.seq = m->a_rcv_nxt;
	} else {
		if (!m->b_ack)
			return;
		r.saddr = n->cfg.ext_addr;
		r.sport = m->ext_port;
		r.daddr = m->rem_addr;
		r.dport = m->rem_port;
		r.seq = m->b_rcv_nxt;
	}
	n->st.rsts++;
	struct rec_nat rec = {.decision = NATD_RST, .dir = -1, .rst_to = to, .why = "idle timeout"};
	fill_rec(n, m, &rec);
	if (n->hooks.report)
		n->hooks.report(n->hooks.ctx, &rec);
	n->hooks.send(n->hooks.ctx, &r);
}

/* ---- segments ---------------------------------------------------------------------- */

/* Exact mode: a mapping met at or after its deadline has expired. */
static struct nat_map *live(struct nat *n, struct nat_map *m)
{
	if (m && exact(n) && n->eng->now >= deadline(n, m)) {
		expire(n, m);
		return NULL;
	}
	return m;
}

static void drop_report(struct nat *n, const struct segment *seg, enum drop_reason why,
			const char *text)
{
	n->st.drops++;
	if (!n->hooks.report)
		return;
	struct rec_nat r = {.decision = NATD_DROPPED, .dir = seg->src, .drop = why, .why = text,
			    .ext_addr = n->cfg.ext_addr};
	rec_tuple_of(seg, &r);
	n->hooks.report(n->hooks.ctx, &r);
}

/* Class changes and RST bookkeeping a translated segment causes. */
static void track(struct nat *n, struct nat_map *m, const struct segment *seg, int dir)
{
	uint8_t f = seg->flags;
	if (f & TH_ACK) {
		if (dir == HOST_A) {
			m->a_ack = true;
			m->a_rcv_nxt = seg->ack;
		} else {
			m->b_ack = true;
			m->b_rcv_nxt = seg->ack;
		}
	}
	if (f & (TH_FIN | TH_RST)) {
		m->tcp |= TCP_FIN_SEEN;
		set_class(n, m, NAT_TRANSITORY, dir);
		return;
	}
	if (m->tcp & TCP_FIN_SEEN)
		return;
	if (dir == HOST_A && (f & TH_SYN) && !(f & TH_ACK))
		m->tcp |= TCP_SYN_OUT;
	else if (dir == HOST_B && (f & TH_SYN) && (f & TH_ACK) && (m->tcp & TCP_SYN_OUT))
		m->tcp |= TCP_SYNACK_IN;
	else if (dir == HOST_A && (f & TH_ACK) && !(f & TH_SYN) && (m->tcp & TCP_SYNACK_IN))
		set_class(n, m, NAT_ESTABLISHED, dir);
}

static void translated(struct nat *n, struct nat_map *m, const struct segment *seg, bool refr)
{
	n->st.translated++;
	if (!n->hooks.report || m->bg)
		return;
	struct rec_nat r = {.decision = NATD_TRANSLATED, .dir = seg->src, .refreshed = refr};
	fill_rec(n, m, &r);
	n->hooks.report(n->hooks.ctx, &r);
}

enum drop_reason nat_outbound(struct nat *n, const struct segment *seg, struct segment *out)
{
	struct nat_map *m = live(n, find_in(n, seg->saddr, seg->sport, seg->daddr, seg->dport));
	if (!m) {
		bool syn = (seg->flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN;
		if (seg->flags & TH_RST) {
			drop_report(n, seg, DROP_NAT_NO_MAPPING, "no mapping (a RST creates none)");
			return DROP_NAT_NO_MAPPING;
		}
		if (!syn && n->cfg.outbound_miss != NAT_MISS_CREATE) {
			drop_report(n, seg, DROP_NAT_NO_MAPPING, "no mapping");
			if (n->cfg.outbound_miss == NAT_MISS_RST)
				rst_answer(n, seg, seg);
			return DROP_NAT_NO_MAPPING;
		}
		if (!make_room(n)) {
			drop_report(n, seg, DROP_NAT_TABLE_FULL, "table full");
			return DROP_NAT_TABLE_FULL;
		}
		uint16_t port = alloc_port(n, seg->sport, seg->daddr, seg->dport);
		if (!port) {
			drop_report(n, seg, DROP_NAT_TABLE_FULL, "no free external port");
			return DROP_NAT_TABLE_FULL;
		}
		m = map_insert(n, seg->saddr, seg->sport, port, seg->daddr, seg->dport,
			       syn ? NAT_TRANSITORY : NAT_ESTABLISHED, false);
		n->st.created++;
		report_map(n, m, NATD_CREATED, HOST_A, syn ? "SYN" : "outbound_miss = create");
	} else {
		refresh(n, m);
	}
	track(n, m, seg, HOST_A);
	*out = *seg;
	out->saddr = n->cfg.ext_addr;
	out->sport = m->ext_port;
	translated(n, m, seg, true);
	return DROP_NONE;
}

enum drop_reason nat_inbound(struct nat *n, const struct segment *seg, struct segment *out)
{
	struct nat_map *m = NULL;
	if (seg->daddr == n->cfg.ext_addr)
		m = live(n, find_ex(n, seg->dport, seg->saddr, seg->sport));
	if (!m) {
		drop_report(n, seg, DROP_NAT_NO_MAPPING, "no mapping");
		if (n->cfg.inbound_miss == NAT_MISS_RST)
			rst_answer(n, seg, seg);
		return DROP_NAT_NO_MAPPING;
	}
	bool refr = n->cfg.inbound_refresh;
	if (refr)
		refresh(n, m);
	track(n, m, seg, HOST_B);
	*out = *seg;
	out->daddr = m->in_addr;
	out->dport = m->in_port;
	translated(n, m, seg, refr);
	return DROP_NONE;
}

void nat_flush(struct nat *n, bool reboot)
{
	for (int c = 0; c < NAT_NCLASSES; c++) {
		struct nat_map *m;
		while ((m = class_head(n, c))) {
			if (m->bg) {
				if (m->where == IN_QUEUE)
					n->st.bg_broken++;
			} else {
				n->st.flushed++;
				report_map(n, m, NATD_FLUSHED, -1, reboot ? "nat reboot" : "nat flush");
			}
			map_delete(n, m);
		}
	}
	if (reboot)
		n->next_port = PORT_FIRST;
}

/* ---- timers ------------------------------------------------------------------------ */

static void expire_due(struct nat *n, int c)
{
	struct nat_map *h;
	while ((h = class_head(n, c)) && deadline(n, h) <= n->eng->now)
		expire(n, h);
}

static void gc_fire(struct engine *eng, struct ev_timer *t)
{
	struct nat *n = container_of(t, struct nat, gc);
	for (int c = 0; c < NAT_NCLASSES; c++)
		expire_due(n, c);
	eng_schedule(eng, &n->gc, eng->now + n->cfg.gc_period);
}

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

/* A new background flow: a mapping (evicting the LRU one when the table is
 * full), its first segment, its pattern and how many more it sends. */
static void bg_arrive(struct nat *n)
{
	ks_time_t now = n->eng->now;
	uint64_t id = n->bg_next_id++;
	n->st.bg_flows++;
	ks_time_t life = exp_ns(&n->rng, (double)n->cfg.bg_lifetime);
	if (make_room(n)) {
		uint32_t in_addr = BG_IN_NET | (uint32_t)((id >> 15) & 0xFFFFFF);
		uint16_t port = (uint16_t)(PORT_FIRST + (id & 0x7FFF));
		uint32_t rem = BG_REM_NET | (uint32_t)(id & 0x3FFFFF);
		struct nat_map *m = map_insert(n, in_addr, port, port, rem, 443, NAT_ESTABLISHED, true);
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
		arm_expiry(n, NAT_ESTABLISHED); /* if it is the class's only mapping */
	} else {
		n->st.bg_refused++;
	}
	n->bg_arrival = now + exp_ns(&n->rng, 1e9 / n->cfg.bg_rate);
}

/* The flow at the head of queue k sends its segment (refresh), or ends. */
static void bg_segment(struct nat *n, int k)
{
	struct nat_map *m = n->bgq[k].head;
	/* the flow after next: the next segment writes its line (a table of
	 * 1,000 flows does not fit in the L1 cache) */
	if (m->qnext && m->qnext->qnext)
		__builtin_prefetch(m->qnext->qnext, 1);
	if (live(n, m) == NULL)
		return; /* expired exactly now: broken, removed */
	n->st.bg_segments++;
	if (--m->ticks_left == 0) {
		/* the flow is over; its mapping stays until it expires */
		if (n->cfg.bg_end == NAT_BG_FIN) {
			refresh(n, m); /* out of the queue, into the class list */
			m->tcp |= TCP_FIN_SEEN;
			set_class(n, m, NAT_TRANSITORY, HOST_A);
		} else {
			/* silent: not refreshed; the idle list stays in LRU order,
			 * as the pattern's flows fall silent in queue order */
			detach(n, m);
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
			arm_expiry(n, due);
		} else {
			for (uint32_t k = 0; k < n->cfg.bg_interval.n && due < 0; k++)
				if (n->bgq[k].head && n->bgq[k].head->next_tick <= now)
					due = (int)k;
			if (due >= 0)
				bg_segment(n, due);
			else if (n->cfg.bg_rate > 0 && n->bg_arrival <= now)
				bg_arrive(n);
			else
				break; /* nothing due (a check whose list emptied) */
		}
		next = nat_next(n);
	} while (next != KS_TIME_NEVER && eng_fire_inline(eng, next));
	n->busy = false;
	arm_nat(n);
}

/* ---- life cycle ---------------------------------------------------------------------- */

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
	if (cfg->bg_rate > 0) {
		n->bg_arrival = exp_ns(&n->rng, 1e9 / cfg->bg_rate);
		arm_nat(n);
	}
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
