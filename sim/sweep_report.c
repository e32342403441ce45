/*
 * sweep_report.c - the reports of a sweep: results.csv (one row per run),
 * summary.csv (one row per point) and recommendation.txt (the best setting
 * of each group of environment points, with the reason in words).
 *
 * Each is a function of (sweep, results in run order, point statistics),
 * written serially in index order: byte-identical whatever the thread or
 * shard count. The columns are listed in docs/sweeps.md.
 */
#include "priv/sweep_priv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "csv_out.h"
#include "output.h"
#include "sweep_points.h"
#include "tcp.h"

/* ---- results.csv and summary.csv ------------------------------------------------- */

static void csv_time(FILE *f, ks_time_t t)
{
	char b[40];
	if (t == KS_TIME_NEVER)
		return;
	format_seconds(b, sizeof b, t);
	fputs(b, f);
}

static const char *end_text(unsigned end)
{
	if (end == RUN_END_UNANSWERED)
		return "unanswered";
	if (end == RUN_DET_MIDDLEBOX)
		return "lost-to-middlebox";
	if (end == RUN_DET_HEARTBEAT)
		return "heartbeat-gave-up";
	if (end <= END_CLOSE_RESET) /* the last enum tcp_end */
		return end_name((enum tcp_end)end);
	return "unknown";
}

/* first, then ",KEY" for every axis, then rest: (the start of) a header row. */
static void put_header(FILE *f, const struct sweep *sw, const char *first, const char *rest)
{
	fputs(first, f);
	for (size_t a = 0; a < sw->naxes; a++) {
		fputc(',', f);
		csv_field(f, sw->axes[a].key);
	}
	fputs(rest, f);
}

/* ",VALUE" for every axis at point p. */
static void put_values(FILE *f, const struct sweep *sw, size_t p)
{
	for (size_t a = 0; a < sw->naxes; a++) {
		fputc(',', f);
		csv_field(f, sw->axes[a].values[sweep_value_index(sw, p, a)]);
	}
}

/* The hosts with columns of their own: those that can detect at some point
 * (A when neither can). */
static bool shown(const struct sweep *sw, int h)
{
	return sw->detects[h] || (h == HOST_A && !sw->detects[HOST_B]);
}

/* ",X_NAME..." for every shown host X: a header of per-host columns. */
static void put_host_header(FILE *f, const struct sweep *sw, const char *const *names, size_t n)
{
	for (int h = 0; h < NHOSTS; h++)
		for (size_t i = 0; shown(sw, h) && i < n; i++)
			fprintf(f, ",%c_%s", host_letter(h), names[i]);
}

static const char *detected_by(const struct run_result *x, int h)
{
	if (x->detect[h] != KS_TIME_NEVER)
		return end_text(x->det_end[h]);
	if (x->det_end[h] == RUN_DET_MIDDLEBOX)
		return end_text(RUN_DET_MIDDLEBOX);
	return x->det_end[h] != END_NONE ? "ended-before-failure" : "never";
}

static void put_result(FILE *f, const struct sweep *sw, uint64_t r, const struct run_result *x,
		       const struct pstat *ps)
{
	size_t p = (size_t)(r / sw->replicas);
	double hours = (double)sw->points[p]->duration / (3600.0 * KS_SEC);

	fprintf(f, "%llu,%zu,%llu,0x%016llx", (unsigned long long)r, p, (unsigned long long)(r % sw->replicas),
		(unsigned long long)x->seed);
	put_values(f, sw, p);
	fprintf(f, ",%s,%s,%s,%s,", x->lost ? "lost" : "survived", x->lost ? end_text(x->end) : "",
		x->end_host == 0 ? "A" : x->end_host == 1 ? "B" : "", x->err ? tcp_errno_name(x->err) : "");
	csv_time(f, x->lost_at);
	for (int h = 0; h < NHOSTS; h++) {
		if (!shown(sw, h))
			continue;
		const struct phost *ph = &ps[p].host[h];
		fprintf(f, ",%s,%u,%u,%u,", ph->keepalive ? "on" : "off", ph->idle, ph->intvl, ph->cnt);
		csv_time(f, x->fail_at[h]);
		fputc(',', f);
		csv_time(f, x->detect[h]);
		fprintf(f, ",%s", detected_by(x, h));
	}
	fprintf(f, ",%u,%llu,%llu,%.3f,%.3f,%u,%u\n", x->probes, (unsigned long long)x->segments,
		(unsigned long long)x->bytes, x->probes / hours, x->bytes / hours, x->nat_expired, x->nat_evicted);
}

static const char *const host_settings[] = { "keepalive", "keepidle_s", "keepintvl_s", "keepcnt" };

void sweep_write_results(FILE *f, const struct sweep *sw, const struct run_result *res, const struct pstat *ps)
{
	static const char *const det[] = { "failure_at_s", "detection_s", "detected_by" };
	put_header(f, sw, "run,point,replica,seed", ",outcome,ended_by,end_host,error,lost_at_s");
	for (int h = 0; h < NHOSTS; h++)
		for (size_t i = 0; shown(sw, h) && i < 7; i++)
			fprintf(f, ",%c_%s", host_letter(h), i < 4 ? host_settings[i] : det[i - 4]);
	fputs(",probes,segments,bytes,probes_per_h,bytes_per_h,nat_expired,nat_evicted\n", f);
	for (uint64_t r = 0; r < sw->nruns; r++)
		put_result(f, sw, r, &res[r], ps);
}

/* A probability in a report: 4 decimals, or 3 significant digits when it
 * is below 0.001 and not 0 (a 95 % bound of 3.7e-06 is not "0.0000"). */
static void fmt_prob(char *b, size_t n, double v)
{
	snprintf(b, n, v == 0 || v >= 1e-3 ? "%.4f" : "%.2e", v);
}

void sweep_write_summary(FILE *f, const struct sweep *sw, const struct pstat *ps)
{
	static const char *const det[] = { "detected", "detection_p50_s", "detection_p90_s", "detection_p99_s",
					   "detection_max_s" };
	const char side = host_letter(sw->side);
	put_header(f, sw, "point", "");
	put_host_header(f, sw, host_settings, 4);
	fputs(",runs,lost,p_loss,p_loss_lo95,p_loss_hi95", f);
	put_host_header(f, sw, det, 5);
	fprintf(f, ",probes_per_h,bytes_per_h,nat_expired,nat_evicted,%c_loss_safe_keepidle_max_s,"
		   "%c_loss_unsafe_keepidle_min_s,%c_false_abort_per_episode,%c_false_abort_per_day,"
		   "%c_false_abort_per_year,meets_objective\n", side, side, side, side, side);
	for (size_t p = 0; p < sw->npoints; p++) {
		const struct pstat *s = &ps[p];
		fprintf(f, "%zu", p);
		put_values(f, sw, p);
		for (int h = 0; h < NHOSTS; h++)
			if (shown(sw, h))
				fprintf(f, ",%s,%u,%u,%u", s->host[h].keepalive ? "on" : "off", s->host[h].idle,
					s->host[h].intvl, s->host[h].cnt);
		fprintf(f, ",%u,%u,%.6f,%.6f,%.6f", s->runs, s->lost, s->p, s->lo, s->hi);
		for (int h = 0; h < NHOSTS; h++) {
			if (!shown(sw, h))
				continue;
			fprintf(f, ",%u", s->host[h].detected);
			for (int q = 0; q < 4; q++) {
				fputc(',', f);
				csv_time(f, s->host[h].det[q]);
			}
		}
		fprintf(f, ",%.3f,%.3f,%llu,%llu,", s->probes_h, s->bytes_h, (unsigned long long)s->nat_expired,
			(unsigned long long)s->nat_evicted);
		if (s->safe_idle_max)
			fprintf(f, "%u", s->safe_idle_max);
		fputc(',', f);
		if (s->unsafe_idle_min)
			fprintf(f, "%u", s->unsafe_idle_min);
		if (s->fa_exact)
			fprintf(f, ",%.6e,%.6e,%.6e", s->fa.per_episode, s->fa.per_day, s->fa.per_year);
		else
			fputs(",,,", f);
		fprintf(f, ",%s\n", s->meets ? "yes" : "no");
	}
}

/* ---- recommendation.txt: the best point of each group -------------------------------- */

/* Is point x better than y under the objective? (prefer order, then index) */
static bool better(const struct sweep *sw, const struct pstat *ps, size_t x, size_t y, bool by_loss)
{
	const struct pstat *a = &ps[x], *b = &ps[y];
	ks_time_t da = a->det[sw->obj.stat], db = b->det[sw->obj.stat];
	if (by_loss && a->p != b->p)
		return a->p < b->p;
	if (sw->obj.prefer == PREFER_DETECTION) {
		if (da != db)
			return da < db;
		if (a->bytes_h != b->bytes_h)
			return a->bytes_h < b->bytes_h;
	} else {
		if (a->bytes_h != b->bytes_h)
			return a->bytes_h < b->bytes_h;
		if (da != db)
			return da < db;
	}
	return x < y;
}

struct choice {
	size_t *best;   /* per group: the chosen point */
	size_t *nmeet;  /* ... how many of its points meet the objective */
	size_t *ntot;   /* ... and how many it has */
};

/* Per group, the best point that meets the objective, else the best by P(loss). */
static void choose(struct choice *ch, const struct sweep *sw, const struct pstat *ps, size_t G)
{
	ch->best = malloc(G * sizeof(size_t));
	ch->nmeet = calloc(G, sizeof(size_t));
	ch->ntot = calloc(G, sizeof(size_t));
	if (!ch->best || !ch->nmeet || !ch->ntot) {
		fputs("kasim: out of memory\n", stderr);
		abort();
	}
	for (size_t g = 0; g < G; g++)
		ch->best[g] = SIZE_MAX;
	for (size_t p = 0; p < sw->npoints; p++) {
		size_t g = sweep_group_of(sw, p);
		ch->ntot[g]++;
		if (!ps[p].meets)
			continue;
		ch->nmeet[g]++;
		if (ch->best[g] == SIZE_MAX || better(sw, ps, p, ch->best[g], false))
			ch->best[g] = p;
	}
	for (size_t p = 0; p < sw->npoints; p++) {
		size_t g = sweep_group_of(sw, p);
		if (!ch->nmeet[g] && (ch->best[g] == SIZE_MAX || better(sw, ps, p, ch->best[g], true)))
			ch->best[g] = p;
	}
}

static void choice_free(struct choice *ch)
{
	free(ch->best);
	free(ch->nmeet);
	free(ch->ntot);
}

/* ---- recommendation.txt: the text -------------------------------------------------- */

/* Why the recommendation is for sw->side. */
static const char *sw_side_why(const struct sweep *sw)
{
	bool swept[NHOSTS] = { false };
	for (size_t a = 0; a < sw->naxes; a++)
		for (int h = 0; h < NHOSTS; h++)
			swept[h] |= sw->axes[a].key[0] == host_letter(h) && sw->axes[a].key[1] == '.';
	if (swept[HOST_A] != swept[HOST_B])
		return sw->side == HOST_A ? "A's keys are swept" : "B's keys are swept";
	if (sw->detects[HOST_A] != sw->detects[HOST_B])
		return sw->side == HOST_A ? "only A can detect a dead peer" : "only B can detect a dead peer";
	return "the client, by default";
}

/* The lines above the table: the sweep, the objective, the definitions. */
static void put_preamble(FILE *f, const struct sweep *sw)
{
	const struct scenario *sc0 = sw->points[0];
	const char *stat = det_stat_name(sw->obj.stat);
	char hz[40], md[40];

	format_secs(hz, sizeof hz, sc0->duration);
	fprintf(f, "kasim sweep: %s (%s)\n", sc0->name, sw->path);
	fprintf(f, "%zu points x %u replica%s = %llu runs; horizon %s; sweep seed %llu\n", sw->npoints,
		sw->replicas, sw->replicas == 1 ? "" : "s", (unsigned long long)sw->nruns, hz,
		(unsigned long long)sw->seed);
	fprintf(f, "Objective: P(connection lost within the horizon) <= %g", sw->obj.max_loss);
	if (sw->obj.max_detection != KS_TIME_NEVER) {
		format_secs(md, sizeof md, sw->obj.max_detection);
		fprintf(f, " and %s detection time <= %s", stat, md);
	}
	if (sw->obj.prefer == PREFER_DETECTION)
		fprintf(f, ", then the shortest %s detection time of a dead peer, then the least overhead.\n",
			stat);
	else
		fprintf(f, ", then the least overhead, then the shortest %s detection time of a dead peer.\n",
			stat);
	char me = host_letter(sw->side), peer = host_letter(!sw->side);
	fprintf(f, "Settings recommended for %c (%s). Lost: an end reported an error before the horizon,\n"
		   "or the byte A sent at the horizon was not acknowledged. Detection: from %c's power-off to\n"
		   "%c's error, none when a middlebox took the connection first (docs/sweeps.md).\n"
		   "Overhead: segments (IPv4+TCP headers, 40 bytes each) per hour of the idle connection.\n"
		   "False abort/yr: P(%c's keepalive aborts the healthy connection within a year because the\n"
		   "path lost its probes or their answers), exact (n/a where the model does not allow it).\n\n",
		me, sw_side_why(sw), peer, me, me);
}

/* Where keepidle stops being safe (the boundary of the point's group,
 * sweep_stats.c): "; loss-safe up to keepidle N s" and "; P(loss) > X from
 * keepidle N s", appended to buf (len used of n). */
static void idle_limits(char *buf, size_t len, size_t n, const struct sweep *sw, const struct pstat *s)
{
	if (s->safe_idle_max && len < n)
		len += (size_t)snprintf(buf + len, n - len, "; loss-safe up to keepidle %u s", s->safe_idle_max);
	if (s->unsafe_idle_min && len < n)
		snprintf(buf + len, n - len, "; P(loss) > %g from keepidle %u s", sw->obj.max_loss, s->unsafe_idle_min);
}

/* Why group g's point was chosen, in words. */
static char *reason_text(const struct sweep *sw, const struct pstat *ps, const struct choice *ch, size_t g)
{
	char buf[512], lim[64] = "", md[40];
	size_t len = 0;

	if (sw->obj.max_detection != KS_TIME_NEVER) {
		format_secs(md, sizeof md, sw->obj.max_detection);
		snprintf(lim, sizeof lim, " and %s detection <= %s", det_stat_name(sw->obj.stat), md);
	}
	if (ch->nmeet[g])
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s of the %zu of %zu settings with P(loss) <= %g%s",
					sw->obj.prefer == PREFER_DETECTION ? "shortest detection" : "least overhead",
					ch->nmeet[g], ch->ntot[g], sw->obj.max_loss, lim);
	else
		len += (size_t)snprintf(buf + len, sizeof buf - len,
					"NO setting meets P(loss) <= %g%s; this one loses least", sw->obj.max_loss, lim);
	idle_limits(buf, len, sizeof buf, sw, &ps[ch->best[g]]);
	return strdup(buf);
}

/* ---- recommendation.txt: the table ----------------------------------------------- */

/* Which columns an axis has in the table: an environment column, or a
 * setting column when its whole dimension is a setting; the keepalive
 * settings have none of their own (the three keepalive columns show them). */
enum axis_col { COL_ENV, COL_KEEPALIVE, COL_SETTING };

static enum axis_col axis_col(const struct sweep *sw, size_t a)
{
	const char *k = sw->axes[a].key;
	if (!sw->dim_setting[sw->axes[a].dim])
		return COL_ENV;
	if (k[0] == host_letter(sw->side) && k[1] == '.' &&
	    (!strcmp(k + 2, "tcp_keepidle") || !strcmp(k + 2, "tcp_keepintvl") || !strcmp(k + 2, "tcp_keepcnt")))
		return COL_KEEPALIVE;
	return COL_SETTING;
}

struct col {
	const char *head;
	char **cell;  /* one per row */
	size_t width;
};

struct table {
	struct col *cols;
	size_t ncols, rows;
	size_t c_ka, c_set, c_p;  /* the first keepalive, other setting and P(loss) column */
	size_t next;              /* the column the next cell goes into */
	char **reason;            /* one per row */
	char dethead[32], kahead[3][16];
};

static void add_head(struct table *t, const char *head)
{
	t->cols[t->next++].head = head;
}

/* The heads of the axes of one kind. */
static void add_axis_heads(struct table *t, const struct sweep *sw, enum axis_col kind)
{
	for (size_t a = 0; a < sw->naxes; a++)
		if (axis_col(sw, a) == kind)
			t->cols[t->next++].head = sw->axes[a].key;
}

/* The columns: environment axes, keepalive settings, other settings, results. */
static void table_init(struct table *t, const struct sweep *sw, size_t rows)
{
	size_t naxes = 0;
	for (size_t a = 0; a < sw->naxes; a++)
		naxes += axis_col(sw, a) != COL_KEEPALIVE;
	memset(t, 0, sizeof(*t));
	t->rows = rows;
	t->ncols = naxes + 3 + 6;
	t->cols = calloc(t->ncols, sizeof(*t->cols));
	t->reason = calloc(rows, sizeof(char *));
	if (!t->cols || !t->reason)
		abort();
	for (size_t c = 0; c < t->ncols; c++)
		if (!(t->cols[c].cell = calloc(rows, sizeof(char *))))
			abort();
	char me = host_letter(sw->side);
	snprintf(t->dethead, sizeof t->dethead, "%c detection %s", me, det_stat_name(sw->obj.stat));
	snprintf(t->kahead[0], sizeof t->kahead[0], "%c keepidle", me);
	snprintf(t->kahead[1], sizeof t->kahead[1], "%c keepintvl", me);
	snprintf(t->kahead[2], sizeof t->kahead[2], "%c keepcnt", me);
	add_axis_heads(t, sw, COL_ENV);
	t->c_ka = t->next;
	for (int i = 0; i < 3; i++)
		add_head(t, t->kahead[i]);
	t->c_set = t->next;
	add_axis_heads(t, sw, COL_SETTING);
	t->c_p = t->next;
	add_head(t, "P(loss)");
	add_head(t, "95% CI");
	add_head(t, t->dethead);
	add_head(t, "probes/h");
	add_head(t, "bytes/h");
	add_head(t, "false abort/yr");
}

/* The next cell of row g. */
static void __attribute__((format(printf, 3, 4))) add_cell(struct table *t, size_t g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&t->cols[t->next++].cell[g], fmt, ap) < 0)
		abort();
	va_end(ap);
}

/* Row g's cells of the axes of one kind: their values at point p. */
static void add_axis_cells(struct table *t, const struct sweep *sw, enum axis_col kind, size_t g, size_t p)
{
	for (size_t a = 0; a < sw->naxes; a++)
		if (axis_col(sw, a) == kind)
			add_cell(t, g, "%s", sw->axes[a].values[sweep_value_index(sw, p, a)]);
}

/* Row g: point p's values and statistics, in the columns of table_init. */
static void table_row(struct table *t, const struct sweep *sw, const struct pstat *s, size_t g, size_t p)
{
	t->next = 0;
	add_axis_cells(t, sw, COL_ENV, g, p);
	add_cell(t, g, "%u s", s->idle);
	add_cell(t, g, "%u s", s->intvl);
	add_cell(t, g, "%u", s->cnt);
	add_axis_cells(t, sw, COL_SETTING, g, p);
	char lo[24], hi[24];
	fmt_prob(lo, sizeof lo, s->p);
	add_cell(t, g, "%s (%u/%u)", lo, s->lost, s->runs);
	fmt_prob(lo, sizeof lo, s->lo);
	fmt_prob(hi, sizeof hi, s->hi);
	add_cell(t, g, "%s-%s", lo, hi);
	if (s->det[sw->obj.stat] == KS_TIME_NEVER)
		add_cell(t, g, "never");
	else
		add_cell(t, g, "%.1f s", (double)s->det[sw->obj.stat] / KS_SEC);
	add_cell(t, g, "%.1f", s->probes_h);
	add_cell(t, g, "%.0f", s->bytes_h);
	if (!s->fa_exact)
		add_cell(t, g, "n/a");
	else if (s->fa.per_year == 0)
		add_cell(t, g, "0");
	else
		add_cell(t, g, "%.2e", s->fa.per_year);
}

/* One line of the table: cell(c) for every column, then " | " and the reason. */
static void table_line(FILE *f, const struct table *t, const char *const *cell, const char *reason)
{
	for (size_t c = 0; c < t->ncols; c++) {
		bool sep = c == t->c_ka || c == t->c_p || (c == t->c_set && t->c_set != t->c_p);
		fprintf(f, "%s%-*s", c == 0 ? "" : sep ? " | " : "  ", (int)t->cols[c].width, cell[c] ? cell[c] : "?");
	}
	fprintf(f, " | %s\n", reason ? reason : "?");
}

/* The columns as wide as their widest cell, the head line, then the rows. */
static void table_print(FILE *f, struct table *t)
{
	const char **line = calloc(t->ncols, sizeof(char *));
	if (!line)
		abort();
	for (size_t c = 0; c < t->ncols; c++) {
		t->cols[c].width = strlen(t->cols[c].head);
		for (size_t g = 0; g < t->rows; g++)
			if (t->cols[c].cell[g] && strlen(t->cols[c].cell[g]) > t->cols[c].width)
				t->cols[c].width = strlen(t->cols[c].cell[g]);
		line[c] = t->cols[c].head;
	}
	table_line(f, t, line, "reason");
	for (size_t g = 0; g < t->rows; g++) {
		for (size_t c = 0; c < t->ncols; c++)
			line[c] = t->cols[c].cell[g];
		table_line(f, t, line, t->reason[g]);
	}
	free(line);
}

static void table_free(struct table *t)
{
	for (size_t c = 0; c < t->ncols; c++) {
		for (size_t g = 0; g < t->rows; g++)
			free(t->cols[c].cell[g]);
		free(t->cols[c].cell);
	}
	for (size_t g = 0; g < t->rows; g++)
		free(t->reason[g]);
	free(t->reason);
	free(t->cols);
}

void sweep_write_recommendation(FILE *f, const struct sweep *sw, const struct pstat *ps)
{
	size_t G = sweep_ngroups(sw);
	struct choice ch;
	struct table t;

	choose(&ch, sw, ps, G);
	put_preamble(f, sw);
	table_init(&t, sw, G);
	for (size_t g = 0; g < G; g++) {
		table_row(&t, sw, &ps[ch.best[g]], g, ch.best[g]);
		t.reason[g] = reason_text(sw, ps, &ch, g);
	}
	table_print(f, &t);
	table_free(&t);
	choice_free(&ch);
}
