/*
 * check_cli.h - "kasim check" (run scenario files and report only their
 * [expect] results; grade an answers file against a key) and "kasim variant"
 * (a fresh numeric variant of a course assignment). kasim_main() hands argv,
 * from the subcommand's name on, to these; cli.c uses expect_load() for the
 * [expect] of a plain run.
 */
#ifndef KASIM_CHECK_CLI_H
#define KASIM_CHECK_CLI_H

#include <stdio.h>

#include "expect.h"

int check_main(int argc, char **argv, FILE *out, FILE *err);
int variant_main(int argc, char **argv, FILE *out, FILE *err);

/* The [expect] section of file into es: 0, or KASIM_EXIT_USAGE after
 * printing every error on err. */
int expect_load(const char *file, struct expect_set *es, FILE *err);

#endif
