/*
 * library.c - the keepalive socket options libraries and daemons set by
 * default (library = NAME). Each row names the code or document the values
 * come from; docs/profiles.md has the same table with links. A library only
 * fills in options the section does not set itself (scenario_keys.c).
 */
#include <string.h>

#include "library.h"

static const struct library libs[] = {
	/* Go >= 1.13: net.Dialer and net.ListenConfig KeepAlive zero = "a default
	 * value (currently 15 seconds)" (src/net/dial.go), applied by
	 * setKeepAlivePeriod() to both TCP_KEEPIDLE and TCP_KEEPINTVL
	 * (src/net/tcpsockopt_unix.go); TCP_KEEPCNT left to the OS (9 on Linux).
	 * Another KeepAlive D: set tcp_keepidle = D, the interval follows (D).
	 * Go >= 1.23's KeepAliveConfig defaults are the same three numbers: Idle
	 * 15 s, Interval 15 s, Count 9 (src/net/tcpsock.go, golang/go#62254). */
	{"go", "net.Dial / net.Listen with the default KeepAlive (Go 1.13 and later)", true, 15, 15, 0, 1},
	/* Node.js socket.setKeepAlive(true, initialDelay) -> libuv uv_tcp_keepalive()
	 * (libuv >= 1.35.0, src/unix/tcp.c uv__tcp_keepalive): TCP_KEEPIDLE =
	 * initialDelay / 1000, TCP_KEEPINTVL = 1 ("same as default on Win32"),
	 * TCP_KEEPCNT = 10. The delay is the caller's: set tcp_keepidle. */
	{"node", "socket.setKeepAlive(true, initialDelay): set tcp_keepidle to initialDelay", true, 0, 1, 10, 0},
	/* Redis tcp-keepalive 300 (redis.conf: the default since 3.2.1) ->
	 * anetKeepAlive(interval) (src/anet.c): TCP_KEEPIDLE = interval,
	 * TCP_KEEPINTVL = interval / 3 (1 when that is 0), TCP_KEEPCNT = 3. Another
	 * tcp-keepalive N: set tcp_keepidle = N, the interval follows (N / 3). */
	{"redis", "redis-server with tcp-keepalive 300 (the default)", true, 300, 100, 3, 3},
	/* libpq: keepalives = 1 by default; keepalives_idle, _interval, _count
	 * "zero uses the system default" (PostgreSQL docs, libpq-connect.html). */
	{"libpq", "a libpq client (keepalives = 1, the rest 0: the OS defaults)", true, 0, 0, 0, 0},
	/* PostgreSQL server: tcp_keepalives_idle/interval/count = 0 = "the
	 * operating system's default" (runtime-config-connection.html); the
	 * postmaster sets SO_KEEPALIVE on every accepted socket
	 * (src/backend/libpq/pqcomm.c). */
	{"postgres", "the PostgreSQL server (tcp_keepalives_* = 0: the OS defaults)", true, 0, 0, 0, 0},
	/* curl (the tool): keepalive on, --keepalive-time defaults to 60 s for both
	 * the idle time and the interval (docs/cmdline-opts/keepalive-time.md);
	 * --keepalive-cnt (curl >= 8.9.0) defaults to 9. Another --keepalive-time N
	 * (CURLOPT_TCP_KEEPIDLE for libcurl): set tcp_keepidle = N; the interval
	 * follows for the tool (N), and for libcurl when only the idle time is set. */
	{"curl", "the curl command line tool (keepalive on, --keepalive-time 60)", true, 60, 60, 9, 1},
	/* libcurl: CURLOPT_TCP_KEEPALIVE defaults to 0 (off); when enabled,
	 * CURLOPT_TCP_KEEPIDLE 60, CURLOPT_TCP_KEEPINTVL 60, CURLOPT_TCP_KEEPCNT 9
	 * (libcurl >= 8.9.0) are the defaults (docs/libcurl/opts/). */
	{"libcurl", "libcurl with its defaults (CURLOPT_TCP_KEEPALIVE = 0: off)", false, 60, 60, 9, 1},
	/* Java: StandardSocketOptions.SO_KEEPALIVE "The initial value of this
	 * socket option is FALSE"; Netty's ChannelOption.SO_KEEPALIVE likewise.
	 * With setKeepAlive(true) (or jdk.net.ExtendedSocketOptions) the OS
	 * defaults apply unless TCP_KEEPIDLE etc. are set too. */
	{"java", "java.net.Socket / Netty with the defaults (SO_KEEPALIVE off)", false, 0, 0, 0, 0},
};

#define NLIBS (sizeof(libs) / sizeof(libs[0]))

const char *const library_names[] = {"go", "node", "redis", "libpq", "postgres", "curl",
				     "libcurl", "java"};
const size_t library_count = NLIBS;
_Static_assert(sizeof(library_names) / sizeof(library_names[0]) == NLIBS, "library name list");

const struct library *library_get(const char *name)
{
	for (size_t i = 0; i < NLIBS; i++)
		if (!strcmp(libs[i].name, name))
			return &libs[i];
	return NULL;
}
