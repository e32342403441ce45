/*
 * test_profiles_records.c - the keepalive records' fields for every OS
 * profile under every timer model.
 *
 * One scenario for all 18 pairs: A (os = X, SO_KEEPALIVE on, the profile's
 * defaults) connects over a 0-delay link at t = 0, so its idle clock starts
 * at 0; B is unplugged at 10 s and A probes into the void until it gives up.
 * For probe #1, probe #2 and the abort we check every field a sink prints:
 * elapsed, time, intvl, probes, probes_out, next, nominal, actual, the rule
 * (algo) and the host's timer model (clock), and the REC_END built from the
 * socket.
 *
 * Expected values come from docs/profiles.md (defaults and abort rules) and
 * docs/timers.md (which timer model a host runs on, and its rules), never
 * from kasim's output:
 *   - a host runs on the scenario's timer only if the profile has Linux
 *     timers (linux, linux-2.6); freebsd, macos and windows always run exact;
 *     lwip always on its 500 ms slow timer (phase 0 unless timer = lwip);
 *   - every time in a record is converted with the host's own timer model
 *     (the bug fixed with this test: the scenario's was used).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>

#include "helpers.h"
#include "keepalive.h"
#include "profile.h"
#include "timer.h"

#define A HOST_A

/* Times in µs, to keep the table readable (all expected values are whole µs). */
#define US(x) ((ks_time_t)(x) * KS_US)
#define S_(x) ((ks_time_t)(x) * KS_SEC)

struct want_ka {
	ks_time_t at;          /* actual firing time */
	ks_time_t nominal;
	ks_time_t elapsed;
	uint32_t probes_out;
	ks_time_t next;        /* KS_TIME_NEVER for the abort */
};

struct prof_case {
	char os[16];
	char timer[64];            /* the [scenario] lines of the timer model */
	enum ka_algo algo;
	enum tm_kind clock;
	ks_time_t time, intvl;     /* effective keepidle / keepintvl */
	uint32_t probes;           /* effective keepcnt */
	int abort_decision;        /* KA_ABORT (counting) or KA_ABORT_IDLE */
	int error;                 /* what the application sees */
	struct want_ka p1, p2, ab;
};

#define T_EXACT "timer = exact\n"
#define T_LINUX "timer = linux\nhz = 250\njiffies = 0\njiffies_phase = 0\n"
#define T_LWIP "timer = lwip\njiffies_phase = 200ms\n"

/*
 * Counting rule on exact timers (linux, linux-2.6; windows always): probe k
 * (k = 1..P) at T + (k-1)·I, the abort at the next firing, T + P·I, with
 * probes_out = P. linux 7200/75/9: 7200, 7275 ... abort 7875 s. windows
 * 7200/1/10: 7200, 7201 ... abort 7210 s.
 */
#define COUNTING_EXACT(os_, tmr, T, I, P)                                                           \
	{ os_, tmr, KA_ALGO_LINUX, TM_EXACT, S_(T), S_(I), P, KA_ABORT, KS_ETIMEDOUT,                \
	  { S_(T), S_(T), S_(T), 0, S_(I) }, { S_(T + I), S_(T + I), S_(T + I), 1, S_(I) },          \
	  { S_(T + P * I), S_(T + P * I), S_(T + P * I), P, KS_TIME_NEVER } }

/*
 * Linux wheel, HZ = 250 (4 ms jiffies), jiffies 0 at t = 0, phase 0. Rule
 * (docs/timers.md): a timer armed for delay d at jiffies j with wheel clock
 * clk expires at E = j + d, its level comes from E - clk, granularity
 * g = 8^level, it runs at (floor(E / g) + 1) · g; re-armed from its own
 * handler, clk = j + 1.
 *   first arm at 0 for 7200 s = 1800000 jiffies: level 5 (258048..2064383),
 *     g = 32768: runs at 55 · 32768 = 1802240 = 7208.960 s;
 *   each re-arm for 75 s = 18750 jiffies from B (a multiple of 512), clk =
 *     B + 1: E - clk = 18749, level 3 (4032..32255), g = 512:
 *     floor((B + 18750) / 512) + 1 = B/512 + 37, so every interval is
 *     37 · 512 = 18944 jiffies = 75.776 s;
 *   probe #2 at 1821184 = 7284.736 s (nominal 7208.960 + 75), the abort at
 *     the 10th firing, 1802240 + 9 · 18944 = 1972736 = 7890.944 s (nominal
 *     7815.168 + 75 = 7890.168 s). The idle clock started at jiffy 0 = 0 s.
 */
#define COUNTING_WHEEL(os_, algo_)                                                                  \
	{ os_, T_LINUX, algo_, TM_LINUX, S_(7200), S_(75), 9, KA_ABORT, KS_ETIMEDOUT,                \
	  { US(7208960000), S_(7200), US(7208960000), 0, S_(75) },                                  \
	  { US(7284736000), US(7283960000), US(7284736000), 1, S_(75) },                            \
	  { US(7890944000), US(7890168000), US(7890944000), 9, KS_TIME_NEVER } }

/*
 * BSD rule (freebsd, macos; always exact): keepidle 7200 s, keepintvl 75 s,
 * keepcnt 8: a probe at every firing while idle < 7200 + 8 · 75 = 7800 s,
 * the abort (idle rule) at the firing with idle >= 7800 s; probes_out only
 * numbers the 8 probes sent by then.
 */
#define BSD(os_, tmr)                                                                               \
	{ os_, tmr, KA_ALGO_BSD, TM_EXACT, S_(7200), S_(75), 8, KA_ABORT_IDLE, KS_ETIMEDOUT,         \
	  { S_(7200), S_(7200), S_(7200), 0, S_(75) }, { S_(7275), S_(7275), S_(7275), 1, S_(75) },  \
	  { S_(7800), S_(7800), S_(7800), 8, KS_TIME_NEVER } }

/*
 * lwIP (docs/profiles.md): the slow timer ticks every 500 ms; tick k is at
 * k · 0.5 s - phase. idle counts ticks since tick 0 (t = 0 is in tick 0).
 * Probe n (n = 0, 1, ...) when idle > (7200000 + n · 75000) / 500 =
 * 14400 + 150 n ticks, i.e. at tick 14401 + 150 n; the abort when
 * idle > (7200000 + 9 · 75000) / 500 = 15750, at tick 15751. elapsed is
 * idle · 500 ms: 7200.5, 7275.5, 7875.5 s whatever the phase; the timer is
 * re-armed one tick ahead (next 0.5 s) and was asked for the tick it fires
 * at (nominal = actual). The application sees ERR_ABRT = ECONNABORTED.
 */
#define LWIP(tmr, ph_us)                                                                            \
	{ "lwip", tmr, KA_ALGO_LWIP, TM_LWIP, S_(7200), S_(75), 9, KA_ABORT_IDLE, KS_ECONNABORTED,   \
	  { US(7200500000 - (ph_us)), US(7200500000 - (ph_us)), US(7200500000), 0, US(500000) },     \
	  { US(7275500000 - (ph_us)), US(7275500000 - (ph_us)), US(7275500000), 1, US(500000) },     \
	  { US(7875500000 - (ph_us)), US(7875500000 - (ph_us)), US(7875500000), 9, KS_TIME_NEVER } }

ParameterizedTestParameters(profile_records, every_profile_every_timer)
{
	static struct prof_case cases[] = {
		COUNTING_EXACT("linux", T_EXACT, 7200, 75, 9),
		COUNTING_WHEEL("linux", KA_ALGO_LINUX),
		COUNTING_EXACT("linux", T_LWIP, 7200, 75, 9), /* a Linux host under timer = lwip: exact */
		COUNTING_EXACT("linux-2.6", T_EXACT, 7200, 75, 9),
		COUNTING_WHEEL("linux-2.6", KA_ALGO_LINUX26),
		COUNTING_EXACT("linux-2.6", T_LWIP, 7200, 75, 9),
		BSD("freebsd", T_EXACT),
		BSD("freebsd", T_LINUX),
		BSD("freebsd", T_LWIP),
		BSD("macos", T_EXACT),
		BSD("macos", T_LINUX),
		BSD("macos", T_LWIP),
		COUNTING_EXACT("windows", T_EXACT, 7200, 1, 10),
		COUNTING_EXACT("windows", T_LINUX, 7200, 1, 10),
		COUNTING_EXACT("windows", T_LWIP, 7200, 1, 10),
		LWIP(T_EXACT, 0),
		LWIP(T_LINUX, 0),
		LWIP(T_LWIP, 200000), /* jiffies_phase 200 ms: every tick 0.2 s earlier */
	};
	/* linux-2.6's idle clock is rcv_tstamp only: the same here (no data). */
	for (size_t i = 3; i < 6; i++)
		cases[i].algo = KA_ALGO_LINUX26;
	return cr_make_param_array(struct prof_case, cases, NELEMS(cases));
}

static void expect_ka(const struct prof_case *c, const char *what, const struct rec *x,
		      const struct want_ka *w, int decision)
{
	cr_assert_not_null(x, "%s %s: no %s record", c->os, c->timer, what);
	const struct rec_keepalive *k = &x->u.ka;
	char got[512];
	rec_format(got, sizeof got, x);
	cr_expect_eq(k->decision, decision, "%s / %s %s: decision (%s)", c->os, c->timer, what, got);
	cr_expect_eq(x->t, w->at, "%s / %s %s: time %llu (%s)", c->os, c->timer, what,
		     (unsigned long long)w->at, got);
	cr_expect_eq(k->actual, w->at, "%s / %s %s: actual (%s)", c->os, c->timer, what, got);
	cr_expect_eq(k->nominal, w->nominal, "%s / %s %s: nominal %llu (%s)", c->os, c->timer, what,
		     (unsigned long long)w->nominal, got);
	cr_expect_eq(k->elapsed, w->elapsed, "%s / %s %s: elapsed %llu (%s)", c->os, c->timer, what,
		     (unsigned long long)w->elapsed, got);
	cr_expect_eq(k->time, c->time, "%s / %s %s: time (%s)", c->os, c->timer, what, got);
	cr_expect_eq(k->intvl, c->intvl, "%s / %s %s: intvl (%s)", c->os, c->timer, what, got);
	cr_expect_eq(k->probes, c->probes, "%s / %s %s: probes (%s)", c->os, c->timer, what, got);
	cr_expect_eq(k->probes_out, w->probes_out, "%s / %s %s: probes_out (%s)", c->os, c->timer, what, got);
	cr_expect_eq(k->next, w->next, "%s / %s %s: next %llu (%s)", c->os, c->timer, what,
		     (unsigned long long)w->next, got);
	cr_expect_eq(k->user_timeout, 0);
	cr_expect_eq(k->algo, c->algo, "%s / %s %s: algo", c->os, c->timer, what);
	cr_expect_eq(k->clock, c->clock, "%s / %s %s: clock", c->os, c->timer, what);
}

ParameterizedTest(struct prof_case *c, profile_records, every_profile_every_timer)
{
	char *ini = strf("[scenario]\nduration = 3h\n%s[A]\nos = %s\nso_keepalive = on\n[B]\nos = %s\n"
			 "[events]\n10s = unplug B\n", c->timer, c->os, c->os);
	struct run r;
	run_ini(ini, NULL, 0, &r);

	expect_ka(c, "probe #1", run_nth_ka(&r, A, KA_PROBE, 1), &c->p1, KA_PROBE);
	expect_ka(c, "probe #2", run_nth_ka(&r, A, KA_PROBE, 2), &c->p2, KA_PROBE);
	cr_expect_eq(run_count_ka(&r, A, KA_PROBE), c->ab.probes_out, "%s / %s: probes", c->os, c->timer);
	expect_ka(c, "abort", run_nth_ka(&r, A, c->abort_decision, 1), &c->ab, c->abort_decision);

	/* The end, built from the socket by the model: the same numbers. */
	const struct rec *e = run_end_of(&r, A);
	cr_assert_not_null(e, "%s / %s: A never ended", c->os, c->timer);
	cr_expect_eq(e->t, c->ab.at);
	cr_expect_eq(e->u.end.why, c->abort_decision == KA_ABORT ? END_KEEPALIVE : END_KEEPALIVE_IDLE);
	cr_expect_eq(e->u.end.error, c->error, "%s / %s: error %d", c->os, c->timer, e->u.end.error);
	cr_expect_eq(e->u.end.elapsed, c->ab.elapsed, "%s / %s: end elapsed", c->os, c->timer);
	cr_expect_eq(e->u.end.probes_out, c->ab.probes_out);
	cr_expect_eq(e->u.end.time, c->time);
	cr_expect_eq(e->u.end.intvl, c->intvl);
	cr_expect_eq(e->u.end.probes, c->probes);
	cr_expect_eq(e->u.end.last_rx, 0);
	run_free(&r);
	free(ini);
}

/* keepalive_settings(): what the sweeps take their keepalive cycle from. The
 * profile's defaults (docs/profiles.md) unless a socket option is set. */
Test(profile_records, keepalive_settings_defaults_and_options)
{
	static const struct {
		const char *os;
		uint32_t time, intvl, probes;
	} want[] = {
		{ "linux", 7200, 75, 9 }, { "linux-2.6", 7200, 75, 9 }, { "freebsd", 7200, 75, 8 },
		{ "macos", 7200, 75, 8 }, { "windows", 7200, 1, 10 }, { "lwip", 7200, 75, 9 },
	};
	for (size_t i = 0; i < NELEMS(want); i++) {
		char *ini = strf("[A]\nos = %s\n", want[i].os);
		char *opts = strf("[A]\nos = %s\ntcp_keepidle = 60\ntcp_keepintvl = 5\ntcp_keepcnt = 3\n",
				  want[i].os);
		struct diag d = {0};
		struct scenario *sc = scenario_parse_string("t.ini", ini, NULL, 0, &d);
		struct scenario *so = scenario_parse_string("t.ini", opts, NULL, 0, &d);
		cr_assert_not_null(sc, "%s rejected", want[i].os);
		cr_assert_not_null(so, "%s with options rejected", want[i].os);
		struct ka_settings k = keepalive_settings(&sc->ep[HOST_A]);
		cr_expect_eq(k.time, want[i].time, "%s: time %u", want[i].os, k.time);
		cr_expect_eq(k.intvl, want[i].intvl, "%s: intvl %u", want[i].os, k.intvl);
		cr_expect_eq(k.probes, want[i].probes, "%s: probes %u", want[i].os, k.probes);
		k = keepalive_settings(&so->ep[HOST_A]);
		cr_expect_eq(k.time, 60);
		cr_expect_eq(k.intvl, 5);
		cr_expect_eq(k.probes, 3);
		scenario_free(sc);
		scenario_free(so);
		diag_free(&d);
		free(ini);
		free(opts);
	}
}
