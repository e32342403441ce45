/*
 * keepalive.c - tcp_keepalive_timer() as in current mainline Linux
 * (net/ipv4/tcp_timer.c), and the socket options that steer it
 * (net/ipv4/tcp.c: tcp_set_keepalive, tcp_sock_set_keepidle_locked, ...).
 *
 * The timer is lazy, like the kernel's: it is not pushed back by every
 * received segment. When it fires it looks at the idle clock
 * (rcv_tstamp / lrcvtime, refreshed by tcp.c) and decides. Read it beside
 * tcp_keepalive_timer(); the step numbers below are those of the kernel's
 * control flow (and of docs/keepalive.md).
 *
 * Invariant: while probes go unanswered nothing refreshes the idle clock, so
 * elapsed only grows and each probe is re-armed keepalive_intvl after the
 * firing that sent it: consecutive probes are keepalive_intvl apart with
 * exact timers, and keepalive_intvl plus the wheel's rounding with
 * timer = linux (docs/timers.md).
 */
#include "keepalive.h"

#include "priv/tcp_priv.h"

/* include/net/tcp.h: the per-socket value if set, else the sysctl. */
static uint32_t opt_or_default(uint32_t opt, uint32_t dflt) { return opt ? opt : dflt; }

struct ka_settings keepalive_settings(const struct ep_config *cfg)
{
	return (struct ka_settings){
		.time = opt_or_default(cfg->tcp_keepidle, cfg->tcp_keepalive_time),
		.intvl = opt_or_default(cfg->tcp_keepintvl, cfg->tcp_keepalive_intvl),
		.probes = opt_or_default(cfg->tcp_keepcnt, cfg->tcp_keepalive_probes),
	};
}

/* The option if set, else the sysctl (read when either changes). */
static uint32_t time_secs(const struct tcp_sock *sk)
{
	return opt_or_default(sk->keepalive_time, sk->host->cfg.tcp_keepalive_time);
}

static uint32_t intvl_secs(const struct tcp_sock *sk)
{
	return opt_or_default(sk->keepalive_intvl, sk->host->cfg.tcp_keepalive_intvl);
}

static uint32_t probes_count(const struct tcp_sock *sk)
{
	return opt_or_default(sk->keepalive_probes, sk->host->cfg.tcp_keepalive_probes);
}

struct ka_settings keepalive_settings_sk(const struct tcp_sock *sk)
{
	return (struct ka_settings){.time = time_secs(sk), .intvl = intvl_secs(sk),
				    .probes = probes_count(sk)};
}

void keepalive_refresh(struct tcp_sock *sk)
{
	const struct timer_model *tm = tcp_tm(sk);
	sk->ka_time_when = tm_secs(tm, time_secs(sk));
	sk->ka_intvl_when = tm_secs(tm, intvl_secs(sk));
	sk->ka_probes = probes_count(sk);
}

/* keepalive_time_elapsed(): time since the later of "last ACK processed" and
 * "last in-order data queued". */
tcp_stamp_t keepalive_time_elapsed(const struct tcp_sock *sk)
{
	const struct timer_model *tm = tcp_tm(sk);
	tcp_stamp_t now = tcp_now(sk);
	tcp_stamp_t since_data = tm_elapsed(tm, now, sk->lrcvtime);
	tcp_stamp_t since_ack = tm_elapsed(tm, now, sk->rcv_tstamp);
	if (sk->host->prof->algo == KA_ALGO_LINUX26)
		return since_ack; /* 2.6.24: rcv_tstamp only */
	return since_data < since_ack ? since_data : since_ack;
}

/* When a keepalive timer armed now for len fires (the nominal time kept for
 * the records). */
static ks_time_t keepalive_expiry(struct tcp_sock *sk, tcp_stamp_t len)
{
	struct engine *eng = sk_eng(sk);
	struct host *h = sk->host;
	sk->ka_nominal = eng->now + tm_to_ns(&h->tm, len);
	return tm_expiry(&h->tm, &h->wheel, eng->now, len);
}

void tcp_reset_keepalive_timer(struct tcp_sock *sk, tcp_stamp_t len)
{
	eng_schedule(sk_eng(sk), &sk->keepalive_timer, keepalive_expiry(sk, len));
}

/* Entering ESTABLISHED (tcp_finish_connect / tcp_create_openreq_child): arm
 * keepalive_time if SO_KEEPALIVE is on -- or always on FreeBSD
 * (always_keepalive); lwIP's slow timer runs on every connection. */
void tcp_keepalive_established(struct tcp_sock *sk)
{
	const struct profile *p = sk->host->prof;
	if (p->algo == KA_ALGO_LWIP)
		return; /* the slow timer has visited the pcb since connect (tcp_lwip.c) */
	if (sk->keepopen || p->always_keepalive)
		tcp_reset_keepalive_timer(sk, keepalive_time_when(sk));
}

void tcp_delete_keepalive_timer(struct tcp_sock *sk)
{
	eng_cancel(sk_eng(sk), &sk->keepalive_timer);
}

/* tcp_write_wakeup(): from the keepalive path the write queue is always empty
 * (step 6 returned otherwise), so this is tcp_xmit_probe_skb(): a zero-length
 * ACK with seq = snd_una - 1, outside the peer's window, which the peer must
 * answer with a duplicate ACK -- or a RST if it has no such connection. */
static int tcp_write_wakeup(struct tcp_sock *sk)
{
	return tcp_transmit(sk, TH_ACK, sk->snd_una - 1, 0, SEG_KA_PROBE, sk->probes_out + 1);
}

/* A record's next firing "keepalive_intvl from now", computed only when the
 * record is written (the hot path then reads no option for a record nobody
 * listens to). */
#define KA_NEXT_INTVL (KS_TIME_NEVER - 1)

/* The record of one firing; every time converted with the host's own timer
 * model (the one the stamps were counted in). */
__attribute__((noinline)) static void ka_record(struct tcp_sock *sk, enum ka_decision d,
						 tcp_stamp_t elapsed, tcp_stamp_t next)
{
	const struct timer_model *tm = tcp_tm(sk);
	if (next == KA_NEXT_INTVL)
		next = keepalive_intvl_when(sk);
	struct ks_record r = {.type = REC_KEEPALIVE};
	r.u.ka = (struct rec_keepalive){
		.host = sk->host->id, .peer = sk->hdr.dst, .decision = d, .elapsed = tm_to_ns(tm, elapsed),
		.probes_out = sk->probes_out,
		.time = tm_to_ns(tm, keepalive_time_when(sk)),
		.intvl = tm_to_ns(tm, keepalive_intvl_when(sk)),
		.probes = keepalive_probes(sk), .user_timeout = sk->user_timeout,
		.next = next == KS_TIME_NEVER ? KS_TIME_NEVER : tm_to_ns(tm, next),
		.probe_no = sk->probes_out + 1, .packets_out = sk->packets_out,
		.unsent = !tcp_write_queue_empty(sk),
		.nominal = sk->ka_nominal, .actual = sk_now_ns(sk),
		.algo = sk->host->prof->algo, .clock = tm->kind,
	};
	tcp_trace(sk, &r);
}

/* Report a firing's decision, only while someone listens. */
static inline void emit_ka(struct tcp_sock *sk, enum ka_decision d, tcp_stamp_t elapsed,
			   tcp_stamp_t next)
{
	if (tcp_tracing(sk))
		ka_record(sk, d, elapsed, next);
}

/* The abort: RST, then tcp_write_err() (ETIMEDOUT unless a soft error). */
__cold static void keepalive_abort(struct tcp_sock *sk, enum ka_decision d, tcp_stamp_t elapsed)
{
	emit_ka(sk, d, elapsed, KS_TIME_NEVER);
	tcp_send_active_reset(sk);
	tcp_write_err(sk, d == KA_ABORT_UT ? END_KEEPALIVE_UT
			  : d == KA_ABORT_IDLE ? END_KEEPALIVE_IDLE : END_KEEPALIVE);
}

__cold static void bsd_keepalive_timer(struct tcp_sock *sk);
__cold static void lwip_slowtmr(struct tcp_sock *sk);

/* Flattened: the common path of a firing (the idle clock, tcp_write_wakeup()
 * down to the host's interface, the re-arm down to the engine's heap) is
 * compiled into this one function, one frame instead of five; the abort and
 * the other stacks' rules (__cold) stay out of line. It is kept whole, about
 * 100 lines of which 74 are code, so that it reads step by step beside the
 * kernel's tcp_keepalive_timer(), whose order and labels it keeps. */
__attribute__((flatten)) void tcp_keepalive_timer(struct engine *eng, struct ev_timer *t)
{
	struct tcp_sock *sk = container_of(t, struct tcp_sock, keepalive_timer);
	const struct timer_model *tm = tcp_tm(sk);
	tcp_stamp_t elapsed = 0, next;
	enum ka_decision d;

	tm_fire(tm, &sk->host->wheel, eng->now);
	switch (sk->host->prof->algo) {
	case KA_ALGO_BSD:
		bsd_keepalive_timer(sk);
		return;
	case KA_ALGO_LWIP:
		lwip_slowtmr(sk);
		return;
	case KA_ALGO_LINUX:
	case KA_ALGO_LINUX26:
		break;
	}

	/* Step 1 (socket owned by the user: retry in HZ/20) cannot happen: kasim's
	 * application never holds the socket lock when a timer fires.
	 * Step 2 (LISTEN: "keepalive on a LISTEN", no re-arm) cannot happen either:
	 * a listener never arms this timer. */

	/* Step 4: an orphan in FIN_WAIT2 uses this timer as its FIN_WAIT2 timer
	 * (armed for tcp_fin_time() - TCP_TIMEWAIT_LEN when FIN_WAIT1's FIN was
	 * acked, tcp_rcv_state_process()). With TCP_LINGER2 >= 0 the rest,
	 * tcp_fin_time() - TCP_TIMEWAIT_LEN again, is spent as a timewait socket
	 * (tcp_time_wait(), at least 3.5 RTO); else, or when nothing is left:
	 * tcp_send_active_reset() and tcp_done(). */
	if (sk->state == TCP_FIN_WAIT2 && sk->dead) {
		d = KA_OFF;
		if (sk->linger2 >= 0) {
			tcp_stamp_t fin = tcp_fin_time(sk), twl = tm_secs(tm, TCP_TIMEWAIT_LEN_S);
			if (fin > twl) {
				emit_ka(sk, d, 0, KS_TIME_NEVER);
				tcp_time_wait(sk, TCP_FIN_WAIT2, fin - twl);
				return;
			}
		}
		emit_ka(sk, d, 0, KS_TIME_NEVER);
		tcp_transmit(sk, TH_RST | TH_ACK, sk->snd_nxt, 0, SEG_RST_CLOSE, 2);
		tcp_done(sk, 0, END_CLOSE_RESET);
		return;
	}

	/* Step 5: keepalive switched off, or a state without keepalive. */
	if (!sk->keepopen || (TCPF(sk->state) & (TCPF(TCP_CLOSE) | TCPF(TCP_SYN_SENT)))) {
		d = KA_OFF;
		goto out;
	}

	/* Step 6: "alive without keepalive": data in flight or queued. The
	 * retransmission timer owns the connection; just look again in
	 * keepalive_time. probes_out is left alone. */
	if (sk->packets_out || !tcp_write_queue_empty(sk)) {
		d = KA_BUSY;
		next = keepalive_time_when(sk);
		goto resched;
	}

	/* Step 7: how long since we last heard from the peer? */
	elapsed = keepalive_time_elapsed(sk);

	if (elapsed >= keepalive_time_when(sk)) {
		/* Step 8a: the abort test. TCP_USER_TIMEOUT, when set, replaces the
		 * probe count ("overtakes keepalive"), but only once a probe is out. */
		uint32_t ut = sk->user_timeout;
		if (ut && elapsed >= tm_msecs(tm, ut) && sk->probes_out > 0) {
			keepalive_abort(sk, KA_ABORT_UT, elapsed);
			return;
		}
		if (!ut && sk->probes_out >= keepalive_probes(sk)) {
			keepalive_abort(sk, KA_ABORT, elapsed);
			return;
		}
		/* Step 8b: send a probe. */
		emit_ka(sk, KA_PROBE, elapsed, KA_NEXT_INTVL);
		if (tcp_write_wakeup(sk) <= 0) {
			/* sent (or a local error, which also counts) */
			sk->probes_out++;
			sk->probes_sent++;
			next = keepalive_intvl_when(sk);
		} else {
			/* the qdisc refused it: local congestion, retry in
			 * TCP_RESOURCE_PROBE_INTERVAL without counting the probe */
			next = tm_msecs(tm, TCP_RESOURCE_PROBE_INTERVAL_MS);
			emit_ka(sk, KA_RESOURCE, elapsed, next);
		}
		goto resched_quiet;
	}

	/* Step 9: not idle long enough: sleep until last activity + keepalive_time. */
	d = KA_IDLE;
	next = keepalive_time_when(sk) - elapsed;

resched:
	emit_ka(sk, d, elapsed, next);
resched_quiet:
	/* Step 10: re-arm relative to now, the actual firing time. The timer
	 * has just fired, so it is not pending: add_timer(). */
	eng_add(eng, &sk->keepalive_timer, keepalive_expiry(sk, next));
	return;
out:
	emit_ka(sk, d, elapsed, KS_TIME_NEVER);
}

/* ---- other stacks -------------------------------------------------------- */

/* FreeBSD tcp_timer_keep() / XNU TCPT_KEEP: the abort is decided on idle
 * time alone (no probe counter), and outstanding data does not stop probing.
 * probes_out only numbers the probes for the outputs. */
__cold static void bsd_keepalive_timer(struct tcp_sock *sk)
{
	const struct profile *p = sk->host->prof;
	tcp_stamp_t idle = keepalive_time_elapsed(sk); /* ticks - t_rcvtime */
	tcp_stamp_t keepidle = keepalive_time_when(sk);
	tcp_stamp_t maxidle = keepalive_probes(sk) * keepalive_intvl_when(sk); /* TP_MAXIDLE */
	uint32_t states = TCPF(TCP_ESTABLISHED) | TCPF(TCP_CLOSE_WAIT) | TCPF(TCP_FIN_WAIT1) |
			  TCPF(TCP_CLOSING) | TCPF(TCP_LAST_ACK);

	if (p->keepalive_fin_wait2)
		states |= TCPF(TCP_FIN_WAIT2); /* XNU also probes in FIN_WAIT_2 */
	if (sk->state == TCP_CLOSE || sk->state == TCP_TIME_WAIT) {
		emit_ka(sk, KA_OFF, idle, KS_TIME_NEVER);
		return;
	}
	/* the callout is not pushed back by traffic: sleep until idle reaches keepidle */
	if (idle < keepidle) {
		emit_ka(sk, KA_IDLE, idle, keepidle - idle);
		tcp_reset_keepalive_timer(sk, keepidle - idle);
		return;
	}
	if ((sk->keepopen || p->always_keepalive) && (TCPF(sk->state) & states)) {
		/* idle >= keepidle + keepcnt * keepintvl: tcp_drop(ETIMEDOUT), which sends a RST */
		if (idle >= keepidle + maxidle) {
			keepalive_abort(sk, KA_ABORT_IDLE, idle);
			return;
		}
		/* tcp_respond(): seq snd_una - 1, ack rcv_nxt; re-arm keepintvl */
		emit_ka(sk, KA_PROBE, idle, keepalive_intvl_when(sk));
		tcp_write_wakeup(sk);
		sk->probes_out++;
		sk->probes_sent++;
		tcp_reset_keepalive_timer(sk, keepalive_intvl_when(sk));
		return;
	}
	/* keepalive does not apply: look again in keepidle */
	emit_ka(sk, KA_OFF, idle, keepidle);
	tcp_reset_keepalive_timer(sk, keepidle);
}

/* lwIP tcp_slowtmr(), keepalive part, run every TCP_SLOW_INTERVAL (500 ms) on
 * every connection. Times are in slow-timer ticks and the thresholds are
 * integer divisions by 500 ms compared with a strict '>'. */
__cold static void lwip_slowtmr(struct tcp_sock *sk)
{
	if (TCPF(sk->state) & (TCPF(TCP_CLOSE) | TCPF(TCP_LISTEN) | TCPF(TCP_TIME_WAIT)))
		return; /* not on tcp_active_pcbs */
	if (!lwip_slowtmr_rexmit(sk))
		return; /* dropped: too many retransmissions */
	if (sk->keepopen && (TCPF(sk->state) & (TCPF(TCP_ESTABLISHED) | TCPF(TCP_CLOSE_WAIT)))) {
		struct ka_settings ka = keepalive_settings_sk(sk);
		uint64_t idle_ms = (uint64_t)ka.time * 1000, intvl_ms = (uint64_t)ka.intvl * 1000;
		uint64_t cnt = ka.probes;
		uint64_t slow_ms = TM_LWIP_SLOW_INTERVAL / KS_MS;
		/* tcp_ticks - pcb->tmr: pcb->tmr is set by every accepted segment */
		tcp_stamp_t idle = keepalive_time_elapsed(sk);
		if (idle > (idle_ms + cnt * intvl_ms) / slow_ms) {
			/* "KEEPALIVE timeout": tcp_rst(seq snd_nxt, ack rcv_nxt), ERR_ABRT */
			emit_ka(sk, KA_ABORT_IDLE, idle, KS_TIME_NEVER);
			tcp_send_active_reset(sk);
			tcp_done(sk, KS_ECONNABORTED, END_KEEPALIVE_IDLE);
			return;
		}
		if (idle > (idle_ms + sk->probes_out * intvl_ms) / slow_ms) {
			/* tcp_keepalive(): seq snd_nxt - 1; keep_cnt_sent++ if sent */
			emit_ka(sk, KA_PROBE, idle, 1);
			if (tcp_transmit(sk, TH_ACK, sk->snd_nxt - 1, 0, SEG_KA_PROBE, sk->probes_out + 1) <= 0) {
				sk->probes_out++;
				sk->probes_sent++;
			}
		}
	}
	tcp_reset_keepalive_timer(sk, 1); /* the next slow tick */
}

/* ---- socket options (net/ipv4/tcp.c, net/core/sock.c) ---------------------- */

/* SO_KEEPALIVE: the hook runs before the flag changes. */
void tcp_set_keepalive(struct tcp_sock *sk, bool on)
{
	if (sk->host->prof->algo == KA_ALGO_LWIP) {
		sk->keepopen = on; /* SOF_KEEPALIVE: read at every slow tick */
		return;
	}
	if (!(TCPF(sk->state) & (TCPF(TCP_CLOSE) | TCPF(TCP_LISTEN)))) {
		if (on && !sk->keepopen)
			tcp_reset_keepalive_timer(sk, keepalive_time_when(sk)); /* a full keepalive_time */
		else if (!on)
			tcp_delete_keepalive_timer(sk); /* probes_out is not touched */
	}
	sk->keepopen = on;
}

/* TCP_KEEPIDLE: re-arm with the idle time still to go (0 if already past),
 * replacing whatever was pending, even mid-way through a probe sequence. */
void tcp_sock_set_keepidle(struct tcp_sock *sk, uint32_t s)
{
	sk->keepalive_time = s;
	keepalive_refresh(sk);
	if (sk->host->prof->algo == KA_ALGO_LWIP)
		return; /* pcb->keep_idle: read at every slow tick */
	if (sk->keepopen && !(TCPF(sk->state) & (TCPF(TCP_CLOSE) | TCPF(TCP_LISTEN)))) {
		tcp_stamp_t elapsed = keepalive_time_elapsed(sk);
		tcp_stamp_t when = keepalive_time_when(sk);
		tcp_reset_keepalive_timer(sk, when > elapsed ? when - elapsed : 0);
	}
}

/* TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT: stored; the pending timer is
 * untouched, the new value counts at the next firing. */
void tcp_sock_set_keepintvl(struct tcp_sock *sk, uint32_t s)
{
	sk->keepalive_intvl = s;
	keepalive_refresh(sk);
}

void tcp_sock_set_keepcnt(struct tcp_sock *sk, uint32_t n)
{
	sk->keepalive_probes = n;
	keepalive_refresh(sk);
}

void tcp_sock_set_user_timeout(struct tcp_sock *sk, uint32_t ms) { sk->user_timeout = ms; }
