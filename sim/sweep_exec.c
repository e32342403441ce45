/*
 * sweep_exec.c - the executor: runs a sweep (or one shard of it) on every
 * core, journals each run as it finishes, resumes an interrupted sweep, and
 * at the end writes the outputs (or, for a shard, its results-partial.csv).
 *
 * OpenMP "parallel for schedule(dynamic)" over the runs still missing. Each
 * run builds its own scenario copy and simulation (sweep_run.c); the only
 * shared things are the results array (each run writes its own slot), the
 * journal file (one write(2) per run under a critical section) and two
 * atomic counters for the progress bar.
 */
#include "priv/sweep_priv.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "outdir.h"

/* One execution: shard si/sn of the sweep, its m runs si + k * sn. */
struct exec {
	const struct sweep *sw;
	const struct sweep_exec *e;
	uint64_t si, sn, m;
	struct run_result *res;   /* res[k]: run si + k * sn */
	bool *done;               /* done[k]: found in the journal */
	uint64_t *todo;           /* the k still to run */
	uint64_t ntodo;
	uint64_t have;            /* runs found in the journal */
	struct outdir *od;
	int fd;                   /* runs.journal, open for appending */
	char *jpath;
};

/* ---- the progress bar ---------------------------------------------------------------- */

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress_draw(FILE *err, uint64_t done, uint64_t total, uint64_t base, double t0)
{
	enum { W = 30 };
	double el = mono() - t0, frac = total ? (double)done / (double)total : 1;
	int fill = (int)(frac * W);
	char bar[W + 1], eta[32] = "--:--";

	for (int i = 0; i < W; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[W] = '\0';
	if (done > base && el > 0.2) {
		double left = el / (double)(done - base) * (double)(total - done);
		unsigned s = (unsigned)(left + 0.5);
		snprintf(eta, sizeof(eta), "%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
	}
	fprintf(err, "\r[%s] %5.1f%% %llu/%llu runs  ETA %s ", bar, 100 * frac,
		(unsigned long long)done, (unsigned long long)total, eta);
	fflush(err);
}

/* ---- setup: the directory, the manifest, the journal ---------------------------------- */

/* The manifest already in the directory (NULL when there is none), or a
 * message and *rc. */
static char *old_manifest(const struct exec *x, int *rc, FILE *err)
{
	struct textfile_info in;
	char *old = sweep_manifest_read(x->e->dir, &in), ebuf[128];

	if (old || (in.fault == TEXTFILE_OPEN && in.err == ENOENT))
		return old;
	if (in.fault == TEXTFILE_OPEN || in.fault == TEXTFILE_READ) {
		fprintf(err, "kasim: cannot read %s/manifest: %s\n", x->e->dir, strerror_r(in.err, ebuf, sizeof ebuf));
		*rc = 1;
	} else {
		fprintf(err, "kasim: %s/manifest: damaged (start again in a new directory)\n", x->e->dir);
		*rc = 2;
	}
	return NULL;
}

/* The runs already in the journal (when resuming), and the list of those
 * still to run. 0, or an exit status. */
static int exec_todo(struct exec *x, bool resume, FILE *err)
{
	if (resume) {
		long long have = journal_load(x->jpath, x->sw, x->si, x->sn, x->res, x->done, err);
		if (have == -2)
			return 2;
		if (have < 0) {
			fprintf(err, "kasim: cannot read %s: %s\n", x->jpath, strerror(errno));
			return 1;
		}
		x->have = (uint64_t)have;
	}
	for (uint64_t k = 0; k < x->m; k++)
		if (!x->done[k])
			x->todo[x->ntodo++] = k;
	return 0;
}

/* A new directory gets sweep.ini and the manifest; one that holds this sweep
 * (--resume) gives its journal's runs. Opens the journal. 0, or an exit status. */
static int exec_setup(struct exec *x, FILE *err)
{
	char msg[600];
	int rc = 0;

	x->od = outdir_open(x->e->dir, msg, sizeof msg);
	if (!x->od) {
		fprintf(err, "kasim: %s\n", msg);
		return 1;
	}
	char *old = old_manifest(x, &rc, err);
	if (rc)
		return rc;
	if (old && !x->e->resume) {
		fprintf(err, "kasim: %s already holds a sweep (use --resume to finish it, or another "
			     "directory)\n", x->e->dir);
		rc = 2;
	} else if (old) {
		rc = resume_check(old, x->sw, x->si, x->sn, x->e->dir, err);
	}
	if (!rc) {
		char *man = sweep_manifest(x->sw, x->si, x->sn, NULL, 0);
		/* the journal first: a symlink there is refused before anything is written */
		x->fd = outdir_append(x->od, "runs.journal");
		if (x->fd < 0 || (!old && (outdir_write(x->od, "sweep.ini", x->sw->text, strlen(x->sw->text)) ||
					   outdir_write(x->od, "manifest", man, strlen(man)) || outdir_commit(x->od)))) {
			fprintf(err, "kasim: %s\n", outdir_error(x->od));
			rc = 1;
		}
		free(man);
	}
	if (!rc)
		rc = exec_todo(x, old != NULL, err);
	free(old);
	return rc;
}

/* ---- the runs -------------------------------------------------------------------------- */

/* Run every run of the todo list on all threads, each journaled as it ends.
 * Returns 0 or the errno of a failed journal write; *wall gets the time. */
static int exec_runs(struct exec *x, FILE *err, double *wall, uint64_t *nevents_out)
{
	const struct sweep *sw = x->sw;
	_Atomic uint64_t ndone = x->have, nevents = 0;
	int werr = 0, fd = x->fd;
	double t0 = mono(), last_sync = t0, last_draw = 0;

#pragma omp parallel for schedule(dynamic, 1)
	for (uint64_t i = 0; i < x->ntodo; i++) {
		uint64_t k = x->todo[i];
		struct run_result r;
		char line[RUN_LINE_MAX];

		sweep_run_one(sw, x->si + k * x->sn, &r);
		x->res[k] = r;
		int n = journal_format(line, sizeof(line) - 1, &r);
		line[n++] = '\n';
#pragma omp critical(kasim_journal)
		{
			if (!werr && write(fd, line, (size_t)n) != n)
				werr = errno ? errno : EIO;
			double now = mono();
			if (now - last_sync >= 1.0) {
				if (fdatasync(fd) && !werr)
					werr = errno;
				last_sync = now;
			}
		}
		atomic_fetch_add(&nevents, r.events);
		uint64_t d = atomic_fetch_add(&ndone, 1) + 1;
#ifdef _OPENMP
		bool master = omp_get_thread_num() == 0;
#else
		bool master = true;
#endif
		if (x->e->progress && master) {
			double now = mono();
			if (now - last_draw >= 0.1) {
				last_draw = now;
				progress_draw(err, d, x->m, x->have, t0);
			}
		}
	}
	*wall = mono() - t0;
	if (fdatasync(fd) && !werr)
		werr = errno;
	if (close(fd) && !werr)
		werr = errno;
	x->fd = -1;
	if (x->e->progress) {
		progress_draw(err, atomic_load(&ndone), x->m, x->have, t0);
		fputs("\n", err);
	}
	*nevents_out = atomic_load(&nevents);
	return werr;
}

/* ---- finishing ------------------------------------------------------------------------- */

static void print_stats(const struct exec *x, double wall, uint64_t ev, FILE *err)
{
#ifdef _OPENMP
	int nthreads = omp_get_max_threads();
#else
	int nthreads = 1;
#endif
	fprintf(err, "kasim: %llu runs (%llu now) in %.3f s on %d thread%s: %llu events, "
		     "%.1f M events/s, %.1f M per thread\n",
		(unsigned long long)x->m, (unsigned long long)x->ntodo, wall, nthreads, nthreads == 1 ? "" : "s",
		(unsigned long long)ev, wall > 0 ? (double)ev / wall / 1e6 : 0,
		wall > 0 ? (double)ev / wall / 1e6 / nthreads : 0);
}

/* A shard's runs, in order (what kasim merge reads), with the manifest that
 * gives their length and checksum: the shard is finished. One commit,
 * renamed in this order: a crash between the two leaves the old manifest,
 * i.e. an unfinished shard that --resume ends. */
static int write_shard(const struct exec *x, FILE *err)
{
	size_t cap = 4096, len = 0;
	char *all = malloc(cap);
	int rc = 0;

	for (uint64_t k = 0; all && k < x->m; k++) {
		if (cap - len < RUN_LINE_MAX) {
			char *p = realloc(all, cap * 2);
			if (!p) {
				free(all);
				all = NULL;
				break;
			}
			all = p;
			cap *= 2;
		}
		len += (size_t)run_record_format(all + len, cap - len - 1, &x->res[k]);
		all[len++] = '\n';
	}
	if (!all) {
		fputs("kasim: out of memory\n", err);
		return 1;
	}
	char *fin = sweep_manifest(x->sw, x->si, x->sn, all, len);
	if (outdir_write(x->od, "results-partial.csv", all, len) || outdir_write(x->od, "manifest", fin, strlen(fin)) ||
	    outdir_commit(x->od)) {
		fprintf(err, "kasim: %s\n", outdir_error(x->od));
		rc = 1;
	}
	free(fin);
	free(all);
	return rc;
}

int sweep_execute(const struct sweep *sw, const struct sweep_exec *e, FILE *err)
{
	struct exec x = { .sw = sw, .e = e, .fd = -1 };
	int rc;

	x.si = e->shard_n ? e->shard_i : 0;
	x.sn = e->shard_n ? e->shard_n : 1;
	x.m = x.si < sw->nruns ? (sw->nruns - x.si + x.sn - 1) / x.sn : 0;
	x.jpath = sweep_path(e->dir, "runs.journal");
	x.res = calloc(x.m ? x.m : 1, sizeof(*x.res));
	x.done = calloc(x.m ? x.m : 1, sizeof(*x.done));
	x.todo = calloc(x.m ? x.m : 1, sizeof(*x.todo));
	if (!x.res || !x.done || !x.todo) {
		fputs("kasim: out of memory\n", err);
		rc = 1;
	} else if (!(rc = exec_setup(&x, err))) {
#ifdef _OPENMP
		if (e->threads > 0)
			omp_set_num_threads(e->threads);
#endif
		double wall;
		uint64_t ev;
		int werr = exec_runs(&x, err, &wall, &ev);
		if (werr) {
			fprintf(err, "kasim: cannot write %s: %s\n", x.jpath, strerror(werr));
			rc = 1;
		} else {
			if (e->stats)
				print_stats(&x, wall, ev, err);
			rc = x.sn == 1 ? sweep_write_outputs(sw, x.res, e->dir, e->render, err) : write_shard(&x, err);
		}
	}
	if (x.fd >= 0)
		close(x.fd);
	outdir_free(x.od);
	free(x.jpath);
	free(x.res);
	free(x.done);
	free(x.todo);
	return rc;
}
