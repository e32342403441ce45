/*
 * tcp_close.c - how a connection ends (net/ipv4/tcp.c, tcp_minisocks.c and
 * tcp_input.c's tcp_reset() in miniature): tcp_done() and the REC_END record
 * that says why, an accepted RST, timewait and the orphaned FIN_WAIT2 socket,
 * a host's crash, and the application's calls: write, close (FIN, or RST with
 * unread data), abort.
 */
#include "tcp.h"

#include "priv/tcp_priv.h"

/* ---- connection ends ------------------------------------------------------- */

/* The time of the later of the two idle-clock stamps (u32 jiffies: compare
 * elapsed times); 2.6.24's idle clock is rcv_tstamp alone. */
static ks_time_t last_rx_time(const struct tcp_sock *sk)
{
	const struct timer_model *tm = tcp_tm(sk);
	tcp_stamp_t now = tcp_now(sk);
	tcp_stamp_t last = sk->host->prof->algo == KA_ALGO_LINUX26 ||
					   tm_elapsed(tm, now, sk->rcv_tstamp) < tm_elapsed(tm, now, sk->lrcvtime)
				   ? sk->rcv_tstamp : sk->lrcvtime;
	return tm_stamp_time(tm, sk_now_ns(sk), last);
}

/* The REC_END of a connection about to close, from the socket: the numbers
 * of the rule that ended it (keepalive, retransmission or the RST). */
static struct rec_end end_record(const struct tcp_sock *sk, int err, enum tcp_end why,
				 const struct segment *rst)
{
	const struct timer_model *tm = tcp_tm(sk);
	struct rec_end e = {.host = sk->host->id, .why = why, .error = err, .from = sk->state,
			    .last_rx = last_rx_time(sk), .algo = sk->host->prof->algo};
	switch (why) {
	case END_KEEPALIVE:
	case END_KEEPALIVE_UT:
	case END_KEEPALIVE_IDLE:
		e.elapsed = tm_to_ns(tm, keepalive_time_elapsed(sk));
		e.probes_out = sk->probes_out;
		e.time = tm_to_ns(tm, keepalive_time_when(sk));
		e.intvl = tm_to_ns(tm, keepalive_intvl_when(sk));
		e.probes = keepalive_probes(sk);
		e.user_timeout = sk->user_timeout;
		break;
	case END_RTO:
	case END_SYN_TIMEOUT: {
		if (sk->lwip) {
			e.retransmits = sk->lw.nrtx; /* tcp_slowtmr(): nrtx reached the limit */
			e.boundary = lwip_rexmit_limit(sk);
			break;
		}
		struct tcp_write_rule w = tcp_write_timeout_rule(sk);
		e.retransmits = sk->retransmits;
		e.retrans_stamp = sk->retrans_stamp;
		e.boundary = w.boundary;
		e.user_timeout = sk->user_timeout;
		e.orphan = sk->dead && why == END_RTO;
		e.limit = w.limit;
		break;
	}
	case END_RESET:
		e.rst_flags = rst->flags;
		e.rst_kind = rst->kind;
		break;
	default:
		break;
	}
	return e;
}

/* tcp_done(), with the RST that caused it (END_RESET) for the record. */
static void tcp_done_by(struct tcp_sock *sk, int err, enum tcp_end why, const struct segment *rst)
{
	struct engine *eng = sk_eng(sk);
	struct ks_record r = {.type = REC_END};
	bool tracing = tcp_tracing(sk);
	if (tracing)
		r.u.end = end_record(sk, err, why, rst); /* before anything is torn down */
	tcp_set_state(sk, TCP_CLOSE);
	/* tcp_clear_xmit_timers() + the keepalive timer */
	eng_cancel(eng, &sk->retransmit_timer);
	eng_cancel(eng, &sk->keepalive_timer);
	eng_cancel(eng, &sk->tw_timer);
	if (sk->lwip)
		lwip_pcb_purge(sk);
	sk->write_seq = sk->snd_nxt; /* tcp_write_queue_purge() */
	sk->packets_out = 0;
	sk->error = sk->sk_err = err;
	sk->error_time = err ? eng->now : 0;
	sk->end = why;
	sk->end_time = eng->now;
	if (tracing)
		tcp_trace(sk, &r);
}

void tcp_done(struct tcp_sock *sk, int err, enum tcp_end why)
{
	tcp_done_by(sk, err, why, NULL);
}

void tcp_write_err(struct tcp_sock *sk, enum tcp_end why)
{
	tcp_done(sk, sk->err_soft ? sk->err_soft : KS_ETIMEDOUT, why);
}

/* tcp_reset(): a RST was accepted. */
void tcp_reset(struct tcp_sock *sk, const struct segment *seg)
{
	int err;
	switch (sk->state) {
	case TCP_SYN_SENT: err = KS_ECONNREFUSED; break; /* connect() refused */
	case TCP_SYN_RECV: err = 0; break;               /* never accepted: dropped quietly */
	case TCP_CLOSE_WAIT: err = KS_EPIPE; break;      /* peer had closed already */
	case TCP_CLOSE: return;
	default: err = KS_ECONNRESET; break;
	}
	if (sk->state == TCP_TIME_WAIT)
		err = 0; /* the timewait socket just goes away */
	tcp_done_by(sk, err, END_RESET, seg);
}

void tcp_tw_timer_expired(struct engine *eng, struct ev_timer *t)
{
	(void)eng;
	struct tcp_sock *sk = container_of(t, struct tcp_sock, tw_timer);
	tcp_done(sk, 0, END_CLOSED);
}

tcp_stamp_t tcp_fin_time(const struct tcp_sock *sk)
{
	/* tcp_fin_time(): TCP_LINGER2, else net.ipv4.tcp_fin_timeout, at least
	 * 3.5 RTO ((rto << 2) - (rto >> 1)). Callers have ruled out linger2 < 0. */
	uint64_t secs = sk->linger2 > 0 ? (uint64_t)sk->linger2 : sk->host->cfg.tcp_fin_timeout;
	tcp_stamp_t fin_timeout = tm_secs(tcp_tm(sk), secs);
	tcp_stamp_t rto = (sk->rto << 2) - (sk->rto >> 1);
	return fin_timeout < rto ? rto : fin_timeout;
}

void tcp_time_wait(struct tcp_sock *sk, enum tcp_state st, tcp_stamp_t timeo)
{
	const struct timer_model *tm = tcp_tm(sk);
	tcp_stamp_t rto = (sk->rto << 2) - (sk->rto >> 1);
	/* tcp_time_wait(): at least 3.5 RTO; TIME_WAIT itself lasts TCP_TIMEWAIT_LEN.
	 * The FIN_WAIT2 substate keeps the state FIN_WAIT2 here. */
	if (timeo < rto)
		timeo = rto;
	if (st == TCP_TIME_WAIT)
		timeo = tm_secs(tm, TCP_TIMEWAIT_LEN_S);
	tcp_set_state(sk, st);
	eng_cancel(sk_eng(sk), &sk->keepalive_timer);
	/* inet_twsk_schedule(): mod_timer() on the host's wheel */
	eng_schedule(sk_eng(sk), &sk->tw_timer, tm_expiry(tm, &sk->host->wheel, sk_now_ns(sk), timeo));
}

void tcp_host_crash(struct host *h)
{
	struct tcp_sock *sk = &h->sk;
	if (sk->state != TCP_CLOSE) {
		tcp_done(sk, 0, END_CRASH);
	}
	h->powered = false;
	h->listening = false;
}

/* ---- application calls ----------------------------------------------------- */

int tcp_sendmsg(struct tcp_sock *sk, uint64_t bytes)
{
	if (sk->sk_err) {
		int err = sk->sk_err; /* sock_error(): the pending error, once */
		sk->sk_err = 0;
		return err;
	}
	if (!(TCPF(sk->state) & (TCPF(TCP_ESTABLISHED) | TCPF(TCP_CLOSE_WAIT) | TCPF(TCP_SYN_SENT))) ||
	    sk->fin_queued)
		return KS_EPIPE;
	sk->write_seq += (uint32_t)bytes;
	tcp_push(sk);
	return 0;
}

void tcp_sock_set_linger2(struct tcp_sock *sk, uint32_t v)
{
	/* do_tcp_setsockopt(TCP_LINGER2): negative -> -1; the scenario parser has
	 * already capped it at TCP_FIN_TIMEOUT_MAX (120 s) */
	sk->linger2 = v == TCP_LINGER2_NONE ? -1 : (int32_t)v;
}

int tcp_close(struct tcp_sock *sk)
{
	if (sk->state == TCP_CLOSE)
		return 0;
	sk->dead = true; /* orphaned: nobody will read errors any more */
	if (sk->rcv_unread && sk->state != TCP_SYN_SENT) {
		/* tcp_close(): "Unread data was tossed, zap the connection":
		 * data_was_unread -> TCP_CLOSE and tcp_send_active_reset() */
		tcp_transmit(sk, TH_RST | TH_ACK, sk->snd_nxt, 0, SEG_RST_CLOSE, 1);
		tcp_done(sk, 0, END_CLOSE_RESET);
		return 0;
	}
	switch (sk->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECV: {
		tcp_done(sk, 0, END_CLOSED);
		return 0;
	}
	case TCP_ESTABLISHED: tcp_set_state(sk, TCP_FIN_WAIT1); break;
	case TCP_CLOSE_WAIT: tcp_set_state(sk, TCP_LAST_ACK); break;
	default: return 0; /* already closing */
	}
	sk->fin_queued = true;
	sk->write_seq += 1; /* tcp_send_fin(): the FIN takes a sequence number */
	tcp_push(sk);
	return 0;
}

int tcp_abort_close(struct tcp_sock *sk)
{
	if (sk->state == TCP_CLOSE)
		return 0;
	sk->dead = true;
	/* tcp_close(): SOCK_LINGER with sk_lingertime 0 -> tcp_disconnect(), which
	 * resets when tcp_need_reset(old_state) */
	if (TCPF(sk->state) & (TCPF(TCP_ESTABLISHED) | TCPF(TCP_CLOSE_WAIT) | TCPF(TCP_FIN_WAIT1) |
			       TCPF(TCP_FIN_WAIT2) | TCPF(TCP_SYN_RECV)))
		tcp_transmit(sk, TH_RST | TH_ACK, sk->snd_nxt, 0, SEG_RST_ABORT, 0);
	tcp_done(sk, 0, END_APP_ABORT);
	return 0;
}

void tcp_abort_silent(struct tcp_sock *sk)
{
	if (sk->state == TCP_CLOSE)
		return;
	sk->dead = true;
	tcp_done(sk, 0, END_APP_ABORT);
}
