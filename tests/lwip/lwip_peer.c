/*
 * lwip_peer.c - the path and the scripted peer B of the lwIP harness.
 *
 * B answers the way kasim's default endpoint B (Linux) does in these cases:
 * SYN-ACK to the SYN, an ACK to every segment it accepts, a duplicate ACK to
 * a keepalive probe (out of window: tcp_validate_incoming() ->
 * tcp_send_dupack()), and after a reboot a RST to every segment of the old
 * connection (tcp_v4_send_reset(): seq = the segment's ack when it has one).
 * The path delays every segment by the case's one-way delay; a segment for an
 * unplugged B is lost on arrival, and an unplugged B sends nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lwip/inet_chksum.h>

#include "lwip_check.h"

#define B_ISS 1000000u /* B's ISN; the comparison is relative */
#define B_WINDOW 65535

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* inet_chksum() returns the checksum as it lies in memory (network order). */
static void put_sum(uint8_t *p, u16_t sum)
{
	memcpy(p, &sum, sizeof(sum));
}

/* An IPv4 packet from lwIP -> its TCP segment; -1 if it is not TCP. */
int lw_parse(const uint8_t *buf, size_t n, struct lw_seg *seg)
{
	if (n < 20 || (buf[0] >> 4) != 4 || buf[9] != 6)
		return -1;
	size_t ihl = (size_t)(buf[0] & 15) * 4, total = (size_t)buf[2] << 8 | buf[3];
	if (total > n || total < ihl + 20)
		return -1;
	const uint8_t *t = buf + ihl;
	size_t doff = (size_t)(t[12] >> 4) * 4;
	if (total < ihl + doff)
		return -1;
	memset(seg, 0, sizeof(*seg));
	seg->seq = get32(t + 4);
	seg->ack = get32(t + 8);
	seg->flags = t[13] & 0x1f;
	seg->len = (uint32_t)(total - ihl - doff);
	return 0;
}

/* B's segment -> an IPv4 packet for lwIP (198.51.100.20:443 -> 192.0.2.10:40000),
 * zero payload, both checksums. Returns its length. */
size_t lw_build(uint8_t *buf, size_t cap, const struct lw_seg *seg)
{
	size_t total = 40 + seg->len;
	if (total > cap) {
		fprintf(stderr, "lwip-check: segment of %u bytes too long\n", seg->len);
		exit(2);
	}
	memset(buf, 0, total);
	static const uint8_t src[4] = {198, 51, 100, 20}, dst[4] = {192, 0, 2, 10};
	buf[0] = 0x45;
	put16(buf + 2, (uint32_t)total);
	buf[8] = 64;
	buf[9] = 6;
	memcpy(buf + 12, src, 4);
	memcpy(buf + 16, dst, 4);
	put_sum(buf + 10, inet_chksum(buf, 20));
	uint8_t *t = buf + 20;
	put16(t, LW_PORT_B);
	put16(t + 2, LW_PORT_A);
	put32(t + 4, seg->seq);
	put32(t + 8, seg->ack);
	t[12] = 5 << 4;
	t[13] = seg->flags;
	put16(t + 14, B_WINDOW);
	/* The TCP checksum over the pseudo-header, then the segment. */
	uint8_t ph[12 + 1600] = {0};
	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[9] = 6;
	put16(ph + 10, (uint32_t)(20 + seg->len));
	memcpy(ph + 12, t, 20 + seg->len);
	put_sum(t + 16, inet_chksum(ph, (u16_t)(12 + 20 + seg->len)));
	return total;
}

static void flight_put(struct wire *w, const struct lw_seg *seg)
{
	if (w->nflight == LW_MAX_FLIGHT) {
		fprintf(stderr, "lwip-check: more than %d segments in flight\n", LW_MAX_FLIGHT);
		exit(2);
	}
	struct lw_seg s = *seg;
	s.t = w->now + w->c->delay_ns;
	w->flight[w->nflight++] = s;
}

/* netif->output's segment: recorded as A sent it, then onto the path. */
void wire_from_a(struct wire *w, const struct lw_seg *seg)
{
	if (w->nsegs == LW_MAX_SEGS) {
		fprintf(stderr, "lwip-check: %s: more than %d segments from A\n", w->c->name,
			LW_MAX_SEGS);
		exit(2);
	}
	struct lw_seg s = *seg;
	s.t = w->now;
	s.from_a = true;
	w->segs[w->nsegs++] = s;
	flight_put(w, &s);
}

static void b_send(struct wire *w, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	if (!w->b.plugged)
		return;
	struct lw_seg s = {.flags = flags, .seq = seq, .ack = ack, .len = len};
	flight_put(w, &s);
}

static uint32_t seg_end(const struct lw_seg *seg)
{
	return seg->seq + seg->len + !!(seg->flags & LW_SYN) + !!(seg->flags & LW_FIN);
}

/* B after a reboot: tcp_v4_send_reset() for a segment of no connection. */
static void b_reset_reply(struct wire *w, const struct lw_seg *seg)
{
	if (seg->flags & LW_RST)
		return;
	if (seg->flags & LW_ACK)
		b_send(w, LW_RST, seg->ack, 0, 0);
	else
		b_send(w, LW_RST | LW_ACK, 0, seg_end(seg), 0);
}

/* A segment from A reaches B. */
void peer_arrive(struct wire *w, const struct lw_seg *seg)
{
	struct lw_peer *b = &w->b;
	if (!b->plugged)
		return; /* lost: B's cable is out */
	if (b->reset) {
		b_reset_reply(w, seg);
		return;
	}
	if (seg->flags & LW_RST) {
		b->reset = true; /* the connection is gone; later segments get a RST */
		return;
	}
	if ((seg->flags & LW_SYN) && !(seg->flags & LW_ACK)) {
		b->rcv_nxt = seg->seq + 1;
		b->iss = B_ISS;
		b->snd_nxt = B_ISS + 1;
		b_send(w, LW_SYN | LW_ACK, B_ISS, b->rcv_nxt, 0);
		return;
	}
	if (seg->seq == b->rcv_nxt && (seg->len || (seg->flags & LW_FIN))) {
		b->rcv_nxt = seg_end(seg); /* in order: taken, acknowledged */
		b_send(w, LW_ACK, b->snd_nxt, b->rcv_nxt, 0);
		return;
	}
	if (seg->seq != b->rcv_nxt)
		b_send(w, LW_ACK, b->snd_nxt, b->rcv_nxt, 0); /* out of window: dup ACK */
}

void peer_event(struct wire *w, const struct lw_event *ev)
{
	struct lw_peer *b = &w->b;
	switch (ev->what) {
	case LW_UNPLUG: b->plugged = false; break;
	case LW_REPLUG: b->plugged = true; break;
	case LW_REBOOT: b->reset = true; break;
	case LW_SEND_B:
		b_send(w, LW_PSH | LW_ACK, b->snd_nxt, b->rcv_nxt, ev->n);
		b->snd_nxt += ev->n;
		break;
	case LW_SEND_A: wire_send(w, ev->n); break;
	}
}
