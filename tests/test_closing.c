/*
 * test_closing.c - the closing paths the keepalive timer also serves (issue
 * #12.5), on exact timers, every value derived from the kernel's rules:
 *   - tcp_fin_time() = TCP_LINGER2 ?: net.ipv4.tcp_fin_timeout, at least
 *     3.5 RTO = (rto << 2) - (rto >> 1);
 *   - FIN_WAIT1 -> FIN_WAIT2 for an orphan (tcp_rcv_state_process()):
 *     TCP_LINGER2 < 0: tcp_done() and a RST answering the ACK; tmo > 60 s
 *     (TCP_TIMEWAIT_LEN): the keepalive timer for tmo - 60 s; else a timewait
 *     socket for tmo (tcp_time_wait(), at least 3.5 RTO);
 *   - step 4 of tcp_keepalive_timer(): tmo - 60 s more as a timewait socket,
 *     so an orphan waits 2 (tmo - 60 s) in FIN_WAIT2 when tmo > 60 s;
 *   - tcp_orphan_retries(): the sysctl, 0 meaning 8 while the RTO is below
 *     TCP_RTO_MAX, for an orphan's unacknowledged FIN (tcp_write_timeout());
 *   - tcp_close() with unread data: RST instead of FIN.
 * A closes at C = 1 s over a 10 ms link: its FIN is acked at C + 2d.
 */
#include <criterion/criterion.h>

#include "helpers.h"
#include "retransmit.h"

#define A HOST_A
#define B HOST_B
static const ks_time_t d = 10 * MS, C = 1 * SEC;

#define CLOSE_A(EXTRA)                                                                             \
	"[scenario]\nduration = 400\n[A]\n" EXTRA "\n[link]\ndelay = 10ms\n[events]\n1 = close A\n"

/* The time A's socket ended, and how. */
static ks_time_t a_end(const char *extra, enum tcp_end *why)
{
	struct run r;
	char *t = strf(CLOSE_A("%s"), extra);
	run_ini(t, NULL, 0, &r);
	const struct rec_end *e = run_end_must(&r, A);
	*why = e->why;
	ks_time_t at = run_end_time(&r, A);
	run_free(&r);
	free(t);
	return at;
}

/* RTO from the handshake (exact model): srtt 2d + max(2 srtt, 200 ms). */
static ks_time_t rto(void) { return 2 * d + 200 * MS; }
static ks_time_t rto35(void) { return (rto() << 2) - (rto() >> 1); }

Test(closing, fin_timeout_up_to_60s_is_a_timewait_socket)
{
	enum tcp_end why;
	/* the default 60 s: timewait for 60 s from the ACK of the FIN */
	cr_expect_eq(a_end("", &why), C + 2 * d + 60 * SEC);
	cr_expect_eq(why, END_CLOSED);
	cr_expect_eq(a_end("net.ipv4.tcp_fin_timeout = 30", &why), C + 2 * d + 30 * SEC);
	/* 0: at least 3.5 RTO */
	cr_expect_eq(rto35(), 770 * MS);
	cr_expect_eq(a_end("net.ipv4.tcp_fin_timeout = 0", &why), C + 2 * d + rto35());
}

Test(closing, fin_timeout_above_60s_keepalive_timer_then_timewait)
{
	enum tcp_end why;
	/* 90 s: keepalive timer 30 s, then step 4 gives 90 - 60 = 30 s more */
	cr_expect_eq(a_end("net.ipv4.tcp_fin_timeout = 90", &why), C + 2 * d + 2 * 30 * SEC);
	cr_expect_eq(why, END_CLOSED);
	cr_expect_eq(a_end("net.ipv4.tcp_fin_timeout = 200", &why), C + 2 * d + 2 * 140 * SEC);

	/* the keepalive timer's firing at C + 2d + 30 s hands it over */
	struct run r;
	run_ini(CLOSE_A("net.ipv4.tcp_fin_timeout = 90"), NULL, 0, &r);
	const struct rec *k = run_nth_ka(&r, A, KA_OFF, 1);
	cr_assert_not_null(k);
	cr_expect_eq(k->t, C + 2 * d + 30 * SEC);
	cr_expect_eq(run_count_ka(&r, A, ANY), 1);
	cr_expect_eq(run_nth_state(&r, A, 4)->u.st.to, TCP_FIN_WAIT2);
	cr_expect_eq(run_nth_state(&r, A, 5)->u.st.to, TCP_CLOSE);
	cr_expect_eq(run_nth_state(&r, A, 5)->t, C + 2 * d + 60 * SEC);
	run_free(&r);
}

Test(closing, tcp_linger2_overrides_the_sysctl_and_is_capped_at_120s)
{
	enum tcp_end why;
	cr_expect_eq(a_end("net.ipv4.tcp_fin_timeout = 30\ntcp_linger2 = 100", &why),
		     C + 2 * d + 2 * 40 * SEC);
	/* TCP_FIN_TIMEOUT_MAX: 500 s is stored as 120 s */
	cr_expect_eq(a_end("tcp_linger2 = 500", &why), C + 2 * d + 2 * 60 * SEC);
	/* 0: the sysctl */
	cr_expect_eq(a_end("tcp_linger2 = 0\nnet.ipv4.tcp_fin_timeout = 10", &why), C + 2 * d + 10 * SEC);
}

Test(closing, tcp_linger2_negative_resets_at_the_ack_of_the_fin)
{
	struct run r;
	run_ini(CLOSE_A("tcp_linger2 = -1"), NULL, 0, &r);
	cr_expect_eq(run_end_time(&r, A), C + 2 * d);
	cr_expect_eq(run_end_must(&r, A)->why, END_CLOSE_RESET);
	/* the RST answers B's ACK (tcp_v4_send_reset(): seq = its ACK number) */
	const struct pkt *rst = run_nth_flags(&r, A, TH_RST, TH_RST, 1);
	cr_assert_not_null(rst);
	cr_expect_eq(rst->sent, C + 2 * d);
	cr_expect_eq(rst->seg.seq, run_sk(&r, A)->iss + 2); /* after the FIN */
	/* B was in CLOSE_WAIT: EPIPE */
	cr_expect_eq(run_end_must(&r, B)->error, KS_EPIPE);
	cr_expect_eq(run_end_time(&r, B), C + 3 * d);
	run_free(&r);
	/* the same on a timer: linger2 set to -1 while the orphan waits on the
	 * keepalive timer (tcp_fin_timeout 90 s): step 4 resets at C + 2d + 30 s */
	run_ini("[scenario]\nduration = 400\n[A]\nnet.ipv4.tcp_fin_timeout = 90\n[link]\n"
		"delay = 10ms\n[events]\n1 = close A\n10 = set A tcp_linger2 -1\n", NULL, 0, &r);
	cr_expect_eq(run_end_time(&r, A), C + 2 * d + 30 * SEC);
	cr_expect_eq(run_end_must(&r, A)->why, END_CLOSE_RESET);
	rst = run_nth_flags(&r, A, TH_RST, TH_RST, 1);
	cr_assert_not_null(rst);
	cr_expect_eq(rst->seg.kind, SEG_RST_CLOSE);
	cr_expect_eq(rst->seg.flags, TH_RST | TH_ACK);
	run_free(&r);
}

Test(closing, close_with_unread_data_sends_a_rst)
{
	/* B writes 100 bytes at 0.5 s; A's application never reads them */
	static const char *t = "[scenario]\nduration = 100\n[A]\napp_reads = off\n[link]\n"
			       "delay = 10ms\n[events]\n0.5 = send B 100\n1 = close A\n";
	struct run r;
	run_ini(t, NULL, 0, &r);
	const struct pkt *rst = run_nth_flags(&r, A, TH_RST, TH_RST, 1);
	cr_assert_not_null(rst);
	cr_expect_eq(rst->sent, C);
	cr_expect_eq(rst->seg.flags, TH_RST | TH_ACK);
	cr_expect_eq(rst->seg.seq, run_sk(&r, A)->iss + 1); /* snd_nxt: no FIN was sent */
	cr_expect_eq(rst->seg.kind, SEG_RST_CLOSE);
	cr_expect_eq(run_count_flags(&r, A, TH_FIN, TH_FIN), 0);
	cr_expect_eq(run_end_must(&r, A)->why, END_CLOSE_RESET);
	cr_expect_eq(run_sk(&r, A)->rcv_unread, 100);
	cr_expect_eq(run_end_must(&r, B)->error, KS_ECONNRESET);
	cr_expect_eq(run_end_time(&r, B), C + d);
	run_free(&r);
	/* the default (the application reads): an orderly FIN */
	run_ini("[scenario]\nduration = 100\n[link]\ndelay = 10ms\n[events]\n0.5 = send B 100\n"
		"1 = close A\n", NULL, 0, &r);
	cr_expect_eq(run_count_flags(&r, A, TH_RST, TH_RST), 0);
	cr_expect_eq(run_count_flags(&r, A, TH_FIN, TH_FIN), 1);
	run_free(&r);
}

/* The orphan's FIN to an unplugged B: RTO rto() doubling; the first
 * retransmission at C + rto() is retrans_stamp; the abort comes at the first
 * firing >= tcp_model_timeout(retries, 200 ms) after it. */
static ks_time_t orphan_abort(uint32_t retries, uint32_t *nretrans)
{
	ks_time_t limit = tcp_model_timeout(retries, TCP_RTO_MIN), r = rto(), t = C + r, first = t;
	*nretrans = 1;
	for (;;) {
		r = r * 2 > 120 * SEC ? 120 * SEC : r * 2;
		t += r;
		if (t - first >= limit)
			return t;
		++*nretrans;
	}
}

Test(closing, tcp_orphan_retries_for_an_unacknowledged_fin)
{
	static const char *fmt = "[scenario]\nduration = 1000\n[A]\nnet.ipv4.tcp_orphan_retries = %u\n"
				 "[link]\ndelay = 10ms\n[events]\n0.5 = unplug B\n1 = close A\n";
	static const uint32_t sysctl[] = {3, 0, 10};
	static const uint32_t used[] = {3, 8, 10}; /* 0 means 8: the RTO is far below 120 s */
	for (size_t i = 0; i < 3; i++) {
		struct run r;
		char *t = strf(fmt, sysctl[i]);
		run_ini(t, NULL, 0, &r);
		uint32_t n;
		ks_time_t at = orphan_abort(used[i], &n);
		cr_expect_eq(run_end_time(&r, A), at, "tcp_orphan_retries %u", sysctl[i]);
		cr_expect_eq(run_end_must(&r, A)->why, END_RTO);
		cr_expect_eq(run_end_must(&r, A)->retransmits, n, "tcp_orphan_retries %u", sysctl[i]);
		const struct rec *x = run_nth_rto(&r, A, RTO_ABORT, 1);
		cr_assert_not_null(x);
		cr_expect_eq(x->u.rto.boundary, used[i]);
		run_free(&r);
		free(t);
	}
	uint32_t n;
	cr_expect_eq(orphan_abort(3, &n), C + 220 * MS * 15); /* 0.22 x (1 + 2 + 4 + 8) */
	cr_expect_eq(n, 3);
}

/* An orphan's retransmissions end by tcp_orphan_retries (8 while the RTO is
 * below its maximum: tcp_orphan_retries()), and the abort names that rule, not
 * tcp_retries2 (the summary used to say tcp_retries2 with the orphan's limit). */
Test(closing, orphan_retransmission_abort_names_tcp_orphan_retries)
{
	struct run r;
	run_ini("[scenario]\ntimer = exact\nduration = 1h\n[events]\n10s = unplug B\n"
		"20s = send A 100\n21s = close A\n", NULL, 0, &r);
	const struct rec_end *e = run_end_must(&r, HOST_A);
	cr_expect_eq(e->why, END_RTO);
	cr_expect(e->orphan);
	cr_expect_eq(e->boundary, 8);
	const struct rec *abort_rec = run_nth_rto(&r, HOST_A, RTO_ABORT, 1);
	cr_assert_not_null(abort_rec);
	cr_expect(abort_rec->u.rto.orphan);
	cr_expect_str_eq(rto_rule(&abort_rec->u.rto), "tcp_orphan_retries");
	run_free(&r);

	/* the same data without the close: tcp_retries2 */
	run_ini("[scenario]\ntimer = exact\nduration = 1h\n[events]\n10s = unplug B\n20s = send A 100\n",
		NULL, 0, &r);
	e = run_end_must(&r, HOST_A);
	cr_expect_not(e->orphan);
	abort_rec = run_nth_rto(&r, HOST_A, RTO_ABORT, 1);
	cr_assert_not_null(abort_rec);
	cr_expect_str_eq(rto_rule(&abort_rec->u.rto), "tcp_retries2");
	run_free(&r);
}
