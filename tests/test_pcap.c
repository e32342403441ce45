/*
 * test_pcap.c - captures: checksums (RFC 1071), header bytes, the golden
 * file, what is on the wire, libpcap reads it back, tshark agrees on the
 * keepalives (skipped when tshark is not installed).
 *
 * The golden file tests/golden/tiny.pcap is little-endian: pcap files are
 * written in the writer's byte order, and the test suite runs on x86-64.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "pcap_out.h"
#include "binrun.h"

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

Test(pcap, rfc1071_example)
{
	/* RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
	const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	cr_assert_eq(inet_checksum(b, sizeof b, 0), (uint16_t)~0xddf2);
	/* an odd length pads with a zero byte */
	const uint8_t c[] = {0x01, 0x02, 0x03};
	cr_assert_eq(inet_checksum(c, 3, 0), (uint16_t)~(0x0102 + 0x0300));
}

Test(pcap, packet_bytes_and_checksums)
{
	struct segment s = {.saddr = 0xc000020a, .daddr = 0xc6336414, .sport = 40000, .dport = 443,
			    .seq = 3178887465u, .ack = 2296356899u, .len = 3, .win = 65535,
			    .flags = TH_ACK | TH_PSH, .id = 0x10005};
	uint8_t buf[128];
	size_t cap;
	size_t len = pcap_build_packet(buf, sizeof buf, &s, &cap);
	cr_assert_eq(len, 43);
	cr_assert_eq(cap, 43);
	cr_assert_eq(buf[0], 0x45);
	cr_assert_eq(rd16(buf + 2), 43);
	cr_assert_eq(rd16(buf + 4), 5, "IP id = packet number mod 2^16");
	cr_assert_eq(rd16(buf + 6), 0x4000, "DF");
	cr_assert_eq(buf[8], 64);
	cr_assert_eq(buf[9], 6);
	cr_assert_eq(rd32(buf + 12), 0xc000020a);
	cr_assert_eq(rd32(buf + 16), 0xc6336414);
	/* A correct header checksums to zero. */
	cr_assert_eq(inet_checksum(buf, 20, 0), 0);
	cr_assert_eq(rd16(buf + 20), 40000);
	cr_assert_eq(rd16(buf + 22), 443);
	cr_assert_eq(rd32(buf + 24), 3178887465u);
	cr_assert_eq(rd32(buf + 28), 2296356899u);
	cr_assert_eq(buf[32], 0x50);
	cr_assert_eq(buf[33], TH_ACK | TH_PSH);
	cr_assert_eq(rd16(buf + 34), 65535);
	/* TCP: pseudo-header + segment checksum to zero. */
	uint8_t ph[12] = {0};
	memcpy(ph, buf + 12, 8);
	ph[9] = 6;
	ph[11] = 23;
	uint32_t sum = 0;
	for (int i = 0; i < 12; i += 2)
		sum += (uint32_t)ph[i] << 8 | ph[i + 1];
	cr_assert_eq(inet_checksum(buf + 20, 23, sum), 0);
	for (int i = 40; i < 43; i++)
		cr_assert_eq(buf[i], 0, "payload is zero-filled");
	/* no ACK flag: the ack field is zero on the wire */
	s.flags = TH_SYN;
	pcap_build_packet(buf, sizeof buf, &s, &cap);
	cr_assert_eq(rd32(buf + 28), 0);
}

Test(pcap, on_the_wire)
{
	struct segment s = {.src = HOST_A, .dst = HOST_B};
	struct rec_packet p = {.seg = &s, .reason = DROP_NONE};
	cr_assert(pcap_on_wire(&p));
	p.reason = DROP_QDISC;
	p.reason_host = HOST_A;
	cr_assert_not(pcap_on_wire(&p), "the sender's own qdisc: never left");
	p.reason = DROP_UNPLUGGED;
	cr_assert_not(pcap_on_wire(&p), "the sender's cable is pulled: never on the wire");
	p.reason_host = HOST_B;
	cr_assert(pcap_on_wire(&p), "the receiver's cable: it left the sender");
	p.reason = DROP_HOST_DOWN;
	cr_assert(pcap_on_wire(&p));
}

/* Run kasim -o DIR --no-plot on a scenario, return DIR. */
static char *run_out(const char *scenario, const char *set)
{
	char *dir = make_tmpdir();
	char *sc = root_path(scenario);
	/* timer = exact: the times checked are the textbook formulas */
	struct cmd r = set ? KASIM("-q", "--no-plot", "-o", dir, "--set", "scenario.timer=exact", "--set",
				   (char *)set, sc)
			   : KASIM("-q", "--no-plot", "-o", dir, "--set", "scenario.timer=exact", sc);
	cr_assert_eq(r.status, 0, "kasim failed: %s", r.err);
	cmd_free(&r);
	free(sc);
	return dir;
}

Test(pcap, golden_bytes)
{
	char *dir = run_out("tests/golden/tiny.ini", NULL);
	char path[512];
	SNP(path, "%s/capture.pcap", dir);
	char *gp = root_path("tests/golden/tiny.pcap");
	size_t n1, n2;
	char *got = slurp(path, &n1), *want = slurp(gp, &n2);
	cr_assert_not_null(got);
	cr_assert_not_null(want);
	/* 24-byte file header + 6 x (16-byte record header + 40 bytes) */
	cr_assert_eq(n2, 24 + 6 * (16 + 40));
	cr_assert_eq(n1, n2);
	cr_assert(memcmp(got, want, n1) == 0, "capture.pcap differs from tests/golden/tiny.pcap");
	/* nanosecond magic, little-endian; LINKTYPE_RAW = 101 */
	cr_assert_eq((uint8_t)got[0], 0x4d);
	cr_assert_eq((uint8_t)got[1], 0x3c);
	cr_assert_eq((uint8_t)got[2], 0xb2);
	cr_assert_eq((uint8_t)got[3], 0xa1);
	cr_assert_eq((uint8_t)got[20], 101);
	free(got);
	free(want);
	free(gp);
	free(dir);
}

Test(pcap, libpcap_reads_it_back)
{
	char *dir = run_out("tests/golden/tiny.ini", NULL);
	char path[512], eb[PCAP_ERRBUF_SIZE];
	SNP(path, "%s/capture.pcap", dir);
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	cr_assert_not_null(p, "%s", eb);
	cr_assert_eq(pcap_datalink(p), DLT_RAW);
	cr_assert_eq(pcap_get_tstamp_precision(p), PCAP_TSTAMP_PRECISION_NANO);
	/* SYN 0, SYN-ACK 0.01, ACK 0.02; probes at 0.02 + 10 and + 15; RST at + 20 */
	const long long want_ns[] = {0, 10000000, 20000000, 10020000000LL, 15020000000LL, 20020000000LL};
	const uint8_t want_flags[] = {TH_SYN, TH_SYN | TH_ACK, TH_ACK, TH_ACK, TH_ACK, TH_RST | TH_ACK};
	struct pcap_pkthdr *h;
	const u_char *d;
	int i = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		cr_assert_lt(i, 6);
		cr_assert_eq((long long)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec, want_ns[i], "packet %d", i);
		cr_assert_eq(h->caplen, 40);
		cr_assert_eq(h->len, 40);
		cr_assert_eq(d[33], want_flags[i], "packet %d", i);
		cr_assert_eq(inet_checksum(d, 20, 0), 0);
		i++;
	}
	cr_assert_eq(i, 6);
	/* the probes: seq = snd_una - 1 = the ACK's seq - 1 */
	pcap_close(p);
	free(dir);
}

Test(pcap, sender_side_drops_are_not_on_the_wire)
{
	/* A's own cable is pulled: its probes and RST never reach the wire. */
	char *dir = make_tmpdir();
	char sc[512], path[512], eb[PCAP_ERRBUF_SIZE];
	SNP(sc, "%s/a.ini", dir);
	write_file(sc, "[scenario]\nduration = 30s\n[A]\nso_keepalive = on\ntcp_keepidle = 10\n"
		       "tcp_keepintvl = 5\ntcp_keepcnt = 2\n[link]\ndelay = 10ms\n[events]\n1s = unplug A\n");
	SNP(path, "%s/o", dir);
	struct cmd r = KASIM("-q", "--no-plot", "-o", path, sc);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "keepalive probe #2 (dropped: A unplugged)"), "%s", r.out);
	SNP(path, "%s/o/capture.pcap", dir);
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	cr_assert_not_null(p, "%s", eb);
	struct pcap_pkthdr *h;
	const u_char *d;
	int n = 0;
	while (pcap_next_ex(p, &h, &d) == 1)
		n++;
	cr_assert_eq(n, 3, "only the handshake left a host");
	pcap_close(p);
	cmd_free(&r);
	free(dir);
}

/* tshark's frame.time_relative of the packets matching filter, one a line. */
static char *tshark_times(const char *pcap, const char *filter)
{
	struct cmd c = cmd_run("tshark",
			       (const char *const[]){"tshark", "-n", "-o", "tcp.check_checksum:TRUE", "-o",
						     "ip.check_checksum:TRUE", "-r", pcap, "-Y", filter, "-T", "fields",
						     "-e", "frame.time_relative", NULL},
			       &(struct cmd_opts){.limit = 60});
	cr_assert_eq(c.status, 0, "tshark failed: %s", c.err);
	char *s = c.out;
	free(c.err);
	return s;
}

/* kasim's own times (seconds, 9 decimals, one a line) of packets with note prefix. */
static char *kasim_times(const char *scenario, const char *set, const char *kind)
{
	char *sc = root_path(scenario);
	struct cmd r = KASIM("--json", "--set", "scenario.timer=exact", "--set", (char *)set, sc);
	cr_assert_eq(r.status, 0);
	json_error_t je;
	json_t *doc = json_loads(r.out, 0, &je);
	cr_assert_not_null(doc, "%s", je.text);
	json_t *pk = json_object_get(doc, "packets");
	size_t i;
	json_t *p;
	char *s = calloc(1, 1 << 16);
	json_array_foreach(pk, i, p)
	{
		const char *note = json_string_value(json_object_get(p, "note"));
		if (!note || strncmp(note, kind, strlen(kind)))
			continue;
		/* time is exact decimal seconds; pad to tshark's 9 decimals */
		char t[64];
		SNP(t, "%.9f\n", json_number_value(json_object_get(p, "time")));
		strcat(s, t);
	}
	json_decref(doc);
	cmd_free(&r);
	free(sc);
	return s;
}

Test(pcap, tshark_agrees_on_keepalives)
{
	if (!have_program("tshark"))
		cr_skip_test("tshark is not installed");
	/* alive.ini: every probe answered, so both filters have something */
	char *dir = run_out("scenarios/alive.ini", "scenario.duration=5m");
	char path[512];
	SNP(path, "%s/capture.pcap", dir);
	char *got = tshark_times(path, "tcp.analysis.keep_alive");
	char *want = kasim_times("scenarios/alive.ini", "scenario.duration=5m", "keepalive probe");
	cr_assert_str_eq(got, "60.050000000\n120.100000000\n180.150000000\n240.200000000\n");
	cr_assert_str_eq(got, want);
	free(got);
	free(want);
	got = tshark_times(path, "tcp.analysis.keep_alive_ack");
	want = kasim_times("scenarios/alive.ini", "scenario.duration=5m", "keepalive ACK");
	cr_assert_str_eq(got, "60.075000000\n120.125000000\n180.175000000\n240.225000000\n");
	cr_assert_str_eq(got, want);
	free(got);
	free(want);
	free(dir);
}

Test(pcap, tshark_sees_unanswered_probes)
{
	if (!have_program("tshark"))
		cr_skip_test("tshark is not installed");
	char *dir = run_out("scenarios/unplug.ini", NULL);
	char path[512];
	SNP(path, "%s/capture.pcap", dir);
	char *got = tshark_times(path, "tcp.analysis.keep_alive");
	cr_assert_str_eq(got, "7200.000000000\n7275.000000000\n7350.000000000\n7425.000000000\n7500.000000000\n"
			      "7575.000000000\n7650.000000000\n7725.000000000\n7800.000000000\n");
	free(got);
	got = tshark_times(path, "tcp.analysis.keep_alive_ack");
	cr_assert_str_eq(got, "");
	free(got);
	/* checksums verified: none bad (status 0), all 13 good (status 1) */
	got = tshark_times(path, "tcp.checksum.status == 0 || ip.checksum.status == 0");
	cr_assert_str_eq(got, "");
	free(got);
	got = tshark_times(path, "tcp.checksum.status == 1 && ip.checksum.status == 1");
	int n = 0;
	for (char *c = got; *c; c++)
		n += *c == '\n';
	cr_assert_eq(n, 3 + 9 + 1, "handshake, 9 probes, the RST");
	free(got);
	free(dir);
}

/* Every packet of a capture: timestamps (ns), source and destination. */
struct cap_pkt {
	long long ns;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t flags;
};

static int read_capture(const char *path, struct cap_pkt *out, int max)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	cr_assert_not_null(p, "%s: %s", path, eb);
	struct pcap_pkthdr *h;
	const u_char *d;
	int n = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		cr_assert_lt(n, max);
		out[n++] = (struct cap_pkt){.ns = (long long)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec,
					    .saddr = rd32(d + 12), .daddr = rd32(d + 16), .sport = rd16(d + 20),
					    .dport = rd16(d + 22), .flags = d[33]};
		cr_assert_eq(inet_checksum(d, 20, 0), 0);
	}
	pcap_close(p);
	return n;
}

Test(pcap, nat_inside_and_outside)
{
	/* nat-idle-timeout.ini: 10 ms each way, the NAT forgets the mapping after
	 * 350 s; A's first probe at 7200.02 s meets no mapping and the NAT answers
	 * it with a RST to A. */
	char *dir = run_out("scenarios/nat-idle-timeout.ini", NULL);
	char path[512];
	static struct cap_pkt in[64], out[64];
	SNP(path, "%s/capture.pcap", dir);
	cr_assert_not(file_exists(path), "with a NAT: one capture per side");
	SNP(path, "%s/capture.inside.pcap", dir);
	int ni = read_capture(path, in, 64);
	SNP(path, "%s/capture.outside.pcap", dir);
	int no = read_capture(path, out, 64);
	cr_assert_eq(ni, 5, "handshake, the probe, the NAT's RST");
	cr_assert_eq(no, 3, "the handshake only: the probe never got out");
	const uint32_t a = 0xc000020a, b = 0xc6336414, ext = 0xcb007101; /* 203.0.113.1 */
	const long long t[] = {0, 10000000, 20000000, 7200020000000LL, 7200020000000LL};
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(in[i].ns, t[i]);
		cr_assert_eq(out[i].ns, t[i], "the same packet at the same time on both sides");
		cr_assert_eq(in[i].flags, out[i].flags);
	}
	/* inside: A's own address; outside: the NAT's */
	cr_assert_eq(in[0].saddr, a);
	cr_assert_eq(in[0].sport, 40000);
	cr_assert_eq(out[0].saddr, ext);
	cr_assert_eq(out[0].daddr, b);
	cr_assert_eq(in[1].daddr, a, "B's SYN-ACK translated back to A");
	cr_assert_eq(in[1].dport, 40000);
	cr_assert_eq(out[1].daddr, ext);
	cr_assert_eq(out[1].dport, out[0].sport);
	cr_assert_eq(in[3].ns, t[3]);
	cr_assert_eq(in[3].flags, TH_ACK, "the probe");
	cr_assert_eq(in[4].flags & TH_RST, TH_RST, "the NAT's RST, to A, as if from B");
	cr_assert_eq(in[4].saddr, b);
	cr_assert_eq(in[4].daddr, a);
	free(dir);
}

Test(pcap, jitter_keeps_timestamps_in_order)
{
	char *dir = make_tmpdir();
	char sc[512], o[512];
	SNP(sc, "%s/j.ini", dir);
	SNP(o, "%s/o", dir);
	write_file(sc, "[scenario]\ntimer = exact\nduration = 10m\n[A]\nso_keepalive = on\ntcp_keepidle = 1\n"
		       "tcp_keepintvl = 1\n"
		       "[link]\ndelay = 200ms\njitter = 900ms\nreorder = on\n[events]\n1s = send A 100000\n"
		       "2s = send B 50000\n");
	struct cmd r = KASIM("-q", "--no-plot", "-o", o, sc);
	cr_assert_eq(r.status, 0, "%s", r.err);
	SNP(o, "%s/o/capture.pcap", dir);
	static struct cap_pkt p[4096];
	int n = read_capture(o, p, 4096);
	/* seeded jitter and reordering, pinned (860 while the RTO came from the
	 * handshake alone; the RTT estimator follows the jitter since; 499 since
	 * a retransmitted SYN in SYN_RECV gets the SYN-ACK again) */
	cr_assert_eq(n, 499, "n = %d", n);
	for (int i = 1; i < n; i++)
		cr_assert_geq(p[i].ns, p[i - 1].ns, "packet %d is stamped before packet %d", i + 1, i);
	cmd_free(&r);
	free(dir);
}

Test(pcap, chain_inside_and_outside)
{
	/* A home router (1800 s) then an AWS NLB (350 s), 10 ms each way,
	 * tcp_keepidle 400: the NLB forgets the flow at 350.03 s; A's probe
	 * (400.02 s) crosses the NAT and meets no flow at the NLB, which answers
	 * with a RST (sent at 400.03 s) that the NAT translates back to A. The two
	 * captures are taken around both boxes: inside what A sent and received,
	 * outside what B sent and received (the LB masquerades: 198.51.100.2). */
	char *dir = make_tmpdir();
	char ini[512], out_dir[512], path[600];
	SNP(ini, "%s/chain.ini", dir);
	SNP(out_dir, "%s/out", dir);
	write_file(ini, "[scenario]\ntimer = exact\nduration = 1h\n[A]\nso_keepalive = on\ntcp_keepidle = 400\n"
			"[link]\ndelay = 10ms\n[nat]\npreset = example-home-router\n[lb]\npreset = aws-nlb\n");
	struct cmd r = KASIM("-q", "--no-plot", "-o", out_dir, ini);
	cr_assert_eq(r.status, 0, "kasim failed: %s", r.err);
	cmd_free(&r);
	static struct cap_pkt in[64], out[64];
	SNP(path, "%s/capture.inside.pcap", out_dir);
	int ni = read_capture(path, in, 64);
	SNP(path, "%s/capture.outside.pcap", out_dir);
	int no = read_capture(path, out, 64);
	cr_assert_eq(ni, 5, "handshake, the probe, the LB's RST");
	cr_assert_eq(no, 3, "the handshake only: the probe died in the LB");
	const uint32_t a = 0xc000020a, b = 0xc6336414, lb = 0xc6336402; /* 198.51.100.2 */
	const long long t[] = {0, 10000000, 20000000, 400020000000LL, 400030000000LL};
	for (int i = 0; i < 5; i++)
		cr_expect_eq(in[i].ns, t[i], "inside %d", i);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(out[i].ns, t[i], "outside %d", i);
	cr_expect_eq(in[0].saddr, a);
	cr_expect_eq(out[0].saddr, lb, "B sees the LB's address");
	cr_expect_eq(out[0].daddr, b);
	cr_expect_eq(out[1].daddr, lb);
	cr_expect_eq(in[1].daddr, a, "B's SYN-ACK through both boxes");
	cr_expect_eq(in[1].dport, 40000);
	cr_expect_eq(in[3].flags, TH_ACK, "the probe");
	cr_expect_eq(in[4].flags & TH_RST, TH_RST, "the LB's RST, as A got it");
	cr_expect_eq(in[4].saddr, b);
	cr_expect_eq(in[4].daddr, a);
	cr_expect_eq(in[4].dport, 40000);
	free(dir);
}

/* kasim -o DIR/out on text written to DIR/s.ini; returns DIR/out (DIR in *tmp). */
static char *run_ini(const char *text, char **tmp)
{
	char ini[512], out_dir[512];
	*tmp = make_tmpdir();
	SNP(ini, "%s/s.ini", *tmp);
	SNP(out_dir, "%s/out", *tmp);
	write_file(ini, text);
	struct cmd r = KASIM("-q", "--no-plot", "-o", out_dir, ini);
	cr_assert_eq(r.status, 0, "kasim failed: %s", r.err);
	cmd_free(&r);
	return strdup(out_dir);
}

/* The three captures of a chain, DIR/capture.LEGinside.pcap, ...between...,
 * ...outside... (LEG: "" or "client."), into f[0..2]; their counts in n. */
static void read_chain(const char *dir, const char *leg, struct cap_pkt *const f[3], int max, int n[3])
{
	static const char *const side[] = {"inside", "between", "outside"};
	char path[600];
	for (int i = 0; i < 3; i++) {
		SNP(path, "%s/capture.%s%s.pcap", dir, leg, side[i]);
		n[i] = read_capture(path, f[i], max);
	}
}

#define CHAIN_INI(extra) \
	"[scenario]\ntimer = exact\nduration = " extra "\n[link]\ndelay = 10ms\n" \
	"[nat]\npreset = example-home-router\n[lb]\npreset = aws-nlb\n"

Test(pcap, chain_between)
{
	/* chain_inside_and_outside's run: the wire between the NAT and the LB.
	 * The NAT (example-home-router: no port preservation) masquerades A's
	 * 192.0.2.10:40000 as its ext_addr 203.0.113.1 and the first port of its
	 * allocator, 1024; the LB (aws-nlb) masquerades that as its own
	 * 198.51.100.2:1024. B is 198.51.100.20:443. The probe crossed the NAT
	 * (between) and died in the LB (not outside); the LB's RST (sent at
	 * 400.03 s to the NAT's address and port) is between and, translated,
	 * inside. */
	char *tmp;
	char *o = run_ini(CHAIN_INI("1h") "[A]\nso_keepalive = on\ntcp_keepidle = 400\n", &tmp);
	static struct cap_pkt in[64], mid[64], out[64];
	int n[3];
	read_chain(o, "", (struct cap_pkt *const[]){in, mid, out}, 64, n);
	int ni = n[0], nm = n[1], no = n[2];
	cr_assert_eq(ni, 5, "handshake, the probe, the LB's RST");
	cr_assert_eq(nm, 5, "handshake, the probe, the LB's RST");
	cr_assert_eq(no, 3, "the handshake only: the probe died in the LB");
	const uint32_t a = 0xc000020a, b = 0xc6336414, nat = 0xcb007101, lb = 0xc6336402;
	const long long t[] = {0, 10000000, 20000000, 400020000000LL, 400030000000LL};
	for (int i = 0; i < 5; i++) {
		cr_expect_eq(mid[i].ns, t[i], "between %d", i);
		cr_expect_eq(mid[i].flags, in[i].flags, "between %d: the same segment as inside", i);
	}
	/* the SYN in each file */
	cr_expect_eq(in[0].flags, TH_SYN);
	cr_expect_eq(in[0].saddr, a);
	cr_expect_eq(in[0].sport, 40000);
	cr_expect_eq(mid[0].saddr, nat, "between: the NAT's external address");
	cr_expect_eq(mid[0].sport, 1024, "and its port");
	cr_expect_eq(mid[0].daddr, b);
	cr_expect_eq(mid[0].dport, 443);
	cr_expect_eq(out[0].saddr, lb, "outside: the LB's");
	cr_expect_eq(out[0].sport, 1024);
	cr_expect_eq(out[0].daddr, b);
	/* B's SYN-ACK between: as the LB translated it, to the NAT's tuple */
	cr_expect_eq(mid[1].flags, TH_SYN | TH_ACK);
	cr_expect_eq(mid[1].saddr, b);
	cr_expect_eq(mid[1].daddr, nat);
	cr_expect_eq(mid[1].dport, 1024);
	/* the probe, as the NAT sent it on */
	cr_expect_eq(mid[3].flags, TH_ACK);
	cr_expect_eq(mid[3].saddr, nat);
	cr_expect_eq(mid[3].sport, 1024);
	/* the LB's RST: between as the LB sent it, inside as A got it */
	cr_expect_eq(mid[4].flags & TH_RST, TH_RST);
	cr_expect_eq(mid[4].saddr, b);
	cr_expect_eq(mid[4].daddr, nat);
	cr_expect_eq(mid[4].dport, 1024);
	cr_expect_eq(in[4].flags & TH_RST, TH_RST);
	cr_expect_eq(in[4].daddr, a);
	cr_expect_eq(in[4].dport, 40000);
	free(o);
	free(tmp);
}

Test(pcap, chain_lost_between_is_not_outside)
{
	/* The wire is cut at 10 s; A's 100 bytes at 20 s cross the NAT and are
	 * lost on it, so are the retransmissions. The handshake's SYN-ACK gave A
	 * one RTT sample of 20 ms: srtt 20 ms, rttvar max(mdev, tcp_rto_min) =
	 * 200 ms, RTO 220 ms (tcp_set_rto()), doubled at each retransmission
	 * (tcp_retransmit_timer()): sent at 20 s + 0.22 x (2^k - 1), k = 0..8,
	 * the last at 76.10 s (the next would be at 132.42 s, after the end).
	 * Each is inside and between (it left the NAT), none outside (it never
	 * reached the LB). */
	char *tmp;
	char *o = run_ini(CHAIN_INI("100s") "[events]\n10s = link down\n20s = send A 100\n", &tmp);
	static struct cap_pkt in[64], mid[64], out[64];
	int n[3];
	read_chain(o, "", (struct cap_pkt *const[]){in, mid, out}, 64, n);
	int ni = n[0], nm = n[1], no = n[2];
	cr_assert_eq(ni, 3 + 9);
	cr_assert_eq(nm, 3 + 9);
	cr_assert_eq(no, 3, "the handshake only");
	for (int k = 0; k < 9; k++) {
		long long want = 20000000000LL + 220000000LL * ((1LL << k) - 1);
		cr_expect_eq(in[3 + k].ns, want, "inside, transmission %d", k);
		cr_expect_eq(mid[3 + k].ns, want, "between, transmission %d", k);
		cr_expect_eq(mid[3 + k].saddr, 0xcb007101u, "as the NAT translated it");
		cr_expect_eq(mid[3 + k].sport, 1024);
	}
	free(o);
	free(tmp);
}

Test(pcap, between_only_with_both_boxes)
{
	/* A proxy behind both (the cookbook's CGNAT + NLB + nginx): the client
	 * leg has the three captures. A connects to P's front end 203.0.113.80:443;
	 * the carrier NAT (example-cgnat: ext_addr 203.0.113.1, allocator from
	 * 1024) then the NLB (198.51.100.2, from 1024) translate its source. */
	char *dir = run_out("scenarios/cookbook/cgnat-nlb-nginx.ini", NULL);
	static struct cap_pkt in[256], mid[256], out[256];
	char path[512];
	SNP(path, "%s/capture.between.pcap", dir);
	cr_expect_not(file_exists(path), "with a proxy the client leg's name");
	SNP(path, "%s/capture.server.pcap", dir);
	cr_expect(file_exists(path));
	int n[3];
	read_chain(dir, "client.", (struct cap_pkt *const[]){in, mid, out}, 256, n);
	for (int i = 0; i < 3; i++)
		cr_assert_gt(n[i], 0);
	const uint32_t p = 0xcb007150;
	cr_expect_eq(in[0].flags, TH_SYN);
	cr_expect_eq(in[0].saddr, 0xc000020au);
	cr_expect_eq(in[0].sport, 40000);
	cr_expect_eq(mid[0].flags, TH_SYN);
	cr_expect_eq(mid[0].saddr, 0xcb007101u);
	cr_expect_eq(mid[0].sport, 1024);
	cr_expect_eq(out[0].saddr, 0xc6336402u);
	cr_expect_eq(out[0].sport, 1024);
	const struct cap_pkt *syn[] = {&in[0], &mid[0], &out[0]};
	for (int j = 0; j < 3; j++) {
		cr_expect_eq(syn[j]->daddr, p, "file %d: to P's front end", j);
		cr_expect_eq(syn[j]->dport, 443);
		cr_expect_eq(syn[j]->ns, 0);
	}
	free(dir);
	/* no between capture without both boxes: the NAT alone, the LB alone,
	 * no box, a proxy behind the NAT alone */
	static const struct { const char *ini, *capture; } alone[] = {
		{"[nat]\npreset = example-home-router\n", "capture.inside.pcap"},
		{"[lb]\npreset = aws-nlb\n", "capture.inside.pcap"},
		{"", "capture.pcap"},
		{"[nat]\npreset = example-home-router\n[proxy]\npreset = nginx\n",
		 "capture.client.inside.pcap"},
	};
	for (size_t i = 0; i < sizeof alone / sizeof alone[0]; i++) {
		char ini[600], *tmp;
		cr_assert_lt((size_t)snprintf(ini, sizeof ini, "[scenario]\nduration = 1m\n%s", alone[i].ini),
			     sizeof ini);
		char *o = run_ini(ini, &tmp);
		SNP(path, "%s/capture.between.pcap", o);
		cr_expect_not(file_exists(path), "case %zu", i);
		SNP(path, "%s/capture.client.between.pcap", o);
		cr_expect_not(file_exists(path), "case %zu", i);
		SNP(path, "%s/%s", o, alone[i].capture);
		cr_expect(file_exists(path), "case %zu: %s", i, path);
		free(o);
		free(tmp);
	}
}
