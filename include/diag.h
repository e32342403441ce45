/*
 * diag.h - the diagnostics layer of kasim's input files (scenario and sweep
 * files, --set arguments): every error is collected, never only the first,
 * each as "FILE:LINE: what is wrong (what is valid)", and printed at once.
 *
 * Also the one did-you-mean (diag_suggest) and the one "valid: a, b, c"
 * list (diag_join) every parser uses, so a typo gets the same suggestion
 * wherever it is made.
 */
#ifndef KASIM_DIAG_H
#define KASIM_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Collected error messages: the first DIAG_MAX are stored, the others only
 * counted (a garbage file of a million lines costs no memory per line). */
#define DIAG_MAX 20
struct diag {
	char **msg;
	size_t n, cap;
	size_t dropped;   /* messages beyond DIAG_MAX, counted only */
};
void diag_add(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_free(struct diag *d);
/* Add src's messages (and its count of dropped ones) to dst. */
void diag_append(struct diag *dst, const struct diag *src);
/* Stored and dropped messages. */
size_t diag_count(const struct diag *d);
/* Print every stored message as "kasim: MESSAGE" on f, escaped for a terminal
 * (termesc.h), then "kasim: FILE: ... and N more errors" if any were dropped. */
void diag_print(const struct diag *d, const char *file, FILE *f);

/* Where a message points: a --set argument (set != NULL), else FILE:LINE, or
 * FILE alone when line is 0. */
struct diag_loc {
	const char *file;
	int line;
	const char *set;
};
/* Add "--set SET: MSG", "FILE:LINE: MSG" or "FILE: MSG" to d. */
void diag_at(struct diag *d, const struct diag_loc *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same with a va_list (for a parser's own report function). */
void diag_vat(struct diag *d, const struct diag_loc *at, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * Did you mean? The candidate closest to typed: a case-insensitive optimal
 * string alignment distance (a swap of two neighbouring letters costs 1) of
 * at most 2 and at most a third of the longer word's length, comparing also
 * with "tcp_", "net.ipv4." and "net.ipv4.tcp_" stripped from either side; or
 * typed (4+ characters) is a substring of the candidate. NULL when nothing is
 * close. Ties go to the earlier candidate.
 */
const char *diag_suggest(const char *typed, const char *const *cands, size_t n);

/* "a, b, c", each name wrapped in pre and post, into buf (truncated to size);
 * returns buf. */
const char *diag_join(char *buf, size_t size, const char *const *names, size_t n, const char *pre,
		      const char *post);

#endif
