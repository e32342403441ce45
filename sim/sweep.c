/*
 * sweep.c - sweep files: the scenario part (parsed by scenario.c, which skips
 * [sweep]) and the [sweep] section, parsed here by the same INI reader
 * (inifile.h) and reported through the same diagnostics layer (diag.h), so
 * every error is "FILE:LINE: what is wrong (what is valid)" with the same
 * did-you-mean as in a scenario file. Planning (dimensions, points) is in
 * sweep_plan.c.
 *
 * Like scenario.c this runs on the main thread only (libinih's settings are
 * process-wide globals); the points it builds are immutable afterwards and
 * shared read-only by the runs.
 */
#include "priv/sweep_priv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "inifile.h"
#include "number.h"
#include "textfile.h"

/* ------------------------------------------------------------------------ */
/* Axis values                                                              */
/* ------------------------------------------------------------------------ */

static uint64_t pow10u(int n)
{
	uint64_t p = 1;
	while (n-- > 0)
		p *= 10;
	return p;
}

static bool add_value(struct sctx *c, struct sweep_axis *ax, const char *v)
{
	if (ax->nvalues >= SWEEP_MAX_VALUES) {
		sw_report(c, "%s has more than %u values (at most %u per axis)", ax->key,
			  SWEEP_MAX_VALUES, SWEEP_MAX_VALUES);
		return false;
	}
	/* the capacity doubles: it is 8 or a power of two above, and full when
	 * nvalues is 0 or that power of two */
	size_t n = ax->nvalues;
	if (n == 0 || (n >= 8 && !(n & (n - 1)))) {
		char **p = realloc(ax->values, (n ? 2 * n : 8) * sizeof(*p));
		if (!p) {
			sw_report(c, "out of memory");
			return false;
		}
		ax->values = p;
	}
	char *dup = strdup(v);
	if (!dup) {
		sw_report(c, "out of memory");
		return false;
	}
	ax->values[ax->nvalues++] = dup;
	return true;
}

static const char range_help[] =
	"a range is FROM..TO step STEP, e.g. 30..1200 step 30, 1m..20m step 30s or 0..0.05 step 0.01";

/* FROM, TO, STEP of a range as integers: ns when any has a unit (alpha),
 * else fixed point with *scale decimals. */
static bool range_bounds(struct sctx *c, const struct sweep_axis *ax, const char *const txt[3],
			 bool alpha, uint64_t v[3], int *scale)
{
	int sc[3];

	*scale = 0;
	for (int i = 0; i < 3; i++) {
		if (alpha && !parse_duration(txt[i], &v[i])) {
			sw_report(c, "%s: '%s' is not a duration (%s)", ax->key, txt[i], range_help);
			return false;
		}
		if (!alpha && !parse_fixed(txt[i], &v[i], &sc[i])) {
			sw_report(c, "%s: '%s' is not a number (%s)", ax->key, txt[i], range_help);
			return false;
		}
		if (!alpha && sc[i] > *scale)
			*scale = sc[i];
	}
	for (int i = 0; !alpha && i < 3; i++) {
		if (v[i] > UINT64_MAX / 1000000000000ULL) {
			sw_report(c, "%s: '%s' is too large (%s)", ax->key, txt[i], range_help);
			return false;
		}
		v[i] *= pow10u(*scale - sc[i]);
	}
	if (v[2] == 0) {
		sw_report(c, "%s: step %s must be more than 0 (%s)", ax->key, txt[2], range_help);
		return false;
	}
	if (v[1] < v[0]) {
		sw_report(c, "%s: range %s..%s ends before it starts (FROM <= TO)", ax->key, txt[0],
			  txt[1]);
		return false;
	}
	if ((v[1] - v[0]) / v[2] >= SWEEP_MAX_VALUES) {
		sw_report(c, "%s: range %s..%s step %s has more than %u values (at most %u per axis)",
			  ax->key, txt[0], txt[1], txt[2], SWEEP_MAX_VALUES, SWEEP_MAX_VALUES);
		return false;
	}
	return true;
}

/* "FROM..TO step STEP" -> values. */
static bool parse_range(struct sctx *c, struct sweep_axis *ax, char *item)
{
	char *dots = strstr(item, ".."), *save = NULL, *tok[4];
	size_t ntok = 0;

	*dots = '\0';
	char *from = ini_trim(item);
	for (char *t = strtok_r(dots + 2, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (ntok == 4)
			break;
		tok[ntok++] = t;
	}
	if (!*from || ntok != 3 || strcmp(tok[1], "step")) {
		sw_report(c, "%s: '%s..%s' is not a range (%s)", ax->key, from, ntok ? tok[0] : "",
			  range_help);
		return false;
	}
	const char *txt[3] = { from, tok[0], tok[2] };
	bool alpha = false;
	for (int i = 0; i < 3; i++)
		for (const char *p = txt[i]; *p; p++)
			alpha |= isalpha((unsigned char)*p) != 0;
	uint64_t v[3];
	int scale;
	if (!range_bounds(c, ax, txt, alpha, v, &scale))
		return false;
	for (uint64_t x = v[0];; x += v[2]) {
		char buf[64];
		if (alpha)
			format_duration_unit(buf, sizeof(buf), x);
		else
			format_fixed(buf, sizeof(buf), x, scale, 0, scale);
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
	char *copy = strdup(value);
	bool ok = true;

	if (!copy) {
		sw_report(c, "out of memory");
		return false;
	}
	if (!*ini_trim(copy)) {
		sw_report(c, "%s has no values (a list 'x, y, z' or %s)", ax->key, range_help);
		free(copy);
		return false;
	}
	/* strtok_r would merge ",,": walk by hand to see empty items */
	for (char *p = copy;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		char *item = ini_trim(p);
		if (!*item) {
			sw_report(c, "%s: empty value in the list (a list is 'x, y, z')", ax->key);
			ok = false;
		} else if (strstr(item, "..")) {
			ok = parse_range(c, ax, item);
		} else {
			ok = add_value(c, ax, item);
		}
		if (!ok || !comma)
			break;
		p = comma + 1;
	}
	free(copy);
	return ok;
}

/* ------------------------------------------------------------------------ */
/* [sweep] keys                                                             */
/* ------------------------------------------------------------------------ */

static const char *const reserved[NRESERVED] = {
	"replicas", "seed", "max_loss", "max_detection", "detection", "prefer", "zip", "compact",
};

const char *det_stat_name(enum det_stat s)
{
	static const char *const n[] = { "p50", "p90", "p99", "max" };
	return n[s];
}

/* The numeric keys: replicas, seed, max_loss, max_detection. */
static void number_key(struct sctx *c, int k, const char *val)
{
	struct sweep *sw = c->sw;
	uint64_t v;
	double r;
	ks_time_t t;

	switch (k) {
	case K_REPLICAS:
		if (parse_u64(val, false, &v) != NUM_OK || v < 1 || v > SWEEP_MAX_REPLICAS)
			sw_report(c, "replicas = %s is not valid (an integer, 1..%u)", val,
				  SWEEP_MAX_REPLICAS);
		else
			sw->replicas = (uint32_t)v;
		break;
	case K_SEED:
		if (parse_u64(val, true, &v) != NUM_OK)
			sw_report(c, "seed = %s is not valid (unsigned 64-bit integer, decimal or 0x hex)",
				  val);
		else
			sw->seed = v;
		break;
	case K_MAX_LOSS:
		if (!parse_real(val, true, &r) || decimal_cmp(val, 1) > 0)
			sw_report(c, "max_loss = %s is not valid (a probability, 0..1, e.g. 0.001 or "
				     "1e-3)", val);
		else
			sw->obj.max_loss = r;
		break;
	case K_MAX_DETECTION:
		if (!strcmp(val, "none"))
			sw->obj.max_detection = KS_TIME_NEVER;
		else if (!parse_duration(val, &t) || t == 0)
			sw_report(c, "max_detection = %s is not valid (a duration more than 0, e.g. 15m, "
				     "or none)", val);
		else
			sw->obj.max_detection = t;
		break;
	}
}

static void reserved_key(struct sctx *c, int k, const char *val)
{
	struct sweep *sw = c->sw;

	switch (k) {
	case K_DETECTION:
		for (int s = DET_P50; s <= DET_MAX; s++)
			if (!strcmp(val, det_stat_name((enum det_stat)s))) {
				sw->obj.stat = (enum det_stat)s;
				return;
			}
		sw_report(c, "detection = %s is not valid (p50, p90, p99 or max)", val);
		break;
	case K_ZIP:
		free(sw->zip);
		sw->zip = strdup(val); /* checked once every axis is known */
		sw->zip_line = c->at.line;
		break;
	case K_COMPACT:
		if (!strcmp(val, "yes"))
			sw->compact = true;
		else if (!strcmp(val, "no"))
			sw->compact = false;
		else
			sw_report(c, "compact = %s is not valid (yes: per-point statistics only, no results.csv; "
				     "or no)", val);
		break;
	case K_PREFER:
		if (!strcmp(val, "detection"))
			sw->obj.prefer = PREFER_DETECTION;
		else if (!strcmp(val, "overhead"))
			sw->obj.prefer = PREFER_OVERHEAD;
		else
			sw_report(c, "prefer = %s is not valid (detection or overhead)", val);
		break;
	default:
		number_key(c, k, val);
		break;
	}
}

/* A key without a dot: one of reserved[], or a typo of one. */
static void plain_key(struct sctx *c, const char *name, const char *value)
{
	char list[256];
	const char *hint;

	for (int k = 0; k < NRESERVED; k++)
		if (!strcmp(name, reserved[k])) {
			if (c->first[k]) {
				sw_report(c, "duplicate key '%s' (first set at line %d)", name, c->first[k]);
				return;
			}
			c->first[k] = c->at.line;
			reserved_key(c, k, value);
			return;
		}
	hint = diag_suggest(name, reserved, NRESERVED);
	if (hint)
		sw_report(c, "unknown key '%s' in [sweep] (did you mean '%s'?)", name, hint);
	else
		sw_report(c, "unknown key '%s' in [sweep] (valid keys: %s, or an axis SECTION.KEY such "
			     "as A.tcp_keepidle)", name, diag_join(list, sizeof(list), reserved,
								    NRESERVED, "", ""));
}

/* SECTION.KEY = VALUES: a new axis. */
static void axis_key(struct sctx *c, const char *name, const char *value)
{
	struct sweep *sw = c->sw;
	const char *dot = strchr(name, '.');

	bool var = name[0] == '$';
	if (var && !sw_var_name_ok(name)) {
		sw_report(c, "'%s' is not a variable name ($NAME: letters, digits and _, used as ${NAME} in "
			     "the scenario part)", name);
		return;
	}
	if (!var && (dot == name || !dot[1])) {
		sw_report(c, "'%s' is not an axis (an axis is SECTION.KEY, e.g. A.tcp_keepidle)", name);
		return;
	}
	if (!strcmp(name, "scenario.seed")) {
		sw_report(c, "scenario.seed cannot be an axis (every run's seed derives from [sweep] "
			     "seed and the run index; use replicas for repetitions)");
		return;
	}
	for (size_t i = 0; i < sw->naxes; i++)
		if (!strcmp(sw->axes[i].key, name)) {
			sw_report(c, "duplicate axis '%s' (first set at line %d)", name, sw->axes[i].line);
			return;
		}
	if (sw->naxes == SWEEP_MAX_AXES) {
		sw_report(c, "too many axes (at most %d)", SWEEP_MAX_AXES);
		return;
	}
	struct sweep_axis *ax = &sw->axes[sw->naxes];
	ax->key = strdup(name);
	ax->line = c->at.line;
	ax->var = var;
	ax->setting = var || !strncmp(name, "A.", 2) || !strncmp(name, "B.", 2);
	if (!ax->key) {
		sw_report(c, "out of memory");
		return;
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
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct sctx *c = user;

	if (strcmp(section, "sweep"))
		return 1; /* the scenario parser checks every other section */
	if (!*name)
		sw_report(c, "missing key before '=' (KEY = VALUE)");
	else if (!strchr(name, '.') && name[0] != '$')
		plain_key(c, name, value);
	else
		axis_key(c, name, value);
	return 1;
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */
/* ------------------------------------------------------------------------ */

/* A sweep with the defaults, its text and --set overrides; NULL when out of memory. */
static struct sweep *sweep_new(const char *name, const char *text, const char *const *sets,
			       size_t nsets)
{
	struct sweep *sw = calloc(1, sizeof(*sw));

	if (!sw || !(sw->path = strdup(name)) || !(sw->text = strdup(text)) ||
	    !(sw->sets = calloc(nsets + 1, sizeof(*sw->sets)))) {
		sweep_free(sw);
		return NULL;
	}
	for (size_t i = 0; i < nsets; i++) {
		sw->sets[i] = strdup(sets[i]);
		if (!sw->sets[i]) {
			sweep_free(sw);
			return NULL;
		}
		sw->nsets++;
	}
	sw->hash = sw_hash(text, sets, nsets);
	sw->replicas = 1;
	sw->obj.max_loss = 1e-3;
	sw->obj.max_detection = KS_TIME_NEVER;
	sw->obj.stat = DET_P50;
	sw->obj.prefer = PREFER_DETECTION;
	return sw;
}

struct sweep *sweep_parse(const char *name, const char *text, const char *const *sets, size_t nsets,
			  struct diag *d)
{
	struct sweep *sw = sweep_new(name, text, sets, nsets);
	struct sctx c = { .at = { .file = name }, .d = d, .sw = sw, .text = text };
	/* a refused line (too long, bare CR) and syntax errors are the scenario
	 * parser's to report: it reads the whole file too */
	struct ini_parse p = { .text = text, .line = &c.at.line, .on_entry = on_entry, .user = &c };

	if (!sw) {
		diag_add(d, "%s: out of memory", name);
		return NULL;
	}
	ini_parse_text(&p);
	sw->seed_set = c.first[K_SEED] != 0;
	c.at.line = 0;
	if (!c.nerr) {
		sw_plan(&c);
	} else {
		/* still report the scenario part's own errors */
		struct diag d2 = { 0 };
		struct scenario *s = scenario_parse_text(name, text, "sweep", sets, nsets, &d2);
		diag_append(d, &d2);
		diag_free(&d2);
		scenario_free(s);
	}
	if (c.nerr || diag_count(d)) {
		sweep_free(sw);
		return NULL;
	}
	return sw;
}

struct sweep *sweep_load(const char *path, const char *const *sets, size_t nsets, struct diag *d)
{
	char *text = textfile_read(path, NULL, d);
	struct sweep *sw;

	if (!text)
		return NULL;
	sw = sweep_parse(path, text, sets, nsets, d);
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
