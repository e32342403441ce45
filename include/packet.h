/*
 * packet.h - a TCP/IPv4 segment as it crosses the simulated wire.
 *
 * Header fields only (no payload bytes: kasim never needs their contents).
 * The annotations after the header fields say why the segment was sent; they
 * never influence the receiver and exist only for the outputs.
 */
#ifndef KASIM_PACKET_H
#define KASIM_PACKET_H

#include <stdint.h>

/* TCP flags, as on the wire. */
enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08, TH_ACK = 0x10 };

/* The options a SYN or SYN-ACK carries that the model reads: window scale
 * (RFC 7323). Other options are not on kasim's wire. */
enum { TCPOPT_WSCALE_OK = 0x01 };

/* Why a segment was sent (for the outputs only). */
enum seg_kind {
	SEG_NORMAL,       /* SYN, SYN-ACK, ACK, data, FIN */
	SEG_RETRANS,      /* retransmission by the RTO timer (note: nth) */
	SEG_KA_PROBE,     /* keepalive probe #nth (tcp_write_wakeup) */
	SEG_KA_ACK,       /* the duplicate ACK answering an out-of-window segment */
	SEG_DUPACK,       /* any other immediate duplicate ACK */
	SEG_CHALLENGE,    /* RFC 5961 challenge ACK */
	SEG_RST_NOSOCK,   /* RST from a host with no matching socket */
	SEG_RST_KA,       /* RST of a keepalive abort (tcp_send_active_reset) */
	SEG_RST_OTHER,    /* any other RST */
	SEG_RST_NAT,      /* a RST sent by the NAT (no mapping, or rst_on_expiry) */
	SEG_TLP,          /* tail loss probe (tcp_send_loss_probe) */
	SEG_ICMP,         /* an ICMP error about a segment (icmp.h): not TCP */
	SEG_RST_ABORT,    /* RST of an application's abortive close (tcp_abort_close) */
	SEG_RST_CLOSE,    /* RST of tcp_close() (nth 1: unread data) or of an orphan's
			   * FIN_WAIT2 timer (nth 2: TCP_LINGER2 < 0, tcp_keepalive_timer()) */
	SEG_SYNACK_AGAIN, /* SYN-ACK answering a retransmitted SYN (tcp_check_req) */
	SEG_RST_LB,       /* a RST sent by the [lb] box (as SEG_RST_NAT) */
};

struct segment {
	uint32_t saddr, daddr; /* IPv4, host byte order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint32_t len;          /* payload bytes */
	uint16_t win;
	uint8_t flags;
	/* annotations */
	uint8_t src, dst;      /* HOST_A / HOST_B: who sent it, who it is for */
	uint8_t kind;          /* enum seg_kind */
	union {
		/* SEG_ICMP only: an ICMP error (type, code) sent from saddr to daddr,
		 * quoting the segment whose header it carries in the fields above:
		 * the quoted segment went from daddr (sport) to icmp_qdaddr (dport), and
		 * nth holds its id (its IPv4 identification in a capture).
		 * The fields sit in what was padding: the struct does not grow. */
		struct { uint8_t icmp_type, icmp_code; };
		/* a SYN or SYN-ACK: the TCP options the model reads (TCPOPT_*_OK) */
		uint8_t opts;
	};
	uint32_t nth;          /* probe or retransmission number */
	uint32_t icmp_qdaddr;  /* SEG_ICMP: the quoted segment's destination */
	uint64_t id;           /* 1, 2, ... in order of sending */
	/* The timestamp option (RFC 7323), offered in the SYN and then carried
	 * by every segment of a connection that negotiated it: tsval is the
	 * sender's ms clock (never 0: 0 means "none"; kasim stamps only the
	 * segments that take sequence space, tcp_output.c), tsecr the peer's
	 * tsval it echoes (ts_recent). The capture does not write it. */
	uint32_t tsval, tsecr;
};
/* 48 bytes before the timestamp option's 8 (the option is 10 on the wire). */
_Static_assert(sizeof(struct segment) == 56, "struct segment grew");

/* Sequence-space comparisons (RFC 793, mod 2^32). */
static inline int seq_before(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline int seq_after(uint32_t a, uint32_t b) { return seq_before(b, a); }

/* RFC 793 reset generation, as tcp_v4_send_reset() does it: the RST answering
 * `in` has seq = in's ACK number when in carries an ACK, else it is a RST|ACK
 * acknowledging everything in occupies. Sets flags, seq and ack of *r only. */
static inline void rst_reply_numbers(const struct segment *in, struct segment *r)
{
	if (in->flags & TH_ACK) {
		r->flags = TH_RST;
		r->seq = in->ack;
		r->ack = 0;
	} else {
		r->flags = TH_RST | TH_ACK;
		r->seq = 0;
		r->ack = in->seq + in->len + !!(in->flags & TH_SYN) + !!(in->flags & TH_FIN);
	}
}

/* tcpdump's notation for the flags: "S", "S.", ".", "P.", "F.", "R", "R."... */
const char *tcp_flags_str(uint8_t flags, char buf[8]);

#endif
