/*
 * inifile.h - the one INI reader of kasim's input files (scenario files,
 * sweep files): Debian's libinih (ini_parse_stream) over the shared line
 * reader (textfile.h), with kasim's inih settings set in one place, and the
 * classification of a line the way inih will read it.
 *
 * Debian's libinih is built with INI_HANDLER_LINENO = 0, so the handler gets
 * no line number: the reader stores the number of the line it just returned,
 * and the handler, which inih always calls for the line just read, uses it.
 */
#ifndef KASIM_INIFILE_H
#define KASIM_INIFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "textfile.h"

/* inih's handler: section, key, value of the entry just read; returns 1. */
typedef int (*ini_entry_fn)(void *user, const char *section, const char *name, const char *value);
/* Called for every line before inih reads it; a line the line reader
 * refused (fault != LINE_OK) comes as "\n", which inih sees as blank. */
typedef void (*ini_line_fn)(void *user, const char *line, enum line_fault fault);

struct ini_parse {
	const char *text;      /* NUL-terminated */
	int *line;             /* gets the number of the line just read (1-based) */
	ini_line_fn on_line;   /* may be NULL */
	ini_entry_fn on_entry;
	void *user;            /* for both callbacks */
};

/*
 * Parse p->text: inih's return value (0, the first line it found malformed,
 * or < 0 when out of memory). Sets inih's process-wide settings: call on the
 * main thread only (simulations, which may run in threads, never parse).
 */
int ini_parse_text(const struct ini_parse *p);

/* What a line is, read as inih reads it (comments start with ; or #, also
 * after whitespace inside a line). */
enum ini_kind { INI_BLANK, INI_SECTION, INI_ENTRY, INI_SYNTAX };
struct ini_line {
	enum ini_kind kind;
	const char *name;  /* INI_SECTION: the name between [ and ], not terminated */
	size_t len;        /* its length */
	bool trailing;     /* INI_SECTION: text other than a comment after ']' */
};
void ini_classify(const char *line, struct ini_line *out);

/* s without leading and trailing whitespace (in place; returns the start). */
char *ini_trim(char *s);

#endif
