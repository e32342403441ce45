/*
 * csv_out.h - timeline.csv: one row per packet, per timer decision, per
 * scenario event, state change and connection end; written while the
 * simulation runs. Columns (units in their names) are listed in
 * docs/outputs.md and in csv_columns below; RFC 4180 quoting; '.' decimals.
 * Also the one CSV field writer (csv_field) of every CSV file kasim writes.
 */
#ifndef KASIM_CSV_OUT_H
#define KASIM_CSV_OUT_H

#include <stdio.h>

#include "output.h"

/* The header row, without the newline. */
extern const char csv_header[];

/* One field of any CSV file kasim writes (timeline.csv, a sweep's
 * results.csv and summary.csv), RFC 4180: quoted when it has a comma, a
 * quote or a line break, a quote doubled. */
void csv_field(FILE *o, const char *v);

/* Writes to out; the caller closes out after finish(). */
struct sink *csv_sink_new(FILE *out);

#endif
