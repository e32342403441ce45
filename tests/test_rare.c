/*
 * test_rare.c - the exact false-abort probability of keepalive on a lossy
 * path (sim/rare.c, docs/sweeps.md "Rare events") against closed forms:
 *   - independent loss: an episode aborts when M probes in a row fail, a
 *     probe failing when it or its answer is lost: q^M, q = 1 - (1-p1)(1-p2);
 *   - Gilbert-Elliott loss whose next state does not depend on the current
 *     one (ge_r = 1 - ge_p): independent loss with the mixed rate;
 *   - Gilbert-Elliott loss on the probes' direction only, good = lossless,
 *     bad = every segment lost: an episode starts after an answered probe
 *     (good), so it aborts when the chain turns bad (ge_p) and stays bad for
 *     the M - 1 further probes: ge_p (1 - ge_r)^(M-1).
 * M: tcp_keepalive_timer() aborts when probes_out >= keepcnt, or with
 * TCP_USER_TIMEOUT U at the first firing keepidle + k keepintvl >= U, k >= 1.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rare.h"
#include "scenario.h"

static struct rare_chain bern(double p1, double p2, unsigned m)
{
	struct rare_chain c = { .probe = { .loss = p1, .ge_loss = 1 }, .reply = { .loss = p2, .ge_loss = 1 },
				.probes = m, .idle_s = 60, .intvl_s = 10, .rtt_s = 0.02 };
	return c;
}

static void expect_rel(double got, double want, const char *what)
{
	cr_expect(fabs(got - want) <= 1e-12 * fabs(want), "%s: %.17g, want %.17g", what, got, want);
}

Test(rare, independent_loss_is_q_to_the_keepcnt)
{
	static const struct { double p1, p2; unsigned m; } cases[] = {
		{ 0.01, 0.01, 4 }, { 0.01, 0.01, 9 }, { 0.05, 0.01, 3 }, { 0.3, 0.2, 1 }, { 0.001, 0.002, 5 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rare_chain c = bern(cases[i].p1, cases[i].p2, cases[i].m);
		struct false_abort fa;
		rare_false_abort(&c, &fa);
		double q = 1 - (1 - cases[i].p1) * (1 - cases[i].p2);
		char what[64];
		snprintf(what, sizeof what, "case %zu", i);
		expect_rel(fa.per_episode, pow(q, cases[i].m), what);
	}
	/* the SRE's question: 1 % loss, keepcnt 4 -> 1.568e-7 per episode */
	struct rare_chain c = bern(0.01, 0.01, 4);
	struct false_abort fa;
	rare_false_abort(&c, &fa);
	expect_rel(fa.per_episode, 0.0199 * 0.0199 * 0.0199 * 0.0199, "1% x 4");
	cr_expect(fa.per_episode > 1.5682e-7 && fa.per_episode < 1.5683e-7);
}

Test(rare, per_day_and_year_from_the_mean_cycle)
{
	/* an episode answered by probe j (probability q^(j-1)(1-q)) lasts
	 * keepidle + (j-1) keepintvl + rtt; per day: 1 - (1-h)^(86400 / mean) */
	const double p = 0.2, q = 1 - 0.8 * 0.8;
	const unsigned m = 3;
	struct rare_chain c = bern(p, p, m);
	struct false_abort fa;
	rare_false_abort(&c, &fa);
	double num = 0, den = 0;
	for (unsigned j = 1; j <= m; j++) {
		double w = pow(q, j - 1) * (1 - q);
		num += w * (60 + (j - 1) * 10 + 0.02);
		den += w;
	}
	double mean = num / den, h = pow(q, m);
	expect_rel(fa.mean_cycle_s, mean, "mean cycle");
	expect_rel(fa.per_day, 1 - pow(1 - h, 86400 / mean), "per day");
	expect_rel(fa.per_year, 1 - pow(1 - h, 365 * 86400 / mean), "per year");
	/* no loss: exactly 0, a cycle of keepidle + rtt */
	c = bern(0, 0, 9);
	rare_false_abort(&c, &fa);
	cr_expect_eq(fa.per_episode, 0);
	cr_expect_eq(fa.per_year, 0);
	expect_rel(fa.mean_cycle_s, 60.02, "lossless cycle");
}

Test(rare, gilbert_elliott_closed_forms)
{
	/* memoryless chain: every segment is bad with ge_p whatever came before */
	const double gp = 0.3, l = 0.02, gl = 0.5;
	struct rare_chain c = bern(l, l, 4);
	c.probe.ge_p = c.reply.ge_p = gp;
	c.probe.ge_r = c.reply.ge_r = 1 - gp;
	c.probe.ge_loss = c.reply.ge_loss = gl;
	struct false_abort fa;
	rare_false_abort(&c, &fa);
	/* the first segment of each direction sees the state left by the previous
	 * one, which is bad with ge_p too (quasi-stationary start) */
	double eff = (1 - gp) * l + gp * gl, q = 1 - (1 - eff) * (1 - eff);
	cr_expect(fabs(fa.per_episode - pow(q, 4)) <= 1e-12 * pow(q, 4), "%.17g vs %.17g", fa.per_episode,
		  pow(q, 4));

	/* bursts on the probes' direction only: ge_p (1 - ge_r)^(M-1) */
	static const struct { double p, r; unsigned m; } b[] = { { 0.01, 0.5, 4 }, { 0.001, 0.1, 9 }, { 0.2, 0.9, 2 } };
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
		c = bern(0, 0, b[i].m);
		c.probe.ge_p = b[i].p;
		c.probe.ge_r = b[i].r;
		c.probe.ge_loss = 1;
		rare_false_abort(&c, &fa);
		double want = b[i].p * pow(1 - b[i].r, b[i].m - 1);
		cr_expect(fabs(fa.per_episode - want) <= 1e-12 * want, "burst case %zu: %.17g vs %.17g", i,
			  fa.per_episode, want);
	}
}

static struct scenario *sc_of(const char *text)
{
	struct diag d = { 0 };
	struct scenario *sc = scenario_parse_text("t.ini", text, "t", NULL, 0, &d);
	cr_assert_not_null(sc, "%s", d.n ? d.msg[0] : "");
	diag_free(&d);
	return sc;
}

Test(rare, chain_of_a_scenario)
{
	struct rare_chain c;
	const char *why;
	struct scenario *sc = sc_of("[A]\nso_keepalive = on\ntcp_keepidle = 60\ntcp_keepintvl = 10\ntcp_keepcnt = 4\n"
				    "[link]\ndelay = 10ms\nloss = 0.01\n");
	cr_assert(rare_chain_of(sc, HOST_A, &c, &why));
	cr_expect_eq(c.probes, 4);
	cr_expect_eq(c.probe.loss, 0.01);
	cr_expect_eq(c.reply.loss, 0.01);
	cr_expect_eq(c.idle_s, 60);
	cr_expect_eq(c.intvl_s, 10);
	expect_rel(c.rtt_s, 0.02, "rtt");
	cr_expect_not(rare_chain_of(sc, HOST_B, &c, &why));
	cr_expect_str_eq(why, "keepalive off");
	scenario_free(sc);

	/* TCP_USER_TIMEOUT: the abort at the first keepidle + k keepintvl >= U, k >= 1 */
	static const struct { unsigned ut_ms, m; } ut[] = { { 95000, 4 }, { 100000, 4 }, { 100001, 5 }, { 30000, 1 },
							       { 70000, 1 }, { 70001, 2 } };
	for (size_t i = 0; i < sizeof ut / sizeof ut[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "[A]\nso_keepalive = on\ntcp_keepidle = 60\ntcp_keepintvl = 10\n"
					    "tcp_user_timeout = %u\n", ut[i].ut_ms);
		sc = sc_of(text);
		cr_assert(rare_chain_of(sc, HOST_A, &c, &why));
		cr_expect_eq(c.probes, ut[i].m, "UT %u ms: %u probes, want %u", ut[i].ut_ms, c.probes, ut[i].m);
		scenario_free(sc);
	}

	/* where the model does not allow it */
	static const struct { const char *text, *why; } no[] = {
		{ "[A]\nso_keepalive = on\n[B]\nso_keepalive = on\n", "both ends probe" },
		{ "[A]\nso_keepalive = on\n[events]\n10s = send A 1\n", "the scenario has events" },
		{ "[A]\nso_keepalive = on\ntcp_keepintvl = 1\n[link]\ndelay = 500ms\n", "round trip >= keepintvl" },
		{ "[A]\nso_keepalive = on\n[link]\njitter = 1ms\n", "jitter" },
		{ "[A]\nos = freebsd\nso_keepalive = on\n", "not Linux's keepalive" },
		{ "[A]\nso_keepalive = on\n[B]\nheartbeat = custom\nheartbeat_interval = 30s\n", "application heartbeats" },
	};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		sc = sc_of(no[i].text);
		cr_expect_not(rare_chain_of(sc, HOST_A, &c, &why), "%s", no[i].text);
		cr_expect_str_eq(why ? why : "", no[i].why);
		scenario_free(sc);
	}
}
