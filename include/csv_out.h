/*
 * csv_out.h - timeline.csv: one row per packet, per timer decision, per
 * scenario event, state change and connection end; written while the
 * simulation runs. Columns (units in their names) are listed in
 * docs/outputs.md and in csv_columns below; RFC 4180 quoting; '.' decimals.
 */
#ifndef KASIM_CSV_OUT_H
#define KASIM_CSV_OUT_H

#include <stdio.h>

#include "output.h"

/* The header row, without the newline. */
extern const char csv_header[];

/* Writes to out; the caller closes out after finish(). */
struct sink *csv_sink_new(FILE *out);

#endif
