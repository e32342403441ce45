/*
 * test_sweep_side.c - sweeps over either side (docs/sweeps.md, issue #14.4,
 * #14.7, #13.4): B's detection phase against the closed form, the columns of
 * each host that detects, the recommendation for the side that was swept, a
 * connection lost to a middlebox never reported as a detection, the loss-safe
 * boundary and the exact false-abort probability as summary.csv columns, the
 * compact mode, and honest small probabilities in recommendation.txt.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binrun.h"
#include "rare.h"
#include "sweep.h"
#include "tcp.h"

#define SEC KS_SEC
#define MS KS_MS

static struct sweep *load(const char *text)
{
	struct diag d = { 0 };
	struct sweep *sw = sweep_parse("t.ini", text, NULL, 0, &d);
	cr_assert_not_null(sw, "rejected:\n%s\n%s", text, d.n ? d.msg[0] : "");
	diag_free(&d);
	return sw;
}

/* A sweep run serially into a new directory, and its reports. */
struct out {
	struct sweep *sw;
	char *dir;
	struct run_result *res;   /* every run's result */
	char *results, *summary, *rec; /* results.csv (NULL when absent), summary.csv, recommendation.txt */
};

static char *file_in(const char *dir, const char *name)
{
	char *p = sweep_path(dir, name), *s = slurp(p, NULL);
	free(p);
	return s;
}

static void run_out(struct out *o, struct sweep *sw)
{
	o->sw = sw;
	o->dir = make_tmpdir();
	o->res = calloc(sw->nruns, sizeof(*o->res));
	for (uint64_t r = 0; r < sw->nruns; r++)
		sweep_run_one(sw, r, &o->res[r]);
	FILE *devnull = fopen("/dev/null", "w");
	cr_assert_eq(sweep_write_outputs(sw, o->res, o->dir, false, devnull), 0);
	fclose(devnull);
	o->results = file_in(o->dir, "results.csv");
	o->summary = file_in(o->dir, "summary.csv");
	o->rec = file_in(o->dir, "recommendation.txt");
	cr_assert(o->summary && o->rec);
}

static void out_free(struct out *o)
{
	sweep_free(o->sw);
	rm_rf(o->dir);
	free(o->dir);
	free(o->res);
	free(o->results);
	free(o->summary);
	free(o->rec);
}

/* Line n (0 = the header) of text, malloc'd. */
static char *line_of(const char *text, size_t n)
{
	const char *l = text;
	for (size_t i = 0; i < n && l; i++) {
		l = strchr(l, '\n');
		l = l ? l + 1 : NULL;
	}
	cr_assert_not_null(l);
	size_t len = strcspn(l, "\n");
	char *s = strndup(l, len);
	return s;
}

/* Field k (0-based) of a CSV line without quotes, malloc'd. */
static char *field(const char *line, size_t k)
{
	const char *f = line;
	for (size_t i = 0; i < k; i++) {
		f = strchr(f, ',');
		cr_assert_not_null(f, "no field %zu in %s", k, line);
		f++;
	}
	return strndup(f, strcspn(f, ","));
}

/* The index of column name in the header line. */
static size_t column(const char *header, const char *name)
{
	for (size_t k = 0;; k++) {
		char *f = field(header, k);
		bool eq = !strcmp(f, name);
		free(f);
		if (eq)
			return k;
	}
}

static void expect_cell(const char *csv, size_t row, const char *col, const char *want)
{
	char *h = line_of(csv, 0), *l = line_of(csv, row);
	char *f = field(l, column(h, col));
	cr_expect_str_eq(f, want, "row %zu, %s: '%s', want '%s'", row, col, f, want);
	free(f);
	free(l);
	free(h);
}

/* ---- B detects: the closed form, mirrored -------------------------------------- */

Test(sweep_side, b_detection_closed_form)
{
	/* Only B probes. B last hears from A at 3d (the handshake's ACK); its
	 * probes leave at 3d + I + kC, C = I + 2d, each answered 2d later. A
	 * loses power at fail in [C, 2C); B aborts keepidle + keepcnt keepintvls
	 * after the last answer it got (tcp_keepalive_timer()). */
	static const char *const texts[] = {
		"tcp_keepidle = 60\ntcp_keepintvl = 10\ntcp_keepcnt = 3\n[link]\ndelay = 10ms\n",
		"tcp_keepidle = 300\ntcp_keepintvl = 15\ntcp_keepcnt = 4\n[link]\ndelay = 25ms\n",
		"tcp_keepidle = 45\ntcp_keepintvl = 1\ntcp_keepcnt = 1\n[link]\ndelay = 1ms\n",
	};
	for (size_t c = 0; c < sizeof texts / sizeof texts[0]; c++) {
		char text[512];
		snprintf(text, sizeof text, "[scenario]\ntimer = exact\nseed = 3\n[B]\nso_keepalive = on\n%s[sweep]\nreplicas = 12\n",
			 texts[c]);
		struct sweep *sw = load(text);
		cr_expect_eq(sw->side, HOST_B, "only B can detect: the recommendation is for B");
		cr_expect(!sw->detects[HOST_A] && sw->detects[HOST_B]);
		const struct ep_config *b = &sw->points[0]->ep[HOST_B];
		const ks_time_t I = b->tcp_keepidle * SEC, V = b->tcp_keepintvl * SEC, d = sw->points[0]->link.dir[HOST_A].delay,
				C = I + 2 * d, N = b->tcp_keepcnt;
		for (uint64_t r = 0; r < sw->nruns; r++) {
			struct run_result x;
			sweep_run_one(sw, r, &x);
			/* A cannot detect: not simulated */
			cr_expect_eq(x.fail_at[HOST_A], KS_TIME_NEVER);
			cr_expect_eq(x.detect[HOST_A], KS_TIME_NEVER);
			cr_expect_eq(x.det_end[HOST_A], END_NONE);
			ks_time_t fail = x.fail_at[HOST_B];
			cr_assert(fail >= C && fail < 2 * C);
			ks_time_t last_rx = 3 * d;
			for (ks_time_t p = 3 * d + I; p + d <= fail; p += C)
				last_rx = p + 2 * d;
			cr_expect_eq(x.det_end[HOST_B], END_KEEPALIVE);
			cr_expect_eq(x.detect[HOST_B], last_rx + I + N * V - fail, "case %zu run %llu: %llu, want %llu",
				     c, (unsigned long long)r, (unsigned long long)x.detect[HOST_B],
				     (unsigned long long)(last_rx + I + N * V - fail));
		}
		sweep_free(sw);
	}
}

Test(sweep_side, columns_of_each_host_that_detects)
{
	struct out o;
	run_out(&o, load("[scenario]\nduration = 1h\n[A]\nso_keepalive = on\n[B]\nso_keepalive = on\n"
			 "[sweep]\nA.tcp_keepidle = 60, 120\n"));
	cr_expect_eq(o.sw->side, HOST_A);
	const char *sum = o.summary;
	char *h = line_of(sum, 0), *hr = line_of(o.results, 0);
	cr_expect_str_eq(h, "point,A.tcp_keepidle,A_keepalive,A_keepidle_s,A_keepintvl_s,A_keepcnt,B_keepalive,"
			    "B_keepidle_s,B_keepintvl_s,B_keepcnt,runs,lost,p_loss,p_loss_lo95,p_loss_hi95,A_detected,"
			    "A_detection_p50_s,A_detection_p90_s,A_detection_p99_s,A_detection_max_s,B_detected,"
			    "B_detection_p50_s,B_detection_p90_s,B_detection_p99_s,B_detection_max_s,probes_per_h,"
			    "bytes_per_h,nat_expired,nat_evicted,A_loss_safe_keepidle_max_s,A_loss_unsafe_keepidle_min_s,"
			    "A_false_abort_per_episode,A_false_abort_per_day,A_false_abort_per_year,meets_objective");
	cr_expect_str_eq(hr, "run,point,replica,seed,A.tcp_keepidle,outcome,ended_by,end_host,error,lost_at_s,"
			     "A_keepalive,A_keepidle_s,A_keepintvl_s,A_keepcnt,A_failure_at_s,A_detection_s,A_detected_by,"
			     "B_keepalive,B_keepidle_s,B_keepintvl_s,B_keepcnt,B_failure_at_s,B_detection_s,B_detected_by,"
			     "probes,segments,bytes,probes_per_h,bytes_per_h,nat_expired,nat_evicted");
	/* B's effective settings: the sysctl defaults 7200 / 75 / 9 */
	expect_cell(sum, 1, "B_keepidle_s", "7200");
	expect_cell(sum, 1, "B_keepintvl_s", "75");
	expect_cell(sum, 1, "B_keepcnt", "9");
	expect_cell(sum, 1, "B_detected", "1");
	/* both probe: no exact false-abort probability */
	expect_cell(sum, 1, "A_false_abort_per_year", "");
	free(h);
	free(hr);
	out_free(&o);
}

/* ---- the shipped server-side sweep: the recommendation is B's -------------------- */

Test(sweep_side, server_side_sweep_recommends_b)
{
	char *path = root_path("scenarios/sweeps/server-side.ini");
	struct diag d = { 0 };
	struct out o;
	struct sweep *sw = sweep_load(path, NULL, 0, &d);
	cr_assert_not_null(sw);
	cr_assert_eq(sw->side, HOST_B);
	run_out(&o, sw);
	const struct run_result *res = o.res;
	/* B's probe is answered by A at once; the next one reaches the balancer
	 * (at A's end) keepidle + 2d after that answer: the flow survives iff
	 * I + 2d < T, T its idle timeout (reference D.4, mirrored) */
	const struct scenario *sc0 = sw->points[0];
	ks_time_t T = sc0->nat.established_timeout, d2 = 2 * sc0->link.dir[HOST_A].delay;
	unsigned safe = 0, unsafe = 0;
	for (size_t p = 0; p < sw->npoints; p++) {
		ks_time_t I = sw->points[p]->ep[HOST_B].tcp_keepidle * SEC;
		bool ok = I + d2 < T;
		if (ok && I / SEC > safe)
			safe = (unsigned)(I / SEC);
		if (!ok && (!unsafe || I / SEC < unsafe))
			unsafe = (unsigned)(I / SEC);
		for (uint32_t k = 0; k < sw->replicas; k++) {
			const struct run_result *x = &res[p * sw->replicas + k];
			cr_expect_eq(x->lost, !ok, "keepidle %llu", (unsigned long long)(I / SEC));
			/* a lost connection is never a detection */
			if (!ok) {
				cr_expect_eq(x->detect[HOST_B], KS_TIME_NEVER);
				cr_expect_eq(x->det_end[HOST_B], RUN_DET_MIDDLEBOX);
			} else {
				cr_expect_eq(x->det_end[HOST_B], END_KEEPALIVE);
			}
		}
	}
	cr_assert_eq(safe, 180);
	cr_assert_eq(unsafe, 240);
	const char *rec = o.rec, *sum = o.summary;
	cr_expect_not_null(strstr(rec, "Settings recommended for B (B's keys are swept)."), "%s", rec);
	const char *head = strstr(rec, "\nB keepidle  B keepintvl  B keepcnt | P(loss)");
	cr_assert_not_null(head, "%s", rec);
	/* the longest safe keepidle (prefer = overhead; its detection is within 10 min) */
	const char *row = strchr(head + 1, '\n');
	cr_expect_eq(strncmp(row + 1, "180 s       15 s         4         | 0.0000 (0/10)", 49), 0, "%s", rec);
	cr_expect_not_null(strstr(rec, "loss-safe up to keepidle 180 s; P(loss) > 0.001 from keepidle 240 s"));
	/* #13.4: the boundary as columns, on every row of the group */
	for (size_t p = 1; p <= sw->npoints; p++) {
		expect_cell(sum, p, "B_loss_safe_keepidle_max_s", "180");
		expect_cell(sum, p, "B_loss_unsafe_keepidle_min_s", "240");
	}
	/* lost points report no detection statistic */
	expect_cell(sum, 4, "B_detected", "0");
	expect_cell(sum, 4, "B_detection_p50_s", "");
	out_free(&o);
	diag_free(&d);
	free(path);
}

/* ---- A connection lost to a silent NAT is not a fast detection ------------------ */

Test(sweep_side, lost_to_the_nat_is_not_a_detection)
{
	/* Azure's load balancer forgets the flow after T = 240 s and drops what
	 * comes later. With keepidle 300 s A's first probe is dropped at C (the
	 * connection is already gone), A aborts at C + N V whatever B does; B
	 * fails at fail in [C, 2C). Reporting C + N V - fail (0..120 s) as the
	 * detection time made the broken setting look faster than the safe one. */
	struct out o;
	run_out(&o, load("[scenario]\ntimer = exact\nduration = 1h\nseed = 4\n[A]\nso_keepalive = on\n"
			 "tcp_keepintvl = 30\n"
			 "tcp_keepcnt = 4\n[link]\ndelay = 10ms\n[nat]\npreset = azure-lb\n[sweep]\n"
			 "A.tcp_keepidle = 200, 300\nreplicas = 20\n"));
	const struct run_result *res = o.res;
	for (uint32_t k = 0; k < 20; k++) {
		const struct run_result *ok = &res[k], *bad = &res[20 + k];
		ks_time_t C = 200 * SEC + 20 * MS;
		cr_expect_eq(ok->det_end[HOST_A], END_KEEPALIVE);
		cr_expect(ok->detect[HOST_A] <= C - 20 * MS + 120 * SEC);
		cr_expect(bad->lost);
		cr_expect_eq(bad->detect[HOST_A], KS_TIME_NEVER, "replica %u: detection %llu ns", k,
			     (unsigned long long)bad->detect[HOST_A]);
		cr_expect_eq(bad->det_end[HOST_A], RUN_DET_MIDDLEBOX);
	}
	expect_cell(o.results, 21, "A_detected_by", "lost-to-middlebox");
	expect_cell(o.results, 21, "A_detection_s", "");
	expect_cell(o.summary, 2, "A_detected", "0");
	expect_cell(o.summary, 2, "A_detection_p50_s", "");
	out_free(&o);
}

/* ---- false aborts, small probabilities, compact mode ----------------------------------- */

Test(sweep_side, false_abort_columns_are_exact)
{
	/* 1 % loss each way, keepcnt 4: q = 1 - 0.99^2, q^4 per episode; an
	 * episode answered by probe j lasts 60 + 10 (j-1) + 0.02 s */
	struct out o;
	run_out(&o, load("[scenario]\nduration = 10m\n[A]\nso_keepalive = on\ntcp_keepintvl = 10\n"
			 "tcp_keepcnt = 4\n[link]\ndelay = 10ms\nloss = 0.01\n[sweep]\nA.tcp_keepidle = 60, 120\n"));
	const char *sum = o.summary, *rec = o.rec;
	const double q = 1 - 0.99 * 0.99, h = q * q * q * q;
	for (int p = 0; p < 2; p++) {
		double idle = 60 + 60 * p, num = 0, den = 0;
		for (int j = 1; j <= 4; j++) {
			double w = pow(q, j - 1) * (1 - q);
			num += w * (idle + 10 * (j - 1) + 0.02);
			den += w;
		}
		double n = 86400 / (num / den);
		char want[3][32];
		snprintf(want[0], sizeof want[0], "%.6e", h);
		snprintf(want[1], sizeof want[1], "%.6e", 1 - pow(1 - h, n));
		snprintf(want[2], sizeof want[2], "%.6e", 1 - pow(1 - h, 365 * n));
		expect_cell(sum, (size_t)p + 1, "A_false_abort_per_episode", want[0]);
		expect_cell(sum, (size_t)p + 1, "A_false_abort_per_day", want[1]);
		expect_cell(sum, (size_t)p + 1, "A_false_abort_per_year", want[2]);
		if (p == 0) {
			/* the "around 10^-7 per probing episode" */
			cr_expect_str_eq(want[0], "1.568239e-07");
			char cell[32];
			snprintf(cell, sizeof cell, " %.2e ", 1 - pow(1 - h, 365 * n));
			cr_expect_not_null(strstr(rec, cell), "no '%s' in\n%s", cell, rec);
		}
	}
	out_free(&o);
}

Test(sweep_side, small_probabilities_are_not_printed_as_zero)
{
	/* 0 of 4000 lost: the Wilson 95 % upper bound z^2 / (n + z^2) = 9.59e-04,
	 * which "%.4f" printed as 0.0010 and a larger n as 0.0000 */
	struct out o;
	run_out(&o, load("[scenario]\nduration = 1m\n[sweep]\nreplicas = 4000\n"));
	const char *rec = o.rec;
	const double z2 = 1.959963984540054 * 1.959963984540054;
	char want[64];
	snprintf(want, sizeof want, "| 0.0000 (0/4000)  0.0000-%.2e ", z2 / (4000 + z2));
	cr_expect_not_null(strstr(rec, want), "no '%s' in\n%s", want, rec);
	cr_expect_not_null(strstr(want, "9.59e-04"));
	/* no keepalive: no exact false-abort probability */
	cr_expect_not_null(strstr(rec, " n/a "), "%s", rec);
	out_free(&o);
}

Test(sweep_side, compact_mode_keeps_the_statistics_without_run_rows)
{
	static const char base[] = "[scenario]\nduration = 2h\n[A]\nso_keepalive = on\n[link]\nloss = 0.05\n"
				   "[sweep]\nA.tcp_keepidle = 60, 600\nreplicas = 6\n";
	char text[512];
	snprintf(text, sizeof text, "%scompact = yes\n", base);
	struct out full, compact;
	run_out(&full, load(base));
	run_out(&compact, load(text));
	cr_expect_not(full.sw->compact);
	cr_expect(compact.sw->compact);
	cr_expect_not_null(full.results);
	cr_expect_null(compact.results, "compact = yes wrote results.csv");
	cr_expect_str_eq(full.summary, compact.summary);
	cr_expect_str_eq(full.rec, compact.rec);
	static const char *const plots[] = { "plots/survival.dat", "plots/detection.dat", "plots/tradeoff.dat" };
	for (size_t i = 0; i < sizeof plots / sizeof plots[0]; i++) {
		char *a = file_in(full.dir, plots[i]), *b = file_in(compact.dir, plots[i]);
		cr_expect(a && b && !strcmp(a, b), "%s differs", plots[i]);
		free(a);
		free(b);
	}
	out_free(&full);
	out_free(&compact);
}

Test(sweep_side, monte_carlo_agrees_with_the_exact_false_abort)
{
	/* Where aborts are frequent enough to count: 5 % loss each way, keepcnt
	 * 3, keepidle 20 s, keepintvl 5 s, a 1 h horizon. The exact episode
	 * probability h (rare.c) and the mean cycle give P(abort within H) =
	 * 1 - (1 - h)^(H / mean); the simulated runs (phase 1, every abort a
	 * keepalive timeout of A) must agree within 4 binomial standard
	 * deviations. This ties the exact model to the simulator it describes. */
	enum { REPL = 400 };
	struct sweep *sw = load("[scenario]\nduration = 1h\nseed = 77\n[A]\nso_keepalive = on\ntcp_keepidle = 20\n"
				"tcp_keepintvl = 5\ntcp_keepcnt = 3\n[link]\nloss = 0.05\n[sweep]\nreplicas = 400\n");
	struct rare_chain ch;
	const char *why;
	struct false_abort fa;
	cr_assert(rare_chain_of(sw->points[0], HOST_A, &ch, &why));
	rare_false_abort(&ch, &fa);
	double q = 1 - 0.95 * 0.95;
	cr_expect(fabs(fa.per_episode - q * q * q) <= 1e-12 * q * q * q);
	double P = 1 - pow(1 - fa.per_episode, 3600 / fa.mean_cycle_s);
	unsigned k = 0;
	for (uint64_t r = 0; r < sw->nruns; r++) {
		struct run_result x;
		sweep_run_one(sw, r, &x);
		if (x.lost) {
			cr_expect_eq(x.end, END_KEEPALIVE);
			cr_expect_eq(x.end_host, HOST_A);
			k++;
		}
	}
	double phat = (double)k / REPL, sd = sqrt(P * (1 - P) / REPL);
	cr_expect(P > 0.1 && P < 0.9, "P = %g: pick parameters with a useful P", P);
	cr_expect(fabs(phat - P) <= 4 * sd, "simulated %g (%u/%d) vs exact %g +- %g", phat, k, REPL, P, 4 * sd);
	sweep_free(sw);
}

Test(sweep_side, bsd_idle_abort_is_named)
{
	/* FreeBSD's tcp_timer_keep() aborts on idle time (END_KEEPALIVE_IDLE);
	 * results.csv named that "unknown" */
	struct out o;
	run_out(&o, load("[scenario]\nduration = 1h\n[A]\nos = freebsd\nso_keepalive = on\ntcp_keepidle = 60\n"
			 "tcp_keepintvl = 10\ntcp_keepcnt = 3\n[sweep]\nreplicas = 2\n"));
	cr_expect_eq(o.res[0].det_end[HOST_A], END_KEEPALIVE_IDLE);
	expect_cell(o.results, 1, "A_detected_by", "keepalive-idle-timeout");
	expect_cell(o.results, 2, "A_detected_by", "keepalive-idle-timeout");
	out_free(&o);
}

/* ---- text variables: what is not a key (an event's time, size, repetition) ---------- */

/* text is refused with n messages, the first want, the second want2 */
static void expect_rejected(const char *text, size_t n, const char *want, const char *want2)
{
	struct diag d = { 0 };
	struct sweep *sw = sweep_parse("t.ini", text, NULL, 0, &d);
	cr_expect_null(sw, "accepted:\n%s", text);
	cr_expect_eq(d.n, n, "%zu messages, the first: %s", d.n, d.n ? d.msg[0] : "");
	if (d.n)
		cr_expect_str_eq(d.msg[0], want);
	if (d.n > 1 && want2)
		cr_expect_str_eq(d.msg[1], want2);
	diag_free(&d);
	sweep_free(sw);
}

Test(sweep_side, text_variables_vary_events)
{
	struct sweep *sw = load("[scenario]\nduration = 1h\n[A]\nso_keepalive = on\n[events]\n${at} = send A ${bytes}\n"
				"[sweep]\n$at = 10s..30s step 10s\n$bytes = 1, 1000\n");
	cr_assert_eq(sw->npoints, 6);
	for (size_t p = 0; p < 6; p++) {
		const struct sc_event *e = &sw->points[p]->events[0];
		cr_expect_eq(sw->points[p]->nevents, 1);
		cr_expect_eq(e->action, ACT_SEND);
		cr_expect_eq(e->at, (ks_time_t)(10 + 10 * (p / 2)) * SEC, "point %zu", p);
		cr_expect_eq(e->arg, p % 2 ? 1000u : 1u, "point %zu", p);
	}
	/* a variable is a setting (a column of the recommendation), A's side */
	cr_expect(sw->axes[0].var && sw->axes[0].setting);
	cr_expect_eq(sw->side, HOST_A);
	struct out o;
	run_out(&o, sw);
	char *h = line_of(o.summary, 0);
	cr_expect_eq(strncmp(h, "point,$at,$bytes,A_keepalive,", 29), 0, "%s", h);
	cr_expect_not_null(strstr(o.rec, "$at"), "%s", o.rec);
	free(h);
	out_free(&o);

	/* the [sweep] section itself is not substituted; lines keep their numbers */
	expect_rejected("[events]\n1s = send A ${n}\n[sweep]\n$n = 1, 0\n", 1,
			"t.ini:2: send: byte count 0 is out of range (1..1073741824 bytes) ($n = 0, line 4)", NULL);
	expect_rejected("[events]\n1s = send A 1\n[sweep]\n$n = 1, 2\n", 1,
			"t.ini:4: $n is not used (write ${n} where its values go, e.g. 0 = send A 10 every ${n})", NULL);
	expect_rejected("[events]\n1s = send A ${m}\n[sweep]\n$n = 1, 2\nA.tcp_keepidle = 60\n", 2,
			"t.ini:4: $n is not used (write ${n} where its values go, e.g. 0 = send A 10 every ${n})",
			"t.ini:2: '${m}' names no [sweep] variable (define it as $NAME = VALUES in [sweep])");
	expect_rejected("[events]\n1s = send A ${n}\n[sweep]\n$n-1 = 1\n", 2,
			"t.ini:4: '$n-1' is not a variable name ($NAME: letters, digits and _, used as ${NAME} in the "
			"scenario part)", NULL);
}

/* ---- application heartbeats detect too ------------------------------------------------- */

Test(sweep_side, b_heartbeat_detection_closed_form)
{
	/* B's application pings (idle only: I after the last data it got, T the
	 * reply timeout, count c); no keepalive anywhere. B last hears from A at
	 * 3d (the handshake's ACK), pings at L + I, answered 2d later: a cycle
	 * C = I + 2d. A loses power at fail in [C, 2C); B gives up at
	 * L + c I + T (docs/heartbeats.md), L its last reply before that: the
	 * detection is the give-up, not the close that follows. */
	struct out o;
	run_out(&o, load("[scenario]\nduration = 1h\nseed = 8\n[B]\nheartbeat = custom\nheartbeat_interval = 30s\n"
			 "heartbeat_timeout = 10s\nheartbeat_count = 2\nheartbeat_idle_only = on\n[link]\ndelay = 5ms\n"
			 "[sweep]\nreplicas = 10\n"));
	cr_assert_eq(o.sw->side, HOST_B);
	const ks_time_t I = 30 * SEC, T = 10 * SEC, d = 5 * MS, C = I + 2 * d;
	for (uint32_t k = 0; k < 10; k++) {
		const struct run_result *x = &o.res[k];
		ks_time_t fail = x->fail_at[HOST_B];
		cr_assert(fail >= C && fail < 2 * C);
		ks_time_t L = 3 * d;
		for (ks_time_t p = 3 * d + I; p + d <= fail; p += C)
			L = p + 2 * d;
		cr_expect_eq(x->det_end[HOST_B], RUN_DET_HEARTBEAT);
		cr_expect_eq(x->detect[HOST_B], L + 2 * I + T - fail, "replica %u: %llu, want %llu", k,
			     (unsigned long long)x->detect[HOST_B], (unsigned long long)(L + 2 * I + T - fail));
	}
	expect_cell(o.results, 1, "B_detected_by", "heartbeat-gave-up");
	/* the exact false-abort probability assumes an idle connection */
	expect_cell(o.summary, 1, "B_false_abort_per_episode", "");
	out_free(&o);
}
