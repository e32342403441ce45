/*
 * sweep_plot.h - a sweep's plots (DIR/plots/): kasim writes the data and the
 * settings, the scripts are kasim's templates (gnuplot.h):
 *
 *   survival.dat, survival.vars      plots/sweep-survival.gp  -> survival.gp
 *   detection.dat, detection.vars    plots/sweep-detection.gp -> detection.gp
 *   tradeoff.dat, tradeoff.vars      plots/sweep-tradeoff.gp  -> tradeoff.gp
 *
 * Axis values (text from the sweep file) reach the plots only as data: the
 * column headers of detection.dat and tradeoff.dat and the group labels of
 * survival.vars, each one gp_quote()d literal (docs/sweeps.md, "Plots").
 */
#ifndef KASIM_SWEEP_PLOT_H
#define KASIM_SWEEP_PLOT_H

#include <stdbool.h>
#include <stdio.h>

#include "outdir.h"
#include "sweep.h"

struct pstat;

/* Are the sweep templates there? 0, or -1 with the paths tried in err. */
int sweep_plot_templates_check(char *err, size_t n);

/* Stage DIR/plots/ in od (data, settings, templates) and, with render,
 * render the PNGs in the staging directory. A figure gnuplot fails on (a
 * sweep whose data leaves it empty) costs only that figure, with a message
 * on err; *no_gnuplot is set when render was asked for and gnuplot is
 * missing. 0, or 1 (the outputs must not be committed; messages on err). */
int sweep_plots(struct outdir *od, const struct sweep *sw, const struct pstat *ps, bool render, bool *no_gnuplot,
		FILE *err);

#endif
