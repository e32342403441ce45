/*
 * gnuplot.c - quoting for gnuplot, the gnuplot runner, rendered-file checks.
 */
#include "gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "outdir.h"
#include "scenario.h"
#include "termesc.h"
#include "textfile.h"

extern char **environ;

/* ---- quoting --------------------------------------------------------------- */

/* Length of a valid UTF-8 sequence at s (1..4), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (!n || s[0] == 0xc0 || s[0] == 0xc1 || s[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* The replacement of the character at p (consumed: *len bytes) in rep. */
static void quote_char(const unsigned char *p, size_t *len, char rep[8], enum gp_quoting how)
{
	*len = 1;
	if (*p == '\'')
		strcpy(rep, how == GP_SCRIPT ? "''" : "'"); /* the only escape in single quotes */
	else if (*p == '`' || *p == '@' || *p == '$' || *p == '\\' || *p == '"')
		strcpy(rep, "_"); /* command substitution, macros, escapes, the other quote: never */
	else if (*p < 0x20 || *p == 0x7f)
		strcpy(rep, " "); /* a newline would end the command */
	else if (*p < 0x80) {
		rep[0] = (char)*p;
		rep[1] = '\0';
	} else if ((*len = utf8_len(p)) != 0) {
		memcpy(rep, p, *len);
		rep[*len] = '\0';
	} else {
		*len = 1;
		strcpy(rep, "?");
	}
}

void gp_quote(char *buf, size_t n, const char *s, enum gp_quoting how)
{
	const char q = how == GP_SCRIPT ? '\'' : '"';
	size_t o = 0;
	if (n < 3) {
		if (n)
			buf[0] = '\0';
		return;
	}
	buf[o++] = q;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		char rep[8];
		size_t len;
		quote_char(p, &len, rep, how);
		size_t rl = strlen(rep);
		if (o + rl + 2 > n)
			break;
		memcpy(buf + o, rep, rl);
		o += rl;
		p += len;
	}
	buf[o++] = q;
	buf[o] = '\0';
}

void gp_fquote(FILE *f, const char *s, enum gp_quoting how)
{
	size_t n = 2 * strlen(s) + 3; /* every byte at most doubles */
	char stack[1024], *buf = n <= sizeof stack ? stack : malloc(n);
	if (!buf) {
		fputs(how == GP_SCRIPT ? "''" : "\"\"", f);
		return;
	}
	gp_quote(buf, n, s, how);
	fputs(buf, f);
	if (buf != stack)
		free(buf);
}

/* ---- settings files ---------------------------------------------------------------- */

void gp_vars_head(FILE *f, const char *script)
{
	fprintf(f, "# The settings %s reads for this run: KEY<TAB>VALUE, read as data by gnuplot's stats\n", script);
}

void gp_var_num(FILE *f, const char *key, double v)
{
	fprintf(f, "%s\t%.10g\n", key, v);
}

void gp_var_text(FILE *f, const char *key, const char *text)
{
	fprintf(f, "%s\t", key);
	gp_fquote(f, text, GP_DATA);
	fputc('\n', f);
}

/* ---- templates ------------------------------------------------------------------- */

/* Append dir/name to the list of paths tried (escaped for a terminal); is it a file? */
static bool template_at(const char *dir, const char *name, char *path, size_t n, char *tried, size_t tn)
{
	struct stat st;
	size_t l = strlen(tried);
	snprintf(path, n, "%s/%s", dir, name);
	if (l && l + 2 < tn) {
		memcpy(tried + l, ", ", 3);
		l += 2;
	}
	if (l + 1 < tn)
		termesc(tried + l, tn - l, path);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int gp_template_find(const char *name, char *path, size_t n, char *err, size_t en)
{
	char tried[2048] = "", exe[4096], dir[4200];
	const char *env = getenv("KASIM_PLOTS");
	if (env && *env) {
		if (template_at(env, name, path, n, tried, sizeof tried))
			return 0;
		snprintf(err, en, "cannot find the gnuplot template %s (tried %s, from KASIM_PLOTS)", name, tried);
		return -1;
	}
	ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash = k > 0 ? (exe[k] = '\0', strrchr(exe, '/')) : NULL;
	if (slash) {
		*slash = '\0'; /* the binary's directory; "" for / */
		snprintf(dir, sizeof dir, "%s/plots", exe);
		if (template_at(dir, name, path, n, tried, sizeof tried))
			return 0;
		char *up = strrchr(exe, '/'); /* its parent: the prefix of PREFIX/bin */
		if (up)
			*up = '\0';
		snprintf(dir, sizeof dir, "%s/share/kasim/plots", exe);
		if (template_at(dir, name, path, n, tried, sizeof tried))
			return 0;
	}
	snprintf(err, en, "cannot find the gnuplot template %s (tried %s); set KASIM_PLOTS to the directory "
		 "that holds kasim's plots/*.gp", name, tried[0] ? tried : "/proc/self/exe: unreadable");
	return -1;
}

int gp_template_copy(struct outdir *od, const char *name, const char *rel, char *err, size_t en)
{
	/* rel is opened first: a template that cannot be read then fails the
	 * whole commit (outdir_closed), it is never silently left out */
	char path[4400];
	FILE *f = outdir_fopen(od, rel);
	if (!f) {
		snprintf(err, en, "%s", outdir_error(od));
		return -1;
	}
	struct diag d = {0};
	size_t len = 0;
	char *text = gp_template_find(name, path, sizeof path, err, en) ? NULL : textfile_read(path, &len, &d);
	if (!text) {
		if (d.n)
			snprintf(err, en, "%s", d.msg[0]);
		diag_free(&d);
		outdir_closed(od, f, false);
		fclose(f);
		return -1;
	}
	fwrite(text, 1, len, f);
	free(text);
	if (outdir_fclose(od, f)) {
		snprintf(err, en, "%s", outdir_error(od));
		return -1;
	}
	return 0;
}

/* ---- running gnuplot ---------------------------------------------------------- */

bool gnuplot_available(void)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		return false;
	char *copy = strdup(path), *save = NULL;
	bool found = false;
	if (!copy)
		return false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char p[4096];
		snprintf(p, sizeof p, "%s/gnuplot", *d ? d : ".");
		struct stat st;
		found = stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
	}
	free(copy);
	return found;
}

int gnuplot_run(int dirfd, const char *where, const char *script, int outfd, char *err, size_t n)
{
	char *argv[] = {"gnuplot", "-d", (char *)script, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addfchdir_np(&fa, dirfd);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (outfd >= 0) {
		posix_spawn_file_actions_adddup2(&fa, outfd, STDOUT_FILENO);
		posix_spawn_file_actions_adddup2(&fa, outfd, STDERR_FILENO);
	} else {
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	}
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	pid_t pid;
	int rc = posix_spawnp(&pid, "gnuplot", &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		snprintf(err, n, "cannot run gnuplot: %s", strerror(rc));
		return rc == ENOENT ? 69 : 1;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, n, "waiting for gnuplot: %s", strerror(errno));
			return 1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(err, n, "gnuplot not found");
		return 69;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, n, "gnuplot failed on %s/%s (status %d)", where, script,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return 1;
	}
	return 0;
}

/* ---- checking what gnuplot wrote --------------------------------------------------- */

static bool ends_with(const char *name, const char *ext)
{
	size_t a = strlen(name), b = strlen(ext);
	return a >= b && !strcmp(name + a - b, ext);
}

/* Read len bytes at off; false when short. */
static bool read_at(int fd, void *buf, size_t len, off_t off)
{
	ssize_t k = pread(fd, buf, len, off);
	return k == (ssize_t)len;
}

bool gnuplot_output_complete(int fd, const char *name, char *why, size_t n)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, n, "not a regular file");
		return false;
	}
	if (st.st_size == 0) {
		snprintf(why, n, "empty");
		return false;
	}
	if (ends_with(name, ".png")) {
		static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
		static const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
		unsigned char a[8], b[12];
		if (st.st_size < 20 || !read_at(fd, a, 8, 0) || memcmp(a, sig, 8)) {
			snprintf(why, n, "not a PNG");
			return false;
		}
		if (!read_at(fd, b, 12, st.st_size - 12) || memcmp(b, iend, 12)) {
			snprintf(why, n, "cut short (no IEND chunk at the end)");
			return false;
		}
	} else if (ends_with(name, ".svg")) {
		char tail[256];
		size_t k = st.st_size < (off_t)sizeof tail - 1 ? (size_t)st.st_size : sizeof tail - 1;
		if (!read_at(fd, tail, k, st.st_size - (off_t)k)) {
			snprintf(why, n, "unreadable");
			return false;
		}
		while (k && strchr(" \t\r\n", tail[k - 1]))
			k--;
		tail[k] = '\0';
		if (!ends_with(tail, "</svg>")) {
			snprintf(why, n, "cut short (does not end with </svg>)");
			return false;
		}
	}
	return true;
}
