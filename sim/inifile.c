/*
 * inifile.c - the one INI reader: libinih over the shared line reader (inifile.h).
 */
#include "inifile.h"

#include <ctype.h>
#include <ini.h>
#include <string.h>

struct reader {
	struct line_reader lr;
	const struct ini_parse *p;
};

/* inih's reader: the shared line reader, the line number for the handler,
 * then the caller's look at the line. */
static char *read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	char *line = line_reader_next(str, num, &r->lr);

	if (!line)
		return NULL;
	*r->p->line = r->lr.line;
	if (r->p->on_line)
		r->p->on_line(r->p->user, line, r->lr.fault);
	return line;
}

int ini_parse_text(const struct ini_parse *p)
{
	struct reader rd = { .p = p };

	/*
	 * inih's configuration is a set of process-wide globals in Debian's build.
	 * Every call sets them to the same values, and files are parsed on the
	 * main thread only, so this is no shared mutable state in practice.
	 */
	ini_max_line = TEXTFILE_INI_BUF;
	ini_allow_inline_comments = true;
	ini_inline_comment_prefixes = ";#";
	ini_start_comment_prefixes = ";#";
	ini_stop_on_first_error = false;
	ini_allow_multiline = false; /* an indented line is a line of its own */
	ini_allow_no_value = false;
	ini_allow_bom = false; /* the line reader strips it */

	line_reader_init(&rd.lr, p->text);
	return ini_parse_stream(read_line, &rd, p->on_entry, p->user);
}

/* Where inih's scan for one of chars stops: at one of chars, at an inline
 * comment (';' or '#' after whitespace) or at the end. */
static const char *scan_to(const char *s, const char *chars)
{
	bool was_space = false;

	for (; *s; s++) {
		if (strchr(chars, *s))
			break;
		if (was_space && (*s == ';' || *s == '#'))
			break;
		was_space = isspace((unsigned char)*s);
	}
	return s;
}

void ini_classify(const char *line, struct ini_line *out)
{
	const char *s = line, *e;

	*out = (struct ini_line){ .kind = INI_SYNTAX };
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == ';' || *s == '#') {
		out->kind = INI_BLANK;
	} else if (*s == '[') {
		e = scan_to(s + 1, "]");
		if (*e == ']') {
			const char *rest = e + 1;
			while (isspace((unsigned char)*rest))
				rest++;
			out->kind = INI_SECTION;
			out->name = s + 1;
			out->len = (size_t)(e - s - 1);
			out->trailing = *rest && *rest != ';' && *rest != '#';
		}
	} else {
		e = scan_to(s, "=:");
		if (*e == '=' || *e == ':')
			out->kind = INI_ENTRY;
	}
}

char *ini_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}
