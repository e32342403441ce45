/*
 * sweep_cli.h - the "kasim sweep" and "kasim merge" subcommands. kasim_main()
 * hands argv (from the subcommand's name on) to these.
 */
#ifndef KASIM_SWEEP_CLI_H
#define KASIM_SWEEP_CLI_H

#include <stdio.h>

int sweep_main(int argc, char **argv, FILE *out, FILE *err);
int merge_main(int argc, char **argv, FILE *out, FILE *err);

#endif
