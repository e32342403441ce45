/*
 * link.h - the wire between A's and B's cables.
 *
 * The link knows segments (header fields) but nothing about TCP state. Every
 * segment handed to link_send() gets a fate: delivered to the far end after the
 * one-way delay, or dropped with a reason. Drops decided by hosts (a pulled
 * cable, a powered-off host, a local qdisc) use the same reasons, so the
 * outputs speak one vocabulary. Later path elements (loss, NAT) hook in here.
 *
 * Segments in flight live in a pool owned by the link: memory is bounded by
 * the number of segments on the wire at once, never by the simulated time.
 */
#ifndef KASIM_LINK_H
#define KASIM_LINK_H

#include "engine.h"
#include "packet.h"
#include "scenario.h"

enum drop_reason {
	DROP_NONE = 0,
	DROP_UNPLUGGED,  /* a cable is pulled (which one: see the fate's host) */
	DROP_HOST_DOWN,  /* the receiver has no power */
	DROP_QDISC,      /* the sender's queueing discipline dropped it ("congest") */
};
/* "unplugged", "host-down", "local-qdisc" (JSON); NULL for DROP_NONE. */
const char *drop_reason_name(enum drop_reason r);

struct link_pkt;

/* Called by the link: when a segment reaches the far end of the wire. The
 * receiver-side checks and the fate report are the callee's. */
typedef void (*link_arrive_fn)(void *ctx, const struct segment *seg, ks_time_t sent);

struct link {
	struct engine *eng;
	ks_time_t delay[NHOSTS];     /* one-way delay of segments sent by A / by B */
	link_arrive_fn arrive;
	void *ctx;
	struct link_pkt *free_list;  /* recycled in-flight slots */
	struct link_pkt **chunks;    /* every slot ever allocated, for link_destroy */
	size_t nchunks;
};

void link_init(struct link *l, struct engine *eng, const struct link_config *cfg,
	       link_arrive_fn arrive, void *ctx);
void link_destroy(struct link *l);
/* Put seg on the wire now (the sender's cable was already checked). */
void link_send(struct link *l, const struct segment *seg);

#endif
