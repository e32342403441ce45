/*
 * test_heartbeat.c - application heartbeats (issue #14 item 1): the keys and
 * presets, then runs with the exact times of every ping, miss and give-up,
 * derived by hand from the model's rules (heartbeat.h):
 *   - idle_only: a ping when nothing was received for the interval; with no
 *     data since L the application gives up at L + count x interval + timeout;
 *   - fixed: a ping every interval; the first unanswered ping sent at S gives
 *     up at S + (count - 1) x interval + timeout;
 *   - the pings and replies are TCP payload (keepalive idle, NAT refresh).
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "sim_capture.h"

/* The first give-up of host: at time at, the peer last heard at last_alive. */
static const struct rec *expect_give_up(const struct run *r, int host, ks_time_t at,
					ks_time_t last_alive)
{
	const struct rec *g = run_nth_hb(r, host, HBD_GIVEUP, 1);
	cr_assert_not_null(g, "%c never gave up", host_letter(host));
	cr_expect_eq(g->t, at, "gave up at %llu ns", NS(g->t));
	cr_expect_eq(g->u.hb.last_alive, last_alive, "last alive %llu ns", NS(g->u.hb.last_alive));
	return g;
}

static uint64_t nat_expired(const struct run *r)
{
	struct sim_counters c;
	sim_counters(r->sim, &c);
	return c.nat_expired;
}

/* ---- keys and presets -------------------------------------------------------- */

Test(heartbeat, preset_and_keys_in_any_order)
{
	/* a key before the preset still wins over it */
	struct scenario *s = scenario_text_ok("[A]\nheartbeat_timeout = 5s\nheartbeat = grpc\n"
				      "heartbeat_interval = 30s\n[B]\nheartbeat = websocket\n"
				      "heartbeat_action = abort\n");
	const struct hb_config *a = &s->ep[HOST_A].hb, *b = &s->ep[HOST_B].hb;
	cr_expect_str_eq(a->preset, "grpc");
	cr_expect_eq(a->interval, 30 * SEC);
	cr_expect_eq(a->timeout, 5 * SEC);
	cr_expect_eq(a->count, 1);
	cr_expect_eq(a->size, 17);
	cr_expect_eq(a->reply_size, 17);
	cr_expect(a->idle_only);
	cr_expect(!a->without_calls);
	cr_expect_eq(a->action, HB_ACTION_CLOSE);
	cr_expect_str_eq(b->preset, "websocket");
	cr_expect_eq(b->interval, 20 * SEC);
	cr_expect_eq(b->timeout, 20 * SEC);
	cr_expect_eq(b->size, 10);
	cr_expect_eq(b->reply_size, 6);
	cr_expect(!b->idle_only);
	cr_expect_eq(b->action, HB_ACTION_ABORT);
	scenario_free(s);

	s = scenario_text_ok("[A]\nheartbeat = ssh-client\nheartbeat_interval = 15\n");
	a = &s->ep[HOST_A].hb;
	cr_expect_eq(a->count, 3);
	cr_expect_eq(a->timeout, 0); /* the interval */
	cr_expect_eq(a->size, 52);
	cr_expect_eq(a->reply_size, 28);
	cr_expect_str_eq(s->ep[HOST_B].hb.preset, ""); /* B only answers */
	scenario_free(s);
}

Test(heartbeat, key_errors)
{
	cap_expect_error("[A]\nheartbeat = grcp\n",
		     "t.ini:2: unknown preset 'grcp' (did you mean 'grpc'? valid presets: off, custom, "
		     "grpc, http2, websocket, ssh-client, ssh-server, redis, postgres, amqp)");
	cap_expect_error("[A]\nheartbeat = ssh-client\n",
		     "t.ini:2: heartbeat = ssh-client needs heartbeat_interval (ServerAliveInterval "
		     "defaults to 0 (off); e.g. heartbeat_interval = 30s)");
	cap_expect_error("[B]\nheartbeat = grpc\n",
		     "t.ini:2: heartbeat = grpc needs heartbeat_interval (gRPC clients send no keepalive "
		     "pings by default (GRPC_ARG_KEEPALIVE_TIME_MS = INT_MAX; servers: 2h); e.g. "
		     "heartbeat_interval = 30s)");
	cap_expect_error("[A]\nheartbeat_interval = 10s\n",
		     "t.ini:2: heartbeat_interval: there is no heartbeat (set heartbeat = custom or a "
		     "preset)");
	cap_expect_error("[A]\nheartbeat = custom\nheartbeat_interval = 10s\nheartbeat_count = 0\n",
		     "t.ini:4: heartbeat_count = 0 is out of range (1..100 missed replies)");
	cap_expect_error("[A]\nheartbeat = custom\nheartbeat_interval = 0\n",
		     "t.ini:3: heartbeat_interval = 0 is out of range (1ms..1d)");
	cap_expect_error("[A]\nheartbeat = custom\nheartbeat_interval = 1s\nheartbeat_action = kill\n",
		     "t.ini:4: heartbeat_action = kill is not a valid value (valid: close, abort)");
}

/* run.json's config (the key table) has every heartbeat key. */
Test(heartbeat, config_keys)
{
	struct scenario *s = scenario_text_ok("[A]\nheartbeat = redis\n");
	size_t sec = 1; /* [A] */
	cr_assert_str_eq(scenario_section_name(sec), "A");
	const char *want[] = {"heartbeat", "heartbeat_interval", "heartbeat_timeout", "heartbeat_count",
			      "heartbeat_size", "heartbeat_reply_size", "heartbeat_idle_only",
			      "heartbeat_without_calls", "heartbeat_action"};
	size_t found = 0;
	for (size_t k = 0; k < scenario_nkeys(sec); k++) {
		struct cfg_value v;
		const char *name = scenario_key_name(sec, k);
		if (strncmp(name, "heartbeat", 9))
			continue;
		cr_expect_str_eq(name, want[found]);
		scenario_key_value(s, sec, k, HOST_A, &v);
		if (!strcmp(name, "heartbeat"))
			cr_expect_str_eq(v.s, "redis");
		if (!strcmp(name, "heartbeat_interval"))
			cr_expect_eq(v.t, 1 * SEC);
		if (!strcmp(name, "heartbeat_timeout"))
			cr_expect_eq(v.t, 30 * SEC);
		found++;
	}
	cr_expect_eq(found, NELEMS(want));
	scenario_free(s);
}

/* ---- runs with exact times ------------------------------------------------------ */

/* gRPC, idle_only, B unplugged at 10 s: nothing arrives after the handshake
 * (L = 0), ping #1 at 3000 s, no PING ACK, give up at 0 + 1 x 3000 + 20 =
 * 3020 s and close (a FIN). */
Test(heartbeat, grpc_give_up_time)
{
	struct run r;
	run_ini("[scenario]\nduration = 2h\n[A]\nheartbeat = grpc\nheartbeat_interval = 3000s\n"
		"heartbeat_without_calls = on\n[events]\n10s = unplug B\n",
		NULL, 0, &r);
	cr_assert_eq(run_count_hb(&r, HOST_A, HBD_PING), 1);
	cr_expect_eq(run_count_hb(&r, ANY, HBD_MISS), 0);
	cr_assert_eq(run_count_hb(&r, HOST_A, HBD_GIVEUP), 1);
	const struct rec *p = run_nth_hb(&r, HOST_A, HBD_PING, 1);
	cr_expect_eq(p->t, 3000 * SEC);
	cr_expect_eq(p->u.hb.size, 17);
	const struct rec *g = expect_give_up(&r, HOST_A, 3020 * SEC, 0);
	cr_expect_eq(g->u.hb.no, 1);
	cr_expect_eq(g->u.hb.misses, 1);
	cr_expect_eq(g->u.hb.sent, 3000 * SEC);
	/* the ping is payload: 17 bytes at 3000 s; the close is a FIN at 3020 s */
	const struct pkt *d = run_nth_flags(&r, HOST_A, TH_PSH, TH_PSH, 1);
	cr_expect_eq(d->sent, 3000 * SEC);
	cr_expect_eq(d->seg.len, 17);
	const struct pkt *f = run_nth_flags(&r, HOST_A, TH_FIN, TH_FIN, 1);
	cr_assert_not_null(f);
	cr_expect_eq(f->sent, 3020 * SEC);
	run_free(&r);
}

/* ssh ServerAlive 15 s, CountMax 3, 10 ms each way. A is ESTABLISHED at
 * 0.02 s; each ping's reply arrives 20 ms later, and the next ping is due
 * 15 s after it: ping n at 15.02 x n. B crashes at 120 s: the reply to ping
 * #7 (105.14 s) arrived at 105.16 s; ping #8 at 120.16 s is lost, #9 at
 * 135.16, #10 at 150.16; misses at 135.16 (#8) and 150.16 (#9); at 165.16
 * the third: give up at 105.16 + 3 x 15 + 15 = 165.16 s, before an 11th ping. */
Test(heartbeat, ssh_count_max)
{
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[link]\ndelay = 10ms\n[A]\nheartbeat = ssh-client\n"
		"heartbeat_interval = 15s\n[events]\n2m = crash B\n",
		NULL, 0, &r);
	cr_assert_eq(run_count_hb(&r, HOST_A, HBD_PING), 10);
	for (size_t n = 1; n <= 7; n++)
		cr_expect_eq(run_nth_hb(&r, HOST_A, HBD_PING, n)->t, 15020 * MS * n, "ping %zu", n);
	for (size_t n = 8; n <= 10; n++)
		cr_expect_eq(run_nth_hb(&r, HOST_A, HBD_PING, n)->t, 120160 * MS + 15 * SEC * (n - 8),
			     "ping %zu", n);
	cr_assert_eq(run_count_hb(&r, HOST_A, HBD_MISS), 2);
	cr_expect_eq(run_nth_hb(&r, HOST_A, HBD_MISS, 1)->t, 135160 * MS);
	cr_expect_eq(run_nth_hb(&r, HOST_A, HBD_MISS, 1)->u.hb.misses, 1);
	cr_expect_eq(run_nth_hb(&r, HOST_A, HBD_MISS, 2)->t, 150160 * MS);
	cr_expect_eq(run_nth_hb(&r, HOST_A, HBD_MISS, 2)->u.hb.misses, 2);
	const struct rec *g = expect_give_up(&r, HOST_A, 165160 * MS, 105160 * MS);
	cr_expect_eq(g->u.hb.no, 10);
	cr_expect_eq(g->u.hb.misses, 3);
	cr_expect_eq(g->u.hb.timeout, 15 * SEC); /* timeout 0 = the interval */
	cr_expect_eq(g->t, g->u.hb.last_alive + 3 * 15 * SEC + 15 * SEC);
	/* B's replies: 28 bytes each, one per answered ping */
	cr_expect_eq(run_count_flags(&r, HOST_B, TH_PSH, TH_PSH), 7);
	cr_expect_eq(run_nth_flags(&r, HOST_B, TH_PSH, TH_PSH, 1)->seg.len, 28);
	run_free(&r);
}

/* WebSocket: a ping every 20 s whatever arrives (B's data at 30 s moves
 * nothing); B unplugged at 50 s: ping #3 at 60 s unanswered, give up at
 * 60 + 20 = 80 s, when ping #4 would be due. */
Test(heartbeat, fixed_interval)
{
	struct run r;
	run_ini("[scenario]\nduration = 10m\n[A]\nheartbeat = websocket\n"
		"[events]\n30s = send B 100\n50s = unplug B\n",
		NULL, 0, &r);
	cr_assert_eq(run_count_hb(&r, HOST_A, HBD_PING), 3);
	for (size_t n = 1; n <= 3; n++)
		cr_expect_eq(run_nth_hb(&r, HOST_A, HBD_PING, n)->t, 20 * SEC * n);
	/* last heard: the pong to #2 at 40 s; B's data at 30 s answers nothing */
	const struct rec *g = expect_give_up(&r, HOST_A, 80 * SEC, 40 * SEC);
	cr_expect_eq(g->u.hb.no, 3);
	/* pongs are 6 bytes, B's data 100 */
	cr_expect_eq(run_nth_flags(&r, HOST_B, TH_PSH, TH_PSH, 1)->seg.len, 6);  /* 20 s */
	cr_expect_eq(run_nth_flags(&r, HOST_B, TH_PSH, TH_PSH, 2)->seg.len, 100); /* 30 s */
	cr_expect_eq(run_nth_flags(&r, HOST_B, TH_PSH, TH_PSH, 3)->seg.len, 6);  /* 40 s */
	run_free(&r);
}

/* custom: every 10 s, timeout 5 s, count 3; B unplugged at 25 s: #3 at 30 s
 * is the first unanswered, misses at 35 and 45, give up at 30 + 2 x 10 + 5
 * = 55 s. */
Test(heartbeat, count_with_timeout)
{
	struct run r;
	run_ini("[scenario]\nduration = 10m\n[A]\nheartbeat = custom\nheartbeat_interval = 10s\n"
		"heartbeat_timeout = 5s\nheartbeat_count = 3\n[events]\n25s = unplug B\n",
		NULL, 0, &r);
	cr_expect_eq(run_count_hb(&r, HOST_A, HBD_PING), 5);
	cr_assert_eq(run_count_hb(&r, HOST_A, HBD_MISS), 2);
	cr_expect_eq(run_nth_hb(&r, HOST_A, HBD_MISS, 1)->t, 35 * SEC);
	cr_expect_eq(run_nth_hb(&r, HOST_A, HBD_MISS, 2)->t, 45 * SEC);
	cr_expect_eq(run_nth_flags(&r, HOST_A, TH_FIN, TH_FIN, 1)->sent, 55 * SEC); /* closes */
	const struct rec *g = expect_give_up(&r, HOST_A, 55 * SEC, 20 * SEC); /* the reply to #2 */
	cr_expect_eq(g->u.hb.no, 5);
	run_free(&r);
}

/* gRPC's permit_without_calls = 0: no ping while no call is open. A's call
 * opens at 100 s (its send); idle since 0, the timer at 120 s pings; the
 * reply (at 120 s, no delay) is no response, so the call stays open: ping #2
 * at 180 s. B's response at 200 s closes the call: no more pings. */
Test(heartbeat, without_calls)
{
	struct run r;
	run_ini("[scenario]\nduration = 10m\n[A]\nheartbeat = grpc\nheartbeat_interval = 60s\n"
		"[events]\n100s = send A 100\n200s = send B 50\n",
		NULL, 0, &r);
	cr_assert_eq(run_count_hb(&r, HOST_A, HBD_PING), 2);
	cr_expect_eq(run_nth_hb(&r, HOST_A, HBD_PING, 1)->t, 120 * SEC);
	cr_expect_eq(run_nth_hb(&r, HOST_A, HBD_PING, 2)->t, 180 * SEC);
	cr_expect_eq(run_count_hb(&r, ANY, HBD_GIVEUP), 0);
	run_free(&r);

	/* without any call: not a single ping */
	run_ini("[scenario]\nduration = 10m\n[A]\nheartbeat = grpc\nheartbeat_interval = 60s\n", NULL, 0,
		&r);
	cr_expect_eq(run_count_hb(&r, ANY, ANY), 0);
	run_free(&r);
}

/* Heartbeats are payload: answered every 30 s, A's keepalive (idle 60 s)
 * never probes, and the AWS NAT gateway's 350 s idle timeout never expires
 * the mapping (pings at 30, 60, ..., 3600 s: 120). */
Test(heartbeat, payload_resets_keepalive_and_nat)
{
	struct run r;
	run_ini("[scenario]\nduration = 1h\n[nat]\npreset = aws-nat-gateway\n[A]\nso_keepalive = on\n"
		"tcp_keepidle = 60\nheartbeat = http2\nheartbeat_interval = 30s\n",
		NULL, 0, &r);
	cr_expect_eq(run_count_hb(&r, HOST_A, HBD_PING), 120);
	cr_expect_eq(run_count_probes_sent(&r, HOST_A), 0);
	cr_expect_eq(nat_expired(&r), 0);
	run_free(&r);

	/* the same without the heartbeat: the mapping expires at 350 s */
	run_ini("[scenario]\nduration = 1h\n[nat]\npreset = aws-nat-gateway\n", NULL, 0, &r);
	cr_expect_eq(nat_expired(&r), 1);
	run_free(&r);
}

/* heartbeat_action = abort: a RST (SO_LINGER 0). B's replies are lost from
 * 25 s: ping #3 at 30 s unanswered, give up at 35 s; B gets the RST. */
Test(heartbeat, abort_sends_rst)
{
	struct run r;
	run_ini("[scenario]\nduration = 10m\n[A]\nheartbeat = custom\nheartbeat_interval = 10s\n"
		"heartbeat_timeout = 5s\nheartbeat_action = abort\n[events]\n25s = partition B->A\n",
		NULL, 0, &r);
	const struct rec_end *a = run_end_must(&r, HOST_A);
	cr_expect_eq(a->why, END_APP_ABORT);
	cr_expect_eq(a->error, 0);
	cr_expect_eq(run_end_time(&r, HOST_A), 35 * SEC);
	const struct pkt *rst = run_nth_flags(&r, HOST_A, TH_RST, TH_RST, 1);
	cr_assert_not_null(rst);
	cr_expect_eq(rst->seg.kind, SEG_RST_ABORT);
	cr_expect_eq(rst->sent, 35 * SEC);
	const struct rec_end *b = run_end_must(&r, HOST_B);
	cr_expect_eq(b->why, END_RESET);
	cr_expect_eq(b->error, KS_ECONNRESET);
	cr_expect_eq(run_end_time(&r, HOST_B), 35 * SEC);
	run_free(&r);
}

/* AMQP: both ends send heartbeats and nobody replies; any traffic is the
 * answer. A's packets are lost from 100 s: B last heard A at 90 s, gives up
 * at 90 + 30 + 30 = 150 s; A keeps hearing B's heartbeats. */
Test(heartbeat, amqp_both_ends)
{
	struct run r;
	run_ini("[scenario]\nduration = 10m\n[A]\nheartbeat = amqp\n[B]\nheartbeat = amqp\n"
		"[events]\n100s = partition A->B\n",
		NULL, 0, &r);
	const struct rec *g = expect_give_up(&r, HOST_B, 150 * SEC, 90 * SEC);
	cr_expect(g->u.hb.no_reply);
	cr_expect_eq(run_count_hb(&r, HOST_A, HBD_GIVEUP), 0);
	cr_expect_eq(run_count_hb(&r, HOST_A, HBD_MISS), 0);
	run_free(&r);
}

/* The timeline, its summary and the JSON say when and why. */
Test(heartbeat, outputs_say_why)
{
	char *path = tmp_write("g.ini", "[scenario]\nduration = 2h\n[A]\nheartbeat = grpc\n"
					"heartbeat_interval = 3000s\nheartbeat_without_calls = on\n"
					"[events]\n10s = unplug B\n");
	struct cmd c = KASIM(path);
	cr_assert_eq(c.status, 0, "%s", c.err);
	cr_expect_not_null(strstr(c.out, "   3000.000000 A gRPC keepalive: ping #1 (17 bytes), PING ACK "
					 "due within 20 s\n"), "%s", c.out);
	cr_expect_not_null(strstr(c.out, "   3020.000000 A gRPC keepalive: no PING ACK to #1 within "
					 "20 s (1 of 1 missed): give up, transport closed\n"), "%s", c.out);
	cr_expect_not_null(strstr(c.out, "  A's gRPC keepalive: no PING ACK within 20 s, transport closed "
					 "at 3020 s: last heard from B at 0 s; 0 s + 1 x 3000 s + 20 s "
					 "= 3020 s.\n"), "%s", c.out);
	cmd_free(&c);
	c = KASIM("--json", path);
	cr_assert_eq(c.status, 0, "%s", c.err);
	cr_expect_not_null(strstr(c.out, "{\"time\": 3020, \"type\": \"heartbeat\", \"host\": \"A\", "
					 "\"decision\": \"give-up\", \"ping\": 1, \"misses\": 1, "
					 "\"count\": 1, \"sent\": 3000, \"timeout\": 20, "
					 "\"last_alive\": 0, \"text\": "), "%s", c.out);
	cr_expect_not_null(strstr(c.out, "\"heartbeat\": \"A's gRPC keepalive: no PING ACK within 20 s, "
					 "transport closed at 3020 s"), "%s", c.out);
	cmd_free(&c);
	tmp_remove(path);
}

/* The shipped scenarios' stated outcomes. grpc-keepalive: pings every 60 s
 * of silence keep the NAT's 350 s mapping; the last PING ACK at 2940 s, B
 * unplugged at 3000 s: the transport closes at 2940 + 60 + 20 = 3020 s. */
Test(heartbeat, shipped_grpc_keepalive)
{
	struct run r;
	run_file("grpc-keepalive.ini", NULL, 0, &r);
	const struct rec *g = expect_give_up(&r, HOST_A, 3020 * SEC, 2940 * SEC);
	cr_expect_eq(g->u.hb.no, 50);
	cr_expect_eq(run_count_hb(&r, HOST_A, HBD_PING), 50);
	cr_expect_eq(nat_expired(&r), 1); /* only after the close: transitory, 3102.2 + 350 s */
	run_free(&r);
}

/* ssh-alive: sshd's messages every 15 s keep the 25 s NAT mapping; A crashes
 * at 600 s, last heard at 585 s: sshd disconnects at 585 + 3 x 15 + 15 = 645 s. */
Test(heartbeat, shipped_ssh_alive)
{
	struct run r;
	run_file("ssh-alive.ini", NULL, 0, &r);
	const struct rec *g = expect_give_up(&r, HOST_B, 645 * SEC, 585 * SEC);
	cr_expect_eq(g->u.hb.misses, 3);
	cr_expect_eq(run_count_hb(&r, HOST_B, HBD_MISS), 2);
	cr_expect_eq(run_count_hb(&r, HOST_A, ANY), 0); /* the client only answers */
	cr_expect_eq(nat_expired(&r), 1); /* once transitory after sshd's FIN, not before */
	run_free(&r);
}

/* A's direction fails: neither A's pings nor its replies to B's pings are
 * read. Each second A writes a ping (1000 bytes) and a reply (1 byte), so
 * its 128 unread messages are reached at 64 s, before 127 unanswered pings:
 * from then on A writes no ping, and records none (the bug: 127 ping records
 * for 64 pings written). */
Test(heartbeat, full_stream_no_phantom_pings)
{
	struct run r;
	run_ini("[scenario]\nduration = 10m\n[A]\nheartbeat = custom\nheartbeat_interval = 1s\n"
		"heartbeat_timeout = 1d\nheartbeat_count = 100\nheartbeat_size = 1000\n"
		"[B]\nheartbeat = custom\nheartbeat_interval = 1s\nheartbeat_timeout = 1d\n"
		"heartbeat_count = 100\n[events]\n500ms = partition A->B\n",
		NULL, 0, &r);
	const struct tcp_sock *a = run_sk(&r, HOST_A);
	uint32_t written = a->write_seq - a->iss - 1;
	size_t pings = run_count_hb(&r, HOST_A, HBD_PING);
	cr_expect_eq(written / 1000, pings, "%u bytes written, %zu ping records", written, pings);
	cr_expect_eq(pings, 64);
	cr_expect_eq(written, 64 * 1000 + 64);
	run_free(&r);
}

/* A sweep names the heartbeat's abort in results.csv: a reply timeout of
 * 1 ms under a 20 ms round trip aborts at the first ping, 10.02 s after A's
 * connect (ESTABLISHED at 0.02 s) plus 1 ms; 1 s survives. */
Test(heartbeat, sweep_names_the_abort)
{
	char *dir = make_tmpdir(), ini[512], out[512], csv[600];
	SNP(ini, "%s/s.ini", dir);
	SNP(out, "%s/out", dir);
	SNP(csv, "%s/results.csv", out);
	write_file(ini, "[scenario]\nduration = 1h\n[link]\ndelay = 10ms\n[A]\nheartbeat = custom\n"
			"heartbeat_interval = 10s\nheartbeat_action = abort\n[sweep]\n"
			"A.heartbeat_timeout = 1ms, 1s\nreplicas = 1\n");
	struct cmd c = KASIM("sweep", ini, "-o", out, "--no-render", "--no-progress");
	cr_assert_eq(c.status, 0, "%s", c.err);
	char *r = slurp(csv, NULL);
	cr_assert_not_null(r);
	cr_expect_not_null(strstr(r, ",1ms,lost,aborted,A,,10.021,"), "%s", r);
	cr_expect_not_null(strstr(r, ",1s,survived,"), "%s", r);
	free(r);
	cmd_free(&c);
	rm_rf(dir);
	free(dir);
}
