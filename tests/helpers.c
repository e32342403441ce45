/*
 * helpers.c - see helpers.h.
 */
#include "helpers.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the collecting sink --------------------------------------------------- */

static void col_push(struct collector *c, const struct rec *x)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		struct rec *p = realloc(c->recs, cap * sizeof(*p));
		cr_assert_not_null(p, "out of memory in the collector");
		c->recs = p;
		c->cap = cap;
	}
	c->recs[c->n++] = *x;
}

static void col_record(struct sink *s, const struct sim *sim, const struct ks_record *r)
{
	(void)sim;
	struct collector *c = (struct collector *)s;
	struct rec x;
	memset(&x, 0, sizeof(x));
	x.type = r->type;
	x.t = r->t;
	switch (r->type) {
	case REC_PACKET:
		x.u.pkt.seg = *r->u.pkt.seg;
		if (r->u.pkt.seg_out) {
			x.u.pkt.has_out = true;
			x.u.pkt.seg_out = *r->u.pkt.seg_out;
		}
		if (r->u.pkt.seg_mid) {
			x.u.pkt.has_mid = true;
			x.u.pkt.seg_mid = *r->u.pkt.seg_mid;
			x.u.pkt.mid_is_out = r->u.pkt.seg_out == r->u.pkt.seg_mid;
		}
		x.u.pkt.sent = r->u.pkt.sent;
		x.u.pkt.fate_time = r->u.pkt.fate_time;
		x.u.pkt.reason = r->u.pkt.reason;
		x.u.pkt.reason_host = r->u.pkt.reason_host;
		break;
	case REC_KEEPALIVE: x.u.ka = r->u.ka; break;
	case REC_RTO: x.u.rto = r->u.rto; break;
	case REC_ACTION: x.u.act = r->u.act; break;
	case REC_END: x.u.end = r->u.end; break;
	case REC_STATE: x.u.st = r->u.st; break;
	case REC_NAT: x.u.nat = r->u.nat; break;
	case REC_ICMP: x.u.icmp = r->u.icmp; break;
	case REC_HEARTBEAT: x.u.hb = r->u.hb; break;
	case REC_RTT: x.u.rtt = r->u.rtt; break;
	case REC_PROXY: x.u.px = r->u.px; break;
	}
	col_push(c, &x);
}

static void col_finish(struct sink *s, const struct sim *sim)
{
	(void)sim;
	((struct collector *)s)->finished = true;
}

static void col_destroy(struct sink *s)
{
	(void)s; /* embedded in struct run: collector_free() frees the records */
}

void collector_init(struct collector *c)
{
	memset(c, 0, sizeof(*c));
	c->base = (struct sink){.record = col_record, .finish = col_finish, .destroy = col_destroy};
}

void collector_free(struct collector *c)
{
	free(c->recs);
	c->recs = NULL;
	c->n = c->cap = 0;
}

/* ---- running a scenario text ---------------------------------------------- */

/* The parser's messages, one a line, in the test's log. */
static void log_rejected(const char *what, const struct diag *d)
{
	size_t len = 1;
	for (size_t i = 0; i < d->n; i++)
		len += strlen(d->msg[i]) + 1;
	char *all = calloc(1, len);
	cr_assert_not_null(all);
	for (size_t i = 0; i < d->n; i++) {
		strcat(all, d->msg[i]);
		strcat(all, "\n");
	}
	cr_log_error("scenario rejected:\n%s\n%s", what, all);
	free(all);
}

/* Run out->sc (parsed, or NULL with the parser's messages in d) to its end. */
static void run_parsed(const char *what, struct diag *d, struct run *out)
{
	if (!out->sc) {
		log_rejected(what, d);
		diag_free(d);
		cr_assert_fail("the test scenario was rejected");
	}
	diag_free(d);
	collector_init(&out->col);
	out->sim = malloc(sizeof(*out->sim));
	cr_assert_not_null(out->sim);
	sim_init(out->sim, out->sc);
	sim_add_sink(out->sim, &out->col.base);
	sim_run(out->sim);
	cr_assert(out->col.finished, "the sink's finish() was not called");
}

/* Does the text or a --set name the timer model? ("timer" as a key: at the
 * start of a line, before '=') */
static bool names_timer(const char *text, const char *const *sets, size_t nsets)
{
	for (size_t i = 0; i < nsets; i++)
		if (strncmp(sets[i], "scenario.timer=", 15) == 0)
			return true;
	for (const char *p = text ? text : ""; p; p = strchr(p, '\n')) {
		p += *p == '\n';
		p += strspn(p, " \t");
		if (strncmp(p, "timer", 5) == 0 && p[5 + strspn(p + 5, " \t")] == '=')
			return true;
	}
	return false;
}

/* sets, plus scenario.timer=exact when neither text nor sets name a model
 * (helpers.h); free with free() (the strings are not copied). */
static const char **with_timer(const char *text, const char *const *sets, size_t *nsets)
{
	const char **all = calloc(*nsets + 1, sizeof(*all));
	cr_assert_not_null(all);
	for (size_t i = 0; i < *nsets; i++)
		all[i] = sets[i];
	if (!names_timer(text, sets, *nsets))
		all[(*nsets)++] = "scenario.timer=exact";
	return all;
}

void run_ini(const char *ini_text, const char *const *sets, size_t nsets, struct run *out)
{
	struct diag d = {0};
	memset(out, 0, sizeof(*out));
	const char **all = with_timer(ini_text, sets, &nsets);
	out->sc = scenario_parse_string("test.ini", ini_text, all, nsets, &d);
	free(all);
	run_parsed(ini_text, &d, out);
}

void run_file(const char *name, const char *const *sets, size_t nsets, struct run *out)
{
	struct diag d = {0};
	char *path = scenario_file(name);
	char *text = slurp(path, NULL);
	memset(out, 0, sizeof(*out));
	const char **all = with_timer(text, sets, &nsets);
	out->sc = scenario_load(path, all, nsets, &d);
	free(all);
	free(text);
	run_parsed(path, &d, out);
	free(path);
}

void run_free(struct run *r)
{
	if (r->sim)
		sim_destroy(r->sim);
	free(r->sim);
	collector_free(&r->col);
	scenario_free(r->sc);
	memset(r, 0, sizeof(*r));
}

const struct tcp_sock *run_sk(const struct run *r, int host)
{
	return &r->sim->host[host].sk;
}

/* ---- queries --------------------------------------------------------------- */

static bool pkt_match(const struct rec *x, int src, int kind)
{
	return x->type == REC_PACKET && (src == ANY || x->u.pkt.seg.src == src) &&
	       (kind == ANY || x->u.pkt.seg.kind == kind);
}

size_t run_count_pkts(const struct run *r, int src, int kind)
{
	size_t k = 0;
	for (size_t i = 0; i < r->col.n; i++)
		k += pkt_match(&r->col.recs[i], src, kind);
	return k;
}

const struct pkt *run_nth_pkt(const struct run *r, int src, int kind, size_t n)
{
	for (size_t i = 0; i < r->col.n; i++)
		if (pkt_match(&r->col.recs[i], src, kind) && --n == 0)
			return &r->col.recs[i].u.pkt;
	return NULL;
}

static bool flags_match(const struct rec *x, int src, uint8_t mask, uint8_t want)
{
	return pkt_match(x, src, ANY) && (x->u.pkt.seg.flags & mask) == want;
}

size_t run_count_flags(const struct run *r, int src, uint8_t mask, uint8_t want)
{
	size_t k = 0;
	for (size_t i = 0; i < r->col.n; i++)
		k += flags_match(&r->col.recs[i], src, mask, want);
	return k;
}

const struct pkt *run_nth_flags(const struct run *r, int src, uint8_t mask, uint8_t want, size_t n)
{
	for (size_t i = 0; i < r->col.n; i++)
		if (flags_match(&r->col.recs[i], src, mask, want) && --n == 0)
			return &r->col.recs[i].u.pkt;
	return NULL;
}

size_t run_count_pkts_from(const struct run *r, int src, ks_time_t t)
{
	size_t k = 0;
	for (size_t i = 0; i < r->col.n; i++)
		k += pkt_match(&r->col.recs[i], src, ANY) && r->col.recs[i].u.pkt.sent >= t;
	return k;
}

const struct pkt *run_probe(const struct run *r, int host, size_t n)
{
	return run_nth_pkt(r, host, SEG_KA_PROBE, n);
}

static bool probe_left(const struct rec *x, int host)
{
	return pkt_match(x, host, SEG_KA_PROBE) &&
	       !(x->u.pkt.reason == DROP_QDISC && x->u.pkt.reason_host == x->u.pkt.seg.src);
}

const struct pkt *run_probe_sent(const struct run *r, int host, size_t n)
{
	for (size_t i = 0; i < r->col.n; i++)
		if (probe_left(&r->col.recs[i], host) && --n == 0)
			return &r->col.recs[i].u.pkt;
	return NULL;
}

size_t run_count_probes_sent(const struct run *r, int host)
{
	size_t k = 0;
	for (size_t i = 0; i < r->col.n; i++)
		k += probe_left(&r->col.recs[i], host);
	return k;
}

/* A timer, ICMP or heartbeat decision record of type, host (ANY) and decision (ANY). */
static bool decision_match(const struct rec *x, enum ks_rec_type type, int host, int decision)
{
	int h, d;
	if (x->type != type)
		return false;
	switch (type) {
	case REC_KEEPALIVE: h = x->u.ka.host; d = (int)x->u.ka.decision; break;
	case REC_RTO: h = x->u.rto.host; d = (int)x->u.rto.decision; break;
	case REC_ICMP: h = x->u.icmp.host; d = (int)x->u.icmp.decision; break;
	case REC_HEARTBEAT: h = x->u.hb.host; d = (int)x->u.hb.decision; break;
	default: return false;
	}
	return (host == ANY || h == host) && (decision == ANY || d == decision);
}

static size_t count_decisions(const struct run *r, enum ks_rec_type type, int host, int decision)
{
	size_t k = 0;
	for (size_t i = 0; i < r->col.n; i++)
		k += decision_match(&r->col.recs[i], type, host, decision);
	return k;
}

static const struct rec *nth_decision(const struct run *r, enum ks_rec_type type, int host, int decision,
				      size_t n)
{
	for (size_t i = 0; i < r->col.n; i++)
		if (decision_match(&r->col.recs[i], type, host, decision) && --n == 0)
			return &r->col.recs[i];
	return NULL;
}

size_t run_count_ka(const struct run *r, int host, int decision)
{
	return count_decisions(r, REC_KEEPALIVE, host, decision);
}

const struct rec *run_nth_ka(const struct run *r, int host, int decision, size_t n)
{
	return nth_decision(r, REC_KEEPALIVE, host, decision, n);
}

size_t run_count_rto(const struct run *r, int host, int decision)
{
	return count_decisions(r, REC_RTO, host, decision);
}

const struct rec *run_nth_rto(const struct run *r, int host, int decision, size_t n)
{
	return nth_decision(r, REC_RTO, host, decision, n);
}

size_t run_count_icmp(const struct run *r, int host, int decision)
{
	return count_decisions(r, REC_ICMP, host, decision);
}

const struct rec *run_nth_icmp(const struct run *r, int host, int decision, size_t n)
{
	return nth_decision(r, REC_ICMP, host, decision, n);
}

size_t run_count_hb(const struct run *r, int host, int decision)
{
	return count_decisions(r, REC_HEARTBEAT, host, decision);
}

const struct rec *run_nth_hb(const struct run *r, int host, int decision, size_t n)
{
	return nth_decision(r, REC_HEARTBEAT, host, decision, n);
}

const struct rec *run_end(const struct rec *recs, size_t n, int host)
{
	for (size_t i = 0; i < n; i++)
		if (recs[i].type == REC_END && recs[i].u.end.host == host)
			return &recs[i];
	return NULL;
}

const struct rec *run_end_of(const struct run *r, int host)
{
	return run_end(r->col.recs, r->col.n, host);
}

const struct rec_end *run_end_must(const struct run *r, int host)
{
	const struct rec *e = run_end_of(r, host);
	cr_assert_not_null(e, "host %d never ended", host);
	return &e->u.end;
}

ks_time_t run_end_time(const struct run *r, int host)
{
	const struct rec *e = run_end_of(r, host);
	return e ? e->t : KS_TIME_NEVER;
}

/* The host a record is about (REC_STATE, REC_RTT), or -1. */
static int rec_host(const struct rec *x)
{
	switch (x->type) {
	case REC_STATE: return x->u.st.host;
	case REC_RTT: return x->u.rtt.host;
	default: return -1;
	}
}

const struct rec *run_nth_of(const struct run *r, enum ks_rec_type type, int host, size_t n,
			      size_t *count)
{
	size_t k = 0;
	for (size_t i = 0; i < r->col.n; i++) {
		if (r->col.recs[i].type != type || rec_host(&r->col.recs[i]) != host)
			continue;
		if (++k == n)
			return &r->col.recs[i];
	}
	if (count)
		*count = k;
	return NULL;
}

void rec_format(char *buf, size_t n, const struct rec *x)
{
	unsigned long long t = x->t;
	switch (x->type) {
	case REC_PACKET: {
		const struct pkt *p = &x->u.pkt;
		const struct segment *s = &p->seg;
		snprintf(buf, n,
			 "%llu PKT id=%llu %u:%u>%u:%u src=%u dst=%u flags=%#x seq=%u ack=%u len=%u win=%u "
			 "kind=%u nth=%u sent=%llu fate=%llu reason=%d where=%d out=%d:%u:%u>%u:%u",
			 t, (unsigned long long)s->id, s->saddr, s->sport, s->daddr, s->dport, s->src, s->dst,
			 s->flags, s->seq, s->ack, s->len, s->win, s->kind, s->nth,
			 (unsigned long long)p->sent, (unsigned long long)p->fate_time, (int)p->reason,
			 p->reason_host, (int)p->has_out, p->seg_out.saddr, p->seg_out.sport,
			 p->seg_out.daddr, p->seg_out.dport);
		break;
	}
	case REC_KEEPALIVE: {
		const struct rec_keepalive *k = &x->u.ka;
		snprintf(buf, n,
			 "%llu KA host=%d d=%d elapsed=%llu po=%u T=%llu I=%llu P=%u ut=%u next=%llu no=%u "
			 "pout=%u unsent=%d",
			 t, k->host, (int)k->decision, (unsigned long long)k->elapsed, k->probes_out,
			 (unsigned long long)k->time, (unsigned long long)k->intvl, k->probes, k->user_timeout,
			 (unsigned long long)k->next, k->probe_no, k->packets_out, (int)k->unsent);
		break;
	}
	case REC_RTO: {
		const struct rec_rto *o = &x->u.rto;
		snprintf(buf, n, "%llu RTO host=%d d=%d syn=%d n=%u since=%llu limit=%llu next=%llu b=%u ut=%u",
			 t, o->host, (int)o->decision, (int)o->syn, o->retransmits,
			 (unsigned long long)o->since, (unsigned long long)o->limit,
			 (unsigned long long)o->next, o->boundary, o->user_timeout);
		break;
	}
	case REC_ACTION:
		snprintf(buf, n, "%llu ACT line=%d action=%d host=%d opt=%d arg=%llu result=%s", t,
			 x->u.act.ev->line, (int)x->u.act.ev->action, x->u.act.ev->host,
			 (int)x->u.act.ev->opt, (unsigned long long)x->u.act.ev->arg,
			 x->u.act.result ? x->u.act.result : "-");
		break;
	case REC_END: {
		const struct rec_end *e = &x->u.end;
		snprintf(buf, n,
			 "%llu END host=%d why=%d err=%d from=%d last_rx=%llu elapsed=%llu po=%u T=%llu "
			 "I=%llu P=%u ut=%u rtx=%u stamp=%llu limit=%llu b=%u rst=%#x",
			 t, e->host, (int)e->why, e->error, (int)e->from, (unsigned long long)e->last_rx,
			 (unsigned long long)e->elapsed, e->probes_out, (unsigned long long)e->time,
			 (unsigned long long)e->intvl, e->probes, e->user_timeout, e->retransmits,
			 (unsigned long long)e->retrans_stamp, (unsigned long long)e->limit, e->boundary,
			 e->rst_flags);
		break;
	}
	case REC_STATE:
		snprintf(buf, n, "%llu STATE host=%d %d>%d", t, x->u.st.host, (int)x->u.st.from,
			 (int)x->u.st.to);
		break;
	case REC_HEARTBEAT: {
		const struct rec_heartbeat *h = &x->u.hb;
		snprintf(buf, n, "%llu HB host=%d d=%d no=%u misses=%u/%u sent=%llu T=%llu I=%llu alive=%llu",
			 t, h->host, (int)h->decision, h->no, h->misses, h->count,
			 (unsigned long long)h->sent, (unsigned long long)h->timeout,
			 (unsigned long long)h->interval, (unsigned long long)h->last_alive);
		break;
	}
	case REC_RTT: {
		const struct rec_rtt *o = &x->u.rtt;
		snprintf(buf, n, "%llu RTT host=%d m=%llu srtt=%llu var=%llu term=%llu rto=%llu rfc=%d", t,
			 o->host, (unsigned long long)o->sample, (unsigned long long)o->srtt,
			 (unsigned long long)o->rttvar, (unsigned long long)o->rttvar_term,
			 (unsigned long long)o->rto, (int)o->rfc6298);
		break;
	}
	case REC_NAT: {
		const struct rec_nat *a = &x->u.nat;
		snprintf(buf, n,
			 "%llu NAT d=%d dir=%d %u:%u<->%u:%u rem=%u:%u cls=%d refreshed=%d idle=%llu "
			 "timeout=%llu drop=%d rst_to=%d why=%s",
			 t, (int)a->decision, a->dir, a->in_addr, a->in_port, a->ext_addr, a->ext_port,
			 a->rem_addr, a->rem_port, (int)a->cls, (int)a->refreshed,
			 (unsigned long long)a->idle, (unsigned long long)a->timeout, (int)a->drop,
			 a->rst_to, a->why ? a->why : "-");
		break;
	}
	case REC_ICMP: {
		const struct rec_icmp *c = &x->u.icmp;
		snprintf(buf, n,
			 "%llu ICMP host=%d d=%d type=%u code=%u seq=%u una=%u nxt=%u err=%d tokens=%llu "
			 "backoff=%u rto=%llu rem=%llu",
			 t, c->host, (int)c->decision, c->type, c->code, c->seq, c->snd_una, c->snd_nxt,
			 c->err, (unsigned long long)c->tokens, c->backoff, (unsigned long long)c->rto,
			 (unsigned long long)c->remaining);
		break;
	}
	case REC_PROXY: {
		const struct rec_proxy *p = &x->u.px;
		snprintf(buf, n, "%llu PROXY d=%d leg=%d ca=%d sa=%d last=%llu limit=%llu ab=%llu ba=%llu",
			 t, (int)p->decision, p->leg, p->client_action, p->server_action,
			 (unsigned long long)p->last_payload, (unsigned long long)p->limit,
			 (unsigned long long)p->bytes[0], (unsigned long long)p->bytes[1]);
		break;
	}
	}
}

char *strf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int k = vasprintf(&s, fmt, ap);
	va_end(ap);
	cr_assert_geq(k, 0, "vasprintf failed");
	return s;
}

struct scenario *scenario_text_ok(const char *text)
{
	struct diag d = {0};
	struct scenario *s = scenario_parse_string("t.ini", text, NULL, 0, &d);
	cr_assert_not_null(s, "rejected: %s", d.n ? d.msg[0] : "?");
	diag_free(&d);
	return s;
}
