/*
 * output_text.c - the default output: a tcpdump-style timeline written while
 * the simulation runs, then a summary in words.
 *
 * Packet lines are reported when the packet's fate is known (its arrival,
 * or the place it was dropped) and carry the time it left the sender, up to
 * one link latency earlier than the moment they are reported; every other
 * line carries the moment it is reported. So that the timeline reads in time
 * order, lines wait in a queue until no earlier one can come, then are
 * written sorted by their time (equal times in the order reported).
 */
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "ka_late.h"
#include "output.h"
#include "sim.h"
#include "termesc.h"

/* ANSI SGR, used only when opts.color (a terminal, or --color=always). */
#define C_RED "\033[31m"
#define C_BOLDRED "\033[1;31m"
#define C_YELLOW "\033[33m"
#define C_DIM "\033[2m"
#define C_OFF "\033[0m"

/* A formatted line (or lines) waiting for its turn. */
struct text_line {
	ks_time_t t;
	char *text;
	size_t len;
};

struct text_sink {
	struct sink base;
	FILE *out;                 /* the destination; a record's own buffer while it is formatted */
	struct text_line *q;       /* waiting lines, sorted by t: q[head..n) */
	size_t head, n, cap;
	ks_time_t maxlat;          /* the link's largest one-way latency (delay + jitter) */
	struct output_opts opts;
	bool header_done;
	bool ended[NSOCKS];
	struct rec_end end[NSOCKS];
	bool hb_gave_up[NSOCKS];       /* an application's heartbeat gave up */
	struct rec_heartbeat hb[NSOCKS];
	ks_time_t hb_time[NSOCKS];
	struct ka_late kl;       /* lateness against the exact-timer schedule, probe period */
	const char *xlabel;      /* who translated a packet: "NAT", "LB" or "NAT+LB" */
};


static const char *secs(char *buf, size_t n, ks_time_t t)
{
	return format_secs(buf, n, t);
}

static const char *col(const struct text_sink *ts, const char *c) { return ts->opts.color ? c : ""; }

/* --explain: the sentence from explain.c, with the timestamp column. */
static void narrate(struct text_sink *ts, ks_time_t now, const char *sentence, const char *c)
{
	(void)now; /* the sentence starts with "A, t=...": the time column stays blank */
	fprintf(ts->out, "%14s %s%s%s\n", "", col(ts, c), sentence, col(ts, C_OFF));
}

static void header(struct text_sink *ts, const struct sim *sim)
{
	char d[32], ta[24], tb[24];
	const struct scenario *sc = sim->sc;
	ts->header_done = true;
	ts->xlabel = !sc->lb.enabled ? "NAT" : sc->nat.enabled ? "NAT+LB" : "LB";
	/* name and description are input text: escaped for the terminal */
	fputs("# ", ts->out);
	termesc_fputs(sc->name, ts->out);
	fputs(sc->description[0] ? ": " : "", ts->out);
	termesc_fputs(sc->description, ts->out);
	timer_text(ta, sizeof ta, sc, HOST_A);
	timer_text(tb, sizeof tb, sc, HOST_B);
	fprintf(ts->out, " (seed %llu, duration %s, timers A %s, B %s)\n", (unsigned long long)sc->seed,
		secs(d, sizeof d, sc->duration), ta, tb);
}

static void text_packet(struct text_sink *ts, const struct rec_packet *p)
{
	const struct segment *seg = p->seg;
	char t[32], fl[8], note[96], drop[64];
	format_ts(t, sizeof t, p->sent);
	packet_note(note, sizeof note, seg);
	if (seg->kind == SEG_ICMP) {
		/* the quoted segment went the other way */
		fprintf(ts->out, "%14s %c > %c: ICMP %s (type %u, code %u) for %c > %c: Flags [%s], seq %u, "
			"length %u", t, host_letter(seg->src), host_letter(seg->dst),
			icmp_code_name(seg->icmp_code), seg->icmp_type, seg->icmp_code, host_letter(seg->dst),
			host_letter(seg->src), tcp_flags_str(seg->flags, fl), seg->seq, seg->len);
		if (p->reason != DROP_NONE) {
			drop_text(drop, sizeof drop, p->reason, p->reason_host);
			fprintf(ts->out, "  %s(dropped: %s)%s", col(ts, C_RED), drop, col(ts, C_OFF));
		}
		fputc('\n', ts->out);
		return;
	}
	fprintf(ts->out, "%14s %c > %c: Flags [%s], seq %u", t, host_letter(seg->src), host_letter(seg->dst),
		tcp_flags_str(seg->flags, fl), seg->seq);
	if (seg->flags & TH_ACK)
		fprintf(ts->out, ", ack %u", seg->ack);
	fprintf(ts->out, ", length %u", seg->len);
	if (note[0])
		fprintf(ts->out, "  %s%s%s", col(ts, seg->kind == SEG_KA_PROBE ? C_YELLOW : ""), note,
			col(ts, seg->kind == SEG_KA_PROBE ? C_OFF : ""));
	/* with both boxes, a box's own RST crosses only the other one */
	bool both = !strcmp(ts->xlabel, "NAT+LB");
	const char *by = both && seg->kind == SEG_RST_LB ? "NAT"
			 : both && seg->kind == SEG_RST_NAT ? "LB" : ts->xlabel;
	if (p->seg_out && seg->src == HOST_A)
		fprintf(ts->out, "%s(%s: sport %u -> %u)", note[0] ? " " : "  ", by, seg->sport,
			p->seg_out->sport);
	else if (p->seg_out)
		fprintf(ts->out, "%s(%s: dport %u -> %u)", note[0] ? " " : "  ", by, seg->dport,
			p->seg_out->dport);
	if (p->reason != DROP_NONE) {
		drop_text(drop, sizeof drop, p->reason, p->reason_host);
		fprintf(ts->out, "%s%s(dropped: %s)%s", note[0] ? " " : "  ", col(ts, C_RED), drop,
			col(ts, C_OFF));
	}
	fputc('\n', ts->out);
}

/* " (nominal 7200.000, +0.256 s late)" when the timer model made it late. */
static const char *lateness(char *buf, size_t n, ks_time_t nominal, ks_time_t actual)
{
	char a[32], b[32];
	if (!nominal || nominal == actual || nominal == KS_TIME_NEVER) {
		buf[0] = '\0';
		return buf;
	}
	format_ts(a, sizeof a, nominal);
	if (actual > nominal) {
		format_seconds(b, sizeof b, actual - nominal);
		snprintf(buf, n, " (nominal %s, +%s s late)", a, b);
	} else {
		format_seconds(b, sizeof b, nominal - actual);
		snprintf(buf, n, " (nominal %s, %s s early)", a, b);
	}
	return buf;
}

/* A keepalive firing's lateness: against its nominal time, and under a timer
 * model with ticks against the exact-timer schedule (ka_late.h):
 * " (nominal 7814.392000, +0.776 s late; 15.168 s after the exact-timer schedule)". */
static const char *ka_lateness(char *buf, size_t n, const struct text_sink *ts, const struct rec_keepalive *k)
{
	char e[32];
	ks_time_t l = ka_late_of(&ts->kl, k);
	size_t len = strlen(lateness(buf, n, k->nominal, k->actual));
	if (k->clock == TM_EXACT || !l)
		return buf;
	format_seconds(e, sizeof e, l);
	if (len && len < n)
		snprintf(buf + len - 1, n - (len - 1), "; %s s after the exact-timer schedule)", e);
	else
		snprintf(buf, n, " (%s s after the exact-timer schedule)", e);
	return buf;
}

/* lwIP's probe: tcp_slowtmr() compares whole 0.5 s ticks strictly with
 * keep_idle + keep_cnt_sent x keep_intvl, and runs again at its next tick
 * (not keepintvl later). */
static void text_lwip_probe(struct text_sink *ts, const char *t, const struct rec_keepalive *k)
{
	char a[32], b[32], c[32], d[32], late[96];
	ks_time_t limit = k->time + (ks_time_t)k->probes_out * k->intvl;
	fprintf(ts->out, "%14s %s keepalive timer: idle %llu slow-timer ticks (%s) > (tcp_keepidle %s + probes_out %u "
		"x tcp_keepintvl %s) / 0.5 s = %llu ticks (lwIP's tcp_slowtmr(): a strict >): send probe #%u, "
		"next check at the next slow-timer tick, in %s%s\n", t, host_name(k->host),
		(unsigned long long)(k->elapsed / TM_LWIP_SLOW_INTERVAL), secs(a, sizeof a, k->elapsed),
		secs(b, sizeof b, k->time), k->probes_out, secs(c, sizeof c, k->intvl),
		(unsigned long long)(limit / TM_LWIP_SLOW_INTERVAL), k->probe_no, secs(d, sizeof d, k->next),
		ka_lateness(late, sizeof late, ts, k));
}

/* lwIP's abort: the same strict test against keep_idle + keep_cnt x keep_intvl. */
static void text_lwip_abort(struct text_sink *ts, const char *t, const struct rec_keepalive *k)
{
	char a[32], b[32], c[32], late[96];
	ks_time_t limit = k->time + (ks_time_t)k->probes * k->intvl;
	fprintf(ts->out, "%14s %s keepalive timer: idle %llu slow-timer ticks (%s) > (keepidle %s + keepcnt %u x "
		"keepintvl %s) / 0.5 s = %llu ticks (lwIP's tcp_slowtmr(): a strict >): give up (RST)%s\n", t,
		host_name(k->host), (unsigned long long)(k->elapsed / TM_LWIP_SLOW_INTERVAL),
		secs(a, sizeof a, k->elapsed), secs(b, sizeof b, k->time), k->probes, secs(c, sizeof c, k->intvl),
		(unsigned long long)(limit / TM_LWIP_SLOW_INTERVAL), ka_lateness(late, sizeof late, ts, k));
}

/* One keepalive firing. Without --explain only the firings that act (a probe,
 * a refused probe, an abort) get a line; --explain narrates every one. */
static void text_keepalive(struct text_sink *ts, ks_time_t now, const struct rec_keepalive *k)
{
	char late[96];
	char t[32], a[32], b[32], c[32];
	format_ts(t, sizeof t, now);
	FILE *o = ts->out;
	const char *me = host_name(k->host);
	if (ts->opts.explain) {
		char line[1024];
		explain_keepalive(line, sizeof line, now, k);
		bool abort = k->decision == KA_ABORT || k->decision == KA_ABORT_UT ||
			     k->decision == KA_ABORT_IDLE;
		narrate(ts, now, line, abort ? C_BOLDRED : k->decision == KA_PROBE ? C_YELLOW : C_DIM);
		return;
	}
	switch (k->decision) {
	case KA_PROBE:
		if (k->algo == KA_ALGO_LWIP) {
			text_lwip_probe(ts, t, k);
			break;
		}
		fprintf(o, "%14s %s keepalive timer: idle %s >= tcp_keepidle %s", t, me,
			secs(a, sizeof a, k->elapsed), secs(b, sizeof b, k->time));
		if (k->algo == KA_ALGO_BSD) /* an idle-time rule */
			fprintf(o, " and < tcp_keepidle + tcp_keepcnt %u x tcp_keepintvl %s", k->probes,
				secs(c, sizeof c, k->intvl));
		else if (k->user_timeout)
			fprintf(o, ", %u probe%s out (TCP_USER_TIMEOUT %u ms not reached or no probe yet)",
				k->probes_out, k->probes_out == 1 ? "" : "s", k->user_timeout);
		else
			fprintf(o, " and probes_out %u < tcp_keepcnt %u", k->probes_out, k->probes);
		fprintf(o, ": send probe #%u, next check in tcp_keepintvl %s%s\n", k->probe_no,
			secs(c, sizeof c, k->next), ka_lateness(late, sizeof late, ts, k));
		break;
	case KA_RESOURCE:
		fprintf(o, "%14s %s keepalive timer: the probe was refused by %s's qdisc: not counted, "
			"retry in %s\n", t, me, me, secs(a, sizeof a, k->next));
		break;
	case KA_ABORT:
		fprintf(o, "%14s %s keepalive timer: idle %s and probes_out %u >= tcp_keepcnt %u: "
			"give up (RST, ETIMEDOUT)%s\n", t, me, secs(a, sizeof a, k->elapsed), k->probes_out,
			k->probes, ka_lateness(late, sizeof late, ts, k));
		break;
	case KA_ABORT_IDLE:
		if (k->algo == KA_ALGO_LWIP) {
			text_lwip_abort(ts, t, k);
			break;
		}
		fprintf(o, "%14s %s keepalive timer: idle %s >= keepidle %s + keepcnt %u x keepintvl %s: "
			"give up (RST)%s\n", t, me, secs(a, sizeof a, k->elapsed), secs(b, sizeof b, k->time),
			k->probes, secs(c, sizeof c, k->intvl),
			ka_lateness(late, sizeof late, ts, k));
		break;
	case KA_ABORT_UT:
		fprintf(o, "%14s %s keepalive timer: idle %s >= TCP_USER_TIMEOUT %u ms with %u probe%s out: "
			"give up (RST, ETIMEDOUT)%s\n", t, me, secs(a, sizeof a, k->elapsed), k->user_timeout,
			k->probes_out, k->probes_out == 1 ? "" : "s",
			ka_lateness(late, sizeof late, ts, k));
		break;
	case KA_IDLE:
	case KA_BUSY:
	case KA_OFF:
		break; /* nothing happened: only --explain narrates these */
	}
}

/* One retransmission-timer firing: without --explain only the abort gets a
 * line (the retransmissions show as packets). */
static void text_rto(struct text_sink *ts, ks_time_t now, const struct rec_rto *r)
{
	char t[32], a[32], b[32], late[96];
	if (ts->opts.explain) {
		char line[1024];
		explain_rto(line, sizeof line, now, r);
		narrate(ts, now, line, r->decision == RTO_ABORT ? C_BOLDRED : "");
		return;
	}
	if (r->decision != RTO_ABORT)
		return;
	if (r->algo == KA_ALGO_LWIP) {
		format_ts(t, sizeof t, now);
		fprintf(ts->out, "%14s %c retransmission timer (lwIP tcp_slowtmr): nrtx %u >= %s %u: "
			"drop the pcb (ERR_ABRT, no RST)\n", t, host_letter(r->host), r->retransmits,
			r->syn ? "TCP_SYNMAXRTX" : "TCP_MAXRTX", r->boundary);
		return;
	}
	const char *rule = rto_rule(r);
	format_ts(t, sizeof t, now);
	lateness(late, sizeof late, r->nominal, r->actual);
	if (r->synack) {
		fprintf(ts->out, "%14s %s SYN-ACK timer: %u retransmissions, tcp_synack_retries %u: the "
			"request is dropped (no RST, no error)%s\n", t, host_name(r->host), r->retransmits,
			r->boundary, late);
		return;
	}
	fprintf(ts->out, "%14s %s retransmission timer: %u retransmissions, %s since the first one "
		"(limit %s, %s): give up (%s, no RST)%s\n", t, host_name(r->host), r->retransmits,
		secs(a, sizeof a, r->since), secs(b, sizeof b, r->limit), rule,
		r->err_soft ? tcp_errno_name(r->err_soft) : "ETIMEDOUT", late);
}

/* One RTT sample and the estimator after it (tcp_rtt_estimator() or RFC 6298). */
static void text_rtt(struct text_sink *ts, ks_time_t now, const struct rec_rtt *r)
{
	char t[32], a[32], b[32], c[32], d[32];
	if (ts->opts.explain) {
		char line[512];
		explain_rtt(line, sizeof line, now, r);
		narrate(ts, now, line, C_DIM);
		return;
	}
	format_ts(t, sizeof t, now);
	fprintf(ts->out, "%14s %s RTT sample %s: srtt %s, rttvar %s, rto %s\n", t, host_name(r->host),
		secs(a, sizeof a, r->sample), secs(b, sizeof b, r->srtt), secs(c, sizeof c, r->rttvar),
		secs(d, sizeof d, r->rto));
}

static void text_action(struct text_sink *ts, ks_time_t now, const struct rec_action *a)
{
	char t[32], v[32];
	const struct sc_event *ev = a->ev;
	format_ts(t, sizeof t, now);
	if (ev->action >= ACT_LINK_DOWN) {
		switch (ev->action) {
		case ACT_LINK_DOWN: fprintf(ts->out, "%14s event: link down\n", t); break;
		case ACT_LINK_UP: fprintf(ts->out, "%14s event: link up\n", t); break;
		case ACT_LINK_LOSS: fprintf(ts->out, "%14s event: link loss %g\n", t, ev->p); break;
		case ACT_LINK_DELAY:
			fprintf(ts->out, "%14s event: link delay %s", t, secs(v, sizeof v, ev->arg));
			if (ev->jitter)
				fprintf(ts->out, " jitter %s", secs(v, sizeof v, ev->jitter));
			if (ev->host >= 0)
				fprintf(ts->out, " (%c->%c only)", host_letter(ev->host), host_letter(!ev->host));
			fputc('\n', ts->out);
			break;
		case ACT_PARTITION:
			fprintf(ts->out, "%14s event: partition %c->%c\n", t, host_letter(ev->host), host_letter(!ev->host));
			break;
		case ACT_HEAL: fprintf(ts->out, "%14s event: heal\n", t); break;
		case ACT_NAT_FLUSH: fprintf(ts->out, "%14s event: nat flush\n", t); break;
		case ACT_NAT_REBOOT: fprintf(ts->out, "%14s event: nat reboot\n", t); break;
		case ACT_LB_FLUSH: fprintf(ts->out, "%14s event: lb flush\n", t); break;
		case ACT_LB_REBOOT: fprintf(ts->out, "%14s event: lb reboot\n", t); break;
		case ACT_UNREACHABLE:
			fprintf(ts->out, "%14s event: unreachable %c %s\n", t, host_letter(ev->host),
				ev->arg == UINT64_MAX ? "off" : icmp_code_name((uint8_t)ev->arg));
			break;
		default: break;
		}
		return;
	}
	if (a->result) {
		fprintf(ts->out, "%14s event: %s %c %s\n", t, action_name(ev->action), host_letter(ev->host),
			a->result);
		return;
	}
	fprintf(ts->out, "%14s event: %s %c", t, action_name(ev->action), host_letter(ev->host));
	switch (ev->action) {
	case ACT_SEND: fprintf(ts->out, " %llu bytes", (unsigned long long)ev->arg); break;
	case ACT_CONGEST: fprintf(ts->out, " for %s", secs(v, sizeof v, ev->arg)); break;
	case ACT_SET: fprintf(ts->out, " %s %llu", sockopt_name(ev->opt), (unsigned long long)ev->arg); break;
	default: break;
	}
	fputc('\n', ts->out);
}

/* One timeline line: the time, then the record's sentence. */
static void stamped(struct text_sink *ts, ks_time_t at, const char *line)
{
	char t[32];
	format_ts(t, sizeof t, at);
	fprintf(ts->out, "%14s %s\n", t, line);
}

static void text_format(struct text_sink *ts, const struct ks_record *r)
{
	char t[32], line[512]; /* the longest sentence: proxy_text()'s */
	ka_late_record(&ts->kl, r);
	switch (r->type) {
	case REC_PACKET: text_packet(ts, &r->u.pkt); break;
	case REC_KEEPALIVE: text_keepalive(ts, r->t, &r->u.ka); break;
	case REC_RTO: text_rto(ts, r->t, &r->u.rto); break;
	case REC_RTT: text_rtt(ts, r->t, &r->u.rtt); break;
	case REC_ACTION: text_action(ts, r->t, &r->u.act); break;
	case REC_END:
		ts->ended[r->u.end.host] = true;
		ts->end[r->u.end.host] = r->u.end;
		format_ts(t, sizeof t, r->t);
		if (r->u.end.error)
			fprintf(ts->out, "%14s %s%s: the application sees %s%s\n", t, col(ts, C_BOLDRED),
				host_name(r->u.end.host), tcp_errno_name(r->u.end.error), col(ts, C_OFF));
		break;
	case REC_NAT:
		if (r->u.nat.decision != NATD_TRANSLATED || ts->opts.explain) {
			nat_text(line, sizeof line, &r->u.nat);
			stamped(ts, r->t, line);
		}
		break;
	case REC_ICMP:
		icmp_text(line, sizeof line, &r->u.icmp);
		stamped(ts, r->t, line);
		break;
	case REC_HEARTBEAT:
		if (r->u.hb.decision == HBD_GIVEUP) {
			ts->hb_gave_up[r->u.hb.host] = true;
			ts->hb[r->u.hb.host] = r->u.hb;
			ts->hb_time[r->u.hb.host] = r->t;
		}
		hb_text(line, sizeof line, &r->u.hb);
		stamped(ts, r->t, line);
		break;
	case REC_PROXY:
		proxy_text(line, sizeof line, &r->u.px);
		stamped(ts, r->t, line);
		break;
	case REC_STATE:
		if (ts->opts.explain) {
			explain_state(line, sizeof line, r->t, &r->u.st);
			narrate(ts, r->t, line, C_DIM);
		}
		break;
	}
}

/* Write the waiting lines whose time is at most upto. */
static void release_lines(struct text_sink *ts, ks_time_t upto)
{
	while (ts->head < ts->n && ts->q[ts->head].t <= upto) {
		struct text_line *l = &ts->q[ts->head++];
		fwrite(l->text, 1, l->len, ts->out);
		free(l->text);
	}
	if (ts->head == ts->n)
		ts->head = ts->n = 0;
}

/* Queue a line after every waiting line of the same or an earlier time;
 * false when there is no memory for it. */
static bool queue_line(struct text_sink *ts, ks_time_t t, char *text, size_t len)
{
	if (ts->n == ts->cap) {
		if (ts->head > 0) { /* compact */
			memmove(ts->q, ts->q + ts->head, (ts->n - ts->head) * sizeof(*ts->q));
			ts->n -= ts->head;
			ts->head = 0;
		} else {
			size_t cap = ts->cap ? 2 * ts->cap : 64;
			struct text_line *q = realloc(ts->q, cap * sizeof(*q));
			if (!q)
				return false;
			ts->q = q;
			ts->cap = cap;
		}
	}
	size_t i = ts->n++;
	for (; i > ts->head && ts->q[i - 1].t > t; i--)
		ts->q[i] = ts->q[i - 1];
	ts->q[i] = (struct text_line){.t = t, .text = text, .len = len};
	return true;
}

static void text_record(struct sink *s, const struct sim *sim, const struct ks_record *r)
{
	struct text_sink *ts = (struct text_sink *)s;
	if (!ts->header_done) {
		header(ts, sim);
		ts->maxlat = record_lag_bound(sim->sc);
	}
	FILE *dest = ts->out;
	char *text = NULL;
	size_t len = 0;
	ts->out = open_memstream(&text, &len);
	if (!ts->out) { /* no memory: write it where it is, unordered */
		ts->out = dest;
		text_format(ts, r);
		return;
	}
	text_format(ts, r);
	fclose(ts->out);
	ts->out = dest;
	ks_time_t t = r->type == REC_PACKET ? r->u.pkt.sent : r->t;
	if (!len) {
		free(text);
	} else if (!queue_line(ts, t, text, len)) {
		release_lines(ts, KS_TIME_NEVER);
		fwrite(text, 1, len, ts->out);
		free(text);
	}
	/* every later record is reported at r->t or after, so its line's time
	 * is at least r->t - maxlat */
	release_lines(ts, r->t > ts->maxlat ? r->t - ts->maxlat : 0);
}

/* A box's statistics line: "NAT aws-nat-gateway: 1 mapping created, ...". */
static void box_summary(struct text_sink *ts, const struct nat *nat)
{
	const struct nat_stats *st = &nat->st;
	fprintf(ts->out, "  %s%s%s: %llu mapping%s created, %llu refreshes, %llu expired, %llu evicted, "
		"%llu segment%s dropped, %llu RST%s sent", nat_box_name(nat->box),
		nat->cfg.preset[0] ? " " : "", nat->cfg.preset,
		(unsigned long long)st->created, st->created == 1 ? "" : "s",
		(unsigned long long)st->refreshes, (unsigned long long)st->expired,
		(unsigned long long)st->evicted, (unsigned long long)st->drops,
		st->drops == 1 ? "" : "s", (unsigned long long)st->rsts, st->rsts == 1 ? "" : "s");
	if (st->bg_flows)
		fprintf(ts->out, "; background: %llu flows, %llu evicted, %llu expired, "
			"%llu broken, peak table %llu/%llu",
			(unsigned long long)st->bg_flows, (unsigned long long)st->bg_evicted,
			(unsigned long long)st->bg_expired, (unsigned long long)st->bg_broken,
			(unsigned long long)st->peak, (unsigned long long)nat->cfg.capacity);
	fputs(".\n", ts->out);
}

static void text_finish(struct sink *s, const struct sim *sim)
{
	struct text_sink *ts = (struct text_sink *)s;
	char line[512];
	if (!ts->header_done)
		header(ts, sim);
	release_lines(ts, KS_TIME_NEVER);
	fputs("\nSummary:\n", ts->out);
	for (int i = 0; i < (sim->has_proxy ? NSOCKS : NHOSTS); i++) {
		int h = sim->has_proxy ? summary_order[i] : i;
		summary_sentence(line, sizeof line, sim, h, ts->ended[h] ? &ts->end[h] : NULL);
		fprintf(ts->out, "  %s.\n", line);
		if (ts->hb_gave_up[h]) {
			hb_summary(line, sizeof line, ts->hb_time[h], &ts->hb[h]);
			fprintf(ts->out, "  %s.\n", line);
		}
	}
	if (sim->has_proxy) {
		proxy_summary(line, sizeof line, sim);
		fprintf(ts->out, "  %s.\n", line);
	}
	for (int h = 0; h < NHOSTS; h++) {
		ka_period_sentence(line, sizeof line, &ts->kl, h, ts->ended[h]);
		if (line[0])
			fprintf(ts->out, "  %s.\n", line);
	}
	for (int b = 0; b < NAT_NBOXES; b++)
		if (sim->box_on[b])
			box_summary(ts, &sim->box[b]);
	fflush(ts->out);
}

static void text_destroy(struct sink *s)
{
	struct text_sink *ts = (struct text_sink *)s;
	for (size_t i = ts->head; i < ts->n; i++)
		free(ts->q[i].text);
	free(ts->q);
	free(s);
}

struct sink *text_sink_new(FILE *out, const struct output_opts *o)
{
	struct text_sink *ts = calloc(1, sizeof(*ts));
	if (!ts)
		return NULL;
	ts->base = (struct sink){.record = text_record, .finish = text_finish, .destroy = text_destroy};
	ts->out = out;
	ts->opts = *o;
	return &ts->base;
}
