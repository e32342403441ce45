/*
 * number.c - numbers in the input files, parsed and printed exactly (number.h).
 */
#include "number.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum num_err parse_u64(const char *s, bool hex, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	bool ovf = false;

	if (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return NUM_SYNTAX;
	for (; *s; s++) {
		unsigned dig;
		if (*s >= '0' && *s <= '9')
			dig = (unsigned)(*s - '0');
		else if (base == 16 && isxdigit((unsigned char)*s))
			dig = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
		else
			return NUM_SYNTAX;
		if (v > (UINT64_MAX - dig) / base)
			ovf = true;
		else
			v = v * base + dig;
	}
	if (ovf)
		return NUM_OVERFLOW;
	*out = v;
	return NUM_OK;
}

bool parse_real(const char *v, bool exp, double *out)
{
	char *end;
	double d;

	if (!*v || strspn(v, exp ? "0123456789.eE+-" : "0123456789.") != strlen(v) ||
	    !isdigit((unsigned char)v[0]))
		return false;
	errno = 0;
	d = strtod(v, &end);
	if (*end || errno || !isfinite(d))
		return false;
	*out = d;
	return true;
}

bool parse_fixed(const char *s, uint64_t *mant, int *scale)
{
	uint64_t v = 0;
	int sc = 0;
	bool dot = false, digit = false;

	for (; *s; s++) {
		if (*s == '.' && !dot) {
			dot = true;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			return false;
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		digit = true;
		if (dot)
			sc++;
	}
	if (!digit || sc > 9)
		return false;
	*mant = v;
	*scale = sc;
	return true;
}

bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* The significant digits of a decimal text, one at a time (see decimal_cmp). */
struct sig_digits {
	const char *p;  /* next mantissa character */
};

static int next_digit(struct sig_digits *it)
{
	while (*it->p == '.')
		it->p++;
	if (*it->p >= '0' && *it->p <= '9')
		return *it->p++ - '0';
	return -1; /* the end of the mantissa */
}

/* The exponent of a decimal text, p at its 'e' (0 when there is none). */
static long decimal_exp(const char *p)
{
	long exp = 0;

	if (*p != 'e' && *p != 'E')
		return 0;
	const char *q = p + 1;
	bool neg = *q == '-';
	if (*q == '-' || *q == '+')
		q++;
	for (; *q >= '0' && *q <= '9'; q++)
		if (exp < 1000000)
			exp = exp * 10 + (*q - '0');
	return neg ? -exp : exp;
}

int decimal_cmp(const char *s, uint64_t b)
{
	char bd[24];
	long intdig = 0, lead = 0, e_s, e_b;
	const char *p = s, *sig = s;
	bool nonzero = false, dot = false;

	/* mantissa: count integer digits, find the first non-zero digit */
	for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
		if (*p == '.') {
			dot = true;
			continue;
		}
		if (!dot)
			intdig++;
		if (*p != '0' && !nonzero) {
			nonzero = true;
			sig = p;
		}
		if (!nonzero)
			lead++;
	}
	snprintf(bd, sizeof(bd), "%llu", (unsigned long long)b);
	if (!nonzero)
		return b ? -1 : 0;
	if (!b)
		return 1;
	/* value = 0.SIG x 10^e_s, bound = 0.BD x 10^e_b */
	e_s = intdig - lead + decimal_exp(p);
	e_b = (long)strlen(bd);
	if (e_s != e_b)
		return e_s > e_b ? 1 : -1;
	struct sig_digits it = { sig };
	for (const char *q = bd;; q++) {
		int ds = next_digit(&it);
		if (!*q) {
			while (ds == 0)
				ds = next_digit(&it);
			return ds > 0 ? 1 : 0;
		}
		if (ds < 0) {
			while (*q == '0')
				q++;
			return *q ? -1 : 0;
		}
		if (ds != *q - '0')
			return ds > *q - '0' ? 1 : -1;
	}
}

void format_fixed(char *buf, size_t n, uint64_t v, int scale, int min_dec, int max_dec)
{
	uint64_t p = 1, ip, fp;
	int digits;

	if (scale < 0 || scale > 19)
		scale = scale < 0 ? 0 : 19;
	digits = scale;
	for (int i = 0; i < scale; i++)
		p *= 10;
	ip = v / p;
	fp = v % p;
	for (; digits > max_dec; digits--)
		fp /= 10;
	while (digits > min_dec && fp % 10 == 0) {
		fp /= 10;
		digits--;
	}
	if (digits <= 0) {
		snprintf(buf, n, "%llu", (unsigned long long)ip);
		return;
	}
	char fd[20]; /* digits <= scale <= 19 */
	for (int i = digits - 1; i >= 0; i--) {
		fd[i] = (char)('0' + fp % 10);
		fp /= 10;
	}
	fd[digits] = '\0';
	snprintf(buf, n, "%llu.%s", (unsigned long long)ip, fd);
}
