/*
 * icmp.c - the side of the path that answers with ICMP errors: which codes,
 * the sender's rate limit, and the packet quoting the segment
 * (net/ipv4/icmp.c, net/ipv4/inetpeer.c, include/uapi/linux/icmp.h).
 *
 * Rate limit, as __icmp_send() applies it to the errors it sends:
 *   icmpv4_mask_allow(): a type outside net.ipv4.icmp_ratemask (default
 *     0x1818: destination unreachable, source quench, time exceeded,
 *     parameter problem) is never limited; frag-needed never is either;
 *   icmpv4_xrlim_allow() -> inet_peer_xrlim_allow(peer, icmp_ratelimit): one
 *     token bucket per destination, in jiffies: tokens grow by the time since
 *     the last call, capped at XRLIM_BURST_FACTOR (6) x icmp_ratelimit; an
 *     ICMP costs icmp_ratelimit (default 1000 ms). A new peer starts with
 *     rate_last = jiffies - 60 HZ, so a burst of 6 goes out, then one per
 *     icmp_ratelimit.
 * The global limit (icmp_global_allow(): net.ipv4.icmp_msgs_per_sec 1000,
 * icmp_msgs_burst 50) is not modelled: one connection's segments, at least
 * tcp_rto_min (200 ms) apart once retransmitting, never come near it.
 */
#include "icmp.h"

#include <string.h>

static const struct {
	const char *word, *name;
	uint8_t code;
	int err;
} codes[] = {
	/* icmp_err_convert[] (net/ipv4/icmp.c) */
	{ "net", "net-unreachable", ICMP_NET_UNREACH, KS_ENETUNREACH },
	{ "host", "host-unreachable", ICMP_HOST_UNREACH, KS_EHOSTUNREACH },
	{ "port", "port-unreachable", ICMP_PORT_UNREACH, 111 /* ECONNREFUSED */ },
	{ "admin", "admin-prohibited", ICMP_PKT_FILTERED, KS_EHOSTUNREACH },
};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

int icmp_code_parse(const char *word)
{
	for (size_t i = 0; i < NCODES; i++)
		if (!strcmp(codes[i].word, word))
			return codes[i].code;
	return -1;
}

const char *icmp_code_name(uint8_t code)
{
	for (size_t i = 0; i < NCODES; i++)
		if (codes[i].code == code)
			return codes[i].name;
	return "unreachable";
}

int icmp_err_convert(uint8_t code)
{
	for (size_t i = 0; i < NCODES; i++)
		if (codes[i].code == code)
			return codes[i].err;
	return KS_EHOSTUNREACH;
}

const char *icmp_decision_name(enum icmp_decision d)
{
	static const char *const names[] = {
		[ICMPD_SENT] = "sent", [ICMPD_RATELIMITED] = "rate-limited",
		[ICMPD_NOSOCK] = "no-socket", [ICMPD_OUT_OF_WINDOW] = "out-of-window",
		[ICMPD_SOFT] = "soft-error", [ICMPD_REVERT] = "rto-reverted",
		[ICMPD_HARD] = "hard-error", [ICMPD_REQ_DROP] = "request-dropped",
		[ICMPD_REQ_IGNORED] = "request-kept", [ICMPD_STACK_IGNORES] = "ignored-by-stack",
	};
	return names[d];
}

void icmp_path_init(struct icmp_path *p)
{
	memset(p, 0, sizeof(*p));
	for (int h = 0; h < NHOSTS; h++)
		p->code[h] = -1;
}

/* icmpv4_mask_allow(): true when the type is never rate limited. */
static bool icmpv4_mask_allow(uint32_t ratemask, uint8_t type)
{
	return type > 18 /* NR_ICMP_TYPES */ || !((1u << type) & ratemask);
}

/* inet_peer_xrlim_allow(): the token bucket, in the clock's units. */
static bool inet_peer_xrlim_allow(struct icmp_peer *peer, const struct timer_model *tm,
				  tcp_stamp_t now, tcp_stamp_t timeout)
{
	if (!peer->used) {
		/* inet_getpeer(): rate_tokens = 0, rate_last = jiffies - 60 HZ */
		peer->used = true;
		peer->rate_tokens = 0;
		peer->rate_last = now - tm_secs(tm, 60);
	}
	uint64_t token = peer->rate_tokens + tm_elapsed(tm, now, peer->rate_last);
	bool rc = false;
	peer->rate_last = now;
	if (token > XRLIM_BURST_FACTOR * timeout)
		token = XRLIM_BURST_FACTOR * timeout; /* at most a burst of 6 */
	if (token >= timeout) {
		token -= timeout; /* this ICMP's cost */
		rc = true;
	}
	peer->rate_tokens = token;
	return rc;
}

bool icmp_xrlim_allow(struct icmp_peer *peer, const struct ep_config *cfg, const struct timer_model *tm,
		      ks_time_t now, uint8_t type, uint8_t code, struct rec_icmp *r)
{
	(void)code; /* ICMP_FRAG_NEEDED, the one code always allowed, is not modelled */
	r->type = type;
	r->code = code;
	r->ratelimit_ms = cfg->icmp_ratelimit;
	r->ratemask = cfg->icmp_ratemask;
	r->limited = !icmpv4_mask_allow(cfg->icmp_ratemask, type);
	if (!r->limited) {
		r->decision = ICMPD_SENT;
		return true;
	}
	/* sysctl_icmp_ratelimit is kept in jiffies (proc_dointvec_ms_jiffies) */
	tcp_stamp_t timeout = tm_msecs(tm, cfg->icmp_ratelimit);
	bool ok = inet_peer_xrlim_allow(peer, tm, tm_stamp(tm, now), timeout);
	r->tokens = tm_to_ns(tm, peer->rate_tokens);
	r->decision = ok ? ICMPD_SENT : ICMPD_RATELIMITED;
	return ok;
}

void icmp_build(struct segment *icmp, const struct segment *in, uint32_t from, uint8_t type, uint8_t code)
{
	*icmp = *in; /* the quoted header */
	icmp->saddr = from;
	icmp->daddr = in->saddr;
	icmp->icmp_qdaddr = in->daddr;
	icmp->src = in->dst;
	icmp->dst = in->src;
	icmp->kind = SEG_ICMP;
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	icmp->nth = (uint32_t)in->id; /* the quoted datagram's identification */
	icmp->id = 0;
}
