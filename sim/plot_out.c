/*
 * plot_out.c - finishing a run's plots: timeline.vars (the windows of the
 * timeline's three panels), the templates copied from kasim's plots/
 * directory, and rendering them with gnuplot (gnuplot.h's runner, no shell).
 */
#include <string.h>
#include <unistd.h>

#include "gnuplot.h"
#include "priv/plot_priv.h"

const char *const plot_scripts[] = {"plots/timeline.gp", "plots/detection.gp"};
const size_t plot_nscripts = sizeof(plot_scripts) / sizeof(plot_scripts[0]);

static double sec_d(ks_time_t t) { return (double)t / 1e9; }

/* The range [a, b] widened by frac of its width on each side (at least min_pad). */
static void pad(double *a, double *b, double frac, double min_pad)
{
	double p = (*b - *a) * frac;
	if (p < min_pad)
		p = min_pad;
	*a -= p;
	*b += p;
}

/* A tic step giving 3 to 7 tics over w: 1, 2 or 5 times a power of ten. */
static double nice_step(double w)
{
	double p = 1;
	if (!(w > 0))
		return 1;
	while (p * 10 <= w / 3)
		p *= 10;
	while (p > w / 3)
		p /= 10;
	return p * 5 <= w / 3 ? p * 5 : p * 2 <= w / 3 ? p * 2 : p;
}

/* The right zoom: the first detection's episode, else the first probe and
 * its answer, else the whole run. Returns focus (1, 2, 3: plots/timeline.gp). */
static int focus_window(const struct plot_sink *ps, ks_time_t dur, double *f0, double *f1)
{
	int focus;
	if (ps->have_focus) {
		*f0 = sec_d(ps->focus0);
		*f1 = sec_d(ps->focus1);
		focus = 1;
	} else if (ps->have_probe) {
		*f0 = sec_d(ps->first_probe);
		*f1 = sec_d(ps->have_answer && ps->first_answer >= ps->first_probe ? ps->first_answer
										   : ps->first_probe + ps->first_intvl);
		focus = 2;
	} else {
		*f0 = 0;
		*f1 = sec_d(dur);
		focus = 3;
	}
	pad(f0, f1, 0.08, 0.001);
	if (*f0 < 0 && ps->have_focus)
		*f0 = 0;
	return focus;
}

static int timeline_vars(struct plot_sink *ps, const struct sim *sim)
{
	FILE *f = outdir_fopen(ps->od, "plots/timeline.vars");
	if (!f)
		return -1;
	double dur = sec_d(sim->sc->duration), s0 = 0, s1 = sec_d(ps->setup_end), f0, f1;
	pad(&s0, &s1, 0.15, 0.001);
	int focus = focus_window(ps, sim->sc->duration, &f0, &f1);
	gp_vars_head(f, "timeline.gp");
	gp_var_text(f, "scenario", sim->sc->name);
	gp_var_text(f, "description", sim->sc->description);
	gp_var_num(f, "duration_s", dur);
	gp_var_num(f, "run_xtics", nice_step(dur));
	gp_var_num(f, "setup_end_s", sec_d(ps->setup_end));
	gp_var_num(f, "setup_x0", s0);
	gp_var_num(f, "setup_x1", s1);
	gp_var_num(f, "setup_xtics", nice_step(s1 - s0));
	gp_var_num(f, "focus", focus);
	gp_var_num(f, "focus_x0", f0);
	gp_var_num(f, "focus_x1", f1);
	gp_var_num(f, "focus_xtics", nice_step(f1 - f0));
	if (sim->has_proxy)
		gp_var_num(f, "proxy", 1);
	return outdir_fclose(ps->od, f);
}

void plot_write_scripts(struct plot_sink *ps, const struct sim *sim)
{
	char err[4096];
	timeline_vars(ps, sim);
	plot_detection_vars(ps, sim);
	for (size_t i = 0; i < plot_nscripts; i++)
		gp_template_copy(ps->od, plot_scripts[i] + strlen("plots/"), plot_scripts[i], err, sizeof err);
}

/* ---- the templates and rendering ---------------------------------------------- */

int plot_templates_check(char *err, size_t n)
{
	char path[4400];
	for (size_t i = 0; i < plot_nscripts; i++)
		if (gp_template_find(plot_scripts[i] + strlen("plots/"), path, sizeof path, err, n))
			return -1;
	return 0;
}

int plot_render(struct outdir *od, char *err, size_t n)
{
	char where[4096];
	snprintf(where, sizeof where, "%s/plots", outdir_dir(od));
	int wd = outdir_workdir(od, "plots");
	if (wd < 0) {
		snprintf(err, n, "%s", outdir_error(od));
		return 1;
	}
	for (size_t i = 0; i < plot_nscripts; i++) {
		char base[64], rel[96];
		const char *name = strrchr(plot_scripts[i], '/') + 1;
		snprintf(base, sizeof base, "%.*s", (int)(strlen(name) - 3), name);
		snprintf(rel, sizeof rel, "plots/%s.png", base);
		int hp = outdir_reserve(od, rel);
		snprintf(rel, sizeof rel, "plots/%s.svg", base);
		int hs = outdir_reserve(od, rel);
		if (hp < 0 || hs < 0) {
			snprintf(err, n, "%s", outdir_error(od));
			return 1;
		}
		int rc = gnuplot_run(wd, where, name, STDERR_FILENO, err, n);
		outdir_reserved_done(od, hp, rc == 0, gnuplot_output_complete);
		outdir_reserved_done(od, hs, rc == 0, gnuplot_output_complete);
		if (rc)
			return rc;
		if (outdir_error(od)[0]) {
			snprintf(err, n, "%s", outdir_error(od));
			return 1;
		}
	}
	return 0;
}
