/*
 * sweep.h - parameter sweeps: many simulations of one scenario, with some of
 * its keys varied, to choose NAT-safe keepalive settings (docs/sweeps.md).
 *
 * A sweep file is a scenario file plus a [sweep] section. The scenario part is
 * parsed by scenario.c (which skips [sweep]); [sweep] is parsed here. Each
 * [sweep] axis ("A.tcp_keepidle = 30..1200 step 30", "nat.preset = a, b")
 * lists values that are applied to the scenario as --set overrides, so they
 * are validated exactly like the file.
 *
 * Numbering (stable, documented):
 *   point p  = the cartesian product of the axes in file order, the LAST axis
 *              varying fastest (like nested loops written in file order);
 *              axes named in "zip = K1, K2" vary together (one dimension,
 *              at the place of the first of them);
 *   run r    = p * replicas + replica;
 *   seed(r)  = sweep_run_seed(sweep seed, r): a pure function, so a run's
 *              result never depends on threads, shards or order.
 *
 * Modules (private declarations they share: include/priv/sweep_priv.h):
 *   sweep.c          the [sweep] section
 *   sweep_plan.c     planning: dimensions, points, seeds, the hash
 *   sweep_vars.c     text variables ($NAME axes, ${NAME} in the scenario part)
 *   sweep_run.c      one run: the survival simulation and one detection
 *                    simulation per host that can detect
 *   sweep_exec.c     the executor: all cores, shards, the journal, --resume
 *   sweep_journal.c  run records, journal lines, the manifest, reading them back
 *   sweep_stats.c    the statistics of each point (rare.c: the exact
 *                    false-abort probability)
 *   sweep_report.c   results.csv, summary.csv, recommendation.txt
 *   sweep_points.c, sweep_plot.c  groups and series of points; plots/
 *   sweep_out.c      staging and committing the output files, all or none
 *   sweep_merge.c    kasim merge
 *   sweep_cli.c      kasim sweep / kasim merge
 */
#ifndef KASIM_SWEEP_H
#define KASIM_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "scenario.h"

#define SWEEP_MAX_AXES 16
/* The fuzz build (Makefile) lowers these two: loading parses the file once
 * per value and once per point, and one input must stay within seconds. */
#ifndef SWEEP_MAX_VALUES
#define SWEEP_MAX_VALUES 100000u   /* per axis */
#endif
#ifndef SWEEP_MAX_POINTS
#define SWEEP_MAX_POINTS 1000000u
#endif
#define SWEEP_MAX_REPLICAS 1000000u
/* points x replicas: every run keeps about 105 bytes of state until the sweep
 * ends, so 10^7 runs is about 1 GB (docs/sweeps.md, "Limits") */
#define SWEEP_MAX_RUNS 10000000u

struct sweep_axis {
	char *key;          /* "A.tcp_keepidle", as written */
	char **values;      /* as handed to --set, e.g. "30", "0.01", "90s" */
	size_t nvalues;
	int line;           /* in the sweep file */
	bool setting;       /* [A] / [B] or a text variable: something the user chooses (else: environment) */
	bool var;           /* "$NAME": a text variable, ${NAME} in the scenario part (sweep_vars.c) */
	size_t dim;         /* its dimension of the product (zipped axes share one) */
};

/* Which detection statistic the objective minimises / bounds. */
enum det_stat { DET_P50, DET_P90, DET_P99, DET_MAX };
/* After the loss (and detection) constraints, minimise this first, then the other. */
enum sweep_prefer { PREFER_DETECTION, PREFER_OVERHEAD };

struct sweep_objective {
	double max_loss;          /* P(connection lost within the horizon), default 1e-3 */
	ks_time_t max_detection;  /* bound on the detection statistic, NEVER = none */
	enum det_stat stat;       /* default p50 */
	enum sweep_prefer prefer; /* default detection */
};

struct sweep {
	char *path;               /* the sweep file as named by the user */
	char *text;               /* its bytes */
	char **sets;              /* --set overrides for every point (before the axes) */
	size_t nsets;
	uint64_t hash;            /* FNV-1a of text and sets: identifies the sweep */
	uint64_t seed;            /* [sweep] seed, default: [scenario] seed */
	bool seed_set;            /* [sweep] seed was given */
	uint32_t replicas;
	struct sweep_objective obj;
	struct sweep_axis axes[SWEEP_MAX_AXES];
	size_t naxes;
	/* dimensions of the cartesian product: one per axis, except that the
	 * axes named by "zip = K1, K2, ..." vary together as one */
	size_t ndims;
	size_t dim_size[SWEEP_MAX_AXES];
	bool dim_setting[SWEEP_MAX_AXES]; /* every axis of the dimension is a setting */
	char *zip;                /* the zip value, NULL = none */
	int zip_line;
	size_t npoints;
	uint64_t nruns;           /* npoints * replicas */
	bool compact;             /* [sweep] compact = yes: no results.csv (per-run rows) */
	int side;                 /* the host the recommendation is for (sweep_side()) */
	bool detects[NHOSTS];     /* the host can detect a dead peer at some point */
	struct scenario **points; /* one validated scenario per point */
	ks_time_t horizon;        /* the scenario's duration: "lost within H" */
};

/* Load a sweep file (errors, each "FILE:LINE: ...", into d). NULL on error. */
struct sweep *sweep_load(const char *path, const char *const *sets, size_t nsets, struct diag *d);
/* The same from text (tests, merge); name is FILE in messages. */
struct sweep *sweep_parse(const char *name, const char *text, const char *const *sets, size_t nsets,
			  struct diag *d);
void sweep_free(struct sweep *sw);

/* Index of dimension d's value at point p (the last dimension varies fastest). */
size_t sweep_dim_index(const struct sweep *sw, size_t p, size_t d);
/* Index of axis a's value at point p. */
size_t sweep_value_index(const struct sweep *sw, size_t p, size_t a);
/* The seed of run r: splitmix64(seed ^ splitmix64(r)). */
uint64_t sweep_run_seed(uint64_t seed, uint64_t r);
/* "p50", ... */
const char *det_stat_name(enum det_stat s);
/* Can host h of sc notice a dead peer: its keepalive or its application
 * heartbeat is on, or its application sends, closes or sets an option in
 * [events]? A host that cannot is left out of the detection phase. */
bool sweep_may_detect(const struct scenario *sc, int h);

/* ---- one run -------------------------------------------------------------- */

/* How a run ended, beyond enum tcp_end. */
enum {
	RUN_END_UNANSWERED = 100, /* the final exchange got no answer in time */
	RUN_DET_MIDDLEBOX = 101,  /* detection phase: a middlebox dropped the connection before
				   * the failure, or reset it: its loss, not a detection */
	RUN_DET_HEARTBEAT = 102,  /* detection phase: the host's application heartbeat gave up */
};

struct run_result {
	uint64_t run;
	uint64_t seed;
	bool lost;                /* phase 1: the connection did not survive H */
	uint8_t end;              /* enum tcp_end of the first end, or RUN_END_*; END_NONE */
	int8_t end_host;          /* HOST_A / HOST_B, -1 = none */
	int16_t err;              /* errno the application saw, 0 = none */
	ks_time_t lost_at;        /* when the loss was noticed; NEVER if survived */
	/* the detection phases, indexed by the host that detects (the other one
	 * loses power); a host that cannot detect is not simulated: NEVER, END_NONE */
	ks_time_t fail_at[NHOSTS];  /* when its peer was powered off */
	ks_time_t detect[NHOSTS];   /* its error - fail_at; NEVER = not detected */
	uint8_t det_end[NHOSTS];    /* how it ended (enum tcp_end, or RUN_DET_MIDDLEBOX) */
	uint32_t probes;          /* keepalive probes sent by A and B in [0, H) */
	uint64_t segments;        /* segments sent by A and B in [0, H) */
	uint64_t bytes;           /* their IPv4 + TCP bytes (40 per header + payload) */
	uint64_t events;          /* engine events of both phases (benchmarks) */
	uint32_t nat_expired;     /* phase 1: the connection's NAT mappings that timed out */
	uint32_t nat_evicted;     /* ... and that were evicted from a full table */
};

/* Simulate run r of sw (thread-safe: touches nothing shared). */
void sweep_run_one(const struct sweep *sw, uint64_t r, struct run_result *out);

/* ---- execution: all cores, shards, journal, resume --------------------------- */

struct sweep_exec {
	const char *dir;          /* output directory */
	uint64_t shard_i, shard_n;/* runs r with r % shard_n == shard_i; 0/1 = all */
	int threads;              /* 0 = OpenMP's default (OMP_NUM_THREADS, all cores) */
	bool resume;
	bool progress;            /* draw a progress bar on err */
	bool stats;               /* print runs, events and events/s at the end */
	bool render;              /* run gnuplot on the plot scripts */
};

/* Run (the missing runs of) a sweep into e->dir, then write its files. Returns
 * an exit status (0, 1 for I/O errors, 2 for bad input such as a directory
 * that holds another sweep). */
int sweep_execute(const struct sweep *sw, const struct sweep_exec *e, FILE *err);
/* kasim merge: shard directories -> the files of the unsharded run. */
int sweep_merge(const char *const *dirs, size_t ndirs, const char *out, bool render, FILE *err);

/* ---- files (sweep_journal.c, sweep_out.c) ------------------------------------------- */

/* A buffer for a record or a journal line, with its newline and a NUL (the
 * longest kasim writes is 259 bytes); a longer line read back is refused. */
#define RUN_LINE_MAX 512
/* The fields of a record. */
#define RUN_RECORD_FIELDS 19

/* A result as one line of RUN_RECORD_FIELDS fields (no newline), and back: the rows of a
 * shard's results-partial.csv, and the body of a journal line. */
int run_record_format(char *buf, size_t n, const struct run_result *r);
bool run_record_parse(const char *line, struct run_result *r);
/* One journal line (no newline): the record, a space and the CRC-32C of the
 * record as 8 lower-case hex digits (checksum.h); and back. */
int journal_format(char *buf, size_t n, const struct run_result *r);
enum journal_status {
	JOURNAL_OK,
	JOURNAL_MALFORMED,  /* not RUN_RECORD_FIELDS fields and a checksum */
	JOURNAL_CHECKSUM,   /* the checksum does not match the record */
};
enum journal_status journal_parse(const char *line, struct run_result *r);
/* results.csv, summary.csv, recommendation.txt and plots/ (rendered when
 * render and gnuplot is there) into dir through outdir.h: all of them are
 * committed together, or none. res[r] for every run r. */
int sweep_write_outputs(const struct sweep *sw, const struct run_result *res, const char *dir,
			bool render, FILE *err);
/* "dir/name" (aborts when out of memory). */
char *sweep_path(const char *dir, const char *name);
/* ---- the manifest (sweep_journal.c): what a directory holds ------------------------- */

#define MANIFEST_VERSION 3
/* A manifest read back is at most this long (its --set options make it
 * long; Linux passes at most a few MiB of arguments). */
#define SWEEP_MANIFEST_MAX (16u * 1024 * 1024)

struct manifest {
	unsigned version;         /* "kasim-sweep N"; the rest is parsed only when N = 2 */
	uint64_t hash;            /* the sweep's definition hash (struct sweep's hash) */
	uint64_t runs, si, sn;    /* runs of the whole sweep; shard si/sn */
	bool finished;            /* a "results" line: results-partial.csv is complete */
	uint64_t results_len;     /* ... its length in bytes */
	uint32_t results_crc;     /* ... and its CRC-32C */
	char *path;               /* the sweep file as named by the user */
	char **sets;              /* the --set overrides */
	size_t nsets;
};

/* The manifest of shard si/sn of sw (kasim merge and --resume check it).
 * results (len bytes) is the shard's finished results-partial.csv, NULL while
 * the shard runs or when it is not a shard. */
char *sweep_manifest(const struct sweep *sw, uint64_t si, uint64_t sn, const char *results, size_t len);
/* Parse a manifest; false when it is damaged. A version other than
 * MANIFEST_VERSION is returned as is, with nothing else parsed. Free with
 * manifest_free (also after false). */
bool manifest_parse(const char *text, struct manifest *m);
void manifest_free(struct manifest *m);

#endif
