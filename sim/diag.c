/*
 * diag.c - the diagnostics layer of the input files: collected messages with
 * their FILE:LINE, the cap of DIAG_MAX, printing, did-you-mean (diag.h).
 */
#include "diag.h"
#include "termesc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void diag_store(struct diag *d, char *m)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 8;
		char **p = realloc(d->msg, cap * sizeof(*p));
		if (!p) {
			free(m);
			return;
		}
		d->msg = p;
		d->cap = cap;
	}
	d->msg[d->n++] = m;
}

void diag_add(struct diag *d, const char *fmt, ...)
{
	va_list ap;
	char *m;

	if (d->n >= DIAG_MAX) {
		d->dropped++; /* counted, neither formatted nor stored */
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (m)
		diag_store(d, m);
}

void diag_vat(struct diag *d, const struct diag_loc *at, const char *fmt, va_list ap)
{
	char *m;

	if (d->n >= DIAG_MAX) {
		d->dropped++;
		return;
	}
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	if (at->set)
		diag_add(d, "--set %s: %s", at->set, m ? m : "out of memory");
	else if (at->line > 0)
		diag_add(d, "%s:%d: %s", at->file, at->line, m ? m : "out of memory");
	else
		diag_add(d, "%s: %s", at->file, m ? m : "out of memory");
	free(m);
}

void diag_at(struct diag *d, const struct diag_loc *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vat(d, at, fmt, ap);
	va_end(ap);
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msg[i]);
	free(d->msg);
	d->msg = NULL;
	d->n = d->cap = d->dropped = 0;
}

void diag_append(struct diag *dst, const struct diag *src)
{
	for (size_t i = 0; i < src->n; i++)
		diag_add(dst, "%s", src->msg[i]);
	dst->dropped += src->dropped;
}

size_t diag_count(const struct diag *d)
{
	return d->n + d->dropped;
}

void diag_print(const struct diag *d, const char *file, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		fputs("kasim: ", f);
		termesc_fputs(d->msg[i], f);
		fputc('\n', f);
	}
	if (d->dropped) {
		fputs("kasim: ", f);
		termesc_fputs(file, f);
		fprintf(f, ": ... and %zu more error%s\n", d->dropped, d->dropped == 1 ? "" : "s");
	}
}

/* ------------------------------------------------------------------------ */
/* Did you mean?                                                            */
/* ------------------------------------------------------------------------ */

/* Case-insensitive optimal string alignment distance (a swap costs 1). */
static int edit_distance(const char *a, const char *b)
{
	enum { L = 64 };
	size_t la = strlen(a), lb = strlen(b);
	int dist[L + 1][L + 1];

	if (la > L || lb > L)
		return 1000;
	for (size_t i = 0; i <= la; i++)
		dist[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		dist[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			int best = dist[i - 1][j - 1] + (ca != cb);
			if (dist[i - 1][j] + 1 < best)
				best = dist[i - 1][j] + 1;
			if (dist[i][j - 1] + 1 < best)
				best = dist[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && dist[i - 2][j - 2] + 1 < best)
				best = dist[i - 2][j - 2] + 1;
			dist[i][j] = best;
		}
	}
	return dist[la][lb];
}

/* s without one of the prefixes people tend to forget or add. */
static const char *strip_prefix(const char *s, int which)
{
	static const char *const prefixes[] = { "", "tcp_", "net.ipv4.", "net.ipv4.tcp_" };
	size_t n = strlen(prefixes[which]);

	return strncasecmp(s, prefixes[which], n) ? NULL : s + n;
}

/* The distance of typed to cand, prefixes stripped; 1000 when not close. */
static int distance(const char *typed, const char *cand)
{
	int d = 1000;

	for (int p = 0; p < 4; p++) {
		const char *c = strip_prefix(cand, p);
		for (int q = 0; c && q < 4; q++) {
			const char *t = strip_prefix(typed, q);
			if (t && *t && *c) {
				size_t longer = strlen(t) > strlen(c) ? strlen(t) : strlen(c);
				int e = edit_distance(t, c);
				if (e < d && (size_t)e * 3 <= longer)
					d = e; /* "nat" is not a typo of "A" */
			}
		}
	}
	return d;
}

const char *diag_suggest(const char *typed, const char *const *cands, size_t n)
{
	const char *best = NULL;
	int bestd = 3;
	size_t tlen = strlen(typed);

	for (size_t i = 0; i < n; i++) {
		int d = distance(typed, cands[i]);
		if (d > 2 && tlen >= 4 && strcasestr(cands[i], typed))
			d = 2;
		if (d < bestd) {
			best = cands[i];
			bestd = d;
		}
	}
	return best;
}

const char *diag_join(char *buf, size_t size, const char *const *names, size_t n, const char *pre,
		      const char *post)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		int w = snprintf(buf + len, size - len, "%s%s%s%s", i ? ", " : "", pre, names[i], post);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}
