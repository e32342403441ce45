/*
 * binrun.c - see binrun.h.
 */
#include "binrun.h"

#include <errno.h>
#include <time.h>

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *kasim_bin(void)
{
	const char *b = getenv("KASIM_BIN");
	cr_assert(b && *b, "KASIM_BIN is not set (run the tests with make test)");
	return b;
}

char *root_path(const char *rel)
{
	const char *r = getenv("KASIM_ROOT");
	cr_assert(r && *r, "KASIM_ROOT is not set (run the tests with make test)");
	char *p = NULL;
	cr_assert_geq(asprintf(&p, "%s/%s", r, rel), 0);
	return p;
}

char *scenario_file(const char *name)
{
	char *rel = NULL;
	cr_assert_geq(asprintf(&rel, "scenarios/%s", name), 0);
	char *p = root_path(rel);
	free(rel);
	return p;
}

/* In the child: the environment overrides, then the descriptors. */
static void child_setup(const char *dir, const struct cmd_opts *o, bool is_kasim)
{
	char outp[4096], errp[4096];
	snprintf(outp, sizeof outp, "%s/out", dir);
	snprintf(errp, sizeof errp, "%s/err", dir);
	int in = open(o && o->in ? o->in : "/dev/null", O_RDONLY);
	int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (in < 0 || fo < 0 || fe < 0 || dup2(in, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
		_exit(126);
	if (o && o->cwd && chdir(o->cwd) != 0)
		_exit(126);
	if (is_kasim)
		unsetenv("NO_COLOR");
	for (const char *const *e = o && o->env ? o->env : NULL; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq) {
			unsetenv(*e);
			continue;
		}
		char name[256];
		snprintf(name, sizeof name, "%.*s", (int)(eq - *e), *e);
		setenv(name, eq + 1, 1);
	}
}

void proc_start(struct proc *p, const char *prog, const char *const *argv, const struct cmd_opts *o)
{
	bool is_kasim = prog == NULL;
	const char *path = is_kasim ? kasim_bin() : prog;
	p->dir = make_tmpdir();
	p->limit = o ? o->limit : 0;
	fflush(NULL);
	p->t0 = mono_now();
	p->pid = fork();
	cr_assert_geq(p->pid, 0, "fork: %s", strerror(errno));
	if (p->pid == 0) {
		child_setup(p->dir, o, is_kasim);
		execvp(path, (char *const *)argv);
		_exit(127);
	}
}

/* Wait for the child; at its limit, kill it. */
static int wait_limited(struct proc *p, bool *killed)
{
	int st;
	for (;;) {
		pid_t w = waitpid(p->pid, &st, p->limit > 0 ? WNOHANG : 0);
		if (w == p->pid)
			return st;
		cr_assert(w == 0 || errno == EINTR, "waitpid: %s", strerror(errno));
		if (w == 0 && mono_now() - p->t0 >= p->limit) {
			kill(p->pid, SIGKILL); /* our own child, still running */
			*killed = true;
			p->limit = 0;          /* now wait for it to go */
		} else if (w == 0) {
			usleep(10000);
		}
	}
}

struct cmd proc_wait(struct proc *p)
{
	struct cmd c = {0};
	int st = wait_limited(p, &c.killed);
	c.secs = mono_now() - p->t0;
	c.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	c.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + c.signal;
	char f[4096];
	SNP(f, "%s/out", p->dir);
	c.out = slurp(f, &c.outlen);
	cr_assert_not_null(c.out, "cannot read %s", f);
	unlink(f);
	SNP(f, "%s/err", p->dir);
	c.err = slurp(f, &c.errlen);
	cr_assert_not_null(c.err, "cannot read %s", f);
	unlink(f);
	rmdir(p->dir);
	free(p->dir);
	p->dir = NULL;
	return c;
}

struct cmd cmd_run(const char *prog, const char *const *argv, const struct cmd_opts *o)
{
	struct proc p;
	proc_start(&p, prog, argv, o);
	return proc_wait(&p);
}

void cmd_free(struct cmd *c)
{
	free(c->out);
	free(c->err);
	memset(c, 0, sizeof(*c));
}

struct cmd kasim_v(const char *const *args, const struct cmd_opts *o)
{
	size_t n = 0;
	while (args[n])
		n++;
	struct cmd c;
	const char **argv = calloc(n + 2, sizeof(*argv));
	cr_assert_not_null(argv);
	argv[0] = "kasim";
	memcpy(argv + 1, args, n * sizeof(*argv));
	c = cmd_run(NULL, argv, o);
	free(argv);
	return c;
}

void kasim_run(const char *const *args, size_t nargs, struct cmd *c)
{
	const char **a = calloc(nargs + 1, sizeof(*a));
	cr_assert_not_null(a);
	if (nargs)
		memcpy(a, args, nargs * sizeof(*a));
	*c = kasim_v(a, NULL);
	free(a);
}

int sh(const char *script)
{
	struct cmd c = cmd_run("sh", (const char *const[]){"sh", "-c", script, NULL}, NULL);
	int st = c.status;
	cmd_free(&c);
	return st;
}

/* ---- files ------------------------------------------------------------------ */

char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0, k;
	char *b = malloc(cap + 1);
	cr_assert_not_null(b);
	while ((k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			b = realloc(b, (cap *= 2) + 1);
			cr_assert_not_null(b);
		}
	}
	fclose(f);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}

char *make_tmpdir(void)
{
	char *d = strdup("/tmp/kasim-test-XXXXXX");
	cr_assert_not_null(d);
	cr_assert_not_null(mkdtemp(d), "mkdtemp: %s", strerror(errno));
	return d;
}

void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0, "cannot write %s", path);
}

bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

char *tmp_write(const char *name, const char *text)
{
	char *d = make_tmpdir(), *p = NULL;
	cr_assert_geq(asprintf(&p, "%s/%s", d, name), 0);
	free(d);
	write_file(p, text);
	return p;
}

void tmp_remove(char *path)
{
	if (!path)
		return;
	unlink(path);
	char *slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		rmdir(path);
	}
	free(path);
}

void rm_rf(const char *dir)
{
	struct cmd c = cmd_run("rm", (const char *const[]){"rm", "-rf", "--", dir, NULL}, NULL);
	cr_assert_eq(c.status, 0, "rm -rf %s: %s", dir, c.err);
	cmd_free(&c);
}

char *sweep_report(const char *ini, const char *file)
{
	char *dir = make_tmpdir(), *out = NULL, *path = NULL;
	cr_assert_geq(asprintf(&out, "%s/out", dir), 0);
	cr_assert_geq(asprintf(&path, "%s/%s", out, file), 0);
	struct cmd c = KASIM("sweep", ini, "-o", out, "--no-render", "--no-progress");
	cr_assert_eq(c.status, 0, "kasim sweep %s: %s", ini, c.err);
	char *text = slurp(path, NULL);
	cr_assert_not_null(text, "no %s", path);
	cmd_free(&c);
	rm_rf(dir);
	free(path);
	free(out);
	free(dir);
	return text;
}

int count_entries(const char *dir, const char *part)
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

bool have_program(const char *name)
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
