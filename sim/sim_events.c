/*
 * sim_events.c - the scenario's events applied to one simulation: A's
 * connect(), the script of timed events (one timer walks them in order) and
 * the repeating ones (one timer each, re-armed when it fires), and what each
 * action does to the hosts, the link and the middleboxes.
 *
 * Ordering rule (sim.c): scenario events at time t run before anything else
 * the model scheduled for t later, and in file order among themselves; at
 * t = 0 they run before A's SYN leaves.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keepalive.h"
#include "priv/sim_priv.h"

static void repeat_fire(struct engine *eng, struct ev_timer *t);

/* A timer for each repeating event (none without "every"). */
void sim_repeat_init(struct sim *s)
{
	const struct scenario *sc = s->sc;
	size_t n = 0;
	for (size_t i = 0; i < sc->nevents; i++)
		n += sc->events[i].every != 0;
	if (!n)
		return;
	s->repeat = calloc(n, sizeof(*s->repeat));
	if (!s->repeat)
		abort(); /* as the engine's heap: a handful of bytes per event line */
	for (size_t i = 0; i < sc->nevents; i++) {
		if (!sc->events[i].every)
			continue;
		ev_timer_init(&s->repeat[s->nrepeat].t, repeat_fire);
		s->repeat[s->nrepeat++].ev = i;
	}
}

/* ---- the scenario's events ---------------------------------------------------- */

void sim_connect_fire(struct engine *eng, struct ev_timer *t)
{
	(void)eng;
	struct sim *s = container_of(t, struct sim, connect);
	if (s->host[HOST_A].powered) /* to B, or to P's client leg */
		tcp_connect(&s->host[HOST_A], &s->host[s->has_proxy ? HOST_PC : HOST_B]);
}

static void apply_set(struct host *h, const struct sc_event *ev)
{
	struct tcp_sock *sk = &h->sk;
	uint32_t v = (uint32_t)ev->arg;
	switch (ev->opt) {
	case OPT_SO_KEEPALIVE: tcp_set_keepalive(sk, v != 0); break;
	case OPT_TCP_KEEPIDLE: tcp_sock_set_keepidle(sk, v); break;
	case OPT_TCP_KEEPINTVL: tcp_sock_set_keepintvl(sk, v); break;
	case OPT_TCP_KEEPCNT: tcp_sock_set_keepcnt(sk, v); break;
	case OPT_TCP_USER_TIMEOUT: tcp_sock_set_user_timeout(sk, v); break;
	/* sysctls: read at the next use, pending timers untouched */
	case OPT_SYSCTL_KEEPALIVE_TIME: h->cfg.tcp_keepalive_time = v; keepalive_refresh(sk); break;
	case OPT_SYSCTL_KEEPALIVE_INTVL: h->cfg.tcp_keepalive_intvl = v; keepalive_refresh(sk); break;
	case OPT_SYSCTL_KEEPALIVE_PROBES: h->cfg.tcp_keepalive_probes = v; keepalive_refresh(sk); break;
	case OPT_SYSCTL_RETRIES2: h->cfg.tcp_retries2 = v; break;
	case OPT_SYSCTL_SYN_RETRIES: h->cfg.tcp_syn_retries = v; break;
	case OPT_SYSCTL_ICMP_RATELIMIT: h->cfg.icmp_ratelimit = v; break;
	case OPT_SYSCTL_ICMP_RATEMASK: h->cfg.icmp_ratemask = v; break;
	/* read when a connection is created (tcp_init_sock(), the SYN) */
	case OPT_SYSCTL_RTO_MIN_US: h->cfg.tcp_rto_min_us = v; break;
	case OPT_SYSCTL_TIMESTAMPS: h->cfg.tcp_timestamps = v; break;
	case OPT_TCP_LINGER2: tcp_sock_set_linger2(sk, v); break;
	case OPT_SYSCTL_FIN_TIMEOUT: h->cfg.tcp_fin_timeout = v; break;
	case OPT_SYSCTL_ORPHAN_RETRIES: h->cfg.tcp_orphan_retries = v; break;
	case OPT_SYSCTL_SYNACK_RETRIES: h->cfg.tcp_synack_retries = v; break;
	}
}

static const char *errno_result(int err, const char *call)
{
	(void)call;
	switch (err) {
	case 0: return NULL;
	case KS_EPIPE: return "fails with EPIPE";
	case KS_ECONNRESET: return "fails with ECONNRESET";
	case KS_ETIMEDOUT: return "fails with ETIMEDOUT";
	case KS_ECONNREFUSED: return "fails with ECONNREFUSED";
	case KS_ECONNABORTED: return "fails with ECONNABORTED";
	case KS_EHOSTUNREACH: return "fails with EHOSTUNREACH";
	case KS_ENETUNREACH: return "fails with ENETUNREACH";
	}
	return "fails";
}

/* The path's events (host -1, or PARTITION's sender). */
static const char *apply_path(struct sim *s, const struct sc_event *ev)
{
	struct link *l = &s->link;
	switch (ev->action) {
	case ACT_LINK_DOWN: l->down = true; break;
	case ACT_LINK_UP: l->down = false; break;
	case ACT_LINK_LOSS: link_set_loss(l, ev->p); break;
	case ACT_LINK_DELAY: link_set_delay(l, ev->host, ev->arg, ev->jitter); break;
	case ACT_PARTITION: /* A's wire: B's direction is P's with a proxy */
		l->partitioned[ev->host == HOST_B && s->has_proxy ? HOST_PC : ev->host] = true;
		break;
	case ACT_HEAL:
		l->partitioned[HOST_A] = l->partitioned[HOST_B] = l->partitioned[HOST_PC] = false;
		break;
	case ACT_NAT_FLUSH:
	case ACT_NAT_REBOOT:
		if (s->box_on[NAT_BOX_NAT])
			nat_flush(&s->box[NAT_BOX_NAT], ev->action == ACT_NAT_REBOOT);
		break;
	case ACT_LB_FLUSH:
	case ACT_LB_REBOOT:
		if (s->box_on[NAT_BOX_LB])
			nat_flush(&s->box[NAT_BOX_LB], ev->action == ACT_LB_REBOOT);
		break;
	case ACT_UNREACHABLE:
		s->icmp.code[ev->host] = ev->arg == UINT64_MAX ? -1 : (int)ev->arg;
		break;
	default: break;
	}
	return NULL;
}

/* Apply one event; returns what happened when it is worth saying. */
static const char *apply(struct sim *s, const struct sc_event *ev)
{
	if (ev->action >= ACT_LINK_DOWN)
		return apply_path(s, ev);
	struct host *h = &s->host[ev->host];
	bool app = ev->action == ACT_SEND || ev->action == ACT_CLOSE || ev->action == ACT_SET;
	if (app && !h->powered)
		return "ignored: the host is down";
	switch (ev->action) {
	case ACT_UNPLUG: h->plugged = false; break;
	case ACT_REPLUG: h->plugged = true; break;
	case ACT_CRASH:
		if (!h->powered)
			return "ignored: already down";
		tcp_host_crash(h);
		break;
	case ACT_BOOT:
		if (h->powered)
			return "ignored: already up";
		h->powered = true; /* no sockets, no listener: every segment gets a RST */
		break;
	case ACT_REBOOT:
		if (h->powered)
			tcp_host_crash(h);
		h->powered = true;
		break;
	case ACT_SEND:
		if (s->hb)
			hb_app_write(s->hb, ev->host); /* a call opens */
		return errno_result(tcp_sendmsg(&h->sk, ev->arg), "send");
	case ACT_CLOSE: return errno_result(tcp_close(&h->sk), "close");
	case ACT_SET: apply_set(h, ev); break;
	case ACT_CONGEST: h->qdisc_drop_until = s->eng.now + ev->arg; break;
	default: break;
	}
	return NULL;
}

/* Arm rp's next occurrence after the one at time 'at', if it comes at or
 * before its until and the end of the simulation. */
__attribute__((noinline)) static void repeat_arm(struct sim *s, struct sim_repeat *rp, ks_time_t at)
{
	const struct sc_event *ev = &s->sc->events[rp->ev];
	ks_time_t last = ev->until < s->sc->duration ? ev->until : s->sc->duration;
	if (at <= last && last - at >= ev->every)
		eng_schedule_seq(&s->eng, &rp->t, at + ev->every, s->script_seq + rp->ev);
}

/* One occurrence of an event: its record, then what it does. */
static void script_apply(struct sim *s, const struct sc_event *ev)
{
	struct ks_record r = {.type = REC_ACTION, .u.act = {.ev = ev}};
	sim_emit(s, &r); /* the event first, then what it causes */
	r.u.act.result = apply(s, ev);
	sim_update_plain_path(s);
	if (r.u.act.result)
		sim_emit(s, &r); /* and what became of it, when worth saying */
}

void sim_script_fire(struct engine *eng, struct ev_timer *t)
{
	struct sim *s = container_of(t, struct sim, script);
	const struct scenario *sc = s->sc;
	size_t i = s->script_next++;
	const struct sc_event *ev = &sc->events[i];
	/* arm the next one before this one acts, as if every event were pending */
	if (s->script_next < sc->nevents)
		eng_schedule_seq(eng, t, sc->events[s->script_next].at, s->script_seq + s->script_next);
	if (ev->every) {
		struct sim_repeat *rp = s->repeat;
		while (rp->ev != i)
			rp++;
		repeat_arm(s, rp, ev->at);
	}
	script_apply(s, ev);
}

/* The next occurrence of a repeating event: armed before this one acts, as
 * script_fire() does. */
static void repeat_fire(struct engine *eng, struct ev_timer *t)
{
	struct sim_repeat *rp = container_of(t, struct sim_repeat, t);
	struct sim *s = container_of(eng, struct sim, eng);
	repeat_arm(s, rp, eng->now);
	script_apply(s, &s->sc->events[rp->ev]);
}
