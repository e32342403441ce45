/*
 * test_proxy.c - a proxy that terminates TCP ([proxy], sim/proxy.c): the
 * presets and their documented numbers and ranges, the payload-only idle
 * timer (expiry = last payload + idle_timeout, whatever keepalive does), the
 * expiry actions on each leg, a leg's end passed on to the other, the relay,
 * and a NAT in front of the proxy.
 *
 * Times, with "[link] delay = 10ms" and "server.delay = 1ms": A's SYN leaves
 * at 0 and reaches P at 10 ms, P's SYN-ACK reaches A at 20 ms, A's ACK
 * reaches P at 30 ms: P accepts (ACCEPTED below) and its SYN to B leaves
 * then, reaching B at 31 ms; B's SYN-ACK is back at P at 32 ms. A segment A
 * sends at t reaches P at t + 10 ms, one B sends reaches P at t + 1 ms.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "helpers.h"
#include "sim_capture.h"

#define ACCEPTED (30 * MS)
#define D (10 * MS)  /* A <-> P one way */
#define DS (1 * MS)  /* P <-> B one way */

/* timer = exact: the hosts' timers fire when asked (the proxy's own timers
 * always do: they are the product's, not a kernel's) */
static const char base[] = "[scenario]\nduration = 10m\ntimer = exact\n[link]\ndelay = 10ms\n"
			   "[proxy]\nserver.delay = 1ms\n";
static const char *const exact[] = {"scenario.timer=exact"};

/* The n-th (1-based) proxy record of decision d, or NULL. */
static const struct rec *px_nth(const struct run *r, int d, size_t n)
{
	for (size_t i = 0; i < r->col.n; i++) {
		const struct rec *x = &r->col.recs[i];
		if (x->type == REC_PROXY && (int)x->u.px.decision == d && --n == 0)
			return x;
	}
	return NULL;
}

static size_t px_count(const struct run *r, int d)
{
	size_t k = 0;
	while (px_nth(r, d, k + 1))
		k++;
	return k;
}

/* The time of host's first state change to st, or KS_TIME_NEVER. */
static ks_time_t state_time(const struct run *r, int host, enum tcp_state st)
{
	for (size_t i = 1; i <= run_count_states(r, host); i++) {
		const struct rec *x = run_nth_state(r, host, i);
		if (x->u.st.to == st)
			return x->t;
	}
	return KS_TIME_NEVER;
}

static void run_text(const char *extra, struct run *r)
{
	char *t = strf("%s%s", base, extra);
	run_ini(t, NULL, 0, r);
	free(t);
}

/* ---- presets ---------------------------------------------------------------- */

struct preset_case {
	const char *name;
	ks_time_t idle, max;
	bool server_ka;
	uint32_t server_idle, server_intvl;
};

/* docs/proxies.md's numbers (sim/proxy_preset.c cites each source). */
static const struct preset_case presets[] = {
	{ "aws-alb", 60 * SEC, 0, false, 0, 0 },
	{ "cloudflare", 100 * SEC, 0, true, 30, 30 },
	{ "nginx", 60 * SEC, 0, false, 0, 0 },
	{ "haproxy", 60 * SEC, 0, false, 0, 0 },
	{ "envoy", 3600 * SEC, 0, false, 0, 0 },
	{ "gcp-https", 610 * SEC, 30 * SEC, false, 0, 0 },
};

Test(proxy, every_preset_loads_with_its_documented_numbers)
{
	cr_assert_eq(proxy_npresets, NELEMS(presets));
	for (size_t i = 0; i < NELEMS(presets); i++) {
		const struct preset_case *p = &presets[i];
		char text[128];
		snprintf(text, sizeof text, "[proxy]\npreset = %s\n", p->name);
		struct diag d = {0};
		struct scenario *s = scenario_parse_string("t.ini", text, NULL, 0, &d);
		cr_assert_not_null(s, "%s: %s", p->name, d.n ? d.msg[0] : "");
		const struct proxy_config *x = &s->proxy;
		cr_expect_str_eq(proxy_preset_names[i], p->name);
		cr_expect(x->enabled);
		cr_expect_str_eq(x->preset, p->name);
		cr_expect_eq(x->idle_timeout, p->idle, "%s idle_timeout", p->name);
		cr_expect_eq(x->max_duration, p->max, "%s max_duration", p->name);
		cr_expect_eq(x->server.so_keepalive, p->server_ka, "%s", p->name);
		cr_expect_eq(x->server.tcp_keepidle, p->server_idle, "%s", p->name);
		cr_expect_eq(x->server.tcp_keepintvl, p->server_intvl, "%s", p->name);
		cr_expect_eq(x->client_expiry, PROXY_FIN);
		cr_expect_eq(x->server_expiry, PROXY_FIN);
		scenario_free(s);
		diag_free(&d);
	}
}

Test(proxy, keys_override_the_preset_and_ranges_are_the_vendors)
{
	struct diag d = {0};
	struct scenario *s = scenario_parse_string(
		"t.ini", "[proxy]\nidle_timeout = 4000s\nclient.expiry = rst\npreset = aws-alb\n"
			 "server.tcp_keepidle = 45\n", NULL, 0, &d);
	cr_assert_not_null(s, "%s", d.n ? d.msg[0] : "");
	cr_expect_eq(s->proxy.idle_timeout, 4000 * SEC); /* the top of ALB's range, before the preset */
	cr_expect_eq(s->proxy.client_expiry, PROXY_RST);
	cr_expect_eq(s->proxy.server_expiry, PROXY_FIN);
	cr_expect_eq(s->proxy.server.tcp_keepidle, 45);
	scenario_free(s);
	diag_free(&d);
	cap_expect_error("[proxy]\npreset = aws-alb\nidle_timeout = 4001s\n",
			 "t.ini:3: idle_timeout = 4001 s is outside what aws-alb allows (AWS ALB: 1-4000 s)");
	cap_expect_error("[proxy]\npreset = gcp-https\nmax_duration = 0\n",
			 "t.ini:3: max_duration = 0 s is outside what gcp-https allows "
			 "(GCP backend service timeout: 1-2147483647 s)");
	cap_expect_error("[proxy]\npreset = alb\n",
			 "t.ini:2: unknown preset 'alb' (valid presets: aws-alb, cloudflare, nginx, "
			 "haproxy, envoy, gcp-https)");
	cap_expect_error("[proxy]\nclient.expiry = close\n",
			 "t.ini:2: client.expiry = close is not a valid value (valid: fin, rst, none)");
	cap_expect_error("[proxy]\nserver.tcp_keepidle = 0\n",
			 "t.ini:2: server.tcp_keepidle = 0 is out of range (1..32767 s; "
			 "setsockopt(TCP_KEEPIDLE) returns EINVAL outside)");
	cap_expect_error("[proxy]\n[events]\n10s = unreachable B host\n",
			 "t.ini:3: unreachable: ICMP errors through a proxy are not modelled (remove "
			 "[proxy], or use partition or link down)");
	/* without a preset, no vendor range */
	s = scenario_parse_string("t.ini", "[proxy]\nidle_timeout = 30d\n", NULL, 0, &d);
	cr_expect_not_null(s);
	scenario_free(s);
	diag_free(&d);
}

/* ---- the idle timer counts payload only --------------------------------------- */

/* The WebSocket through Cloudflare: A probes every 60 s, P's server leg every
 * 30 s; the only payload reaches P at 5.010 s, so P closes at 105.010 s. */
Test(proxy, keepalive_does_not_refresh_the_idle_timer)
{
	struct run r;
	/* the shipped file (timer = auto: Linux's jiffies) closes at the same time */
	run_file("websocket-cloudflare.ini", NULL, 0, &r);
	const struct rec *ex0 = px_nth(&r, PXD_EXPIRED, 1);
	cr_assert_not_null(ex0);
	cr_expect_eq(ex0->t, 5 * SEC + D + 100 * SEC);
	cr_expect_gt(run_count_probes_sent(&r, HOST_A), 0);
	run_free(&r);
	run_file("websocket-cloudflare.ini", exact, 1, &r);
	const struct rec *acc = px_nth(&r, PXD_ACCEPT, 1);
	const struct rec *ex = px_nth(&r, PXD_EXPIRED, 1);
	cr_assert(acc && ex);
	cr_expect_eq(acc->t, ACCEPTED);
	cr_expect_eq(ex->u.px.last_payload, 5 * SEC + D);
	cr_expect_eq(ex->t, 5 * SEC + D + 100 * SEC);
	cr_expect_eq(ex->u.px.client_action, PROXY_FIN);
	cr_expect_eq(ex->u.px.server_action, PROXY_FIN);
	/* A's probe (sent at 5.020 + 60 s) was answered before that, by P, not B */
	const struct pkt *probe = run_probe(&r, HOST_A, 1);
	cr_assert_not_null(probe);
	cr_expect_eq(probe->sent, 5 * SEC + 2 * D + 60 * SEC);
	cr_expect_eq(probe->seg.dst, HOST_PC);
	const struct pkt *ans = run_nth_pkt(&r, HOST_PC, SEG_KA_ACK, 1);
	cr_assert_not_null(ans);
	cr_expect_eq(ans->sent, probe->sent + D);
	/* P's server leg probed B every 30 s after B's last ACK (5.012 s) */
	cr_expect_eq(run_probe(&r, HOST_PS, 1)->sent, 5 * SEC + D + 2 * DS + 30 * SEC);
	cr_expect_eq(run_count_pkts(&r, HOST_B, SEG_KA_ACK), 3);
	/* nothing A sends ever reaches B but the relayed payload */
	cr_expect_eq(run_count_pkts(&r, HOST_PS, ANY) - run_count_pkts(&r, HOST_PS, SEG_KA_PROBE), 4,
		     "P.server: SYN, ACK, data, FIN");
	/* the FINs: B and A read EOF one trip after the expiry */
	cr_expect_eq(state_time(&r, HOST_B, TCP_CLOSE_WAIT), ex->t + DS);
	cr_expect_eq(state_time(&r, HOST_A, TCP_CLOSE_WAIT), ex->t + D);
	cr_expect_eq(r.sim->proxy.bytes[0], 100);
	run_free(&r);
}

/* A's WebSocket pings every 50 s from its ESTABLISHED at 20 ms: 11 pings
 * (50.020 ... 550.020 s) in 10 min, each answered by B's pong through P
 * (heartbeat.c reads stream positions, so the pings are recognised on P's
 * server leg and the pongs on its client leg). */
Test(proxy, application_ping_keeps_it_open)
{
	struct run r;
	run_file("websocket-cloudflare-ping.ini", exact, 1, &r);
	const struct hb_config *hb = &r.sc->ep[HOST_A].hb;
	cr_expect_eq(px_count(&r, PXD_EXPIRED), 0);
	cr_expect_eq(run_sk(&r, HOST_A)->state, TCP_ESTABLISHED);
	cr_expect_eq(run_sk(&r, HOST_B)->state, TCP_ESTABLISHED);
	cr_expect_eq(run_sk(&r, HOST_PC)->state, TCP_ESTABLISHED);
	cr_expect_eq(run_sk(&r, HOST_PS)->state, TCP_ESTABLISHED);
	cr_expect_eq(run_count_hb(&r, HOST_A, HBD_PING), 11);
	cr_expect_eq(run_count_hb(&r, ANY, HBD_MISS), 0);
	/* the last payload is B's pong to the last ping: at B 550.031 s, at P 1 ms later */
	cr_expect_eq(r.sim->proxy.last_payload, 550 * SEC + 2 * D + D + 2 * DS);
	cr_expect_eq(r.sim->proxy.bytes[0], 100 + 11 * hb->size);
	cr_expect_eq(r.sim->proxy.bytes[1], 11 * hb->reply_size);
	run_free(&r);
}

/* Payload at 10 s and 50 s (at P 10 ms later): the lazy timer, first due at
 * 60.030 s, re-arms for 50.010 + 60 s. */
Test(proxy, expiry_is_last_payload_plus_idle_timeout)
{
	struct run r;
	run_text("idle_timeout = 60s\n[events]\n10s = send A 10\n50s = send B 20\n", &r);
	const struct rec *ex = px_nth(&r, PXD_EXPIRED, 1);
	cr_assert_not_null(ex);
	cr_expect_eq(ex->u.px.last_payload, 50 * SEC + DS);
	cr_expect_eq(ex->t, 50 * SEC + DS + 60 * SEC);
	cr_expect_eq(ex->u.px.limit, 60 * SEC);
	cr_expect_eq(ex->u.px.bytes[0], 10);
	cr_expect_eq(ex->u.px.bytes[1], 20);
	/* the relay: A's 10 bytes leave P.server when they reach P; B's 20 leave P.client */
	const struct pkt *ab = run_nth_flags(&r, HOST_PS, TH_PSH, TH_PSH, 1);
	const struct pkt *ba = run_nth_flags(&r, HOST_PC, TH_PSH, TH_PSH, 1);
	cr_assert(ab && ba);
	cr_expect_eq(ab->sent, 10 * SEC + D);
	cr_expect_eq(ab->seg.len, 10);
	cr_expect_eq(ba->sent, 50 * SEC + DS);
	cr_expect_eq(ba->seg.len, 20);
	run_free(&r);
}

/* ---- what each leg gets ---------------------------------------------------- */

/* No payload: the timer runs from the accept. RST to A, nothing to B: B
 * finds out only when it sends (P answers from no socket). */
Test(proxy, expiry_rst_to_the_client_nothing_to_the_server)
{
	struct run r;
	run_text("idle_timeout = 60s\nclient.expiry = rst\nserver.expiry = none\n"
		 "[events]\n100s = send B 10\n", &r);
	const struct rec *ex = px_nth(&r, PXD_EXPIRED, 1);
	cr_assert_not_null(ex);
	cr_expect_eq(ex->t, ACCEPTED + 60 * SEC);
	cr_expect_eq(ex->u.px.client_action, PROXY_RST);
	cr_expect_eq(ex->u.px.server_action, PROXY_SILENT);
	const struct rec_end *a = run_end_must(&r, HOST_A);
	cr_expect_eq(a->why, END_RESET);
	cr_expect_eq(a->error, KS_ECONNRESET);
	cr_expect_eq(a->rst_kind, SEG_RST_ABORT);
	cr_expect_eq(run_end_time(&r, HOST_A), ex->t + D);
	cr_expect_eq(run_end_must(&r, HOST_PS)->why, END_APP_ABORT);
	/* P.server sent no FIN and no RST at the expiry: its one RST answers B at 100 s */
	cr_expect_eq(run_count_flags(&r, HOST_PS, TH_FIN, TH_FIN), 0);
	cr_expect_eq(run_count_flags(&r, HOST_PS, TH_RST, TH_RST), 1);
	const struct pkt *rst = run_nth_flags(&r, HOST_PS, TH_RST, TH_RST, 1);
	cr_expect_eq(rst->sent, 100 * SEC + DS);
	cr_expect_eq(rst->seg.kind, SEG_RST_NOSOCK);
	const struct rec_end *b = run_end_must(&r, HOST_B);
	cr_expect_eq(b->why, END_RESET);
	cr_expect_eq(b->rst_kind, SEG_RST_NOSOCK);
	cr_expect_eq(run_end_time(&r, HOST_B), 100 * SEC + 2 * DS);
	run_free(&r);
}

/* A reboots; B's next message is relayed to A, whose RST resets the client
 * leg: P passes it on to B (on_reset). */
static void pass_end(const char *on_reset, int want_end, int want_err)
{
	struct run r;
	char *t = strf("on_reset = %s\n[events]\n50s = reboot A\n100s = send B 10\n", on_reset);
	run_text(t, &r);
	free(t);
	ks_time_t reset = 100 * SEC + DS + 2 * D; /* B -> P -> A, A's RST back at P */
	const struct rec_end *pc = run_end_must(&r, HOST_PC);
	cr_expect_eq(pc->why, END_RESET);
	cr_expect_eq(run_end_time(&r, HOST_PC), reset);
	const struct rec *pe = px_nth(&r, PXD_PASS_END, 1);
	cr_assert_not_null(pe);
	cr_expect_eq(pe->t, reset);
	cr_expect_eq(pe->u.px.leg, HOST_PC);
	cr_expect_eq(r.sim->proxy.closed_at, reset);
	cr_expect_eq(r.sim->proxy.closed_why, PXD_PASS_END);
	if (want_end == END_NONE) {
		cr_expect_eq(state_time(&r, HOST_B, TCP_CLOSE_WAIT), reset + DS);
		cr_expect_null(run_end_of(&r, HOST_B));
	} else {
		const struct rec_end *b = run_end_must(&r, HOST_B);
		cr_expect_eq(b->why, want_end);
		cr_expect_eq(b->error, want_err);
		cr_expect_eq(run_end_time(&r, HOST_B), reset + DS);
	}
	run_free(&r);
}

Test(proxy, client_reset_closes_the_server_leg) { pass_end("fin", END_NONE, 0); }
Test(proxy, client_reset_resets_the_server_leg) { pass_end("rst", END_RESET, KS_ECONNRESET); }

Test(proxy, a_fin_is_passed_on)
{
	struct run r;
	run_text("[events]\n20s = close A\n", &r);
	const struct rec *pf = px_nth(&r, PXD_PASS_FIN, 1);
	cr_assert_not_null(pf);
	cr_expect_eq(pf->t, 20 * SEC + D);
	cr_expect_eq(pf->u.px.leg, HOST_PC);
	cr_expect_eq(state_time(&r, HOST_B, TCP_CLOSE_WAIT), 20 * SEC + D + DS);
	cr_expect_eq(state_time(&r, HOST_PC, TCP_LAST_ACK), 20 * SEC + D);
	cr_expect_eq(run_end_time(&r, HOST_PC), 20 * SEC + 3 * D); /* A's ACK of P's FIN */
	run_free(&r);
}

/* ---- a NAT, then the proxy ---------------------------------------------------- */

/* AWS NAT Gateway (350 s) at A's end, Envoy (1 h) behind it: the NAT
 * forgets the idle mapping at 350.020 s (A's ACK of the handshake passed it
 * at 20 ms), so A's message at 400 s gets the NAT's RST although P would
 * have kept the connection for an hour. P saw A through the NAT's address. */
Test(proxy, a_nat_in_front_of_the_proxy)
{
	struct run r;
	run_ini("[scenario]\nduration = 10m\ntimer = exact\n[link]\ndelay = 10ms\n[nat]\npreset = aws-nat-gateway\n"
		"[proxy]\npreset = envoy\n[events]\n400s = send A 10\n", NULL, 0, &r);
	const struct rec_end *a = run_end_must(&r, HOST_A);
	cr_expect_eq(a->why, END_RESET);
	cr_expect_eq(a->rst_kind, SEG_RST_NAT);
	cr_expect_eq(run_end_time(&r, HOST_A), 400 * SEC);
	cr_expect_eq(run_sk(&r, HOST_PC)->daddr, 0xCB007101u, "P.client's peer is the NAT's address");
	cr_expect_eq(run_sk(&r, HOST_PC)->state, TCP_ESTABLISHED);
	cr_expect_eq(px_count(&r, PXD_EXPIRED), 0);
	run_free(&r);
}

/* The summary and JSON name the legs. */
Test(proxy, outputs_name_p_and_its_legs)
{
	char path[1024];
	SNP(path, "%s/scenarios/websocket-cloudflare.ini", getenv("KASIM_ROOT"));
	struct cmd c = KASIM(path);
	cr_assert_eq(c.status, 0, "%s", c.err);
	cr_expect(strstr(c.out, "105.010000 P (cloudflare) idle timer: no payload since 5.01 s for "
				"idle_timeout 100 s"), "%s", c.out);
	cr_expect(strstr(c.out, "P (cloudflare) relayed 100 bytes A->B and 0 bytes B->A; its idle timer "
				"closed the connection at 105.01 s"), "%s", c.out);
	cmd_free(&c);
	struct cmd j = KASIM("--json", path);
	cr_assert_eq(j.status, 0);
	cr_expect(strstr(j.out, "\"P.client\": {\"isn\""));
	cr_expect(strstr(j.out, "\"P.server\": {\"isn\""));
	cr_expect(strstr(j.out, "\"type\": \"proxy\", \"decision\": \"idle-timeout\""));
	cmd_free(&j);
}
