/*
 * textfile.h - the text files kasim reads (scenario and sweep files, and the
 * files of a sweep directory that --resume and merge read back): a bounded
 * reader that refuses what is not text, a bounded reader of one line of a
 * stream, and the one line reader both INI front ends (scenario.c, sweep.c)
 * hand to libinih.
 *
 * Limits (docs/security.md, "What kasim reads"):
 *   - a file is at most TEXTFILE_MAX_BYTES bytes; reading stops one byte past
 *     it, so /dev/zero or a huge file costs at most that much memory and time;
 *   - a NUL byte anywhere refuses the file ("FILE:LINE: ... NUL byte");
 *   - a line is at most TEXTFILE_MAX_LINE bytes, its line end (LF or CRLF) and
 *     a UTF-8 byte-order mark at the start of the file not counted;
 *   - a carriage return is only valid right before a line feed (CRLF).
 */
#ifndef KASIM_TEXTFILE_H
#define KASIM_TEXTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "scenario.h"

#define TEXTFILE_MAX_BYTES (1024 * 1024)  /* 1 MiB */
#define TEXTFILE_MAX_LINE 1021            /* bytes, without the line end */
/* inih's ini_max_line for the reader below: a line, "\r\n" and the NUL. */
#define TEXTFILE_INI_BUF (TEXTFILE_MAX_LINE + 3)

/* Why textfile_load returned NULL. */
enum textfile_fault {
	TEXTFILE_OK,
	TEXTFILE_OPEN,       /* fopen failed: err (ENOENT: there is no such file) */
	TEXTFILE_READ,       /* reading failed: err (ENOMEM when out of memory) */
	TEXTFILE_TOO_LARGE,  /* more than max bytes */
	TEXTFILE_NUL,        /* a NUL byte, on line `line` */
};

struct textfile_info {
	size_t len;          /* of the text returned */
	enum textfile_fault fault;
	int err;
	size_t line;
};

/*
 * The reader under textfile_read, with the limit as a parameter (for kasim's
 * own files that are input too, e.g. a sweep's manifest): the whole file,
 * NUL-terminated, if it has at most max bytes and no NUL byte; else NULL and
 * info->fault. Reading stops one byte past max; the buffer grows as the file
 * is read, so a small file costs little whatever max is.
 */
char *textfile_load(const char *path, size_t max, struct textfile_info *info);

/*
 * The whole file (at most TEXTFILE_MAX_BYTES), NUL-terminated, or NULL with one message in d:
 * "FILE: cannot open: ...", "FILE: cannot read: ...", "FILE: larger than ...",
 * or "FILE:LINE: NUL byte ...". *len (may be NULL) gets its length.
 */
char *textfile_read(const char *path, size_t *len, struct diag *d);

/* What textfile_getline read. */
struct text_line {
	size_t len;          /* the line's bytes before its line feed, all of them */
	bool nul;            /* a NUL byte among them */
	bool ended;          /* it ended with a line feed (else: the file ended, a torn last line) */
	bool error;          /* reading failed (ferror) */
};

/*
 * The next line of fp, for files too large to hold whole (a sweep's journal
 * and results-partial.csv: up to SWEEP_MAX_RUNS lines): its first n - 1 bytes
 * into buf, NUL-terminated, without the line feed; the rest of a longer line
 * is read and dropped (l->len > n - 1 tells). Memory is buf alone, whatever
 * the file. False at the end of the file (nothing read) or on an error.
 */
bool textfile_getline(FILE *fp, char *buf, size_t n, struct text_line *l);

/* What is wrong with a line the reader returned blank. */
enum line_fault { LINE_OK, LINE_TOO_LONG, LINE_BARE_CR };

/* A reader over a NUL-terminated text, one line per call. */
struct line_reader {
	const char *pos;       /* the next line */
	int line;              /* number of the line last returned, 1-based */
	enum line_fault fault; /* of the line last returned */
};

void line_reader_init(struct line_reader *r, const char *text);
/*
 * libinih's reader (ini_parse_stream): copies the next line, its line end
 * included, into str (num bytes, at least TEXTFILE_INI_BUF), strips a UTF-8
 * byte-order mark from line 1. A line with a fault is returned as "\n" (inih
 * sees a blank line, so line numbers stay right) and r->fault says why.
 * Returns NULL at the end of the text.
 */
char *line_reader_next(char *str, int num, void *reader);
/* "line too long (at most 1021 bytes)", ... for messages; NULL for LINE_OK. */
const char *line_fault_text(enum line_fault f);

#endif
