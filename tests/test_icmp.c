/*
 * test_icmp.c - ICMP destination unreachable on the path (icmp.c) and what
 * the receiving TCP makes of it (tcp_err.c, tcp_ld_RTO_revert() in
 * retransmit.c). Every expected value is derived from the kernel's rules:
 *
 *   inet_peer_xrlim_allow(): tokens += now - rate_last, capped at
 *     XRLIM_BURST_FACTOR (6) x icmp_ratelimit; an ICMP costs icmp_ratelimit;
 *     a new peer starts with rate_last = jiffies - 60 HZ (a full bucket);
 *   icmpv4_mask_allow(): types outside icmp_ratemask are never limited;
 *   tcp_v4_err(): between(seq, snd_una, snd_nxt) or ignored; SYN_SENT: hard
 *     error; otherwise sk_err_soft, reported by tcp_write_err() at the
 *     timeout; net/host unreachable about the head during a backed-off
 *     retransmission: tcp_ld_RTO_revert() (backoff - 1, RTO = base << backoff,
 *     timer = RTO - time since the head was sent).
 *
 * The link in these runs: 10 ms each way, exact timers, so RTT = 20 ms and
 * RTO = srtt + max(2 srtt, 200 ms) = 220 ms (tcp_rtt_estimator's first
 * sample, __tcp_set_rto).
 */
#include <criterion/criterion.h>

#include <string.h>

#include "helpers.h"
#include "icmp.h"
#include "pcap_out.h"
#include "sweep.h"

#define A HOST_A
#define B HOST_B

/* ---- the rate limit (inet_peer_xrlim_allow) ------------------------------------ */

static struct ep_config cfg_with(uint32_t ratelimit_ms, uint32_t mask)
{
	struct ep_config c;
	ep_config_default(&c, HOST_B);
	c.icmp_ratelimit = ratelimit_ms;
	c.icmp_ratemask = mask;
	return c;
}

Test(icmp, defaults_are_the_kernels)
{
	struct ep_config c;
	ep_config_default(&c, HOST_B);
	cr_expect_eq(c.icmp_ratelimit, 1000);   /* net.ipv4.icmp_ratelimit */
	cr_expect_eq(c.icmp_ratemask, 0x1818);  /* net.ipv4.icmp_ratemask: types 3, 4, 11, 12 */
	cr_expect(c.icmp_ratemask & (1u << ICMP_DEST_UNREACH));
}

/* One ICMP every 100 ms, exact clock: the full bucket (6000 ms) pays for six,
 * then 100 ms of tokens a call: 0.6..0.9 s are refused, 1.0 s has 1000 ms. */
Test(icmp, burst_of_six_then_one_per_ratelimit)
{
	struct icmp_peer peer = {0};
	struct ep_config c = cfg_with(1000, 0x1818);
	struct timer_model tm;
	tm_init(&tm, TM_EXACT);
	/* tokens after each call, from the rule */
	const ks_time_t left[] = {5000, 4100, 3200, 2300, 1400, 500, 600, 700, 800, 900, 0, 100};
	const bool ok[] = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0};
	for (int i = 0; i < 12; i++) {
		struct rec_icmp r = {0};
		bool got = icmp_xrlim_allow(&peer, &c, &tm, 5 * SEC + i * 100 * MS, ICMP_DEST_UNREACH,
					    ICMP_HOST_UNREACH, &r);
		cr_expect_eq(got, ok[i], "call %d at %d ms", i, i * 100);
		cr_expect(r.limited);
		cr_expect_eq(r.decision, ok[i] ? ICMPD_SENT : ICMPD_RATELIMITED);
		cr_expect_eq(r.tokens, left[i] * MS, "call %d: tokens %lld", i, (long long)r.tokens);
	}
	/* idle for 6 s or more: the bucket is full again (capped at 6 x 1000 ms) */
	struct rec_icmp r = {0};
	cr_expect(icmp_xrlim_allow(&peer, &c, &tm, 30 * SEC, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, &r));
	cr_expect_eq(r.tokens, 5000 * MS);
}

/* The same rule in jiffies at HZ = 250: icmp_ratelimit 1000 ms = 250 jiffies,
 * the bucket 1500 jiffies; one call a jiffy after 6 calls is refused. */
Test(icmp, bucket_counts_jiffies_under_timer_linux)
{
	struct icmp_peer peer = {0};
	struct ep_config c = cfg_with(1000, 0x1818);
	struct timer_model tm;
	tm_init_linux(&tm, 250, 4294967000u /* wraps during the test */, 0);
	ks_time_t t = 10 * SEC;
	for (int i = 0; i < 6; i++) {
		struct rec_icmp r = {0};
		cr_expect(icmp_xrlim_allow(&peer, &c, &tm, t, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, &r));
		cr_expect_eq(r.tokens, (ks_time_t)(5 - i) * 250 * 4 * MS);
	}
	struct rec_icmp r = {0};
	cr_expect_not(icmp_xrlim_allow(&peer, &c, &tm, t + 4 * MS, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, &r));
	cr_expect_eq(r.tokens, 4 * MS); /* one jiffy of tokens */
	/* 249 jiffies later: 250 jiffies of tokens, exactly one ICMP's worth */
	cr_expect(icmp_xrlim_allow(&peer, &c, &tm, t + 1000 * MS, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, &r));
	cr_expect_eq(r.tokens, 0);
}

Test(icmp, types_outside_the_mask_and_ratelimit_0_are_never_limited)
{
	struct timer_model tm;
	tm_init(&tm, TM_EXACT);
	struct icmp_peer peer = {0};
	struct ep_config c = cfg_with(1000, 0x1810); /* type 3's bit cleared */
	for (int i = 0; i < 20; i++) {
		struct rec_icmp r = {0};
		cr_expect(icmp_xrlim_allow(&peer, &c, &tm, i * MS, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, &r));
		cr_expect_not(r.limited);
	}
	cr_expect_not(peer.used, "icmpv4_mask_allow(): no peer lookup at all");
	c = cfg_with(0, 0x1818);
	for (int i = 0; i < 20; i++) {
		struct rec_icmp r = {0};
		cr_expect(icmp_xrlim_allow(&peer, &c, &tm, i * MS, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, &r));
		cr_expect(r.limited);
	}
}

Test(icmp, codes_and_errnos_of_icmp_err_convert)
{
	cr_expect_eq(icmp_code_parse("net"), ICMP_NET_UNREACH);
	cr_expect_eq(icmp_code_parse("host"), ICMP_HOST_UNREACH);
	cr_expect_eq(icmp_code_parse("port"), ICMP_PORT_UNREACH);
	cr_expect_eq(icmp_code_parse("admin"), ICMP_PKT_FILTERED);
	cr_expect_eq(icmp_code_parse("frag"), -1);
	cr_expect_eq(icmp_err_convert(ICMP_NET_UNREACH), 101);  /* ENETUNREACH */
	cr_expect_eq(icmp_err_convert(ICMP_HOST_UNREACH), 113); /* EHOSTUNREACH */
	cr_expect_eq(icmp_err_convert(ICMP_PORT_UNREACH), 111); /* ECONNREFUSED */
	cr_expect_eq(icmp_err_convert(ICMP_PKT_FILTERED), 113); /* EHOSTUNREACH */
}

/* ---- tcp_v4_err() in runs ----------------------------------------------------- */

#define PATH "[link]\ndelay = 10ms\n"

/* Probes answered by ICMP: each ignored (seq = snd_una - 1), abort as if
 * nothing answered: last heard 0.02 s + 60 + 3 x 10 = 90.02 s, ETIMEDOUT. */
Test(icmp, probe_icmps_are_out_of_window)
{
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[A]\nso_keepalive = on\ntcp_keepidle = 60\ntcp_keepintvl = 10\n"
		"tcp_keepcnt = 3\n" PATH "[events]\n5s = unreachable B host\n", NULL, 0, &r);
	const struct rec_end *e = run_end_must(&r, A);
	cr_expect_eq(e->why, END_KEEPALIVE);
	cr_expect_eq(e->error, KS_ETIMEDOUT);
	cr_expect_eq(run_end_time(&r, A), 90020 * MS);
	cr_expect_eq(run_count_icmp(&r, B, ICMPD_SENT), 4, "3 probes and the RST");
	cr_expect_eq(run_count_icmp(&r, A, ICMPD_OUT_OF_WINDOW), 3);
	for (size_t k = 1; k <= 3; k++) {
		const struct rec_icmp *ic = &run_nth_icmp(&r, A, ICMPD_OUT_OF_WINDOW, k)->u.icmp;
		cr_expect_eq(ic->seq, ic->snd_una - 1, "probe #%zu quotes snd_una - 1", k);
		cr_expect_eq(ic->snd_una, ic->snd_nxt);
		cr_expect_eq(run_nth_icmp(&r, A, ICMPD_OUT_OF_WINDOW, k)->t,
			     (60020 + 10000 * (ks_time_t)(k - 1) + 20) * MS);
	}
	/* the RST's ICMP comes after the socket is gone */
	cr_expect_eq(run_count_icmp(&r, A, ICMPD_NOSOCK), 1);
	cr_expect_eq(run_sk(&r, A)->err_soft, 0);
	run_free(&r);
}

/*
 * Data at 10 s, tcp_retries2 = 3 (limit (2^4 - 1) x 0.2 = 3 s after the first
 * retransmission at 10.22 s). B's end answers at +10 ms, A hears at +20 ms.
 * Tokens (ms) at B's end, full bucket 6000: 10.01 -> 5000; every 220 ms +220
 * - 1000: 4220, 3440, 2660, 1880, 1100, 320 (7 ICMPs); 11.55: 540 refused;
 * 11.99: 980 refused; 12.87: 1860 -> 860 sent.
 * A: the first ICMP (no retransmission yet) is a soft error; those for
 * retransmissions #1..#6 revert backoff 1 -> 0: RTO 220, next = 220 - 20 ms
 * after the ICMP, so every 220 ms; #7 (11.54) and #8 (11.98, +440) get no
 * answer: backoff 2, 3; #9 at 12.86 (+880) is answered: backoff 3 -> 2, RTO
 * 220 << 2 = 880, timer 860 ms after 12.88 = 13.74 s, which is >= 10.22 + 3 s:
 * abort with sk_err_soft = EHOSTUNREACH.
 */
Test(icmp, data_retransmissions_reverted_and_rate_limited)
{
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[A]\nnet.ipv4.tcp_retries2 = 3\n" PATH
		"[events]\n5s = unreachable B host\n10s = send A 100\n", NULL, 0, &r);
	const ks_time_t rtx[] = {10220, 10440, 10660, 10880, 11100, 11320, 11540, 11980, 12860};
	cr_assert_eq(run_count_pkts(&r, A, SEG_RETRANS), 9);
	for (size_t k = 0; k < 9; k++)
		cr_expect_eq(run_nth_pkt(&r, A, SEG_RETRANS, k + 1)->sent, rtx[k] * MS, "retransmission #%zu", k + 1);
	cr_expect_eq(run_count_icmp(&r, B, ICMPD_SENT), 8);
	cr_expect_eq(run_count_icmp(&r, B, ICMPD_RATELIMITED), 2);
	const struct rec *x = run_nth_icmp(&r, B, ICMPD_RATELIMITED, 1);
	cr_expect_eq(x->t, 11550 * MS);
	cr_expect_eq(x->u.icmp.tokens, 540 * MS);
	x = run_nth_icmp(&r, B, ICMPD_RATELIMITED, 2);
	cr_expect_eq(x->t, 11990 * MS);
	cr_expect_eq(x->u.icmp.tokens, 980 * MS);
	cr_expect_eq(run_nth_icmp(&r, B, ICMPD_SENT, 8)->u.icmp.tokens, 860 * MS);
	cr_expect_eq(run_count_icmp(&r, A, ICMPD_SOFT), 1);
	cr_expect_eq(run_count_icmp(&r, A, ICMPD_REVERT), 7);
	for (size_t k = 1; k <= 6; k++) {
		const struct rec_icmp *ic = &run_nth_icmp(&r, A, ICMPD_REVERT, k)->u.icmp;
		cr_expect_eq(ic->backoff, 0);
		cr_expect_eq(ic->rto, 220 * MS);
		cr_expect_eq(ic->remaining, 200 * MS);
	}
	const struct rec_icmp *last = &run_nth_icmp(&r, A, ICMPD_REVERT, 7)->u.icmp;
	cr_expect_eq(last->backoff, 2);
	cr_expect_eq(last->rto, 880 * MS);
	cr_expect_eq(last->remaining, 860 * MS);
	const struct rec_end *e = run_end_must(&r, A);
	cr_expect_eq(e->why, END_RTO);
	cr_expect_eq(e->error, KS_EHOSTUNREACH);
	cr_expect_eq(run_end_time(&r, A), 13740 * MS);
	cr_expect_eq(run_nth_rto(&r, A, RTO_ABORT, 1)->u.rto.err_soft, KS_EHOSTUNREACH);
	run_free(&r);
}

/* Port unreachable is a soft error without the revert (RFC 6069 is for net
 * and host unreachable only): the textbook series 10.22, 10.66, 11.54, 13.30,
 * and at 13.30 (>= 10.22 + 3 s) the abort reports ECONNREFUSED. */
Test(icmp, port_unreachable_soft_error_no_revert)
{
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[A]\nnet.ipv4.tcp_retries2 = 3\n" PATH
		"[events]\n5s = unreachable B port\n10s = send A 100\n", NULL, 0, &r);
	const ks_time_t rtx[] = {10220, 10660, 11540};
	cr_assert_eq(run_count_pkts(&r, A, SEG_RETRANS), 3);
	for (size_t k = 0; k < 3; k++)
		cr_expect_eq(run_nth_pkt(&r, A, SEG_RETRANS, k + 1)->sent, rtx[k] * MS);
	cr_expect_eq(run_count_icmp(&r, A, ICMPD_REVERT), 0);
	cr_expect_eq(run_count_icmp(&r, A, ICMPD_SOFT), 4);
	cr_expect_eq(run_end_must(&r, A)->error, KS_ECONNREFUSED);
	cr_expect_eq(run_end_time(&r, A), 13300 * MS);
	run_free(&r);
}

/* Without ICMP the same run ends in ETIMEDOUT at the same time: the errno is
 * sk_err_soft's, nothing else. And an acceptable ACK clears sk_err_soft
 * (tcp_ack()): answered once, then silent, the timeout says ETIMEDOUT. */
Test(icmp, sk_err_soft_is_cleared_by_an_ack)
{
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[A]\nnet.ipv4.tcp_retries2 = 3\n" PATH
		"[events]\n5s = unreachable B port\n10s = send A 100\n10.5s = unreachable B off\n"
		"20s = unplug B\n30s = send A 100\n", NULL, 0, &r);
	/* 10.66: retransmission #2 reaches B, whose ACK clears sk_err_soft */
	cr_expect_eq(run_count_icmp(&r, A, ICMPD_SOFT), 2);
	const struct rec_end *e = run_end_must(&r, A);
	cr_expect_eq(e->why, END_RTO);
	cr_expect_eq(e->error, KS_ETIMEDOUT);
	/* 30 s + 220 ms x (1 + 2 + 4 + 8) = 33.30 s */
	cr_expect_eq(run_end_time(&r, A), 33300 * MS);
	run_free(&r);
}

/* SYN_SENT: any of them ends connect() one RTT after the SYN (2 x 10 ms). */
Test(icmp, hard_error_in_syn_sent)
{
	static const struct {
		const char *word;
		int err;
	} c[] = {{"host", KS_EHOSTUNREACH}, {"net", KS_ENETUNREACH}, {"port", KS_ECONNREFUSED},
		 {"admin", KS_EHOSTUNREACH}};
	for (size_t i = 0; i < NELEMS(c); i++) {
		struct run r;
		char ini[256];
		snprintf(ini, sizeof ini, "[scenario]\nduration = 1m\n" PATH "[events]\n0s = unreachable B %s\n",
			 c[i].word);
		run_ini(ini, NULL, 0, &r);
		const struct rec_end *e = run_end_must(&r, A);
		cr_expect_eq(e->why, END_ICMP, "%s", c[i].word);
		cr_expect_eq(e->error, c[i].err, "%s", c[i].word);
		cr_expect_eq(e->from, TCP_SYN_SENT);
		cr_expect_eq(run_end_time(&r, A), 20 * MS);
		cr_expect_eq(run_count_icmp(&r, A, ICMPD_HARD), 1);
		cr_expect_eq(run_count_pkts(&r, A, SEG_RETRANS), 0);
		run_free(&r);
	}
}

/* SYN_RECV: tcp_req_err() drops the request for net/host unreachable about
 * the SYN-ACK (sent at 10 ms, answered at A's end at 20 ms, heard at 30 ms);
 * port unreachable leaves it. */
Test(icmp, request_dropped_in_syn_recv)
{
	struct run r;
	run_ini("[scenario]\nduration = 2s\n" PATH "[events]\n0s = unreachable A host\n", NULL, 0, &r);
	const struct rec *e = run_end_of(&r, B);
	cr_assert_not_null(e);
	cr_expect_eq(e->u.end.why, END_ICMP);
	cr_expect_eq(e->u.end.error, 0);
	cr_expect_eq(e->t, 30 * MS);
	cr_expect_eq(run_count_icmp(&r, B, ICMPD_REQ_DROP), 2, "the SYN at 0 s and its retransmission at 1 s");
	run_free(&r);
	run_ini("[scenario]\nduration = 500ms\n" PATH "[events]\n0s = unreachable A port\n", NULL, 0, &r);
	cr_expect_null(run_end_of(&r, B));
	cr_expect_eq(run_count_icmp(&r, B, ICMPD_REQ_IGNORED), 1);
	run_free(&r);
}

/* Segments not for the unreachable host pass; "off" ends the answers. */
Test(icmp, only_segments_for_the_host_are_answered)
{
	struct run r;
	run_ini("[scenario]\nduration = 1m\n" PATH "[events]\n1s = unreachable A host\n2s = send B 10\n"
		"3s = unreachable A off\n4s = send B 10\n", NULL, 0, &r);
	/* B's data at 2 s and its retransmissions #1..#4 (every 220 ms: reverted),
	 * answered by A's end; #5 at 3.10 s gets through */
	cr_expect_eq(run_count_icmp(&r, A, ICMPD_SENT), 5);
	cr_expect_eq(run_count_icmp(&r, B, ICMPD_SOFT), 1);
	cr_expect_eq(run_count_icmp(&r, B, ICMPD_REVERT), 4);
	cr_expect_eq(run_nth_pkt(&r, B, SEG_RETRANS, 5)->sent, 3100 * MS);
	cr_expect_eq(run_nth_pkt(&r, B, SEG_RETRANS, 5)->reason, DROP_NONE);
	cr_expect_null(run_end_of(&r, A));
	cr_expect_null(run_end_of(&r, B));
	cr_expect_eq(run_sk(&r, B)->snd_una, run_sk(&r, B)->snd_nxt, "both writes acknowledged in the end");
	run_free(&r);
}

/* lwIP never hears of it: the data times out after TCP_MAXRTX with ERR_ABRT
 * exactly as without ICMP; linux-2.6 has the soft error but no revert. */
Test(icmp, other_stacks)
{
	struct run r, q;
	run_ini("[scenario]\nduration = 1h\n[A]\nos = lwip\n" PATH
		"[events]\n5s = unreachable B host\n10s = send A 100\n", NULL, 0, &r);
	run_ini("[scenario]\nduration = 1h\n[A]\nos = lwip\n" PATH "[events]\n5s = partition A->B\n10s = send A 100\n",
		NULL, 0, &q);
	cr_expect_gt(run_count_icmp(&r, A, ICMPD_STACK_IGNORES), 0);
	cr_expect_eq(run_count_icmp(&r, A, ANY), run_count_icmp(&r, A, ICMPD_STACK_IGNORES));
	cr_expect_eq(run_end_must(&r, A)->error, run_end_must(&q, A)->error);
	cr_expect_eq(run_end_time(&r, A), run_end_time(&q, A));
	run_free(&r);
	run_free(&q);
	run_ini("[scenario]\nduration = 1h\n[A]\nos = linux-2.6\nnet.ipv4.tcp_retries2 = 3\n" PATH
		"[events]\n5s = unreachable B host\n10s = send A 100\n", NULL, 0, &r);
	cr_expect_eq(run_count_icmp(&r, A, ICMPD_REVERT), 0);
	cr_expect_eq(run_end_must(&r, A)->error, KS_EHOSTUNREACH);
	cr_expect_eq(run_end_time(&r, A), 13300 * MS, "the textbook series, as for port unreachable");
	run_free(&r);
}

/* ---- the grammar ---------------------------------------------------------------- */

static void expect_refused(const char *text, const char *msg)
{
	struct diag d = {0};
	struct scenario *s = scenario_parse_string("t.ini", text, NULL, 0, &d);
	cr_expect_null(s);
	cr_expect_eq(d.n, 1, "%zu messages", d.n);
	if (d.n)
		cr_expect_str_eq(d.msg[0], msg);
	scenario_free(s);
	diag_free(&d);
}

Test(icmp, event_errors)
{
	expect_refused("[events]\n1s = unreachable B frag\n",
		       "t.ini:2: unreachable: unknown ICMP 'frag' (host, net, port, admin or off)");
	expect_refused("[events]\n1s = unreachable C host\n",
		       "t.ini:2: unreachable: unknown host 'C' (A or B, upper case)");
	expect_refused("[events]\n1s = unreachable B\n",
		       "t.ini:2: 'unreachable' takes 2 arguments, not 1 (unreachable X host|net|port|admin|off, "
		       "where X is A or B)");
	expect_refused("[nat]\n[events]\n1s = unreachable B host\n",
		       "t.ini:3: unreachable: ICMP errors through the NAT are not modelled (remove [nat], or "
		       "use partition or link down)");
	expect_refused("[B]\nnet.ipv4.icmp_ratemask = 0x80000000\n",
		       "t.ini:2: net.ipv4.icmp_ratemask = 0x80000000 is out of range (0..2147483647, a mask of "
		       "ICMP types (bit n = type n), decimal or 0x hex)");
	struct diag d = {0};
	struct scenario *s = scenario_parse_string(
		"t.ini", "[B]\nnet.ipv4.icmp_ratemask = 0x1810\nnet.ipv4.icmp_ratelimit = 250ms\n", NULL, 0, &d);
	cr_assert_not_null(s);
	cr_expect_eq(s->ep[B].icmp_ratemask, 0x1810);
	cr_expect_eq(s->ep[B].icmp_ratelimit, 250);
	scenario_free(s);
	diag_free(&d);
}

/* ---- the capture ---------------------------------------------------------------- */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) << 16 | rd16(p + 2); }

/* RFC 792: IPv4 protocol 1, type, code, checksum over the ICMP message, 4
 * unused bytes, the quoted IP header (its own checksum valid, its length
 * the original datagram's) and the first 8 bytes of the TCP header. */
Test(icmp, capture_bytes)
{
	struct segment in = {.saddr = 0xC000020A, .daddr = 0xC6336414, .sport = 40000, .dport = 443,
			     .seq = 0x01020304, .ack = 5, .len = 100, .win = 65535, .flags = TH_ACK | TH_PSH,
			     .src = A, .dst = B, .id = 7};
	struct segment ic;
	icmp_build(&ic, &in, in.daddr, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH);
	ic.id = 8;
	uint8_t buf[128];
	size_t caplen, len = pcap_build_packet(buf, sizeof buf, &ic, &caplen);
	cr_assert_eq(len, 56);
	cr_assert_eq(caplen, 56);
	cr_expect_eq(buf[9], 1);
	cr_expect_eq(rd16(buf + 2), 56);
	cr_expect_eq(rd32(buf + 12), in.daddr);
	cr_expect_eq(rd32(buf + 16), in.saddr);
	cr_expect_eq(inet_checksum(buf, 20, 0), 0, "IP header checksum");
	cr_expect_eq(buf[20], 3);
	cr_expect_eq(buf[21], 1);
	cr_expect_eq(inet_checksum(buf + 20, 36, 0), 0, "ICMP checksum");
	const uint8_t *q = buf + 28;
	cr_expect_eq(q[9], 6);
	cr_expect_eq(rd16(q + 2), 140, "the quoted datagram's length: 20 + 20 + 100");
	cr_expect_eq(rd16(q + 4), 7, "the quoted datagram's identification");
	cr_expect_eq(rd32(q + 12), in.saddr);
	cr_expect_eq(rd32(q + 16), in.daddr);
	cr_expect_eq(inet_checksum(q, 20, 0), 0, "quoted IP header checksum");
	cr_expect_eq(rd16(q + 20), 40000);
	cr_expect_eq(rd16(q + 22), 443);
	cr_expect_eq(rd32(q + 24), 0x01020304);
}

/* ---- sweeps ----------------------------------------------------------------------- */

/* A sweep's survival test sends a byte at H and waits for its ACK. With B
 * unreachable from 30 min on, nothing acknowledges it: every run is lost. An
 * ICMP error quotes A's segment (its ack field is A's, in B's sequence space),
 * so it must never count as B's ACK; with ISNs drawn per run, about half of
 * the runs would otherwise be "acknowledged" by it. */
Test(icmp, sweep_survival_ignores_icmp)
{
	struct diag d = {0};
	struct sweep *sw = sweep_parse("t.ini",
				       "[scenario]\nduration = 1h\n[link]\ndelay = 10ms\n[events]\n"
				       "30m = unreachable B host\n[sweep]\nreplicas = 16\n",
				       NULL, 0, &d);
	cr_assert_not_null(sw);
	for (uint64_t r = 0; r < sw->nruns; r++) {
		struct run_result x;
		sweep_run_one(sw, r, &x);
		cr_expect(x.lost, "run %llu survived: an ICMP error was taken for an ACK", (unsigned long long)r);
	}
	sweep_free(sw);
	diag_free(&d);
}

/* A connect() ended by an ICMP error is named in results.csv (icmp-error,
 * EHOSTUNREACH), not "unknown". */
Test(icmp, sweep_results_name_the_icmp_end)
{
	char *ini = tmp_write("u.ini", "[scenario]\nduration = 1h\n[link]\ndelay = 10ms\n[events]\n"
				       "0s = unreachable B host\n[sweep]\nreplicas = 1\n");
	char *dir = make_tmpdir(), out[512], csv[600];
	snprintf(out, sizeof out, "%s/out", dir);
	struct cmd c = KASIM("sweep", ini, "-o", out, "--no-render", "--no-progress");
	cr_assert_eq(c.status, 0, "%s", c.err);
	snprintf(csv, sizeof csv, "%s/results.csv", out);
	char *res = slurp(csv, NULL);
	cr_assert_not_null(res);
	cr_expect(strstr(res, ",lost,icmp-error,A,EHOSTUNREACH,0.02,"), "%s", res);
	cr_expect_null(strstr(res, "unknown"), "%s", res);
	free(res);
	cmd_free(&c);
	rm_rf(dir);
	free(dir);
	tmp_remove(ini);
}
