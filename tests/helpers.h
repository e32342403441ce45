/*
 * helpers.h - the tests' one recorder: a sink that copies every record of a
 * run into a growing array (no cap: a test that wants a bound asserts it), a
 * "run this INI text / this shipped scenario" helper, and queries over the
 * recorded stream. The binary runner and the file helpers are binrun.h's.
 *
 * Records are copied (a REC_PACKET's segment included), so they stay valid
 * after the callback; REC_ACTION keeps its pointer into the scenario, which
 * struct run keeps alive until run_free().
 */
#ifndef KASIM_TEST_HELPERS_H
#define KASIM_TEST_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binrun.h"
#include "engine.h"
#include "output.h"
#include "scenario.h"
#include "sim.h"
#include "tcp.h"

#define SEC KS_SEC
#define MS KS_MS
#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Any host / any kind / any decision, for the queries below. */
#define ANY (-1)

/* A REC_PACKET, copied (seg_out too, when the NAT translated it). */
struct pkt {
	struct segment seg;
	bool has_out;
	struct segment seg_out;
	bool has_mid, mid_is_out;  /* seg_mid, and seg_out == seg_mid (trace.h) */
	struct segment seg_mid;
	ks_time_t sent, fate_time;
	enum drop_reason reason;
	int reason_host;
};

/* One recorded record; t is the engine time at emission. */
struct rec {
	enum ks_rec_type type;
	ks_time_t t;
	union {
		struct pkt pkt;
		struct rec_keepalive ka;
		struct rec_rto rto;
		struct rec_action act;
		struct rec_end end;
		struct rec_state st;
		struct rec_nat nat;
		struct rec_icmp icmp;
		struct rec_heartbeat hb;
		struct rec_rtt rtt;
		struct rec_proxy px;
	} u;
};

/* The collecting sink. */
struct collector {
	struct sink base;
	struct rec *recs;
	size_t n, cap;
	bool finished;
};

void collector_init(struct collector *c);
void collector_free(struct collector *c);

/* A finished run: the scenario, the simulation (kept whole for inspection
 * until run_free()) and everything it emitted. */
struct run {
	struct scenario *sc;
	struct sim *sim;
	struct collector col;
};

/* Parse ini_text (with --set style overrides), run it to its duration with the
 * collector attached. Fails the test (with the parser's messages) when the
 * text is rejected. A text that names no timer model (no "timer =" line and no
 * scenario.timer set) runs on timer = exact: the values the unit tests derive
 * are the textbook formulas, to the nanosecond. Tests of the default model
 * (timer = auto) name it. */
void run_ini(const char *ini_text, const char *const *sets, size_t nsets, struct run *out);
/* The same for $KASIM_ROOT/scenarios/name (the same timer rule: a shipped
 * scenario that names no model runs on timer = exact here, on auto in kasim). */
void run_file(const char *name, const char *const *sets, size_t nsets, struct run *out);
void run_free(struct run *r);

/* Parse a scenario text ("t.ini"); fails the test with the first message
 * when it is rejected. scenario_free() it. (Errors: sim_capture.h's
 * cap_expect_error().) */
struct scenario *scenario_text_ok(const char *text);

/* Convenience: the endpoint's socket after the run. */
const struct tcp_sock *run_sk(const struct run *r, int host);

/* ---- queries (n is 1-based; NULL / 0 when not found) ---------------------- */

/* Packets sent by src (ANY) of kind (ANY). */
size_t run_count_pkts(const struct run *r, int src, int kind);
const struct pkt *run_nth_pkt(const struct run *r, int src, int kind, size_t n);
/* Packets sent by src (ANY) whose flags & mask == want. */
size_t run_count_flags(const struct run *r, int src, uint8_t mask, uint8_t want);
const struct pkt *run_nth_flags(const struct run *r, int src, uint8_t mask, uint8_t want, size_t n);
/* Packets sent by src (ANY) at or after time t. */
size_t run_count_pkts_from(const struct run *r, int src, ks_time_t t);
/* The n-th keepalive probe sent by host (including those refused by the qdisc). */
const struct pkt *run_probe(const struct run *r, int host, size_t n);
/* The n-th keepalive probe of host that left the host (not refused by its qdisc). */
const struct pkt *run_probe_sent(const struct run *r, int host, size_t n);
size_t run_count_probes_sent(const struct run *r, int host);

/* Keepalive-timer firings of host (ANY) with decision (ANY). */
size_t run_count_ka(const struct run *r, int host, int decision);
const struct rec *run_nth_ka(const struct run *r, int host, int decision, size_t n);
/* Retransmission-timer firings. */
size_t run_count_rto(const struct run *r, int host, int decision);
const struct rec *run_nth_rto(const struct run *r, int host, int decision, size_t n);
/* The REC_END of host, or NULL. */
const struct rec *run_end(const struct rec *recs, size_t n, int host);
const struct rec *run_end_of(const struct run *r, int host);
/* The REC_END of host; fails the test when host never ended. */
const struct rec_end *run_end_must(const struct run *r, int host);
/* When host ended, or KS_TIME_NEVER. */
ks_time_t run_end_time(const struct run *r, int host);
/* ICMP decisions (REC_ICMP) of host (ANY) with decision (ANY). */
size_t run_count_icmp(const struct run *r, int host, int decision);
const struct rec *run_nth_icmp(const struct run *r, int host, int decision, size_t n);
/* Heartbeat decisions of host (ANY) with decision (ANY). */
size_t run_count_hb(const struct run *r, int host, int decision);
const struct rec *run_nth_hb(const struct run *r, int host, int decision, size_t n);
/* State changes of host, in order. */
/* The n-th (1-based) record of type about host (REC_STATE, REC_RTT), or
 * NULL; when there is none, *count (if not NULL) says how many there are. */
const struct rec *run_nth_of(const struct run *r, enum ks_rec_type type, int host, size_t n,
			     size_t *count);
static inline size_t run_count_of(const struct run *r, enum ks_rec_type type, int host)
{
	size_t k;
	run_nth_of(r, type, host, 0, &k);
	return k;
}
/* RTT samples of host (REC_RTT), and the n-th (1-based) or NULL. */
static inline size_t run_count_rtt(const struct run *r, int host) { return run_count_of(r, REC_RTT, host); }
static inline const struct rec *run_nth_rtt(const struct run *r, int host, size_t n)
{
	return n ? run_nth_of(r, REC_RTT, host, n, NULL) : NULL;
}
static inline size_t run_count_states(const struct run *r, int host)
{
	return run_count_of(r, REC_STATE, host);
}
static inline const struct rec *run_nth_state(const struct run *r, int host, size_t n)
{
	return n ? run_nth_of(r, REC_STATE, host, n, NULL) : NULL;
}

/* One line describing a record (every field that matters), for comparisons
 * and failure messages. */
void rec_format(char *buf, size_t n, const struct rec *x);

/* printf into a malloc'd string (fails the test on error). */
char *strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For "%lluns" in scenario texts: an exact duration in nanoseconds. */
#define NS(t) ((unsigned long long)(t))

#endif
