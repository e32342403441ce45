/*
 * ka_late.h - what the sinks add to the keepalive records for people who
 * compare timer models (issue #13.4), computed from the record stream alone:
 *
 *  - each firing's lateness against the exact-timer schedule: under
 *    timer = linux the sum of (actual - nominal) along the chain of re-arms
 *    from the timer's own callback with nothing received in between; a
 *    firing after a segment was received (or after an outside re-arm) is
 *    late by actual - max(nominal, last segment + keepidle + probes_out x
 *    keepintvl), and one that finds the connection not idle long enough
 *    re-arms from the idle clock, which starts a new sum;
 *    under timer = lwip the firing time minus last segment received +
 *    keepidle + probes_out x keepintvl (the slow timer runs on every tick,
 *    the quantisation is the lateness); 0 under timer = exact;
 *  - the probe period on a live connection: the time between the first
 *    probes of consecutive keepalive cycles, and the round trip of their
 *    answers.
 */
#ifndef KASIM_KA_LATE_H
#define KASIM_KA_LATE_H

#include <stdbool.h>
#include <stddef.h>

#include "trace.h"

struct ka_late {
	ks_time_t last_rx[NSOCKS];     /* when the last segment was delivered to the host */
	ks_time_t prev_actual[NSOCKS], prev_next[NSOCKS];
	ks_time_t late[NSOCKS];        /* along the current chain of re-arms */
	bool chained[NSOCKS];
	/* the probe period */
	ks_time_t cycle[NSOCKS];       /* when the last probe #1 left, 0 = none yet */
	bool by_answer[NSOCKS];        /* the last segment delivered was a probe's answer:
					* the next cycle's gap is a probe period */
	ks_time_t pmin[NSOCKS], pmax[NSOCKS];
	ks_time_t rtt[NSOCKS];         /* probe -> answer, the last answered */
	ks_time_t probe_at[NSOCKS];    /* when the last probe left */
	ks_time_t keepidle[NSOCKS], keepintvl[NSOCKS];
	unsigned nperiods[NSOCKS], answers[NSOCKS];
};

/* Feed every record (zero the struct first). */
void ka_late_record(struct ka_late *kl, const struct ks_record *r);
/* The lateness of the keepalive firing k (after ka_late_record() of it). */
static inline ks_time_t ka_late_of(const struct ka_late *kl, const struct rec_keepalive *k)
{
	return kl->late[k->host];
}
/* "A probes every 60.05 s on this live connection (keepidle 60 s + RTT 0.05 s:
 * ...), not every tcp_keepintvl 10 s" ("probed ... while the connection was
 * live" once it ended), or "" when host h had no two answered cycles. */
void ka_period_sentence(char *buf, size_t n, const struct ka_late *kl, int h, bool ended);

#endif
