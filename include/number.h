/*
 * number.h - numbers in kasim's input files, parsed exactly: unsigned
 * integers, plain decimals, exact comparison of a decimal text with an
 * integer bound, booleans; and fixed-point numbers printed without trailing
 * zeros. One parser per kind for scenario files, sweep files and --set.
 */
#ifndef KASIM_NUMBER_H
#define KASIM_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a number (or a duration, duration.h) was refused. */
enum num_err { NUM_OK, NUM_SYNTAX, NUM_OVERFLOW, NUM_FRACTION };

/* Unsigned decimal (or 0x hex when hex is set), nothing else around it. */
enum num_err parse_u64(const char *s, bool hex, uint64_t *out);

/* A plain decimal number DIGITS[.DIGITS], and with exp also an exponent
 * (e[+-]DIGITS): no sign, hex, inf or nan. False when malformed. */
bool parse_real(const char *v, bool exp, double *out);

/* DIGITS[.DIGITS] with at most 9 decimals as fixed point: the value times
 * 10^scale into *mant, scale = the number of decimals written. */
bool parse_fixed(const char *s, uint64_t *mant, int *scale);

/* on/off, yes/no, true/false, 1/0 (any case). */
bool parse_bool(const char *v, bool *out);

/* Compare a decimal text DIGITS[.DIGITS][e[+-]DIGITS] (already validated)
 * with b, exactly, whatever a double would round it to: <0, 0 or >0. */
int decimal_cmp(const char *s, uint64_t b);

/* The fixed-point number v / 10^scale (scale 0..19) with at least min_dec
 * and at most max_dec decimals: digits past max_dec are cut (not rounded),
 * trailing zeros are dropped down to min_dec, and no '.' is written when no
 * decimal is left. (7875000, 3, 0, 9) -> "7875"; (1500, 3, 0, 9) -> "1.5";
 * (1500, 3, 3, 9) -> "1.500". */
void format_fixed(char *buf, size_t n, uint64_t v, int scale, int min_dec, int max_dec);

#endif
