/*
 * pcap_out.h - packet captures that Wireshark and tcpdump understand.
 *
 * libpcap writes them (pcap_open_dead_with_tstamp_precision, DLT_RAW,
 * nanosecond timestamps). Each packet is a real IPv4 header (DF, TTL 64,
 * id = kasim's packet number mod 2^16, header checksum) and a 20-byte TCP
 * header with a correct checksum over the pseudo-header; the payload is
 * len zero bytes. Timestamps are simulation time since a fixed epoch of 0
 * (1970-01-01 00:00:00 UTC = kasim's t = 0), never the wall clock.
 *
 * Capture point (see docs/outputs.md): the wire (or, with a NAT, its two sides). A packet is in the capture
 * when it left its sender -- not when the sender's own qdisc refused it, not
 * when the sender's cable was pulled -- and it is stamped with the time it
 * left. A probe eaten by the peer's pulled cable is therefore in the capture,
 * unanswered, exactly as a tap next to the sender would show it.
 */
#ifndef KASIM_PCAP_OUT_H
#define KASIM_PCAP_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "output.h"

#define PCAP_SNAPLEN 65535u

/* RFC 1071 Internet checksum of len bytes, starting from sum (host order
 * partial sum). Returns the folded, complemented value (host order). */
uint16_t inet_checksum(const void *data, size_t len, uint32_t sum);
/* The IPv4 + TCP bytes of seg (at most cap bytes are written; the payload
 * is cut at the snapshot length). Returns the packet's full length
 * (40 + seg->len); *caplen receives how many bytes were written. */
size_t pcap_build_packet(uint8_t *buf, size_t cap, const struct segment *seg, size_t *caplen);
/* Did the packet of this record reach the wire? */
bool pcap_on_wire(const struct rec_packet *p);

/* A sink writing n captures (1: the wire; 2: inside and outside the boxes;
 * 3: and between a [nat] and an [lb]; with a [proxy], one more, the server
 * leg's, last; at most 4) to out[0..n-1]. It flushes them at finish() and closes them (pcap_dump_close)
 * in destroy(). NULL and a message on error; the FILEs then stay the
 * caller's to close. */
struct sink *pcap_sink_new(FILE *const *out, int n, ks_time_t horizon, char *err, size_t errn);
/* After finish(): 0 when everything was written. */
int pcap_sink_status(const struct sink *s);

#endif
