/*
 * rare.h - the false-abort probability of TCP keepalive on a lossy path,
 * computed exactly instead of sampled (docs/sweeps.md, "Rare events").
 *
 * On an idle, healthy connection one host probes (Linux's
 * tcp_keepalive_timer()); an episode starts keepidle after the host last heard
 * from its peer and ends at the first probe that is answered, or with the
 * abort after M unanswered probes (M = tcp_keepcnt, or with TCP_USER_TIMEOUT
 * U the probes sent before keepidle + k keepintvl >= U). A probe is answered
 * when it and the peer's ACK both cross the wire. The wire's loss is per
 * direction, Bernoulli or Gilbert-Elliott (link.h: the loss draw uses the
 * direction's state, then its chain moves, one step per segment), so the
 * episodes form a Markov chain over the two directions' states; the
 * per-episode abort probability in the long run is its quasi-stationary
 * hazard. With Bernoulli loss p in both directions it is q^M, q = 1 - (1-p)^2.
 * Plain Monte Carlo cannot resolve 10^-7 with any affordable number of runs.
 */
#ifndef KASIM_RARE_H
#define KASIM_RARE_H

#include <stdbool.h>

#include "scenario.h"

/* A direction's loss model (struct link_dir's loss part). */
struct rare_dir {
	double loss;     /* P(loss) in the good state */
	double ge_p;     /* P(good -> bad) per segment, 0 = Bernoulli */
	double ge_r;     /* P(bad -> good) per segment */
	double ge_loss;  /* P(loss) in the bad state */
};

struct rare_chain {
	struct rare_dir probe, reply;  /* the prober's direction and its peer's */
	unsigned probes;               /* M: unanswered probes before the abort */
	double idle_s, intvl_s, rtt_s; /* for the length of an episode */
};

struct false_abort {
	double per_episode;  /* P(an episode ends in the abort), long run */
	double mean_cycle_s; /* mean time from one answer to the next */
	double per_day;      /* 1 - (1 - per_episode)^(86400 / mean_cycle_s) */
	double per_year;     /* the same over 365 days */
};

/* The exact computation for a chain. */
void rare_false_abort(const struct rare_chain *c, struct false_abort *out);

/* Host h's chain in sc, when the model allows the exact computation: h runs
 * Linux's keepalive with SO_KEEPALIVE on, its peer does not probe, the
 * scenario has no [events] and no jitter, and an answer comes back within
 * keepintvl. Else false and *why says what is missing. */
bool rare_chain_of(const struct scenario *sc, int h, struct rare_chain *c, const char **why);

#endif
