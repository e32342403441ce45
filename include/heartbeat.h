/*
 * heartbeat.h - application heartbeats (gRPC keepalive, HTTP/2 PING,
 * WebSocket ping/pong, ssh's ServerAlive/ClientAlive, Redis Sentinel,
 * PostgreSQL's walsender, AMQP): the applications above the two sockets,
 * independent of TCP keepalive. docs/heartbeats.md describes the model.
 *
 * A ping and its reply are payload: the application writes them with
 * tcp_sendmsg(), so they go through the TCP model like any data (they reset
 * the keepalive idle clock, refresh a NAT's mapping, get retransmitted). The
 * receiving application recognises a heartbeat message when it has read up
 * to the message's last byte (the protocol's framing: each end remembers
 * where the messages it wrote end in its stream), and answers a ping with a
 * reply of the peer's reply_size.
 *
 * The pinger of an endpoint with a heartbeat: every interval (counted from
 * the last data received when idle_only) a ping; a ping whose reply has not
 * arrived within the timeout is a miss; count consecutive misses and the
 * application gives up (closes or aborts). A reply answers its ping and the
 * ones before it; with idle_only, or when the peer does not reply
 * (reply_size 0), any data received answers every ping sent so far. So with
 * idle_only and no data received since L, the application gives up at
 * L + count x interval + timeout.
 *
 * It reaches the sockets through the kernel's socket callbacks
 * (sk_data_ready, sk_state_change, sk_user_data in tcp.h) and reports through
 * the host's tcp_env (REC_HEARTBEAT, trace.h). Nothing runs for an endpoint
 * without heartbeat: sim.c installs the callbacks only when one is configured.
 */
#ifndef KASIM_HEARTBEAT_H
#define KASIM_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "scenario.h"
#include "tcp.h"

/* Heartbeat messages one end has written and the other has not read yet;
 * also the most pings that can wait for replies. An application with this
 * many unanswered pings, or this many messages its peer has not read, writes
 * no more pings until one is answered or read (or it gives up). */
#define HB_RING 128

enum hb_msg_kind { HB_MSG_PING, HB_MSG_REPLY };

struct hb_msg {
	uint32_t end;   /* stream position after its last byte (from the first data byte, not a
			 * sequence number: a proxy relays it on another connection) */
	uint32_t len;
	uint32_t no;    /* the ping's number (a reply: the ping it answers) */
	uint8_t kind;   /* enum hb_msg_kind */
};

/* One endpoint's application. */
struct hb_app {
	struct tcp_sock *sk;
	struct hb_app *peer;
	struct hb_config cfg;          /* cfg.preset[0] == 0: it only answers pings */
	const struct hb_words *words;
	/* the messages this application wrote, oldest first, not yet read */
	struct hb_msg out[HB_RING];
	uint32_t out_head, out_n;
	uint32_t rcv_seen;             /* how far it has read its receive stream */
	/* the pinger */
	struct ev_timer ping_timer;    /* the next interval */
	struct ev_timer deadline_timer;/* the timeout of ping checked + 1 */
	uint32_t n_sent;               /* pings written */
	uint32_t n_answered;           /* pings 1..n_answered are answered */
	uint32_t checked;              /* pings 1..checked are answered or counted as missed */
	ks_time_t sent_at[HB_RING];    /* by ping number mod HB_RING */
	ks_time_t last_rx;             /* the last data received */
	ks_time_t last_alive;          /* the peer's last sign of life */
	bool call_open;                /* a call waits for its response (without_calls = off) */
};

struct heartbeat {
	struct hb_app app[NHOSTS];
};

/* Set up both applications of hosts h[0] (A) and h[1] (B) and install their
 * socket callbacks (before A connects). */
void hb_init(struct heartbeat *hb, struct host *a, struct host *b);
/* Host h's application wrote data of its own ("send" event): a call is
 * open until the peer's application data arrives. */
void hb_app_write(struct heartbeat *hb, int h);

#endif
