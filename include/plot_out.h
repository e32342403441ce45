/*
 * plot_out.h - gnuplot scripts and their data (DIR/plots/).
 *
 * While the simulation runs the sink streams the data files (one row per
 * packet, per phase, per event); it keeps only O(1) state per host (the
 * current silence episode, at most PLOT_MAX_SEGS pieces) for the scripts,
 * which it writes at finish(). Rendering (running gnuplot) is cli.c's job:
 * plot_render() runs `gnuplot -d` through gnuplot.h's runner, with no shell.
 *
 *   timeline.gp   A and B as two lanes over time, every packet an arrow,
 *                 drops marked with their reason, phases shaded, with a zoom
 *                 on the connection set-up and on the probing/detection phase
 *   detection.gp  where the time to detection went, against the closed form
 *
 * Text from the scenario (name, description) only appears in the scripts
 * through gp_quote() (gnuplot.h), which cannot produce anything but one
 * inert gnuplot string literal.
 */
#ifndef KASIM_PLOT_OUT_H
#define KASIM_PLOT_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "outdir.h"
#include "output.h"

#define PLOT_MAX_SEGS 48

/* The scripts (relative to DIR), in rendering order. */
extern const char *const plot_scripts[];
extern const size_t plot_nscripts;

/* A sink writing DIR/plots/ *.dat and, at finish, the scripts. NULL on error
 * (see outdir_error). Files are closed through the outdir by finish(). */
struct sink *plot_sink_new(struct outdir *od);

/* Run gnuplot (gnuplot_run) on every script, in the staging copy of
 * DIR/plots (the scripts and data are written and closed, not yet
 * committed), so PNG and SVG are committed with the rest of the run, each
 * checked whole (gnuplot_output_complete). Returns 0, 1 when gnuplot failed
 * or a figure is incomplete (the run must not be committed), 69 when gnuplot
 * is not installed; err says what went wrong. */
int plot_render(struct outdir *od, char *err, size_t n);

#endif
