/*
 * test_rtt.c - the RTT estimator (sim/tcp_rtt.c) against values worked out by
 * hand from the kernel's formulas (net/ipv4/tcp_input.c tcp_rtt_estimator(),
 * __tcp_set_rto(), tcp_rto_min_us(); tcp_metrics.c tcp_init_metrics()) and
 * RFC 6298 section 2; the "link delay" event that changes the path; and the
 * REC_RTT record in the text, JSON and CSV outputs.
 *
 * Notation in the comments: all values in microseconds; srtt is srtt_us
 * (8 x SRTT), mdev is mdev_us (4 x RTTVAR), var is rttvar_us (what the RTO
 * adds), max is mdev_max_us. The exact timer model keeps the RTO in ns, so
 * RTO = srtt/8 + var exactly; timer = linux rounds it up to jiffies.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdlib.h>

#include "helpers.h"
#include "sim_capture.h"

#define A HOST_A
#define B HOST_B
#define US KS_US

/* The n-th RTT sample of host h: its time and the estimator after it. */
static void expect_rtt(const struct run *r, int h, size_t n, ks_time_t at, ks_time_t sample,
		       ks_time_t srtt, ks_time_t rttvar, ks_time_t term, ks_time_t rto)
{
	const struct rec *x = run_nth_rtt(r, h, n);
	cr_assert_not_null(x, "%c has no RTT sample #%zu", host_letter(h), n);
	const struct rec_rtt *o = &x->u.rtt;
	cr_expect_eq(x->t, at, "sample #%zu at %llu, want %llu", n, NS(x->t), NS(at));
	cr_expect_eq(o->sample, sample, "#%zu sample %llu, want %llu", n, NS(o->sample), NS(sample));
	cr_expect_eq(o->srtt, srtt, "#%zu srtt %llu, want %llu", n, NS(o->srtt), NS(srtt));
	cr_expect_eq(o->rttvar, rttvar, "#%zu rttvar %llu, want %llu", n, NS(o->rttvar), NS(rttvar));
	cr_expect_eq(o->rttvar_term, term, "#%zu rttvar_us %llu, want %llu", n, NS(o->rttvar_term),
		     NS(term));
	cr_expect_eq(o->rto, rto, "#%zu rto %llu, want %llu", n, NS(o->rto), NS(rto));
}

/* ---- tcp_rtt_estimator(), several samples and a delay change ------------------------------ */

/* A's samples, in order, and how many there are. */
struct want_rtt {
	ks_time_t at, sample, srtt, rttvar, term, rto;
};

static void expect_rtts(const struct run *r, const struct want_rtt *w, size_t n)
{
	cr_assert_eq(run_count_rtt(r, A), n);
	for (size_t i = 0; i < n; i++)
		expect_rtt(r, A, i + 1, w[i].at, w[i].sample, w[i].srtt, w[i].rttvar, w[i].term, w[i].rto);
}

/* A scenario and A's samples in it, worked out by hand. Strings and tables
 * live in the struct: Criterion runs each parameter in a fresh process. */
struct estimator_case {
	char ini[256];
	size_t n;
	struct want_rtt w[5];
};

ParameterizedTestParameters(rtt, estimator_by_hand)
{
	static struct estimator_case c[] = {
		/* several samples, the delay changed twice */
		{"[scenario]\nduration = 20s\n[link]\ndelay = 20ms\n[events]\n1s = send A 100\n"
		 "2s = link delay 50ms\n3s = send A 100\n4s = send A 100\n5s = link delay 10ms\n"
		 "6s = send A 100\n",
		 5,
		 {/* 1: SYN -> SYN-ACK, m = 40000: srtt = m << 3 = 320000, mdev = m << 1
		   * = 80000, var = max(mdev, rto_min 200000) = 200000; RTO 240 ms */
		  {40 * MS, 40 * MS, 40 * MS, 20 * MS, 200 * MS, 240 * MS},
		  /* 2: m = 40000, error 0: mdev += 0 - 80000/4 -> 60000 (rttvar 15
		   * ms); var stays 200000 (max 200000 is not below it) */
		  {SEC + 40 * MS, 40 * MS, 40 * MS, 15 * MS, 200 * MS, 240 * MS},
		  /* 3: delay 50 ms, m = 100000: error 60000, srtt = 380000 (47.5 ms);
		   * mdev += 60000 - 60000/4 = 45000 -> 105000 (26.25 ms) */
		  {3 * SEC + 100 * MS, 100 * MS, 47500 * US, 26250 * US, 200 * MS, 247500 * US},
		  /* 4: error 100000 - 47500 = 52500, srtt = 432500 (54062); mdev +=
		   * 52500 - 105000/4 = 26250 -> 131250 (32812); RTO 54062 + 200000 */
		  {4 * SEC + 100 * MS, 100 * MS, 54062 * US, 32812 * US, 200 * MS, 254062 * US},
		  /* 5: delay 10 ms, m = 20000: error -34062, srtt = 398438 (49804);
		   * falling RTT: m = 34062 - 131250/4 = 1250 > 0, so m >>= 3 = 156:
		   * mdev = 131406 (32851); RTO 49804 + 200000 */
		  {6 * SEC + 20 * MS, 20 * MS, 49804 * US, 32851 * US, 200 * MS, 249804 * US}}},
		/* a long RTT: var follows mdev_max above rto_min, a falling RTT moves
		 * mdev with the 1/32 gain, var decays a quarter of the way to
		 * mdev_max per RTT period (rtt_seq) */
		{"[scenario]\nduration = 20s\n[link]\ndelay = 150ms\n[events]\n1s = send A 100\n"
		 "2s = link delay 50ms\n3s = send A 100\n4s = send A 100\n",
		 4,
		 {/* 1: m = 300000: srtt 2400000, mdev = var = max = 600000; RTO 900 ms */
		  {300 * MS, 300 * MS, 300 * MS, 150 * MS, 600 * MS, 900 * MS},
		  /* 2: error 0: mdev = 600000 - 150000 = 450000 (112.5 ms); max is not
		   * below var: no decay; the period ends, max = rto_min 200000 */
		  {SEC + 300 * MS, 300 * MS, 300 * MS, 112500 * US, 600 * MS, 900 * MS},
		  /* 3: m = 100000: error -200000, srtt 2200000 (275 ms); m = 200000 -
		   * 450000/4 = 87500 -> >> 3 = 10937, mdev = 460937 (115234) = max;
		   * period over: var -= (600000 - 460937) >> 2 = 34765 -> 565235 */
		  {3 * SEC + 100 * MS, 100 * MS, 275 * MS, 115234 * US, 565235 * US, 840235 * US},
		  /* 4: error -175000, srtt 2025000 (253125); m = 175000 - 460937/4 =
		   * 59766 -> 7470, mdev = 468407 (117101) = max; var -= (565235 -
		   * 468407) >> 2 = 24207 -> 541028; RTO 253125 + 541028 */
		  {4 * SEC + 100 * MS, 100 * MS, 253125 * US, 117101 * US, 541028 * US, 794153 * US}}},
	};
	return cr_make_param_array(struct estimator_case, c, NELEMS(c));
}

ParameterizedTest(struct estimator_case *c, rtt, estimator_by_hand)
{
	struct run r;
	run_ini(c->ini, NULL, 0, &r);
	expect_rtts(&r, c->w, c->n);
	/* B times SYN-ACK -> ACK: the same RTT as A's first sample */
	const struct want_rtt *w = &c->w[0];
	expect_rtt(&r, B, 1, w->at + w->sample / 2, w->sample, w->srtt, w->rttvar, w->term, w->rto);
	run_free(&r);
}

/* The state itself, in the kernel's fixed point, after the first case. */
Test(rtt, state_in_the_kernels_units)
{
	struct run r;
	run_ini("[scenario]\nduration = 20s\n[link]\ndelay = 20ms\n[events]\n1s = send A 100\n"
		"2s = link delay 50ms\n3s = send A 100\n4s = send A 100\n5s = link delay 10ms\n"
		"6s = send A 100\n",
		NULL, 0, &r);
	const struct tcp_sock *a = run_sk(&r, A);
	cr_expect_eq(a->srtt_us, 398438u);
	cr_expect_eq(a->mdev_us, 131406u);
	cr_expect_eq(a->rttvar_us, 200000u);
	cr_expect_eq(a->mdev_max_us, 200000u);
	cr_expect_eq(a->rto, 249804 * US);
	run_free(&r);
}

/* ---- Karn's rule ---------------------------------------------------------------------------- */

static const char karn_ini[] =
	"[scenario]\nduration = 30s\n[link]\ndelay = 20ms\n[events]\n"
	"4s = unplug B\n5s = send A 100\n5.1s = replug B\n"
	"7s = unplug B\n8s = send A 100\n9s = replug B\n12s = send A 100\n";

/* Without timestamps an ACK of retransmitted data gives no sample, so the
 * backed-off RTO stays until the next valid sample (tcp_ack_update_rtt()
 * alone recomputes icsk_rto). Timestamps are off if either end has them off
 * (A's SYN does not offer them, or B's SYN-ACK does not carry them). */
struct karn_case {
	char set[48];
};

ParameterizedTestParameters(rtt, karn_no_sample_from_retransmitted_data)
{
	static struct karn_case c[] = {{"A.net.ipv4.tcp_timestamps=0"}, {"B.net.ipv4.tcp_timestamps=0"}};
	return cr_make_param_array(struct karn_case, c, NELEMS(c));
}

ParameterizedTest(struct karn_case *c, rtt, karn_no_sample_from_retransmitted_data)
{
	struct run r;
	const char *sets[] = {c->set};
	run_ini(karn_ini, sets, 1, &r);
	cr_expect(!run_sk(&r, A)->tstamp_ok);
	/* RTO 240 ms: the retransmission at 5.24 s gets through; its ACK (5.28 s)
	 * is no sample and the RTO stays doubled at 480 ms */
	const struct pkt *p = run_nth_pkt(&r, A, SEG_RETRANS, 1);
	cr_assert_not_null(p);
	cr_expect_eq(p->sent, 5 * SEC + 240 * MS);
	/* so the data sent at 8 s is first retransmitted 480 ms later, then 960 */
	p = run_nth_pkt(&r, A, SEG_RETRANS, 2);
	cr_assert_not_null(p);
	cr_expect_eq(p->sent, 8 * SEC + 480 * MS, "at %llu", NS(p->sent));
	p = run_nth_pkt(&r, A, SEG_RETRANS, 3);
	cr_assert_not_null(p);
	cr_expect_eq(p->sent, 8 * SEC + 480 * MS + 960 * MS);
	cr_expect_eq(run_count_pkts(&r, A, SEG_RETRANS), 3);
	/* samples: the handshake and the write at 12 s only (error 0: mdev
	 * 80000 -> 60000), which brings the RTO back to 240 ms */
	cr_expect_eq(run_count_rtt(&r, A), 2);
	expect_rtt(&r, A, 2, 12 * SEC + 40 * MS, 40 * MS, 40 * MS, 15 * MS, 200 * MS, 240 * MS);
	cr_expect_eq(run_sk(&r, A)->rto, 240 * MS);
	run_free(&r);
}

/* With timestamps (the default) the same ACK gives the TSecr sample: now
 * minus the retransmission's TSval, 5.28 - 5.24 s = 40 ms, so the RTO is
 * the estimator's again: the data sent at 8 s is retransmitted 240 ms later. */
Test(rtt, timestamps_sample_retransmitted_data)
{
	struct run r;
	run_ini(karn_ini, NULL, 0, &r);
	cr_expect(run_sk(&r, A)->tstamp_ok);
	cr_expect(run_sk(&r, B)->tstamp_ok);
	/* 2: m = 40000 (ms clock), error 0: mdev 80000 -> 60000 */
	expect_rtt(&r, A, 2, 5 * SEC + 280 * MS, 40 * MS, 40 * MS, 15 * MS, 200 * MS, 240 * MS);
	const struct pkt *p = run_nth_pkt(&r, A, SEG_RETRANS, 2);
	cr_assert_not_null(p);
	cr_expect_eq(p->sent, 8 * SEC + 240 * MS, "at %llu", NS(p->sent));
	/* B is back at 9 s: the retransmissions at 8.24 and 8.72 s are dropped,
	 * the one at 8.72 + 0.96 = 9.68 s gets through: TSecr sample 9.72 - 9.68
	 * s, error 0: mdev 60000 -> 45000 */
	p = run_nth_pkt(&r, A, SEG_RETRANS, 4);
	cr_assert_not_null(p);
	cr_expect_eq(p->sent, 9 * SEC + 680 * MS, "at %llu", NS(p->sent));
	expect_rtt(&r, A, 3, 9 * SEC + 720 * MS, 40 * MS, 40 * MS, 11250 * US, 200 * MS, 240 * MS);
	run_free(&r);
}

static const char syn_lost_ini[] = "[scenario]\nduration = 60s\n[link]\ndelay = 20ms\n[events]\n"
				   "0 = unplug B\n0.5s = replug B\n5s = unplug B\n6s = send A 100\n";

/* With timestamps the SYN-ACK's TSecr gives the sample a retransmitted SYN
 * cannot: 1.04 - 1.00 s. */
Test(rtt, retransmitted_syn_timestamp_sample)
{
	struct run r;
	run_ini(syn_lost_ini, NULL, 0, &r);
	expect_rtt(&r, A, 1, SEC + 40 * MS, 40 * MS, 40 * MS, 20 * MS, 200 * MS, 240 * MS);
	const struct pkt *p = run_nth_pkt(&r, A, SEG_RETRANS, 2);
	cr_assert_not_null(p);
	cr_expect_eq(p->sent, 6 * SEC + 240 * MS, "at %llu", NS(p->sent));
	run_free(&r);
}

/* No valid sample from the handshake (the SYN was retransmitted, no
 * timestamps): tcp_init_metrics() sets the RTO to TCP_TIMEOUT_FALLBACK, 3 s. */
Test(rtt, retransmitted_syn_gives_the_3s_fallback)
{
	struct run r;
	const char *sets[] = {"A.net.ipv4.tcp_timestamps=0"};
	run_ini(syn_lost_ini, sets, 1, &r);
	cr_expect_eq(run_count_rtt(&r, A), 0);
	/* B's SYN-ACK was sent once: B has its sample, 1.06 - 1.02 s */
	expect_rtt(&r, B, 1, SEC + 60 * MS, 40 * MS, 40 * MS, 20 * MS, 200 * MS, 240 * MS);
	const struct pkt *p = run_nth_pkt(&r, A, SEG_RETRANS, 2); /* #1 is the SYN */
	cr_assert_not_null(p);
	cr_expect_eq(p->seg.len, 100);
	cr_expect_eq(p->sent, 9 * SEC, "at %llu", NS(p->sent));
	run_free(&r);
}

/* ---- tcp_rto_min: the sysctl and the route ------------------------------------------------- */

/* Strings held in the struct: Criterion runs each parameter in a fresh
 * process, where a pointer into the parent's image would be stale. */
struct rto_min_case {
	char set1[48], set2[48];
	ks_time_t term, rto;
};

ParameterizedTestParameters(rtt, rto_min_clamps_var)
{
	/* d = 5 ms, m = 10000: mdev = 20000; var = max(mdev, rto_min) */
	static struct rto_min_case c[] = {
		{ "A.os=linux", "A.os=linux", 200 * MS, 210 * MS },                       /* default */
		{ "A.net.ipv4.tcp_rto_min_us=30000", "A.os=linux", 30 * MS, 40 * MS },   /* sysctl */
		{ "A.rto_min=50ms", "A.os=linux", 50 * MS, 60 * MS },                     /* route */
		{ "A.rto_min=50ms", "A.net.ipv4.tcp_rto_min_us=30000", 50 * MS, 60 * MS }, /* route wins */
		{ "A.rto_min=15ms", "A.os=linux", 20 * MS, 30 * MS },                     /* mdev wins */
	};
	return cr_make_param_array(struct rto_min_case, c, NELEMS(c));
}

ParameterizedTest(struct rto_min_case *c, rtt, rto_min_clamps_var)
{
	struct run r;
	const char *sets[] = {c->set1, c->set2};
	run_ini("[scenario]\nduration = 10s\n[link]\ndelay = 5ms\n", sets, 2, &r);
	expect_rtt(&r, A, 1, 10 * MS, 10 * MS, 10 * MS, 5 * MS, c->term, c->rto);
	run_free(&r);
}

/* ---- usecs_to_jiffies rounding (timer = linux) ---------------------------------------------- */

struct jiffy_case {
	char hz[24], delay[24], set[48];
	ks_time_t m, term, rto;
};

ParameterizedTestParameters(rtt, rto_in_jiffies)
{
	static struct jiffy_case c[] = {
		/* m = 42000: usecs_to_jiffies(242000) = 60.5 -> 61 jiffies of 4 ms */
		{ "scenario.hz=250", "link.delay=21ms", "A.os=linux", 42 * MS, 200 * MS, 244 * MS },
		/* HZ 1000: 242 jiffies */
		{ "scenario.hz=1000", "link.delay=21ms", "A.os=linux", 42 * MS, 200 * MS, 242 * MS },
		/* rto_min 10000 us = usecs_to_jiffies 3 jiffies = 12000 us; m = 2000:
		 * var = max(4000, 12000); RTO = usecs_to_jiffies(14000) = 4 = 16 ms */
		{ "scenario.hz=250", "link.delay=1ms", "A.net.ipv4.tcp_rto_min_us=10000", 2 * MS, 12 * MS,
		  16 * MS },
		/* the route's 10 ms: msecs_to_jiffies(10) = 3 jiffies, the same */
		{ "scenario.hz=250", "link.delay=1ms", "A.rto_min=10ms", 2 * MS, 12 * MS, 16 * MS },
	};
	return cr_make_param_array(struct jiffy_case, c, NELEMS(c));
}

ParameterizedTest(struct jiffy_case *c, rtt, rto_in_jiffies)
{
	struct run r;
	const char *sets[] = {"scenario.timer=linux", c->hz, c->delay, c->set};
	run_ini("[scenario]\nduration = 10s\n", sets, 4, &r);
	expect_rtt(&r, A, 1, c->m, c->m, c->m, c->m / 2, c->term, c->rto);
	run_free(&r);
}

/* ---- RFC 6298 (os = windows) ------------------------------------------------------------------ */

Test(rtt, rfc6298_for_windows)
{
	struct run r;
	run_ini("[scenario]\nduration = 20s\n[A]\nos = windows\n[link]\ndelay = 300ms\n[events]\n"
		"3s = send A 100\n",
		NULL, 0, &r);
	/* (2.2) R = 600 ms: SRTT = R, RTTVAR = R/2; RTO = SRTT + max(G, 4 RTTVAR) = 1.8 s */
	expect_rtt(&r, A, 1, 600 * MS, 600 * MS, 600 * MS, 300 * MS, 1200 * MS, 1800 * MS);
	cr_expect(run_nth_rtt(&r, A, 1)->u.rtt.rfc6298);
	/* (2.3) R' = 600 ms: RTTVAR = 3/4 300 + 1/4 0 = 225, SRTT 600; RTO 1.5 s
	 * (Linux keeps rttvar_us at mdev_max: 1.8 s) */
	expect_rtt(&r, A, 2, 3600 * MS, 600 * MS, 600 * MS, 225 * MS, 900 * MS, 1500 * MS);
	run_free(&r);
	/* the same path with Linux: mdev falls to 900000 but var stays at
	 * mdev_max 1200000, so the RTO stays 1.8 s */
	const char *sets[] = {"A.os=linux"};
	run_ini("[scenario]\nduration = 20s\n[A]\nos = windows\n[link]\ndelay = 300ms\n[events]\n"
		"3s = send A 100\n",
		sets, 1, &r);
	expect_rtt(&r, A, 2, 3600 * MS, 600 * MS, 600 * MS, 225 * MS, 1200 * MS, 1800 * MS);
	run_free(&r);
}

Test(rtt, rfc6298_rto_at_least_one_second)
{
	struct run r;
	const char *sets[] = {"A.os=windows"};
	run_ini("[scenario]\nduration = 10s\n[link]\ndelay = 20ms\n", sets, 1, &r);
	/* SRTT 40 ms + 4 x 20 ms = 120 ms, rounded up to 1 s (2.4) */
	expect_rtt(&r, A, 1, 40 * MS, 40 * MS, 40 * MS, 20 * MS, 80 * MS, SEC);
	run_free(&r);
}

/* ---- link delay events ------------------------------------------------------------------------ */

Test(rtt, link_delay_bad_input)
{
	cap_expect_error("[events]\n1s = link delay\n",
			   "t.ini:2: link delay: expected 'link delay D', 'link delay D jitter J', "
			   "optionally for one direction: 'link delay A->B D [jitter J]' (D, J: 0..1d)");
	cap_expect_error("[events]\n1s = link delay 5ms jitter\n",
			   "t.ini:2: link delay: expected 'link delay D', 'link delay D jitter J', "
			   "optionally for one direction: 'link delay A->B D [jitter J]' (D, J: 0..1d)");
	cap_expect_error("[events]\n1s = link delay 2d\n", "t.ini:2: link delay: delay 2d is out of range (0..1d)");
	cap_expect_error("[events]\n1s = link delay 5ms jitter 3d\n",
			   "t.ini:2: link delay: jitter 3d is out of range (0..1d)");
}

/* One direction only: A->B 30 ms, B->A stays 10 ms: the sample is 40 ms. */
Test(rtt, link_delay_one_direction)
{
	struct run r;
	run_ini("[scenario]\nduration = 10s\n[link]\ndelay = 10ms\n[events]\n"
		"1s = link delay A->B 30ms\n2s = send A 100\n",
		NULL, 0, &r);
	const struct rec *x = run_nth_rtt(&r, A, 2);
	cr_assert_not_null(x);
	cr_expect_eq(x->t, 2 * SEC + 40 * MS);
	cr_expect_eq(x->u.rtt.sample, 40 * MS);
	run_free(&r);
}

/* Jitter is drawn from the link's stream: the same seed gives the same
 * samples, each within [2d, 2d + 2J]. */
Test(rtt, link_jitter_is_seeded)
{
	const char *ini = "[scenario]\nduration = 20s\n[events]\n1s = link delay 10ms jitter 5ms\n"
			  "2s = send A 100\n3s = send A 100\n4s = send A 100\n5s = send A 100\n";
	struct run r1, r2;
	run_ini(ini, NULL, 0, &r1);
	run_ini(ini, NULL, 0, &r2);
	cr_assert_eq(run_count_rtt(&r1, A), 5);
	bool jittered = false;
	for (size_t n = 2; n <= 5; n++) {
		ks_time_t m = run_nth_rtt(&r1, A, n)->u.rtt.sample;
		cr_expect_eq(m, run_nth_rtt(&r2, A, n)->u.rtt.sample);
		cr_expect_geq(m, 20 * MS);
		cr_expect_leq(m, 30 * MS);
		jittered |= m != 20 * MS;
	}
	cr_expect(jittered, "no sample shows jitter");
	run_free(&r1);
	run_free(&r2);
}

/* ---- the outputs ------------------------------------------------------------------------------ */

static char *rtt_ini(void)
{
	char *dir = make_tmpdir(), path[512];
	SNP(path, "%s/rtt.ini", dir);
	write_file(path, "[scenario]\ntimer = exact\nduration = 5s\n[link]\ndelay = 20ms\n[events]\n"
			 "1s = link delay 50ms\n2s = send A 100\n");
	free(dir);
	return strdup(path);
}

/* On exact timers (the formulas to the ns). After the handshake (m 40000,
 * mdev 80000) one sample of 100000: error 60000, srtt 380000 (47.5 ms), mdev += 60000 - 20000 -> 120000 (30 ms),
 * RTO 47500 + 200000. */
Test(rtt, text_json_and_csv_show_each_sample)
{
	char *ini = rtt_ini();
	struct cmd c = KASIM(ini);
	cr_assert_eq(c.status, 0, "%s", c.err);
	cr_expect(strstr(c.out, "      1.000000 event: link delay 0.05 s\n"), "%s", c.out);
	cr_expect(strstr(c.out, "      2.100000 A RTT sample 0.1 s: srtt 0.0475 s, rttvar 0.03 s, "
				"rto 0.2475 s\n"), "%s", c.out);
	cmd_free(&c);

	c = KASIM("--json", ini);
	cr_assert_eq(c.status, 0, "%s", c.err);
	cr_expect(strstr(c.out, "\"rtt\": [\n    {\"time\": 0.04, \"host\": \"A\", \"sample\": 0.04, "
				"\"srtt\": 0.04, \"rttvar\": 0.02, \"rto\": 0.24},\n"), "%s", c.out);
	cr_expect(strstr(c.out, "{\"time\": 2.1, \"host\": \"A\", \"sample\": 0.1, \"srtt\": 0.0475, "
				"\"rttvar\": 0.03, \"rto\": 0.2475}\n  ],\n"), "%s", c.out);
	cmd_free(&c);

	char *dir = make_tmpdir(), path[512];
	c = KASIM("-q", "--no-plot", "-o", dir, ini);
	cr_assert_eq(c.status, 0, "%s", c.err);
	SNP(path, "%s/timeline.csv", dir);
	char *csv = slurp(path, NULL);
	cr_assert_not_null(csv);
	cr_expect(strstr(csv, "\n2.1,rtt,A,,,,,,,,,,,,tcp_rtt_estimator,,,,,,,,,,,,\"A, t=2.1"
			       "00: RTT sample 0.1 s: srtt 0.0475 s, rttvar 0.03 s; RTO = srtt + rttva"
			       "r_us 0.2 s (max(mdev_max, rto_min), decaying per RTT) = 0.2475 s.\",0.1,0.0475,0.03,0.2475,\n"),
		  "%s", csv);
	free(csv);
	cmd_free(&c);
	free(dir);
	free(ini);
}

Test(rtt, new_keys_checked)
{
	cap_expect_error("[A]\nnet.ipv4.tcp_timestamps = 3\n",
			      "t.ini:2: net.ipv4.tcp_timestamps = 3 is out of range (0 (off), 1 or 2 (on))");
	cap_expect_error("[A]\nnet.ipv4.tcp_rto_min_us = 0\n",
			      "t.ini:2: net.ipv4.tcp_rto_min_us = 0 is out of range (1..2147483647 us)");
	cap_expect_error("[B]\nrto_min = 121s\n",
			      "t.ini:2: rto_min = 121s is out of range (0..120s (whole ms: the route metric is "
			      "in ms))");
}

/* A spurious retransmission: the RTO (240 ms) fires before the 300 ms round
 * trip ends. The ACK covers retransmitted data, so the sample comes from its
 * TSecr, and B echoes the original's TSval (it answered the original): 300 ms,
 * not the 60 ms since the retransmission. srtt 320000 + (300000 - 40000) =
 * 580000 (72.5 ms); mdev 80000 + 260000 - 20000 = 320000 (80 ms) = mdev_max
 * > var 200000: var 320000; RTO 72500 + 320000 us. */
Test(rtt, spurious_retransmission_echoes_the_original)
{
	struct run r;
	run_ini("[scenario]\nduration = 10s\n[link]\ndelay = 20ms\n[events]\n1s = link delay 150ms\n"
		"2s = send A 100\n",
		NULL, 0, &r);
	const struct pkt *p = run_nth_pkt(&r, A, SEG_RETRANS, 1);
	cr_assert_not_null(p);
	cr_expect_eq(p->sent, 2 * SEC + 240 * MS);
	cr_expect_eq(p->seg.tsval, 2240 + 1, "TSval: the ms clock + 1");
	cr_assert_eq(run_count_rtt(&r, A), 2);
	expect_rtt(&r, A, 2, 2 * SEC + 300 * MS, 300 * MS, 72500 * US, 80 * MS, 320 * MS, 392500 * US);
	run_free(&r);
}

/* Only what takes sequence space carries a TSval: the SYN, data; not a pure
 * ACK (tcp_output.c). Every segment of the connection echoes ts_recent. */
Test(rtt, which_segments_carry_a_timestamp)
{
	struct run r;
	run_ini("[scenario]\nduration = 10s\n[link]\ndelay = 20ms\n[events]\n2s = send A 100\n", NULL, 0,
		&r);
	const struct pkt *syn = run_nth_pkt(&r, A, SEG_NORMAL, 1);
	const struct pkt *synack = run_nth_pkt(&r, B, SEG_NORMAL, 1);
	const struct pkt *ack = run_nth_pkt(&r, A, SEG_NORMAL, 2);
	const struct pkt *data = run_nth_pkt(&r, A, SEG_NORMAL, 3);
	const struct pkt *dack = run_nth_pkt(&r, B, SEG_NORMAL, 2);
	cr_assert(syn && synack && ack && data && dack);
	cr_expect_eq(syn->seg.tsval, 1);        /* t = 0: ms 0, + 1 */
	cr_expect_eq(syn->seg.tsecr, 0);
	cr_expect_eq(synack->seg.tsval, 20 + 1);
	cr_expect_eq(synack->seg.tsecr, 1);
	cr_expect_eq(ack->seg.tsval, 0);        /* the handshake's pure ACK */
	cr_expect_eq(ack->seg.tsecr, 21);
	cr_expect_eq(data->seg.tsval, 2000 + 1);
	cr_expect_eq(dack->seg.tsval, 0);
	cr_expect_eq(dack->seg.tsecr, 2001);    /* B echoes the data's TSval */
	run_free(&r);
}
