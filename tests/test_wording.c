/*
 * test_wording.c - the exact sentences of issue #13.5 under the timer models
 * with ticks: lwIP's slow-timer lines (a strict > on whole 0.5 s ticks, the
 * next check at the next tick, not "tcp_keepintvl 0.5 s") and summaries that
 * say a tick count as a count, so the abort time and the silence agree.
 *
 * Derivations:
 *  - lwIP (tcp_slowtmr(), jiffies_phase 0.25 s: ticks at 0.25 + 0.5 k s, the
 *    handshake at 0 in tick 0): at 7200.25 s tcp_ticks = 14401 > 7200000 / 500
 *    = 14400: probe #1; at 7875.25 s 15751 > (7200000 + 9 x 75000) / 500 =
 *    15750: abort, ECONNABORTED. Both 0.25 s after the exact-timer schedule
 *    (7200 s and 7875 s after the handshake at 0).
 *  - Linux wheel, HZ 250, jiffies 0, phase 0: 7200 s = 1800000 jiffies lands on
 *    level 5 (258048 <= delta < 2064384, granularity 32768): ((1800000 >> 15) +
 *    1) << 15 = 1802240 jiffies = 7208.96 s; each 75 s re-arm (18750 jiffies,
 *    level 3, granularity 512) from a multiple of 512 ends at the next one,
 *    18944 jiffies = 75.776 s: the abort at 1802240 + 9 x 18944 = 1972736
 *    jiffies = 7890.944 s, 15.944 s after 7200 + 9 x 75.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static const char lwip_ini[] = "[scenario]\ntimer = lwip\njiffies_phase = 0.25s\nduration = 3h\n\n[A]\nos = lwip\n"
			       "so_keepalive = on\n\n[events]\n10s = unplug B\n";

static const char wheel_ini[] = "[scenario]\ntimer = linux\nhz = 250\njiffies = 0\njiffies_phase = 0\n"
				"duration = 3h\n\n[A]\nso_keepalive = on\n\n[events]\n10s = unplug B\n";

static void expect_line(const char *out, const char *line)
{
	cr_expect_not_null(strstr(out, line), "want the line\n%s\nin\n%s", line, out);
}

/* kasim [opt] on ini (written to a temporary file): its stdout (malloc'd). */
static char *stdout_of(const char *ini, const char *opt)
{
	char *p = tmp_write("case.ini", ini);
	struct cmd c = opt ? KASIM(opt, p) : KASIM(p);
	cr_expect_eq(c.status, 0, "%s", c.err);
	char *out = strdup(c.out);
	cmd_free(&c);
	tmp_remove(p);
	return out;
}

Test(wording, lwip_timer_lines_strict_and_next_tick)
{
	char *out = stdout_of(lwip_ini, NULL);
	expect_line(out, "   7200.250000 A keepalive timer: idle 14401 slow-timer ticks (7200.5 s) > (tcp_keepidle "
			   "7200 s + probes_out 0 x tcp_keepintvl 75 s) / 0.5 s = 14400 ticks (lwIP's tcp_slowtmr(): a "
			   "strict >): send probe #1, next check at the next slow-timer tick, in 0.5 s (0.25 s after the "
			   "exact-timer schedule)\n");
	expect_line(out, "   7875.250000 A keepalive timer: idle 15751 slow-timer ticks (7875.5 s) > (keepidle 7200 s "
			   "+ keepcnt 9 x keepintvl 75 s) / 0.5 s = 15750 ticks (lwIP's tcp_slowtmr(): a strict >): give "
			   "up (RST) (0.25 s after the exact-timer schedule)\n");
	expect_line(out, "  A aborted with ECONNABORTED at 7875.25 s (keepalive): last heard from B in slow-timer "
			   "tick 0; silent for 15751 slow-timer ticks (7875.5 s) by lwIP's count (whole ticks, not the "
			   "time that passed) > (keepidle 7200 s + keepcnt 9 x keepintvl 75 s) / 0.5 s = 15750 ticks (an "
			   "idle-time rule: no probe counter).\n");
	cr_expect_null(strstr(out, "tcp_keepintvl 0.5 s"), "%s", out);
	cr_expect_null(strstr(out, ">="), "lwIP compares strictly: %s", out);
	free(out);
	out = stdout_of(lwip_ini, "--explain");
	expect_line(out, "A, t=7200.250: idle 14401 slow-timer ticks (7200.5 s) > (tcp_keepidle 7200 s + probes_out "
			   "0 × tcp_keepintvl 75 s) / 0.5 s: lwIP compares whole ticks, strictly, so probe #1 goes out; "
			   "its slow timer looks again at the next tick, in 0.5 s.\n");
	expect_line(out, "A, t=7875.250: idle 7875.5 s > keepidle 7200 s + keepcnt 9 × keepintvl 75 s, so A gives "
			   "up and sends a RST (this stack decides on idle time, not on a probe counter; lwIP counts "
			   "whole 0.5 s ticks and compares strictly).\n");
	free(out);
}

Test(wording, linux_wheel_summary_counts_jiffies)
{
	char *out = stdout_of(wheel_ini, NULL);
	expect_line(out, "  A aborted with ETIMEDOUT at 7890.944 s (keepalive): last heard from B in the jiffy that "
			   "began at 0 s; silent for 1972736 jiffies (7890.944 s at HZ 250) with 9 unanswered probes, "
			   "15.944 s more than keepidle 7200 s + 9 x keepintvl 75 s = 7875 s (timers fired late, or the "
			   "timer was re-armed later than last activity + keepidle).\n");
	free(out);
}

/* #13.4: each firing's lateness against the exact-timer schedule, on the
 * timeline, in --json ("late") and in timeline.csv (late_s). With the wheel
 * above: probe #1 at 7208.96 s (8.96 s after 7200 s), each re-arm 0.776 s late
 * (18944 - 18750 jiffies), so probe #9 leaves 8.96 + 8 x 0.776 = 15.168 s
 * after 7800 s and the abort 15.944 s after 7875 s. */
Test(wording, lateness_against_the_exact_timer_schedule)
{
	char *p = tmp_write("wheel.ini", wheel_ini);
	struct cmd c = KASIM(p);
	expect_line(c.out, "send probe #1, next check in tcp_keepintvl 75 s (nominal 7200.000000, +8.96 s late; 8.96 s "
			   "after the exact-timer schedule)\n");
	expect_line(c.out, "send probe #9, next check in tcp_keepintvl 75 s (nominal 7814.392000, +0.776 s late; "
			   "15.168 s after the exact-timer schedule)\n");
	expect_line(c.out, "give up (RST, ETIMEDOUT) (nominal 7890.168000, +0.776 s late; 15.944 s after the "
			   "exact-timer schedule)\n");
	cmd_free(&c);
	c = KASIM("--json", p);
	expect_line(c.out, "\"probe\": 1, \"nominal\": 7200, \"actual\": 7208.96, \"late\": 8.96}");
	expect_line(c.out, "\"probe\": 9, \"nominal\": 7814.392, \"actual\": 7815.168, \"late\": 15.168}");
	cmd_free(&c);
	char *dir = make_tmpdir(), *out = strf("%s/o", dir), *csv = strf("%s/o/timeline.csv", dir);
	c = KASIM("-q", "--no-plot", "-o", out, p);
	cr_assert_eq(c.status, 0, "%s", c.err);
	cmd_free(&c);
	char *text = slurp(csv, NULL);
	cr_assert_not_null(text);
	/* the abort's row ends with its lateness (after the four RTT columns) */
	cr_expect_not_null(strstr(text, "one tcp_keepintvl after the last probe).\",,,,,15.944\n"), "%s", text);
	free(text), free(csv), free(out);
	rm_rf(dir);
	free(dir);
	tmp_remove(p);
	/* lwIP (assignment 6): the SYN-ACK at 0.3 s, probe #1 due at 10.3 s, sent at
	 * the tick of 10.5 s */
	char *lw = root_path("scenarios/course/06-lwip-ticks/scenario.ini");
	c = KASIM(lw);
	expect_line(c.out, "send probe #1, next check at the next slow-timer tick, in 0.5 s (0.2 s after the "
			   "exact-timer schedule)\n");
	cmd_free(&c);
	free(lw);
}

/* #13.4: the probe period on a live connection, in the summary (derivation:
 * scenarios/course/keys/05-probe-period.ini: keepidle 60 s + RTT 2 x 25 ms). */
Test(wording, probe_period_on_a_live_connection)
{
	char *p = root_path("scenarios/course/05-probe-period/scenario.ini");
	struct cmd c = KASIM(p);
	expect_line(c.out, "  A probes every 60.05 s on this live connection (keepidle 60 s + RTT 0.05 s: each answer "
			   "restarts the idle clock), not every tcp_keepintvl 10 s.\n");
	cmd_free(&c);
	free(p);
	/* the peer's data between two cycles restarts the idle clock: that gap is
	 * no probe period (probes at 60.05, 120.1, then data from B at 150 s:
	 * the next cycle at 210.05 s follows the data, and the sentence keeps to
	 * the one real period, 60.05 s) */
	char *t = strf("[scenario]\ntimer = exact\nduration = 4m\n[A]\nso_keepalive = on\n"
		       "tcp_keepidle = 60\ntcp_keepintvl = 10\n[link]\ndelay = 25ms\n[events]\n"
		       "150s = send B 10\n");
	char *dir = make_tmpdir(), *f = strf("%s/gap.ini", dir);
	write_file(f, t);
	c = KASIM(f);
	expect_line(c.out, "  A probes every 60.05 s on this live connection (keepidle 60 s + RTT 0.05 s: each answer "
			   "restarts the idle clock), not every tcp_keepintvl 10 s.\n");
	cmd_free(&c);
	unlink(f);
	rmdir(dir);
	free(f);
	free(dir);
	free(t);
	/* a dead peer: one cycle, no period */
	p = root_path("scenarios/course/01-dead-peer/scenario.ini");
	c = KASIM(p);
	cr_expect_null(strstr(c.out, "probes every"), "%s", c.out);
	cmd_free(&c);
	free(p);
}
