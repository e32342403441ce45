/*
 * heartbeat.c - application heartbeats: the pinger of an endpoint with
 * heartbeat = ..., and every endpoint's answer to its peer's pings. See
 * heartbeat.h for the model and docs/heartbeats.md for the protocols.
 *
 * Each branch names the protocol logic it follows: the gRPC keepalive
 * (grpc-java KeepAliveManager, gRPC core's chttp2 keepalive), ssh's
 * server_alive_check() / sshd's client_alive_check(), RFC 6455's ping/pong.
 */
#include "heartbeat.h"

#include <string.h>

#include "packet.h"
#include "trace.h"

static inline struct engine *app_eng(const struct hb_app *a) { return a->sk->host->eng; }
static inline ks_time_t app_now(const struct hb_app *a) { return a->sk->host->eng->now; }
static inline bool app_pings(const struct hb_app *a) { return a->cfg.preset[0] != '\0'; }

/* A timeout of 0 is the interval: the miss is counted when the next ping is
 * due (ssh: keep_alive_timeouts++ at each interval). */
static inline ks_time_t hb_timeout(const struct hb_app *a)
{
	return a->cfg.timeout ? a->cfg.timeout : a->cfg.interval;
}

static void hb_emit(const struct hb_app *a, enum hb_decision d, uint32_t no, uint32_t misses)
{
	const struct tcp_env *env = a->sk->host->env;
	if (!env->tracing)
		return;
	struct ks_record r = {.type = REC_HEARTBEAT,
			      .u.hb = {.host = a->sk->host->id, .decision = d, .words = a->words,
				       .no = no, .misses = misses, .count = (uint32_t)a->cfg.count,
				       .size = a->cfg.size, .interval = a->cfg.interval,
				       .timeout = hb_timeout(a), .sent = a->sent_at[no % HB_RING],
				       .last_alive = a->last_alive, .idle_only = a->cfg.idle_only,
				       .no_reply = !a->cfg.reply_size, .action = a->cfg.action}};
	env->trace(env->ctx, &r);
}

/* Positions in the byte stream, counted from the connection's first data
 * byte (1 = after it), not sequence numbers: through a proxy that terminates
 * TCP ([proxy]) the peer reads the same bytes in the same order on another
 * connection, with other sequence numbers. */
static inline uint32_t stream_written(const struct tcp_sock *sk) { return sk->write_seq - sk->iss; }
static inline uint32_t stream_read(const struct tcp_sock *sk) { return sk->rcv_nxt - sk->irs; }

/* Write one heartbeat message; its end is remembered so that the peer's
 * application recognises it once it has read that far. */
static bool hb_write(struct hb_app *a, uint64_t len, enum hb_msg_kind kind, uint32_t no)
{
	if (a->out_n == HB_RING || tcp_sendmsg(a->sk, len) != 0)
		return false;
	a->out[(a->out_head + a->out_n++) % HB_RING] =
		(struct hb_msg){.end = stream_written(a->sk), .len = (uint32_t)len, .no = no, .kind = kind};
	return true;
}

/* ---- the pinger -------------------------------------------------------------- */

/* Arm the deadline of the first ping not yet answered or counted, if sent. */
static void hb_arm_deadline(struct hb_app *a)
{
	uint32_t k = a->checked + 1;
	if (k <= a->n_sent)
		eng_schedule(app_eng(a), &a->deadline_timer, a->sent_at[k % HB_RING] + hb_timeout(a));
	else
		eng_cancel(app_eng(a), &a->deadline_timer);
}

/* Pings 1..no are answered: the misses start again from 0. */
static void hb_answered(struct hb_app *a, uint32_t no)
{
	a->last_alive = app_now(a);
	if (no <= a->n_answered)
		return;
	a->n_answered = no;
	if (a->checked < no) {
		a->checked = no;
		hb_arm_deadline(a);
	}
}

static void hb_stop(struct hb_app *a)
{
	eng_cancel(app_eng(a), &a->ping_timer);
	eng_cancel(app_eng(a), &a->deadline_timer);
}

/* Give up: the application closes (gRPC: the transport; ssh: "Timeout,
 * server not responding", exit) or aborts the connection. */
static void hb_give_up(struct hb_app *a, uint32_t no, uint32_t misses)
{
	hb_emit(a, HBD_GIVEUP, no, misses);
	hb_stop(a);
	a->cfg.preset[0] = '\0'; /* this application is done */
	if (a->cfg.action == HB_ACTION_ABORT)
		tcp_abort_close(a->sk);
	else
		tcp_close(a->sk);
}

/* The timeout of ping checked + 1 passed without its reply: one more miss
 * (the unanswered pings up to it), and at count misses the application gives
 * up (gRPC: one unanswered PING; ssh: keep_alive_timeouts > CountMax).
 * Returns true when it gave up. */
static bool hb_deadline(struct hb_app *a)
{
	uint32_t k = ++a->checked, misses = k - a->n_answered;
	if (misses >= a->cfg.count) {
		hb_give_up(a, k, misses);
		return true;
	}
	hb_emit(a, HBD_MISS, k, misses);
	hb_arm_deadline(a);
	return false;
}

static void hb_deadline_timer(struct engine *eng, struct ev_timer *t)
{
	(void)eng;
	hb_deadline(container_of(t, struct hb_app, deadline_timer));
}

/* The interval passed (grpc-java KeepAliveManager's ping timer; ssh's
 * select() timeout). idle_only: like the kernel's keepalive timer, re-arm
 * for the rest of the idle time when data arrived since. */
static void hb_ping_timer(struct engine *eng, struct ev_timer *t)
{
	struct hb_app *a = container_of(t, struct hb_app, ping_timer);
	ks_time_t now = eng->now, ival = a->cfg.interval;
	if (a->cfg.idle_only && now - a->last_rx < ival) {
		eng_add(eng, t, a->last_rx + ival); /* not idle long enough yet */
		return;
	}
	/* a timeout due now is counted first (ssh's server_alive_check():
	 * keep_alive_timeouts++ and the CountMax test, then the message) */
	if (ev_timer_pending(&a->deadline_timer) && a->deadline_timer.when <= now) {
		eng_cancel(eng, &a->deadline_timer);
		if (hb_deadline(a))
			return;
	}
	eng_add(eng, t, now + ival);
	/* gRPC permit_without_calls = 0: no ping while no call is open */
	if (!a->cfg.without_calls && !a->call_open)
		return;
	if (a->n_sent - a->n_answered >= HB_RING - 1 || a->out_n == HB_RING)
		return; /* too many pings wait for replies, or messages for the peer to read */
	uint32_t no = ++a->n_sent;
	a->sent_at[no % HB_RING] = now;
	hb_emit(a, HBD_PING, no, 0); /* the decision first, then its packet */
	hb_write(a, a->cfg.size, HB_MSG_PING, no); /* ESTABLISHED, room: the write succeeds */
	if (a->checked + 1 == no)
		hb_arm_deadline(a);
}

/* ---- reading the stream ------------------------------------------------------- */

/* The peer's ping no was read: answer it with the peer's reply size (RFC
 * 6455: "MUST send a Pong frame in response"; HTTP/2: a PING with ACK). */
static void hb_answer(struct hb_app *a, uint32_t no)
{
	uint64_t len = a->peer->cfg.reply_size;
	if (len && (TCPF(a->sk->state) & (TCPF(TCP_ESTABLISHED) | TCPF(TCP_CLOSE_WAIT))))
		hb_write(a, len, HB_MSG_REPLY, no);
}

/* Bytes of the peer's heartbeat messages among [from, to) of the stream. */
static uint32_t hb_bytes_between(const struct hb_app *p, uint32_t from, uint32_t to)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < p->out_n; i++) {
		const struct hb_msg *m = &p->out[(p->out_head + i) % HB_RING];
		uint32_t start = m->end - m->len;
		if (!seq_before(start, to))
			break;
		uint32_t lo = seq_after(start, from) ? start : from;
		uint32_t hi = seq_before(m->end, to) ? m->end : to;
		if (seq_before(lo, hi))
			n += hi - lo;
	}
	return n;
}

/* sk_data_ready: the application reads what arrived in order. Complete
 * heartbeat messages of the peer are answered (pings) or answer this
 * application's pings (replies); the rest is the peer's application data. */
static void hb_data_ready(struct tcp_sock *sk)
{
	struct hb_app *a = sk->sk_user_data, *p = a->peer;
	uint32_t from = a->rcv_seen, to = stream_read(sk);
	bool app_data = to - from > hb_bytes_between(p, from, to);

	a->rcv_seen = to;
	a->last_rx = app_now(a);
	while (p->out_n && !seq_before(to, p->out[p->out_head].end)) {
		struct hb_msg m = p->out[p->out_head];
		p->out_head = (p->out_head + 1) % HB_RING;
		p->out_n--;
		if (m.kind == HB_MSG_PING)
			hb_answer(a, m.no);
		else if (app_pings(a))
			hb_answered(a, m.no);
	}
	if (app_data)
		a->call_open = false; /* the call's response arrived */
	/* grpc-java onDataReceived(), ssh's keep_alive_timeouts = 0 on any packet;
	 * AMQP: any traffic counts as a heartbeat */
	if (app_pings(a) && (a->cfg.idle_only || !a->cfg.reply_size))
		hb_answered(a, a->n_sent);
}

/* ---- the connection's life ------------------------------------------------------ */

/* sk_state_change: pings start when the connection is established and stop
 * when it leaves ESTABLISHED (closing, reset, timed out, crashed). */
static void hb_state_change(struct tcp_sock *sk)
{
	struct hb_app *a = sk->sk_user_data;
	if (sk->state != TCP_ESTABLISHED) {
		hb_stop(a);
		return;
	}
	a->out_head = a->out_n = 0;
	a->rcv_seen = stream_read(sk);
	a->n_sent = a->n_answered = a->checked = 0;
	a->last_rx = a->last_alive = app_now(a);
	if (app_pings(a))
		eng_schedule(app_eng(a), &a->ping_timer, app_now(a) + a->cfg.interval);
}

void hb_init(struct heartbeat *hb, struct host *a, struct host *b)
{
	struct host *h[NHOSTS] = {a, b};
	memset(hb, 0, sizeof(*hb));
	for (int i = 0; i < NHOSTS; i++) {
		struct hb_app *app = &hb->app[i];
		app->sk = &h[i]->sk;
		app->peer = &hb->app[!i];
		app->cfg = h[i]->cfg.hb;
		app->words = hb_preset_words(app->cfg.preset);
		ev_timer_init(&app->ping_timer, hb_ping_timer);
		ev_timer_init(&app->deadline_timer, hb_deadline_timer);
		app->sk->sk_user_data = app;
		app->sk->sk_data_ready = hb_data_ready;
		app->sk->sk_state_change = hb_state_change;
	}
}

void hb_app_write(struct heartbeat *hb, int h)
{
	hb->app[h].call_open = true;
}
