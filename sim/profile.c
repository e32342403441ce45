/*
 * profile.c - the OS profiles' constant table (docs/profiles.md says, for each
 * row, what is sourced and what is assumed).
 */
#include "profile.h"

#include <string.h>

#include "scenario.h"

#define BIT(o) (1u << (o))
#define KA_OPTS (BIT(OPT_SO_KEEPALIVE) | BIT(OPT_TCP_KEEPIDLE) | BIT(OPT_TCP_KEEPINTVL) | \
		 BIT(OPT_TCP_KEEPCNT))
#define LINUX_SYSCTLS (BIT(OPT_SYSCTL_KEEPALIVE_TIME) | BIT(OPT_SYSCTL_KEEPALIVE_INTVL) | \
		       BIT(OPT_SYSCTL_KEEPALIVE_PROBES) | BIT(OPT_SYSCTL_RETRIES2) |           \
		       BIT(OPT_SYSCTL_SYN_RETRIES) | BIT(OPT_SYSCTL_ICMP_RATELIMIT) |          \
		       BIT(OPT_SYSCTL_ICMP_RATEMASK) | BIT(OPT_SYSCTL_RTO_MIN_US) |             \
		       BIT(OPT_SYSCTL_TIMESTAMPS) | BIT(OPT_SYSCTL_FIN_TIMEOUT) |              \
		       BIT(OPT_SYSCTL_ORPHAN_RETRIES) | BIT(OPT_SYSCTL_SYNACK_RETRIES))
#define KA_OPTS_TEXT "so_keepalive, tcp_keepidle, tcp_keepintvl, tcp_keepcnt"

static const struct profile profiles[NOS] = {
	/* include/net/tcp.h: TCP_KEEPALIVE_TIME/INTVL/PROBES */
	[OS_LINUX] = { "linux", KA_ALGO_LINUX, 7200, 75, 9, false, false, true,
		       KA_OPTS | BIT(OPT_TCP_USER_TIMEOUT) | BIT(OPT_TCP_LINGER2) | LINUX_SYSCTLS,
		       KA_OPTS_TEXT ", tcp_user_timeout, tcp_linger2 and the net.ipv4 sysctls", false },
	/* 2.6.24 tcp_timer.c: same constants; TCP_USER_TIMEOUT arrived in 2.6.37 */
	[OS_LINUX_26] = { "linux-2.6", KA_ALGO_LINUX26, 7200, 75, 9, false, false, true,
			  KA_OPTS | BIT(OPT_TCP_LINGER2) | LINUX_SYSCTLS,
			  KA_OPTS_TEXT ", tcp_linger2 and the net.ipv4 sysctls", false },
	/* sys/netinet/tcp_timer.h: TCPTV_KEEP_IDLE 2 h, TCPTV_KEEPINTVL 75 s, TCPTV_KEEPCNT 8 */
	[OS_FREEBSD] = { "freebsd", KA_ALGO_BSD, 7200, 75, 8, true, false, false, KA_OPTS,
			 KA_OPTS_TEXT, false },
	/* xnu bsd/netinet/tcp_timer.h: same values, always_keepalive 0 */
	[OS_MACOS] = { "macos", KA_ALGO_BSD, 7200, 75, 8, false, true, false, KA_OPTS,
		       KA_OPTS_TEXT, false },
	/* KeepAliveTime 2 h, KeepAliveInterval 1 s, 10 probes (SIO_KEEPALIVE_VALS docs);
	 * retransmission "documented in IETF RFC 793 and 2988" (mstcpip.h,
	 * TCP_INITIAL_RTO_PARAMETERS), i.e. RFC 6298's RTO */
	[OS_WINDOWS] = { "windows", KA_ALGO_LINUX, 7200, 1, 10, false, false, false, KA_OPTS,
			 KA_OPTS_TEXT, true },
	/* lwip/priv/tcp_priv.h: TCP_KEEPIDLE_DEFAULT 7200000 ms, INTVL 75000 ms, CNT 9 */
	[OS_LWIP] = { "lwip", KA_ALGO_LWIP, 7200, 75, 9, false, false, false, KA_OPTS,
		      KA_OPTS_TEXT, false },
};

const struct profile *profile_get(enum os_profile os)
{
	return &profiles[(unsigned)os < NOS ? os : OS_LINUX];
}

int profile_find(const char *name)
{
	for (int i = 0; i < NOS; i++)
		if (!strcmp(profiles[i].name, name))
			return i;
	return -1;
}

bool profile_has_opt(const struct profile *p, unsigned opt)
{
	return opt < 32 && (p->opts & BIT(opt));
}
