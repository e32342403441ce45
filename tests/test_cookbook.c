/*
 * test_cookbook.c - docs/cookbook.md's answers (issue #14 item 6): every
 * scenario under scenarios/cookbook/ runs from the shipped file, and its
 * stated outcome holds: who gave up, with which errno, at what time, or that
 * it survived; the fix each entry gives (its --set line) holds too; the
 * sweep recommends the stated value for the side it sweeps.
 *
 * Every time below is derived from the formulas and documented values named
 * beside it (Linux: keepidle + keepcnt x keepintvl after the last answer;
 * tcp_retries2 = 15: RTO x (2^10 - 1) + 6 x 120 s after the first send; the
 * libraries' options as docs/profiles.md sources them), not from kasim.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "binrun.h"

#define MAX_ARGS 16

/* Run scenarios/cookbook/NAME.ini with the --set values in sets (NULL-
 * terminated, may be NULL); it must succeed, and stdout must hold every
 * string of want (NULL-terminated; whole summary lines, but for the NAT's
 * counts, which are given in part). */
static void expect_lines(const char *name, const char *const *sets, const char *const *want)
{
	char rel[128];
	SNP(rel, "cookbook/%s.ini", name);
	char *path = scenario_file(rel);
	const char *args[MAX_ARGS];
	size_t n = 0;
	for (size_t i = 0; sets && sets[i]; i++) {
		cr_assert_lt(n + 3, (size_t)MAX_ARGS);
		args[n++] = "--set";
		args[n++] = sets[i];
	}
	args[n++] = path;
	struct cmd c;
	kasim_run(args, n, &c);
	cr_assert_eq(c.status, 0, "%s: exit %d: %s", name, c.status, c.err);
	for (size_t i = 0; want[i]; i++) {
		cr_expect_not_null(strstr(c.out, want[i]), "%s: no '%s' in\n%s", name, want[i], c.out);
	}
	cmd_free(&c);
	free(path);
}

#define LINES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define SETS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* gRPC behind an NLB: the flow's last segment is the call's last ACK (10.02 s),
 * it expires at 360.02 s; the call at 400 s meets no flow and the NLB resets A
 * at once (the NLB is at A's end). Refreshes: the SYN-ACK and the handshake ACK,
 * then the call, its response and the two ACKs: 6. */
Test(cookbook, grpc_aws_nlb)
{
	expect_lines("grpc-aws-nlb", NULL,
		     LINES("  A received a RST at 400 s (sent by the NAT, not by B) and reported ECONNRESET.",
			   "  NAT aws-nlb: 1 mapping created, 6 refreshes, 1 expired, 0 evicted, 1 segment dropped, 1 RST sent."));
	/* gRPC keepalive every 60 s of silence (< 350 s): nothing expires */
	expect_lines("grpc-aws-nlb",
		     SETS("A.heartbeat=grpc", "A.heartbeat_interval=60s", "A.heartbeat_without_calls=on"),
		     LINES("  A is still ESTABLISHED at the end (3600 s): SO_KEEPALIVE is off, so it never probes.",
			   "  B is still ESTABLISHED at the end (3600 s): SO_KEEPALIVE is off, so it never probes."));
}

/* libpq's OS defaults (7200 s) behind Azure LB (240 s, silent): the query at
 * 600 s is retransmitted with RTO 0.22 s (20 ms RTT + 200 ms minimum) doubling
 * to 120 s: 600 + 0.22 x 1023 + 6 x 120 = 1545.06 s. */
Test(cookbook, postgres_azure_lb)
{
	expect_lines("postgres-azure-lb", NULL,
		     LINES("  A aborted with ETIMEDOUT at 1545.06 s (retransmission timeout, no RST): 15 retransmissions; "
			   "944.84 s since the first one >= 924.6 s (tcp_retries2); keepalive plays no part while data is "
			   "unacknowledged.",
			   "  NAT azure-lb: 1 mapping created, 6 refreshes, 1 expired, 0 evicted, 16 segments dropped, 0 RSTs sent."));
	/* keepalives_idle = 120 (< 240 s): the LB keeps the flow */
	expect_lines("postgres-azure-lb", SETS("A.tcp_keepidle=120"),
		     LINES("  A is still ESTABLISHED at the end (3600 s): keepalive is on, but it has not given up.",
			   "  B is still ESTABLISHED at the end (3600 s): SO_KEEPALIVE is off, so it never probes."));
}

/* IPVS (900 s, silent): the request at 1000 s, RTO 0.202 s (2 ms RTT):
 * 1000 + 0.202 x 1023 + 6 x 120 = 1926.646 s. */
Test(cookbook, docker_swarm_ipvs)
{
	expect_lines("docker-swarm-ipvs", NULL,
		     LINES("  A aborted with ETIMEDOUT at 1926.646 s (retransmission timeout, no RST): 15 retransmissions; "
			   "926.444 s since the first one >= 924.6 s (tcp_retries2); keepalive plays no part while data is "
			   "unacknowledged.",
			   "  NAT docker-ipvs: 1 mapping created, 6 refreshes, 1 expired, 0 evicted, 16 segments dropped, 0 RSTs sent."));
	expect_lines("docker-swarm-ipvs", SETS("A.so_keepalive=on", "A.tcp_keepidle=600"),
		     LINES("  A is still ESTABLISHED at the end (7200 s): keepalive is on, but it has not given up.",
			   "  B is still ESTABLISHED at the end (7200 s): SO_KEEPALIVE is off, so it never probes."));
}

/* Idle probing with a 20 ms round trip: B last hears A's handshake ACK at
 * 0.03 s; each probe goes out keepidle after the last answer and is answered
 * 20 ms later, so answer k comes at 0.03 + k x (keepidle + 0.02).
 * redis tcp-keepalive 300 = 300 / 100 / 3: answers at 300.05, 600.07,
 * 900.09; A dies at 1000 s: 900.09 + 300 + 3 x 100 = 1500.09 s. */
Test(cookbook, redis_server_keepalive)
{
	expect_lines("redis-server-keepalive", NULL,
		     LINES("  B aborted with ETIMEDOUT at 1500.09 s (keepalive): last heard from A at 900.09 s; idle 300 s "
			   "+ 3 unanswered probes x 100 s = 600 s."));
	/* tcp-keepalive 60 = 60 / 20 / 3: answer 16 at 0.03 + 16 x 60.02 = 960.35 s,
	 * then 60 + 3 x 20 = 120 s */
	expect_lines("redis-server-keepalive", SETS("B.tcp_keepidle=60"),
		     LINES("  B aborted with ETIMEDOUT at 1080.35 s (keepalive): last heard from A at 960.35 s; idle 60 s "
			   "+ 3 unanswered probes x 20 s = 120 s."));
}

/* redis behind Azure LB: B's probes (300 s > 240 s) meet an expired flow; the
 * last thing heard from A is its handshake ACK at 0.03 s (SYN 0, SYN-ACK at
 * 0.01, ACK at B at 0.03): 0.03 + 300 + 3 x 100 = 600.03 s; A stays. */
Test(cookbook, redis_azure_lb)
{
	expect_lines("redis-azure-lb", NULL,
		     LINES("  A is still ESTABLISHED at the end (3600 s): SO_KEEPALIVE is off, so it never probes.",
			   "  B aborted with ETIMEDOUT at 600.03 s (keepalive): last heard from A at 0.03 s; idle 300 s + "
			   "3 unanswered probes x 100 s = 600 s."));
	expect_lines("redis-azure-lb", SETS("B.tcp_keepidle=60"),
		     LINES("  A is still ESTABLISHED at the end (3600 s): SO_KEEPALIVE is off, so it never probes.",
			   "  B is still ESTABLISHED at the end (3600 s): keepalive is on, but it has not given up."));
}

/* sshd ClientAliveInterval 30 through a 25 s NAT: last heard 0.06 s (the
 * handshake ACK, 20 ms each way), four checks: 0.06 + 3 x 30 + 30 = 120.06 s. */
Test(cookbook, ssh_carrier_nat)
{
	expect_lines("ssh-carrier-nat", NULL,
		     LINES("  A is still ESTABLISHED at the end (600 s): SO_KEEPALIVE is off, so it never probes.",
			   "  B's sshd ClientAlive: no reply within 30 s, sshd disconnected at 120.06 s: last heard from A at "
			   "0.06 s; 0.06 s + 3 x 30 s + 30 s = 120.06 s."));
	/* 20 s < 25 s: every message refreshes the mapping */
	expect_lines("ssh-carrier-nat", SETS("B.heartbeat_interval=20s"),
		     LINES("  A is still ESTABLISHED at the end (600 s): SO_KEEPALIVE is off, so it never probes.",
			   "  B is still ESTABLISHED at the end (600 s): SO_KEEPALIVE is off, so it never probes."));
}

/* Go: 15 / 15 / 9. A last hears B's SYN-ACK at 0.02 s; answer k comes at
 * 0.02 + k x 15.02 (a probe 15 s after the last answer, answered 20 ms
 * later): the sixth, 90.14 s, is the last before B's unplug at 100 s:
 * 90.14 + 15 + 9 x 15 = 240.14 s. With KeepAlive = 5 min (300 / 300 / 9) no
 * probe is answered: 0.02 + 300 + 9 x 300 = 3000.02 s. */
Test(cookbook, go_default)
{
	expect_lines("go-default", NULL,
		     LINES("  A aborted with ETIMEDOUT at 240.14 s (keepalive): last heard from B at 90.14 s; idle 15 s + 9 "
			   "unanswered probes x 15 s = 150 s."));
	expect_lines("go-default", SETS("A.tcp_keepidle=300"),
		     LINES("  A aborted with ETIMEDOUT at 3000.02 s (keepalive): last heard from B at 0.02 s; idle 300 s + 9 "
			   "unanswered probes x 300 s = 3000 s."));
}

/* Node: setKeepAlive(true, 60000) + libuv's 1 s / 10: answer k at 0.02 +
 * k x 60.02, the fourth (240.1 s) the last before the unplug at 300 s:
 * 240.1 + 60 + 10 x 1 = 310.1 s. */
Test(cookbook, node_setkeepalive)
{
	expect_lines("node-setkeepalive", NULL,
		     LINES("  A aborted with ETIMEDOUT at 310.1 s (keepalive): last heard from B at 240.1 s; idle 60 s + 10 "
			   "unanswered probes x 1 s = 70 s."));
}

/* Linux's 7200 / 75 / 9: 30.02 + 7875 = 7905.02 s (2 h 11 min 15 s after). */
Test(cookbook, why_2h11m)
{
	expect_lines("why-2h11m", NULL,
		     LINES("  A aborted with ETIMEDOUT at 7905.02 s (keepalive): last heard from B at 30.02 s; idle 7200 s + "
			   "9 unanswered probes x 75 s = 7875 s."));
	expect_lines("why-2h11m", SETS("A.tcp_keepidle=60", "A.tcp_keepintvl=10", "A.tcp_keepcnt=3"),
		     LINES("  A aborted with ETIMEDOUT at 120.02 s (keepalive): last heard from B at 30.02 s; idle 60 s + 3 "
			   "unanswered probes x 10 s = 90 s."));
}

/* Data in flight: 65 + 0.22 x 1023 + 6 x 120 = 1010.06 s whatever keepalive
 * says; TCP_USER_TIMEOUT 30 s: 65.22 + 30 = 95.22 s. */
Test(cookbook, reconnect_15min)
{
	expect_lines("reconnect-15min", NULL,
		     LINES("  A aborted with ETIMEDOUT at 1010.06 s (retransmission timeout, no RST): 15 retransmissions; "
			   "944.84 s since the first one >= 924.6 s (tcp_retries2); keepalive plays no part while data is "
			   "unacknowledged."));
	expect_lines("reconnect-15min", SETS("A.tcp_user_timeout=30000"),
		     LINES("  A aborted with ETIMEDOUT at 95.22 s (retransmission timeout, no RST): 7 retransmissions; 30 s "
			   "since the first one >= 30 s (TCP_USER_TIMEOUT); keepalive plays no part while data is "
			   "unacknowledged."));
}

/* Server-only keepalive 300 / 30 / 3 keeps the 350 s mapping; the path breaks
 * at 3000 s, B's last answer 2700.21 s: + 300 + 3 x 30 = 3090.21 s; A never
 * knows. With A probing too, both give up. */
Test(cookbook, client_or_server)
{
	expect_lines("client-or-server", NULL,
		     LINES("  A is still ESTABLISHED at the end (10800 s): SO_KEEPALIVE is off, so it never probes.",
			   "  B aborted with ETIMEDOUT at 3090.21 s (keepalive): last heard from A at 2700.21 s; idle 300 s + "
			   "3 unanswered probes x 30 s = 390 s."));
	expect_lines("client-or-server",
		     SETS("A.so_keepalive=on", "A.tcp_keepidle=300", "A.tcp_keepintvl=30", "A.tcp_keepcnt=3"),
		     LINES("  A aborted with ETIMEDOUT at 3090.2 s (keepalive): last heard from B at 2700.2 s; idle 300 s + "
			   "3 unanswered probes x 30 s = 390 s.",
			   "  B aborted with ETIMEDOUT at 3090.21 s (keepalive): last heard from A at 2700.21 s; idle 300 s + "
			   "3 unanswered probes x 30 s = 390 s."));
}

/* kube-proxy's 86400 s: 7200 s probes keep it (nothing expires); without
 * them the entry expires at 10.002 + 86400 s and B's write at 90000 s is
 * reset by the preset (assumed inbound RST). */
Test(cookbook, kube_proxy_24h)
{
	expect_lines("kube-proxy-24h", NULL,
		     LINES("  A is still ESTABLISHED at the end (93600 s): keepalive is on, but it has not given up.",
			   "  B is still ESTABLISHED at the end (93600 s): SO_KEEPALIVE is off, so it never probes.",
			   "  NAT kube-proxy: 1 mapping created, 32 refreshes, 0 expired, 0 evicted, 0 segments dropped, 0 RSTs sent."));
	expect_lines("kube-proxy-24h", SETS("A.so_keepalive=off"),
		     LINES("  B received a RST at 90000.002 s (sent by the NAT, not by A) and reported ECONNRESET."));
}

/* WebSocket through Cloudflare: P terminates TCP; its idle timer counts
 * payload only: the last payload reaches P at 5.01 s, P closes both legs at
 * 5.01 + 100 = 105.01 s whatever A's keepalive does. A reads the FIN at
 * 105.02 s and probes 60 s later (165.02 s, at P at 165.03 s), when P's
 * orphaned FIN_WAIT2 socket ends (its FIN ACKed at 105.03 s + tcp_fin_timeout
 * 60 s): a RST, back at A at 165.04 s. B's WebSocket Ping every 20 s (payload,
 * < 100 s) keeps everything open. */
Test(cookbook, websocket_cloudflare)
{
	expect_lines("websocket-cloudflare", NULL,
		     LINES("  P (cloudflare) relayed 100 bytes A->B and 0 bytes B->A; its idle timer closed the connection at "
			   "105.01 s: idle_timeout 100 s after the last payload at 5.01 s (TCP keepalive probes carry no "
			   "payload and never refresh it).",
			   "  A received a RST at 165.04 s (P had no such connection) and reported EPIPE."));
	expect_lines("websocket-cloudflare", SETS("B.heartbeat=websocket"),
		     LINES("  A is still ESTABLISHED at the end (600 s): keepalive is on, but it has not given up.",
			   "  B is still ESTABLISHED at the end (600 s): SO_KEEPALIVE is off, so it never probes.",
			   "its idle timer (idle_timeout 100 s) did not expire"));
}

/* A carrier NAT (300 s, silent), an AWS NLB (350 s, RST) and nginx
 * (proxy_read_timeout 1 h, payload only) on one path. The message at 5 s
 * reaches P at 5.01 s; P's ACK refreshes the NLB at 5.01 s (it meets it
 * leaving P) and the NAT at 5.02 s, when A last hears from P. TCP keepalive
 * at 600 s: the NAT's mapping is gone at 5.02 + 300 = 305.02 s, A's probes
 * (from 605.02 s) die there silently: ETIMEDOUT at 605.02 + 9 x 75 =
 * 1280.02 s; the NLB forgot the flow at 5.01 + 350 and resets nginx's FIN
 * at 5.01 + 3600 = 3605.01 s. At 240 s every probe (every 240.02 s: keepidle
 * + the 20 ms round trip) crosses both boxes, but nginx still closes at
 * 3605.01 s. The server's WebSocket Ping every 20 s is payload through all
 * three: nothing expires. */
Test(cookbook, cgnat_nlb_nginx)
{
	expect_lines("cgnat-nlb-nginx", NULL,
		     LINES("  A aborted with ETIMEDOUT at 1280.02 s (keepalive): last heard from P at 5.02 s; idle 600 s + 9 "
			   "unanswered probes x 75 s = 1275 s.",
			   "  P.client received a RST at 3605.01 s (sent by the LB, not by A: the LB forgot the idle flow after "
			   "350 s and answered P.client's next segment with a RST) and reported ECONNRESET.",
			   "  NAT example-cgnat: 1 mapping created, 4 refreshes, 1 expired, 0 evicted, 10 segments dropped",
			   "  LB aws-nlb: 1 mapping created, 4 refreshes, 1 expired, 0 evicted, 1 segment dropped, 1 RST sent."));
	expect_lines("cgnat-nlb-nginx", SETS("A.tcp_keepidle=240"),
		     LINES("its idle timer closed the connection at 3605.01 s: idle_timeout 3600 s after the last payload "
			   "at 5.01 s (TCP keepalive probes carry no payload and never refresh it).",
			   "  A probed every 240.02 s while the connection was live",
			   "  LB aws-nlb: 1 mapping created, 34 refreshes, 1 expired, 0 evicted, 0 segments dropped, 0 RSTs sent."));
	expect_lines("cgnat-nlb-nginx", SETS("B.heartbeat=websocket"),
		     LINES("  A is still ESTABLISHED at the end (7200 s)",
			   "  B is still ESTABLISHED at the end (7200 s)",
			   "its idle timer (idle_timeout 3600 s) did not expire",
			   "  NAT example-cgnat: 1 mapping created, 1440 refreshes, 0 expired,",
			   "  LB aws-nlb: 1 mapping created, 1440 refreshes, 0 expired,"));
}

/* The answers hold on a real Linux host's timers too (timer = auto: the
 * kernel's timer wheel, firing late, never early): the same end for every
 * host, only the times move. */
Test(cookbook, same_outcomes_on_the_timer_wheel)
{
	const struct {
		const char *name;
		const char *const *want;
	} cases[] = {
		{"grpc-aws-nlb", LINES("  A received a RST at 400 s (sent by the NAT, not by B) and reported ECONNRESET.")},
		{"postgres-azure-lb", LINES("  A aborted with ETIMEDOUT at 15", "(retransmission timeout, no RST)")},
		{"docker-swarm-ipvs", LINES("  A aborted with ETIMEDOUT at 19", "(retransmission timeout, no RST)")},
		{"redis-server-keepalive", LINES("  B aborted with ETIMEDOUT at 15", "s (keepalive): last heard from A ")},
		{"redis-azure-lb", LINES("  A is still ESTABLISHED at the end (3600 s)",
					 "  B aborted with ETIMEDOUT at 6", "s (keepalive): last heard from A ")},
		{"ssh-carrier-nat", LINES("  B's sshd ClientAlive: no reply within 30 s, sshd disconnected at 120.06 s")},
		{"go-default", LINES("  A aborted with ETIMEDOUT at 24", "s (keepalive): last heard from B ")},
		{"node-setkeepalive", LINES("  A aborted with ETIMEDOUT at 31", "s (keepalive): last heard from B ")},
		{"why-2h11m", LINES("  A aborted with ETIMEDOUT at 80", "s (keepalive): last heard from B ")},
		{"reconnect-15min", LINES("  A aborted with ETIMEDOUT at 10", "(retransmission timeout, no RST)")},
		{"client-or-server", LINES("  A is still ESTABLISHED at the end (10800 s)",
					   "  B aborted with ETIMEDOUT at 3", "s (keepalive): last heard from A ")},
		{"kube-proxy-24h", LINES("  A is still ESTABLISHED at the end (93600 s)",
					 "  B is still ESTABLISHED at the end (93600 s)", " 0 expired,")},
		{"websocket-cloudflare", LINES("its idle timer closed the connection at 105.01 s",
					       "  A received a RST at 1")},
		{"cgnat-nlb-nginx", LINES("  A aborted with ETIMEDOUT at 1", "s (keepalive): last heard from P ",
					  "  P.client received a RST at 3605.01 s (sent by the LB")},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_lines(cases[i].name, SETS("scenario.timer=auto"), cases[i].want);
}

/* The sweep over pgbouncer's (B's) tcp_keepidle behind the NLB: < 350 s is
 * safe, 360 s and above lose the flow; the least overhead safe value is 300 s,
 * recommended for B. */
Test(cookbook, pgbouncer_aws_nlb_sweep)
{
	char *ini = scenario_file("cookbook/pgbouncer-aws-nlb.ini");
	char *r = sweep_report(ini, "recommendation.txt");
	cr_expect_not_null(strstr(r, "Settings recommended for B (B's keys are swept)."), "%s", r);
	cr_expect_not_null(strstr(r, "\n300 s       30 s         3         | 0.0000 (0/20)"), "%s", r);
	cr_expect_not_null(strstr(r, "loss-safe up to keepidle 300 s; P(loss) > 0.001 from keepidle 360 s\n"),
			   "%s", r);
	free(r);
	free(ini);
}

/* Every shipped cookbook file has an entry above, a header that links to its
 * question, and a section in docs/cookbook.md. */
Test(cookbook, every_file_has_a_test_a_link_and_an_entry)
{
	static const char *const tested[] = {
		"grpc-aws-nlb", "postgres-azure-lb", "docker-swarm-ipvs", "redis-server-keepalive",
		"redis-azure-lb", "ssh-carrier-nat", "go-default", "node-setkeepalive", "why-2h11m",
		"reconnect-15min", "client-or-server", "kube-proxy-24h", "pgbouncer-aws-nlb",
		"websocket-cloudflare", "cgnat-nlb-nginx", NULL,
	};
	char *dirpath = root_path("scenarios/cookbook");
	char *docpath = root_path("docs/cookbook.md");
	char *doc = slurp(docpath, NULL);
	cr_assert_not_null(doc, "no docs/cookbook.md");
	DIR *d = opendir(dirpath);
	cr_assert_not_null(d);
	int files = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".ini"))
			continue;
		files++;
		char name[128], path[700], ref[200];
		SNP(name, "%.*s", (int)(len - 4), e->d_name);
		bool found = false;
		for (size_t i = 0; tested[i]; i++)
			found = found || !strcmp(tested[i], name);
		cr_expect(found, "%s has no test in test_cookbook.c", e->d_name);
		SNP(path, "%s/%s", dirpath, e->d_name);
		char *text = slurp(path, NULL);
		cr_assert_not_null(text);
		cr_expect_eq(strncmp(text, "; ", 2), 0, "%s: no comment header", e->d_name);
		char *hdr_end = strstr(text, "\n[");
		cr_assert_not_null(hdr_end);
		*hdr_end = '\0';
		cr_expect_not_null(strstr(text, "https://"), "%s: its header links to no question", e->d_name);
		free(text);
		SNP(ref, "scenarios/cookbook/%s", e->d_name);
		cr_expect_not_null(strstr(doc, ref), "docs/cookbook.md does not show %s", ref);
	}
	closedir(d);
	cr_expect_geq(files, 10, "the cookbook needs at least ten situations");
	free(doc);
	free(docpath);
	free(dirpath);
}
