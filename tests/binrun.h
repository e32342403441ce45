/*
 * binrun.h - the tests' one way to run a program: the sanitised kasim binary
 * (KASIM_BIN, set by `make test`) or any other (gnuplot, tshark, sh, git) as a
 * child process, with its exit status, stdout and stderr collected; plus the
 * small file helpers the CLI tests share. Scenarios are found under KASIM_ROOT.
 *
 * A child can be given a working directory, environment overrides, a file as
 * stdin (else /dev/null) and a time limit: a child still running at its limit
 * is killed (SIGKILL) and the result says so. Tests use the limit instead of
 * Criterion's .timeout, which leaks under -j2.
 */
#ifndef KASIM_TEST_BINRUN_H
#define KASIM_TEST_BINRUN_H

#include <criterion/criterion.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* snprintf that must not truncate (the test fails if it would). */
#define SNP(buf, ...) cr_assert_lt((size_t)snprintf(buf, sizeof buf, __VA_ARGS__), sizeof buf, "path too long")

/* What a child did. */
struct cmd {
	int status;       /* exit status, or 128 + signal */
	int signal;       /* the signal that ended it, or 0 */
	bool killed;      /* killed by its time limit */
	double secs;      /* wall time from start to end */
	char *out, *err;  /* NUL-terminated, malloc'd */
	size_t outlen, errlen;
};

/* How to run it (a NULL struct cmd_opts * means all defaults). */
struct cmd_opts {
	const char *cwd;             /* NULL: the test's own */
	const char *const *env;      /* NULL-terminated; "NAME=VALUE" sets, "NAME" unsets */
	const char *in;              /* stdin from this file; NULL: /dev/null */
	double limit;                /* seconds; killed when still running then; 0: no limit */
};

/* A started child (for tests that signal it while it runs). */
struct proc {
	pid_t pid;
	double t0, limit;
	char *dir;        /* holds its out and err */
};

/* Start prog (NULL: $KASIM_BIN; else looked up in PATH) with argv (argv[0] is
 * the name it sees; NULL-terminated). kasim always runs with NO_COLOR unset. */
void proc_start(struct proc *p, const char *prog, const char *const *argv, const struct cmd_opts *o);
/* Wait for it (killing it at its limit) and collect what it did. */
struct cmd proc_wait(struct proc *p);
/* Both. */
struct cmd cmd_run(const char *prog, const char *const *argv, const struct cmd_opts *o);
void cmd_free(struct cmd *c);

/* kasim with args (NULL-terminated, argv[0] not included). */
struct cmd kasim_v(const char *const *args, const struct cmd_opts *o);
#define KASIM(...) kasim_v((const char *const[]){__VA_ARGS__, NULL}, NULL)
#define KASIM_WITH(opts, ...) kasim_v((const char *const[]){__VA_ARGS__, NULL}, (opts))
/* The same with an array of nargs arguments, into *c. */
void kasim_run(const char *const *args, size_t nargs, struct cmd *c);
/* sh -c script; its exit status (stdout and stderr dropped). */
int sh(const char *script);

/* $KASIM_BIN; fails the test when unset. */
const char *kasim_bin(void);
/* $KASIM_ROOT/rel (malloc'd); fails the test when KASIM_ROOT is unset. */
char *root_path(const char *rel);
/* $KASIM_ROOT/scenarios/name (malloc'd). */
char *scenario_file(const char *name);

/* ---- files ------------------------------------------------------------------ */

/* The whole file (malloc'd, NUL-terminated; its length into *len unless NULL),
 * or NULL when it cannot be opened. */
char *slurp(const char *path, size_t *len);
/* A fresh /tmp/kasim-test-XXXXXX (malloc'd). */
char *make_tmpdir(void);
void write_file(const char *path, const char *text);
bool file_exists(const char *path);
long file_size(const char *path);
/* Write text into a fresh temporary directory as file name; returns the path
 * (malloc'd). tmp_remove() deletes the file and its directory. */
char *tmp_write(const char *name, const char *text);
void tmp_remove(char *path);
/* rm -rf dir. */
void rm_rf(const char *dir);
/* kasim sweep ini (with --no-render) into a fresh directory, which must
 * succeed; the text of its report file (e.g. "recommendation.txt", malloc'd),
 * the directory removed. */
char *sweep_report(const char *ini, const char *file);
/* Number of directory entries (files and subdirectories) whose name contains
 * part (NULL = all), recursively. */
int count_entries(const char *dir, const char *part);
/* name is an executable in PATH. */
bool have_program(const char *name);

#endif
