/*
 * sweep_plot.c - a sweep's plots: the data (survival.dat, detection.dat,
 * tradeoff.dat), their settings (*.vars), the templates copied from kasim's
 * plots/ directory, and rendering (sweep_plot.h).
 *
 * Everything here is a function of (sweep, point statistics), computed in
 * point order: the files are byte-identical whatever the thread or shard
 * count.
 */
#include "sweep_plot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gnuplot.h"
#include "sweep_points.h"

/* The three plots: the name in DIR/plots/ and the template it comes from. */
static const char *const plot_names[] = {"survival", "detection", "tradeoff"};
static const char *const templates[] = {"sweep-survival.gp", "sweep-detection.gp", "sweep-tradeoff.gp"};
#define NPLOTS 3

static double sec_d(ks_time_t t) { return (double)t / KS_SEC; }

static int cmp_idle(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Survival heatmap: the side's keepidle (x) x environment (y, one row per group). */
static void plot_survival(FILE *dat, FILE *vars, const struct sweep *sw, const struct pstat *ps)
{
	size_t G = sweep_ngroups(sw);
	uint32_t gap = UINT32_MAX;
	/* distinct keepidle values and the smallest gap between them */
	uint32_t *idles = malloc(sw->npoints * sizeof(*idles));
	if (!idles)
		abort();
	for (size_t p = 0; p < sw->npoints; p++)
		idles[p] = ps[p].idle;
	qsort(idles, sw->npoints, sizeof(*idles), cmp_idle);
	for (size_t i = 1; i < sw->npoints; i++)
		if (idles[i] != idles[i - 1] && idles[i] - idles[i - 1] < gap)
			gap = idles[i] - idles[i - 1];
	uint32_t minidle = idles[0], maxidle = idles[sw->npoints - 1];
	if (gap == UINT32_MAX)
		gap = minidle ? minidle : 1;
	fputs("# keepidle_s row p_survive (the best over other settings with this keepidle)\n", dat);
	for (size_t g = 0; g < G; g++) {
		for (size_t i = 0; i < sw->npoints; i++) {
			if (i && idles[i] == idles[i - 1])
				continue;
			double bestp = -1;
			for (size_t p = 0; p < sw->npoints; p++)
				if (sweep_group_of(sw, p) == g && ps[p].idle == idles[i] && 1 - ps[p].p > bestp)
					bestp = 1 - ps[p].p;
			if (bestp >= 0)
				fprintf(dat, "%llu %zu %.6f\n", (unsigned long long)idles[i], g, bestp);
		}
	}
	free(idles);
	gp_vars_head(vars, "survival.gp");
	gp_var_text(vars, "side", (const char[]){ host_letter(sw->side), '\0' });
	gp_var_num(vars, "x0", minidle - gap / 2.0);
	gp_var_num(vars, "x1", maxidle + gap / 2.0);
	gp_var_num(vars, "box_half", gap / 2.0);
	gp_var_num(vars, "groups", (double)G);
	for (size_t g = 0; g < G; g++) {
		char key[32], lab[512];
		size_t p0 = 0;
		while (sweep_group_of(sw, p0) != g)
			p0++;
		sweep_group_label(lab, sizeof lab, sw, p0);
		snprintf(key, sizeof key, "group_%zu", g);
		gp_var_text(vars, key, lab);
	}
}

/* One data row of detection.dat (a series) or tradeoff.dat (a group), if
 * the point has one (1) or not (0). */
static int block_row(FILE *dat, const struct sweep *sw, const struct pstat *s, bool tradeoff)
{
	ks_time_t d = s->det[sw->obj.stat];
	if (tradeoff) {
		if (d == KS_TIME_NEVER)
			return 0;
		fprintf(dat, "%.3f %.9f %d\n", s->bytes_h, sec_d(d), s->meets);
		return 1;
	}
	if (s->det[DET_MAX] == KS_TIME_NEVER || s->det[DET_P50] == KS_TIME_NEVER)
		return 0;
	fprintf(dat, "%u %u %u %.9f %.9f %.9f\n", s->idle, s->intvl, s->cnt, sec_d(s->det[DET_P50]),
		s->det[DET_P90] == KS_TIME_NEVER ? sec_d(s->det[DET_MAX]) : sec_d(s->det[DET_P90]),
		sec_d(s->det[DET_MAX]));
	return 1;
}

/* Detection time vs keepidle (a block per series), and detection vs overhead
 * (a block per group); each block's title is its column header. */
static void plot_blocks(FILE *dat, FILE *vars, const struct sweep *sw, const struct pstat *ps, bool tradeoff)
{
	size_t G = tradeoff ? sweep_ngroups(sw) : sweep_nseries(sw), rows = 0;
	size_t (*key)(const struct sweep *, size_t) = tradeoff ? sweep_group_of : sweep_series_of;

	for (size_t g = 0; g < G; g++) {
		char lab[512];
		size_t p0 = 0;
		while (key(sw, p0) != g)
			p0++;
		if (tradeoff)
			sweep_group_label(lab, sizeof lab, sw, p0);
		else
			sweep_series_label(lab, sizeof lab, sw, p0);
		if (g)
			fputs("\n\n", dat);
		gp_fquote(dat, lab, GP_DATA);
		fputs(tradeoff ? " \"bytes_per_h\" \"detection_s\" \"meets\"\n"
			       : " \"keepintvl_s\" \"keepcnt\" \"p50_s\" \"p90_s\" \"max_s\"\n", dat);
		for (size_t p = 0; p < sw->npoints; p++)
			if (key(sw, p) == g)
				rows += (size_t)block_row(dat, sw, &ps[p], tradeoff);
	}
	gp_vars_head(vars, tradeoff ? "tradeoff.gp" : "detection.gp");
	gp_var_num(vars, "blocks", (double)G);
	/* no row at all: the figure says that nothing was detected */
	gp_var_num(vars, "rows", (double)rows);
	gp_var_text(vars, "side", (const char[]){ host_letter(sw->side), '\0' });
	if (tradeoff)
		gp_var_text(vars, "stat", det_stat_name(sw->obj.stat));
}

/* plots/NAME.dat, plots/NAME.vars and the template as plots/NAME.gp. */
static int write_plot(struct outdir *od, int i, const struct sweep *sw, const struct pstat *ps, FILE *err)
{
	char n1[64], n2[64], msg[4096];
	snprintf(n1, sizeof n1, "plots/%s.gp", plot_names[i]);
	if (gp_template_copy(od, templates[i], n1, msg, sizeof msg)) {
		fprintf(err, "kasim: %s\n", msg);
		return 1;
	}
	snprintf(n1, sizeof n1, "plots/%s.dat", plot_names[i]);
	snprintf(n2, sizeof n2, "plots/%s.vars", plot_names[i]);
	FILE *fd = outdir_fopen(od, n1), *fv = fd ? outdir_fopen(od, n2) : NULL;
	if (!fd || !fv)
		return 1;
	if (i == 0)
		plot_survival(fd, fv, sw, ps);
	else
		plot_blocks(fd, fv, sw, ps, i == 2);
	return outdir_fclose(od, fd) | outdir_fclose(od, fv) ? 1 : 0;
}

/* Render plots/NAME.gp in the staging directory; the PNG is committed with
 * the rest when gnuplot exits 0 and the PNG is whole. gnuplot failing (a
 * sweep whose data leaves a figure empty) only costs that figure, with a
 * message; an incomplete PNG from a gnuplot that exited 0 (a full disk)
 * fails the whole commit. 69 = gnuplot is not installed. */
static int render(struct outdir *od, int wd, const char *name, FILE *err)
{
	char script[64], rel[64], where[4096], msg[600];
	snprintf(script, sizeof script, "%s.gp", name);
	snprintf(rel, sizeof rel, "plots/%s.png", name);
	snprintf(where, sizeof where, "%s/plots", outdir_dir(od));
	int h = outdir_reserve(od, rel);
	if (h < 0)
		return 1;
	int rc = gnuplot_run(wd, where, script, -1, msg, sizeof msg);
	outdir_reserved_done(od, h, rc == 0, gnuplot_output_complete);
	if (rc == 1)
		fprintf(err, "kasim: %s (the data and script are there)\n", msg);
	return rc == 69 ? 69 : outdir_error(od)[0] ? 1 : 0;
}

int sweep_plot_templates_check(char *err, size_t n)
{
	char path[4400];
	for (int i = 0; i < NPLOTS; i++)
		if (gp_template_find(templates[i], path, sizeof path, err, n))
			return -1;
	return 0;
}

int sweep_plots(struct outdir *od, const struct sweep *sw, const struct pstat *ps, bool do_render, bool *no_gnuplot,
		FILE *err)
{
	int rc = 0;
	for (int i = 0; i < NPLOTS && !rc; i++)
		rc = write_plot(od, i, sw, ps, err);
	*no_gnuplot = do_render && !gnuplot_available();
	if (!rc && do_render && !*no_gnuplot) {
		int wd = outdir_workdir(od, "plots");
		rc = wd < 0;
		for (int i = 0; i < NPLOTS && !rc; i++)
			if ((rc = render(od, wd, plot_names[i], err)) == 69) {
				*no_gnuplot = true;
				rc = 0;
				break;
			}
	}
	return rc;
}
