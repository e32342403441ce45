/*
 * trace.h - the records the model reports while it runs: one per packet
 * fate, timer decision, scenario event, state change, connection end and
 * NAT decision. The model (tcp.c, keepalive.c, retransmit.c) fills them and
 * hands them to its host's interface (struct tcp_env, tcp.h); sim.c adds the
 * time and passes them to the sinks (output.h). A record carries everything
 * a sink prints: the rule applied, the host's keepalive algorithm and timer
 * model, times already converted to ns with the host's own timer model.
 */
#ifndef KASIM_TRACE_H
#define KASIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "icmp.h"
#include "link.h"
#include "nat.h"
#include "packet.h"
#include "profile.h"
#include "proxy.h"
#include "scenario.h"
#include "tcp.h"
#include "timer.h"

enum ks_rec_type {
	REC_PACKET,     /* a segment's fate is known */
	REC_KEEPALIVE,  /* one firing of tcp_keepalive_timer */
	REC_RTO,        /* one firing of the retransmission timer */
	REC_ACTION,     /* a scenario event was applied */
	REC_END,        /* a connection ended (error or orderly) */
	REC_STATE,      /* a TCP state change */
	REC_NAT,        /* a NAT decision about the simulated connection's mapping */
	REC_ICMP,       /* an ICMP error: the path's answer, or what the TCP made of it */
	REC_HEARTBEAT,  /* an application heartbeat's decision (heartbeat.h) */
	REC_RTT,        /* a valid RTT sample and the estimator's state after it */
	REC_PROXY,      /* a terminating proxy's decision (proxy.h) */
};

/*
 * seg is the segment as its sender sent it: A's segments with A's own (inside)
 * address and port, B's with the NAT's external ones. seg_out is the same
 * segment on the other side of the NAT (A's translated to the outside, B's to
 * the inside), or NULL when there is no NAT or the NAT did not translate it.
 * A RST the NAT sends has kind SEG_RST_NAT, src = the end it appears to come
 * from (HOST_B toward A, HOST_A toward B) and the tuple of the side it is
 * sent on; its seg_out is NULL.
 *
 * seg_mid is set only with both a [nat] and an [lb]: the segment as it
 * crossed the wire between them (as the first box translated it; a box's RST
 * to the far side as the box sent it). It is NULL when the segment never got
 * there (the first box dropped it, the sender's qdisc or cable, a box's RST to
 * its own side, an ICMP error). Then seg_out is the segment past both boxes,
 * or seg_mid itself (the same pointer) when it was lost before the second box
 * (on the wire, or refused at its far end): it never came out of that box.
 */
/* rec_packet.reason_host of a segment the [lb] box dropped. */
#define FATE_AT_LB (-2)

struct rec_packet {
	const struct segment *seg;
	const struct segment *seg_out;
	const struct segment *seg_mid; /* between the [nat] and the [lb] (above) */
	ks_time_t sent;          /* when it left the sender (or the NAT) */
	ks_time_t fate_time;     /* arrival, or where it was dropped */
	enum drop_reason reason; /* DROP_NONE = delivered */
	int reason_host;         /* the host whose cable/power/qdisc dropped it; -1 = the path
	                          * (the wire, the NAT); FATE_AT_LB: the LB */
};

/* What one keepalive-timer firing decided; the comments name the kernel branch. */
enum ka_decision {
	KA_OFF,       /* !SOCK_KEEPOPEN or CLOSE/SYN_SENT: timer stops */
	KA_BUSY,      /* packets_out or unsent data: re-arm keepalive_time */
	KA_IDLE,      /* elapsed < keepalive_time: re-arm keepalive_time - elapsed */
	KA_PROBE,     /* probe sent, probes_out++, re-arm keepalive_intvl */
	KA_RESOURCE,  /* local transmit refused: re-arm TCP_RESOURCE_PROBE_INTERVAL */
	KA_ABORT,     /* probes_out >= keepalive_probes: RST + ETIMEDOUT */
	KA_ABORT_UT,  /* elapsed >= user_timeout && probes_out > 0: RST + ETIMEDOUT */
	KA_ABORT_IDLE,/* BSD / lwIP: idle >= keepidle + keepcnt * keepintvl: abort */
};

struct rec_keepalive {
	int host;
	int peer;                /* the host at the other end of its connection (sk->hdr.dst) */
	enum ka_decision decision;
	ks_time_t elapsed;       /* ns since the last refresh of the idle clock */
	uint32_t probes_out;     /* before the decision */
	ks_time_t time, intvl;   /* effective keepalive_time / _intvl (ns) */
	uint32_t probes;         /* effective keepalive_probes */
	uint32_t user_timeout;   /* ms */
	ks_time_t next;          /* delay of the re-arm (ns); NEVER = not re-armed */
	uint32_t probe_no;       /* KA_PROBE: which probe this is (1-based) */
	uint32_t packets_out;
	bool unsent;
	ks_time_t nominal;       /* when the timer was asked to fire */
	ks_time_t actual;        /* when it fired (the record's time) */
	enum ka_algo algo;       /* the host's keepalive rule (its os profile) */
	enum tm_kind clock;      /* the host's timer model: the unit the stack counted
				  * in (ns, jiffies, slow ticks); the times above are
				  * converted to ns with that model */
};

enum rto_decision { RTO_RETRANSMIT, RTO_ABORT, RTO_PROBE /* tail loss probe */ };

struct rec_rto {
	int host;
	enum rto_decision decision;
	bool syn;                /* SYN_SENT / SYN_RECV: tcp_syn_retries rule */
	bool synack;             /* SYN_RECV: the SYN-ACK's, tcp_synack_retries */
	bool orphan;             /* SOCK_DEAD: the tcp_orphan_retries rule */
	uint32_t retransmits;    /* icsk_retransmits after this firing */
	ks_time_t since;         /* now - retrans_stamp (0 before the first) */
	ks_time_t limit;         /* the retransmits_timed_out() limit */
	ks_time_t next;          /* RTO of the re-arm */
	uint32_t boundary;       /* tcp_retries2 / tcp_syn_retries / tcp_synack_retries */
	uint32_t user_timeout;   /* ms */
	ks_time_t nominal;       /* when the timer was asked to fire */
	ks_time_t actual;        /* when it fired */
	enum tm_kind clock;      /* the host's timer model (see rec_keepalive) */
	enum ka_algo algo;       /* KA_ALGO_LWIP: lwIP's rule (retransmits = nrtx,
				  * boundary = TCP_MAXRTX or TCP_SYNMAXRTX, next = rto) */
	int err_soft;            /* sk_err_soft (an ICMP error), 0 = none: tcp_write_err()
				  * reports it at an abort instead of ETIMEDOUT */
};

/* Emitted before the event is applied (result NULL), and once more after it
 * when there is something to say (result set, e.g. "fails with EPIPE"). */
struct rec_action {
	const struct sc_event *ev;
	const char *result;
};

struct rec_end {
	int host;
	enum tcp_end why;
	int error;               /* errno reported, 0 = none */
	enum tcp_state from;     /* state before the end */
	ks_time_t last_rx;       /* ns: last refresh of the idle clock */
	ks_time_t elapsed;       /* ns: keepalive elapsed at the abort */
	uint32_t probes_out;
	ks_time_t time, intvl;   /* keepalive_time/_intvl (ns) */
	uint32_t probes, user_timeout;
	bool orphan;             /* END_RTO of an orphan (SOCK_DEAD): tcp_orphan_retries */
	uint32_t retransmits;
	ks_time_t retrans_stamp;
	ks_time_t limit;
	uint32_t boundary;
	uint8_t rst_flags;       /* END_RESET: flags of the RST */
	uint8_t rst_kind;        /* END_RESET: enum seg_kind of the RST (who sent it, why) */
	enum ka_algo algo;       /* the host's rules (KA_ALGO_LWIP: retransmits = nrtx,
				  * boundary = TCP_MAXRTX or TCP_SYNMAXRTX) */
};

/* One valid RTT sample (tcp_ack_update_rtt() -> tcp_rtt_estimator() ->
 * tcp_set_rto()), everything in ns. srtt and rttvar are what TCP_INFO calls
 * tcpi_rtt (srtt_us >> 3) and tcpi_rttvar (mdev_us >> 2): RFC 6298's SRTT
 * and RTTVAR. rttvar_term is what the RTO adds to srtt: Linux's rttvar_us
 * (max(mdev_max, rto_min), decaying per RTT period), RFC 6298's
 * max(G, 4 RTTVAR). rto is icsk_rto after the sample (tcpi_rto). */
struct rec_rtt {
	int host;
	ks_time_t sample, srtt, rttvar, rttvar_term, rto;
	bool rfc6298;            /* the host's profile uses RFC 6298, not tcp_rtt_estimator() */
	enum tm_kind clock;      /* the host's timer model (rto is in its units, converted) */
};

struct rec_state {
	int host;
	enum tcp_state from, to;
};

/* What an application's heartbeat did (sim/heartbeat.c). */
enum hb_decision {
	HBD_PING,     /* the interval passed: a ping was written */
	HBD_MISS,     /* a ping's timeout passed without its reply */
	HBD_GIVEUP,   /* misses reached the count: the application closes or aborts */
};

struct rec_heartbeat {
	int host;
	enum hb_decision decision;
	const struct hb_words *words; /* the protocol's names ("gRPC keepalive", "PING ACK") */
	uint32_t no;             /* the ping concerned, 1-based */
	uint32_t misses, count;  /* consecutive missed replies (after this decision), the limit */
	uint64_t size;           /* bytes of a ping */
	ks_time_t interval, timeout; /* effective (a timeout of 0 is the interval) */
	ks_time_t sent;          /* when ping no was written */
	ks_time_t last_alive;    /* the peer's last sign of life (a reply, or data when any
				  * data counts), or when the connection was established */
	bool idle_only;
	bool no_reply;           /* reply_size 0: any data from the peer is the answer (AMQP) */
	int action;              /* enum hb_action */
};

struct ks_record {
	enum ks_rec_type type;
	ks_time_t t;             /* engine time of the record */
	union {
		struct rec_packet pkt;
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

#endif
