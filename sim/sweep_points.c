/*
 * sweep_points.c - the projections of a sweep's points onto groups and plot
 * series (sweep_points.h).
 */
#include "sweep_points.h"

#include <stdio.h>
#include <string.h>

/* A point projected onto some of the sweep's dimensions: the groups of the
 * recommendation (the environment axes, not [A]/[B]) and the plot series
 * (every axis but the side's tcp_keepidle, the x axis). */
typedef bool (*dim_keep)(const struct sweep *sw, size_t d);

/* The dimension of the side's keepidle (A.tcp_keepidle, or B's when the
 * recommendation is for B), or SIZE_MAX. */
static size_t x_dim(const struct sweep *sw)
{
	for (size_t a = 0; a < sw->naxes; a++)
		if (sw->axes[a].key[0] == host_letter(sw->side) && !strcmp(sw->axes[a].key + 1, ".tcp_keepidle"))
			return sw->axes[a].dim;
	return SIZE_MAX;
}

static bool env_dim(const struct sweep *sw, size_t d) { return !sw->dim_setting[d]; }
static bool series_dim(const struct sweep *sw, size_t d) { return d != x_dim(sw); }

static size_t proj_count(const struct sweep *sw, dim_keep keep)
{
	size_t n = 1;
	for (size_t d = 0; d < sw->ndims; d++)
		if (keep(sw, d))
			n *= sw->dim_size[d];
	return n;
}

/* Row-major index of p over the kept dimensions. */
static size_t proj_of(const struct sweep *sw, size_t p, dim_keep keep)
{
	size_t g = 0;
	for (size_t d = 0; d < sw->ndims; d++)
		if (keep(sw, d))
			g = g * sw->dim_size[d] + sweep_dim_index(sw, p, d);
	return g;
}

/* "nat.preset=aws-nat-gateway, link.loss=0", or "all points" */
static void proj_label(char *buf, size_t n, const struct sweep *sw, size_t p, dim_keep keep)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t a = 0; a < sw->naxes && len < n; a++) {
		if (!keep(sw, sw->axes[a].dim))
			continue;
		int w = snprintf(buf + len, n - len, "%s%s=%s", len ? ", " : "", sw->axes[a].key,
				 sw->axes[a].values[sweep_value_index(sw, p, a)]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (!len)
		snprintf(buf, n, "all points");
}

size_t sweep_ngroups(const struct sweep *sw) { return proj_count(sw, env_dim); }
size_t sweep_group_of(const struct sweep *sw, size_t p) { return proj_of(sw, p, env_dim); }
size_t sweep_nseries(const struct sweep *sw) { return proj_count(sw, series_dim); }
size_t sweep_series_of(const struct sweep *sw, size_t p) { return proj_of(sw, p, series_dim); }

void sweep_group_label(char *buf, size_t n, const struct sweep *sw, size_t p)
{
	proj_label(buf, n, sw, p, env_dim);
}

void sweep_series_label(char *buf, size_t n, const struct sweep *sw, size_t p)
{
	proj_label(buf, n, sw, p, series_dim);
}
