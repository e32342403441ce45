/*
 * tcp_err.c - what a host's TCP does with an ICMP destination-unreachable
 * error about one of its segments (net/ipv4/tcp_ipv4.c: tcp_v4_err(),
 * tcp_req_err(), tcp_ld_RTO_revert(); net/ipv4/icmp.c: icmp_err_convert[]).
 *
 *   - The socket is looked up by the quoted segment's 4-tuple
 *     (__inet_lookup_established); none, or a timewait socket: ignored.
 *   - SYN_RECV (a request sock, TCP_NEW_SYN_RECV): tcp_req_err() drops the
 *     request silently for net/host unreachable about the SYN-ACK.
 *   - The quoted seq must lie in [snd_una, snd_nxt] (between()); a keepalive
 *     probe's seq is snd_una - 1, so an ICMP answering a probe is ignored and
 *     the probes run out exactly as if nothing answered (ETIMEDOUT).
 *   - Net and host unreachable allow the RFC 6069 revert: tcp_ld_RTO_revert()
 *     undoes one backoff step when the ICMP quotes the head during a
 *     retransmission episode (retransmit.c).
 *   - SYN_SENT: any of these errors ends connect() (tcp_done_with_error()).
 *   - Other profiles: lwIP's icmp_input() answers echo requests only and never
 *     tells TCP; the BSD, macOS and Windows profiles use these Linux rules
 *     (not sourced); linux-2.6 (2.6.24) predates the RFC 6069 revert.
 *   - Otherwise the error is soft: sk_err_soft (without IP_RECVERR), which the
 *     application sees only if the connection times out (tcp_write_err()); an
 *     acceptable ACK clears it (tcp_ack()).
 */
#include "tcp.h"

#include "priv/tcp_priv.h"

/* between(seq1, seq2, seq3): seq2 <= seq1 <= seq3, mod 2^32 (include/net/tcp.h). */
static bool between(uint32_t seq1, uint32_t seq2, uint32_t seq3)
{
	return seq3 - seq2 >= seq1 - seq2;
}

/* __inet_lookup_established() for the quoted segment: it left this socket. */
static bool quoted_matches(const struct tcp_sock *sk, const struct segment *icmp)
{
	return sk->state != TCP_CLOSE && icmp->daddr == sk->saddr && icmp->sport == sk->sport &&
	       icmp->icmp_qdaddr == sk->daddr && icmp->dport == sk->dport;
}

static void report(const struct tcp_sock *sk, struct rec_icmp *r, enum icmp_decision d)
{
	r->decision = d;
	if (tcp_tracing(sk)) {
		struct ks_record rec = {.type = REC_ICMP, .u.icmp = *r};
		tcp_trace(sk, &rec);
	}
}

/* tcp_req_err(): an ICMP about the SYN-ACK of a request in SYN_RECV. */
static void tcp_req_err(struct tcp_sock *sk, struct rec_icmp *r)
{
	bool abort = r->code == ICMP_NET_UNREACH || r->code == ICMP_HOST_UNREACH;
	if (r->seq != sk->iss) {
		report(sk, r, ICMPD_OUT_OF_WINDOW); /* LINUX_MIB_OUTOFWINDOWICMPS */
	} else if (abort) {
		report(sk, r, ICMPD_REQ_DROP);      /* "Still in SYN_RECV, just remove it silently." */
		tcp_done(sk, 0, END_ICMP);
	} else {
		report(sk, r, ICMPD_REQ_IGNORED);
	}
}

void tcp_v4_err(struct host *h, const struct segment *icmp)
{
	struct tcp_sock *sk = &h->sk;
	struct rec_icmp r = {.host = h->id, .type = icmp->icmp_type, .code = icmp->icmp_code,
			     .seq = icmp->seq, .err = icmp_err_convert(icmp->icmp_code)};

	if (h->prof->algo == KA_ALGO_LWIP) {
		report(sk, &r, ICMPD_STACK_IGNORES); /* icmp_input(): echo only */
		return;
	}
	if (!quoted_matches(sk, icmp) || sk->state == TCP_TIME_WAIT) {
		report(sk, &r, ICMPD_NOSOCK); /* no socket, or a timewait one: ignored */
		return;
	}
	r.snd_una = sk->snd_una;
	r.snd_nxt = sk->snd_nxt;
	if (sk->state == TCP_SYN_RECV) {
		tcp_req_err(sk, &r);
		return;
	}
	/* the window check: between(seq, snd_una, snd_nxt) */
	if (!between(icmp->seq, sk->snd_una, sk->snd_nxt)) {
		report(sk, &r, ICMPD_OUT_OF_WINDOW); /* LINUX_MIB_OUTOFWINDOWICMPS */
		return;
	}
	/* ICMP_DEST_UNREACH: net and host unreachable may revert the backoff
	 * (RFC 6069, Linux >= 2.6.32: not the linux-2.6 profile's 2.6.24) */
	int revert = 0;
	if ((r.code == ICMP_NET_UNREACH || r.code == ICMP_HOST_UNREACH) && h->prof->algo == KA_ALGO_LINUX)
		revert = tcp_ld_RTO_revert(sk, icmp->seq, &r);
	if (sk->state == TCP_SYN_SENT) {
		/* tcp_done_with_error(): connect() fails with the error */
		report(sk, &r, ICMPD_HARD);
		tcp_done(sk, r.err, END_ICMP);
		return;
	}
	/* without IP_RECVERR: "Only an error on timeout" (sk_err_soft) */
	report(sk, &r, revert ? ICMPD_REVERT : ICMPD_SOFT);
	if (revert == 2)
		tcp_retransmit_now(sk); /* tcp_ld_RTO_revert(): "Will retransmit now." */
	sk->err_soft = r.err;
}
