/*
 * retransmit.c - the retransmission timer (net/ipv4/tcp_timer.c:
 * tcp_retransmit_timer, tcp_write_timeout, retransmits_timed_out,
 * tcp_model_timeout, tcp_clamp_rto_to_user_timeout; tcp_input.c:
 * tcp_rtt_estimator, tcp_set_rto).
 *
 * When data is in flight the keepalive timer is inert and this timer alone
 * decides when a dead peer is noticed: the connection is aborted with
 * ETIMEDOUT (and, unlike the keepalive abort, no RST) at the first expiry at
 * or after retrans_stamp + tcp_model_timeout(tcp_retries2) -- 924.6 s for the
 * default 15 -- or retrans_stamp + TCP_USER_TIMEOUT when that is set.
 */
#include "retransmit.h"

#include "output.h"
#include "sim.h"

/* net.ipv4.tcp_syn_linear_timeouts (default 4 in current mainline): the first
 * SYN retransmissions keep the initial RTO before the exponential backoff. */
#define TCP_SYN_LINEAR_TIMEOUTS 4u
#define TCP_SYNACK_RETRIES 5u   /* net.ipv4.tcp_synack_retries */
#define TCP_ORPHAN_RETRIES 8u   /* tcp_orphan_retries(): sysctl 0 means 8 */

static struct sim *sk_sim(const struct tcp_sock *sk) { return sk->host->sim; }

static ks_time_t rto_bound(ks_time_t rto)
{
	return rto < TCP_RTO_MAX ? rto : TCP_RTO_MAX; /* tcp_bound_rto() */
}

/* First RTT sample (tcp_rtt_estimator): srtt = m, mdev = m/2, and the
 * variance term rttvar = max(4 mdev, rto_min); RTO = srtt + rttvar. */
void tcp_rtt_sample(struct tcp_sock *sk, ks_time_t m)
{
	sk->srtt = m;
	sk->rttvar = 2 * m > TCP_RTO_MIN ? 2 * m : TCP_RTO_MIN;
	sk->rto = rto_bound(sk->srtt + sk->rttvar);
}

void tcp_rtt_restore_rto(struct tcp_sock *sk)
{
	sk->rto = sk->rttvar ? rto_bound(sk->srtt + sk->rttvar) : TCP_TIMEOUT_INIT;
}

static void arm(struct tcp_sock *sk, ks_time_t delay_ns)
{
	struct sim *s = sk_sim(sk);
	ks_time_t when = tm_expiry(&s->tm, s->eng.now, tm_from_ns(&s->tm, delay_ns));
	eng_schedule(&s->eng, &sk->retransmit_timer, when);
}

void tcp_rearm_rto(struct tcp_sock *sk)
{
	if (!sk->packets_out) {
		eng_cancel(&sk_sim(sk)->eng, &sk->retransmit_timer);
		return;
	}
	arm(sk, sk->rto);
}

void tcp_ack_clears_retrans(struct tcp_sock *sk)
{
	sk->retransmits = 0;
	sk->backoff = 0;
	sk->retrans_stamp = KS_TIME_NEVER;
	tcp_rtt_restore_rto(sk);
}

static unsigned ilog2_u64(uint64_t v)
{
	unsigned r = 0;
	while (v >>= 1)
		r++;
	return r;
}

/* tcp_model_timeout(): how long RTOs starting at rto_base, doubling up to
 * TCP_RTO_MAX, take for `boundary` retransmissions. */
ks_time_t tcp_model_timeout(uint32_t boundary, ks_time_t rto_base)
{
	unsigned thresh = ilog2_u64(TCP_RTO_MAX / rto_base);
	if (boundary <= thresh)
		return ((2ULL << boundary) - 1) * rto_base;
	return ((2ULL << thresh) - 1) * rto_base + (uint64_t)(boundary - thresh) * TCP_RTO_MAX;
}

static ks_time_t timed_out_limit(uint32_t boundary, uint32_t user_timeout_ms, ks_time_t rto_base)
{
	return user_timeout_ms ? user_timeout_ms * KS_MS : tcp_model_timeout(boundary, rto_base);
}

/* retransmits_timed_out(): measured from retrans_stamp, the first
 * retransmission of the episode; never true before one happened. */
bool retransmits_timed_out(const struct tcp_sock *sk, uint32_t boundary, uint32_t user_timeout_ms,
			   ks_time_t rto_base)
{
	if (!sk->retransmits)
		return false;
	ks_time_t now = sk_sim(sk)->eng.now;
	return now - sk->retrans_stamp >= timed_out_limit(boundary, user_timeout_ms, rto_base);
}

/* tcp_clamp_rto_to_user_timeout(): never sleep past retrans_stamp + UT. */
static ks_time_t tcp_clamp_rto_to_user_timeout(const struct tcp_sock *sk)
{
	if (!sk->user_timeout || sk->retrans_stamp == KS_TIME_NEVER)
		return sk->rto;
	ks_time_t elapsed = sk_sim(sk)->eng.now - sk->retrans_stamp;
	ks_time_t ut = sk->user_timeout * KS_MS;
	if (elapsed >= ut)
		return 1; /* user timeout has passed: fire as soon as possible */
	return sk->rto < ut - elapsed ? sk->rto : ut - elapsed;
}

static void emit_rto(struct tcp_sock *sk, enum rto_decision d, bool syn, uint32_t boundary,
		     ks_time_t rto_base, ks_time_t next)
{
	struct sim *s = sk_sim(sk);
	if (!sim_tracing(s))
		return;
	struct ks_record r = {.type = REC_RTO};
	r.u.rto = (struct rec_rto){
		.host = sk->host->id, .decision = d, .syn = syn, .retransmits = sk->retransmits,
		.since = sk->retrans_stamp == KS_TIME_NEVER ? 0 : s->eng.now - sk->retrans_stamp,
		.limit = timed_out_limit(boundary, sk->user_timeout, rto_base),
		.next = next, .boundary = boundary, .user_timeout = sk->user_timeout,
	};
	sim_emit(s, &r);
}

/* Retransmit the head of the queue: SYN, SYN-ACK, the first unacked data
 * segment, or the FIN. Returns the transmit result. */
static int retransmit_head(struct tcp_sock *sk)
{
	uint32_t n = sk->retransmits;
	if (sk->state == TCP_SYN_SENT)
		return tcp_transmit(sk, TH_SYN, sk->iss, 0, SEG_RETRANS, n);
	if (sk->state == TCP_SYN_RECV)
		return tcp_transmit(sk, TH_SYN | TH_ACK, sk->iss, 0, SEG_RETRANS, n);
	uint32_t bytes = sk->snd_nxt - sk->snd_una;
	bool fin_only = sk->fin_queued && sk->snd_nxt == sk->write_seq && bytes == 1;
	if (fin_only)
		return tcp_transmit(sk, TH_FIN | TH_ACK, sk->snd_una, 0, SEG_RETRANS, n);
	if (sk->fin_queued && sk->snd_nxt == sk->write_seq)
		bytes--; /* the FIN is not payload */
	uint32_t len = bytes < TCP_MSS ? bytes : TCP_MSS;
	return tcp_transmit(sk, TH_ACK | TH_PSH, sk->snd_una, len, SEG_RETRANS, n);
}

void tcp_retransmit_timer(struct engine *eng, struct ev_timer *t)
{
	struct tcp_sock *sk = container_of(t, struct tcp_sock, retransmit_timer);
	bool syn = TCPF(sk->state) & (TCPF(TCP_SYN_SENT) | TCPF(TCP_SYN_RECV));
	ks_time_t rto_base = syn ? TCP_TIMEOUT_INIT : TCP_RTO_MIN;
	uint32_t boundary;
	bool expired = false;

	if (!sk->packets_out)
		return; /* everything was acked meanwhile */

	/* tcp_write_timeout() */
	if (syn) {
		/* SYN states: a retransmission count, TCP_USER_TIMEOUT also honoured */
		uint32_t max = sk->state == TCP_SYN_SENT
				       ? sk->host->cfg.tcp_syn_retries + TCP_SYN_LINEAR_TIMEOUTS
				       : TCP_SYNACK_RETRIES;
		boundary = sk->state == TCP_SYN_SENT ? sk->host->cfg.tcp_syn_retries : TCP_SYNACK_RETRIES;
		expired = sk->retransmits >= max;
	} else if (sk->dead) {
		/* orphan: tcp_orphan_retries() is 8 while the RTO is below its max, else 0 */
		boundary = sk->rto < TCP_RTO_MAX ? TCP_ORPHAN_RETRIES : 0;
	} else {
		boundary = sk->host->cfg.tcp_retries2;
	}
	if (!expired)
		expired = retransmits_timed_out(sk, boundary, sk->user_timeout, rto_base);
	if (expired) {
		emit_rto(sk, RTO_ABORT, syn, boundary, rto_base, KS_TIME_NEVER);
		struct rec_end why = {
			.why = syn ? END_SYN_TIMEOUT : END_RTO, .retransmits = sk->retransmits,
			.retrans_stamp = sk->retrans_stamp, .boundary = boundary,
			.user_timeout = sk->user_timeout,
			.limit = timed_out_limit(boundary, sk->user_timeout, rto_base),
		};
		if (sk->state == TCP_SYN_RECV)
			tcp_done(sk, 0, &why); /* the request sock is dropped silently */
		else
			tcp_write_err(sk, &why); /* ETIMEDOUT, no RST on this path */
		return;
	}

	/* tcp_update_rto_stats(), then tcp_retransmit_skb() */
	sk->retransmits++;
	if (sk->retrans_stamp == KS_TIME_NEVER)
		sk->retrans_stamp = eng->now;
	sk->retrans_sent++;
	if (retransmit_head(sk) > 0) {
		/* local congestion: retry soon, without backing off */
		ks_time_t next = TCP_RESOURCE_PROBE_INTERVAL_MS * KS_MS;
		arm(sk, next);
		emit_rto(sk, RTO_RETRANSMIT, syn, boundary, rto_base, next);
		return;
	}
	if (sk->state != TCP_SYN_SENT || sk->retransmits > TCP_SYN_LINEAR_TIMEOUTS) {
		sk->backoff++; /* exponential backoff */
		sk->rto = rto_bound(sk->rto * 2);
	}
	ks_time_t next = tcp_clamp_rto_to_user_timeout(sk);
	arm(sk, next);
	emit_rto(sk, RTO_RETRANSMIT, syn, boundary, rto_base, next);
}
