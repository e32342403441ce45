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
 *
 * Templates: the scripts are not generated. They are the files of the
 * top-level plots/ directory (installed into PREFIX/share/kasim/plots), copied
 * as they are into DIR/plots/. What varies per run or sweep (titles' scenario
 * name and description, axis ranges, tic steps, group labels) is written as
 * data into a settings file NAME.vars next to them, which the template reads
 * with gnuplot's `stats` command (strcol/column into variables). Nothing kasim
 * writes is ever loaded, evaluated or macro-expanded by gnuplot: input text
 * only reaches gnuplot as the value of a string variable (docs/outputs.md).
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

/* ---- settings files (NAME.vars) ---------------------------------------------
 * One setting per line, KEY TAB VALUE: a number as %.10g, text as one GP_DATA
 * literal (it never holds a tab: gp_quote turns control characters into
 * spaces). Lines starting with '#' are comments. */
void gp_vars_head(FILE *f, const char *script);
void gp_var_num(FILE *f, const char *key, double v);
void gp_var_text(FILE *f, const char *key, const char *text);

/* ---- templates ------------------------------------------------------------------
 * The file NAME.gp of kasim's templates, looked up in this order:
 *   $KASIM_PLOTS/NAME            when KASIM_PLOTS is set (and then only there);
 *   <dir of the binary>/plots/NAME              (./kasim in a checkout);
 *   <dir of the binary>/../share/kasim/plots/NAME   (make install).
 * Its path into path (n bytes): 0, or -1 with "cannot find the gnuplot
 * template NAME (tried ...)" in err. */
int gp_template_find(const char *name, char *path, size_t n, char *err, size_t en);
/* Copy template name to rel (e.g. "plots/survival.gp") through od: 0, or -1
 * with a message in err. */
struct outdir;
int gp_template_copy(struct outdir *od, const char *name, const char *rel, char *err, size_t en);

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
