/*
 * output_proxy.c - the wording of a terminating proxy's decisions ([proxy],
 * proxy.h) shared by the text and JSON sinks: one line per decision, and the
 * proxy's sentence in the summary.
 */
#include <stdio.h>

#include "output.h"
#include "sim.h"

const int summary_order[NSOCKS] = {HOST_A, HOST_PC, HOST_PS, HOST_B};

const char *proxy_decision_name(enum proxy_decision d)
{
	static const char *const names[] = {
		[PXD_ACCEPT] = "accept", [PXD_EXPIRED] = "idle-timeout", [PXD_MAX] = "max-duration",
		[PXD_PASS_FIN] = "pass-fin", [PXD_PASS_END] = "pass-end",
	};
	return names[d];
}

/* What a leg got: "FIN", "RST", "nothing (forgotten silently)", "-" (gone). */
static const char *action_text(int a)
{
	switch (a) {
	case PROXY_FIN: return "FIN";
	case PROXY_RST: return "RST";
	case PROXY_SILENT: return "nothing (P forgets it silently)";
	}
	return "nothing (already closed)";
}

static const char *leg_name(int h)
{
	return h == HOST_PC ? "client leg (A-P)" : "server leg (P-B)";
}

void proxy_text(char *buf, size_t n, const struct rec_proxy *r)
{
	char a[32], b[32];
	const char *ps = r->preset[0] ? " (" : "", *pe = r->preset[0] ? ")" : "";
	switch (r->decision) {
	case PXD_ACCEPT:
		snprintf(buf, n, "P%s%s%s accepts A's connection on its client leg and connects to B "
			 "(server leg)", ps, r->preset, pe);
		break;
	case PXD_EXPIRED:
		snprintf(buf, n, "P%s%s%s idle timer: no payload since %s for idle_timeout %s (keepalive "
			 "probes and their ACKs carry none): client leg gets %s, server leg gets %s",
			 ps, r->preset, pe, format_secs(a, sizeof a, r->last_payload),
			 format_secs(b, sizeof b, r->limit), action_text(r->client_action),
			 action_text(r->server_action));
		break;
	case PXD_MAX:
		snprintf(buf, n, "P%s%s%s: max_duration %s reached: client leg gets %s, server leg gets %s",
			 ps, r->preset, pe, format_secs(b, sizeof b, r->limit),
			 action_text(r->client_action), action_text(r->server_action));
		break;
	case PXD_PASS_FIN:
		snprintf(buf, n, "P: FIN on the %s: P closes the client leg (%s) and the server leg (%s)",
			 leg_name(r->leg), action_text(r->client_action), action_text(r->server_action));
		break;
	case PXD_PASS_END:
		snprintf(buf, n, "P: the %s ended: P passes it on to the %s (%s)", leg_name(r->leg),
			 leg_name(r->leg == HOST_PC ? HOST_PS : HOST_PC),
			 action_text(r->leg == HOST_PC ? r->server_action : r->client_action));
		break;
	}
}

void proxy_summary(char *buf, size_t n, const struct sim *sim)
{
	const struct proxy *p = &sim->proxy;
	const struct proxy_config *c = &sim->sc->proxy;
	char a[32], b[32], t[32], pre[64] = "";
	int k;
	if (c->preset[0])
		snprintf(pre, sizeof pre, " (%s)", c->preset);
	k = snprintf(buf, n, "P%s relayed %llu bytes A->B and %llu bytes B->A", pre,
		     (unsigned long long)p->bytes[0], (unsigned long long)p->bytes[1]);
	if (k < 0 || (size_t)k >= n)
		return;
	buf += k, n -= (size_t)k;
	if (p->accepted == KS_TIME_NEVER) {
		snprintf(buf, n, "; it never accepted a connection");
	} else if (p->closed_at != KS_TIME_NEVER && p->closed_why == PXD_EXPIRED) {
		snprintf(buf, n, "; its idle timer closed the connection at %s: idle_timeout %s after the "
			 "last payload at %s (TCP keepalive probes carry no payload and never refresh it)",
			 format_secs(t, sizeof t, p->closed_at), format_secs(a, sizeof a, c->idle_timeout),
			 format_secs(b, sizeof b, p->last_payload));
	} else if (p->closed_at != KS_TIME_NEVER && p->closed_why == PXD_MAX) {
		snprintf(buf, n, "; max_duration %s closed the connection at %s",
			 format_secs(a, sizeof a, c->max_duration), format_secs(t, sizeof t, p->closed_at));
	} else if (p->closed_at != KS_TIME_NEVER) {
		snprintf(buf, n, "; it closed the connection at %s, passing on the %s of its %s",
			 format_secs(t, sizeof t, p->closed_at),
			 p->closed_why == PXD_PASS_FIN ? "FIN" : "end", leg_name(p->closed_leg));
	} else if (c->idle_timeout) {
		snprintf(buf, n, "; its idle timer (idle_timeout %s) did not expire: last payload at %s",
			 format_secs(a, sizeof a, c->idle_timeout), format_secs(b, sizeof b, p->last_payload));
	} else {
		snprintf(buf, n, "; no idle timeout");
	}
}
