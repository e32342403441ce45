/*
 * test_keepalive.c - tcp_keepalive_timer() end to end, through small scenarios.
 *
 * Every expected time is written as the formula it comes from
 * (docs/keepalive.md: the timer step by step and the formulas):
 *   t_r  = A's last refresh of the idle clock; right after the handshake it is
 *          the SYN-ACK's arrival, 2·d for a one-way delay d;
 *   probe k (1-based) of a silent peer leaves at t_r + T + (k-1)·I;
 *   the abort (RST|ACK, then ETIMEDOUT) comes at t_r + T + P·I;
 *   with TCP_USER_TIMEOUT: t_r + T + k*·I, k* = max(1, ceil((UT - T)/I)).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "keepalive.h"

#define A HOST_A
#define B HOST_B

/* Linux's defaults (include/net/tcp.h). */
#define T_DEFAULT (7200 * SEC)
#define I_DEFAULT (75 * SEC)
#define P_DEFAULT 9u
#define RESOURCE_PROBE_INTERVAL (500 * MS) /* TCP_RESOURCE_PROBE_INTERVAL = HZ/2 */

static ks_time_t ceil_div(ks_time_t a, ks_time_t b) { return (a + b - 1) / b; }

/* ISNs from the handshake as recorded on the wire. */
static uint32_t isn(const struct run *r, int host)
{
	const struct pkt *syn = run_nth_flags(r, host, TH_SYN, TH_SYN, 1);
	cr_assert_not_null(syn, "%c sent no SYN", host == A ? 'A' : 'B');
	cr_assert_eq(syn->seg.seq, run_sk(r, host)->iss);
	return syn->seg.seq;
}

/* A's probes that left A (the qdisc did not refuse them), in order. */
static size_t probes_left(const struct run *r, int host, const struct pkt **out, size_t max)
{
	size_t n = run_count_probes_sent(r, host);
	cr_assert_leq(n, max, "too many probes: %zu", n);
	for (size_t k = 1; k <= n; k++)
		out[k - 1] = run_probe_sent(r, host, k);
	return n;
}

/* A probe: a zero-length ACK with seq = snd_una - 1 and ack = rcv_nxt, where
 * snd_una = ISN(A) + 1 + bytes A sent (all acked) and rcv_nxt = ISN(B) + 1 +
 * bytes A received. */
static void expect_probe_segment_data(const struct run *r, const struct pkt *p, uint32_t nth,
				      uint32_t a_sent, uint32_t a_rcvd)
{
	uint32_t snd_una = isn(r, A) + 1 + a_sent, rcv_nxt = isn(r, B) + 1 + a_rcvd;
	cr_expect_eq(p->seg.flags, TH_ACK, "probe flags %#x, want ACK only", p->seg.flags);
	cr_expect_eq(p->seg.len, 0);
	cr_expect_eq(p->seg.seq, snd_una - 1);
	cr_expect_eq(p->seg.ack, rcv_nxt);
	cr_expect_eq(p->seg.nth, nth, "probe #%u numbered %u", nth, p->seg.nth);
	cr_expect_eq(p->seg.src, A);
	cr_expect_eq(p->seg.dst, B);
}

/* The same for a connection that never carried data. */
static void expect_probe_segment(const struct run *r, const struct pkt *p, uint32_t nth)
{
	expect_probe_segment_data(r, p, nth, 0, 0);
}

/*
 * A probes a peer that never answers: probes #first_no..#last_no leave at
 * first + j·I (probes numbered below first_no were sent earlier and are not
 * checked here), each dropped with reason `why` at B. Then, one interval after
 * the last probe, the keepalive abort: RST|ACK at snd_nxt, END with `end`
 * and ETIMEDOUT, nothing from A afterwards. Returns the abort time.
 */
static ks_time_t expect_silent_peer_data(const struct run *r, ks_time_t first, ks_time_t I,
					 uint32_t first_no, uint32_t last_no, enum drop_reason why,
					 enum tcp_end end, uint32_t a_sent, uint32_t a_rcvd)
{
	const struct pkt *pr[256];
	size_t n = probes_left(r, A, pr, NELEMS(pr));
	cr_assert_eq(n, last_no, "A sent %zu probes, want %u", n, last_no);
	for (uint32_t k = first_no; k <= last_no; k++) {
		const struct pkt *p = pr[k - 1];
		ks_time_t want = first + (k - first_no) * I;
		cr_expect_eq(p->sent, want, "probe #%u left at %llu, want %llu", k, NS(p->sent), NS(want));
		expect_probe_segment_data(r, p, k, a_sent, a_rcvd);
		cr_expect_eq(p->reason, why, "probe #%u: drop reason %d, want %d", k, p->reason, why);
		cr_expect_eq(p->reason_host, B);
	}
	ks_time_t abort_at = first + (last_no - first_no + 1) * I;

	const struct rec *e = run_end_of(r, A);
	cr_assert_not_null(e, "A never gave up");
	cr_expect_eq(e->t, abort_at, "A gave up at %llu, want %llu", NS(e->t), NS(abort_at));
	cr_expect_eq(e->u.end.why, end);
	cr_expect_eq(e->u.end.error, KS_ETIMEDOUT);
	cr_expect_eq(e->u.end.probes_out, last_no);
	const struct tcp_sock *sk = run_sk(r, A);
	cr_expect_eq(sk->state, TCP_CLOSE);
	cr_expect_eq(sk->error, KS_ETIMEDOUT);
	cr_expect_eq(sk->error_time, abort_at);
	cr_expect_eq(sk->probes_sent, last_no);

	/* the RST of tcp_send_active_reset: RST|ACK, seq = snd_nxt, ack = rcv_nxt */
	cr_assert_eq(run_count_flags(r, A, TH_RST, TH_RST), 1, "A must send exactly one RST");
	const struct pkt *rst = run_nth_flags(r, A, TH_RST, TH_RST, 1);
	cr_expect_eq(rst->seg.flags, TH_RST | TH_ACK);
	cr_expect_eq(rst->seg.seq, isn(r, A) + 1 + a_sent);
	cr_expect_eq(rst->seg.ack, isn(r, B) + 1 + a_rcvd);
	cr_expect_eq(rst->seg.len, 0);
	cr_expect_eq(rst->sent, abort_at);
	cr_expect_eq(rst->seg.kind, SEG_RST_KA);

	/* the firing that decided it, and silence afterwards */
	int d = end == END_KEEPALIVE_UT ? KA_ABORT_UT : KA_ABORT;
	cr_expect_eq(run_count_ka(r, A, d), 1);
	const struct rec *k = run_nth_ka(r, A, d, 1);
	cr_assert_not_null(k);
	cr_expect_eq(k->t, abort_at);
	cr_expect_eq(k->u.ka.probes_out, last_no);
	cr_expect_eq(run_count_pkts_from(r, A, abort_at), 1, "only the RST may follow the abort");
	cr_expect_eq(run_count_pkts_from(r, A, abort_at + 1), 0);
	size_t late = 0;
	for (size_t i = 0; i < r->col.n; i++)
		late += r->col.recs[i].type == REC_KEEPALIVE && r->col.recs[i].u.ka.host == A &&
			r->col.recs[i].t > abort_at;
	cr_expect_eq(late, 0, "the keepalive timer ran after the abort");
	cr_expect(!ev_timer_pending(&sk->keepalive_timer));
	return abort_at;
}

static ks_time_t expect_silent_peer(const struct run *r, ks_time_t first, ks_time_t I, uint32_t first_no,
				    uint32_t last_no, enum drop_reason why, enum tcp_end end)
{
	return expect_silent_peer_data(r, first, I, first_no, last_no, why, end, 0, 0);
}

/* ---- dead peer (cable pulled right after the handshake) ----------------------- */

struct tip {
	uint32_t T, I, P; /* s, s, count */
	ks_time_t d;      /* one-way delay */
};

ParameterizedTestParameters(keepalive, dead_peer)
{
	static struct tip p[] = {
		{10, 2, 3, 0},
		{3, 2, 4, 0},            /* probes at +3 +5 +7 +9 s, the RST at T + P I = +11 s */
		{5, 7, 4, 20 * MS},      /* I > T: probes are still I apart */
		{1, 1, 1, 20 * MS},
		{60, 10, 5, 25 * MS},
		{30, 5, 9, 0},
		{2, 30, 2, 200 * MS},
	};
	return cr_make_param_array(struct tip, p, NELEMS(p));
}

ParameterizedTest(struct tip *p, keepalive, dead_peer)
{
	const ks_time_t T = p->T * SEC, I = p->I * SEC, d = p->d;
	const ks_time_t t_r = 2 * d; /* SYN-ACK arrival at A */
	const ks_time_t unplug = 3 * d + MS;
	const ks_time_t abort_at = t_r + T + p->P * I;
	char *ini = strf("[scenario]\nduration = %lluns\n"
			 "[A]\nso_keepalive = on\ntcp_keepidle = %u\ntcp_keepintvl = %u\ntcp_keepcnt = %u\n"
			 "[link]\ndelay = %lluns\n[events]\n%lluns = unplug B\n",
			 NS(abort_at + 100 * SEC), p->T, p->I, p->P, NS(d), NS(unplug));
	struct run r;
	run_ini(ini, NULL, 0, &r);

	cr_expect_eq(run_count_pkts(&r, A, SEG_KA_PROBE), p->P, "exactly P probes");
	ks_time_t got = expect_silent_peer(&r, t_r + T, I, 1, p->P, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(got, t_r + T + p->P * I);
	/* elapsed at the abort is T + P·I, measured from t_r */
	const struct rec *e = run_end_of(&r, A);
	cr_expect_eq(e->u.end.elapsed, T + p->P * I);
	cr_expect_eq(e->u.end.last_rx, t_r);
	/* each probe firing saw elapsed = T + (k-1)·I and probes_out = k-1 */
	for (uint32_t k = 1; k <= p->P; k++) {
		const struct rec *f = run_nth_ka(&r, A, KA_PROBE, k);
		cr_assert_not_null(f);
		cr_expect_eq(f->u.ka.elapsed, T + (k - 1) * I);
		cr_expect_eq(f->u.ka.probes_out, k - 1);
		cr_expect_eq(f->u.ka.next, I);
	}
	/* B never noticed */
	cr_expect_null(run_end_of(&r, B));
	cr_expect_eq(run_sk(&r, B)->state, TCP_ESTABLISHED);
	run_free(&r);
	free(ini);
}

Test(keepalive, linux_defaults_give_7875_s)
{
	struct run r;
	run_ini("[A]\nso_keepalive = on\n[events]\n10s = unplug B\n", NULL, 0, &r);
	const ks_time_t t_r = 0; /* delay 0 */
	ks_time_t abort_at =
		expect_silent_peer(&r, t_r + T_DEFAULT, I_DEFAULT, 1, P_DEFAULT, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(abort_at, 7875 * SEC); /* 7200 + 9 x 75 */
	run_free(&r);
}

Test(keepalive, off_by_default_never_probes)
{
	struct run r;
	run_ini("[scenario]\nduration = 3h\n[events]\n10s = unplug B\n", NULL, 0, &r);
	cr_expect_eq(run_count_pkts(&r, ANY, SEG_KA_PROBE), 0);
	cr_expect_eq(run_count_ka(&r, ANY, ANY), 0);
	cr_expect_null(run_end_of(&r, A));
	cr_expect_eq(run_sk(&r, A)->state, TCP_ESTABLISHED);
	run_free(&r);
}

Test(keepalive, crash_without_boot_is_like_unplug)
{
	const uint32_t Ts = 10, Is = 3, P = 4;
	const ks_time_t T = Ts * SEC, I = Is * SEC, d = 20 * MS, t_r = 2 * d;
	const ks_time_t crash = 3 * d + SEC;
	char *ini = strf("[A]\nso_keepalive = on\ntcp_keepidle = %u\ntcp_keepintvl = %u\ntcp_keepcnt = %u\n"
			 "[link]\ndelay = %lluns\n[events]\n%lluns = crash B\n",
			 Ts, Is, P, NS(d), NS(crash));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	expect_silent_peer(&r, t_r + T, I, 1, P, DROP_HOST_DOWN, END_KEEPALIVE);
	const struct rec *eb = run_end_of(&r, B);
	cr_assert_not_null(eb);
	cr_expect_eq(eb->u.end.why, END_CRASH);
	cr_expect_eq(eb->t, crash);
	cr_expect_eq(eb->u.end.error, 0);
	/* the RST dies at B's dead interface too */
	cr_expect_eq(run_nth_flags(&r, A, TH_RST, TH_RST, 1)->reason, DROP_HOST_DOWN);
	run_free(&r);
	free(ini);
}

/* ---- live peer ---------------------------------------------------------------- */

ParameterizedTestParameters(keepalive, live_peer)
{
	static struct tip p[] = {
		{10, 3, 3, 20 * MS},  /* I < T: spacing T + RTT */
		{5, 8, 3, 20 * MS},   /* I > T + RTT: spacing I */
		{10, 10, 3, 20 * MS}, /* I = T: elapsed I - RTT < T, spacing T + RTT */
		{4, 4, 3, 0},         /* RTT 0, I = T: spacing 4 */
		{2, 7, 2, 250 * MS},
		{60, 10, 3, 25 * MS}, /* scenarios/alive.ini */
	};
	return cr_make_param_array(struct tip, p, NELEMS(p));
}

ParameterizedTest(struct tip *p, keepalive, live_peer)
{
	const ks_time_t T = p->T * SEC, I = p->I * SEC, d = p->d, rtt = 2 * d, t_r = 2 * d;
	const ks_time_t spacing = T + rtt > I ? T + rtt : I; /* max(T + RTT, I) */
	const size_t nprobes = 5;
	const ks_time_t duration = t_r + T + (nprobes - 1) * spacing + spacing / 2;
	char *ini = strf("[scenario]\nduration = %lluns\n"
			 "[A]\nso_keepalive = on\ntcp_keepidle = %u\ntcp_keepintvl = %u\ntcp_keepcnt = %u\n"
			 "[link]\ndelay = %lluns\n",
			 NS(duration), p->T, p->I, p->P, NS(d));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	uint32_t isn_a = isn(&r, A), isn_b = isn(&r, B);

	cr_assert_eq(run_count_pkts(&r, A, SEG_KA_PROBE), nprobes);
	cr_assert_eq(run_count_pkts(&r, B, SEG_KA_ACK), nprobes);
	for (size_t k = 1; k <= nprobes; k++) {
		const struct pkt *pr = run_probe(&r, A, k);
		ks_time_t want = t_r + T + (k - 1) * spacing;
		cr_expect_eq(pr->sent, want, "probe %zu at %llu, want %llu", k, NS(pr->sent), NS(want));
		cr_expect_eq(pr->seg.nth, 1, "every probe is #1 again: probes_out went back to 0");
		cr_expect_eq(pr->reason, DROP_NONE);
		expect_probe_segment(&r, pr, 1);
		/* the answer: a pure ACK, seq = B's snd_nxt, ack = A's snd_una */
		const struct pkt *ans = run_nth_pkt(&r, B, SEG_KA_ACK, k);
		cr_expect_eq(ans->seg.flags, TH_ACK);
		cr_expect_eq(ans->seg.len, 0);
		cr_expect_eq(ans->seg.seq, isn_b + 1);
		cr_expect_eq(ans->seg.ack, isn_a + 1);
		cr_expect_eq(ans->sent, pr->sent + d);
		cr_expect_eq(ans->fate_time, pr->sent + rtt);
		cr_expect_eq(ans->reason, DROP_NONE);
		const struct rec *f = run_nth_ka(&r, A, KA_PROBE, k);
		cr_expect_eq(f->u.ka.probes_out, 0);
		cr_expect_eq(f->t, want);
	}
	/* I < T + RTT: at probe + I the idle clock (refreshed by the answer at
	 * probe + RTT) says I - RTT < T, so the timer sleeps T + RTT - I more. */
	if (I < T + rtt) {
		size_t nidle = 0; /* the idle firings that fall within the run */
		for (size_t k = 1; k <= nprobes; k++)
			nidle += t_r + T + (k - 1) * spacing + I <= duration;
		cr_expect_eq(run_count_ka(&r, A, KA_IDLE), nidle);
		for (size_t k = 1; k <= nidle; k++) {
			const struct rec *f = run_nth_ka(&r, A, KA_IDLE, k);
			cr_assert_not_null(f);
			cr_expect_eq(f->t, t_r + T + (k - 1) * spacing + I);
			cr_expect_eq(f->u.ka.elapsed, I - rtt);
			cr_expect_eq(f->u.ka.next, T + rtt - I);
		}
	} else {
		cr_expect_eq(run_count_ka(&r, A, KA_IDLE), 0);
	}
	cr_expect_null(run_end_of(&r, A));
	cr_expect_eq(run_sk(&r, A)->state, TCP_ESTABLISHED);
	cr_expect_eq(run_sk(&r, A)->probes_out, 0);
	cr_expect_eq(run_sk(&r, A)->probes_sent, nprobes);
	cr_expect_eq(run_count_flags(&r, ANY, TH_RST, TH_RST), 0);
	run_free(&r);
	free(ini);
}

/* ---- rebooted peer ----------------------------------------------------------------- */

ParameterizedTestParameters(keepalive, rebooted_peer_resets)
{
	static struct tip p[] = {
		{10, 3, 5, 0},
		{10, 3, 5, 20 * MS},
		{600, 75, 9, 10 * MS}, /* scenarios/reboot.ini */
	};
	return cr_make_param_array(struct tip, p, NELEMS(p));
}

ParameterizedTest(struct tip *p, keepalive, rebooted_peer_resets)
{
	const ks_time_t T = p->T * SEC, d = p->d, rtt = 2 * d, t_r = 2 * d;
	const ks_time_t reboot = 3 * d + SEC;
	const ks_time_t first_probe = t_r + T;
	char *ini = strf("[A]\nso_keepalive = on\ntcp_keepidle = %u\ntcp_keepintvl = %u\ntcp_keepcnt = %u\n"
			 "[link]\ndelay = %lluns\n[events]\n%lluns = reboot B\n",
			 p->T, p->I, p->P, NS(d), NS(reboot));
	struct run r;
	run_ini(ini, NULL, 0, &r);

	cr_expect_eq(run_count_pkts(&r, A, SEG_KA_PROBE), 1, "only one probe");
	const struct pkt *pr = run_probe(&r, A, 1);
	cr_assert_not_null(pr);
	cr_expect_eq(pr->sent, first_probe);
	cr_expect_eq(pr->reason, DROP_NONE);

	/* B has no socket: RST, flags R only (the probe carried ACK), seq = probe's ack */
	cr_assert_eq(run_count_flags(&r, B, TH_RST, TH_RST), 1);
	const struct pkt *rst = run_nth_flags(&r, B, TH_RST, TH_RST, 1);
	cr_expect_eq(rst->seg.flags, TH_RST);
	cr_expect_eq(rst->seg.seq, pr->seg.ack);
	cr_expect_eq(rst->seg.len, 0);
	cr_expect_eq(rst->seg.kind, SEG_RST_NOSOCK);
	cr_expect_eq(rst->sent, first_probe + d);
	cr_expect_eq(rst->reason, DROP_NONE);

	const struct rec *e = run_end_of(&r, A);
	cr_assert_not_null(e);
	cr_expect_eq(e->u.end.why, END_RESET);
	cr_expect_eq(e->u.end.error, KS_ECONNRESET);
	cr_expect_eq(e->u.end.rst_flags, TH_RST);
	cr_expect_eq(e->t, first_probe + rtt, "ECONNRESET one RTT after the first probe");
	cr_expect_eq(run_sk(&r, A)->error_time, first_probe + rtt);
	cr_expect_eq(run_count_flags(&r, A, TH_RST, TH_RST), 0, "A answers no RST");
	cr_expect_eq(run_count_ka(&r, A, KA_ABORT), 0);

	const struct rec *eb = run_end_of(&r, B);
	cr_assert_not_null(eb);
	cr_expect_eq(eb->u.end.why, END_CRASH);
	cr_expect_eq(eb->t, reboot);
	run_free(&r);
	free(ini);
}

/* ---- TCP_USER_TIMEOUT ---------------------------------------------------------------- */

struct utp {
	uint32_t T, I, P, ut_ms;
	ks_time_t d;
};

/* k* = max(1, ceil((UT - T)/I)) */
static uint32_t ut_kstar(ks_time_t T, ks_time_t I, ks_time_t UT)
{
	if (UT <= T)
		return 1;
	ks_time_t k = ceil_div(UT - T, I);
	return k < 1 ? 1 : (uint32_t)k;
}

ParameterizedTestParameters(keepalive, user_timeout)
{
	static struct utp p[] = {
		{10, 3, 5, 4000, 0},       /* UT < T: one probe, abort at T + I */
		{10, 3, 9, 15000, 20 * MS}, /* between: ceil(5/3) = 2 */
		{10, 3, 9, 16000, 0},      /* exactly on a firing: elapsed >= UT holds at T + 2I */
		{10, 3, 9, 16001, 0},      /* one ms more: the next firing */
		{1, 1, 3, 5000, 0},        /* 4 probes, more than P */
		{30, 5, 9, 42000, 0},      /* scenarios/user-timeout.ini: 45 s, 3 probes */
		{7200, 75, 9, 30000, 0},   /* 7275 s after one probe */
		{5, 2, 2, 20000, 20 * MS}, /* ceil(15/2) = 8 > P */
	};
	return cr_make_param_array(struct utp, p, NELEMS(p));
}

ParameterizedTest(struct utp *p, keepalive, user_timeout)
{
	const ks_time_t T = p->T * SEC, I = p->I * SEC, UT = p->ut_ms * MS, d = p->d, t_r = 2 * d;
	const uint32_t k = ut_kstar(T, I, UT);
	char *ini = strf("[scenario]\nduration = %lluns\n"
			 "[A]\nso_keepalive = on\ntcp_keepidle = %u\ntcp_keepintvl = %u\ntcp_keepcnt = %u\n"
			 "tcp_user_timeout = %u\n[link]\ndelay = %lluns\n[events]\n%lluns = unplug B\n",
			 NS(t_r + T + (k + 5) * I), p->T, p->I, p->P, p->ut_ms, NS(d), NS(3 * d + MS));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	ks_time_t abort_at = expect_silent_peer(&r, t_r + T, I, 1, k, DROP_UNPLUGGED, END_KEEPALIVE_UT);
	cr_expect_eq(abort_at, t_r + T + k * I);
	cr_expect_geq(abort_at - t_r, UT, "aborted before UT");
	cr_expect(k == 1 || abort_at - I - t_r < UT, "the firing before already passed UT");
	cr_expect_eq(run_end_of(&r, A)->u.end.user_timeout, p->ut_ms);
	run_free(&r);
	free(ini);
}

Test(keepalive, user_timeout_examples_from_the_reference)
{
	/* §6.3: T = 7200, I = 75, UT = 30 s -> 1 probe, 7275 s;
	 * T = 1, I = 1, P = 3, UT = 5 s -> 4 probes, 5 s. */
	cr_expect_eq(ut_kstar(7200 * SEC, 75 * SEC, 30 * SEC), 1);
	cr_expect_eq(ut_kstar(1 * SEC, 1 * SEC, 5 * SEC), 4);
	cr_expect_eq(ut_kstar(30 * SEC, 5 * SEC, 42 * SEC), 3);
}

/* ---- tcp_keepalive_probes = 0 ----------------------------------------------------------- */

Test(keepalive, sysctl_probes_zero_resets_without_probing)
{
	const uint32_t Ts = 10;
	const ks_time_t T = Ts * SEC, d = 20 * MS, t_r = 2 * d;
	char *ini = strf("[A]\nso_keepalive = on\ntcp_keepidle = %u\nnet.ipv4.tcp_keepalive_probes = 0\n"
			 "[link]\ndelay = %lluns\n[events]\n1s = unplug B\n",
			 Ts, NS(d));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	cr_expect_eq(run_count_pkts(&r, A, SEG_KA_PROBE), 0, "no probe at all");
	/* I plays no part: the abort is at the first firing with elapsed >= T */
	expect_silent_peer(&r, t_r + T, 0, 1, 0, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(run_end_of(&r, A)->t, t_r + T);
	cr_expect_eq(run_end_of(&r, A)->u.end.elapsed, T);
	run_free(&r);
	free(ini);
}

/* ---- socket options at run time ------------------------------------------------------------ */

/* The [A] section comes last so that more A keys can follow. */
#define SO_BASE(T, I, P, d)                                                                       \
	"[scenario]\nduration = 1h\n[link]\ndelay = " #d "\n[A]\ntcp_keepidle = " #T                  \
	"\ntcp_keepintvl = " #I "\ntcp_keepcnt = " #P "\n"

static void so_keepalive_on_at(ks_time_t S)
{
	const ks_time_t T = 10 * SEC, I = 2 * SEC;
	const uint32_t P = 3;
	char *ini = strf("[scenario]\nduration = 1h\n[A]\nso_keepalive = off\ntcp_keepidle = 10\n"
			 "tcp_keepintvl = 2\ntcp_keepcnt = 3\n[link]\ndelay = 20ms\n"
			 "[events]\n1s = unplug B\n%lluns = set A so_keepalive on\n",
			 NS(S));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	cr_expect_eq(run_count_ka(&r, A, ANY) - run_count_ka(&r, A, KA_PROBE) -
			     run_count_ka(&r, A, KA_ABORT),
		     0, "the first firing is already a probe");
	/* a full keepalive_time from the setsockopt, not the remaining idle time */
	ks_time_t abort_at = expect_silent_peer(&r, S + T, I, 1, P, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(abort_at, S + T + P * I);
	run_free(&r);
	free(ini);
}

Test(keepalive, so_keepalive_on_later_arms_full_time_before_idle)
{
	so_keepalive_on_at(7 * SEC); /* idle only 6.96 s: remaining-time rule would fire at 10.04 */
}

Test(keepalive, so_keepalive_on_later_arms_full_time_after_idle)
{
	so_keepalive_on_at(30 * SEC); /* idle already 29.96 s > T: still waits a full T */
}

Test(keepalive, so_keepalive_off_stops_probing)
{
	const ks_time_t T = 10 * SEC, I = 2 * SEC, d = 20 * MS, t_r = 2 * d;
	const ks_time_t off = t_r + T + I + SEC; /* after probe #2, before #3 */
	char *ini = strf(SO_BASE(10, 2, 3, 20ms) "so_keepalive = on\n"
			 "[events]\n1s = unplug B\n%lluns = set A so_keepalive off\n", NS(off));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	cr_expect_eq(run_count_pkts(&r, A, SEG_KA_PROBE), 2);
	cr_expect_eq(run_probe(&r, A, 2)->sent, t_r + T + I);
	cr_expect_eq(run_count_ka(&r, A, ANY), 2, "the timer never fires again");
	cr_expect_null(run_end_of(&r, A));
	cr_expect_eq(run_sk(&r, A)->state, TCP_ESTABLISHED);
	cr_expect_eq(run_sk(&r, A)->probes_out, 2, "SO_KEEPALIVE off leaves probes_out alone");
	run_free(&r);
	free(ini);
}

Test(keepalive, so_keepalive_off_then_on_keeps_probes_out)
{
	const ks_time_t T = 10 * SEC, I = 2 * SEC, d = 20 * MS, t_r = 2 * d;
	const uint32_t P = 3;
	const ks_time_t off = t_r + T + I + SEC, on = 30 * SEC;
	char *ini = strf(SO_BASE(10, 2, 3, 20ms) "so_keepalive = on\n[events]\n1s = unplug B\n"
			 "%lluns = set A so_keepalive off\n%lluns = set A so_keepalive on\n",
			 NS(off), NS(on));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	/* probes #1, #2 before; after re-enabling a full T, then #3 and the abort
	 * (probes_out was still 2) */
	ks_time_t abort_at = expect_silent_peer(&r, on + T, I, 3, P, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(abort_at, on + T + (P - 2) * I);
	cr_expect_eq(run_probe(&r, A, 1)->sent, t_r + T);
	cr_expect_eq(run_probe(&r, A, 2)->sent, t_r + T + I);
	run_free(&r);
	free(ini);
}

Test(keepalive, keepidle_lowered_before_new_time)
{
	const ks_time_t d = 20 * MS, t_r = 2 * d, I = 2 * SEC, T2 = 30 * SEC;
	const uint32_t P = 3;
	const ks_time_t S = 20 * SEC; /* elapsed S - t_r < T2 */
	char *ini = strf(SO_BASE(100, 2, 3, 20ms) "so_keepalive = on\n[events]\n1s = unplug B\n"
			 "%lluns = set A tcp_keepidle 30\n", NS(S));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	/* re-armed for T2 - elapsed: fires at t_r + T2 */
	ks_time_t abort_at = expect_silent_peer(&r, t_r + T2, I, 1, P, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(abort_at, t_r + T2 + P * I);
	run_free(&r);
	free(ini);
}

Test(keepalive, keepidle_lowered_past_new_time_fires_at_once)
{
	const ks_time_t I = 2 * SEC;
	const uint32_t P = 3;
	const ks_time_t S = 50 * SEC; /* elapsed S - t_r >= T2 = 30 s */
	char *ini = strf(SO_BASE(100, 2, 3, 20ms) "so_keepalive = on\n[events]\n1s = unplug B\n"
			 "%lluns = set A tcp_keepidle 30\n", NS(S));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	ks_time_t abort_at = expect_silent_peer(&r, S, I, 1, P, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(abort_at, S + P * I);
	run_free(&r);
	free(ini);
}

Test(keepalive, keepidle_mid_sequence_past_fires_at_once_keeps_probes_out)
{
	/* T 10, I 5, P 4: probes #1 at t_r + 10, #2 at t_r + 15; at 17 s
	 * TCP_KEEPIDLE 12 < elapsed: fires at once, as probe #3 */
	const ks_time_t d = 20 * MS, t_r = 2 * d, T = 10 * SEC, I = 5 * SEC;
	const uint32_t P = 4;
	const ks_time_t S = 17 * SEC;
	char *ini = strf(SO_BASE(10, 5, 4, 20ms) "so_keepalive = on\n[events]\n1s = unplug B\n"
			 "%lluns = set A tcp_keepidle 12\n", NS(S));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	ks_time_t abort_at = expect_silent_peer(&r, S, I, 3, P, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(abort_at, S + (P - 2) * I);
	cr_expect_eq(run_probe(&r, A, 1)->sent, t_r + T);
	cr_expect_eq(run_probe(&r, A, 2)->sent, t_r + T + I);
	run_free(&r);
	free(ini);
}

Test(keepalive, keepidle_mid_sequence_raised_rearms_remaining)
{
	/* at 16 s TCP_KEEPIDLE 25 > elapsed 15.96: the pending interval expiry
	 * (t_r + 20) is replaced by t_r + 25; probes_out stays 2 */
	const ks_time_t d = 20 * MS, t_r = 2 * d, I = 5 * SEC, T2 = 25 * SEC;
	const uint32_t P = 4;
	char *ini = strf(SO_BASE(10, 5, 4, 20ms) "so_keepalive = on\n[events]\n1s = unplug B\n"
			 "16s = set A tcp_keepidle 25\n");
	struct run r;
	run_ini(ini, NULL, 0, &r);
	ks_time_t abort_at = expect_silent_peer(&r, t_r + T2, I, 3, P, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(abort_at, t_r + T2 + (P - 2) * I);
	run_free(&r);
	free(ini);
}

Test(keepalive, keepintvl_mid_sequence_applies_at_next_firing)
{
	/* probes at t_r + 10, t_r + 15; TCP_KEEPINTVL 1 at 16 s: the pending
	 * expiry t_r + 20 stays (probe #3), then 1 s intervals */
	const ks_time_t d = 20 * MS, t_r = 2 * d, T = 10 * SEC, I = 5 * SEC, I2 = 1 * SEC;
	char *ini = strf(SO_BASE(10, 5, 4, 20ms) "so_keepalive = on\n[events]\n1s = unplug B\n"
			 "16s = set A tcp_keepintvl 1\n");
	struct run r;
	run_ini(ini, NULL, 0, &r);
	ks_time_t third = t_r + T + 2 * I;
	ks_time_t abort_at = expect_silent_peer(&r, third, I2, 3, 4, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(abort_at, third + 2 * I2);
	run_free(&r);
	free(ini);
}

Test(keepalive, keepcnt_raised_mid_sequence)
{
	const ks_time_t d = 20 * MS, t_r = 2 * d, T = 10 * SEC, I = 5 * SEC;
	const uint32_t P2 = 6;
	char *ini = strf(SO_BASE(10, 5, 4, 20ms) "so_keepalive = on\n[events]\n1s = unplug B\n"
			 "16s = set A tcp_keepcnt 6\n");
	struct run r;
	run_ini(ini, NULL, 0, &r);
	ks_time_t abort_at = expect_silent_peer(&r, t_r + T, I, 1, P2, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(abort_at, t_r + T + P2 * I);
	run_free(&r);
	free(ini);
}

static void keepcnt_lowered(uint32_t newcnt)
{
	/* probes_out is 2 at 16 s; TCP_KEEPCNT <= 2 aborts at the next firing,
	 * the pending t_r + T + 2I, with no third probe */
	const ks_time_t d = 20 * MS, t_r = 2 * d, T = 10 * SEC, I = 5 * SEC;
	char *ini = strf(SO_BASE(10, 5, 4, 20ms) "so_keepalive = on\n[events]\n1s = unplug B\n"
			 "16s = set A tcp_keepcnt %u\n", newcnt);
	struct run r;
	run_ini(ini, NULL, 0, &r);
	ks_time_t abort_at = expect_silent_peer(&r, t_r + T, I, 1, 2, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(abort_at, t_r + T + 2 * I);
	cr_expect_eq(run_end_of(&r, A)->u.end.probes, newcnt);
	run_free(&r);
	free(ini);
}

Test(keepalive, keepcnt_lowered_to_probes_out_aborts_next_firing) { keepcnt_lowered(2); }
Test(keepalive, keepcnt_lowered_below_probes_out_aborts_next_firing) { keepcnt_lowered(1); }

Test(keepalive, sysctl_keepalive_time_change_leaves_pending_timer)
{
	/* sysctl 100 s at connect time; lowered to 10 s at 5 s: the pending
	 * expiry t_r + 100 stays; at that firing elapsed >= 10: probe */
	const ks_time_t d = 20 * MS, t_r = 2 * d, T0 = 100 * SEC, I = 2 * SEC;
	const uint32_t P = 3;
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[A]\nso_keepalive = on\n"
		"net.ipv4.tcp_keepalive_time = 100\nnet.ipv4.tcp_keepalive_intvl = 2\n"
		"net.ipv4.tcp_keepalive_probes = 3\n[link]\ndelay = 20ms\n"
		"[events]\n1s = unplug B\n5s = set A net.ipv4.tcp_keepalive_time 10\n",
		NULL, 0, &r);
	ks_time_t abort_at = expect_silent_peer(&r, t_r + T0, I, 1, P, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(abort_at, t_r + T0 + P * I);
	cr_expect_eq(run_nth_ka(&r, A, KA_PROBE, 1)->u.ka.time, 10 * SEC, "the new sysctl is in force");
	run_free(&r);
}

Test(keepalive, sysctl_keepalive_time_raised_applies_at_next_firing)
{
	/* sysctl 10 s; raised to 50 s at 5 s: the firing at t_r + 10 finds
	 * elapsed 10 < 50 and sleeps 40 more: first probe at t_r + 50 */
	const ks_time_t d = 20 * MS, t_r = 2 * d, T0 = 10 * SEC, T1 = 50 * SEC, I = 2 * SEC;
	const uint32_t P = 3;
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[A]\nso_keepalive = on\n"
		"net.ipv4.tcp_keepalive_time = 10\nnet.ipv4.tcp_keepalive_intvl = 2\n"
		"net.ipv4.tcp_keepalive_probes = 3\n[link]\ndelay = 20ms\n"
		"[events]\n1s = unplug B\n5s = set A net.ipv4.tcp_keepalive_time 50\n",
		NULL, 0, &r);
	cr_assert_eq(run_count_ka(&r, A, KA_IDLE), 1);
	const struct rec *idle = run_nth_ka(&r, A, KA_IDLE, 1);
	cr_expect_eq(idle->t, t_r + T0);
	cr_expect_eq(idle->u.ka.elapsed, T0);
	cr_expect_eq(idle->u.ka.next, T1 - T0);
	expect_silent_peer(&r, t_r + T1, I, 1, P, DROP_UNPLUGGED, END_KEEPALIVE);
	run_free(&r);
}

Test(keepalive, sysctl_intvl_change_mid_sequence)
{
	const ks_time_t d = 20 * MS, t_r = 2 * d, T = 10 * SEC, I = 5 * SEC, I2 = 1 * SEC;
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[A]\nso_keepalive = on\n"
		"net.ipv4.tcp_keepalive_time = 10\nnet.ipv4.tcp_keepalive_intvl = 5\n"
		"net.ipv4.tcp_keepalive_probes = 4\n[link]\ndelay = 20ms\n"
		"[events]\n1s = unplug B\n16s = set A net.ipv4.tcp_keepalive_intvl 1\n",
		NULL, 0, &r);
	ks_time_t third = t_r + T + 2 * I;
	ks_time_t abort_at = expect_silent_peer(&r, third, I2, 3, 4, DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(abort_at, third + 2 * I2);
	cr_expect_eq(run_probe(&r, A, 2)->sent, t_r + T + I);
	run_free(&r);
}

Test(keepalive, sysctl_change_ignored_when_socket_option_set)
{
	const ks_time_t d = 20 * MS, t_r = 2 * d, T = 10 * SEC, I = 2 * SEC;
	struct run r;
	run_ini(SO_BASE(10, 2, 3, 20ms) "so_keepalive = on\n[events]\n1s = unplug B\n"
		"5s = set A net.ipv4.tcp_keepalive_time 50\n6s = set A net.ipv4.tcp_keepalive_intvl 9\n"
		"7s = set A net.ipv4.tcp_keepalive_probes 1\n",
		NULL, 0, &r);
	expect_silent_peer(&r, t_r + T, I, 1, 3, DROP_UNPLUGGED, END_KEEPALIVE);
	run_free(&r);
}

/* ---- data in flight ------------------------------------------------------------------------ */

Test(keepalive, data_in_flight_never_probes)
{
	/* delay 0: RTO 200 ms doubling to 120 s; retries2 15 -> abort at
	 * S + 0.2·(2^10 - 1) + 7·120 s (see test_retransmit.c) */
	const ks_time_t T = 10 * SEC, t_r = 0, S = 5 * SEC;
	const ks_time_t abort_at = S + TCP_RTO_MIN * ((1u << 10) - 1) + 7 * TCP_RTO_MAX;
	char *ini = strf(SO_BASE(10, 2, 3, 0) "so_keepalive = on\n[events]\n1s = unplug B\n"
			 "%lluns = send A 100\n", NS(S));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	cr_expect_eq(run_count_pkts(&r, A, SEG_KA_PROBE), 0, "no keepalive probe while data is unacked");
	cr_expect_eq(run_count_ka(&r, A, KA_PROBE), 0);

	/* every firing: KA_BUSY, re-armed a full T; at t_r + k·T until the abort */
	size_t nbusy = (size_t)((abort_at - t_r - 1) / T);
	cr_expect_eq(run_count_ka(&r, A, ANY), nbusy);
	cr_expect_eq(run_count_ka(&r, A, KA_BUSY), nbusy);
	for (size_t k = 1; k <= nbusy; k++) {
		const struct rec *f = run_nth_ka(&r, A, KA_BUSY, k);
		cr_assert_not_null(f);
		cr_expect_eq(f->t, t_r + k * T);
		cr_expect_eq(f->u.ka.next, T);
		cr_expect_eq(f->u.ka.packets_out, 1);
		cr_expect_eq(f->u.ka.probes_out, 0);
	}
	const struct rec *e = run_end_of(&r, A);
	cr_assert_not_null(e);
	cr_expect_eq(e->u.end.why, END_RTO);
	cr_expect_eq(e->u.end.error, KS_ETIMEDOUT);
	cr_expect_eq(e->t, abort_at);
	cr_expect_eq(run_count_flags(&r, A, TH_RST, TH_RST), 0, "the RTO abort sends no RST");
	cr_expect_eq(run_count_pkts(&r, A, SEG_RETRANS), 16);
	run_free(&r);
	free(ini);
}

Test(keepalive, write_during_probing_silences_keepalive)
{
	/* probes #1, #2 at t_r + 10, t_r + 12, then the application writes at
	 * 13 s: the pending firing at t_r + 14 finds data in flight (KA_BUSY) */
	const ks_time_t d = 0, t_r = 2 * d, T = 10 * SEC, I = 2 * SEC;
	struct run r;
	run_ini(SO_BASE(10, 2, 3, 0) "so_keepalive = on\n[events]\n1s = unplug B\n13s = send A 10\n",
		NULL, 0, &r);
	cr_expect_eq(run_count_pkts(&r, A, SEG_KA_PROBE), 2);
	const struct rec *b1 = run_nth_ka(&r, A, KA_BUSY, 1);
	cr_assert_not_null(b1);
	cr_expect_eq(b1->t, t_r + T + 2 * I);
	cr_expect_eq(b1->u.ka.probes_out, 2, "step 6 leaves probes_out alone");
	cr_expect_eq(b1->u.ka.next, T);
	cr_expect_eq(run_end_of(&r, A)->u.end.why, END_RTO);
	cr_expect_eq(run_count_flags(&r, A, TH_RST, TH_RST), 0);
	run_free(&r);
}

/* ---- local congestion ---------------------------------------------------------------------- */

Test(keepalive, congest_retries_every_500ms_without_counting)
{
	const ks_time_t t_r = 0, T = 10 * SEC, I = 2 * SEC;
	const uint32_t P = 3;
	const ks_time_t C0 = 9500 * MS, C = 3 * SEC, C_end = C0 + C;
	const ks_time_t F0 = t_r + T;
	/* refused at F0, F0 + R, ... while now < C_end */
	const size_t nres = (size_t)ceil_div(C_end - F0, RESOURCE_PROBE_INTERVAL);
	const ks_time_t first = F0 + nres * RESOURCE_PROBE_INTERVAL;
	char *ini = strf(SO_BASE(10, 2, 3, 0) "so_keepalive = on\n[events]\n1s = unplug B\n"
			 "%lluns = congest A %lluns\n", NS(C0), NS(C));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	cr_expect_eq(nres, 5);
	cr_expect_eq(run_count_ka(&r, A, KA_RESOURCE), nres);
	for (size_t j = 0; j < nres; j++) {
		const struct rec *f = run_nth_ka(&r, A, KA_RESOURCE, j + 1);
		cr_assert_not_null(f);
		cr_expect_eq(f->t, F0 + j * RESOURCE_PROBE_INTERVAL);
		cr_expect_eq(f->u.ka.next, RESOURCE_PROBE_INTERVAL);
		cr_expect_eq(f->u.ka.probes_out, 0, "a refused probe is not counted");
		const struct pkt *p = run_probe(&r, A, j + 1);
		cr_expect_eq(p->reason, DROP_QDISC);
		cr_expect_eq(p->reason_host, A);
		cr_expect_eq(p->seg.nth, 1);
		cr_expect_eq(p->sent, F0 + j * RESOURCE_PROBE_INTERVAL);
	}
	ks_time_t abort_at = expect_silent_peer(&r, first, I, 1, P, DROP_UNPLUGGED, END_KEEPALIVE);
	/* detection shifted by the refused attempts */
	cr_expect_eq(abort_at - t_r, T + nres * RESOURCE_PROBE_INTERVAL + P * I);
	cr_expect_eq(run_count_ka(&r, A, KA_PROBE), nres + P);
	run_free(&r);
	free(ini);
}

/* ---- what refreshes the idle clock ---------------------------------------------------------------- */

Test(keepalive, in_order_data_on_an_idle_connection_reaches_tcp_ack)
{
	/* B writes at S: the data reaches A at S + d with ack == A's snd_una.
	 * Header prediction would take it without tcp_ack(), but A is the client
	 * of a window-scaled connection (pred_flags 0) and the skb does not fit
	 * sk_forward_alloc (0 on an idle socket since Linux 6.0): the slow path's
	 * tcp_ack() sets rcv_tstamp, tcp_event_data_recv() lrcvtime, both S + d
	 * (the live kernel agrees: kernel-check peer-data, docs/keepalive.md). */
	const ks_time_t d = 20 * MS, t_r = 2 * d, T = 10 * SEC, I = 2 * SEC, S = 5 * SEC;
	const uint32_t P = 3;
	const ks_time_t data_rx = S + d;
	char *ini = strf(SO_BASE(10, 2, 3, 20ms) "so_keepalive = on\n[events]\n%lluns = send B 100\n"
			 "6s = unplug B\n", NS(S));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	const struct pkt *data = run_nth_pkt(&r, B, SEG_NORMAL, 2); /* after the SYN-ACK */
	cr_assert_not_null(data);
	cr_expect_eq(data->seg.len, 100);
	cr_expect_eq(data->fate_time, data_rx);
	cr_expect_eq(data->seg.ack, run_sk(&r, A)->iss + 1, "ack == snd_una");

	/* the first firing, t_r + T, sees elapsed from lrcvtime and sleeps on */
	const struct rec *idle = run_nth_ka(&r, A, KA_IDLE, 1);
	cr_assert_not_null(idle);
	cr_expect_eq(idle->t, t_r + T);
	cr_expect_eq(idle->u.ka.elapsed, t_r + T - data_rx);
	cr_expect_eq(idle->u.ka.next, T - (t_r + T - data_rx));
	expect_silent_peer_data(&r, data_rx + T, I, 1, P, DROP_UNPLUGGED, END_KEEPALIVE, 0, 100);
	const struct tcp_sock *sk = run_sk(&r, A);
	cr_expect_eq(sk->rcv_tstamp, data_rx, "the slow path's tcp_ack() sets rcv_tstamp");
	cr_expect_eq(sk->lrcvtime, data_rx);
	cr_expect_eq(run_end_of(&r, A)->u.end.last_rx, data_rx);
	run_free(&r);
	free(ini);
}

Test(keepalive, pure_ack_refreshes_rcv_tstamp_only)
{
	/* A writes at S; B's ACK arrives at S + 2d: rcv_tstamp = S + 2d,
	 * lrcvtime stays t_r (no data received). First probe at S + 2d + T. */
	const ks_time_t d = 20 * MS, t_r = 2 * d, T = 10 * SEC, I = 2 * SEC, S = 5 * SEC;
	const uint32_t P = 3;
	const ks_time_t ack_rx = S + 2 * d;
	char *ini = strf(SO_BASE(10, 2, 3, 20ms) "so_keepalive = on\n[events]\n%lluns = send A 100\n"
			 "6s = unplug B\n", NS(S));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	const struct rec *idle = run_nth_ka(&r, A, KA_IDLE, 1);
	cr_assert_not_null(idle);
	cr_expect_eq(idle->t, t_r + T);
	cr_expect_eq(idle->u.ka.elapsed, t_r + T - ack_rx);
	/* the probe's seq is snd_una - 1 with snd_una = ISN + 1 + 100 */
	const struct pkt *p1 = run_probe(&r, A, 1);
	cr_assert_not_null(p1);
	cr_expect_eq(p1->sent, ack_rx + T);
	cr_expect_eq(p1->seg.seq, run_sk(&r, A)->iss + 1 + 100 - 1);
	cr_expect_eq(run_count_pkts(&r, A, SEG_KA_PROBE), P);
	const struct rec *e = run_end_of(&r, A);
	cr_assert_not_null(e);
	cr_expect_eq(e->t, ack_rx + T + P * I);
	cr_expect_eq(run_sk(&r, A)->rcv_tstamp, ack_rx);
	cr_expect_eq(run_sk(&r, A)->lrcvtime, t_r);
	run_free(&r);
	free(ini);
}

/* ---- scenario events at the instant a timer is due ---------------------------------------- */

/* Scenario events at time t run before the model's timers due at t (sim.c's
 * ordering rule; scenarios/data-in-flight.ini relies on it: its write at
 * t_r + T must find the keepalive timer still pending, so no probe leaves). */
Test(keepalive, write_at_the_first_firing_instant_means_no_probe)
{
	const ks_time_t t_r = 0, T = 10 * SEC;
	char *ini = strf(SO_BASE(10, 2, 3, 0) "so_keepalive = on\n[events]\n1s = unplug B\n"
			 "%lluns = send A 100\n", NS(t_r + T));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	cr_expect_eq(run_count_pkts(&r, A, SEG_KA_PROBE), 0, "the write comes first: data in flight");
	const struct rec *b1 = run_nth_ka(&r, A, KA_BUSY, 1);
	cr_assert_not_null(b1);
	cr_expect_eq(b1->t, t_r + T);
	run_free(&r);
	free(ini);
}

Test(keepalive, congest_from_the_instant_the_first_probe_is_due)
{
	/* "congest A 3s" at F0 = t_r + T: the firing at F0 already finds the
	 * qdisc dropping: ceil(3 s / 500 ms) = 6 refused attempts, first probe
	 * at F0 + 3 s, abort P·I later. */
	const ks_time_t t_r = 0, T = 10 * SEC, I = 2 * SEC, C = 3 * SEC, F0 = t_r + T;
	const uint32_t P = 3;
	const size_t nres = (size_t)ceil_div(C, RESOURCE_PROBE_INTERVAL);
	char *ini = strf(SO_BASE(10, 2, 3, 0) "so_keepalive = on\n[events]\n1s = unplug B\n"
			 "%lluns = congest A 3s\n", NS(F0));
	struct run r;
	run_ini(ini, NULL, 0, &r);
	cr_expect_eq(run_count_ka(&r, A, KA_RESOURCE), nres);
	ks_time_t abort_at = expect_silent_peer(&r, F0 + nres * RESOURCE_PROBE_INTERVAL, I, 1, P,
						DROP_UNPLUGGED, END_KEEPALIVE);
	cr_expect_eq(abort_at, F0 + C + P * I);
	run_free(&r);
	free(ini);
}
