/*
 * sim.h - one simulation: the engine, two hosts, the link between them and the
 * scenario's events. Everything a run needs lives in struct sim; there are no
 * globals, so independent simulations can run in parallel threads.
 */
#ifndef KASIM_SIM_H
#define KASIM_SIM_H

#include <stddef.h>

#include "engine.h"
#include "link.h"
#include "nat.h"
#include "output.h"
#include "rng.h"
#include "scenario.h"
#include "tcp.h"
#include "timer.h"

#define SIM_MAX_SINKS 8

struct sim {
	struct engine eng;
	const struct scenario *sc;
	struct timer_model tm;
	struct rng rng;
	struct host host[NHOSTS];
	struct link link;
	bool has_nat;                /* the scenario has a [nat] */
	struct nat nat;
	bool nat_deferring;          /* inside nat_outbound/inbound: hold NAT records */
	size_t nat_npending;         /* ...until the segment's own fate is out */
	struct rec_nat nat_pending[4];
	/* The scenario's events: one timer, armed for the next of them only (so
	 * memory does not grow with their number), with the seq reserved for it in
	 * sim_init() before anything the model arms: at any instant they come
	 * first, and among themselves they keep file order. */
	struct ev_timer script;
	size_t script_next;          /* index in sc->events of the armed one */
	uint64_t script_seq;         /* sc->events[i] fires with seq script_seq + i */
	struct ev_timer connect;     /* A's connect() at t = 0 */
	uint64_t next_pkt_id;
	uint64_t packets, drops;
	struct sink *sinks[SIM_MAX_SINKS];
	size_t nsinks;
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
void sim_finish(struct sim *s);
void sim_destroy(struct sim *s);

/* Model -> outputs. */
void sim_emit(struct sim *s, struct ks_record *r);
static inline bool sim_tracing(const struct sim *s) { return s->nsinks > 0; }
/* A host puts a segment on its interface: qdisc and cable checks, then the link.
 * Returns 0 when the segment left the host, > 0 (NET_XMIT_DROP) when the local
 * qdisc refused it. */
int sim_xmit(struct sim *s, struct segment *seg);
uint32_t sim_random_isn(struct sim *s);

#endif
