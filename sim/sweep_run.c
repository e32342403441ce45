/*
 * sweep_run.c - what one run of a sweep measures (sweep_exec.c runs them).
 *
 * One run = two simulations of the point's scenario (docs/sweeps.md):
 *
 *   phase 1, survival: the connection is opened at t = 0 and left idle (apart
 *   from the scenario's own [events]) for the horizon H = [scenario] duration.
 *   At H the application on A sends one byte. The connection survived if
 *   neither end reported an error or ended before, and that byte is
 *   acknowledged; it is lost if either end ended (keepalive abort, RST, ...)
 *   or A's own TCP gives up on the byte (RTO, or a RST from a middlebox).
 *   Overhead is counted over [0, H).
 *
 *   phase 2, detection, once per host that can detect (sweep_may_detect()):
 *   a fresh connection with the same settings; after one healthy keepalive
 *   cycle C = the host's keepidle + round trip, its peer loses power at a
 *   uniformly random moment of the next cycle (fail_at = C + u C, u in
 *   [0, 1) drawn from the sweep seed and the replica number, the same for
 *   every point). The detection time is the host's error minus fail_at,
 *   unless a middlebox took the connection first (RUN_DET_MIDDLEBOX).
 *
 * Both simulations take their seeds from the run's seed only, so a run is a
 * pure function of (sweep, run index), and touches nothing shared.
 */
#include "sweep.h"

#include <stdlib.h>
#include <string.h>

#include "keepalive.h"
#include "rng.h"
#include "sim.h"

#define EXCHANGE_CAP (86400 * KS_SEC) /* safety net: the last byte's answer */
#define STEP KS_SEC                   /* the survival verdict is taken on whole seconds after H */

/* ---- one run ------------------------------------------------------------------ */

/* A copy of sc's events with ev inserted after every event at or before ev.at;
 * *pos gets its index. */
static struct sc_event *events_plus(const struct scenario *sc, const struct sc_event *ev, size_t *pos)
{
	struct sc_event *e = malloc((sc->nevents + 1) * sizeof(*e));
	size_t k = 0;

	if (!e) {
		fputs("kasim: out of memory (sweep run)\n", stderr);
		abort();
	}
	while (k < sc->nevents && sc->events[k].at <= ev->at) {
		e[k] = sc->events[k];
		k++;
	}
	e[k] = *ev;
	*pos = k;
	if (k < sc->nevents)
		memcpy(e + k + 1, sc->events + k, (sc->nevents - k) * sizeof(*e));
	return e;
}

static struct sim *new_sim(const struct scenario *sc)
{
	struct sim *s = malloc(sizeof(*s));
	if (!s) {
		fputs("kasim: out of memory (sweep run)\n", stderr);
		abort();
	}
	sim_init(s, sc);
	return s;
}

/*
 * The survival sink: watches the record stream of phase 1.
 *   - ends: the last REC_END of each host (why, errno, time);
 *   - A's state, from REC_STATE;
 *   - A's data: the end sequence number of the last data segment (or FIN) A
 *     sent after the application's byte at H (its REC_ACTION);
 *   - acked: a segment delivered to A while A is ESTABLISHED acknowledges all
 *     of that data.
 * It is attached 1 ns before H (the run up to there is not traced: nothing
 * before H decides but the ends, which sim_endpoint() reports). When armed,
 * it stops the run at the first end or acknowledgement.
 */
struct survival {
	struct sink sink;
	struct sim *sim;
	const struct sc_event *send;     /* the byte at H */
	bool armed;                      /* stop the run at the first verdict */
	bool sent;                       /* the byte's REC_ACTION went by */
	bool have_data;
	uint32_t data_end;               /* seq after A's last data/FIN since H */
	enum tcp_state a_state;
	bool acked;
	bool ended[NHOSTS];
	struct rec_end end[NHOSTS];
	ks_time_t end_time[NHOSTS];
};

static void survival_packet(struct survival *v, const struct rec_packet *p)
{
	const struct segment *seg = p->seg;
	if (seg->kind == SEG_ICMP)
		return; /* an ICMP error: neither A's data nor an ACK (its fields are the quoted segment's) */
	if (seg->src == HOST_A && seg->dst == HOST_B && seg->kind != SEG_RST_NAT && seg->kind != SEG_RST_LB) {
		if (v->sent && (seg->len || (seg->flags & TH_FIN))) {
			uint32_t end = seg->seq + seg->len + !!(seg->flags & TH_FIN);
			if (!v->have_data || seq_after(end, v->data_end))
				v->data_end = end;
			v->have_data = true;
		}
		return;
	}
	if (seg->dst == HOST_A && p->reason == DROP_NONE && v->have_data &&
	    v->a_state == TCP_ESTABLISHED && (seg->flags & TH_ACK)) {
		const struct segment *in = p->seg_out ? p->seg_out : seg; /* as A receives it */
		if (!seq_before(in->ack, v->data_end))
			v->acked = true;
	}
}

static void survival_record(struct sink *k, const struct sim *sim, const struct ks_record *r)
{
	(void)sim;
	struct survival *v = container_of(k, struct survival, sink);
	bool verdict = false;
	switch (r->type) {
	case REC_ACTION:
		v->sent |= r->u.act.ev == v->send;
		break;
	case REC_STATE:
		if (r->u.st.host == HOST_A)
			v->a_state = r->u.st.to;
		break;
	case REC_PACKET:
		survival_packet(v, &r->u.pkt);
		verdict = v->acked;
		break;
	case REC_END:
		if (r->u.end.host >= NHOSTS)
			break; /* a proxy's socket: A and B decide */
		v->ended[r->u.end.host] = true;
		v->end[r->u.end.host] = r->u.end;
		v->end_time[r->u.end.host] = r->t;
		verdict = true;
		break;
	default:
		break;
	}
	if (verdict && v->armed) {
		v->armed = false;
		sim_stop(v->sim);
	}
}

/* The ends before the sink was attached, as the public API reports them. */
static void survival_start(struct survival *v, const struct sim *sim)
{
	for (int h = 0; h < NHOSTS; h++) {
		struct sim_endpoint ep;
		sim_endpoint(sim, h, &ep);
		if (h == HOST_A)
			v->a_state = ep.state;
		if (ep.end != END_NONE) {
			v->ended[h] = true;
			v->end[h] = (struct rec_end){ .host = h, .why = ep.end, .error = ep.error };
			v->end_time[h] = ep.end_time;
		}
	}
}

static void phase_survival(const struct scenario *sc, uint64_t seed, struct run_result *out)
{
	const ks_time_t H = sc->duration;
	struct sc_event send = { .at = H, .action = ACT_SEND, .host = HOST_A, .arg = 1 };
	struct scenario s1 = *sc;
	struct sim_counters cnt;
	size_t at;

	s1.events = events_plus(sc, &send, &at);
	s1.nevents = sc->nevents + 1;
	s1.seed = seed;
	s1.duration = H + EXCHANGE_CAP;
	struct sim *sim = new_sim(&s1);
	struct survival v = { .sink = { .record = survival_record }, .sim = sim, .send = &s1.events[at] };

	sim_run_until(sim, H - 1);
	sim_counters(sim, &cnt);
	out->probes = cnt.probes_sent[HOST_A] + cnt.probes_sent[HOST_B];
	out->segments = cnt.segments;
	out->bytes = 40 * cnt.segments; /* IPv4 + TCP headers, no options */
	survival_start(&v, sim);
	sim_add_sink(sim, &v.sink);
	sim_run_until(sim, H);
	/* The verdict is taken at H and then at every whole second after it (the
	 * first such moment at or after the first end or acknowledgement): an
	 * end reported by then loses the run even if the byte was acknowledged
	 * first. */
	if (!v.ended[HOST_A] && !v.ended[HOST_B] && !v.acked) {
		v.armed = true;
		sim_run_until(sim, s1.duration);
		v.armed = false;
		ks_time_t now = sim_now(sim);
		ks_time_t check = H + (now - H + STEP - 1) / STEP * STEP;
		sim_run_until(sim, check < s1.duration ? check : s1.duration);
	}
	bool ended = v.ended[HOST_A] || v.ended[HOST_B];
	bool acked = v.acked && v.a_state == TCP_ESTABLISHED;
	out->lost = ended || !acked;
	out->end = END_NONE;
	out->end_host = -1;
	out->err = 0;
	out->lost_at = KS_TIME_NEVER;
	if (ended) {
		int h = v.ended[HOST_A] ? HOST_A : HOST_B;
		if (v.ended[HOST_B] && v.end_time[HOST_B] < v.end_time[h])
			h = HOST_B;
		out->end = (uint8_t)v.end[h].why;
		out->end_host = (int8_t)h;
		out->err = (int16_t)v.end[h].error;
		out->lost_at = v.end_time[h];
	} else if (out->lost) {
		out->end = RUN_END_UNANSWERED;
		out->lost_at = sim_now(sim);
	}
	sim_counters(sim, &cnt);
	out->nat_expired = (uint32_t)cnt.nat_expired;
	out->nat_evicted = (uint32_t)cnt.nat_evicted;
	out->events += cnt.events;
	sim_destroy(sim);
	free(sim);
	free(s1.events);
}

/*
 * The detection sink: stops a detection phase at the detecting host's
 * REC_END and keeps it. It also notes when a middlebox took the connection
 * instead: a segment it dropped for want of a mapping before the failure (the
 * connection was already gone: what the host then "detects" is that loss),
 * or a RST it sent to the host (a crashed peer sends none).
 */
struct detection {
	struct sink sink;
	struct sim *sim;
	int host;
	ks_time_t fail;
	bool middlebox;
	bool ended;
	int why;                 /* enum tcp_end, or RUN_DET_HEARTBEAT */
	ks_time_t at;
};

static void detection_record(struct sink *k, const struct sim *sim, const struct ks_record *r)
{
	(void)sim;
	struct detection *d = container_of(k, struct detection, sink);
	if (r->type == REC_PACKET) {
		const struct rec_packet *p = &r->u.pkt;
		if (((p->reason == DROP_NAT_NO_MAPPING || p->reason == DROP_NAT_TABLE_FULL) && p->fate_time < d->fail) ||
		    ((p->seg->kind == SEG_RST_NAT || p->seg->kind == SEG_RST_LB) && p->seg->dst == d->host))
			d->middlebox = true;
	} else if ((r->type == REC_END && r->u.end.host == d->host) ||
		   (r->type == REC_HEARTBEAT && r->u.hb.host == d->host && r->u.hb.decision == HBD_GIVEUP)) {
		/* the connection's end, or the application giving up on its
		 * heartbeat (before the close's FIN or the abort's RST) */
		d->ended = true;
		d->why = r->type == REC_END ? (int)r->u.end.why : RUN_DET_HEARTBEAT;
		d->at = r->t;
		sim_stop(d->sim);
	}
}

bool sweep_may_detect(const struct scenario *sc, int h)
{
	if (sc->ep[h].so_keepalive || sc->ep[h].hb.preset[0])
		return true;
	/* the application makes it send (data, FIN) or sets an option */
	for (size_t i = 0; i < sc->nevents; i++) {
		const struct sc_event *e = &sc->events[i];
		if (e->host == h && (e->action == ACT_SEND || e->action == ACT_CLOSE || e->action == ACT_SET))
			return true;
	}
	return false;
}

/* Host h's detection phase: its peer loses power at a random moment of h's
 * keepalive cycle, or of its heartbeat's when only that is on (u drawn from
 * phase_seed, a stream per host). */
static void phase_detection(const struct scenario *sc, int h, uint64_t seed, uint64_t phase_seed,
			    struct run_result *out)
{
	static const uint64_t stream[NHOSTS] = { 0x646574656374ULL /* "detect" */, 0x646574656374ULL ^ 0x42 };
	const struct ep_config *ep = &sc->ep[h];
	struct ka_settings ka = keepalive_settings(ep);
	ks_time_t idle = (ks_time_t)ka.time * KS_SEC;
	if (!ep->so_keepalive && ep->hb.preset[0] && ep->hb.interval)
		idle = ep->hb.interval;
	ks_time_t intvl = (ks_time_t)ka.intvl * KS_SEC;
	ks_time_t cycle = idle + sc->link.dir[HOST_A].delay + sc->link.dir[HOST_B].delay;
	struct rng rng;

	rng_seed(&rng, phase_seed, stream[h]);
	ks_time_t fail = cycle + (ks_time_t)(rng_unit(&rng) * (double)cycle);
	struct sc_event crash = { .at = fail, .action = ACT_CRASH, .host = !h };
	struct scenario s2 = *sc;
	uint64_t x = seed ^ (h == HOST_A ? 0 : 0x4242424242424242ULL);

	size_t at;
	s2.events = events_plus(sc, &crash, &at);
	s2.nevents = sc->nevents + 1;
	s2.seed = splitmix64(&x);
	s2.duration = fail + idle + ka.probes * intvl + (ks_time_t)ep->tcp_user_timeout * KS_MS + sc->duration;
	struct sim *sim = new_sim(&s2);
	struct detection d = { .sink = { .record = detection_record }, .sim = sim, .host = h, .fail = fail };
	sim_add_sink(sim, &d.sink);
	sim_run_until(sim, s2.duration);

	struct sim_counters cnt;
	sim_counters(sim, &cnt);
	out->fail_at[h] = fail;
	out->det_end[h] = (uint8_t)(d.middlebox ? RUN_DET_MIDDLEBOX : d.ended ? d.why : END_NONE);
	out->detect[h] = d.ended && !d.middlebox && d.at >= fail ? d.at - fail : KS_TIME_NEVER;
	out->events += cnt.events;
	sim_destroy(sim);
	free(sim);
	free(s2.events);
}

void sweep_run_one(const struct sweep *sw, uint64_t r, struct run_result *out)
{
	const struct scenario *sc = sw->points[r / sw->replicas];

	memset(out, 0, sizeof(*out));
	out->run = r;
	out->seed = sweep_run_seed(sw->seed, r);
	phase_survival(sc, out->seed, out);
	/* The failure's phase in the keepalive cycle depends on the replica only
	 * (common random numbers): replica k of every point fails at the same
	 * fraction of its cycle, so detection times differ between points by the
	 * settings, not by the luck of the draw. */
	uint64_t x = out->seed ^ 0x9e3779b97f4a7c15ULL, dseed = splitmix64(&x);
	uint64_t pseed = sweep_run_seed(sw->seed ^ 0x6661696cULL /* "fail" */, r % sw->replicas);
	for (int h = 0; h < NHOSTS; h++) {
		out->fail_at[h] = out->detect[h] = KS_TIME_NEVER;
		/* a host that cannot detect is left out (its peer's crash would change nothing it does) */
		if (sweep_may_detect(sc, h))
			phase_detection(sc, h, dseed, pseed, out);
	}
}
