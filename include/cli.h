/*
 * cli.h - the kasim command line. main() is a one-line call to kasim_main(),
 * so the tests can drive the whole program in-process.
 */
#ifndef KASIM_CLI_H
#define KASIM_CLI_H

#include <stdio.h>

/* Exit status: 0 ok, 1 I/O or internal error, 2 bad input (usage, scenario, --set),
 * 69 (EX_UNAVAILABLE) --plot was given and gnuplot is not installed. */
enum { KASIM_EXIT_OK = 0, KASIM_EXIT_FAIL = 1, KASIM_EXIT_USAGE = 2, KASIM_EXIT_UNAVAILABLE = 69 };

int kasim_main(int argc, char **argv, FILE *out, FILE *err);

#endif
