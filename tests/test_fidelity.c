/*
 * test_fidelity.c - timer models (Linux timer wheel, msecs_to_jiffies, u32
 * jiffies wrap, lwIP slow timer), the Linux data-in-flight path (RTO from the
 * handshake, tail loss probe, backoff, tcp_retries2 / TCP_USER_TIMEOUT aborts)
 * and the OS profiles.
 *
 * Expected values are written as the kernel's formulas; where a value was
 * measured on the live kernel (6.18, HZ = 250, tests/kernel/), it says so.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "output.h"
#include "profile.h"
#include "retransmit.h"
#include "scenario.h"
#include "sim.h"
#include "timer.h"


/* ---- runs, recorded by helpers.h's recorder --------------------------------- */

static struct run *run(const char *text)
{
	struct run *r = calloc(1, sizeof(*r));
	cr_assert_not_null(r);
	run_ini(text, NULL, 0, r);
	return r;
}

static void run_done(struct run *r)
{
	run_free(r);
	free(r);
}

/* The n-th (0-based) packet sent by host h with the given kind, or NULL. */
static const struct pkt *nth_pkt(const struct run *r, int h, enum seg_kind kind, size_t n)
{
	return run_nth_pkt(r, h, (int)kind, n + 1);
}

/* The i-th (0-based) keepalive-timer firing. */
static const struct rec_keepalive *nth_ka(const struct run *r, size_t i)
{
	const struct rec *k = run_nth_ka(r, ANY, ANY, i + 1);
	cr_assert_not_null(k, "no keepalive firing %zu", i);
	return &k->u.ka;
}

static void expect_error(const char *text, const char *want)
{
	struct diag d = {0};
	struct scenario *s = scenario_parse_string("t.ini", text, NULL, 0, &d);
	cr_expect_null(s);
	cr_expect_eq(d.n, 1, "%zu messages (first: %s)", d.n, d.n ? d.msg[0] : "-");
	if (d.n)
		cr_expect_str_eq(d.msg[0], want);
	scenario_free(s);
	diag_free(&d);
}

/* ---- the timer wheel ------------------------------------------------------ */

/* Level n >= 1 starts at delta 63 << 3(n-1) and has granularity 8^n. */
static uint64_t lvl_start(unsigned n) { return 63ULL << (3 * (n - 1)); }
static uint64_t gran(unsigned n) { return 1ULL << (3 * n); }
static uint64_t bucket(uint64_t e, unsigned n) { return ((e >> (3 * n)) + 1) << (3 * n); }

static void check_boundaries(uint32_t hz, uint64_t clk)
{
	unsigned depth = hz > 100 ? 9 : 8;
	unsigned level;
	/* level 0: fires one jiffy after its expiry */
	cr_expect_eq(tm_wheel_expiry(clk, clk, hz, &level), clk + 1);
	cr_expect_eq(level, 0u);
	cr_expect_eq(tm_wheel_expiry(clk + 62, clk, hz, &level), clk + 63);
	cr_expect_eq(level, 0u);
	for (unsigned n = 1; n < depth; n++) {
		uint64_t below = clk + lvl_start(n) - 1, at = clk + lvl_start(n);
		cr_expect_eq(tm_wheel_expiry(below, clk, hz, &level), bucket(below, n - 1),
			     "hz %u level %u: last delta of the level below", hz, n);
		cr_expect_eq(level, n - 1);
		cr_expect_eq(tm_wheel_expiry(at, clk, hz, &level), bucket(at, n),
			     "hz %u level %u: first delta", hz, n);
		cr_expect_eq(level, n);
		/* never early, at most one granule late */
		uint64_t f = tm_wheel_expiry(at, clk, hz, &level);
		cr_expect(f > at && f <= at + gran(n));
	}
	/* beyond the wheel: capped at clk + WHEEL_TIMEOUT_MAX */
	uint64_t cutoff = lvl_start(depth);
	uint64_t capped = clk + cutoff - gran(depth - 1);
	cr_expect_eq(tm_wheel_expiry(clk + cutoff + 12345, clk, hz, &level),
		     bucket(capped, depth - 1));
	cr_expect_eq(level, depth - 1);
	/* already expired (armed from a handler with the clock one ahead): next tick */
	cr_expect_eq(tm_wheel_expiry(clk - 1, clk, hz, &level), clk);
}

Test(wheel, every_level_boundary_hz250_hz1000_hz100)
{
	check_boundaries(250, 0);
	check_boundaries(1000, 0);
	check_boundaries(250, 4294892296ULL); /* INITIAL_JIFFIES at HZ = 250 */
	check_boundaries(1000, 123456789);
	check_boundaries(100, 987654);
}

Test(wheel, keepalive_defaults_levels)
{
	unsigned level;
	/* docs table: T = 7200 s is level 5 at HZ = 250 (g = 131.072 s), level 6 at 1000 */
	cr_expect_eq(tm_wheel_expiry(7200 * 250, 0, 250, &level), bucket(7200 * 250, 5));
	cr_expect_eq(level, 5u);
	tm_wheel_expiry(7200 * 1000, 0, 1000, &level);
	cr_expect_eq(level, 6u);
	tm_wheel_expiry(75 * 250, 0, 250, &level);
	cr_expect_eq(level, 3u);
	tm_wheel_expiry(75 * 1000, 0, 1000, &level);
	cr_expect_eq(level, 4u);
	tm_wheel_expiry(250, 0, 250, &level); /* 1 s at 250 Hz */
	cr_expect_eq(level, 1u);
	tm_wheel_expiry(1000, 0, 1000, &level); /* 1 s at 1000 Hz */
	cr_expect_eq(level, 2u);
}

Test(wheel, msecs_to_jiffies_rounds_up)
{
	struct timer_model tm;
	tm_init_linux(&tm, 250, 0, 0);
	cr_expect_eq(tm_msecs(&tm, 0), 0);
	cr_expect_eq(tm_msecs(&tm, 1), 1);
	cr_expect_eq(tm_msecs(&tm, 4), 1);
	cr_expect_eq(tm_msecs(&tm, 5), 2);
	cr_expect_eq(tm_msecs(&tm, 1001), 251); /* 1004 ms */
	cr_expect_eq(tm_msecs(&tm, 500), 125);  /* HZ/2 */
	cr_expect_eq(tm_msecs(&tm, 200), 50);   /* TCP_RTO_MIN = HZ/5 */
	cr_expect_eq(tm_secs(&tm, 7200), 7200 * 250);
	cr_expect_eq(tm_from_ns(&tm, 200 * MS + 40 * KS_US), 51); /* usecs_to_jiffies(200040) */
	tm_init_linux(&tm, 1000, 0, 0);
	cr_expect_eq(tm_msecs(&tm, 1001), 1001);
	tm_init_linux(&tm, 300, 0, 0);
	cr_expect_eq(tm_msecs(&tm, 10), 3);
	cr_expect_eq(tm_msecs(&tm, 11), 4); /* ceil(3.3) */
	tm_init_linux(&tm, 100, 0, 0);
	cr_expect_eq(tm_msecs(&tm, 11), 2);
}

Test(wheel, jiffies_clock_and_ticks)
{
	struct timer_model tm;
	ks_time_t phase = 3 * MS; /* t = 0 is 3 ms into a 4 ms tick */
	tm_init_linux(&tm, 250, 1000, phase);
	cr_expect_eq(tm_jiffies64(&tm, 0), 1000);
	cr_expect_eq(tm_jiffies64(&tm, 1 * MS - 1), 1000);
	cr_expect_eq(tm_jiffies64(&tm, 1 * MS), 1001);
	cr_expect_eq(tm_tick_time(&tm, 1001), 4 * MS - phase);
	cr_expect_eq(tm_tick_time(&tm, 1000 + 250), 250 * 4 * MS - phase);
	/* HZ = 300: ticks at ceil(k * 10/3 ms) */
	tm_init_linux(&tm, 300, 0, 0);
	cr_expect_eq(tm_tick_time(&tm, 1), 3333334);
	cr_expect_eq(tm_jiffies64(&tm, 3333334), 1);
	cr_expect_eq(tm_jiffies64(&tm, 3333333), 0);
}

Test(wheel, u32_jiffies_wrap)
{
	struct timer_model tm;
	tm_init_linux(&tm, 250, 0xFFFFFF00u, 0);
	tcp_stamp_t before = tm_stamp(&tm, 0);
	tcp_stamp_t after = tm_stamp(&tm, 2 * SEC); /* 500 jiffies later: wrapped */
	cr_expect_eq(before, 0xFFFFFF00u);
	cr_expect_eq(after, 500 - 0x100);
	cr_expect_eq(tm_elapsed(&tm, after, before), 500);
	cr_expect_eq(tm_stamp_time(&tm, 2 * SEC, before), 0);
}

/* A timer re-armed from inside its handler sees base_clk = jiffies + 1. */
Test(wheel, rearm_from_handler_uses_clk_plus_one)
{
	struct timer_model tm;
	struct tm_base fresh = {0}, base = {0};
	tm_init_linux(&tm, 1000, 0, 0);
	ks_time_t t = tm_tick_time(&tm, 1003);
	/* from process context at jiffy 1003: delay 63 -> d = 63, level 1 */
	cr_expect_eq(tm_expiry(&tm, &fresh, t, 63), tm_tick_time(&tm, bucket(1066, 1)));
	cr_expect_eq(bucket(1066, 1), 1072);
	/* from the handler of a timer that fired at 1003: clk 1004, d = 62, level 0 */
	tm_fire(&tm, &base, t);
	cr_expect_eq(base.clk, 1004);
	cr_expect_eq(tm_expiry(&tm, &base, t, 63), tm_tick_time(&tm, 1067));
	/* delay 0 from the handler: already behind the clock, fires next tick */
	cr_expect_eq(tm_expiry(&tm, &base, t, 0), tm_tick_time(&tm, 1004));
}

/* ---- keepalive on the wheel ----------------------------------------------- */

#define KA_LINUX(J, PHASE)                                                                 \
	"[scenario]\ntimer = linux\nhz = 250\njiffies = " #J "\njiffies_phase = " #PHASE "\n"  \
	"duration = 20\n[A]\nso_keepalive = on\ntcp_keepidle = 2\ntcp_keepintvl = 1\n"       \
	"tcp_keepcnt = 3\n[link]\ndelay = 20us\n[events]\n0.5 = unplug B\n"

/* The expected chain: established in jiffy J, then armed for T, re-armed
 * from the handler for I each time (base clock one ahead). */
static void ka_chain(uint64_t j0, uint64_t fire[4])
{
	unsigned level;
	fire[0] = tm_wheel_expiry(j0 + 2 * 250, j0, 250, &level);
	for (int i = 1; i < 4; i++)
		fire[i] = tm_wheel_expiry(fire[i - 1] + 250, fire[i - 1] + 1, 250, &level);
}

Test(keepalive_linux, matches_the_live_kernel_run)
{
	/* Measured on Linux 6.18, HZ = 250 (tests/kernel, unplug with 2/1/3):
	 * jiffies at the SYN 4295139737 (low 32 bits 172441), 3.418359 ms into
	 * the tick; probes at 2.008791, 3.032644, 4.056676 s, RST at 5.080858 s. */
	struct run *r = run(KA_LINUX(172441, 3418359ns));
	uint64_t f[4];
	ka_chain(172441, f);
	cr_expect_eq(f[0], 172441 + 503);
	cr_expect_eq(f[1], 172441 + 759);
	cr_expect_eq(f[2], 172441 + 1015);
	cr_expect_eq(f[3], 172441 + 1271);
	for (int i = 0; i < 3; i++) {
		const struct pkt *p = nth_pkt(r, HOST_A, SEG_KA_PROBE, i);
		cr_assert_not_null(p);
		cr_expect_eq(p->sent, (f[i] - 172441) * 4 * MS - 3418359);
	}
	cr_expect_eq(run_end_time(r, HOST_A), (f[3] - 172441) * 4 * MS - 3418359);
	cr_expect_eq(run_end_time(r, HOST_A), 5080581641ULL);
	cr_expect_eq(run_end_must(r, HOST_A)->error, KS_ETIMEDOUT);
	/* nominal and actual of the first firing */
	cr_expect_eq(nth_ka(r, 0)->nominal, 40 * KS_US + 2 * SEC);
	cr_expect_eq(nth_ka(r, 0)->actual, nth_pkt(r, HOST_A, SEG_KA_PROBE, 0)->sent);
	run_done(r);
}

Test(keepalive_linux, same_timeline_across_the_u32_wrap)
{
	/* jiffies 2^32 - 100 wraps 0.4 s into the run; the wheel only sees the
	 * low 24 bits, so 2^24 - 100 must give the very same timeline. */
	struct run *a = run(KA_LINUX(4294967196, 1ms));
	struct run *b = run(KA_LINUX(16777116, 1ms));
	uint64_t f[4];
	ka_chain(4294967196ULL, f);
	cr_expect_eq(run_end_time(a, HOST_A), (f[3] - 4294967196ULL) * 4 * MS - 1 * MS);
	cr_expect_eq(run_end_time(a, HOST_A), run_end_time(b, HOST_A));
	cr_expect_eq(run_end_must(a, HOST_A)->probes_out, 3);
	run_done(a);
	run_done(b);
}

Test(keepalive_linux, seed_draws_the_phase_deterministically)
{
	const char *t = "[scenario]\ntimer = linux\nhz = 1000\nseed = 7\nduration = 20\n[A]\n"
			"so_keepalive = on\ntcp_keepidle = 2\ntcp_keepintvl = 1\ntcp_keepcnt = 3\n"
			"[events]\n0.5 = unplug B\n";
	struct run *a = run(t), *b = run(t);
	cr_expect_eq(run_end_time(a, HOST_A), run_end_time(b, HOST_A));
	/* 5 s nominal, at most one granule late per firing (1 s at 1000 Hz: level 2, 64 ms) */
	cr_expect_gt(run_end_time(a, HOST_A), 5 * SEC);
	/* the phase is a seeded draw: pinned, with the end it gives */
	cr_expect_eq(a->sim->tm.phase, 629855);
	cr_expect_eq(run_end_time(a, HOST_A), 5091370145ULL);
	cr_expect_leq(run_end_time(a, HOST_A), 5 * SEC + 4 * 64 * MS);
	cr_expect_lt(a->sim->tm.phase, 1 * MS);
	run_done(a);
	run_done(b);
}

/* ---- the data-in-flight path ---------------------------------------------- */

Test(rto_exact, retries2_and_user_timeout_abort_times)
{
	/* exact model, no RTT: RTO 200 ms doubling; retries2 = 3 allows
	 * tcp_model_timeout(3) = (2^4 - 1) x 200 ms = 3 s from the first retransmission */
	struct run *r = run("[scenario]\nduration = 100\n[A]\nnet.ipv4.tcp_retries2 = 3\n"
			    "[events]\n50 = unplug B\n60 = send A 100\n");
	cr_expect_eq(tcp_model_timeout(3, TCP_RTO_MIN), 3 * SEC);
	cr_expect_eq(tcp_model_timeout(15, TCP_RTO_MIN), 924600 * MS);
	cr_expect_eq(run_end_time(r, HOST_A), 60 * SEC + (200 + 400 + 800 + 1600 + 3200) * MS);
	cr_expect_eq(run_end_must(r, HOST_A)->retransmits, 4);
	cr_expect_eq(run_end_must(r, HOST_A)->error, KS_ETIMEDOUT);
	run_done(r);
	/* UT = 1000 ms: retransmissions at +0.2 (retrans_stamp), +0.6, then the
	 * RTO is clamped to retrans_stamp + UT */
	r = run("[scenario]\nduration = 100\n[A]\ntcp_user_timeout = 1000\n"
		"[events]\n50 = unplug B\n60 = send A 100\n");
	cr_expect_eq(run_end_time(r, HOST_A), 60 * SEC + 200 * MS + 1000 * MS);
	cr_expect_eq(run_end_must(r, HOST_A)->retransmits, 2);
	run_done(r);
}

#define DATA_LINUX(J, PHASE, EXTRA)                                                        \
	"[scenario]\ntimer = linux\nhz = 250\njiffies = " #J "\njiffies_phase = " #PHASE "\n"  \
	"duration = 60\n[A]\n" EXTRA "\n[link]\ndelay = 20us\n[events]\n0.5 = unplug B\n"    \
	"1 = send A 100\n"

Test(rto_linux, tlp_then_rto_backoff_and_user_timeout)
{
	/* jiffies 4295151175 at the SYN, 3.494526 ms into the tick: the live
	 * kernel (6.18, HZ 250, UT 3000 ms; low 32 bits 183879) sent the data at jiffy +251, the TLP
	 * at +303, RTOs at +355, +465, +673, +1089 and aborted at +1106. kasim's
	 * send comes at exactly 1 s, so in jiffy +250; the chain is recomputed. */
	struct run *r = run(DATA_LINUX(183879, 3494526ns, "tcp_user_timeout = 3000"));
	const struct timer_model *tm = &r->sim->host[HOST_A].tm;
	unsigned lv;
	/* RTO = usecs_to_jiffies(srtt 40 us + rttvar max(80 us, 200 ms)) = 51 */
	uint64_t s = tm_jiffies64(tm, 1 * SEC);
	uint64_t rto = (200 * MS + 40 * KS_US + 4 * MS - 1) / (4 * MS);
	cr_expect_eq(rto, 51);
	/* TLP: 2 srtt (1 jiffy) + rto_min (50) = 51, min(RTO 51) = 51; level 0 */
	uint64_t tlp = tm_wheel_expiry(s + 51, s, 250, &lv);
	uint64_t rt[8];
	rt[0] = tm_wheel_expiry(tlp + rto, tlp + 1, 250, &lv);
	ks_time_t stamp = tm_tick_time(tm, rt[0]);
	int n = 1;
	uint64_t cur = rto;
	for (;;) {
		cur *= 2;
		ks_time_t el = (tm_tick_time(tm, rt[n - 1]) / MS - stamp / MS) * MS;
		uint64_t left = (3000 * MS - el) / MS;
		uint64_t next = cur < (left * 250 + 999) / 1000 ? cur : (left * 250 + 999) / 1000;
		rt[n] = tm_wheel_expiry(rt[n - 1] + next, rt[n - 1] + 1, 250, &lv);
		if ((tm_tick_time(tm, rt[n]) / MS - stamp / MS) * MS >= 3000 * MS)
			break;
		n++;
	}
	const struct pkt *p = nth_pkt(r, HOST_A, SEG_TLP, 0);
	cr_assert_not_null(p);
	cr_expect_eq(p->sent, tm_tick_time(tm, tlp));
	cr_expect_eq(p->seg.seq, r->sim->host[HOST_A].sk.iss + 1);
	cr_expect_eq(p->seg.len, 100);
	for (int i = 0; i < n; i++) {
		p = nth_pkt(r, HOST_A, SEG_RETRANS, i);
		cr_assert_geq(p, 0, "retransmission %d", i + 1);
		cr_expect_eq(p->sent, tm_tick_time(tm, rt[i]), "retransmission %d", i + 1);
	}
	cr_expect_null(nth_pkt(r, HOST_A, SEG_RETRANS, n));
	cr_expect_eq(run_end_time(r, HOST_A), tm_tick_time(tm, rt[n]));
	cr_expect_eq(run_end_must(r, HOST_A)->error, KS_ETIMEDOUT);
	/* the kernel's relative chain from the send jiffy, for the record */
	cr_expect_eq(tlp - s, 52);
	cr_expect_eq(rt[0] - s, 104);
	run_done(r);
}

Test(rto_linux, small_retries2)
{
	/* retries2 = 3: abort at the first RTO firing >= retrans_stamp + 3 s */
	struct run *r = run(DATA_LINUX(185358, 855962ns, "net.ipv4.tcp_retries2 = 3"));
	const struct timer_model *tm = &r->sim->host[HOST_A].tm;
	const struct pkt *first = nth_pkt(r, HOST_A, SEG_RETRANS, 0);
	cr_assert_not_null(first);
	ks_time_t stamp = first->sent;
	cr_expect_eq(run_end_must(r, HOST_A)->retransmits, 4);
	cr_expect_geq((run_end_time(r, HOST_A) / MS - stamp / MS) * MS, 3 * SEC);
	const struct pkt *last = nth_pkt(r, HOST_A, SEG_RETRANS, 3);
	cr_assert_not_null(last);
	cr_expect_lt((last->sent / MS - stamp / MS) * MS, 3 * SEC);
	/* last RTO 816 jiffies, on level 2 of the wheel */
	unsigned lv;
	uint64_t lj = tm_jiffies64(tm, last->sent);
	cr_expect_eq(run_end_time(r, HOST_A), tm_tick_time(tm, tm_wheel_expiry(lj + 816, lj + 1, 250, &lv)));
	cr_expect_eq(lv, 2u);
	run_done(r);
}

/* ---- lwIP ------------------------------------------------------------------ */

Test(lwip, strict_greater_on_500ms_ticks)
{
	/* ticks at k x 500 ms; tmr = 0 at the handshake. Probe n (0-based) when
	 * ticks > (60000 + n x 10000) / 500 = 120 + 20 n, abort when ticks >
	 * (60000 + 3 x 10000) / 500 = 180: probes at ticks 121, 141, 161, abort at 181. */
	struct run *r = run("[scenario]\ntimer = lwip\njiffies_phase = 0\nduration = 200\n"
			    "[A]\nos = lwip\nso_keepalive = on\ntcp_keepidle = 60\ntcp_keepintvl = 10\n"
			    "tcp_keepcnt = 3\n[events]\n10 = unplug B\n");
	for (int n = 0; n < 3; n++) {
		const struct pkt *p = nth_pkt(r, HOST_A, SEG_KA_PROBE, n);
		cr_assert_not_null(p);
		cr_expect_eq(p->sent, (uint64_t)(121 + 20 * n) * 500 * MS);
		cr_expect_eq(p->seg.seq, r->sim->host[HOST_A].sk.snd_nxt - 1);
	}
	cr_expect_null(nth_pkt(r, HOST_A, SEG_KA_PROBE, 3));
	cr_expect_eq(run_end_time(r, HOST_A), 181 * 500 * MS);
	cr_expect_eq(run_end_must(r, HOST_A)->error, KS_ECONNABORTED);
	cr_expect_eq(run_end_must(r, HOST_A)->why, END_KEEPALIVE_IDLE);
	run_done(r);
}

Test(lwip, tick_arithmetic)
{
	struct timer_model tm;
	tm_init_lwip(&tm, 200 * MS);
	cr_expect_eq(tm_stamp(&tm, 0), 0);
	cr_expect_eq(tm_stamp(&tm, 300 * MS), 1); /* first tick 300 ms after t = 0 */
	cr_expect_eq(tm_tick_time(&tm, 1), 300 * MS);
	cr_expect_eq(tm_msecs(&tm, 999), 1); /* lwIP divides, it does not round up */
	cr_expect_eq(tm_secs(&tm, 7200), 14400);
}

/* ---- OS profiles ------------------------------------------------------------ */

Test(profiles, defaults)
{
	const struct profile *p = profile_get(OS_LINUX);
	cr_expect(p->keepidle == 7200 && p->keepintvl == 75 && p->keepcnt == 9 && !p->always_keepalive);
	p = profile_get(OS_LINUX_26);
	cr_expect(p->keepidle == 7200 && p->keepintvl == 75 && p->keepcnt == 9);
	cr_expect(!profile_has_opt(p, OPT_TCP_USER_TIMEOUT));
	p = profile_get(OS_FREEBSD);
	cr_expect(p->keepidle == 7200 && p->keepintvl == 75 && p->keepcnt == 8 && p->always_keepalive);
	p = profile_get(OS_MACOS);
	cr_expect(p->keepidle == 7200 && p->keepintvl == 75 && p->keepcnt == 8 && !p->always_keepalive);
	p = profile_get(OS_WINDOWS);
	cr_expect(p->keepidle == 7200 && p->keepintvl == 1 && p->keepcnt == 10);
	p = profile_get(OS_LWIP);
	cr_expect(p->keepidle == 7200 && p->keepintvl == 75 && p->keepcnt == 9);
	cr_expect_eq(profile_find("freebsd"), OS_FREEBSD);
	cr_expect_eq(profile_find("bsd"), -1);
}

static ks_time_t detection(const char *os, const char *extra, int *err, uint32_t *probes)
{
	char text[512];
	snprintf(text, sizeof text, "[scenario]\nduration = 3h\n[A]\nos = %s\n%s\n[events]\n10 = unplug B\n",
		 os, extra);
	struct run *r = run(text);
	const struct rec *e = run_end_of(r, HOST_A);
	ks_time_t t = run_end_time(r, HOST_A);
	*err = e ? e->u.end.error : 0;
	*probes = r->sim->host[HOST_A].sk.probes_sent;
	run_done(r);
	return t;
}

Test(profiles, detection_times)
{
	int err;
	uint32_t probes;
	/* Linux: T + P x I */
	cr_expect_eq(detection("linux", "so_keepalive = on", &err, &probes), (7200 + 9 * 75) * SEC);
	cr_expect_eq(probes, 9);
	cr_expect_eq(detection("linux-2.6", "so_keepalive = on", &err, &probes), (7200 + 9 * 75) * SEC);
	/* FreeBSD: always_keepalive, no SO_KEEPALIVE needed; idle >= 7200 + 8 x 75 */
	cr_expect_eq(detection("freebsd", "", &err, &probes), (7200 + 8 * 75) * SEC);
	cr_expect_eq(err, KS_ETIMEDOUT);
	cr_expect_eq(probes, 8);
	/* macOS: same rule, but only with SO_KEEPALIVE */
	cr_expect_eq(detection("macos", "", &err, &probes), KS_TIME_NEVER);
	cr_expect_eq(detection("macos", "so_keepalive = on", &err, &probes), (7200 + 8 * 75) * SEC);
	/* Windows: 2 h, then 10 probes 1 s apart (assumed counting rule) */
	cr_expect_eq(detection("windows", "so_keepalive = on", &err, &probes), (7200 + 10 * 1) * SEC);
	cr_expect_eq(probes, 10);
	/* lwIP: first probe when ticks > 14400, abort when ticks > (7200000 + 9 x 75000)/500
	 * = 15750, on 500 ms ticks (the lwip host's ticks start at t = 0 here) */
	cr_expect_eq(detection("lwip", "so_keepalive = on", &err, &probes), 15751 * 500 * MS);
	cr_expect_eq(err, KS_ECONNABORTED);
	cr_expect_eq(probes, 9);
}

Test(profiles, bsd_probes_while_data_is_outstanding)
{
	/* FreeBSD's tcp_timer_keep() has no packets_out check: with data stuck in
	 * flight it probes and drops on idle time, long before tcp_retries2. */
	struct run *r = run("[scenario]\nduration = 1h\n[A]\nos = freebsd\ntcp_keepidle = 60\n"
			    "tcp_keepintvl = 10\ntcp_keepcnt = 3\n[events]\n5 = unplug B\n6 = send A 100\n");
	cr_expect_eq(run_end_time(r, HOST_A), (60 + 3 * 10) * SEC);
	cr_expect_eq(run_end_must(r, HOST_A)->why, END_KEEPALIVE_IDLE);
	run_done(r);
}

Test(profiles, linux26_idle_clock_is_rcv_tstamp_only)
{
	/* B streams data to A. The first segment (2 s) takes the slow path, as
	 * A's pred_flags is 0 after a window-scaled connect (2.6.24
	 * tcp_rcv_synsent_state_process()): tcp_ack() sets rcv_tstamp = 2 s. The
	 * later ones take 2.6's fast path without tcp_ack(), so rcv_tstamp stays:
	 * 2.6.24 probes at 2 + T = 12 s although data keeps arriving; current
	 * Linux does not. */
	const char *fmt = "[scenario]\nduration = 14\n[A]\nos = %s\nso_keepalive = on\ntcp_keepidle = 10\n"
			  "tcp_keepintvl = 5\ntcp_keepcnt = 3\n[events]\n2 = send B 10\n4 = send B 10\n"
			  "6 = send B 10\n8 = send B 10\n10 = send B 10\n12 = send B 10\n";
	char text[512];
	snprintf(text, sizeof text, fmt, "linux-2.6");
	struct run *r = run(text);
	const struct pkt *p = nth_pkt(r, HOST_A, SEG_KA_PROBE, 0);
	cr_assert_not_null(p);
	cr_expect_eq(p->sent, 12 * SEC);
	run_done(r);
	snprintf(text, sizeof text, fmt, "linux");
	r = run(text);
	cr_expect_null(nth_pkt(r, HOST_A, SEG_KA_PROBE, 0));
	run_done(r);
}

Test(profiles, options_a_profile_lacks_are_errors)
{
	expect_error("[A]\nos = freebsd\ntcp_user_timeout = 1000\n",
		     "t.ini:3: tcp_user_timeout: os = freebsd has no such option (freebsd has "
		     "so_keepalive, tcp_keepidle, tcp_keepintvl, tcp_keepcnt)");
	expect_error("[A]\ntcp_user_timeout = 1000\nos = linux-2.6\n",
		     "t.ini:2: tcp_user_timeout: os = linux-2.6 has no such option (linux-2.6 has "
		     "so_keepalive, tcp_keepidle, tcp_keepintvl, tcp_keepcnt, tcp_linger2 and the net.ipv4 "
		     "sysctls)");
	expect_error("[B]\nos = windows\n[events]\n5 = set B net.ipv4.tcp_retries2 3\n",
		     "t.ini:4: set B net.ipv4.tcp_retries2: os = windows has no such option (windows "
		     "has so_keepalive, tcp_keepidle, tcp_keepintvl, tcp_keepcnt)");
	expect_error("[A]\nos = bsd\n",
		     "t.ini:2: os = bsd is not a known OS profile (linux, linux-2.6, freebsd, macos, "
		     "windows or lwip)");
	expect_error("[scenario]\ntimer = exact\nhz = 250\n",
		     "t.ini:3: hz: only the linux timer model has jiffies (set timer = linux)");
	expect_error("[scenario]\ntimer = linux\nhz = 250\njiffies_phase = 4ms\n",
		     "t.ini:4: jiffies_phase is out of range (0 up to one tick, 0.004 s at hz = 250, "
		     "exclusive)");
	expect_error("[scenario]\ntimer = linus\n",
		     "t.ini:2: timer = linus is not a timer model (did you mean 'linux'? auto, exact, "
		     "linux or lwip)");
	expect_error("[scenario]\ntimer = linux\nhz = 200\n",
		     "t.ini:3: hz = 200 is not a supported HZ (100, 250, 300 or 1000)");
}
