/*
 * outdir.c - temporary names, rename on success, nothing outside DIR.
 */
#include "outdir.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum od_state { OD_OPEN, OD_READY, OD_FAILED, OD_COMMITTED, OD_RESERVED };

struct od_entry {
	char *final, *tmp;   /* both include DIR */
	FILE *f;
	enum od_state state;
};

struct outdir {
	char *dir;
	struct od_entry *e;
	size_t n, cap;
	unsigned long serial;
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

/* mkdir -p path (every prefix); 0 or errno. */
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

struct outdir *outdir_open(const char *dir, char *err, size_t n)
{
	if (!dir || !dir[0]) {
		snprintf(err, n, "the output directory name is empty");
		return NULL;
	}
	int rc = mkdir_p(dir);
	if (rc) {
		snprintf(err, n, "cannot create directory %s: %s", dir, strerror(rc));
		return NULL;
	}
	struct outdir *od = calloc(1, sizeof(*od));
	if (!od || !(od->dir = strdup(dir))) {
		free(od);
		snprintf(err, n, "out of memory");
		return NULL;
	}
	size_t l = strlen(od->dir);
	while (l > 1 && od->dir[l - 1] == '/')
		od->dir[--l] = '\0';
	return od;
}

const char *outdir_dir(const struct outdir *od) { return od->dir; }
const char *outdir_error(const struct outdir *od) { return od->err; }

static char *path_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", a, b);
	return p;
}

/* A new entry for rel: final and temporary names, parent directory made. */
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
	e->final = path_join(od->dir, rel);
	const char *slash = strrchr(rel, '/');
	size_t dlen = slash ? (size_t)(slash - rel) : 0;
	const char *base = slash ? slash + 1 : rel;
	char tmpbase[320];
	snprintf(tmpbase, sizeof tmpbase, "%.*s%s.%s.kasim-tmp-%ld-%lu", (int)dlen, rel, dlen ? "/" : "",
		 base, (long)getpid(), ++od->serial);
	e->tmp = path_join(od->dir, tmpbase);
	if (!e->final || !e->tmp) {
		free(e->final);
		free(e->tmp);
		od_fail(od, "out of memory");
		return NULL;
	}
	if (dlen) {
		char *sub = strdup(e->final);
		if (sub) {
			*strrchr(sub, '/') = '\0';
			int rc = mkdir_p(sub);
			if (rc)
				od_fail(od, "cannot create directory %s: %s", sub, strerror(rc));
			free(sub);
			if (rc) {
				free(e->final);
				free(e->tmp);
				return NULL;
			}
		}
	}
	od->n++;
	return e;
}

FILE *outdir_fopen(struct outdir *od, const char *rel)
{
	struct od_entry *e = od_add(od, rel);
	if (!e)
		return NULL;
	e->f = fopen(e->tmp, "wbx");
	if (!e->f) {
		od_fail(od, "cannot create %s: %s", e->final, strerror(errno));
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
		od_fail(od, "error writing %s", e->final);
}

int outdir_fclose(struct outdir *od, FILE *f)
{
	if (!f)
		return -1;
	struct od_entry *e = find_open(od, f);
	bool ok = fflush(f) == 0 && !ferror(f);
	int saved = errno;
	ok = (fclose(f) == 0) && ok;
	if (e && !ok)
		od_fail(od, "error writing %s: %s", e->final, strerror(saved ? saved : errno));
	if (e) {
		e->f = NULL;
		e->state = ok ? OD_READY : OD_FAILED;
	}
	return ok ? 0 : -1;
}

int outdir_reserve(struct outdir *od, const char *rel, char *tmp, size_t n, bool base_only)
{
	struct od_entry *e = od_add(od, rel);
	if (!e)
		return -1;
	e->state = OD_RESERVED;
	const char *p = e->tmp;
	if (base_only)
		p = strrchr(e->tmp, '/') + 1;
	snprintf(tmp, n, "%s", p);
	return (int)(e - od->e);
}

void outdir_reserved_done(struct outdir *od, int h, bool ok)
{
	if (h < 0 || (size_t)h >= od->n || od->e[h].state != OD_RESERVED)
		return;
	struct od_entry *e = &od->e[h];
	struct stat st;
	if (ok && stat(e->tmp, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if (rename(e->tmp, e->final) == 0) {
			e->state = OD_COMMITTED;
			return;
		}
		od_fail(od, "cannot rename %s to %s: %s", e->tmp, e->final, strerror(errno));
	}
	unlink(e->tmp);
	e->state = OD_FAILED;
}

int outdir_commit(struct outdir *od)
{
	for (size_t i = 0; i < od->n; i++) {
		if (od->e[i].state == OD_OPEN) {
			od_fail(od, "internal error: %s is still open", od->e[i].final);
			return -1;
		}
		if (od->e[i].state == OD_FAILED && od->err[0])
			return -1;
	}
	if (od->err[0])
		return -1;
	for (size_t i = 0; i < od->n; i++) {
		struct od_entry *e = &od->e[i];
		if (e->state != OD_READY)
			continue;
		if (rename(e->tmp, e->final) != 0) {
			od_fail(od, "cannot rename %s to %s: %s", e->tmp, e->final, strerror(errno));
			return -1;
		}
		e->state = OD_COMMITTED;
	}
	return 0;
}

void outdir_discard(struct outdir *od)
{
	if (!od)
		return;
	for (size_t i = 0; i < od->n; i++)
		if (od->e[i].state != OD_COMMITTED)
			unlink(od->e[i].tmp);
}

void outdir_free(struct outdir *od)
{
	if (!od)
		return;
	outdir_discard(od);
	for (size_t i = 0; i < od->n; i++) {
		if (od->e[i].f && od->e[i].state == OD_OPEN)
			fclose(od->e[i].f);
		free(od->e[i].final);
		free(od->e[i].tmp);
	}
	free(od->e);
	free(od->dir);
	free(od);
}
