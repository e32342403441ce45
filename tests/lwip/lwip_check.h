/*
 * lwip_check.h - the lwIP conformance harness (make lwip-check): lwIP's own
 * TCP (Debian's liblwip) against kasim's os = lwip, timer = lwip endpoint,
 * packet by packet. docs/profiles.md, "lwip".
 */
#ifndef KASIM_LWIP_CHECK_H
#define KASIM_LWIP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lwip/netif.h>

#define LW_PORT_A 40000
#define LW_PORT_B 443
#define LW_MAX_SEGS 256
#define LW_MAX_EVENTS 8
#define LW_MAX_FLIGHT 64

enum { LW_FIN = 1, LW_SYN = 2, LW_RST = 4, LW_PSH = 8, LW_ACK = 16 };

/* One TCP segment, host byte order; t is when A sent it (or B). */
struct lw_seg {
	uint64_t t;
	bool from_a;
	uint8_t flags;
	uint32_t seq, ack;
	uint32_t len;
};

enum lw_ev { LW_UNPLUG, LW_REPLUG, LW_REBOOT, LW_SEND_A, LW_SEND_B };

struct lw_event {
	uint64_t t;
	enum lw_ev what;
	uint32_t n; /* bytes, for the sends */
};

/* A case: A's keepalive settings, the path, B's script. */
struct lw_case {
	const char *name, *what;
	bool keepalive;
	uint32_t keepidle_ms, keepintvl_ms, keepcnt;
	uint64_t delay_ns;    /* one-way */
	uint64_t phase_ns;    /* kasim's jiffies_phase: the last slow tick before t = 0 */
	uint64_t duration_ns;
	int nev;
	struct lw_event ev[LW_MAX_EVENTS];
};

/* The scripted peer B: kasim's default endpoint B (Linux) as far as these
 * cases reach it. */
struct lw_peer {
	bool plugged, listening, synced, reset;
	uint32_t iss, snd_nxt, rcv_nxt;
};

struct wire {
	struct netif nif;
	struct tcp_pcb *pcb;
	const struct lw_case *c;
	uint64_t now;
	bool connected;
	int err; /* lwIP err_t given to the err callback, 0 if none */
	uint64_t err_time;
	struct lw_peer b;
	struct lw_seg flight[LW_MAX_FLIGHT]; /* in flight: t is the arrival time */
	int nflight;
	struct lw_seg segs[LW_MAX_SEGS]; /* A's segments, as sent */
	int nsegs;
};

/* lwip_wire.c: lwIP itself */
void wire_start(struct wire *w, const struct lw_case *c);
void wire_tick(struct wire *w);
void wire_send(struct wire *w, uint32_t n);
void wire_to_a(struct wire *w, const struct lw_seg *seg);
uint64_t wire_tmr_ns(void);

/* lwip_peer.c: the path and B */
void wire_from_a(struct wire *w, const struct lw_seg *seg);
void peer_arrive(struct wire *w, const struct lw_seg *seg);
void peer_event(struct wire *w, const struct lw_event *ev);
int lw_parse(const uint8_t *buf, size_t n, struct lw_seg *seg);
size_t lw_build(uint8_t *buf, size_t cap, const struct lw_seg *seg);

/* lwip_kasim.c: the same case in kasim, and the comparison */
int kasim_compare(const char *kasim, const struct lw_case *c, const struct wire *w);

#endif
