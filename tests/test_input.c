/*
 * test_input.c - the input path's rules that decide what a received segment
 * does to the idle clock (issue #12 item 1): header prediction for data
 * (tcp_rcv_established(): pred_flags, window scaling, the receive memory
 * check) on Linux and on the linux-2.6 profile; and the handshake's input
 * (issue #12 item 4): a retransmitted SYN in SYN_RECV, tcp_synack_retries.
 *
 * Every expected time is written as the kernel's arithmetic on the
 * scenario's numbers (exact timer model: no ticks).
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define A HOST_A
#define B HOST_B

/* A probes 2/1/4 over a 10 ms link; B is unplugged from 0.5 s, back at 3.5 s
 * for its 100 bytes at 3.6 s (after probes #1 at 2.02 s and #2 at 3.02 s),
 * unplugged again at 3.8 s. %s: extra [A] lines, [B] lines, extra events. */
static const char peer_data_fmt[] =
	"[scenario]\nduration = 20s\n"
	"[A]\nso_keepalive = on\ntcp_keepidle = 2\ntcp_keepintvl = 1\ntcp_keepcnt = 4\n%s"
	"[B]\n%s"
	"[link]\ndelay = 10ms\n"
	"[events]\n%s0.5s = unplug B\n3.5s = replug B\n3.6s = send B 100\n3.8s = unplug B\n";

static void run_peer_data(const char *a, const char *b, const char *ev, struct run *r)
{
	char *text = strf(peer_data_fmt, a, b, ev);
	run_ini(text, NULL, 0, r);
	free(text);
}

/* A's keepalive probes that left it, at exactly these times. */
static void expect_probes(const struct run *r, const ks_time_t *t, size_t n)
{
	cr_expect_eq(run_count_probes_sent(r, A), n, "%zu probes, want %zu", run_count_probes_sent(r, A), n);
	for (size_t i = 0; i < n; i++) {
		const struct pkt *p = run_probe_sent(r, A, i + 1);
		cr_assert_not_null(p, "no probe %zu", i + 1);
		cr_expect_eq(p->sent, t[i], "probe %zu at %llu, want %llu", i + 1, NS(p->sent), NS(t[i]));
	}
}

static void expect_ka_abort(const struct run *r, ks_time_t at)
{
	const struct rec_end *e = run_end_must(r, A);
	cr_expect_eq(e->why, END_KEEPALIVE);
	cr_expect_eq(e->error, KS_ETIMEDOUT);
	cr_expect_eq(run_end_time(r, A), at, "abort at %llu, want %llu", NS(run_end_time(r, A)), NS(at));
}

/* run_peer_data(), then A's probes at t[0..n) and the abort at abort_at. */
static void expect_peer_data(const char *a, const char *b, const char *ev, const ks_time_t *t, size_t n,
			     ks_time_t abort_at)
{
	struct run r;
	run_peer_data(a, b, ev, &r);
	expect_probes(&r, t, n);
	expect_ka_abort(&r, abort_at);
	run_free(&r);
}

/* Linux: B's data arrives at 3.61 s. A is the client of a window-scaled
 * connection, so tcp_rcv_synsent_state_process() left pred_flags 0, and even
 * with it on the skb would not fit sk_forward_alloc (0): the slow path runs
 * tcp_ack(), probes_out = 0, rcv_tstamp = lrcvtime = 3.61 s. The timer armed
 * at probe #2 fires at 4.02 s with 0.41 s idle: re-armed for 2 - 0.41, a full
 * new series from 5.61 s, abort 4 x 1 s after it (the live kernel: kernel-check
 * case peer-data). */
Test(input, linux_peer_data_while_probing_restarts_the_series)
{
	struct run r;
	run_peer_data("", "", "", &r);
	const ks_time_t t[] = {2020 * MS, 3020 * MS, 5610 * MS, 6610 * MS, 7610 * MS, 8610 * MS};
	expect_probes(&r, t, NELEMS(t));
	/* the firing at 5.61 s sends probe #1 again: probes_out was cleared */
	const struct rec *k = run_nth_ka(&r, A, KA_PROBE, 3);
	cr_assert_not_null(k);
	cr_expect_eq(k->t, 5610 * MS);
	cr_expect_eq(k->u.ka.probes_out, 0u);
	cr_expect_eq(k->u.ka.probe_no, 1u);
	expect_ka_abort(&r, 9610 * MS);
	run_free(&r);
}

/* Linux after earlier data: B's first 100 bytes at 0.31 s turned header
 * prediction on (tcp_data_queue() -> tcp_fast_path_check()), yet the second
 * segment still fails the memory check (step5): the same new series. First
 * probe at 0.31 + 2 = 2.31 s (the 2.02 s firing re-arms for 2 - 1.71). */
Test(input, linux_data_after_data_still_runs_tcp_ack)
{
	const ks_time_t t[] = {2310 * MS, 3310 * MS, 5610 * MS, 6610 * MS, 7610 * MS, 8610 * MS};
	expect_peer_data("", "", "0.3s = send B 100\n", t, NELEMS(t), 9610 * MS);
}

/* linux-2.6: the same, but its reader's path (tcp_copy_to_iovec(), no memory
 * check) takes the second segment without tcp_ack(): probes_out stays 2 and
 * rcv_tstamp at 0.31 s (2.6.24 measures idle from rcv_tstamp alone). Probes
 * #3 and #4 at 4.31 and 5.31 s, abort at 6.31 s. */
Test(input, linux26_fast_path_keeps_probes_out)
{
	struct run r;
	run_peer_data("os = linux-2.6\n", "", "0.3s = send B 100\n", &r);
	const ks_time_t t[] = {2310 * MS, 3310 * MS, 4310 * MS, 5310 * MS};
	expect_probes(&r, t, NELEMS(t));
	const struct rec *k = run_nth_ka(&r, A, KA_PROBE, 3);
	cr_assert_not_null(k);
	cr_expect_eq(k->u.ka.probes_out, 2u, "the data did not clear probes_out");
	expect_ka_abort(&r, 6310 * MS);
	/* the summary's "last heard" is 2.6's idle clock, rcv_tstamp (0.31 s) */
	cr_expect_eq(run_end_must(&r, A)->last_rx, 310 * MS);
	run_free(&r);
}

/* linux-2.6 whose first data comes while probing: pred_flags is still 0
 * (window scaling), so the slow path clears probes_out like Linux does. */
Test(input, linux26_first_data_takes_the_slow_path)
{
	const ks_time_t t[] = {2020 * MS, 3020 * MS, 5610 * MS, 6610 * MS, 7610 * MS, 8610 * MS};
	expect_peer_data("os = linux-2.6\n", "", "", t, NELEMS(t), 9610 * MS);
}

/* Against lwIP, which offers no window scaling, a 2.6 client turns header
 * prediction on at once (__tcp_fast_path_on()): B's first data already
 * takes the fast path; idle counts from the SYN-ACK (0.02 s), so probes
 * #3, #4 at 4.02, 5.02 s and the abort at 6.02 s. */
Test(input, linux26_without_window_scaling_predicts_from_the_start)
{
	const ks_time_t t[] = {2020 * MS, 3020 * MS, 4020 * MS, 5020 * MS};
	expect_peer_data("os = linux-2.6\n", "os = lwip\n", "", t, NELEMS(t), 6020 * MS);
}

/* Who has header prediction on after the handshake: the server always
 * (tcp_rcv_state_process(): tcp_fast_path_on()), the client only when the
 * peer's window is not scaled. */
Test(input, pred_flags_after_the_handshake)
{
	struct run r;
	run_ini("[scenario]\nduration = 1s\n", NULL, 0, &r);
	cr_expect_not(run_sk(&r, A)->pred_flags, "Linux client, window scaled: off");
	cr_expect(run_sk(&r, B)->pred_flags, "server: on");
	cr_expect(run_sk(&r, A)->wscale_ok && run_sk(&r, B)->wscale_ok);
	run_free(&r);
	run_ini("[scenario]\nduration = 1s\n[B]\nos = lwip\n", NULL, 0, &r);
	cr_expect(run_sk(&r, A)->pred_flags, "peer without window scaling: on");
	cr_expect_not(run_sk(&r, A)->wscale_ok);
	run_free(&r);
	/* tcp_data_queue() -> tcp_fast_path_check(): on after in-order data */
	run_ini("[scenario]\nduration = 1s\n[events]\n0.5s = send B 100\n", NULL, 0, &r);
	cr_expect(run_sk(&r, A)->pred_flags, "client after in-order data: on");
	run_free(&r);
}

/* ---- the handshake (issue #12 item 4) --------------------------------------- */

/* A's SYNs are lost until 4.5 s (SYN 0 s, retransmissions 1-5 s at the
 * initial 1 s: tcp_syn_linear_timeouts = 4, then 7 s and 11 s as the RTO
 * doubles); B's answers are lost from then on. SYN #5 puts B in SYN_RECV at
 * 5.01 s. B's timer: 6.01 s (retransmission #1, RTO 2 s). A's SYN #6 arrives
 * at 7.01 s: tcp_check_req() sends the SYN-ACK again and restarts the timer
 * at 7.01 + 2 = 9.01 s (#2, RTO 4 s); SYN #7 at 11.01 s: again, timer 15.01 s. */
static const char synrecv_ini[] =
	"[scenario]\nduration = 16s\n[link]\ndelay = 10ms\n"
	"[events]\n0s = partition A->B\n4.5s = heal\n4.5s = partition B->A\n%s";

Test(input, retransmitted_syn_in_syn_recv_gets_the_synack_again)
{
	struct run r;
	char *text = strf(synrecv_ini, "");
	run_ini(text, NULL, 0, &r);
	free(text);
	const ks_time_t again[] = {7010 * MS, 11010 * MS};
	const ks_time_t timer[] = {6010 * MS, 9010 * MS, 15010 * MS};
	cr_expect_eq(run_count_pkts(&r, B, SEG_SYNACK_AGAIN), NELEMS(again));
	for (size_t i = 0; i < NELEMS(again); i++) {
		const struct pkt *p = run_nth_pkt(&r, B, SEG_SYNACK_AGAIN, i + 1);
		cr_assert_not_null(p);
		cr_expect_eq(p->seg.flags, TH_SYN | TH_ACK);
		cr_expect_eq(p->seg.seq, run_sk(&r, B)->iss);
		cr_expect_eq(p->sent, again[i], "SYN-ACK again %zu at %llu", i + 1, NS(p->sent));
	}
	cr_expect_eq(run_count_pkts(&r, B, SEG_RETRANS), NELEMS(timer));
	for (size_t i = 0; i < NELEMS(timer); i++) {
		const struct pkt *p = run_nth_pkt(&r, B, SEG_RETRANS, i + 1);
		cr_assert_not_null(p);
		cr_expect_eq(p->sent, timer[i], "timer retransmission %zu at %llu", i + 1, NS(p->sent));
		cr_expect_eq(p->seg.nth, i + 1, "num_timeout counts the timer's only");
	}
	cr_expect_eq(run_count_pkts(&r, B, SEG_CHALLENGE), 0u, "never a bare ACK to the SYN");
	run_free(&r);
}

/* The path heals at 6.5 s: SYN #6's SYN-ACK again reaches A at 7.02 s, A's
 * ACK completes B's handshake at 7.03 s (the kernel-check case synrecv-syn). */
Test(input, synack_again_completes_the_handshake)
{
	struct run r;
	char *text = strf(synrecv_ini, "6.5s = heal\n");
	run_ini(text, NULL, 0, &r);
	free(text);
	const struct rec *s = run_nth_state(&r, B, 2);
	cr_assert_not_null(s);
	cr_expect_eq(s->u.st.to, TCP_ESTABLISHED);
	cr_expect_eq(s->t, 7030 * MS, "B established at %llu", NS(s->t));
	cr_expect_eq(run_count_pkts(&r, B, SEG_RETRANS), 1u, "only the 6.01 s one");
	run_free(&r);
}

/* tcp_synack_retries (default 5): B's SYN-ACKs all lost and no SYN after the
 * first: retransmissions at 1.01, 3.01, 7.01, 15.01, 31.01 s, then the
 * request is dropped at 63.01 s (reqsk_timer_handler(): num_timeout >= 5);
 * with tcp_synack_retries = 2 at 7.01 s. */
static void expect_synack_drop(const char *sysctl, uint32_t boundary, ks_time_t at)
{
	struct run r;
	char *text = strf("[scenario]\nduration = 100s\n[B]\n%s[link]\ndelay = 10ms\n"
			  "[events]\n0s = partition B->A\n0.5s = partition A->B\n", sysctl);
	run_ini(text, NULL, 0, &r);
	free(text);
	cr_expect_eq(run_count_pkts(&r, B, SEG_RETRANS), boundary);
	const struct rec *a = run_nth_rto(&r, B, RTO_ABORT, 1);
	cr_assert_not_null(a);
	cr_expect_eq(a->t, at, "dropped at %llu, want %llu", NS(a->t), NS(at));
	cr_expect(a->u.rto.synack);
	cr_expect_eq(a->u.rto.boundary, boundary);
	cr_expect_str_eq(rto_rule(&a->u.rto), "tcp_synack_retries");
	const struct rec_end *e = run_end_must(&r, B);
	cr_expect_eq(e->why, END_SYN_TIMEOUT);
	cr_expect_eq(e->error, 0, "the request goes away silently");
	run_free(&r);
}

Test(input, synack_retries_default_5)
{
	expect_synack_drop("", 5, 63010 * MS);
}

Test(input, synack_retries_sysctl)
{
	expect_synack_drop("net.ipv4.tcp_synack_retries = 2\n", 2, 7010 * MS);
}

/* kasim [opt] on a scenario text: exit 0, its output. */
static struct cmd kasim_text(const char *text, const char *opt)
{
	char *ini = tmp_write("s.ini", text);
	struct cmd c = opt ? KASIM(opt, ini) : KASIM(ini);
	cr_expect_eq(c.status, 0, "%s", c.err);
	tmp_remove(ini);
	return c;
}

/* The abort's line names tcp_synack_retries, not tcp_syn_retries. */
Test(input, synack_abort_text_names_the_sysctl)
{
	struct cmd c = kasim_text("[scenario]\nduration = 10s\ntimer = exact\n[B]\nnet.ipv4.tcp_synack_retries = 1\n"
				  "[events]\n0s = partition B->A\n0.5s = partition A->B\n", NULL);
	cr_expect(strstr(c.out, "3.000000 B SYN-ACK timer: 1 retransmissions, tcp_synack_retries 1: "
				"the request is dropped (no RST, no error)\n") != NULL, "%s", c.out);
	cr_expect(strstr(c.out, "tcp_syn_retries") == NULL);
	cmd_free(&c);
}

/* ---- text lines in time order (issue #12 item 4) ---------------------------- */

/* Every timestamped line of a text timeline is at or after the one before. */
static void expect_time_order(const char *out)
{
	double prev = 0;
	int line = 0;
	for (const char *p = out; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		line++;
		char *end;
		double t = strtod(p, &end);
		if (end == p || *end != ' ')
			continue; /* header, summary, narration */
		cr_expect_geq(t, prev, "line %d (%.6f) comes before %.6f", line, t, prev);
		prev = t;
	}
}

/* A 2/1/3 prober whose B is unplugged at 2.99 s and replugged at "replug"
 * while probe #1 (sent at "probe") is in flight: the probe's line comes
 * first, and every line is in time order. link: the [link] or [events]
 * lines that set the 20 ms delay. */
static void expect_probe_line_first(const char *link, const char *replug, const char *probe)
{
	char *text = strf("[scenario]\nduration = 8\ntimer = exact\n[A]\nso_keepalive = on\ntcp_keepidle = 3\n"
			  "tcp_keepintvl = 1\ntcp_keepcnt = 3\n%s2.99s = unplug B\n%ss = replug B\n",
			  link, replug);
	struct cmd c = kasim_text(text, NULL);
	char *want_probe = strf("%14s A > B: Flags [.]", probe);
	char *want_replug = strf("%14s event: replug B\n", replug);
	const char *p = strstr(c.out, want_probe), *e = strstr(c.out, want_replug);
	cr_assert(p && e, "%s", c.out);
	cr_expect(p < e, "the %s s probe after the %s s event:\n%s", probe, replug, c.out);
	cr_expect(strstr(p, "keepalive probe #1\n") == strchr(p, '\n') - strlen("keepalive probe #1"),
		  "delivered: no drop note");
	expect_time_order(c.out);
	cmd_free(&c);
	free(want_replug);
	free(want_probe);
	free(text);
}

/* A probe leaves at 3.04 s and reaches B at 3.06 s; "replug B" happens at
 * 3.05 s, while it is in flight. The probe's line carries 3.04 s but is
 * known only at 3.06 s (B was replugged by then: delivered); it used to come
 * after the 3.05 s event's line. */
Test(input, text_lines_in_time_order_with_a_packet_in_flight)
{
	expect_probe_line_first("[link]\ndelay = 20ms\n[events]\n", "3.050000", "3.040000");
}

/* The same with the delay set by a "link delay" event, not by [link]: the
 * lines wait for the largest delay the scenario can have. */
Test(input, text_lines_in_time_order_after_a_link_delay_event)
{
	expect_probe_line_first("[events]\n1s = link delay 20ms\n", "3.010000", "3.000000");
}

/* 900 ms of jitter with reordering, 100 kB each way, --explain included:
 * hundreds of packet lines reported out of their order, all written in it. */
Test(input, text_lines_in_time_order_under_jitter)
{
	const char *text = "[scenario]\nduration = 10m\ntimer = exact\n[A]\nso_keepalive = on\ntcp_keepidle = 1\n"
			   "tcp_keepintvl = 1\n[link]\ndelay = 200ms\njitter = 900ms\nreorder = on\n"
			   "[events]\n1s = send A 100000\n2s = send B 50000\n";
	const char *opts[] = {NULL, "--explain"};
	for (size_t i = 0; i < NELEMS(opts); i++) {
		struct cmd c = kasim_text(text, opts[i]);
		expect_time_order(c.out);
		cmd_free(&c);
	}
}

/* The shipped scenario says what its comment says. */
Test(input, shipped_peer_data_scenario)
{
	struct run r;
	run_file("peer-data.ini", NULL, 0, &r);
	expect_ka_abort(&r, 206010 * MS);
	cr_expect_eq(run_end_must(&r, A)->last_rx, 96010 * MS);
	run_free(&r);
	const char *sets[] = {"A.os=linux-2.6"};
	run_file("peer-data.ini", sets, 1, &r);
	expect_ka_abort(&r, 115010 * MS);
	cr_expect_eq(run_end_must(&r, A)->last_rx, 5010 * MS);
	run_free(&r);
}
