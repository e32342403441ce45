/*
 * outdir.h - the one writer of kasim's output files (-o DIR of a run, the
 * directory of a sweep, the output of kasim merge).
 *
 * DIR is created (mkdir -p) and opened once with O_DIRECTORY|O_NOFOLLOW;
 * every other file and directory is reached with openat/mkdirat/renameat
 * relative to that descriptor, never by path: a symlink as DIR, as a
 * subdirectory (DIR/plots) or at a final name is refused, so nothing outside
 * DIR is ever created or modified.
 *
 * Files are written into a private staging directory DIR/.kasim-tmp-<random
 * 64 bits> (mode 0700, created exclusively) under their final names, each
 * opened O_CREAT|O_EXCL|O_NOFOLLOW. outdir_commit() checks that every file
 * was written completely, fsyncs each one, renames them all into place,
 * fsyncs the directories and removes the staging directory: all the files of
 * one commit appear, or none does. outdir_discard() (on error, and on
 * SIGINT/SIGTERM/SIGHUP, which cli.c blocks while it writes) removes the
 * staging directory. Only SIGKILL or a power cut can leave a hidden
 * .kasim-tmp-* directory behind, never a file under a final name that is
 * incomplete.
 *
 * Names are relative to DIR and checked: each path component is one or more
 * of [A-Za-z0-9._-], never "." or "..", never absolute.
 *
 * One struct outdir per run; no global state.
 */
#ifndef KASIM_OUTDIR_H
#define KASIM_OUTDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct outdir;

/* Create DIR (mkdir -p, mode 0777 & ~umask), open it (refused when DIR is a
 * symlink) and return a handle, or NULL with a message in err. */
struct outdir *outdir_open(const char *dir, char *err, size_t n);
const char *outdir_dir(const struct outdir *od);
/* The first error seen (empty if none). */
const char *outdir_error(const struct outdir *od);

/* true when rel is a safe relative name: components of [A-Za-z0-9._-],
 * none "." or "..", no leading '/', no empty component. */
bool outdir_name_ok(const char *rel);
/* true when name can be one directory component ([A-Za-z0-9._-]+, not "."/".."). */
bool outdir_component_ok(const char *name);

/* Open DIR/rel for writing, staged until the commit (subdirectories are
 * created). NULL on error (see outdir_error). The FILE stays the caller's. */
FILE *outdir_fopen(struct outdir *od, const char *rel);
/* fflush + fclose a FILE from outdir_fopen; a failure is remembered and makes
 * outdir_commit() fail. Returns 0 or -1. */
int outdir_fclose(struct outdir *od, FILE *f);
/* The FILE was closed by someone else (e.g. pcap_dump_close); ok says whether
 * everything was written. */
void outdir_closed(struct outdir *od, FILE *f, bool ok);
/* A whole file from memory (outdir_fopen + fwrite + outdir_fclose): 0 or -1. */
int outdir_write(struct outdir *od, const char *rel, const void *data, size_t len);

/* For files another program writes (gnuplot): the descriptor of the staging
 * copy of directory dir ("plots"), where that program runs and writes the
 * files under their final names; -1 on error. Not to be closed. */
int outdir_workdir(struct outdir *od, const char *dir);
/* Announce such a file DIR/rel: a handle >= 0, or -1. */
int outdir_reserve(struct outdir *od, const char *rel);
/* Checks a finished file (open read-only as fd); false with a reason. */
typedef bool (*outdir_check)(int fd, const char *name, char *why, size_t n);
/* The program finished: with ok, the file must exist and pass check (NULL:
 * exist), else it is an error that makes outdir_commit() fail. Without ok
 * the file is dropped quietly (the caller reports why). */
void outdir_reserved_done(struct outdir *od, int handle, bool ok, outdir_check check);

/* Commit every file written since the last commit (see above). Fails (-1,
 * nothing renamed) if any file failed, is still open, or its final name is
 * a symlink. The handle stays usable for later files. */
int outdir_commit(struct outdir *od);
/* Remove every file that was not committed. */
void outdir_discard(struct outdir *od);
/* outdir_discard() and free. NULL is fine. */
void outdir_free(struct outdir *od);

/* An append-only file written in place (a journal): opened O_APPEND|O_CREAT|
 * O_NOFOLLOW relative to DIR (read-write, so it can be truncated). The fd is
 * the caller's; -1 on error (see outdir_error). */
int outdir_append(struct outdir *od, const char *rel);

#endif
