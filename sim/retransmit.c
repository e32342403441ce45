/*
 * retransmit.c - the retransmission timer (net/ipv4/tcp_timer.c:
 * tcp_retransmit_timer, tcp_write_timeout, retransmits_timed_out,
 * tcp_model_timeout, tcp_clamp_rto_to_user_timeout; tcp_output.c:
 * tcp_schedule_loss_probe, tcp_send_loss_probe, tcp_rearm_rto). The RTT
 * estimator that sets icsk_rto is tcp_rtt.c.
 *
 * When data is in flight the keepalive timer is inert and this timer alone
 * decides when a dead peer is noticed: the connection is aborted with
 * ETIMEDOUT (and, unlike the keepalive abort, no RST) at the first expiry at
 * or after retrans_stamp + tcp_model_timeout(tcp_retries2) -- 924.6 s for the
 * default 15 -- or retrans_stamp + TCP_USER_TIMEOUT when that is set.
 *
 * icsk_rto is kept in the timer model's units (jiffies in the linux model), as
 * the kernel does; retrans_stamp is compared on the millisecond TCP clock.
 * With the linux timer model a tail loss probe (TLP) precedes the first RTO
 * retransmission, as with Linux's default net.ipv4.tcp_early_retrans = 3; the
 * exact model keeps the textbook RTO series.
 */
#include "retransmit.h"

#include "priv/tcp_priv.h"

/* net.ipv4.tcp_syn_linear_timeouts (default 4 in current mainline): the first
 * SYN retransmissions keep the initial RTO before the exponential backoff. */
#define TCP_SYN_LINEAR_TIMEOUTS 4u
#define TCP_ORPHAN_RETRIES 8u   /* tcp_orphan_retries(): sysctl 0 means 8 while alive */
#define TCP_TIMEOUT_MIN_JIFFIES 2u /* TCP_TIMEOUT_MIN */

tcp_stamp_t tcp_timeout_init(const struct tcp_sock *sk) { return tm_secs(tcp_tm(sk), 1); }
tcp_stamp_t tcp_rto_max(const struct tcp_sock *sk) { return tm_secs(tcp_tm(sk), 120); }

tcp_stamp_t tcp_bound_rto(const struct tcp_sock *sk, tcp_stamp_t rto)
{
	return rto < tcp_rto_max(sk) ? rto : tcp_rto_max(sk);
}

/* inet_csk_reset_xmit_timer(): the timer model decides when it really fires. */
static void arm(struct tcp_sock *sk, tcp_stamp_t delay)
{
	if (sk->lwip)
		return; /* lwIP's slow timer counts rtime instead (tcp_lwip.c) */
	struct engine *eng = sk_eng(sk);
	struct host *h = sk->host;
	sk->rto_nominal = eng->now + tm_to_ns(&h->tm, delay);
	eng_schedule(eng, &sk->retransmit_timer, tm_expiry(&h->tm, &h->wheel, eng->now, delay));
}

void tcp_rearm_rto(struct tcp_sock *sk)
{
	if (!sk->packets_out) {
		eng_cancel(sk_eng(sk), &sk->retransmit_timer);
		sk->tlp_pending = false;
		return;
	}
	tcp_stamp_t rto = sk->rto;
	if (sk->tlp_pending) {
		/* a loss probe was pending: what is left of the RTO since the head
		 * was sent (tcp_rto_delta_us), at least 1 */
		ks_time_t rto_ns = tm_to_ns(tcp_tm(sk), sk->rto);
		ks_time_t since = sk_now_ns(sk) - sk->head_sent;
		rto = tm_from_ns(tcp_tm(sk), rto_ns > since ? rto_ns - since : 1);
		sk->tlp_pending = false;
	}
	arm(sk, rto);
}

/* tcp_schedule_loss_probe(): returns true when the loss probe was armed. */
static bool schedule_loss_probe(struct tcp_sock *sk, bool advancing_rto)
{
	const struct timer_model *tm = tcp_tm(sk);
	/* only the full Linux path has TLP (early_retrans = 3, SACK, CA_Open) */
	if (tm->kind != TM_LINUX || sk->host->prof->algo != KA_ALGO_LINUX || !sk->packets_out ||
	    sk->retransmits || sk->state == TCP_SYN_SENT || sk->state == TCP_SYN_RECV)
		return false;
	tcp_stamp_t timeout;
	if (sk->srtt_us) {
		/* 2 srtt, plus rto_min for a single segment (the peer's delayed ACK) */
		timeout = tm_from_ns(tm, (ks_time_t)(sk->srtt_us >> 2) * KS_US);
		timeout += sk->packets_out == 1 ? tcp_rto_min(sk) : TCP_TIMEOUT_MIN_JIFFIES;
	} else {
		timeout = tcp_timeout_init(sk);
	}
	/* never later than the RTO would fire */
	ks_time_t rto_ns = tm_to_ns(tm, sk->rto);
	ks_time_t since = sk_now_ns(sk) - sk->head_sent;
	ks_time_t delta = advancing_rto ? rto_ns : rto_ns > since ? rto_ns - since : 0;
	if (delta > 0 && tm_from_ns(tm, delta) < timeout)
		timeout = tm_from_ns(tm, delta);
	arm(sk, timeout);
	sk->tlp_pending = true;
	return true;
}

void tcp_schedule_loss_probe(struct tcp_sock *sk)
{
	schedule_loss_probe(sk, false);
}

void tcp_set_xmit_timer(struct tcp_sock *sk)
{
	if (!schedule_loss_probe(sk, true))
		tcp_rearm_rto(sk);
}

void tcp_ack_clears_retrans(struct tcp_sock *sk)
{
	sk->retransmits = 0;
	sk->backoff = 0;
	sk->retrans_stamp = KS_TIME_NEVER;
	sk->tlp_pending = false;
	sk->tlp_high = false;
	/* icsk_rto keeps its backoff until a valid RTT sample (Karn,
	 * tcp_ack_update_rtt()): without timestamps none comes from the
	 * retransmitted data */
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

/* How long the episode has lasted, on the clock the kernel compares with
 * (tcp_time_stamp_ms: whole milliseconds in the linux model). */
static ks_time_t since_retrans_stamp(const struct tcp_sock *sk)
{
	return tm_ms_elapsed(tcp_tm(sk), sk_now_ns(sk), sk->retrans_stamp);
}

/* retransmits_timed_out(): measured from retrans_stamp, the first
 * retransmission of the episode; never true before one happened. */
bool retransmits_timed_out(const struct tcp_sock *sk, uint32_t boundary, uint32_t user_timeout_ms,
			   ks_time_t rto_base)
{
	if (!sk->retransmits)
		return false;
	return since_retrans_stamp(sk) >= timed_out_limit(boundary, user_timeout_ms, rto_base);
}

/* tcp_clamp_rto_to_user_timeout(): never sleep past retrans_stamp + UT. */
static tcp_stamp_t tcp_clamp_rto_to_user_timeout(const struct tcp_sock *sk)
{
	if (!sk->user_timeout || sk->retrans_stamp == KS_TIME_NEVER)
		return sk->rto;
	ks_time_t elapsed = since_retrans_stamp(sk);
	ks_time_t ut = sk->user_timeout * KS_MS;
	if (elapsed >= ut)
		return 1; /* user timeout has passed: fire as soon as possible */
	const struct timer_model *tm = tcp_tm(sk);
	/* msecs_to_jiffies(remaining) in the linux model */
	tcp_stamp_t left = tm->kind == TM_EXACT ? ut - elapsed : tm_msecs(tm, (ut - elapsed) / KS_MS);
	return sk->rto < left ? sk->rto : left;
}

static void emit_rto(struct tcp_sock *sk, enum rto_decision d, bool syn, uint32_t boundary,
		     ks_time_t rto_base, tcp_stamp_t next, ks_time_t nominal)
{
	if (!tcp_tracing(sk))
		return;
	struct ks_record r = {.type = REC_RTO};
	r.u.rto = (struct rec_rto){
		.host = sk->host->id, .decision = d, .syn = syn, .synack = sk->state == TCP_SYN_RECV,
		.orphan = sk->dead && !syn,
		.retransmits = sk->retransmits,
		.since = sk->retrans_stamp == KS_TIME_NEVER ? 0 : since_retrans_stamp(sk),
		.limit = timed_out_limit(boundary, sk->user_timeout, rto_base),
		.next = next == KS_TIME_NEVER ? KS_TIME_NEVER : tm_to_ns(tcp_tm(sk), next),
		.boundary = boundary, .user_timeout = sk->user_timeout,
		.nominal = nominal, .actual = sk_now_ns(sk), .clock = tcp_tm(sk)->kind,
		.err_soft = sk->err_soft,
	};
	tcp_trace(sk, &r);
}

/* Bytes of data in flight (the FIN excluded). */
static uint32_t data_in_flight(const struct tcp_sock *sk)
{
	uint32_t bytes = sk->snd_nxt - sk->snd_una;
	if (sk->fin_queued && sk->snd_nxt == sk->write_seq && bytes > 0)
		bytes--;
	return bytes;
}

/* Retransmit the head of the queue: SYN, SYN-ACK, the first unacked data
 * segment, or the FIN. Returns the transmit result. */
int tcp_retransmit_head(struct tcp_sock *sk)
{
	uint32_t n = sk->retransmits;
	if (sk->state == TCP_SYN_SENT || sk->state == TCP_SYN_RECV) {
		tcp_rtt_retransmitted(sk, sk->iss, sk->iss + 1);
		return tcp_transmit(sk, sk->state == TCP_SYN_SENT ? TH_SYN : TH_SYN | TH_ACK, sk->iss, 0,
				    SEG_RETRANS, n);
	}
	uint32_t bytes = data_in_flight(sk);
	sk->head_sent = sk_now_ns(sk);
	if (!bytes) {
		tcp_rtt_retransmitted(sk, sk->snd_una, sk->snd_una + 1);
		return tcp_transmit(sk, TH_FIN | TH_ACK, sk->snd_una, 0, SEG_RETRANS, n);
	}
	uint32_t len = bytes < TCP_MSS ? bytes : TCP_MSS;
	tcp_rtt_retransmitted(sk, sk->snd_una, sk->snd_una + len);
	return tcp_transmit(sk, TH_ACK | TH_PSH, sk->snd_una, len, SEG_RETRANS, n);
}

/* tcp_send_loss_probe(): retransmit the last segment once (not counted in
 * icsk_retransmits, retrans_stamp untouched), then a full RTO from now. */
static void tcp_send_loss_probe(struct tcp_sock *sk, ks_time_t nominal)
{
	sk->tlp_pending = false;
	if (!sk->tlp_high) {
		uint32_t bytes = data_in_flight(sk);
		if (bytes) {
			uint32_t last = (bytes - 1) % TCP_MSS + 1;
			uint32_t seq = sk->snd_una + bytes - last;
			if (seq == sk->snd_una)
				sk->head_sent = sk_now_ns(sk);
			tcp_rtt_retransmitted(sk, seq, seq + last);
			tcp_transmit(sk, TH_ACK | TH_PSH, seq, last, SEG_TLP, 0);
		} else {
			tcp_rtt_retransmitted(sk, sk->snd_una, sk->snd_una + 1);
			tcp_transmit(sk, TH_FIN | TH_ACK, sk->snd_una, 0, SEG_TLP, 0);
			sk->head_sent = sk_now_ns(sk);
		}
		sk->tlp_high = true; /* tlp_high_seq: one probe per episode */
	}
	sk->retrans_sent++;
	emit_rto(sk, RTO_PROBE, false, sk->host->cfg.tcp_retries2, TCP_RTO_MIN, sk->rto, nominal);
	tcp_rearm_rto(sk); /* icsk_pending = 0: the full RTO from now */
}

/* tcp_write_timeout(): which limit applies in the socket's state. */
struct tcp_write_rule tcp_write_timeout_rule(const struct tcp_sock *sk)
{
	struct tcp_write_rule w = {.rto_base = TCP_RTO_MIN};
	if (sk->state == TCP_SYN_SENT || sk->state == TCP_SYN_RECV) {
		w.boundary = sk->state == TCP_SYN_SENT ? sk->host->cfg.tcp_syn_retries
						       : sk->host->cfg.tcp_synack_retries;
		w.rto_base = TCP_TIMEOUT_INIT;
	} else if (sk->dead) {
		/* tcp_write_timeout(), orphan: alive = icsk_rto < TCP_RTO_MAX, then
		 * tcp_orphan_retries(): the sysctl; 0 after an ICMP error when not
		 * alive; 0 -> 8 when alive. tcp_out_of_resources() never fires here:
		 * one orphan is far below tcp_max_orphans and memory pressure. */
		bool alive = sk->rto < tcp_rto_max(sk);
		uint32_t retries = sk->host->cfg.tcp_orphan_retries;
		if (sk->err_soft && !alive)
			retries = 0;
		if (retries == 0 && alive)
			retries = TCP_ORPHAN_RETRIES;
		w.boundary = retries;
	} else {
		w.boundary = sk->host->cfg.tcp_retries2;
	}
	w.limit = timed_out_limit(w.boundary, sk->user_timeout, w.rto_base);
	return w;
}

static void retransmit_timer_expired(struct tcp_sock *sk, ks_time_t nominal);

void tcp_retransmit_timer(struct engine *eng, struct ev_timer *t)
{
	struct tcp_sock *sk = container_of(t, struct tcp_sock, retransmit_timer);
	tm_fire(tcp_tm(sk), &sk->host->wheel, eng->now);
	retransmit_timer_expired(sk, sk->rto_nominal);
}

void tcp_retransmit_now(struct tcp_sock *sk)
{
	eng_cancel(sk_eng(sk), &sk->retransmit_timer);
	retransmit_timer_expired(sk, sk_now_ns(sk));
}

/* inet_csk_rto_backoff(): icsk_rto << icsk_backoff, at most TCP_RTO_MAX. */
static tcp_stamp_t inet_csk_rto_backoff(const struct tcp_sock *sk)
{
	tcp_stamp_t max = tcp_rto_max(sk);
	if (sk->backoff >= 64 || sk->rto > max >> sk->backoff)
		return max;
	return tcp_bound_rto(sk, sk->rto << sk->backoff);
}

int tcp_ld_RTO_revert(struct tcp_sock *sk, uint32_t seq, struct rec_icmp *r)
{
	const struct timer_model *tm = tcp_tm(sk);
	/* only an ICMP about the head, during a backed-off retransmission episode */
	if (seq != sk->snd_una || !sk->retransmits || !sk->backoff || !sk->packets_out)
		return 0;
	sk->backoff--;
	tcp_rtt_restore_rto(sk);               /* srtt ? __tcp_set_rto() : TCP_TIMEOUT_INIT */
	sk->rto = inet_csk_rto_backoff(sk);
	sk->tlp_pending = false;
	/* remaining = icsk_rto - usecs_to_jiffies(now - the head's last transmission) */
	tcp_stamp_t since = tm_from_ns(tm, sk_now_ns(sk) - sk->head_sent);
	r->backoff = sk->backoff;
	r->rto = tm_to_ns(tm, sk->rto);
	if (sk->rto <= since) {
		r->remaining = 0;
		return 2; /* "RTO revert clocked out retransmission": retransmit now */
	}
	r->remaining = tm_to_ns(tm, sk->rto - since);
	arm(sk, sk->rto - since);              /* tcp_reset_xmit_timer(ICSK_TIME_RETRANS) */
	return 1;
}

static void retransmit_timer_expired(struct tcp_sock *sk, ks_time_t nominal)
{
	struct engine *eng = sk_eng(sk);
	bool syn = TCPF(sk->state) & (TCPF(TCP_SYN_SENT) | TCPF(TCP_SYN_RECV));
	bool expired = false;

	if (!sk->packets_out)
		return; /* everything was acked meanwhile */
	if (sk->tlp_pending) {
		/* tcp_write_timer_handler(): ICSK_TIME_LOSS_PROBE */
		tcp_send_loss_probe(sk, nominal);
		return;
	}

	/* tcp_write_timeout(): SYN states have a retransmission count too
	 * (TCP_USER_TIMEOUT also honoured) */
	struct tcp_write_rule w = tcp_write_timeout_rule(sk);
	uint32_t boundary = w.boundary;
	ks_time_t rto_base = w.rto_base;
	if (syn)
		expired = sk->retransmits >= (sk->state == TCP_SYN_SENT
						      ? sk->host->cfg.tcp_syn_retries + TCP_SYN_LINEAR_TIMEOUTS
						      : sk->host->cfg.tcp_synack_retries);
	if (!expired)
		expired = retransmits_timed_out(sk, boundary, sk->user_timeout, rto_base);
	if (expired) {
		emit_rto(sk, RTO_ABORT, syn, boundary, rto_base, KS_TIME_NEVER, nominal);
		if (sk->state == TCP_SYN_RECV)
			tcp_done(sk, 0, END_SYN_TIMEOUT); /* the request sock is dropped silently */
		else
			tcp_write_err(sk, syn ? END_SYN_TIMEOUT : END_RTO); /* ETIMEDOUT, no RST */
		return;
	}

	/* tcp_update_rto_stats(), then tcp_retransmit_skb() */
	sk->retransmits++;
	if (sk->retrans_stamp == KS_TIME_NEVER)
		sk->retrans_stamp = eng->now;
	sk->retrans_sent++;
	if (tcp_retransmit_head(sk) > 0) {
		/* local congestion: retry in TCP_RESOURCE_PROBE_INTERVAL, no backoff */
		tcp_stamp_t next = tm_msecs(tcp_tm(sk), TCP_RESOURCE_PROBE_INTERVAL_MS);
		arm(sk, next);
		emit_rto(sk, RTO_RETRANSMIT, syn, boundary, rto_base, next, nominal);
		return;
	}
	if (sk->state != TCP_SYN_SENT || sk->retransmits > TCP_SYN_LINEAR_TIMEOUTS) {
		sk->backoff++; /* exponential backoff */
		sk->rto = tcp_bound_rto(sk, sk->rto * 2);
	}
	tcp_stamp_t next = tcp_clamp_rto_to_user_timeout(sk);
	arm(sk, next);
	emit_rto(sk, RTO_RETRANSMIT, syn, boundary, rto_base, next, nominal);
}
