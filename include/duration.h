/*
 * duration.h - the one duration parser and the one seconds formatter of kasim.
 *
 * Parsing: "90", "90s", "1500ms", "250us", "10ns", "2h11m15s", "1d", "1.5s";
 * a bare number is seconds; components in strictly decreasing unit order; the
 * result is a whole number of nanoseconds below KS_TIME_NEVER.
 *
 * Formatting, all exact (integer arithmetic):
 *   format_seconds       "7875", "0.2", "0.000000001"    (JSON, CSV, plot data)
 *   format_secs          "7875 s", "0.2 s", "never"      (text for people)
 *   format_seconds_fixed "7875.000000" (6), "7875.000000000" (9) (timeline columns)
 *   format_duration      "2h11m15s"   (compound, read back by parse_duration)
 *   format_duration_unit "1500ms"     (the largest unit that divides it)
 */
#ifndef KASIM_DURATION_H
#define KASIM_DURATION_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "number.h"

/* A duration (see above) into *out: NUM_OK, or why not (*out unchanged). */
enum num_err dur_parse(const char *s, ks_time_t *out);
/* The same, true when valid. */
bool parse_duration(const char *s, ks_time_t *out);
/* "is too large", "is not a whole number of nanoseconds", "is not a duration
 * (e.g. ...)": the end of a message "KEY = VALUE ..." for a dur_parse error. */
const char *dur_error(enum num_err e);

/* Seconds with up to 9 decimals and no trailing zeros, no unit: 7875 s -> "7875",
 * 200 ms -> "0.2", 1 ns -> "0.000000001". */
void format_seconds(char *buf, size_t n, ks_time_t t);
/* Seconds with at least min_dec and at most max_dec decimals (cut, not
 * rounded): (t, 6, 6) is a timeline's microsecond column "7875.000000",
 * (t, 3, 9) "0.200" but "0.2000001". */
void format_seconds_fixed(char *buf, size_t n, ks_time_t t, int min_dec, int max_dec);
/* format_seconds() and " s", or "never" for KS_TIME_NEVER; returns buf. */
const char *format_secs(char *buf, size_t n, ks_time_t t);
/* Compound form that parse_duration() reads back: 7875 s -> "2h11m15s", 0 -> "0s". */
void format_duration(char *buf, size_t n, ks_time_t t);
/* One unit, the largest of s, ms, us, ns that divides t: "30s", "1500ms". */
void format_duration_unit(char *buf, size_t n, ks_time_t t);

#endif
