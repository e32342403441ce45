/*
 * proxy_preset.c - the [proxy] defaults and the presets: real terminating
 * proxies and load balancers, each number with its source (docs/proxies.md
 * has the same table with the links).
 *
 * A value the sources do not give is marked ASSUMPTION here and in
 * docs/proxies.md. A preset only fills in defaults: any key of the same
 * [proxy] section (or --set proxy.KEY=...) overrides it, whatever the order.
 * Where the vendor documents a configurable range, the preset carries it and
 * the scenario reader rejects a value outside it (scenario.c).
 */
#include <stdio.h>
#include <string.h>

#include "scenario.h"

#define S KS_SEC

/* No preset: a plain relay with no idle timer; P's sockets have Linux's
 * defaults (keepalive off), P's front address is where A connects. */
void proxy_config_default(struct proxy_config *c)
{
	memset(c, 0, sizeof(*c));
	c->client_expiry = PROXY_FIN;
	c->server_expiry = PROXY_FIN;
	c->on_reset = PROXY_FIN;
	ep_config_default(&c->client, HOST_B);
	ep_config_default(&c->server, HOST_A);
	c->client.addr = 0xCB007150u; /* 203.0.113.80 (TEST-NET-3): P's front end */
	c->client.port = 443;
	c->server.addr = 0xC6336450u; /* 198.51.100.80 (TEST-NET-2): P's side of B's network */
	c->server.port = 41000;
}

static void range(struct proxy_config *c, ks_time_t lo, ks_time_t hi, const char *src)
{
	c->idle_min = lo;
	c->idle_max = hi;
	snprintf(c->idle_range_src, sizeof(c->idle_range_src), "%s", src);
}

static void aws_alb(struct proxy_config *c)
{
	/* ALB User Guide, "Connection idle timeout": 60 s by default, for both
	 * the client and the target connection, 1-4000 s; "if no data has been
	 * sent or received ... the load balancer closes the connection".
	 * ASSUMPTION: closed with a FIN on each leg (the guide says "closes"). */
	c->idle_timeout = 60 * S;
	range(c, 1 * S, 4000 * S, "AWS ALB: 1-4000 s");
}

static void cloudflare(struct proxy_config *c)
{
	/* Cloudflare "Connection limits": Proxy Read Timeout 100 s (configurable
	 * on Enterprise plans only, no range published; the page now lists 120 s:
	 * set idle_timeout = 120s for that), and a 30 s TCP keepalive interval
	 * toward the origin. ASSUMPTION: 30 s is both TCP_KEEPIDLE and
	 * TCP_KEEPINTVL of that socket; a FIN on each leg at the timeout. */
	c->idle_timeout = 100 * S;
	c->server.so_keepalive = true;
	c->server.tcp_keepidle = 30;
	c->server.tcp_keepintvl = 30;
}

static void nginx(struct proxy_config *c)
{
	/* ngx_http_proxy_module: proxy_read_timeout 60s, proxy_send_timeout 60s
	 * (defaults); WebSocket proxying: "the connection will be closed if the
	 * proxied server does not transmit any data within 60 seconds".
	 * proxy_socket_keepalive and listen so_keepalive are off by default. */
	c->idle_timeout = 60 * S;
}

static void haproxy(struct proxy_config *c)
{
	/* HAProxy has no built-in timeout client/server (unset = none, with a
	 * warning); 1m is the "typical defaults section" of the RHEL Load Balancer
	 * Administration guide (5.3). In tunnel mode (WebSocket) timeout tunnel
	 * replaces both: set idle_timeout to it. */
	c->idle_timeout = 60 * S;
}

static void envoy(struct proxy_config *c)
{
	/* Envoy FAQ "How do I configure timeouts?": the HTTP idle_timeout
	 * defaults to 1 hour (the TCP proxy filter's idle_timeout too). */
	c->idle_timeout = 3600 * S;
}

static void gcp_https(struct proxy_config *c)
{
	/* GCP external Application LB, "Timeouts and retries": the backend
	 * service timeout (30 s default, 1-2147483647 s) is, for a WebSocket,
	 * the longest it may stay open, idle or not; the client HTTP keepalive
	 * timeout is 610 s. ASSUMPTION: FIN on each leg. */
	c->max_duration = 30 * S;
	c->idle_timeout = 610 * S;
	range(c, 1 * S, 2147483647LL * S, "GCP backend service timeout: 1-2147483647 s");
	c->range_on_max = true;
}

static const struct {
	const char *name;
	void (*fill)(struct proxy_config *c);
} presets[] = {
	{ "aws-alb", aws_alb },
	{ "cloudflare", cloudflare },
	{ "nginx", nginx },
	{ "haproxy", haproxy },
	{ "envoy", envoy },
	{ "gcp-https", gcp_https },
};

#define NPRESETS (sizeof(presets) / sizeof(presets[0]))

const char *const proxy_preset_names[] = {
	"aws-alb", "cloudflare", "nginx", "haproxy", "envoy", "gcp-https",
};
const size_t proxy_npresets = NPRESETS;
_Static_assert(sizeof(proxy_preset_names) / sizeof(proxy_preset_names[0]) == NPRESETS,
	       "preset name list");

bool proxy_preset_fill(const char *name, struct proxy_config *out)
{
	for (size_t i = 0; i < NPRESETS; i++) {
		if (!strcmp(presets[i].name, name)) {
			proxy_config_default(out);
			presets[i].fill(out);
			strcpy(out->preset, presets[i].name);
			out->enabled = true;
			return true;
		}
	}
	return false;
}
