/*
 * sim_capture.h - run a scenario (text or file) through the API and keep what
 * the tests look at: each endpoint's end, every packet's fate, every NAT
 * decision. Static helpers (one copy per test file), no global state.
 */
#ifndef KASIM_TEST_SIM_CAPTURE_H
#define KASIM_TEST_SIM_CAPTURE_H

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "scenario.h"
#include "sim.h"

struct cap_pkt {
	struct segment seg, out;
	bool has_out;
	ks_time_t sent, fate;
	enum drop_reason reason;
	int where;
};

struct cap_nat {
	ks_time_t t;
	struct rec_nat r;
};

struct capture {
	struct sink base;
	struct scenario *sc;
	struct sim *sim;
	bool ended[NHOSTS];
	struct rec_end end[NHOSTS];
	ks_time_t end_time[NHOSTS];
	struct cap_pkt *pkts;
	size_t npkts, pcap;
	struct cap_nat *nats;
	size_t nnats, ncap;
};

static void cap_record(struct sink *s, const struct sim *sim, const struct ks_record *r)
{
	(void)sim;
	struct capture *c = (struct capture *)s;
	switch (r->type) {
	case REC_END:
		c->ended[r->u.end.host] = true;
		c->end[r->u.end.host] = r->u.end;
		c->end_time[r->u.end.host] = r->t;
		break;
	case REC_PACKET:
		if (c->npkts == c->pcap) {
			c->pcap = c->pcap ? 2 * c->pcap : 64;
			c->pkts = realloc(c->pkts, c->pcap * sizeof(*c->pkts));
			cr_assert_not_null(c->pkts);
		}
		c->pkts[c->npkts++] = (struct cap_pkt){
			.seg = *r->u.pkt.seg, .has_out = r->u.pkt.seg_out != NULL,
			.out = r->u.pkt.seg_out ? *r->u.pkt.seg_out : (struct segment){0},
			.sent = r->u.pkt.sent, .fate = r->u.pkt.fate_time, .reason = r->u.pkt.reason,
			.where = r->u.pkt.reason_host};
		break;
	case REC_NAT:
		if (c->nnats == c->ncap) {
			c->ncap = c->ncap ? 2 * c->ncap : 64;
			c->nats = realloc(c->nats, c->ncap * sizeof(*c->nats));
			cr_assert_not_null(c->nats);
		}
		c->nats[c->nnats++] = (struct cap_nat){.t = r->t, .r = r->u.nat};
		break;
	default:
		break;
	}
}

static struct capture *cap_start(struct scenario *sc)
{
	struct capture *c = calloc(1, sizeof(*c));
	cr_assert_not_null(c);
	c->base.record = cap_record;
	c->sc = sc;
	c->sim = malloc(sizeof(*c->sim));
	cr_assert_not_null(c->sim);
	sim_init(c->sim, sc);
	sim_add_sink(c->sim, &c->base);
	sim_run(c->sim);
	return c;
}

/* Parse text (+ --set overrides) and run it; the scenario must be valid. */
__attribute__((unused)) static struct capture *cap_run(const char *text, const char *const *sets,
						       size_t nsets)
{
	struct diag d = {0};
	struct scenario *sc = scenario_parse_string("t.ini", text, sets, nsets, &d);
	cr_assert_not_null(sc, "rejected: %s", d.n ? d.msg[0] : "?");
	diag_free(&d);
	return cap_start(sc);
}

/* Load scenarios/NAME (from $KASIM_ROOT, else the current directory) and run it. */
__attribute__((unused)) static struct capture *cap_run_file(const char *name, const char *const *sets,
							    size_t nsets)
{
	char path[1024];
	const char *root = getenv("KASIM_ROOT");
	snprintf(path, sizeof path, "%s/scenarios/%s", root ? root : ".", name);
	struct diag d = {0};
	struct scenario *sc = scenario_load(path, sets, nsets, &d);
	cr_assert_not_null(sc, "%s rejected: %s", path, d.n ? d.msg[0] : "?");
	diag_free(&d);
	return cap_start(sc);
}

static void cap_free(struct capture *c)
{
	sim_destroy(c->sim);
	free(c->sim);
	scenario_free(c->sc);
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

#define MS KS_MS
#define SEC KS_SEC

#endif
