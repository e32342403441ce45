/*
 * output.c - wording shared by the text and JSON outputs: times, packet
 * notes, drop reasons and the closing sentence for each endpoint.
 */
#include "output.h"

#include <stdio.h>
#include <string.h>

#include "keepalive.h"
#include "sim.h"

const char *tcp_flags_str(uint8_t flags, char buf[8])
{
	char *p = buf;
	if (flags & TH_SYN) *p++ = 'S';
	if (flags & TH_FIN) *p++ = 'F';
	if (flags & TH_RST) *p++ = 'R';
	if (flags & TH_PSH) *p++ = 'P';
	if (flags & TH_ACK) *p++ = '.';
	if (p == buf) *p++ = 'n'; /* tcpdump's "none" */
	*p = '\0';
	return buf;
}

void timer_text(char *buf, size_t n, const struct scenario *sc, int h)
{
	switch (sc_host_timer(sc, h)) {
	case TM_LINUX:
		snprintf(buf, n, "linux HZ %u", (unsigned)sc->hz);
		return;
	case TM_LWIP:
		snprintf(buf, n, "lwip 500 ms");
		return;
	case TM_EXACT:
		break;
	}
	snprintf(buf, n, "exact");
}

void format_ts(char *buf, size_t n, ks_time_t t)
{
	format_seconds_fixed(buf, n, t, 6, 6);
}

void format_ts9(char *buf, size_t n, ks_time_t t)
{
	format_seconds_fixed(buf, n, t, 9, 9);
}


void packet_note(char *buf, size_t n, const struct segment *seg)
{
	switch ((enum seg_kind)seg->kind) {
	case SEG_RETRANS: snprintf(buf, n, "retransmission #%u", seg->nth); break;
	case SEG_KA_PROBE: snprintf(buf, n, "keepalive probe #%u", seg->nth); break;
	case SEG_KA_ACK: snprintf(buf, n, "keepalive ACK (answers probe #%u)", seg->nth); break;
	case SEG_DUPACK: snprintf(buf, n, "duplicate ACK"); break;
	case SEG_CHALLENGE: snprintf(buf, n, "challenge ACK"); break;
	case SEG_RST_NOSOCK: snprintf(buf, n, "RST: %c has no such connection", host_letter(seg->src)); break;
	case SEG_RST_KA: snprintf(buf, n, "RST: keepalive gave up"); break;
	case SEG_RST_OTHER: snprintf(buf, n, "RST"); break;
	case SEG_RST_NAT: snprintf(buf, n, "RST sent by the NAT (as if from %c)", host_letter(seg->src)); break;
	case SEG_RST_LB: snprintf(buf, n, "RST sent by the LB (as if from %c)", host_letter(seg->src)); break;
	case SEG_TLP: snprintf(buf, n, "tail loss probe"); break;
	case SEG_ICMP:
		snprintf(buf, n, "ICMP %s from %c's end of the path", icmp_code_name(seg->icmp_code),
			 host_letter(seg->src));
		break;
	case SEG_RST_ABORT: snprintf(buf, n, "RST: the application aborted (SO_LINGER 0)"); break;
	case SEG_RST_CLOSE:
		snprintf(buf, n, seg->nth == 1 ? "RST: closed with unread data"
					       : "RST: the orphan's FIN_WAIT2 time is up");
		break;
	case SEG_SYNACK_AGAIN: snprintf(buf, n, "SYN-ACK again (answers a retransmitted SYN)"); break;
	case SEG_NORMAL: buf[0] = '\0'; break;
	}
}

ks_time_t record_lag_bound(const struct scenario *sc)
{
	ks_time_t h = 0;
	for (int d = 0; d < NHOSTS; d++) {
		ks_time_t x = sc->link.dir[d].delay + sc->link.dir[d].jitter;
		if (x > h)
			h = x;
	}
	if (sc->proxy.enabled && sc->proxy.server_delay > h)
		h = sc->proxy.server_delay; /* the server leg's wire */
	/* and every delay a "link delay" event sets */
	for (size_t i = 0; i < sc->nevents; i++)
		if (sc->events[i].action == ACT_LINK_DELAY && sc->events[i].arg + sc->events[i].jitter > h)
			h = sc->events[i].arg + sc->events[i].jitter;
	return h;
}

const char *rto_rule(const struct rec_rto *r)
{
	if (r->synack)
		return "tcp_synack_retries"; /* the request sock's timer ignores TCP_USER_TIMEOUT */
	if (r->user_timeout)
		return "TCP_USER_TIMEOUT"; /* retransmits_timed_out(): it overrides the count */
	return r->syn ? "tcp_syn_retries" : r->orphan ? "tcp_orphan_retries" : "tcp_retries2";
}

void drop_text(char *buf, size_t n, enum drop_reason r, int host)
{
	switch (r) {
	case DROP_NONE: snprintf(buf, n, "delivered"); break;
	case DROP_UNPLUGGED: snprintf(buf, n, "%c unplugged", host_letter(host)); break;
	case DROP_HOST_DOWN: snprintf(buf, n, "%c powered off", host_letter(host)); break;
	case DROP_QDISC: snprintf(buf, n, "%c's qdisc refused it", host_letter(host)); break;
	case DROP_LINK_LOSS: snprintf(buf, n, "lost on the wire"); break;
	case DROP_LINK_DOWN: snprintf(buf, n, "the link is down"); break;
	case DROP_PARTITION: snprintf(buf, n, "this direction is partitioned"); break;
	case DROP_NAT_NO_MAPPING:
		snprintf(buf, n, "the %s has no mapping for it", host == FATE_AT_LB ? "LB" : "NAT");
		break;
	case DROP_NAT_TABLE_FULL:
		snprintf(buf, n, "the %s's table is full", host == FATE_AT_LB ? "LB" : "NAT");
		break;
	case DROP_UNREACHABLE: snprintf(buf, n, "%c's end of the path rejects it", host_letter(host)); break;
	}
}

const char *ka_decision_name(enum ka_decision d)
{
	static const char *const names[] = {
		[KA_OFF] = "off", [KA_BUSY] = "data-in-flight", [KA_IDLE] = "idle",
		[KA_PROBE] = "probe", [KA_RESOURCE] = "resource-retry", [KA_ABORT] = "abort",
		[KA_ABORT_UT] = "abort-user-timeout", [KA_ABORT_IDLE] = "abort-idle",
	};
	return names[d];
}

const char *end_name(enum tcp_end e)
{
	static const char *const names[] = {
		[END_NONE] = "none", [END_KEEPALIVE] = "keepalive-timeout",
		[END_KEEPALIVE_UT] = "keepalive-user-timeout", [END_RTO] = "retransmission-timeout",
		[END_SYN_TIMEOUT] = "connect-timeout", [END_RESET] = "reset",
		[END_CLOSED] = "closed", [END_CRASH] = "crashed",
		[END_KEEPALIVE_IDLE] = "keepalive-idle-timeout", [END_ICMP] = "icmp-error",
		[END_APP_ABORT] = "aborted", [END_CLOSE_RESET] = "close-reset",
	};
	return names[e];
}

const char *action_name(enum action a)
{
	static const char *const names[] = {
		[ACT_UNPLUG] = "unplug", [ACT_REPLUG] = "replug", [ACT_CRASH] = "crash",
		[ACT_BOOT] = "boot", [ACT_REBOOT] = "reboot", [ACT_SEND] = "send",
		[ACT_CLOSE] = "close", [ACT_SET] = "set", [ACT_CONGEST] = "congest",
		[ACT_LINK_DOWN] = "link-down", [ACT_LINK_UP] = "link-up",
		[ACT_LINK_LOSS] = "link-loss", [ACT_LINK_DELAY] = "link-delay",
		[ACT_PARTITION] = "partition", [ACT_HEAL] = "heal",
		[ACT_NAT_FLUSH] = "nat-flush", [ACT_NAT_REBOOT] = "nat-reboot",
		[ACT_UNREACHABLE] = "unreachable",
		[ACT_LB_FLUSH] = "lb-flush", [ACT_LB_REBOOT] = "lb-reboot",
	};
	return names[a];
}

static const char *ipport(char *buf, size_t n, uint32_t a, uint16_t p)
{
	snprintf(buf, n, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, p);
	return buf;
}

void nat_text(char *buf, size_t n, const struct rec_nat *r)
{
	char in[32], ex[32], rem[32], a[32], b[32];
	ipport(in, sizeof in, r->in_addr, r->in_port);
	ipport(ex, sizeof ex, r->ext_addr, r->ext_port);
	ipport(rem, sizeof rem, r->rem_addr, r->rem_port);
	const char *tmo = r->cls == NAT_ESTABLISHED ? "established_timeout" : "transitory_timeout";
	format_seconds(a, sizeof a, r->timeout);
	/* "NAT: " or "LB: "; the far end's sender is B, or P with a proxy */
	int k = snprintf(buf, n, "%s: ", nat_box_name(r->box));
	char peer = r->dir >= 0 ? host_letter(r->dir) : 'B';
	if (k < 0 || (size_t)k >= n)
		return;
	buf += k;
	n -= (size_t)k;
	switch (r->decision) {
	case NATD_CREATED:
		snprintf(buf, n, "mapping %s <-> %s (to %s) created by %s: %s, %s %s s", in, ex, rem,
			 strcmp(r->why, "SYN") ? "A's mid-stream segment (outbound_miss = create)" : "A's SYN",
			 nat_class_name(r->cls), tmo, a);
		break;
	case NATD_TRANSLATED:
		if (r->dir == HOST_A)
			snprintf(buf, n, "A's segment leaves as %s%s", ex,
				 r->refreshed ? "; idle timer restarted" : "");
		else
			snprintf(buf, n, "%c's segment to %s goes to %s%s", peer, ex, in,
				 r->refreshed ? "; idle timer restarted" : " (inbound_refresh off: no refresh)");
		break;
	case NATD_CLASS:
		snprintf(buf, n, "mapping %s <-> %s is now %s (%s): %s %s s", in, ex,
			 nat_class_name(r->cls), r->why, tmo, a);
		break;
	case NATD_EXPIRED:
		format_seconds(b, sizeof b, r->idle);
		snprintf(buf, n, "mapping %s <-> %s expired: idle %s s >= %s %s s", in, ex, b, tmo, a);
		break;
	case NATD_EVICTED:
		format_seconds(b, sizeof b, r->idle);
		snprintf(buf, n, "mapping %s <-> %s evicted: %s (idle %s s)", in, ex, r->why, b);
		break;
	case NATD_FLUSHED:
		snprintf(buf, n, "mapping %s <-> %s deleted (%s)", in, ex, r->why);
		break;
	case NATD_DROPPED:
		if (r->dir == HOST_A)
			snprintf(buf, n, "A's segment from %s to %s dropped: %s", in, rem, r->why);
		else
			snprintf(buf, n, "%c's segment from %s to %s dropped: %s", peer, rem, ex, r->why);
		break;
	case NATD_RST:
		snprintf(buf, n, "sends a RST to %c (%s)", host_letter(r->rst_to), r->why);
		break;
	case NATD_PASSED:
		if (r->dir == HOST_A)
			snprintf(buf, n, "A's segment from %s to %s leaves untranslated: %s", in, rem,
				 r->why);
		else
			snprintf(buf, n, "%c's segment from %s to %s goes to A untranslated: %s", peer, rem, in,
				 r->why);
		break;
	}
}

/* The answering side: sent or rate limited, with the token bucket. */
static void icmp_path_text(char *buf, size_t n, const struct rec_icmp *r)
{
	char tok[32], cap[32];
	char me = host_letter(r->host), peer = host_letter(!r->host);
	int k = snprintf(buf, n, "%c's end of the path rejects %c's segment (seq %u)", me, peer, r->seq);
	if (k < 0 || (size_t)k >= n)
		return;
	buf += k;
	n -= (size_t)k;
	if (!r->limited) {
		snprintf(buf, n, ": ICMP %s to %c (type %u not in icmp_ratemask 0x%x: not rate limited)",
			 icmp_code_name(r->code), peer, r->type, r->ratemask);
		return;
	}
	format_seconds(tok, sizeof tok, r->tokens);
	format_seconds(cap, sizeof cap, (ks_time_t)XRLIM_BURST_FACTOR * r->ratelimit_ms * KS_MS);
	if (r->decision == ICMPD_SENT)
		snprintf(buf, n, ": ICMP %s to %c (rate limit: %s s of tokens left, each ICMP costs "
			 "icmp_ratelimit %u ms, at most %s s)", icmp_code_name(r->code), peer, tok,
			 r->ratelimit_ms, cap);
	else
		snprintf(buf, n, ": no ICMP, rate limited (inet_peer_xrlim_allow(): %s s of tokens < "
			 "icmp_ratelimit %u ms)", tok, r->ratelimit_ms);
}

void icmp_text(char *buf, size_t n, const struct rec_icmp *r)
{
	char me = host_letter(r->host);
	const char *what = icmp_code_name(r->code), *err = tcp_errno_name(r->err);
	char a[32], b[32];
	switch (r->decision) {
	case ICMPD_SENT:
	case ICMPD_RATELIMITED:
		icmp_path_text(buf, n, r);
		break;
	case ICMPD_NOSOCK:
		snprintf(buf, n, "%c: ICMP %s (seq %u) matches no connection: ignored", me, what, r->seq);
		break;
	case ICMPD_OUT_OF_WINDOW:
		snprintf(buf, n, "%c: ICMP %s ignored: seq %u is not between snd_una %u and snd_nxt %u "
			 "(tcp_v4_err()%s)", me, what, r->seq, r->snd_una, r->snd_nxt,
			 r->seq == r->snd_una - 1 ? ": a keepalive probe's seq is snd_una - 1" : "");
		break;
	case ICMPD_SOFT:
		snprintf(buf, n, "%c: ICMP %s for seq %u: sk_err_soft = %s (tcp_v4_err(): a soft error, "
			 "reported only if the connection times out)", me, what, r->seq, err);
		break;
	case ICMPD_REVERT:
		format_seconds(a, sizeof a, r->rto);
		format_seconds(b, sizeof b, r->remaining);
		snprintf(buf, n, "%c: ICMP %s for the head (seq %u): RTO reverted (tcp_ld_RTO_revert(), "
			 "RFC 6069): icsk_backoff %u, RTO %s s, retransmission in %s s; sk_err_soft = %s",
			 me, what, r->seq, r->backoff, a, b, err);
		break;
	case ICMPD_HARD:
		snprintf(buf, n, "%c: ICMP %s in SYN_SENT: connect() fails with %s (tcp_v4_err(): "
			 "tcp_done_with_error())", me, what, err);
		break;
	case ICMPD_REQ_DROP:
		snprintf(buf, n, "%c: ICMP %s for the SYN-ACK: the request is dropped silently "
			 "(tcp_req_err())", me, what);
		break;
	case ICMPD_STACK_IGNORES:
		snprintf(buf, n, "%c: ICMP %s ignored: lwIP's icmp_input() does not pass destination "
			 "unreachable to TCP", me, what);
		break;
	case ICMPD_REQ_IGNORED:
		snprintf(buf, n, "%c: ICMP %s for the SYN-ACK: the request stays (tcp_req_err() aborts "
			 "only for net and host unreachable)", me, what);
		break;
	}
}

/* "7875 s" */
static const char *secs(char *buf, size_t n, ks_time_t t)
{
	return format_secs(buf, n, t);
}

/* The name of h's peer: the other end, or P with a proxy. */
static const char *peer_name(const struct sim *sim, int h)
{
	if (!sim->has_proxy)
		return host_name(!h);
	return h == HOST_PC ? "A" : h == HOST_PS ? "B" : "P";
}

/*
 * A silence as the host's stack counted it: with ticks (timer = linux, lwip)
 * the count is in whole ticks, from the start of the tick of the last segment
 * received, so it is not the time that passed and is said as a count:
 * "2001991 jiffies (8007.964 s at HZ 250)", "15751 slow-timer ticks (7875.5 s)".
 */
static const char *counted(char *buf, size_t n, ks_time_t t, const struct timer_model *tm)
{
	char s[32];
	secs(s, sizeof s, t);
	if (tm->kind == TM_LINUX)
		snprintf(buf, n, "%llu jiffies (%s at HZ %u)", (unsigned long long)(t * tm->hz / KS_SEC), s,
			 (unsigned)tm->hz);
	else if (tm->kind == TM_LWIP)
		snprintf(buf, n, "%llu slow-timer ticks (%s)", (unsigned long long)(t / TM_LWIP_SLOW_INTERVAL), s);
	else
		snprintf(buf, n, "%s", s);
	return buf;
}

/* When the last segment came, as precisely as the host's clock knows it. */
static const char *heard(char *buf, size_t n, ks_time_t t, const struct timer_model *tm)
{
	char s[32];
	secs(s, sizeof s, t);
	if (tm->kind == TM_LINUX)
		snprintf(buf, n, "in the jiffy that began at %s", s);
	else if (tm->kind == TM_LWIP)
		snprintf(buf, n, "in slow-timer tick %llu", (unsigned long long)tm_jiffies64(tm, t));
	else
		snprintf(buf, n, "at %s", s);
	return buf;
}

/* The idle-time rule's abort: FreeBSD's tcp_timer_keep() tests >=, lwIP's
 * tcp_slowtmr() compares whole ticks with a strict >. */
static void idle_rule_sentence(char *buf, size_t n, const struct rec_end *e, const struct timer_model *tm)
{
	char a[64], b[32], c[32];
	ks_time_t limit = e->time + (ks_time_t)e->probes * e->intvl;
	if (e->algo == KA_ALGO_LWIP)
		snprintf(buf, n, "; silent for %s by lwIP's count (whole ticks, not the time that passed) > "
			 "(keepidle %s + keepcnt %u x keepintvl %s) / 0.5 s = %llu ticks (an idle-time rule: no "
			 "probe counter)", counted(a, sizeof a, e->elapsed, tm), secs(b, sizeof b, e->time),
			 e->probes, secs(c, sizeof c, e->intvl), (unsigned long long)(limit / TM_LWIP_SLOW_INTERVAL));
	else
		snprintf(buf, n, "; silent for %s >= keepidle %s + keepcnt %u x keepintvl %s "
			 "(an idle-time rule: no probe counter)", counted(a, sizeof a, e->elapsed, tm),
			 secs(b, sizeof b, e->time), e->probes, secs(c, sizeof c, e->intvl));
}

static void keepalive_sentence(char *buf, size_t n, const char *me, const char *peer, ks_time_t now,
			       const struct rec_end *e, const struct timer_model *tm)
{
	char a[64], b[64], c[32], d[32], x[32];
	int k = snprintf(buf, n, "%s aborted with %s at %s (keepalive): last heard from %s %s",
			 me, tcp_errno_name(e->error), secs(a, sizeof a, now), peer,
			 heard(b, sizeof b, e->last_rx, tm));
	if (k < 0 || (size_t)k >= n)
		return;
	buf += k;
	n -= (size_t)k;
	if (e->why == END_KEEPALIVE_IDLE) {
		idle_rule_sentence(buf, n, e, tm);
	} else if (e->why == END_KEEPALIVE_UT) {
		snprintf(buf, n, "; silent for %s >= TCP_USER_TIMEOUT %u ms with %u unanswered probe%s "
			 "(the check runs only when the keepalive timer fires)",
			 counted(a, sizeof a, e->elapsed, tm), e->user_timeout, e->probes_out,
			 e->probes_out == 1 ? "" : "s");
	} else if (e->elapsed == e->time + (ks_time_t)e->probes_out * e->intvl) {
		snprintf(buf, n, "; idle %s + %u unanswered probe%s x %s = %s", secs(a, sizeof a, e->time),
			 e->probes_out, e->probes_out == 1 ? "" : "s", secs(b, sizeof b, e->intvl),
			 secs(c, sizeof c, e->elapsed));
	} else {
		/* Later than the formula: timers fired late (timer = linux/lwip) or the
		 * timer was re-armed later than last activity + keepidle (setsockopt,
		 * data in flight earlier). Say both numbers rather than guess which. */
		ks_time_t formula = e->time + (ks_time_t)e->probes_out * e->intvl;
		bool later = e->elapsed > formula;
		snprintf(buf, n, "; silent for %s with %u unanswered probe%s, %s %s than keepidle %s + "
			 "%u x keepintvl %s = %s (timers fired late, or the timer was re-armed later "
			 "than last activity + keepidle)",
			 counted(a, sizeof a, e->elapsed, tm), e->probes_out, e->probes_out == 1 ? "" : "s",
			 secs(x, sizeof x, later ? e->elapsed - formula : formula - e->elapsed),
			 later ? "more" : "less", secs(b, sizeof b, e->time), e->probes_out,
			 secs(c, sizeof c, e->intvl), secs(d, sizeof d, formula));
	}
}

/* A host whose connection did not end (or never began). */
static void open_sentence(char *buf, size_t n, const struct sim *sim, int h, const struct rec_end *e)
{
	const struct host *host = &sim->host[h];
	const struct tcp_sock *sk = &host->sk;
	const char *me = host_name(h);
	char a[32];
	const char *why = "";
	if (!host->powered)
		why = " (powered off)";
	else if (sk->state == TCP_CLOSE_WAIT)
		why = ": its peer closed the connection (a FIN), so the application reads EOF";
	else if (sk->state == TCP_ESTABLISHED && !sk->keepopen)
		why = ": SO_KEEPALIVE is off, so it never probes";
	else if (sk->state == TCP_ESTABLISHED)
		why = ": keepalive is on, but it has not given up";
	if (sk->state == TCP_CLOSE && !e)
		snprintf(buf, n, "%s never had a connection%s", me, why);
	else
		snprintf(buf, n, "%s is still %s at the end (%s)%s", me, tcp_state_name(sk->state),
			 secs(a, sizeof a, sim->sc->duration), why);
}

/* A RST from the LB: why it had no flow for me ("the LB forgot the idle flow
 * after 350 s and answered A's next segment with a RST"). */
static void lb_reset_cause(char *buf, size_t n, const struct sim *sim, const char *me,
			   const char *peer)
{
	const struct nat *lb = &sim->box[NAT_BOX_LB];
	char a[32];
	if (!lb->st.expired)
		snprintf(buf, n, " (sent by the LB, not by %s: the LB had no flow for %s's segment)", peer,
			 me);
	else if (lb->cfg.rst_on_expiry)
		snprintf(buf, n, " (sent by the LB, not by %s: the LB forgot the idle flow after %s and "
			 "reset both ends)", peer, secs(a, sizeof a, lb->st.last_expiry_idle));
	else
		snprintf(buf, n, " (sent by the LB, not by %s: the LB forgot the idle flow after %s and "
			 "answered %s's next segment with a RST)", peer,
			 secs(a, sizeof a, lb->st.last_expiry_idle), me);
}

/* END_RESET: who sent the RST, from the segment's annotation. */
static void reset_sentence(char *buf, size_t n, const struct sim *sim, const char *me,
			   const char *peer, ks_time_t now, const struct rec_end *e)
{
	char a[32], from[256] = "";
	switch ((enum seg_kind)e->rst_kind) {
	case SEG_RST_NOSOCK: snprintf(from, sizeof from, " (%s had no such connection)", peer); break;
	case SEG_RST_KA: snprintf(from, sizeof from, " (%s's keepalive gave up)", peer); break;
	case SEG_RST_NAT: snprintf(from, sizeof from, " (sent by the NAT, not by %s)", peer); break;
	case SEG_RST_LB: lb_reset_cause(from, sizeof from, sim, me, peer); break;
	case SEG_RST_ABORT: snprintf(from, sizeof from, " (%s's application aborted)", peer); break;
	case SEG_RST_CLOSE:
		snprintf(from, sizeof from, " (%s closed with unread data, or gave up in FIN_WAIT2)", peer);
		break;
	default: break;
	}
	if (e->error)
		snprintf(buf, n, "%s received a RST at %s%s and reported %s", me, secs(a, sizeof a, now),
			 from, tcp_errno_name(e->error));
	else
		snprintf(buf, n, "%s received a RST at %s%s", me, secs(a, sizeof a, now), from);
}

void summary_sentence(char *buf, size_t n, const struct sim *sim, int h, const struct rec_end *e)
{
	const struct host *host = &sim->host[h];
	const struct tcp_sock *sk = &host->sk;
	const char *me = host_name(h), *peer = peer_name(sim, h);
	char a[32], b[32], c[32];

	if (!e || sk->state != TCP_CLOSE) {
		open_sentence(buf, n, sim, h, e);
		return;
	}
	ks_time_t now = sk->end_time;
	switch (e->why) {
	case END_KEEPALIVE:
	case END_KEEPALIVE_UT:
	case END_KEEPALIVE_IDLE:
		keepalive_sentence(buf, n, me, peer, now, e, &host->tm);
		break;
	case END_RTO:
		if (e->algo == KA_ALGO_LWIP) {
			snprintf(buf, n, "%s aborted with %s at %s (retransmission limit, no RST): %u "
				 "retransmissions = TCP_MAXRTX %u, so lwIP's slow timer dropped the pcb",
				 me, tcp_errno_name(e->error), secs(a, sizeof a, now), e->retransmits,
				 e->boundary);
			break;
		}
		snprintf(buf, n,
			 "%s aborted with %s at %s (retransmission timeout, no RST): %u retransmissions; "
			 "%s since the first one >= %s (%s); keepalive plays no part while data is unacknowledged",
			 me, tcp_errno_name(e->error), secs(a, sizeof a, now), e->retransmits,
			 secs(b, sizeof b, now - e->retrans_stamp), secs(c, sizeof c, e->limit),
			 e->user_timeout ? "TCP_USER_TIMEOUT" : e->orphan ? "tcp_orphan_retries" : "tcp_retries2");
		break;
	case END_SYN_TIMEOUT:
		snprintf(buf, n, "%s gave up connecting at %s with %s after %u SYN retransmissions%s", me,
			 secs(a, sizeof a, now), e->error ? tcp_errno_name(e->error) : "no error",
			 e->retransmits, e->algo == KA_ALGO_LWIP ? " (lwIP: TCP_SYNMAXRTX)" : "");
		break;
	case END_RESET:
		reset_sentence(buf, n, sim, me, peer, now, e);
		break;
	case END_CLOSED:
		snprintf(buf, n, "%s closed the connection normally at %s", me, secs(a, sizeof a, now));
		break;
	case END_ICMP:
		if (e->error)
			snprintf(buf, n, "%s's connect() failed with %s at %s: an ICMP error answered its SYN "
				 "(tcp_v4_err() in SYN_SENT: a hard error)", me, tcp_errno_name(e->error),
				 secs(a, sizeof a, now));
		else
			snprintf(buf, n, "%s dropped its half-open connection at %s: an ICMP error answered "
				 "its SYN-ACK (tcp_req_err())", me, secs(a, sizeof a, now));
		break;
	case END_APP_ABORT:
		if (h >= NHOSTS) /* a proxy's socket: a RST or nothing, P's line says which */
			snprintf(buf, n, "%s was aborted by the proxy at %s", me, secs(a, sizeof a, now));
		else
			snprintf(buf, n, "%s's application aborted the connection at %s (close with "
				 "SO_LINGER 0: a RST)", me, secs(a, sizeof a, now));
		break;
	case END_CLOSE_RESET:
		if (host->sk.rcv_unread)
			snprintf(buf, n, "%s's application closed with %u unread bytes at %s: tcp_close() "
				 "sends a RST instead of a FIN", me, host->sk.rcv_unread, secs(a, sizeof a, now));
		else
			snprintf(buf, n, "%s's orphaned socket gave up in FIN_WAIT2 at %s with a RST "
				 "(TCP_LINGER2 < 0, or new data after close())", me, secs(a, sizeof a, now));
		break;
	case END_CRASH:
		if (host->powered)
			snprintf(buf, n, "%s lost power at %s and came back up without the connection: "
				 "it vanished without a packet, and %s now answers its segments with RST",
				 me, secs(a, sizeof a, now), me);
		else
			snprintf(buf, n, "%s lost power at %s: its connection vanished without a packet",
				 me, secs(a, sizeof a, now));
		break;
	case END_NONE:
		snprintf(buf, n, "%s ended at %s", me, secs(a, sizeof a, now));
		break;
	}
}

/* ---- application heartbeats ------------------------------------------------------ */

const char *hb_decision_name(enum hb_decision d)
{
	static const char *const names[] = {
		[HBD_PING] = "ping", [HBD_MISS] = "miss", [HBD_GIVEUP] = "give-up",
	};
	return names[d];
}

void hb_text(char *buf, size_t n, const struct rec_heartbeat *r)
{
	const struct hb_words *w = r->words;
	char me = host_letter(r->host), a[32];
	secs(a, sizeof a, r->timeout);
	switch (r->decision) {
	case HBD_PING:
		snprintf(buf, n, "%c %s: ping #%u (%llu bytes), %s due within %s", me, w->what, r->no,
			 (unsigned long long)r->size, w->reply, a);
		break;
	case HBD_MISS:
	case HBD_GIVEUP: {
		char what[64];
		if (r->no_reply)
			snprintf(what, sizeof what, "nothing from %c within %s of #%u", host_letter(!r->host),
				 a, r->no);
		else
			snprintf(what, sizeof what, "no %s to #%u within %s", w->reply, r->no, a);
		snprintf(buf, n, "%c %s: %s (%u of %u missed)%s%s", me, w->what, what, r->misses,
			 r->count, r->decision == HBD_GIVEUP ? ": give up, " : "",
			 r->decision != HBD_GIVEUP ? "" : r->action == HB_ACTION_ABORT ? w->aborted : w->closed);
		break;
	}
	}
}

void hb_summary(char *buf, size_t n, ks_time_t t, const struct rec_heartbeat *r)
{
	const struct hb_words *w = r->words;
	char me = host_letter(r->host), peer = host_letter(!r->host);
	char a[32], b[32], c[32], d[32], e[32];
	int len = snprintf(buf, n, "%c's %s: %s %s within %s, %s at %s", me, w->what,
			   r->no_reply ? "nothing from" : "no", r->no_reply ? (peer == 'A' ? "A" : "B") : w->reply,
			   secs(a, sizeof a, r->timeout),
			   r->action == HB_ACTION_ABORT ? w->aborted : w->closed, secs(b, sizeof b, t));
	if (len < 0 || (size_t)len >= n)
		return;
	/* idle_only and nothing heard since: last + count x interval + timeout */
	if (r->last_alive + r->count * r->interval + r->timeout == t)
		snprintf(buf + len, n - (size_t)len, ": last heard from %c at %s; %s + %u x %s + %s = %s",
			 peer, secs(c, sizeof c, r->last_alive), c, r->count,
			 secs(d, sizeof d, r->interval), secs(e, sizeof e, r->timeout), b);
	else
		snprintf(buf + len, n - (size_t)len, ": ping #%u at %s + %s = %s (%u unanswered in a row; "
			 "last heard from %c at %s)", r->no, secs(c, sizeof c, r->sent), a, b, r->misses,
			 peer, secs(d, sizeof d, r->last_alive));
}
