/*
 * scenario_opts.c - socket options and per-host sysctls: Linux's limits
 * (sc_opt_defs[], indexed by enum sockopt) and the one range check,
 * sockopt_check(), used by file entries, "set" events and --set overrides
 * alike; the endpoint defaults.
 */
#include "priv/scenario_priv.h"

#include <ctype.h>
#include <string.h>

const struct opt_def sc_opt_defs[] = {
	[OPT_SO_KEEPALIVE] = { U_BOOL, 0, 1,
		"on/off, yes/no, true/false or 1/0", NULL,
		offsetof(struct ep_config, so_keepalive), false },
	[OPT_TCP_KEEPIDLE] = { U_SEC, 1, 32767,
		"1..32767 s; setsockopt(TCP_KEEPIDLE) returns EINVAL outside", NULL,
		offsetof(struct ep_config, tcp_keepidle), true },
	[OPT_TCP_KEEPINTVL] = { U_SEC, 1, 32767,
		"1..32767 s; setsockopt(TCP_KEEPINTVL) returns EINVAL outside", NULL,
		offsetof(struct ep_config, tcp_keepintvl), true },
	[OPT_TCP_KEEPCNT] = { U_COUNT, 1, 127,
		"1..127 probes; setsockopt(TCP_KEEPCNT) returns EINVAL outside", NULL,
		offsetof(struct ep_config, tcp_keepcnt), true },
	[OPT_TCP_USER_TIMEOUT] = { U_MS, 0, 2147483647,
		"0..2147483647 ms, 0 = off; setsockopt(TCP_USER_TIMEOUT) returns EINVAL outside",
		NULL, offsetof(struct ep_config, tcp_user_timeout), false },
	[OPT_SYSCTL_KEEPALIVE_TIME] = { U_SEC, 1, 2147483,
		"1..2147483 s",
		"1..2147483 s; Linux accepts 0, but then the keepalive timer fires on every tick, "
		"which kasim does not model",
		offsetof(struct ep_config, tcp_keepalive_time), false },
	[OPT_SYSCTL_KEEPALIVE_INTVL] = { U_SEC, 1, 2147483,
		"1..2147483 s",
		"1..2147483 s; Linux accepts 0, but then the keepalive timer fires on every tick, "
		"which kasim does not model",
		offsetof(struct ep_config, tcp_keepalive_intvl), false },
	[OPT_SYSCTL_KEEPALIVE_PROBES] = { U_COUNT, 0, 255,
		"0..255 probes", NULL, offsetof(struct ep_config, tcp_keepalive_probes), false },
	[OPT_SYSCTL_RETRIES2] = { U_COUNT, 0, 255,
		"0..255 retransmissions", NULL, offsetof(struct ep_config, tcp_retries2), false },
	[OPT_SYSCTL_SYN_RETRIES] = { U_COUNT, 1, 127,
		"1..127 retransmissions", NULL, offsetof(struct ep_config, tcp_syn_retries), false },
	/* proc_dointvec_ms_jiffies / proc_dointvec: any non-negative int */
	[OPT_SYSCTL_ICMP_RATELIMIT] = { U_MS, 0, 2147483647,
		"0..2147483647 ms, 0 = no limit", NULL, offsetof(struct ep_config, icmp_ratelimit), false },
	[OPT_SYSCTL_ICMP_RATEMASK] = { U_MASK, 0, 2147483647,
		"0..2147483647, a mask of ICMP types (bit n = type n), decimal or 0x hex", NULL,
		offsetof(struct ep_config, icmp_ratemask), false },
	[OPT_SYSCTL_RTO_MIN_US] = { U_COUNT, 1, 2147483647,
		"1..2147483647 us", NULL, offsetof(struct ep_config, tcp_rto_min_us), false },
	[OPT_SYSCTL_TIMESTAMPS] = { U_COUNT, 0, 2,
		"0 (off), 1 or 2 (on)", NULL, offsetof(struct ep_config, tcp_timestamps), false },
	/* do_tcp_setsockopt(TCP_LINGER2): val < 0 -> -1, above TCP_FIN_TIMEOUT_MAX
	 * (120 s) -> 120 s, else val s; an int */
	[OPT_TCP_LINGER2] = { U_LINGER, 0, UINT32_MAX,
		"-2147483648..2147483647 s: negative = no FIN_WAIT2 wait (RST), 0 = tcp_fin_timeout, "
		"above 120 s = 120 s", NULL, offsetof(struct ep_config, tcp_linger2), true },
	/* proc_dointvec_jiffies: seconds up to INT_MAX / HZ */
	[OPT_SYSCTL_FIN_TIMEOUT] = { U_SEC, 0, 2147483,
		"0..2147483 s", NULL, offsetof(struct ep_config, tcp_fin_timeout), false },
	/* proc_dou8vec_minmax */
	[OPT_SYSCTL_ORPHAN_RETRIES] = { U_COUNT, 0, 255,
		"0..255 retransmissions, 0 = 8 while the RTO is below its maximum", NULL,
		offsetof(struct ep_config, tcp_orphan_retries), false },
	[OPT_SYSCTL_SYNACK_RETRIES] = { U_COUNT, 0, 255,
		"0..255 retransmissions", NULL, offsetof(struct ep_config, tcp_synack_retries), false },
};
#define NOPTS (OPT_SYSCTL_SYNACK_RETRIES + 1)

const char *sockopt_check(enum sockopt opt, uint64_t value)
{
	const struct opt_def *o;

	if ((unsigned)opt >= NOPTS)
		return "unknown option";
	o = &sc_opt_defs[opt];
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
	c->icmp_ratelimit = 1000;  /* ICMP_RATELIMIT_DEFAULT (icmp.h) */
	c->icmp_ratemask = 0x1818; /* ICMP_RATEMASK_DEFAULT */
	c->tcp_rto_min_us = 200000; /* jiffies_to_usecs(TCP_RTO_MIN) */
	c->rto_min = KS_TIME_NEVER; /* no route metric */
	c->tcp_timestamps = 1;
	c->tcp_fin_timeout = 60;   /* TCP_FIN_TIMEOUT = TCP_TIMEWAIT_LEN */
	c->app_reads = true;
	c->tcp_synack_retries = 5;
	if (host == HOST_A) {
		c->addr = 0xC000020Au; /* 192.0.2.10 (TEST-NET-1) */
		c->port = 40000;
	} else {
		c->addr = 0xC6336414u; /* 198.51.100.20 (TEST-NET-2) */
		c->port = 443;
	}
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
		sc_report(c, "%s = %s is not %s (%s; e.g. %s)", name, val, noun, range, example);
		return false;
	}
	sc_report(c, "%s = %s must be whole %s (%s)", name, val, unit_name, range);
	return false;
}

/* TCP_USER_TIMEOUT: a bare number is ms, else a duration in whole ms. */
static bool ms_value(struct ctx *c, const struct opt_def *o, const char *name, const char *val,
		     uint64_t *v)
{
	if (all_digits(val)) {
		if (parse_u64(val, false, v) != NUM_OK)
			*v = UINT64_MAX;
		return true;
	}
	if (!has_alpha(val)) {
		sc_report(c, "%s = %s is not a number of milliseconds (%s; a bare number is ms, "
			     "or give a unit, e.g. 30000 or 30s)", name, val, o->range);
		return false;
	}
	return whole_units(c, name, val, o->range, KS_MS, "milliseconds", "a duration",
			   "30000 or 30s", v);
}

/* The value of a socket option or sysctl, in the option's own unit (s, count,
 * ms, 0/1), before the range check. */
static bool opt_value(struct ctx *c, const struct opt_def *o, const char *name, const char *val,
		      uint64_t *v)
{
	bool b;

	switch (o->unit) {
	case U_BOOL:
		if (!parse_bool(val, &b)) {
			sc_report(c, "%s = %s is not a boolean (%s)", name, val, o->range);
			return false;
		}
		*v = b;
		return true;
	case U_SEC:
		return whole_units(c, name, val, o->range, KS_SEC, "seconds", "a number of seconds",
				   "75 or 2h", v);
	case U_COUNT:
	case U_MASK:
		switch (parse_u64(val, o->unit == U_MASK, v)) {
		case NUM_OK:
			return true;
		case NUM_OVERFLOW:
			*v = UINT64_MAX;
			return true;
		default:
			sc_report(c, "%s = %s is not an integer (%s)", name, val, o->range);
			return false;
		}
	case U_MS:
		return ms_value(c, o, name, val, v);
	case U_LINGER:
		if (val[0] == '-' && all_digits(val + 1)) {
			*v = TCP_LINGER2_NONE; /* any negative value: -1 */
			return true;
		}
		if (!whole_units(c, name, val, o->range, KS_SEC, "seconds", "a number of seconds",
				 "-1, 0 or 90", v))
			return false;
		if (*v > 2147483647)
			*v = UINT64_MAX; /* not an int: out of range */
		else if (*v > 120)
			*v = 120; /* TCP_FIN_TIMEOUT_MAX */
		return true;
	}
	return false;
}

bool sc_opt_parse(struct ctx *c, enum sockopt opt, const char *name, const char *val, uint64_t *out)
{
	const char *bad;
	uint64_t v = 0;

	if (!opt_value(c, &sc_opt_defs[opt], name, val, &v))
		return false;
	bad = sockopt_check(opt, v);
	if (bad) {
		sc_report(c, "%s = %s is out of range (%s)", name, val, bad);
		return false;
	}
	*out = v;
	return true;
}

void sc_opt_store(struct ep_config *ep, enum sockopt opt, uint64_t v)
{
	char *field = (char *)ep + sc_opt_defs[opt].off;

	if (sc_opt_defs[opt].unit == U_BOOL)
		*(bool *)(void *)field = v != 0;
	else
		*(uint32_t *)(void *)field = (uint32_t)v;
}
