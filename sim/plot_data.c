/*
 * plot_data.c - the plot sink: it streams the timeline's data files into
 * DIR/plots/ (comma-separated, a '#' header line) while the simulation runs
 *   timeline-packets.dat  sent_s,fate_s,src_lane,dst_lane,end_lane,kind,dropped,drop,label,drop_label
 *   timeline-phases.dat   lane,start_s,end_s,kind,label
 *   timeline-events.dat   time_s,kind,label,label_y
 * and hands each host's silence episodes to plot_detect.c (detection.dat).
 * The first row of each file is a placeholder outside every plot range
 * (gnuplot warns about empty files). Lanes: A = 1, B = 0. At finish the
 * settings files and the templates follow (plot_out.c).
 */
#include <stdlib.h>
#include <string.h>

#include "priv/plot_priv.h"

/* A's lane 1, B's 0; a proxy's sockets between them (0.5, like the NAT). */
static double lane(int h) { return h == HOST_A ? 1 : h == HOST_B ? 0 : 0.5; }
/* The LB's mapping and RSTs: between the NAT's (0.5) and B's lane. */
#define LB_Y 0.25

void plot_put_t(FILE *f, ks_time_t t)
{
	char b[32];
	format_seconds(b, sizeof b, t);
	fputs(b, f);
}

/* A label field of a data file: the separator (',') and quotes never appear. */
void plot_put_label(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == ',' ? ';' : *s == '"' ? '\'' : *s == '\n' ? ' ' : *s, f);
}

/* ---- streaming ------------------------------------------------------------ */

void plot_span_row(FILE *f, double y, ks_time_t a, ks_time_t b, int kind, const char *label)
{
	fprintf(f, "%g,", y);
	plot_put_t(f, a);
	fputc(',', f);
	plot_put_t(f, b);
	fprintf(f, ",%d,", kind);
	plot_put_label(f, label);
	fputc('\n', f);
}

/* A phase drawn around height y (a lane, or 0.5 between them for the NAT). */
static void phase_row_y(struct plot_sink *ps, double y, ks_time_t a, ks_time_t b, int kind, const char *label)
{
	plot_span_row(ps->ph, y, a, b < a ? a : b, kind, label);
}

static void phase_row(struct plot_sink *ps, int h, ks_time_t a, ks_time_t b, int kind, const char *label)
{
	phase_row_y(ps, lane(h), a, b, kind, label);
}

static void event_row(struct plot_sink *ps, ks_time_t t, int kind, const char *label)
{
	plot_put_t(ps->ev, t);
	/* labels of successive events alternate between two heights */
	fprintf(ps->ev, ",%d,", kind);
	plot_put_label(ps->ev, label);
	fprintf(ps->ev, ",%s\n", ps->nevents++ % 2 ? "1.36" : "1.5");
}

static int packet_kind(const struct segment *seg)
{
	switch ((enum seg_kind)seg->kind) {
	case SEG_RETRANS:
	case SEG_SYNACK_AGAIN:
	case SEG_TLP: return PK_RETRANS;
	case SEG_KA_PROBE: return PK_PROBE;
	case SEG_KA_ACK: return PK_KAACK;
	case SEG_RST_NOSOCK:
	case SEG_RST_KA:
	case SEG_RST_OTHER:
	case SEG_RST_NAT:
	case SEG_RST_LB: return PK_RST;
	case SEG_ICMP: return PK_RST; /* an error that may end the connection, like a RST */
	case SEG_RST_ABORT:
	case SEG_RST_CLOSE: return PK_RST;
	case SEG_DUPACK:
	case SEG_CHALLENGE: return PK_OTHER;
	case SEG_NORMAL: break;
	}
	if (seg->flags & TH_RST)
		return PK_RST;
	return seg->len ? PK_DATA : PK_CTRL;
}

/* One row of timeline-packets.dat. */
static void packet_row(struct plot_sink *ps, const struct rec_packet *p)
{
	const struct segment *seg = p->seg;
	int src = seg->src, dst = seg->dst;
	bool at_sender = p->reason != DROP_NONE &&
			 (p->reason == DROP_QDISC || (p->reason == DROP_UNPLUGGED && p->reason_host == src));
	/* The NAT and the path sit between the lanes (y = 0.5): a RST from the NAT
	 * starts there, a segment the NAT or the wire dropped ends there. */
	double src_y = seg->kind == SEG_RST_NAT ? 0.5 : seg->kind == SEG_RST_LB ? LB_Y : lane(src);
	double end_lane = at_sender ? lane(src) + (src == HOST_A ? -0.25 : 0.25)
			  : p->reason != DROP_NONE && p->reason_host == FATE_AT_LB ? LB_Y
			  : p->reason != DROP_NONE && p->reason_host < 0 ? 0.5
									 : lane(dst);
	char drop[64] = "", label[32] = "", once[80] = "";

	if (p->reason != DROP_NONE) {
		drop_text(drop, sizeof drop, p->reason, p->reason_host);
		if (strcmp(drop, ps->last_drop)) {
			snprintf(once, sizeof once, "dropped: %s", drop);
			snprintf(ps->last_drop, sizeof ps->last_drop, "%s", drop);
		}
	} else {
		ps->last_drop[0] = '\0';
	}
	if (seg->kind == SEG_KA_PROBE || seg->kind == SEG_RETRANS)
		snprintf(label, sizeof label, "#%u", seg->nth);
	plot_put_t(ps->pk, p->sent);
	fputc(',', ps->pk);
	plot_put_t(ps->pk, at_sender ? p->sent : p->fate_time);
	fprintf(ps->pk, ",%g,%g,%g,%d,%d,%s,%s,%s\n", src_y, lane(dst), end_lane, packet_kind(seg),
		p->reason != DROP_NONE, drop, label, once);
}

static void plot_packet(struct plot_sink *ps, const struct rec_packet *p)
{
	const struct segment *seg = p->seg;
	int src = seg->src, dst = seg->dst;
	packet_row(ps, p);
	ps->npk++;
	if (ps->npk == 3 && !ps->setup_done)
		ps->setup_end = p->fate_time;

	struct hstate *s = &ps->h[src];
	if (seg->len && seg->kind == SEG_NORMAL && !s->data_pending) {
		s->data_pending = true;
		s->data_sent = p->sent;
	}
	if (p->reason != DROP_NONE)
		return;
	/* Delivered: dst heard from src. */
	struct hstate *d = &ps->h[dst];
	d->last_heard = p->fate_time;
	if (d->probing) {
		phase_row(ps, dst, d->probing_start, p->fate_time, PH_PROBING, "probing");
		d->probing = false;
		if (!ps->have_answer) {
			ps->have_answer = true;
			ps->first_answer = p->fate_time;
		}
	}
	if (d->retrans && (seg->flags & TH_ACK)) {
		phase_row(ps, dst, d->retrans_start, p->fate_time, PH_RETRANS, "retransmitting");
		d->retrans = false;
	}
	if (d->ep != EP_NONE && !d->answered) {
		d->answered = true;
		d->answered_at = p->fate_time;
	}
	if (seg->flags & TH_ACK)
		d->data_pending = false;
}

/* A first probe: a new silence episode, idle since the clock was last refreshed. */
static void first_probe(struct plot_sink *ps, struct hstate *st, ks_time_t now, ks_time_t late,
			const struct rec_keepalive *k)
{
	if (st->answered || st->ep != EP_KA)
		plot_episode_reset(st);
	st->ep = EP_KA;
	st->anchor = now - k->elapsed;
	st->first = now;
	plot_seg_add_timed(st, st->anchor, now, late, DS_IDLE, 0);
	st->mark = now;
	st->nprobes = k->probe_no;
	phase_row(ps, k->host, st->anchor, now, PH_IDLE, "idle");
	if (!st->probing) {
		st->probing = true;
		st->probing_start = now;
	}
	if (!ps->have_probe) {
		ps->have_probe = true;
		ps->first_probe = now;
		ps->first_intvl = k->next;
	}
}

static void plot_keepalive(struct plot_sink *ps, ks_time_t now, const struct rec_keepalive *k)
{
	struct hstate *st = &ps->h[k->host];
	ks_time_t late = 0;
	if (st->have_prev && st->prev_next != KS_TIME_NEVER && now > st->prev_fire + st->prev_next)
		late = now - (st->prev_fire + st->prev_next);
	st->have_prev = k->next != KS_TIME_NEVER;
	st->prev_fire = now;
	st->prev_next = k->next;
	st->have_ka = true;
	st->ka_time = k->time;
	st->ka_intvl = k->intvl;
	st->ka_probes = k->probes;
	st->ut = k->user_timeout;

	switch (k->decision) {
	case KA_PROBE:
		if (k->probes_out == 0) {
			first_probe(ps, st, now, late, k);
		} else if (st->ep == EP_KA) {
			st->nprobes = k->probe_no;
			plot_seg_add_timed(st, st->mark, now, late, DS_INTVL, k->probes_out);
			st->mark = now;
		}
		break;
	case KA_ABORT:
	case KA_ABORT_UT:
	case KA_ABORT_IDLE:
		if (st->ep == EP_KA) {
			plot_seg_add_timed(st, st->mark, now, late, DS_WAIT, k->probes_out);
			st->mark = now;
		}
		break;
	case KA_IDLE:
	case KA_BUSY:
	case KA_RESOURCE:
	case KA_OFF:
		if (st->answered && st->ep == EP_KA)
			plot_episode_reset(st);
		break;
	}
}

static void plot_rto(struct plot_sink *ps, ks_time_t now, const struct rec_rto *r)
{
	struct hstate *st = &ps->h[r->host];
	st->rto_limit = r->limit;
	st->rto_boundary = r->boundary;
	st->rto_ut = r->user_timeout;
	st->rto_rule = rto_rule(r);
	if (r->decision == RTO_RETRANSMIT && r->retransmits == 1) {
		plot_episode_reset(st);
		st->ep = EP_RTO;
		st->anchor = st->last_heard;
		ks_time_t sent = st->data_pending ? st->data_sent : st->last_heard;
		if (sent < st->anchor)
			sent = st->anchor;
		st->nretrans = 1;
		plot_seg_add(st, st->anchor, sent, DS_NODATA, 0);
		plot_seg_add(st, sent, now, DS_RTO, 1);
		st->mark = now;
		st->first = now;
		if (!st->retrans) {
			st->retrans = true;
			st->retrans_start = now;
		}
		return;
	}
	if (st->ep != EP_RTO)
		return;
	if (r->decision == RTO_RETRANSMIT)
		st->nretrans = r->retransmits;
	plot_seg_add(st, st->mark, now, r->decision == RTO_ABORT ? DS_WAIT : DS_RTO, r->retransmits);
	st->mark = now;
}

/* A scenario event that happened: a marker, and the phases it starts or ends. */
static void plot_action(struct plot_sink *ps, ks_time_t t, const struct rec_action *act)
{
	const struct sc_event *ev = act->ev;
	char lab[160];
	if (act->result)
		return;
	if (ev->host < 0) {
		/* an event of the path or the NAT */
		event_row(ps, t, EV_SCENARIO, action_name(ev->action));
		return;
	}
	struct hstate *st = &ps->h[ev->host];
	snprintf(lab, sizeof lab, "%s %c", action_name(ev->action), host_letter(ev->host));
	event_row(ps, t, EV_SCENARIO, lab);
	if (ev->action == ACT_UNPLUG && !st->unplugged) {
		st->unplugged = true;
		st->unplugged_start = t;
	} else if (ev->action == ACT_REPLUG && st->unplugged) {
		st->unplugged = false;
		phase_row(ps, ev->host, st->unplugged_start, t, PH_UNPLUGGED, "cable pulled");
	} else if (ev->action == ACT_CRASH && !st->down) {
		st->down = true;
		st->down_start = t;
	} else if ((ev->action == ACT_BOOT || ev->action == ACT_REBOOT) && st->down) {
		st->down = false;
		phase_row(ps, ev->host, st->down_start, t, PH_DOWN, "powered off");
	} else if (ev->action == ACT_REBOOT) {
		phase_row(ps, ev->host, t, t, PH_DOWN, "rebooted");
	}
}

/* A host's connection ended: close its phases; an error is a detection. */
static void plot_end(struct plot_sink *ps, ks_time_t t, const struct rec_end *e)
{
	struct hstate *st = &ps->h[e->host];
	char lab[160];
	st->ended = true;
	if (st->probing) {
		phase_row(ps, e->host, st->probing_start, t, PH_PROBING, "probing");
		st->probing = false;
	}
	if (st->retrans) {
		phase_row(ps, e->host, st->retrans_start, t, PH_RETRANS, "retransmitting");
		st->retrans = false;
	}
	if (e->error) {
		snprintf(lab, sizeof lab, "%c detects: %s", host_letter(e->host), tcp_errno_name(e->error));
		event_row(ps, t, EV_DETECT, lab);
		plot_detection(ps, t, e);
	}
	plot_episode_reset(st);
}

/* The simulated connection's mapping in a box (the NAT's between the
 * lanes, the LB's nearer B's): created, or gone. */
static void plot_nat(struct plot_sink *ps, ks_time_t t, const struct rec_nat *n)
{
	char lab[160], what[16];
	int b = n->box;
	snprintf(what, sizeof what, "%s mapping", nat_box_name(n->box));
	if (n->decision == NATD_CREATED && !ps->nat_alive[b]) {
		ps->nat_alive[b] = true;
		ps->nat_since[b] = t;
		snprintf(lab, sizeof lab, "%s :%u", what, n->ext_port);
		event_row(ps, t, EV_SCENARIO, lab);
	} else if ((n->decision == NATD_EXPIRED || n->decision == NATD_EVICTED || n->decision == NATD_FLUSHED) &&
		   ps->nat_alive[b]) {
		ps->nat_alive[b] = false;
		phase_row_y(ps, b == NAT_BOX_LB ? LB_Y : 0.5, ps->nat_since[b], t, PH_NAT, what);
		snprintf(lab, sizeof lab, "%s %s", what, nat_decision_name(n->decision));
		event_row(ps, t, EV_SCENARIO, lab);
	}
}

static void plot_record(struct sink *s, const struct sim *sim, const struct ks_record *r)
{
	(void)sim;
	struct plot_sink *ps = (struct plot_sink *)s;
	switch (r->type) {
	case REC_PACKET: plot_packet(ps, &r->u.pkt); break;
	case REC_KEEPALIVE: plot_keepalive(ps, r->t, &r->u.ka); break;
	case REC_RTO: plot_rto(ps, r->t, &r->u.rto); break;
	case REC_ACTION: plot_action(ps, r->t, &r->u.act); break;
	case REC_STATE:
		if (r->u.st.to == TCP_ESTABLISHED && r->u.st.host == HOST_B && !ps->setup_done) {
			ps->setup_done = true;
			ps->setup_end = r->t;
		}
		break;
	case REC_END: plot_end(ps, r->t, &r->u.end); break;
	case REC_NAT: plot_nat(ps, r->t, &r->u.nat); break;
	case REC_PROXY: /* a proxy's timer closed the connection: an event mark */
		if (r->u.px.decision == PXD_EXPIRED || r->u.px.decision == PXD_MAX)
			event_row(ps, r->t, EV_SCENARIO, r->u.px.decision == PXD_EXPIRED ?
				  "P: idle timeout" : "P: max_duration");
		break;
	default:
		break; /* record types added later are not drawn (yet) */
	}
}

static void plot_finish(struct sink *s, const struct sim *sim)
{
	struct plot_sink *ps = (struct plot_sink *)s;
	ks_time_t end = sim->sc->duration;
	for (int h = 0; h < NHOSTS; h++) {
		struct hstate *st = &ps->h[h];
		if (st->probing)
			phase_row(ps, h, st->probing_start, end, PH_PROBING, "probing");
		else if (st->have_ka && !st->ended && !st->retrans && st->last_heard < end)
			phase_row(ps, h, st->last_heard, end, PH_IDLE, "idle");
		if (st->retrans)
			phase_row(ps, h, st->retrans_start, end, PH_RETRANS, "retransmitting");
		if (st->unplugged)
			phase_row(ps, h, st->unplugged_start, end, PH_UNPLUGGED, "cable pulled");
		if (st->down)
			phase_row(ps, h, st->down_start, end, PH_DOWN, "powered off");
	}
	if (ps->nat_alive[NAT_BOX_NAT])
		phase_row_y(ps, 0.5, ps->nat_since[NAT_BOX_NAT], end, PH_NAT, "NAT mapping");
	if (ps->nat_alive[NAT_BOX_LB])
		phase_row_y(ps, LB_Y, ps->nat_since[NAT_BOX_LB], end, PH_NAT, "LB mapping");
	if (!ps->setup_done && ps->npk < 3)
		ps->setup_end = ps->npk ? ps->setup_end : 0;
	outdir_fclose(ps->od, ps->pk);
	outdir_fclose(ps->od, ps->ph);
	outdir_fclose(ps->od, ps->ev);
	outdir_fclose(ps->od, ps->det);
	ps->pk = ps->ph = ps->ev = ps->det = NULL;
	plot_write_scripts(ps, sim);
}

static void plot_destroy(struct sink *s)
{
	struct plot_sink *ps = (struct plot_sink *)s;
	FILE *fs[] = {ps->pk, ps->ph, ps->ev, ps->det};
	for (size_t i = 0; i < 4; i++)
		if (fs[i])
			outdir_closed(ps->od, fs[i], false), fclose(fs[i]);
	free(ps);
}

struct sink *plot_sink_new(struct outdir *od)
{
	struct plot_sink *ps = calloc(1, sizeof(*ps));
	if (!ps)
		return NULL;
	ps->base = (struct sink){.record = plot_record, .finish = plot_finish, .destroy = plot_destroy};
	ps->od = od;
	ps->pk = outdir_fopen(od, "plots/timeline-packets.dat");
	ps->ph = outdir_fopen(od, "plots/timeline-phases.dat");
	ps->ev = outdir_fopen(od, "plots/timeline-events.dat");
	ps->det = outdir_fopen(od, "plots/detection.dat");
	if (!ps->pk || !ps->ph || !ps->ev || !ps->det) {
		plot_destroy(&ps->base);
		return NULL;
	}
	/* Each file starts with a placeholder row far outside every plot range,
	 * so that gnuplot never meets an empty file (and never warns about one). */
	fputs("# sent_s,fate_s,src_lane,dst_lane,end_lane,kind,dropped,drop,label,drop_label\n"
	      "-1e12,-1e12,1,0,0,1,0,,,\n", ps->pk);
	fputs("# lane,start_s,end_s,kind,label\n-10,-1e12,-1e12,11,\n", ps->ph);
	fputs("# time_s,kind,label,label_y\n-1e12,21,,1.5\n", ps->ev);
	fputs("# row,start_s,end_s,kind,label\n-10,-1e12,-1e12,30,\n", ps->det);
	return &ps->base;
}
