/*
 * sim.h - one simulation: the engine, two hosts, the link between them and the
 * scenario's events. Everything a run needs lives in struct sim; there are no
 * globals, so independent simulations can run in parallel threads.
 *
 * The public simulation API: the CLI, the sweeps and the tests run a
 * simulation and observe it through its record stream (sinks, output.h /
 * trace.h) and the functions below. The model (tcp.h) sees the simulation
 * only through the struct tcp_env that sim.c gives each host.
 */
#ifndef KASIM_SIM_H
#define KASIM_SIM_H

#include <stddef.h>

#include "engine.h"
#include "icmp.h"
#include "heartbeat.h"
#include "link.h"
#include "nat.h"
#include "output.h"
#include "proxy.h"
#include "rng.h"
#include "scenario.h"
#include "tcp.h"
#include "timer.h"

#define SIM_MAX_SINKS 8

struct sim {
	struct engine eng;
	const struct scenario *sc;
	struct timer_model tm;       /* the Linux hosts' jiffies clock (each host copies its own model) */
	struct rng rng;
	struct host host[NSOCKS];    /* A, B, and with a proxy P.server, P.client */
	struct link link;            /* A's wire (to B, or to P's client leg) */
	bool has_nat;                /* a forwarding box is on the path: a [nat], an [lb] or both */
	/* Arrivals that need more than host_deliver(): a box, or a scenario
	 * with "unreachable" events (link_arrived's one test for both). */
	bool divert;
	/* Nothing on the path needs more than the hosts' TCP and the plain
	 * wire: nothing diverts arrivals (no box, no ICMP), no proxy, the wire is
	 * up and unpartitioned, every host plugged and powered. Recomputed when
	 * any of these may change (sim_init, after each event): host_xmit() and
	 * link_arrive() then skip the checks it implies. */
	bool plain_path;
	bool box_on[NAT_NBOXES];     /* box[NAT_BOX_NAT]: [nat] at A's end of A's wire;
	                              * box[NAT_BOX_LB]: [lb] at its far end (B's or P's) */
	struct nat box[NAT_NBOXES];
	bool nat_deferring;          /* inside nat_outbound/inbound: hold the boxes' records */
	size_t nat_npending;         /* ...until the segment's own fate is out */
	struct rec_nat nat_pending[4];
	/* The scenario's events: one timer, armed for the next of them only (so
	 * memory does not grow with their number), with the seq reserved for it in
	 * sim_init() before anything the model arms: at any instant they come
	 * first, and among themselves they keep file order. */
	struct ev_timer script;
	size_t script_next;          /* index in sc->events of the armed one */
	uint64_t script_seq;         /* sc->events[i] fires with seq script_seq + i */
	/* Repeating events ("every"): one timer each, armed for the next
	 * occurrence only when one fires (memory does not grow with time). An
	 * occurrence of sc->events[i] takes the seq of its first, script_seq + i. */
	struct sim_repeat {
		struct ev_timer t;
		size_t ev;               /* index in sc->events */
	} *repeat;
	size_t nrepeat;
	struct ev_timer connect;     /* A's connect() at t = 0 */
	struct heartbeat *hb;        /* the applications' heartbeats; NULL when neither has one */
	uint64_t next_pkt_id;
	uint64_t packets, drops;
	struct sink *sinks[SIM_MAX_SINKS];
	size_t nsinks;
	struct tcp_env env;          /* what both hosts' TCP sees of this simulation */
	/* ICMP on the path (out of the common path's cache lines) */
	struct icmp_path icmp;       /* who answers with ICMP, and their rate limits */
	struct timer_model icmp_tm;  /* the answering side's clock: jiffies under timer = linux or auto */
	struct tcp_env benv;         /* with a proxy: B's (its wire is link2) */
	struct tcp_env penv;         /* with a proxy: P's sockets' (always traced: the proxy
	                              * learns of its legs' ends from their records) */
	/* a proxy that terminates TCP (out of the common path's cache lines too) */
	bool has_proxy;              /* the scenario has a [proxy] */
	struct proxy proxy;
	struct link link2;           /* with a proxy: the server leg's wire, P-B */
};

/* What a run has counted so far (sim_counters). */
struct sim_counters {
	uint64_t events;             /* engine events run */
	uint64_t segments;           /* segments sent (by the hosts and the NAT) */
	uint32_t probes_sent[NHOSTS];/* keepalive probes each host transmitted */
	uint64_t nat_expired, nat_evicted; /* the boxes' ([nat] + [lb]; 0 without) */
};

/* Prepare a simulation of sc (which must outlive it). */
void sim_init(struct sim *s, const struct scenario *sc);
/* Attach an output; the simulation does not own it. */
void sim_add_sink(struct sim *s, struct sink *k);
/* Run to the scenario's duration, then call every sink's finish(). */
void sim_run(struct sim *s);
/* The same in slices (for progress and interruption): run every event due at
 * or before t (at most the duration), then sim_finish() once. Slicing does
 * not change anything the simulation does. */
void sim_run_until(struct sim *s, ks_time_t t);
/* From a sink's record(): make the running sim_run_until() return once the
 * current event is done (the clock stays at that event). A later
 * sim_run_until() continues where it stopped. */
void sim_stop(struct sim *s);
/* The current time. */
static inline ks_time_t sim_now(const struct sim *s) { return s->eng.now; }
void sim_counters(const struct sim *s, struct sim_counters *c);
/* An endpoint as its application sees it. */
struct sim_endpoint {
	enum tcp_state state;
	enum tcp_end end;            /* how its connection ended, END_NONE = not (yet) */
	int error;                   /* the errno it ended with, 0 = none */
	ks_time_t end_time;
};
void sim_endpoint(const struct sim *s, int h, struct sim_endpoint *e);
void sim_finish(struct sim *s);
void sim_destroy(struct sim *s);

/* Recompute s->plain_path (after anything that may change what it sums up). */
void sim_update_plain_path(struct sim *s);
/* Stamp a record with the current time and hand it to every sink. */
void sim_emit(struct sim *s, struct ks_record *r);
static inline bool sim_tracing(const struct sim *s) { return s->nsinks > 0; }

#endif
