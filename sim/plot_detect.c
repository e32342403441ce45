/*
 * plot_detect.c - where the time to detection went: each host's current
 * silence episode (idle, probe intervals, timer lateness, retransmission
 * timeouts) and, when the host notices, its bars in detection.dat
 *   row,start_s,end_s,kind,label
 * (what happened, and 0.8 below it the closed form), then detection.vars
 * for plots/detection.gp.
 */
#include <string.h>

#include "gnuplot.h"
#include "priv/plot_priv.h"

void plot_episode_reset(struct hstate *st)
{
	st->nprobes = st->nretrans = 0;
	st->ep = EP_NONE;
	st->nseg = 0;
	st->answered = false;
}

/* Add a piece to host h's episode (merging into the last piece when full). */
void plot_seg_add(struct hstate *st, ks_time_t a, ks_time_t b, int kind, uint32_t no)
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

void plot_seg_add_timed(struct hstate *st, ks_time_t a, ks_time_t b, ks_time_t late, int kind, uint32_t no)
{
	if (late > b - a)
		late = b - a;
	plot_seg_add(st, a, b - late, kind, no);
	if (late)
		plot_seg_add(st, b - late, b, DS_LATE, no);
}

static void det_row(struct plot_sink *ps, double row, ks_time_t a, ks_time_t b, int kind, const char *label)
{
	plot_span_row(ps->det, row, a, b, kind, label);
}

static void seg_label(char *buf, size_t n, const struct dseg *g)
{
	char a[32];
	format_secs(a, sizeof a, g->end - g->start);
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

/* Keepalive checks until the abort: keepcnt, or with TCP_USER_TIMEOUT the
 * first check at or past it. */
static uint32_t ka_checks(const struct hstate *st)
{
	if (!st->ut)
		return st->ka_probes;
	ks_time_t ut = (ks_time_t)st->ut * KS_MS;
	if (ut > st->ka_time + st->ka_intvl)
		return (uint32_t)((ut - st->ka_time + st->ka_intvl - 1) / st->ka_intvl);
	return 1;
}

/* The measured bar: the episode's pieces, a note over them, the total. */
static void measured_bar(struct plot_sink *ps, struct hstate *st, ks_time_t now, const struct rec_end *e)
{
	char lab[160], a[32];
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
				 st->nprobes == 1 ? "" : "s", format_secs(a, sizeof a, st->ka_intvl));
		det_row(ps, st->row, mid, mid, DS_NOTE, lab);
	} else if (st->ep == EP_RTO && st->first < now) {
		ks_time_t mid = (st->first + now) / 2 - st->anchor;
		snprintf(lab, sizeof lab, "%u retransmissions; the RTO doubles each time (up to 120 s)", st->nretrans);
		det_row(ps, st->row, mid, mid, DS_NOTE, lab);
	}
	snprintf(lab, sizeof lab, "%s: %c gets %s", format_secs(a, sizeof a, total), host_letter(e->host),
		 e->error ? tcp_errno_name(e->error) : "no error");
	det_row(ps, st->row, total, total, DS_LABEL, lab);
}

/* The closed form of a retransmission timeout: first retransmission + limit. */
static void closed_form_rto(struct plot_sink *ps, const struct hstate *st, double r2)
{
	char lab[160], a[32];
	ks_time_t first = st->first - st->anchor;
	ks_time_t sent = st->nseg > 1 ? st->seg[1].start - st->anchor : 0;
	det_row(ps, r2, 0, sent, DS_NODATA, "");
	det_row(ps, r2, sent, first, DS_RTO, "");
	if (st->rto_ut)
		snprintf(lab, sizeof lab, "limit TCP_USER_TIMEOUT %s", format_secs(a, sizeof a, st->rto_limit));
	else
		snprintf(lab, sizeof lab, "limit %s (%s %u)", format_secs(a, sizeof a, st->rto_limit),
			 st->rto_rule, st->rto_boundary);
	det_row(ps, r2, first, first + st->rto_limit, DS_RTO, lab);
	snprintf(lab, sizeof lab, "%s: first retransmission + limit (abort at the next expiry after it)",
		 format_secs(a, sizeof a, first + st->rto_limit));
	det_row(ps, r2, first + st->rto_limit, first + st->rto_limit, DS_LABEL, lab);
}

/* The closed form of keepalive: keepidle + keepcnt x keepintvl. */
static void closed_form_ka(struct plot_sink *ps, const struct hstate *st, double r2)
{
	char lab[160], a[32], b[32], c[32], d[32];
	uint32_t k = ka_checks(st);
	ks_time_t idle = st->ka_time, iv = st->ka_intvl;
	ks_time_t pred = idle + (ks_time_t)k * iv;
	snprintf(lab, sizeof lab, "keepidle %s", format_secs(a, sizeof a, idle));
	det_row(ps, r2, 0, idle, DS_IDLE, idle * 100 >= pred * 12 ? lab : "");
	snprintf(lab, sizeof lab, "%u x keepintvl %s", k, format_secs(a, sizeof a, iv));
	det_row(ps, r2, idle + (ks_time_t)k * iv / 2, idle + (ks_time_t)k * iv / 2, DS_NOTE, lab);
	for (uint32_t i = 0; i < k; i++)
		det_row(ps, r2, idle + i * iv, idle + (i + 1) * iv, DS_INTVL, "");
	if (st->ut)
		snprintf(lab, sizeof lab, "%s = %s + %u x %s: first check >= TCP_USER_TIMEOUT %s",
			 format_secs(a, sizeof a, pred), format_secs(b, sizeof b, idle), k, format_secs(c, sizeof c, iv),
			 format_secs(d, sizeof d, (ks_time_t)st->ut * KS_MS));
	else
		snprintf(lab, sizeof lab, "%s = keepidle %s + keepcnt %u x keepintvl %s",
			 format_secs(a, sizeof a, pred), format_secs(b, sizeof b, idle), k, format_secs(c, sizeof c, iv));
	det_row(ps, r2, pred, pred, DS_LABEL, lab);
}

void plot_detection(struct plot_sink *ps, ks_time_t now, const struct rec_end *e)
{
	struct hstate *st = &ps->h[e->host];
	char a[32];
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
		plot_seg_add(st, st->mark, st->answered_at, DS_RTT, 0);
	else if (now > st->mark)
		plot_seg_add(st, st->mark, now, DS_WAIT, 0);
	measured_bar(ps, st, now, e);
	if (st->ep == EP_RTO)
		closed_form_rto(ps, st, st->row - 0.8);
	else if (st->have_ka)
		closed_form_ka(ps, st, st->row - 0.8);
	if (ps->ndetected == 1) {
		ps->first_detector = e->host;
		snprintf(ps->first_detect_text, sizeof ps->first_detect_text, "%c detects (%s) at %s",
			 host_letter(e->host), e->error ? tcp_errno_name(e->error) : "no error",
			 format_secs(a, sizeof a, now));
	}
	if (!ps->have_focus) {
		ps->have_focus = true;
		ps->focus0 = st->first < now ? st->first : now;
		ps->focus1 = now;
	}
}

/* The longest bar of host h: measured, or its closed form (which can be
 * longer than the measurement when a RST came early). */
static ks_time_t longest_bar(const struct hstate *st)
{
	ks_time_t xmax = st->mark > st->anchor ? st->mark - st->anchor : 0, pred = 0;
	if (st->ep == EP_RTO || (st->nseg && st->seg[0].kind == DS_NODATA))
		pred = (st->first > st->anchor ? st->first - st->anchor : 0) + st->rto_limit;
	else if (st->have_ka)
		pred = st->ka_time + (ks_time_t)ka_checks(st) * st->ka_intvl;
	if (pred > xmax)
		xmax = pred;
	for (size_t i = 0; i < st->nseg; i++)
		if (st->seg[i].end - st->anchor > xmax)
			xmax = st->seg[i].end - st->anchor;
	return xmax;
}

int plot_detection_vars(struct plot_sink *ps, const struct sim *sim)
{
	FILE *f = outdir_fopen(ps->od, "plots/detection.vars");
	if (!f)
		return -1;
	ks_time_t xmax = 0;
	for (int h = 0; h < NHOSTS; h++)
		if (ps->h[h].detected && longest_bar(&ps->h[h]) > xmax)
			xmax = longest_bar(&ps->h[h]);
	gp_vars_head(f, "detection.gp");
	gp_var_text(f, "scenario", sim->sc->name);
	gp_var_text(f, "description", sim->sc->description);
	gp_var_num(f, "xmax_s", xmax ? (double)xmax / 1e9 * 1.9 : 1);
	for (int h = 0; h < NHOSTS; h++) {
		char key[8];
		snprintf(key, sizeof key, "row_%c", host_letter(h));
		gp_var_num(f, key, ps->h[h].detected ? ps->h[h].row : 0);
	}
	return outdir_fclose(ps->od, f);
}
