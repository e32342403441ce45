/*
 * test_timer_auto.c - the default timer model, timer = auto (docs/timers.md):
 * each host runs on its own OS's timers (Linux profiles: jiffies and the
 * wheel; lwip: its 500 ms slow timer; the others: exact), and the outputs say
 * which. The example: tcp_retries2 = 6 aborts 50.81 s after the first
 * retransmission on the exact model but about 26 s on Linux's, because a
 * 51-jiffy RTO crosses tcp_model_timeout(6) = 25.4 s one retransmission
 * earlier.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "retransmit.h"
#include "sim.h"
#include "timer.h"

static struct scenario *parse(const char *text)
{
	struct diag d = {0};
	struct scenario *sc = scenario_parse_string("t.ini", text, NULL, 0, &d);
	cr_assert_not_null(sc, "%s", d.n ? d.msg[0] : "-");
	diag_free(&d);
	return sc;
}

Test(timer_auto, default_is_each_hosts_own_model)
{
	struct scenario *sc = parse("[scenario]\n[A]\nos = linux\n[B]\nos = lwip\n");
	cr_expect_eq(sc->timer, SC_TIMER_AUTO);
	cr_expect_eq(sc_host_timer(sc, HOST_A), TM_LINUX);
	cr_expect_eq(sc_host_timer(sc, HOST_B), TM_LWIP);
	scenario_free(sc);
	sc = parse("[A]\nos = freebsd\n[B]\nos = linux-2.6\n");
	cr_expect_eq(sc_host_timer(sc, HOST_A), TM_EXACT); /* its granularity is not modelled */
	cr_expect_eq(sc_host_timer(sc, HOST_B), TM_LINUX);
	scenario_free(sc);
	/* the forced models: exact leaves lwIP on its slow timer (its rule counts ticks) */
	sc = parse("[scenario]\ntimer = exact\n[B]\nos = lwip\n");
	cr_expect_eq(sc_host_timer(sc, HOST_A), TM_EXACT);
	cr_expect_eq(sc_host_timer(sc, HOST_B), TM_LWIP);
	scenario_free(sc);
	sc = parse("[scenario]\ntimer = lwip\n");
	cr_expect_eq(sc_host_timer(sc, HOST_A), TM_EXACT);
	scenario_free(sc);
}

Test(timer_auto, hosts_share_the_jiffies_and_lwip_gets_the_seeded_phase)
{
	struct run r;
	run_ini("[scenario]\ntimer = auto\nhz = 1000\njiffies = 77\nduration = 1\n[B]\nos = lwip\n", NULL, 0,
		&r);
	const struct timer_model *a = &r.sim->host[HOST_A].tm, *b = &r.sim->host[HOST_B].tm;
	cr_expect_eq(a->kind, TM_LINUX);
	cr_expect_eq(a->hz, 1000);
	cr_expect_eq(a->jiffies0, 77);
	cr_expect_lt(a->phase, 1 * MS);
	cr_expect_eq(b->kind, TM_LWIP);
	cr_expect_lt(b->phase, 500 * MS);
	run_free(&r);
	/* the same seed under timer = lwip draws the same slow-timer phase */
	struct run l;
	run_ini("[scenario]\ntimer = lwip\nduration = 1\n[B]\nos = lwip\n", NULL, 0, &l);
	run_ini("[scenario]\ntimer = auto\nduration = 1\n[B]\nos = lwip\n", NULL, 0, &r);
	cr_expect_eq(r.sim->host[HOST_B].tm.phase, l.sim->host[HOST_B].tm.phase);
	/* and the Linux host of timer = auto the same clock as under timer = linux */
	struct run x;
	run_ini("[scenario]\ntimer = linux\nduration = 1\n", NULL, 0, &x);
	cr_expect_eq(r.sim->host[HOST_A].tm.jiffies0, x.sim->host[HOST_A].tm.jiffies0);
	cr_expect_eq(r.sim->host[HOST_A].tm.phase, x.sim->host[HOST_A].tm.phase);
	run_free(&x);
	run_free(&l);
	run_free(&r);
}

#define RETRIES2_6(MODEL)                                                                          \
	"[scenario]\ntimer = " MODEL "\nduration = 200\n[A]\nnet.ipv4.tcp_retries2 = 6\n[link]\n"       \
	"delay = 20us\n[events]\n0.5 = unplug B\n1 = send A 100\n"

/* Elapsed since the first retransmission as retransmits_timed_out() sees it:
 * whole milliseconds on Linux (tcp_time_stamp_ms), exact otherwise. */
static ks_time_t since(const struct timer_model *tm, ks_time_t t, ks_time_t first)
{
	return tm_ms_elapsed(tm, t, first);
}

Test(timer_auto, retries2_6_exact_vs_linux)
{
	const ks_time_t limit = tcp_model_timeout(6, TCP_RTO_MIN);
	cr_expect_eq(limit, 25400 * MS); /* (2^7 - 1) x 200 ms */

	/* exact: RTO = srtt 40 us + rttvar 200 ms (the handshake's RTT), doubling;
	 * the first firing >= 25.4 s after the first retransmission: (2 + 4 +
	 * ... + 64) RTO = 25.2 s < 25.4 s, so one RTO more: 254 RTO = 50.81 s,
	 * after 7 retransmissions. */
	const ks_time_t rto_e = 200 * MS + 40 * KS_US;
	struct run e;
	run_ini(RETRIES2_6("exact"), NULL, 0, &e);
	const struct pkt *f = run_nth_pkt(&e, HOST_A, SEG_RETRANS, 1);
	cr_assert_not_null(f);
	cr_expect_eq(f->sent, 1 * SEC + rto_e);
	cr_expect_eq(run_end_time(&e, HOST_A) - f->sent, 254 * rto_e);
	cr_expect_eq(254 * rto_e, 50810160 * KS_US);
	cr_expect_eq(run_end_must(&e, HOST_A)->retransmits, 7);

	/* linux: RTO 51 jiffies (usecs_to_jiffies(200.04 ms)); every step is
	 * the wheel's firing of the doubled RTO, re-armed from the handler. */
	struct run l;
	run_ini(RETRIES2_6("auto"), NULL, 0, &l);
	const struct timer_model *tm = &l.sim->host[HOST_A].tm;
	cr_assert_eq(tm->kind, TM_LINUX);
	const struct pkt *first = run_nth_pkt(&l, HOST_A, SEG_RETRANS, 1);
	cr_assert_not_null(first);
	uint64_t rto = 51;
	ks_time_t prev = first->sent;
	size_t n = 1;
	for (;;) {
		unsigned lv;
		uint64_t j = tm_jiffies64(tm, prev);
		rto = rto * 2 > 120 * 250 ? 120 * 250 : rto * 2;
		ks_time_t next = tm_tick_time(tm, tm_wheel_expiry(j + rto, j + 1, 250, &lv));
		if (since(tm, next, first->sent) >= limit) {
			cr_expect_eq(run_end_time(&l, HOST_A), next, "abort after %zu retransmissions", n);
			break;
		}
		const struct pkt *p = run_nth_pkt(&l, HOST_A, SEG_RETRANS, ++n);
		cr_assert_not_null(p, "retransmission %zu", n);
		cr_expect_eq(p->sent, next, "retransmission %zu", n);
		prev = next;
	}
	/* one retransmission fewer: 0.408 x (2^6 - 2) = 25.7 s already crosses 25.4 s */
	cr_expect_eq(n, 6);
	cr_expect_eq(run_end_must(&l, HOST_A)->retransmits, 6);
	ks_time_t took = run_end_time(&l, HOST_A) - first->sent;
	cr_expect_geq(took, 408 * MS * 63); /* the nominal 25.704 s, plus the wheel's lateness */
	cr_expect_lt(took, 27 * SEC, "took %llu ns", (unsigned long long)took);
	run_free(&e);
	run_free(&l);
}

Test(timer_auto, outputs_name_each_hosts_model)
{
	char *dir = make_tmpdir(), path[512], out[512];
	snprintf(path, sizeof path, "%s/m.ini", dir);
	snprintf(out, sizeof out, "%s/o", dir);
	write_file(path, "[scenario]\nduration = 1s\n[B]\nos = lwip\n");
	struct cmd t = KASIM(path);
	cr_expect_eq(t.status, 0, "%s", t.err);
	const char *head = "# m (seed 1, duration 1 s, timers A linux HZ 250, B lwip 500 ms)\n";
	cr_expect_eq(strncmp(t.out, head, strlen(head)), 0, "%s", t.out);
	cmd_free(&t);
	struct cmd j = KASIM("-q", "--no-plot", "--set", "scenario.hz=1000", "-o", out, path);
	cr_assert_eq(j.status, 0, "%s", j.err);
	cmd_free(&j);
	snprintf(out, sizeof out, "%s/o/run.json", dir);
	json_error_t je;
	json_t *doc = json_load_file(out, 0, &je);
	cr_assert_not_null(doc, "%s", je.text);
	json_t *a = json_object_get(json_object_get(doc, "endpoints"), "A");
	json_t *b = json_object_get(json_object_get(doc, "endpoints"), "B");
	cr_expect_str_eq(json_string_value(json_object_get(a, "timer")), "linux");
	cr_expect_eq(json_integer_value(json_object_get(a, "hz")), 1000);
	cr_expect_str_eq(json_string_value(json_object_get(b, "timer")), "lwip");
	cr_expect(json_is_null(json_object_get(b, "hz")));
	json_t *cfg = json_object_get(json_object_get(doc, "config"), "scenario");
	cr_expect_str_eq(json_string_value(json_object_get(cfg, "timer")), "auto");
	json_decref(doc);
	free(dir);
}
