/*
 * explain.c - the kernel's reasoning in words, one sentence per decision.
 *
 * Each branch below is one branch of tcp_keepalive_timer() or
 * tcp_retransmit_timer() (net/ipv4/tcp_timer.c); keepalive.c and
 * retransmit.c name the same branches in their comments.
 */
#include "explain.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>


void format_tms(char *buf, size_t n, ks_time_t t)
{
	format_seconds_fixed(buf, n, t, 3, 9);
}

/* "75 s", "0.2 s" */
static const char *s_(char *buf, size_t n, ks_time_t t)
{
	return format_secs(buf, n, t);
}

/* Appends to buf (bounded). */
static void add(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t n, const char *fmt, ...)
{
	size_t l = strlen(buf);
	if (l + 1 >= n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + l, n - l, fmt, ap);
	va_end(ap);
}

static void head(char *buf, size_t n, int host, ks_time_t now)
{
	char t[32];
	format_tms(t, sizeof t, now);
	snprintf(buf, n, "%s, t=%s: ", host_name(host), t);
}

static const char *plural(uint32_t v) { return v == 1 ? "" : "s"; }

void explain_keepalive(char *buf, size_t n, ks_time_t now, const struct rec_keepalive *k)
{
	char a[32], b[32], c[32], d[32];
	ks_time_t ut = (ks_time_t)k->user_timeout * KS_MS;
	head(buf, n, k->host, now);
	switch (k->decision) {
	case KA_PROBE:
		if (k->algo == KA_ALGO_LWIP) {
			/* tcp_slowtmr(): whole ticks, a strict >, and it runs every tick */
			add(buf, n, "idle %llu slow-timer ticks (%s) > (tcp_keepidle %s + probes_out %u × tcp_keepintvl "
				"%s) / 0.5 s: lwIP compares whole ticks, strictly, so probe #%u goes out; its slow timer "
				"looks again at the next tick, in %s.",
			    (unsigned long long)(k->elapsed / TM_LWIP_SLOW_INTERVAL), s_(a, sizeof a, k->elapsed),
			    s_(b, sizeof b, k->time), k->probes_out, s_(c, sizeof c, k->intvl), k->probe_no,
			    s_(d, sizeof d, k->next));
			break;
		}
		add(buf, n, "idle %s ≥ tcp_keepidle %s", s_(a, sizeof a, k->elapsed), s_(b, sizeof b, k->time));
		if (!k->user_timeout)
			add(buf, n, " and probes_out %u < tcp_keepcnt %u", k->probes_out, k->probes);
		else if (k->elapsed >= ut)
			add(buf, n, "; TCP_USER_TIMEOUT %u ms replaces tcp_keepcnt, and idle ≥ %s but no probe "
				"is out yet (the kernel only gives up after at least one unanswered probe)",
				k->user_timeout, s_(c, sizeof c, ut));
		else
			add(buf, n, "; TCP_USER_TIMEOUT %u ms replaces tcp_keepcnt, and idle %s < %s",
			    k->user_timeout, s_(c, sizeof c, k->elapsed), s_(d, sizeof d, ut));
		add(buf, n, ", so probe #%u goes out; next check in tcp_keepintvl %s.", k->probe_no,
		    s_(a, sizeof a, k->next));
		break;
	case KA_RESOURCE:
		add(buf, n, "the probe was refused by %s's own queue (qdisc), so it does not count "
			"(probes_out stays %u); try again in %s.", host_name(k->host), k->probes_out,
		    s_(a, sizeof a, k->next));
		break;
	case KA_ABORT:
		add(buf, n, "idle %s ≥ tcp_keepidle %s and probes_out %u ≥ tcp_keepcnt %u: %u probe%s went "
			"unanswered, so %s gives up: it sends a RST and the application gets ETIMEDOUT "
			"(the count is checked when the timer fires again, one tcp_keepintvl after the last probe).",
		    s_(a, sizeof a, k->elapsed), s_(b, sizeof b, k->time), k->probes_out, k->probes,
		    k->probes_out, plural(k->probes_out), host_name(k->host));
		break;
	case KA_ABORT_UT:
		add(buf, n, "idle %s ≥ TCP_USER_TIMEOUT %u ms and probes_out %u > 0, so %s gives up: it sends "
			"a RST and the application gets ETIMEDOUT (with TCP_USER_TIMEOUT set, tcp_keepcnt %u "
			"is not consulted).",
		    s_(a, sizeof a, k->elapsed), k->user_timeout, k->probes_out, host_name(k->host), k->probes);
		break;
	case KA_ABORT_IDLE:
		/* FreeBSD's tcp_timer_keep() tests ≥, lwIP's tcp_slowtmr() a strict > */
		add(buf, n, "idle %s %s keepidle %s + keepcnt %u × keepintvl %s, so %s gives up and sends a "
			"RST (this stack decides on idle time, not on a probe counter%s).",
		    s_(a, sizeof a, k->elapsed), k->algo == KA_ALGO_LWIP ? ">" : "≥", s_(b, sizeof b, k->time), k->probes,
		    s_(c, sizeof c, k->intvl), host_name(k->host),
		    k->algo == KA_ALGO_LWIP ? "; lwIP counts whole 0.5 s ticks and compares strictly" : "");
		break;
	case KA_IDLE:
		add(buf, n, "idle only %s < tcp_keepidle %s (%s last heard from %s at t=", s_(a, sizeof a, k->elapsed),
		    s_(b, sizeof b, k->time), host_name(k->host), host_name(k->peer));
		format_tms(c, sizeof c, now - k->elapsed);
		add(buf, n, "%s), so nothing is sent; the timer sleeps for the rest of the idle time, %s.", c,
		    s_(d, sizeof d, k->next));
		break;
	case KA_BUSY:
		if (k->packets_out)
			add(buf, n, "data in flight (%u unacknowledged segment%s): keepalive stays out of the way, "
				"because the retransmission timer is in charge; next check in tcp_keepidle %s.",
			    k->packets_out, plural(k->packets_out), s_(a, sizeof a, k->next));
		else
			add(buf, n, "unsent data is queued: keepalive stays out of the way, because the "
				"retransmission timer is in charge; next check in tcp_keepidle %s.",
			    s_(a, sizeof a, k->next));
		break;
	case KA_OFF:
		add(buf, n, "keepalive is off (SO_KEEPALIVE not set) or the connection is not open, so the "
			"timer stops.");
		break;
	}
}

/* lwIP's slow timer (tcp_lwip.c): nrtx against TCP_MAXRTX / TCP_SYNMAXRTX. */
static void explain_lwip_rto(char *buf, size_t n, ks_time_t now, const struct rec_rto *r)
{
	char c[32];
	const char *limit = r->syn ? "TCP_SYNMAXRTX" : "TCP_MAXRTX";
	head(buf, n, r->host, now);
	if (r->decision == RTO_ABORT) {
		add(buf, n, "lwIP's slow timer finds nrtx %u >= %s %u: the pcb is dropped, the application "
			"gets ERR_ABRT (ECONNABORTED) and no RST is sent.", r->retransmits, limit, r->boundary);
		return;
	}
	if (r->syn)
		add(buf, n, "lwIP's slow timer: rtime reached rto with the SYN unanswered, so SYN "
			"retransmission #%u goes out (nrtx %u of %s %u); SYNs are not backed off: next try "
			"in %s.", r->retransmits, r->retransmits, limit, r->boundary, s_(c, sizeof c, r->next));
	else
		add(buf, n, "lwIP's slow timer: rtime reached rto with nothing acknowledged, so "
			"retransmission #%u goes out (nrtx %u of %s %u); next try in %s (rto = (sa/8 + sv) "
			"<< tcp_backoff[%u]).", r->retransmits, r->retransmits, limit, r->boundary,
		    s_(c, sizeof c, r->next), r->retransmits - 1);
}

void explain_rto(char *buf, size_t n, ks_time_t now, const struct rec_rto *r)
{
	char a[32], b[32], c[32];
	char rule[96];
	if (r->algo == KA_ALGO_LWIP) {
		explain_lwip_rto(buf, n, now, r);
		return;
	}
	if (r->user_timeout && !r->synack)
		snprintf(rule, sizeof rule, "TCP_USER_TIMEOUT %u ms", r->user_timeout);
	else
		snprintf(rule, sizeof rule, "%s %u", rto_rule(r), r->boundary);
	head(buf, n, r->host, now);
	if (r->decision == RTO_ABORT && r->synack) {
		add(buf, n, "the SYN-ACK timer fired again with no ACK: %u retransmission%s of the SYN-ACK "
			"reached %s, so %c drops the half-open request silently: no RST, and no "
			"application ever hears of it.",
		    r->retransmits, plural(r->retransmits), rule, host_letter(r->host));
		return;
	}
	if (r->decision == RTO_ABORT) {
		add(buf, n, "the retransmission timer fired again with nothing acknowledged: %u retransmission%s, "
			"%s since the first one ≥ the limit %s (%s), so %s gives up: the application gets "
			"%s%s and no RST is sent.",
		    r->retransmits, plural(r->retransmits), s_(a, sizeof a, r->since), s_(b, sizeof b, r->limit),
		    rule, host_name(r->host), r->err_soft ? tcp_errno_name(r->err_soft) : "ETIMEDOUT",
		    r->err_soft ? " (sk_err_soft: the last ICMP error)" : "");
		return;
	}
	if (r->decision == RTO_PROBE) {
		add(buf, n, "the loss-probe timer fired with the tail unacknowledged: the last segment goes out "
			"again as a tail loss probe (not counted as a retransmission); the RTO follows in %s.",
		    s_(c, sizeof c, r->next));
		return;
	}
	add(buf, n, "the retransmission timer fired: nothing acknowledged, so retransmission #%u goes out; "
		"%s since the first retransmission < the limit %s (%s); next try in %s (the RTO backs off).",
	    r->retransmits, s_(a, sizeof a, r->since), s_(b, sizeof b, r->limit), rule,
	    s_(c, sizeof c, r->next));
}

void explain_rtt(char *buf, size_t n, ks_time_t now, const struct rec_rtt *r)
{
	char a[32], b[32], c[32], d[32], e[32];
	head(buf, n, r->host, now);
	add(buf, n, "RTT sample %s: srtt %s, rttvar %s; ", s_(a, sizeof a, r->sample),
	    s_(b, sizeof b, r->srtt), s_(c, sizeof c, r->rttvar));
	if (r->rfc6298)
		add(buf, n, "RTO = max(1 s, srtt + 4·rttvar %s) = %s (RFC 6298).", s_(d, sizeof d, r->rttvar_term),
		    s_(e, sizeof e, r->rto));
	else
		add(buf, n, "RTO = srtt + rttvar_us %s (max(mdev_max, rto_min), decaying per RTT) = %s%s.",
		    s_(d, sizeof d, r->rttvar_term), s_(e, sizeof e, r->rto),
		    r->clock == TM_LINUX ? " in whole jiffies" : "");
}

void explain_state(char *buf, size_t n, ks_time_t now, const struct rec_state *st)
{
	head(buf, n, st->host, now);
	add(buf, n, "state %s → %s.", tcp_state_name(st->from), tcp_state_name(st->to));
}

void explain_end(char *buf, size_t n, ks_time_t now, const struct rec_end *e)
{
	head(buf, n, e->host, now);
	if (e->error)
		add(buf, n, "the connection is over (%s): the application's next call fails with %s.",
		    end_name(e->why), tcp_errno_name(e->error));
	else
		add(buf, n, "the connection is over (%s); the application sees no error.", end_name(e->why));
}
