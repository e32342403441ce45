/*
 * binrun.h - run the sanitised kasim binary (KASIM_BIN, set by `make test`)
 * as a child process and collect its exit status, stdout and stderr.
 * Scenarios are found under KASIM_ROOT.
 */
#ifndef KASIM_TEST_BINRUN_H
#define KASIM_TEST_BINRUN_H

#include <criterion/criterion.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* snprintf that must not truncate (the test fails if it would). */
#define SNP(buf, ...) cr_assert_lt((size_t)snprintf(buf, sizeof buf, __VA_ARGS__), sizeof buf, "path too long")

struct run {
	int status;     /* exit status, or 128 + signal */
	char *out, *err;
	size_t out_len;
};

static inline const char *kasim_bin(void)
{
	const char *b = getenv("KASIM_BIN");
	cr_assert_not_null(b, "KASIM_BIN is not set (run the tests with make test)");
	return b;
}

static inline char *root_path(const char *rel)
{
	const char *r = getenv("KASIM_ROOT");
	cr_assert_not_null(r, "KASIM_ROOT is not set (run the tests with make test)");
	char *p = malloc(strlen(r) + strlen(rel) + 2);
	sprintf(p, "%s/%s", r, rel);
	return p;
}

static inline char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap + 1);
	size_t k;
	while ((k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap)
			b = realloc(b, (cap *= 2) + 1);
	}
	fclose(f);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}

static inline char *make_tmpdir(void)
{
	char *d = strdup("/tmp/kasim-test-XXXXXX");
	cr_assert_not_null(mkdtemp(d));
	return d;
}

static inline void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static inline bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static inline long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Start kasim with argv (argv[0] is replaced by KASIM_BIN) in directory cwd
 * (NULL = inherit) with PATH overridden when path != NULL. stdout and
 * stderr go to files in a fresh temporary directory. */
static inline pid_t kasim_start(char *const argv[], const char *cwd, const char *path, char **outf, char **errf)
{
	char *d = make_tmpdir();
	*outf = malloc(strlen(d) + 8);
	*errf = malloc(strlen(d) + 8);
	sprintf(*outf, "%s/out", d);
	sprintf(*errf, "%s/err", d);
	free(d);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int o = open(*outf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(*errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(o, 1);
		dup2(e, 2);
		if (cwd && chdir(cwd) != 0)
			_exit(126);
		if (path)
			setenv("PATH", path, 1);
		unsetenv("NO_COLOR");
		size_t n = 0;
		while (argv[n])
			n++;
		char **a = calloc(n + 1, sizeof(*a));
		a[0] = (char *)kasim_bin();
		for (size_t i = 1; i < n; i++)
			a[i] = argv[i];
		execv(a[0], a);
		_exit(127);
	}
	return pid;
}

static inline struct run kasim_wait(pid_t pid, char *outf, char *errf)
{
	struct run r = {0};
	int st;
	cr_assert(waitpid(pid, &st, 0) == pid);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r.out = slurp(outf, &r.out_len);
	r.err = slurp(errf, NULL);
	free(outf);
	free(errf);
	return r;
}

static inline struct run kasim_run_in(char *const argv[], const char *cwd, const char *path)
{
	char *o, *e;
	pid_t pid = kasim_start(argv, cwd, path, &o, &e);
	return kasim_wait(pid, o, e);
}

#define KASIM(...) kasim_run_in((char *const[]){"kasim", __VA_ARGS__, NULL}, NULL, NULL)

static inline void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Number of directory entries (files and subdirectories) whose name contains
 * part (NULL = all), recursively. */
static inline int count_entries(const char *dir, const char *part)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!part || strstr(e->d_name, part))
			n++;
		char sub[4096];
		SNP(sub, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			n += count_entries(sub, part);
	}
	closedir(d);
	return n;
}

static inline bool have_program(const char *name)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char *copy = strdup(path), *save = NULL;
	bool found = false;
	for (char *p = strtok_r(copy, ":", &save); p && !found; p = strtok_r(NULL, ":", &save)) {
		char f[4096];
		SNP(f, "%s/%s", p, name);
		found = access(f, X_OK) == 0;
	}
	free(copy);
	return found;
}

#endif
