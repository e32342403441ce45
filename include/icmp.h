/*
 * icmp.h - ICMP destination-unreachable errors on the path: who answers
 * ("unreachable B host": B's end of the path answers every segment for B),
 * the sender's rate limit (net/ipv4/icmp.c: icmpv4_mask_allow(),
 * icmpv4_xrlim_allow(); net/ipv4/inetpeer.c: inet_peer_xrlim_allow()), the
 * ICMP packet quoting the segment, and the records of what the answering side
 * and the receiving TCP (tcp_v4_err(), tcp.h) decided.
 *
 * The ICMP travels as a struct segment of kind SEG_ICMP (packet.h): the
 * quoted segment's header in the TCP fields, the ICMP's type and code, its
 * own addresses in saddr/daddr.
 */
#ifndef KASIM_ICMP_H
#define KASIM_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "packet.h"
#include "scenario.h"
#include "timer.h"

/* include/uapi/linux/icmp.h */
enum { ICMP_DEST_UNREACH = 3 };
enum {
	ICMP_NET_UNREACH = 0,
	ICMP_HOST_UNREACH = 1,
	ICMP_PORT_UNREACH = 3,
	ICMP_PKT_FILTERED = 13, /* "administratively prohibited" */
};
#define ICMP_RATELIMIT_DEFAULT 1000u  /* net.ipv4.icmp_ratelimit, ms */
#define ICMP_RATEMASK_DEFAULT 0x1818u /* net.ipv4.icmp_ratemask: types 3, 4, 11, 12 */
#define XRLIM_BURST_FACTOR 6u         /* net/ipv4/inetpeer.c */

/* errno values of icmp_err_convert[] (Linux numbers). */
enum { KS_ENETUNREACH = 101, KS_EHOSTUNREACH = 113 };

/* The per-destination token bucket (struct inet_peer's rate_tokens and
 * rate_last), in the answering side's clock units (jiffies under
 * timer = linux, ns otherwise). */
struct icmp_peer {
	bool used;               /* inet_getpeer() created it */
	uint64_t rate_tokens;
	tcp_stamp_t rate_last;
};

/* The answering sides: [h] answers every segment for h while code[h] >= 0. */
struct icmp_path {
	int code[NHOSTS];        /* ICMP_*_UNREACH code, -1 = off */
	struct icmp_peer peer[NHOSTS]; /* [h]: the bucket of h's side (its one destination) */
};

/* What one decision was (records, REC_ICMP). */
enum icmp_decision {
	ICMPD_SENT,          /* the path answered with an ICMP error */
	ICMPD_RATELIMITED,   /* inet_peer_xrlim_allow() said no: no ICMP */
	ICMPD_NOSOCK,        /* tcp_v4_err(): no socket for the quoted segment */
	ICMPD_OUT_OF_WINDOW, /* tcp_v4_err(): seq not between snd_una and snd_nxt */
	ICMPD_SOFT,          /* sk_err_soft = err: reported only if the connection times out */
	ICMPD_REVERT,        /* sk_err_soft = err, and tcp_ld_RTO_revert() undid one backoff */
	ICMPD_HARD,          /* SYN_SENT: tcp_done_with_error(): connect() fails */
	ICMPD_REQ_DROP,      /* SYN_RECV: tcp_req_err() drops the request silently */
	ICMPD_REQ_IGNORED,   /* SYN_RECV: tcp_req_err(): this code does not abort */
	ICMPD_STACK_IGNORES, /* os = lwip: icmp_input() answers echo requests only */
};

struct rec_icmp {
	int host;                /* who decided: the answering side's host (path), or the TCP */
	enum icmp_decision decision;
	uint8_t type, code;
	uint32_t seq;            /* the quoted segment's seq */
	/* ICMPD_SENT / ICMPD_RATELIMITED */
	uint32_t ratelimit_ms;   /* net.ipv4.icmp_ratelimit */
	uint32_t ratemask;       /* net.ipv4.icmp_ratemask */
	bool limited;            /* the type is in the mask: the bucket applies */
	ks_time_t tokens;        /* the bucket after the decision (ns) */
	/* tcp_v4_err() */
	uint32_t snd_una, snd_nxt;
	int err;                 /* the errno icmp_err_convert[] gives */
	uint32_t backoff;        /* ICMPD_REVERT: icsk_backoff after the revert */
	ks_time_t rto;           /* ICMPD_REVERT: icsk_rto after it (ns) */
	ks_time_t remaining;     /* ICMPD_REVERT: the retransmission timer's new delay (ns, 0 = now) */
};

/* "host", "net", "port", "admin" -> code; -1 when unknown. */
int icmp_code_parse(const char *word);
/* "host-unreachable", "admin-prohibited", ... (nft's names). */
const char *icmp_code_name(uint8_t code);
/* icmp_err_convert[code].errno for the codes modelled. */
int icmp_err_convert(uint8_t code);
const char *icmp_decision_name(enum icmp_decision d);

void icmp_path_init(struct icmp_path *p);
/*
 * The answering side of host `side` decides whether to send an ICMP of
 * (type, code) now (icmpv4_mask_allow(), then inet_peer_xrlim_allow() with
 * XRLIM_BURST_FACTOR; a new peer starts with rate_last = jiffies - 60 HZ).
 * cfg: the sysctls of that side; tm: the clock it counts in. Fills the rate
 * fields of *r and returns whether the ICMP goes out.
 */
bool icmp_xrlim_allow(struct icmp_peer *peer, const struct ep_config *cfg, const struct timer_model *tm,
		      ks_time_t now, uint8_t type, uint8_t code, struct rec_icmp *r);
/* The ICMP error answering `in` at in's destination's end, from `from`. */
void icmp_build(struct segment *icmp, const struct segment *in, uint32_t from, uint8_t type, uint8_t code);

#endif
