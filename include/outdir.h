/*
 * outdir.h - the output directory (-o DIR): every file is written under a
 * temporary name in its final directory and renamed into place only when the
 * whole run succeeded, so an interrupted run never leaves a half-written file.
 *
 * Names are relative to DIR and checked: each path component is one or more
 * of [A-Za-z0-9._-], never "." or "..", never absolute, so nothing derived
 * from a scenario can make kasim write outside DIR. Temporary names are
 * ".FINAL.kasim-tmp-PID-N" next to the final file; outdir_discard() (run on
 * error, and on SIGINT/SIGTERM/SIGHUP, which cli.c blocks while it writes and
 * polls between slices of the simulation) removes them. Only SIGKILL or a
 * power cut can leave such a hidden temporary behind, never a file under a
 * final name that is incomplete.
 *
 * One struct outdir per run; no global state.
 */
#ifndef KASIM_OUTDIR_H
#define KASIM_OUTDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct outdir;

/* Create DIR (mkdir -p, mode 0777 & ~umask) and return a handle, or NULL with
 * a message ("cannot create out/x: Permission denied") in err. */
struct outdir *outdir_open(const char *dir, char *err, size_t n);
const char *outdir_dir(const struct outdir *od);
/* The first error seen (empty if none). */
const char *outdir_error(const struct outdir *od);

/* true when rel is a safe relative name: components of [A-Za-z0-9._-],
 * none "." or "..", no leading '/', no empty component. */
bool outdir_name_ok(const char *rel);
/* true when name can be one directory component ([A-Za-z0-9._-]+, not "."/".."). */
bool outdir_component_ok(const char *name);

/* Open DIR/rel for writing under its temporary name (subdirectories are
 * created). NULL on error (see outdir_error). The FILE stays the caller's. */
FILE *outdir_fopen(struct outdir *od, const char *rel);
/* fflush + fclose a FILE from outdir_fopen; a failure is remembered and makes
 * outdir_commit() fail. Returns 0 or -1. */
int outdir_fclose(struct outdir *od, FILE *f);
/* The FILE was closed by someone else (e.g. pcap_dump_close); ok says whether
 * everything was written. */
void outdir_closed(struct outdir *od, FILE *f, bool ok);

/* For a file another program writes (gnuplot): the temporary path (relative
 * to the working directory, or to DIR/<dir of rel> when base_only) that the
 * program should create. Returns a handle >= 0, or -1. The path is copied to
 * tmp. */
int outdir_reserve(struct outdir *od, const char *rel, char *tmp, size_t n, bool base_only);
/* The program finished: keep the file if it exists and is not empty. */
void outdir_reserved_done(struct outdir *od, int handle, bool ok);

/* Rename every finished file to its final name. Fails (-1, nothing renamed)
 * if any file failed or is still open. */
int outdir_commit(struct outdir *od);
/* Remove every temporary that was not committed. */
void outdir_discard(struct outdir *od);
/* outdir_discard() and free. NULL is fine. */
void outdir_free(struct outdir *od);

#endif
