/*
 * tcp.c - the input path of a host's TCP and its opening (net/ipv4/tcp_input.c,
 * tcp_ipv4.c in miniature; the output path is tcp_output.c, the ends of a
 * connection and the application's calls tcp_close.c).
 *
 * What matters for keepalive is *which* received segments refresh the idle
 * clock, and this file mirrors the kernel there exactly:
 *   - rcv_tstamp is refreshed and probes_out cleared by tcp_ack(), for an ACK
 *     with snd_una <= ack <= snd_nxt (duplicate ACKs included: the answer to a
 *     probe), and by the ACK that completes the handshake (the SYN-ACK at the
 *     client, the third segment at the server); probes_out is otherwise only
 *     counted up by the keepalive timer and reset with a new connection;
 *   - lrcvtime changes only in tcp_event_data_recv(), for in-order data queued;
 *   - in-order data whose ACK equals snd_una skips tcp_ack() only when it
 *     takes the header-prediction fast path, whose conditions are modelled
 *     (tcp_hp_data()); on a current kernel an idle connection's data never
 *     does, so it clears probes_out (docs/keepalive.md).
 */
#include "tcp.h"

#include <string.h>

#include "priv/tcp_priv.h"

tcp_stamp_t tcp_now(const struct tcp_sock *sk)
{
	return tm_stamp(&sk->host->tm, sk_now_ns(sk));
}

const char *tcp_state_name(enum tcp_state s)
{
	static const char *const names[] = {
		[TCP_ESTABLISHED] = "ESTABLISHED", [TCP_SYN_SENT] = "SYN_SENT",
		[TCP_SYN_RECV] = "SYN_RECV",       [TCP_FIN_WAIT1] = "FIN_WAIT1",
		[TCP_FIN_WAIT2] = "FIN_WAIT2",     [TCP_TIME_WAIT] = "TIME_WAIT",
		[TCP_CLOSE] = "CLOSE",             [TCP_CLOSE_WAIT] = "CLOSE_WAIT",
		[TCP_LAST_ACK] = "LAST_ACK",       [TCP_LISTEN] = "LISTEN",
		[TCP_CLOSING] = "CLOSING",
	};
	return (s >= TCP_ESTABLISHED && s <= TCP_CLOSING) ? names[s] : "?";
}

const char *tcp_errno_name(int err)
{
	switch (err) {
	case KS_EPIPE: return "EPIPE";
	case KS_ECONNREFUSED: return "ECONNREFUSED";
	case KS_ECONNRESET: return "ECONNRESET";
	case KS_ETIMEDOUT: return "ETIMEDOUT";
	case KS_ECONNABORTED: return "ECONNABORTED";
	case KS_EHOSTUNREACH: return "EHOSTUNREACH";
	case KS_ENETUNREACH: return "ENETUNREACH";
	}
	return NULL;
}

void tcp_set_state(struct tcp_sock *sk, enum tcp_state to)
{
	if (sk->state == to)
		return;
	if (tcp_tracing(sk)) {
		struct ks_record r = {.type = REC_STATE,
				      .u.st = {.host = sk->host->id, .from = sk->state, .to = to}};
		tcp_trace(sk, &r);
	}
	sk->state = to;
	if (sk->sk_state_change)
		sk->sk_state_change(sk); /* the application is told (sock_def_wakeup) */
}


void tcp_host_init(struct host *h, const struct tcp_env *env, const struct timer_model *tm, int id,
		   const struct ep_config *cfg)
{
	memset(h, 0, sizeof(*h));
	h->env = env;
	h->eng = env->eng;
	h->id = id;
	h->name = host_letter(id);
	h->cfg = *cfg;
	h->prof = profile_get(cfg->os);
	h->tm = *tm; /* the host's own model, chosen by the simulation (sim.c) */
	h->powered = h->plugged = true;

	struct tcp_sock *sk = &h->sk;
	sk->host = h;
	sk->state = TCP_CLOSE;
	/* Socket options set before connect()/listen(), as the file says. */
	sk->keepopen = cfg->so_keepalive;
	sk->keepalive_time = cfg->tcp_keepidle;
	sk->keepalive_intvl = cfg->tcp_keepintvl;
	sk->keepalive_probes = cfg->tcp_keepcnt;
	keepalive_refresh(sk);
	sk->user_timeout = cfg->tcp_user_timeout;
	tcp_sock_set_linger2(sk, cfg->tcp_linger2);
	sk->rto = tcp_timeout_init(sk);
	sk->retrans_stamp = KS_TIME_NEVER;
	sk->rtt_probe_sent = KS_TIME_NEVER;
	ev_timer_init(&sk->keepalive_timer, tcp_keepalive_timer);
	ev_timer_init(&sk->retransmit_timer, tcp_retransmit_timer);
	ev_timer_init(&sk->tw_timer, tcp_tw_timer_expired);
	sk->lwip = h->prof->algo == KA_ALGO_LWIP;
	lwip_pcb_init(sk);
}

/* ---- opening --------------------------------------------------------------- */

static void set_tuple(struct tcp_sock *sk, uint32_t saddr, uint16_t sport, uint32_t daddr,
		      uint16_t dport, int peer)
{
	sk->saddr = saddr;
	sk->sport = sport;
	sk->daddr = daddr;
	sk->dport = dport;
	sk->hdr = (struct segment){
		.saddr = saddr, .daddr = daddr, .sport = sport, .dport = dport, .win = TCP_WINDOW,
		.src = (uint8_t)sk->host->id, .dst = (uint8_t)peer,
	};
}

/* Window scaling (RFC 7323): every profile's stack offers it on a SYN
 * (Linux: net.ipv4.tcp_window_scaling = 1) except lwIP, built without
 * LWIP_WND_SCALE by default. */
static bool tcp_offers_wscale(const struct host *h)
{
	return h->prof->algo != KA_ALGO_LWIP;
}

static void reset_connection_fields(struct tcp_sock *sk)
{
	sk->dead = sk->fin_queued = false;
	sk->pred_flags = false;
	sk->packets_out = sk->probes_out = 0;
	sk->retransmits = sk->backoff = 0;
	sk->retrans_stamp = KS_TIME_NEVER;
	sk->rto = tcp_timeout_init(sk);
	tcp_rtt_reset(sk);
	sk->tlp_pending = false;
	sk->error = sk->sk_err = 0;
	sk->end = END_NONE;
}

void tcp_connect(struct host *h, const struct host *peer)
{
	struct tcp_sock *sk = &h->sk;
	ks_time_t now = h->eng->now;
	reset_connection_fields(sk);
	set_tuple(sk, h->cfg.addr, h->cfg.port, peer->cfg.addr, peer->cfg.port, peer->id);
	/* tcp_connect_init(): offer timestamps when net.ipv4.tcp_timestamps */
	sk->tstamp_ok = h->cfg.tcp_timestamps != 0 && !sk->lwip; /* lwIP: LWIP_TCP_TIMESTAMPS 0 */
	sk->iss = h->env->isn(h->env->ctx);
	sk->snd_una = sk->iss;
	sk->snd_nxt = sk->write_seq = sk->iss + 1;
	sk->wscale_ok = tcp_offers_wscale(h); /* tcp_connect_init(): the SYN offers it */
	sk->retrans_stamp = now; /* tcp_connect() */
	sk->rtt_probe_sent = now;
	tcp_set_state(sk, TCP_SYN_SENT);
	if (sk->lwip)
		lwip_pcb_active(sk);
	tcp_transmit(sk, TH_SYN, sk->iss, 0, SEG_NORMAL, 0);
	if (sk->lwip)
		lwip_output_segment(sk, sk->iss);
	sk->packets_out = 1;
	tcp_rearm_rto(sk);
}

void tcp_listen(struct host *h)
{
	h->listening = true;
}

/* A SYN for a listener: Linux keeps a request sock; kasim keeps one socket per
 * host, so the listener's socket becomes the connection (inheriting its
 * options, as tcp_create_openreq_child copies the listener). */
__cold static void tcp_conn_request(struct host *h, const struct segment *syn)
{
	struct tcp_sock *sk = &h->sk;
	ks_time_t now = h->eng->now;
	reset_connection_fields(sk);
	set_tuple(sk, syn->daddr, syn->dport, syn->saddr, syn->sport, syn->src);
	/* tcp_openreq_init(): timestamps if the SYN offered them and we use them */
	sk->tstamp_ok = syn->tsval && h->cfg.tcp_timestamps && !sk->lwip;
	sk->hdr.tsecr = sk->tstamp_ok ? syn->tsval : 0; /* ts_recent */
	sk->irs = syn->seq;
	sk->rcv_nxt = sk->rcv_wup = syn->seq + 1;
	/* tcp_openreq_init(): scaling only if the SYN offered it too */
	sk->wscale_ok = (syn->opts & TCPOPT_WSCALE_OK) && tcp_offers_wscale(h);
	sk->last_oow_ack_time = 0; /* the request sock's own, never used yet */
	sk->iss = h->env->isn(h->env->ctx);
	sk->snd_una = sk->iss;
	sk->snd_nxt = sk->write_seq = sk->iss + 1;
	sk->rtt_probe_sent = now;
	sk->retrans_stamp = now;
	tcp_set_state(sk, TCP_SYN_RECV);
	if (sk->lwip)
		lwip_pcb_active(sk);
	tcp_transmit(sk, TH_SYN | TH_ACK, sk->iss, 0, SEG_NORMAL, 0);
	if (sk->lwip)
		lwip_output_segment(sk, sk->iss);
	sk->packets_out = 1;
	tcp_rearm_rto(sk);
}

/* The handshake's ACK arrived: RTT sample, stop the SYN timer, ESTABLISHED,
 * lrcvtime = now and the keepalive timer armed (tcp_finish_connect /
 * tcp_create_openreq_child). */
static void tcp_established(struct tcp_sock *sk, const struct segment *ack)
{
	tcp_rtt_handshake(sk, sk->rtt_probe_sent, sk->retransmits != 0, ack);
	sk->rtt_probe_sent = KS_TIME_NEVER;
	sk->packets_out = 0;
	tcp_ack_clears_retrans(sk);
	eng_cancel(sk_eng(sk), &sk->retransmit_timer);
	tcp_set_state(sk, TCP_ESTABLISHED);
	sk->lrcvtime = tcp_now(sk);
	tcp_keepalive_established(sk);
}

/* tcp_rcv_synsent_state_process() (once per connection: out of line) */
__cold static void tcp_rcv_synsent(struct tcp_sock *sk, const struct segment *seg)
{
	if (seg->flags & TH_ACK) {
		/* RFC 793: an ACK of something we never sent gets a RST */
		if (!seq_after(seg->ack, sk->iss) || seq_after(seg->ack, sk->snd_nxt)) {
			if (!(seg->flags & TH_RST))
				tcp_v4_send_reset(sk->host, seg);
			return;
		}
		if (seg->flags & TH_RST) {
			tcp_reset(sk, seg); /* connection refused */
			return;
		}
	}
	if (!(seg->flags & TH_SYN) || !(seg->flags & TH_ACK))
		return; /* simultaneous open and bare RSTs are not modelled: drop */
	sk->irs = seg->seq;
	sk->rcv_nxt = sk->rcv_wup = seg->seq + 1;
	sk->snd_una = seg->ack;
	if (sk->lwip)
		lwip_synsent_acked(sk);
	if (!seg->tsval)
		sk->tstamp_ok = false; /* tcp_rcv_synsent_state_process(): none in the SYN-ACK */
	sk->hdr.tsecr = sk->tstamp_ok ? seg->tsval : 0; /* ts_recent */
	/* tcp_rcv_synsent_state_process(): __tcp_fast_path_on() only when the
	 * peer's window is not scaled (snd_wscale == 0), else pred_flags = 0:
	 * a Linux client starts with header prediction off */
	sk->wscale_ok = sk->wscale_ok && (seg->opts & TCPOPT_WSCALE_OK);
	sk->pred_flags = !sk->wscale_ok;
	/* tcp_ack() on the SYN-ACK */
	sk->rcv_tstamp = tcp_now(sk);
	sk->probes_out = 0;
	tcp_established(sk, seg);
	tcp_send_ack(sk, SEG_NORMAL, 0);
	tcp_push(sk); /* data written before the handshake completed */
}

/* ---- the synchronized states ---------------------------------------------- */

/* tcp_sequence(): is any part of the segment inside the receive window? */
static bool tcp_sequence(const struct tcp_sock *sk, const struct segment *seg)
{
	uint32_t end_seq = seg->seq + seg->len + !!(seg->flags & TH_SYN) + !!(seg->flags & TH_FIN);
	return !seq_before(end_seq, sk->rcv_wup) && !seq_after(seg->seq, sk->rcv_nxt + TCP_WINDOW);
}

/* tcp_oow_rate_limited(): at most one ACK per tcp_invalid_ratelimit for
 * zero-length out-of-window segments (data segments are never limited). */
static bool tcp_oow_rate_limited(struct tcp_sock *sk, const struct segment *seg)
{
	if (seg->len > 0 && !(seg->flags & TH_SYN))
		return false;
	tcp_stamp_t now = tcp_now(sk);
	const struct timer_model *tm = tcp_tm(sk);
	if (sk->last_oow_ack_time &&
	    tm_elapsed(tm, now, sk->last_oow_ack_time) < tm_msecs(tm, TCP_INVALID_RATELIMIT_MS))
		return true;
	sk->last_oow_ack_time = now ? now : 1; /* 0 means "never" */
	return false;
}

/* tcp_check_req(): in SYN_RECV, a pure retransmitted SYN (seq == rcv_isn,
 * no ACK, no RST) means the SYN-ACK was lost: send it again at once
 * (inet_rtx_syn_ack(), num_retrans only: the timer's count num_timeout and
 * the backoff stay), unless tcp_oow_rate_limited() on the request's
 * last_oow_ack_time, and restart the pending timer at now + reqsk_timeout()
 * (mod_timer_pending(): the current, backed-off RTO). */
__cold static bool tcp_check_req_syn(struct tcp_sock *sk, const struct segment *seg)
{
	if ((seg->flags & (TH_SYN | TH_ACK | TH_RST)) != TH_SYN || seg->seq != sk->irs)
		return false;
	if (!tcp_oow_rate_limited(sk, seg)) {
		sk->retrans_sent++;
		tcp_transmit(sk, TH_SYN | TH_ACK, sk->iss, 0, SEG_SYNACK_AGAIN, 0);
		tcp_rearm_rto(sk);
	}
	return true;
}

/* tcp_send_dupack(): an immediate ACK telling the peer what we expect. */
static void tcp_send_dupack(struct tcp_sock *sk, const struct segment *seg)
{
	bool probe = seg->len == 0 && seg->seq == sk->rcv_nxt - 1;
	tcp_send_ack(sk, probe ? SEG_KA_ACK : SEG_DUPACK, probe ? seg->nth : 0);
}

/* tcp_ack()'s end for any acceptable ACK, duplicates included: it proves
 * the peer alive ("something worked"). */
static inline void tcp_ack_alive(struct tcp_sock *sk)
{
	sk->err_soft = 0;
	sk->probes_out = 0;
	sk->rcv_tstamp = tcp_now(sk);
}

/* tcp_ack(): returns -1 to discard the segment, 0 for an old ACK, 1 otherwise. */
static int tcp_ack(struct tcp_sock *sk, const struct segment *seg)
{
	if (seq_before(seg->ack, sk->snd_una))
		return 0; /* old_ack: no refresh of rcv_tstamp */
	if (seq_after(seg->ack, sk->snd_nxt))
		return -1; /* ACK of unsent data: discard (RFC 793 3.9) */

	if (seq_after(seg->ack, sk->snd_una)) {
		sk->snd_una = seg->ack;
		if (sk->lwip)
			lwip_rcv_ack(sk, seg->ack);
		sk->retransmits = 0;
		sk->backoff = 0;
		sk->packets_out = packets_in_flight(sk);
		tcp_rtt_ack(sk, seg); /* tcp_clean_rtx_queue(): an RTT sample, Karn allowing */
		if (sk->snd_una == sk->snd_nxt) {
			tcp_ack_clears_retrans(sk);
			eng_cancel(sk_eng(sk), &sk->retransmit_timer);
		} else {
			tcp_set_xmit_timer(sk); /* a loss probe, or the RTO */
		}
	}
	tcp_ack_alive(sk);
	return 1;
}

/* tcp_rcv_state_process(), FIN_WAIT1 when our FIN is acknowledged, for an
 * orphan (close() always orphans in kasim). Returns true when the segment is
 * consumed (the kernel's "goto discard" / "return 1"). */
static bool tcp_fin_wait1_acked(struct tcp_sock *sk, const struct segment *seg)
{
	tcp_set_state(sk, TCP_FIN_WAIT2);
	if (!sk->dead)
		return false; /* a lingering close() is woken up */
	/* TCP_LINGER2 < 0, or new data after close(): tcp_done(), and
	 * tcp_v4_do_rcv() answers the segment with a RST (TCPABORTONDATA) */
	if (sk->linger2 < 0 || (seg->len && seq_after(seg->seq + seg->len, sk->rcv_nxt))) {
		tcp_done(sk, 0, END_CLOSE_RESET);
		tcp_v4_send_reset(sk->host, seg);
		return true;
	}
	tcp_stamp_t tmo = tcp_fin_time(sk), twl = tm_secs(tcp_tm(sk), TCP_TIMEWAIT_LEN_S);
	if (tmo > twl) {
		/* longer than TIME_WAIT: a full socket, on the keepalive timer for
		 * the excess (step 4 of tcp_keepalive_timer() takes over) */
		tcp_reset_keepalive_timer(sk, tmo - twl);
		return false;
	}
	if (seg->flags & TH_FIN) {
		tcp_reset_keepalive_timer(sk, tmo); /* the FIN below moves it on */
		return false;
	}
	tcp_time_wait(sk, TCP_FIN_WAIT2, tmo); /* a timewait socket in FIN_WAIT2 */
	return true;
}

/* Our FIN has been acknowledged: the closing states move on. Returns true
 * when the segment is consumed. */
static bool tcp_fin_acked(struct tcp_sock *sk, const struct segment *seg)
{
	switch (sk->state) {
	case TCP_FIN_WAIT1:
		return tcp_fin_wait1_acked(sk, seg);
	case TCP_CLOSING:
		tcp_time_wait(sk, TCP_TIME_WAIT, 0);
		return true;
	case TCP_LAST_ACK:
		tcp_done(sk, 0, END_CLOSED);
		return true;
	default:
		return false;
	}
}

/* tcp_event_data_recv(): in-order data was queued. */
static void tcp_event_data_recv(struct tcp_sock *sk)
{
	sk->lrcvtime = tcp_now(sk);
}

/* tcp_data_queue() + tcp_fin(): payload and FIN of an acceptable segment. */
static void tcp_data_queue(struct tcp_sock *sk, const struct segment *seg)
{
	bool accepts_data = TCPF(sk->state) & (TCPF(TCP_ESTABLISHED) | TCPF(TCP_FIN_WAIT1) |
					      TCPF(TCP_FIN_WAIT2));
	uint32_t end = seg->seq + seg->len;
	bool need_ack = false, queued = false;

	if (seg->len > 0 && accepts_data) {
		if (!seq_after(seg->seq, sk->rcv_nxt) && seq_after(end, sk->rcv_nxt)) {
			if (!sk->host->cfg.app_reads)
				sk->rcv_unread += end - sk->rcv_nxt; /* nobody reads it */
			sk->rcv_nxt = end; /* in order (possibly overlapping): queue it */
			tcp_event_data_recv(sk);
			/* tcp_fast_path_check(): no out-of-order queue, window open,
			 * no urgent data (the application reads what it gets) */
			sk->pred_flags = true;
			need_ack = queued = true;
		} else {
			/* tcp_data_queue_ofo(): a hole turns header prediction off */
			if (seq_after(seg->seq, sk->rcv_nxt))
				sk->pred_flags = false;
			tcp_send_dupack(sk, seg); /* out of order or old: no OOO queue */
			return;
		}
	}
	if ((seg->flags & TH_FIN) && end == sk->rcv_nxt) {
		sk->rcv_nxt += 1; /* tcp_fin() */
		need_ack = true;
		switch (sk->state) {
		case TCP_ESTABLISHED: tcp_set_state(sk, TCP_CLOSE_WAIT); break;
		case TCP_FIN_WAIT1: tcp_set_state(sk, TCP_CLOSING); break;
		case TCP_FIN_WAIT2: tcp_time_wait(sk, TCP_TIME_WAIT, 0); break;
		case TCP_TIME_WAIT: tcp_time_wait(sk, TCP_TIME_WAIT, 0); break;
		default: break;
		}
	} else if ((seg->flags & TH_FIN) && seq_before(end, sk->rcv_nxt)) {
		need_ack = true; /* a retransmitted FIN: ACK it again */
	}
	if (need_ack && sk->lwip && seg->len && !(seg->flags & TH_FIN))
		lwip_ack_delayed(sk); /* lwIP's tcp_ack(): every second segment, or the fast tick */
	else if (need_ack)
		tcp_send_ack(sk, SEG_NORMAL, 0);
	/* tcp_data_ready(): the reader wakes; it runs after this segment's ACK */
	if (queued && sk->sk_data_ready)
		sk->sk_data_ready(sk);
}

/* tcp_data_snd_check() -> tcp_push_pending_frames(): push only when the
 * write queue holds something (tcp_send_head()). With it empty, packets_out
 * already counts what is in flight: tcp_ack() recounted it if the ACK moved
 * snd_una, and nothing else moved the send sequence since tcp_push(). */
static inline void tcp_data_snd_check(struct tcp_sock *sk)
{
	if (!tcp_write_queue_empty(sk))
		tcp_push(sk);
}

/* Header prediction for data (tcp_rcv_established()): in-order data whose
 * ACK changes nothing skips tcp_ack() (rcv_tstamp, probes_out stay) only if
 * (tcp_flag_word(th) & TCP_HP_BITS) == pred_flags (a bare ACK; kasim's
 * header length and window never vary), seq == rcv_nxt, and the skb fits
 * sk_forward_alloc, else "goto step5". Linux >= 6.0 returns an idle socket's
 * pages as soon as the reader has read (sk_mem_uncharge() ->
 * sk_mem_reclaim()), so that last check always fails here; 2.6 handed data
 * to a waiting reader without it (tcp_copy_to_iovec()). Other stacks keep
 * kasim's earlier rule. docs/keepalive.md has the whole story. */
static bool tcp_hp_data(const struct tcp_sock *sk, const struct segment *seg)
{
	if (sk->state != TCP_ESTABLISHED || seg->len == 0 || seg->seq != sk->rcv_nxt ||
	    seg->ack != sk->snd_una || (seg->flags & (TH_FIN | TH_SYN | TH_RST)))
		return false;
	switch (sk->host->prof->algo) {
	case KA_ALGO_LINUX: return false;           /* sk_forward_alloc == 0: step5 */
	case KA_ALGO_LINUX26: return sk->pred_flags; /* the prequeue reader's path */
	default: return true;
	}
}

/* tcp_rcv_state_process() for every state after SYN_SENT, for a segment in
 * the window that header prediction did not take (out of line: the common
 * path below then calls only in tail position and saves no registers). */
__attribute__((noinline)) static void tcp_rcv_state_process(struct tcp_sock *sk,
							    const struct segment *seg)
{
	if (sk->lwip)
		lwip_tcp_process(sk, seg);
	if (sk->state == TCP_SYN_RECV && tcp_check_req_syn(sk, seg))
		return; /* before req->ts_recent is updated, as in tcp_check_req() */
	/* tcp_replace_ts_recent(): echo the TSval of a segment at rcv_wup (a
	 * pure ACK, header prediction's, carries none: tcp_output.c) */
	if (seg->tsval && !seq_after(seg->seq, sk->rcv_wup))
		sk->hdr.tsecr = seg->tsval;
	/* Step 2: RST. Exact match resets; elsewhere in the window: challenge ACK (RFC 5961). */
	if (seg->flags & TH_RST) {
		if (seg->seq == sk->rcv_nxt)
			tcp_reset(sk, seg);
		else
			tcp_send_ack(sk, SEG_CHALLENGE, 0);
		return;
	}
	/* Step 4: a SYN in a synchronized state gets a challenge ACK. */
	if (seg->flags & TH_SYN) {
		tcp_send_ack(sk, SEG_CHALLENGE, 0);
		return;
	}
	if (!(seg->flags & TH_ACK))
		return;

	if (sk->state == TCP_SYN_RECV) {
		if (seg->ack != sk->snd_nxt) {
			tcp_v4_send_reset(sk->host, seg); /* unacceptable ACK in SYN_RECV */
			return;
		}
		sk->snd_una = seg->ack;
		if (sk->lwip)
			lwip_rcv_ack(sk, seg->ack);
		sk->rcv_tstamp = tcp_now(sk); /* tcp_ack() on the handshake's ACK */
		sk->probes_out = 0;
		sk->pred_flags = true; /* tcp_rcv_state_process(): tcp_fast_path_on() */
		sk->last_oow_ack_time = 0; /* tcp_create_openreq_child(): the child's own */
		tcp_established(sk, seg);
		tcp_data_queue(sk, seg);
		tcp_push(sk);
		return;
	}

	if (!tcp_hp_data(sk, seg)) {
		int acceptable = tcp_ack(sk, seg);
		if (acceptable < 0)
			return;
		if (acceptable == 0 && sk->state != TCP_ESTABLISHED) {
			tcp_send_ack(sk, SEG_CHALLENGE, 0); /* tcp_rcv_state_process: !acceptable */
			return;
		}
		if (sk->fin_queued && sk->snd_una == sk->write_seq && tcp_fin_acked(sk, seg))
			return;
		if (sk->state == TCP_CLOSE)
			return;
	}
	/* tcp_rcv_established(): a pure ACK has nothing to queue */
	if (seg->len > 0 || (seg->flags & TH_FIN))
		tcp_data_queue(sk, seg);
	tcp_data_snd_check(sk); /* the window may have opened */
}

/* Header prediction, the sender's side (tcp_rcv_established fast path): a
 * pure ACK at rcv_nxt that acknowledges nothing new -- a keepalive's answer
 * -- with nothing waiting to be sent. tcp_ack() would only find the peer
 * alive, tcp_data_snd_check() would push nothing. */
static inline bool tcp_pure_dupack(const struct tcp_sock *sk, const struct segment *seg)
{
	return sk->state == TCP_ESTABLISHED && seg->flags == TH_ACK && seg->len == 0 &&
	       seg->seq == sk->rcv_nxt && seg->ack == sk->snd_una && tcp_write_queue_empty(sk);
}

/* tcp_validate_incoming() step 1 failed: the segment is outside the window.
 * Out of line: the registers its rate limit needs around the clock of a
 * model with ticks (a call) are then saved here, not on every segment. */
__attribute__((noinline, flatten)) static void tcp_rcv_out_of_window(struct tcp_sock *sk,
							    const struct segment *seg)
{
	if (sk->lwip)
		lwip_tcp_process(sk, seg);
	if (!(seg->flags & TH_RST) && !tcp_oow_rate_limited(sk, seg))
		tcp_send_dupack(sk, seg); /* this is how a keepalive probe is answered */
}

/* Every state after SYN_SENT: the sequence check, header prediction, then
 * tcp_rcv_state_process(). */
static inline void tcp_rcv_synchronized(struct tcp_sock *sk, const struct segment *seg)
{
	/* (lwIP: every path below restarts pcb->tmr first, tcp_process(); the
	 * pure duplicate ACK's tcp_ack_alive() does the same.) */
	/* tcp_validate_incoming() step 1: sequence check. */
	if (!tcp_sequence(sk, seg)) {
		tcp_rcv_out_of_window(sk, seg);
		return;
	}
	if (tcp_pure_dupack(sk, seg)) {
		tcp_ack_alive(sk);
		return;
	}
	tcp_rcv_state_process(sk, seg);
}

/* inet_match(): the segment's (saddr, daddr) and (sport, dport) are the
 * socket's (daddr, saddr) and (dport, sport), compared as one word each, as
 * the kernel compares skc_addrpair and skc_portpair. */
static inline uint64_t pair32(uint32_t lo, uint32_t hi) { return (uint64_t)hi << 32 | lo; }
static inline uint32_t pair16(uint16_t lo, uint16_t hi) { return (uint32_t)hi << 16 | lo; }

static bool tuple_matches(const struct tcp_sock *sk, const struct segment *seg)
{
	return sk->state != TCP_CLOSE &&
	       pair32(seg->saddr, seg->daddr) == pair32(sk->daddr, sk->saddr) &&
	       pair16(seg->sport, seg->dport) == pair16(sk->dport, sk->sport);
}

/* tcp_v4_rcv(): find the socket, or answer with a RST. */
void tcp_v4_rcv(struct host *h, const struct segment *seg)
{
	struct tcp_sock *sk = &h->sk;
	if (tuple_matches(sk, seg)) {
		if (sk->state == TCP_SYN_SENT)
			tcp_rcv_synsent(sk, seg);
		else
			tcp_rcv_synchronized(sk, seg);
		return;
	}
	if (h->listening && sk->state == TCP_CLOSE && seg->dport == h->cfg.port &&
	    (seg->flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN) {
		tcp_conn_request(h, seg);
		return;
	}
	tcp_v4_send_reset(h, seg); /* no socket: the rebooted-host answer */
}
