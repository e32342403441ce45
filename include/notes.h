/*
 * notes.h - notes on a valid scenario that probably does not do what its
 * author meant (printed on stderr by a plain run, silenced by -q; never an
 * error): a fault event before the handshake is complete (an event at 0 runs
 * even before A's SYN), and a tcp_user_timeout below one second next to
 * keepalive intervals in seconds (the option is in ms, as setsockopt takes it).
 */
#ifndef KASIM_NOTES_H
#define KASIM_NOTES_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"
#include "scenario.h"

/* The notes on sc, read from file (text, for the lines of its keys) and the
 * --set arguments, into d as "FILE:LINE: note: ..." (or "--set ARG: note: ..."). */
void scenario_notes(const struct scenario *sc, const char *file, const char *text, const char *const *sets,
		    size_t nsets, struct diag *d);
/* The same for a file already loaded as sc, printed on f ("kasim: FILE:LINE: note: ..."). */
void scenario_notes_print(const struct scenario *sc, const char *file, const char *const *sets, size_t nsets,
			  FILE *f);

#endif
