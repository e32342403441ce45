/*
 * sweep_points.h - a sweep's points as its reports see them: the statistics
 * of each point (struct pstat, computed by sweep_stats.c from the results)
 * and the projections of points onto groups and plot series, shared by the
 * recommendation (sweep_report.c) and the plots (sweep_plot.c).
 *
 *   group   a point's values on the environment axes (not [A]/[B] settings):
 *           the recommendation picks the best settings per group, the
 *           survival and trade-off plots draw one row / series per group;
 *   series  its values on every axis but the side's tcp_keepidle (the x axis
 *           of the detection plot; A's, or B's when the sweep is B's): one
 *           line per series.
 * Both are numbered row-major over the kept dimensions, in point order.
 */
#ifndef KASIM_SWEEP_POINTS_H
#define KASIM_SWEEP_POINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sweep.h"

#include "rare.h"

/* One host's side of a point: its effective keepalive settings and how fast
 * it detected its peer's death. */
struct phost {
	bool keepalive;              /* SO_KEEPALIVE */
	uint32_t idle, intvl, cnt;   /* effective keepalive settings */
	uint32_t user_timeout;       /* ms, 0 = off */
	uint32_t detected;           /* runs whose detection phase detected */
	ks_time_t det[4];            /* p50, p90, p99, max; NEVER = none detected */
};

struct pstat {
	uint32_t runs, lost;
	double p, lo, hi;            /* P(loss) and its Wilson 95 % interval */
	struct phost host[NHOSTS];
	/* the side's (sweep->side) host[] values, which the objective uses */
	uint32_t detected;
	ks_time_t det[4];
	uint32_t idle, intvl, cnt;
	double probes_h, bytes_h;    /* means over runs */
	uint64_t nat_expired, nat_evicted; /* totals over runs */
	/* the loss-safe boundary of the point's group (environment): the longest
	 * side keepidle with P(loss) <= max_loss, the shortest with more; 0 = none */
	uint32_t safe_idle_max, unsafe_idle_min;
	bool fa_exact;               /* the side's false-abort probability is known */
	struct false_abort fa;
	bool meets;
};

size_t sweep_ngroups(const struct sweep *sw);
size_t sweep_group_of(const struct sweep *sw, size_t p);
size_t sweep_nseries(const struct sweep *sw);
size_t sweep_series_of(const struct sweep *sw, size_t p);
/* "nat.preset=aws-nat-gateway, link.loss=0" (the axes as written, with point
 * p's values), or "all points" when there is no such axis. */
void sweep_group_label(char *buf, size_t n, const struct sweep *sw, size_t p);
void sweep_series_label(char *buf, size_t n, const struct sweep *sw, size_t p);

#endif
