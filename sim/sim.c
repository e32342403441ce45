/*
 * sim.c - one simulation: wires the scenario, the two hosts, the link, the
 * middleboxes and the outputs together, and carries packets between them
 * (the scenario's events are applied in sim_events.c).
 *
 * Ordering rule: scenario events at time t run before anything else the
 * model scheduled for t later, and in file order among themselves; at t = 0
 * they run before A's SYN leaves.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keepalive.h"
#include "priv/sim_priv.h"

static void link_arrive(struct engine *eng, struct ev_timer *t);
static void proxy_link_arrive(struct engine *eng, struct ev_timer *t);
static void nat_report(void *ctx, const struct rec_nat *r);
static void nat_send(void *ctx, struct segment *seg);
static void lb_send(void *ctx, struct segment *seg);
static int host_xmit(void *ctx, struct segment *seg);
static void host_trace(void *ctx, struct ks_record *r);
static uint32_t host_isn(void *ctx);
static void proxy_setup(struct sim *s);

/* A forwarding box ([nat] or [lb]) at its place on A's wire. The LB draws
 * its background load from a stream of its own. */
static void box_init(struct sim *s, enum nat_box b, const struct nat_config *cfg,
		     void (*send)(void *ctx, struct segment *seg))
{
	struct nat_hooks hooks = {.ctx = s, .report = nat_report, .send = send};
	s->has_nat = s->box_on[b] = true;
	nat_init(&s->box[b], &s->eng, cfg, b == NAT_BOX_LB ? s->sc->seed ^ 0x6c62ULL /* "lb" */
							 : s->sc->seed, &hooks);
	s->box[b].box = b;
}

void sim_init(struct sim *s, const struct scenario *sc)
{
	memset(s, 0, sizeof(*s));
	s->sc = sc;
	eng_init(&s->eng);
	rng_seed(&s->rng, sc->seed, 0x6b6173696dULL /* "kasim" */);
	struct timer_model lwip_tm;
	sim_clocks(&s->tm, &lwip_tm, sc);
	s->env = (struct tcp_env){.ctx = s, .eng = &s->eng, .xmit = host_xmit, .trace = host_trace,
				  .isn = host_isn};
	for (int h = 0; h < NHOSTS; h++) {
		struct timer_model tm;
		sim_host_timer(&tm, sc, h, &s->tm, &lwip_tm);
		tcp_host_init(&s->host[h], &s->env, &tm, h, &sc->ep[h]);
	}
	link_init(&s->link, &s->eng, &sc->link, sc->seed,
		  sc->proxy.enabled ? proxy_link_arrive : link_arrive, s);
	if (sc->proxy.enabled)
		proxy_setup(s);
	if (sc->nat.enabled)
		box_init(s, NAT_BOX_NAT, &sc->nat, nat_send);
	if (sc->lb.enabled)
		box_init(s, NAT_BOX_LB, &sc->lb, lb_send);
	if (sc->ep[HOST_A].hb.preset[0] || sc->ep[HOST_B].hb.preset[0]) {
		s->hb = malloc(sizeof(*s->hb));
		if (!s->hb)
			abort(); /* as the engine's heap */
		hb_init(s->hb, &s->host[HOST_A], &s->host[HOST_B]);
	}
	tcp_listen(&s->host[HOST_B]);
	icmp_path_init(&s->icmp);
	if (sc->timer == SC_TIMER_LINUX || sc->timer == SC_TIMER_AUTO)
		s->icmp_tm = s->tm; /* the answering side is a Linux box: its jiffies */
	else
		tm_init(&s->icmp_tm, TM_EXACT);
	s->divert = s->has_nat;
	for (size_t i = 0; i < sc->nevents; i++)
		s->divert |= sc->events[i].action == ACT_UNREACHABLE;

	/* The scenario's events come first: their seqs are taken before anything
	 * the model arms, and one timer walks them in order (struct sim). */
	s->script_seq = eng_reserve_seq(&s->eng, sc->nevents);
	s->script_next = 0;
	ev_timer_init(&s->script, sim_script_fire);
	if (sc->nevents)
		eng_schedule_seq(&s->eng, &s->script, sc->events[0].at, s->script_seq);
	sim_repeat_init(s);
	ev_timer_init(&s->connect, sim_connect_fire);
	eng_schedule(&s->eng, &s->connect, 0);
	sim_update_plain_path(s);
}

void sim_update_plain_path(struct sim *s)
{
	const struct link *l = &s->link;
	bool q = !s->divert && !s->has_proxy && !l->down;
	for (int h = 0; h < NHOSTS; h++)
		q = q && !l->partitioned[h] && s->host[h].plugged && s->host[h].powered;
	s->plain_path = q;
}

void sim_add_sink(struct sim *s, struct sink *k)
{
	if (s->nsinks < SIM_MAX_SINKS)
		s->sinks[s->nsinks++] = k;
	s->env.tracing = s->benv.tracing = s->nsinks > 0;
}

void sim_emit(struct sim *s, struct ks_record *r)
{
	r->t = s->eng.now;
	for (size_t i = 0; i < s->nsinks; i++)
		s->sinks[i]->record(s->sinks[i], s, r);
}

void sim_run(struct sim *s)
{
	sim_run_until(s, s->sc->duration);
	sim_finish(s);
}

void sim_run_until(struct sim *s, ks_time_t t)
{
	eng_run(&s->eng, t < s->sc->duration ? t : s->sc->duration);
}

void sim_stop(struct sim *s)
{
	eng_stop(&s->eng);
}

void sim_counters(const struct sim *s, struct sim_counters *c)
{
	*c = (struct sim_counters){.events = s->eng.fired, .segments = s->next_pkt_id};
	for (int h = 0; h < NHOSTS; h++)
		c->probes_sent[h] = s->host[h].sk.probes_sent;
	for (int b = 0; b < NAT_NBOXES; b++) {
		if (s->box_on[b]) {
			c->nat_expired += s->box[b].st.expired;
			c->nat_evicted += s->box[b].st.evicted;
		}
	}
}

void sim_endpoint(const struct sim *s, int h, struct sim_endpoint *e)
{
	const struct tcp_sock *sk = &s->host[h].sk;
	*e = (struct sim_endpoint){.state = sk->state, .end = sk->end, .error = sk->error,
				   .end_time = sk->end_time};
}

void sim_finish(struct sim *s)
{
	for (size_t i = 0; i < s->nsinks; i++)
		if (s->sinks[i]->finish)
			s->sinks[i]->finish(s->sinks[i], s);
}

void sim_destroy(struct sim *s)
{
	for (int b = 0; b < NAT_NBOXES; b++)
		if (s->box_on[b])
			nat_destroy(&s->box[b]);
	if (s->has_proxy) {
		proxy_destroy(&s->proxy);
		link_destroy(&s->link2);
	}
	link_destroy(&s->link);
	eng_destroy(&s->eng); /* it unlinks pending timers: those below too */
	free(s->repeat);
	free(s->hb);
}

/* ---- the hosts' interface (struct tcp_env) -------------------------------------- */

static uint32_t host_isn(void *ctx)
{
	struct sim *s = ctx;
	return rng_u32(&s->rng);
}

static void host_trace(void *ctx, struct ks_record *r)
{
	sim_emit(ctx, r);
}

/* ---- packets ----------------------------------------------------------------- */

/* The NAT records a decision takes are held while the segment's fate is
 * decided, and come out after its packet record (reading order). */
__attribute__((noinline)) static void nat_emit_pending(struct sim *s)
{
	for (size_t i = 0; i < s->nat_npending; i++) {
		struct ks_record r = {.type = REC_NAT, .u.nat = s->nat_pending[i]};
		sim_emit(s, &r);
	}
	s->nat_npending = 0;
	s->nat_deferring = false;
}

/* Only a NAT holds records back: without one there is nothing to flush. */
static inline void nat_flush_pending(struct sim *s)
{
	if (s->has_nat)
		nat_emit_pending(s);
}

/* The packet record of a fate, built only while a sink listens (mid: the
 * segment between the two boxes, rec_packet.seg_mid). */
__attribute__((noinline)) static void emit_packet(struct sim *s, const struct segment *seg,
						   const struct segment *out, const struct segment *mid,
						   ks_time_t sent, enum drop_reason why, int where)
{
	struct ks_record r = {.type = REC_PACKET,
			      .u.pkt = {.seg = seg, .seg_out = out, .seg_mid = mid, .sent = sent,
					.fate_time = s->eng.now, .reason = why, .reason_host = where}};
	sim_emit(s, &r);
}

/* Report a fate: the packet record if a sink listens, then the NAT's. */
__attribute__((noinline)) static void report_fate(struct sim *s, const struct segment *seg,
						  const struct segment *out, const struct segment *mid,
						  ks_time_t sent, enum drop_reason why, int where)
{
	if (sim_tracing(s))
		emit_packet(s, seg, out, mid, sent, why, where);
	nat_flush_pending(s);
}

/* A segment's fate is known: count it; report it only when a sink listens or
 * a NAT may hold records (one call, out of the common path). mid: as it
 * crossed the wire between a [nat] and an [lb], NULL if it did not. */
static inline void emit_fate_mid(struct sim *s, const struct segment *seg, const struct segment *out,
				 const struct segment *mid, ks_time_t sent, enum drop_reason why,
				 int where)
{
	s->packets++;
	if (why != DROP_NONE)
		s->drops++;
	if (sim_tracing(s) || s->has_nat)
		report_fate(s, seg, out, mid, sent, why, where);
}

static inline void emit_fate(struct sim *s, const struct segment *seg, const struct segment *out,
			     ks_time_t sent, enum drop_reason why, int where)
{
	emit_fate_mid(s, seg, out, NULL, sent, why, where);
}

/* Both a [nat] and an [lb]: a wire between them (rec_packet.seg_mid). */
static inline bool boxes_chained(const struct sim *s)
{
	return s->box_on[NAT_BOX_NAT] && s->box_on[NAT_BOX_LB];
}

/* An arrival over A's wire that crossed it between the two boxes: the
 * segment as it was there (as the first box translated it; a box's RST as
 * the box sent it), else NULL (a local RST, an ICMP error, B's wire). */
static const struct segment *arrival_mid(const struct sim *s, const struct link_arrival *a)
{
	const struct segment *seg = a->seg;
	bool a_wire = seg->src == HOST_A || seg->dst == HOST_A || seg->src == HOST_PC || seg->dst == HOST_PC;
	if (!boxes_chained(s) || a->local || !a_wire || seg->kind == SEG_ICMP)
		return NULL;
	return a->out ? a->out : seg;
}

static void nat_report(void *ctx, const struct rec_nat *rn)
{
	struct sim *s = ctx;
	if (!sim_tracing(s))
		return;
	if (s->nat_deferring && s->nat_npending < sizeof(s->nat_pending) / sizeof(s->nat_pending[0])) {
		s->nat_pending[s->nat_npending++] = *rn;
		return;
	}
	struct ks_record r = {.type = REC_NAT, .u.nat = *rn};
	sim_emit(s, &r);
}

/* A RST from a box: to the host on its side of the wire without crossing
 * it (local), to the other end over it. */
static void box_send(struct sim *s, struct segment *seg, bool local)
{
	seg->id = ++s->next_pkt_id;
	if (s->has_proxy) /* A's peer on this wire is P's client leg */
		seg->src = seg->src == HOST_B ? HOST_PC : seg->src, seg->dst = seg->dst == HOST_B ? HOST_PC : seg->dst;
	if (local) {
		link_send_local(&s->link, seg);
		return;
	}
	enum drop_reason why = link_send(&s->link, seg, NULL);
	if (why != DROP_NONE) /* it crossed to the other box's side of the wire */
		emit_fate_mid(s, seg, NULL, boxes_chained(s) ? seg : NULL, s->eng.now, why, -1);
}

/* The NAT's RSTs: to A locally, to B (or P) over the wire (and the LB). */
static void nat_send(void *ctx, struct segment *seg)
{
	box_send(ctx, seg, seg->dst == HOST_A);
}

/* The LB's RSTs: to B (or P) locally, to A over the wire (and the NAT). */
static void lb_send(void *ctx, struct segment *seg)
{
	box_send(ctx, seg, seg->dst != HOST_A);
}

/* A segment through the box at its sender's end of A's wire (translated
 * into a buffer of its own, out of the hosts' common path), then onto the
 * link: A's through the NAT (outbound), B's or P's through the LB (inbound). */
__attribute__((noinline)) static int box_xmit(struct sim *s, struct segment *seg, enum nat_box b)
{
	struct segment out;
	s->nat_deferring = true;
	enum drop_reason why = b == NAT_BOX_NAT ? nat_outbound(&s->box[b], seg, &out)
						: nat_inbound(&s->box[b], seg, &out);
	if (why != DROP_NONE) {
		emit_fate(s, seg, NULL, s->eng.now, why, b == NAT_BOX_LB ? FATE_AT_LB : -1);
		return 0;
	}
	why = link_send(&s->link, seg, &out);
	if (why != DROP_NONE) /* past the first box: lost on the wire after it */
		emit_fate_mid(s, seg, &out, boxes_chained(s) ? &out : NULL, s->eng.now, why, -1);
	else
		nat_flush_pending(s);
	return 0;
}

/* A segment onto a link that may lose it (out of line: the common path,
 * link_plain_now(), then keeps nothing across a call and saves no registers). */
__attribute__((noinline)) static int link_xmit(struct sim *s, struct segment *seg)
{
	enum drop_reason why = link_send(&s->link, seg, NULL);
	if (why != DROP_NONE)
		emit_fate(s, seg, NULL, s->eng.now, why, -1);
	return 0;
}

/* The sender's own checks: its qdisc and its cable. -1: the segment left the
 * host; else what the host's xmit returns (1 = NET_XMIT_DROP: the qdisc
 * refused it; 0: it left the stack and the cable ate it). */
static inline int host_egress(struct sim *s, const struct host *h, struct segment *seg)
{
	seg->id = ++s->next_pkt_id;
	if (s->eng.now < h->qdisc_drop_until) {
		emit_fate(s, seg, NULL, s->eng.now, DROP_QDISC, h->id);
		return 1; /* NET_XMIT_DROP */
	}
	if (!h->plugged) {
		emit_fate(s, seg, NULL, s->eng.now, DROP_UNPLUGGED, h->id);
		return 0; /* it left the stack; the cable ate it */
	}
	return -1;
}

/* With a box on the path: the one at the sender's end of the wire, if any;
 * else the link as host_xmit() would use it. */
__attribute__((noinline)) static int boxes_xmit(struct sim *s, struct segment *seg)
{
	int b = seg->src == HOST_A ? NAT_BOX_NAT : NAT_BOX_LB;
	if (s->box_on[b])
		return box_xmit(s, seg, b);
	if (!link_plain_now(&s->link, seg->src))
		return link_xmit(s, seg);
	link_send(&s->link, seg, NULL);
	return 0;
}

/* A host puts a segment on its interface: qdisc and cable checks, then the
 * NAT and the link. 0: the segment left the host; 1 (NET_XMIT_DROP): the
 * local qdisc refused it. Flattened: the link and the engine's heap are
 * compiled into this frame (the NAT path and the reports stay out of line). */
__attribute__((flatten)) static int host_xmit(void *ctx, struct segment *seg)
{
	struct sim *s = ctx;
	if (s->plain_path && link_plain_dir(&s->link, seg->src) &&
	    s->eng.now >= s->host[seg->src].qdisc_drop_until) {
		seg->id = ++s->next_pkt_id; /* host_egress() and link_send() would find nothing */
		link_send_plain(&s->link, seg);
		return 0;
	}
	int r = host_egress(s, &s->host[seg->src], seg);
	if (r >= 0)
		return r;
	if (s->has_nat)
		return boxes_xmit(s, seg);
	if (!link_plain_now(&s->link, seg->src))
		return link_xmit(s, seg);
	link_send(&s->link, seg, NULL); /* on its way: nothing to report */
	return 0;
}

/* Delivery with its report first (out of line: a tail call each way keeps
 * the common path, nobody listening and no NAT, free of saved registers). */
__attribute__((noinline)) static void deliver_reported(struct sim *s, const struct link_arrival *a,
						       const struct segment *o,
						       const struct segment *mid,
						       const struct segment *deliver)
{
	struct host *h = &s->host[a->seg->dst];
	report_fate(s, a->seg, o, mid, a->sent, DROP_NONE, h->id);
	tcp_v4_rcv(h, deliver);
}

/* The segment reached host h's cable (o: as the NAT translated it, or NULL;
 * mid: rec_packet.seg_mid; deliver: what h's TCP gets): cable and power,
 * then the stack. */
static inline void host_deliver(struct sim *s, const struct link_arrival *a,
				const struct segment *o, const struct segment *mid,
				const struct segment *deliver)
{
	const struct segment *seg = a->seg;
	struct host *h = &s->host[seg->dst];
	if (!h->plugged) {
		emit_fate_mid(s, seg, o, mid, a->sent, DROP_UNPLUGGED, h->id);
		return;
	}
	if (!h->powered) {
		emit_fate_mid(s, seg, o, mid, a->sent, DROP_HOST_DOWN, h->id);
		return;
	}
	s->packets++; /* emit_fate(DROP_NONE), whose report comes with the delivery below */
	if (sim_tracing(s) || s->has_nat)
		deliver_reported(s, a, o, mid, deliver);
	else
		tcp_v4_rcv(h, deliver);
}

/* A segment for A came over the wire through the NAT (translated into a
 * buffer of its own, out of the common path; a->out: as the LB translated it). */
__attribute__((noinline)) static void nat_arrived(struct sim *s, const struct link_arrival *a)
{
	struct segment in;
	s->nat_deferring = true;
	enum drop_reason why = nat_inbound(&s->box[NAT_BOX_NAT], a->out ? a->out : a->seg, &in);
	if (why != DROP_NONE) { /* (never got past the box: no translation to show) */
		emit_fate_mid(s, a->seg, NULL, arrival_mid(s, a), a->sent, why, -1);
		return;
	}
	host_deliver(s, a, &in, arrival_mid(s, a), &in);
}

static void proxy_deliver(struct sim *s, const struct link_arrival *a, const struct segment *o,
			  const struct segment *mid);

/* A's segment reached the far end of A's wire: through the LB (a->out: as
 * the NAT translated it), then to B's cable or to P. */
__attribute__((noinline)) static void lb_arrived(struct sim *s, const struct link_arrival *a)
{
	struct segment o;
	s->nat_deferring = true;
	enum drop_reason why = nat_outbound(&s->box[NAT_BOX_LB], a->out ? a->out : a->seg, &o);
	const struct segment *mid = arrival_mid(s, a);
	if (why != DROP_NONE) /* (never got past the box: no translation to show) */
		emit_fate_mid(s, a->seg, NULL, mid, a->sent, why, FATE_AT_LB);
	else if (a->seg->dst == HOST_PC)
		proxy_deliver(s, a, &o, mid);
	else
		host_deliver(s, a, &o, mid, &o);
}

/* The end of the path in front of h answers seg with an ICMP error, when its
 * rate limit allows (icmp.h); the segment goes no further. */
__attribute__((noinline)) static void icmp_answer(struct sim *s, const struct link_arrival *a)
{
	const struct segment *seg = a->seg;
	const struct host *h = &s->host[seg->dst];
	uint8_t code = (uint8_t)s->icmp.code[seg->dst];
	struct rec_icmp r = {.host = h->id, .seq = seg->seq};
	emit_fate_mid(s, seg, a->out, arrival_mid(s, a), a->sent, DROP_UNREACHABLE, h->id);
	bool ok = icmp_xrlim_allow(&s->icmp.peer[h->id], &h->cfg, &s->icmp_tm, s->eng.now,
				   ICMP_DEST_UNREACH, code, &r);
	if (sim_tracing(s)) {
		struct ks_record rec = {.type = REC_ICMP, .u.icmp = r};
		sim_emit(s, &rec);
	}
	if (!ok)
		return;
	struct segment icmp;
	icmp_build(&icmp, seg, h->cfg.addr, ICMP_DEST_UNREACH, code);
	icmp.id = ++s->next_pkt_id;
	enum drop_reason why = link_send(&s->link, &icmp, NULL);
	if (why != DROP_NONE)
		emit_fate(s, &icmp, NULL, s->eng.now, why, -1);
}

/* An ICMP error reached its destination's cable: cable and power, then the
 * TCP's error handler (tcp_v4_err). */
static void icmp_arrived(struct sim *s, const struct link_arrival *a)
{
	struct host *h = &s->host[a->seg->dst];
	if (!h->plugged || !h->powered) {
		emit_fate(s, a->seg, NULL, a->sent, h->plugged ? DROP_HOST_DOWN : DROP_UNPLUGGED, h->id);
		return;
	}
	emit_fate(s, a->seg, NULL, a->sent, DROP_NONE, h->id);
	tcp_v4_err(h, a->seg);
}

/* Arrivals with a NAT or ICMP on the path (out of the common path). */
__attribute__((noinline)) static void diverted_arrival(struct sim *s, const struct link_arrival *a)
{
	const struct segment *seg = a->seg;
	if (seg->kind == SEG_ICMP)
		icmp_arrived(s, a);
	else if (s->icmp.code[seg->dst] >= 0 && !a->local)
		icmp_answer(s, a);
	else if (s->box_on[NAT_BOX_NAT] && seg->dst == HOST_A && !a->local)
		nat_arrived(s, a);
	else if (s->box_on[NAT_BOX_LB] && seg->dst == HOST_B && !s->has_proxy && !a->local)
		lb_arrived(s, a); /* (with a proxy, B's wire is link2: the LB is in front of P) */
	else
		host_deliver(s, a, a->out, NULL, a->out ? a->out : seg);
}

static inline void link_arrived(void *ctx, const struct link_arrival *a)
{
	struct sim *s = ctx;
	if (a->why != DROP_NONE) {
		emit_fate_mid(s, a->seg, a->out, s->has_nat ? arrival_mid(s, a) : NULL, a->sent, a->why, -1);
		return;
	}
	if (s->divert) {
		diverted_arrival(s, a);
		return;
	}
	host_deliver(s, a, a->out, NULL, a->out ? a->out : a->seg);
}

/* The engine's callback for an arrival on A's wire (without a proxy). */
static void link_arrive(struct engine *eng, struct ev_timer *t)
{
	struct sim *s = container_of(eng, struct sim, eng);
	if (s->plain_path) { /* no cut; host_deliver() would find the host plugged and powered */
		const struct link_arrival *a = link_arrival_intact(t);
		s->packets++;
		if (sim_tracing(s))
			deliver_reported(s, a, NULL, NULL, a->seg);
		else
			tcp_v4_rcv(&s->host[a->seg->dst], a->seg);
		return;
	}
	const struct link_arrival *a = link_arrival(t);
	link_arrived(s, a);
}

/* ---- a terminating proxy ([proxy], proxy.h) ------------------------------------ */

/* The proxy's decisions, for the sinks. */
static void proxy_report(void *ctx, const struct rec_proxy *rp)
{
	struct sim *s = ctx;
	if (!sim_tracing(s))
		return;
	struct ks_record r = {.type = REC_PROXY, .u.px = *rp};
	sim_emit(s, &r);
}

/* P's sockets' records: to the sinks first, then to the proxy (which may
 * pass a leg's end on to the other leg). */
static void proxy_trace(void *ctx, struct ks_record *r)
{
	struct sim *s = ctx;
	sim_emit(s, r);
	proxy_sock_record(&s->proxy, r);
}

/* A segment from B or from P onto its wire (the server leg's, or P's side
 * of A's): the sender's qdisc and cable, then the link. */
static int wire_xmit(struct sim *s, struct link *l, struct segment *seg)
{
	int r = host_egress(s, &s->host[seg->src], seg);
	if (r >= 0)
		return r;
	enum drop_reason why = link_send(l, seg, NULL);
	if (why != DROP_NONE)
		emit_fate(s, seg, NULL, s->eng.now, why, -1);
	return 0;
}

/* B's interface with a proxy: the server leg's wire. */
static int backend_xmit(void *ctx, struct segment *seg)
{
	struct sim *s = ctx;
	return wire_xmit(s, &s->link2, seg);
}

/* P's interface: its client leg on A's wire (through the LB in front of P,
 * if any), its server leg on link2. */
static int proxy_xmit(void *ctx, struct segment *seg)
{
	struct sim *s = ctx;
	if (seg->src == HOST_PC && s->box_on[NAT_BOX_LB]) {
		int r = host_egress(s, &s->host[seg->src], seg);
		return r >= 0 ? r : box_xmit(s, seg, NAT_BOX_LB);
	}
	return wire_xmit(s, seg->src == HOST_PC ? &s->link : &s->link2, seg);
}

/* A segment reached one of P's sockets (o: as the boxes translated it). */
static void proxy_deliver(struct sim *s, const struct link_arrival *a, const struct segment *o,
			  const struct segment *mid)
{
	struct host *h = &s->host[a->seg->dst];
	s->packets++;
	if (sim_tracing(s) || s->has_nat)
		report_fate(s, a->seg, o, mid, a->sent, DROP_NONE, h->id);
	proxy_rcv(&s->proxy, h, o ? o : a->seg);
}

/* A segment for one of P's sockets: lost in flight, through the LB in
 * front of P, or straight to P. */
static void proxy_arrived(struct sim *s, const struct link_arrival *a)
{
	if (a->why != DROP_NONE) {
		emit_fate_mid(s, a->seg, a->out, arrival_mid(s, a), a->sent, a->why, -1);
		return;
	}
	if (a->seg->dst == HOST_PC && s->box_on[NAT_BOX_LB] && !a->local)
		lb_arrived(s, a);
	else
		proxy_deliver(s, a, a->out, NULL);
}

/* Arrivals on either wire with a proxy: P's, or A's and B's as usual. */
static void proxy_link_arrive(struct engine *eng, struct ev_timer *t)
{
	(void)eng;
	const struct link_arrival *a = link_arrival(t);
	struct sim *s = a->ctx;
	if (a->seg->dst >= HOST_PS)
		proxy_arrived(s, a);
	else
		link_arrived(s, a);
}

/* With a [proxy]: P's two sockets, B on the server leg's wire, and A's wire
 * ending at P's client leg. */
static void proxy_setup(struct sim *s)
{
	const struct proxy_config *pc = &s->sc->proxy;
	struct link_config w = {.dir = {{.delay = pc->server_delay, .ge_loss = 1.0},
					{.delay = pc->server_delay, .ge_loss = 1.0}}};
	s->has_proxy = true;
	s->benv = s->env;
	s->benv.xmit = backend_xmit;
	s->host[HOST_B].env = &s->benv;
	s->penv = (struct tcp_env){.ctx = s, .eng = &s->eng, .xmit = proxy_xmit, .trace = proxy_trace,
				   .isn = host_isn, .tracing = true};
	struct timer_model tm; /* P runs Linux: the machine's clock under timer = auto or linux */
	sim_host_timer(&tm, s->sc, HOST_PS, &s->tm, &s->tm);
	tcp_host_init(&s->host[HOST_PS], &s->penv, &tm, HOST_PS, &pc->server);
	sim_host_timer(&tm, s->sc, HOST_PC, &s->tm, &s->tm);
	tcp_host_init(&s->host[HOST_PC], &s->penv, &tm, HOST_PC, &pc->client);
	link_init(&s->link2, &s->eng, &w, s->sc->seed, proxy_link_arrive, s);
	struct proxy_hooks hooks = {.ctx = s, .report = proxy_report};
	proxy_init(&s->proxy, &s->eng, pc, &s->host[HOST_PC], &s->host[HOST_PS], &s->host[HOST_B],
		   &hooks);
}
