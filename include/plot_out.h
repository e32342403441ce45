/*
 * plot_out.h - a run's plots (DIR/plots/): data written by kasim, scripts
 * that are kasim's templates (plots/timeline.gp, plots/detection.gp).
 *
 * While the simulation runs the sink streams the data files (one row per
 * packet, per phase, per event: plot_data.c); it keeps only O(1) state per
 * host (the current silence episode, at most PLOT_MAX_SEGS pieces:
 * plot_detect.c), from which it writes detection.dat's bars and, at finish,
 * the settings files timeline.vars and detection.vars (plot_out.c). The
 * scripts are not generated: the templates are copied unchanged (gnuplot.h
 * finds them). Rendering (running gnuplot) is cli.c's job: plot_render()
 * runs `gnuplot -d` through gnuplot.h's runner, with no shell.
 *
 *   timeline.gp   A and B as two lanes over time, every packet an arrow,
 *                 drops marked with their reason, phases shaded, with a zoom
 *                 on the connection set-up and on the probing/detection phase
 *   detection.gp  where the time to detection went, against the closed form
 *
 * Text from the scenario (name, description, labels) is only ever data: a
 * label field of a .dat file, or a gp_quote()d value in a .vars file that
 * the templates read with `stats`; nothing kasim writes is executed by
 * gnuplot (docs/outputs.md, "Plots").
 */
#ifndef KASIM_PLOT_OUT_H
#define KASIM_PLOT_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "outdir.h"
#include "output.h"

#define PLOT_MAX_SEGS 48

/* The scripts (relative to DIR), in rendering order; each is the template
 * of the same name. */
extern const char *const plot_scripts[];
extern const size_t plot_nscripts;

/* Are the templates there (gnuplot.h, gp_template_find)? 0, or -1 with
 * "cannot find the gnuplot template ... (tried ...)" in err. */
int plot_templates_check(char *err, size_t n);
/* A sink writing DIR/plots/: the *.dat files as the run goes, the *.vars
 * files and the templates at finish. NULL on error (see outdir_error).
 * Files are closed through the outdir by finish(). */
struct sink *plot_sink_new(struct outdir *od);

/* Run gnuplot (gnuplot_run) on every script, in the staging copy of
 * DIR/plots (the scripts and data are written and closed, not yet
 * committed), so PNG and SVG are committed with the rest of the run, each
 * checked whole (gnuplot_output_complete). Returns 0, 1 when gnuplot failed
 * or a figure is incomplete (the run must not be committed), 69 when gnuplot
 * is not installed; err says what went wrong. */
int plot_render(struct outdir *od, char *err, size_t n);

#endif
