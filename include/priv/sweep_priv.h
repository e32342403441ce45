/*
 * priv/sweep_priv.h - what the sweep's files share (include/sweep.h lists
 * them). The parser's two files:
 *   sweep.c       the [sweep] section: reserved keys, axes and their values
 *   sweep_plan.c  planning: dimensions (zip), the size limits, one validated
 *                 scenario per point, seeds and the sweep's hash
 *   sweep_vars.c  text variables: ${NAME} in the scenario part
 * and the execution and output side: sweep_exec.c, sweep_journal.c,
 * sweep_stats.c, sweep_report.c, sweep_out.c, sweep_merge.c.
 */
#ifndef KASIM_PRIV_SWEEP_PRIV_H
#define KASIM_PRIV_SWEEP_PRIV_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "sweep.h"
#include "textfile.h"

enum { K_REPLICAS, K_SEED, K_MAX_LOSS, K_MAX_DETECTION, K_DETECTION, K_PREFER, K_ZIP, K_COMPACT, NRESERVED };

struct sctx {
	struct diag_loc at;     /* FILE:LINE of messages */
	struct diag *d;
	size_t nerr;
	struct sweep *sw;
	const char *text;
	int first[NRESERVED];   /* line of each reserved key, 0 = not yet */
};

/* An error at c->at (counted in c->nerr). */
#define sw_report(c, ...) ((c)->nerr++, diag_at((c)->d, &(c)->at, __VA_ARGS__))

/* Dimensions, size checks, every value and every point validated by the
 * scenario parser; reports into c (sweep_plan.c). */
void sw_plan(struct sctx *c);
/* sweep_vars.c: text variables. Is name "$NAME" (NAME of letters, digits,
 * _)? The scenario text with every ${NAME} outside [sweep] replaced by the
 * value vidx[a] of its axis a (NULL when out of memory); *bad_line is the
 * first line with a ${...} that names no variable (0 = none), *bad_at where
 * in text that ${ is. Does text use
 * ${NAME} for the axis key "$NAME"? */
bool sw_var_name_ok(const char *name);
char *sw_var_text(const struct sweep *sw, const char *text, const size_t *vidx, int *bad_line, const char **bad_at);
bool sw_var_used(const char *text, const char *key);

/* FNV-1a of the text and the --set overrides. */
uint64_t sw_hash(const char *text, const char *const *sets, size_t nsets);

/* ---- execution and outputs ------------------------------------------------------------ */

struct outdir;
struct pstat;

/* sweep_journal.c: load the journal at path of shard si/sn into res/done, a
 * line at a time; returns the number of runs found. A final line without its
 * newline is the normal trace of a kill in the middle of a write: it is
 * dropped (the file is truncated before it) and its run is run again. Any
 * other bad line is refused, naming it (-2): resume trusts no line it cannot
 * verify. -1 (errno) on a read error; 0 when there is no journal. */
long long journal_load(const char *path, const struct sweep *sw, uint64_t si, uint64_t sn,
		       struct run_result *res, bool *done, FILE *err);
/* dir/manifest through textfile_load (at most SWEEP_MANIFEST_MAX bytes); NULL
 * and info->fault when it cannot be read (TEXTFILE_OPEN, ENOENT: none). */
char *sweep_manifest_read(const char *dir, struct textfile_info *info);
/* --resume: the manifest text already in dir must be this sweep's and shard
 * si/sn's (0), else a message and 2. */
int resume_check(const char *text, const struct sweep *sw, uint64_t si, uint64_t sn, const char *dir,
		 FILE *err);

/* sweep_stats.c: the statistics of every point (free() the array). */
struct pstat *sweep_point_stats(const struct sweep *sw, const struct run_result *res);

/* sweep_report.c: the three reports. */
void sweep_write_results(FILE *f, const struct sweep *sw, const struct run_result *res, const struct pstat *ps);
void sweep_write_summary(FILE *f, const struct sweep *sw, const struct pstat *ps);
void sweep_write_recommendation(FILE *f, const struct sweep *sw, const struct pstat *ps);

/* sweep_out.c: stage results.csv, summary.csv, recommendation.txt and plots/
 * in od and render the plots; nothing is committed. 0, or 1 with a message
 * on err. *no_gnuplot is set when rendering was asked for and gnuplot is
 * missing. */
int sweep_stage_outputs(struct outdir *od, const struct sweep *sw, const struct run_result *res, bool do_render,
			bool *no_gnuplot, FILE *err);
/* Commit what sweep_stage_outputs() staged (with whatever else od holds). */
int sweep_commit_outputs(struct outdir *od, bool no_gnuplot, FILE *err);

#endif
