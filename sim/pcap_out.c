/*
 * pcap_out.c - the capture sink: real IPv4/TCP bytes through libpcap.
 *
 * Records reach the sink when a packet's fate is known (arrival or drop), and
 * the packet is stamped with the time it left its sender. No record comes
 * later than the link's largest one-way delay + jitter (the horizon) after
 * its timestamp, so packets wait in a small heap until the simulation is a
 * horizon past them: the files are in timestamp order, and memory is bounded
 * by the packets in flight.
 *
 * With a NAT there are two captures: inside (A's side of the NAT: what A sent,
 * and B's segments as the NAT translated them for A) and outside (A's segments
 * as translated, and what B sent). A RST the NAT itself sends is on the side
 * it was sent to. A segment appears in the same place in time in both files
 * (its send time), so the translation is easy to follow side by side.
 * With both a [nat] and an [lb], inside is A's side of the NAT, outside B's
 * (or P's) side of the LB, and a third capture, between, holds the wire
 * between the two boxes (rec_packet.seg_mid).
 *
 * With a [proxy] there is one more capture, last: the server leg's (P-B);
 * the ones before are the client leg's (A-P), one or two as above.
 */
#include "pcap_out.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

uint16_t inet_checksum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Partial one's-complement sum of 16-bit big-endian words (no folding). */
static uint32_t sum16(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	for (; len > 1; p += 2, len -= 2)
		s += (uint32_t)p[0] << 8 | p[1];
	if (len)
		s += (uint32_t)p[0] << 8;
	return s;
}

/* A SEG_ICMP segment as an IPv4 ICMP error (RFC 792): type, code, checksum,
 * 4 unused bytes, then the quoted datagram's IP header and its first 8 bytes
 * (the TCP ports and sequence number), as icmp_send() quotes them. */
static size_t build_icmp(uint8_t *buf, size_t cap, const struct segment *seg, size_t *caplen)
{
	uint8_t pkt[56] = {0};
	struct segment q = *seg; /* the quoted segment, as its sender built it */
	uint8_t tcp[40];
	size_t tl;

	q.kind = SEG_NORMAL;
	q.id = seg->nth;
	q.saddr = seg->daddr;
	q.daddr = seg->icmp_qdaddr;
	q.len = 0; /* its payload is not quoted; the IP total length says how long it was */
	pcap_build_packet(tcp, sizeof tcp, &q, &tl);
	pkt[0] = 0x45;
	put16(pkt + 2, sizeof pkt);
	put16(pkt + 4, (uint16_t)seg->id);
	pkt[8] = 64;
	pkt[9] = 1; /* ICMP */
	put32(pkt + 12, seg->saddr);
	put32(pkt + 16, seg->daddr);
	put16(pkt + 10, inet_checksum(pkt, 20, 0));
	pkt[20] = seg->icmp_type;
	pkt[21] = seg->icmp_code;
	memcpy(pkt + 28, tcp, 28);                       /* IP header + 8 bytes of TCP */
	put16(pkt + 30, (uint16_t)(40 + seg->len));      /* the quoted datagram's own length */
	put16(pkt + 38, 0);
	put16(pkt + 38, inet_checksum(pkt + 28, 20, 0)); /* its header checksum, redone */
	put16(pkt + 22, inet_checksum(pkt + 20, sizeof pkt - 20, 0));
	size_t n = sizeof pkt < cap ? sizeof pkt : cap;
	memcpy(buf, pkt, n);
	*caplen = n;
	return sizeof pkt;
}

size_t pcap_build_packet(uint8_t *buf, size_t cap, const struct segment *seg, size_t *caplen)
{
	uint8_t hdr[40] = {0};
	if (seg->kind == SEG_ICMP)
		return build_icmp(buf, cap, seg, caplen);
	size_t total = 40 + (size_t)seg->len;
	uint16_t ip_len = total > 0xffff ? 0xffff : (uint16_t)total;

	/* IPv4: version 4, IHL 5, no TOS, DF, TTL 64, protocol 6 (TCP). */
	hdr[0] = 0x45;
	put16(hdr + 2, ip_len);
	put16(hdr + 4, (uint16_t)seg->id);
	put16(hdr + 6, 0x4000);
	hdr[8] = 64;
	hdr[9] = 6;
	put32(hdr + 12, seg->saddr);
	put32(hdr + 16, seg->daddr);
	put16(hdr + 10, inet_checksum(hdr, 20, 0));

	/* TCP: data offset 5 (no options). */
	uint8_t *th = hdr + 20;
	put16(th, seg->sport);
	put16(th + 2, seg->dport);
	put32(th + 4, seg->seq);
	put32(th + 8, (seg->flags & TH_ACK) ? seg->ack : 0);
	th[12] = 5 << 4;
	th[13] = seg->flags;
	put16(th + 14, seg->win);

	/* Checksum over the pseudo-header (saddr, daddr, 0, 6, TCP length), the
	 * header and the payload; the payload is zeros, which add nothing. */
	uint32_t tcp_len = 20 + seg->len;
	uint32_t s = sum16(hdr + 12, 8) + 6 + (tcp_len >> 16) + (tcp_len & 0xffff);
	s += sum16(th, 20);
	put16(th + 16, inet_checksum(NULL, 0, s));

	size_t n = total < cap ? total : cap;
	memcpy(buf, hdr, n < 40 ? n : 40);
	if (n > 40)
		memset(buf + 40, 0, n - 40);
	*caplen = n;
	return total;
}

bool pcap_on_wire(const struct rec_packet *p)
{
	/* Refused by the sender's own qdisc, or the sender's cable was pulled:
	 * the packet never reached the wire. Everything else did (a drop at the
	 * receiver's cable or a powered-off receiver happens at the far end). */
	if (p->reason == DROP_QDISC)
		return false;
	if (p->reason == DROP_UNPLUGGED && p->reason_host == p->seg->src)
		return false;
	return true;
}

/* A packet waiting for its turn: records arrive in the order of their fate,
 * the files want the order of the timestamps. */
struct pending {
	ks_time_t t;
	uint64_t id;
	int cap;
	struct segment seg;
};

struct pcap_sink {
	struct sink base;
	pcap_t *p;
	pcap_dumper_t *d[4];     /* up to 4: around the boxes (2, or 3 with between) + a proxy's server leg */
	int ncap;
	int status;
	ks_time_t horizon;       /* no record comes later than this after its timestamp */
	struct pending *heap;    /* min-heap by (t, id, cap) */
	size_t len, cap;
	uint8_t buf[PCAP_SNAPLEN];
};

static void pcap_write(struct pcap_sink *ps, int cap, const struct segment *seg, ks_time_t t)
{
	struct pcap_pkthdr h;
	size_t caplen;
	size_t len = pcap_build_packet(ps->buf, sizeof ps->buf, seg, &caplen);
	h.ts.tv_sec = (time_t)(t / KS_SEC);
	h.ts.tv_usec = (suseconds_t)(t % KS_SEC); /* nanoseconds: the file is NANO precision */
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)(len > UINT32_MAX ? UINT32_MAX : len);
	pcap_dump((u_char *)ps->d[cap], &h, ps->buf);
}

static bool before(const struct pending *a, const struct pending *b)
{
	if (a->t != b->t)
		return a->t < b->t;
	if (a->id != b->id)
		return a->id < b->id;
	return a->cap < b->cap;
}

static void push(struct pcap_sink *ps, int cap, const struct segment *seg, ks_time_t t)
{
	if (ps->len == ps->cap) {
		size_t n = ps->cap ? 2 * ps->cap : 64;
		struct pending *h = realloc(ps->heap, n * sizeof(*h));
		if (!h) {
			ps->status = -1; /* out of memory: the capture would be incomplete */
			return;
		}
		ps->heap = h;
		ps->cap = n;
	}
	size_t i = ps->len++;
	struct pending x = {.t = t, .id = seg->id, .cap = cap, .seg = *seg};
	while (i > 0 && before(&x, &ps->heap[(i - 1) / 2])) {
		ps->heap[i] = ps->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	ps->heap[i] = x;
}

static void pop(struct pcap_sink *ps)
{
	struct pending x = ps->heap[--ps->len];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= ps->len)
			break;
		if (c + 1 < ps->len && before(&ps->heap[c + 1], &ps->heap[c]))
			c++;
		if (!before(&ps->heap[c], &x))
			break;
		ps->heap[i] = ps->heap[c];
		i = c;
	}
	if (ps->len)
		ps->heap[i] = x;
}

/* Write every packet stamped before limit (all of them when all). */
static void drain(struct pcap_sink *ps, ks_time_t limit, bool all)
{
	while (ps->len && (all || ps->heap[0].t < limit)) {
		pcap_write(ps, ps->heap[0].cap, &ps->heap[0].seg, ps->heap[0].t);
		pop(ps);
	}
}

/* A [nat] and an [lb]: 0 = inside (A's side of the NAT), 1 = outside (B's or
 * P's side of the LB), 2 = between them. A segment is on its sender's side if
 * it left the sender, between if it crossed that wire (seg_mid), on the far
 * side if it came out of the second box (seg_out, not seg_mid). A box's RST
 * to its own side is there only; one to the far side is between, and on the
 * far side once the other box let it through. */
static void chain_record(struct pcap_sink *ps, const struct rec_packet *p)
{
	const struct segment *seg = p->seg;
	bool rst = seg->kind == SEG_RST_NAT || seg->kind == SEG_RST_LB;
	int own = seg->src == HOST_A ? 0 : 1, other = 1 - own;
	if (rst && !p->seg_mid) { /* to the box's own side */
		push(ps, seg->dst == HOST_A ? 0 : 1, seg, p->sent);
		return;
	}
	if (!rst && pcap_on_wire(p))
		push(ps, own, seg, p->sent);
	if (p->seg_mid)
		push(ps, 2, p->seg_mid, p->sent);
	if (p->seg_out && p->seg_out != p->seg_mid)
		push(ps, rst ? (seg->dst == HOST_A ? 0 : 1) : other, p->seg_out, p->sent);
}

static void pcap_record(struct sink *s, const struct sim *sim, const struct ks_record *r)
{
	struct pcap_sink *ps = (struct pcap_sink *)s;
	if (r->t > ps->horizon)
		drain(ps, r->t - ps->horizon, false);
	if (r->type != REC_PACKET)
		return;
	const struct rec_packet *p = &r->u.pkt;
	const struct segment *seg = p->seg;
	int px = sim->sc->proxy.enabled; /* the last capture is the server leg's */
	if (px && (seg->src == HOST_PS || seg->src == HOST_B)) {
		if (pcap_on_wire(p))
			push(ps, ps->ncap - 1, seg, p->sent);
		return;
	}
	if (ps->ncap - px == 1) {
		if (pcap_on_wire(p))
			push(ps, 0, seg, p->sent);
		return;
	}
	if (ps->ncap - px == 3) {
		chain_record(ps, p);
		return;
	}
	/* Two captures around the boxes: 0 = inside (A's side), 1 = outside (B's
	 * or P's side); a box's RST as it reaches its destination's side. */
	if (seg->kind == SEG_RST_NAT || seg->kind == SEG_RST_LB) {
		push(ps, seg->dst == HOST_A ? 0 : 1, p->seg_out ? p->seg_out : seg, p->sent);
		return;
	}
	int own = seg->src == HOST_A ? 0 : 1, other = 1 - own;
	if (pcap_on_wire(p))
		push(ps, own, seg, p->sent);
	if (p->seg_out)
		push(ps, other, p->seg_out, p->sent);
}

static void pcap_finish(struct sink *s, const struct sim *sim)
{
	(void)sim;
	struct pcap_sink *ps = (struct pcap_sink *)s;
	drain(ps, 0, true);
	for (int i = 0; i < ps->ncap; i++)
		if (pcap_dump_flush(ps->d[i]) != 0 || ferror(pcap_dump_file(ps->d[i])))
			ps->status = -1;
}

int pcap_sink_status(const struct sink *s)
{
	return ((const struct pcap_sink *)s)->status;
}

static void pcap_destroy(struct sink *s)
{
	struct pcap_sink *ps = (struct pcap_sink *)s;
	for (int i = 0; i < ps->ncap; i++)
		if (ps->d[i])
			pcap_dump_close(ps->d[i]); /* closes the FILE given to pcap_sink_new */
	if (ps->p)
		pcap_close(ps->p);
	free(ps->heap);
	free(ps);
}

struct sink *pcap_sink_new(FILE *const *out, int n, ks_time_t horizon, char *err, size_t errn)
{
	struct pcap_sink *ps = calloc(1, sizeof(*ps));
	if (!ps) {
		snprintf(err, errn, "out of memory");
		return NULL;
	}
	ps->base = (struct sink){.record = pcap_record, .finish = pcap_finish, .destroy = pcap_destroy};
	ps->ncap = n;
	ps->horizon = horizon;
	ps->p = pcap_open_dead_with_tstamp_precision(DLT_RAW, PCAP_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
	if (!ps->p) {
		snprintf(err, errn, "libpcap: cannot open a capture");
		free(ps);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		ps->d[i] = pcap_dump_fopen(ps->p, out[i]);
		if (!ps->d[i]) {
			/* every FILE stays the caller's: the dumpers already made are
			 * dropped without pcap_dump_close(), which would close them */
			snprintf(err, errn, "libpcap: %s", pcap_geterr(ps->p));
			pcap_close(ps->p);
			free(ps);
			return NULL;
		}
	}
	return &ps->base;
}
