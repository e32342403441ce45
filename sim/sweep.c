/*
 * sweep.c - sweep files: the scenario part (parsed by scenario.c, which skips
 * [sweep]) and the [sweep] section (parsed here with libinih and a line
 * counting reader, so every error is "FILE:LINE: what is wrong (what is
 * valid)"). Axis values are validated by handing them to the scenario parser
 * as --set overrides; its message is re-anchored at the [sweep] line.
 *
 * Like scenario.c this runs on the main thread only (libinih's settings are
 * process-wide globals); the points it builds are immutable afterwards and
 * shared read-only by the runs.
 */
#include "sweep.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rng.h"

#define MAX_LINE 1024

/* ------------------------------------------------------------------------ */
/* Parse context                                                            */
/* ------------------------------------------------------------------------ */

struct sctx {
	const char *file;
	struct diag *d;
	size_t nerr;
	int line;
	struct sweep *sw;
	const char *text;
	int first[8];           /* line of each reserved key, 0 = not yet */
	/* reader */
	const char *pos;
};

static void report(struct sctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct sctx *c, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (c->line > 0)
		diag_add(c->d, "%s:%d: %s", c->file, c->line, m ? m : "out of memory");
	else
		diag_add(c->d, "%s: %s", c->file, m ? m : "out of memory");
	free(m);
	c->nerr++;
}

/* inih reader over the text: one line per call, counting lines. */
static char *read_line(char *str, int num, void *stream)
{
	struct sctx *c = stream;
	int len = 0;

	if (!*c->pos)
		return NULL;
	c->line++;
	while (*c->pos) {
		char ch = *c->pos++;
		if (len < num - 1)
			str[len++] = ch;
		if (ch == '\n')
			break;
	}
	str[len] = '\0';
	return str;
}

/* ------------------------------------------------------------------------ */
/* Values                                                                   */
/* ------------------------------------------------------------------------ */

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool is_uint(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* DIGITS[.DIGITS]: value * 10^scale into *v (scale = its decimals). */
static bool parse_decimal(const char *s, uint64_t *mant, int *scale)
{
	uint64_t v = 0;
	int sc = 0;
	bool dot = false, digit = false;

	for (; *s; s++) {
		if (*s == '.' && !dot) {
			dot = true;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			return false;
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		digit = true;
		if (dot)
			sc++;
	}
	if (!digit || sc > 9)
		return false;
	*mant = v;
	*scale = sc;
	return true;
}

static uint64_t pow10u(int n)
{
	uint64_t p = 1;
	while (n-- > 0)
		p *= 10;
	return p;
}

/* Fixed point -> "0.05", "30", "1.5" (no trailing zeros). */
static void format_decimal(char *buf, size_t n, uint64_t v, int scale)
{
	uint64_t p = pow10u(scale), ip = v / p, fp = v % p;
	int digits = scale;

	if (!fp) {
		snprintf(buf, n, "%llu", (unsigned long long)ip);
		return;
	}
	while (fp % 10 == 0) {
		fp /= 10;
		digits--;
	}
	snprintf(buf, n, "%llu.%0*llu", (unsigned long long)ip, digits, (unsigned long long)fp);
}

/* A duration in the largest unit that divides it: "30s", "1500ms", "10ns". */
static void format_dur(char *buf, size_t n, ks_time_t t)
{
	static const struct { ks_time_t ns; const char *u; } units[] = {
		{ KS_SEC, "s" }, { KS_MS, "ms" }, { KS_US, "us" }, { 1, "ns" },
	};
	for (size_t i = 0; i < 4; i++)
		if (t % units[i].ns == 0) {
			snprintf(buf, n, "%llu%s", (unsigned long long)(t / units[i].ns), units[i].u);
			return;
		}
}

static bool add_value(struct sctx *c, struct sweep_axis *ax, const char *v)
{
	if (ax->nvalues >= SWEEP_MAX_VALUES) {
		report(c, "%s has more than %u values (at most %u per axis)", ax->key,
		       SWEEP_MAX_VALUES, SWEEP_MAX_VALUES);
		return false;
	}
	/* the array doubles when nvalues reaches a power of two (its capacity) */
	size_t n = ax->nvalues;
	char **p = ax->values;
	if ((n & (n - 1)) == 0) {
		p = realloc(ax->values, (n ? 2 * n : 1) * sizeof(*p));
		if (p)
			ax->values = p;
	}
	char *dup = p ? strdup(v) : NULL;
	if (!dup) {
		report(c, "out of memory");
		return false;
	}
	ax->values[ax->nvalues++] = dup;
	return true;
}

static const char range_help[] =
	"a range is FROM..TO step STEP, e.g. 30..1200 step 30, 1m..20m step 30s or 0..0.05 step 0.01";

/* "FROM..TO step STEP" -> values. */
static bool parse_range(struct sctx *c, struct sweep_axis *ax, char *item)
{
	char *dots = strstr(item, ".."), *save = NULL, *tok[4];
	size_t ntok = 0;

	*dots = '\0';
	char *from = trim(item);
	for (char *t = strtok_r(dots + 2, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (ntok == 4)
			break;
		tok[ntok++] = t;
	}
	if (!*from || ntok != 3 || strcmp(tok[1], "step")) {
		report(c, "%s: '%s..%s' is not a range (%s)", ax->key, from,
		       ntok ? tok[0] : "", range_help);
		return false;
	}
	const char *txt[3] = { from, tok[0], tok[2] };
	bool alpha = false, dot = false;
	for (int i = 0; i < 3; i++)
		for (const char *p = txt[i]; *p; p++) {
			alpha |= isalpha((unsigned char)*p) != 0;
			dot |= *p == '.';
		}
	uint64_t v[3];
	int scale = 0;
	if (alpha) {
		for (int i = 0; i < 3; i++)
			if (!parse_duration(txt[i], &v[i])) {
				report(c, "%s: '%s' is not a duration (%s)", ax->key, txt[i], range_help);
				return false;
			}
	} else {
		int sc[3];
		for (int i = 0; i < 3; i++) {
			if (!parse_decimal(txt[i], &v[i], &sc[i])) {
				report(c, "%s: '%s' is not a number (%s)", ax->key, txt[i], range_help);
				return false;
			}
			if (sc[i] > scale)
				scale = sc[i];
		}
		for (int i = 0; i < 3; i++) {
			uint64_t m = pow10u(scale - sc[i]);
			if (v[i] > UINT64_MAX / 1000000000000ULL) {
				report(c, "%s: '%s' is too large (%s)", ax->key, txt[i], range_help);
				return false;
			}
			v[i] *= m;
		}
	}
	(void)dot;
	if (v[2] == 0) {
		report(c, "%s: step %s must be more than 0 (%s)", ax->key, txt[2], range_help);
		return false;
	}
	if (v[1] < v[0]) {
		report(c, "%s: range %s..%s ends before it starts (FROM <= TO)", ax->key, txt[0], txt[1]);
		return false;
	}
	if ((v[1] - v[0]) / v[2] >= SWEEP_MAX_VALUES) {
		report(c, "%s: range %s..%s step %s has more than %u values (at most %u per axis)",
		       ax->key, txt[0], txt[1], txt[2], SWEEP_MAX_VALUES, SWEEP_MAX_VALUES);
		return false;
	}
	for (uint64_t x = v[0];; x += v[2]) {
		char buf[64];
		if (alpha)
			format_dur(buf, sizeof(buf), x);
		else
			format_decimal(buf, sizeof(buf), x, scale);
		if (!add_value(c, ax, buf))
			return false;
		if (v[1] - x < v[2])
			break;
	}
	return true;
}

/* "a, b, 30..60 step 10": a list whose items may be ranges. */
static bool parse_axis_values(struct sctx *c, struct sweep_axis *ax, const char *value)
{
	char *copy = strdup(value), *save = NULL;
	bool ok = true;

	if (!copy) {
		report(c, "out of memory");
		return false;
	}
	if (!*trim(copy)) {
		report(c, "%s has no values (a list 'x, y, z' or %s)", ax->key, range_help);
		free(copy);
		return false;
	}
	/* strtok_r would merge ",,": walk by hand to see empty items */
	char *p = copy;
	(void)save;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		char *item = trim(p);
		if (!*item) {
			report(c, "%s: empty value in the list (a list is 'x, y, z')", ax->key);
			ok = false;
			break;
		}
		if (strstr(item, "..")) {
			if (!parse_range(c, ax, item)) {
				ok = false;
				break;
			}
		} else if (!add_value(c, ax, item)) {
			ok = false;
			break;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	free(copy);
	return ok;
}

/* ------------------------------------------------------------------------ */
/* [sweep] keys                                                             */
/* ------------------------------------------------------------------------ */

enum { K_REPLICAS, K_SEED, K_MAX_LOSS, K_MAX_DETECTION, K_DETECTION, K_PREFER, K_ZIP, NRESERVED };
static const char *const reserved[NRESERVED] = {
	"replicas", "seed", "max_loss", "max_detection", "detection", "prefer", "zip",
};

const char *det_stat_name(enum det_stat s)
{
	static const char *const n[] = { "p50", "p90", "p99", "max" };
	return n[s];
}

static int lev(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int d[32][32];

	if (la > 30 || lb > 30)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int m = d[i - 1][j - 1] + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
			if (d[i - 1][j] + 1 < m)
				m = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < m)
				m = d[i][j - 1] + 1;
			d[i][j] = m;
		}
	return d[la][lb];
}

static void reserved_key(struct sctx *c, int k, const char *val)
{
	struct sweep *sw = c->sw;
	char *end;

	switch (k) {
	case K_REPLICAS: {
		unsigned long long v;
		errno = 0;
		v = strtoull(val, &end, 10);
		if (!is_uint(val) || errno || v < 1 || v > SWEEP_MAX_REPLICAS) {
			report(c, "replicas = %s is not valid (an integer, 1..%u)", val, SWEEP_MAX_REPLICAS);
			return;
		}
		sw->replicas = (uint32_t)v;
		break;
	}
	case K_SEED: {
		unsigned long long v;
		bool hex = !strncasecmp(val, "0x", 2);
		errno = 0;
		v = strtoull(val, &end, hex ? 16 : 10);
		if (!*val || *end || errno || val[0] == '-' || val[0] == '+' || isspace((unsigned char)val[0]) ||
		    (hex && !val[2])) {
			report(c, "seed = %s is not valid (unsigned 64-bit integer, decimal or 0x hex)", val);
			return;
		}
		sw->seed = v;
		break;
	}
	case K_MAX_LOSS: {
		double v;
		errno = 0;
		v = strtod(val, &end);
		if (!*val || *end || errno || !isfinite(v) || v < 0 || v > 1 || isspace((unsigned char)val[0])) {
			report(c, "max_loss = %s is not valid (a probability, 0..1, e.g. 0.001 or 1e-3)", val);
			return;
		}
		sw->obj.max_loss = v;
		break;
	}
	case K_MAX_DETECTION: {
		ks_time_t t;
		if (!strcmp(val, "none")) {
			sw->obj.max_detection = KS_TIME_NEVER;
		} else if (!parse_duration(val, &t) || t == 0) {
			report(c, "max_detection = %s is not valid (a duration more than 0, e.g. 15m, or none)", val);
			return;
		} else {
			sw->obj.max_detection = t;
		}
		break;
	}
	case K_DETECTION:
		for (int s = DET_P50; s <= DET_MAX; s++)
			if (!strcmp(val, det_stat_name((enum det_stat)s))) {
				sw->obj.stat = (enum det_stat)s;
				return;
			}
		report(c, "detection = %s is not valid (p50, p90, p99 or max)", val);
		break;
	case K_ZIP:
		free(sw->zip);
		sw->zip = strdup(val); /* checked once every axis is known */
		sw->zip_line = c->line;
		break;
	case K_PREFER:
		if (!strcmp(val, "detection"))
			sw->obj.prefer = PREFER_DETECTION;
		else if (!strcmp(val, "overhead"))
			sw->obj.prefer = PREFER_OVERHEAD;
		else
			report(c, "prefer = %s is not valid (detection or overhead)", val);
		break;
	}
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct sctx *c = user;
	struct sweep *sw = c->sw;

	if (strcmp(section, "sweep"))
		return 1; /* the scenario parser checks every other section */
	if (!*name) {
		report(c, "missing key before '=' (KEY = VALUE)");
		return 1;
	}
	const char *dot = strchr(name, '.');
	if (!dot) {
		for (int k = 0; k < NRESERVED; k++)
			if (!strcmp(name, reserved[k])) {
				if (c->first[k]) {
					report(c, "duplicate key '%s' (first set at line %d)", name, c->first[k]);
					return 1;
				}
				c->first[k] = c->line;
				reserved_key(c, k, value);
				return 1;
			}
		int best = 3, bk = -1;
		for (int k = 0; k < NRESERVED; k++) {
			int e = lev(name, reserved[k]);
			if (e < best) {
				best = e;
				bk = k;
			}
		}
		if (bk >= 0)
			report(c, "unknown key '%s' in [sweep] (did you mean '%s'?)", name, reserved[bk]);
		else
			report(c, "unknown key '%s' in [sweep] (valid keys: replicas, seed, max_loss, "
				  "max_detection, detection, prefer, zip, or an axis SECTION.KEY such as "
				  "A.tcp_keepidle)", name);
		return 1;
	}
	if (dot == name || !dot[1]) {
		report(c, "'%s' is not an axis (an axis is SECTION.KEY, e.g. A.tcp_keepidle)", name);
		return 1;
	}
	if (!strcmp(name, "scenario.seed")) {
		report(c, "scenario.seed cannot be an axis (every run's seed derives from [sweep] seed "
			  "and the run index; use replicas for repetitions)");
		return 1;
	}
	for (size_t i = 0; i < sw->naxes; i++)
		if (!strcmp(sw->axes[i].key, name)) {
			report(c, "duplicate axis '%s' (first set at line %d)", name, sw->axes[i].line);
			return 1;
		}
	if (sw->naxes == SWEEP_MAX_AXES) {
		report(c, "too many axes (at most %d)", SWEEP_MAX_AXES);
		return 1;
	}
	struct sweep_axis *ax = &sw->axes[sw->naxes];
	ax->key = strdup(name);
	ax->line = c->line;
	ax->setting = !strncmp(name, "A.", 2) || !strncmp(name, "B.", 2);
	if (!ax->key) {
		report(c, "out of memory");
		return 1;
	}
	sw->naxes++;
	if (!parse_axis_values(c, ax, value)) {
		/* keep the axis (for duplicates) but mark it unusable */
		for (size_t i = 0; i < ax->nvalues; i++)
			free(ax->values[i]);
		free(ax->values);
		ax->values = NULL;
		ax->nvalues = 0;
	}
	return 1;
}

/* ------------------------------------------------------------------------ */
/* Points                                                                   */
/* ------------------------------------------------------------------------ */

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

/* "zip = K1, K2, ...": those axes become one dimension. */
static bool make_dims(struct sctx *c)
{
	struct sweep *sw = c->sw;
	bool zipped[SWEEP_MAX_AXES] = { false };
	size_t first = SIZE_MAX, nz = 0;

	if (sw->zip) {
		char *copy = strdup(sw->zip), *save = NULL;
		c->line = sw->zip_line;
		if (!copy) {
			report(c, "out of memory");
			return false;
		}
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			t = trim(t);
			size_t a = 0;
			while (a < sw->naxes && strcmp(sw->axes[a].key, t))
				a++;
			if (a == sw->naxes) {
				report(c, "zip: '%s' is not an axis of [sweep] (zip = AXIS, AXIS, ...)", t);
				free(copy);
				return false;
			}
			if (zipped[a]) {
				report(c, "zip: '%s' is named twice", t);
				free(copy);
				return false;
			}
			zipped[a] = true;
			nz++;
			if (first == SIZE_MAX || a < first)
				first = a;
		}
		free(copy);
		if (nz < 2) {
			report(c, "zip needs two axes or more (zip = AXIS, AXIS, ...)");
			return false;
		}
		for (size_t a = 0; a < sw->naxes; a++)
			if (zipped[a] && sw->axes[a].nvalues != sw->axes[first].nvalues) {
				report(c, "zip: %s has %zu values and %s %zu (zipped axes vary together: "
					  "give them as many values)", sw->axes[first].key, sw->axes[first].nvalues,
				       sw->axes[a].key, sw->axes[a].nvalues);
				return false;
			}
	}
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

/* The set list for a point: the --set overrides, then one per axis. */
static char **point_sets(const struct sweep *sw, size_t p, size_t *n)
{
	char **s = calloc(sw->nsets + sw->naxes + 1, sizeof(*s));
	if (!s)
		return NULL;
	for (size_t i = 0; i < sw->nsets; i++)
		s[(*n)++] = strdup(sw->sets[i]);
	for (size_t a = 0; a < sw->naxes; a++) {
		char *t = NULL;
		if (asprintf(&t, "%s=%s", sw->axes[a].key,
			     sw->axes[a].values[sweep_value_index(sw, p, a)]) < 0)
			t = NULL;
		s[(*n)++] = t;
	}
	for (size_t i = 0; i < *n; i++)
		if (!s[i]) {
			for (size_t j = 0; j < *n; j++)
				free(s[j]);
			free(s);
			return NULL;
		}
	return s;
}

static void free_sets(char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

/* Parse the scenario with sets; messages about the last set (an axis value)
 * are re-anchored at FILE:LINE of the axis. Returns the scenario or NULL. */
static struct scenario *try_value(struct sctx *c, const struct sweep_axis *ax, const char *val,
				  struct diag *seen)
{
	const struct sweep *sw = c->sw;
	char *set = NULL;
	const char **sets = calloc(sw->nsets + 1, sizeof(*sets));
	struct diag d = { 0 };
	struct scenario *s = NULL;

	if (!sets || asprintf(&set, "%s=%s", ax->key, val) < 0) {
		free(sets);
		report(c, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < sw->nsets; i++)
		sets[i] = sw->sets[i];
	sets[sw->nsets] = set;
	s = scenario_parse_text(c->file, c->text, "sweep", sets, sw->nsets + 1, &d);
	for (size_t i = 0; i < d.n; i++) {
		char prefix[1200];
		const char *m = d.msg[i];
		snprintf(prefix, sizeof(prefix), "--set %s: ", set);
		if (!strncmp(m, prefix, strlen(prefix)))
			m += strlen(prefix);
		bool dup = false;
		for (size_t j = 0; j < seen->n; j++)
			dup |= !strcmp(seen->msg[j], m);
		if (dup)
			continue;
		diag_add(seen, "%s", m);
		c->line = ax->line;
		report(c, "%s: %s", ax->key, m);
	}
	diag_free(&d);
	free(set);
	free(sets);
	return s;
}

static void build(struct sctx *c)
{
	struct sweep *sw = c->sw;
	struct diag d = { 0 };
	struct scenario *base;

	/* the scenario part with the --set overrides, as is */
	base = scenario_parse_text(c->file, c->text, "sweep", (const char *const *)sw->sets, sw->nsets, &d);
	for (size_t i = 0; i < d.n; i++) {
		diag_add(c->d, "%s", d.msg[i]);
		c->nerr++;
	}
	diag_free(&d);
	if (!base)
		return;
	if (!sw->seed_set)
		sw->seed = base->seed;
	sw->horizon = base->duration;
	scenario_free(base);

	/* every value of every axis on its own */
	for (size_t a = 0; a < sw->naxes; a++) {
		struct sweep_axis *ax = &sw->axes[a];
		struct diag seen = { 0 };
		for (size_t v = 0; v < ax->nvalues; v++)
			scenario_free(try_value(c, ax, ax->values[v], &seen));
		diag_free(&seen);
		if (!ax->nvalues)
			return; /* reported when parsed */
	}
	if (c->nerr || !make_dims(c))
		return;

	size_t np = 1;
	for (size_t k = 0; k < sw->ndims; k++) {
		if (np > SWEEP_MAX_POINTS / sw->dim_size[k]) {
			c->line = 0;
			report(c, "the axes of [sweep] make more than %u points", SWEEP_MAX_POINTS);
			return;
		}
		np *= sw->dim_size[k];
	}
	if ((uint64_t)np * sw->replicas / sw->replicas != np) {
		report(c, "too many runs");
		return;
	}
	sw->points = calloc(np, sizeof(*sw->points));
	if (!sw->points) {
		report(c, "out of memory");
		return;
	}
	sw->npoints = np;
	sw->nruns = (uint64_t)np * sw->replicas;

	/* every point: combinations can be invalid where single values are not */
	for (size_t p = 0; p < np; p++) {
		size_t n = 0;
		char **sets = point_sets(sw, p, &n);
		if (!sets) {
			report(c, "out of memory");
			return;
		}
		sw->points[p] = scenario_parse_text(c->file, c->text, "sweep", (const char *const *)sets, n, &d);
		for (size_t i = 0; i < d.n && !sw->points[p]; i++) {
			char where[1024] = "";
			size_t len = 0;
			for (size_t a = 0; a < sw->naxes && len < sizeof(where); a++) {
				int w = snprintf(where + len, sizeof(where) - len, "%s%s=%s", a ? ", " : "",
						 sw->axes[a].key, sw->axes[a].values[sweep_value_index(sw, p, a)]);
				if (w < 0)
					break;
				len += (size_t)w;
			}
			/* "--set K=V: message" -> "FILE:LINE: point P (...): message",
			 * LINE being axis K's */
			const char *m = d.msg[i];
			c->line = 0;
			if (!strncmp(m, "--set ", 6)) {
				const char *colon = strstr(m, ": ");
				for (size_t a = 0; colon && a < sw->naxes; a++) {
					size_t kl = strlen(sw->axes[a].key);
					if (!strncmp(m + 6, sw->axes[a].key, kl) && m[6 + kl] == '=')
						c->line = sw->axes[a].line;
				}
				if (colon)
					m = colon + 2;
			}
			report(c, "point %zu (%s): %s", p, where, m);
		}
		diag_free(&d);
		free_sets(sets, n);
		if (c->nerr > 20)
			return;
	}
}

struct sweep *sweep_parse(const char *name, const char *text, const char *const *sets, size_t nsets,
			  struct diag *d)
{
	struct sweep *sw = calloc(1, sizeof(*sw));
	struct sctx c = { .file = name, .d = d, .sw = sw, .text = text, .pos = text };
	int r;

	if (!sw || !(sw->path = strdup(name)) || !(sw->text = strdup(text)) ||
	    !(sw->sets = calloc(nsets + 1, sizeof(*sw->sets)))) {
		diag_add(d, "%s: out of memory", name);
		sweep_free(sw);
		return NULL;
	}
	for (size_t i = 0; i < nsets; i++) {
		sw->sets[i] = strdup(sets[i]);
		if (!sw->sets[i]) {
			diag_add(d, "%s: out of memory", name);
			sweep_free(sw);
			return NULL;
		}
		sw->nsets++;
	}
	sw->hash = fnv1a(0xcbf29ce484222325ULL, text, strlen(text));
	for (size_t i = 0; i < nsets; i++)
		sw->hash = fnv1a(fnv1a(sw->hash, "", 1), sets[i], strlen(sets[i]));
	sw->replicas = 1;
	sw->obj.max_loss = 1e-3;
	sw->obj.max_detection = KS_TIME_NEVER;
	sw->obj.stat = DET_P50;
	sw->obj.prefer = PREFER_DETECTION;

	/* The same inih settings as scenario.c (main thread only). */
	ini_max_line = MAX_LINE;
	ini_allow_inline_comments = true;
	ini_inline_comment_prefixes = ";#";
	ini_start_comment_prefixes = ";#";
	ini_stop_on_first_error = false;
	ini_allow_multiline = false;
	ini_allow_no_value = false;
	ini_allow_bom = true;
	r = ini_parse_stream(read_line, &c, on_entry, &c);
	(void)r; /* syntax errors are the scenario parser's to report */
	sw->seed_set = c.first[K_SEED] != 0;
	c.line = 0;
	if (!c.nerr)
		build(&c);
	else {
		/* still report the scenario part's own errors */
		struct diag d2 = { 0 };
		struct scenario *s = scenario_parse_text(name, text, "sweep", sets, nsets, &d2);
		for (size_t i = 0; i < d2.n; i++)
			diag_add(d, "%s", d2.msg[i]);
		diag_free(&d2);
		scenario_free(s);
	}
	if (c.nerr || d->n) {
		sweep_free(sw);
		return NULL;
	}
	return sw;
}

struct sweep *sweep_load(const char *path, const char *const *sets, size_t nsets, struct diag *d)
{
	FILE *fp = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0;

	if (!fp) {
		char buf[128];
		diag_add(d, "%s: cannot open: %s", path, strerror_r(errno, buf, sizeof(buf)));
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *p = realloc(text, cap = cap ? 2 * cap : 8192);
			if (!p) {
				free(text);
				fclose(fp);
				diag_add(d, "%s: out of memory", path);
				return NULL;
			}
			text = p;
		}
		size_t n = fread(text + len, 1, cap - len - 1, fp);
		len += n;
		if (n == 0)
			break;
	}
	bool bad = ferror(fp);
	fclose(fp);
	text[len] = '\0';
	if (bad || strlen(text) != len) {
		diag_add(d, "%s: cannot read%s", path, bad ? "" : " (it contains a NUL byte)");
		free(text);
		return NULL;
	}
	struct sweep *sw = sweep_parse(path, text, sets, nsets, d);
	free(text);
	return sw;
}

void sweep_free(struct sweep *sw)
{
	if (!sw)
		return;
	for (size_t a = 0; a < sw->naxes; a++) {
		for (size_t v = 0; v < sw->axes[a].nvalues; v++)
			free(sw->axes[a].values[v]);
		free(sw->axes[a].values);
		free(sw->axes[a].key);
	}
	if (sw->points)
		for (size_t p = 0; p < sw->npoints; p++)
			scenario_free(sw->points[p]);
	free(sw->points);
	for (size_t i = 0; i < sw->nsets; i++)
		free(sw->sets[i]);
	free(sw->sets);
	free(sw->zip);
	free(sw->path);
	free(sw->text);
	free(sw);
}
