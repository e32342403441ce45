/*
 * tcp_lwip.c - lwIP's TCP timers for an os = lwip endpoint (lwIP 2.1.3,
 * src/core/tcp.c tcp_slowtmr() and tcp_fasttmr(), src/core/tcp_in.c,
 * src/core/tcp_out.c). Read it beside those files.
 *
 * lwIP has no per-connection timers: tcp_slowtmr() walks every pcb each
 * TCP_SLOW_INTERVAL (500 ms) and counts ticks, tcp_fasttmr() each
 * TCP_TMR_INTERVAL (250 ms) sends delayed ACKs. On the slow tick a pcb
 *   1. is dropped when it has retransmitted too often (TCP_SYNMAXRTX = 6 in
 *      SYN_SENT, TCP_MAXRTX = 12 otherwise; ERR_ABRT, no RST);
 *   2. counts rtime up and retransmits the head when rtime >= rto, with the
 *      RTO backed off by tcp_backoff[] (not in SYN_SENT: SYNs go every rto);
 *   3. runs the keepalive rule (ticks since the last segment > (keep_idle +
 *      keep_cnt_sent * keep_intvl) / 500 ms: probe; > (keep_idle +
 *      keep_cnt * keep_intvl) / 500 ms: RST and ERR_ABRT).
 * RTT is measured in ticks, one segment at a time, and smoothed with Van
 * Jacobson's integer estimator (tcp_receive()). Every segment the pcb accepts
 * for processing restarts the idle clock and clears keep_cnt_sent
 * (tcp_process()). These are what lwIP's own stack does packet for packet:
 * tests/lwip/ runs Debian's liblwip against kasim (make lwip-check).
 */
#include "tcp.h"

#include "priv/tcp_priv.h"

#define LWIP_TCP_MAXRTX 12   /* opt.h TCP_MAXRTX */
#define LWIP_TCP_SYNMAXRTX 6 /* opt.h TCP_SYNMAXRTX */
#define LWIP_TMR_INTERVAL (250 * KS_MS) /* TCP_TMR_INTERVAL: tcp_fasttmr() */
#define LWIP_RTO_INIT 6      /* tcp_alloc(): rto = sv = 3000 / TCP_SLOW_INTERVAL */

/* tcp.c: shift of the RTO for the nrtx-th retransmission. */
static const uint8_t tcp_backoff[13] = {1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7, 7, 7};

static void lwip_fasttmr(struct engine *eng, struct ev_timer *t);

/* tcp_alloc(): a fresh pcb's timers. */
void lwip_pcb_init(struct tcp_sock *sk)
{
	struct lwip_pcb *lw = &sk->lw;
	lw->rtime = -1;
	lw->rto = LWIP_RTO_INIT;
	lw->sa = 0;
	lw->sv = LWIP_RTO_INIT;
	lw->nrtx = 0;
	lw->rttest = 0;
	lw->rtt_timing = false;
	lw->ack_delay = false;
	ev_timer_init(&lw->fasttmr, lwip_fasttmr);
}

/* tcp_connect() / tcp_listen_input(): the pcb joins tcp_active_pcbs, so the
 * slow timer visits it from now on. */
void lwip_pcb_active(struct tcp_sock *sk)
{
	eng_cancel(sk_eng(sk), &sk->lw.fasttmr);
	lwip_pcb_init(sk);
	tcp_reset_keepalive_timer(sk, 1); /* the next slow tick */
}

/* tcp_output_segment(): a segment of the send queue (SYN, data, FIN, or a
 * retransmission) leaves: the RTO runs, and it is timed unless one is.
 * lwIP marks "none timed" with rttest == 0; a device's tcp_ticks is never 0
 * after its first half second, but kasim's tick count starts at 0, so the
 * flag says it. */
void lwip_output_segment(struct tcp_sock *sk, uint32_t seq)
{
	struct lwip_pcb *lw = &sk->lw;
	if (lw->rtime < 0)
		lw->rtime = 0;
	if (!lw->rtt_timing) {
		lw->rtt_timing = true;
		lw->rttest = tcp_now(sk);
		lw->rtseq = seq;
	}
	lw->ack_delay = false; /* the segment carries the ACK */
}

/* tcp_receive(): an ACK of new data. */
void lwip_rcv_ack(struct tcp_sock *sk, uint32_t ack)
{
	struct lwip_pcb *lw = &sk->lw;
	lw->nrtx = 0;                      /* "Reset the number of retransmissions." */
	lw->rto = (lw->sa >> 3) + lw->sv;  /* "Reset the retransmission time-out." */
	lw->rtime = sk->snd_una == sk->snd_nxt ? -1 : 0;
	if (lw->rtt_timing && seq_before(lw->rtseq, ack)) {
		/* "taken directly from VJs original code in his paper" */
		int32_t m = (int32_t)(tcp_now(sk) - lw->rttest);
		m -= lw->sa >> 3;
		lw->sa += m;
		if (m < 0)
			m = -m;
		m -= lw->sv >> 2;
		lw->sv += m;
		lw->rto = (lw->sa >> 3) + lw->sv;
		lw->rtt_timing = false;
	}
}

/* tcp_process() SYN_SENT: the SYN-ACK removes the SYN from unacked; the RTO
 * stops, nrtx stays (it is reset only when something else is unacked), and
 * the SYN's RTT measurement stays pending: the first ACK of data ends it. */
void lwip_synsent_acked(struct tcp_sock *sk)
{
	sk->lw.rtime = -1;
}

/* tcp_process(): every segment for the pcb but a RST or a SYN restarts the
 * inactivity timer and clears keep_cnt_sent. */
void lwip_tcp_process(struct tcp_sock *sk, const struct segment *seg)
{
	if (seg->flags & (TH_RST | TH_SYN))
		return;
	sk->rcv_tstamp = tcp_now(sk); /* pcb->tmr = tcp_ticks */
	sk->probes_out = 0;           /* pcb->keep_cnt_sent = 0 */
}

/* The next TCP_TMR_INTERVAL tick after now (the slow ticks are every other
 * one: the phase is the slow timer's). */
static ks_time_t next_fast_tick(const struct tcp_sock *sk)
{
	ks_time_t now = sk_now_ns(sk), phase = tcp_tm(sk)->phase;
	return ((now + phase) / LWIP_TMR_INTERVAL + 1) * LWIP_TMR_INTERVAL - phase;
}

/* tcp_ack(): in-order data is acknowledged every second segment, else at the
 * next tcp_fasttmr(). */
void lwip_ack_delayed(struct tcp_sock *sk)
{
	struct lwip_pcb *lw = &sk->lw;
	if (lw->ack_delay) {
		tcp_send_ack(sk, SEG_NORMAL, 0); /* tcp_ack_now(): clears TF_ACK_DELAY */
		return;
	}
	lw->ack_delay = true;
	eng_schedule(sk_eng(sk), &lw->fasttmr, next_fast_tick(sk));
}

/* tcp_fasttmr(): "send delayed ACK". */
static void lwip_fasttmr(struct engine *eng, struct ev_timer *t)
{
	(void)eng;
	struct tcp_sock *sk = container_of(t, struct tcp_sock, lw.fasttmr);
	if (sk->lw.ack_delay && sk->state != TCP_CLOSE)
		tcp_send_ack(sk, SEG_NORMAL, 0);
}

static void emit_lwip_rto(struct tcp_sock *sk, enum rto_decision d, bool syn, uint32_t limit)
{
	if (!tcp_tracing(sk))
		return;
	const struct timer_model *tm = tcp_tm(sk);
	struct ks_record r = {.type = REC_RTO};
	r.u.rto = (struct rec_rto){
		.host = sk->host->id, .decision = d, .syn = syn, .retransmits = sk->lw.nrtx,
		.next = d == RTO_ABORT ? KS_TIME_NEVER : tm_to_ns(tm, (tcp_stamp_t)sk->lw.rto),
		.boundary = limit, .nominal = sk_now_ns(sk), .actual = sk_now_ns(sk),
		.clock = tm->kind, .algo = KA_ALGO_LWIP,
	};
	tcp_trace(sk, &r);
}

uint32_t lwip_rexmit_limit(const struct tcp_sock *sk)
{
	return sk->state == TCP_SYN_SENT ? LWIP_TCP_SYNMAXRTX : LWIP_TCP_MAXRTX;
}

/* Steps 1 and 2 of tcp_slowtmr(). Returns false when the pcb was dropped. */
bool lwip_slowtmr_rexmit(struct tcp_sock *sk)
{
	struct lwip_pcb *lw = &sk->lw;
	bool syn = sk->state == TCP_SYN_SENT;
	uint32_t limit = lwip_rexmit_limit(sk);
	if (lw->nrtx >= limit) {
		/* "max SYN retries reached" / "max DATA retries reached" */
		emit_lwip_rto(sk, RTO_ABORT, syn, limit);
		tcp_done(sk, KS_ECONNABORTED, syn ? END_SYN_TIMEOUT : END_RTO);
		return false;
	}
	if (lw->rtime >= 0 && lw->rtime < 0x7fff)
		lw->rtime++; /* "Increase the retransmission timer if it is running" */
	if (lw->rtime < lw->rto || !sk->packets_out)
		return true;
	/* tcp_rexmit_rto_prepare(): no RTT measurement across a retransmission */
	lw->rtt_timing = false;
	if (!syn) {
		/* "Double retransmission time-out unless we are trying to connect" */
		uint32_t i = lw->nrtx < sizeof(tcp_backoff) ? lw->nrtx : sizeof(tcp_backoff) - 1;
		int32_t rto = ((lw->sa >> 3) + lw->sv) << tcp_backoff[i];
		lw->rto = rto < 0x7fff ? rto : 0x7fff;
	}
	lw->rtime = 0;
	lw->nrtx++; /* tcp_rexmit_rto_commit() */
	sk->retransmits = lw->nrtx;
	sk->retrans_sent++;
	tcp_retransmit_head(sk); /* tcp_output(): the head, cwnd is one MSS */
	bool opening = TCPF(sk->state) & (TCPF(TCP_SYN_SENT) | TCPF(TCP_SYN_RECV));
	lwip_output_segment(sk, opening ? sk->iss : sk->snd_una); /* timed again */
	emit_lwip_rto(sk, RTO_RETRANSMIT, syn, limit);
	return true;
}

/* The pcb left tcp_active_pcbs. */
void lwip_pcb_purge(struct tcp_sock *sk)
{
	sk->lw.ack_delay = false;
	eng_cancel(sk_eng(sk), &sk->lw.fasttmr);
}
