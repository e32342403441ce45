/*
 * explain.h - --explain: every timer decision in plain words, with the
 * kernel's reasoning, for students. One sentence per firing, e.g.
 *
 *   A, t=7275.000: idle 7275 s ≥ tcp_keepidle 7200 s and probes_out 1 < tcp_keepcnt 9,
 *   so probe #2 goes out; next check in tcp_keepintvl 75 s.
 *
 * The same sentences are used by the text timeline (--explain) and the
 * "explanation" column of timeline.csv. Wording is documented in docs/outputs.md.
 */
#ifndef KASIM_EXPLAIN_H
#define KASIM_EXPLAIN_H

#include <stddef.h>

#include "output.h"

/* "7275.000": seconds with at least 3 decimals, more only when needed. */
void format_tms(char *buf, size_t n, ks_time_t t);

/* One firing of the keepalive timer of host k->host at time now. */
void explain_keepalive(char *buf, size_t n, ks_time_t now, const struct rec_keepalive *k);
/* One firing of the retransmission timer. */
void explain_rto(char *buf, size_t n, ks_time_t now, const struct rec_rto *r);
/* One RTT sample and the RTO it gives. */
void explain_rtt(char *buf, size_t n, ks_time_t now, const struct rec_rtt *r);
/* A state change. */
void explain_state(char *buf, size_t n, ks_time_t now, const struct rec_state *st);
/* A connection ended (what the application sees). */
void explain_end(char *buf, size_t n, ks_time_t now, const struct rec_end *e);

#endif
