/*
 * nat.h - a NAT/middlebox between A (inside) and B (outside).
 *
 * Where it sits: at A's end of the wire. A's segments meet the NAT the moment
 * they leave A's cable (outbound decision at send time, then the wire's delay
 * and loss toward B); B's segments meet it when they reach A's end of the wire
 * (inbound decision after the one-way delay), and go on to A's cable at once.
 * So a segment lost on the wire after the NAT has still refreshed the mapping.
 * The same code is the [lb] box (box = NAT_BOX_LB) at the far end of the
 * wire: the simulation calls nat_outbound() when A's segment reaches that
 * end and nat_inbound() when B's (or P's) leaves its host; A's side is the
 * inside for both boxes.
 *
 * The mapping table: at most `capacity` mappings, each found in O(1) by its
 * inside tuple (A's address and port, B's address and port) and by its outside
 * tuple (external port, B's address and port) through two chained hash maps
 * (doubly linked: removal is O(1) too).
 * Mappings are kept in two intrusive doubly-linked lists, one per timeout
 * class (transitory, established), in the order of their last refresh. All
 * mappings of a class share one timeout, so each list is also in order of
 * expiry, and the least recently used mapping of the table is the older of the
 * two heads: refresh, expiry and LRU eviction are all O(1).
 *
 * Expiry is exact by default: one engine timer per class is armed at its head's
 * deadline (last refresh + timeout), and a segment that meets a mapping at or
 * after its deadline finds it expired. With gc_period > 0 the NAT reaps lazily
 * instead: expired mappings stay usable until the next GC tick (at multiples of
 * gc_period), and a segment that meets one before that refreshes it.
 *
 * A mapping's class follows the TCP handshake as the NAT sees it: a mapping
 * created by A's SYN is transitory until the NAT has seen B's SYN-ACK and then
 * an ACK from A; any FIN or RST makes it transitory again (for good). A mapping
 * created by a mid-stream segment (outbound_miss = create) is established, as
 * conntrack's tcp_loose pickup is. A class change restarts the idle timer.
 * Outbound segments always refresh; inbound ones only with inbound_refresh.
 *
 * Background load: other inside hosts open flows at a Poisson rate bg_rate;
 * each lives an exponential time of mean bg_lifetime and follows a traffic
 * pattern drawn uniformly from the bg_interval list: it sends a segment every
 * bg_interval.v[k] (refreshing its mapping), then ends with a FIN (its mapping turns
 * transitory) or just stops (bg_end = silent: the mapping lingers until it
 * expires or is evicted). Background flows exist only in the table, with
 * synthetic tuples (10.0.0.0/8 inside, 100.64.0.0/10 remote), established from
 * the start. The flows of one pattern share its interval, so their next
 * segments form a FIFO queue: one engine timer for all arrivals and one per
 * pattern for all flow activity, O(1) per background event. A flow whose mapping is evicted or expires is broken
 * and sends no more. Background decisions are counted, never reported one by one.
 *
 * The NAT knows TCP headers (flags, seq, ack), not TCP state machines, and
 * nothing of the endpoints: what it decides goes out through struct nat_hooks.
 *
 * The code: nat.c (translation, miss policies, RSTs), nat_table.c (the
 * mapping table, its timers, flush, life cycle), nat_bg.c (the background
 * load); what they share is in priv/nat_priv.h. This header is what sim.c,
 * the outputs and the tests use; struct nat is complete here only because
 * struct sim and the tests hold one: nothing outside the NAT's files reads
 * its fields but st (and count, through nat_count()).
 */
#ifndef KASIM_NAT_H
#define KASIM_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "link.h"
#include "packet.h"
#include "rng.h"
#include "scenario.h"

enum nat_class { NAT_TRANSITORY, NAT_ESTABLISHED, NAT_NCLASSES };

/* Where a forwarding box sits ([nat] or [lb]): the NAT at A's end of A's
 * wire, the LB at its far end, in front of B (or of P with a [proxy]). For
 * both, A's side is the inside: outbound is the A->B direction. */
enum nat_box { NAT_BOX_NAT, NAT_BOX_LB, NAT_NBOXES };

enum nat_decision {
	NATD_CREATED,     /* a mapping was created */
	NATD_TRANSLATED,  /* a segment was translated (refreshed: see rec_nat.refreshed) */
	NATD_CLASS,       /* the mapping changed class (transitory <-> established) */
	NATD_EXPIRED,     /* idle timeout */
	NATD_EVICTED,     /* least recently used, removed to make room */
	NATD_FLUSHED,     /* "nat flush" / "nat reboot" */
	NATD_DROPPED,     /* a segment was dropped (no mapping, or table full) */
	NATD_RST,         /* the NAT sent a RST (to rst_to) */
	NATD_PASSED,      /* outbound_miss = invalid-passthrough: forwarded untranslated */
};

/* One decision about a mapping of the simulated connection (never background). */
struct rec_nat {
	enum nat_decision decision;
	enum nat_box box;     /* which box decided */
	int dir;              /* HOST_A: about a segment from A; HOST_B: from B; -1: a timer */
	uint32_t in_addr, ext_addr, rem_addr;
	uint16_t in_port, ext_port, rem_port; /* ext_port 0: no mapping */
	enum nat_class cls;   /* class (after the decision) */
	bool refreshed;       /* TRANSLATED: the segment restarted the idle timer */
	ks_time_t idle;       /* EXPIRED/EVICTED: time since the last refresh */
	ks_time_t timeout;    /* the class's timeout */
	enum drop_reason drop;/* DROPPED */
	int rst_to;           /* RST: HOST_A or HOST_B */
	const char *why;      /* short reason for people, e.g. "no mapping", "table full" */
};

struct nat_hooks {
	void *ctx;
	/* A decision about the simulated connection's mapping. */
	void (*report)(void *ctx, const struct rec_nat *r);
	/* The NAT sends a segment (a RST) to seg->dst: to A (inside tuple, src =
	 * HOST_B) or to B (outside tuple, src = HOST_A). */
	void (*send)(void *ctx, struct segment *seg);
};

struct nat_stats {
	/* the simulated connection's mappings */
	uint64_t created, refreshes, expired, evicted, flushed, drops, rsts;
	uint64_t translated;
	/* the last expiry of one of them: when, after how long idle (the summary) */
	ks_time_t last_expiry, last_expiry_idle;
	/* the whole table */
	uint64_t peak;             /* most mappings at once */
	uint64_t table_full_drops; /* new mappings refused (table_full = drop), any flow */
	/* background flows */
	uint64_t bg_flows, bg_expired, bg_evicted, bg_broken, bg_refused, bg_segments;
};

struct nat_map;

struct nat {
	struct engine *eng;
	struct nat_config cfg;
	struct nat_hooks hooks;
	enum nat_box box;                 /* where it sits: NAT_BOX_NAT (nat_init's) or, set
	                                   * by the simulation after nat_init, NAT_BOX_LB */
	struct rng rng;                   /* background arrivals and lifetimes */
	ks_time_t timeout[NAT_NCLASSES];
	struct nat_map *head[NAT_NCLASSES], *tail[NAT_NCLASSES]; /* oldest refresh first */
	struct nat_map **hin, **hex;      /* hash buckets: inside / outside tuple */
	uint32_t hmask;
	uint64_t count;                   /* mappings in the table */
	uint64_t touch;                   /* refresh counter: LRU order among equal times */
	uint16_t next_port;               /* port allocator (no preservation) */
	uint64_t bg_next_id;
	struct nat_map *free_list;
	struct nat_map **chunks;
	size_t nchunks;
	/* background flows of each traffic pattern: those still sending, in
	 * order of their next segment (bgq), and those that went silent, in
	 * order of their last one (bgidle); both are also in LRU order */
	struct nat_bg_queue {
		struct nat_map *head, *tail;
	} bgq[DUR_LIST_MAX], bgidle[DUR_LIST_MAX];
	ks_time_t bg_arrival;             /* the next new background flow */
	/* exact mode: when to look for expiries of each class (lazy: at or
	 * before its head's deadline; KS_TIME_NEVER: not armed) */
	ks_time_t exp_when[NAT_NCLASSES];
	bool busy;                        /* inside nat_fire: it arms tm itself */
	/* tm: the NAT's next event (an expiry check, a new background flow or a
	 * flow's segment); gc: the garbage collector's period (gc mode) */
	struct ev_timer tm, gc;
	struct nat_stats st;
};

void nat_init(struct nat *n, struct engine *eng, const struct nat_config *cfg, uint64_t seed,
	      const struct nat_hooks *hooks);
void nat_destroy(struct nat *n);

/*
 * A's segment meets the NAT (now). Returns DROP_NONE and fills *out with the
 * translated segment, or the drop reason (after sending a RST to A when the
 * miss policy says so).
 */
enum drop_reason nat_outbound(struct nat *n, const struct segment *seg, struct segment *out);
/* B's segment reaches the NAT (now): the same, toward A. */
enum drop_reason nat_inbound(struct nat *n, const struct segment *seg, struct segment *out);
/* "nat flush": every mapping is deleted. "nat reboot" (reboot = true): the
 * same, and the port allocator starts again. Background flows break. */
void nat_flush(struct nat *n, bool reboot);

/* Mappings in the table now. */
static inline uint64_t nat_count(const struct nat *n) { return n->count; }
/* The external port of A's mapping toward B (0 = none), for tests and outputs. */
uint16_t nat_lookup_port(const struct nat *n, uint32_t in_addr, uint16_t in_port,
			 uint32_t rem_addr, uint16_t rem_port);

const char *nat_decision_name(enum nat_decision d);
/* "NAT" or "LB": how outputs name a box. */
const char *nat_box_name(enum nat_box b);
const char *nat_class_name(enum nat_class c);

#endif
