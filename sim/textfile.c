/*
 * textfile.c - bounded reading of the text files kasim reads (whole, or a
 * line at a time), and the line reader both INI front ends use (see
 * textfile.h for the limits).
 */
#include "textfile.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

/* Line number (1-based) of offset off in text. */
static size_t line_of(const char *text, size_t off)
{
	size_t line = 1;
	for (size_t i = 0; i < off; i++)
		line += text[i] == '\n';
	return line;
}

/* Up to limit (>= 1) bytes of fp into a buffer grown as needed, plus a
 * terminating NUL; stops early at a NUL byte. NULL with *err on an error. */
static char *read_bounded(FILE *fp, size_t limit, size_t *n, int *err)
{
	char *text = NULL;
	size_t cap = 0;

	*n = 0;
	while (*n < limit) {
		if (*n == cap) {
			size_t want = cap ? (cap < limit / 2 ? 2 * cap : limit) : (limit < 65536 ? limit : 65536);
			char *p = realloc(text, want + 1);
			if (!p) {
				*err = ENOMEM;
				break;
			}
			text = p;
			cap = want;
		}
		size_t got = fread(text + *n, 1, cap - *n, fp);
		*n += got;
		if (got == 0 || memchr(text + *n - got, '\0', got))
			break;
	}
	if (!*err && ferror(fp))
		*err = errno ? errno : EIO;
	if (*err) {
		free(text);
		return NULL;
	}
	text[*n] = '\0';
	return text;
}

char *textfile_load(const char *path, size_t max, struct textfile_info *info)
{
	FILE *fp = fopen(path, "rb");
	size_t n = 0;
	int err = 0;

	memset(info, 0, sizeof(*info));
	if (!fp) {
		info->fault = TEXTFILE_OPEN;
		info->err = errno;
		return NULL;
	}
	/* one byte past the limit tells "larger than" from "exactly the limit" */
	char *text = read_bounded(fp, max < SIZE_MAX ? max + 1 : max, &n, &err);
	fclose(fp);
	const char *nul = text ? memchr(text, '\0', n) : NULL;
	if (!text) {
		info->fault = TEXTFILE_READ;
		info->err = err ? err : ENOMEM;
	} else if (nul) {
		info->fault = TEXTFILE_NUL;
		info->line = line_of(text, (size_t)(nul - text));
	} else if (n > max) {
		info->fault = TEXTFILE_TOO_LARGE;
	} else {
		info->len = n;
		return text;
	}
	free(text);
	return NULL;
}

char *textfile_read(const char *path, size_t *len, struct diag *d)
{
	struct textfile_info in;
	char *text = textfile_load(path, TEXTFILE_MAX_BYTES, &in), ebuf[128];

	switch (in.fault) {
	case TEXTFILE_OK:
		if (len)
			*len = in.len;
		return text;
	case TEXTFILE_OPEN:
		diag_add(d, "%s: cannot open: %s", path, strerror_r(in.err, ebuf, sizeof(ebuf)));
		break;
	case TEXTFILE_READ:
		diag_add(d, "%s: cannot read: %s", path, strerror_r(in.err, ebuf, sizeof(ebuf)));
		break;
	case TEXTFILE_NUL:
		diag_add(d, "%s:%zu: NUL byte (kasim reads text files only)", path, in.line);
		break;
	case TEXTFILE_TOO_LARGE:
		diag_add(d, "%s: larger than %d bytes (a scenario or sweep file is at most 1 MiB)", path,
			 TEXTFILE_MAX_BYTES);
		break;
	}
	return NULL;
}

bool textfile_getline(FILE *fp, char *buf, size_t n, struct text_line *l)
{
	size_t k = 0;
	int c;

	memset(l, 0, sizeof(*l));
	while ((c = getc_unlocked(fp)) != EOF && c != '\n') {
		if (k + 1 < n)
			buf[k++] = (char)c;
		l->nul |= c == '\0';
		l->len++;
	}
	if (n)
		buf[k] = '\0';
	l->ended = c == '\n';
	l->error = c == EOF && ferror(fp);
	return l->ended || l->len;
}

void line_reader_init(struct line_reader *r, const char *text)
{
	r->pos = text;
	r->line = 0;
	r->fault = LINE_OK;
}

char *line_reader_next(char *str, int num, void *reader)
{
	struct line_reader *r = reader;
	const char *s = r->pos, *e;
	size_t body, end_len;

	if (!*s || num < TEXTFILE_INI_BUF)
		return NULL;
	r->line++;
	r->fault = LINE_OK;
	if (r->line == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	e = strchr(s, '\n');
	r->pos = e ? e + 1 : s + strlen(s);
	body = (size_t)((e ? e : r->pos) - s);
	end_len = e ? 1 : 0;
	if (e && body && s[body - 1] == '\r') {
		body--;
		end_len = 2;
	}
	if (memchr(s, '\r', body))
		r->fault = LINE_BARE_CR;
	else if (body > TEXTFILE_MAX_LINE)
		r->fault = LINE_TOO_LONG;
	if (r->fault != LINE_OK) {
		strcpy(str, "\n");
		return str;
	}
	memcpy(str, s, body + end_len);
	str[body + end_len] = '\0';
	return str;
}

const char *line_fault_text(enum line_fault f)
{
	switch (f) {
	case LINE_TOO_LONG:
		return "line too long (at most " STR(TEXTFILE_MAX_LINE) " characters)";
	case LINE_BARE_CR:
		return "carriage return not followed by a line feed (line ends are LF or CRLF)";
	case LINE_OK:
		break;
	}
	return NULL;
}
