/*
 * proxy.c - a proxy that terminates TCP (proxy.h): the relay between its
 * two sockets, its payload-idle timer and max_duration, and how one leg's
 * end reaches the other. P's sockets are the model's (tcp.c); this file is
 * the product's application logic around them, the part an ALB, nginx or
 * Envoy adds to two TCP connections.
 */
#include "proxy.h"

#include <string.h>

#include "trace.h"

static void idle_fire(struct engine *eng, struct ev_timer *t);
static void max_fire(struct engine *eng, struct ev_timer *t);

const char *proxy_close_name(int c)
{
	switch (c) {
	case PROXY_FIN: return "fin";
	case PROXY_RST: return "rst";
	case PROXY_SILENT: return "none";
	}
	return "?";
}

void proxy_init(struct proxy *p, struct engine *eng, const struct proxy_config *cfg,
		struct host *client, struct host *server, const struct host *backend,
		const struct proxy_hooks *hooks)
{
	memset(p, 0, sizeof(*p));
	p->eng = eng;
	p->cfg = cfg;
	p->client = client;
	p->server = server;
	p->backend = backend;
	p->hooks = *hooks;
	p->accepted = KS_TIME_NEVER;
	p->closed_at = KS_TIME_NEVER;
	ev_timer_init(&p->idle_timer, idle_fire);
	ev_timer_init(&p->max_timer, max_fire);
	tcp_listen(client);
}

void proxy_destroy(struct proxy *p)
{
	eng_cancel(p->eng, &p->idle_timer);
	eng_cancel(p->eng, &p->max_timer);
}

static void report(struct proxy *p, enum proxy_decision d, int leg, int ca, int sa, ks_time_t limit)
{
	struct rec_proxy r = {.decision = d, .leg = leg, .client_action = ca, .server_action = sa,
			      .last_payload = p->last_payload, .limit = limit,
			      .bytes = {p->bytes[0], p->bytes[1]}, .preset = p->cfg->preset};
	if (p->hooks.report)
		p->hooks.report(p->hooks.ctx, &r);
}

/* P closes the connection (why: a timer, or leg's FIN or end): no more
 * relaying, no more timers. */
static void stop(struct proxy *p, enum proxy_decision why, int leg)
{
	p->closing = true;
	p->closed_at = p->eng->now;
	p->closed_why = why;
	p->closed_leg = leg;
	eng_cancel(p->eng, &p->idle_timer);
	eng_cancel(p->eng, &p->max_timer);
}

/* One leg gets action c (enum proxy_close); -1 when the leg is already gone. */
static int close_leg(struct host *h, int c)
{
	struct tcp_sock *sk = &h->sk;
	if (sk->state == TCP_CLOSE || sk->dead)
		return -1;
	switch (c) {
	case PROXY_FIN: tcp_close(sk); break;
	case PROXY_RST: tcp_abort_close(sk); break; /* an abortive close: RST */
	default: tcp_abort_silent(sk); break;      /* the product forgets it without a packet */
	}
	return c;
}

/* A timer closed the connection: each leg gets its expiry action. */
static void expire(struct proxy *p, enum proxy_decision why, ks_time_t limit)
{
	stop(p, why, -1);
	/* the decision first, then the packets it causes (reading order) */
	struct tcp_sock *c = &p->client->sk, *s = &p->server->sk;
	int ca = c->state == TCP_CLOSE || c->dead ? -1 : p->cfg->client_expiry;
	int sa = s->state == TCP_CLOSE || s->dead ? -1 : p->cfg->server_expiry;
	report(p, why, -1, ca, sa, limit);
	close_leg(p->client, p->cfg->client_expiry);
	close_leg(p->server, p->cfg->server_expiry);
}

/* The idle timer: payload-idle for idle_timeout (lazy: payload only moves
 * last_payload; the firing re-arms for the rest, as tcp_keepalive_timer()
 * does with keepalive_time_elapsed()). */
static void idle_fire(struct engine *eng, struct ev_timer *t)
{
	struct proxy *p = container_of(t, struct proxy, idle_timer);
	ks_time_t due = p->last_payload + p->cfg->idle_timeout;
	if (eng->now < due) {
		eng_schedule(eng, t, due);
		return;
	}
	expire(p, PXD_EXPIRED, p->cfg->idle_timeout);
}

static void max_fire(struct engine *eng, struct ev_timer *t)
{
	(void)eng;
	struct proxy *p = container_of(t, struct proxy, max_timer);
	expire(p, PXD_MAX, p->cfg->max_duration);
}

/* The client leg is established: the timers start, P connects to B. */
static void accept_leg(struct proxy *p)
{
	ks_time_t now = p->eng->now;
	p->accepted = now;
	p->last_payload = now;
	if (p->cfg->idle_timeout)
		eng_schedule(p->eng, &p->idle_timer, now + p->cfg->idle_timeout);
	if (p->cfg->max_duration)
		eng_schedule(p->eng, &p->max_timer, now + p->cfg->max_duration);
	report(p, PXD_ACCEPT, HOST_PC, -1, -1, 0);
	tcp_connect(p->server, p->backend);
}

static struct host *other_leg(struct proxy *p, const struct host *h)
{
	return h == p->client ? p->server : p->client;
}

/* Payload bytes queued in order by this segment: rcv_nxt moved from old, at
 * most to the segment's end (the rest is its FIN). */
static uint32_t payload_queued(const struct segment *seg, uint32_t old, uint32_t now)
{
	uint32_t end = seg->seq + seg->len;
	if (!seg->len || now == old || !seq_after(end, old))
		return 0;
	uint32_t moved = now - old, data = end - old;
	return moved < data ? moved : data;
}

void proxy_rcv(struct proxy *p, struct host *h, const struct segment *seg)
{
	struct tcp_sock *sk = &h->sk;
	enum tcp_state before = sk->state;
	uint32_t old = sk->rcv_nxt;
	bool synced = TCPF(before) & (TCPF(TCP_SYN_RECV) | TCPF(TCP_ESTABLISHED) |
				      TCPF(TCP_FIN_WAIT1) | TCPF(TCP_FIN_WAIT2));
	tcp_v4_rcv(h, seg);
	if (h == p->client && before == TCP_SYN_RECV && sk->state == TCP_ESTABLISHED)
		accept_leg(p);
	uint32_t bytes = synced ? payload_queued(seg, old, sk->rcv_nxt) : 0;
	if (bytes) {
		/* the product's idle timer counts payload only (this is the one place) */
		p->last_payload = p->eng->now;
		p->bytes[h == p->server] += bytes;
		if (!p->closing)
			tcp_sendmsg(&other_leg(p, h)->sk, bytes); /* relay: write it on the other leg */
	}
	/* a FIN on this leg: P closes both legs (the FIN is passed on) */
	if (sk->state == TCP_CLOSE_WAIT && before != TCP_CLOSE_WAIT && !p->closing) {
		struct host *o = other_leg(p, h);
		stop(p, PXD_PASS_FIN, h->id);
		int oa = o->sk.state == TCP_CLOSE || o->sk.dead ? -1 : PROXY_FIN;
		report(p, PXD_PASS_FIN, h->id, h == p->client ? PROXY_FIN : oa,
		       h == p->server ? PROXY_FIN : oa, 0);
		close_leg(o, PROXY_FIN);
		tcp_close(sk);
	}
}

void proxy_sock_record(struct proxy *p, const struct ks_record *r)
{
	if (r->type != REC_END || p->closing)
		return;
	const struct rec_end *e = &r->u.end;
	if (e->why == END_CLOSED || e->why == END_APP_ABORT)
		return;
	/* reset, keepalive or retransmission timeout, connect failure: the other
	 * leg gets on_reset */
	struct host *h = e->host == HOST_PC ? p->client : p->server;
	struct host *o = other_leg(p, h);
	stop(p, PXD_PASS_END, h->id);
	int a = o->sk.state == TCP_CLOSE || o->sk.dead ? -1 : p->cfg->on_reset;
	report(p, PXD_PASS_END, h->id, h == p->server ? a : -1, h == p->client ? a : -1, 0);
	close_leg(o, p->cfg->on_reset);
}
