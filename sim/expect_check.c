/*
 * expect_check.c - checking [expect] against a run (expect.h): a sink that
 * keeps the packet times the expectations name (from REC_PACKET records) and
 * each endpoint's end (REC_END); at finish() it reads the final state of the
 * endpoints through the read-only struct sim, as --json's endpoints do.
 */
#include "expect.h"

#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "output.h"
#include "sim.h"

struct expect_sink {
	struct sink base;
	struct exp_actual a[NHOSTS];
	bool ended[NHOSTS];
	struct rec_end end[NHOSTS];
};

static void push(ks_time_t **v, size_t *n, size_t *cap, ks_time_t t)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;
		ks_time_t *nv = realloc(*v, c * sizeof(*nv));
		if (!nv)
			return; /* out of memory: the list comes out short, and fails */
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = t;
}

static void es_record(struct sink *s, const struct sim *sim, const struct ks_record *r)
{
	struct expect_sink *es = (struct expect_sink *)s;
	(void)sim;
	if (r->type == REC_END) {
		if (r->u.end.host >= NHOSTS)
			return; /* a proxy's socket: [expect] speaks of A and B */
		es->ended[r->u.end.host] = true;
		es->end[r->u.end.host] = r->u.end;
		return;
	}
	if (r->type != REC_PACKET)
		return;
	const struct segment *seg = r->u.pkt.seg;
	if (seg->src != HOST_A && seg->src != HOST_B)
		return;
	struct exp_actual *a = &es->a[seg->src];
	/* a probe or retransmission is reported once, when its fate is known; the
	 * time is when it left its sender, as in the timeline */
	if (seg->kind == SEG_KA_PROBE)
		push(&a->probe_times, &a->nprobe, &a->cap_probe, r->u.pkt.sent);
	else if (seg->kind == SEG_RETRANS || seg->kind == SEG_TLP)
		push(&a->retrans_times, &a->nretrans, &a->cap_retrans, r->u.pkt.sent);
}

static void es_finish(struct sink *s, const struct sim *sim)
{
	struct expect_sink *es = (struct expect_sink *)s;
	for (int h = 0; h < NHOSTS; h++) {
		const struct tcp_sock *sk = &sim->host[h].sk;
		struct exp_actual *a = &es->a[h];
		a->isn = sk->iss;
		a->state = sk->state;
		a->error = sk->error;
		a->error_time = sk->error_time;
		a->end = es->ended[h] ? es->end[h].why : END_NONE;
		a->end_time = es->ended[h] ? sk->end_time : 0;
		a->probes_sent = sk->probes_sent;
		a->retransmissions = sk->retrans_sent;
		summary_sentence(a->summary, sizeof a->summary, sim, h, es->ended[h] ? &es->end[h] : NULL);
	}
}

static void es_destroy(struct sink *s)
{
	struct expect_sink *es = (struct expect_sink *)s;
	for (int h = 0; h < NHOSTS; h++) {
		free(es->a[h].probe_times);
		free(es->a[h].retrans_times);
	}
	free(es);
}

struct sink *expect_sink_new(void)
{
	struct expect_sink *es = calloc(1, sizeof(*es));
	if (!es)
		return NULL;
	es->base = (struct sink){.record = es_record, .finish = es_finish, .destroy = es_destroy};
	return &es->base;
}

const struct exp_actual *expect_sink_actual(const struct sink *s, int h)
{
	return &((const struct expect_sink *)s)->a[h];
}

/* ---- comparing -------------------------------------------------------------- */

static bool within(uint64_t got, uint64_t want, uint64_t tol)
{
	return got >= want ? got - want <= tol : want - got <= tol;
}

/* A time that may be none: a field with no error / no end is none. */
static bool time_holds(const struct exp_value *w, bool got_none, ks_time_t got)
{
	if (w->none || got_none)
		return w->none == got_none;
	return within((uint64_t)got, (uint64_t)w->t, w->tol);
}

static bool times_hold(const struct exp_value *w, const ks_time_t *got, size_t n)
{
	if (w->none)
		return n == 0;
	if (n != w->ntimes)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!within((uint64_t)got[i], (uint64_t)w->times[i], w->tol))
			return false;
	return true;
}

bool expect_holds(enum exp_field f, const struct exp_value *w, const struct exp_actual *a)
{
	switch (f) {
	case EF_ISN: return within(a->isn, w->u, w->tol);
	case EF_STATE: return (uint64_t)a->state == w->u;
	case EF_ERROR: return w->none ? a->error == 0 : (uint64_t)a->error == w->u;
	case EF_ERROR_TIME: return time_holds(w, a->error == 0, a->error_time);
	case EF_END: return w->none ? a->end == END_NONE : (uint64_t)a->end == w->u;
	case EF_END_TIME: return time_holds(w, a->end == END_NONE, a->end_time);
	case EF_PROBES_SENT: return within(a->probes_sent, w->u, w->tol);
	case EF_RETRANSMISSIONS: return within(a->retransmissions, w->u, w->tol);
	case EF_SUMMARY: return !strcmp(a->summary, w->text);
	case EF_PROBE_TIMES: return times_hold(w, a->probe_times, a->nprobe);
	case EF_RETRANS_TIMES: return times_hold(w, a->retrans_times, a->nretrans);
	case EF_NFIELDS: break;
	}
	return false;
}

/* ---- formatting -------------------------------------------------------------- */

/* "7200 s, 7275 s, ..." (at most 12 shown, then "... (N in all)"). */
static void format_list(char *buf, size_t n, const ks_time_t *v, size_t cnt)
{
	size_t k = 0;
	char t[32];
	buf[0] = '\0';
	if (!cnt) {
		snprintf(buf, n, "none");
		return;
	}
	for (size_t i = 0; i < cnt && i < 12 && k < n; i++) {
		int w = snprintf(buf + k, n - k, "%s%s", i ? ", " : "", format_secs(t, sizeof t, v[i]));
		k += w > 0 ? (size_t)w : 0;
	}
	if (cnt > 12 && k < n)
		snprintf(buf + k, n - k, ", ... (%zu in all)", cnt);
}

static const char *name_text(enum exp_field f, uint64_t v)
{
	if (f == EF_STATE)
		return tcp_state_name((enum tcp_state)v);
	if (f == EF_ERROR)
		return v ? tcp_errno_name((int)v) : "none";
	return end_name((enum tcp_end)v);
}

void expect_format_want(char *buf, size_t n, enum exp_field f, const struct exp_value *w)
{
	char a[32], tol[48] = "";
	enum exp_kind k = expect_field_kind(f);
	if (w->tol && (k == EK_TIME || k == EK_TIMES))
		snprintf(tol, sizeof tol, " \xc2\xb1 %s", format_secs(a, sizeof a, (ks_time_t)w->tol));
	else if (w->tol)
		snprintf(tol, sizeof tol, " \xc2\xb1 %llu", (unsigned long long)w->tol);
	if (w->none) {
		snprintf(buf, n, "none");
		return;
	}
	switch (k) {
	case EK_COUNT: snprintf(buf, n, "%llu%s", (unsigned long long)w->u, tol); break;
	case EK_NAME: snprintf(buf, n, "%s", name_text(f, w->u)); break;
	case EK_TIME: snprintf(buf, n, "%s%s", format_secs(a, sizeof a, w->t), tol); break;
	case EK_TEXT: snprintf(buf, n, "\"%s\"", w->text); break;
	case EK_TIMES: {
		char list[400];
		format_list(list, sizeof list, w->times, w->ntimes);
		snprintf(buf, n, "%s%s%s", list, tol[0] ? " (each)" : "", tol);
		break;
	}
	}
}

void expect_format_got(char *buf, size_t n, enum exp_field f, const struct exp_actual *a)
{
	char t[32];
	switch (f) {
	case EF_ISN: snprintf(buf, n, "%u", a->isn); break;
	case EF_STATE: snprintf(buf, n, "%s", tcp_state_name((enum tcp_state)a->state)); break;
	case EF_ERROR: snprintf(buf, n, "%s", a->error ? tcp_errno_name(a->error) : "none"); break;
	case EF_ERROR_TIME: snprintf(buf, n, "%s", a->error ? format_secs(t, sizeof t, a->error_time) : "none"); break;
	case EF_END: snprintf(buf, n, "%s", end_name((enum tcp_end)a->end)); break;
	case EF_END_TIME:
		snprintf(buf, n, "%s", a->end != END_NONE ? format_secs(t, sizeof t, a->end_time) : "none");
		break;
	case EF_PROBES_SENT: snprintf(buf, n, "%u", a->probes_sent); break;
	case EF_RETRANSMISSIONS: snprintf(buf, n, "%u", a->retransmissions); break;
	case EF_SUMMARY: snprintf(buf, n, "\"%s\"", a->summary); break;
	case EF_PROBE_TIMES: format_list(buf, n, a->probe_times, a->nprobe); break;
	case EF_RETRANS_TIMES: format_list(buf, n, a->retrans_times, a->nretrans); break;
	case EF_NFIELDS: buf[0] = '\0'; break;
	}
}

size_t expect_report(FILE *out, const char *file, const struct expect_set *es, const struct sink *s,
		     bool all_lines)
{
	size_t failed = 0;
	char want[512], got[640];
	for (size_t i = 0; i < es->n; i++) {
		const struct expectation *e = &es->v[i];
		const struct exp_actual *a = expect_sink_actual(s, e->host);
		bool ok = expect_holds(e->field, &e->v, a);
		failed += !ok;
		if (ok && !all_lines)
			continue;
		expect_format_want(want, sizeof want, e->field, &e->v);
		fprintf(out, "  %s:%d: %s = %s: ", file, e->line, e->name, want);
		if (ok) {
			fputs("held\n", out);
			continue;
		}
		expect_format_got(got, sizeof got, e->field, a);
		fprintf(out, "FAILED, got %s\n", got);
	}
	return failed;
}
