/*
 * sweep_cli.h - the "kasim sweep" and "kasim merge" subcommands. kasim_main()
 * hands argv (from the subcommand's name on) to these.
 */
#ifndef KASIM_SWEEP_CLI_H
#define KASIM_SWEEP_CLI_H

#include <stdio.h>

int sweep_main(int argc, char **argv, FILE *out, FILE *err);
int merge_main(int argc, char **argv, FILE *out, FILE *err);
/* "kasim CMD: MSG: ARG" and the pointer to CMD's --help, on err (ARG, input
 * text, escaped); returns KASIM_EXIT_USAGE. Every subcommand's usage errors. */
int subcommand_usage_error(FILE *err, const char *cmd, const char *msg, const char *arg);

#endif
