/*
 * link.h - the wire between A's end (where the NAT sits, if any) and B's cable.
 *
 * The link knows segments (header fields) but nothing about TCP state. Every
 * segment handed to link_send() gets a fate: delivered to the far end after
 * the one-way delay (plus jitter), or dropped with a reason. Drops decided by
 * hosts (a pulled cable, a powered-off host, a local qdisc) and by the NAT use
 * the same reasons, so the outputs speak one vocabulary.
 *
 * Each direction (indexed by the sender: A->B is dir[HOST_A]) has its own
 * delay, jitter, Bernoulli loss and Gilbert-Elliott burst state. The wire can
 * be cut ("link down") or fail one way ("partition A->B"); both are checked
 * when a segment is sent and again when it would arrive, so a segment in
 * flight when the wire is cut is lost too.
 *
 * Randomness: the link owns a PCG32 stream seeded from the scenario seed (its
 * own stream, so enabling loss does not change the endpoints' ISNs). A random
 * number is drawn only when a probability is strictly between 0 and 1 or the
 * jitter is non-zero, so a scenario without them draws nothing.
 *
 * Segments in flight live in a pool owned by the link: memory is bounded by
 * the number of segments on the wire at once, never by the simulated time.
 */
#ifndef KASIM_LINK_H
#define KASIM_LINK_H

#include <stdbool.h>

#include "engine.h"
#include "packet.h"
#include "rng.h"
#include "scenario.h"

enum drop_reason {
	DROP_NONE = 0,
	DROP_UNPLUGGED,      /* a cable is pulled (which one: see the fate's host) */
	DROP_HOST_DOWN,      /* the receiver has no power */
	DROP_QDISC,          /* the sender's queueing discipline dropped it ("congest") */
	DROP_LINK_LOSS,      /* random loss on the wire (Bernoulli or Gilbert-Elliott) */
	DROP_LINK_DOWN,      /* the wire is cut ("link down") */
	DROP_PARTITION,      /* this direction has failed ("partition A->B") */
	DROP_NAT_NO_MAPPING, /* the NAT has no mapping for it (miss policy drop or rst) */
	DROP_NAT_TABLE_FULL, /* the NAT's table is full and table_full = drop */
	DROP_UNREACHABLE,    /* "unreachable X": X's end of the path rejects it (ICMP, icmp.h) */
};
/* "unplugged", "host-down", "local-qdisc", "link-loss", "link-down",
 * "partition", "nat-no-mapping", "nat-table-full", "unreachable" (JSON); NULL for DROP_NONE. */
const char *drop_reason_name(enum drop_reason r);

/* One arrival at the far end of the wire (or a NAT-local delivery). */
struct link_arrival {
	const struct segment *seg;  /* as its sender sent it */
	const struct segment *out;  /* as translated by the NAT on the way, or NULL */
	ks_time_t sent;
	enum drop_reason why;       /* DROP_LINK_DOWN / DROP_PARTITION: lost in flight */
	bool local;                 /* from the NAT to A: never crossed the wire */
	void *ctx;                  /* the owner's, given to link_init() */
};

struct link_pkt;

struct link {
	struct engine *eng;
	/* Indexed by the sender. With a [proxy], P's sockets send on the wires too
	 * (HOST_PC on A's, HOST_PS on the server leg's), each in the direction
	 * src & 1: [h] holds the configuration of direction h & 1. */
	struct link_dir dir[NSOCKS];     /* current values ("link loss P" changes loss) */
	bool reorder;
	bool down;                       /* "link down" */
	bool partitioned[NSOCKS];        /* segments sent by [h] are lost */
	bool ge_bad[NSOCKS];             /* Gilbert-Elliott state per direction */
	bool plain[NSOCKS];              /* no loss, no jitter: nothing to draw */
	ks_time_t last_arrival[NSOCKS];  /* FIFO unless reorder */
	struct rng rng;
	uint64_t sent[NSOCKS], lost[NSOCKS]; /* segments put on the wire / lost to loss */
	ev_cb arrive;                    /* the owner's: fires at each arrival */
	void *ctx;
	struct link_pkt *free_list;  /* recycled in-flight slots */
	struct link_pkt *retired;    /* the last slot delivered: freed at the next arrival */
	struct link_pkt **chunks;    /* every slot ever allocated, for link_destroy */
	size_t nchunks;
};

/* arrive: the owner's callback, run by the engine when a segment reaches the
 * far end (or a local delivery is due); it reads the arrival with
 * link_arrival() (one engine callback per arrival, no second dispatch). */
void link_init(struct link *l, struct engine *eng, const struct link_config *cfg,
	       uint64_t seed, ev_cb arrive, void *ctx);
/* Inside arrive(t): the arrival, its fate on the wire decided (a cut in
 * flight: why). Valid until the owner's callback returns. */
const struct link_arrival *link_arrival(struct ev_timer *t);
/* The same for an owner that knows no cut can have happened (the wire is
 * up and no direction partitioned): why is DROP_NONE without a look. */
const struct link_arrival *link_arrival_intact(struct ev_timer *t);
void link_destroy(struct link *l);
/*
 * Put seg (as sent; out = its translation, or NULL) on the wire now, in the
 * direction of seg->src. Returns DROP_NONE when it is on its way, else the
 * reason it was lost at once (link down, partition, loss).
 */
enum drop_reason link_send(struct link *l, const struct segment *seg, const struct segment *out);
/* Direction h neither loses nor jitters and a slot is free: on a wire known
 * to be up and unpartitioned, link_send() would draw nothing, call nothing
 * and could not fail. */
static inline bool link_plain_dir(const struct link *l, int h)
{
	return l->free_list && l->plain[h];
}
/* The same, checking the cut too: a segment sent by h now goes straight
 * onto the wire. */
static inline bool link_plain_now(const struct link *l, int h)
{
	return !l->down && !l->partitioned[h] && link_plain_dir(l, h);
}
/* link_send() when link_plain_now(l, seg->src) (or link_plain_dir() on a
 * wire known to be up and unpartitioned): nothing left to check. */
void link_send_plain(struct link *l, const struct segment *seg);
/* "link loss P": P(loss) per segment in both directions from now on. */
void link_set_loss(struct link *l, double p);
/* "link delay D [jitter J]": the one-way delay and jitter of direction h
 * (the sender; -1 = both) from now on. Segments already on the wire keep
 * their arrival time; without reorder a later one never overtakes them. */
void link_set_delay(struct link *l, int h, ks_time_t delay, ks_time_t jitter);
/* Deliver seg to its destination after 0 ns without crossing the wire (a RST
 * the NAT sends to A). Arrives after everything already due now. */
void link_send_local(struct link *l, const struct segment *seg);
/* One loss decision for direction h (advances the Gilbert-Elliott chain);
 * exposed for the statistical tests. */
bool link_lose(struct link *l, int h);

#endif
