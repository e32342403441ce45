/*
 * test_chain.c - two forwarding boxes on one path: the client's [nat] at A's
 * end of A's wire, the [lb] at its far end (in front of B, or of P with a
 * [proxy]). Which one decides, at which exact time; the LB's RST crossing
 * the NAT back to A; what probes and payload refresh; lb flush; the [lb]
 * section's errors; the outputs that name the box.
 *
 * Times (timer = exact, "delay = 10ms", no proxy): A's SYN leaves at 0 and
 * meets the NAT at 0, the LB at 10 ms (the far end of the wire). B's SYN-ACK
 * leaves B at 10 ms and meets the LB then, the NAT and A at 20 ms. A's ACK
 * leaves at 20 ms (the NAT's last refresh, and A's idle clock starts at 20 ms:
 * lrcvtime of the SYN-ACK) and meets the LB at 30 ms (its last refresh).
 * So A's first keepalive probe leaves at 0.02 + tcp_keepidle, crosses the
 * NAT then and reaches the LB 10 ms later; the NAT's deadline is
 * 0.02 + its timeout, the LB's 0.03 + its timeout: a probe finds a box's
 * mapping gone exactly when tcp_keepidle >= that box's timeout.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "nat.h"
#include "sim_capture.h"

#define D (10 * MS) /* one-way delay */
#define CHAIN(nat, lb) \
	"[scenario]\nduration = 2h\n[A]\nso_keepalive = on\n[link]\ndelay = 10ms\n" \
	"[nat]\npreset = " nat "\n[lb]\npreset = " lb "\n"

/* The i-th record of box b with decision d (0-based), or NULL. */
static const struct cap_nat *box_nth(const struct capture *c, enum nat_box b, enum nat_decision d,
				     size_t i)
{
	for (size_t k = 0; k < c->nnats; k++)
		if (c->nats[k].r.box == b && c->nats[k].r.decision == d && i-- == 0)
			return &c->nats[k];
	return NULL;
}

static size_t box_count(const struct capture *c, enum nat_box b, enum nat_decision d)
{
	size_t n = 0;
	for (size_t k = 0; k < c->nnats; k++)
		n += c->nats[k].r.box == b && c->nats[k].r.decision == d;
	return n;
}

/* The n-th (0-based) keepalive probe A sent, or NULL. */
static const struct cap_pkt *probe(const struct capture *c, size_t n)
{
	for (size_t i = 0; i < c->npkts; i++)
		if (c->pkts[i].seg.src == HOST_A && c->pkts[i].seg.kind == SEG_KA_PROBE && n-- == 0)
			return &c->pkts[i];
	return NULL;
}

/* text written to a file NAME in a new temporary directory (*dir, to free):
 * its path in path[512]. */
static void tmp_ini(char path[512], char **dir, const char *name, const char *text)
{
	*dir = make_tmpdir();
	cr_assert_lt((size_t)snprintf(path, 512, "%s/%s", *dir, name), (size_t)512);
	write_file(path, text);
}

/* ---- which box decides ------------------------------------------------------- */

Test(chain, the_client_nat_is_shorter_and_drops_the_first_probe)
{
	/* example-cgnat 300 s (drops silently) before aws-nlb 350 s; tcp_keepidle
	 * 320: the NAT's mapping expires at 0.02 + 300 = 300.02 s, the LB's at
	 * 0.03 + 350 = 350.03 s. The first probe leaves at 0.02 + 320 = 320.02 s
	 * and is dropped by the NAT (the shorter one), never reaching the LB; so
	 * are the other eight: A gives up at 320.02 + 9 x 75 = 995.02 s. */
	static const char *const sets[] = { "A.tcp_keepidle=320" };
	struct capture *c = cap_run(CHAIN("example-cgnat", "aws-nlb"), sets, 1);
	const struct cap_nat *nx = box_nth(c, NAT_BOX_NAT, NATD_EXPIRED, 0);
	const struct cap_nat *lx = box_nth(c, NAT_BOX_LB, NATD_EXPIRED, 0);
	cr_assert(nx && lx);
	cr_expect_eq(nx->t, 20 * MS + 300 * SEC);
	cr_expect_eq(lx->t, 30 * MS + 350 * SEC);
	const struct cap_pkt *p = probe(c, 0);
	cr_assert_not_null(p);
	cr_expect_eq(p->sent, 20 * MS + 320 * SEC);
	cr_expect_eq(p->reason, DROP_NAT_NO_MAPPING);
	cr_expect_eq(p->where, -1, "the NAT, not the LB, dropped it");
	cr_expect_eq(p->fate, p->sent);
	cr_expect_eq(box_count(c, NAT_BOX_LB, NATD_DROPPED), 0);
	cr_expect_eq(box_count(c, NAT_BOX_NAT, NATD_DROPPED), 10); /* 9 probes + the RST */
	cr_assert(c->ended[HOST_A]);
	cr_expect_eq(c->end[HOST_A].error, KS_ETIMEDOUT);
	cr_expect_eq(c->end_time[HOST_A], 20 * MS + 320 * SEC + 9 * 75 * SEC);
	cap_free(c);
}

Test(chain, the_lb_is_shorter_and_its_rst_crosses_the_nat_back_to_a)
{
	/* example-home-router 1800 s before aws-nlb 350 s (RST on a miss);
	 * tcp_keepidle 400: the probe leaves at 400.02 s, refreshes the NAT,
	 * reaches the LB at 400.03 s (its mapping expired at 350.03 s), which
	 * drops it and answers with a RST; the RST crosses the wire (10 ms) and
	 * the NAT (which translates it back to A's port): A gets ECONNRESET at
	 * 400.04 s. */
	static const char *const sets[] = { "A.tcp_keepidle=400" };
	struct capture *c = cap_run(CHAIN("example-home-router", "aws-nlb"), sets, 1);
	const struct cap_nat *lx = box_nth(c, NAT_BOX_LB, NATD_EXPIRED, 0);
	cr_assert_not_null(lx);
	cr_expect_eq(lx->t, 30 * MS + 350 * SEC);
	cr_expect_eq(lx->r.idle, 350 * SEC);
	/* the NAT's mapping lasts: the RST it passed on made it transitory
	 * (240 s), and it expires at 400.04 + 240 s */
	const struct cap_nat *nx = box_nth(c, NAT_BOX_NAT, NATD_EXPIRED, 0);
	cr_assert_not_null(nx);
	cr_expect_eq(nx->t, 40 * MS + 640 * SEC);
	cr_expect_eq(nx->r.cls, NAT_TRANSITORY);
	cr_expect_eq(box_count(c, NAT_BOX_NAT, NATD_EXPIRED), 1);
	const struct cap_pkt *p = probe(c, 0);
	cr_assert_not_null(p);
	cr_expect_eq(p->reason, DROP_NAT_NO_MAPPING);
	cr_expect_eq(p->where, FATE_AT_LB);
	cr_expect_eq(p->fate, 30 * MS + 400 * SEC);
	const struct cap_nat *rst = box_nth(c, NAT_BOX_LB, NATD_RST, 0);
	cr_assert_not_null(rst);
	cr_expect_eq(rst->t, 30 * MS + 400 * SEC);
	cr_expect_eq(rst->r.rst_to, HOST_A);
	/* the RST as it reached A: sent by the LB, translated by the NAT */
	const struct cap_pkt *r = NULL;
	for (size_t i = 0; i < c->npkts; i++)
		if (c->pkts[i].seg.kind == SEG_RST_LB)
			r = &c->pkts[i];
	cr_assert_not_null(r);
	cr_expect_eq(r->seg.dst, HOST_A);
	cr_expect_eq(r->sent, 30 * MS + 400 * SEC);
	cr_expect_eq(r->fate, 40 * MS + 400 * SEC);
	cr_expect_eq(r->reason, DROP_NONE);
	cr_assert(r->has_out);
	cr_expect_eq(r->out.dport, c->sc->ep[HOST_A].port);
	cr_expect_eq(r->out.daddr, c->sc->ep[HOST_A].addr);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.rsts, 0);
	cr_expect_eq(c->sim->box[NAT_BOX_LB].st.rsts, 1);
	cr_assert(c->ended[HOST_A]);
	cr_expect_eq(c->end[HOST_A].error, KS_ECONNRESET);
	cr_expect_eq(c->end[HOST_A].rst_kind, SEG_RST_LB);
	cr_expect_eq(c->end_time[HOST_A], 40 * MS + 400 * SEC);
	cap_free(c);
}

Test(chain, the_shorter_timeout_is_the_boundary)
{
	/* LB 350 s behind a 1800 s NAT: a probe reaches the LB at 0.03 +
	 * keepidle, its deadline is 0.03 + 350: 349 survives (every answered
	 * probe refreshes both), 350 finds it gone (RST at 350.04 s). */
	static const char *const ok[] = { "A.tcp_keepidle=349" };
	struct capture *c = cap_run(CHAIN("example-home-router", "aws-nlb"), ok, 1);
	cr_expect_not(c->ended[HOST_A]);
	cr_expect_eq(c->sim->box[NAT_BOX_LB].st.expired, 0);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.expired, 0);
	cap_free(c);
	static const char *const late[] = { "A.tcp_keepidle=350" };
	c = cap_run(CHAIN("example-home-router", "aws-nlb"), late, 1);
	cr_assert(c->ended[HOST_A]);
	cr_expect_eq(c->end[HOST_A].error, KS_ECONNRESET);
	cr_expect_eq(c->end_time[HOST_A], 40 * MS + 350 * SEC);
	cap_free(c);
	/* the NAT 300 s behind... in front of the LB 350 s: 299 survives, 300 is
	 * dropped at the NAT (silently: A times out at 0.02 + 300 + 9 x 75) */
	static const char *const ok2[] = { "A.tcp_keepidle=299" };
	c = cap_run(CHAIN("example-cgnat", "aws-nlb"), ok2, 1);
	cr_expect_not(c->ended[HOST_A]);
	cap_free(c);
	static const char *const late2[] = { "A.tcp_keepidle=300" };
	c = cap_run(CHAIN("example-cgnat", "aws-nlb"), late2, 1);
	cr_assert(c->ended[HOST_A]);
	cr_expect_eq(c->end[HOST_A].error, KS_ETIMEDOUT);
	cr_expect_eq(c->end_time[HOST_A], 20 * MS + 300 * SEC + 9 * 75 * SEC);
	cap_free(c);
}

/* ---- what refreshes what, with a proxy ------------------------------------------ */

Test(chain, probes_refresh_the_boxes_they_cross_but_not_the_proxy)
{
	/* NAT 300 s, LB 350 s in front of P (idle_timeout 1000 s, payload only).
	 * A probes every 250 s of idle; 100 bytes at 500 s. A's probes cross the
	 * NAT and the LB (each restarts both idle timers) and end at P, which
	 * answers them itself without touching its payload-idle timer: P's
	 * timer runs from the payload's arrival, 500.01 s, to 1500.01 s, with
	 * probes at 750.02, 1000.04 and 1250.06 s in between (A's idle clock
	 * restarts at each answer, 20 ms after its probe). Neither box ever
	 * expires: no gap between refreshes reaches 300 s. */
	struct capture *c = cap_run("[scenario]\nduration = 1600\n[A]\nso_keepalive = on\n"
				    "tcp_keepidle = 250\n[link]\ndelay = 10ms\n[nat]\npreset = example-cgnat\n"
				    "[lb]\npreset = aws-nlb\n[proxy]\nidle_timeout = 1000\n"
				    "[events]\n500 = send A 100\n", NULL, 0);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.expired, 0);
	cr_expect_eq(c->sim->box[NAT_BOX_LB].st.expired, 0);
	static const ks_time_t sent[] = { 250 * SEC + 20 * MS, 750 * SEC + 20 * MS,
					  1000 * SEC + 40 * MS, 1250 * SEC + 60 * MS };
	for (size_t i = 0; i < NELEMS(sent); i++) {
		const struct cap_pkt *p = probe(c, i);
		cr_assert_not_null(p, "probe %zu", i);
		cr_expect_eq(p->sent, sent[i], "probe %zu", i);
		cr_expect_eq(p->seg.dst, HOST_PC);
		/* refreshed by the NAT as it left A, by the LB 10 ms later */
		bool nat = false, lb = false;
		for (size_t k = 0; k < c->nnats; k++) {
			const struct cap_nat *x = &c->nats[k];
			if (x->r.decision != NATD_TRANSLATED || x->r.dir != HOST_A || !x->r.refreshed)
				continue;
			nat |= x->r.box == NAT_BOX_NAT && x->t == sent[i];
			lb |= x->r.box == NAT_BOX_LB && x->t == sent[i] + D;
		}
		cr_expect(nat && lb, "probe %zu: NAT %d LB %d", i, nat, lb);
	}
	cr_expect_null(probe(c, NELEMS(sent)));
	/* P's idle timer: payload at 500.01 s + 1000 s, whatever the probes */
	size_t k = 0;
	while (k < c->run.col.n && !(c->run.col.recs[k].type == REC_PROXY &&
				     c->run.col.recs[k].u.px.decision == PXD_EXPIRED))
		k++;
	cr_assert_lt(k, c->run.col.n);
	cr_expect_eq(c->run.col.recs[k].t, 1500 * SEC + D);
	/* the payload itself refreshed both boxes */
	cr_expect(box_nth(c, NAT_BOX_NAT, NATD_TRANSLATED, 0) != NULL);
	bool nat = false, lb = false;
	for (size_t i = 0; i < c->nnats; i++) {
		const struct cap_nat *x = &c->nats[i];
		nat |= x->r.box == NAT_BOX_NAT && x->r.decision == NATD_TRANSLATED && x->t == 500 * SEC;
		lb |= x->r.box == NAT_BOX_LB && x->r.decision == NATD_TRANSLATED && x->t == 500 * SEC + D;
	}
	cr_expect(nat && lb);
	cap_free(c);
}

/* ---- lb flush, address preservation -------------------------------------------------- */

Test(chain, lb_flush_deletes_only_the_lbs_mapping)
{
	/* lb flush at 100 s; A writes at 200 s: the NAT passes it (its mapping
	 * is intact), the LB has none at 200.01 s and answers with a RST, which
	 * reaches A through the NAT at 200.02 s. */
	struct capture *c = cap_run(CHAIN("example-home-router", "aws-nlb")
				    "[events]\n100 = lb flush\n200 = send A 100\n", NULL, 0);
	const struct cap_nat *f = box_nth(c, NAT_BOX_LB, NATD_FLUSHED, 0);
	cr_assert_not_null(f);
	cr_expect_eq(f->t, 100 * SEC);
	cr_expect_str_eq(f->r.why, "lb flush");
	cr_expect_eq(box_count(c, NAT_BOX_NAT, NATD_FLUSHED), 0);
	cr_expect_eq(c->sim->box[NAT_BOX_LB].st.flushed, 1);
	cr_assert(c->ended[HOST_A]);
	cr_expect_eq(c->end[HOST_A].error, KS_ECONNRESET);
	cr_expect_eq(c->end[HOST_A].rst_kind, SEG_RST_LB);
	cr_expect_eq(c->end_time[HOST_A], 200 * SEC + 2 * D);
	cap_free(c);
}

Test(chain, the_lb_keeps_the_clients_address_with_port_preservation)
{
	/* Without port_preservation the LB masquerades (B sees the LB's own
	 * address, 198.51.100.2); with it, B sees what left the NAT: the
	 * NAT's 203.0.113.1 and its external port. */
	struct capture *c = cap_run(CHAIN("example-home-router", "aws-nlb"), NULL, 0);
	const struct cap_pkt *syn = &c->pkts[0];
	cr_assert(syn->has_out);
	cr_expect_eq(syn->out.saddr, 0xC6336402u);
	cap_free(c);
	static const char *const keep[] = { "lb.port_preservation=on" };
	c = cap_run(CHAIN("example-home-router", "aws-nlb"), keep, 1);
	syn = &c->pkts[0];
	const struct cap_nat *cr = box_nth(c, NAT_BOX_NAT, NATD_CREATED, 0);
	cr_assert(syn->has_out && cr);
	cr_expect_eq(syn->out.saddr, 0xCB007101u);
	cr_expect_eq(syn->out.sport, cr->r.ext_port);
	/* and B's answers find their way back */
	cr_expect_not(c->ended[HOST_A]);
	cr_expect_eq(c->sim->box[NAT_BOX_LB].st.drops, 0);
	cap_free(c);
}

/* ---- the [lb] section's errors --------------------------------------------------------- */

/* The first record of a segment of kind k from host src, or NULL. */
static const struct cap_pkt *first_pkt(const struct capture *c, int src, enum seg_kind k)
{
	for (size_t i = 0; i < c->npkts; i++)
		if (c->pkts[i].seg.src == src && c->pkts[i].seg.kind == k)
			return &c->pkts[i];
	return NULL;
}

Test(chain, the_packet_record_carries_the_segment_between_the_boxes)
{
	/* As in the_lb_is_shorter_and_its_rst_crosses_the_nat_back_to_a: the
	 * NAT masquerades A as 203.0.113.1 and its first port (1024), the LB
	 * that as 198.51.100.2. seg_mid is the segment on the wire between
	 * them; seg_out past both (trace.h). */
	static const char *const sets[] = { "A.tcp_keepidle=400" };
	struct capture *c = cap_run(CHAIN("example-home-router", "aws-nlb"), sets, 1);
	const struct cap_nat *cr = box_nth(c, NAT_BOX_NAT, NATD_CREATED, 0);
	cr_assert_not_null(cr);
	cr_expect_eq(cr->r.ext_port, 1024);
	const struct cap_pkt *syn = &c->pkts[0], *synack = &c->pkts[1];
	cr_assert(syn->has_mid && syn->has_out && !syn->mid_is_out);
	cr_expect_eq(syn->mid.saddr, 0xCB007101u);
	cr_expect_eq(syn->mid.sport, 1024);
	cr_expect_eq(syn->out.saddr, 0xC6336402u);
	cr_assert(synack->has_mid && synack->has_out);
	cr_expect_eq(synack->mid.saddr, c->sc->ep[HOST_B].addr);
	cr_expect_eq(synack->mid.daddr, 0xCB007101u, "as the LB sent it on, to the NAT's tuple");
	cr_expect_eq(synack->mid.dport, 1024);
	cr_expect_eq(synack->out.dport, c->sc->ep[HOST_A].port);
	const struct cap_pkt *p = probe(c, 0);
	cr_assert_not_null(p);
	cr_expect_eq(p->where, FATE_AT_LB);
	cr_assert(p->has_mid, "it crossed the NAT");
	cr_expect_not(p->has_out, "and never came out of the LB");
	cr_expect_eq(p->mid.sport, 1024);
	const struct cap_pkt *rst = first_pkt(c, HOST_B, SEG_RST_LB);
	cr_assert_not_null(rst);
	cr_assert(rst->has_mid && rst->has_out);
	cr_expect_eq(rst->mid.dport, 1024, "the LB's RST as the LB sent it");
	cr_expect_eq(rst->out.dport, c->sc->ep[HOST_A].port);
	cap_free(c);

	/* lost on the wire between them: seg_out is seg_mid */
	c = cap_run(CHAIN("example-home-router", "aws-nlb") "[events]\n10s = link down\n20s = send A 100\n",
		    NULL, 0);
	const struct cap_pkt *d = first_pkt(c, HOST_A, SEG_NORMAL);
	while (d && d->seg.len == 0)
		d++;
	cr_assert_not_null(d);
	cr_expect_eq(d->sent, 20 * SEC);
	cr_expect_eq(d->reason, DROP_LINK_DOWN);
	cr_assert(d->has_mid && d->mid_is_out);
	cr_expect_eq(d->mid.sport, 1024);
	cap_free(c);

	/* one box: no seg_mid */
	static const char *const one[] = {
		"[scenario]\nduration = 1h\n[A]\nso_keepalive = on\n[nat]\npreset = example-home-router\n",
		"[scenario]\nduration = 1h\n[A]\nso_keepalive = on\n[lb]\npreset = aws-nlb\n",
	};
	for (size_t k = 0; k < 2; k++) {
		c = cap_run(one[k], NULL, 0);
		cr_assert_eq(c->npkts, 3, "the handshake");
		for (size_t i = 0; i < c->npkts; i++)
			cr_expect_not(c->pkts[i].has_mid, "case %zu, packet %zu", k, i);
		cap_free(c);
	}
}

Test(chain, lb_errors_name_the_line_and_what_is_valid)
{
	cap_expect_error("[lb]\nestablished_timout = 5\n",
			 "t.ini:2: unknown key 'established_timout' in [lb] (did you mean "
			 "'established_timeout'?)");
	cap_expect_error("[lb]\npreset = aws-nlb\nestablished_timeout = 59\n",
			 "t.ini:3: established_timeout = 59s is outside aws-nlb's range "
			 "(tcp.idle_timeout.seconds: 60..6000 s)");
	cap_expect_error("[lb]\npreset = aws-nlb\nestablished_timeout = 6001\n",
			 "t.ini:3: established_timeout = 1h40m1s is outside aws-nlb's range "
			 "(tcp.idle_timeout.seconds: 60..6000 s)");
	cap_expect_error("[lb]\npreset = aws-nbl\n",
			 "t.ini:2: unknown preset 'aws-nbl' (did you mean 'aws-nlb'? valid presets: "
			 "aws-nat-gateway, azure-nat-gateway, azure-lb, gcp-cloud-nat, linux-conntrack, "
			 "docker-ipvs, rfc5382-minimum, example-home-router, example-cgnat, aws-nlb, "
			 "aws-network-firewall, gcp-lb, kube-proxy)");
	cap_expect_error("[nat]\n[events]\n10 = lb flush\n",
			 "t.ini:3: lb flush: there is no LB (add an [lb] section)");
	cap_expect_error("[lb]\n[events]\n10 = lb restart\n",
			 "t.ini:3: lb: expected 'lb flush' or 'lb reboot'");
}

Test(chain, lb_errors_from_the_binary_exit_2_with_file_and_line)
{
	char *dir, path[512];
	tmp_ini(path, &dir, "bad.ini", "[lb]\npreset = aws-nlb\nestablished_timeout = 30\n");
	struct cmd c = KASIM(path);
	cr_expect_eq(c.status, 2);
	cr_expect_eq(c.outlen, 0);
	char want[700];
	SNP(want, "kasim: %s:3: established_timeout = 30s is outside aws-nlb's range "
		  "(tcp.idle_timeout.seconds: 60..6000 s)\n", path);
	cr_expect_str_eq(c.err, want);
	cmd_free(&c);
	free(dir);
}

/* ---- outputs name the box ------------------------------------------------------------------- */

Test(chain, the_summary_names_the_lb_and_why)
{
	char *dir, path[512];
	tmp_ini(path, &dir, "chain.ini", "[scenario]\ntimer = exact\nduration = 2h\n[A]\nso_keepalive = on\n"
			 "tcp_keepidle = 400\n[link]\ndelay = 10ms\n[nat]\npreset = example-home-router\n"
			 "[lb]\npreset = aws-nlb\n");
	struct cmd c = KASIM(path);
	cr_expect_eq(c.status, 0);
	cr_expect(strstr(c.out, "  A received a RST at 400.04 s (sent by the LB, not by B: the LB forgot "
				"the idle flow after 350 s and answered A's next segment with a RST) and "
				"reported ECONNRESET.\n") != NULL, "%s", c.out);
	cr_expect(strstr(c.out, "  NAT example-home-router: 1 mapping created, ") != NULL);
	cr_expect(strstr(c.out, "  LB aws-nlb: 1 mapping created, 2 refreshes, 1 expired, 0 evicted, "
				"1 segment dropped, 1 RST sent.\n") != NULL, "%s", c.out);
	cr_expect(strstr(c.out, "    350.030000 LB: mapping 203.0.113.1:1024 <-> 198.51.100.2:1024 expired: "
				"idle 350 s >= established_timeout 350 s\n") != NULL);
	cr_expect(strstr(c.out, "(dropped: the LB has no mapping for it)") != NULL);
	/* the LB's RST crosses only the NAT on its way to A */
	cr_expect(strstr(c.out, "    400.030000 B > A: Flags [R], seq 2296356899, length 0  RST sent by the "
				"LB (as if from B) (NAT: dport 1024 -> 40000)\n") != NULL, "%s", c.out);
	cmd_free(&c);

	c = KASIM("--json", path);
	cr_expect_eq(c.status, 0);
	json_error_t e;
	json_t *j = json_loads(c.out, 0, &e);
	cr_assert_not_null(j, "%s", e.text);
	json_t *lb = json_object_get(j, "lb");
	cr_assert(json_is_object(lb));
	cr_expect_str_eq(json_string_value(json_object_get(lb, "preset")), "aws-nlb");
	cr_expect_eq(json_integer_value(json_object_get(lb, "expiries")), 1);
	cr_expect_eq(json_integer_value(json_object_get(lb, "rsts_sent")), 1);
	cr_expect(json_is_object(json_object_get(j, "nat")));
	size_t nlb = 0, nnat = 0, i;
	json_t *ev;
	json_array_foreach(json_object_get(j, "events"), i, ev) {
		const char *type = json_string_value(json_object_get(ev, "type"));
		nlb += type && !strcmp(type, "lb");
		nnat += type && !strcmp(type, "nat");
	}
	/* created (A's SYN), translated x 3 (the SYN, the SYN-ACK, A's ACK),
	 * class (established), expired, dropped (the probe), rst */
	cr_expect_eq(nlb, 8);
	cr_expect_gt(nnat, 0);
	json_decref(j);
	cmd_free(&c);
	free(dir);
}

/* ---- sweeps ------------------------------------------------------------------------------------ */

Test(chain, lb_keys_are_sweep_axes)
{
	/* A probes after 300 or 400 s of idle (30 s apart, 3 probes) behind a
	 * 1800 s NAT and an LB of 350 or 600 s: only keepidle 400 against the
	 * 350 s LB loses the flow (the probe reaches the LB at 400.03 s, after
	 * its deadline 350.03 s: a RST, both replicas lost); every other point
	 * keeps it. The axis is a column of summary.csv, like nat.*'s. */
	char *dir, ini[512];
	tmp_ini(ini, &dir, "sw.ini", "[scenario]\nduration = 2h\ntimer = exact\n[A]\nso_keepalive = on\n"
			"tcp_keepintvl = 30\ntcp_keepcnt = 3\n[link]\ndelay = 10ms\n"
			"[nat]\npreset = example-home-router\n[lb]\npreset = aws-nlb\n"
			"[sweep]\nA.tcp_keepidle = 300, 400\nlb.established_timeout = 350, 600\nreplicas = 2\n");
	char *s = sweep_report(ini, "summary.csv");
	cr_assert_not_null(s);
	cr_expect(strncmp(s, "point,A.tcp_keepidle,lb.established_timeout,", 44) == 0, "%s", s);
	cr_expect_not_null(strstr(s, "\n0,300,350,on,300,30,3,2,0,0.000000,"), "%s", s);
	cr_expect_not_null(strstr(s, "\n1,300,600,on,300,30,3,2,0,0.000000,"), "%s", s);
	cr_expect_not_null(strstr(s, "\n2,400,350,on,400,30,3,2,2,1.000000,"), "%s", s);
	cr_expect_not_null(strstr(s, "\n3,400,600,on,400,30,3,2,0,0.000000,"), "%s", s);
	free(s);
	free(dir);
}

Test(chain, csv_rows_and_plot_data_name_the_lb)
{
	/* The run of the_summary_names_the_lb_and_why: the LB's mapping lives
	 * from its creation (A's SYN at the far end, 0.01 s) to its expiry at
	 * 350.03 s, drawn at height 0.25 (the NAT's, 0 to its transitory expiry
	 * 400.04 + 240 s, at 0.5); the probe the LB dropped ends at 0.25 too. */
	char *dir, path[512], out[600], f[700];
	tmp_ini(path, &dir, "chain.ini", "[scenario]\ntimer = exact\nduration = 1h\n[A]\nso_keepalive = on\n"
			 "tcp_keepidle = 400\n[link]\ndelay = 10ms\n[nat]\npreset = example-home-router\n"
			 "[lb]\npreset = aws-nlb\n");
	SNP(out, "%s/out", dir);
	struct cmd c = KASIM("-q", "--no-plot", "-o", out, path);
	cr_assert_eq(c.status, 0, "%s", c.err);
	cmd_free(&c);
	SNP(f, "%s/plots/timeline-phases.dat", out);
	char *ph = slurp(f, NULL);
	cr_assert_not_null(ph);
	cr_expect_not_null(strstr(ph, "0.25,0.01,350.03,"), "%s", ph);
	cr_expect_not_null(strstr(ph, ",LB mapping\n"), "%s", ph);
	cr_expect_not_null(strstr(ph, "0.5,0,640.04,"), "%s", ph);
	free(ph);
	SNP(f, "%s/plots/timeline-packets.dat", out);
	char *pk = slurp(f, NULL);
	cr_assert_not_null(pk);
	cr_expect_not_null(strstr(pk, "\n400.02,400.03,1,0,0.25,"), "%s", pk);
	free(pk);
	SNP(f, "%s/timeline.csv", out);
	char *csv = slurp(f, NULL);
	cr_assert_not_null(csv);
	cr_expect_not_null(strstr(csv, "\n350.03,lb,,"), "%s", csv);
	cr_expect_not_null(strstr(csv, "\n400.03,lb,A,,,,,,,,,,nat-no-mapping,,dropped,"), "%s", csv);
	cr_expect_not_null(strstr(csv, "\n400.03,lb,A,,,,,,,,,,,,rst,"), "%s", csv);
	cr_expect_not_null(strstr(csv, "\n640.04,nat,,"), "%s", csv);
	free(csv);
	free(dir);
}

/* With a proxy the NAT's far end is P, not B: --explain names the sender of
 * each segment it translates back to A (the cookbook's NAT -> NLB -> nginx:
 * P's SYN-ACK at 0.02 s, the first thing P sends through the NAT). */
Test(chain, the_nat_names_p_behind_a_proxy)
{
	char *path = scenario_file("cookbook/cgnat-nlb-nginx.ini");
	struct cmd c = KASIM("--explain", path);
	cr_expect_eq(c.status, 0);
	cr_expect(strstr(c.out, "      0.020000 NAT: P's segment to 203.0.113.1:1024 goes to "
				"192.0.2.10:40000; idle timer restarted\n") != NULL, "%s", c.out);
	cr_expect(strstr(c.out, "NAT: B's segment") == NULL);
	cmd_free(&c);
	free(path);
}
