/*
 * sweep_stats.c - the statistics of each point of a sweep over its replicas:
 * P(loss) with its Wilson 95 % interval, detection-time percentiles (nearest
 * rank, over all runs: an undetected run counts as never) of each host,
 * mean overhead, the loss-safe boundary of the point's group, the exact
 * false-abort probability (rare.h), and whether the point meets the
 * objective. A function of the results in
 * run order, so the same whatever the thread or shard count.
 */
#include "priv/sweep_priv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "keepalive.h"
#include "sweep_points.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least q % of the values <= it. */
static ks_time_t pct(const uint64_t *v, size_t n, unsigned q)
{
	size_t k = (q * n + 99) / 100;
	return v[k ? k - 1 : 0];
}

static void wilson(uint32_t k, uint32_t n, double *lo, double *hi)
{
	const double z = 1.959963984540054;
	double p = (double)k / n, z2 = z * z, den = 1 + z2 / n;
	double c = (p + z2 / (2.0 * n)) / den;
	double h = z * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / den;
	*lo = k == 0 ? 0 : c - h;
	*hi = k == n ? 1 : c + h;
}

/* The detection percentiles of the detected times det[0..s->detected). */
static void det_stats(struct phost *s, uint32_t runs, uint64_t *det)
{
	for (int q = 0; q < 4; q++)
		s->det[q] = KS_TIME_NEVER;
	if (!s->detected)
		return;
	qsort(det, s->detected, sizeof(*det), cmp_u64);
	s->det[DET_P50] = pct(det, s->detected, 50);
	s->det[DET_P90] = pct(det, s->detected, 90);
	s->det[DET_P99] = pct(det, s->detected, 99);
	s->det[DET_MAX] = det[s->detected - 1];
	/* a run without detection counts as never: the statistic is over all
	 * runs, so undetected runs push it to "never" */
	for (int q = 0; q < 4; q++) {
		static const unsigned qs[] = { 50, 90, 99, 100 };
		if ((uint64_t)qs[q] * runs > (uint64_t)100 * s->detected)
			s->det[q] = KS_TIME_NEVER;
	}
}

/* Host h's settings and detection times at point p; det is room for
 * sw->replicas times. */
static void one_host(struct phost *s, const struct sweep *sw, const struct run_result *res, size_t p, int h,
		     uint64_t *det)
{
	const struct ep_config *ep = &sw->points[p]->ep[h];
	struct ka_settings ka = keepalive_settings(ep);

	s->keepalive = ep->so_keepalive;
	s->idle = ka.time;
	s->intvl = ka.intvl;
	s->cnt = ka.probes;
	s->user_timeout = ep->tcp_user_timeout;
	for (uint32_t i = 0; i < sw->replicas; i++) {
		const struct run_result *r = &res[(uint64_t)p * sw->replicas + i];
		if (r->detect[h] != KS_TIME_NEVER)
			det[s->detected++] = r->detect[h];
	}
	det_stats(s, sw->replicas, det);
}

/* Point p's statistics; det is room for sw->replicas times. */
static void one_point(struct pstat *s, const struct sweep *sw, const struct run_result *res, size_t p,
		      uint64_t *det)
{
	const struct scenario *sc = sw->points[p];
	double hours = (double)sc->duration / (3600.0 * KS_SEC);
	const char *why;
	struct rare_chain ch;

	for (int h = 0; h < NHOSTS; h++)
		one_host(&s->host[h], sw, res, p, h, det);
	const struct phost *side = &s->host[sw->side];
	s->idle = side->idle;
	s->intvl = side->intvl;
	s->cnt = side->cnt;
	s->detected = side->detected;
	memcpy(s->det, side->det, sizeof s->det);
	s->runs = sw->replicas;
	for (uint32_t i = 0; i < sw->replicas; i++) {
		const struct run_result *r = &res[(uint64_t)p * sw->replicas + i];
		s->lost += r->lost;
		s->nat_expired += r->nat_expired;
		s->nat_evicted += r->nat_evicted;
		s->probes_h += r->probes / hours;
		s->bytes_h += r->bytes / hours;
	}
	s->probes_h /= s->runs;
	s->bytes_h /= s->runs;
	s->p = (double)s->lost / s->runs;
	wilson(s->lost, s->runs, &s->lo, &s->hi);
	s->fa_exact = rare_chain_of(sc, sw->side, &ch, &why);
	if (s->fa_exact)
		rare_false_abort(&ch, &s->fa);
	s->meets = s->p <= sw->obj.max_loss &&
		   (sw->obj.max_detection == KS_TIME_NEVER ||
		    (s->det[sw->obj.stat] != KS_TIME_NEVER && s->det[sw->obj.stat] <= sw->obj.max_detection));
}

/* The loss-safe boundary of every group: the longest side keepidle with
 * P(loss) <= max_loss, the shortest with more (0 = none), over the group's
 * points whose keepidle differs from another's of the group. */
static void boundaries(struct pstat *ps, const struct sweep *sw)
{
	size_t G = sweep_ngroups(sw);
	uint32_t *ok = calloc(G, sizeof(*ok)), *bad = malloc(G * sizeof(*bad)), *first = malloc(G * sizeof(*first));
	bool *varies = calloc(G, sizeof(*varies));

	if (!ok || !bad || !first || !varies) {
		fputs("kasim: out of memory\n", stderr);
		abort();
	}
	for (size_t g = 0; g < G; g++)
		bad[g] = first[g] = UINT32_MAX;
	for (size_t p = 0; p < sw->npoints; p++) {
		size_t g = sweep_group_of(sw, p);
		if (first[g] == UINT32_MAX)
			first[g] = ps[p].idle;
		varies[g] |= ps[p].idle != first[g];
		if (ps[p].p <= sw->obj.max_loss) {
			if (ps[p].idle > ok[g])
				ok[g] = ps[p].idle;
		} else if (ps[p].idle < bad[g]) {
			bad[g] = ps[p].idle;
		}
	}
	for (size_t p = 0; p < sw->npoints; p++) {
		size_t g = sweep_group_of(sw, p);
		ps[p].safe_idle_max = varies[g] ? ok[g] : 0;
		ps[p].unsafe_idle_min = varies[g] && bad[g] != UINT32_MAX ? bad[g] : 0;
	}
	free(ok);
	free(bad);
	free(first);
	free(varies);
}

struct pstat *sweep_point_stats(const struct sweep *sw, const struct run_result *res)
{
	struct pstat *ps = calloc(sw->npoints, sizeof(*ps));
	uint64_t *det = malloc(sw->replicas * sizeof(*det));
	if (!ps || !det) {
		fputs("kasim: out of memory\n", stderr);
		abort();
	}
	for (size_t p = 0; p < sw->npoints; p++)
		one_point(&ps[p], sw, res, p, det);
	boundaries(ps, sw);
	free(det);
	return ps;
}
