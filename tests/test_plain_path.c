/*
 * test_plain_path.c - the simulation's plain path (struct sim's plain_path:
 * host_xmit() and link_arrive() skip the cable, power, cut and NAT checks
 * while nothing on the path needs them) decides exactly what the full path
 * decides, with or without a sink listening, and follows the events that end
 * it (unplug, crash, link down, partition) and restore it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"

/* A run of sc with no sink attached: the path a benchmark or a bare
 * sim_run() takes. */
static void run_untraced(const struct scenario *sc, struct sim_counters *c,
			 struct sim_endpoint e[NHOSTS])
{
	struct sim *s = malloc(sizeof(*s));
	cr_assert_not_null(s);
	sim_init(s, sc);
	sim_run(s);
	sim_counters(s, c);
	for (int h = 0; h < NHOSTS; h++)
		sim_endpoint(s, h, &e[h]);
	sim_destroy(s);
	free(s);
}

/* The shipped scenario name run with and without a sink: the same segments,
 * probes, ends, errors and end times. */
static void same_traced_and_untraced(const char *name)
{
	struct run r;
	run_file(name, NULL, 0, &r);
	struct sim_counters ct, cu;
	struct sim_endpoint et[NHOSTS], eu[NHOSTS];
	sim_counters(r.sim, &ct);
	for (int h = 0; h < NHOSTS; h++)
		sim_endpoint(r.sim, h, &et[h]);
	run_untraced(r.sc, &cu, eu);
	cr_expect_eq(cu.events, ct.events, "%s: events %lu untraced, %lu traced", name,
		     (unsigned long)cu.events, (unsigned long)ct.events);
	cr_expect_eq(cu.segments, ct.segments, "%s: segments %lu untraced, %lu traced", name,
		     (unsigned long)cu.segments, (unsigned long)ct.segments);
	for (int h = 0; h < NHOSTS; h++) {
		cr_expect_eq(cu.probes_sent[h], ct.probes_sent[h], "%s: host %d probes", name, h);
		cr_expect_eq(eu[h].state, et[h].state, "%s: host %d state", name, h);
		cr_expect_eq(eu[h].end, et[h].end, "%s: host %d end", name, h);
		cr_expect_eq(eu[h].error, et[h].error, "%s: host %d error", name, h);
		cr_expect_eq(eu[h].end_time, et[h].end_time, "%s: host %d end time", name, h);
	}
	run_free(&r);
}

Test(plain_path, shipped_scenarios_same_with_and_without_sinks)
{
	static const char *const names[] = {
		"alive.ini", "data-in-flight.ini", "flaky-link.ini", "freebsd.ini",
		"nat-idle-timeout.ini", "one-way.ini", "peer-data.ini", "reboot.ini",
		"setsockopt.ini", "unplug.ini", "unreachable.ini", "user-timeout.ini",
		"websocket-cloudflare.ini",
	};
	for (size_t i = 0; i < NELEMS(names); i++)
		same_traced_and_untraced(names[i]);
}

/* A with keepidle 10 s, keepintvl 5 s, keepcnt 3 on exact timers, for
 * duration, with events (an [events] body), run with no sink attached. */
static void run_ka_untraced(const char *duration, const char *events, struct sim_counters *c,
			    struct sim_endpoint e[NHOSTS])
{
	char *text;
	cr_assert_geq(asprintf(&text, "[scenario]\ntimer = exact\nduration = %s\n[A]\n"
			       "so_keepalive = on\ntcp_keepidle = 10\ntcp_keepintvl = 5\n"
			       "tcp_keepcnt = 3\n[events]\n%s", duration, events), 0);
	struct scenario *sc = scenario_text_ok(text);
	run_untraced(sc, c, e);
	scenario_free(sc);
	free(text);
}

/*
 * B's cable is pulled at 1 s and plugged back at 31 s; nothing listens.
 * A (keepidle 10 s, keepintvl 5 s, keepcnt 3, exact timers) last heard B at
 * the handshake (t = 0): probes at 10, 15 and 20 s are lost at B's cable,
 * and the firing at 25 s finds probes_out = 3 >= keepcnt: ETIMEDOUT at 25 s
 * (tcp_keepalive_timer()). Had the plain path ignored the unplug, B would
 * have answered every probe and A would be established at the end.
 */
Test(plain_path, unplug_ends_the_plain_path_untraced)
{
	struct sim_counters c;
	struct sim_endpoint e[NHOSTS];
	run_ka_untraced("60s", "1s = unplug B\n31s = replug B\n", &c, e);
	cr_expect_eq(e[HOST_A].end, END_KEEPALIVE);
	cr_expect_eq(e[HOST_A].error, KS_ETIMEDOUT);
	cr_expect_eq(e[HOST_A].end_time, 25 * SEC);
	cr_expect_eq(c.probes_sent[HOST_A], 3);
}

/*
 * The wire is cut from 1 s to 12 s; nothing listens. A's first probe (10 s)
 * is lost on the cut wire; the second (15 s) crosses the restored wire and
 * B answers it (probes_out = 0, the idle clock restarts at 15 s), then a
 * probe every 10 s of idleness: 25, 35, 45, 55 s. By 57 s: 6 probes and 14
 * segments (the handshake's 3, 6 probes, 5 answers). Had the plain path
 * ignored the cut, the probe at 10 s would have been answered: probes at 10,
 * 20, 30, 40, 50 s, 13 segments.
 */
Test(plain_path, link_down_and_up_untraced)
{
	struct sim_counters c;
	struct sim_endpoint e[NHOSTS];
	run_ka_untraced("57s", "1s = link down\n12s = link up\n", &c, e);
	cr_expect_eq(e[HOST_A].end, END_NONE);
	cr_expect_eq(e[HOST_A].state, TCP_ESTABLISHED);
	cr_expect_eq(c.probes_sent[HOST_A], 6, "probes %u", c.probes_sent[HOST_A]);
	cr_expect_eq(c.segments, 14, "segments %lu", (unsigned long)c.segments);
}
