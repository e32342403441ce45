/*
 * scenario.h - scenario files (INI) turned into a validated, immutable
 * description of one simulation.
 *
 * The scenario is the only input of a simulation: scenario -> simulation ->
 * event stream -> output sinks. Every value here has already been checked
 * against Linux's limits; the simulation never re-validates.
 *
 * Errors are collected, never printed here: the caller prints every message of
 * a struct diag, each already in the form "FILE:LINE: what is wrong (what is valid)".
 */
#ifndef KASIM_SCENARIO_H
#define KASIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "profile.h"
#include "timer.h"

enum { HOST_A = 0, HOST_B = 1, NHOSTS = 2 };

/* Socket options and per-host sysctls, with Linux's names and units. */
struct ep_config {
	bool so_keepalive;          /* SO_KEEPALIVE, default off */
	uint32_t tcp_keepidle;      /* s, 0 = unset (use the sysctl) */
	uint32_t tcp_keepintvl;     /* s, 0 = unset */
	uint32_t tcp_keepcnt;       /* count, 0 = unset */
	uint32_t tcp_user_timeout;  /* ms, 0 = off */
	/* net.ipv4.* of this host's network namespace */
	uint32_t tcp_keepalive_time;   /* s, default 7200 */
	uint32_t tcp_keepalive_intvl;  /* s, default 75 */
	uint32_t tcp_keepalive_probes; /* count, default 9 */
	uint32_t tcp_retries2;         /* default 15 */
	uint32_t tcp_syn_retries;      /* default 6 */
	uint32_t addr;                 /* IPv4, host byte order */
	uint16_t port;
	enum os_profile os;            /* os = linux (default), freebsd, ... */
};

struct link_config {
	ks_time_t delay; /* one way, default 0 */
};

/* Options settable at run time by "set X OPTION VALUE". */
enum sockopt {
	OPT_SO_KEEPALIVE,
	OPT_TCP_KEEPIDLE,
	OPT_TCP_KEEPINTVL,
	OPT_TCP_KEEPCNT,
	OPT_TCP_USER_TIMEOUT,
	OPT_SYSCTL_KEEPALIVE_TIME,
	OPT_SYSCTL_KEEPALIVE_INTVL,
	OPT_SYSCTL_KEEPALIVE_PROBES,
	OPT_SYSCTL_RETRIES2,
	OPT_SYSCTL_SYN_RETRIES,
};

enum action {
	ACT_UNPLUG,  /* X's cable: nothing reaches or leaves X; X keeps running */
	ACT_REPLUG,
	ACT_CRASH,   /* power off: silent, all state lost */
	ACT_BOOT,    /* back up with no connections: answers RST */
	ACT_REBOOT,  /* crash + boot */
	ACT_SEND,    /* application writes arg bytes */
	ACT_CLOSE,   /* application closes the socket (FIN) */
	ACT_SET,     /* setsockopt / sysctl at run time */
	ACT_CONGEST, /* X's qdisc drops everything X sends for arg ns */
};

struct sc_event {
	ks_time_t at;
	int line;      /* line in the scenario file, for messages */
	enum action action;
	int host;      /* HOST_A or HOST_B */
	enum sockopt opt; /* ACT_SET */
	uint64_t arg;  /* bytes (SEND), ns (CONGEST), option value (SET; ms for UT) */
};

struct scenario {
	char name[64];        /* [A-Za-z0-9._-]+ */
	char *description;    /* may be empty, never NULL */
	char *path;           /* file as given on the command line */
	ks_time_t duration;   /* default 1 day */
	uint64_t seed;        /* default 1 */
	enum tm_kind timer;   /* timer = exact (default) | linux | lwip */
	uint32_t hz;          /* hz = 100 | 250 (default) | 300 | 1000 */
	uint64_t jiffies;     /* tcp_jiffies32 at t = 0; UINT64_MAX = draw from the seed */
	ks_time_t jiffies_phase; /* time since the last tick at t = 0 (< 1 tick);
				  * KS_TIME_NEVER = draw from the seed */
	struct ep_config ep[NHOSTS];
	struct link_config link;
	struct sc_event *events; /* sorted by time; equal times keep file order */
	size_t nevents;
};

/* Collected error messages. */
struct diag {
	char **msg;
	size_t n, cap;
};
void diag_add(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_free(struct diag *d);

/*
 * Load a scenario file and apply --set overrides ("SECTION.KEY=VALUE", in order,
 * validated exactly like file entries). Returns NULL and fills d when anything
 * is wrong; every error of the file is reported, not only the first.
 */
struct scenario *scenario_load(const char *path, const char *const *sets, size_t nsets,
			       struct diag *d);
/* The same from a string (tests); name is used in messages as the FILE part. */
struct scenario *scenario_parse_string(const char *name, const char *text,
				       const char *const *sets, size_t nsets, struct diag *d);
void scenario_free(struct scenario *s);

/* Defaults of one endpoint (Linux): keepalive off, sysctls 7200/75/9, retries2 15. */
void ep_config_default(struct ep_config *c, int host);

/* Validate an option value as setsockopt/sysctl would. Returns NULL when valid,
 * else a static text naming the valid range, e.g. "1..32767 s". */
const char *sockopt_check(enum sockopt opt, uint64_t value);
const char *sockopt_name(enum sockopt opt);

/* Durations: "90", "90s", "1500ms", "250us", "10ns", "2h11m15s", "1d", "1.5s".
 * A bare number is seconds. Returns false on a malformed or overflowing value. */
bool parse_duration(const char *s, ks_time_t *out);

/* Seconds with up to 9 decimals and no trailing zeros, no unit: 7875 s -> "7875",
 * 200 ms -> "0.2", 1 ns -> "0.000000001". Exact (integer arithmetic). */
void format_seconds(char *buf, size_t n, ks_time_t t);

#endif
