/*
 * tcp_rtt.c - RTT samples and the retransmission timeout they give
 * (net/ipv4/tcp_input.c: tcp_clean_rtx_queue's seq_rtt and Karn's rule,
 * tcp_ack_update_rtt, tcp_synack_rtt_meas, tcp_rtt_estimator, tcp_set_rto,
 * __tcp_set_rto, tcp_bound_rto; tcp_metrics.c: tcp_init_metrics' fallback;
 * include/net/tcp.h: tcp_rto_min, tcp_rto_min_us).
 *
 * The estimator's state is the kernel's, in microseconds: srtt_us is the
 * smoothed RTT << 3, mdev_us the mean deviation << 2, mdev_max_us the largest
 * mdev_us of the current RTT period (one window of data: rtt_seq), rttvar_us
 * the variance term of the RTO, which follows mdev_max_us up at once and
 * down by a quarter of the gap per period, never below tcp_rto_min_us().
 * RTO = usecs_to_jiffies((srtt_us >> 3) + rttvar_us), at most TCP_RTO_MAX.
 *
 * Karn's rule: an ACK that covers retransmitted data gives no sample from
 * the send times. With the timestamp option (net.ipv4.tcp_timestamps, on by
 * default, negotiated in the handshake) tcp_ack_update_rtt() then takes the
 * TSecr sample, now - TSecr on the millisecond timestamp clock (at least
 * 1 ms); the peer echoes the TSval of the segment at its rcv_wup
 * (tcp_replace_ts_recent(), tcp.c), not necessarily the retransmission.
 * Without timestamps there is no sample and the backed-off RTO stays until
 * the next valid one (RFC 6298 5.7); a handshake without a sample falls back
 * to a 3 s RTO (tcp_init_metrics()).
 *
 * A profile with rto_rfc6298 (windows: Microsoft documents its
 * retransmission behaviour as RFC 793 and RFC 2988, now RFC 6298) uses
 * RFC 6298 section 2 instead: SRTT = R, RTTVAR = R/2 on the first sample,
 * then RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'|, SRTT = 7/8 SRTT + 1/8 R', and
 * RTO = SRTT + max(G, 4 RTTVAR), at least 1 s (2.4), at most TCP_RTO_MAX.
 */
#include "priv/tcp_priv.h"

#define TCP_TIMEOUT_FALLBACK_US 3000000u /* TCP_TIMEOUT_FALLBACK: 3 s */
#define RFC6298_RTO_MIN (1 * KS_SEC)     /* RFC 6298 (2.4) */

/* tcp_rto_min(): a route's rto_min (always locked by iproute2) wins over
 * icsk_rto_min, which tcp_init_sock() took from net.ipv4.tcp_rto_min_us. */
tcp_stamp_t tcp_rto_min(const struct tcp_sock *sk)
{
	const struct timer_model *tm = tcp_tm(sk);
	const struct ep_config *cfg = &sk->host->cfg;
	if (cfg->rto_min != KS_TIME_NEVER) /* dst_metric_rtt(): msecs_to_jiffies() */
		return tm->kind == TM_LINUX ? tm_msecs(tm, cfg->rto_min / KS_MS)
					    : cfg->rto_min / KS_MS * KS_MS;
	return sk->icsk_rto_min;
}

/* tcp_rto_min_us(): jiffies_to_usecs(tcp_rto_min()). */
static uint32_t tcp_rto_min_us(const struct tcp_sock *sk)
{
	const struct timer_model *tm = tcp_tm(sk);
	tcp_stamp_t j = tcp_rto_min(sk);
	return (uint32_t)((tm->kind == TM_LINUX ? tm_to_ns(tm, j) : j) / KS_US);
}

static bool rfc6298(const struct tcp_sock *sk) { return sk->host->prof->rto_rfc6298; }

/* tcp_rtt_estimator(), line by line. */
static void tcp_rtt_estimator(struct tcp_sock *sk, long mrtt_us)
{
	long m = mrtt_us; /* RTT */
	uint32_t srtt = sk->srtt_us;

	if (srtt != 0) {
		m -= (long)(srtt >> 3); /* m is now error in rtt est */
		srtt += (uint32_t)m;    /* rtt = 7/8 rtt + 1/8 new */
		if (m < 0) {
			m = -m; /* m is now abs(error) */
			m -= (long)(sk->mdev_us >> 2);
			/* Eifel-like: a falling RTT moves mdev with the finer
			 * gain alpha*beta (1/32) */
			if (m > 0)
				m >>= 3;
		} else {
			m -= (long)(sk->mdev_us >> 2); /* similar update on mdev */
		}
		sk->mdev_us += (uint32_t)m; /* mdev = 3/4 mdev + 1/4 new */
		if (sk->mdev_us > sk->mdev_max_us) {
			sk->mdev_max_us = sk->mdev_us;
			if (sk->mdev_max_us > sk->rttvar_us)
				sk->rttvar_us = sk->mdev_max_us;
		}
		if (seq_after(sk->snd_una, sk->rtt_seq)) {
			/* one RTT period is over: rttvar decays toward mdev_max */
			if (sk->mdev_max_us < sk->rttvar_us)
				sk->rttvar_us -= (sk->rttvar_us - sk->mdev_max_us) >> 2;
			sk->rtt_seq = sk->snd_nxt;
			sk->mdev_max_us = tcp_rto_min_us(sk);
		}
	} else {
		/* no previous measure */
		srtt = (uint32_t)m << 3;     /* take the measured time to be rtt */
		sk->mdev_us = (uint32_t)m << 1; /* make sure rto = 3*rtt */
		uint32_t min_us = tcp_rto_min_us(sk);
		sk->rttvar_us = sk->mdev_us > min_us ? sk->mdev_us : min_us;
		sk->mdev_max_us = sk->rttvar_us;
		sk->rtt_seq = sk->snd_nxt;
	}
	sk->srtt_us = srtt ? srtt : 1;
}

/* RFC 6298 (2.2) and (2.3) in the same fixed point: mdev_us = 4 RTTVAR. */
static void rfc6298_estimator(struct tcp_sock *sk, long m)
{
	if (sk->srtt_us) {
		m -= (long)(sk->srtt_us >> 3);
		sk->srtt_us += (uint32_t)m;
		if (m < 0)
			m = -m;
		m -= (long)(sk->mdev_us >> 2);
		sk->mdev_us += (uint32_t)m;
	} else {
		sk->srtt_us = (uint32_t)m << 3;
		sk->mdev_us = (uint32_t)m << 1;
	}
	if (!sk->srtt_us)
		sk->srtt_us = 1;
	sk->rttvar_us = sk->mdev_max_us = sk->mdev_us;
}

tcp_stamp_t tcp_rtt_rto(const struct tcp_sock *sk)
{
	const struct timer_model *tm = tcp_tm(sk);
	ks_time_t srtt = (ks_time_t)(sk->srtt_us >> 3) * KS_US;
	if (rfc6298(sk)) {
		/* RTO = SRTT + max(G, K*RTTVAR), rounded up to 1 s */
		ks_time_t g = tm_to_ns(tm, 1), var = (ks_time_t)sk->mdev_us * KS_US;
		ks_time_t rto = srtt + (var > g ? var : g);
		return tcp_bound_rto(sk, tm_from_ns(tm, rto > RFC6298_RTO_MIN ? rto : RFC6298_RTO_MIN));
	}
	/* __tcp_set_rto(): usecs_to_jiffies(srtt + rttvar), rounded up */
	return tcp_bound_rto(sk, tm_from_ns(tm, srtt + (ks_time_t)sk->rttvar_us * KS_US));
}

void tcp_rtt_restore_rto(struct tcp_sock *sk)
{
	sk->rto = sk->srtt_us ? tcp_rtt_rto(sk) : tcp_timeout_init(sk);
}

static void emit_rtt(struct tcp_sock *sk, long sample_us)
{
	struct ks_record r = {.type = REC_RTT};
	r.u.rtt = (struct rec_rtt){
		.host = sk->host->id,
		.sample = (ks_time_t)sample_us * KS_US,
		.srtt = (ks_time_t)(sk->srtt_us >> 3) * KS_US,
		.rttvar = (ks_time_t)(sk->mdev_us >> 2) * KS_US,
		.rttvar_term = (ks_time_t)sk->rttvar_us * KS_US,
		.rto = tm_to_ns(tcp_tm(sk), sk->rto),
		.rfc6298 = rfc6298(sk),
		.clock = tcp_tm(sk)->kind,
	};
	tcp_trace(sk, &r);
}

/* tcp_ack_update_rtt() with a valid sample: the estimator, tcp_set_rto(),
 * and icsk_backoff = 0 ("RFC6298: only reset backoff on valid RTT
 * measurement"). */
void tcp_rtt_sample(struct tcp_sock *sk, long sample_us)
{
	if (rfc6298(sk))
		rfc6298_estimator(sk, sample_us);
	else
		tcp_rtt_estimator(sk, sample_us);
	sk->rto = tcp_rtt_rto(sk);
	sk->backoff = 0;
	if (tcp_tracing(sk))
		emit_rtt(sk, sample_us);
}

/* tcp_stamp_us_delta(): both ends on the microsecond TCP clock. */
static long us_delta(ks_time_t now, ks_time_t then)
{
	return (long)(now / KS_US) - (long)(then / KS_US);
}

/* tcp_ack_update_rtt()'s fallback: the ACK carries a TSecr (saw_tstamp,
 * rcv_tsecr != 0). */
static bool saw_tsecr(const struct tcp_sock *sk, const struct segment *ack)
{
	return sk->tstamp_ok && ack->tsecr;
}

/* tcp_rtt_tsopt_us(): now minus the echoed TSval on the timestamp clock
 * (TCP_TS_HZ 1000), 0 taken as min_delta 1 ms. */
static long tsopt_us(const struct tcp_sock *sk, const struct segment *ack)
{
	uint32_t delta = tcp_ts_clock(sk) - ack->tsecr;
	return (long)(delta ? delta : 1) * 1000;
}

void tcp_rtt_handshake(struct tcp_sock *sk, ks_time_t sent, bool retransmitted,
		       const struct segment *ack)
{
	if (sk->lwip)
		return; /* lwIP times one segment in ticks itself (tcp_lwip.c) */
	/* tcp_clean_rtx_queue() for the SYN (client), tcp_synack_rtt_meas()
	 * (server): no sample if it was retransmitted (Karn, num_retrans)... */
	if (!retransmitted && sent != KS_TIME_NEVER)
		tcp_rtt_sample(sk, us_delta(sk_now_ns(sk), sent));
	else if (retransmitted && saw_tsecr(sk, ack))
		tcp_rtt_sample(sk, tsopt_us(sk, ack)); /* ...unless TSecr gives one */
	sk->rtx.any = false;
	if (sk->srtt_us)
		return;
	/* tcp_init_metrics(): no valid sample from the handshake (RFC 6298
	 * 5.7): RTO back to 3 s from the more aggressive 1 s */
	sk->rttvar_us = sk->mdev_us = sk->mdev_max_us = TCP_TIMEOUT_FALLBACK_US;
	sk->rto = tm_from_ns(tcp_tm(sk), (ks_time_t)TCP_TIMEOUT_FALLBACK_US * KS_US);
}

void tcp_rtt_reset(struct tcp_sock *sk)
{
	/* tcp_init_sock(): icsk_rto_min = usecs_to_jiffies(sysctl_tcp_rto_min_us) */
	const struct timer_model *tm = tcp_tm(sk);
	ks_time_t ns = (ks_time_t)sk->host->cfg.tcp_rto_min_us * KS_US;
	sk->icsk_rto_min = tm->kind == TM_LINUX ? tm_from_ns(tm, ns) : ns;
	sk->srtt_us = sk->mdev_us = sk->mdev_max_us = sk->rttvar_us = 0;
	sk->rtx.any = false;
	sk->sent.head = sk->sent.n = 0;
}

/* ---- the send times of unacknowledged data ---------------------------------- */

void tcp_rtt_sent(struct tcp_sock *sk, uint32_t end_seq)
{
	struct tcp_sent_ring *q = &sk->sent;
	ks_time_t now = sk_now_ns(sk);
	if (sk->lwip)
		return;
	if (q->n) {
		unsigned last = (q->head + q->n - 1u) % TCP_SENT_RING;
		if (q->when[last] == now || q->n == TCP_SENT_RING) {
			/* same moment (one skb), or the ring is full: the burst
			 * joins the previous one and keeps its time */
			q->end_seq[last] = end_seq;
			return;
		}
	}
	unsigned i = (q->head + q->n) % TCP_SENT_RING;
	q->end_seq[i] = end_seq;
	q->when[i] = now;
	q->n++;
}

/* The segment(s) [seq, end) were retransmitted: TCPCB_RETRANS. */
void tcp_rtt_retransmitted(struct tcp_sock *sk, uint32_t seq, uint32_t end)
{
	struct tcp_rtx_marks *x = &sk->rtx;
	if (!x->any) {
		x->any = true;
		x->lo = seq;
		x->hi = end;
		return;
	}
	if (seq_before(seq, x->lo))
		x->lo = seq;
	if (seq_after(end, x->hi))
		x->hi = end;
}

/* tcp_clean_rtx_queue(): snd_una moved forward. first_ackt is the
 * send time of the oldest newly acknowledged data; a retransmitted piece
 * among it (FLAG_RETRANS_DATA_ACKED) forbids the sample. */
void tcp_rtt_ack(struct tcp_sock *sk, const struct segment *ack)
{
	struct tcp_sent_ring *q = &sk->sent;
	struct tcp_rtx_marks *x = &sk->rtx;
	ks_time_t first_ackt = KS_TIME_NEVER;
	if (sk->lwip)
		return; /* lwIP's own estimator (tcp_lwip.c) */
	bool retrans_acked = x->any && seq_after(sk->snd_una, x->lo);

	if (x->any && !seq_before(sk->snd_una, x->hi))
		x->any = false; /* every retransmitted segment is acknowledged */
	else if (retrans_acked)
		x->lo = sk->snd_una;
	if (q->n)
		first_ackt = q->when[q->head];
	/* drop the bursts now wholly acknowledged; a partly acknowledged one
	 * stays (tcp_tso_acked() trims the skb, its timestamp stays) */
	while (q->n && !seq_before(sk->snd_una, q->end_seq[q->head])) {
		q->head = (uint8_t)((q->head + 1u) % TCP_SENT_RING);
		q->n--;
	}
	if (!retrans_acked && first_ackt != KS_TIME_NEVER)
		tcp_rtt_sample(sk, us_delta(sk_now_ns(sk), first_ackt));
	else if (saw_tsecr(sk, ack))
		tcp_rtt_sample(sk, tsopt_us(sk, ack)); /* the RTTM rule: TSecr of an ACK of new data */
	/* else Karn: no sample, the RTO keeps its backoff */
}
