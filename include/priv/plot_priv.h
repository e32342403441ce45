/*
 * priv/plot_priv.h - the plot sink's state, shared by its three files and by
 * nothing else: plot_data.c (the sink and the timeline's data files),
 * plot_detect.c (the detection analysis: detection.dat and detection.vars)
 * and plot_out.c (timeline.vars, the templates, rendering).
 *
 * Kinds are the line types the templates define (plots/timeline.gp,
 * plots/detection.gp): packet kinds 1-7, phases 11-16, markers 21-22,
 * detection pieces 31-37, a bar's end label 30 and its note 29.
 */
#ifndef KASIM_PLOT_PRIV_H
#define KASIM_PLOT_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "plot_out.h"
#include "sim.h"

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
	const char *rto_rule;   /* rto_rule(): tcp_retries2, tcp_syn_retries, ... */
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
	struct hstate h[NSOCKS];     /* A, B (P's sockets: not drawn) */
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
	bool nat_alive[NAT_NBOXES]; /* the simulated connection's mapping exists in the NAT / LB */
	ks_time_t nat_since[NAT_NBOXES];
	char last_drop[64];      /* the drop reason labelled last (labels once per streak) */
};

/* plot_data.c: shared formatting (durations: duration.h format_secs; host_letter: scenario.h). */
void plot_put_t(FILE *f, ks_time_t t);      /* seconds, as format_seconds */
void plot_put_label(FILE *f, const char *s); /* a label field: no ',', '"' or newline */
/* A row "y,a_s,b_s,kind,label" (timeline-phases.dat, detection.dat). */
void plot_span_row(FILE *f, double y, ks_time_t a, ks_time_t b, int kind, const char *label);

/* plot_detect.c: the silence episode of a host and its breakdown. */
void plot_episode_reset(struct hstate *st);
void plot_seg_add(struct hstate *st, ks_time_t a, ks_time_t b, int kind, uint32_t no);
/* A timed piece, split into its nominal part and the timer's lateness. */
void plot_seg_add_timed(struct hstate *st, ks_time_t a, ks_time_t b, ks_time_t late, int kind, uint32_t no);
/* Host e->host noticed (REC_END with an error): its measured and closed-form bars. */
void plot_detection(struct plot_sink *ps, ks_time_t now, const struct rec_end *e);
/* detection.vars (through ps->od): 0 or -1. */
int plot_detection_vars(struct plot_sink *ps, const struct sim *sim);

/* plot_out.c, at finish: timeline.vars, detection.vars and the templates
 * (a failure is remembered by the outdir and fails the commit). */
void plot_write_scripts(struct plot_sink *ps, const struct sim *sim);

#endif
