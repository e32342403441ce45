/*
 * gnuplot.h - everything kasim hands to gnuplot goes through here: the one
 * quoting function for text in scripts and in the data files gnuplot reads,
 * the one runner (no shell), and the check that a rendered file is whole.
 *
 * Quoting: text from a scenario or a sweep (names, descriptions, axis values,
 * NAT presets) is never trusted. gnuplot expands `command` inside
 * double-quoted strings and @macros outside quotes, and a newline ends a
 * command, so the text is written as one inert literal: single quotes in a
 * script (the only escape, '', is used for '), double quotes in a data file
 * (gnuplot's data files know no other quoting and no escape). In both, the
 * characters that can end or escape a string or start a substitution
 * (` @ $ \ " and the quote of the other kind are replaced by '_'; ' is
 * doubled in a script and kept in a data file), control characters by a
 * space, invalid UTF-8 by '?'. Plain text (letters, digits, spaces and
 * . , = : ; - + / ( ) and so on) passes unchanged.
 */
#ifndef KASIM_GNUPLOT_H
#define KASIM_GNUPLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum gp_quoting {
	GP_SCRIPT,  /* 'text' in a .gp script */
	GP_DATA,    /* "text" in a .dat file (column headers) */
};

/* s as one quoted literal in buf (at most n bytes with the NUL). When the
 * text does not fit it is cut, never the quoting: the result is always one
 * closed literal (n >= 3). */
void gp_quote(char *buf, size_t n, const char *s, enum gp_quoting how);
/* The same, written to f (any length). */
void gp_fquote(FILE *f, const char *s, enum gp_quoting how);

/* Is gnuplot on PATH (a regular executable file)? */
bool gnuplot_available(void);

/* Run `gnuplot -d SCRIPT` with no shell: its working directory is the
 * directory dirfd, stdin is /dev/null, stdout and stderr go to outfd (-1 =
 * /dev/null), the signal mask is cleared. where names the directory in
 * messages. Returns 0, 69 when gnuplot is not installed, 1 when it failed
 * (err says how). */
int gnuplot_run(int dirfd, const char *where, const char *script, int outfd, char *err, size_t n);

/* Is the open file fd a whole rendering of kind NAME's extension? A PNG must
 * start with the PNG signature and end with the IEND chunk, an SVG must end
 * with its closing </svg> (then only white space). Other names: not empty.
 * false with a reason in why. */
bool gnuplot_output_complete(int fd, const char *name, char *why, size_t n);

#endif
