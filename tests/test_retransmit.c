/*
 * test_retransmit.c - the retransmission timer: RTO from the handshake RTT,
 * exponential backoff to TCP_RTO_MAX, retransmits_timed_out() measured from
 * the first retransmission, the TCP_USER_TIMEOUT clamp, and SYN retries.
 *
 * Closed forms (linux-keepalive.md §4.2): with RTO_0 the first RTO, the k-th
 * expiry after a send at S is at S + RTO_0·(2^k - 1) while the RTO is below
 * 120 s; tcp_model_timeout(b, 200 ms) = (2^(b+1) - 1)·0.2 s for b <= 9,
 * (2^10 - 1)·0.2 s + (b - 9)·120 s above.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdlib.h>

#include "helpers.h"
#include "retransmit.h"

#define A HOST_A
#define B HOST_B

/* ilog2(TCP_RTO_MAX / TCP_RTO_MIN) = ilog2(600) */
#define THRESH_MIN 9u
/* ilog2(TCP_RTO_MAX / TCP_TIMEOUT_INIT) = ilog2(120) */
#define THRESH_INIT 6u
#define SYN_LINEAR_TIMEOUTS 4u /* net.ipv4.tcp_syn_linear_timeouts */

static ks_time_t pow2(unsigned k) { return (ks_time_t)1 << k; }

/* ---- tcp_model_timeout ----------------------------------------------------------- */

Test(retransmit, model_timeout_values)
{
	/* 15 (default): 1023 x 0.2 + 6 x 120 = 924.6 s */
	cr_expect_eq(tcp_model_timeout(15, TCP_RTO_MIN),
		     (pow2(THRESH_MIN + 1) - 1) * TCP_RTO_MIN + (15 - THRESH_MIN) * TCP_RTO_MAX);
	cr_expect_eq(tcp_model_timeout(15, TCP_RTO_MIN), 924600 * MS);
	/* 9: the last doubling step, (2^10 - 1) x 0.2 = 204.6 s */
	cr_expect_eq(tcp_model_timeout(9, TCP_RTO_MIN), (pow2(10) - 1) * TCP_RTO_MIN);
	cr_expect_eq(tcp_model_timeout(9, TCP_RTO_MIN), 204600 * MS);
	/* 8: (2^9 - 1) x 0.2 = 102.2 s */
	cr_expect_eq(tcp_model_timeout(8, TCP_RTO_MIN), (pow2(9) - 1) * TCP_RTO_MIN);
	/* 0: one RTO */
	cr_expect_eq(tcp_model_timeout(0, TCP_RTO_MIN), TCP_RTO_MIN);
	/* 20: 204.6 + 11 x 120 */
	cr_expect_eq(tcp_model_timeout(20, TCP_RTO_MIN),
		     (pow2(10) - 1) * TCP_RTO_MIN + (20 - THRESH_MIN) * TCP_RTO_MAX);
	/* 3 */
	cr_expect_eq(tcp_model_timeout(3, TCP_RTO_MIN), (pow2(4) - 1) * TCP_RTO_MIN);
	/* SYN base (1 s): 6 -> 127 s; 2 -> 7 s; 8 -> 127 + 2 x 120 */
	cr_expect_eq(tcp_model_timeout(6, TCP_TIMEOUT_INIT), (pow2(7) - 1) * TCP_TIMEOUT_INIT);
	cr_expect_eq(tcp_model_timeout(2, TCP_TIMEOUT_INIT), (pow2(3) - 1) * TCP_TIMEOUT_INIT);
	cr_expect_eq(tcp_model_timeout(8, TCP_TIMEOUT_INIT),
		     (pow2(THRESH_INIT + 1) - 1) * TCP_TIMEOUT_INIT + (8 - THRESH_INIT) * TCP_RTO_MAX);
}

/* ---- the RTO series with a dead peer ------------------------------------------------- */

static char *dead_peer_send(ks_time_t d, ks_time_t S, const char *extra_a)
{
	return strf("[scenario]\nduration = 2h\n[link]\ndelay = %lluns\n[A]\n%s\n"
		    "[events]\n1s = unplug B\n%lluns = send A 100\n",
		    NS(d), extra_a, NS(S));
}

/* The k-th retransmission of the data segment sent at S. */
static void expect_retrans(const struct run *r, size_t k, ks_time_t at, uint32_t isn_a)
{
	const struct pkt *p = run_nth_pkt(r, A, SEG_RETRANS, k);
	cr_assert_not_null(p, "no retransmission #%zu", k);
	cr_expect_eq(p->sent, at, "retransmission #%zu at %llu, want %llu", k, NS(p->sent), NS(at));
	cr_expect_eq(p->seg.nth, k);
	cr_expect_eq(p->seg.seq, isn_a + 1);
	cr_expect_eq(p->seg.len, 100);
	cr_expect_eq(p->seg.flags, TH_ACK | TH_PSH);
	cr_expect_eq(p->reason, DROP_UNPLUGGED);
}

static void expect_rto_abort(const struct run *r, ks_time_t at, uint32_t nretrans, ks_time_t stamp,
			     ks_time_t limit, uint32_t ut_ms)
{
	const struct rec *e = run_end_of(r, A);
	cr_assert_not_null(e, "A never gave up");
	cr_expect_eq(e->t, at, "abort at %llu, want %llu", NS(e->t), NS(at));
	cr_expect_eq(e->u.end.why, END_RTO);
	cr_expect_eq(e->u.end.error, KS_ETIMEDOUT);
	cr_expect_eq(e->u.end.retransmits, nretrans);
	cr_expect_eq(e->u.end.retrans_stamp, stamp);
	cr_expect_eq(e->u.end.limit, limit);
	cr_expect_eq(e->u.end.user_timeout, ut_ms);
	cr_expect_eq(run_count_pkts(r, A, SEG_RETRANS), nretrans);
	cr_expect_eq(run_sk(r, A)->retrans_sent, nretrans);
	cr_expect_eq(run_count_flags(r, A, TH_RST, TH_RST), 0, "no RST on the RTO path");
	cr_expect_eq(run_count_pkts_from(r, A, at), 0, "A sent something at or after the abort");
	cr_expect_eq(run_count_rto(r, A, RTO_ABORT), 1);
	const struct rec *ab = run_nth_rto(r, A, RTO_ABORT, 1);
	cr_expect_eq(ab->t, at);
	cr_expect_eq(ab->u.rto.since, at - stamp);
	cr_expect_geq(ab->u.rto.since, limit);
	cr_expect_eq(run_sk(r, A)->state, TCP_CLOSE);
}

Test(retransmit, rto_series_delay0_retries2_15)
{
	const ks_time_t S = 5 * SEC, RTO0 = TCP_RTO_MIN; /* delay 0: srtt 0, rttvar -> rto_min */
	const ks_time_t limit = tcp_model_timeout(15, TCP_RTO_MIN);
	struct run r;
	char *ini = dead_peer_send(0, S, "");
	run_ini(ini, NULL, 0, &r);
	uint32_t isn_a = run_sk(&r, A)->iss;

	/* k = 1..10: S + 0.2·(2^k - 1); then +120 s each */
	for (unsigned k = 1; k <= 10; k++)
		expect_retrans(&r, k, S + RTO0 * (pow2(k) - 1), isn_a);
	for (unsigned k = 11; k <= 16; k++)
		expect_retrans(&r, k, S + RTO0 * (pow2(10) - 1) + (k - 10) * TCP_RTO_MAX, isn_a);
	/* retrans_stamp = first retransmission; at the 16th expiry now - stamp =
	 * 924.4 s < 924.6 s, so a 16th retransmission; the 17th expiry aborts */
	const ks_time_t stamp = S + RTO0;
	const ks_time_t abort_at = S + RTO0 * (pow2(10) - 1) + 7 * TCP_RTO_MAX;
	cr_expect_eq(abort_at - S, 1044600 * MS);
	expect_rto_abort(&r, abort_at, 16, stamp, limit, 0);
	cr_expect_eq(limit, 924600 * MS);
	cr_expect_eq(run_end_of(&r, A)->u.end.boundary, 15);

	/* every retransmitting firing: since = now - stamp < limit, next = the doubled RTO */
	for (unsigned k = 1; k <= 16; k++) {
		const struct rec *f = run_nth_rto(&r, A, RTO_RETRANSMIT, k);
		cr_assert_not_null(f);
		cr_expect_eq(f->u.rto.retransmits, k);
		cr_expect_eq(f->u.rto.since, f->t - stamp);
		cr_expect_lt(f->u.rto.since, limit);
		cr_expect_eq(f->u.rto.limit, limit);
		ks_time_t next = RTO0 * pow2(k);
		cr_expect_eq(f->u.rto.next, next < TCP_RTO_MAX ? next : TCP_RTO_MAX);
	}
	run_free(&r);
	free(ini);
}

Test(retransmit, retries2_3)
{
	/* limit = (2^4 - 1)·0.2 = 3 s from the first retransmission (S + 0.2):
	 * expiries at S + 0.2·(2^k - 1); the 5th (S + 6.2) is the first with
	 * 0.2·(2^k - 2) >= 3 s: 4 retransmissions */
	const ks_time_t S = 5 * SEC, RTO0 = TCP_RTO_MIN;
	struct run r;
	char *ini = dead_peer_send(0, S, "net.ipv4.tcp_retries2 = 3");
	run_ini(ini, NULL, 0, &r);
	uint32_t isn_a = run_sk(&r, A)->iss;
	for (unsigned k = 1; k <= 4; k++)
		expect_retrans(&r, k, S + RTO0 * (pow2(k) - 1), isn_a);
	expect_rto_abort(&r, S + RTO0 * (pow2(5) - 1), 4, S + RTO0, (pow2(4) - 1) * TCP_RTO_MIN, 0);
	run_free(&r);
	free(ini);
}

/* Independent model of the rule for any boundary: expiries every RTO,
 * doubling to 120 s; abort at the first expiry with retransmits > 0 and
 * now - first retransmission >= limit. */
static ks_time_t ref_abort(ks_time_t rto0, ks_time_t limit, uint32_t *nretrans)
{
	ks_time_t t = 0, rto = rto0, first = 0;
	uint32_t n = 0;
	for (;;) {
		t += rto;
		if (n > 0 && t - first >= limit)
			break;
		if (n++ == 0)
			first = t;
		rto = 2 * rto < TCP_RTO_MAX ? 2 * rto : TCP_RTO_MAX;
	}
	*nretrans = n;
	return t;
}

ParameterizedTestParameters(retransmit, retries2_sweep)
{
	static uint32_t b[] = {0, 1, 2, 5, 8, 9, 10, 11, 15, 20};
	return cr_make_param_array(uint32_t, b, NELEMS(b));
}

ParameterizedTest(uint32_t *b, retransmit, retries2_sweep)
{
	const ks_time_t S = 5 * SEC;
	char extra[64];
	snprintf(extra, sizeof extra, "net.ipv4.tcp_retries2 = %u", *b);
	struct run r;
	char *ini = dead_peer_send(0, S, extra);
	run_ini(ini, NULL, 0, &r);
	uint32_t n;
	ks_time_t rel = ref_abort(TCP_RTO_MIN, tcp_model_timeout(*b, TCP_RTO_MIN), &n);
	expect_rto_abort(&r, S + rel, n, S + TCP_RTO_MIN, tcp_model_timeout(*b, TCP_RTO_MIN), 0);
	if (*b == 15)
		cr_expect(n == 16 && rel == 1044600 * MS);
	if (*b == 0)
		cr_expect(n == 1 && rel == 3 * TCP_RTO_MIN); /* expiries at 0.2 and 0.6 s */
	run_free(&r);
	free(ini);
}

Test(retransmit, initial_rto_from_handshake_rtt)
{
	/* d = 20 ms: the SYN-ACK arrives at 2d, RTT sample m = 40 ms:
	 * RTO = m + max(4·m/2, rto_min) = 40 + max(80, 200) ms = 240 ms */
	const ks_time_t d = 20 * MS, m = 2 * d, S = 5 * SEC;
	const ks_time_t RTO0 = m + (2 * m > TCP_RTO_MIN ? 2 * m : TCP_RTO_MIN);
	cr_assert_eq(RTO0, 240 * MS);
	struct run r;
	char *ini = dead_peer_send(d, S, "");
	run_ini(ini, NULL, 0, &r);
	uint32_t isn_a = run_sk(&r, A)->iss;
	cr_expect_eq((ks_time_t)(run_sk(&r, A)->srtt_us >> 3) * KS_US, m);
	/* 0.24·(2^k - 1) while 0.24·2^(k-1) < 120 s: k <= 9 */
	for (unsigned k = 1; k <= 9; k++)
		expect_retrans(&r, k, S + RTO0 * (pow2(k) - 1), isn_a);
	/* the limit is still tcp_model_timeout(15, rto_min) = 924.6 s from the
	 * first retransmission (S + 0.24): the 16th expiry, S + 0.24·511 + 7·120,
	 * is the first past it -> 15 retransmissions */
	const ks_time_t abort_at = S + RTO0 * (pow2(9) - 1) + 7 * TCP_RTO_MAX;
	expect_rto_abort(&r, abort_at, 15, S + RTO0, tcp_model_timeout(15, TCP_RTO_MIN), 0);
	uint32_t n;
	cr_expect_eq(ref_abort(RTO0, tcp_model_timeout(15, TCP_RTO_MIN), &n), abort_at - S);
	cr_expect_eq(n, 15);
	run_free(&r);
	free(ini);
}

ParameterizedTestParameters(retransmit, initial_rto_formula)
{
	/* one-way delays: 2·RTT below, at and above rto_min */
	static ks_time_t d[] = {0, 10 * MS, 30 * MS, 50 * MS, 60 * MS, 150 * MS};
	return cr_make_param_array(ks_time_t, d, NELEMS(d));
}

ParameterizedTest(ks_time_t *dp, retransmit, initial_rto_formula)
{
	/* first sample m = 2d: srtt = m, mdev = m/2, RTO = m + max(4·mdev, rto_min) */
	const ks_time_t d = *dp, m = 2 * d, S = 5 * SEC;
	const ks_time_t RTO0 = m + (4 * (m / 2) > TCP_RTO_MIN ? 4 * (m / 2) : TCP_RTO_MIN);
	struct run r;
	char *ini = dead_peer_send(d, S, "");
	run_ini(ini, NULL, 0, &r);
	uint32_t isn_a = run_sk(&r, A)->iss;
	for (unsigned k = 1; k <= 4; k++)
		expect_retrans(&r, k, S + RTO0 * (pow2(k) - 1), isn_a);
	uint32_t n;
	ks_time_t rel = ref_abort(RTO0, tcp_model_timeout(15, TCP_RTO_MIN), &n);
	expect_rto_abort(&r, S + rel, n, S + RTO0, tcp_model_timeout(15, TCP_RTO_MIN), 0);
	run_free(&r);
	free(ini);
}

/* ---- TCP_USER_TIMEOUT with data in flight --------------------------------------------------- */

ParameterizedTestParameters(retransmit, user_timeout_clamp)
{
	static uint32_t ut[] = {5000, 3000, 2500, 700, 100, 60000};
	return cr_make_param_array(uint32_t, ut, NELEMS(ut));
}

ParameterizedTest(uint32_t *ut_ms, retransmit, user_timeout_clamp)
{
	const ks_time_t S = 5 * SEC, RTO0 = TCP_RTO_MIN, UT = *ut_ms * MS;
	const ks_time_t stamp = S + RTO0;     /* first retransmission */
	const ks_time_t deadline = stamp + UT; /* the clamped RTO lands exactly here */
	/* retransmissions: every expiry S + 0.2·(2^k - 1) before the deadline */
	uint32_t n = 0;
	while (n < 10 && S + RTO0 * (pow2(n + 1) - 1) < deadline)
		n++;
	char extra[64];
	snprintf(extra, sizeof extra, "tcp_user_timeout = %u", *ut_ms);
	struct run r;
	char *ini = dead_peer_send(0, S, extra);
	run_ini(ini, NULL, 0, &r);
	uint32_t isn_a = run_sk(&r, A)->iss;
	for (unsigned k = 1; k <= n; k++)
		expect_retrans(&r, k, S + RTO0 * (pow2(k) - 1), isn_a);
	expect_rto_abort(&r, deadline, n, stamp, UT, *ut_ms);
	/* the last re-arm was shortened to the time left */
	const struct rec *last = run_nth_rto(&r, A, RTO_RETRANSMIT, n);
	cr_assert_not_null(last);
	cr_expect_eq(last->t + last->u.rto.next, deadline);
	cr_expect_leq(last->u.rto.next, RTO0 * pow2(n));
	run_free(&r);
	free(ini);
}

/* ---- SYN retries --------------------------------------------------------------------------- */

/* Retransmission k of the SYN (L linear timeouts of 1 s, then doubling):
 * k <= L + 1: k·1 s; beyond: (L + 1) + (2^(k-L) - 2) s. */
static ks_time_t syn_retrans_at(unsigned k)
{
	const unsigned L = SYN_LINEAR_TIMEOUTS;
	if (k <= L + 1)
		return k * TCP_TIMEOUT_INIT;
	return (L + 1) * TCP_TIMEOUT_INIT + (pow2(k - L) - 2) * TCP_TIMEOUT_INIT;
}

Test(retransmit, syn_to_dead_peer_default_retries)
{
	/* tcp_syn_retries 6 + 4 linear timeouts = 10 retransmissions at 1, 2, 3,
	 * 4, 5, 7, 11, 19, 35, 67 s; the 11th expiry (131 s) gives up. */
	const unsigned R = 6, L = SYN_LINEAR_TIMEOUTS;
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[events]\n0s = crash B\n", NULL, 0, &r);
	cr_expect_eq(run_count_flags(&r, A, TH_SYN, TH_SYN), 1 + R + L);
	for (unsigned k = 1; k <= R + L; k++) {
		const struct pkt *p = run_nth_flags(&r, A, TH_SYN, TH_SYN, k + 1);
		cr_assert_not_null(p);
		cr_expect_eq(p->sent, syn_retrans_at(k), "SYN retransmission %u at %llu", k, NS(p->sent));
		cr_expect_eq(p->seg.flags, TH_SYN);
		cr_expect_eq(p->seg.seq, run_sk(&r, A)->iss);
		cr_expect_eq(p->reason, DROP_HOST_DOWN);
	}
	const ks_time_t abort_at = syn_retrans_at(R + L + 1);
	cr_expect_eq(abort_at, 131 * SEC);
	const struct rec *e = run_end_of(&r, A);
	cr_assert_not_null(e);
	cr_expect_eq(e->t, abort_at);
	cr_expect_eq(e->u.end.why, END_SYN_TIMEOUT);
	cr_expect_eq(e->u.end.error, KS_ETIMEDOUT);
	cr_expect_eq(e->u.end.from, TCP_SYN_SENT);
	cr_expect_eq(e->u.end.retransmits, R + L);
	cr_expect_eq(run_sk(&r, A)->error, KS_ETIMEDOUT);
	cr_expect_eq(run_count_rto(&r, A, RTO_RETRANSMIT), R + L);
	cr_expect(run_nth_rto(&r, A, RTO_ABORT, 1)->u.rto.syn);
	cr_expect_eq(run_count_flags(&r, A, TH_RST, TH_RST), 0);
	run_free(&r);
}

Test(retransmit, syn_retries_2_time_rule_first)
{
	/* max = 2 + 4 = 6 retransmissions, but retransmits_timed_out() also runs
	 * (tcp_write_timeout: "if (!expired)"): limit tcp_model_timeout(2, 1 s) =
	 * 7 s from retrans_stamp = connect time. Expiries 1..5 s retransmit; the
	 * 6th, at 7 s, has 7 - 0 >= 7: abort after 5 retransmissions. */
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[A]\nnet.ipv4.tcp_syn_retries = 2\n[events]\n0s = crash B\n",
		NULL, 0, &r);
	const ks_time_t limit = (pow2(3) - 1) * TCP_TIMEOUT_INIT;
	const struct rec *e = run_end_of(&r, A);
	cr_assert_not_null(e);
	cr_expect_eq(e->t, syn_retrans_at(6));
	cr_expect_eq(e->t, limit);
	cr_expect_eq(e->u.end.retransmits, 5);
	cr_expect_eq(e->u.end.why, END_SYN_TIMEOUT);
	cr_expect_eq(run_count_flags(&r, A, TH_SYN, TH_SYN), 1 + 5);
	run_free(&r);
}

Test(retransmit, ack_ends_the_episode)
{
	/* B's cable is out from 1 s to 5.5 s; A writes at 5 s: retransmissions
	 * at 5.2 and 5.6 s; the second gets through and is acked at once: no
	 * abort, retrans_stamp cleared. The ACK covers retransmitted data, so
	 * the sample is the timestamp echo's (tcp_rtt_tsopt_us()): 0 ms, taken as
	 * 1 ms: srtt 1 -> 1001, mdev 0 -> 1000 us, rttvar_us stays rto_min
	 * 200000: the RTO is back to the estimator's 125 + 200000 us. */
	const ks_time_t S = 5 * SEC, RTO0 = TCP_RTO_MIN;
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[events]\n1s = unplug B\n5s = send A 100\n5500ms = replug B\n",
		NULL, 0, &r);
	cr_expect_eq(run_count_pkts(&r, A, SEG_RETRANS), 2);
	const struct pkt *p2 = run_nth_pkt(&r, A, SEG_RETRANS, 2);
	cr_expect_eq(p2->sent, S + RTO0 * (pow2(2) - 1));
	cr_expect_eq(p2->reason, DROP_NONE);
	cr_expect_null(run_end_of(&r, A));
	const struct tcp_sock *sk = run_sk(&r, A);
	cr_expect_eq(sk->snd_una, sk->iss + 1 + 100);
	cr_expect_eq(sk->packets_out, 0);
	cr_expect_eq(sk->retransmits, 0);
	cr_expect_eq(sk->retrans_stamp, KS_TIME_NEVER);
	cr_expect_eq(sk->rto, RTO0 + 125 * KS_US);
	cr_expect_eq(run_count_rtt(&r, A), 2);
	cr_expect(!ev_timer_pending(&sk->retransmit_timer));
	run_free(&r);
}
