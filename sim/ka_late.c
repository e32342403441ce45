/*
 * ka_late.c - keepalive lateness against the exact-timer schedule, and the
 * probe period on a live connection, from the record stream (ka_late.h).
 */
#include "ka_late.h"

#include <stdio.h>

#include "duration.h"

static void packet(struct ka_late *kl, const struct rec_packet *p)
{
	const struct segment *seg = p->seg;
	if (p->reason != DROP_NONE || seg->dst >= NSOCKS)
		return;
	int h = seg->dst;
	kl->last_rx[h] = p->fate_time;
	kl->by_answer[h] = seg->kind == SEG_KA_ACK;
	if (seg->kind == SEG_KA_ACK && kl->probe_at[h]) {
		kl->rtt[h] = p->fate_time - kl->probe_at[h];
		kl->answers[h]++;
	}
}

/* tcp_slowtmr(): the exact schedule is last segment + keep_idle +
 * keep_cnt_sent x keep_intvl (probes_out x intvl; keepcnt x intvl to abort). */
static ks_time_t lwip_late(const struct ka_late *kl, const struct rec_keepalive *k, ks_time_t now)
{
	uint32_t cnt = k->decision == KA_ABORT_IDLE ? k->probes : k->probes_out;
	ks_time_t due = kl->last_rx[k->host] + k->time + (ks_time_t)cnt * k->intvl;
	return now > due ? now - due : 0;
}

static void firing(struct ka_late *kl, const struct rec_keepalive *k, ks_time_t now)
{
	int h = k->host;
	if (h < 0 || h >= NSOCKS)
		return;
	if (k->clock == TM_LWIP) {
		kl->late[h] = k->decision == KA_PROBE || k->decision == KA_ABORT_IDLE ? lwip_late(kl, k, now) : 0;
	} else if (k->clock == TM_LINUX && k->nominal != KS_TIME_NEVER && k->actual >= k->nominal) {
		/* re-armed by its own callback, nothing received since: the lateness
		 * adds up; else the exact timer would run at the later of the nominal
		 * time and last segment + keepidle + probes_out x keepintvl */
		bool chain = kl->chained[h] && k->nominal == kl->prev_actual[h] + kl->prev_next[h] &&
			     kl->last_rx[h] <= kl->prev_actual[h];
		ks_time_t due = kl->last_rx[h] + k->time + (ks_time_t)k->probes_out * k->intvl;
		if (due < k->nominal)
			due = k->nominal;
		kl->late[h] = chain ? kl->late[h] + (k->actual - k->nominal) : k->actual > due ? k->actual - due : 0;
	} else {
		kl->late[h] = 0;
	}
	if (k->decision == KA_IDLE)
		kl->late[h] = 0; /* the re-arm counts from the idle clock: a new sum */
	kl->chained[h] = k->next != KS_TIME_NEVER;
	kl->prev_actual[h] = k->actual;
	kl->prev_next[h] = k->next;
	if (k->decision == KA_PROBE) {
		if (!k->probes_out) { /* a new cycle's first probe */
			/* a period only when the idle clock last restarted on the
			 * previous cycle's answer (not on data, a FIN, ...) */
			ks_time_t d = kl->cycle[h] && kl->by_answer[h] ? now - kl->cycle[h] : 0;
			if (d && (!kl->nperiods[h] || d < kl->pmin[h]))
				kl->pmin[h] = d;
			if (d && d > kl->pmax[h])
				kl->pmax[h] = d;
			kl->nperiods[h] += d != 0;
			kl->cycle[h] = now;
		}
		kl->probe_at[h] = now;
		kl->keepidle[h] = k->time;
		kl->keepintvl[h] = k->intvl;
	}
}

void ka_late_record(struct ka_late *kl, const struct ks_record *r)
{
	if (r->type == REC_PACKET)
		packet(kl, &r->u.pkt);
	else if (r->type == REC_KEEPALIVE)
		firing(kl, &r->u.ka, r->t);
}

void ka_period_sentence(char *buf, size_t n, const struct ka_late *kl, int h, bool ended)
{
	char p[32], q[32], i[32], r[32], v[32];
	const char *verb = ended ? "probed" : "probes", *where = ended ? "while the connection was live"
								: "on this live connection";
	buf[0] = '\0';
	if (!kl->nperiods[h] || !kl->answers[h])
		return;
	format_secs(p, sizeof p, kl->pmin[h]);
	format_secs(q, sizeof q, kl->pmax[h]);
	format_secs(i, sizeof i, kl->keepidle[h]);
	format_secs(r, sizeof r, kl->rtt[h]);
	format_secs(v, sizeof v, kl->keepintvl[h]);
	if (kl->pmin[h] == kl->pmax[h] && kl->pmin[h] == kl->keepidle[h] + kl->rtt[h])
		snprintf(buf, n, "%s %s every %s %s (keepidle %s + RTT %s: each answer restarts the idle clock), "
			 "not every tcp_keepintvl %s", host_name(h), verb, p, where, i, r, v);
	else if (kl->pmin[h] == kl->pmax[h])
		snprintf(buf, n, "%s %s every %s %s (keepidle %s, RTT %s, tcp_keepintvl %s)", host_name(h), verb,
			 p, where, i, r, v);
	else
		snprintf(buf, n, "%s %s every %s to %s %s (keepidle %s + RTT %s, lost probes and the timer's "
			 "lateness), not every tcp_keepintvl %s", host_name(h), verb, p, q, where, i, r, v);
}
