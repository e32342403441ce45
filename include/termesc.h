/*
 * termesc.h - the one escaping function for input text that kasim prints to a
 * terminal or a log (diagnostics, the text timeline's header, sweep messages).
 *
 * As git and ls do: printable ASCII and valid UTF-8 pass unchanged; a newline
 * becomes \n, a tab \t, and every other byte (control characters such as ESC,
 * DEL, bytes that are not valid UTF-8, and the C1 controls U+0080..U+009F,
 * which some terminals obey as escape sequences) becomes \xNN, one per byte.
 * A file name or value made of printable text is therefore printed as is.
 */
#ifndef KASIM_TERMESC_H
#define KASIM_TERMESC_H

#include <stddef.h>
#include <stdio.h>

/* Escape s into buf (always NUL-terminated when n > 0). Returns the length the
 * whole escaped text needs, without the NUL, as snprintf does. */
size_t termesc(char *buf, size_t n, const char *s);
/* Write s escaped to f. */
void termesc_fputs(const char *s, FILE *f);

#endif
