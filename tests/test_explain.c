/*
 * test_explain.c - --explain: the sentences students read, exactly.
 */
#include <criterion/criterion.h>

#include "explain.h"
#include "binrun.h"

Test(explain, probe_sentence_from_the_issue)
{
	struct rec_keepalive k = {.host = HOST_A, .decision = KA_PROBE, .elapsed = 7275 * KS_SEC,
				  .probes_out = 1, .time = 7200 * KS_SEC, .intvl = 75 * KS_SEC,
				  .probes = 9, .next = 75 * KS_SEC, .probe_no = 2};
	char b[512];
	explain_keepalive(b, sizeof b, 7275 * KS_SEC, &k);
	cr_assert_str_eq(b, "A, t=7275.000: idle 7275 s ≥ tcp_keepidle 7200 s and probes_out 1 < tcp_keepcnt 9, "
			    "so probe #2 goes out; next check in tcp_keepintvl 75 s.");
}

Test(explain, time_format)
{
	char b[32];
	format_tms(b, sizeof b, 0);
	cr_assert_str_eq(b, "0.000");
	format_tms(b, sizeof b, 60050 * KS_MS);
	cr_assert_str_eq(b, "60.050");
	format_tms(b, sizeof b, 1 * KS_SEC + 500 * KS_US);
	cr_assert_str_eq(b, "1.0005");
	format_tms(b, sizeof b, 1);
	cr_assert_str_eq(b, "0.000000001");
}

Test(explain, every_branch)
{
	char b[512];
	struct rec_keepalive k = {.host = HOST_A, .peer = HOST_B, .time = 60 * KS_SEC, .intvl = 10 * KS_SEC, .probes = 5};
	k.decision = KA_BUSY;
	k.packets_out = 1;
	k.next = 60 * KS_SEC;
	explain_keepalive(b, sizeof b, 70 * KS_SEC, &k);
	cr_assert_str_eq(b, "A, t=70.000: data in flight (1 unacknowledged segment): keepalive stays out of the way, "
			    "because the retransmission timer is in charge; next check in tcp_keepidle 60 s.");
	k.decision = KA_IDLE;
	k.elapsed = 9950 * KS_MS;
	k.next = 50050 * KS_MS;
	explain_keepalive(b, sizeof b, 70050 * KS_MS, &k);
	cr_assert_str_eq(b, "A, t=70.050: idle only 9.95 s < tcp_keepidle 60 s (A last heard from B at t=60.100), "
			    "so nothing is sent; the timer sleeps for the rest of the idle time, 50.05 s.");
	k.decision = KA_ABORT_UT;
	k.host = HOST_B;
	k.elapsed = 45 * KS_SEC;
	k.probes_out = 3;
	k.user_timeout = 42000;
	explain_keepalive(b, sizeof b, 45 * KS_SEC, &k);
	cr_assert_str_eq(b, "B, t=45.000: idle 45 s ≥ TCP_USER_TIMEOUT 42000 ms and probes_out 3 > 0, so B gives up: "
			    "it sends a RST and the application gets ETIMEDOUT (with TCP_USER_TIMEOUT set, "
			    "tcp_keepcnt 5 is not consulted).");
	k.decision = KA_PROBE;
	k.elapsed = 40 * KS_SEC;
	k.probes_out = 2;
	k.probe_no = 3;
	k.time = 30 * KS_SEC;
	k.next = 5 * KS_SEC;
	explain_keepalive(b, sizeof b, 40 * KS_SEC, &k);
	cr_assert_str_eq(b, "B, t=40.000: idle 40 s ≥ tcp_keepidle 30 s; TCP_USER_TIMEOUT 42000 ms replaces "
			    "tcp_keepcnt, and idle 40 s < 42 s, so probe #3 goes out; next check in tcp_keepintvl 5 s.");
	struct rec_rto r = {.host = HOST_A, .decision = RTO_ABORT, .retransmits = 16, .since = 10444 * KS_SEC / 10,
			    .limit = 9246 * KS_SEC / 10, .boundary = 15};
	explain_rto(b, sizeof b, 11046 * KS_SEC / 10, &r);
	cr_assert_str_eq(b, "A, t=1104.600: the retransmission timer fired again with nothing acknowledged: "
			    "16 retransmissions, 1044.4 s since the first one ≥ the limit 924.6 s (tcp_retries2 15), "
			    "so A gives up: the application gets ETIMEDOUT and no RST is sent.");
}

Test(explain, in_the_timeline)
{
	char *sc = root_path("scenarios/unplug.ini");
	struct cmd r = KASIM("--explain", sc);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "A, t=7275.000: idle 7275 s ≥ tcp_keepidle 7200 s and probes_out 1 < tcp_keepcnt 9, "
				"so probe #2 goes out; next check in tcp_keepintvl 75 s.\n"),
		  "%s", r.out);
	cr_assert(strstr(r.out, "A, t=7875.000: idle 7875 s ≥ tcp_keepidle 7200 s and probes_out 9 ≥ tcp_keepcnt 9"));
	cmd_free(&r);
	free(sc);
	sc = root_path("scenarios/data-in-flight.ini");
	r = KASIM("--explain", sc);
	cr_assert(strstr(r.out, "data in flight (1 unacknowledged segment): keepalive stays out of the way"), "%s",
		  r.out);
	cr_assert(strstr(r.out, "so retransmission #1 goes out"));
	cmd_free(&r);
	free(sc);
}

Test(explain, colour_only_when_asked)
{
	char *sc = root_path("scenarios/unplug.ini");
	struct cmd r = KASIM(sc);
	cr_assert_null(strchr(r.out, '\033'), "no colour when stdout is not a terminal");
	cmd_free(&r);
	r = KASIM("--color=always", sc);
	cr_assert(strstr(r.out, "\033[31m(dropped: B unplugged)\033[0m"));
	cmd_free(&r);
	r = KASIM("--color=never", sc);
	cr_assert_null(strchr(r.out, '\033'));
	cmd_free(&r);
	r = KASIM("--color=sometimes", sc);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "kasim: --color takes auto, always or never: sometimes"));
	cmd_free(&r);
	free(sc);
}
