/*
 * sweep_merge.c - kasim merge: the directories of the shards of one sweep
 * into the files the unsharded sweep writes, byte for byte.
 *
 * Every shard directory is input (docs/security.md): its manifest must be
 * this sweep's and sharding's, finished, and given once; every shard 0..N-1
 * must be there; sweep.ini is parsed again and must match the manifest's
 * hash; each line of results-partial.csv must be a run of its shard, given
 * once, and the file must be the one its manifest describes (length and
 * CRC-32C). Only then is anything written, all files in one commit.
 */
#include "priv/sweep_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checksum.h"
#include "outdir.h"

/* ---- the shards' manifests ---------------------------------------------------------- */

static bool read_manifest(const char *dir, struct manifest *m, FILE *err)
{
	struct textfile_info in;
	char *text = sweep_manifest_read(dir, &in);
	bool ok = false;
	char ebuf[128];

	memset(m, 0, sizeof(*m));
	if (!text && in.fault == TEXTFILE_OPEN && in.err == ENOENT)
		fprintf(err, "kasim: %s: not a sweep directory (no manifest)\n", dir);
	else if (!text && (in.fault == TEXTFILE_OPEN || in.fault == TEXTFILE_READ))
		fprintf(err, "kasim: cannot read %s/manifest: %s\n", dir, strerror_r(in.err, ebuf, sizeof ebuf));
	else if (!text || !manifest_parse(text, m))
		fprintf(err, "kasim: %s/manifest: damaged\n", dir);
	else if (m->version != MANIFEST_VERSION)
		fprintf(err, "kasim: %s/manifest: written by another version of kasim (format %u, this one reads %d); "
			     "run the shard again in a new directory\n", dir, m->version, MANIFEST_VERSION);
	else
		ok = true;
	free(text);
	return ok;
}

/* Shard i against shard 0: the same sweep definition and sharding, not given
 * twice. */
static bool shard_matches(const char *const *dirs, const struct manifest *sh, size_t i, FILE *err)
{
	const struct manifest *a = &sh[i], *z = &sh[0];
	if (a->hash != z->hash) {
		fprintf(err, "kasim: %s is from another sweep or sharding than %s: its sweep definition hash is "
			     "%016llx, not %016llx (the sweep files or their --set options differ)\n", dirs[i], dirs[0],
			(unsigned long long)a->hash, (unsigned long long)z->hash);
		return false;
	}
	if (a->runs != z->runs || a->sn != z->sn) {
		fprintf(err, "kasim: %s is from another sweep or sharding than %s: shard %llu/%llu of %llu runs, "
			     "not of %llu/%llu\n", dirs[i], dirs[0], (unsigned long long)a->si, (unsigned long long)a->sn,
			(unsigned long long)a->runs, (unsigned long long)z->si, (unsigned long long)z->sn);
		return false;
	}
	for (size_t j = 0; j < i; j++)
		if (sh[j].si == a->si) {
			fprintf(err, "kasim: shard %llu/%llu is given twice (%s and %s)\n", (unsigned long long)a->si,
				(unsigned long long)a->sn, dirs[j], dirs[i]);
			return false;
		}
	if (!a->finished) {
		fprintf(err, "kasim: %s: shard %llu/%llu is not finished (run it again with --resume)\n", dirs[i],
			(unsigned long long)a->si, (unsigned long long)a->sn);
		return false;
	}
	return true;
}

/* A shard's results-partial.csv must be the one its manifest describes. */
static bool results_match(const char *path, size_t len, uint32_t crc, const struct manifest *m, FILE *err)
{
	if (len == m->results_len && crc == m->results_crc)
		return true;
	fprintf(err, "kasim: %s does not match its manifest (%zu bytes, CRC-32C %08x; the manifest says %llu bytes, "
		     "%08x): it was changed, damaged or copied from another sweep; rewrite it from the journal with "
		     "kasim sweep FILE --shard %llu/%llu -o DIR --resume\n", path, len, (unsigned)crc,
		(unsigned long long)m->results_len, (unsigned)m->results_crc, (unsigned long long)m->si,
		(unsigned long long)m->sn);
	return false;
}

/* Is out one of the shard directories (the same device and inode, whatever
 * the spelling or symlink)? Writing there would replace the shard's files. */
static bool out_is_a_shard(const char *out, const char *const *dirs, size_t ndirs, FILE *err)
{
	struct stat so, sd;
	if (stat(out, &so) != 0)
		return false; /* does not exist yet: cannot be an input */
	for (size_t i = 0; i < ndirs; i++)
		if (stat(dirs[i], &sd) == 0 && sd.st_dev == so.st_dev && sd.st_ino == so.st_ino) {
			fprintf(err, "kasim: merge: the output directory %s is the shard directory %s; merging into "
				     "one of its inputs would destroy it (give another -o DIR)\n", out, dirs[i]);
			return true;
		}
	return false;
}

/* The manifests of every shard, each matching shard 0's, none missing. */
static bool shards_complete(const char *const *dirs, size_t ndirs, struct manifest *sh, FILE *err)
{
	for (size_t i = 0; i < ndirs; i++)
		if (!read_manifest(dirs[i], &sh[i], err) || !shard_matches(dirs, sh, i, err))
			return false;
	for (unsigned long long k = 0; k < sh[0].sn; k++) {
		bool have = false;
		for (size_t i = 0; i < ndirs; i++)
			have |= sh[i].si == k;
		if (!have) {
			fprintf(err, "kasim: shard %llu/%llu is missing (its runs r with r %% %llu = %llu are a gap)\n", k,
				(unsigned long long)sh[0].sn, (unsigned long long)sh[0].sn, k);
			return false;
		}
	}
	return true;
}

/* The sweep, exactly as the shards ran it: shard 0's sweep.ini with the
 * --set options of its manifest. */
static struct sweep *load_sweep(const char *dir, const struct manifest *m, FILE *err)
{
	char *cp = sweep_path(dir, "sweep.ini");
	struct diag d = { 0 };
	struct sweep *sw = NULL;
	char *text = textfile_read(cp, NULL, &d);

	if (text)
		sw = sweep_parse(m->path, text, (const char *const *)m->sets, m->nsets, &d);
	diag_print(&d, text ? m->path : cp, err); /* escaped: the sweep file is input text */
	diag_free(&d);
	if (sw && (sw->hash != m->hash || sw->nruns != m->runs)) {
		fprintf(err, "kasim: %s does not match its manifest\n", cp);
		sweep_free(sw);
		sw = NULL;
	}
	free(text);
	free(cp);
	return sw;
}

/* ---- the shards' results ------------------------------------------------------------ */

enum result_line { RL_OK, RL_TORN, RL_FOREIGN, RL_TWICE };

/* A line of shard m's results-partial.csv (buf n bytes): a run of the shard
 * into r, or why not. */
static enum result_line result_line(const char *line, const struct text_line *l, size_t n,
				    const struct sweep *sw, const struct manifest *m, struct run_result *r)
{
	if (!l->ended)
		return RL_TORN;
	if (l->nul || l->len >= n || !run_record_parse(line, r) || r->run >= sw->nruns || r->run % m->sn != m->si ||
	    r->seed != sweep_run_seed(sw->seed, r->run))
		return RL_FOREIGN;
	return RL_OK;
}

static void line_refused(FILE *err, const char *path, size_t lineno, enum result_line why, uint64_t run,
			 const struct manifest *m)
{
	if (why == RL_TORN)
		fprintf(err, "kasim: %s:%zu: truncated line\n", path, lineno);
	else if (why == RL_TWICE)
		fprintf(err, "kasim: %s:%zu: run %llu appears twice\n", path, lineno, (unsigned long long)run);
	else
		fprintf(err, "kasim: %s:%zu: not a run of shard %llu/%llu of this sweep\n", path, lineno,
			(unsigned long long)m->si, (unsigned long long)m->sn);
}

/* Read dir's results-partial.csv (shard m) into res and seen, a line at a
 * time: each line a run of the shard, none twice, the file the one its
 * manifest describes. */
static bool read_results(const char *dir, const struct manifest *m, const struct sweep *sw,
			 struct run_result *res, bool *seen, FILE *err)
{
	char *pp = sweep_path(dir, "results-partial.csv"), line[RUN_LINE_MAX];
	FILE *fp = fopen(pp, "rb");
	struct text_line l;
	struct run_result r = { 0 };
	enum result_line why = RL_OK;
	uint64_t len = 0;
	uint32_t crc = 0;
	size_t lineno = 0;

	if (!fp) {
		fprintf(err, "kasim: %s: shard %llu/%llu is not finished (no results-partial.csv; run it again with "
			     "--resume)\n", dir, (unsigned long long)m->si, (unsigned long long)m->sn);
		free(pp);
		return false;
	}
	while (why == RL_OK && textfile_getline(fp, line, sizeof line, &l)) {
		lineno++;
		why = result_line(line, &l, sizeof line, sw, m, &r);
		if (why == RL_OK && seen[r.run])
			why = RL_TWICE;
		else if (why == RL_OK)
			seen[r.run] = true, res[r.run] = r;
		crc = crc32c(crc32c(crc, line, l.len), "\n", 1);
		len += l.len + 1;
	}
	if (why != RL_OK)
		line_refused(err, pp, lineno, why, r.run, m);
	else if (l.error)
		fprintf(err, "kasim: cannot read %s: %s\n", pp, strerror(errno ? errno : EIO));
	/* every line is a run of this shard; are they the ones it wrote? */
	bool ok = why == RL_OK && !l.error && results_match(pp, (size_t)len, crc, m, err);
	fclose(fp);
	free(pp);
	return ok;
}

/* Every shard's results into res (seen: which runs), no run missing. */
static bool read_all_results(const char *const *dirs, size_t ndirs, const struct manifest *sh,
			     const struct sweep *sw, struct run_result *res, bool *seen, FILE *err)
{
	for (size_t i = 0; i < ndirs; i++)
		if (!read_results(dirs[i], &sh[i], sw, res, seen, err))
			return false;
	for (uint64_t r = 0; r < sw->nruns; r++)
		if (!seen[r]) {
			fprintf(err, "kasim: run %llu (shard %llu/%llu) is missing: a gap\n", (unsigned long long)r,
				(unsigned long long)(r % sh[0].sn), (unsigned long long)sh[0].sn);
			return false;
		}
	return true;
}

/* ---- the merged directory ----------------------------------------------------------- */

/* manifest, sweep.ini and every output, one commit. */
static int write_merged(const char *out, const struct sweep *sw, const struct run_result *res, bool do_render,
			FILE *err)
{
	char msg[600];
	bool no_gnuplot = false;
	int rc = 1;
	struct outdir *od = outdir_open(out, msg, sizeof msg);

	if (!od) {
		fprintf(err, "kasim: %s\n", msg);
		return 1;
	}
	char *man = sweep_manifest(sw, 0, 1, NULL, 0);
	if (outdir_write(od, "sweep.ini", sw->text, strlen(sw->text)) || outdir_write(od, "manifest", man, strlen(man)))
		fprintf(err, "kasim: %s\n", outdir_error(od));
	else if (!sweep_stage_outputs(od, sw, res, do_render, &no_gnuplot, err))
		rc = sweep_commit_outputs(od, no_gnuplot, err);
	free(man);
	outdir_free(od);
	return rc;
}

int sweep_merge(const char *const *dirs, size_t ndirs, const char *out, bool do_render, FILE *err)
{
	struct manifest *sh = calloc(ndirs, sizeof(*sh));
	struct sweep *sw = NULL;
	struct run_result *res = NULL;
	bool *seen = NULL;
	int rc = 2;

	if (!sh)
		return 1;
	if (out_is_a_shard(out, dirs, ndirs, err) || !shards_complete(dirs, ndirs, sh, err) ||
	    !(sw = load_sweep(dirs[0], &sh[0], err)))
		goto out;
	res = calloc(sw->nruns, sizeof(*res));
	seen = calloc(sw->nruns, sizeof(*seen));
	if (!res || !seen) {
		fputs("kasim: out of memory\n", err);
		rc = 1;
	} else if (read_all_results(dirs, ndirs, sh, sw, res, seen, err)) {
		rc = write_merged(out, sw, res, do_render, err);
	}
out:
	for (size_t i = 0; i < ndirs; i++)
		manifest_free(&sh[i]);
	free(sh);
	free(res);
	free(seen);
	sweep_free(sw);
	return rc;
}
