/*
 * proxy.h - a proxy P that terminates TCP between A and B ([proxy], sim/proxy.c).
 *
 * A connection through P is two TCP connections: the client leg A-P and the
 * server leg P-B. P's two sockets are hosts of the same model as A and B
 * (struct host, tcp.h): P.client accepts A's connection, P.server connects to
 * B once A's is accepted. Each answers keepalive probes on its own leg (its
 * TCP does that), and each has its own socket options ([proxy] client.* and
 * server.*).
 *
 * The proxy's own logic is here: it relays payload between the legs (bytes
 * queued in order on one leg are written on the other), runs the product's
 * idle timer, which counts payload bytes only (keepalive probes and their
 * ACKs carry none, so they never refresh it), and at expiry sends on each
 * leg what the product sends (FIN, RST or nothing). A leg's end is passed on
 * to the other leg: a FIN as a FIN, a reset or a timeout as on_reset says.
 *
 * It reaches the simulation only through its hooks (like the NAT): sim.c
 * delivers P's segments through proxy_rcv() and passes P's sockets' records
 * to proxy_sock_record(); the proxy reports its decisions through
 * hooks.report (struct rec_proxy, for the sinks).
 */
#ifndef KASIM_PROXY_H
#define KASIM_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "packet.h"
#include "scenario.h"
#include "tcp.h"

enum proxy_decision {
	PXD_ACCEPT,    /* the client leg is established: P connects to B */
	PXD_EXPIRED,   /* the idle timer expired: each leg gets its expiry action */
	PXD_MAX,       /* max_duration reached: the same actions */
	PXD_PASS_FIN,  /* a FIN on one leg: P closes both (FIN) */
	PXD_PASS_END,  /* a leg was reset or timed out: the other gets on_reset */
};

struct rec_proxy {
	enum proxy_decision decision;
	int leg;                 /* the socket that caused it (HOST_PC/HOST_PS), -1 = the timer */
	int client_action;       /* enum proxy_close sent on the client leg, -1 = nothing to do */
	int server_action;       /* ... on the server leg */
	ks_time_t last_payload;  /* when P last received payload on either leg */
	ks_time_t limit;         /* idle_timeout (PXD_EXPIRED) or max_duration (PXD_MAX) */
	uint64_t bytes[2];       /* payload relayed so far: [0] A->B, [1] B->A */
	const char *preset;      /* "" = none */
};

struct proxy_hooks {
	void *ctx;
	void (*report)(void *ctx, const struct rec_proxy *r);
};

struct proxy {
	struct engine *eng;
	const struct proxy_config *cfg;
	struct host *client;        /* P.client: accepts A (HOST_PC) */
	struct host *server;        /* P.server: connects to B (HOST_PS) */
	const struct host *backend; /* B */
	struct proxy_hooks hooks;
	struct ev_timer idle_timer; /* lazy, like the keepalive timer: on firing,
	                             * re-armed for last_payload + idle_timeout */
	struct ev_timer max_timer;
	ks_time_t accepted;         /* when the client leg was accepted, NEVER = not yet */
	ks_time_t last_payload;     /* last payload received on either leg */
	uint64_t bytes[2];          /* relayed: [0] A->B, [1] B->A */
	bool closing;               /* P has closed or aborted the legs: no more relaying */
	ks_time_t closed_at;        /* when P closed the connection, NEVER = not (yet) */
	enum proxy_decision closed_why; /* a timer, or a leg's FIN or end passed on */
	int closed_leg;             /* PXD_PASS_*: the leg that ended first (HOST_PC/HOST_PS) */
};

void proxy_init(struct proxy *p, struct engine *eng, const struct proxy_config *cfg,
		struct host *client, struct host *server, const struct host *backend,
		const struct proxy_hooks *hooks);
void proxy_destroy(struct proxy *p);
/* A segment for one of P's sockets h (cable checks done): P's TCP takes it,
 * then P relays what it queued and reacts to the leg's new state. */
void proxy_rcv(struct proxy *p, struct host *h, const struct segment *seg);
/* A record of one of P's sockets (its end is passed on to the other leg). */
void proxy_sock_record(struct proxy *p, const struct ks_record *r);
/* "fin", "rst" or "none". */
const char *proxy_close_name(int c);

#endif
