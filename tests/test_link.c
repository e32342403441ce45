/*
 * test_link.c - the wire: per-direction values and their syntax, loss
 * statistics (Bernoulli and Gilbert-Elliott), seeded determinism, jitter with
 * and without reordering, link down/up, partitions, and the shipped
 * flaky-link and one-way scenarios.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "link.h"
#include "sim_capture.h"

/* ---- syntax ---------------------------------------------------------------------- */

Test(link, per_direction_keys_win_over_the_plain_key_in_any_order)
{
	static const char *const sets[] = { "link.jitter.b_to_a=3ms" };
	struct diag d = {0};
	struct scenario *s = scenario_parse_string(
		"t.ini",
		"[link]\ndelay.b_to_a = 30ms\ndelay = 10ms\nloss = 0.25\nloss.a_to_b = 0.5\n"
		"ge_p = 0.01\nge_r = 0.5\nge_loss.b_to_a = 0.75\njitter = 1ms\nreorder = on\n",
		sets, 1, &d);
	cr_assert_not_null(s, "%s", d.n ? d.msg[0] : "");
	const struct link_dir *ab = &s->link.dir[HOST_A], *ba = &s->link.dir[HOST_B];
	cr_expect_eq(ab->delay, 10 * MS);
	cr_expect_eq(ba->delay, 30 * MS);
	cr_expect(ab->loss == 0.5 && ba->loss == 0.25);
	cr_expect(ab->ge_p == 0.01 && ba->ge_p == 0.01);
	cr_expect(ab->ge_r == 0.5 && ba->ge_r == 0.5);
	cr_expect(ab->ge_loss == 1.0 && ba->ge_loss == 0.75);
	cr_expect_eq(ab->jitter, 1 * MS);
	cr_expect_eq(ba->jitter, 3 * MS);
	cr_expect(s->link.reorder);
	scenario_free(s);
	diag_free(&d);
}

Test(link, bad_values_rejected_with_file_and_line)
{
	cap_expect_error("[link]\nloss = 1.5\n", "t.ini:2: loss = 1.5 is out of range (a probability, 0..1)");
	cap_expect_error("[link]\nloss = -0.1\n", "t.ini:2: loss = -0.1 is not a number (a probability, 0..1)");
	cap_expect_error("[link]\nloss.a_to_b = lots\n",
			 "t.ini:2: loss.a_to_b = lots is not a number (a probability, 0..1)");
	cap_expect_error("[link]\n\nge_p = 2\n", "t.ini:3: ge_p = 2 is out of range (a probability, 0..1)");
	cap_expect_error("[link]\nge_r = 1e-3\n", "t.ini:2: ge_r = 1e-3 is not a number (a probability, 0..1)");
	cap_expect_error("[link]\nge_loss.b_to_a = nan\n",
			 "t.ini:2: ge_loss.b_to_a = nan is not a number (a probability, 0..1)");
	cap_expect_error("[link]\njitter = 2d\n", "t.ini:2: jitter = 2d is out of range (0..1d)");
	cap_expect_error("[link]\ndelay.a_to_c = 1\n",
			 "t.ini:2: unknown key 'delay.a_to_c' in [link] (did you mean 'delay.a_to_b'?)");
	cap_expect_error("[link]\nreorder = sometimes\n",
			 "t.ini:2: reorder = sometimes is not a boolean (on/off, yes/no, true/false or 1/0)");
	cap_expect_error("[events]\n1s = link loss 1.01\n",
			 "t.ini:2: link loss: 1.01 is out of range (a probability, 0..1)");
	cap_expect_error("[events]\n1s = link loss x\n",
			 "t.ini:2: link loss: 'x' is not a number (a probability, 0..1)");
	cap_expect_error("[events]\n1s = link sideways\n",
			 "t.ini:2: link: expected 'link down', 'link up', 'link loss P' or 'link delay D "
			 "[jitter J]'");
	cap_expect_error("[events]\n1s = partition A-B\n",
			 "t.ini:2: partition: expected 'partition A->B' or 'partition B->A' "
			 "(the direction that fails)");
	cap_expect_error("[events]\n1s = heal now\n",
			 "t.ini:2: 'heal' takes no argument (heal ends every partition)");
}

Test(link, path_events_parse)
{
	struct diag d = {0};
	struct scenario *s = scenario_parse_string(
		"t.ini",
		"[nat]\n[events]\n1 = link down\n2 = link up\n3 = link loss 0.5\n4 = partition A->B\n"
		"5 = partition B->A\n6 = heal\n7 = nat flush\n8 = nat reboot\n9 = link delay 50ms\n"
		"10 = link delay 10ms jitter 2ms\n11 = link delay A->B 7ms\n12 = link delay B->A 0 jitter 1ms\n",
		NULL, 0, &d);
	cr_assert_not_null(s, "%s", d.n ? d.msg[0] : "");
	/* link delay: arg = the delay, jitter; host = the direction's sender */
	static const struct { enum action a; int host; ks_time_t arg, jitter; } want[] = {
		{ ACT_LINK_DOWN, -1, 0, 0 }, { ACT_LINK_UP, -1, 0, 0 }, { ACT_LINK_LOSS, -1, 0, 0 },
		{ ACT_PARTITION, HOST_A, 0, 0 }, { ACT_PARTITION, HOST_B, 0, 0 }, { ACT_HEAL, -1, 0, 0 },
		{ ACT_NAT_FLUSH, -1, 0, 0 }, { ACT_NAT_REBOOT, -1, 0, 0 },
		{ ACT_LINK_DELAY, -1, 50 * MS, 0 }, { ACT_LINK_DELAY, -1, 10 * MS, 2 * MS },
		{ ACT_LINK_DELAY, HOST_A, 7 * MS, 0 }, { ACT_LINK_DELAY, HOST_B, 0, MS },
	};
	cr_assert_eq(s->nevents, 12);
	for (size_t i = 0; i < 12; i++) {
		cr_expect_eq(s->events[i].action, want[i].a, "event %zu", i);
		cr_expect_eq(s->events[i].host, want[i].host, "event %zu", i);
		cr_expect_eq(s->events[i].at, (ks_time_t)(i + 1) * SEC);
		cr_expect_eq(s->events[i].arg, want[i].arg, "event %zu", i);
		cr_expect_eq(s->events[i].jitter, want[i].jitter, "event %zu", i);
	}
	cr_expect(s->events[2].p == 0.5);
	scenario_free(s);
	diag_free(&d);
}

/* ---- loss statistics -------------------------------------------------------------- */

static void no_arrival(struct engine *e, struct ev_timer *t)
{
	(void)e;
	(void)link_arrival(t);
}

Test(link, bernoulli_loss_rate)
{
	struct engine e;
	struct link l;
	struct link_config cfg = {0};
	const double p = 0.1;
	const long n = 400000;
	cfg.dir[HOST_A].loss = p;
	eng_init(&e);
	link_init(&l, &e, &cfg, 42, no_arrival, NULL);
	long lost = 0;
	for (long i = 0; i < n; i++)
		lost += link_lose(&l, HOST_A);
	double rate = (double)lost / (double)n, sd = sqrt(p * (1 - p) / (double)n);
	cr_expect(fabs(rate - p) < 5 * sd, "rate %f, want %f +- %f", rate, p, 5 * sd);
	/* the other direction has no loss and draws nothing */
	for (int i = 0; i < 1000; i++)
		cr_expect_not(link_lose(&l, HOST_B));
	link_destroy(&l);
	eng_destroy(&e);
}

Test(link, gilbert_elliott_loss_rate_and_burst_length)
{
	struct engine e;
	struct link l;
	struct link_config cfg = {0};
	const double gp = 0.01, gr = 0.25; /* bursts of 1/gr = 4 segments on average */
	const long n = 2000000;
	cfg.dir[HOST_B].ge_p = gp;
	cfg.dir[HOST_B].ge_r = gr;
	cfg.dir[HOST_B].ge_loss = 1.0; /* Gilbert: the bad state loses everything */
	cfg.dir[HOST_B].loss = 0.0;
	eng_init(&e);
	link_init(&l, &e, &cfg, 7, no_arrival, NULL);
	long lost = 0, bursts = 0, run = 0;
	for (long i = 0; i < n; i++) {
		if (link_lose(&l, HOST_B)) {
			lost++;
			run++;
		} else if (run) {
			bursts++;
			run = 0;
		}
	}
	double rate = (double)lost / (double)n, want = gp / (gp + gr);
	double mean_burst = (double)lost / (double)bursts;
	/* loss runs are the bad state's sojourns: geometric, mean 1/gr, sd sqrt(1-gr)/gr;
	 * about n x want x gr = 19000 bursts -> 5 sd of the mean ~ 0.13 */
	double burst_sd = sqrt(1 - gr) / gr / sqrt((double)bursts);
	cr_expect(fabs(mean_burst - 1 / gr) < 5 * burst_sd, "mean burst %f, want %f", mean_burst, 1 / gr);
	/* the rate's variance is inflated by the chain's correlation (1 - gp - gr) */
	double rho = 1 - gp - gr;
	double rate_sd = sqrt(want * (1 - want) * (1 + rho) / (1 - rho) / (double)n);
	cr_expect(fabs(rate - want) < 5 * rate_sd, "rate %f, want %f +- %f", rate, want, 5 * rate_sd);
	link_destroy(&l);
	eng_destroy(&e);
}

Test(link, loss_certain_and_never_draw_nothing)
{
	struct engine e;
	struct link l;
	struct link_config cfg = {0};
	cfg.dir[HOST_A].loss = 1.0;
	eng_init(&e);
	link_init(&l, &e, &cfg, 1, no_arrival, NULL);
	struct rng before = l.rng;
	for (int i = 0; i < 100; i++) {
		cr_expect(link_lose(&l, HOST_A));
		cr_expect_not(link_lose(&l, HOST_B));
	}
	cr_expect_eq(l.rng.state, before.state);
	link_destroy(&l);
	eng_destroy(&e);
}

/* ---- seeded determinism -------------------------------------------------------------- */

static bool same_fates(const struct capture *a, const struct capture *b)
{
	if (a->npkts != b->npkts)
		return false;
	for (size_t i = 0; i < a->npkts; i++)
		if (a->pkts[i].reason != b->pkts[i].reason || a->pkts[i].fate != b->pkts[i].fate)
			return false;
	return true;
}

Test(link, the_same_seed_gives_the_same_losses)
{
	const char *text = "[scenario]\nduration = 2h\nseed = 99\n[A]\nso_keepalive = on\n"
			   "tcp_keepidle = 10\ntcp_keepintvl = 5\ntcp_keepcnt = 20\n"
			   "[link]\ndelay = 10ms\nloss = 0.2\njitter = 5ms\nge_p = 0.02\nge_r = 0.3\n";
	static const char *const other[] = { "scenario.seed=100" };
	struct capture *a = cap_run(text, NULL, 0), *b = cap_run(text, NULL, 0);
	struct capture *c = cap_run(text, other, 1);
	cr_expect(same_fates(a, b));
	cr_expect_not(same_fates(a, c));
	size_t lost = 0;
	for (size_t i = 0; i < a->npkts; i++)
		lost += a->pkts[i].reason == DROP_LINK_LOSS;
	cr_expect_eq(lost, 50); /* seeded draws (seed 99), pinned */
	cr_expect_eq(lost, a->sim->link.lost[HOST_A] + a->sim->link.lost[HOST_B]);
	/* the endpoints' ISNs do not depend on the link's draws */
	struct capture *d = cap_run("[scenario]\nduration = 2h\nseed = 99\n", NULL, 0);
	cr_expect_eq(a->sim->host[HOST_A].sk.iss, d->sim->host[HOST_A].sk.iss);
	cap_free(a);
	cap_free(b);
	cap_free(c);
	cap_free(d);
}

/* ---- delay and jitter -------------------------------------------------------------------- */

struct arrivals {
	uint64_t id[4096];
	ks_time_t at[4096], sent[4096];
	size_t n;
	struct engine *e;
};

static void record_arrival(struct engine *e, struct ev_timer *t)
{
	(void)e;
	const struct link_arrival *a = link_arrival(t);
	struct arrivals *r = a->ctx;
	r->id[r->n] = a->seg->id;
	r->sent[r->n] = a->sent;
	r->at[r->n++] = r->e->now;
}

static void jitter_run(bool reorder, struct arrivals *r)
{
	struct engine e;
	struct link l;
	struct link_config cfg = {0};
	cfg.dir[HOST_A].delay = 10 * MS;
	cfg.dir[HOST_A].jitter = 50 * MS;
	cfg.reorder = reorder;
	eng_init(&e);
	r->e = &e;
	link_init(&l, &e, &cfg, 3, record_arrival, r);
	for (uint64_t i = 1; i <= 2000; i++) {
		eng_run(&e, (ks_time_t)i * MS); /* one segment a millisecond */
		struct segment s = {.id = i, .src = HOST_A, .dst = HOST_B};
		cr_assert_eq(link_send(&l, &s, NULL), DROP_NONE);
	}
	eng_run(&e, 10 * SEC);
	link_destroy(&l);
	eng_destroy(&e);
}

Test(link, jitter_without_reordering_keeps_fifo)
{
	static struct arrivals r;
	jitter_run(false, &r);
	cr_assert_eq(r.n, 2000);
	for (size_t i = 0; i < r.n; i++) {
		cr_expect_eq(r.id[i], i + 1);
		cr_expect_geq(r.at[i], r.sent[i] + 10 * MS);
		/* at most the largest delay, or right behind the segment before it */
		ks_time_t bound = r.sent[i] + 60 * MS;
		if (i > 0 && r.at[i - 1] > bound)
			bound = r.at[i - 1];
		cr_expect_leq(r.at[i], bound);
	}
}

Test(link, jitter_with_reordering_reorders_within_bounds)
{
	static struct arrivals r;
	jitter_run(true, &r);
	cr_assert_eq(r.n, 2000);
	size_t inversions = 0;
	for (size_t i = 0; i < r.n; i++) {
		cr_expect_geq(r.at[i], r.sent[i] + 10 * MS);
		cr_expect_leq(r.at[i], r.sent[i] + 60 * MS);
		inversions += i > 0 && r.id[i] < r.id[i - 1];
	}
	cr_expect_eq(inversions, 971); /* seeded jitter draws, pinned */
}

Test(link, per_direction_delay)
{
	struct capture *c = cap_run("[scenario]\nduration = 1s\n[link]\ndelay.a_to_b = 10ms\n"
				    "delay.b_to_a = 30ms\n", NULL, 0);
	cr_assert_geq(c->npkts, 3);
	cr_expect_eq(c->pkts[0].fate, 10 * MS);            /* SYN at B */
	cr_expect_eq(c->pkts[1].fate, 10 * MS + 30 * MS);  /* SYN-ACK at A */
	cr_expect_eq(c->pkts[2].fate, 40 * MS + 10 * MS);  /* ACK at B */
	cap_free(c);
}

/* ---- down, partition, loss events ---------------------------------------------------------- */

#define KA_A "[scenario]\nduration = 1h\n[A]\nso_keepalive = on\ntcp_keepidle = 60\n" \
	     "tcp_keepintvl = 10\ntcp_keepcnt = 3\n[link]\ndelay = 10ms\n"

Test(link, link_down_loses_everything_in_both_directions_until_up)
{
	/* down at 30 s: A's probes from 60.02 s vanish; up at 75 s: the probe at
	 * 80.02 s is answered, and the connection lives on */
	struct capture *c = cap_run(KA_A "[events]\n30s = link down\n75s = link up\n", NULL, 0);
	size_t down = 0;
	for (size_t i = 0; i < c->npkts; i++) {
		if (c->pkts[i].reason == DROP_LINK_DOWN) {
			down++;
			cr_expect_eq(c->pkts[i].where, -1);
			cr_expect(c->pkts[i].sent >= 30 * SEC && c->pkts[i].sent < 75 * SEC);
		}
	}
	cr_expect_eq(down, 2); /* probes at 60.02 and 70.02 s */
	cr_expect_not(c->ended[HOST_A]);
	cap_free(c);
	/* never up: A gives up after 60 + 3 x 10 s of silence */
	c = cap_run(KA_A "[events]\n30s = link down\n", NULL, 0);
	cr_expect_eq(c->end[HOST_A].why, END_KEEPALIVE);
	cr_expect_eq(c->end_time[HOST_A], 20 * MS + 60 * SEC + 3 * 10 * SEC);
	cap_free(c);
}

Test(link, a_segment_in_flight_is_lost_when_the_link_goes_down)
{
	/* delay 1 s: A's ACK of the handshake leaves at 2 s, the link is cut at 2.5 s */
	struct capture *c = cap_run("[scenario]\nduration = 10s\n[link]\ndelay = 1s\n"
				    "[events]\n2500ms = link down\n", NULL, 0);
	const struct cap_pkt *ack = NULL;
	for (size_t i = 0; i < c->npkts; i++)
		if (c->pkts[i].seg.src == HOST_A && c->pkts[i].seg.flags == TH_ACK)
			ack = &c->pkts[i];
	cr_assert_not_null(ack);
	cr_expect_eq(ack->reason, DROP_LINK_DOWN);
	cr_expect_eq(ack->sent, 2 * SEC);
	cr_expect_eq(ack->fate, 3 * SEC);
	cap_free(c);
}

Test(link, partition_is_one_way_and_heal_ends_it)
{
	/* A->B fails at 30 s: A's probes are lost (partition), B never sends */
	struct capture *c = cap_run(KA_A "[events]\n30s = partition A->B\n", NULL, 0);
	cr_expect_eq(c->end[HOST_A].why, END_KEEPALIVE);
	cr_expect_eq(c->end_time[HOST_A], 20 * MS + 60 * SEC + 3 * 10 * SEC);
	for (size_t i = 0; i < c->npkts; i++)
		if (c->pkts[i].sent >= 30 * SEC)
			cr_expect_eq(c->pkts[i].reason, DROP_PARTITION);
	cap_free(c);
	/* B->A fails: the probes arrive but the answers do not: the same end */
	c = cap_run(KA_A "[events]\n30s = partition B->A\n", NULL, 0);
	cr_expect_eq(c->end_time[HOST_A], 20 * MS + 60 * SEC + 3 * 10 * SEC);
	size_t at_b = 0;
	for (size_t i = 0; i < c->npkts; i++)
		at_b += c->pkts[i].seg.src == HOST_A && c->pkts[i].reason == DROP_NONE &&
			c->pkts[i].sent >= 30 * SEC;
	cr_expect_eq(at_b, 4); /* 3 probes and the abort's RST reach B */
	cr_expect_eq(c->end[HOST_B].error, KS_ECONNRESET);
	cap_free(c);
	/* healed at 75 s: the third probe (80.02 s) is answered */
	c = cap_run(KA_A "[events]\n30s = partition A->B\n75s = heal\n", NULL, 0);
	cr_expect_not(c->ended[HOST_A]);
	cap_free(c);
}

Test(link, link_loss_event_changes_the_loss_probability)
{
	struct capture *c = cap_run(KA_A "[events]\n30s = link loss 1\n", NULL, 0);
	cr_expect_eq(c->end_time[HOST_A], 20 * MS + 60 * SEC + 3 * 10 * SEC);
	for (size_t i = 0; i < c->npkts; i++)
		if (c->pkts[i].sent >= 30 * SEC)
			cr_expect_eq(c->pkts[i].reason, DROP_LINK_LOSS);
	cap_free(c);
	c = cap_run(KA_A "[link]\nloss = 1\n[events]\n0 = link loss 0\n", NULL, 0);
	cr_expect_not(c->ended[HOST_A]);
	cap_free(c);
}

/* ---- the shipped scenarios ------------------------------------------------------------------ */

Test(link, scenario_flaky_link)
{
	/* keepcnt 1: A aborts 10 s after the first probe whose round trip failed */
	struct capture *c = cap_run_file("flaky-link.ini", NULL, 0);
	cr_assert(c->ended[HOST_A]);
	cr_expect_eq(c->end[HOST_A].why, END_KEEPALIVE);
	ks_time_t first_fail = 0;
	for (size_t i = 0; i < c->npkts && !first_fail; i++) {
		const struct cap_pkt *p = &c->pkts[i];
		if (p->seg.kind == SEG_KA_PROBE && p->reason == DROP_LINK_LOSS)
			first_fail = p->sent; /* the probe was lost */
		if (p->seg.kind == SEG_KA_ACK && p->reason == DROP_LINK_LOSS)
			first_fail = p->sent - 10 * MS; /* its answer was lost */
	}
	cr_assert_eq(first_fail, 180060000000ULL); /* seeded loss draws, pinned */
	cr_expect_eq(c->end_time[HOST_A], first_fail + 10 * SEC);
	cr_expect_eq(c->end_time[HOST_A] - c->end[HOST_A].last_rx, 60 * SEC + 10 * SEC);
	cap_free(c);
	/* keepcnt 5: the same seed, the connection survives the hour */
	static const char *const sets[] = { "A.tcp_keepcnt=5" };
	c = cap_run_file("flaky-link.ini", sets, 1);
	cr_expect_not(c->ended[HOST_A]);
	cr_expect_not(c->ended[HOST_B]);
	/* seeded loss draws, pinned */
	cr_expect_eq(c->sim->link.lost[HOST_A], 6);
	cr_expect_eq(c->sim->link.lost[HOST_B], 6);
	cap_free(c);
}

Test(link, scenario_one_way)
{
	struct capture *c = cap_run_file("one-way.ini", NULL, 0);
	/* B: RTO 0.22 s doubling to the 120 s cap; 15 retransmissions, then give up */
	ks_time_t t = 120 * SEC, rto = 220 * MS, last = 0;
	for (int k = 1; k <= 15; k++) {
		t += rto;
		last = t;
		rto = rto * 2 > 120 * SEC ? 120 * SEC : rto * 2;
	}
	cr_expect_eq(last, 945 * SEC + 60 * MS);
	cr_expect_eq(c->end[HOST_B].why, END_RTO);
	cr_expect_eq(c->end[HOST_B].error, KS_ETIMEDOUT);
	cr_expect_eq(c->end_time[HOST_B], last + 120 * SEC);
	/* A: last heard from B at the 15th retransmission's arrival */
	cr_expect_eq(c->end[HOST_A].why, END_KEEPALIVE);
	cr_expect_eq(c->end_time[HOST_A], last + 10 * MS + 600 * SEC + 5 * 60 * SEC);
	cap_free(c);
}
