/*
 * test_sweep.c - parameter sweeps: [sweep] parsing and its FILE:LINE errors,
 * run seeds, what a run measures against the closed forms, the
 * recommendation, and - by spawning the sanitised binary ($KASIM_BIN), so
 * that OpenMP never runs in this process - thread-count independence,
 * shard/merge byte identity and resume after a kill.
 *
 * No test uses Criterion's .timeout: with 2.4.1 each finished timed test
 * leaks 48 bytes in the runner, which LeakSanitizer reports. Every wait
 * here is bounded by itself.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <math.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "binrun.h"
#include "rng.h"
#include "sweep.h"
#include "tcp.h"
#include "textfile.h"

#define SEC KS_SEC
#define MS KS_MS

extern char **environ;

/* ---- helpers --------------------------------------------------------------- */

static char *dump(const struct diag *d)
{
	size_t len = 1;
	for (size_t i = 0; i < d->n; i++)
		len += strlen(d->msg[i]) + 1;
	char *out = calloc(1, len);
	for (size_t i = 0; i < d->n; i++) {
		strcat(out, d->msg[i]);
		strcat(out, "\n");
	}
	return out;
}

static struct sweep *sw_ok(const char *text)
{
	struct diag d = { 0 };
	struct sweep *sw = sweep_parse("t.ini", text, NULL, 0, &d);
	char *all = dump(&d);
	cr_assert_not_null(sw, "rejected:\n%s\n%s", text, all);
	cr_assert_eq(d.n, 0, "%s", all);
	free(all);
	diag_free(&d);
	return sw;
}

/* The text must be rejected with exactly this one message. */
static void sw_err(const char *text, const char *want)
{
	struct diag d = { 0 };
	struct sweep *sw = sweep_parse("t.ini", text, NULL, 0, &d);
	char *all = dump(&d);
	cr_expect_null(sw, "accepted:\n%s", text);
	cr_expect_eq(d.n, 1, "got %zu messages:\n%s", d.n, all);
	if (d.n)
		cr_expect_str_eq(d.msg[0], want);
	free(all);
	diag_free(&d);
	sweep_free(sw);
}

static void expect_values(const struct sweep_axis *ax, const char *const *want, size_t n)
{
	cr_assert_eq(ax->nvalues, n, "%s: %zu values, want %zu", ax->key, ax->nvalues, n);
	for (size_t i = 0; i < n; i++)
		cr_expect_str_eq(ax->values[i], want[i]);
}

#define HEAD "[scenario]\nduration = 1h\n[A]\nso_keepalive = on\ntcp_keepintvl = 10\n[sweep]\n"
/* line 7 is the first line after HEAD */

/* ---- parsing ------------------------------------------------------------------ */

Test(sweep_parse, ranges_lists_and_cartesian_order)
{
	struct sweep *sw = sw_ok(HEAD "A.tcp_keepidle = 30..120 step 30\n"
				      "link.delay = 0..30ms step 10ms\n"
				      "A.tcp_keepcnt = 1, 3..5 step 1, 9\n"
				      "A.tcp_user_timeout = 0.5s..1.5s step 0.5s\n"
				      "replicas = 3\n");
	static const char *const idle[] = { "30", "60", "90", "120" };
	static const char *const delay[] = { "0s", "10ms", "20ms", "30ms" };
	static const char *const cnt[] = { "1", "3", "4", "5", "9" };
	static const char *const ut[] = { "500ms", "1s", "1500ms" };
	static const uint32_t cnts[] = { 1, 3, 4, 5, 9 };

	cr_assert_eq(sw->naxes, 4);
	expect_values(&sw->axes[0], idle, 4);
	expect_values(&sw->axes[1], delay, 4);
	expect_values(&sw->axes[2], cnt, 5);
	expect_values(&sw->axes[3], ut, 3);
	cr_expect_eq(sw->axes[0].line, 7);
	cr_expect(sw->axes[0].setting);
	cr_expect(!sw->axes[1].setting);
	cr_expect_eq(sw->npoints, 4 * 4 * 5 * 3);
	cr_expect_eq(sw->nruns, 4 * 4 * 5 * 3 * 3);
	cr_expect_eq(sw->replicas, 3);
	/* the last axis varies fastest */
	for (size_t p = 0; p < sw->npoints; p++) {
		size_t i = p / 60, j = p / 15 % 4, k = p / 3 % 5, l = p % 3;
		cr_assert_eq(sweep_value_index(sw, p, 0), i);
		cr_assert_eq(sweep_value_index(sw, p, 1), j);
		cr_assert_eq(sweep_value_index(sw, p, 2), k);
		cr_assert_eq(sweep_value_index(sw, p, 3), l);
		const struct scenario *sc = sw->points[p];
		cr_assert_eq(sc->ep[HOST_A].tcp_keepidle, 30 * (i + 1));
		cr_assert_eq(sc->link.dir[HOST_A].delay, 10 * MS * j);
		cr_assert_eq(sc->ep[HOST_A].tcp_keepcnt, cnts[k]);
		cr_assert_eq(sc->ep[HOST_A].tcp_user_timeout, 500 * (l + 1));
		cr_assert_eq(sc->ep[HOST_A].tcp_keepintvl, 10); /* from the scenario part */
		cr_assert_eq(sc->duration, 3600 * SEC);
	}
	sweep_free(sw);
}

Test(sweep_parse, decimal_ranges_are_fixed_point_and_checked_by_the_key)
{
	/* 30, 30.5, 31: decimals are exact (no 30.499999), and the key decides */
	sw_err(HEAD "A.tcp_keepidle = 30.0..31 step 0.5\n",
	       "t.ini:7: A.tcp_keepidle: tcp_keepidle = 30.5 must be whole seconds "
	       "(1..32767 s; setsockopt(TCP_KEEPIDLE) returns EINVAL outside)");
	struct sweep *sw = sw_ok(HEAD "A.tcp_keepidle = 30.0..32 step 1.0\n");
	static const char *const want[] = { "30", "31", "32" };
	expect_values(&sw->axes[0], want, 3);
	sweep_free(sw);
}

Test(sweep_parse, defaults_and_objective)
{
	struct sweep *sw = sw_ok("[scenario]\nseed = 77\n[sweep]\n");
	cr_expect_eq(sw->naxes, 0);
	cr_expect_eq(sw->npoints, 1);
	cr_expect_eq(sw->replicas, 1);
	cr_expect_eq(sw->seed, 77);
	cr_expect_eq(sw->obj.max_loss, 1e-3);
	cr_expect_eq(sw->obj.max_detection, KS_TIME_NEVER);
	cr_expect_eq(sw->obj.stat, DET_P50);
	cr_expect_eq(sw->obj.prefer, PREFER_DETECTION);
	cr_expect_eq(sw->horizon, 86400 * SEC);
	sweep_free(sw);
	sw = sw_ok("[scenario]\nseed = 77\n[sweep]\nseed = 0x10\nmax_loss = 1e-2\nmax_detection = 15m\n"
		   "detection = p99\nprefer = overhead\nreplicas = 1000\n");
	cr_expect_eq(sw->seed, 16);
	cr_expect_eq(sw->obj.max_loss, 1e-2);
	cr_expect_eq(sw->obj.max_detection, 900 * SEC);
	cr_expect_eq(sw->obj.stat, DET_P99);
	cr_expect_eq(sw->obj.prefer, PREFER_OVERHEAD);
	cr_expect_eq(sw->replicas, 1000);
	sweep_free(sw);
}

Test(sweep_parse, sweep_section_is_not_a_scenario_error)
{
	/* scenario files still reject [sweep]; sweep files accept it */
	struct diag d = { 0 };
	struct scenario *s = scenario_parse_string("t.ini", "[sweep]\nreplicas = 2\n", NULL, 0, &d);
	cr_expect_null(s);
	cr_assert_eq(d.n, 1);
	scenario_free(s);
	diag_free(&d);
	struct sweep *sw = sw_ok("[sweep]\nreplicas = 2\n");
	sweep_free(sw);
}

Test(sweep_parse, seed_and_sets_change_the_hash)
{
	struct diag d = { 0 };
	const char *text = HEAD "A.tcp_keepidle = 30, 60\n";
	const char *set[] = { "link.delay=5ms" };
	struct sweep *a = sweep_parse("t.ini", text, NULL, 0, &d), *b = sweep_parse("t.ini", text, set, 1, &d),
		     *c = sweep_parse("t.ini", text, NULL, 0, &d);
	cr_assert(a && b && c);
	cr_expect_neq(a->hash, b->hash);
	cr_expect_eq(a->hash, c->hash);
	cr_expect_eq(b->points[1]->link.dir[HOST_A].delay, 5 * MS);
	sweep_free(a);
	sweep_free(b);
	sweep_free(c);
	diag_free(&d);
}

/* ---- errors ----------------------------------------------------------------- */

#define RANGE_HELP "a range is FROM..TO step STEP, e.g. 30..1200 step 30, 1m..20m step 30s or 0..0.05 step 0.01"

Test(sweep_errors, bad_ranges)
{
	sw_err(HEAD "A.tcp_keepidle = 30..120 step 0\n",
	       "t.ini:7: A.tcp_keepidle: step 0 must be more than 0 (" RANGE_HELP ")");
	sw_err(HEAD "\nA.tcp_keepidle = 120..30 step 30\n",
	       "t.ini:8: A.tcp_keepidle: range 120..30 ends before it starts (FROM <= TO)");
	sw_err(HEAD "A.tcp_keepidle = 30..120\n",
	       "t.ini:7: A.tcp_keepidle: '30..120' is not a range (" RANGE_HELP ")");
	sw_err(HEAD "A.tcp_keepidle = 30..120 by 30\n",
	       "t.ini:7: A.tcp_keepidle: '30..120' is not a range (" RANGE_HELP ")");
	sw_err(HEAD "A.tcp_keepidle = 30..1x2 step 30\n",
	       "t.ini:7: A.tcp_keepidle: '1x2' is not a duration (" RANGE_HELP ")");
	sw_err(HEAD "A.tcp_keepidle = 3a0..120 step 30\n",
	       "t.ini:7: A.tcp_keepidle: '3a0' is not a duration (" RANGE_HELP ")");
	sw_err(HEAD "A.tcp_keepidle = 1..1000000 step 1\n",
	       "t.ini:7: A.tcp_keepidle: range 1..1000000 step 1 has more than 100000 values (at most 100000 per axis)");
	sw_err(HEAD "A.tcp_keepidle = 30,,60\n", "t.ini:7: A.tcp_keepidle: empty value in the list (a list is 'x, y, z')");
}

Test(sweep_errors, values_are_checked_by_the_scenario_parser)
{
	sw_err(HEAD "A.tcp_keepidle = 0..60 step 30\n",
	       "t.ini:7: A.tcp_keepidle: tcp_keepidle = 0 is out of range "
	       "(1..32767 s; setsockopt(TCP_KEEPIDLE) returns EINVAL outside)");
	sw_err(HEAD "A.tcp_keepidel = 30, 60\n",
	       "t.ini:7: A.tcp_keepidel: unknown key 'tcp_keepidel' in [A] (did you mean 'tcp_keepidle'?)");
	sw_err(HEAD "lnk.delay = 30ms\n", "t.ini:7: lnk.delay: unknown section [lnk] (did you mean [link]?)");
	sw_err(HEAD "link.delay = 0..2d step 1d\n",
	       "t.ini:7: link.delay: delay = 172800s is out of range (0..1d)");
	sw_err(HEAD "A.so_keepalive = on, maybe\n",
	       "t.ini:7: A.so_keepalive: so_keepalive = maybe is not a boolean (on/off, yes/no, true/false or 1/0)");
}

/*
 * One did-you-mean (diag_suggest) for scenario and sweep keys: a swap of two
 * neighbouring letters costs 1, so a typo gets the same suggestion in a
 * [scenario] key (scenario parser) and in a [sweep] key (sweep parser) of
 * the same file. Two swaps in an 8-letter key are still close.
 */
Test(sweep_errors, swapped_letters_same_suggestion_as_scenario)
{
	static const struct { const char *typo, *want; } cases[] = {
		{ "sede", "seed" },         /* "seed" is a key of both sections */
		{ "esed", "seed" },
		{ "rpelicsa", "replicas" }, /* two swaps */
		{ "max_lsos", "max_loss" },
		{ "max_lsox", "max_loss" }, /* a swap and a wrong letter */
	};
	const char *sweep_keys[] = { "replicas", "seed", "max_loss", "max_detection", "detection",
				     "prefer", "zip" };
	const char *scen_keys[] = { "name", "description", "duration", "seed", "timer", "hz",
				    "jiffies", "jiffies_phase" };
	char text[512], want[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(text, sizeof text, HEAD "%s = 3\n", cases[i].typo);
		snprintf(want, sizeof want, "t.ini:7: unknown key '%s' in [sweep] (did you mean '%s'?)",
			 cases[i].typo, cases[i].want);
		sw_err(text, want);
		cr_expect_str_eq(diag_suggest(cases[i].typo, sweep_keys, 7), cases[i].want);
	}
	/* the same typo of "seed" in [scenario], in the same kind of file */
	sw_err("[scenario]\nsede = 3\n[sweep]\nA.tcp_keepidle = 30\n",
	       "t.ini:2: unknown key 'sede' in [scenario] (did you mean 'seed'?)");
	cr_expect_str_eq(diag_suggest("sede", scen_keys, 8), "seed");
	/* two swaps in a scenario key, like "rpelicsa" above */
	sw_err("[scenario]\nudraiton = 3\n[sweep]\nA.tcp_keepidle = 30\n",
	       "t.ini:2: unknown key 'udraiton' in [scenario] (did you mean 'duration'?)");
}

Test(sweep_errors, keys)
{
	sw_err(HEAD "replica = 3\n", "t.ini:7: unknown key 'replica' in [sweep] (did you mean 'replicas'?)");
	sw_err(HEAD "frobnicate = 3\n",
	       "t.ini:7: unknown key 'frobnicate' in [sweep] (valid keys: replicas, seed, max_loss, max_detection, "
	       "detection, prefer, zip, compact, or an axis SECTION.KEY such as A.tcp_keepidle)");
	sw_err(HEAD "compact = maybe\n",
	       "t.ini:7: compact = maybe is not valid (yes: per-point statistics only, no results.csv; or no)");
	sw_err(HEAD "replicas = 0\n", "t.ini:7: replicas = 0 is not valid (an integer, 1..1000000)");
	sw_err(HEAD "replicas = 2\nreplicas = 3\n", "t.ini:8: duplicate key 'replicas' (first set at line 7)");
	sw_err(HEAD "A.tcp_keepidle = 30\n\nA.tcp_keepidle = 60\n",
	       "t.ini:9: duplicate axis 'A.tcp_keepidle' (first set at line 7)");
	sw_err(HEAD "max_loss = 2\n", "t.ini:7: max_loss = 2 is not valid (a probability, 0..1, e.g. 0.001 or 1e-3)");
	sw_err(HEAD "detection = p42\n", "t.ini:7: detection = p42 is not valid (p50, p90, p99 or max)");
	sw_err(HEAD "prefer = speed\n", "t.ini:7: prefer = speed is not valid (detection or overhead)");
	sw_err(HEAD "max_detection = soon\n",
	       "t.ini:7: max_detection = soon is not valid (a duration more than 0, e.g. 15m, or none)");
	sw_err(HEAD "seed = -1\n", "t.ini:7: seed = -1 is not valid (unsigned 64-bit integer, decimal or 0x hex)");
	sw_err(HEAD "scenario.seed = 1, 2\n",
	       "t.ini:7: scenario.seed cannot be an axis (every run's seed derives from [sweep] seed and the run "
	       "index; use replicas for repetitions)");
	sw_err(HEAD ".x = 1\n", "t.ini:7: '.x' is not an axis (an axis is SECTION.KEY, e.g. A.tcp_keepidle)");
	sw_err(HEAD "A.tcp_keepidle =\n",
	       "t.ini:7: A.tcp_keepidle has no values (a list 'x, y, z' or " RANGE_HELP ")");
}

Test(sweep_errors, scenario_part_and_all_errors_reported)
{
	struct diag d = { 0 };
	struct sweep *sw = sweep_parse("t.ini", "[A]\ntcp_keepidle = 0\n[sweep]\nreplicas = 0\n", NULL, 0, &d);
	char *all = dump(&d);
	cr_expect_null(sw);
	cr_assert_eq(d.n, 2, "%s", all);
	cr_expect_str_eq(d.msg[0], "t.ini:4: replicas = 0 is not valid (an integer, 1..1000000)");
	cr_expect_str_eq(d.msg[1], "t.ini:2: tcp_keepidle = 0 is out of range "
				   "(1..32767 s; setsockopt(TCP_KEEPIDLE) returns EINVAL outside)");
	free(all);
	diag_free(&d);
	/* each value alone is fine, together they clash: the point is named */
	sw_err("[sweep]\nA.addr = 192.0.2.1:1, 192.0.2.2:1\nB.addr = 192.0.2.2:1\n",
	       "t.ini:3: point 1 (A.addr=192.0.2.2:1, B.addr=192.0.2.2:1): addr = 192.0.2.2:1 is A's address "
	       "and port too (A and B must differ)");
	sw_err("[A]\naddr = 192.0.2.1:1\n[sweep]\nB.addr = 192.0.2.1:1, 192.0.2.2:1\n",
	       "t.ini:4: B.addr: addr = 192.0.2.1:1 is A's address and port too (A and B must differ)");
}

static bool same_result(const struct run_result *a, const struct run_result *b)
{
	return a->run == b->run && a->seed == b->seed && a->lost == b->lost && a->end == b->end &&
	       a->end_host == b->end_host && a->err == b->err && a->lost_at == b->lost_at &&
	       !memcmp(a->fail_at, b->fail_at, sizeof a->fail_at) && !memcmp(a->detect, b->detect, sizeof a->detect) &&
	       !memcmp(a->det_end, b->det_end, sizeof a->det_end) &&
	       a->probes == b->probes && a->segments == b->segments && a->bytes == b->bytes &&
	       a->events == b->events && a->nat_expired == b->nat_expired && a->nat_evicted == b->nat_evicted;
}

/* ---- seeds ------------------------------------------------------------------- */

Test(sweep_seeds, pure_function_of_seed_and_index)
{
	for (uint64_t r = 0; r < 100; r++) {
		uint64_t x = r, m = 42 ^ splitmix64(&x);
		cr_assert_eq(sweep_run_seed(42, r), splitmix64(&m));
		cr_assert_neq(sweep_run_seed(42, r), sweep_run_seed(42, r + 1));
		cr_assert_neq(sweep_run_seed(42, r), sweep_run_seed(43, r));
	}
}

Test(sweep_seeds, a_run_does_not_depend_on_order)
{
	struct sweep *sw = sw_ok(HEAD "A.tcp_keepidle = 30, 60\nreplicas = 4\n");
	struct run_result fwd[8], bwd[8];
	for (uint64_t r = 0; r < 8; r++)
		sweep_run_one(sw, r, &fwd[r]);
	for (uint64_t r = 8; r-- > 0;)
		sweep_run_one(sw, r, &bwd[r]);
	for (uint64_t r = 0; r < 8; r++) {
		cr_assert(same_result(&fwd[r], &bwd[r]), "run %llu", (unsigned long long)r);
		cr_assert_eq(fwd[r].seed, sweep_run_seed(sw->seed, r));
	}
	/* common random numbers: replica k fails at the same phase at every point */
	for (uint64_t k = 0; k < 4; k++) {
		ks_time_t c0 = 30 * SEC, c1 = 60 * SEC;
		double u0 = (double)(fwd[k].fail_at[HOST_A] - c0) / c0, u1 = (double)(fwd[4 + k].fail_at[HOST_A] - c1) / c1;
		cr_expect(u0 - u1 < 1e-9 && u1 - u0 < 1e-9, "replica %llu: %g vs %g", (unsigned long long)k, u0, u1);
	}
	sweep_free(sw);
}

/* ---- one run against the closed forms (no loss, exact timers) ------------------------ */

Test(sweep_run, survival_overhead_and_detection_closed_forms)
{
	static const struct { unsigned idle, intvl, cnt; unsigned delay_ms; } cases[] = {
		{ 60, 10, 3, 10 }, { 7200, 75, 9, 0 }, { 30, 5, 4, 25 }, { 1200, 30, 5, 100 }, { 45, 1, 1, 1 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		char text[512];
		snprintf(text, sizeof text,
			 "[scenario]\ntimer = exact\nduration = 1d\nseed = 9\n[A]\nso_keepalive = on\ntcp_keepidle = %u\n"
			 "tcp_keepintvl = %u\ntcp_keepcnt = %u\n[link]\ndelay = %ums\n[sweep]\nreplicas = 20\n",
			 cases[c].idle, cases[c].intvl, cases[c].cnt, cases[c].delay_ms);
		struct sweep *sw = sw_ok(text);
		const ks_time_t H = 86400 * SEC, I = cases[c].idle * SEC, V = cases[c].intvl * SEC,
				d = cases[c].delay_ms * MS, C = I + 2 * d;
		const uint64_t N = cases[c].cnt;
		/* probes at 2d + I + kC (k >= 0), each answered 2d later */
		uint64_t probes = H > 2 * d + I ? (H - 1 - 2 * d - I) / C + 1 : 0;
		ks_time_t last = 2 * d + I + (probes - 1) * C;
		uint64_t segs = 3 + 2 * probes - (last + d > H - 1 ? 1 : 0);
		for (uint64_t r = 0; r < sw->nruns; r++) {
			struct run_result x;
			sweep_run_one(sw, r, &x);
			cr_assert(!x.lost, "case %zu run %llu lost", c, (unsigned long long)r);
			cr_assert_eq(x.lost_at, KS_TIME_NEVER);
			cr_assert_eq(x.end_host, -1);
			cr_assert_eq(x.probes, probes, "case %zu: %u probes, want %llu", c, x.probes,
				     (unsigned long long)probes);
			cr_assert_eq(x.segments, segs, "case %zu: %llu segments, want %llu", c,
				     (unsigned long long)x.segments, (unsigned long long)segs);
			cr_assert_eq(x.bytes, 40 * segs);
			/* B loses power at fail in [C, 2C); the last answer A got came
			 * 2d after the last probe that reached B before that */
			cr_assert(x.fail_at[HOST_A] >= C && x.fail_at[HOST_A] < 2 * C);
			ks_time_t last_rx = 2 * d;
			for (ks_time_t p = 2 * d + I; p + d <= x.fail_at[HOST_A]; p += C)
				last_rx = p + 2 * d;
			cr_assert_eq(x.det_end[HOST_A], END_KEEPALIVE);
			cr_assert_eq(x.detect[HOST_A], last_rx + I + N * V - x.fail_at[HOST_A],
				     "case %zu run %llu: detection %llu, want %llu", c, (unsigned long long)r,
				     (unsigned long long)x.detect[HOST_A],
				     (unsigned long long)(last_rx + I + N * V - x.fail_at[HOST_A]));
			/* and so within (I + N V - C, I + N V] */
			cr_assert(x.detect[HOST_A] <= I + N * V && x.detect[HOST_A] + C > I + N * V);
		}
		sweep_free(sw);
	}
}

Test(sweep_run, keepalive_off_detects_nothing_and_a_dead_peer_loses)
{
	struct sweep *sw = sw_ok("[scenario]\nduration = 1h\n[A]\nso_keepalive = off\n[events]\n10m = crash B\n"
				 "[sweep]\nreplicas = 2\n");
	struct run_result x;
	sweep_run_one(sw, 0, &x);
	/* phase 1: the first end is B's, at its crash (A would only find out
	 * when its byte at 1 h times out) */
	cr_expect(x.lost);
	cr_expect_eq(x.end, END_CRASH);
	cr_expect_eq(x.end_host, HOST_B);
	cr_expect_eq(x.err, 0);
	cr_expect_eq(x.lost_at, 600 * SEC);
	/* phase 2: B also crashes at fail_at, but A never probes */
	cr_expect_eq(x.detect[HOST_A], KS_TIME_NEVER);
	sweep_free(sw);
}

/* ---- outputs in-process (serial: no OpenMP here) ---------------------------------- */

static char *slurp_in(const char *dir, const char *name)
{
	char *p = sweep_path(dir, name);
	struct textfile_info in;
	char *s = textfile_load(p, SIZE_MAX, &in);
	cr_assert_not_null(s, "cannot read %s", p);
	free(p);
	return s;
}

static void run_all_serial(const struct sweep *sw, const char *dir)
{
	struct run_result *res = calloc(sw->nruns, sizeof(*res));
	for (uint64_t r = 0; r < sw->nruns; r++)
		sweep_run_one(sw, r, &res[r]);
	FILE *devnull = fopen("/dev/null", "w");
	cr_assert_eq(sweep_write_outputs(sw, res, dir, false, devnull), 0);
	fclose(devnull);
	free(res);
}

/* The recommendation row for the (only) group: "A keepidle  A keepintvl  A keepcnt". */
static void expect_recommended(const char *rec, const char *row_start)
{
	const char *t = strstr(rec, "\nA keepidle");
	cr_assert_not_null(t, "%s", rec);
	const char *row = strchr(t + 1, '\n');
	cr_assert_not_null(row);
	cr_expect_eq(strncmp(row + 1, row_start, strlen(row_start)), 0, "want a row starting '%s' in:\n%s",
		     row_start, rec);
}

Test(sweep_out, recommendation_follows_the_objective)
{
	/* no middlebox, no loss: nothing is lost; detection grows with keepidle,
	 * overhead shrinks: prefer = detection takes the shortest keepidle,
	 * prefer = overhead the longest, max_detection bounds it */
	const char *base = "[scenario]\ntimer = exact\nduration = 6h\n[A]\nso_keepalive = on\ntcp_keepintvl = 10\ntcp_keepcnt = 3\n"
			   "[sweep]\nA.tcp_keepidle = 60..600 step 60\nreplicas = 4\n";
	char text[1024];
	char *dir = make_tmpdir();

	struct sweep *sw = sw_ok(base);
	run_all_serial(sw, dir);
	char *rec = slurp_in(dir, "recommendation.txt");
	expect_recommended(rec, "60 s        10 s         3         | 0.0000 (0/4)");
	cr_expect_not_null(strstr(rec, "shortest detection of the 10 of 10 settings with P(loss) <= 0.001"), "%s", rec);
	free(rec);
	sweep_free(sw);

	snprintf(text, sizeof text, "%sprefer = overhead\n", base);
	sw = sw_ok(text);
	run_all_serial(sw, dir);
	rec = slurp_in(dir, "recommendation.txt");
	expect_recommended(rec, "600 s       10 s         3         | 0.0000 (0/4)");
	free(rec);
	sweep_free(sw);

	/* max detection <= 5 min, prefer overhead: the longest keepidle whose
	 * worst detection is <= 300 s. With d = 0 run k of keepidle I detects
	 * after I + N V - u_k I (u_k: the failure's phase, the same at every
	 * point), so the answer is the largest I with I + 30 - min(u) I <= 300. */
	snprintf(text, sizeof text, "%sprefer = overhead\nmax_detection = 5m\ndetection = max\n", base);
	sw = sw_ok(text);
	run_all_serial(sw, dir);
	rec = slurp_in(dir, "recommendation.txt");
	unsigned want_idle = 0;
	for (size_t p = 0; p < sw->npoints; p++) {
		ks_time_t I = (60 + 60 * p) * SEC, worst = 0;
		for (uint32_t k = 0; k < sw->replicas; k++) {
			struct run_result x;
			sweep_run_one(sw, p * sw->replicas + k, &x);
			ks_time_t det = I + I + 30 * SEC - x.fail_at[HOST_A]; /* last answer at C = I */
			cr_assert_eq(x.detect[HOST_A], det);
			if (det > worst)
				worst = det;
		}
		if (worst <= 300 * SEC)
			want_idle = (unsigned)(I / SEC);
	}
	/* the failures' phases u_k are seeded draws: pinned (min(u) makes
	 * keepidle 300 s the largest within 5 min) */
	cr_assert_eq(want_idle, 300);
	char row[128];
	snprintf(row, sizeof row, "%u s", want_idle);
	snprintf(row + strlen(row), sizeof row - strlen(row), "%*s10 s         3         | 0.0000 (0/4)",
		 (int)(12 - strlen(row)), "");
	expect_recommended(rec, row);
	/* summary row of keepidle 240: 0 of 4 lost, Wilson upper bound z^2/(n+z^2) */
	char *sum = slurp_in(dir, "summary.csv");
	const double z2 = 1.959963984540054 * 1.959963984540054;
	char srow[128];
	snprintf(srow, sizeof srow, "\n3,240,on,240,10,3,4,0,0.000000,0.000000,%.6f,4,", z2 / (4 + z2));
	cr_expect_not_null(strstr(sum, srow), "%s not in\n%s", srow, sum);
	free(sum);
	free(rec);
	sweep_free(sw);
	rm_rf(dir);
	free(dir);
}

Test(sweep_out, journal_lines_round_trip)
{
	struct run_result r = { .run = 12345, .seed = 0xfedcba9876543210ULL, .lost = true, .end = END_RESET,
				.end_host = HOST_B, .err = KS_ECONNRESET, .lost_at = 7 * SEC + 1,
				.fail_at = { 61 * SEC, KS_TIME_NEVER }, .detect = { KS_TIME_NEVER, 7 * SEC }, .det_end = { END_NONE, END_KEEPALIVE }, .probes = 9,
				.segments = 21, .bytes = 840, .events = 99, .nat_expired = 2, .nat_evicted = 1 },
			  back;
	char line[256];
	run_record_format(line, sizeof line, &r);
	/* A's detection phase, then the counters, then B's (fields 17-19) */
	cr_assert_str_eq(line, "12345 fedcba9876543210 1 5 1 104 7000000001 61000000000 - 0 9 21 840 99 2 1 - 7000000000 1");
	cr_assert(run_record_parse(line, &back));
	cr_assert(same_result(&r, &back));
	/* the journal line: the record and its CRC-32C (computed independently) */
	journal_format(line, sizeof line, &r);
	cr_assert_str_eq(line, "12345 fedcba9876543210 1 5 1 104 7000000001 61000000000 - 0 9 21 840 99 2 1 - 7000000000 1 "
			       "7804ca54");
	cr_assert_eq(journal_parse(line, &back), JOURNAL_OK);
	cr_assert(same_result(&r, &back));
	r.end_host = -1;
	journal_format(line, sizeof line, &r);
	cr_assert_eq(journal_parse(line, &back), JOURNAL_OK);
	cr_assert_eq(back.end_host, -1);
	cr_assert_not(run_record_parse("12345 fedcba9876543210 1 5 1 104 7000000001 61000000000 - 0 9 21 840", &back));
	cr_assert_not(run_record_parse("12345 fedcba9876543210 1 5 1 104 7000000001 61000000000 - 0 9 21 840 99 1",
				       &back));
	/* a record of the 16-field format (before B's detection phase) is refused */
	cr_assert_not(run_record_parse("12345 fedcba9876543210 1 5 1 104 7000000001 61000000000 - 0 9 21 840 99 2 1",
				       &back));
	cr_assert_not(run_record_parse("12345 fedcba9876543210 1 5 1 104 70000x0001 61000000000 - 0 9 21 840 99",
				       &back));
}

/* ---- the binary: threads, shards, merge, resume ----------------------------------- */

static const char *root(void)
{
	const char *r = getenv("KASIM_ROOT");
	return r ? r : ".";
}

/* Start kasim with args (NULL-terminated) and OMP_NUM_THREADS=threads (0 =
 * unset: OpenMP's default). */
static void start_kasim(struct proc *p, const char *const *args, int threads)
{
	const char *argv[32];
	size_t n = 0;
	argv[n++] = "kasim";
	for (; *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	char tbuf[32];
	SNP(tbuf, "OMP_NUM_THREADS=%d", threads);
	const char *env[] = {threads ? tbuf : "OMP_NUM_THREADS", NULL};
	proc_start(p, NULL, argv, &(struct cmd_opts){.env = env});
}

/* Run kasim so; its exit status (it must not die of a signal); its stderr
 * into errfile (if not NULL). */
static int kasim(const char *const *args, int threads, const char *errfile)
{
	struct proc p;
	start_kasim(&p, args, threads);
	struct cmd c = proc_wait(&p);
	cr_assert_eq(c.signal, 0, "kasim died (signal %d)", c.signal);
	if (errfile)
		write_file(errfile, c.err);
	int st = c.status;
	cmd_free(&c);
	return st;
}

/* The final files of two sweep directories are byte-identical. */
static void expect_same_outputs(const char *a, const char *b)
{
	static const char *const files[] = {
		"results.csv", "summary.csv", "recommendation.txt", "plots/survival.dat", "plots/survival.gp",
		"plots/detection.dat", "plots/detection.gp", "plots/tradeoff.dat", "plots/tradeoff.gp",
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *x = slurp_in(a, files[i]), *y = slurp_in(b, files[i]);
		cr_expect(strcmp(x, y) == 0, "%s differs between %s and %s", files[i], a, b);
		free(x);
		free(y);
	}
}

/* A sweep of 3 x 2 points x 5 replicas = 30 runs. B crashes at 1h50m, so
 * every connection is lost, by keepalive (short keepidle) or by the byte A
 * sends at 2 h (keepidle 6000 s: the RTO gives up). */
static const char small_sweep[] =
	"[scenario]\nname = small\nduration = 2h\nseed = 5\n"
	"[A]\nso_keepalive = on\ntcp_keepintvl = 5\ntcp_keepcnt = 2\n"
	"[link]\ndelay = 5ms\n[events]\n1h50m = crash B\n"
	"[sweep]\nA.tcp_keepidle = 60, 600, 6000\nlink.delay = 1ms, 40ms\nreplicas = 5\n";

Test(sweep_bin, thread_count_does_not_change_a_byte)
{
	char *dir = make_tmpdir(), *file = sweep_path(dir, "s.ini"), *o1 = sweep_path(dir, "t1"),
	     *o2 = sweep_path(dir, "t2");
	write_file(file, small_sweep);
	const char *a1[] = { "sweep", file, "-o", o1, "--no-render", NULL };
	const char *a2[] = { "sweep", file, "-o", o2, "--no-render", "-j", "2", NULL };
	cr_assert_eq(kasim(a1, 1, NULL), 0);
	cr_assert_eq(kasim(a2, 0, NULL), 0);
	expect_same_outputs(o1, o2);
	char *res = slurp_in(o1, "results.csv");
	size_t lines = 0;
	for (char *p = res; *p; p++)
		lines += *p == '\n';
	cr_expect_eq(lines, 1 + 30);
	free(res);
	rm_rf(dir);
	free(dir);
	free(file);
	free(o1);
	free(o2);
}

Test(sweep_bin, shards_merge_into_the_unsharded_bytes)
{
	char *dir = make_tmpdir(), *file = sweep_path(dir, "s.ini"), *all = sweep_path(dir, "all"),
	     *merged = sweep_path(dir, "merged"), *err = sweep_path(dir, "err");
	char *sh[4];
	write_file(file, small_sweep);
	const char *a[] = { "sweep", file, "-o", all, "--no-render", NULL };
	cr_assert_eq(kasim(a, 2, NULL), 0);
	for (int i = 0; i < 4; i++) {
		char name[16], spec[16];
		snprintf(name, sizeof name, "s%d", i);
		snprintf(spec, sizeof spec, "%d/4", i);
		sh[i] = sweep_path(dir, name);
		const char *as[] = { "sweep", file, "--shard", spec, "-o", sh[i], "--no-render", NULL };
		cr_assert_eq(kasim(as, 2, NULL), 0);
		/* a shard holds its runs only: r % 4 == i */
		char *part = slurp_in(sh[i], "results-partial.csv");
		for (char *l = part; *l; l = strchr(l, '\n') + 1)
			cr_assert_eq(strtoull(l, NULL, 10) % 4, (unsigned long long)i);
		free(part);
	}
	const char *m[] = { "merge", sh[2], sh[0], sh[3], sh[1], "-o", merged, "--no-render", NULL };
	cr_assert_eq(kasim(m, 0, err), 0);
	expect_same_outputs(all, merged);

	/* a gap, a duplicate, another sweep: refused, nothing written */
	char *bad = sweep_path(dir, "bad");
	const char *gap[] = { "merge", sh[0], sh[1], sh[3], "-o", bad, NULL };
	cr_expect_eq(kasim(gap, 0, err), 2);
	char *msg = slurp_in(dir, "err");
	cr_expect_str_eq(msg, "kasim: shard 2/4 is missing (its runs r with r % 4 = 2 are a gap)\n");
	free(msg);
	const char *dup[] = { "merge", sh[0], sh[1], sh[2], sh[3], sh[1], "-o", bad, NULL };
	cr_expect_eq(kasim(dup, 0, err), 2);
	msg = slurp_in(dir, "err");
	cr_expect(strstr(msg, "shard 1/4 is given twice") != NULL, "%s", msg);
	free(msg);
	char *other = sweep_path(dir, "other"), *file2 = sweep_path(dir, "s2.ini");
	write_file(file2, "[sweep]\nA.tcp_keepidle = 60, 61\n");
	const char *ao[] = { "sweep", file2, "--shard", "2/4", "-o", other, "--no-render", NULL };
	cr_assert_eq(kasim(ao, 0, NULL), 0);
	const char *mix[] = { "merge", sh[0], sh[1], other, sh[3], "-o", bad, NULL };
	cr_expect_eq(kasim(mix, 0, err), 2);
	msg = slurp_in(dir, "err");
	cr_expect(strstr(msg, "is from another sweep or sharding") != NULL, "%s", msg);
	free(msg);
	/* a damaged partial: a duplicated line */
	char *pp = sweep_path(sh[3], "results-partial.csv");
	char *part = slurp_in(sh[3], "results-partial.csv");
	FILE *f = fopen(pp, "a");
	fwrite(part, 1, strcspn(part, "\n") + 1, f);
	fclose(f);
	cr_expect_eq(kasim(m, 0, err), 2);
	msg = slurp_in(dir, "err");
	cr_expect(strstr(msg, "appears twice") != NULL, "%s", msg);
	free(msg);
	free(part);
	free(pp);
	struct stat st;
	cr_expect(stat(bad, &st) != 0, "a failed merge created %s", bad);
	rm_rf(dir);
	for (int i = 0; i < 4; i++)
		free(sh[i]);
	free(dir);
	free(file);
	free(file2);
	free(all);
	free(merged);
	free(err);
	free(bad);
	free(other);
}

static size_t count_lines(const char *path)
{
	size_t n = 0;
	struct textfile_info in;
	char *s = textfile_load(path, SIZE_MAX, &in);
	if (!s)
		return 0;
	for (size_t i = 0; i < in.len; i++)
		n += s[i] == '\n';
	free(s);
	return n;
}

Test(sweep_bin, resume_after_a_kill_gives_the_same_files)
{
	/* 400 runs of a day of 5 s probes (~52,000 events each): seconds under
	 * ASan, long enough to be killed halfway */
	char *dir = make_tmpdir(), *file = sweep_path(dir, "s.ini"), *full = sweep_path(dir, "full"),
	     *cut = sweep_path(dir, "cut");
	write_file(file, "[scenario]\nduration = 1d\nseed = 3\n[A]\nso_keepalive = on\ntcp_keepintvl = 5\n"
			 "[link]\ndelay = 2ms\n[sweep]\nA.tcp_keepidle = 5..50 step 5\nA.tcp_keepcnt = 1, 2, 4, 8\n"
			 "replicas = 10\n");
	const char *a_full[] = { "sweep", file, "-o", full, "--no-render", NULL };
	const char *a_cut[] = { "sweep", file, "-o", cut, "--no-render", NULL };
	const char *a_res[] = { "sweep", file, "-o", cut, "--no-render", "--resume", NULL };

	struct proc p;
	start_kasim(&p, a_cut, 2);
	char *journal = sweep_path(cut, "runs.journal");
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	for (int i = 0; i < 30000 && count_lines(journal) < 40; i++)
		nanosleep(&ts, NULL);
	kill(p.pid, SIGKILL);
	struct cmd c = proc_wait(&p);
	size_t have = count_lines(journal);
	cr_assert_eq(c.signal, SIGKILL, "the sweep finished before it could be killed (%zu runs)", have);
	cmd_free(&c);
	cr_assert_gt(have, 0);
	cr_assert_lt(have, 400, "nothing left to resume");
	struct stat sb;
	cr_expect(stat(cut, &sb) == 0);
	char *res_csv = sweep_path(cut, "results.csv");
	cr_expect(stat(res_csv, &sb) != 0, "results.csv exists before the sweep finished");
	/* a torn last line, as from a crash in the middle of a write */
	FILE *f = fopen(journal, "a");
	fputs("399 00000000", f);
	fclose(f);

	/* without --resume: refused */
	cr_expect_eq(kasim(a_cut, 2, NULL), 2);
	cr_assert_eq(kasim(a_res, 2, NULL), 0);
	cr_assert_eq(count_lines(journal), 400);
	cr_assert_eq(kasim(a_full, 2, NULL), 0);
	expect_same_outputs(full, cut);
	/* resuming a finished sweep runs nothing and rewrites the same files */
	cr_assert_eq(kasim(a_res, 1, NULL), 0);
	expect_same_outputs(full, cut);
	rm_rf(dir);
	free(res_csv);
	free(journal);
	free(dir);
	free(file);
	free(full);
	free(cut);
}

Test(sweep_bin, bad_sweep_files_exit_2_and_write_nothing)
{
	char *dir = make_tmpdir(), *file = sweep_path(dir, "bad.ini"), *out = sweep_path(dir, "out"),
	     *err = sweep_path(dir, "err");
	write_file(file, "[A]\nso_keepalive = on\n[sweep]\nA.tcp_keepidle = 30..10 step 5\nreplicas = many\n");
	const char *a[] = { "sweep", file, "-o", out, NULL };
	cr_expect_eq(kasim(a, 0, err), 2);
	char *msg = slurp_in(dir, "err");
	char want[1024];
	snprintf(want, sizeof want,
		 "kasim: %s:4: A.tcp_keepidle: range 30..10 ends before it starts (FROM <= TO)\n"
		 "kasim: %s:5: replicas = many is not valid (an integer, 1..1000000)\n", file, file);
	cr_expect_str_eq(msg, want);
	free(msg);
	struct stat st;
	cr_expect(stat(out, &st) != 0, "a rejected sweep created %s", out);
	const char *noout[] = { "sweep", file, NULL };
	cr_expect_eq(kasim(noout, 0, NULL), 2);
	const char *badshard[] = { "sweep", file, "--shard", "4/4", "-o", out, NULL };
	cr_expect_eq(kasim(badshard, 0, err), 2);
	msg = slurp_in(dir, "err");
	cr_expect_str_eq(msg, "kasim sweep: --shard wants I/N with 0 <= I < N: 4/4\n"
			      "Try 'kasim sweep --help' for more information.\n");
	free(msg);
	/* --resume into a directory of another sweep */
	char *good = sweep_path(dir, "good.ini");
	write_file(good, "[sweep]\nA.tcp_keepidle = 60\n");
	const char *g1[] = { "sweep", good, "-o", out, "--no-render", NULL };
	const char *g2[] = { "sweep", good, "-o", out, "--no-render", "--resume", "--set", "link.delay=1ms", NULL };
	cr_assert_eq(kasim(g1, 0, NULL), 0);
	cr_expect_eq(kasim(g2, 0, err), 2);
	msg = slurp_in(dir, "err");
	cr_expect(strstr(msg, "holds another sweep or shard") != NULL, "%s", msg);
	free(msg);
	rm_rf(dir);
	free(dir);
	free(file);
	free(good);
	free(out);
	free(err);
}

/* A number that does not fit 64 bits is an error (number.h's parser), never
 * saturated: "--shard 0/18446744073709551616" once ran shard 0 of 2^64 - 1,
 * i.e. run 0 alone, and exited 0. */
Test(sweep_bin, overflowing_shard_and_jobs_exit_2_and_write_nothing)
{
	char *dir = make_tmpdir(), *file = sweep_path(dir, "s.ini"), *out = sweep_path(dir, "out"),
	     *err = sweep_path(dir, "err");
	static const char *const shards[] = { "0/18446744073709551616", "1/99999999999999999999",
					      "18446744073709551616/3" };
	char want[512];
	struct stat st;

	write_file(file, "[sweep]\nA.tcp_keepidle = 60\n");
	for (size_t i = 0; i < sizeof shards / sizeof *shards; i++) {
		const char *a[] = { "sweep", file, "--shard", shards[i], "-o", out, "--no-render", NULL };
		cr_expect_eq(kasim(a, 0, err), 2, "--shard %s", shards[i]);
		char *msg = slurp_in(dir, "err");
		snprintf(want, sizeof want, "kasim sweep: --shard wants I/N with 0 <= I < N: %s\n"
					    "Try 'kasim sweep --help' for more information.\n", shards[i]);
		cr_expect_str_eq(msg, want);
		free(msg);
		cr_expect(stat(out, &st) != 0, "--shard %s created %s", shards[i], out);
	}
	const char *j[] = { "sweep", file, "-j", "18446744073709551617", "-o", out, "--no-render", NULL };
	cr_expect_eq(kasim(j, 0, err), 2);
	char *msg = slurp_in(dir, "err");
	cr_expect_str_eq(msg, "kasim sweep: --jobs wants a number of threads, 1..4096: 18446744073709551617\n"
			      "Try 'kasim sweep --help' for more information.\n");
	free(msg);
	cr_expect(stat(out, &st) != 0, "-j 18446744073709551617 created %s", out);
	rm_rf(dir);
	free(dir);
	free(file);
	free(out);
	free(err);
}

Test(sweep_bin, example_sweeps_are_valid)
{
	char *dir = make_tmpdir(), *out = sweep_path(dir, "q"), *q = NULL;
	cr_assert(asprintf(&q, "%s/scenarios/sweeps/quick.ini", root()) > 0);
	const char *a[] = { "sweep", q, "-o", out, "--no-render", NULL };
	cr_expect_eq(kasim(a, 0, NULL), 0);
	char *rec = slurp_in(out, "recommendation.txt");
	cr_expect(strstr(rec, "kasim sweep: quick") == rec, "%s", rec);
	free(rec);
	rm_rf(dir);
	free(dir);
	free(out);
	free(q);
}

Test(sweep_parse, zip_makes_axes_vary_together)
{
	struct sweep *sw = sw_ok(HEAD "A.tcp_keepidle = 30, 60\nlink.delay = 1ms, 2ms, 3ms\n"
				      "A.tcp_keepcnt = 1, 2, 3\nzip = A.tcp_keepcnt, link.delay\n");
	cr_assert_eq(sw->ndims, 2);
	cr_assert_eq(sw->npoints, 6);
	for (size_t p = 0; p < 6; p++) {
		cr_assert_eq(sw->points[p]->ep[HOST_A].tcp_keepidle, 30 * (p / 3 + 1));
		cr_assert_eq(sw->points[p]->link.dir[HOST_A].delay, (p % 3 + 1) * MS);
		cr_assert_eq(sw->points[p]->ep[HOST_A].tcp_keepcnt, p % 3 + 1);
	}
	cr_expect(!sw->dim_setting[1]); /* link.delay makes it an environment */
	sweep_free(sw);
	sw_err(HEAD "A.tcp_keepidle = 30, 60\nlink.delay = 1ms, 2ms, 3ms\nzip = A.tcp_keepidle, link.delay\n",
	       "t.ini:9: zip: A.tcp_keepidle has 2 values and link.delay 3 (zipped axes vary together: give "
	       "them as many values)");
	sw_err(HEAD "A.tcp_keepidle = 30, 60\nzip = A.tcp_keepidle, B.tcp_keepidle\n",
	       "t.ini:8: zip: 'B.tcp_keepidle' is not an axis of [sweep] (zip = AXIS, AXIS, ...)");
}

/* ---- against the closed forms with a NAT, and Monte Carlo with loss ----------------- */

/* The line of recommendation.txt that starts with env; the keepidle after " | ". */
static unsigned recommended_idle(const char *rec, const char *env)
{
	char key[64];
	snprintf(key, sizeof key, "\n%s ", env);
	const char *l = strstr(rec, key);
	cr_assert_not_null(l, "no row for %s in\n%s", env, rec);
	const char *bar = strstr(l, " | ");
	unsigned idle = 0;
	cr_assert(bar && sscanf(bar + 3, "%u s", &idle) == 1);
	return idle;
}

Test(sweep_closed_form, loss_free_nat_keeps_exactly_the_keepidles_below_its_timeout)
{
	/* Reference D.4 without loss: the mapping survives iff the gap between two
	 * refreshes stays below the NAT's established timeout T. A's probe passes
	 * the NAT (at A's end of the wire) when it is sent; B's answer 2d later
	 * (2d = the round trip), refreshing too when the NAT takes inbound
	 * refreshes; the next probe leaves keepidle I after that answer. So the gap
	 * is I (inbound refresh) or I + 2d, plus the timer lateness (0: exact
	 * timers). Every I with gap < T survives the day, every other is lost:
	 * AWS answers the late probe with a RST, Azure and GCP drop it silently and
	 * A's keepalive gives up. The keepidles (200 + 21k) never equal T. */
	char *dir = make_tmpdir();
	struct sweep *sw = sw_ok("[scenario]\ntimer = exact\nduration = 1d\nseed = 11\n[A]\nso_keepalive = on\ntcp_keepintvl = 10\n"
				 "tcp_keepcnt = 3\n[link]\ndelay = 300ms\n[nat]\n[sweep]\n"
				 "nat.preset = aws-nat-gateway, azure-lb, gcp-cloud-nat\n"
				 "A.tcp_keepidle = 200..1250 step 21\nprefer = overhead\n");
	struct run_result *res = calloc(sw->nruns, sizeof(*res));
	for (uint64_t r = 0; r < sw->nruns; r++) {
		const struct scenario *sc = sw->points[r];
		sweep_run_one(sw, r, &res[r]);
		ks_time_t I = sc->ep[HOST_A].tcp_keepidle * SEC, T = sc->nat.established_timeout;
		ks_time_t gap = I + (sc->nat.inbound_refresh ? 0 : 2 * 300 * MS);
		cr_expect_eq(res[r].lost, !(gap < T), "%s keepidle %llu s: %s", sc->nat.preset,
			     (unsigned long long)(I / SEC), res[r].lost ? "lost" : "survived");
		if (res[r].lost) {
			/* noticed at the first late probe (AWS: its RST), or N probes later */
			cr_expect_eq(res[r].end_host, HOST_A);
			cr_expect_eq(res[r].end, strcmp(sc->nat.preset, "aws-nat-gateway") ? END_KEEPALIVE : END_RESET);
			/* one connection, one mapping: it expires once; the late
			 * probes after it (not SYNs) create none */
			cr_expect_eq(res[r].nat_expired, 1);
		} else {
			cr_expect_eq(res[r].nat_expired, 0);
		}
	}
	FILE *devnull = fopen("/dev/null", "w");
	cr_assert_eq(sweep_write_outputs(sw, res, dir, false, devnull), 0);
	fclose(devnull);
	char *rec = slurp_in(dir, "recommendation.txt");
	static const char *const presets[] = { "aws-nat-gateway", "azure-lb", "gcp-cloud-nat" };
	for (size_t i = 0; i < 3; i++) {
		/* the longest keepidle of the list with I (+ 2d) < T */
		const struct scenario *sc = sw->points[i * (sw->npoints / 3)];
		ks_time_t T = sc->nat.established_timeout, extra = sc->nat.inbound_refresh ? 0 : 600 * MS;
		unsigned want = 0;
		for (unsigned I = 200; I <= 1250; I += 21)
			if (I * SEC + extra < T)
				want = I;
		cr_expect_eq(recommended_idle(rec, presets[i]), want, "%s: want keepidle %u s\n%s", presets[i], want,
			     rec);
	}
	free(rec);
	free(res);
	sweep_free(sw);
	rm_rf(dir);
	free(dir);
}

Test(sweep_closed_form, lossy_keepalive_abort_within_a_binomial_interval)
{
	/* No NAT; from t = 1 s every segment is lost with p = 0.08. With zero
	 * delay a probe is answered (probe and answer both delivered) with
	 * s = (1 - p)^2; an answer starts a new cycle at once, N = 3 failed
	 * probes in a row abort at I + N V after the cycle began. P(abort before
	 * H) follows exactly from a dynamic program over the cycle start times
	 * (whole seconds). The byte sent at H fails only if 16 transmissions in a
	 * row fail: 0.1536^16 < 1e-12, neglected. The sweep's P(loss) over n runs
	 * must be within 4 binomial standard deviations of it. */
	enum { I = 20, V = 5, N = 3, REPL = 400 };
	const double p = 0.08, s = (1 - p) * (1 - p);
	const double H = 3600.5;
	static double a[3700];
	double lost = 0;
	memset(a, 0, sizeof a);
	a[0] = 1;
	for (int t = 0; t < 3700; t++) {
		if (a[t] == 0)
			continue;
		double fail = 1;
		bool open = false;
		for (int j = 0; j < N; j++) {
			int tp = t + I + j * V;
			if (tp >= H) {
				open = true; /* the cycle is still going at H: the byte gets through */
				break;
			}
			a[tp] += a[t] * fail * s;
			fail *= 1 - s;
		}
		if (!open && t + I + N * V < H)
			lost += a[t] * fail;
	}
	char text[512];
	snprintf(text, sizeof text,
		 "[scenario]\nduration = 1h500ms\nseed = 2024\n[A]\nso_keepalive = on\ntcp_keepidle = %d\n"
		 "tcp_keepintvl = %d\ntcp_keepcnt = %d\n[events]\n1s = link loss %g\n[sweep]\nreplicas = %d\n",
		 I, V, N, p, REPL);
	struct sweep *sw = sw_ok(text);
	unsigned k = 0;
	for (uint64_t r = 0; r < sw->nruns; r++) {
		struct run_result x;
		sweep_run_one(sw, r, &x);
		k += x.lost;
		if (x.lost) {
			cr_expect_eq(x.end, END_KEEPALIVE);
			cr_expect_lt(x.lost_at, (ks_time_t)(H * SEC));
		}
	}
	double phat = (double)k / REPL, sd = sqrt(lost * (1 - lost) / REPL);
	cr_expect(lost > 0.2 && lost < 0.8, "P = %g: pick parameters with a useful P", lost);
	cr_expect(fabs(phat - lost) <= 4 * sd, "P(loss) %g (%u/%d) vs closed form %g +- %g", phat, k, REPL, lost,
		  4 * sd);
	sweep_free(sw);
}

Test(sweep_parse, nat_safe_example_is_the_48000_run_benchmark)
{
	char *path = NULL;
	cr_assert(asprintf(&path, "%s/scenarios/sweeps/nat-safe.ini", root()) > 0);
	struct diag d = { 0 };
	struct sweep *sw = sweep_load(path, NULL, 0, &d);
	char *all = dump(&d);
	cr_assert_not_null(sw, "%s", all);
	cr_expect_eq(sw->npoints, 40 * 4 * 3);
	cr_expect_eq(sw->nruns, 48000);
	cr_expect_eq(sw->horizon, 86400 * SEC);
	/* the home router: 1,024 mappings, 30,000 new flows a day, 1,000 at once */
	const struct scenario *home = sw->points[3 * 3]; /* keepidle 30, 4th preset, loss 0 */
	cr_expect_str_eq(home->nat.preset, "example-home-router");
	cr_expect_eq(home->nat.capacity, 1024);
	cr_expect(fabs(home->nat.bg_rate * 86400 - 30000) < 0.1);
	cr_expect(fabs(home->nat.bg_rate * (double)home->nat.bg_lifetime / SEC - 1000) < 0.1);
	free(all);
	diag_free(&d);
	sweep_free(sw);
	free(path);
}

/* ---- limits (issue 10) ---------------------------------------------------------- */

/* The size of a sweep is checked before anything is built, at the line of the
 * axis or replicas that takes it over the limit; factors count in file order. */
Test(sweep_errors, size_limits_name_their_line)
{
	sw_err(HEAD "A.tcp_keepidle = 1..1000 step 1\nA.tcp_keepintvl = 1..1000 step 1\nA.tcp_keepcnt = 1, 2\n",
	       "t.ini:9: A.tcp_keepcnt makes more than 1000000 points (at most 1000000: the product of the "
	       "axes' value counts)");
	/* 10^6 points x 10^6 replicas = 10^12 runs */
	sw_err(HEAD "A.tcp_keepidle = 1..100 step 1\nA.tcp_keepintvl = 1..100 step 1\n"
		    "A.tcp_keepcnt = 1..100 step 1\nreplicas = 1000000\n",
	       "t.ini:10: replicas = 1000000 makes more than 10000000 runs (at most 10000000 points x replicas)");
	/* replicas first: the axis that follows takes the count over */
	sw_err(HEAD "replicas = 200000\nA.tcp_keepidle = 1..100 step 1\nA.tcp_keepintvl = 1..100 step 1\n",
	       "t.ini:8: A.tcp_keepidle makes more than 10000000 runs (at most 10000000 points x replicas)");
	/* zipped axes are one factor, at the first of them */
	sw_err(HEAD "A.tcp_keepidle = 1..1000 step 1\nA.tcp_keepintvl = 1..1000 step 1\n"
		    "A.tcp_keepcnt = 1..2 step 1\nB.tcp_keepcnt = 1, 2\nzip = A.tcp_keepcnt, B.tcp_keepcnt\n",
	       "t.ini:9: A.tcp_keepcnt makes more than 1000000 points (at most 1000000: the product of the "
	       "axes' value counts)");
	/* exactly at the limit: 10 points x 10^6 replicas = 10^7 runs is accepted */
	struct sweep *sw = sw_ok(HEAD "replicas = 1000000\nA.tcp_keepidle = 1..10 step 1\n");
	cr_expect_eq(sw->npoints, 10);
	cr_expect_eq(sw->nruns, 10000000);
	sweep_free(sw);
}

/* Axis values are stored in an array that doubles (add_value): 2 x 100000
 * values go through every growth step under ASan, and the size check still
 * names the second axis. (How fast that is belongs to make bench, not to a
 * timed test.) */
Test(sweep_errors, many_values_parse_quickly)
{
	sw_err(HEAD "A.tcp_keepidle = 1..100000 step 1\nA.tcp_keepintvl = 1..100000 step 1\n",
	       "t.ini:8: A.tcp_keepintvl makes more than 1000000 points (at most 1000000: the product of the "
	       "axes' value counts)");
}

/* The [sweep] section is read by the scenario parser's line reader: a line
 * over the limit or a bare CR there is the same error, at the same line, and
 * the [sweep] parser does not act on the refused line. */
Test(sweep_errors, same_line_rules_as_scenarios)
{
	char text[2200];
	snprintf(text, sizeof(text), HEAD "A.tcp_keepidle = 30, 60%*s\n", 1021 - 23 + 1, "");
	sw_err(text, "t.ini:7: line too long (at most 1021 characters)");
	snprintf(text, sizeof(text), HEAD "A.tcp_keepidle = 30, 60%*s\nreplicas = 0\n", 1021 - 23, "");
	sw_err(text, "t.ini:8: replicas = 0 is not valid (an integer, 1..1000000)");
	sw_err(HEAD "A.tcp_keepidle = 30, 60\rreplicas = 0\n",
	       "t.ini:7: carriage return not followed by a line feed (line ends are LF or CRLF)");
	struct sweep *sw = sw_ok(HEAD "A.tcp_keepidle = 30, 60\r\nreplicas = 2\r\n");
	cr_expect_eq(sw->replicas, 2);
	cr_expect_eq(sw->npoints, 2);
	sweep_free(sw);
}

/* max_loss is compared exactly: no decimal above 1, whatever a double makes of it. */
Test(sweep_errors, max_loss_exact)
{
	sw_err(HEAD "max_loss = 1.0000000000000000001\n",
	       "t.ini:7: max_loss = 1.0000000000000000001 is not valid (a probability, 0..1, e.g. 0.001 or 1e-3)");
	sw_err(HEAD "max_loss = 0.000000000000000000011e20\n",
	       "t.ini:7: max_loss = 0.000000000000000000011e20 is not valid (a probability, 0..1, e.g. 0.001 or 1e-3)");
	sw_err(HEAD "max_loss = 0x1p-3\n",
	       "t.ini:7: max_loss = 0x1p-3 is not valid (a probability, 0..1, e.g. 0.001 or 1e-3)");
	struct sweep *sw = sw_ok(HEAD "max_loss = 1.000\n");
	cr_expect_eq(sw->obj.max_loss, 1.0);
	sweep_free(sw);
	sw = sw_ok(HEAD "max_loss = 10e-1\n");
	cr_expect_eq(sw->obj.max_loss, 1.0);
	sweep_free(sw);
}

/* kasim merge -o into one of its input shards (under any spelling) would
 * replace the shard's files: refused, exit 2, the shard untouched. */
Test(sweep_bin, merge_refuses_an_input_shard_as_output)
{
	char *dir = make_tmpdir(), *file = sweep_path(dir, "s.ini"), *err = sweep_path(dir, "err");
	char *s0 = sweep_path(dir, "s0"), *s1 = sweep_path(dir, "s1"), *link = sweep_path(dir, "link");
	write_file(file, small_sweep);
	const char *a0[] = { "sweep", file, "--shard", "0/2", "-o", s0, "--no-render", NULL };
	const char *a1[] = { "sweep", file, "--shard", "1/2", "-o", s1, "--no-render", NULL };
	cr_assert_eq(kasim(a0, 1, NULL), 0);
	cr_assert_eq(kasim(a1, 1, NULL), 0);
	cr_assert_eq(symlink(s1, link), 0);
	char *before = slurp_in(s1, "results-partial.csv");
	char dotted[1200];
	snprintf(dotted, sizeof dotted, "%s/./s1/", dir);
	const char *outs[] = { s1, dotted, link };
	for (int i = 0; i < 3; i++) {
		const char *m[] = { "merge", s0, s1, "-o", outs[i], NULL };
		cr_assert_eq(kasim(m, 0, err), 2, "-o %s", outs[i]);
		char *msg = slurp_in(dir, "err");
		char want[3000];
		snprintf(want, sizeof want, "kasim: merge: the output directory %s is the shard directory %s; merging "
			 "into one of its inputs would destroy it (give another -o DIR)\n", outs[i], s1);
		cr_expect_str_eq(msg, want);
		free(msg);
		char *after = slurp_in(s1, "results-partial.csv");
		cr_expect_str_eq(after, before, "the shard was changed");
		free(after);
		struct stat st;
		char *res = sweep_path(s1, "results.csv");
		cr_expect(stat(res, &st) != 0, "merge wrote into the shard");
		free(res);
	}
	free(before);
	rm_rf(dir);
	free(dir);
	free(file);
	free(err);
	free(s0);
	free(s1);
	free(link);
}
