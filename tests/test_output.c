/*
 * test_output.c - what kasim prints: the JSON document (parsed with jansson),
 * the text timeline and summary, determinism of the bytes, every shipped
 * scenario's documented outcome, and the shared formatting helpers.
 */
#include <criterion/criterion.h>

#include <glob.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* ---- running kasim ------------------------------------------------------------ */

/* On timer = exact: the checks below derive the textbook formulas (the
 * default model's outputs are pinned by tests/golden and derived from the
 * wheel in test_fidelity.c). */
static void run_scenario(const char *name, bool json, struct cmd *c)
{
	char *sc = scenario_file(name);
	const char *const args_json[] = {"--set", "scenario.timer=exact", "--json", sc},
			  *const args_text[] = {"--set", "scenario.timer=exact", sc};
	if (json)
		kasim_run(args_json, 4, c);
	else
		kasim_run(args_text, 3, c);
	cr_assert_eq(c->status, 0, "%s: exit %d, stderr:\n%s", name, c->status, c->err);
	cr_expect_eq(c->errlen, 0, "%s: stderr:\n%s", name, c->err);
	free(sc);
}

static json_t *load_json(const struct cmd *c)
{
	json_error_t e;
	json_t *j = json_loads(c->out, 0, &e);
	cr_assert_not_null(j, "invalid JSON at line %d col %d: %s", e.line, e.column, e.text);
	cr_assert(json_is_object(j));
	return j;
}

static json_t *member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	cr_assert_not_null(v, "missing member \"%s\"", key);
	return v;
}

static json_t *endpoint(json_t *doc, const char *h)
{
	return member(member(doc, "endpoints"), h);
}

/* Seconds as JSON prints them vs nanoseconds: "1104.6" parses to the double
 * nearest 1104.6, which is also what the exact quotient rounds to. */
static void expect_seconds(json_t *v, ks_time_t ns, const char *what)
{
	cr_assert(json_is_number(v), "%s is not a number", what);
	double want = (double)ns / 1e9;
	cr_expect_eq(json_number_value(v), want, "%s = %.9f, want %.9f", what, json_number_value(v), want);
}

static void expect_str(json_t *v, const char *want, const char *what)
{
	cr_assert(json_is_string(v), "%s is not a string", what);
	cr_expect_str_eq(json_string_value(v), want, "%s", what);
}

/* ---- the JSON document ------------------------------------------------------------ */

Test(output, json_document_shape)
{
	struct cmd c;
	run_scenario("unplug.ini", true, &c);
	json_t *doc = load_json(&c);
	expect_str(member(doc, "scenario"), "unplug", "scenario");
	cr_expect(json_is_integer(member(doc, "seed")));
	cr_expect_eq(json_integer_value(member(doc, "seed")), 1);
	expect_seconds(member(doc, "duration"), 3 * 3600 * SEC, "duration");

	json_t *pk = member(doc, "packets");
	cr_assert(json_is_array(pk));
	cr_assert_gt(json_array_size(pk), 3);
	static const char *const keys[] = {"time", "src", "dst", "flags", "seq", "ack", "len", "keepalive",
					   "fate", "reason"};
	size_t i;
	json_t *p;
	json_array_foreach(pk, i, p) {
		for (size_t k = 0; k < NELEMS(keys); k++)
			cr_expect_not_null(json_object_get(p, keys[k]), "packet %zu lacks \"%s\"", i, keys[k]);
		cr_expect(json_is_number(json_object_get(p, "time")));
		cr_expect(json_is_integer(json_object_get(p, "seq")));
		cr_expect(json_is_boolean(json_object_get(p, "keepalive")));
		const char *fate = json_string_value(json_object_get(p, "fate"));
		cr_assert_not_null(fate);
		cr_expect(!strcmp(fate, "delivered") || !strcmp(fate, "dropped"), "fate %s", fate);
		cr_expect(!strcmp(fate, "dropped") == json_is_string(json_object_get(p, "reason")),
			  "reason must be a string exactly when dropped");
	}
	/* the handshake: ISNs of the endpoints are the SYNs' seqs */
	json_t *a = endpoint(doc, "A"), *b = endpoint(doc, "B");
	static const char *const ekeys[] = {"isn", "state", "error", "error_time", "probes_sent"};
	for (size_t k = 0; k < NELEMS(ekeys); k++) {
		cr_expect_not_null(json_object_get(a, ekeys[k]), "A lacks \"%s\"", ekeys[k]);
		cr_expect_not_null(json_object_get(b, ekeys[k]), "B lacks \"%s\"", ekeys[k]);
	}
	json_t *syn = json_array_get(pk, 0), *synack = json_array_get(pk, 1);
	expect_str(json_object_get(syn, "flags"), "S", "SYN flags");
	cr_expect_eq(json_integer_value(json_object_get(syn, "seq")), json_integer_value(member(a, "isn")));
	cr_expect_eq(json_integer_value(json_object_get(synack, "seq")), json_integer_value(member(b, "isn")));
	cr_expect_eq(json_integer_value(json_object_get(synack, "ack")),
		     json_integer_value(member(a, "isn")) + 1);
	json_decref(doc);
	cmd_free(&c);
}

Test(output, json_unplug_values)
{
	/* 7200 + 9 x 75 = 7875 s after the last word from B (t = 0, delay 0) */
	const ks_time_t abort_at = 7200 * SEC + 9 * 75 * SEC;
	struct cmd c;
	run_scenario("unplug.ini", true, &c);
	json_t *doc = load_json(&c);
	json_t *a = endpoint(doc, "A"), *b = endpoint(doc, "B");
	expect_str(member(a, "error"), "ETIMEDOUT", "A.error");
	expect_seconds(member(a, "error_time"), abort_at, "A.error_time");
	expect_str(member(a, "state"), "CLOSE", "A.state");
	cr_expect_eq(json_integer_value(member(a, "probes_sent")), 9);
	cr_expect(json_is_null(member(b, "error")));
	cr_expect(json_is_null(member(b, "error_time")));
	expect_str(member(b, "state"), "ESTABLISHED", "B.state");
	cr_expect_eq(json_integer_value(member(b, "probes_sent")), 0);

	json_t *pk = member(doc, "packets");
	size_t i, nka = 0, nrst = 0;
	json_t *p;
	json_array_foreach(pk, i, p) {
		if (json_is_true(json_object_get(p, "keepalive"))) {
			ks_time_t want = 7200 * SEC + nka * 75 * SEC;
			nka++;
			expect_str(json_object_get(p, "fate"), "dropped", "probe fate");
			expect_str(json_object_get(p, "reason"), "unplugged", "probe reason");
			expect_str(json_object_get(p, "src"), "A", "probe src");
			expect_str(json_object_get(p, "flags"), ".", "probe flags");
			cr_expect_eq(json_integer_value(json_object_get(p, "len")), 0);
			cr_expect_eq(json_integer_value(json_object_get(p, "seq")),
				     json_integer_value(member(a, "isn")));
			cr_expect_eq(json_integer_value(json_object_get(p, "ack")),
				     json_integer_value(member(b, "isn")) + 1);
			expect_seconds(json_object_get(p, "time"), want, "probe time");
		}
		const char *fl = json_string_value(json_object_get(p, "flags"));
		if (fl && strchr(fl, 'R')) {
			nrst++;
			expect_str(json_object_get(p, "flags"), "R.", "RST flags");
			expect_seconds(json_object_get(p, "time"), abort_at, "RST time");
		}
	}
	cr_expect_eq(nka, 9);
	cr_expect_eq(nrst, 1);
	json_decref(doc);
	cmd_free(&c);
}

Test(output, text_unplug_lines_and_summary)
{
	struct cmd c;
	run_scenario("unplug.ini", false, &c);
	cr_expect_not_null(strstr(c.out, "A aborted with ETIMEDOUT at 7875 s"), "stdout:\n%s", c.out);
	cr_expect_not_null(strstr(c.out, "keepalive probe #1 (dropped: B unplugged)"));
	cr_expect_not_null(strstr(c.out, "keepalive probe #9 (dropped: B unplugged)"));
	cr_expect_null(strstr(c.out, "keepalive probe #10"));
	/* the probe lines carry the time they left, tcpdump style */
	cr_expect_not_null(strstr(c.out, "7200.000000 A > B: Flags [.]"));
	cr_expect_not_null(strstr(c.out, "7800.000000 A > B: Flags [.]"));
	cr_expect_not_null(strstr(c.out, "\nSummary:\n"));
	size_t probes = 0;
	for (const char *p = c.out; (p = strstr(p, "keepalive probe #")); p++)
		probes++;
	cr_expect_eq(probes, 9);
	cmd_free(&c);
}

Test(output, byte_identical_across_runs)
{
	const bool modes[] = {false, true};
	for (size_t m = 0; m < NELEMS(modes); m++) {
		struct cmd c1, c2;
		run_scenario("data-in-flight.ini", modes[m], &c1);
		run_scenario("data-in-flight.ini", modes[m], &c2);
		cr_expect_eq(c1.outlen, c2.outlen);
		cr_expect(c1.outlen == c2.outlen && memcmp(c1.out, c2.out, c1.outlen) == 0,
			  "two runs differ (%s)", modes[m] ? "json" : "text");
		cmd_free(&c1);
		cmd_free(&c2);
	}
}

/* ---- every shipped scenario and its documented outcome ------------------------------- */

/* alive.ini: T 60, I 10, delay 25 ms, 10 min: never an abort; probes every
 * max(T + RTT, I) = 60.05 s from t_r + T, so floor((D - 2d - T)/(T + 2d)) + 1. */
static void check_alive(json_t *doc)
{
	const ks_time_t d = 25 * MS, T = 60 * SEC, D = 600 * SEC, spacing = T + 2 * d;
	json_t *a = endpoint(doc, "A");
	cr_expect(json_is_null(member(a, "error")), "alive: A must not abort");
	expect_str(member(a, "state"), "ESTABLISHED", "alive: A.state");
	cr_expect_eq(json_integer_value(member(a, "probes_sent")), (D - 2 * d - T) / spacing + 1);
	cr_expect(json_is_null(member(endpoint(doc, "B"), "error")));
}

/* reboot.ini: T 600, delay 10 ms: the first probe at 2d + T; RST; ECONNRESET
 * one RTT later. */
static void check_reboot(json_t *doc)
{
	const ks_time_t d = 10 * MS, T = 600 * SEC;
	json_t *a = endpoint(doc, "A");
	expect_str(member(a, "error"), "ECONNRESET", "reboot: A.error");
	expect_seconds(member(a, "error_time"), 2 * d + T + 2 * d, "reboot: A.error_time");
	cr_expect_eq(json_integer_value(member(a, "probes_sent")), 1);
}

/* user-timeout.ini: T 30, I 5, UT 42 s: k* = ceil((42 - 30)/5) = 3 -> 45 s. */
static void check_user_timeout(json_t *doc)
{
	const ks_time_t T = 30 * SEC, I = 5 * SEC, UT = 42 * SEC;
	const ks_time_t k = (UT - T + I - 1) / I;
	json_t *a = endpoint(doc, "A");
	expect_str(member(a, "error"), "ETIMEDOUT", "user-timeout: A.error");
	expect_seconds(member(a, "error_time"), T + k * I, "user-timeout: A.error_time");
	cr_expect_eq(T + k * I, 45 * SEC);
	cr_expect_eq(json_integer_value(member(a, "probes_sent")), 3);
}

/* data-in-flight.ini: send at 60 s, delay 0: 16 retransmissions, ETIMEDOUT at
 * 60 + 0.2 x (2^10 - 1) + 7 x 120 = 1104.6 s, no RST, no probes. */
static void check_data_in_flight(json_t *doc)
{
	const ks_time_t S = 60 * SEC;
	const ks_time_t abort_at = S + TCP_RTO_MIN * ((1u << 10) - 1) + 7 * TCP_RTO_MAX;
	json_t *a = endpoint(doc, "A");
	expect_str(member(a, "error"), "ETIMEDOUT", "data-in-flight: A.error");
	expect_seconds(member(a, "error_time"), abort_at, "data-in-flight: A.error_time");
	cr_expect_eq(abort_at, 1104600 * MS);
	cr_expect_eq(json_integer_value(member(a, "retransmissions")), 16);
	cr_expect_eq(json_integer_value(member(a, "probes_sent")), 0);
	size_t i;
	json_t *p;
	json_array_foreach(member(doc, "packets"), i, p) {
		cr_expect(!json_is_true(json_object_get(p, "keepalive")), "a keepalive probe was sent");
		const char *fl = json_string_value(json_object_get(p, "flags"));
		cr_expect(fl && !strchr(fl, 'R'), "a RST was sent");
	}
}

/* setsockopt.ini: unplug at 1000 s, TCP_KEEPIDLE 600 at 1500 s (elapsed 1500
 * >= 600: fires at once): 1500 + 9 x 75 = 2175 s. */
static void check_setsockopt(json_t *doc)
{
	const ks_time_t S = 1500 * SEC;
	json_t *a = endpoint(doc, "A");
	expect_str(member(a, "error"), "ETIMEDOUT", "setsockopt: A.error");
	expect_seconds(member(a, "error_time"), S + 9 * 75 * SEC, "setsockopt: A.error_time");
	cr_expect_eq(json_integer_value(member(a, "probes_sent")), 9);
}

static void check_unplug(json_t *doc)
{
	json_t *a = endpoint(doc, "A");
	expect_str(member(a, "error"), "ETIMEDOUT", "unplug: A.error");
	expect_seconds(member(a, "error_time"), 7875 * SEC, "unplug: A.error_time");
}

/* freebsd.ini: A is FreeBSD (keepidle 7200, keepintvl 75, keepcnt 8), no
 * SO_KEEPALIVE (always_keepalive probes anyway), B unplugged at 10 s: the idle
 * rule gives up at keepidle + keepcnt x keepintvl = 7800 s, after 8 probes. */
static void check_freebsd(json_t *doc)
{
	const ks_time_t T = 7200 * SEC, I = 75 * SEC;
	const unsigned P = 8;
	json_t *a = endpoint(doc, "A");
	expect_str(member(a, "error"), "ETIMEDOUT", "freebsd: A.error");
	expect_seconds(member(a, "error_time"), T + P * I, "freebsd: A.error_time");
	cr_expect_eq(json_integer_value(member(a, "probes_sent")), P);
}

static const struct {
	const char *file;
	void (*check)(json_t *doc);
} documented[] = {
	{"freebsd.ini", check_freebsd},
	{"alive.ini", check_alive},
	{"reboot.ini", check_reboot},
	{"user-timeout.ini", check_user_timeout},
	{"data-in-flight.ini", check_data_in_flight},
	{"setsockopt.ini", check_setsockopt},
	{"unplug.ini", check_unplug},
};

Test(output, every_shipped_scenario_runs_with_its_documented_outcome)
{
	char *pattern = scenario_file("*.ini");
	glob_t g;
	cr_assert_eq(glob(pattern, 0, NULL, &g), 0, "no scenarios match %s", pattern);
	bool seen[NELEMS(documented)] = {false};
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *base = strrchr(g.gl_pathv[i], '/') + 1;
		struct cmd c;
		run_scenario(base, true, &c);
		json_t *doc = load_json(&c);
		for (size_t k = 0; k < NELEMS(documented); k++) {
			if (!strcmp(base, documented[k].file)) {
				seen[k] = true;
				documented[k].check(doc);
			}
		}
		/* and the text form runs too */
		struct cmd t;
		run_scenario(base, false, &t);
		cr_expect_not_null(strstr(t.out, "\nSummary:\n"), "%s: no summary", base);
		cmd_free(&t);
		json_decref(doc);
		cmd_free(&c);
	}
	for (size_t k = 0; k < NELEMS(documented); k++)
		cr_expect(seen[k], "scenarios/%s is missing", documented[k].file);
	globfree(&g);
	free(pattern);
}

/* ---- formatting helpers (in-process) ------------------------------------------------- */

Test(output, tcp_flags_in_tcpdump_notation)
{
	char b[8];
	cr_expect_str_eq(tcp_flags_str(TH_SYN, b), "S");
	cr_expect_str_eq(tcp_flags_str(TH_SYN | TH_ACK, b), "S.");
	cr_expect_str_eq(tcp_flags_str(TH_ACK, b), ".");
	cr_expect_str_eq(tcp_flags_str(TH_PSH | TH_ACK, b), "P.");
	cr_expect_str_eq(tcp_flags_str(TH_FIN | TH_ACK, b), "F.");
	cr_expect_str_eq(tcp_flags_str(TH_RST, b), "R");
	cr_expect_str_eq(tcp_flags_str(TH_RST | TH_ACK, b), "R.");
	cr_expect_str_eq(tcp_flags_str(0, b), "n");
	cr_expect_str_eq(tcp_flags_str(TH_SYN | TH_FIN | TH_RST | TH_PSH | TH_ACK, b), "SFRP.");
}

Test(output, timestamps)
{
	char b[40];
	format_ts(b, sizeof b, 7875 * SEC);
	cr_expect_str_eq(b, "7875.000000");
	format_ts(b, sizeof b, 600 * SEC + 40 * MS);
	cr_expect_str_eq(b, "600.040000");
	format_ts(b, sizeof b, 1 * SEC + 999999999); /* truncated to us, not rounded */
	cr_expect_str_eq(b, "1.999999");
	format_ts9(b, sizeof b, 1 * SEC + 999999999);
	cr_expect_str_eq(b, "1.999999999");
	format_ts9(b, sizeof b, 0);
	cr_expect_str_eq(b, "0.000000000");
}

Test(output, packet_notes_and_drop_texts)
{
	char b[96];
	struct segment s = {.kind = SEG_KA_PROBE, .nth = 3, .src = HOST_A};
	packet_note(b, sizeof b, &s);
	cr_expect_str_eq(b, "keepalive probe #3");
	s.kind = SEG_RETRANS;
	s.nth = 16;
	packet_note(b, sizeof b, &s);
	cr_expect_str_eq(b, "retransmission #16");
	s.kind = SEG_NORMAL;
	packet_note(b, sizeof b, &s);
	cr_expect_str_eq(b, "");
	s.kind = SEG_RST_NOSOCK;
	s.src = HOST_B;
	packet_note(b, sizeof b, &s);
	cr_expect_str_eq(b, "RST: B has no such connection");
	drop_text(b, sizeof b, DROP_UNPLUGGED, HOST_B);
	cr_expect_str_eq(b, "B unplugged");
	drop_text(b, sizeof b, DROP_HOST_DOWN, HOST_B);
	cr_expect_str_eq(b, "B powered off");
	drop_text(b, sizeof b, DROP_QDISC, HOST_A);
	cr_expect_str_eq(b, "A's qdisc refused it");
	cr_expect_str_eq(drop_reason_name(DROP_UNPLUGGED), "unplugged");
	cr_expect_str_eq(drop_reason_name(DROP_HOST_DOWN), "host-down");
	cr_expect_str_eq(drop_reason_name(DROP_QDISC), "local-qdisc");
	cr_expect_null(drop_reason_name(DROP_NONE));
}

Test(output, summary_sentence_from_a_run)
{
	/* In-process: the sentence for a keepalive abort names time, errno and
	 * the formula's parts. T 10, I 2, P 3, delay 0: 10 + 3 x 2 = 16 s. */
	struct run r;
	run_ini("[A]\nso_keepalive = on\ntcp_keepidle = 10\ntcp_keepintvl = 2\ntcp_keepcnt = 3\n"
		"[events]\n1s = unplug B\n",
		NULL, 0, &r);
	char line[512];
	const struct rec *e = run_end_of(&r, HOST_A);
	cr_assert_not_null(e);
	summary_sentence(line, sizeof line, r.sim, HOST_A, &e->u.end);
	cr_expect(strncmp(line, "A aborted with ETIMEDOUT at 16 s", 32) == 0, "%s", line);
	cr_expect_not_null(strstr(line, "3 unanswered probes"), "%s", line);
	summary_sentence(line, sizeof line, r.sim, HOST_B, NULL);
	cr_expect_not_null(strstr(line, "B is still ESTABLISHED"), "%s", line);
	run_free(&r);
}

/* The summary says who sent the RST that ended a connection, and that a
 * rebooted host came back without it. */
Test(output, summary_says_who_sent_the_rst)
{
	struct cmd c;
	run_scenario("reboot.ini", false, &c);
	cr_expect_not_null(strstr(c.out, "A received a RST at 600.04 s (B had no such connection) and "
					 "reported ECONNRESET.\n"), "%s", c.out);
	cr_expect_not_null(strstr(c.out, "B lost power at 300 s and came back up without the connection"),
			   "%s", c.out);
	cmd_free(&c);
	run_scenario("nat-idle-timeout.ini", false, &c);
	cr_expect_not_null(strstr(c.out, "A received a RST at 7200.02 s (sent by the NAT, not by B) and "
					 "reported ECONNRESET.\n"), "%s", c.out);
	cmd_free(&c);
}
