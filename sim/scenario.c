/*
 * scenario.c - scenario files (INI) -> a validated struct scenario.
 *
 * Parsing is done by Debian's libinih (ini_parse_stream) with our own reader.
 * Debian's libinih is built with INI_HANDLER_LINENO = 0, so the handler gets no
 * line number: the reader counts newlines and stores the number of the line it
 * just returned in the parse context, and the handler, which inih always calls
 * for the line just read, uses it. The reader also classifies every line the way
 * inih will, so that *every* malformed line is reported (inih's return value
 * only names the first one), and it reports unknown [section] headers at their
 * own line even when the section holds no keys.
 *
 * Every key of every section is one row of a static const table (struct
 * key_def): its name, how its value is parsed, where it is stored and what is
 * valid. Socket options and sysctls additionally have a row in opt_defs[],
 * indexed by enum sockopt, holding Linux's limits; sockopt_check() is the one
 * range check used by file entries, "set" events and --set overrides alike.
 *
 * Errors are collected in a struct diag, all of them, never only the first.
 * There is no mutable global state here (many simulations may run in parallel
 * threads); only inih's own configuration globals are written, see load_fp().
 */
#include "scenario.h"
#include "termesc.h"
#include "textfile.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_KEYS 32          /* keys per section (first_line[] below, nat_set bits) */
#define DAY (86400 * KS_SEC)

/* ------------------------------------------------------------------------ */
/* Diagnostics                                                              */
/* ------------------------------------------------------------------------ */

void diag_add(struct diag *d, const char *fmt, ...)
{
	va_list ap;
	char *m;

	if (d->n >= DIAG_MAX) {
		d->dropped++; /* counted, neither formatted nor stored */
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (!m)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 8;
		char **p = realloc(d->msg, cap * sizeof(*p));
		if (!p) {
			free(m);
			return;
		}
		d->msg = p;
		d->cap = cap;
	}
	d->msg[d->n++] = m;
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msg[i]);
	free(d->msg);
	d->msg = NULL;
	d->n = d->cap = d->dropped = 0;
}

void diag_append(struct diag *dst, const struct diag *src)
{
	for (size_t i = 0; i < src->n; i++)
		diag_add(dst, "%s", src->msg[i]);
	dst->dropped += src->dropped;
}

size_t diag_count(const struct diag *d)
{
	return d->n + d->dropped;
}

void diag_print(const struct diag *d, const char *file, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		fputs("kasim: ", f);
		termesc_fputs(d->msg[i], f);
		fputc('\n', f);
	}
	if (d->dropped) {
		fputs("kasim: ", f);
		termesc_fputs(file, f);
		fprintf(f, ": ... and %zu more error%s\n", d->dropped, d->dropped == 1 ? "" : "s");
	}
}

/* ------------------------------------------------------------------------ */
/* Exact decimal comparison                                                 */
/* ------------------------------------------------------------------------ */

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

int decimal_cmp(const char *s, uint64_t b)
{
	char bd[24];
	long intdig = 0, lead = 0, exp = 0, e_s, e_b;
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
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;
		bool neg = *q == '-';
		if (*q == '-' || *q == '+')
			q++;
		for (; *q >= '0' && *q <= '9'; q++)
			if (exp < 1000000)
				exp = exp * 10 + (*q - '0');
		if (neg)
			exp = -exp;
	}
	snprintf(bd, sizeof(bd), "%llu", (unsigned long long)b);
	if (!nonzero)
		return b ? -1 : 0;
	if (!b)
		return 1;
	/* value = 0.SIG x 10^e_s, bound = 0.BD x 10^e_b */
	e_s = intdig - lead + exp;
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

/* ------------------------------------------------------------------------ */
/* Numbers and durations                                                    */
/* ------------------------------------------------------------------------ */

enum num_err { NUM_OK, NUM_SYNTAX, NUM_OVERFLOW, NUM_FRACTION };

/* Unsigned decimal (or 0x hex when hex is set), nothing else around it. */
static enum num_err parse_u64(const char *s, bool hex, uint64_t *out)
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

static const struct dur_unit {
	const char *name;
	ks_time_t ns;
} dur_units[] = { /* decreasing: compound durations must follow this order */
	{ "d", DAY }, { "h", 3600 * KS_SEC }, { "m", 60 * KS_SEC }, { "s", KS_SEC },
	{ "ms", KS_MS }, { "us", KS_US }, { "ns", KS_NS },
};
#define NDUR_UNITS (sizeof(dur_units) / sizeof(dur_units[0]))

__extension__ typedef unsigned __int128 dur_u128;

/*
 * NUMBER[.FRACTION]UNIT components in strictly decreasing unit order, or one
 * bare NUMBER[.FRACTION] meaning seconds. The result must be a whole number of
 * ns and below KS_TIME_NEVER.
 */
static enum num_err dur_parse(const char *s, ks_time_t *out)
{
	dur_u128 total = 0;
	int last = -1;
	bool ovf = false;

	if (!*s)
		return NUM_SYNTAX;
	while (*s) {
		dur_u128 ip = 0, frac = 0, pow10 = 1, comp;
		const char *u;
		size_t ulen, nfrac = 0;
		int unit = -1;

		if (!isdigit((unsigned char)*s))
			return NUM_SYNTAX;
		for (; isdigit((unsigned char)*s); s++) {
			if (ip > UINT64_MAX)
				ovf = true; /* keep scanning for syntax errors */
			else
				ip = ip * 10 + (unsigned)(*s - '0');
		}
		if (ip > UINT64_MAX)
			ovf = true;
		if (*s == '.') {
			const char *f = ++s, *fend;
			if (!isdigit((unsigned char)*s))
				return NUM_SYNTAX;
			while (isdigit((unsigned char)*s))
				s++;
			fend = s;
			while (fend > f && fend[-1] == '0')
				fend--; /* trailing zeros change nothing */
			nfrac = (size_t)(fend - f);
			if (nfrac > 18)
				return NUM_FRACTION;
			for (; f < fend; f++) {
				frac = frac * 10 + (unsigned)(*f - '0');
				pow10 *= 10;
			}
		}
		for (u = s; isalpha((unsigned char)*s); s++)
			;
		ulen = (size_t)(s - u);
		if (ulen == 0) {
			if (last != -1 || *s)
				return NUM_SYNTAX; /* "1h30", "1 s" */
			unit = 3;                  /* bare number: seconds */
		} else {
			for (size_t i = 0; i < NDUR_UNITS; i++)
				if (strlen(dur_units[i].name) == ulen &&
				    !strncmp(dur_units[i].name, u, ulen))
					unit = (int)i;
			if (unit < 0 || unit <= last)
				return NUM_SYNTAX; /* unknown unit, "1h1h", "1s1m" */
		}
		last = unit;
		if (ovf)
			continue;
		comp = ip * dur_units[unit].ns; /* < 2^64 * 2^47 */
		if (nfrac) {
			dur_u128 f = frac * dur_units[unit].ns; /* < 10^18 * 2^47 */
			if (f % pow10)
				return NUM_FRACTION;
			comp += f / pow10;
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

void format_seconds(char *buf, size_t n, ks_time_t t)
{
	unsigned long long sec = t / KS_SEC, frac = t % KS_SEC;
	int digits = 9;

	if (!frac) {
		snprintf(buf, n, "%llu", sec);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, n, "%llu.%0*llu", sec, digits, frac);
}

/* Compound form that parse_duration() reads back: 7875 s -> "2h11m15s". */
static void format_duration(char *buf, size_t n, ks_time_t t)
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

/* ------------------------------------------------------------------------ */
/* Socket options and sysctls                                               */
/* ------------------------------------------------------------------------ */

enum opt_unit { U_BOOL, U_SEC, U_COUNT, U_MS };

/* Indexed by enum sockopt; the option's name is its row in ep_keys[]. */
static const struct opt_def {
	enum opt_unit unit;
	uint64_t min, max;
	const char *range;  /* sockopt_check()'s answer outside min..max */
	const char *zero;   /* its answer for 0, when that needs its own words */
	size_t off;         /* field in struct ep_config */
} opt_defs[] = {
	[OPT_SO_KEEPALIVE] = { U_BOOL, 0, 1,
		"on/off, yes/no, true/false or 1/0", NULL,
		offsetof(struct ep_config, so_keepalive) },
	[OPT_TCP_KEEPIDLE] = { U_SEC, 1, 32767,
		"1..32767 s; setsockopt(TCP_KEEPIDLE) returns EINVAL outside", NULL,
		offsetof(struct ep_config, tcp_keepidle) },
	[OPT_TCP_KEEPINTVL] = { U_SEC, 1, 32767,
		"1..32767 s; setsockopt(TCP_KEEPINTVL) returns EINVAL outside", NULL,
		offsetof(struct ep_config, tcp_keepintvl) },
	[OPT_TCP_KEEPCNT] = { U_COUNT, 1, 127,
		"1..127 probes; setsockopt(TCP_KEEPCNT) returns EINVAL outside", NULL,
		offsetof(struct ep_config, tcp_keepcnt) },
	[OPT_TCP_USER_TIMEOUT] = { U_MS, 0, 2147483647,
		"0..2147483647 ms, 0 = off; setsockopt(TCP_USER_TIMEOUT) returns EINVAL outside",
		NULL, offsetof(struct ep_config, tcp_user_timeout) },
	[OPT_SYSCTL_KEEPALIVE_TIME] = { U_SEC, 1, 2147483,
		"1..2147483 s",
		"1..2147483 s; Linux accepts 0, but then the keepalive timer fires on every tick, "
		"which kasim does not model",
		offsetof(struct ep_config, tcp_keepalive_time) },
	[OPT_SYSCTL_KEEPALIVE_INTVL] = { U_SEC, 1, 2147483,
		"1..2147483 s",
		"1..2147483 s; Linux accepts 0, but then the keepalive timer fires on every tick, "
		"which kasim does not model",
		offsetof(struct ep_config, tcp_keepalive_intvl) },
	[OPT_SYSCTL_KEEPALIVE_PROBES] = { U_COUNT, 0, 255,
		"0..255 probes", NULL, offsetof(struct ep_config, tcp_keepalive_probes) },
	[OPT_SYSCTL_RETRIES2] = { U_COUNT, 0, 255,
		"0..255 retransmissions", NULL, offsetof(struct ep_config, tcp_retries2) },
	[OPT_SYSCTL_SYN_RETRIES] = { U_COUNT, 1, 127,
		"1..127 retransmissions", NULL, offsetof(struct ep_config, tcp_syn_retries) },
};
#define NOPTS (sizeof(opt_defs) / sizeof(opt_defs[0]))

const char *sockopt_check(enum sockopt opt, uint64_t value)
{
	const struct opt_def *o;

	if ((unsigned)opt >= NOPTS)
		return "unknown option";
	o = &opt_defs[opt];
	if (value >= o->min && value <= o->max)
		return NULL;
	return value == 0 && o->zero ? o->zero : o->range;
}

void ep_config_default(struct ep_config *c, int host)
{
	memset(c, 0, sizeof(*c));
	c->tcp_keepalive_time = 7200;
	c->tcp_keepalive_intvl = 75;
	c->tcp_keepalive_probes = 9;
	c->tcp_retries2 = 15;
	c->tcp_syn_retries = 6;
	if (host == HOST_A) {
		c->addr = 0xC000020Au; /* 192.0.2.10 (TEST-NET-1) */
		c->port = 40000;
	} else {
		c->addr = 0xC6336414u; /* 198.51.100.20 (TEST-NET-2) */
		c->port = 443;
	}
}

/* ------------------------------------------------------------------------ */
/* Sections and keys                                                        */
/* ------------------------------------------------------------------------ */

enum val_kind {
	V_NAME,     /* char[64] of [A-Za-z0-9._-] */
	V_TEXT,     /* char *, free text */
	V_DURATION, /* ks_time_t within min..max */
	V_U64,      /* uint64_t, decimal or 0x hex */
	V_OPT,      /* socket option / sysctl: opt_defs[opt] */
	V_ADDR,     /* IPv4:PORT into ep_config.addr and .port */
	V_PROB,     /* double in 0..1 */
	V_RATE,     /* double in 0..max (per second) */
	V_BOOL,     /* bool */
	V_ENUM,     /* int: index in names[] */
	V_IPV4,     /* uint32_t, host byte order */
	V_PRESET,   /* [nat] preset: fills every key not set explicitly */
	V_TIMER,    /* enum tm_kind by name */
	V_HZ,       /* uint32_t: 100, 250, 300 or 1000 */
	V_OS,       /* enum os_profile by name (ep_config.os) */
	V_DURLIST,  /* struct dur_list: 1..DUR_LIST_MAX durations within min..max */
};

/* Link keys: which direction(s) a key sets. */
enum { DIR_NONE, DIR_BOTH, DIR_AB, DIR_BA };

struct key_def {
	const char *name;
	enum val_kind kind;
	enum sockopt opt;   /* V_OPT */
	size_t off;         /* field in the section's struct (not V_OPT/V_ADDR) */
	ks_time_t min, max; /* V_DURATION, V_U64 (max 0 = no range), V_RATE */
	const char *valid;  /* what is valid, for messages (not V_OPT) */
	int dir;            /* DIR_*: off is then in struct link_dir */
	const char *const *names; /* V_ENUM, NULL-terminated */
};

#define OPT_KEY(name, o) { name, V_OPT, o, 0, 0, 0, NULL, DIR_NONE, NULL }

static const struct key_def scenario_keys[] = {
	{ "name", V_NAME, 0, offsetof(struct scenario, name), 0, 0,
	  "1..63 characters of A-Z a-z 0-9 . _ -", DIR_NONE, NULL },
	{ "description", V_TEXT, 0, offsetof(struct scenario, description), 0, 0, "free text", DIR_NONE, NULL },
	{ "duration", V_DURATION, 0, offsetof(struct scenario, duration), 1, 36500 * DAY,
	  "more than 0, at most 100 years = 36500d", DIR_NONE, NULL },
	{ "seed", V_U64, 0, offsetof(struct scenario, seed), 0, 0,
	  "unsigned 64-bit integer, decimal or 0x hex", DIR_NONE, NULL },
	{ "timer", V_TIMER, 0, offsetof(struct scenario, timer), 0, 0, "exact, linux or lwip", DIR_NONE, NULL },
	{ "hz", V_HZ, 0, offsetof(struct scenario, hz), 0, 0, "100, 250, 300 or 1000", DIR_NONE, NULL },
	{ "jiffies", V_U64, 0, offsetof(struct scenario, jiffies), 0, UINT32_MAX,
	  "0..4294967295, tcp_jiffies32 at t = 0", DIR_NONE, NULL },
	{ "jiffies_phase", V_DURATION, 0, offsetof(struct scenario, jiffies_phase), 0, KS_SEC,
	  "0 up to one tick (1 s / hz), exclusive", DIR_NONE, NULL },
};

static const struct key_def ep_keys[] = {
	OPT_KEY("so_keepalive", OPT_SO_KEEPALIVE),
	OPT_KEY("tcp_keepidle", OPT_TCP_KEEPIDLE),
	OPT_KEY("tcp_keepintvl", OPT_TCP_KEEPINTVL),
	OPT_KEY("tcp_keepcnt", OPT_TCP_KEEPCNT),
	OPT_KEY("tcp_user_timeout", OPT_TCP_USER_TIMEOUT),
	OPT_KEY("net.ipv4.tcp_keepalive_time", OPT_SYSCTL_KEEPALIVE_TIME),
	OPT_KEY("net.ipv4.tcp_keepalive_intvl", OPT_SYSCTL_KEEPALIVE_INTVL),
	OPT_KEY("net.ipv4.tcp_keepalive_probes", OPT_SYSCTL_KEEPALIVE_PROBES),
	OPT_KEY("net.ipv4.tcp_retries2", OPT_SYSCTL_RETRIES2),
	OPT_KEY("net.ipv4.tcp_syn_retries", OPT_SYSCTL_SYN_RETRIES),
	{ "addr", V_ADDR, 0, 0, 0, 0, "IPv4:PORT, e.g. 192.0.2.10:40000, port 1..65535", DIR_NONE, NULL },
	{ "os", V_OS, 0, offsetof(struct ep_config, os), 0, 0,
	  "linux, linux-2.6, freebsd, macos, windows or lwip", DIR_NONE, NULL },
};

const char *sockopt_name(enum sockopt opt)
{
	for (size_t i = 0; i < sizeof(ep_keys) / sizeof(ep_keys[0]); i++)
		if (ep_keys[i].kind == V_OPT && ep_keys[i].opt == opt)
			return ep_keys[i].name;
	return "?";
}

#define LD(f) offsetof(struct link_dir, f)
#define LINK_KEY3(name, kind, f, min, max, valid) \
	{ name, kind, 0, LD(f), min, max, valid, DIR_BOTH, NULL }, \
	{ name ".a_to_b", kind, 0, LD(f), min, max, valid, DIR_AB, NULL }, \
	{ name ".b_to_a", kind, 0, LD(f), min, max, valid, DIR_BA, NULL }

static const struct key_def link_keys[] = {
	LINK_KEY3("delay", V_DURATION, delay, 0, DAY, "0..1d"),
	LINK_KEY3("jitter", V_DURATION, jitter, 0, DAY, "0..1d"),
	LINK_KEY3("loss", V_PROB, loss, 0, 0, "a probability, 0..1"),
	LINK_KEY3("ge_p", V_PROB, ge_p, 0, 0, "a probability, 0..1"),
	LINK_KEY3("ge_r", V_PROB, ge_r, 0, 0, "a probability, 0..1"),
	LINK_KEY3("ge_loss", V_PROB, ge_loss, 0, 0, "a probability, 0..1"),
	{ "reorder", V_BOOL, 0, offsetof(struct link_config, reorder), 0, 0,
	  "on/off, yes/no, true/false or 1/0", DIR_NONE, NULL },
};

static const char *const miss_out_names[] = { "drop", "rst", "create", NULL };
static const char *const miss_in_names[] = { "drop", "rst", NULL };
static const char *const full_names[] = { "evict", "drop", NULL };
static const char *const bg_end_names[] = { "fin", "silent", NULL };
#define NC(f) offsetof(struct nat_config, f)
#define BOOLV "on/off, yes/no, true/false or 1/0"

static const struct key_def nat_keys[] = {
	{ "preset", V_PRESET, 0, NC(preset), 0, 0, NULL, DIR_NONE, NULL },
	{ "capacity", V_U64, 0, NC(capacity), 1, 16777216, "1..16777216 mappings", DIR_NONE, NULL },
	{ "established_timeout", V_DURATION, 0, NC(established_timeout), 1, 36500 * DAY,
	  "more than 0, at most 36500d", DIR_NONE, NULL },
	{ "transitory_timeout", V_DURATION, 0, NC(transitory_timeout), 1, 36500 * DAY,
	  "more than 0, at most 36500d", DIR_NONE, NULL },
	{ "gc_period", V_DURATION, 0, NC(gc_period), 0, DAY,
	  "0..1d, 0 = expire exactly at the timeout", DIR_NONE, NULL },
	{ "inbound_refresh", V_BOOL, 0, NC(inbound_refresh), 0, 0, BOOLV, DIR_NONE, NULL },
	{ "outbound_miss", V_ENUM, 0, NC(outbound_miss), 0, 0, NULL, DIR_NONE, miss_out_names },
	{ "inbound_miss", V_ENUM, 0, NC(inbound_miss), 0, 0, NULL, DIR_NONE, miss_in_names },
	{ "rst_on_expiry", V_BOOL, 0, NC(rst_on_expiry), 0, 0, BOOLV, DIR_NONE, NULL },
	{ "port_preservation", V_BOOL, 0, NC(port_preservation), 0, 0, BOOLV, DIR_NONE, NULL },
	{ "table_full", V_ENUM, 0, NC(table_full), 0, 0, NULL, DIR_NONE, full_names },
	{ "ext_addr", V_IPV4, 0, NC(ext_addr), 0, 0, "an IPv4 address, e.g. 203.0.113.1",
	  DIR_NONE, NULL },
	{ "bg_rate", V_RATE, 0, NC(bg_rate), 0, 1000000,
	  "new flows per second, 0..1000000, 0 = no background load", DIR_NONE, NULL },
	{ "bg_lifetime", V_DURATION, 0, NC(bg_lifetime), 1, 36500 * DAY,
	  "more than 0, at most 36500d", DIR_NONE, NULL },
	{ "bg_interval", V_DURLIST, 0, NC(bg_interval), 1, DAY,
	  "more than 0, at most 1d; a list of up to 4, e.g. 10s, 5m", DIR_NONE, NULL },
	{ "bg_end", V_ENUM, 0, NC(bg_end), 0, 0, NULL, DIR_NONE, bg_end_names },
};

enum { SEC_SCENARIO, SEC_A, SEC_B, SEC_LINK, SEC_NAT, SEC_EVENTS, NSECTIONS };

#define NKEYS(t) (sizeof(t) / sizeof((t)[0]))
_Static_assert(NKEYS(scenario_keys) <= MAX_KEYS, "raise MAX_KEYS");
_Static_assert(NKEYS(ep_keys) <= MAX_KEYS, "raise MAX_KEYS");
_Static_assert(NKEYS(link_keys) <= MAX_KEYS, "raise MAX_KEYS");
_Static_assert(NKEYS(nat_keys) <= MAX_KEYS, "raise MAX_KEYS");

static const struct sect_def {
	const char *name;
	const struct key_def *keys; /* NULL: [events], parsed by event_parse() */
	size_t nkeys;
	size_t base;                /* offset of the section's struct in struct scenario */
	int host;                   /* HOST_A/HOST_B for endpoints, else -1 */
} sections[NSECTIONS] = {
	[SEC_SCENARIO] = { "scenario", scenario_keys, NKEYS(scenario_keys), 0, -1 },
	[SEC_A] = { "A", ep_keys, NKEYS(ep_keys), offsetof(struct scenario, ep), HOST_A },
	[SEC_B] = { "B", ep_keys, NKEYS(ep_keys),
		    offsetof(struct scenario, ep) + sizeof(struct ep_config), HOST_B },
	[SEC_LINK] = { "link", link_keys, NKEYS(link_keys), offsetof(struct scenario, link), -1 },
	[SEC_NAT] = { "nat", nat_keys, NKEYS(nat_keys), offsetof(struct scenario, nat), -1 },
	[SEC_EVENTS] = { "events", NULL, 0, 0, -1 },
};

static const struct act_def {
	const char *name;
	enum action act;
	int nargs;          /* after the action word, the host included */
	const char *usage;
} act_defs[] = {
	{ "unplug", ACT_UNPLUG, 1, "unplug X" },
	{ "replug", ACT_REPLUG, 1, "replug X" },
	{ "crash", ACT_CRASH, 1, "crash X" },
	{ "boot", ACT_BOOT, 1, "boot X" },
	{ "reboot", ACT_REBOOT, 1, "reboot X" },
	{ "close", ACT_CLOSE, 1, "close X" },
	{ "send", ACT_SEND, 2, "send X BYTES" },
	{ "congest", ACT_CONGEST, 2, "congest X DURATION" },
	{ "set", ACT_SET, 3, "set X OPTION VALUE" },
};
#define NACTS (sizeof(act_defs) / sizeof(act_defs[0]))

#define SEND_MAX 1073741824u

/* ------------------------------------------------------------------------ */
/* Did you mean?                                                            */
/* ------------------------------------------------------------------------ */

/* Case-insensitive optimal string alignment distance (a swap costs 1). */
static int edit_distance(const char *a, const char *b)
{
	enum { L = 64 };
	size_t la = strlen(a), lb = strlen(b);
	int dist[L + 1][L + 1];

	if (la > L || lb > L)
		return 1000;
	for (size_t i = 0; i <= la; i++)
		dist[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		dist[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			int best = dist[i - 1][j - 1] + (ca != cb);
			if (dist[i - 1][j] + 1 < best)
				best = dist[i - 1][j] + 1;
			if (dist[i][j - 1] + 1 < best)
				best = dist[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && dist[i - 2][j - 2] + 1 < best)
				best = dist[i - 2][j - 2] + 1;
			dist[i][j] = best;
		}
	}
	return dist[la][lb];
}

/* s without one of the prefixes people tend to forget or add. */
static const char *strip_prefix(const char *s, int which)
{
	static const char *const prefixes[] = { "", "tcp_", "net.ipv4.", "net.ipv4.tcp_" };
	size_t n = strlen(prefixes[which]);

	return strncasecmp(s, prefixes[which], n) ? NULL : s + n;
}

/*
 * The candidate closest to typed: edit distance <= 2 and at most a third of
 * the longer word's length, comparing also with "tcp_", "net.ipv4." and "net.ipv4.tcp_" stripped
 * from either side; or typed (4+ characters) is a substring of the candidate.
 * NULL when nothing is close. Ties go to the earlier candidate.
 */
static const char *suggest(const char *typed, const char *const *cands, size_t n)
{
	const char *best = NULL;
	int bestd = 3;
	size_t tlen = strlen(typed);

	for (size_t i = 0; i < n; i++) {
		int d = 1000;
		for (int p = 0; p < 4; p++) {
			const char *c = strip_prefix(cands[i], p);
			for (int q = 0; c && q < 4; q++) {
				const char *t = strip_prefix(typed, q);
				if (t && *t && *c) {
					size_t longer = strlen(t) > strlen(c) ? strlen(t) : strlen(c);
					int e = edit_distance(t, c);
					if (e < d && (size_t)e * 3 <= longer)
						d = e; /* "nat" is not a typo of "A" */
				}
			}
		}
		if (d > 2 && tlen >= 4 && strcasestr(cands[i], typed))
			d = 2;
		if (d < bestd) {
			best = cands[i];
			bestd = d;
		}
	}
	return best;
}

/* "a, b, c" (with each name wrapped in pre/post) into buf. */
static const char *join_names(char *buf, size_t size, const char *const *names, size_t n,
			      const char *pre, const char *post)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		int w = snprintf(buf + len, size - len, "%s%s%s%s", i ? ", " : "", pre, names[i], post);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}

/* ------------------------------------------------------------------------ */
/* Parse context                                                            */
/* ------------------------------------------------------------------------ */

struct ctx {
	const char *file;      /* FILE in messages */
	const char *skip;      /* a [section] someone else parses (sweep files), or NULL */
	struct diag *d;
	size_t nerr;
	bool oom;
	struct scenario *s;
	size_t evcap;
	/* where we are: a file line, or a --set argument */
	int line;              /* 0: no line */
	const char *set;       /* the --set text, or NULL */
	int first_syntax;      /* first syntax error line the reader found */
	int first_line[NSECTIONS][MAX_KEYS]; /* where each key was set, 0 = not yet */
	const char *set_src[NSECTIONS][MAX_KEYS]; /* the last --set of each key, or NULL */
	struct {
		int line;
		const char *set;
		unsigned order;    /* 0 = default */
	} addr_src[NHOSTS];
	unsigned order;
	uint32_t link_set[NHOSTS]; /* link_dir fields set by a .a_to_b/.b_to_a key (bit = off / 8) */
	uint32_t nat_set;          /* nat_keys[] set explicitly (bit = index) */
};

/* The shared line reader (textfile.h), and where its lines' messages go. */
struct reader {
	struct line_reader lr;
	struct ctx *c;
};

static void report(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (c->set)
		diag_add(c->d, "--set %s: %s", c->set, m ? m : "out of memory");
	else if (c->line > 0)
		diag_add(c->d, "%s:%d: %s", c->file, c->line, m ? m : "out of memory");
	else
		diag_add(c->d, "%s: %s", c->file, m ? m : "out of memory");
	free(m);
	c->nerr++;
}

static void out_of_memory(struct ctx *c)
{
	if (!c->oom)
		report(c, "out of memory");
	c->oom = true;
}

static int sect_find(const char *name, size_t len)
{
	for (int i = 0; i < NSECTIONS; i++)
		if (strlen(sections[i].name) == len && !strncmp(sections[i].name, name, len))
			return i;
	return -1;
}

/* The section the caller parses itself (scenario_parse_text's skip_section). */
static bool is_skipped(const struct ctx *c, const char *name, size_t len)
{
	return c->skip && strlen(c->skip) == len && !strncmp(c->skip, name, len);
}

static const struct key_def *key_find(int sec, const char *name)
{
	for (size_t i = 0; i < sections[sec].nkeys; i++)
		if (!strcmp(sections[sec].keys[i].name, name))
			return &sections[sec].keys[i];
	return NULL;
}

static void report_unknown_section(struct ctx *c, const char *name)
{
	const char *names[NSECTIONS];
	const char *hint;
	char list[256];

	for (int i = 0; i < NSECTIONS; i++)
		names[i] = sections[i].name;
	hint = suggest(name, names, NSECTIONS);
	if (hint)
		report(c, "unknown section [%s] (did you mean [%s]?)", name, hint);
	else
		report(c, "unknown section [%s] (valid sections: %s)", name,
		       join_names(list, sizeof(list), names, NSECTIONS, "[", "]"));
}

/* "unknown key 'x' in [A] (did you mean 'y'?)"; only V_OPT keys when opts_only. */
static void report_unknown_key(struct ctx *c, int sec, const char *name, bool opts_only)
{
	const char *names[MAX_KEYS];
	const char *hint;
	char list[1024];
	size_t n = 0;

	for (size_t i = 0; i < sections[sec].nkeys; i++)
		if (!opts_only || sections[sec].keys[i].kind == V_OPT)
			names[n++] = sections[sec].keys[i].name;
	hint = suggest(name, names, n);
	if (opts_only) {
		if (hint)
			report(c, "unknown option '%s' (did you mean '%s'?)", name, hint);
		else
			report(c, "unknown option '%s' (valid options: %s)", name,
			       join_names(list, sizeof(list), names, n, "", ""));
	} else if (hint) {
		report(c, "unknown key '%s' in [%s] (did you mean '%s'?)", name, sections[sec].name,
		       hint);
	} else {
		report(c, "unknown key '%s' in [%s] (valid keys: %s)", name, sections[sec].name,
		       join_names(list, sizeof(list), names, n, "", ""));
	}
}

/* ------------------------------------------------------------------------ */
/* Values                                                                   */
/* ------------------------------------------------------------------------ */

static bool parse_bool(const char *v, bool *out)
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

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool has_alpha(const char *s)
{
	for (; *s; s++)
		if (isalpha((unsigned char)*s))
			return true;
	return false;
}

/*
 * The value of a socket option or sysctl, in the option's own unit (s, count,
 * ms, 0/1), checked by sockopt_check(). Used for file entries, --set and "set"
 * events. Reports and returns false when invalid.
 */
/* A duration that must be a whole number of `unit` (KS_SEC or KS_MS), in
 * those units; an overflow becomes UINT64_MAX for the range check to reject. */
static bool whole_units(struct ctx *c, const char *name, const char *val, const char *range,
			ks_time_t unit, const char *unit_name, const char *noun, const char *example,
			uint64_t *out)
{
	ks_time_t ns;
	switch (dur_parse(val, &ns)) {
	case NUM_OK:
		if (ns % unit)
			break;
		*out = ns / unit;
		return true;
	case NUM_OVERFLOW:
		*out = UINT64_MAX;
		return true;
	case NUM_FRACTION:
		break;
	default:
		report(c, "%s = %s is not %s (%s; e.g. %s)", name, val, noun, range, example);
		return false;
	}
	report(c, "%s = %s must be whole %s (%s)", name, val, unit_name, range);
	return false;
}

static bool opt_parse(struct ctx *c, enum sockopt opt, const char *name, const char *val,
		      uint64_t *out)
{
	const struct opt_def *o = &opt_defs[opt];
	const char *bad;
	uint64_t v = 0;
	bool b;

	switch (o->unit) {
	case U_BOOL:
		if (!parse_bool(val, &b)) {
			report(c, "%s = %s is not a boolean (%s)", name, val, o->range);
			return false;
		}
		v = b;
		break;
	case U_SEC:
		if (!whole_units(c, name, val, o->range, KS_SEC, "seconds", "a number of seconds",
				 "75 or 2h", &v))
			return false;
		break;
	case U_COUNT:
		switch (parse_u64(val, false, &v)) {
		case NUM_OK:
			break;
		case NUM_OVERFLOW:
			v = UINT64_MAX;
			break;
		default:
			report(c, "%s = %s is not an integer (%s)", name, val, o->range);
			return false;
		}
		break;
	case U_MS:
		if (all_digits(val)) {
			if (parse_u64(val, false, &v) != NUM_OK)
				v = UINT64_MAX;
			break;
		}
		if (!has_alpha(val)) {
			report(c, "%s = %s is not a number of milliseconds (%s; a bare number is ms, "
				  "or give a unit, e.g. 30000 or 30s)", name, val, o->range);
			return false;
		}
		if (!whole_units(c, name, val, o->range, KS_MS, "milliseconds", "a duration",
				 "30000 or 30s", &v))
			return false;
		break;
	}
	bad = sockopt_check(opt, v);
	if (bad) {
		report(c, "%s = %s is out of range (%s)", name, val, bad);
		return false;
	}
	*out = v;
	return true;
}

static void opt_store(struct ep_config *ep, enum sockopt opt, uint64_t v)
{
	char *field = (char *)ep + opt_defs[opt].off;

	if (opt_defs[opt].unit == U_BOOL)
		*(bool *)(void *)field = v != 0;
	else
		*(uint32_t *)(void *)field = (uint32_t)v;
}

static const char *dur_error(enum num_err e)
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

static bool parse_addr(const char *v, uint32_t *addr, uint16_t *port)
{
	const char *colon = strrchr(v, ':');
	char ip[INET_ADDRSTRLEN];
	struct in_addr in;
	uint64_t p;

	if (!colon || (size_t)(colon - v) >= sizeof(ip))
		return false;
	memcpy(ip, v, (size_t)(colon - v));
	ip[colon - v] = '\0';
	if (inet_pton(AF_INET, ip, &in) != 1)
		return false;
	if (parse_u64(colon + 1, false, &p) != NUM_OK || p < 1 || p > 65535)
		return false;
	*addr = ntohl(in.s_addr);
	*port = (uint16_t)p;
	return true;
}

static bool valid_name(const char *v)
{
	size_t n = strlen(v);

	if (n < 1 || n > 63)
		return false;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && *v != '.' && *v != '_' && *v != '-')
			return false;
	return true;
}

/* Parse, check and store one key's value; reports and leaves the field alone
 * when invalid. */
/* A probability or rate: a plain decimal number (no hex, inf or nan). */
static bool parse_real(const char *v, double *out)
{
	char *end;
	double d;

	if (!*v || strspn(v, "0123456789.") != strlen(v) || !isdigit((unsigned char)v[0]))
		return false;
	errno = 0;
	d = strtod(v, &end);
	if (*end || errno || !isfinite(d))
		return false;
	*out = d;
	return true;
}

static void apply_preset(struct ctx *c, const char *val);

static void key_apply(struct ctx *c, int sec, const struct key_def *k, const char *val)
{
	char *base = (char *)c->s + sections[sec].base;
	void *field = base + k->off;
	enum num_err e;
	ks_time_t t;
	uint64_t v;
	double dv;
	bool b;

	if (sec == SEC_NAT) {
		c->s->nat.enabled = true;
		if (k->kind == V_PRESET) {
			apply_preset(c, val);
			return;
		}
		c->nat_set |= 1u << (k - nat_keys);
	}
	if (k->dir != DIR_NONE) {
		/* parse once, then store into the direction(s): a .a_to_b/.b_to_a key
		 * always wins over the plain key, whatever the order */
		unsigned bit = 1u << (k->off / 8);
		char tmp[8];
		if (k->kind == V_DURATION) {
			e = dur_parse(val, &t);
			if (e == NUM_OVERFLOW || (e == NUM_OK && (t < k->min || t > k->max))) {
				report(c, "%s = %s is out of range (%s)", k->name, val, k->valid);
				return;
			}
			if (e != NUM_OK) {
				report(c, "%s = %s %s", k->name, val, dur_error(e));
				return;
			}
			memcpy(tmp, &t, 8);
		} else {
			if (!parse_real(val, &dv)) {
				report(c, "%s = %s is not a number (%s)", k->name, val, k->valid);
				return;
			}
			if (decimal_cmp(val, 1) > 0) {
				report(c, "%s = %s is out of range (%s)", k->name, val, k->valid);
				return;
			}
			memcpy(tmp, &dv, 8);
		}
		for (int h = 0; h < NHOSTS; h++) {
			bool mine = k->dir == DIR_BOTH || k->dir - DIR_AB == h;
			if (!mine || (k->dir == DIR_BOTH && (c->link_set[h] & bit)))
				continue;
			memcpy((char *)&c->s->link.dir[h] + k->off, tmp, 8);
			if (k->dir != DIR_BOTH)
				c->link_set[h] |= bit;
		}
		return;
	}

	switch (k->kind) {
	case V_NAME:
		if (!valid_name(val)) {
			report(c, "%s = %s is not a valid name (%s)", k->name, val, k->valid);
			return;
		}
		strcpy(field, val);
		break;
	case V_TEXT: {
		char *dup = strdup(val);
		if (!dup) {
			out_of_memory(c);
			return;
		}
		free(*(char **)field);
		*(char **)field = dup;
		break;
	}
	case V_DURATION:
		e = dur_parse(val, &t);
		if (e == NUM_OK && (t < k->min || t > k->max)) {
			report(c, "%s = %s is out of range (%s)", k->name, val, k->valid);
			return;
		}
		if (e == NUM_OVERFLOW) {
			report(c, "%s = %s is out of range (%s)", k->name, val, k->valid);
			return;
		}
		if (e != NUM_OK) {
			report(c, "%s = %s %s", k->name, val, dur_error(e));
			return;
		}
		*(ks_time_t *)field = t;
		break;
	case V_DURLIST: {
		struct dur_list l = {0};
		char item[128];
		const char *p = val;
		for (;;) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			while (len && (*p == ' ' || *p == '\t'))
				p++, len--;
			while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
				len--;
			if (l.n == DUR_LIST_MAX || len >= sizeof(item)) {
				report(c, "%s = %s has too many items (%s)", k->name, val, k->valid);
				return;
			}
			memcpy(item, p, len);
			item[len] = '\0';
			e = dur_parse(item, &t);
			if (e == NUM_OK && (t < k->min || t > k->max))
				e = NUM_OVERFLOW;
			if (e != NUM_OK) {
				const char *what = e == NUM_OVERFLOW ? "is out of range" : "is not a duration";
				if (!comma && l.n == 0) /* a single value: say it like any duration */
					report(c, "%s = %s %s (%s)", k->name, val, what, k->valid);
				else
					report(c, "%s = %s: %s %s (%s)", k->name, val, item, what, k->valid);
				return;
			}
			l.v[l.n++] = t;
			if (!comma)
				break;
			p = comma + 1;
		}
		*(struct dur_list *)field = l;
		break;
	}
	case V_U64:
		e = parse_u64(val, k->max == 0, &v);
		if (e != NUM_OK) {
			report(c, "%s = %s is %s (%s)", k->name, val,
			       e == NUM_OVERFLOW ? "out of range" : "not an integer", k->valid);
			return;
		}
		if (k->max && (v < k->min || v > k->max)) {
			report(c, "%s = %s is out of range (%s)", k->name, val, k->valid);
			return;
		}
		*(uint64_t *)field = v;
		break;
	case V_TIMER: {
		static const char *const names[] = { [TM_EXACT] = "exact", [TM_LINUX] = "linux",
						     [TM_LWIP] = "lwip" };
		const char *hint;
		for (size_t i = 0; i < 3; i++)
			if (!strcmp(val, names[i])) {
				*(enum tm_kind *)field = (enum tm_kind)i;
				return;
			}
		hint = suggest(val, names, 3);
		if (hint)
			report(c, "%s = %s is not a timer model (did you mean '%s'? %s)", k->name, val,
			       hint, k->valid);
		else
			report(c, "%s = %s is not a timer model (%s)", k->name, val, k->valid);
		return;
	}
	case V_HZ:
		if (parse_u64(val, false, &v) != NUM_OK || (v != 100 && v != 250 && v != 300 && v != 1000)) {
			report(c, "%s = %s is not a supported HZ (%s)", k->name, val, k->valid);
			return;
		}
		*(uint32_t *)field = (uint32_t)v;
		break;
	case V_OS: {
		int os = profile_find(val);
		if (os < 0) {
			const char *names[NOS], *hint;
			for (int i = 0; i < NOS; i++)
				names[i] = profile_get((enum os_profile)i)->name;
			hint = suggest(val, names, NOS);
			if (hint)
				report(c, "%s = %s is not a known OS profile (did you mean '%s'? %s)",
				       k->name, val, hint, k->valid);
			else
				report(c, "%s = %s is not a known OS profile (%s)", k->name, val, k->valid);
			return;
		}
		*(enum os_profile *)field = (enum os_profile)os;
		break;
	}
	case V_PROB:
	case V_RATE:
		if (!parse_real(val, &dv)) {
			report(c, "%s = %s is not a number (%s)", k->name, val, k->valid);
			return;
		}
		if (decimal_cmp(val, k->kind == V_PROB ? 1 : k->max) > 0) {
			report(c, "%s = %s is out of range (%s)", k->name, val, k->valid);
			return;
		}
		*(double *)field = dv;
		break;
	case V_BOOL:
		if (!parse_bool(val, &b)) {
			report(c, "%s = %s is not a boolean (%s)", k->name, val, k->valid);
			return;
		}
		*(bool *)field = b;
		break;
	case V_ENUM: {
		size_t n = 0;
		char list[256];
		while (k->names[n])
			n++;
		for (size_t i = 0; i < n; i++) {
			if (!strcmp(k->names[i], val)) {
				*(int *)field = (int)i;
				return;
			}
		}
		report(c, "%s = %s is not a valid value (valid: %s)", k->name, val,
		       join_names(list, sizeof(list), k->names, n, "", ""));
		return;
	}
	case V_IPV4: {
		struct in_addr in;
		if (inet_pton(AF_INET, val, &in) != 1) {
			report(c, "%s = %s is not a valid address (%s)", k->name, val, k->valid);
			return;
		}
		*(uint32_t *)field = ntohl(in.s_addr);
		break;
	}
	case V_PRESET:
		break; /* handled above */
	case V_OPT:
		if (opt_parse(c, k->opt, k->name, val, &v))
			opt_store((struct ep_config *)(void *)base, k->opt, v);
		break;
	case V_ADDR: {
		struct ep_config *ep = (struct ep_config *)(void *)base;
		int h = sections[sec].host;
		if (!parse_addr(val, &ep->addr, &ep->port)) {
			report(c, "%s = %s is not a valid address (%s)", k->name, val, k->valid);
			return;
		}
		c->addr_src[h].line = c->line;
		c->addr_src[h].set = c->set;
		c->addr_src[h].order = ++c->order;
		break;
	}
	}
}

/* preset = NAME: every [nat] key not set explicitly takes the preset's value
 * (the keys of the section win whatever their order). */
static void apply_preset(struct ctx *c, const char *val)
{
	struct nat_config p, *n = &c->s->nat;
	char list[512];

	if (!nat_preset_fill(val, &p)) {
		const char *hint = suggest(val, nat_preset_names, nat_npresets);
		if (hint)
			report(c, "unknown preset '%s' (did you mean '%s'? valid presets: %s)", val, hint,
			       join_names(list, sizeof(list), nat_preset_names, nat_npresets, "", ""));
		else
			report(c, "unknown preset '%s' (valid presets: %s)", val,
			       join_names(list, sizeof(list), nat_preset_names, nat_npresets, "", ""));
		return;
	}
	for (size_t i = 0; i < NKEYS(nat_keys); i++) {
		const struct key_def *k = &nat_keys[i];
		size_t size;
		if (k->kind == V_PRESET || (c->nat_set & (1u << i)))
			continue;
		switch (k->kind) {
		case V_DURATION: size = sizeof(ks_time_t); break;
		case V_DURLIST: size = sizeof(struct dur_list); break;
		case V_U64: size = sizeof(uint64_t); break;
		case V_PROB: case V_RATE: size = sizeof(double); break;
		case V_BOOL: size = sizeof(bool); break;
		case V_ENUM: size = sizeof(int); break;
		case V_IPV4: size = sizeof(uint32_t); break;
		default: continue;
		}
		memcpy((char *)n + k->off, (char *)&p + k->off, size);
	}
	strcpy(n->preset, p.preset);
}

/* ------------------------------------------------------------------------ */
/* [events]                                                                 */
/* ------------------------------------------------------------------------ */

/* The path's actions: no host argument. */
static const char *const path_acts[] = { "link", "partition", "heal", "nat" };
#define NPATH (sizeof(path_acts) / sizeof(path_acts[0]))

static size_t action_names(const char **names)
{
	for (size_t i = 0; i < NACTS; i++)
		names[i] = act_defs[i].name;
	for (size_t i = 0; i < NPATH; i++)
		names[NACTS + i] = path_acts[i];
	return NACTS + NPATH;
}

static const char *action_list(char *buf, size_t size)
{
	const char *names[NACTS + NPATH];

	return join_names(buf, size, names, action_names(names), "", "");
}

/* link down | link up | link loss P | partition A->B | partition B->A | heal |
 * nat flush | nat reboot. Fills ev; reports and returns false when wrong. */
static bool path_event(struct ctx *c, struct sc_event *ev, char **tok, size_t ntok)
{
	ev->host = -1;
	if (!strcmp(tok[0], "link")) {
		if (ntok == 2 && !strcmp(tok[1], "down")) {
			ev->action = ACT_LINK_DOWN;
		} else if (ntok == 2 && !strcmp(tok[1], "up")) {
			ev->action = ACT_LINK_UP;
		} else if (ntok == 3 && !strcmp(tok[1], "loss")) {
			ev->action = ACT_LINK_LOSS;
			if (!parse_real(tok[2], &ev->p)) {
				report(c, "link loss: '%s' is not a number (a probability, 0..1)", tok[2]);
				return false;
			}
			if (decimal_cmp(tok[2], 1) > 0) {
				report(c, "link loss: %s is out of range (a probability, 0..1)", tok[2]);
				return false;
			}
		} else {
			report(c, "link: expected 'link down', 'link up' or 'link loss P'");
			return false;
		}
	} else if (!strcmp(tok[0], "partition")) {
		if (ntok == 2 && !strcmp(tok[1], "A->B")) {
			ev->host = HOST_A;
		} else if (ntok == 2 && !strcmp(tok[1], "B->A")) {
			ev->host = HOST_B;
		} else {
			report(c, "partition: expected 'partition A->B' or 'partition B->A' "
				  "(the direction that fails)");
			return false;
		}
		ev->action = ACT_PARTITION;
	} else if (!strcmp(tok[0], "heal")) {
		if (ntok != 1) {
			report(c, "'heal' takes no argument (heal ends every partition)");
			return false;
		}
		ev->action = ACT_HEAL;
	} else {
		if (ntok == 2 && !strcmp(tok[1], "flush")) {
			ev->action = ACT_NAT_FLUSH;
		} else if (ntok == 2 && !strcmp(tok[1], "reboot")) {
			ev->action = ACT_NAT_REBOOT;
		} else {
			report(c, "nat: expected 'nat flush' or 'nat reboot'");
			return false;
		}
	}
	return true;
}

static void event_parse(struct ctx *c, const char *when, const char *value)
{
	struct sc_event ev = { .line = c->line };
	const struct act_def *a = NULL;
	char *tok[5], *copy, *save = NULL, list[256];
	enum num_err e;
	size_t ntok = 0;
	uint64_t v;

	e = dur_parse(when, &ev.at);
	if (e != NUM_OK) {
		report(c, "event time '%s' %s", when, dur_error(e));
		return;
	}
	copy = strdup(value);
	if (!copy) {
		out_of_memory(c);
		return;
	}
	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (ntok == 5)
			break;
		tok[ntok++] = t;
	}
	if (ntok == 0) {
		report(c, "event at '%s' has no action (valid actions: %s)", when,
		       action_list(list, sizeof(list)));
		goto out;
	}
	for (size_t i = 0; i < NPATH; i++) {
		if (!strcmp(path_acts[i], tok[0])) {
			if (!path_event(c, &ev, tok, ntok))
				goto out;
			goto add;
		}
	}
	for (size_t i = 0; i < NACTS; i++)
		if (!strcmp(act_defs[i].name, tok[0]))
			a = &act_defs[i];
	if (!a) {
		const char *names[NACTS + NPATH], *hint;
		hint = suggest(tok[0], names, action_names(names));
		if (hint)
			report(c, "unknown action '%s' (did you mean '%s'? valid actions: %s)", tok[0],
			       hint, action_list(list, sizeof(list)));
		else
			report(c, "unknown action '%s' (valid actions: %s)", tok[0],
			       action_list(list, sizeof(list)));
		goto out;
	}
	if (ntok - 1 != (size_t)a->nargs) {
		report(c, "'%s' takes %d argument%s, not %s%zu (%s, where X is A or B)", a->name,
		       a->nargs, a->nargs > 1 ? "s" : "", ntok == 5 ? "at least " : "", ntok - 1,
		       a->usage);
		goto out;
	}
	ev.action = a->act;
	if (!strcmp(tok[1], "A")) {
		ev.host = HOST_A;
	} else if (!strcmp(tok[1], "B")) {
		ev.host = HOST_B;
	} else {
		report(c, "%s: unknown host '%s' (A or B, upper case)", a->name, tok[1]);
		goto out;
	}
	switch (a->act) {
	case ACT_SEND:
		e = parse_u64(tok[2], false, &v);
		if (e == NUM_SYNTAX) {
			report(c, "send: byte count '%s' is not an integer (1..%u bytes)", tok[2],
			       SEND_MAX);
			goto out;
		}
		if (e != NUM_OK || v < 1 || v > SEND_MAX) {
			report(c, "send: byte count %s is out of range (1..%u bytes)", tok[2], SEND_MAX);
			goto out;
		}
		ev.arg = v;
		break;
	case ACT_CONGEST:
		e = dur_parse(tok[2], &ev.arg);
		if (e == NUM_OK && ev.arg == 0) {
			report(c, "congest: duration 0 is out of range (more than 0)");
			goto out;
		}
		if (e != NUM_OK) {
			report(c, "congest: duration '%s' %s", tok[2], dur_error(e));
			goto out;
		}
		break;
	case ACT_SET: {
		const struct key_def *k = key_find(SEC_A, tok[2]);
		if (!k || k->kind != V_OPT) {
			report_unknown_key(c, SEC_A, tok[2], true);
			goto out;
		}
		if (!opt_parse(c, k->opt, k->name, tok[3], &v))
			goto out;
		ev.opt = k->opt;
		ev.arg = v;
		break;
	}
	default:
		break;
	}
add:
	if (c->s->nevents == c->evcap) {
		size_t cap = c->evcap ? 2 * c->evcap : 16;
		struct sc_event *p = realloc(c->s->events, cap * sizeof(*p));
		if (!p) {
			out_of_memory(c);
			goto out;
		}
		c->s->events = p;
		c->evcap = cap;
	}
	c->s->events[c->s->nevents++] = ev;
out:
	free(copy);
}

/* ------------------------------------------------------------------------ */
/* inih callbacks                                                           */
/* ------------------------------------------------------------------------ */

/* Where inih's scan for one of chars stops: at one of chars, at an inline
 * comment (';' or '#' after whitespace) or at the end. */
static const char *scan_to(const char *s, const char *chars)
{
	bool was_space = false;

	for (; *s; s++) {
		if (strchr(chars, *s))
			break;
		if (was_space && (*s == ';' || *s == '#'))
			break;
		was_space = isspace((unsigned char)*s);
	}
	return s;
}

/* Classify one line as inih will, and report what inih would only count. */
static void check_line(struct ctx *c, const char *line)
{
	const char *s = line, *e;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		e = scan_to(s + 1, "]");
		if (*e == ']') {
			const char *rest = e + 1;
			size_t len = (size_t)(e - s - 1);
			if (sect_find(s + 1, len) == SEC_NAT)
				c->s->nat.enabled = true; /* an empty [nat] places a default NAT */
			if (sect_find(s + 1, len) < 0 && !is_skipped(c, s + 1, len)) {
				char *name = strndup(s + 1, len);
				if (!name) {
					out_of_memory(c);
					return;
				}
				report_unknown_section(c, name);
				free(name);
			}
			while (isspace((unsigned char)*rest))
				rest++;
			if (*rest && *rest != ';' && *rest != '#')
				report(c, "unexpected text after ']' (a section line is [name] and "
					  "an optional ; comment)");
			return;
		}
	} else {
		e = scan_to(s, "=:");
		if (*e == '=' || *e == ':')
			return;
	}
	if (!c->first_syntax)
		c->first_syntax = c->line;
	report(c, "syntax error (expected [section], KEY = VALUE or a ; comment)");
}

/* inih's reader: the shared line reader, then this parser's checks. */
static char *read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	char *line = line_reader_next(str, num, &r->lr);

	if (!line)
		return NULL;
	r->c->line = r->lr.line;
	if (r->lr.fault != LINE_OK)
		report(r->c, "%s", line_fault_text(r->lr.fault));
	else
		check_line(r->c, line);
	return line;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct ctx *c = user;
	const struct key_def *k;
	int sec, *first;

	if (!*section) {
		char list[256];
		const char *names[NSECTIONS];
		for (int i = 0; i < NSECTIONS; i++)
			names[i] = sections[i].name;
		report(c, "key '%s' is outside any section (valid sections: %s)", name,
		       join_names(list, sizeof(list), names, NSECTIONS, "[", "]"));
		return 1;
	}
	sec = sect_find(section, strlen(section));
	if (sec < 0)
		return 1; /* reported at the [section] line, or skipped (c->skip) */
	if (!*name) {
		report(c, "missing key before '=' (KEY = VALUE)");
		return 1;
	}
	if (sec == SEC_EVENTS) {
		event_parse(c, name, value);
		return 1;
	}
	k = key_find(sec, name);
	if (!k) {
		report_unknown_key(c, sec, name, false);
		return 1;
	}
	first = &c->first_line[sec][k - sections[sec].keys];
	if (*first) {
		report(c, "duplicate key '%s' (first set at line %d)", name, *first);
		return 1;
	}
	*first = c->line;
	key_apply(c, sec, k, value);
	return 1; /* errors are ours to report; inih's count stays for syntax */
}

/* ------------------------------------------------------------------------ */
/* --set                                                                    */
/* ------------------------------------------------------------------------ */

static char *trimmed_dup(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

static void apply_set(struct ctx *c, const char *arg)
{
	const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');
	char *sect = NULL, *key = NULL, *val = NULL;
	const struct key_def *k;
	int sec;

	c->set = arg;
	c->line = 0;
	if (!dot || !eq || eq < dot) {
		report(c, "expected SECTION.KEY=VALUE (e.g. A.tcp_keepidle=60)");
		return;
	}
	sect = trimmed_dup(arg, (size_t)(dot - arg));
	key = trimmed_dup(dot + 1, (size_t)(eq - dot - 1));
	val = trimmed_dup(eq + 1, strlen(eq + 1));
	if (!sect || !key || !val) {
		out_of_memory(c);
		goto out;
	}
	if (!*sect || !*key) {
		report(c, "expected SECTION.KEY=VALUE (e.g. A.tcp_keepidle=60)");
		goto out;
	}
	sec = sect_find(sect, strlen(sect));
	if (sec < 0) {
		report_unknown_section(c, sect);
		goto out;
	}
	if (sec == SEC_EVENTS) {
		report(c, "[events] cannot be changed with --set (put events in the scenario file)");
		goto out;
	}
	k = key_find(sec, key);
	if (!k) {
		report_unknown_key(c, sec, key, false);
		goto out;
	}
	c->set_src[sec][k - sections[sec].keys] = arg;
	key_apply(c, sec, k, val);
out:
	free(sect);
	free(key);
	free(val);
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */
/* ------------------------------------------------------------------------ */

/* Base name without ".ini", other characters than [A-Za-z0-9._-] as '_'. */
static void default_name(char name[64], const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n >= 4 && !strcmp(b + n - 4, ".ini"))
		n -= 4;
	if (n > 63)
		n = 63;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)b[i];
		name[i] = isalnum(ch) || ch == '.' || ch == '_' || ch == '-' ? (char)ch : '_';
	}
	name[n] = '\0';
	if (!n)
		strcpy(name, "scenario");
}

static int event_cmp(const void *pa, const void *pb)
{
	const struct sc_event *a = pa, *b = pb;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line); /* file order */
}

/* Point c at where key `name` of section sec was set (the last --set wins);
 * false if it was never set. */
static bool key_where(struct ctx *c, int sec, const char *name)
{
	const struct key_def *k = key_find(sec, name);
	size_t i = (size_t)(k - sections[sec].keys);

	if (c->set_src[sec][i]) {
		c->set = c->set_src[sec][i];
		return true;
	}
	c->set = NULL;
	c->line = c->first_line[sec][i];
	return c->line != 0;
}

/* Timer model keys and OS profiles: combinations and options a profile lacks. */
static void check_models(struct ctx *c)
{
	struct scenario *s = c->s;
	const char *only_linux = "only the linux timer model has jiffies (set timer = linux)";

	if (s->timer != TM_LINUX) {
		if (key_where(c, SEC_SCENARIO, "hz"))
			report(c, "hz: %s", only_linux);
		if (key_where(c, SEC_SCENARIO, "jiffies"))
			report(c, "jiffies: %s", only_linux);
		if (s->timer == TM_EXACT && key_where(c, SEC_SCENARIO, "jiffies_phase"))
			report(c, "jiffies_phase: the exact timer model has no ticks (set timer = linux "
				  "or lwip)");
		if (s->timer == TM_LWIP && s->jiffies_phase != KS_TIME_NEVER &&
		    s->jiffies_phase >= TM_LWIP_SLOW_INTERVAL && key_where(c, SEC_SCENARIO, "jiffies_phase"))
			report(c, "jiffies_phase is out of range (0 up to one slow-timer tick, 0.5 s, "
				  "exclusive)");
	} else if (s->jiffies_phase != KS_TIME_NEVER && s->jiffies_phase >= KS_SEC / s->hz &&
		   key_where(c, SEC_SCENARIO, "jiffies_phase")) {
		char tick[32];
		format_seconds(tick, sizeof(tick), KS_SEC / s->hz);
		report(c, "jiffies_phase is out of range (0 up to one tick, %s s at hz = %u, exclusive)",
		       tick, (unsigned)s->hz);
	}
	for (int h = 0; h < NHOSTS; h++) {
		struct ep_config *ep = &s->ep[h];
		const struct profile *p = profile_get(ep->os);
		int sec = h == HOST_A ? SEC_A : SEC_B;

		for (size_t i = 0; i < NKEYS(ep_keys); i++) {
			const struct key_def *k = &ep_keys[i];
			if (k->kind != V_OPT || profile_has_opt(p, k->opt) || !key_where(c, sec, k->name))
				continue;
			report(c, "%s: os = %s has no such option (%s has %s)", k->name, p->name, p->name,
			       p->opts_text);
		}
		c->set = NULL;
		for (size_t i = 0; i < s->nevents; i++) {
			const struct sc_event *ev = &s->events[i];
			if (ev->host != h || ev->action != ACT_SET || profile_has_opt(p, ev->opt))
				continue;
			c->line = ev->line;
			report(c, "set %c %s: os = %s has no such option (%s has %s)", "AB"[h],
			       sockopt_name(ev->opt), p->name, p->name, p->opts_text);
		}
		if (ep->os != OS_LINUX && ep->os != OS_LINUX_26) {
			/* the profile's own defaults (its sysctls are not Linux's) */
			ep->tcp_keepalive_time = p->keepidle;
			ep->tcp_keepalive_intvl = p->keepintvl;
			ep->tcp_keepalive_probes = p->keepcnt;
		}
	}
	c->set = NULL;
}

/* Checks that need the whole scenario (after --set). */
static void check_all(struct ctx *c)
{
	struct scenario *s = c->s;

	check_models(c);

	if (s->ep[HOST_A].addr == s->ep[HOST_B].addr && s->ep[HOST_A].port == s->ep[HOST_B].port) {
		int later = c->addr_src[HOST_B].order > c->addr_src[HOST_A].order ? HOST_B : HOST_A;
		struct in_addr in = { .s_addr = htonl(s->ep[later].addr) };
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &in, ip, sizeof(ip));
		c->line = c->addr_src[later].line;
		c->set = c->addr_src[later].set;
		report(c, "addr = %s:%u is %s's address and port too (A and B must differ)", ip,
		       (unsigned)s->ep[later].port, later == HOST_A ? "B" : "A");
	}
	c->set = NULL;
	for (size_t i = 0; i < s->nevents; i++) {
		enum action a = s->events[i].action;
		if ((a == ACT_NAT_FLUSH || a == ACT_NAT_REBOOT) && !s->nat.enabled) {
			c->line = s->events[i].line;
			report(c, "nat %s: there is no NAT (add a [nat] section)",
			       a == ACT_NAT_FLUSH ? "flush" : "reboot");
		}
	}
	for (size_t i = 0; i < s->nevents; i++) {
		if (s->events[i].at > s->duration) {
			char at[64], dur[64];
			format_duration(at, sizeof(at), s->events[i].at);
			format_duration(dur, sizeof(dur), s->duration);
			c->line = s->events[i].line;
			report(c, "event at %s is after the end of the simulation (duration %s)", at,
			       dur);
		}
	}
}

static struct scenario *load_text(const char *file, const char *text, const char *skip,
				  const char *const *sets, size_t nsets, struct diag *d)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct reader rd = { .c = c };
	struct scenario *s;
	int r;

	if (!c || !(s = calloc(1, sizeof(*s)))) {
		free(c);
		diag_add(d, "%s: out of memory", file);
		return NULL;
	}
	c->file = file;
	c->skip = skip;
	c->d = d;
	c->s = s;
	s->description = strdup("");
	s->path = strdup(file);
	if (!s->description || !s->path)
		out_of_memory(c);
	default_name(s->name, file);
	s->duration = DAY;
	s->seed = 1;
	s->timer = TM_EXACT;
	s->hz = 250;
	s->jiffies = UINT64_MAX;
	s->jiffies_phase = KS_TIME_NEVER;
	for (int h = 0; h < NHOSTS; h++) {
		ep_config_default(&s->ep[h], h);
		s->link.dir[h].ge_loss = 1.0; /* Gilbert's model: the bad state loses all */
	}
	nat_config_default(&s->nat);

	/*
	 * inih's configuration is a set of process-wide globals in Debian's build.
	 * Every call sets them to the same values, and scenarios are parsed on the
	 * main thread only (simulations, which may run in threads, never parse), so
	 * this is no shared mutable state in practice.
	 */
	ini_max_line = TEXTFILE_INI_BUF;
	ini_allow_inline_comments = true;
	ini_inline_comment_prefixes = ";#";
	ini_start_comment_prefixes = ";#";
	ini_stop_on_first_error = false;
	ini_allow_multiline = false; /* an indented line is a line of its own */
	ini_allow_no_value = false;
	ini_allow_bom = false; /* the line reader strips it */

	line_reader_init(&rd.lr, text);
	r = ini_parse_stream(read_line, &rd, on_entry, c);
	c->set = NULL;
	if (r > 0 && r != c->first_syntax) {
		/* a malformed line check_line() did not recognise */
		c->line = r;
		report(c, "syntax error (expected [section], KEY = VALUE or a ; comment)");
	} else if (r < 0) {
		c->line = 0;
		out_of_memory(c);
	}
	for (size_t i = 0; i < nsets; i++)
		apply_set(c, sets[i]);
	c->set = NULL;
	check_all(c);
	if (s->nevents > 1)
		qsort(s->events, s->nevents, sizeof(*s->events), event_cmp);

	if (c->nerr) {
		scenario_free(s);
		s = NULL;
	}
	free(c);
	return s;
}

struct scenario *scenario_load(const char *path, const char *const *sets, size_t nsets,
			       struct diag *d)
{
	char *text = textfile_read(path, NULL, d);
	struct scenario *s;

	if (!text)
		return NULL;
	s = load_text(path, text, NULL, sets, nsets, d);
	free(text);
	return s;
}

struct scenario *scenario_parse_string(const char *name, const char *text,
				       const char *const *sets, size_t nsets, struct diag *d)
{
	return scenario_parse_text(name, text, NULL, sets, nsets, d);
}

struct scenario *scenario_parse_text(const char *name, const char *text, const char *skip_section,
				     const char *const *sets, size_t nsets, struct diag *d)
{
	return load_text(name, text, skip_section, sets, nsets, d);
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	free(s->description);
	free(s->path);
	free(s->events);
	free(s);
}
