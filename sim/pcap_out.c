/*
 * pcap_out.c - the capture sink: real IPv4/TCP bytes through libpcap.
 *
 * Records reach the sink when a packet's fate is known (arrival or drop), and
 * the packet is stamped with the time it left its sender. With the link's
 * fixed delay every packet on the wire is reported exactly `delay` after it
 * was sent, so the file is in timestamp order.
 *
 * With a NAT (a later issue) there will be two captures, inside and outside,
 * written by pcap_write(): the inside one shows what A sent and what the NAT
 * delivered to A, the outside one the translated segments (rec_packet's
 * seg_out). The sink is built around pcap_write(capture, segment, time) so
 * that only the choice of segment per capture has to be added.
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

size_t pcap_build_packet(uint8_t *buf, size_t cap, const struct segment *seg, size_t *caplen)
{
	uint8_t hdr[40] = {0};
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

struct pcap_sink {
	struct sink base;
	pcap_t *p;
	pcap_dumper_t *d;
	int status;
	uint8_t buf[PCAP_SNAPLEN];
};

static void pcap_write(struct pcap_sink *ps, const struct segment *seg, ks_time_t t)
{
	struct pcap_pkthdr h;
	size_t caplen;
	size_t len = pcap_build_packet(ps->buf, sizeof ps->buf, seg, &caplen);
	h.ts.tv_sec = (time_t)(t / KS_SEC);
	h.ts.tv_usec = (suseconds_t)(t % KS_SEC); /* nanoseconds: the file is NANO precision */
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)(len > UINT32_MAX ? UINT32_MAX : len);
	pcap_dump((u_char *)ps->d, &h, ps->buf);
}

static void pcap_record(struct sink *s, const struct sim *sim, const struct ks_record *r)
{
	(void)sim;
	struct pcap_sink *ps = (struct pcap_sink *)s;
	if (r->type != REC_PACKET || !pcap_on_wire(&r->u.pkt))
		return;
	pcap_write(ps, r->u.pkt.seg, r->u.pkt.sent);
}

static void pcap_finish(struct sink *s, const struct sim *sim)
{
	(void)sim;
	struct pcap_sink *ps = (struct pcap_sink *)s;
	if (pcap_dump_flush(ps->d) != 0 || ferror(pcap_dump_file(ps->d)))
		ps->status = -1;
}

int pcap_sink_status(const struct sink *s)
{
	return ((const struct pcap_sink *)s)->status;
}

static void pcap_destroy(struct sink *s)
{
	struct pcap_sink *ps = (struct pcap_sink *)s;
	if (ps->d)
		pcap_dump_close(ps->d); /* closes the FILE given to pcap_sink_new */
	if (ps->p)
		pcap_close(ps->p);
	free(ps);
}

struct sink *pcap_sink_new(FILE *out, char *err, size_t n)
{
	struct pcap_sink *ps = calloc(1, sizeof(*ps));
	if (!ps) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	ps->base = (struct sink){.record = pcap_record, .finish = pcap_finish, .destroy = pcap_destroy};
	ps->p = pcap_open_dead_with_tstamp_precision(DLT_RAW, PCAP_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
	if (!ps->p) {
		snprintf(err, n, "libpcap: cannot open a capture");
		free(ps);
		return NULL;
	}
	ps->d = pcap_dump_fopen(ps->p, out);
	if (!ps->d) {
		snprintf(err, n, "libpcap: %s", pcap_geterr(ps->p));
		pcap_close(ps->p);
		free(ps);
		return NULL;
	}
	return &ps->base;
}
