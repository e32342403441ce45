/*
 * termesc.c - escape input text for a terminal or a log (see termesc.h).
 */
#include "termesc.h"

#include <stdint.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (2..4), 0 if there is none. C1
 * controls (U+0080..U+009F) count as invalid: they are escaped. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		cp = s[0] & 0x1Fu;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		cp = s[0] & 0x0Fu;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0; /* also stops at the NUL */
		cp = cp << 6 | (s[i] & 0x3Fu);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF, C1 controls */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) ||
	    cp > 0x10FFFF || cp <= 0x9F)
		return 0;
	return n;
}

/* Append len bytes of p to buf at *at (counting what does not fit). */
static void put(char *buf, size_t n, size_t *at, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++, (*at)++)
		if (*at + 1 < n)
			buf[*at] = p[i];
}

size_t termesc(char *buf, size_t n, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t at = 0;

	while (*u) {
		size_t len = utf8_len(u);
		if (len) {
			put(buf, n, &at, (const char *)u, len);
			u += len;
			continue;
		}
		if (*u >= 0x20 && *u < 0x7F)
			put(buf, n, &at, (const char *)u, 1);
		else if (*u == '\n')
			put(buf, n, &at, "\\n", 2);
		else if (*u == '\t')
			put(buf, n, &at, "\\t", 2);
		else
			put(buf, n, &at, (const char[]){ '\\', 'x', hex[*u >> 4], hex[*u & 15] }, 4);
		u++;
	}
	if (n)
		buf[at < n ? at : n - 1] = '\0';
	return at;
}

void termesc_fputs(const char *s, FILE *f)
{
	char small[512];
	size_t need = termesc(small, sizeof(small), s);

	if (need < sizeof(small)) {
		fputs(small, f);
		return;
	}
	/* long text: escape it in pieces that end on a whole input character */
	while (*s) {
		char in[72], piece[4 * sizeof(in) + 1];
		size_t take = 0;
		while (s[take] && take < 64) {
			size_t l = utf8_len((const unsigned char *)s + take);
			take += l ? l : 1;
		}
		memcpy(in, s, take);
		in[take] = '\0';
		termesc(piece, sizeof(piece), in);
		fputs(piece, f);
		s += take;
	}
}
