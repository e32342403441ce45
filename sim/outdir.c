/*
 * outdir.c - the one writer of output files: a directory fd opened without
 * following symlinks, a private staging directory, openat/renameat only.
 */
#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

enum od_state { OD_OPEN, OD_READY, OD_FAILED, OD_COMMITTED, OD_RESERVED, OD_DROPPED };

struct od_dir {
	char *rel;          /* "" = DIR itself, else "plots", "a/b" */
	size_t parent;      /* index of the parent (0 for DIR) */
	int fd;             /* DIR/rel, opened O_DIRECTORY|O_NOFOLLOW */
	int stage;          /* its copy in the staging directory, or -1 */
	bool dirty;         /* a file was renamed into it: fsync it */
};

struct od_entry {
	char *rel;
	size_t dir;         /* index into od->d */
	const char *base;   /* points into rel */
	FILE *f;
	enum od_state state;
};

struct outdir {
	char *dir;
	char stage_name[40]; /* ".kasim-tmp-<16 hex>", "" = none */
	struct od_dir *d;
	size_t nd;
	struct od_entry *e;
	size_t n, cap;
	char err[512];
};

static void od_fail(struct outdir *od, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void od_fail(struct outdir *od, const char *fmt, ...)
{
	if (od->err[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(od->err, sizeof od->err, fmt, ap);
	va_end(ap);
}

bool outdir_component_ok(const char *c)
{
	if (!c[0] || !strcmp(c, ".") || !strcmp(c, ".."))
		return false;
	for (; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '.' || *c == '_' || *c == '-'))
			return false;
	return true;
}

bool outdir_name_ok(const char *rel)
{
	char buf[256];
	if (!rel || !rel[0] || strlen(rel) >= sizeof buf || rel[0] == '/')
		return false;
	strcpy(buf, rel);
	char *save = NULL;
	size_t parts = 0;
	/* strtok_r would skip empty components ("a//b"): check those first */
	if (strstr(rel, "//") || rel[strlen(rel) - 1] == '/')
		return false;
	for (char *p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save), parts++)
		if (!outdir_component_ok(p))
			return false;
	return parts > 0;
}

/* mkdir -p path (every prefix; the user's own path, symlinks in it are the
 * user's choice); 0 or errno. */
static int mkdir_p(const char *path)
{
	char *p = strdup(path);
	if (!p)
		return ENOMEM;
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0777) != 0 && errno != EEXIST) {
				rc = errno;
				break;
			}
			struct stat st;
			if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
				rc = ENOTDIR;
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return rc;
}

/* Open the directory name below at (creating it), never through a symlink.
 * -1 with errno; ELOOP means a symlink was there. */
static int open_subdir(int at, const char *name, mode_t mode)
{
	if (mkdirat(at, name, mode) != 0 && errno != EEXIST)
		return -1;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOTDIR) {
		struct stat st;
		if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			errno = ELOOP;
	}
	return fd;
}

static const char *why_dir(int e) { return e == ELOOP ? "it is a symbolic link (refused)" : strerror(e); }

struct outdir *outdir_open(const char *dir, char *err, size_t n)
{
	if (!dir || !dir[0]) {
		snprintf(err, n, "the output directory name is empty");
		return NULL;
	}
	struct stat st;
	if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)) {
		snprintf(err, n, "refusing to write into %s: it is a symbolic link", dir);
		return NULL;
	}
	int rc = mkdir_p(dir);
	if (rc) {
		snprintf(err, n, "cannot create directory %s: %s", dir, strerror(rc));
		return NULL;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, n, "cannot open directory %s: %s", dir, why_dir(errno == ENOTDIR ? ELOOP : errno));
		return NULL;
	}
	struct outdir *od = calloc(1, sizeof(*od));
	if (od)
		od->d = calloc(1, sizeof(*od->d));
	if (!od || !od->d || !(od->dir = strdup(dir)) || !(od->d[0].rel = strdup(""))) {
		if (od) {
			free(od->dir);
			free(od->d);
		}
		free(od);
		close(fd);
		snprintf(err, n, "out of memory");
		return NULL;
	}
	od->d[0] = (struct od_dir){.rel = od->d[0].rel, .fd = fd, .stage = -1};
	od->nd = 1;
	size_t l = strlen(od->dir);
	while (l > 1 && od->dir[l - 1] == '/')
		od->dir[--l] = '\0';
	return od;
}

const char *outdir_dir(const struct outdir *od) { return od->dir; }
const char *outdir_error(const struct outdir *od) { return od->err; }

/* The index of directory rel (a prefix of a checked name), created and
 * opened (with its parents) when new; SIZE_MAX on error. */
static size_t od_dir(struct outdir *od, const char *rel, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 1; i < od->nd; i++)
		if (strlen(od->d[i].rel) == len && !strncmp(od->d[i].rel, rel, len))
			return i;
	const char *slash = memrchr(rel, '/', len);
	size_t parent = od_dir(od, rel, slash ? (size_t)(slash - rel) : 0);
	if (parent == SIZE_MAX)
		return SIZE_MAX;
	struct od_dir *nd = realloc(od->d, (od->nd + 1) * sizeof(*nd));
	char *r = strndup(rel, len);
	if (!nd || !r) {
		if (nd)
			od->d = nd;
		free(r);
		od_fail(od, "out of memory");
		return SIZE_MAX;
	}
	od->d = nd;
	const char *base = slash ? slash + 1 : rel;
	int fd = open_subdir(od->d[parent].fd, r + (base - rel), 0777);
	if (fd < 0) {
		od_fail(od, "cannot use directory %s/%s: %s", od->dir, r, why_dir(errno));
		free(r);
		return SIZE_MAX;
	}
	od->d[od->nd] = (struct od_dir){.rel = r, .parent = parent, .fd = fd, .stage = -1};
	return od->nd++;
}

/* The staging copy of directory i (the staging directory itself made on
 * first use: mode 0700, a random name, created exclusively). -1 on error. */
static int od_stage(struct outdir *od, size_t i)
{
	if (od->d[i].stage >= 0)
		return od->d[i].stage;
	if (i == 0) {
		for (int tries = 0; tries < 64; tries++) {
			unsigned long long r = 0;
			if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
				od_fail(od, "no random numbers for a temporary name: %s", strerror(errno));
				return -1;
			}
			snprintf(od->stage_name, sizeof od->stage_name, ".kasim-tmp-%016llx", r);
			if (mkdirat(od->d[0].fd, od->stage_name, 0700) == 0)
				break;
			if (errno != EEXIST) {
				od_fail(od, "cannot create a temporary directory in %s: %s", od->dir, strerror(errno));
				od->stage_name[0] = '\0';
				return -1;
			}
		}
		od->d[0].stage = openat(od->d[0].fd, od->stage_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (od->d[0].stage < 0)
			od_fail(od, "cannot open %s/%s: %s", od->dir, od->stage_name, strerror(errno));
		return od->d[0].stage;
	}
	int p = od_stage(od, od->d[i].parent);
	if (p < 0)
		return -1;
	const char *slash = strrchr(od->d[i].rel, '/');
	od->d[i].stage = open_subdir(p, slash ? slash + 1 : od->d[i].rel, 0700);
	if (od->d[i].stage < 0)
		od_fail(od, "cannot create a temporary directory for %s/%s: %s", od->dir, od->d[i].rel,
			strerror(errno));
	return od->d[i].stage;
}

/* Is DIR/rel a symbolic link (which kasim never writes through or replaces)? */
static bool final_is_link(struct outdir *od, const struct od_entry *e)
{
	struct stat st;
	if (fstatat(od->d[e->dir].fd, e->base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
		od_fail(od, "refusing to write %s/%s: it is a symbolic link", od->dir, e->rel);
		return true;
	}
	return false;
}

/* A new entry for rel: its directories exist, its staging directory too. */
static struct od_entry *od_add(struct outdir *od, const char *rel)
{
	if (!outdir_name_ok(rel)) {
		od_fail(od, "refusing to write '%s': not a plain name inside %s", rel, od->dir);
		return NULL;
	}
	if (od->n == od->cap) {
		size_t cap = od->cap ? 2 * od->cap : 16;
		struct od_entry *e = realloc(od->e, cap * sizeof(*e));
		if (!e) {
			od_fail(od, "out of memory");
			return NULL;
		}
		od->e = e;
		od->cap = cap;
	}
	struct od_entry *e = &od->e[od->n];
	*e = (struct od_entry){0};
	const char *slash = strrchr(rel, '/');
	size_t d = od_dir(od, rel, slash ? (size_t)(slash - rel) : 0);
	if (d == SIZE_MAX || od_stage(od, d) < 0)
		return NULL;
	if (!(e->rel = strdup(rel))) {
		od_fail(od, "out of memory");
		return NULL;
	}
	e->dir = d;
	e->base = e->rel + (slash ? (size_t)(slash - rel) + 1 : 0);
	if (final_is_link(od, e)) {
		free(e->rel);
		return NULL;
	}
	od->n++;
	return e;
}

FILE *outdir_fopen(struct outdir *od, const char *rel)
{
	struct od_entry *e = od_add(od, rel);
	if (!e)
		return NULL;
	int fd = openat(od->d[e->dir].stage, e->base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd >= 0 && !(e->f = fdopen(fd, "wb")))
		close(fd);
	if (!e->f) {
		od_fail(od, "cannot create %s/%s: %s", od->dir, rel, strerror(errno));
		e->state = OD_FAILED;
		return NULL;
	}
	e->state = OD_OPEN;
	return e->f;
}

static struct od_entry *find_open(struct outdir *od, FILE *f)
{
	for (size_t i = 0; i < od->n; i++)
		if (od->e[i].f == f && od->e[i].state == OD_OPEN)
			return &od->e[i];
	return NULL;
}

void outdir_closed(struct outdir *od, FILE *f, bool ok)
{
	struct od_entry *e = find_open(od, f);
	if (!e)
		return;
	e->f = NULL;
	e->state = ok ? OD_READY : OD_FAILED;
	if (!ok)
		od_fail(od, "error writing %s/%s", od->dir, e->rel);
}

int outdir_fclose(struct outdir *od, FILE *f)
{
	if (!f)
		return -1;
	struct od_entry *e = find_open(od, f);
	errno = 0;
	bool ok = fflush(f) == 0 && !ferror(f);
	int saved = errno;
	ok = (fclose(f) == 0) && ok;
	if (e && !ok)
		od_fail(od, "error writing %s/%s: %s", od->dir, e->rel, strerror(saved ? saved : errno ? errno : EIO));
	if (e) {
		e->f = NULL;
		e->state = ok ? OD_READY : OD_FAILED;
	}
	return ok ? 0 : -1;
}

int outdir_write(struct outdir *od, const char *rel, const void *data, size_t len)
{
	FILE *f = outdir_fopen(od, rel);
	if (!f)
		return -1;
	fwrite(data, 1, len, f);
	return outdir_fclose(od, f);
}

int outdir_reserve(struct outdir *od, const char *rel)
{
	struct od_entry *e = od_add(od, rel);
	if (!e)
		return -1;
	e->state = OD_RESERVED;
	return (int)(e - od->e);
}

int outdir_workdir(struct outdir *od, const char *dir)
{
	size_t d = od_dir(od, dir, strlen(dir));
	return d == SIZE_MAX ? -1 : od_stage(od, d);
}

void outdir_reserved_done(struct outdir *od, int h, bool ok, outdir_check check)
{
	if (h < 0 || (size_t)h >= od->n || od->e[h].state != OD_RESERVED)
		return;
	struct od_entry *e = &od->e[h];
	int dfd = od->d[e->dir].stage;
	if (!ok) {
		unlinkat(dfd, e->base, 0);
		e->state = OD_DROPPED;
		return;
	}
	char why[160] = "missing";
	int fd = openat(dfd, e->base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && (!check || check(fd, e->base, why, sizeof why)))
		e->state = OD_READY;
	else
		e->state = OD_FAILED;
	if (fd >= 0)
		close(fd);
	if (e->state == OD_FAILED) {
		unlinkat(dfd, e->base, 0);
		od_fail(od, "%s/%s was not written completely (%s; is the disk full?)", od->dir, e->rel, why);
	}
}

/* fsync DIR-stage/rel: the data is on disk before the rename makes it visible. */
static bool sync_staged(struct outdir *od, const struct od_entry *e)
{
	int fd = openat(od->d[e->dir].stage, e->base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	bool ok = fd >= 0 && fsync(fd) == 0;
	if (!ok)
		od_fail(od, "cannot write %s/%s to disk: %s", od->dir, e->rel, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Remove the files in a staging directory (what gnuplot may have left). */
static void empty_dir(int fd)
{
	int d = dup(fd);
	DIR *dp = d >= 0 ? fdopendir(d) : NULL;
	if (!dp) {
		if (d >= 0)
			close(d);
		return;
	}
	rewinddir(dp);
	struct dirent *e;
	while ((e = readdir(dp)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(fd, e->d_name, 0); /* subdirectories go in od_unstage's loop */
	closedir(dp);
}

/* Remove the staging directories, children first. */
static void od_unstage(struct outdir *od)
{
	for (size_t i = od->nd; i-- > 0;) {
		if (od->d[i].stage < 0)
			continue;
		empty_dir(od->d[i].stage);
		close(od->d[i].stage);
		od->d[i].stage = -1;
		if (i) {
			const char *slash = strrchr(od->d[i].rel, '/');
			int p = od->d[od->d[i].parent].stage;
			if (p >= 0)
				unlinkat(p, slash ? slash + 1 : od->d[i].rel, AT_REMOVEDIR);
		}
	}
	if (od->stage_name[0])
		unlinkat(od->d[0].fd, od->stage_name, AT_REMOVEDIR);
	od->stage_name[0] = '\0';
}

int outdir_commit(struct outdir *od)
{
	for (size_t i = 0; i < od->n && !od->err[0]; i++) {
		struct od_entry *e = &od->e[i];
		if (e->state == OD_OPEN || e->state == OD_RESERVED)
			od_fail(od, "internal error: %s/%s is still being written", od->dir, e->rel);
		else if (e->state == OD_FAILED)
			od_fail(od, "error writing %s/%s", od->dir, e->rel);
		else if (e->state == OD_READY && !final_is_link(od, e))
			sync_staged(od, e);
	}
	if (od->err[0])
		return -1;
	for (size_t i = 0; i < od->n; i++) {
		struct od_entry *e = &od->e[i];
		if (e->state != OD_READY)
			continue;
		if (renameat(od->d[e->dir].stage, e->base, od->d[e->dir].fd, e->base) != 0) {
			od_fail(od, "cannot rename a temporary file to %s/%s: %s", od->dir, e->rel, strerror(errno));
			return -1;
		}
		e->state = OD_COMMITTED;
		od->d[e->dir].dirty = true;
	}
	for (size_t i = 0; i < od->nd; i++)
		if (od->d[i].dirty) {
			od->d[i].dirty = false;
			if (fsync(od->d[i].fd) != 0) {
				od_fail(od, "cannot write directory %s/%s to disk: %s", od->dir, od->d[i].rel,
					strerror(errno));
				return -1;
			}
		}
	od_unstage(od);
	return 0;
}

int outdir_append(struct outdir *od, const char *rel)
{
	if (!outdir_name_ok(rel)) {
		od_fail(od, "refusing to write '%s': not a plain name inside %s", rel, od->dir);
		return -1;
	}
	const char *slash = strrchr(rel, '/');
	size_t d = od_dir(od, rel, slash ? (size_t)(slash - rel) : 0);
	if (d == SIZE_MAX)
		return -1;
	int fd = openat(od->d[d].fd, slash ? slash + 1 : rel, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0)
		od_fail(od, "cannot open %s/%s: %s", od->dir, rel, why_dir(errno));
	return fd;
}

void outdir_discard(struct outdir *od)
{
	if (!od)
		return;
	for (size_t i = 0; i < od->n; i++) {
		struct od_entry *e = &od->e[i];
		if (e->state != OD_COMMITTED && e->state != OD_DROPPED && od->d[e->dir].stage >= 0)
			unlinkat(od->d[e->dir].stage, e->base, 0);
		if (e->state != OD_COMMITTED)
			e->state = OD_DROPPED;
	}
	od_unstage(od);
}

void outdir_free(struct outdir *od)
{
	if (!od)
		return;
	for (size_t i = 0; i < od->n; i++)
		if (od->e[i].f && od->e[i].state == OD_OPEN)
			fclose(od->e[i].f);
	outdir_discard(od);
	for (size_t i = 0; i < od->n; i++)
		free(od->e[i].rel);
	for (size_t i = 0; i < od->nd; i++) {
		close(od->d[i].fd);
		free(od->d[i].rel);
	}
	free(od->d);
	free(od->e);
	free(od->dir);
	free(od);
}
