/*
 * sim_capture.h - run a scenario (text or file) with helpers.h's recorder and
 * view what the link and NAT tests look at: each endpoint's end, every
 * packet's fate, every NAT decision. Static helpers, no global state.
 */
#ifndef KASIM_TEST_SIM_CAPTURE_H
#define KASIM_TEST_SIM_CAPTURE_H

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "helpers.h"

struct cap_pkt {
	struct segment seg, out, mid;
	bool has_out, has_mid, mid_is_out;
	ks_time_t sent, fate;
	enum drop_reason reason;
	int where;
};

struct cap_nat {
	ks_time_t t;
	struct rec_nat r;
};

/* A view of a recorded run (helpers.h's recorder, whose struct run it keeps). */
struct capture {
	struct run run;
	struct scenario *sc;
	struct sim *sim;
	bool ended[NHOSTS];
	struct rec_end end[NHOSTS];
	ks_time_t end_time[NHOSTS];
	struct cap_pkt *pkts;
	size_t npkts;
	struct cap_nat *nats;
	size_t nnats;
};

/* The view of c->run's records. */
static struct capture *cap_view(struct capture *c)
{
	const struct collector *col = &c->run.col;
	c->sc = c->run.sc;
	c->sim = c->run.sim;
	c->pkts = calloc(col->n + 1, sizeof(*c->pkts));
	c->nats = calloc(col->n + 1, sizeof(*c->nats));
	cr_assert(c->pkts && c->nats);
	for (size_t i = 0; i < col->n; i++) {
		const struct rec *x = &col->recs[i];
		const struct pkt *p = &x->u.pkt;
		if (x->type == REC_PACKET)
			c->pkts[c->npkts++] = (struct cap_pkt){
				.seg = p->seg, .has_out = p->has_out, .out = p->seg_out, .sent = p->sent,
				.has_mid = p->has_mid, .mid = p->seg_mid, .mid_is_out = p->mid_is_out,
				.fate = p->fate_time, .reason = p->reason, .where = p->reason_host};
		else if (x->type == REC_NAT)
			c->nats[c->nnats++] = (struct cap_nat){.t = x->t, .r = x->u.nat};
		else if (x->type == REC_END && x->u.end.host < NHOSTS) { /* A, B (not P's legs) */
			c->ended[x->u.end.host] = true;
			c->end[x->u.end.host] = x->u.end;
			c->end_time[x->u.end.host] = x->t;
		}
	}
	return c;
}

/* Parse text (+ --set overrides) and run it; the scenario must be valid. */
__attribute__((unused)) static struct capture *cap_run(const char *text, const char *const *sets,
						       size_t nsets)
{
	struct capture *c = calloc(1, sizeof(*c));
	cr_assert_not_null(c);
	run_ini(text, sets, nsets, &c->run);
	return cap_view(c);
}

/* Load scenarios/NAME (from $KASIM_ROOT) and run it. */
__attribute__((unused)) static struct capture *cap_run_file(const char *name, const char *const *sets,
							    size_t nsets)
{
	struct capture *c = calloc(1, sizeof(*c));
	cr_assert_not_null(c);
	run_file(name, sets, nsets, &c->run);
	return cap_view(c);
}

__attribute__((unused)) static void cap_free(struct capture *c)
{
	run_free(&c->run);
	free(c->pkts);
	free(c->nats);
	free(c);
}

/* The i-th NAT record with this decision (0-based), or NULL. */
__attribute__((unused)) static const struct cap_nat *cap_nat_nth(const struct capture *c,
								 enum nat_decision d, size_t i)
{
	for (size_t k = 0; k < c->nnats; k++)
		if (c->nats[k].r.decision == d && i-- == 0)
			return &c->nats[k];
	return NULL;
}

__attribute__((unused)) static size_t cap_nat_count(const struct capture *c, enum nat_decision d)
{
	size_t n = 0;
	for (size_t k = 0; k < c->nnats; k++)
		n += c->nats[k].r.decision == d;
	return n;
}

/* The scenario must fail with exactly this one message. */
__attribute__((unused)) static void cap_expect_error(const char *text, const char *want)
{
	struct diag d = {0};
	struct scenario *sc = scenario_parse_string("t.ini", text, NULL, 0, &d);
	cr_expect_null(sc, "accepted: %s", text);
	cr_expect_eq(d.n, 1, "%zu messages for: %s (first: %s)", d.n, text, d.n ? d.msg[0] : "");
	if (d.n >= 1)
		cr_expect_str_eq(d.msg[0], want);
	scenario_free(sc);
	diag_free(&d);
}


#endif
