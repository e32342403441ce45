/*
 * sweep_plan.c - planning a sweep once its [sweep] section is parsed: the
 * dimensions ("zip" makes axes vary together), the size limits, and one
 * validated scenario per point. Axis values are validated by handing them to
 * the scenario parser as --set overrides; its message is re-anchored at the
 * [sweep] line of the axis. Also the run seeds and the sweep's hash.
 */
#include "priv/sweep_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inifile.h"
#include "rng.h"

size_t sweep_dim_index(const struct sweep *sw, size_t p, size_t d)
{
	for (size_t i = sw->ndims; i-- > d + 1;)
		p /= sw->dim_size[i];
	return p % sw->dim_size[d];
}

size_t sweep_value_index(const struct sweep *sw, size_t p, size_t a)
{
	return sweep_dim_index(sw, p, sw->axes[a].dim);
}

uint64_t sweep_run_seed(uint64_t seed, uint64_t r)
{
	uint64_t x = r;
	uint64_t m = seed ^ splitmix64(&x);
	return splitmix64(&m);
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t sw_hash(const char *text, const char *const *sets, size_t nsets)
{
	uint64_t h = fnv1a(0xcbf29ce484222325ULL, text, strlen(text));

	for (size_t i = 0; i < nsets; i++)
		h = fnv1a(fnv1a(h, "", 1), sets[i], strlen(sets[i]));
	return h;
}

/* ------------------------------------------------------------------------ */
/* Dimensions and size                                                      */
/* ------------------------------------------------------------------------ */

/* The axes named by "zip = K1, K2, ...", into zipped[]; *first = the first of them. */
static bool zip_axes(struct sctx *c, bool zipped[SWEEP_MAX_AXES], size_t *first)
{
	struct sweep *sw = c->sw;
	char *copy = strdup(sw->zip), *save = NULL;
	size_t nz = 0;
	bool ok = true;

	c->at.line = sw->zip_line;
	if (!copy) {
		sw_report(c, "out of memory");
		return false;
	}
	for (char *t = strtok_r(copy, ",", &save); ok && t; t = strtok_r(NULL, ",", &save)) {
		t = ini_trim(t);
		size_t a = 0;
		while (a < sw->naxes && strcmp(sw->axes[a].key, t))
			a++;
		if (a == sw->naxes)
			sw_report(c, "zip: '%s' is not an axis of [sweep] (zip = AXIS, AXIS, ...)", t);
		else if (zipped[a])
			sw_report(c, "zip: '%s' is named twice", t);
		ok = a < sw->naxes && !zipped[a];
		if (!ok)
			break;
		zipped[a] = true;
		nz++;
		if (*first == SIZE_MAX || a < *first)
			*first = a;
	}
	free(copy);
	if (ok && nz < 2) {
		sw_report(c, "zip needs two axes or more (zip = AXIS, AXIS, ...)");
		return false;
	}
	for (size_t a = 0; ok && a < sw->naxes; a++)
		if (zipped[a] && sw->axes[a].nvalues != sw->axes[*first].nvalues) {
			sw_report(c, "zip: %s has %zu values and %s %zu (zipped axes vary together: "
				     "give them as many values)", sw->axes[*first].key,
				  sw->axes[*first].nvalues, sw->axes[a].key, sw->axes[a].nvalues);
			return false;
		}
	return ok;
}

/* One dimension per axis, except that zipped axes share one. */
static bool make_dims(struct sctx *c)
{
	struct sweep *sw = c->sw;
	bool zipped[SWEEP_MAX_AXES] = { false };
	size_t first = SIZE_MAX;

	if (sw->zip && !zip_axes(c, zipped, &first))
		return false;
	sw->ndims = 0;
	for (size_t a = 0; a < sw->naxes; a++) {
		if (zipped[a] && a != first) {
			sw->axes[a].dim = sw->axes[first].dim;
			sw->dim_setting[sw->axes[a].dim] &= sw->axes[a].setting;
			continue;
		}
		sw->axes[a].dim = sw->ndims;
		sw->dim_size[sw->ndims] = sw->axes[a].nvalues;
		sw->dim_setting[sw->ndims] = sw->axes[a].setting;
		sw->ndims++;
	}
	return true;
}

/* The points, or 0 when the sweep is too large: the message names the line
 * of the axis (or replicas) that takes the count over the limit, the factors
 * taken in file order. */
static size_t count_points(struct sctx *c)
{
	const struct sweep *sw = c->sw;
	int rline = c->first[K_REPLICAS];
	uint64_t np = 1, nr = 1;
	bool reps = false;

	for (size_t k = 0; k <= sw->ndims; k++) {
		size_t a = 0;
		while (k < sw->ndims && sw->axes[a].dim != k)
			a++;
		int line = k < sw->ndims ? sw->axes[a].line : INT32_MAX;
		if (!reps && rline && rline < line) {
			reps = true;
			nr *= sw->replicas;
			c->at.line = rline;
			if (nr > SWEEP_MAX_RUNS) {
				sw_report(c, "replicas = %u makes more than %u runs (at most %u points x "
					     "replicas)", sw->replicas, SWEEP_MAX_RUNS, SWEEP_MAX_RUNS);
				return 0;
			}
		}
		if (k == sw->ndims)
			break;
		c->at.line = line;
		np *= sw->dim_size[k];
		nr *= sw->dim_size[k];
		if (np > SWEEP_MAX_POINTS) {
			sw_report(c, "%s makes more than %u points (at most %u: the product of the axes' "
				     "value counts)", sw->axes[a].key, SWEEP_MAX_POINTS, SWEEP_MAX_POINTS);
			return 0;
		}
		if (nr > SWEEP_MAX_RUNS) {
			sw_report(c, "%s makes more than %u runs (at most %u points x replicas)",
				  sw->axes[a].key, SWEEP_MAX_RUNS, SWEEP_MAX_RUNS);
			return 0;
		}
	}
	c->at.line = 0;
	return (size_t)np;
}

/* ------------------------------------------------------------------------ */
/* Values and points through the scenario parser                            */
/* ------------------------------------------------------------------------ */

static void free_sets(char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

/* The set list for a point: the --set overrides, then one per axis. */
static char **point_sets(const struct sweep *sw, size_t p, size_t *n)
{
	char **s = calloc(sw->nsets + sw->naxes + 1, sizeof(*s));
	bool ok = true;

	if (!s)
		return NULL;
	for (size_t i = 0; i < sw->nsets; i++)
		s[(*n)++] = strdup(sw->sets[i]);
	for (size_t a = 0; a < sw->naxes; a++) {
		char *t = NULL;
		if (sw->axes[a].var)
			continue; /* in the text (point_text()) */
		if (asprintf(&t, "%s=%s", sw->axes[a].key,
			     sw->axes[a].values[sweep_value_index(sw, p, a)]) < 0)
			t = NULL;
		s[(*n)++] = t;
	}
	for (size_t i = 0; i < *n; i++)
		ok &= s[i] != NULL;
	if (!ok) {
		free_sets(s, *n);
		return NULL;
	}
	return s;
}

/* Parse the scenario with sets; messages about the last set (an axis value)
 * are re-anchored at FILE:LINE of the axis. Returns the scenario or NULL. */
static struct scenario *try_value(struct sctx *c, const struct sweep_axis *ax, const char *val,
				  const char *text, struct diag *seen)
{
	const struct sweep *sw = c->sw;
	char *set = NULL, prefix[1200];
	const char **sets = calloc(sw->nsets + 1, sizeof(*sets));
	struct diag d = { 0 };
	struct scenario *s = NULL;

	if (!sets || asprintf(&set, "%s=%s", ax->key, val) < 0) {
		free(sets);
		sw_report(c, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < sw->nsets; i++)
		sets[i] = sw->sets[i];
	sets[sw->nsets] = set;
	s = scenario_parse_text(c->at.file, text, "sweep", sets, sw->nsets + 1, &d);
	snprintf(prefix, sizeof(prefix), "--set %s: ", set);
	for (size_t i = 0; i < d.n; i++) {
		const char *m = d.msg[i];
		if (!strncmp(m, prefix, strlen(prefix)))
			m += strlen(prefix);
		bool dup = false;
		for (size_t j = 0; j < seen->n; j++)
			dup |= !strcmp(seen->msg[j], m);
		if (dup)
			continue;
		diag_add(seen, "%s", m);
		c->at.line = ax->line;
		sw_report(c, "%s: %s", ax->key, m);
	}
	diag_free(&d);
	free(set);
	free(sets);
	return s;
}

/* A value of a text variable (text: the scenario with it): the scenario
 * parser's messages, each once, at FILE:LINE of the line that uses it, with
 * the variable's value and line. */
static struct scenario *try_var(struct sctx *c, const struct sweep_axis *ax, const char *val, const char *text,
				struct diag *seen)
{
	const struct sweep *sw = c->sw;
	struct diag d = { 0 };
	struct scenario *s = scenario_parse_text(c->at.file, text, "sweep", (const char *const *)sw->sets, sw->nsets,
						 &d);
	for (size_t i = 0; i < d.n; i++) {
		bool dup = false;
		for (size_t j = 0; j < seen->n; j++)
			dup |= !strcmp(seen->msg[j], d.msg[i]);
		if (dup)
			continue;
		diag_add(seen, "%s", d.msg[i]);
		c->nerr++;
		diag_add(c->d, "%s (%s = %s, line %d)", d.msg[i], ax->key, val, ax->line);
	}
	diag_free(&d);
	return s;
}

/* Every text variable is used, every ${...} names one; every axis has values. */
static bool check_vars(struct sctx *c)
{
	const struct sweep *sw = c->sw;
	size_t zero[SWEEP_MAX_AXES] = { 0 }, n0 = c->nerr;
	int bad = 0;
	const char *at = NULL;

	for (size_t a = 0; a < sw->naxes; a++) {
		if (!sw->axes[a].nvalues)
			return false; /* reported when parsed */
		c->at.line = sw->axes[a].line;
		if (sw->axes[a].var && !sw_var_used(c->text, sw->axes[a].key))
			sw_report(c, "%s is not used (write ${%s} where its values go, e.g. "
				     "0 = send A 10 every ${%s})", sw->axes[a].key, sw->axes[a].key + 1,
				  sw->axes[a].key + 1);
	}
	free(sw_var_text(sw, c->text, zero, &bad, &at));
	c->at.line = bad;
	if (bad)
		sw_report(c, "'%.*s' names no [sweep] variable (define it as $NAME = VALUES in [sweep])",
			  (int)strcspn(at, "}\n") + (at[strcspn(at, "}\n")] == '}'), at);
	c->at.line = 0;
	return c->nerr == n0;
}

/* "--set K=V: message" of point p -> "FILE:LINE: point P (K=V, ...): message",
 * LINE being axis K's. */
static void point_error(struct sctx *c, size_t p, const char *m)
{
	const struct sweep *sw = c->sw;
	char where[1024] = "";
	size_t len = 0;

	for (size_t a = 0; a < sw->naxes && len < sizeof(where); a++) {
		int w = snprintf(where + len, sizeof(where) - len, "%s%s=%s", a ? ", " : "",
				 sw->axes[a].key, sw->axes[a].values[sweep_value_index(sw, p, a)]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	c->at.line = 0;
	if (!strncmp(m, "--set ", 6)) {
		const char *colon = strstr(m, ": ");
		for (size_t a = 0; colon && a < sw->naxes; a++) {
			size_t kl = strlen(sw->axes[a].key);
			if (!strncmp(m + 6, sw->axes[a].key, kl) && m[6 + kl] == '=')
				c->at.line = sw->axes[a].line;
		}
		if (colon)
			m = colon + 2;
	}
	sw_report(c, "point %zu (%s): %s", p, where, m);
}

static bool has_vars(const struct sweep *sw)
{
	for (size_t a = 0; a < sw->naxes; a++)
		if (sw->axes[a].var)
			return true;
	return false;
}

/* The scenario text of point p (its text variables' values), or of value v
 * of axis a with every other variable at its first value (p = SIZE_MAX);
 * NULL (out of memory, reported). Without text variables, a copy. */
static char *point_text(struct sctx *c, size_t p, size_t a, size_t v)
{
	const struct sweep *sw = c->sw;
	size_t vidx[SWEEP_MAX_AXES] = { 0 };
	int bad;
	const char *at;

	if (!has_vars(sw)) {
		char *t = strdup(c->text);
		if (!t)
			sw_report(c, "out of memory");
		return t;
	}

	for (size_t i = 0; i < sw->naxes; i++)
		vidx[i] = p == SIZE_MAX ? (i == a ? v : 0) : sweep_value_index(sw, p, i);
	char *t = sw_var_text(sw, c->text, vidx, &bad, &at);
	if (!t)
		sw_report(c, "out of memory");
	return t;
}

/* Every point: combinations can be invalid where single values are not. */
static void build_points(struct sctx *c, size_t np)
{
	struct sweep *sw = c->sw;
	struct diag d = { 0 };

	sw->points = calloc(np, sizeof(*sw->points));
	if (!sw->points) {
		sw_report(c, "out of memory");
		return;
	}
	sw->npoints = np;
	sw->nruns = (uint64_t)np * sw->replicas;
	bool vars = has_vars(sw);
	for (size_t p = 0; p < np; p++) {
		size_t n = 0;
		char **sets = point_sets(sw, p, &n);
		if (!sets) {
			sw_report(c, "out of memory");
			return;
		}
		/* the file's text, or with this point's text variables */
		char *text = vars ? point_text(c, p, 0, 0) : NULL;
		if (vars && !text)
			sw->points[p] = NULL;
		else
			sw->points[p] = scenario_parse_text(c->at.file, text ? text : c->text, "sweep",
							    (const char *const *)sets, n, &d);
		free(text);
		for (size_t i = 0; i < d.n && !sw->points[p]; i++)
			point_error(c, p, d.msg[i]);
		diag_free(&d);
		free_sets(sets, n);
		if (c->nerr > DIAG_MAX)
			return;
	}
}

/* Which hosts can detect, and the side the recommendation is for: the host
 * whose keys are swept when only one host's are, else the only host that can
 * detect, else A. */
static void choose_side(struct sweep *sw)
{
	bool swept[NHOSTS] = { false };

	for (size_t p = 0; p < sw->npoints; p++)
		for (int h = 0; h < NHOSTS; h++)
			sw->detects[h] |= sweep_may_detect(sw->points[p], h);
	for (size_t a = 0; a < sw->naxes; a++)
		for (int h = 0; h < NHOSTS; h++)
			swept[h] |= sw->axes[a].key[0] == host_letter(h) && sw->axes[a].key[1] == '.';
	if (swept[HOST_A] != swept[HOST_B])
		sw->side = swept[HOST_B] ? HOST_B : HOST_A;
	else if (sw->detects[HOST_A] != sw->detects[HOST_B])
		sw->side = sw->detects[HOST_B] ? HOST_B : HOST_A;
	else
		sw->side = HOST_A;
}

void sw_plan(struct sctx *c)
{
	struct sweep *sw = c->sw;
	struct diag d = { 0 };
	struct scenario *base;
	size_t np;

	/* the scenario part with the --set overrides, as is (text variables at
	 * their first values) */
	if (!check_vars(c))
		return;
	char *text = point_text(c, SIZE_MAX, 0, 0);
	if (!text)
		return;
	base = scenario_parse_text(c->at.file, text, "sweep", (const char *const *)sw->sets, sw->nsets, &d);
	diag_append(c->d, &d);
	c->nerr += diag_count(&d);
	diag_free(&d);
	if (!base) {
		free(text);
		return;
	}
	if (!sw->seed_set)
		sw->seed = base->seed;
	sw->horizon = base->duration;
	scenario_free(base);

	/* the size first: nothing is built for a sweep too large to run */
	if (!make_dims(c) || !(np = count_points(c))) {
		free(text);
		return;
	}
	/* every value of every axis on its own */
	for (size_t a = 0; a < sw->naxes; a++) {
		struct sweep_axis *ax = &sw->axes[a];
		struct diag seen = { 0 };
		for (size_t v = 0; v < ax->nvalues; v++) {
			char *t = ax->var ? point_text(c, SIZE_MAX, a, v) : NULL;
			if (!ax->var)
				scenario_free(try_value(c, ax, ax->values[v], text, &seen));
			else if (t)
				scenario_free(try_var(c, ax, ax->values[v], t, &seen));
			free(t);
		}
		diag_free(&seen);
	}
	free(text);
	if (!c->nerr)
		build_points(c, np);
	if (!c->nerr)
		choose_side(sw);
}
