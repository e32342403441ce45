/*
 * test_presets.c - library = NAME (the keepalive options libraries and
 * daemons set, sim/library.c) and the vendors' ranges of the NAT presets'
 * idle timeouts (sim/nat_preset.c). Expected values are the sources' numbers
 * (docs/profiles.md, docs/nat.md), not kasim's output.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"
#include "keepalive.h"
#include "library.h"
#include "sim_capture.h"

static struct scenario *parse_ok(const char *text, const char *const *sets, size_t nsets)
{
	struct diag d = {0};
	struct scenario *s = scenario_parse_string("t.ini", text, sets, nsets, &d);
	cr_assert_not_null(s, "%s", d.n ? d.msg[0] : "");
	return s;
}

struct lib_case {
	const char *name;
	bool on;
	uint32_t time, intvl, probes; /* effective, with Linux's sysctls 7200/75/9 */
};

/* go: 15/15 + the OS's 9; node: the delay stays the OS's, 1 s, 10 probes;
 * redis: 300, 300 / 3, 3; libpq and postgres: SO_KEEPALIVE with the OS's
 * 7200/75/9; curl: 60/60/9; libcurl and java: off (the numbers libcurl would
 * use once CURLOPT_TCP_KEEPALIVE is set: 60/60/9; java: the OS's). */
static const struct lib_case libs[] = {
	{"go", true, 15, 15, 9},        {"node", true, 7200, 1, 10},   {"redis", true, 300, 100, 3},
	{"libpq", true, 7200, 75, 9},   {"postgres", true, 7200, 75, 9}, {"curl", true, 60, 60, 9},
	{"libcurl", false, 60, 60, 9},  {"java", false, 7200, 75, 9},
};

Test(library, every_library_sets_its_documented_options)
{
	cr_assert_eq(library_count, NELEMS(libs));
	for (size_t i = 0; i < NELEMS(libs); i++) {
		char *text = strf("[B]\nlibrary = %s\n", libs[i].name);
		struct scenario *s = parse_ok(text, NULL, 0);
		const struct ep_config *b = &s->ep[HOST_B];
		struct ka_settings k = keepalive_settings(b);
		cr_expect_str_eq(library_names[i], libs[i].name);
		cr_expect_str_eq(b->library, libs[i].name);
		cr_expect_eq(b->so_keepalive, libs[i].on, "%s", libs[i].name);
		cr_expect_eq(k.time, libs[i].time, "%s: idle %u", libs[i].name, k.time);
		cr_expect_eq(k.intvl, libs[i].intvl, "%s: intvl %u", libs[i].name, k.intvl);
		cr_expect_eq(k.probes, libs[i].probes, "%s: probes %u", libs[i].name, k.probes);
		scenario_free(s);
		free(text);
	}
}

/* The section's own keys win whatever their order; --set wins over the file. */
Test(library, explicit_options_win_in_any_order)
{
	struct scenario *s = parse_ok("[A]\ntcp_keepcnt = 5\nlibrary = redis\ntcp_keepidle = 600\n", NULL, 0);
	struct ka_settings k = keepalive_settings(&s->ep[HOST_A]);
	cr_expect_eq(k.time, 600);
	cr_expect_eq(k.intvl, 200); /* tcp-keepalive 600: 600 / 3 (see derived_interval) */
	cr_expect_eq(k.probes, 5);
	scenario_free(s);

	const char *sets[] = {"A.library=go"};
	s = parse_ok("[A]\ntcp_keepintvl = 30\n", sets, 1);
	k = keepalive_settings(&s->ep[HOST_A]);
	cr_expect_eq(k.time, 15);
	cr_expect_eq(k.intvl, 30);
	cr_expect(s->ep[HOST_A].so_keepalive);
	scenario_free(s);

	const char *sets2[] = {"A.so_keepalive=off"};
	s = parse_ok("[A]\nlibrary = curl\n", sets2, 1);
	cr_expect_not(s->ep[HOST_A].so_keepalive);
	scenario_free(s);
}

/* A library whose interval follows the idle time derives it from the
 * tcp_keepidle the section (or --set) gives: redis' anetKeepAlive() N / 3 (1
 * when that is 0), Go's KeepAlive and curl's --keepalive-time N for both; an
 * explicit tcp_keepintvl wins; node's interval is libuv's fixed 1 s. */
Test(library, derived_interval)
{
	static const struct {
		const char *text, *set;
		uint32_t time, intvl, probes;
	} cases[] = {
		{"[A]\nlibrary = redis\ntcp_keepidle = 60\n", NULL, 60, 20, 3},
		{"[A]\ntcp_keepidle = 2\nlibrary = redis\n", NULL, 2, 1, 3},
		{"[A]\nlibrary = redis\n", "A.tcp_keepidle=61", 61, 20, 3},
		{"[A]\nlibrary = redis\ntcp_keepidle = 60\ntcp_keepintvl = 7\n", NULL, 60, 7, 3},
		{"[A]\nlibrary = go\n", "A.tcp_keepidle=90", 90, 90, 9},
		{"[A]\nlibrary = curl\ntcp_keepidle = 30\n", NULL, 30, 30, 9},
		{"[A]\nlibrary = libcurl\nso_keepalive = on\ntcp_keepidle = 45\n", NULL, 45, 45, 9},
		{"[A]\nlibrary = node\ntcp_keepidle = 60\n", NULL, 60, 1, 10},
		{"[A]\nlibrary = redis\n", NULL, 300, 100, 3},
	};
	for (size_t i = 0; i < NELEMS(cases); i++) {
		const char *sets[] = {cases[i].set};
		struct scenario *s = parse_ok(cases[i].text, sets, cases[i].set ? 1 : 0);
		struct ka_settings k = keepalive_settings(&s->ep[HOST_A]);
		cr_expect_eq(k.time, cases[i].time, "case %zu: time %u", i, k.time);
		cr_expect_eq(k.intvl, cases[i].intvl, "case %zu: intvl %u", i, k.intvl);
		cr_expect_eq(k.probes, cases[i].probes, "case %zu: probes %u", i, k.probes);
		scenario_free(s);
	}
}

/* redis-server with tcp-keepalive 60 against a dead peer: 60 + 3 x 20 s. */
Test(library, redis_tcp_keepalive_60_detects_in_120_s)
{
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[A]\nlibrary = redis\ntcp_keepidle = 60\n"
		"[events]\n10s = unplug B\n", NULL, 0, &r);
	cr_expect_eq(run_end_time(&r, HOST_A), 120 * SEC);
	cr_expect_eq(run_end_must(&r, HOST_A)->error, KS_ETIMEDOUT);
	cr_expect_eq(run_count_probes_sent(&r, HOST_A), 3);
	run_free(&r);
}

Test(library, unknown_library_is_an_input_error_with_a_suggestion)
{
	cap_expect_error("[A]\n\nlibrary = rediss\n",
			 "t.ini:3: unknown library 'rediss' (did you mean 'redis'? valid libraries: go, "
			 "node, redis, libpq, postgres, curl, libcurl, java)");
	cap_expect_error("[B]\nlibrary = erlang\n",
			 "t.ini:2: unknown library 'erlang' (valid libraries: go, node, redis, libpq, "
			 "postgres, curl, libcurl, java)");
}

/* Redis's defaults against a dead peer: idle 300 s + 3 probes x 100 s. */
Test(library, redis_detects_a_dead_peer_in_600_s)
{
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[A]\nlibrary = redis\n[events]\n10s = unplug B\n", NULL, 0, &r);
	cr_expect_eq(run_end_time(&r, HOST_A), 600 * SEC);
	cr_expect_eq(run_end_must(&r, HOST_A)->error, KS_ETIMEDOUT);
	cr_expect_eq(run_count_probes_sent(&r, HOST_A), 3);
	run_free(&r);
}

/* Vendor ranges: AWS NLB and Network Firewall 60..6000 s, Azure LB 4..100 min,
 * Azure NAT Gateway 4..120 min. */
Test(nat_range, vendor_ranges_accept_inside_and_reject_outside)
{
	struct scenario *s = parse_ok("[nat]\npreset = aws-nlb\nestablished_timeout = 6000s\n", NULL, 0);
	cr_expect_eq(s->nat.established_timeout, 6000 * SEC);
	scenario_free(s);
	s = parse_ok("[nat]\nestablished_timeout = 1m\npreset = aws-network-firewall\n", NULL, 0);
	cr_expect_eq(s->nat.established_timeout, 60 * SEC);
	scenario_free(s);
	cap_expect_error("[nat]\npreset = aws-nlb\nestablished_timeout = 6001s\n",
			 "t.ini:3: established_timeout = 1h40m1s is outside aws-nlb's range "
			 "(tcp.idle_timeout.seconds: 60..6000 s)");
	cap_expect_error("[nat]\nestablished_timeout = 59s\npreset = aws-network-firewall\n",
			 "t.ini:2: established_timeout = 59s is outside aws-network-firewall's range "
			 "(TcpIdleTimeoutSeconds: 60..6000 s)");
	cap_expect_error("[nat]\npreset = azure-lb\nestablished_timeout = 101m\n",
			 "t.ini:3: established_timeout = 1h41m is outside azure-lb's range (the load "
			 "balancer's idle timeout: 240..6000 s)");
	cap_expect_error("[nat]\npreset = azure-nat-gateway\nestablished_timeout = 3m\n",
			 "t.ini:3: established_timeout = 3m is outside azure-nat-gateway's range (the NAT "
			 "gateway's TCP idle timeout: 240..7200 s)");
	/* no documented range: anything goes */
	s = parse_ok("[nat]\npreset = aws-nat-gateway\nestablished_timeout = 100\n", NULL, 0);
	cr_expect_eq(s->nat.established_timeout, 100 * SEC);
	scenario_free(s);
}

/* The AWS NLB's RST to a sender after the idle timeout (outbound_miss = rst). */
Test(nat_range, aws_nlb_resets_a_sender_after_350_s)
{
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[link]\ndelay = 10ms\n[nat]\npreset = aws-nlb\n"
		"[events]\n400s = send A 100\n", NULL, 0, &r);
	const struct rec_end *e = run_end_must(&r, HOST_A);
	cr_expect_eq(e->error, KS_ECONNRESET);
	/* the write leaves at 400 s and meets the NLB at once (the middlebox sits at
	 * A's end of the wire, docs/nat.md): its RST reaches A at 400 s */
	cr_expect_eq(run_end_time(&r, HOST_A), 400 * SEC);
	run_free(&r);
}
