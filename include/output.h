/*
 * output.h - the sinks that turn a simulation's record stream (trace.h) into
 * text or JSON while the simulation runs, and the wording they share.
 *
 * Data flows one way: the model reports each decision through its host's
 * interface (struct tcp_env), sim.c stamps the time and hands the record to
 * every sink. A record carries everything a sink prints, so:
 *   - record() reads only the record (and the scenario, sim->sc, for
 *     headers); it never reads the model (hosts, sockets, NAT, link) during a
 *     run;
 *   - finish() may read the final state through the read-only struct sim.
 * Records are valid only during the call.
 */
#ifndef KASIM_OUTPUT_H
#define KASIM_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "link.h"
#include "nat.h"
#include "packet.h"
#include "scenario.h"
#include "tcp.h"
#include "trace.h"

struct sim;

struct sink {
	void (*record)(struct sink *s, const struct sim *sim, const struct ks_record *r);
	void (*finish)(struct sink *s, const struct sim *sim);
	void (*destroy)(struct sink *s);
};

struct output_opts {
	bool explain;   /* narrate every timer firing (text) */
	bool color;     /* ANSI colours in the text timeline (decided by cli.c) */
	bool run_info;  /* JSON: add "config" (the effective scenario) for run.json */
};

/* tcpdump-style timeline and a closing summary in words. */
struct sink *text_sink_new(FILE *out, const struct output_opts *o);
/* One JSON document. */
struct sink *json_sink_new(FILE *out, const struct output_opts *o);

/* One sentence, no newline, saying when and why endpoint h ended (end = its
 * REC_END, or NULL if it never ended), e.g. "A aborted with ETIMEDOUT at
 * 7875 s (keepalive): ...". */
void summary_sentence(char *buf, size_t n, const struct sim *sim, int h, const struct rec_end *end);
/* The annotation of a packet line: "keepalive probe #1", "retransmission #2"... */
void packet_note(char *buf, size_t n, const struct segment *seg);
/* "unplugged" drop text for people: "B unplugged", "B powered off", "lost on
 * the wire"... (host is ignored, may be -1, for the path's reasons) */
void drop_text(char *buf, size_t n, enum drop_reason r, int host);
/* The largest delay + jitter of the scenario's link, its "link delay"
 * events included: how late a packet's record can come after its send time (the text and capture sinks write in
 * time order by holding records that long). */
ks_time_t record_lag_bound(const struct scenario *sc);
/* The name of the rule a retransmission timer's record applied:
 * tcp_retries2, tcp_syn_retries, tcp_synack_retries or TCP_USER_TIMEOUT. */
const char *rto_rule(const struct rec_rto *r);
/* "probe", "abort", ... as used in JSON. */
const char *ka_decision_name(enum ka_decision d);
const char *end_name(enum tcp_end e);
const char *action_name(enum action a);
/* One NAT decision in words, no time, no newline: "NAT: mapping 192.0.2.10:40000
 * <-> 203.0.113.1:40000 expired (idle 350 s >= established_timeout 350 s)". */
void nat_text(char *buf, size_t n, const struct rec_nat *r);
/* One ICMP decision in words, no time, no newline: the path's answer (and
 * its rate limit) or what tcp_v4_err() made of it. */
void icmp_text(char *buf, size_t n, const struct rec_icmp *r);
/* One heartbeat decision in words, no time, no newline: "A gRPC keepalive:
 * PING #1 (17 bytes), PING ACK due within 20 s". */
void hb_text(char *buf, size_t n, const struct rec_heartbeat *r);
/* The summary of a give-up at time t: "A's gRPC keepalive: no PING ACK
 * within 20 s, transport closed at 3020 s (...)". */
void hb_summary(char *buf, size_t n, ks_time_t t, const struct rec_heartbeat *r);
/* "ping", "miss", "give-up", as used in JSON and CSV. */
const char *hb_decision_name(enum hb_decision d);
/* The timer model host h runs on, for people: "linux HZ 250", "lwip 500 ms"
 * (its slow timer), "exact". */
void timer_text(char *buf, size_t n, const struct scenario *sc, int h);
/* One proxy decision in words, no time, no newline (sim/output_proxy.c):
 * "P idle timer: no payload for idle_timeout 100 s since 0.020 s ...". */
void proxy_text(char *buf, size_t n, const struct rec_proxy *r);
/* The proxy's line of the summary: what it relayed and whether (when, why)
 * it closed the connection (finish(): reads the final state). */
void proxy_summary(char *buf, size_t n, const struct sim *sim);
/* "decision" names of the proxy's records, as used in JSON: "accept",
 * "idle-timeout", "max-duration", "pass-fin", "pass-end". */
const char *proxy_decision_name(enum proxy_decision d);
/* The summary's order of the sockets: A, then P's client and server legs, then B. */
extern const int summary_order[NSOCKS];
/* "7200.000000": seconds with 6 decimals (truncated to µs, as tcpdump). */
void format_ts(char *buf, size_t n, ks_time_t t);
/* "7200.000000000": seconds with 9 decimals, exact. */
void format_ts9(char *buf, size_t n, ks_time_t t);

#endif
