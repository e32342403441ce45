/*
 * test_nat.c - the NAT: presets and their documented numbers, bad input,
 * exact expiry (exact and GC modes), LRU order, every miss policy's
 * consequence at both ends with exact times, flush/reboot, background load,
 * outputs, and the shipped NAT scenarios.
 *
 * Times: with "delay = 10ms" A's SYN leaves at 0, B's SYN-ACK reaches the
 * NAT (and A) at 20 ms, and A's ACK of it passes the NAT at 20 ms: that is
 * the last refresh of an idle connection, and A's idle clock starts there
 * too (lrcvtime). B becomes ESTABLISHED when that ACK arrives, at 30 ms.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <jansson.h>
#include <stdio.h>

#include "nat.h"
#include "sim_capture.h"

#define HS (20 * MS)  /* A's handshake ends, last NAT refresh */
#define HSB (30 * MS) /* B's handshake ends */
#define D (10 * MS)   /* one-way delay */

/* ---- presets ---------------------------------------------------------------- */

struct preset_case {
	const char *name;
	ks_time_t est, trans;
	uint64_t cap;
	int out_miss, in_miss, full;
	bool rst_exp, preserve;
};

/* The numbers of docs/nat.md (each preset cites its sources in sim/nat_preset.c). */
static const struct preset_case presets[] = {
	{ "aws-nat-gateway", 350 * SEC, 350 * SEC, 262144, NAT_MISS_RST, NAT_MISS_DROP, NAT_FULL_EVICT, false, false },
	{ "azure-nat-gateway", 4 * 60 * SEC, 4 * 60 * SEC, 262144, NAT_MISS_RST, NAT_MISS_RST, NAT_FULL_EVICT, false, false },
	{ "azure-lb", 4 * 60 * SEC, 4 * 60 * SEC, 262144, NAT_MISS_DROP, NAT_MISS_DROP, NAT_FULL_EVICT, false, false },
	{ "gcp-cloud-nat", 1200 * SEC, 30 * SEC, 262144, NAT_MISS_DROP, NAT_MISS_DROP, NAT_FULL_EVICT, false, false },
	{ "linux-conntrack", 5 * 86400 * SEC, 120 * SEC, 262144, NAT_MISS_CREATE, NAT_MISS_RST, NAT_FULL_DROP, false, true },
	{ "docker-ipvs", 900 * SEC, 120 * SEC, 262144, NAT_MISS_DROP, NAT_MISS_DROP, NAT_FULL_EVICT, false, false },
	{ "rfc5382-minimum", (2 * 3600 + 4 * 60) * SEC, 4 * 60 * SEC, 262144, NAT_MISS_DROP, NAT_MISS_DROP, NAT_FULL_EVICT, false, false },
	{ "example-home-router", 1800 * SEC, 4 * 60 * SEC, 4096, NAT_MISS_DROP, NAT_MISS_DROP, NAT_FULL_EVICT, false, false },
	{ "example-cgnat", 5 * 60 * SEC, 4 * 60 * SEC, 65536, NAT_MISS_DROP, NAT_MISS_DROP, NAT_FULL_EVICT, false, false },
	{ "aws-nlb", 350 * SEC, 350 * SEC, 262144, NAT_MISS_RST, NAT_MISS_RST, NAT_FULL_EVICT, false, false },
	{ "aws-network-firewall", 350 * SEC, 350 * SEC, 262144, NAT_MISS_DROP, NAT_MISS_DROP, NAT_FULL_EVICT, false, false },
	{ "gcp-lb", 600 * SEC, 600 * SEC, 262144, NAT_MISS_DROP, NAT_MISS_DROP, NAT_FULL_EVICT, false, false },
	{ "kube-proxy", 86400 * SEC, 120 * SEC, 262144, NAT_MISS_CREATE, NAT_MISS_RST, NAT_FULL_DROP, false, true },
};
#define NPRESET_CASES (sizeof(presets) / sizeof(presets[0]))

Test(nat, every_preset_loads_with_its_documented_numbers)
{
	cr_assert_eq(nat_npresets, NPRESET_CASES);
	for (size_t i = 0; i < NPRESET_CASES; i++) {
		const struct preset_case *p = &presets[i];
		char text[128];
		snprintf(text, sizeof text, "[nat]\npreset = %s\n", p->name);
		struct diag d = {0};
		struct scenario *s = scenario_parse_string("t.ini", text, NULL, 0, &d);
		cr_assert_not_null(s, "%s: %s", p->name, d.n ? d.msg[0] : "");
		const struct nat_config *n = &s->nat;
		cr_expect_str_eq(nat_preset_names[i], p->name);
		cr_expect(n->enabled, "%s", p->name);
		cr_expect_str_eq(n->preset, p->name);
		cr_expect_eq(n->established_timeout, p->est, "%s", p->name);
		cr_expect_eq(n->transitory_timeout, p->trans, "%s", p->name);
		cr_expect_eq(n->capacity, p->cap, "%s", p->name);
		cr_expect_eq(n->outbound_miss, p->out_miss, "%s", p->name);
		cr_expect_eq(n->inbound_miss, p->in_miss, "%s", p->name);
		cr_expect_eq(n->table_full, p->full, "%s", p->name);
		cr_expect_eq(n->rst_on_expiry, p->rst_exp, "%s", p->name);
		cr_expect_eq(n->port_preservation, p->preserve, "%s", p->name);
		cr_expect_eq(n->gc_period, 0, "%s", p->name);
		cr_expect(n->inbound_refresh, "%s", p->name);
		cr_expect_eq(n->ext_addr, 0xCB007101u, "%s", p->name); /* 203.0.113.1 */
		cr_expect(n->bg_rate == 0, "%s", p->name);
		scenario_free(s);
		diag_free(&d);
	}
}

Test(nat, defaults_without_preset_are_rfc5382_minimums)
{
	struct diag d = {0};
	struct scenario *s = scenario_parse_string("t.ini", "[nat]\n", NULL, 0, &d);
	cr_assert_not_null(s);
	cr_expect(s->nat.enabled);
	cr_expect_str_eq(s->nat.preset, "");
	cr_expect_eq(s->nat.established_timeout, 7440 * SEC);
	cr_expect_eq(s->nat.transitory_timeout, 240 * SEC);
	cr_expect_eq(s->nat.outbound_miss, NAT_MISS_DROP);
	cr_expect_eq(s->nat.inbound_miss, NAT_MISS_DROP);
	cr_expect_eq(s->nat.table_full, NAT_FULL_EVICT);
	scenario_free(s);
	struct scenario *none = scenario_parse_string("t.ini", "[A]\n", NULL, 0, &d);
	cr_expect_not(none->nat.enabled);
	scenario_free(none);
	diag_free(&d);
}

Test(nat, keys_override_the_preset_in_any_order)
{
	static const char *const sets[] = { "nat.transitory_timeout=7s" };
	struct diag d = {0};
	struct scenario *s = scenario_parse_string(
		"t.ini",
		"[nat]\nestablished_timeout = 100\noutbound_miss = drop\npreset = aws-nat-gateway\n"
		"capacity = 10\n",
		sets, 1, &d);
	cr_assert_not_null(s, "%s", d.n ? d.msg[0] : "");
	cr_expect_eq(s->nat.established_timeout, 100 * SEC);     /* before the preset */
	cr_expect_eq(s->nat.outbound_miss, NAT_MISS_DROP);        /* before the preset */
	cr_expect_eq(s->nat.capacity, 10);                        /* after it */
	cr_expect_eq(s->nat.transitory_timeout, 7 * SEC);         /* --set */
	cr_expect_eq(s->nat.inbound_miss, NAT_MISS_DROP);         /* the preset's */
	scenario_free(s);
	/* --set preset= applies the preset under the file's own keys */
	static const char *const sets2[] = { "nat.preset=gcp-cloud-nat" };
	s = scenario_parse_string("t.ini", "[nat]\nestablished_timeout = 99\n", sets2, 1, &d);
	cr_assert_not_null(s);
	cr_expect_eq(s->nat.established_timeout, 99 * SEC);
	cr_expect_eq(s->nat.transitory_timeout, 30 * SEC);
	scenario_free(s);
	diag_free(&d);
}

Test(nat, bad_values_rejected_with_file_and_line)
{
	cap_expect_error("[nat]\ncapacity = 0\n",
			 "t.ini:2: capacity = 0 is out of range (1..16777216 mappings)");
	cap_expect_error("[nat]\ncapacity = lots\n",
			 "t.ini:2: capacity = lots is not an integer (1..16777216 mappings)");
	cap_expect_error("[nat]\nestablished_timeout = 0\n",
			 "t.ini:2: established_timeout = 0 is out of range (more than 0, at most 36500d)");
	cap_expect_error("[nat]\n\ntransitory_timeout = -5\n",
			 "t.ini:3: transitory_timeout = -5 is not a duration (e.g. 90s, 1500ms, "
			 "2h11m15s, 1d; a bare number is seconds)");
	cap_expect_error("[nat]\npreset = cisco\n",
			 "t.ini:2: unknown preset 'cisco' (valid presets: aws-nat-gateway, "
			 "azure-nat-gateway, azure-lb, gcp-cloud-nat, linux-conntrack, docker-ipvs, "
			 "rfc5382-minimum, example-home-router, example-cgnat, aws-nlb, "
			 "aws-network-firewall, gcp-lb, kube-proxy)");
	cap_expect_error("[nat]\npreset = aws-nat-gatway\n",
			 "t.ini:2: unknown preset 'aws-nat-gatway' (did you mean 'aws-nat-gateway'? valid "
			 "presets: aws-nat-gateway, azure-nat-gateway, azure-lb, gcp-cloud-nat, "
			 "linux-conntrack, docker-ipvs, rfc5382-minimum, example-home-router, "
			 "example-cgnat, aws-nlb, aws-network-firewall, gcp-lb, kube-proxy)");
	cap_expect_error("[nat]\noutbound_miss = reset\n",
			 "t.ini:2: outbound_miss = reset is not a valid value (valid: drop, rst, create, "
			  "invalid-passthrough)");
	cap_expect_error("[nat]\ninbound_miss = create\n",
			 "t.ini:2: inbound_miss = create is not a valid value (valid: drop, rst)");
	cap_expect_error("[nat]\ntable_full = lru\n",
			 "t.ini:2: table_full = lru is not a valid value (valid: evict, drop)");
	cap_expect_error("[nat]\ninbound_refresh = maybe\n",
			 "t.ini:2: inbound_refresh = maybe is not a boolean (on/off, yes/no, true/false or 1/0)");
	cap_expect_error("[nat]\next_addr = 203.0.113\n",
			 "t.ini:2: ext_addr = 203.0.113 is not a valid address (an IPv4 address, e.g. 203.0.113.1)");
	cap_expect_error("[nat]\nbg_rate = -1\n",
			 "t.ini:2: bg_rate = -1 is not a number (new flows per second, 0..1000000, 0 = no background load)");
	cap_expect_error("[nat]\nbg_interval = 0\n",
			 "t.ini:2: bg_interval = 0 is out of range (more than 0, at most 1d; a list of up to 4, e.g. 10s, 5m)");
	cap_expect_error("[nat]\nbg_interval = 10s, 2d\n",
			 "t.ini:2: bg_interval = 10s, 2d: 2d is out of range (more than 0, at most 1d; a list of up to 4, e.g. 10s, 5m)");
	cap_expect_error("[nat]\nbg_interval = 1s, 2s, 3s, 4s, 5s\n",
			 "t.ini:2: bg_interval = 1s, 2s, 3s, 4s, 5s has too many items (more than 0, at most 1d; a list of up to 4, e.g. 10s, 5m)");
	cap_expect_error("[nat]\nbg_interval = 10s,, 5m\n",
			 "t.ini:2: bg_interval = 10s,, 5m:  is not a duration (more than 0, at most 1d; a list of up to 4, e.g. 10s, 5m)");
	cap_expect_error("[nat]\npreset = azure-lb\npreset = azure-lb\n",
			 "t.ini:3: duplicate key 'preset' (first set at line 2)");
	cap_expect_error("[events]\n10s = nat flush\n",
			 "t.ini:2: nat flush: there is no NAT (add a [nat] section)");
	cap_expect_error("[scenario]\n[events]\n\n10s = nat reboot\n",
			 "t.ini:4: nat reboot: there is no NAT (add a [nat] section)");
	cap_expect_error("[nat]\n[events]\n10s = nat restart\n",
			 "t.ini:3: nat: expected 'nat flush' or 'nat reboot'");
	cap_expect_error("[nat]\nestablished_timout = 5\n",
			 "t.ini:2: unknown key 'established_timout' in [nat] (did you mean 'established_timeout'?)");
}

/* ---- exact expiry ---------------------------------------------------------------- */

Test(nat, mapping_expires_exactly_at_the_timeout)
{
	struct capture *c = cap_run("[scenario]\nduration = 1h\n[link]\ndelay = 10ms\n"
				    "[nat]\npreset = aws-nat-gateway\n", NULL, 0);
	const struct cap_nat *cr = cap_nat_nth(c, NATD_CREATED, 0);
	const struct cap_nat *cl = cap_nat_nth(c, NATD_CLASS, 0);
	const struct cap_nat *ex = cap_nat_nth(c, NATD_EXPIRED, 0);
	cr_assert(cr && cl && ex);
	cr_expect_eq(cr->t, 0);
	cr_expect_eq(cr->r.cls, NAT_TRANSITORY);
	cr_expect_eq(cl->t, HS);
	cr_expect_eq(cl->r.cls, NAT_ESTABLISHED);
	cr_expect_eq(ex->t, HS + 350 * SEC);
	cr_expect_eq(ex->r.idle, 350 * SEC);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.expired, 1);
	cr_expect_eq(nat_count(&c->sim->box[NAT_BOX_NAT]), 0);
	cap_free(c);
}

Test(nat, transitory_timeout_before_the_handshake_completes)
{
	/* B never answers (unplugged): each of A's SYNs refreshes the transitory
	 * mapping (30 s). Where two SYNs are more than 30 s apart, the mapping
	 * expires 30 s after the first and the second creates a new one; the last
	 * expires 30 s after the last SYN. (The SYN times are the retransmission
	 * timer's business: they are taken from the run.) */
	const ks_time_t T = 30 * SEC;
	struct capture *c = cap_run("[scenario]\nduration = 1h\n[nat]\npreset = gcp-cloud-nat\n"
				    "[events]\n0 = unplug B\n", NULL, 0);
	ks_time_t syn[32], want_exp[32], want_new[32];
	size_t nsyn = 0, nexp = 0, nnew = 1;
	for (size_t i = 0; i < c->npkts && nsyn < 32; i++)
		if (c->pkts[i].seg.flags == TH_SYN)
			syn[nsyn++] = c->pkts[i].sent;
	/* tcp_syn_retries 6 plus tcp_syn_linear_timeouts 4 (Linux >= 6.5):
	 * 10 retransmissions, at 1, 2, 3, 4, 5 s, then 7, 11, 19, 35, 67 s */
	cr_assert_eq(nsyn, 11);
	want_new[0] = syn[0];
	for (size_t i = 1; i < nsyn; i++) {
		if (syn[i] - syn[i - 1] >= T) {
			want_exp[nexp++] = syn[i - 1] + T;
			want_new[nnew++] = syn[i];
		}
	}
	want_exp[nexp++] = syn[nsyn - 1] + T;
	/* one gap of 30 s or more (35 s -> 67 s): two mappings */
	cr_expect_eq(nnew, 2, "the run should show exactly one gap longer than 30 s");
	cr_assert_eq(cap_nat_count(c, NATD_CREATED), nnew);
	cr_assert_eq(cap_nat_count(c, NATD_EXPIRED), nexp);
	for (size_t i = 0; i < nnew; i++)
		cr_expect_eq(cap_nat_nth(c, NATD_CREATED, i)->t, want_new[i], "mapping %zu", i);
	for (size_t i = 0; i < nexp; i++) {
		const struct cap_nat *ex = cap_nat_nth(c, NATD_EXPIRED, i);
		cr_expect_eq(ex->t, want_exp[i], "expiry %zu", i);
		cr_expect_eq(ex->r.cls, NAT_TRANSITORY);
		cr_expect_eq(ex->r.idle, T);
	}
	cap_free(c);
}

Test(nat, a_segment_at_the_deadline_finds_the_mapping_expired)
{
	/* A probes exactly when the mapping's 350 s are up: too late (RST). */
	static const char *const late[] = { "A.tcp_keepidle=350" };
	struct capture *c = cap_run("[scenario]\nduration = 1h\n[A]\nso_keepalive = on\n"
				    "[link]\ndelay = 10ms\n[nat]\npreset = aws-nat-gateway\n", late, 1);
	cr_assert(c->ended[HOST_A]);
	cr_expect_eq(c->end[HOST_A].error, KS_ECONNRESET);
	cr_expect_eq(c->end_time[HOST_A], HS + 350 * SEC);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.rsts, 1);
	cap_free(c);
	/* one second earlier, every probe refreshes it: it survives */
	static const char *const early[] = { "A.tcp_keepidle=349" };
	c = cap_run("[scenario]\nduration = 1h\n[A]\nso_keepalive = on\n"
		    "[link]\ndelay = 10ms\n[nat]\npreset = aws-nat-gateway\n", early, 1);
	cr_expect_not(c->ended[HOST_A]);
	cr_expect_not(c->ended[HOST_B]);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.expired, 0);
	cap_free(c);
}

Test(nat, gc_period_reaps_at_the_next_tick_and_late_segments_still_pass)
{
	/* deadline 0.02 + 350 s; GC ticks every 60 s: reaped at 360 s */
	struct capture *c = cap_run("[scenario]\nduration = 1h\n[link]\ndelay = 10ms\n"
				    "[nat]\npreset = aws-nat-gateway\ngc_period = 60\n", NULL, 0);
	const struct cap_nat *ex = cap_nat_nth(c, NATD_EXPIRED, 0);
	cr_assert_not_null(ex);
	cr_expect_eq(ex->t, 6 * 60 * SEC);
	cr_expect_eq(ex->r.idle, 6 * 60 * SEC - HS);
	cap_free(c);
	/* a probe at 355.02 s (after the deadline, before the tick) refreshes it */
	static const char *const sets[] = { "A.tcp_keepidle=355" };
	c = cap_run("[scenario]\nduration = 1h\n[A]\nso_keepalive = on\n[link]\ndelay = 10ms\n"
		    "[nat]\npreset = aws-nat-gateway\ngc_period = 60\n", sets, 1);
	cr_expect_not(c->ended[HOST_A]);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.expired, 0);
	cap_free(c);
}

/* ---- the table, directly ---------------------------------------------------------- */

struct lru_log {
	enum nat_decision d[64];
	uint16_t port[64];
	size_t n;
	struct segment sent[8];
	size_t nsent;
};

static void lru_report(void *ctx, const struct rec_nat *r)
{
	struct lru_log *l = ctx;
	if (l->n < 64) {
		l->d[l->n] = r->decision;
		l->port[l->n++] = r->ext_port;
	}
}

static void lru_send(void *ctx, struct segment *seg)
{
	struct lru_log *l = ctx;
	if (l->nsent < 8)
		l->sent[l->nsent++] = *seg;
}

static struct segment syn_from(uint16_t port, uint8_t flags)
{
	return (struct segment){.saddr = 0xC000020Au, .sport = port, .daddr = 0xC6336414u,
				.dport = 443, .flags = flags, .src = HOST_A, .dst = HOST_B};
}

static size_t evictions(const struct lru_log *l, uint16_t *ports)
{
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->d[i] == NATD_EVICTED)
			ports[k++] = l->port[i];
	return k;
}

Test(nat, lru_order_with_a_small_capacity)
{
	struct engine e;
	struct nat n;
	struct lru_log log = {0};
	struct nat_config cfg;
	struct segment out;
	eng_init(&e);
	nat_config_default(&cfg);
	cfg.capacity = 3;
	cfg.port_preservation = true;
	struct nat_hooks h = {.ctx = &log, .report = lru_report, .send = lru_send};
	nat_init(&n, &e, &cfg, 1, &h);
	/* mappings for ports 1, 2, 3 at t = 0, 1, 2 s; port 1 used again at 3 s */
	for (uint16_t p = 1; p <= 3; p++) {
		eng_run(&e, (ks_time_t)(p - 1) * SEC);
		struct segment s = syn_from(p, TH_SYN);
		cr_assert_eq(nat_outbound(&n, &s, &out), DROP_NONE);
		cr_expect_eq(out.sport, p);
		cr_expect_eq(out.saddr, cfg.ext_addr);
	}
	eng_run(&e, 3 * SEC);
	struct segment again = syn_from(1, TH_SYN);
	cr_assert_eq(nat_outbound(&n, &again, &out), DROP_NONE);
	/* 4, 5, 6 arrive: LRU order is 2, 3, 1 */
	for (uint16_t p = 4; p <= 6; p++) {
		eng_run(&e, (ks_time_t)p * SEC);
		struct segment s = syn_from(p, TH_SYN);
		cr_assert_eq(nat_outbound(&n, &s, &out), DROP_NONE);
		cr_expect_eq(nat_count(&n), 3);
	}
	uint16_t ev[8];
	cr_assert_eq(evictions(&log, ev), 3);
	cr_expect_eq(ev[0], 2);
	cr_expect_eq(ev[1], 3);
	cr_expect_eq(ev[2], 1);
	cr_expect_eq(n.st.evicted, 3);
	cr_expect_eq(nat_lookup_port(&n, 0xC000020Au, 1, 0xC6336414u, 443), 0);
	cr_expect_eq(nat_lookup_port(&n, 0xC000020Au, 6, 0xC6336414u, 443), 6);
	nat_destroy(&n);
	eng_destroy(&e);
}

Test(nat, inbound_refresh_counts_for_lru_only_when_on)
{
	for (int on = 0; on <= 1; on++) {
		struct engine e;
		struct nat n;
		struct lru_log log = {0};
		struct nat_config cfg;
		struct segment out, in;
		eng_init(&e);
		nat_config_default(&cfg);
		cfg.capacity = 2;
		cfg.port_preservation = true;
		cfg.inbound_refresh = on;
		struct nat_hooks h = {.ctx = &log, .report = lru_report, .send = lru_send};
		nat_init(&n, &e, &cfg, 1, &h);
		struct segment s1 = syn_from(1, TH_SYN), s2 = syn_from(2, TH_SYN);
		nat_outbound(&n, &s1, &out);
		eng_run(&e, 1 * SEC);
		nat_outbound(&n, &s2, &out);
		eng_run(&e, 2 * SEC);
		/* B answers port 1's SYN at 2 s */
		struct segment sa = {.saddr = 0xC6336414u, .sport = 443, .daddr = cfg.ext_addr, .dport = 1,
				     .flags = TH_SYN | TH_ACK, .src = HOST_B, .dst = HOST_A};
		cr_assert_eq(nat_inbound(&n, &sa, &in), DROP_NONE);
		cr_expect_eq(in.daddr, 0xC000020Au);
		cr_expect_eq(in.dport, 1);
		eng_run(&e, 3 * SEC);
		struct segment s3 = syn_from(3, TH_SYN);
		nat_outbound(&n, &s3, &out);
		uint16_t ev[8];
		cr_assert_eq(evictions(&log, ev), 1);
		/* refreshed by B's segment: port 2 is the LRU; not refreshed: port 1 */
		cr_expect_eq(ev[0], on ? 2 : 1, "inbound_refresh %d", on);
		nat_destroy(&n);
		eng_destroy(&e);
	}
}

Test(nat, full_table_with_table_full_drop_refuses_new_mappings)
{
	struct engine e;
	struct nat n;
	struct lru_log log = {0};
	struct nat_config cfg;
	struct segment out;
	eng_init(&e);
	nat_config_default(&cfg);
	cfg.capacity = 2;
	cfg.table_full = NAT_FULL_DROP;
	struct nat_hooks h = {.ctx = &log, .report = lru_report, .send = lru_send};
	nat_init(&n, &e, &cfg, 1, &h);
	struct segment a = syn_from(1, TH_SYN), b = syn_from(2, TH_SYN), c = syn_from(3, TH_SYN);
	cr_expect_eq(nat_outbound(&n, &a, &out), DROP_NONE);
	cr_expect_eq(out.sport, 1024); /* no preservation: the allocator's first port */
	cr_expect_eq(nat_outbound(&n, &b, &out), DROP_NONE);
	cr_expect_eq(out.sport, 1025);
	cr_expect_eq(nat_outbound(&n, &c, &out), DROP_NAT_TABLE_FULL);
	cr_expect_eq(nat_count(&n), 2);
	cr_expect_eq(n.st.evicted, 0);
	cr_expect_eq(n.st.table_full_drops, 1);
	nat_destroy(&n);
	eng_destroy(&e);
}

Test(nat, rst_answers_follow_tcp_v4_send_reset)
{
	struct engine e;
	struct nat n;
	struct lru_log log = {0};
	struct nat_config cfg;
	struct segment out;
	eng_init(&e);
	nat_config_default(&cfg);
	cfg.outbound_miss = NAT_MISS_RST;
	cfg.inbound_miss = NAT_MISS_RST;
	struct nat_hooks h = {.ctx = &log, .report = lru_report, .send = lru_send};
	nat_init(&n, &e, &cfg, 1, &h);
	struct segment probe = syn_from(40000, TH_ACK);
	probe.seq = 1000;
	probe.ack = 5000;
	cr_expect_eq(nat_outbound(&n, &probe, &out), DROP_NAT_NO_MAPPING);
	cr_assert_eq(log.nsent, 1);
	const struct segment *r = &log.sent[0];
	cr_expect_eq(r->flags, TH_RST);
	cr_expect_eq(r->seq, 5000);          /* the probe's ACK number: what A expects */
	cr_expect_eq(r->src, HOST_B);        /* as if from B */
	cr_expect_eq(r->dst, HOST_A);
	cr_expect_eq(r->saddr, 0xC6336414u);
	cr_expect_eq(r->sport, 443);
	cr_expect_eq(r->daddr, 0xC000020Au);
	cr_expect_eq(r->dport, 40000);
	cr_expect_eq(r->kind, SEG_RST_NAT);
	/* inbound, no ACK flag: RST|ACK acknowledging it */
	struct segment in = {.saddr = 0xC6336414u, .sport = 443, .daddr = cfg.ext_addr, .dport = 7,
			     .seq = 77, .len = 10, .flags = TH_PSH, .src = HOST_B, .dst = HOST_A};
	cr_expect_eq(nat_inbound(&n, &in, &out), DROP_NAT_NO_MAPPING);
	cr_assert_eq(log.nsent, 2);
	cr_expect_eq(log.sent[1].flags, TH_RST | TH_ACK);
	cr_expect_eq(log.sent[1].ack, 77 + 10);
	cr_expect_eq(log.sent[1].dst, HOST_B);
	cr_expect_eq(log.sent[1].saddr, cfg.ext_addr);
	cr_expect_eq(log.sent[1].sport, 7);
	/* never a RST for a RST */
	struct segment rst = syn_from(40000, TH_RST);
	cr_expect_eq(nat_outbound(&n, &rst, &out), DROP_NAT_NO_MAPPING);
	cr_expect_eq(log.nsent, 2);
	cr_expect_eq(n.st.rsts, 2);
	nat_destroy(&n);
	eng_destroy(&e);
}

/* ---- miss policies: consequences at both ends ------------------------------------- */

#define IDLE_A "[scenario]\nduration = 3h\n[A]\nso_keepalive = on\n[link]\ndelay = 10ms\n"

Test(nat, outbound_drop_means_etimedout_for_a_and_half_open_b)
{
	struct capture *c = cap_run(IDLE_A "[nat]\npreset = azure-lb\n", NULL, 0);
	cr_assert(c->ended[HOST_A]);
	cr_expect_eq(c->end[HOST_A].why, END_KEEPALIVE);
	cr_expect_eq(c->end[HOST_A].error, KS_ETIMEDOUT);
	cr_expect_eq(c->end_time[HOST_A], HS + 7200 * SEC + 9 * 75 * SEC);
	cr_expect_not(c->ended[HOST_B]); /* its RST died at the NAT too: B never knows */
	cr_expect_eq(c->sim->host[HOST_B].sk.state, TCP_ESTABLISHED);
	/* 9 probes + the abort's RST, all nat-no-mapping */
	size_t nm = 0;
	for (size_t i = 0; i < c->npkts; i++)
		nm += c->pkts[i].reason == DROP_NAT_NO_MAPPING;
	cr_expect_eq(nm, 10);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.drops, 10);
	cap_free(c);
}

Test(nat, outbound_rst_means_econnreset_for_a_at_its_first_probe)
{
	struct capture *c = cap_run(IDLE_A "[nat]\npreset = aws-nat-gateway\n", NULL, 0);
	cr_expect_eq(c->end[HOST_A].why, END_RESET);
	cr_expect_eq(c->end[HOST_A].error, KS_ECONNRESET);
	cr_expect_eq(c->end_time[HOST_A], HS + 7200 * SEC);
	cr_expect_not(c->ended[HOST_B]);
	/* the RST reaches A from "B" with no wire delay */
	const struct cap_pkt *last = &c->pkts[c->npkts - 1];
	cr_expect_eq(last->seg.kind, SEG_RST_NAT);
	cr_expect_eq(last->seg.src, HOST_B);
	cr_expect_eq(last->reason, DROP_NONE);
	cr_expect_eq(last->fate, HS + 7200 * SEC);
	cap_free(c);
}

Test(nat, outbound_create_with_port_preservation_survives)
{
	struct capture *c = cap_run(IDLE_A "[nat]\npreset = linux-conntrack\nestablished_timeout = 1h\n",
				    NULL, 0);
	cr_expect_not(c->ended[HOST_A]);
	cr_expect_not(c->ended[HOST_B]);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.created, 2);
	const struct cap_nat *re = cap_nat_nth(c, NATD_CREATED, 1);
	cr_assert_not_null(re);
	cr_expect_eq(re->t, HS + 7200 * SEC);
	cr_expect_eq(re->r.ext_port, 40000);
	cr_expect_eq(re->r.cls, NAT_ESTABLISHED);
	cr_expect_eq(cap_nat_nth(c, NATD_EXPIRED, 0)->t, HS + 3600 * SEC);
	cap_free(c);
}

Test(nat, outbound_create_on_a_new_port_means_b_resets_a)
{
	static const char *const sets[] = { "nat.port_preservation=off" };
	struct capture *c = cap_run(IDLE_A "[nat]\npreset = linux-conntrack\nestablished_timeout = 1h\n",
				    sets, 1);
	cr_expect_eq(cap_nat_nth(c, NATD_CREATED, 0)->r.ext_port, 1024);
	cr_expect_eq(cap_nat_nth(c, NATD_CREATED, 1)->r.ext_port, 1025);
	/* probe at HS + 7200 s reaches B 10 ms later; B's RST reaches A 10 ms after that */
	cr_expect_eq(c->end[HOST_A].error, KS_ECONNRESET);
	cr_expect_eq(c->end_time[HOST_A], HS + 7200 * SEC + 2 * D);
	cr_expect_not(c->ended[HOST_B]);
	cap_free(c);
}

#define IDLE_B "[scenario]\nduration = 3h\n[B]\nso_keepalive = on\ntcp_keepidle = 600\n" \
	       "[link]\ndelay = 10ms\n"

Test(nat, inbound_drop_means_etimedout_for_b)
{
	/* B probes at HSB + 600 s; the mapping expired at HS + 300 s */
	struct capture *c = cap_run(IDLE_B "[nat]\nestablished_timeout = 300\n", NULL, 0);
	cr_expect_eq(c->end[HOST_B].why, END_KEEPALIVE);
	cr_expect_eq(c->end_time[HOST_B], HSB + 600 * SEC + 9 * 75 * SEC);
	cr_expect_not(c->ended[HOST_A]);
	cap_free(c);
}

Test(nat, inbound_rst_means_econnreset_for_b)
{
	struct capture *c = cap_run(IDLE_B "[nat]\nestablished_timeout = 300\ninbound_miss = rst\n",
				    NULL, 0);
	cr_expect_eq(c->end[HOST_B].error, KS_ECONNRESET);
	/* the probe reaches the NAT after D, its RST is back at B after another D */
	cr_expect_eq(c->end_time[HOST_B], HSB + 600 * SEC + 2 * D);
	cr_expect_not(c->ended[HOST_A]);
	cap_free(c);
}

Test(nat, rst_on_expiry_resets_both_ends)
{
	struct capture *c = cap_run("[scenario]\nduration = 1h\n[link]\ndelay = 10ms\n"
				    "[nat]\npreset = azure-lb\nrst_on_expiry = on\n", NULL, 0);
	cr_expect_eq(c->end[HOST_A].error, KS_ECONNRESET);
	cr_expect_eq(c->end_time[HOST_A], HS + 240 * SEC);
	cr_expect_eq(c->end[HOST_B].error, KS_ECONNRESET);
	cr_expect_eq(c->end_time[HOST_B], HS + 240 * SEC + D);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.rsts, 2);
	cap_free(c);
}

Test(nat, flush_and_reboot)
{
	/* flush at 100 s: A's probe at HS + 200 s gets the NAT Gateway's RST */
	struct capture *c = cap_run("[scenario]\nduration = 1h\n[A]\nso_keepalive = on\ntcp_keepidle = 200\n"
				    "[link]\ndelay = 10ms\n[nat]\npreset = aws-nat-gateway\n"
				    "[events]\n100s = nat flush\n", NULL, 0);
	cr_expect_eq(cap_nat_nth(c, NATD_FLUSHED, 0)->t, 100 * SEC);
	cr_expect_eq(c->end[HOST_A].error, KS_ECONNRESET);
	cr_expect_eq(c->end_time[HOST_A], HS + 200 * SEC);
	cap_free(c);
	/* no port preservation: after a flush the allocator moves on (B resets A);
	 * after a reboot it starts again at 1024, the old port (survives) */
	c = cap_run(IDLE_A "[nat]\npreset = linux-conntrack\nport_preservation = off\n"
		    "[events]\n100s = nat flush\n", NULL, 0);
	cr_expect_eq(c->end[HOST_A].error, KS_ECONNRESET);
	cr_expect_eq(c->end_time[HOST_A], HS + 7200 * SEC + 2 * D);
	cap_free(c);
	c = cap_run(IDLE_A "[nat]\npreset = linux-conntrack\nport_preservation = off\n"
		    "[events]\n100s = nat reboot\n", NULL, 0);
	cr_expect_not(c->ended[HOST_A]);
	cr_expect_eq(cap_nat_nth(c, NATD_CREATED, 1)->r.ext_port, 1024);
	cap_free(c);
}

Test(nat, translation_is_visible_to_b_and_in_seg_out)
{
	struct capture *c = cap_run("[scenario]\nduration = 1s\n[link]\ndelay = 10ms\n"
				    "[nat]\nport_preservation = off\next_addr = 198.18.0.1\n", NULL, 0);
	cr_expect_eq(c->sim->host[HOST_B].sk.daddr, 0xC6120001u); /* 198.18.0.1 */
	cr_expect_eq(c->sim->host[HOST_B].sk.dport, 1024);
	cr_assert_geq(c->npkts, 3);
	/* A's SYN: seg as A sent it, seg_out translated */
	cr_expect_eq(c->pkts[0].seg.sport, 40000);
	cr_expect(c->pkts[0].has_out);
	cr_expect_eq(c->pkts[0].out.sport, 1024);
	cr_expect_eq(c->pkts[0].out.saddr, 0xC6120001u);
	/* B's SYN-ACK: seg to the outside tuple, seg_out to A's */
	cr_expect_eq(c->pkts[1].seg.dport, 1024);
	cr_expect(c->pkts[1].has_out);
	cr_expect_eq(c->pkts[1].out.dport, 40000);
	cr_expect_eq(c->pkts[1].out.daddr, 0xC000020Au);
	cap_free(c);
	/* no NAT: no seg_out */
	c = cap_run("[scenario]\nduration = 1s\n", NULL, 0);
	cr_expect_not(c->pkts[0].has_out);
	cap_free(c);
}

/* ---- background load ----------------------------------------------------------------- */

Test(nat, background_load_fills_the_table_and_is_deterministic)
{
	const char *text = "[scenario]\nduration = 2h\n[nat]\ncapacity = 500\nbg_rate = 2\n"
			   "bg_lifetime = 5m\nbg_interval = 20s\n";
	struct capture *a = cap_run(text, NULL, 0), *b = cap_run(text, NULL, 0);
	const struct nat_stats *s = &a->sim->box[NAT_BOX_NAT].st, *t = &b->sim->box[NAT_BOX_NAT].st;
	cr_expect_eq(s->peak, 500);
	cr_expect_eq(s->bg_evicted, 13815); /* seeded Poisson arrivals, pinned */
	cr_expect_leq(nat_count(&a->sim->box[NAT_BOX_NAT]), 500);
	/* Poisson arrivals: 2/s over 7200 s = 14400 expected, sd 120 */
	cr_expect(s->bg_flows > 14400 - 600 && s->bg_flows < 14400 + 600, "%llu flows",
		  (unsigned long long)s->bg_flows);
	cr_expect_eq(s->bg_flows, t->bg_flows);
	cr_expect_eq(s->bg_evicted, t->bg_evicted);
	cr_expect_eq(s->bg_segments, t->bg_segments);
	cr_expect_eq(s->bg_expired, t->bg_expired);
	/* the idle connection's mapping is the LRU once the table is full: evicted */
	cr_expect_eq(s->evicted, 1);
	cap_free(a);
	cap_free(b);
}

Test(nat, background_flows_that_end_silent_linger_until_the_timeout)
{
	/* 1 flow/s, lifetime ~10 s, no eviction: each mapping lingers
	 * established_timeout (60 s) after its last segment, then expires. */
	struct capture *c = cap_run("[scenario]\nduration = 1h\n[nat]\nestablished_timeout = 60\n"
				    "bg_rate = 1\nbg_lifetime = 10\nbg_interval = 5\nbg_end = silent\n",
				    NULL, 0);
	const struct nat_stats *s = &c->sim->box[NAT_BOX_NAT].st;
	cr_expect_eq(s->bg_evicted, 0);
	cr_expect_eq(s->bg_broken, 0);
	cr_expect_eq(s->bg_expired, 3463); /* seeded arrivals and lifetimes, pinned */
	/* nothing is evicted, the idle connection's mapping expired at 60 s: the
	 * table holds exactly the background flows that have not expired yet */
	cr_expect_eq(s->expired, 1);
	cr_expect_eq(nat_count(&c->sim->box[NAT_BOX_NAT]), s->bg_flows - s->bg_expired);
	cap_free(c);
}

Test(nat, background_traffic_patterns_are_drawn_per_flow)
{
	/* Two patterns: a segment every 1 s, or every 1000 s. Lifetimes are
	 * exponential with mean L = 100 s, so a flow sends 1 segment when it opens
	 * plus ceil(life / interval) more. E[ceil(X / d)] for X ~ Exp(L) is
	 * 1 / (1 - exp(-d / L)): 1/(1 - e^-0.01) = 100.50 for d = 1 s, and
	 * 1/(1 - e^-10) = 1.0000454 for d = 1000 s. With each pattern drawn with
	 * probability 1/2, segments per flow = 1 + (100.50 + 1.00) / 2 = 51.75;
	 * with the 1 s pattern alone, 1 + 100.50 = 101.50. Over ~10800 flows the
	 * standard deviation of the mean is about 0.9 (mixed) and 0.1 (single), so
	 * +-5 is more than five of them; flows cut short by the end of the run
	 * (the last ~100 s of 3 h) lower both by under 1 %. */
	const char *mixed = "[scenario]\nduration = 3h\n[nat]\ncapacity = 100000\nbg_rate = 1\n"
			    "bg_lifetime = 100s\nbg_end = silent\nestablished_timeout = 1d\n"
			    "bg_interval = 1s, 1000s\n";
	const char *single = "[scenario]\nduration = 3h\n[nat]\ncapacity = 100000\nbg_rate = 1\n"
			     "bg_lifetime = 100s\nbg_end = silent\nestablished_timeout = 1d\n"
			     "bg_interval = 1s\n";
	struct capture *a = cap_run(mixed, NULL, 0), *b = cap_run(single, NULL, 0);
	const struct nat_stats *s = &a->sim->box[NAT_BOX_NAT].st, *t = &b->sim->box[NAT_BOX_NAT].st;
	double per_mixed = (double)s->bg_segments / (double)s->bg_flows;
	double per_single = (double)t->bg_segments / (double)t->bg_flows;
	double e_short = 1.0 / (1.0 - exp(-1.0 / 100.0)), e_long = 1.0 / (1.0 - exp(-10.0));
	cr_expect(fabs(per_mixed - (1 + (e_short + e_long) / 2)) < 5, "mixed: %.2f per flow", per_mixed);
	cr_expect(fabs(per_single - (1 + e_short)) < 5, "single: %.2f per flow", per_single);
	cr_expect_eq(s->bg_evicted, 0);
	cap_free(a);
	cap_free(b);
}

/* ---- outputs ---------------------------------------------------------------------------- */

Test(nat, json_has_a_nat_section_and_drop_reasons)
{
	struct diag d = {0};
	struct scenario *sc = scenario_parse_string("t.ini", IDLE_A "[nat]\npreset = azure-lb\n", NULL, 0, &d);
	cr_assert_not_null(sc);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct output_opts oo = {0};
	struct sink *k = json_sink_new(f, &oo);
	struct sim *s = malloc(sizeof(*s));
	sim_init(s, sc);
	sim_add_sink(s, k);
	sim_run(s);
	sim_destroy(s);
	free(s);
	k->destroy(k);
	fclose(f);
	json_error_t err;
	json_t *j = json_loads(buf, 0, &err);
	cr_assert_not_null(j, "bad JSON: %s", err.text);
	json_t *nat = json_object_get(j, "nat");
	cr_assert_not_null(nat);
	cr_expect_str_eq(json_string_value(json_object_get(nat, "preset")), "azure-lb");
	cr_expect_eq(json_integer_value(json_object_get(nat, "mappings_created")), 1);
	cr_expect_eq(json_integer_value(json_object_get(nat, "expiries")), 1);
	cr_expect_eq(json_integer_value(json_object_get(nat, "evictions")), 0);
	cr_expect_eq(json_integer_value(json_object_get(nat, "drops")), 10);
	cr_expect_eq(json_integer_value(json_object_get(nat, "rsts_sent")), 0);
	cr_expect_eq(json_integer_value(json_object_get(nat, "refreshes")), 2); /* SYN-ACK, ACK */
	json_t *pk = json_object_get(j, "packets");
	size_t i;
	json_t *p;
	size_t nodrop = 0;
	json_array_foreach(pk, i, p) {
		const char *r = json_string_value(json_object_get(p, "reason"));
		if (r && !strcmp(r, "nat-no-mapping")) {
			nodrop++;
			cr_expect_str_eq(json_string_value(json_object_get(p, "where")), "nat");
		}
	}
	cr_expect_eq(nodrop, 10);
	json_decref(j);
	free(buf);
	scenario_free(sc);
	diag_free(&d);
	/* no [nat]: no "nat" section */
	sc = scenario_parse_string("t.ini", "[scenario]\nduration = 1s\n", NULL, 0, &d);
	buf = NULL;
	f = open_memstream(&buf, &len);
	k = json_sink_new(f, &oo);
	s = malloc(sizeof(*s));
	sim_init(s, sc);
	sim_add_sink(s, k);
	sim_run(s);
	sim_destroy(s);
	free(s);
	k->destroy(k);
	fclose(f);
	j = json_loads(buf, 0, &err);
	cr_assert_not_null(j);
	cr_expect_null(json_object_get(j, "nat"));
	json_decref(j);
	free(buf);
	scenario_free(sc);
}

Test(nat, text_timeline_shows_the_decisions)
{
	struct diag d = {0};
	static const char *const exact[] = { "scenario.timer=exact" }; /* the formula's times */
	struct scenario *sc = scenario_parse_string("t.ini", IDLE_A "[nat]\npreset = aws-nat-gateway\n",
						   exact, 1, &d);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct output_opts oo = {0};
	struct sink *k = text_sink_new(f, &oo);
	struct sim *s = malloc(sizeof(*s));
	sim_init(s, sc);
	sim_add_sink(s, k);
	sim_run(s);
	sim_destroy(s);
	free(s);
	k->destroy(k);
	fclose(f);
	cr_expect(strstr(buf, "      0.000000 NAT: mapping 192.0.2.10:40000 <-> 203.0.113.1:1024 "
			      "(to 198.51.100.20:443) created by A's SYN: transitory, "
			      "transitory_timeout 350 s\n") != NULL, "%s", buf);
	cr_expect(strstr(buf, "    350.020000 NAT: mapping 192.0.2.10:40000 <-> 203.0.113.1:1024 "
			      "expired: idle 350 s >= established_timeout 350 s\n") != NULL);
	cr_expect(strstr(buf, "   7200.020000 NAT: sends a RST to A (no mapping)\n") != NULL);
	cr_expect(strstr(buf, "(dropped: the NAT has no mapping for it)") != NULL);
	free(buf);
	scenario_free(sc);
	diag_free(&d);
}

/* ---- the shipped scenarios ------------------------------------------------------------- */

Test(nat, scenario_nat_idle_timeout)
{
	struct capture *c = cap_run_file("nat-idle-timeout.ini", NULL, 0);
	cr_expect_eq(c->end[HOST_A].error, KS_ECONNRESET);
	cr_expect_eq(c->end_time[HOST_A], HS + 7200 * SEC);
	cr_expect_not(c->ended[HOST_B]);
	cr_expect_eq(cap_nat_nth(c, NATD_EXPIRED, 0)->t, HS + 350 * SEC);
	cap_free(c);
	static const char *const sets[] = { "A.tcp_keepidle=300" };
	c = cap_run_file("nat-idle-timeout.ini", sets, 1);
	cr_expect_not(c->ended[HOST_A]);
	cr_expect_not(c->ended[HOST_B]);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.expired, 0);
	/* each probe cycle: 300 s idle + one 20 ms round trip */
	/* probe k leaves at HS + k x 300 s + (k - 1) x 2D = k x (300 s + 2D) */
	cr_expect_eq(c->sim->host[HOST_A].sk.probes_sent, (86400 * SEC) / (300 * SEC + 2 * D));
	cap_free(c);
}

Test(nat, scenario_nat_lru)
{
	struct capture *c = cap_run_file("nat-lru.ini", NULL, 0);
	const struct cap_nat *ev = cap_nat_nth(c, NATD_EVICTED, 0);
	cr_assert_not_null(ev);
	cr_expect_lt(ev->t, HS + 600 * SEC);       /* before the first probe */
	cr_expect_lt(ev->r.idle, 1800 * SEC);      /* long before the idle timeout */
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.expired, 0);
	cr_expect_eq(c->end[HOST_A].why, END_KEEPALIVE);
	cr_expect_eq(c->end_time[HOST_A], HS + 600 * SEC + 9 * 75 * SEC);
	cr_expect_not(c->ended[HOST_B]);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.peak, 4096);
	cap_free(c);
}

Test(nat, scenario_nat_recreate)
{
	struct capture *c = cap_run_file("nat-recreate.ini", NULL, 0);
	cr_expect_not(c->ended[HOST_A]);
	cr_expect_not(c->ended[HOST_B]);
	cr_expect_eq(cap_nat_nth(c, NATD_EXPIRED, 0)->t, HS + 3600 * SEC);
	cr_expect_eq(cap_nat_nth(c, NATD_CREATED, 1)->t, HS + 7200 * SEC);
	cr_expect_eq(cap_nat_nth(c, NATD_CREATED, 1)->r.ext_port, 40000);
	cap_free(c);
	static const char *const sets[] = { "nat.port_preservation=off" };
	c = cap_run_file("nat-recreate.ini", sets, 1);
	cr_expect_eq(c->end[HOST_A].error, KS_ECONNRESET);
	cr_expect_eq(c->end_time[HOST_A], HS + 7200 * SEC + 2 * D);
	cr_expect_not(c->ended[HOST_B]);
	cap_free(c);
}

/* Background tuples are synthetic: no lookup ever finds one (they are not in
 * the hash tables). Flow 5's tuple is 10.0.0.0:1029 -> 100.64.0.5:443 (inside
 * 10.0.0.0/8 from the flow's id, port 1024 + id, remote 100.64.0.0/10 from
 * the id; flows open at 2/s, so flow 5 at about 3 s); a connection with
 * exactly that tuple, whose keepalives (every 60 s from 60 s) all come after
 * flow 5 opened, behaves exactly like one at the default addresses: same
 * segments, same NAT decisions, same counts. */
Test(nat, background_tuples_never_match_a_lookup)
{
	const char *load = "[scenario]\nduration = 2h\n[A]\nso_keepalive = on\ntcp_keepidle = 60\n"
			   "tcp_keepintvl = 60\n[nat]\ncapacity = 5000\nbg_rate = 2\n"
			   "bg_lifetime = 5m\nbg_interval = 20s\nport_preservation = on\n";
	char text[512];
	snprintf(text, sizeof(text), "%s[A]\naddr = 10.0.0.0:1029\n[B]\naddr = 100.64.0.5:443\n",
		 load);
	struct capture *a = cap_run(load, NULL, 0), *b = cap_run(text, NULL, 0);
	const struct nat_stats *s = &a->sim->box[NAT_BOX_NAT].st, *t = &b->sim->box[NAT_BOX_NAT].st;
	cr_expect_eq(t->bg_flows, 14315, "flow 5 opened"); /* seeded Poisson arrivals (mean 14400), pinned */
	cr_expect_eq(s->created, 1);
	cr_expect_eq(t->created, s->created);
	cr_expect_eq(t->refreshes, s->refreshes);
	/* a zero-delay link: the SYN creates the mapping, the SYN-ACK and ACK
	 * refresh it, then a probe and its ACK at 60 k s for k = 1..120 (7200 s
	 * is the duration, included): 2 + 240 refreshes, 243 translated */
	cr_expect_eq(t->refreshes, 242, "keepalives through the NAT");
	cr_expect_eq(t->translated, 243);
	cr_expect_eq(t->translated, s->translated);
	cr_expect_eq(t->drops, s->drops);
	cr_expect_eq(t->bg_flows, s->bg_flows);
	cr_expect_eq(t->bg_segments, s->bg_segments);
	cr_expect_eq(t->bg_evicted, s->bg_evicted);
	cr_expect_eq(t->bg_expired, s->bg_expired);
	cr_expect_eq(a->npkts, b->npkts);
	cr_expect_eq(a->ended[HOST_A], b->ended[HOST_A]);
	cr_expect_eq(nat_count(&a->sim->box[NAT_BOX_NAT]), nat_count(&b->sim->box[NAT_BOX_NAT]));
	cap_free(a);
	cap_free(b);
}

/* outbound_miss = invalid-passthrough: conntrack with tcp_loose = 0 marks
 * A's first probe after the expiry INVALID; with no "ct state invalid drop"
 * rule the router forwards it untranslated, from A's inside address. B has no
 * connection with that tuple and answers with a RST to the inside address,
 * which comes back the same way (INVALID, routed as it is). A accepts it:
 * seq = the probe's ACK number = A's rcv_nxt (tcp_v4_send_reset()).
 * Established 3 s, keepidle 5 s, 10 ms each way: the mapping expires at
 * HS + 3 s, the probe leaves at HS + 5 s, ECONNRESET at HS + 5 s + 2 D. */
#define PASSTHROUGH(MISS)                                                                          \
	"[scenario]\nduration = 30\n[A]\nso_keepalive = on\ntcp_keepidle = 5\ntcp_keepintvl = 1\n"      \
	"tcp_keepcnt = 3\n[link]\ndelay = 10ms\n[nat]\npreset = linux-conntrack\n"                       \
	"established_timeout = 3\noutbound_miss = " MISS "\n"

Test(nat, invalid_passthrough_probe_leaves_untranslated_and_b_resets)
{
	struct capture *c = cap_run(PASSTHROUGH("invalid-passthrough"), NULL, 0);
	cr_expect_eq(cap_nat_nth(c, NATD_EXPIRED, 0)->t, HS + 3 * SEC);
	const struct cap_nat *out = cap_nat_nth(c, NATD_PASSED, 0), *back = cap_nat_nth(c, NATD_PASSED, 1);
	cr_assert_not_null(out);
	cr_assert_not_null(back);
	cr_expect_eq(out->t, HS + 5 * SEC);
	cr_expect_eq(out->r.dir, HOST_A);
	cr_expect_eq(back->t, HS + 5 * SEC + 2 * D);
	cr_expect_eq(back->r.dir, HOST_B);
	cr_expect_null(cap_nat_nth(c, NATD_PASSED, 2));
	/* the probe on the outside: A's own address and port, not the NAT's */
	const struct cap_pkt *probe = NULL;
	for (size_t i = 0; i < c->npkts && !probe; i++)
		if (c->pkts[i].seg.kind == SEG_KA_PROBE)
			probe = &c->pkts[i];
	cr_assert_not_null(probe);
	cr_assert(probe->has_out);
	cr_expect_eq(probe->out.saddr, 0xC000020Au); /* 192.0.2.10, untranslated */
	cr_expect_eq(probe->out.sport, 40000);
	cr_expect_eq(c->end[HOST_A].why, END_RESET);
	cr_expect_eq(c->end[HOST_A].error, KS_ECONNRESET);
	cr_expect_eq(c->end_time[HOST_A], HS + 5 * SEC + 2 * D);
	cr_expect_not(c->ended[HOST_B]); /* B's own connection is untouched */
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.drops, 0);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.rsts, 0);
	cr_expect_eq(c->sim->box[NAT_BOX_NAT].st.created, 1);
	cap_free(c);
	/* the same router with the drop rule (outbound_miss = drop): three
	 * unanswered probes, ETIMEDOUT at HS + 5 s + 3 x 1 s */
	c = cap_run(PASSTHROUGH("drop"), NULL, 0);
	cr_expect_eq(c->end[HOST_A].error, KS_ETIMEDOUT);
	cr_expect_eq(c->end_time[HOST_A], HS + 8 * SEC);
	cr_expect_eq(cap_nat_count(c, NATD_PASSED), 0);
	cap_free(c);
}
