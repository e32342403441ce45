/*
 * test_repeat.c - repeating events (issue #14 item 2): "ACTION ... every D
 * [until T]". The grammar and its errors, then runs with the exact time of
 * every occurrence (at, at + D, at + 2D, ... while <= min(until, duration)),
 * their order among other events, and that nothing is pre-expanded.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "sim_capture.h"

/* The times of the REC_ACTIONs of event line 'line' (before its result). */
static size_t action_times(const struct run *r, int line, ks_time_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->col.n; i++) {
		const struct rec *x = &r->col.recs[i];
		if (x->type != REC_ACTION || x->u.act.result || x->u.act.ev->line != line)
			continue;
		if (n < max)
			out[n] = x->t;
		n++;
	}
	return n;
}

Test(repeat, grammar)
{
	struct scenario *s = scenario_text_ok("[scenario]\nduration = 2h\n[nat]\n[events]\n"
				      "10s = send A 100 every 10s until 35s\n"  /* 5 */
				      "1m = nat flush every 1h\n"               /* 6 */
				      "0 = congest B 1s every 1500ms\n"         /* 7 */
				      "5s = unplug B\n");                       /* 8 */
	cr_assert_eq(s->nevents, 4);
	/* sorted: congest (0), unplug (5 s), send (10 s), flush (1 m) */
	cr_expect_eq(s->events[0].action, ACT_CONGEST);
	cr_expect_eq(s->events[0].arg, 1 * SEC);
	cr_expect_eq(s->events[0].every, 1500 * MS);
	cr_expect_eq(s->events[0].until, KS_TIME_NEVER);
	cr_expect_eq(s->events[1].every, 0);
	cr_expect_eq(s->events[2].action, ACT_SEND);
	cr_expect_eq(s->events[2].arg, 100);
	cr_expect_eq(s->events[2].at, 10 * SEC);
	cr_expect_eq(s->events[2].every, 10 * SEC);
	cr_expect_eq(s->events[2].until, 35 * SEC);
	cr_expect_eq(s->events[3].action, ACT_NAT_FLUSH);
	cr_expect_eq(s->events[3].every, 3600 * SEC);
	scenario_free(s);
}

Test(repeat, errors)
{
	cap_expect_error("[events]\n1s = send A 1 every 0\n",
		     "t.ini:2: every 0 is out of range (a duration, at least 1ms)");
	cap_expect_error("[events]\n1s = send A 1 every 999us\n",
		     "t.ini:2: every 999us is out of range (a duration, at least 1ms)");
	cap_expect_error("[events]\n1s = send A 1 every 1x\n",
		     "t.ini:2: every: duration '1x' is not a duration (e.g. 90s, 1500ms, 2h11m15s, "
		     "1d; a bare number is seconds)");
	cap_expect_error("[events]\n10s = send A 1 every 1s until 9s\n",
		     "t.ini:2: until 9s is before the event's first time (until is a time since "
		     "t = 0, at or after it)");
	cap_expect_error("[scenario]\nduration = 1h\n[events]\n10s = send A 1 every 1s until 2h\n",
		     "t.ini:4: until 2h is after the end of the simulation (duration 1h; leave "
		     "until out to repeat to the end)");
	cap_expect_error("[events]\n1s = send A every 1s 100\n",
		     "t.ini:2: 'every' must end the event: ACTION ... every DURATION [until TIME] "
		     "(e.g. send A 100 every 10s until 1h)");
	cap_expect_error("[events]\n1s = send A 1 every 1s for 1h\n",
		     "t.ini:2: 'every' must end the event: ACTION ... every DURATION [until TIME] "
		     "(e.g. send A 100 every 10s until 1h)");
	cap_expect_error("[events]\n1s = every 1s\n",
		     "t.ini:2: 'every' must end the event: ACTION ... every DURATION [until TIME] "
		     "(e.g. send A 100 every 10s until 1h)");
	cap_expect_error("[events]\n1s = close A every 1s\n",
		     "t.ini:2: 'close' cannot repeat: it acts once (every works with send, congest, "
		     "unplug, replug, crash, boot, reboot, link down|up, partition, heal, nat, lb)");
	cap_expect_error("[events]\n1s = set A tcp_keepidle 5 every 1s\n",
		     "t.ini:2: 'set' cannot repeat: it sets the same value each time (every works "
		     "with send, congest, unplug, replug, crash, boot, reboot, link down|up, "
		     "partition, heal, nat, lb)");
	cap_expect_error("[events]\n1s = link loss 0.5 every 1s\n",
		     "t.ini:2: 'link' cannot repeat: it sets the same value each time (every works "
		     "with send, congest, unplug, replug, crash, boot, reboot, link down|up, "
		     "partition, heal, nat, lb)");
	cap_expect_error("[events]\n1s = send A 0 every 1s\n",
		     "t.ini:2: send: byte count 0 is out of range (1..1073741824 bytes)");
}

/* at, at + every, ... up to until inclusive: 5, 15, 25, 35 (45 > 35). */
Test(repeat, times_up_to_until)
{
	struct run r;
	ks_time_t t[8];
	run_ini("[scenario]\nduration = 60s\n[events]\n5s = send A 100 every 10s until 35s\n", NULL, 0,
		&r);
	size_t n = action_times(&r, 4, t, 8);
	cr_assert_eq(n, 4);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(t[i], (5 + 10 * i) * SEC, "occurrence %zu at %llu ns", i, NS(t[i]));
	/* each occurrence wrote 100 bytes: A's data segments leave at those times */
	cr_assert_eq(run_count_flags(&r, HOST_A, TH_PSH, TH_PSH), 4);
	for (size_t i = 0; i < 4; i++) {
		const struct pkt *p = run_nth_flags(&r, HOST_A, TH_PSH, TH_PSH, i + 1);
		cr_expect_eq(p->sent, (5 + 10 * i) * SEC);
		cr_expect_eq(p->seg.len, 100);
	}
	cr_expect_eq(run_sk(&r, HOST_B)->rcv_nxt - run_sk(&r, HOST_A)->iss - 1, 400);
	run_free(&r);
}

/* Without until: to the end of the simulation, an occurrence exactly at the
 * duration included (0, 20, 40, 60), like any event at the duration. */
Test(repeat, times_to_the_end)
{
	struct run r;
	ks_time_t t[8];
	run_ini("[scenario]\nduration = 60s\n[events]\n0 = unplug B every 20s\n", NULL, 0, &r);
	size_t n = action_times(&r, 4, t, 8);
	cr_assert_eq(n, 4);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(t[i], 20 * i * SEC);
	run_free(&r);

	/* a period that does not divide: 0.7, 1.9, 3.1, ..., 9.1 s (10.3 > 10) */
	run_ini("[scenario]\nduration = 10s\n[events]\n700ms = congest A 1ms every 1200ms\n", NULL, 0,
		&r);
	n = action_times(&r, 4, t, 8);
	cr_assert_eq(n, 8);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(t[i], 700 * MS + 1200 * MS * i);
	run_free(&r);
}

/* At one instant, events run in the order of their first time, then of the
 * file: send (first at 0) comes before unplug (first at 20 s) at 20 s, even
 * when the unplug is written first; and an unplug at 20 s written before a
 * repeating event first at 20 s comes first. */
Test(repeat, order_at_one_instant)
{
	struct run r;
	run_ini("[scenario]\nduration = 30s\n[events]\n20s = unplug B\n0 = send A 1 every 10s\n"
		"20s = replug B every 5s\n",
		NULL, 0, &r);
	int lines[16];
	size_t n = 0;
	for (size_t i = 0; i < r.col.n; i++) {
		const struct rec *x = &r.col.recs[i];
		if (x->type == REC_ACTION && !x->u.act.result && x->t == 20 * SEC && n < 16)
			lines[n++] = x->u.act.ev->line;
	}
	cr_assert_eq(n, 3);
	cr_expect_eq(lines[0], 5); /* send, first at 0 */
	cr_expect_eq(lines[1], 4); /* unplug, the file's first at 20 s */
	cr_expect_eq(lines[2], 6); /* replug, first at 20 s, after it in the file */
	ks_time_t t[8];
	cr_expect_eq(action_times(&r, 6, t, 8), 3); /* 20, 25, 30 */
	cr_expect_eq(t[2], 30 * SEC);
	run_free(&r);
}

/* A second every second for a day: one event in the scenario, 86401
 * occurrences, and the engine never holds more than a handful of timers. */
Test(repeat, not_pre_expanded)
{
	struct run r;
	run_ini("[scenario]\nduration = 1d\n[events]\n0 = send A 1 every 1s\n", NULL, 0, &r);
	cr_expect_eq(r.sc->nevents, 1);
	ks_time_t t[1];
	cr_expect_eq(action_times(&r, 4, t, 1), 86401);
	cr_expect_leq(r.sim->eng.cap, 16, "heap capacity %u", r.sim->eng.cap);
	run_free(&r);
}

/* run.json's config lists a repeating event's every and until (null: to the
 * end); the JSON timeline has one action per occurrence. */
Test(repeat, json_config)
{
	char *dir = make_tmpdir();
	char path[512], out[512], rj[600];
	SNP(path, "%s/r.ini", dir);
	SNP(out, "%s/out", dir);
	SNP(rj, "%s/run.json", out);
	write_file(path, "[scenario]\nduration = 30s\n[events]\n"
			 "5s = send A 10 every 10s until 25s\n1s = congest B 1ms every 20s\n");
	struct cmd c = KASIM("--json", "--no-plot", "-q", "-o", out, path);
	cr_assert_eq(c.status, 0, "%s", c.err);
	char *j = slurp(rj, NULL);
	cr_assert_not_null(j);
	cr_expect_not_null(strstr(j, "{\"time\": 1, \"line\": 5, \"action\": \"congest\", "
				     "\"host\": \"B\", \"duration\": 0.001, \"every\": 20, "
				     "\"until\": null}"), "%s", j);
	cr_expect_not_null(strstr(j, "{\"time\": 5, \"line\": 4, \"action\": \"send\", "
				     "\"host\": \"A\", \"bytes\": 10, \"every\": 10, "
				     "\"until\": 25}"), "%s", j);
	size_t n = 0;
	for (const char *p = c.out; (p = strstr(p, "\"action\": \"send\", \"host\": \"A\", \"line\": 4"));
	     p++)
		n++;
	cr_expect_eq(n, 3); /* 5, 15, 25 */
	free(j);
	cmd_free(&c);
	rm_rf(dir);
	free(dir);
}

/* A run stopped early (a sweep's verdict) leaves the next occurrence
 * pending: sim_destroy() must not touch its freed timer (ASan). */
Test(repeat, destroy_with_occurrence_pending)
{
	struct diag d = {0};
	struct scenario *sc = scenario_parse_string(
		"t.ini", "[scenario]\nduration = 1h\n[events]\n0 = send A 1 every 10s\n", NULL, 0, &d);
	cr_assert_not_null(sc);
	struct sim *s = malloc(sizeof(*s));
	cr_assert_not_null(s);
	sim_init(s, sc);
	sim_run_until(s, 15 * SEC);
	cr_expect(ev_timer_pending(&s->repeat[0].t));
	cr_expect_eq(s->repeat[0].t.when, 20 * SEC);
	sim_destroy(s);
	free(s);
	scenario_free(sc);
	diag_free(&d);
}
