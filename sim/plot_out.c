/*
 * plot_out.c - gnuplot data and scripts: the timeline of a run and where the
 * time to detection went.
 *
 * Data files (DIR/plots/, comma-separated, '#' header line) are streamed:
 *   timeline-packets.dat  sent_s,fate_s,src_lane,dst_lane,end_lane,kind,dropped,drop,label,drop_label
 *   timeline-phases.dat   lane,start_s,end_s,kind,label
 *   timeline-events.dat   time_s,kind,label,label_y
 *   detection.dat         row,start_s,end_s,kind,label
 * The first row of each is a placeholder outside every plot range (gnuplot
 * warns about empty files). Lanes: A = 1, B = 0. Kinds are the gnuplot line types defined in the
 * scripts (packet kinds 1-7, phases 11-15, detection pieces 31-37, markers
 * 21-22). The scripts are written at finish() from O(1) summary state.
 */
#include "plot_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gnuplot.h"
#include "sim.h"

const char *const plot_scripts[] = {"plots/timeline.gp", "plots/detection.gp"};
const size_t plot_nscripts = sizeof(plot_scripts) / sizeof(plot_scripts[0]);

enum { PK_CTRL = 1, PK_DATA, PK_RETRANS, PK_PROBE, PK_KAACK, PK_RST, PK_OTHER };
enum { PH_IDLE = 11, PH_PROBING, PH_RETRANS, PH_UNPLUGGED, PH_DOWN, PH_NAT };
enum { EV_SCENARIO = 21, EV_DETECT = 22 };
enum { DS_NOTE = 29, DS_LABEL = 30, DS_IDLE, DS_INTVL, DS_LATE, DS_RTT, DS_RTO, DS_NODATA, DS_WAIT };

struct dseg {
	ks_time_t start, end;
	int kind;
	uint32_t a, b;     /* numbers covered: probe / retransmission a..b */
};

enum ep_type { EP_NONE, EP_KA, EP_RTO };

struct hstate {
	/* phases on the timeline */
	bool probing, retrans, unplugged, down;
	ks_time_t probing_start, retrans_start, unplugged_start, down_start;
	/* the current silence episode (for detection.dat) */
	enum ep_type ep;
	ks_time_t anchor, mark, first;
	struct dseg seg[PLOT_MAX_SEGS];
	size_t nseg;
	bool answered;
	ks_time_t answered_at;
	/* the keepalive timer's chain, for lateness */
	bool have_prev;
	ks_time_t prev_fire, prev_next;
	/* effective parameters, last seen */
	bool have_ka;
	ks_time_t ka_time, ka_intvl;
	uint32_t ka_probes, ut;
	ks_time_t rto_limit;
	uint32_t rto_boundary, rto_ut;
	bool rto_syn;
	/* data */
	ks_time_t last_heard, data_sent;
	bool data_pending;
	uint32_t nprobes, nretrans;  /* in the current episode */
	bool ended;
	/* detection */
	bool detected;
	double row;
};

struct plot_sink {
	struct sink base;
	struct outdir *od;
	FILE *pk, *ph, *ev, *det;
	struct hstate h[NHOSTS];
	uint64_t npk;
	ks_time_t setup_end;
	bool setup_done;
	bool have_probe, have_answer;
	ks_time_t first_probe, first_answer, first_intvl;
	bool have_focus;
	ks_time_t focus0, focus1;
	int ndetected;
	int first_detector;
	char first_detect_text[160];
	uint64_t nevents;
	bool nat_alive;          /* the simulated connection's NAT mapping exists */
	ks_time_t nat_since;
	char last_drop[64];      /* the drop reason labelled last (labels once per streak) */
};

static char hn(int h) { return h == HOST_A ? 'A' : 'B'; }
static int lane(int h) { return h == HOST_A ? 1 : 0; }

static void put_t(FILE *f, ks_time_t t)
{
	char b[32];
	format_seconds(b, sizeof b, t);
	fputs(b, f);
}

/* "75 s" */
static const char *secs(char *buf, size_t n, ks_time_t t)
{
	return format_secs(buf, n, t);
}

/* ---- streaming ------------------------------------------------------------ */

/* A label field of a data file: the separator (',') and quotes never appear. */
static void put_label(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == ',' ? ';' : *s == '"' ? '\'' : *s == '\n' ? ' ' : *s, f);
}

/* A phase drawn around height y (a lane, or 0.5 between them for the NAT). */
static void phase_row_y(struct plot_sink *ps, double y, ks_time_t a, ks_time_t b, int kind, const char *label)
{
	if (b < a)
		b = a;
	fprintf(ps->ph, "%g,", y);
	put_t(ps->ph, a);
	fputc(',', ps->ph);
	put_t(ps->ph, b);
	fprintf(ps->ph, ",%d,", kind);
	put_label(ps->ph, label);
	fputc('\n', ps->ph);
}

static void phase_row(struct plot_sink *ps, int h, ks_time_t a, ks_time_t b, int kind, const char *label)
{
	phase_row_y(ps, lane(h), a, b, kind, label);
}

static void event_row(struct plot_sink *ps, ks_time_t t, int kind, const char *label)
{
	put_t(ps->ev, t);
	/* labels of successive events alternate between two heights */
	fprintf(ps->ev, ",%d,", kind);
	put_label(ps->ev, label);
	fprintf(ps->ev, ",%s\n", ps->nevents++ % 2 ? "1.36" : "1.5");
}

static int packet_kind(const struct segment *seg)
{
	switch ((enum seg_kind)seg->kind) {
	case SEG_RETRANS:
	case SEG_TLP: return PK_RETRANS;
	case SEG_KA_PROBE: return PK_PROBE;
	case SEG_KA_ACK: return PK_KAACK;
	case SEG_RST_NOSOCK:
	case SEG_RST_KA:
	case SEG_RST_OTHER:
	case SEG_RST_NAT: return PK_RST;
	case SEG_DUPACK:
	case SEG_CHALLENGE: return PK_OTHER;
	case SEG_NORMAL: break;
	}
	if (seg->flags & TH_RST)
		return PK_RST;
	return seg->len ? PK_DATA : PK_CTRL;
}

static void focus_add(struct plot_sink *ps, ks_time_t a, ks_time_t b)
{
	if (!ps->have_focus) {
		ps->have_focus = true;
		ps->focus0 = a;
		ps->focus1 = b;
	}
}

/* Add a piece to host h's episode (merging into the last piece when full). */
static void seg_add(struct hstate *st, ks_time_t a, ks_time_t b, int kind, uint32_t no)
{
	if (b <= a && kind != DS_RTT)
		return;
	if (st->nseg == PLOT_MAX_SEGS) {
		struct dseg *last = &st->seg[PLOT_MAX_SEGS - 1];
		last->end = b;
		last->b = no;
		return;
	}
	st->seg[st->nseg++] = (struct dseg){.start = a, .end = b, .kind = kind, .a = no, .b = no};
}

/* A timed piece, split into its nominal part and the timer's lateness. */
static void seg_add_timed(struct hstate *st, ks_time_t a, ks_time_t b, ks_time_t late, int kind, uint32_t no)
{
	if (late > b - a)
		late = b - a;
	seg_add(st, a, b - late, kind, no);
	if (late)
		seg_add(st, b - late, b, DS_LATE, no);
}

static void episode_reset(struct hstate *st)
{
	st->nprobes = st->nretrans = 0;
	st->ep = EP_NONE;
	st->nseg = 0;
	st->answered = false;
}

static void plot_packet(struct plot_sink *ps, const struct rec_packet *p)
{
	const struct segment *seg = p->seg;
	int src = seg->src, dst = seg->dst;
	int kind = packet_kind(seg);
	bool at_sender = p->reason != DROP_NONE &&
			 (p->reason == DROP_QDISC || (p->reason == DROP_UNPLUGGED && p->reason_host == src));
	/* The NAT and the path sit between the lanes (y = 0.5): a RST from the NAT
	 * starts there, a segment the NAT or the wire dropped ends there. */
	double src_y = seg->kind == SEG_RST_NAT ? 0.5 : lane(src);
	double end_lane = at_sender ? lane(src) + (src == HOST_A ? -0.25 : 0.25)
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
	put_t(ps->pk, p->sent);
	fputc(',', ps->pk);
	put_t(ps->pk, at_sender ? p->sent : p->fate_time);
	fprintf(ps->pk, ",%g,%d,%g,%d,%d,%s,%s,%s\n", src_y, lane(dst), end_lane, kind,
		p->reason != DROP_NONE, drop, label, once);
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
			/* a new silence episode: idle since the last refresh of the clock */
			if (st->answered || st->ep != EP_KA)
				episode_reset(st);
			st->ep = EP_KA;
			st->anchor = now - k->elapsed;
			st->first = now;
			seg_add_timed(st, st->anchor, now, late, DS_IDLE, 0);
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
		} else if (st->ep == EP_KA) {
			st->nprobes = k->probe_no;
			seg_add_timed(st, st->mark, now, late, DS_INTVL, k->probes_out);
			st->mark = now;
		}
		break;
	case KA_ABORT:
	case KA_ABORT_UT:
	case KA_ABORT_IDLE:
		if (st->ep == EP_KA) {
			seg_add_timed(st, st->mark, now, late, DS_WAIT, k->probes_out);
			st->mark = now;
		}
		break;
	case KA_IDLE:
	case KA_BUSY:
	case KA_RESOURCE:
	case KA_OFF:
		if (st->answered && st->ep == EP_KA)
			episode_reset(st);
		break;
	}
}

static void plot_rto(struct plot_sink *ps, ks_time_t now, const struct rec_rto *r)
{
	struct hstate *st = &ps->h[r->host];
	st->rto_limit = r->limit;
	st->rto_boundary = r->boundary;
	st->rto_ut = r->user_timeout;
	st->rto_syn = r->syn;
	if (r->decision == RTO_RETRANSMIT && r->retransmits == 1) {
		episode_reset(st);
		st->ep = EP_RTO;
		st->anchor = st->last_heard;
		ks_time_t sent = st->data_pending ? st->data_sent : st->last_heard;
		if (sent < st->anchor)
			sent = st->anchor;
		st->nretrans = 1;
		seg_add(st, st->anchor, sent, DS_NODATA, 0);
		seg_add(st, sent, now, DS_RTO, 1);
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
	seg_add(st, st->mark, now, r->decision == RTO_ABORT ? DS_WAIT : DS_RTO, r->retransmits);
	st->mark = now;
}

static void det_row(struct plot_sink *ps, double row, ks_time_t a, ks_time_t b, int kind, const char *label)
{
	fprintf(ps->det, "%g,", row);
	put_t(ps->det, a);
	fputc(',', ps->det);
	put_t(ps->det, b);
	fprintf(ps->det, ",%d,", kind);
	put_label(ps->det, label);
	fputc('\n', ps->det);
}

static void seg_label(char *buf, size_t n, const struct dseg *g)
{
	char a[32];
	secs(a, sizeof a, g->end - g->start);
	switch (g->kind) {
	case DS_IDLE: snprintf(buf, n, "idle %s", a); break;
	case DS_INTVL:
		if (g->a == g->b)
			snprintf(buf, n, "%s", a);
		else
			snprintf(buf, n, "#%u-#%u %s", g->a, g->b, a);
		break;
	case DS_LATE: snprintf(buf, n, "late %s", a); break;
	case DS_RTT: snprintf(buf, n, "RTT %s", a); break;
	case DS_RTO: snprintf(buf, n, "%s", a); break;
	case DS_NODATA: snprintf(buf, n, "nothing to send %s", a); break;
	case DS_WAIT: snprintf(buf, n, "%s", a); break;
	default: buf[0] = '\0';
	}
}

/* Host h noticed (REC_END with an error): its measured and closed-form bars. */
static void detection(struct plot_sink *ps, ks_time_t now, const struct rec_end *e)
{
	struct hstate *st = &ps->h[e->host];
	char lab[160], a[32], b[32], c[32], d[32];
	if (st->detected)
		return;
	st->detected = true;
	st->row = 3.0 - 2.0 * ps->ndetected++;
	if (st->ep == EP_NONE) {
		/* no probe, no retransmission: e.g. a RST answering fresh data */
		st->anchor = st->last_heard;
		st->mark = st->anchor;
		st->first = now;
	}
	if (st->answered && st->answered_at >= st->mark)
		seg_add(st, st->mark, st->answered_at, DS_RTT, 0);
	else if (now > st->mark)
		seg_add(st, st->mark, now, DS_WAIT, 0);
	ks_time_t total = now - st->anchor;
	for (size_t i = 0; i < st->nseg; i++) {
		const struct dseg *g = &st->seg[i];
		seg_label(lab, sizeof lab, g);
		if (total && (g->end - g->start) * 100 < total * 6)
			lab[0] = '\0'; /* too narrow to carry a label */
		det_row(ps, st->row, g->start - st->anchor, g->end - st->anchor, g->kind, lab);
	}
	if (st->ep == EP_KA && st->nprobes && st->first < now) {
		ks_time_t mid = (st->first + now) / 2 - st->anchor;
		if (st->answered)
			snprintf(lab, sizeof lab, "probe #%u answered by %s", st->nprobes,
				 e->why == END_RESET ? "a RST" : "the peer");
		else
			snprintf(lab, sizeof lab, "%u probe%s every %s; none answered", st->nprobes,
				 st->nprobes == 1 ? "" : "s", secs(a, sizeof a, st->ka_intvl));
		det_row(ps, st->row, mid, mid, DS_NOTE, lab);
	} else if (st->ep == EP_RTO && st->first < now) {
		ks_time_t mid = (st->first + now) / 2 - st->anchor;
		snprintf(lab, sizeof lab, "%u retransmissions; the RTO doubles each time (up to 120 s)", st->nretrans);
		det_row(ps, st->row, mid, mid, DS_NOTE, lab);
	}
	snprintf(lab, sizeof lab, "%s: %c gets %s", secs(a, sizeof a, total), hn(e->host),
		 e->error ? tcp_errno_name(e->error) : "no error");
	det_row(ps, st->row, total, total, DS_LABEL, lab);

	/* The closed form. */
	double r2 = st->row - 0.8;
	if (st->ep == EP_RTO) {
		ks_time_t first = st->first - st->anchor;
		ks_time_t sent = st->nseg > 1 ? st->seg[1].start - st->anchor : 0;
		det_row(ps, r2, 0, sent, DS_NODATA, "");
		det_row(ps, r2, sent, first, DS_RTO, "");
		if (st->rto_ut)
			snprintf(lab, sizeof lab, "limit TCP_USER_TIMEOUT %s", secs(a, sizeof a, st->rto_limit));
		else
			snprintf(lab, sizeof lab, "limit %s (%s %u)", secs(a, sizeof a, st->rto_limit),
				 st->rto_syn ? "tcp_syn_retries" : "tcp_retries2", st->rto_boundary);
		det_row(ps, r2, first, first + st->rto_limit, DS_RTO, lab);
		snprintf(lab, sizeof lab, "%s: first retransmission + limit (abort at the next expiry after it)",
			 secs(a, sizeof a, first + st->rto_limit));
		det_row(ps, r2, first + st->rto_limit, first + st->rto_limit, DS_LABEL, lab);
	} else if (st->have_ka) {
		uint32_t k = st->ka_probes;
		ks_time_t idle = st->ka_time, iv = st->ka_intvl;
		if (st->ut) {
			ks_time_t ut = (ks_time_t)st->ut * KS_MS;
			k = 1;
			if (ut > idle + iv)
				k = (uint32_t)((ut - idle + iv - 1) / iv);
		}
		ks_time_t pred = idle + (ks_time_t)k * iv;
		snprintf(lab, sizeof lab, "keepidle %s", secs(a, sizeof a, idle));
		det_row(ps, r2, 0, idle, DS_IDLE, idle * 100 >= pred * 12 ? lab : "");
		snprintf(lab, sizeof lab, "%u x keepintvl %s", k, secs(a, sizeof a, iv));
		det_row(ps, r2, idle + (ks_time_t)k * iv / 2, idle + (ks_time_t)k * iv / 2, DS_NOTE, lab);
		for (uint32_t i = 0; i < k; i++)
			det_row(ps, r2, idle + i * iv, idle + (i + 1) * iv, DS_INTVL, "");
		if (st->ut)
			snprintf(lab, sizeof lab, "%s = %s + %u x %s: first check >= TCP_USER_TIMEOUT %s",
				 secs(a, sizeof a, pred), secs(b, sizeof b, idle), k, secs(c, sizeof c, iv),
				 secs(d, sizeof d, (ks_time_t)st->ut * KS_MS));
		else
			snprintf(lab, sizeof lab, "%s = keepidle %s + keepcnt %u x keepintvl %s",
				 secs(a, sizeof a, pred), secs(b, sizeof b, idle), k, secs(c, sizeof c, iv));
		det_row(ps, r2, pred, pred, DS_LABEL, lab);
	}
	if (ps->ndetected == 1) {
		ps->first_detector = e->host;
		snprintf(ps->first_detect_text, sizeof ps->first_detect_text, "%c detects (%s) at %s",
			 hn(e->host), e->error ? tcp_errno_name(e->error) : "no error", secs(a, sizeof a, now));
	}
	focus_add(ps, st->first < now ? st->first : now, now);
}

static void plot_record(struct sink *s, const struct sim *sim, const struct ks_record *r)
{
	(void)sim;
	struct plot_sink *ps = (struct plot_sink *)s;
	char lab[160];
	switch (r->type) {
	case REC_PACKET: plot_packet(ps, &r->u.pkt); break;
	case REC_KEEPALIVE: plot_keepalive(ps, r->t, &r->u.ka); break;
	case REC_RTO: plot_rto(ps, r->t, &r->u.rto); break;
	case REC_ACTION: {
		const struct sc_event *ev = r->u.act.ev;
		if (r->u.act.result)
			break;
		if (ev->host < 0) {
			/* an event of the path or the NAT */
			event_row(ps, r->t, EV_SCENARIO, action_name(ev->action));
			break;
		}
		struct hstate *st = &ps->h[ev->host];
		snprintf(lab, sizeof lab, "%s %c", action_name(ev->action), hn(ev->host));
		event_row(ps, r->t, EV_SCENARIO, lab);
		if (ev->action == ACT_UNPLUG && !st->unplugged) {
			st->unplugged = true;
			st->unplugged_start = r->t;
		} else if (ev->action == ACT_REPLUG && st->unplugged) {
			st->unplugged = false;
			phase_row(ps, ev->host, st->unplugged_start, r->t, PH_UNPLUGGED, "cable pulled");
		} else if (ev->action == ACT_CRASH && !st->down) {
			st->down = true;
			st->down_start = r->t;
		} else if ((ev->action == ACT_BOOT || ev->action == ACT_REBOOT) && st->down) {
			st->down = false;
			phase_row(ps, ev->host, st->down_start, r->t, PH_DOWN, "powered off");
		} else if (ev->action == ACT_REBOOT) {
			phase_row(ps, ev->host, r->t, r->t, PH_DOWN, "rebooted");
		}
		break;
	}
	case REC_STATE:
		if (r->u.st.to == TCP_ESTABLISHED && r->u.st.host == HOST_B && !ps->setup_done) {
			ps->setup_done = true;
			ps->setup_end = r->t;
		}
		break;
	case REC_END: {
		struct hstate *st = &ps->h[r->u.end.host];
		st->ended = true;
		if (st->probing) {
			phase_row(ps, r->u.end.host, st->probing_start, r->t, PH_PROBING, "probing");
			st->probing = false;
		}
		if (st->retrans) {
			phase_row(ps, r->u.end.host, st->retrans_start, r->t, PH_RETRANS, "retransmitting");
			st->retrans = false;
		}
		if (r->u.end.error) {
			snprintf(lab, sizeof lab, "%c detects: %s", hn(r->u.end.host),
				 tcp_errno_name(r->u.end.error));
			event_row(ps, r->t, EV_DETECT, lab);
			detection(ps, r->t, &r->u.end);
		}
		episode_reset(st);
		break;
	}
	case REC_NAT: {
		const struct rec_nat *n = &r->u.nat;
		if (n->decision == NATD_CREATED && !ps->nat_alive) {
			ps->nat_alive = true;
			ps->nat_since = r->t;
			snprintf(lab, sizeof lab, "NAT mapping :%u", n->ext_port);
			event_row(ps, r->t, EV_SCENARIO, lab);
		} else if ((n->decision == NATD_EXPIRED || n->decision == NATD_EVICTED ||
			    n->decision == NATD_FLUSHED) && ps->nat_alive) {
			ps->nat_alive = false;
			phase_row_y(ps, 0.5, ps->nat_since, r->t, PH_NAT, "NAT mapping");
			snprintf(lab, sizeof lab, "NAT mapping %s", nat_decision_name(n->decision));
			event_row(ps, r->t, EV_SCENARIO, lab);
		}
		break;
	}
	default:
		break; /* record types added later are not drawn (yet) */
	}
}

/* ---- the scripts ------------------------------------------------------------ */

static const char gp_linetypes[] =
	"set linetype 1 lc rgb '#555555' lw 1.2   # SYN, ACK, FIN\n"
	"set linetype 2 lc rgb '#1f77b4' lw 2     # data\n"
	"set linetype 3 lc rgb '#9467bd' lw 2     # retransmission\n"
	"set linetype 4 lc rgb '#ff7f0e' lw 2     # keepalive probe\n"
	"set linetype 5 lc rgb '#2ca02c' lw 2     # keepalive ACK\n"
	"set linetype 6 lc rgb '#d62728' lw 2     # RST\n"
	"set linetype 7 lc rgb '#17becf' lw 1.5   # duplicate / challenge ACK\n"
	"set linetype 11 lc rgb '#9ecae1'         # phase: idle\n"
	"set linetype 12 lc rgb '#fdae6b'         # phase: probing\n"
	"set linetype 13 lc rgb '#b39ddb'         # phase: retransmitting\n"
	"set linetype 14 lc rgb '#bdbdbd'         # phase: cable pulled\n"
	"set linetype 15 lc rgb '#636363'         # phase: powered off\n"
	"set linetype 16 lc rgb '#74c476'         # NAT mapping alive\n"
	"set linetype 21 lc rgb '#666666' dt 2 lw 1  # scenario event\n"
	"set linetype 22 lc rgb '#d62728' lw 2.5     # detection\n"
	"set linetype 31 lc rgb '#9ecae1'   # idle (keepidle)\n"
	"set linetype 32 lc rgb '#fd8d3c'   # probe interval (keepintvl)\n"
	"set linetype 33 lc rgb '#d62728'   # timer lateness\n"
	"set linetype 34 lc rgb '#2ca02c'   # round trip\n"
	"set linetype 35 lc rgb '#9467bd'   # retransmission timeout\n"
	"set linetype 36 lc rgb '#e0e0e0'   # nothing to send\n"
	"set linetype 37 lc rgb '#fdd0a2'   # wait after the last probe\n";

static void gp_head(FILE *f, const struct sim *sim, const char *what, const char *base)
{
	char q[600];
	fprintf(f, "# kasim %s: %s\n", KASIM_VERSION, what);
	fputs("# Written by kasim; the data files are next to this script. Render from this directory:\n", f);
	fprintf(f, "#   gnuplot %s.gp     (writes %s.png and %s.svg)\n", base, base, base);
	fprintf(f, "if (!exists('png')) png = '%s.png'\n", base);
	fprintf(f, "if (!exists('svg')) svg = '%s.svg'\n", base);
	gp_quote(q, sizeof q, sim->sc->name, GP_SCRIPT);
	fprintf(f, "scenario = %s\n", q);
	gp_quote(q, sizeof q, sim->sc->description, GP_SCRIPT);
	fprintf(f, "description = %s\n", q);
	fputs("page_title = scenario . (strlen(description) > 0 ? ': ' . description : '')\n", f);
	fputs("set datafile separator comma\n", f);
	fputs(gp_linetypes, f);
}

static void gp_terminal(FILE *f, int w, int h)
{
	fprintf(f, "  if (fmt eq 'png') { set terminal pngcairo size %d,%d font 'Sans,11'; set output png }\n", w, h);
	fprintf(f, "  if (fmt eq 'svg') { set terminal svg size %d,%d dynamic font 'Sans,11'; set output svg }\n", w,
		h);
}

static double sec_d(ks_time_t t) { return (double)t / 1e9; }

/* The range [a, b] widened by frac of its width on each side (at least min_pad). */
static void pad(double *a, double *b, double frac, double min_pad)
{
	double p = (*b - *a) * frac;
	if (p < min_pad)
		p = min_pad;
	*a -= p;
	*b += p;
}

/* Note: points of `with labels` are moved out of range with -1e12, never
 * hidden with NaN: gnuplot 5.4.4 crashes on a labels plot whose points are
 * all undefined. */

/* A tic step giving 3 to 7 tics over w: 1, 2 or 5 times a power of ten. */
static double nice_step(double w)
{
	double p = 1;
	if (!(w > 0))
		return 1;
	while (p * 10 <= w / 3)
		p *= 10;
	while (p > w / 3)
		p /= 10;
	return p * 5 <= w / 3 ? p * 5 : p * 2 <= w / 3 ? p * 2 : p;
}

/* One panel of the timeline: xrange, the data, optionally the legend. */
static void gp_panel(FILE *f, const char *title, double x0, double x1, bool labels)
{
	fprintf(f, "  set title %s\n", title);
	fprintf(f, "  set xrange [%.9g:%.9g]\n", x0, x1);
	fprintf(f, "  set xtics %.9g\n", nice_step(x1 - x0));
	fputs("  plot 'timeline-phases.dat' using (($2+$3)/2):1:(($3-$2)/2 > 0 ? ($3-$2)/2 : 0):($4 == 16 ? 0.05 : 0.42):4 "
	      "with boxxyerror fs transparent solid 0.45 noborder lc variable notitle, \\\n"
	      "       'timeline-events.dat' using 1:(-0.62):(0):(2.24):2 with vectors nohead lc variable notitle, \\\n"
	      "       'timeline-events.dat' using 1:4:3 with labels left offset char 0.4,0 font ',9' "
	      "noenhanced notitle, \\\n"
	      "       'timeline-packets.dat' using 1:3:($2-$1):($5-$3):6 with vectors head filled size char 0.9,20 "
	      "lc variable notitle, \\\n"
	      "       'timeline-packets.dat' using ($7 == 1 ? $2 : NaN):5 with points pt 2 ps 1.8 lw 2 lc rgb '#d62728' notitle",
	      f);
	if (labels)
		fputs(", \\\n"
		      "       'timeline-packets.dat' using ($7 == 1 ? $2 : -1e12):($5 + ($5 > 0.5 ? 0.16 : -0.16)):10 with labels left font ',9' "
		      "tc rgb '#b00000' noenhanced notitle, \\\n"
		      "       'timeline-packets.dat' using 1:($3 + ($3 > 0.5 ? 0.1 : -0.1)):9 with labels font ',8' "
		      "noenhanced notitle\n",
		      f);
	else
		fputc('\n', f);
}

static int write_timeline(struct plot_sink *ps, const struct sim *sim)
{
	FILE *f = outdir_fopen(ps->od, "plots/timeline.gp");
	if (!f)
		return -1;
	gp_head(f, sim, "timeline of a run (A and B as two lanes over time)", "timeline");
	double dur = sec_d(sim->sc->duration);

	/* Set-up window. */
	double s0 = 0, s1 = sec_d(ps->setup_end);
	pad(&s0, &s1, 0.15, 0.001);
	/* Focus window: the first detection's episode, else the first probe and its answer. */
	double f0, f1;
	const char *ftitle;
	if (ps->have_focus) {
		f0 = sec_d(ps->focus0);
		f1 = sec_d(ps->focus1);
		ftitle = "Zoom: probing until detection";
	} else if (ps->have_probe) {
		f0 = sec_d(ps->first_probe);
		f1 = sec_d(ps->have_answer && ps->first_answer >= ps->first_probe ? ps->first_answer
										  : ps->first_probe + ps->first_intvl);
		ftitle = "Zoom: the first keepalive probe";
	} else {
		f0 = 0;
		f1 = dur;
		ftitle = "Zoom: the whole run (no keepalive probe was sent)";
	}
	pad(&f0, &f1, 0.08, 0.001);
	if (f0 < 0 && ps->have_focus)
		f0 = 0;
	char t[256], q[300];

	fputs("set yrange [-0.62:1.62]\n"
	      "set ytics ('B (server)' 0, 'A (client)' 1)\n"
	      "set grid xtics lc rgb '#dddddd'\n"
	      "set xlabel 'simulated time since A sent its SYN (s)'\n"
	      "set format x '%.10g'\n"
	      "set xtics nomirror\n"
	      "unset key\n",
	      f);
	fputs("do for [fmt in 'png svg'] {\n", f);
	gp_terminal(f, 1500, 1000);
	fputs("  set multiplot title page_title font ',14' noenhanced\n", f);
	/* Legend: its own area at the right, drawn with NaN samples. */
	fputs("  set lmargin at screen 0.07; set rmargin at screen 0.80\n"
	      "  set tmargin at screen 0.90; set bmargin at screen 0.56\n"
	      "  set key at screen 0.995, 0.93 right top box opaque spacing 1.15 font ',10' samplen 2.5\n",
	      f);
	snprintf(t, sizeof t, "Whole run: 0 to %.10g s (arrows: packets from sender at send time to receiver at "
		 "arrival; x: dropped)", dur);
	gp_quote(q, sizeof q, t, GP_SCRIPT);
	gp_panel(f, q, 0, dur, false);
	/* legend entries over the first panel: replot only the samples */
	fputs("  unset title; unset border; unset xtics; unset ytics; unset grid; unset xlabel\n"
	      "  plot NaN with lines lt 1 lw 3 title 'SYN / ACK / FIN', NaN with lines lt 2 lw 3 title 'data', \\\n"
	      "       NaN with lines lt 3 lw 3 title 'retransmission', NaN with lines lt 4 lw 3 title 'keepalive probe', \\\n"
	      "       NaN with lines lt 5 lw 3 title 'keepalive ACK', NaN with lines lt 6 lw 3 title 'RST', \\\n"
	      "       NaN with lines lt 7 lw 3 title 'dup / challenge ACK', \\\n"
	      "       NaN with points pt 2 ps 1.8 lw 2 lc rgb '#d62728' title 'dropped (reason in the zooms)', \\\n"
	      "       NaN with boxes fs solid 0.6 lt 11 title 'phase: idle', \\\n"
	      "       NaN with boxes fs solid 0.6 lt 12 title 'phase: probing', \\\n"
	      "       NaN with boxes fs solid 0.6 lt 13 title 'phase: retransmitting', \\\n"
	      "       NaN with boxes fs solid 0.6 lt 14 title 'cable pulled', \\\n"
	      "       NaN with boxes fs solid 0.6 lt 15 title 'powered off', \\\n"
	      "       NaN with boxes fs solid 0.6 lt 16 title 'NAT mapping alive', \\\n"
	      "       NaN with lines lt 21 title 'scenario event', NaN with lines lt 22 title 'detection'\n"
	      "  unset key\n"
	      "  set border; set xtics nomirror; set ytics ('B (server)' 0, 'A (client)' 1); set grid xtics\n"
	      "  set xlabel 'simulated time since A sent its SYN (s)'\n",
	      f);
	/* Bottom left: the set-up. */
	fputs("  set tmargin at screen 0.46; set bmargin at screen 0.07\n"
	      "  set lmargin at screen 0.07; set rmargin at screen 0.27\n",
	      f);
	if (ps->setup_end == 0)
		snprintf(t, sizeof t, "Zoom: connection set-up (all at t = 0: the link has no delay)");
	else
		snprintf(t, sizeof t, "Zoom: connection set-up (0 to %.6g s)", s1);
	gp_quote(q, sizeof q, t, GP_SCRIPT);
	gp_panel(f, q, s0, s1, true);
	/* Bottom right: the focus. */
	fputs("  set lmargin at screen 0.33; set rmargin at screen 0.80\n", f);
	snprintf(t, sizeof t, "%s (%.10g to %.10g s)", ftitle, f0, f1);
	gp_quote(q, sizeof q, t, GP_SCRIPT);
	gp_panel(f, q, f0, f1, true);
	fputs("  unset multiplot\n  unset output\n}\n", f);
	return outdir_fclose(ps->od, f);
}

static int write_detection(struct plot_sink *ps, const struct sim *sim)
{
	FILE *f = outdir_fopen(ps->od, "plots/detection.gp");
	if (!f)
		return -1;
	gp_head(f, sim, "where the time to detection went, against the closed form", "detection");
	ks_time_t xmax = 0;
	for (int h = 0; h < NHOSTS; h++) {
		const struct hstate *st = &ps->h[h];
		if (!st->detected)
			continue;
		/* the closed form can be longer than the measurement (a RST came early) */
		ks_time_t m = st->mark > st->anchor ? st->mark - st->anchor : 0;
		if (m > xmax)
			xmax = m;
		ks_time_t pred = 0;
		if (st->ep == EP_RTO || (st->nseg && st->seg[0].kind == DS_NODATA))
			pred = (st->first > st->anchor ? st->first - st->anchor : 0) + st->rto_limit;
		else if (st->have_ka) {
			uint32_t k = st->ka_probes;
			if (st->ut) {
				ks_time_t ut = (ks_time_t)st->ut * KS_MS;
				k = 1;
				if (ut > st->ka_time + st->ka_intvl)
					k = (uint32_t)((ut - st->ka_time + st->ka_intvl - 1) / st->ka_intvl);
			}
			pred = st->ka_time + (ks_time_t)k * st->ka_intvl;
		}
		if (pred > xmax)
			xmax = pred;
		for (size_t i = 0; i < st->nseg; i++)
			if (st->seg[i].end - st->anchor > xmax)
				xmax = st->seg[i].end - st->anchor;
	}
	double x1 = xmax ? sec_d(xmax) * 1.9 : 1;
	fprintf(f, "set xrange [0:%.10g]\n", x1);
	fprintf(f, "set yrange [%g:3.7]\n", ps->ndetected >= 2 ? -0.5 : 1.5);
	fputs("set xlabel 'seconds since the endpoint last heard from its peer (s)'\n"
	      "set format x '%.10g'\n"
	      "set grid xtics lc rgb '#dddddd'\n"
	      "set style fill solid 0.85 border lc rgb '#ffffff'\n",
	      f);
	/* y tics: which bar is which */
	fputs("set ytics (", f);
	int n = 0;
	for (int h = 0; h < NHOSTS; h++) {
		const struct hstate *st = &ps->h[h];
		if (!st->detected)
			continue;
		fprintf(f, "%s'%c: what happened (kasim)' %g, '%c: closed form (%c silent)' %g", n++ ? ", " : "", hn(h),
			st->row, hn(h), hn(!h), st->row - 0.8);
	}
	if (!n)
		fputs("'' 0", f);
	fputs(")\n", f);
	if (!n)
		fputs("set label 1 'No endpoint detected a dead peer in this run: nothing to break down.' "
		      "at graph 0.5, 0.5 center font ',14'\n",
		      f);
	fputs("set key at screen 0.5, 0.015 center bottom horizontal box spacing 1.2 font ',10' maxrows 2\n"
	      "set bmargin at screen 0.22\n",
	      f);
	fputs("do for [fmt in 'png svg'] {\n", f);
	gp_terminal(f, 1400, 700);
	fputs("  set title page_title . \"\\nWhere the time to detection went (measured) against the closed-form "
	      "prediction\" font ',13' noenhanced\n",
	      f);
	fputs("  plot 'detection.dat' using ($4 > 30 ? ($2+$3)/2 : NaN):1:(($3-$2)/2):(0.3):4 with boxxyerror "
	      "lc variable notitle, \\\n"
	      "       'detection.dat' using ($4 > 30 ? ($2+$3)/2 : -1e12):1:5 with labels font ',9' noenhanced notitle, \\\n"
	      "       'detection.dat' using ($4 == 30 ? $2 : -1e12):1:5 with labels left offset char 1,0 font ',10' "
	      "noenhanced notitle, \\\n"
	      "       'detection.dat' using ($4 == 29 ? $2 : -1e12):($1 + 0.45):5 with labels font ',10' "
	      "noenhanced notitle, \\\n"
	      "       NaN with boxes lt 31 title 'idle (keepidle)', NaN with boxes lt 32 title 'probe interval (keepintvl)', \\\n"
	      "       NaN with boxes lt 37 title 'after the last probe / retransmission', NaN with boxes lt 33 title 'timer lateness', \\\n"
	      "       NaN with boxes lt 34 title 'round trip (probe -> answer)', \\\n"
	      "       NaN with boxes lt 35 title 'retransmission timeout', NaN with boxes lt 36 title 'nothing to send'\n",
	      f);
	fputs("  unset output\n}\n", f);
	return outdir_fclose(ps->od, f);
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
	if (ps->nat_alive)
		phase_row_y(ps, 0.5, ps->nat_since, end, PH_NAT, "NAT mapping");
	if (!ps->setup_done && ps->npk < 3)
		ps->setup_end = ps->npk ? ps->setup_end : 0;
	outdir_fclose(ps->od, ps->pk);
	outdir_fclose(ps->od, ps->ph);
	outdir_fclose(ps->od, ps->ev);
	outdir_fclose(ps->od, ps->det);
	ps->pk = ps->ph = ps->ev = ps->det = NULL;
	write_timeline(ps, sim);
	write_detection(ps, sim);
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

/* ---- rendering ----------------------------------------------------------------- */

int plot_render(struct outdir *od, char *err, size_t n)
{
	char where[4096];
	snprintf(where, sizeof where, "%s/plots", outdir_dir(od));
	int wd = outdir_workdir(od, "plots");
	if (wd < 0) {
		snprintf(err, n, "%s", outdir_error(od));
		return 1;
	}
	for (size_t i = 0; i < plot_nscripts; i++) {
		char base[64], rel[96];
		const char *name = strrchr(plot_scripts[i], '/') + 1;
		snprintf(base, sizeof base, "%.*s", (int)(strlen(name) - 3), name);
		snprintf(rel, sizeof rel, "plots/%s.png", base);
		int hp = outdir_reserve(od, rel);
		snprintf(rel, sizeof rel, "plots/%s.svg", base);
		int hs = outdir_reserve(od, rel);
		if (hp < 0 || hs < 0) {
			snprintf(err, n, "%s", outdir_error(od));
			return 1;
		}
		int rc = gnuplot_run(wd, where, name, STDERR_FILENO, err, n);
		outdir_reserved_done(od, hp, rc == 0, gnuplot_output_complete);
		outdir_reserved_done(od, hs, rc == 0, gnuplot_output_complete);
		if (rc)
			return rc;
		if (outdir_error(od)[0]) {
			snprintf(err, n, "%s", outdir_error(od));
			return 1;
		}
	}
	return 0;
}
