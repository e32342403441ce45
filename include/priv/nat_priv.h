/*
 * priv/nat_priv.h - what the NAT's files share among themselves and nobody
 * else uses (the model is described in nat.h and docs/nat.md):
 *   nat_table.c  the mapping table: hashing, the LRU lists and queues, chunk
 *                allocation, refresh, class changes, eviction, expiry and
 *                the NAT's timers (nat_fire), flush, life cycle
 *   nat_bg.c     the background load: Poisson arrivals, flow patterns and
 *                their activity queues
 *   nat.c        translation: outbound and inbound segments, the miss
 *                policies, port allocation, the RSTs the NAT sends
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
 *     refreshed mapping of a class is the oldest of a few heads
 *     (nat_class_head);
 *   - in exact mode, while class c has mappings, exp_when[c] is at or before
 *     the deadline of its least recently refreshed one (a mapping joins a
 *     list at its tail, with the latest deadline, so that deadline only moves
 *     later: an armed check never needs to move earlier);
 *   - outside nat_fire, tm is pending at or before nat_next() (the next
 *     expiry check, new flow or queued segment), or not at all when there
 *     is none.
 * Mappings are allocated in chunks (pool.h) and recycled through a free
 * list; nothing is freed before nat_destroy().
 */
#ifndef KASIM_PRIV_NAT_PRIV_H
#define KASIM_PRIV_NAT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "nat.h"

#define PORT_FIRST 1024u /* the port allocator's range: 1024..65535 */

/* What the NAT has seen of a mapping's TCP handshake and close (bits of
 * struct nat_map's tcp; conntrack's view, not the endpoints' tcp_state). */
enum { TCP_SYN_OUT = 1, TCP_SYNACK_IN = 2, TCP_FIN_SEEN = 4 };
/* A mapping is in exactly one list: its class's, or (a background flow of
 * class established) its pattern's activity queue while it sends, or its
 * pattern's idle list once it went silent. */
enum { IN_CLASS, IN_QUEUE, IN_IDLE };

/* nat_map_insert() sets every field by hand (no memset): a new field must be
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

/* ---- small helpers (the background path's, inline) ------------------------------ */

/* [lb] with port_preservation = on keeps the source address too (an NLB
 * with client IP preservation): the mapping's outside address is A's side's
 * own, not ext_addr. Any other box rewrites the source to ext_addr. */
static inline bool nat_keeps_addr(const struct nat *n)
{
	return n->box == NAT_BOX_LB && n->cfg.port_preservation;
}

/* Exact expiry (the default), or lazy reaping at GC ticks (gc_period > 0). */
static inline bool nat_exact(const struct nat *n) { return n->cfg.gc_period == 0; }

/* When m expires: its last refresh + its class's timeout (saturating). */
static inline ks_time_t nat_deadline(const struct nat *n, const struct nat_map *m)
{
	ks_time_t t = n->timeout[m->cls];
	return m->last > KS_TIME_NEVER - 1 - t ? KS_TIME_NEVER - 1 : m->last + t;
}

/* A background queue or idle list (linked through qprev/qnext). */
static inline void bgl_remove(struct nat_bg_queue *q, struct nat_map *m)
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

static inline void bgl_append(struct nat_bg_queue *q, struct nat_map *m)
{
	m->qnext = NULL;
	m->qprev = q->tail;
	if (m->qprev)
		m->qprev->qnext = m;
	else
		q->head = m;
	q->tail = m;
}

/* ---- the mapping table (nat_table.c) --------------------------------------------- */

struct nat_map *nat_find_in(const struct nat *n, uint32_t in_addr, uint16_t in_port,
			    uint32_t rem_addr, uint16_t rem_port);
struct nat_map *nat_find_ex(const struct nat *n, uint16_t ext_port, uint32_t rem_addr,
			    uint16_t rem_port);
/* A new mapping, refreshed now, in its class's list (a background flow's:
 * in none, and not hashed: nat_bg_arrive puts it in its queue). */
struct nat_map *nat_map_insert(struct nat *n, uint32_t in_addr, uint16_t in_port,
			       uint16_t ext_port, uint32_t rem_addr, uint16_t rem_port,
			       enum nat_class cls, bool bg);
/* Take m out of whichever list holds it. */
void nat_detach(struct nat *n, struct nat_map *m);
/* Restart m's idle timer now (and make it the most recently used). */
void nat_refresh(struct nat *n, struct nat_map *m);
/* Change class (restarts the idle timer); dir: who caused it, for the report. */
void nat_set_class(struct nat *n, struct nat_map *m, enum nat_class to, int dir);
/* Room for one more mapping? Evicts when table_full = evict. */
bool nat_make_room(struct nat *n);
/* Exact mode: a mapping met at or after its deadline has expired (NULL). */
struct nat_map *nat_live(struct nat *n, struct nat_map *m);
/* Exact mode: the expiry check of class c, if it has none armed. */
void nat_arm_expiry(struct nat *n, int c);
/* Keep tm on the NAT's next event (nat_fire does it itself). */
void nat_arm(struct nat *n);
/* Report a decision about m (never a background flow's) through the hooks. */
void nat_report_map(struct nat *n, const struct nat_map *m, enum nat_decision d, int dir,
		    const char *why);
/* A report's tuple, class and timeout, from m. */
void nat_fill_rec(const struct nat *n, const struct nat_map *m, struct rec_nat *r);
/* Hand a report to the hooks (if any), naming the box that decided. */
void nat_emit(struct nat *n, struct rec_nat *r);

/* ---- the background load (nat_bg.c) ------------------------------------------------ */

/* The first arrival (bg_rate > 0), at nat_init. */
void nat_bg_start(struct nat *n);
/* The next background event: a new flow, or the first segment due in any
 * pattern's queue (KS_TIME_NEVER: none). */
ks_time_t nat_bg_next(const struct nat *n);
/* A new background flow arrives now. */
void nat_bg_arrive(struct nat *n);
/* The flow at the head of queue k sends its segment, or ends. */
void nat_bg_segment(struct nat *n, int k);

/* ---- translation (nat.c) ------------------------------------------------------------ */

/* rst_on_expiry: a RST to one end (HOST_A or HOST_B) of the expiring m. */
void nat_send_rst_for(struct nat *n, const struct nat_map *m, int to);

#endif
