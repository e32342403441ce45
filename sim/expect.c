/*
 * expect.c - the [expect] section of a scenario file and the values it holds
 * (expect.h). The file is read by the one INI reader (inifile.h); the other
 * sections are the scenario reader's, which accepts [expect] and leaves it
 * to us. Durations through duration.h, counts through number.h, errors
 * through diag.h.
 */
#include "expect.h"

#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "inifile.h"
#include "number.h"
#include "output.h"
#include "scenario.h"
#include "tcp.h"

static const struct {
	const char *name;
	enum exp_kind kind;
} fields[EF_NFIELDS] = {
	[EF_ISN] = {"isn", EK_COUNT},
	[EF_STATE] = {"state", EK_NAME},
	[EF_ERROR] = {"error", EK_NAME},
	[EF_ERROR_TIME] = {"error_time", EK_TIME},
	[EF_END] = {"end", EK_NAME},
	[EF_END_TIME] = {"end_time", EK_TIME},
	[EF_PROBES_SENT] = {"probes_sent", EK_COUNT},
	[EF_RETRANSMISSIONS] = {"retransmissions", EK_COUNT},
	[EF_SUMMARY] = {"summary", EK_TEXT},
	[EF_PROBE_TIMES] = {"probe_times", EK_TIMES},
	[EF_RETRANS_TIMES] = {"retrans_times", EK_TIMES},
};

/* Every HOST.FIELD, for did-you-mean and the list of valid fields. */
static const char *const all_names[2 * EF_NFIELDS] = {
	"A.isn", "A.state", "A.error", "A.error_time", "A.end", "A.end_time", "A.probes_sent",
	"A.retransmissions", "A.summary", "A.probe_times", "A.retrans_times",
	"B.isn", "B.state", "B.error", "B.error_time", "B.end", "B.end_time", "B.probes_sent",
	"B.retransmissions", "B.summary", "B.probe_times", "B.retrans_times",
};

const char *expect_field_name(enum exp_field f) { return fields[f].name; }
enum exp_kind expect_field_kind(enum exp_field f) { return fields[f].kind; }

bool expect_field_find(const char *name, int *host, enum exp_field *field)
{
	if ((name[0] != 'A' && name[0] != 'B') || name[1] != '.')
		return false;
	for (int f = 0; f < EF_NFIELDS; f++)
		if (!strcmp(name + 2, fields[f].name)) {
			*host = name[0] == 'A' ? HOST_A : HOST_B;
			*field = (enum exp_field)f;
			return true;
		}
	return false;
}

void expect_unknown_field(struct diag *d, const struct diag_loc *at, const char *name, const char *where,
			  const char *const *cands, size_t ncands)
{
	char list[1024];
	if (!cands) {
		cands = all_names;
		ncands = 2 * EF_NFIELDS;
	}
	const char *hint = diag_suggest(name, cands, ncands);
	if (hint)
		diag_at(d, at, "unknown field '%s' in %s (did you mean '%s'?)", name, where, hint);
	else
		diag_at(d, at, "unknown field '%s' in %s (valid: %s)", name, where,
			diag_join(list, sizeof list, cands, ncands < EF_NFIELDS ? ncands : EF_NFIELDS, "", ""));
}

/* ---- values --------------------------------------------------------------- */

/* The names a field of kind EK_NAME takes: the value for each, by search. */
static bool name_value(enum exp_field f, const char *s, uint64_t *out)
{
	for (int v = 0; v < 256; v++) {
		const char *n = NULL;
		if (f == EF_STATE)
			n = v >= TCP_ESTABLISHED && v <= TCP_CLOSING ? tcp_state_name((enum tcp_state)v) : NULL;
		else if (f == EF_ERROR)
			n = v ? tcp_errno_name(v) : NULL;
		else if (f == EF_END)
			n = v <= END_KEEPALIVE_IDLE ? end_name((enum tcp_end)v) : NULL;
		if (n && !strcmp(n, s)) {
			*out = (uint64_t)v;
			return true;
		}
	}
	return false;
}

static const char *name_valid(enum exp_field f)
{
	if (f == EF_STATE)
		return "a TCP state: ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE, "
		       "CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING";
	if (f == EF_ERROR)
		return "none or an errno name: ETIMEDOUT, ECONNRESET, EPIPE, ECONNREFUSED, ...";
	return "none, keepalive-timeout, keepalive-user-timeout, keepalive-idle-timeout, "
	       "retransmission-timeout, connect-timeout, reset, closed, crashed";
}

/* Split "VALUE ± TOL" / "VALUE +- TOL": the tolerance's text, or NULL; the
 * value is cut at the sign (s is modified). */
static char *split_tol(char *s)
{
	char *p = strstr(s, "\xc2\xb1"); /* ± in UTF-8 */
	size_t skip = 2;
	char *q = strstr(s, "+-");
	if (!p || (q && q < p))
		p = q;
	if (!p)
		return NULL;
	*p = '\0';
	return ini_trim(p + skip);
}

static const char *parse_time(const char *s, ks_time_t *t, char *why, size_t n)
{
	enum num_err e = dur_parse(s, t);
	if (e == NUM_OK)
		return NULL;
	snprintf(why, n, "'%s' %s", s, dur_error(e));
	return why;
}

static const char *parse_times(char *s, struct exp_value *v, char *why, size_t n)
{
	size_t cap = 0;
	for (char *save = NULL, *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok = ini_trim(tok);
		ks_time_t t;
		if (parse_time(tok, &t, why, n))
			return why;
		if (v->ntimes == cap) {
			cap = cap ? 2 * cap : 16;
			ks_time_t *nt = realloc(v->times, cap * sizeof(*nt));
			if (!nt)
				return "out of memory";
			v->times = nt;
		}
		v->times[v->ntimes++] = t;
	}
	if (!v->ntimes) {
		snprintf(why, n, "an empty list (write none for no packet at all)");
		return why;
	}
	return NULL;
}

/* The value proper (no tolerance) of field f. */
static const char *parse_plain(enum exp_field f, char *s, struct exp_value *v, char *why, size_t n)
{
	enum exp_kind k = fields[f].kind;
	if (!*s) {
		snprintf(why, n, "no value");
		return why;
	}
	if (!strcmp(s, "none") && (k == EK_TIMES || k == EK_TIME || (k == EK_NAME && f != EF_STATE))) {
		v->none = true;
		return NULL;
	}
	switch (k) {
	case EK_COUNT:
		if (parse_u64(s, false, &v->u) != NUM_OK) {
			snprintf(why, n, "'%s' is not a count (a whole number, e.g. 9)", s);
			return why;
		}
		return NULL;
	case EK_NAME:
		if (!name_value(f, s, &v->u)) {
			snprintf(why, n, "'%s' is not valid (%s)", s, name_valid(f));
			return why;
		}
		return NULL;
	case EK_TIME: return parse_time(s, &v->t, why, n);
	case EK_TEXT:
		v->text = strdup(s);
		return v->text ? NULL : "out of memory";
	case EK_TIMES: return parse_times(s, v, why, n);
	}
	return NULL;
}

const char *expect_parse_value(enum exp_field f, const char *text, bool allow_tol, struct exp_value *v,
			       char *why, size_t n)
{
	enum exp_kind k = fields[f].kind;
	char *s = strdup(text), *tol = NULL;
	const char *bad = NULL;

	*v = (struct exp_value){0};
	if (!s)
		return "out of memory";
	if (k != EK_TEXT)
		tol = split_tol(s);
	if (tol && !allow_tol) {
		bad = "an answer carries no tolerance (the key's tolerance applies)";
	} else if (tol && k != EK_COUNT && k != EK_TIME && k != EK_TIMES) {
		snprintf(why, n, "a tolerance only goes with a time or a count");
		bad = why;
	} else if (tol && k == EK_COUNT && parse_u64(tol, false, &v->tol) != NUM_OK) {
		snprintf(why, n, "tolerance '%s' is not a count", tol);
		bad = why;
	} else if (tol && k != EK_COUNT && parse_time(tol, (ks_time_t *)&v->tol, why, n)) {
		bad = why;
	}
	if (!bad)
		bad = parse_plain(f, ini_trim(s), v, why, n);
	if (!bad && tol && v->none) {
		snprintf(why, n, "none takes no tolerance");
		bad = why;
	}
	free(s);
	if (bad)
		expect_value_free(v);
	return bad;
}

void expect_value_free(struct exp_value *v)
{
	free(v->times);
	free(v->text);
	*v = (struct exp_value){0};
}

/* ---- the section ------------------------------------------------------------ */

struct ectx {
	struct diag_loc at;
	struct diag *d;
	struct expect_set *es;
	size_t nerr;
};

static void on_line(void *user, const char *line, enum line_fault fault)
{
	struct ectx *c = user;
	struct ini_line l;
	if (fault != LINE_OK)
		return; /* the scenario reader reports it */
	ini_classify(line, &l);
	if (l.kind == INI_SECTION && l.len == 6 && !strncmp(l.name, "expect", 6))
		c->es->present = true;
}

static void add(struct ectx *c, int host, enum exp_field f, const char *name, struct exp_value *v)
{
	struct expect_set *es = c->es;
	for (size_t i = 0; i < es->n; i++)
		if (es->v[i].host == host && es->v[i].field == f) {
			c->nerr++;
			diag_at(c->d, &c->at, "duplicate expectation '%s' (first at line %d)", name, es->v[i].line);
			expect_value_free(v);
			return;
		}
	if (es->n == es->cap) {
		size_t cap = es->cap ? 2 * es->cap : 16;
		struct expectation *nv = realloc(es->v, cap * sizeof(*nv));
		if (!nv) {
			c->nerr++;
			diag_at(c->d, &c->at, "out of memory");
			expect_value_free(v);
			return;
		}
		es->v = nv;
		es->cap = cap;
	}
	struct expectation *e = &es->v[es->n++];
	*e = (struct expectation){.line = c->at.line, .host = host, .field = f, .v = *v};
	snprintf(e->name, sizeof e->name, "%c.%s", host == HOST_A ? 'A' : 'B', fields[f].name);
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct ectx *c = user;
	int host;
	enum exp_field f;
	char why[256];
	struct exp_value v;

	if (strcmp(section, "expect"))
		return 1; /* the scenario reader's */
	if (!expect_field_find(name, &host, &f)) {
		c->nerr++;
		expect_unknown_field(c->d, &c->at, name, "[expect]", NULL, 0);
		return 1;
	}
	const char *bad = expect_parse_value(f, value, true, &v, why, sizeof why);
	if (bad) {
		c->nerr++;
		diag_at(c->d, &c->at, "%s = %s: %s", name, value, bad);
		return 1;
	}
	add(c, host, f, name, &v);
	return 1;
}

bool expect_parse(const char *file, const char *text, struct expect_set *es, struct diag *d)
{
	struct ectx c = {.at = {.file = file}, .d = d, .es = es};
	struct ini_parse p = {.text = text, .line = &c.at.line, .on_line = on_line, .on_entry = on_entry, .user = &c};

	*es = (struct expect_set){0};
	ini_parse_text(&p); /* syntax errors are the scenario reader's to report */
	return c.nerr == 0;
}

void expect_set_free(struct expect_set *es)
{
	for (size_t i = 0; i < es->n; i++)
		expect_value_free(&es->v[i].v);
	free(es->v);
	*es = (struct expect_set){0};
}
