/*
 * sweep_vars.c - text variables of a sweep: an axis "$NAME = VALUES" varies
 * the text ${NAME} wherever it stands in the scenario part of the sweep file,
 * for what is not a key - an event's time, size or repetition:
 *
 *   [events]
 *   0 = send A 10 every ${period}
 *   [sweep]
 *   $period = 10s..120s step 10s
 *
 * Each point's scenario is parsed from the file with ${NAME} replaced by the
 * point's value, so the scenario parser validates it as written (FILE:LINE
 * of the line that uses it). The [sweep] section itself is left as it is.
 * Substitution keeps every line where it was: a message's line number is the
 * file's.
 */
#include "priv/sweep_priv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

bool sw_var_name_ok(const char *name)
{
	if (name[0] != '$' || !name[1])
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

/* Is the line starting at l (up to its newline) the header of [sweep]?
 * *header: is it a section header at all. */
static bool sweep_header(const char *l, bool *header)
{
	while (*l == ' ' || *l == '\t')
		l++;
	*header = *l == '[';
	if (!*header)
		return false;
	l++;
	while (*l == ' ' || *l == '\t')
		l++;
	if (strncmp(l, "sweep", 5))
		return false;
	l += 5;
	while (*l == ' ' || *l == '\t')
		l++;
	return *l == ']';
}

/* The axis named "$" + the n bytes at s, or -1. */
static int var_axis(const struct sweep *sw, const char *s, size_t n)
{
	for (size_t a = 0; a < sw->naxes; a++) {
		const char *k = sw->axes[a].key;
		if (k[0] == '$' && strlen(k + 1) == n && !strncmp(k + 1, s, n))
			return (int)a;
	}
	return -1;
}

char *sw_var_text(const struct sweep *sw, const char *text, const size_t *vidx, int *bad_line, const char **bad_at)
{
	size_t cap = strlen(text) + 1, len = 0;
	char *out = malloc(cap);
	bool in_sweep = false;
	int line = 1;

	*bad_line = 0;
	if (!out)
		return NULL;
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n'), *end = nl ? nl + 1 : l + strlen(l);
		bool header, is_sweep = sweep_header(l, &header);
		if (header)
			in_sweep = is_sweep;
		for (const char *p = l; p < end;) {
			/* within this line only: a search to the end of the text
			 * would make a file of many lines quadratic */
			const char *v = in_sweep ? NULL : memmem(p, (size_t)(end - p), "${", 2), *close = NULL;
			if (v && v < end)
				close = memchr(v, '}', (size_t)(end - v));
			int a = close ? var_axis(sw, v + 2, (size_t)(close - v - 2)) : -1;
			if (!v || v >= end || !close || a < 0) {
				if (v && v < end && !*bad_line) {
					*bad_line = line; /* ${...} that names no variable */
					*bad_at = v;
				}
				const char *stop = v && v < end ? v + 2 : end;
				size_t n = (size_t)(stop - p);
				memcpy(out + len, p, n);
				len += n;
				p = stop;
				continue;
			}
			const char *val = sw->axes[a].values[vidx[a]];
			size_t pre = (size_t)(v - p), vl = strlen(val);
			if (len + pre + vl + (size_t)(end - close) + strlen(end) + 1 > cap) {
				cap = len + pre + vl + (size_t)(end - close) + strlen(end) + 1 + cap / 2;
				char *o = realloc(out, cap);
				if (!o) {
					free(out);
					return NULL;
				}
				out = o;
			}
			memcpy(out + len, p, pre);
			len += pre;
			memcpy(out + len, val, vl);
			len += vl;
			p = close + 1;
		}
		l = end;
		line++;
	}
	out[len] = '\0';
	return out;
}

bool sw_var_used(const char *text, const char *key)
{
	size_t n = strlen(key + 1);
	for (const char *v = strstr(text, "${"); v; v = strstr(v + 2, "${"))
		if (!strncmp(v + 2, key + 1, n) && v[2 + n] == '}')
			return true;
	return false;
}
