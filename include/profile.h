/*
 * profile.h - operating-system profiles of an endpoint: the keepalive
 * defaults, the keepalive algorithm, and which options the scenario may set.
 * Sources and assumptions per profile: docs/profiles.md.
 */
#ifndef KASIM_PROFILE_H
#define KASIM_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

enum os_profile { OS_LINUX, OS_LINUX_26, OS_FREEBSD, OS_MACOS, OS_WINDOWS, OS_LWIP, NOS };

/* How the keepalive timer decides. */
enum ka_algo {
	KA_ALGO_LINUX,   /* tcp_keepalive_timer(): probe counter, TCP_USER_TIMEOUT */
	KA_ALGO_LINUX26, /* 2.6.24: idle from rcv_tstamp only, no TCP_USER_TIMEOUT */
	KA_ALGO_BSD,     /* tcp_timer_keep(): abort on idle >= keepidle + keepcnt * keepintvl */
	KA_ALGO_LWIP,    /* tcp_slowtmr(): 500 ms ticks, strict '>' on integer tick counts */
};

struct profile {
	const char *name;         /* as written in scenarios: "linux", "freebsd", ... */
	enum ka_algo algo;
	/* defaults: idle (s), interval (s), probe count */
	uint32_t keepidle, keepintvl, keepcnt;
	bool always_keepalive;    /* net.inet.tcp.always_keepalive = 1 (FreeBSD) */
	bool keepalive_fin_wait2; /* XNU also probes in FIN_WAIT_2 */
	bool linux_timers;        /* runs on the scenario's Linux timer model (timer = linux) */
	uint32_t opts;            /* the enum sockopt values the scenario may set (bit mask) */
	const char *opts_text;    /* the same, for messages */
	bool rto_rfc6298;         /* RTO from RFC 6298 section 2, not tcp_rtt_estimator() */
};

const struct profile *profile_get(enum os_profile os);
/* -1 if unknown */
int profile_find(const char *name);
bool profile_has_opt(const struct profile *p, unsigned opt);

#endif
