/*
 * test_memory.c - what a simulation keeps in memory (issue #10, item 5).
 *
 * The outputs stream: memory stays flat in simulated time. What grows with the
 * input is the scenario's [events] list itself (struct sc_event, 40 bytes
 * each); the simulation adds one timer for all of them, not one per event
 * (which cost 56 more bytes each, 941 MB for 10^7 events).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_out.h"
#include "engine.h"
#include "helpers.h"
#include "output.h"
#include "pcap_out.h"
#include "scenario.h"
#include "sim.h"

/* ASan's allocator (the test runner is always built with ASan). */
extern size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

static struct scenario *parse_or_fail(const char *text)
{
	struct diag d = {0};
	struct scenario *sc = scenario_parse_string("mem.ini", text, NULL, 0, &d);
	for (size_t i = 0; i < d.n; i++)
		cr_log_error("%s", d.msg[i]);
	diag_free(&d);
	cr_assert_not_null(sc);
	return sc;
}

/* n "send A 1" events, one a second from 1 s on. */
static char *many_events(size_t n)
{
	size_t cap = 64 + n * 24, len = 0;
	char *t = malloc(cap);
	cr_assert_not_null(t);
	len += (size_t)snprintf(t, cap, "[scenario]\nduration = 1d\n[events]\n");
	for (size_t i = 1; i <= n; i++)
		len += (size_t)snprintf(t + len, cap - len, "%zus = send A 1\n", i);
	return t;
}

Test(memory, one_timer_for_all_scenario_events)
{
	char *text = many_events(20000);
	struct scenario *sc = parse_or_fail(text);
	struct sim *s = malloc(sizeof(*s));
	cr_assert_not_null(s);
	cr_assert_eq(sc->nevents, 20000);

	sim_init(s, sc);
	/* pending: the script's one timer and A's connect(); nothing per event */
	cr_assert_eq(s->eng.len, 2, "pending timers after sim_init: %u", s->eng.len);
	cr_assert_eq(s->eng.cap, 16, "event heap capacity: %u", s->eng.cap);
	sim_run_until(s, 10000 * KS_SEC);
	cr_assert_lt(s->eng.cap, 64u, "event heap capacity after 10000 events: %u", s->eng.cap);
	sim_run(s);
	cr_assert_eq(s->script_next, 20000, "every scenario event fired");
	sim_destroy(s);
	free(s);
	scenario_free(sc);
	free(text);
}

/* The script's events still come first at their instant, in file order. */
Test(memory, scenario_events_keep_their_order)
{
	struct run r;
	run_ini("[A]\nso_keepalive = on\ntcp_keepidle = 5\n"
		"[events]\n5s = unplug B\n5s = replug B\n5s = unplug B\n",
		NULL, 0, &r);
	size_t seen = 0;
	const char *want[] = {"unplug", "replug", "unplug"};
	enum action acts[] = {ACT_UNPLUG, ACT_REPLUG, ACT_UNPLUG};
	for (size_t i = 0; i < r.col.n; i++) {
		const struct rec *x = &r.col.recs[i];
		if (x->t != 5 * KS_SEC)
			continue;
		if (seen < 3) {
			/* the three actions before A's keepalive timer, due at 5 s too */
			cr_assert_eq(x->type, REC_ACTION, "record %zu at 5 s: type %d", seen, x->type);
			cr_assert_eq(x->u.act.ev->action, acts[seen], "action %zu is not %s", seen,
				     want[seen]);
		}
		seen++;
	}
	/* at 5 s: the three actions, then the keepalive firing and its probe */
	cr_assert_eq(seen, 5, "A's keepalive timer fires at 5 s after the events");
	/* B stays unplugged: tcp_keepalive_probes (9) probes, then the abort */
	cr_assert_eq(run_count_ka(&r, HOST_A, KA_PROBE), 9);
	run_free(&r);
}

/* Reserved seqs order a later-armed timer as if armed at reservation. */
struct order { int id[4]; int n; };
struct otimer { struct ev_timer t; int id; struct order *o; };
static void ofire(struct engine *e, struct ev_timer *t)
{
	(void)e;
	struct otimer *x = container_of(t, struct otimer, t);
	x->o->id[x->o->n++] = x->id;
}

Test(memory, reserved_seq_orders_first)
{
	struct engine e;
	struct order o = {.n = 0};
	struct otimer a = {.id = 1, .o = &o}, b = {.id = 2, .o = &o}, c = {.id = 3, .o = &o};
	eng_init(&e);
	uint64_t first = eng_reserve_seq(&e, 2);
	cr_assert_eq(first, 0);
	cr_assert_eq(e.next_seq, 2);
	ev_timer_init(&a.t, ofire);
	ev_timer_init(&b.t, ofire);
	ev_timer_init(&c.t, ofire);
	eng_schedule(&e, &a.t, 7);               /* seq 2 */
	eng_schedule_seq(&e, &b.t, 7, first + 1); /* seq 1 */
	eng_schedule_seq(&e, &c.t, 7, first);     /* seq 0 */
	cr_assert_eq(eng_run(&e, 7), 3);
	cr_assert_eq(o.n, 3);
	cr_assert_eq(o.id[0], 3);
	cr_assert_eq(o.id[1], 2);
	cr_assert_eq(o.id[2], 1);
	eng_destroy(&e);
}

/* Every streaming output attached (text with --explain, JSON, CSV, pcap):
 * the heap does not grow from the 1st simulated hour to the 4th. */
Test(memory, flat_in_simulated_time)
{
	if (!__sanitizer_get_current_allocated_bytes)
		cr_skip_test("not built with ASan");
	struct scenario *sc = parse_or_fail("[scenario]\nduration = 1d\n"
					    "[A]\nso_keepalive = on\ntcp_keepidle = 1\ntcp_keepintvl = 1\n");
	FILE *null = fopen("/dev/null", "w"), *cap = fopen("/dev/null", "wb");
	cr_assert(null && cap);
	struct output_opts to = {.explain = true}, jo = {.run_info = true};
	char msg[256];
	struct sink *k[4] = {text_sink_new(null, &to), json_sink_new(null, &jo), csv_sink_new(null),
			     pcap_sink_new(&cap, 1, record_lag_bound(sc), msg, sizeof msg)};
	struct sim *s = malloc(sizeof(*s));
	cr_assert_not_null(s);
	sim_init(s, sc);
	for (int i = 0; i < 4; i++) {
		cr_assert_not_null(k[i]);
		sim_add_sink(s, k[i]);
	}
	sim_run_until(s, 3600 * KS_SEC);
	size_t at1h = __sanitizer_get_current_allocated_bytes();
	uint64_t ev1h = s->eng.fired;
	sim_run_until(s, 4 * 3600 * KS_SEC);
	size_t at4h = __sanitizer_get_current_allocated_bytes();
	cr_assert_gt(s->eng.fired, ev1h + 30000, "events in hours 2-4: %llu",
		     (unsigned long long)(s->eng.fired - ev1h));
	cr_assert_leq(at4h, at1h + 4096, "heap %zu bytes after 1 h, %zu after 4 h", at1h, at4h);
	sim_finish(s);
	sim_destroy(s);
	free(s);
	for (int i = 0; i < 4; i++)
		k[i]->destroy(k[i]); /* the pcap sink closes cap */
	fclose(null);
	scenario_free(sc);
}
