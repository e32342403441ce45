/*
 * textfile.c - bounded reading of the text files kasim reads, and the line
 * reader both INI front ends use (see textfile.h for the limits).
 */
#include "textfile.h"

#include <errno.h>
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

char *textfile_read(const char *path, size_t *len, struct diag *d)
{
	/* one byte past the limit tells "larger than" from "exactly the limit" */
	const size_t want = TEXTFILE_MAX_BYTES + 1;
	FILE *fp = fopen(path, "rb");
	char *text, ebuf[128];
	size_t n = 0;

	if (!fp) {
		diag_add(d, "%s: cannot open: %s", path, strerror_r(errno, ebuf, sizeof(ebuf)));
		return NULL;
	}
	text = malloc(want + 1);
	if (!text) {
		fclose(fp);
		diag_add(d, "%s: out of memory", path);
		return NULL;
	}
	while (n < want) {
		size_t got = fread(text + n, 1, want - n, fp);
		n += got;
		if (got == 0 || memchr(text + n - got, '\0', got))
			break;
	}
	int err = ferror(fp) ? errno : 0;
	fclose(fp);
	text[n] = '\0';
	const char *nul = memchr(text, '\0', n);
	if (nul) {
		diag_add(d, "%s:%zu: NUL byte (kasim reads text files only)", path,
			 line_of(text, (size_t)(nul - text)));
	} else if (err) {
		diag_add(d, "%s: cannot read: %s", path, strerror_r(err, ebuf, sizeof(ebuf)));
	} else if (n > TEXTFILE_MAX_BYTES) {
		diag_add(d, "%s: larger than %d bytes (a scenario or sweep file is at most 1 MiB)", path,
			 TEXTFILE_MAX_BYTES);
	} else {
		if (len)
			*len = n;
		return text;
	}
	free(text);
	return NULL;
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
