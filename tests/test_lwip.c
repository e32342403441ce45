/*
 * test_lwip.c - lwIP's timers in kasim (os = lwip, sim/tcp_lwip.c), with the
 * expected values worked out from lwIP 2.1.3's source: tcp_slowtmr() and
 * tcp_fasttmr() in src/core/tcp.c, tcp_process()/tcp_receive() in tcp_in.c,
 * tcp_output_segment() and tcp_rexmit_rto_*() in tcp_out.c. make lwip-check
 * runs lwIP itself against the same cases.
 *
 * All runs use jiffies_phase = 100 ms: the slow ticks (tcp_ticks++) are at
 * 0.4 s + k x 500 ms, kasim's tick count at time t is (t + 0.1 s) / 500 ms,
 * and the fast ticks (tcp_fasttmr) are at 0.15 s + k x 250 ms.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "helpers.h"

#define HEAD "[scenario]\ntimer = lwip\njiffies_phase = 100ms\nduration = %s\n[A]\nos = lwip\n%s" \
	     "[link]\ndelay = %s\n[events]\n%s"

/* Run the text; the caller frees with run_free() and free(). */
static struct run *lwip_run(const char *duration, const char *a_keys, const char *delay,
			    const char *events)
{
	char *text = strf(HEAD, duration, a_keys, delay, events);
	struct run *r = calloc(1, sizeof(*r));
	cr_assert_not_null(r);
	run_ini(text, NULL, 0, r);
	free(text);
	return r;
}

static void lwip_done(struct run *r)
{
	run_free(r);
	free(r);
}

/* tcp_alloc(): rto = 3000 ms / 500 ms = 6 ticks. The SYN leaves at 0 with
 * rtime = 0; each tick counts rtime up, rtime >= rto retransmits, and in
 * SYN_SENT the RTO is not backed off: every 6 ticks (3 s), from the tick at
 * 2.9 s. After TCP_SYNMAXRTX = 6 retransmissions the next tick (18.4 s)
 * drops the pcb: ERR_ABRT, no RST. */
Test(lwip_rexmit, syn_every_six_ticks_then_tcp_synmaxrtx)
{
	struct run *r = lwip_run("60s", "", "10ms", "0 = unplug B\n");
	for (size_t n = 1; n <= 6; n++) {
		const struct pkt *p = run_nth_pkt(r, HOST_A, SEG_RETRANS, n);
		cr_assert_not_null(p, "SYN retransmission %zu", n);
		cr_expect_eq(p->sent, 2900 * MS + (n - 1) * 3 * SEC, "retransmission %zu", n);
		cr_expect_eq(p->seg.flags, TH_SYN);
	}
	cr_expect_null(run_nth_pkt(r, HOST_A, SEG_RETRANS, 7));
	const struct rec_end *e = run_end_must(r, HOST_A);
	cr_expect_eq(run_end_time(r, HOST_A), 18400 * MS);
	cr_expect_eq(e->error, KS_ECONNABORTED);
	cr_expect_eq(e->why, END_SYN_TIMEOUT);
	cr_expect_eq(e->retransmits, 6);
	cr_expect_eq(e->boundary, 6);
	cr_expect_eq(run_count_flags(r, HOST_A, TH_RST, TH_RST), 0);
	lwip_done(r);
}

/* Data written at 1 s to an unplugged B: rtime 6 = rto at the tick of 3.9 s.
 * The n-th retransmission sets rto = ((sa >> 3) + sv) << tcp_backoff[n - 1]
 * with sa = 0, sv = 6 and tcp_backoff = {1, 2, 3, 4, 5, 6, 7, 7, ...}: 12,
 * 24, 48, 96, 192, 384 ticks, then 768. After TCP_MAXRTX = 12 the next tick
 * drops the pcb. */
Test(lwip_rexmit, data_backoff_table_then_tcp_maxrtx)
{
	static const uint32_t rto_ticks[] = {6, 12, 24, 48, 96, 192, 384, 768, 768, 768, 768, 768};
	struct run *r = lwip_run("3000s", "", "10ms", "500ms = unplug B\n1s = send A 100\n");
	ks_time_t at = 1 * SEC + 400 * MS; /* the first tick after the write */
	at += (rto_ticks[0] - 1) * 500 * MS;
	for (size_t n = 1; n <= 12; n++) {
		const struct pkt *p = run_nth_pkt(r, HOST_A, SEG_RETRANS, n);
		cr_assert_not_null(p, "retransmission %zu", n);
		cr_expect_eq(p->sent, at, "retransmission %zu at %llu ns, expected %llu", n,
			     (unsigned long long)p->sent, (unsigned long long)at);
		cr_expect_eq(p->seg.len, 100);
		if (n < 12)
			at += rto_ticks[n] * 500 * MS;
	}
	cr_expect_eq(at, 2301900 * MS);
	cr_expect_null(run_nth_pkt(r, HOST_A, SEG_RETRANS, 13));
	const struct rec_end *e = run_end_must(r, HOST_A);
	cr_expect_eq(run_end_time(r, HOST_A), 2302400 * MS);
	cr_expect_eq(e->error, KS_ECONNABORTED);
	cr_expect_eq(e->why, END_RTO);
	cr_expect_eq(e->retransmits, 12);
	cr_expect_eq(e->boundary, 12);
	lwip_done(r);
}

/* One RTT sample, timed from the SYN: tcp_output_segment() starts timing
 * the SYN (rttest = tick 0), the SYN_SENT path of tcp_process() leaves
 * rttest alone, and data written at 1 s is not timed again. Its ACK comes
 * back at 1.6 s (300 ms each way), tick (1.6 + 0.1) / 0.5 = 3: m = 3.
 * Van Jacobson: m -= sa >> 3 (0); sa = 3; m -= sv >> 2 (1): 2; sv = 8;
 * rto = (3 >> 3) + 8 = 8 ticks. The write at 3 s (B gone since 2 s) starts
 * rtime; the 8th tick after it (6.9 s) retransmits, then rto = 8 << 1 = 16
 * ticks: 14.9 s. */
Test(lwip_rtt, first_sample_timed_from_the_syn)
{
	struct run *r = lwip_run("20s", "", "300ms", "1s = send A 100\n2s = unplug B\n3s = send A 100\n");
	const struct pkt *p = run_nth_pkt(r, HOST_A, SEG_RETRANS, 1);
	cr_assert_not_null(p);
	cr_expect_eq(p->sent, 6900 * MS);
	p = run_nth_pkt(r, HOST_A, SEG_RETRANS, 2);
	cr_assert_not_null(p);
	cr_expect_eq(p->sent, 14900 * MS);
	const struct tcp_sock *sk = run_sk(r, HOST_A);
	cr_expect_eq(sk->lw.sa, 3);
	cr_expect_eq(sk->lw.sv, 8);
	lwip_done(r);
}

/* tcp_ack(): in-order data is acknowledged at the next tcp_fasttmr()
 * (TF_ACK_DELAY), or at once when an ACK was already owed. B's 100 bytes
 * reach A at 1.01 s: ACK at the fast tick of 1.15 s. Two segments reach A
 * 1 ns apart at 2.01 s: the second one's ACK goes at once and covers both;
 * the fast tick of 2.15 s has nothing left to send. */
Test(lwip_ack, delayed_to_the_fast_tick_every_second_segment_at_once)
{
	struct run *r = lwip_run("5s", "", "10ms",
				 "1s = send B 100\n2s = send B 100\n2000000001ns = send B 100\n");
	const struct pkt *a1 = run_nth_pkt(r, HOST_A, SEG_NORMAL, 3); /* SYN, ACK, then this */
	cr_assert_not_null(a1);
	cr_expect_eq(a1->sent, 1150 * MS);
	cr_expect_eq(a1->seg.len, 0);
	const struct pkt *a2 = run_nth_pkt(r, HOST_A, SEG_NORMAL, 4);
	cr_assert_not_null(a2);
	cr_expect_eq(a2->sent, 2010 * MS + 1);
	cr_expect_eq(a2->seg.ack - a1->seg.ack, 200);
	cr_expect_null(run_nth_pkt(r, HOST_A, SEG_NORMAL, 5));
	lwip_done(r);
}

/* tcp_process(): any segment clears keep_cnt_sent and restarts pcb->tmr.
 * Probes at ticks 5 and 7 after the handshake (2.4 s, 3.4 s) go unanswered;
 * B's data reaches A at 3.81 s, tick 7: the idle clock restarts there, so
 * the next probes come when ticks - 7 > (2000 + n x 1000) / 500 = 4 + 2n:
 * ticks 12, 14, 16 (5.9, 6.9, 7.9 s), and the abort when ticks - 7 > 10:
 * tick 18, 8.9 s. */
Test(lwip_keepalive, any_segment_restarts_the_probe_series)
{
	struct run *r = lwip_run("20s", "so_keepalive = on\ntcp_keepidle = 2\ntcp_keepintvl = 1\n"
				 "tcp_keepcnt = 3\n", "10ms",
				 "500ms = unplug B\n3700ms = replug B\n3800ms = send B 100\n"
				 "4500ms = unplug B\n");
	static const ks_time_t probes[] = {2400 * MS, 3400 * MS, 5900 * MS, 6900 * MS, 7900 * MS};
	for (size_t n = 0; n < NELEMS(probes); n++) {
		const struct pkt *p = run_nth_pkt(r, HOST_A, SEG_KA_PROBE, n + 1);
		cr_assert_not_null(p, "probe %zu", n + 1);
		cr_expect_eq(p->sent, probes[n], "probe %zu", n + 1);
	}
	cr_expect_null(run_nth_pkt(r, HOST_A, SEG_KA_PROBE, NELEMS(probes) + 1));
	cr_expect_eq(run_end_time(r, HOST_A), 8900 * MS);
	cr_expect_eq(run_end_must(r, HOST_A)->why, END_KEEPALIVE_IDLE);
	lwip_done(r);
}
