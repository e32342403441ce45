/*
 * duration.c - durations parsed and printed exactly (duration.h).
 */
#include "duration.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define DAY (86400 * KS_SEC)

static const struct dur_unit {
	const char *name;
	ks_time_t ns;
} dur_units[] = { /* decreasing: compound durations must follow this order */
	{ "d", DAY }, { "h", 3600 * KS_SEC }, { "m", 60 * KS_SEC }, { "s", KS_SEC },
	{ "ms", KS_MS }, { "us", KS_US }, { "ns", KS_NS },
};
#define NDUR_UNITS (sizeof(dur_units) / sizeof(dur_units[0]))
#define UNIT_S 3 /* dur_units[UNIT_S] is the second */

__extension__ typedef unsigned __int128 dur_u128;

/* One component NUMBER[.FRACTION]UNIT at *sp, advanced past it. */
struct dur_comp {
	dur_u128 ip, frac, pow10; /* the number: ip + frac / pow10 */
	bool ovf;                 /* ip does not fit in 64 bits */
	int unit;                 /* index in dur_units, -1 = none written */
};

static enum num_err comp_scan(const char **sp, struct dur_comp *c)
{
	const char *s = *sp, *u;
	size_t ulen;

	*c = (struct dur_comp){ .pow10 = 1, .unit = -1 };
	if (!isdigit((unsigned char)*s))
		return NUM_SYNTAX;
	for (; isdigit((unsigned char)*s); s++) {
		if (c->ip > UINT64_MAX)
			c->ovf = true; /* keep scanning for syntax errors */
		else
			c->ip = c->ip * 10 + (unsigned)(*s - '0');
	}
	if (c->ip > UINT64_MAX)
		c->ovf = true;
	if (*s == '.') {
		const char *f = ++s, *fend;
		if (!isdigit((unsigned char)*s))
			return NUM_SYNTAX;
		while (isdigit((unsigned char)*s))
			s++;
		fend = s;
		while (fend > f && fend[-1] == '0')
			fend--; /* trailing zeros change nothing */
		if (fend - f > 18)
			return NUM_FRACTION;
		for (; f < fend; f++) {
			c->frac = c->frac * 10 + (unsigned)(*f - '0');
			c->pow10 *= 10;
		}
	}
	for (u = s; isalpha((unsigned char)*s); s++)
		;
	ulen = (size_t)(s - u);
	for (size_t i = 0; ulen && i < NDUR_UNITS; i++)
		if (strlen(dur_units[i].name) == ulen && !strncmp(dur_units[i].name, u, ulen))
			c->unit = (int)i;
	if (ulen && c->unit < 0)
		return NUM_SYNTAX; /* unknown unit */
	*sp = s;
	return NUM_OK;
}

/*
 * NUMBER[.FRACTION]UNIT components in strictly decreasing unit order, or one
 * bare NUMBER[.FRACTION] meaning seconds. The result must be a whole number of
 * ns and below KS_TIME_NEVER.
 */
enum num_err dur_parse(const char *s, ks_time_t *out)
{
	dur_u128 total = 0;
	int last = -1;
	bool ovf = false;

	if (!*s)
		return NUM_SYNTAX;
	while (*s) {
		struct dur_comp c;
		enum num_err e = comp_scan(&s, &c);
		if (e != NUM_OK)
			return e;
		if (c.unit < 0) {
			if (last != -1 || *s)
				return NUM_SYNTAX; /* "1h30", "1 s" */
			c.unit = UNIT_S;           /* bare number: seconds */
		} else if (c.unit <= last) {
			return NUM_SYNTAX;         /* "1h1h", "1s1m" */
		}
		last = c.unit;
		ovf |= c.ovf;
		if (ovf)
			continue;
		dur_u128 comp = c.ip * dur_units[c.unit].ns; /* < 2^64 * 2^47 */
		if (c.pow10 > 1) {
			dur_u128 f = c.frac * dur_units[c.unit].ns; /* < 10^18 * 2^47 */
			if (f % c.pow10)
				return NUM_FRACTION;
			comp += f / c.pow10;
		}
		total += comp;
		if (total >= KS_TIME_NEVER)
			ovf = true;
	}
	if (ovf)
		return NUM_OVERFLOW;
	*out = (ks_time_t)total;
	return NUM_OK;
}

bool parse_duration(const char *s, ks_time_t *out)
{
	return s && dur_parse(s, out) == NUM_OK;
}

const char *dur_error(enum num_err e)
{
	switch (e) {
	case NUM_OVERFLOW:
		return "is too large";
	case NUM_FRACTION:
		return "is not a whole number of nanoseconds";
	default:
		return "is not a duration (e.g. 90s, 1500ms, 2h11m15s, 1d; a bare number is seconds)";
	}
}

void format_seconds_fixed(char *buf, size_t n, ks_time_t t, int min_dec, int max_dec)
{
	format_fixed(buf, n, t, 9, min_dec, max_dec);
}

void format_seconds(char *buf, size_t n, ks_time_t t)
{
	format_fixed(buf, n, t, 9, 0, 9);
}

const char *format_secs(char *buf, size_t n, ks_time_t t)
{
	if (t == KS_TIME_NEVER) {
		snprintf(buf, n, "never");
		return buf;
	}
	format_seconds(buf, n, t);
	size_t l = strlen(buf);
	snprintf(buf + l, n - l, " s");
	return buf;
}

void format_duration(char *buf, size_t n, ks_time_t t)
{
	size_t len = 0;

	buf[0] = '\0';
	if (t == 0) {
		snprintf(buf, n, "0s");
		return;
	}
	for (size_t i = 0; i < NDUR_UNITS && len < n; i++) {
		ks_time_t q = t / dur_units[i].ns;
		if (!q)
			continue;
		t %= dur_units[i].ns;
		int w = snprintf(buf + len, n - len, "%llu%s", (unsigned long long)q,
				 dur_units[i].name);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

void format_duration_unit(char *buf, size_t n, ks_time_t t)
{
	for (size_t i = UNIT_S; i < NDUR_UNITS; i++)
		if (t % dur_units[i].ns == 0) {
			snprintf(buf, n, "%llu%s", (unsigned long long)(t / dur_units[i].ns),
				 dur_units[i].name);
			return;
		}
}
