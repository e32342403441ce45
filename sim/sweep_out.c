/*
 * sweep_out.c - the output files of a finished sweep (or merge), all or
 * none: results.csv, summary.csv and recommendation.txt (sweep_report.c)
 * and plots/ (sweep_plot.c), staged in an output directory (outdir.h:
 * temporary names, fsync) and then committed together under their final
 * names, so a reader never sees half a file or a mix of two sweeps.
 */
#include "priv/sweep_priv.h"

#include <stdlib.h>

#include "outdir.h"
#include "sweep_plot.h"
#include "sweep_points.h"

char *sweep_path(const char *dir, const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0) {
		fputs("kasim: out of memory\n", stderr);
		abort();
	}
	return p;
}

int sweep_stage_outputs(struct outdir *od, const struct sweep *sw, const struct run_result *res, bool do_render,
			 bool *no_gnuplot, FILE *err)
{
	struct pstat *ps = sweep_point_stats(sw, res);
	static const char *const names[] = { "results.csv", "summary.csv", "recommendation.txt" };
	int rc = 0;

	for (int i = sw->compact ? 1 : 0; i < 3 && !rc; i++) {
		FILE *f = outdir_fopen(od, names[i]);
		if (!f) {
			rc = 1;
			break;
		}
		if (i == 0)
			sweep_write_results(f, sw, res, ps);
		else if (i == 1)
			sweep_write_summary(f, sw, ps);
		else
			sweep_write_recommendation(f, sw, ps);
		rc = outdir_fclose(od, f) ? 1 : 0;
	}
	if (!rc)
		rc = sweep_plots(od, sw, ps, do_render, no_gnuplot, err);
	free(ps);
	if (rc && outdir_error(od)[0])
		fprintf(err, "kasim: %s\n", outdir_error(od));
	return rc;
}

int sweep_commit_outputs(struct outdir *od, bool no_gnuplot, FILE *err)
{
	if (outdir_commit(od)) {
		fprintf(err, "kasim: %s; none of the results was written under a final name\n", outdir_error(od));
		return 1;
	}
	if (no_gnuplot)
		fprintf(err, "kasim: gnuplot not found; wrote %s/plots/*.gp (run 'cd %s/plots && gnuplot survival.gp')\n",
			outdir_dir(od), outdir_dir(od));
	return 0;
}

int sweep_write_outputs(const struct sweep *sw, const struct run_result *res, const char *dir, bool do_render,
			FILE *err)
{
	char msg[600];
	bool no_gnuplot = false;
	struct outdir *od = outdir_open(dir, msg, sizeof msg);
	if (!od) {
		fprintf(err, "kasim: %s\n", msg);
		return 1;
	}
	int rc = sweep_stage_outputs(od, sw, res, do_render, &no_gnuplot, err);
	if (!rc)
		rc = sweep_commit_outputs(od, no_gnuplot, err);
	outdir_free(od);
	return rc;
}
