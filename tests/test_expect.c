/*
 * test_expect.c - [expect] in a scenario file, kasim check (and --answers),
 * kasim variant: through the sanitised binary ($KASIM_BIN).
 *
 * Every expected value here comes from the kernel's keepalive logic
 * (tcp_keepalive_timer()): with Linux's defaults and B unplugged, A's probes
 * go out at keepidle + k x keepintvl = 7200 + 75 k s (k = 0..8) after the
 * last packet from B (the SYN-ACK at 0 s, no link delay), and the firing
 * after probe #9 aborts at 7200 + 9 x 75 = 7875 s with ETIMEDOUT.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* unplug.ini's situation, exact timers, with the [expect] lines given. */
static char *unplug_with(const char *expect)
{
	char *text = strf("[scenario]\ntimer = exact\nduration = 3h\n\n[A]\nso_keepalive = on\n\n"
			  "[events]\n10s = unplug B\n\n[expect]\n%s", expect);
	char *p = tmp_write("case.ini", text);
	free(text);
	return p;
}

/* Line 12 is the first line of [expect] in unplug_with(). */
#define L1 12

Test(expect, plain_run_prints_one_line_per_expectation_after_the_summary)
{
	char *p = unplug_with("A.error = ETIMEDOUT\n"
			      "A.error_time = 7875s\n"
			      "A.probes_sent = 9\n"
			      "A.probe_times = 7200s, 7275s, 7350s, 7425s, 7500s, 7575s, 7650s, 7725s, 7800s\n"
			      "B.state = ESTABLISHED\n"
			      "B.error = none\n");
	struct cmd c = KASIM(p);
	cr_expect_eq(c.status, 0, "stderr: %s", c.err);
	char *want = strf("  B is still ESTABLISHED at the end (10800 s): SO_KEEPALIVE is off, so it never probes.\n"
			  "\nExpectations ([expect]):\n"
			  "  %s:%d: A.error = ETIMEDOUT: held\n"
			  "  %s:%d: A.error_time = 7875 s: held\n"
			  "  %s:%d: A.probes_sent = 9: held\n"
			  "  %s:%d: A.probe_times = 7200 s, 7275 s, 7350 s, 7425 s, 7500 s, 7575 s, 7650 s, 7725 s, 7800 s: held\n"
			  "  %s:%d: B.state = ESTABLISHED: held\n"
			  "  %s:%d: B.error = none: held\n",
			  p, L1, p, L1 + 1, p, L1 + 2, p, L1 + 3, p, L1 + 4, p, L1 + 5);
	size_t wl = strlen(want);
	cr_expect(c.outlen >= wl && !strcmp(c.out + c.outlen - wl, want), "stdout ends:\n%s\nwant:\n%s", c.out, want);
	free(want);
	cmd_free(&c);
	tmp_remove(p);
}

Test(expect, a_failed_expectation_says_expected_and_got_and_exits_1)
{
	char *p = unplug_with("A.error_time = 7800s\nA.probes_sent = 8\n");
	struct cmd c = KASIM(p);
	cr_expect_eq(c.status, 1);
	char *l1 = strf("  %s:%d: A.error_time = 7800 s: FAILED, got 7875 s\n", p, L1);
	char *l2 = strf("  %s:%d: A.probes_sent = 8: FAILED, got 9\n", p, L1 + 1);
	cr_expect_not_null(strstr(c.out, l1), "stdout: %s", c.out);
	cr_expect_not_null(strstr(c.out, l2), "stdout: %s", c.out);
	cr_expect_eq(c.errlen, 0, "stderr: %s", c.err);
	free(l1);
	free(l2);
	cmd_free(&c);
	tmp_remove(p);
}

/* A child's exit status and stdout (want is freed), then the child. */
static void expect_cmd(struct cmd *c, int status, char *want)
{
	cr_expect_eq(c->status, status, "stdout: %s stderr: %s", c->out, c->err);
	cr_expect_str_eq(c->out, want);
	free(want);
	cmd_free(c);
}

/* kasim check on unplug_with(expect): the exit status and stdout (want: a
 * format with the file's path as %1$s and the first [expect] line as %2$d). */
static void checked(const char *expect, int status, const char *want)
{
	char *p = unplug_with(expect);
	struct cmd c = KASIM("check", p);
	expect_cmd(&c, status, strf(want, p, L1));
	tmp_remove(p);
}

Test(expect, tolerance_plus_minus_both_spellings)
{
	/* 7875 s: inside 7875.4 ± 0.5 and 7874.6 +- 0.4, outside 7875.6 ± 0.5 */
	checked("A.error_time = 7875.4s \xc2\xb1 0.5s\nA.end_time = 7874.6 +- 400ms\nA.probes_sent = 10 +- 1\n", 0,
		"%1$s: ok, 3 expectations held\n");
	checked("A.error_time = 7875.6s \xc2\xb1 0.5s\n", 1,
		"%1$s: FAILED, 1 of 1 expectation failed\n"
		"  %1$s:%2$d: A.error_time = 7875.6 s \xc2\xb1 0.5 s: FAILED, got 7875 s\n");
}

Test(expect, every_endpoint_field)
{
	/* B never ends: end none, retransmissions 0; A ends by keepalive; the
	 * summary is the sentence of the README's unplug example */
	char *p = unplug_with("A.end = keepalive-timeout\nA.end_time = 7875s\nA.retransmissions = 0\n"
			      "A.state = CLOSE\nB.end = none\nB.end_time = none\nB.error_time = none\n"
			      "B.probe_times = none\nA.retrans_times = none\nB.probes_sent = 0\n"
			      "A.summary = A aborted with ETIMEDOUT at 7875 s (keepalive): last heard from B at 0 s; "
			      "idle 7200 s + 9 unanswered probes x 75 s = 7875 s\n");
	struct cmd c = KASIM("check", p);
	cr_expect_eq(c.status, 0, "stdout: %s stderr: %s", c.out, c.err);
	cmd_free(&c);
	tmp_remove(p);
}

/* isn: the number --json prints as endpoints.A.isn (drawn from the seed) */
Test(expect, isn_is_the_json_isn)
{
	char *p = unplug_with("A.probes_sent = 9\n");
	struct cmd j = KASIM("--json", p);
	const char *at = strstr(j.out, "\"A\": {\"isn\": ");
	cr_assert_not_null(at, "%s", j.out);
	unsigned long long isn = strtoull(at + strlen("\"A\": {\"isn\": "), NULL, 10);
	cmd_free(&j);
	tmp_remove(p);
	char *e = strf("A.isn = %llu\nB.isn = %llu\n", isn, isn + 1);
	p = unplug_with(e);
	struct cmd c = KASIM("check", p);
	cr_expect_eq(c.status, 1);
	char *l = strf("%s: FAILED, 1 of 2 expectations failed\n  %s:%d: B.isn = %llu: FAILED, got ", p, p, L1 + 1,
		       isn + 1);
	cr_expect(!strncmp(c.out, l, strlen(l)), "stdout: %s", c.out);
	free(l);
	free(e);
	cmd_free(&c);
	tmp_remove(p);
}

Test(expect, bad_expectations_are_input_errors_with_file_line)
{
	char *p = unplug_with("A.probes_snt = 9\nA.error_time = 78x\nA.state = ESTABLISHD\nA.error = ETIMEDOUT ± 1\n"
			      "A.probes_sent = 9\nA.probes_sent = 10\n");
	struct cmd c = KASIM(p);
	cr_expect_eq(c.status, 2);
	cr_expect_eq(c.outlen, 0, "stdout: %s", c.out);
	const char *fmt[] = {
		"kasim: %s:%d: unknown field 'A.probes_snt' in [expect] (did you mean 'A.probes_sent'?)\n",
		"kasim: %s:%d: A.error_time = 78x: '78x' is not a duration",
		"kasim: %s:%d: A.state = ESTABLISHD: 'ESTABLISHD' is not valid (a TCP state: ESTABLISHED,",
		"kasim: %s:%d: A.error = ETIMEDOUT \xc2\xb1 1: a tolerance only goes with a time or a count\n",
		NULL,
		"kasim: %s:%d: duplicate expectation 'A.probes_sent' (first at line 16)\n",
	};
	for (int i = 0; i < 6; i++) {
		if (!fmt[i])
			continue;
		char *l = strf(fmt[i], p, L1 + i);
		cr_expect_not_null(strstr(c.err, l), "want %s in stderr: %s", l, c.err);
		free(l);
	}
	cmd_free(&c);
	/* kasim check: the same, exit 2 */
	c = KASIM("check", p);
	cr_expect_eq(c.status, 2);
	cr_expect_eq(c.outlen, 0, "stdout: %s", c.out);
	cmd_free(&c);
	tmp_remove(p);
}

Test(expect, expect_section_is_accepted_by_every_run_and_unchanged_output)
{
	/* the timeline and summary of a file with [expect] are those without it */
	char *with = unplug_with("A.probes_sent = 9\n");
	char *without = tmp_write("case.ini", "[scenario]\ntimer = exact\nduration = 3h\n\n[A]\nso_keepalive = on\n\n"
				  "[events]\n10s = unplug B\n");
	struct cmd a = KASIM(with), b = KASIM(without);
	cr_expect_eq(b.status, 0);
	cr_expect(a.outlen > b.outlen && !strncmp(a.out, b.out, b.outlen), "with:\n%s\nwithout:\n%s", a.out, b.out);
	cmd_free(&a);
	cmd_free(&b);
	/* --json: stdout stays one document, the report goes to stderr */
	a = KASIM("--json", with);
	b = KASIM("--json", without);
	cr_expect_eq(a.status, 0);
	cr_expect_str_eq(a.out, b.out);
	char *l = strf("Expectations ([expect]):\n  %s:%d: A.probes_sent = 9: held\n", with, L1);
	cr_expect_str_eq(a.err, l);
	free(l);
	cmd_free(&a);
	cmd_free(&b);
	tmp_remove(with);
	tmp_remove(without);
}

Test(check, one_line_per_file_failures_with_file_line_and_exit_status)
{
	char *good = unplug_with("A.error = ETIMEDOUT\n");
	char *bad = unplug_with("A.error = ECONNRESET\nA.probes_sent = 9\n");
	char *plain = scenario_file("unplug.ini");
	struct cmd c = KASIM("check", good, bad);
	cr_expect_eq(c.status, 1);
	char *want = strf("%s: ok, 1 expectation held\n%s: FAILED, 1 of 2 expectations failed\n"
			  "  %s:%d: A.error = ECONNRESET: FAILED, got ETIMEDOUT\n", good, bad, bad, L1);
	cr_expect_str_eq(c.out, want);
	free(want);
	cmd_free(&c);
	/* a file without [expect]: nothing to check is bad input */
	c = KASIM("check", good, plain);
	cr_expect_eq(c.status, 2);
	want = strf("kasim: %s: no [expect] section, nothing to check (expected results: docs/teaching.md)\n", plain);
	cr_expect_str_eq(c.err, want);
	free(want);
	cmd_free(&c);
	c = KASIM("check", "-v", good);
	cr_expect_eq(c.status, 0);
	want = strf("%s: ok, 1 expectation held\n  %s:%d: A.error = ETIMEDOUT: held\n", good, good, L1);
	cr_expect_str_eq(c.out, want);
	free(want);
	cmd_free(&c);
	free(plain);
	tmp_remove(good);
	tmp_remove(bad);
}

Test(check, help_and_usage)
{
	struct cmd c = KASIM("check", "--help");
	cr_expect_eq(c.status, 0);
	cr_expect(!strncmp(c.out, "Usage: kasim check [OPTIONS] FILE...\n", 37), "stdout: %s", c.out);
	cmd_free(&c);
	c = KASIM("check");
	cr_expect_eq(c.status, 2);
	cr_expect_str_eq(c.err, "kasim check: no scenario file given\nTry 'kasim check --help' for more information.\n");
	cmd_free(&c);
	c = KASIM("check", "--answers");
	cr_expect_eq(c.status, 2);
	cmd_free(&c);
}

/* Grade answers (the text of name) against key: the exit status and stdout
 * (want: a format with the answers file's path as its first argument, %1$s). */
static void grade(const char *name, const char *answers, const char *key, int status, const char *want)
{
	char *ans = tmp_write(name, answers);
	struct cmd c = KASIM("check", "--answers", ans, key);
	expect_cmd(&c, status, strf(want, ans, key));
	tmp_remove(ans);
}

Test(check, answers_graded_against_the_key_with_its_tolerances)
{
	char *key = unplug_with("A.error = ETIMEDOUT\nA.error_time = 7875s \xc2\xb1 1s\nA.probes_sent = 9\n"
				"B.state = ESTABLISHED\n");
	/* 7875.9 is within the key's 1 s; 8 probes is wrong; B.state missing */
	grade("alice.txt", "# Alice\nA.error = ETIMEDOUT\nA.error_time = 7875.9\nA.probes_sent = 8\n", key, 1,
	      "%1$s: 2 of 4 answers right\n"
	      "  %1$s:4: A.probes_sent = 8: wrong (the key, %2$s:14: 9)\n"
	      "  %2$s:15: B.state: not answered\n");
	grade("bob.txt", "A.error_time = 7874\nA.error = ETIMEDOUT\nB.state = ESTABLISHED\nA.probes_sent = 9\n", key, 0,
	      "%1$s: 4 of 4 answers right\n");

	char *ans;
	struct cmd c;
	/* bad answers files: exit 2, FILE:LINE */
	ans = tmp_write("eve.txt", "A.probes_snt = 9\nA.error_time = 7875 +- 1\n[x]\n");
	c = KASIM("check", "--answers", ans, key);
	cr_expect_eq(c.status, 2);
	cr_expect_eq(c.outlen, 0);
	const char *fmt[] = {"kasim: %s:1: unknown field 'A.probes_snt' in the key (did you mean 'A.probes_sent'?)\n",
			     "kasim: %s:2: A.error_time = 7875 +- 1: an answer carries no tolerance (the key's tolerance applies)\n",
			     "kasim: %s:3: an answers file has no [sections]"};
	for (size_t i = 0; i < NELEMS(fmt); i++) {
		char *l = strf(fmt[i], ans);
		cr_expect_not_null(strstr(c.err, l), "want %s in %s", l, c.err);
		free(l);
	}
	cmd_free(&c);
	tmp_remove(ans);
	tmp_remove(key);
}

/* kasim variant ASSIGNMENT: for many seeds the key (computed from the
 * formulas in variant.c) holds when kasim check simulates it, and one
 * changed number makes it fail. */
static void variants_hold(const char *assignment)
{
	char *dir = root_path(assignment);
	char *tmp = make_tmpdir();
	for (int seed = 1; seed <= 12; seed++) {
		char s[16], *out = strf("%s/v%d", tmp, seed), *key = strf("%s/key/key.ini", out);
		snprintf(s, sizeof s, "%d", seed * 7919);
		struct cmd c = KASIM("variant", dir, "--seed", s, "-o", out);
		cr_assert_eq(c.status, 0, "stderr: %s", c.err);
		cmd_free(&c);
		cr_expect(file_exists(key));
		char *sc = strf("%s/student/scenario.ini", out), *ho = strf("%s/student/handout.md", out);
		cr_expect(file_exists(sc) && file_exists(ho));
		char *sctext = slurp(sc, NULL);
		cr_expect_null(strstr(sctext, "[expect]"), "the student's scenario holds no answer");
		free(sctext);
		c = KASIM("check", key);
		cr_expect_eq(c.status, 0, "%s seed %s: %s", assignment, s, c.out);
		cmd_free(&c);
		free(sc);
		free(ho);
		free(out);
		free(key);
	}
	rm_rf(tmp);
	free(tmp);
	free(dir);
}

Test(variant, dead_peer_keys_hold)
{
	variants_hold("scenarios/course/01-dead-peer");
}

Test(variant, user_timeout_keys_hold)
{
	variants_hold("scenarios/course/04-user-timeout");
}

Test(variant, rto_keys_hold)
{
	variants_hold("scenarios/course/10-rto-estimation");
}

Test(variant, same_seed_same_files_and_errors)
{
	char *dir = root_path("scenarios/course/01-dead-peer");
	char *tmp = make_tmpdir(), *a = strf("%s/a", tmp), *b = strf("%s/b", tmp), *x = strf("%s/x", tmp);
	struct cmd c = KASIM("variant", dir, "--seed", "1234", "-o", a);
	cr_expect_eq(c.status, 0);
	cmd_free(&c);
	c = KASIM("variant", dir, "--seed", "1234", "-o", b);
	cmd_free(&c);
	c = KASIM("variant", dir, "--seed", "1235", "-o", x);
	cmd_free(&c);
	char *ka = strf("%s/key/key.ini", a), *kb = strf("%s/key/key.ini", b), *kx = strf("%s/key/key.ini", x);
	char *ta = slurp(ka, NULL), *tb = slurp(kb, NULL), *tx = slurp(kx, NULL);
	cr_assert(ta && tb && tx);
	cr_expect_str_eq(ta, tb);
	cr_expect_str_neq(ta, tx);
	free(ta), free(tb), free(tx), free(ka), free(kb), free(kx);
	c = KASIM("variant", dir, "-o", a);
	cr_expect_eq(c.status, 2);
	cmd_free(&c);
	char *other = root_path("scenarios/course/02-packetdrill");
	c = KASIM("variant", other, "--seed", "1", "-o", a);
	cr_expect_eq(c.status, 2);
	cr_expect_not_null(strstr(c.err, "this assignment has no variants"), "stderr: %s", c.err);
	cmd_free(&c);
	free(other);
	rm_rf(tmp);
	free(tmp), free(a), free(b), free(x), free(dir);
}

/* The traps of issue #13: a fault before the handshake (an event at 0 runs
 * before A's SYN), and a bare tcp_user_timeout below a second. */
Test(notes, fault_before_the_handshake_and_a_user_timeout_in_ms)
{
	char *p = tmp_write("trap.ini", "[A]\nso_keepalive = on\ntcp_user_timeout = 12\n[link]\ndelay = 10ms\n"
				       "[events]\n0 = unplug B\n0.02 = link loss 0.5\n0.03 = crash B\n");
	struct cmd c = KASIM(p);
	cr_expect_eq(c.status, 0);
	/* the handshake ends when A's ACK reaches B: 10 + 10 + 10 ms */
	char *want = strf("kasim: %s:7: note: the unplug at 0 s comes before the handshake is complete (0.03 s): "
			  "an event runs before anything else at its time, so one at 0 even precedes A's SYN; this "
			  "tests a failed connect, not keepalive (to test keepalive, put the fault after the handshake)\n"
			  "kasim: %s:8: note: the link loss at 0.02 s comes before the handshake is complete (0.03 s): "
			  "an event runs before anything else at its time, so one at 0 even precedes A's SYN; this "
			  "tests a failed connect, not keepalive (to test keepalive, put the fault after the handshake)\n"
			  "kasim: %s:3: note: tcp_user_timeout = 12 means 12 ms, as setsockopt(TCP_USER_TIMEOUT) "
			  "takes it, while the keepalive intervals are in seconds (write 12s for 12 seconds)\n",
			  p, p, p);
	cr_expect_str_eq(c.err, want);
	free(want);
	cmd_free(&c);
	c = KASIM("-q", p);
	cr_expect_eq(c.errlen, 0, "-q: %s", c.err);
	cmd_free(&c);
	/* a unit says it is meant; keepalive off: no keepalive intervals */
	const char *const quiet[] = {"A.tcp_user_timeout=500ms", "A.so_keepalive=off"};
	for (size_t i = 0; i < NELEMS(quiet); i++) {
		c = KASIM("--set", quiet[i], p);
		cr_expect_null(strstr(c.err, "tcp_user_timeout = "), "%s: %s", quiet[i], c.err);
		cmd_free(&c);
	}
	tmp_remove(p);
}

Test(notes, shipped_scenarios_get_none)
{
	const char *const names[] = {"unplug.ini", "alive.ini", "reboot.ini", "user-timeout.ini", "data-in-flight.ini",
				     "setsockopt.ini", "nat-idle-timeout.ini", "one-way.ini", "flaky-link.ini"};
	for (size_t i = 0; i < NELEMS(names); i++) {
		char *f = scenario_file(names[i]);
		struct cmd c = KASIM(f);
		cr_expect_eq(c.errlen, 0, "%s: %s", names[i], c.err);
		cmd_free(&c);
		free(f);
	}
}
