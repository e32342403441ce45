/*
 * fuzz_input.h - how the libFuzzer targets of tests/fuzz/ read their input.
 *
 * An input is the text of a file, optionally followed by a NUL byte and
 * --set overrides, one per line:
 *
 *     [A]\nso_keepalive = on\n \0 A.tcp_keepidle=60\nlink.delay=20ms
 *
 * so that the fuzzer reaches the --set path with the same bytes it mutates
 * (without a NUL the whole input is the file). Nothing touches the file
 * system: the loaders parse from memory.
 */
#ifndef KASIM_FUZZ_INPUT_H
#define KASIM_FUZZ_INPUT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define FUZZ_MAX_SETS 16

struct fuzz_input {
	char *buf;                      /* the input, NUL-terminated, split in place */
	const char *text;               /* the file's text (up to the first NUL) */
	const char *sets[FUZZ_MAX_SETS];
	size_t nsets;
};

/* Split data (not NUL-terminated) into in; false when out of memory. */
static inline int fuzz_input_split(struct fuzz_input *in, const uint8_t *data, size_t size)
{
	in->buf = malloc(size + 1);
	if (!in->buf)
		return 0;
	memcpy(in->buf, data, size);
	in->buf[size] = '\0';
	in->text = in->buf;
	in->nsets = 0;
	size_t tl = strlen(in->buf);
	if (tl == size)
		return 1;
	/* after the first NUL: one --set per line (further NULs end a line too) */
	char *p = in->buf + tl + 1, *end = in->buf + size;
	while (p < end && in->nsets < FUZZ_MAX_SETS) {
		char *q = p;
		while (q < end && *q != '\n' && *q != '\0')
			q++;
		*q = '\0';
		in->sets[in->nsets++] = p;
		p = q + 1;
	}
	return 1;
}

/* A loader's contract: a result never comes with errors, a refusal always
 * does, and every message has text. Anything else is a finding. */
static inline void fuzz_check_result(const void *loaded, const struct diag *d)
{
	if ((loaded != NULL) == (d->n != 0))
		__builtin_trap();
	for (size_t i = 0; i < d->n; i++)
		if (!d->msg[i] || !d->msg[i][0])
			__builtin_trap();
}

static inline void fuzz_input_free(struct fuzz_input *in)
{
	free(in->buf);
	in->buf = NULL;
}

#endif
