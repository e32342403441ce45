/*
 * sweep_out.c - the files of a sweep: the journal line format, results.csv
 * (one row per run), summary.csv (one row per point), recommendation.txt,
 * plots/ (through sweep_plot.c: data, settings, templates, rendering),
 * and kasim merge.
 *
 * Everything here is a function of (sweep, results in run order), computed
 * serially in index order: the files are byte-identical whatever the thread
 * or shard count. Each file is written to a temporary name, fsync'd and
 * renamed, so a reader never sees half a file.
 */
#include "sweep.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checksum.h"
#include "keepalive.h"
#include "outdir.h"
#include "output.h"
#include "sweep_plot.h"
#include "sweep_points.h"
#include "tcp.h"

/* ---- small file helpers -------------------------------------------------------- */

char *sweep_path(const char *dir, const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0) {
		fputs("kasim: out of memory\n", stderr);
		abort();
	}
	return p;
}

char *sweep_read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!fp)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			char *p = realloc(buf, cap = cap ? 2 * cap : 131072);
			if (!p) {
				free(buf);
				fclose(fp);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
		}
		size_t k = fread(buf + n, 1, cap - n - 1, fp);
		n += k;
		if (!k)
			break;
	}
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* ---- journal lines --------------------------------------------------------------- */

static int put_time(char *b, size_t n, ks_time_t t)
{
	return t == KS_TIME_NEVER ? snprintf(b, n, "-") : snprintf(b, n, "%llu", (unsigned long long)t);
}

int run_record_format(char *buf, size_t n, const struct run_result *r)
{
	char t1[24], t2[24], t3[24];
	put_time(t1, sizeof t1, r->lost_at);
	put_time(t2, sizeof t2, r->fail_at);
	put_time(t3, sizeof t3, r->detect);
	int k = snprintf(buf, n, "%llu %016llx %d %u %d %d %s %s %s %u %u %llu %llu %llu %u %u",
			 (unsigned long long)r->run, (unsigned long long)r->seed, r->lost ? 1 : 0,
			 (unsigned)r->end, r->end_host < 0 ? 2 : r->end_host, r->err, t1, t2, t3, (unsigned)r->det_end, r->probes,
			 (unsigned long long)r->segments, (unsigned long long)r->bytes,
			 (unsigned long long)r->events, r->nat_expired, r->nat_evicted);
	return k < 0 ? 0 : (size_t)k >= n ? (int)n - 1 : k;
}

static bool get_u64(char **p, uint64_t *v, int base)
{
	char *e;
	if (**p == '-' && ((*p)[1] == ' ' || !(*p)[1])) {
		*v = KS_TIME_NEVER;
		*p += 1;
	} else {
		if (!(**p >= '0' && **p <= '9') && !(base == 16 && ((**p >= 'a' && **p <= 'f'))))
			return false;
		errno = 0;
		*v = strtoull(*p, &e, base);
		if (errno || e == *p)
			return false;
		*p = e;
	}
	if (**p == ' ')
		(*p)++;
	else if (**p)
		return false;
	return true;
}

bool run_record_parse(const char *line, struct run_result *r)
{
	uint64_t f[16];
	char *p = (char *)line;
	for (int i = 0; i < 16; i++)
		if (!*p || !get_u64(&p, &f[i], i == 1 ? 16 : 10))
			return false;
	if (*p)
		return false;
	memset(r, 0, sizeof(*r));
	r->run = f[0];
	r->seed = f[1];
	r->lost = f[2] != 0;
	r->end = (uint8_t)f[3];
	r->end_host = (int8_t)(f[4] == 0 ? 0 : f[4] == 1 ? 1 : -1); /* 2 = none */
	r->err = (int16_t)f[5];
	r->lost_at = f[6];
	r->fail_at = f[7];
	r->detect = f[8];
	r->det_end = (uint8_t)f[9];
	r->probes = (uint32_t)f[10];
	r->segments = f[11];
	r->bytes = f[12];
	r->events = f[13];
	r->nat_expired = (uint32_t)f[14];
	r->nat_evicted = (uint32_t)f[15];
	return f[2] <= 1 && f[3] <= 255 && f[9] <= 255 && f[14] <= UINT32_MAX && f[15] <= UINT32_MAX;
}

enum { CRC_HEX = 8 }; /* " xxxxxxxx" after the record */

int journal_format(char *buf, size_t n, const struct run_result *r)
{
	int k = run_record_format(buf, n, r);
	if ((size_t)k + 1 + CRC_HEX >= n)
		return k; /* no room: a line journal_parse refuses */
	k += snprintf(buf + k, n - (size_t)k, " %08x", (unsigned)crc32c(0, buf, (size_t)k));
	return k;
}

enum journal_status journal_parse(const char *line, struct run_result *r)
{
	size_t len = strlen(line);
	if (len < 1 + CRC_HEX || line[len - CRC_HEX - 1] != ' ')
		return JOURNAL_MALFORMED;
	size_t body = len - CRC_HEX - 1;
	uint32_t want = 0;
	for (size_t i = body + 1; i < len; i++) {
		char c = line[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return JOURNAL_MALFORMED;
		want = want << 4 | (uint32_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	if (crc32c(0, line, body) != want)
		return JOURNAL_CHECKSUM;
	char rec[512];
	if (body >= sizeof rec)
		return JOURNAL_MALFORMED;
	memcpy(rec, line, body);
	rec[body] = '\0';
	return run_record_parse(rec, r) ? JOURNAL_OK : JOURNAL_MALFORMED;
}


/* ---- per point ----------------------------------------------------------------------- */

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

static struct pstat *point_stats(const struct sweep *sw, const struct run_result *res)
{
	struct pstat *ps = calloc(sw->npoints, sizeof(*ps));
	uint64_t *det = malloc(sw->replicas * sizeof(*det));
	if (!ps || !det) {
		fputs("kasim: out of memory\n", stderr);
		abort();
	}
	for (size_t p = 0; p < sw->npoints; p++) {
		struct pstat *s = &ps[p];
		const struct scenario *sc = sw->points[p];
		const struct ep_config *ep = &sc->ep[HOST_A];
		double hours = (double)sc->duration / (3600.0 * KS_SEC);
		struct ka_settings ka = keepalive_settings(ep);
		s->idle = ka.time;
		s->intvl = ka.intvl;
		s->cnt = ka.probes;
		s->runs = sw->replicas;
		for (uint32_t i = 0; i < sw->replicas; i++) {
			const struct run_result *r = &res[(uint64_t)p * sw->replicas + i];
			s->lost += r->lost;
			if (r->detect != KS_TIME_NEVER)
				det[s->detected++] = r->detect;
			s->nat_expired += r->nat_expired;
			s->nat_evicted += r->nat_evicted;
			s->probes_h += r->probes / hours;
			s->bytes_h += r->bytes / hours;
		}
		s->probes_h /= s->runs;
		s->bytes_h /= s->runs;
		s->p = (double)s->lost / s->runs;
		wilson(s->lost, s->runs, &s->lo, &s->hi);
		for (int q = 0; q < 4; q++)
			s->det[q] = KS_TIME_NEVER;
		if (s->detected) {
			qsort(det, s->detected, sizeof(*det), cmp_u64);
			s->det[DET_P50] = pct(det, s->detected, 50);
			s->det[DET_P90] = pct(det, s->detected, 90);
			s->det[DET_P99] = pct(det, s->detected, 99);
			s->det[DET_MAX] = det[s->detected - 1];
			/* a run without detection counts as never: the statistic is
			 * over all runs, so undetected runs push it to "never" */
			for (int q = 0; q < 4; q++) {
				static const unsigned qs[] = { 50, 90, 99, 100 };
				if ((uint64_t)qs[q] * s->runs > (uint64_t)100 * s->detected)
					s->det[q] = KS_TIME_NEVER;
			}
		}
		s->meets = s->p <= sw->obj.max_loss &&
			   (sw->obj.max_detection == KS_TIME_NEVER ||
			    (s->det[sw->obj.stat] != KS_TIME_NEVER &&
			     s->det[sw->obj.stat] <= sw->obj.max_detection));
	}
	free(det);
	return ps;
}

/* ---- CSV ----------------------------------------------------------------------------- */

static void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_time(FILE *f, ks_time_t t)
{
	char b[40];
	if (t == KS_TIME_NEVER)
		return;
	format_seconds(b, sizeof b, t);
	fputs(b, f);
}

static const char *end_text(unsigned end)
{
	if (end == RUN_END_UNANSWERED)
		return "unanswered";
	if (end <= END_CRASH)
		return end_name((enum tcp_end)end);
	return "unknown";
}

static void write_results(FILE *f, const struct sweep *sw, const struct run_result *res)
{
	fputs("run,point,replica,seed", f);
	for (size_t a = 0; a < sw->naxes; a++) {
		fputc(',', f);
		csv_str(f, sw->axes[a].key);
	}
	fputs(",outcome,ended_by,end_host,error,lost_at_s,failure_at_s,detection_s,detected_by,"
	      "probes,segments,bytes,probes_per_h,bytes_per_h,nat_expired,nat_evicted\n", f);
	for (uint64_t r = 0; r < sw->nruns; r++) {
		const struct run_result *x = &res[r];
		size_t p = (size_t)(r / sw->replicas);
		double hours = (double)sw->points[p]->duration / (3600.0 * KS_SEC);
		fprintf(f, "%llu,%zu,%llu,0x%016llx", (unsigned long long)r, p,
			(unsigned long long)(r % sw->replicas), (unsigned long long)x->seed);
		for (size_t a = 0; a < sw->naxes; a++) {
			fputc(',', f);
			csv_str(f, sw->axes[a].values[sweep_value_index(sw, p, a)]);
		}
		fprintf(f, ",%s,%s,%s,%s,", x->lost ? "lost" : "survived", x->lost ? end_text(x->end) : "",
			x->end_host == 0 ? "A" : x->end_host == 1 ? "B" : "",
			x->err ? tcp_errno_name(x->err) : "");
		csv_time(f, x->lost_at);
		fputc(',', f);
		csv_time(f, x->fail_at);
		fputc(',', f);
		csv_time(f, x->detect);
		fprintf(f, ",%s,%u,%llu,%llu,%.3f,%.3f,%u,%u\n",
			x->detect != KS_TIME_NEVER ? end_text(x->det_end)
			: x->det_end != END_NONE    ? "ended-before-failure"
						    : "never",
			x->probes, (unsigned long long)x->segments, (unsigned long long)x->bytes,
			x->probes / hours, x->bytes / hours, x->nat_expired, x->nat_evicted);
	}
}

static void write_summary(FILE *f, const struct sweep *sw, const struct pstat *ps)
{
	fputs("point", f);
	for (size_t a = 0; a < sw->naxes; a++) {
		fputc(',', f);
		csv_str(f, sw->axes[a].key);
	}
	fputs(",keepidle_s,keepintvl_s,keepcnt,runs,lost,p_loss,p_loss_lo95,p_loss_hi95,detected,"
	      "detection_p50_s,detection_p90_s,detection_p99_s,detection_max_s,probes_per_h,bytes_per_h,"
	      "nat_expired,nat_evicted,meets_objective\n", f);
	for (size_t p = 0; p < sw->npoints; p++) {
		const struct pstat *s = &ps[p];
		fprintf(f, "%zu", p);
		for (size_t a = 0; a < sw->naxes; a++) {
			fputc(',', f);
			csv_str(f, sw->axes[a].values[sweep_value_index(sw, p, a)]);
		}
		fprintf(f, ",%u,%u,%u,%u,%u,%.6f,%.6f,%.6f,%u", s->idle, s->intvl, s->cnt, s->runs, s->lost,
			s->p, s->lo, s->hi, s->detected);
		for (int q = 0; q < 4; q++) {
			fputc(',', f);
			csv_time(f, s->det[q]);
		}
		fprintf(f, ",%.3f,%.3f,%llu,%llu,%s\n", s->probes_h, s->bytes_h, (unsigned long long)s->nat_expired,
			(unsigned long long)s->nat_evicted, s->meets ? "yes" : "no");
	}
}

/* Is point x better than y under the objective? (prefer order, then index) */
static bool better(const struct sweep *sw, const struct pstat *ps, size_t x, size_t y, bool by_loss)
{
	const struct pstat *a = &ps[x], *b = &ps[y];
	ks_time_t da = a->det[sw->obj.stat], db = b->det[sw->obj.stat];
	if (by_loss && a->p != b->p)
		return a->p < b->p;
	if (sw->obj.prefer == PREFER_DETECTION) {
		if (da != db)
			return da < db;
		if (a->bytes_h != b->bytes_h)
			return a->bytes_h < b->bytes_h;
	} else {
		if (a->bytes_h != b->bytes_h)
			return a->bytes_h < b->bytes_h;
		if (da != db)
			return da < db;
	}
	return x < y;
}

static void secs(char *b, size_t n, ks_time_t t)
{
	format_secs(b, n, t);
}

/* In the table, an axis is a setting column when its whole dimension is. */
#define SETTING(sw, a) ((sw)->dim_setting[(sw)->axes[a].dim])

static double sec_d(ks_time_t t) { return (double)t / KS_SEC; }

/* ---- recommendation.txt ------------------------------------------------------------------ */

struct col {
	const char *head;
	char **cell;  /* one per row */
	size_t width;
};

static void write_recommendation(FILE *f, const struct sweep *sw, const struct pstat *ps)
{
	const struct scenario *sc0 = sw->points[0];
	size_t G = sweep_ngroups(sw);
	size_t *best = malloc(G * sizeof(*best)), *nmeet = calloc(G, sizeof(size_t)),
	       *ntot = calloc(G, sizeof(size_t));
	char hz[40], md[40], buf[512];
	const char *stat = det_stat_name(sw->obj.stat);

	if (!best || !nmeet || !ntot) {
		fputs("kasim: out of memory\n", stderr);
		abort();
	}
	for (size_t g = 0; g < G; g++)
		best[g] = SIZE_MAX;
	/* best meeting point per group, else the best by P(loss) */
	for (size_t pass = 0; pass < 2; pass++)
		for (size_t p = 0; p < sw->npoints; p++) {
			size_t g = sweep_group_of(sw, p);
			if (pass == 0) {
				ntot[g]++;
				if (!ps[p].meets)
					continue;
				nmeet[g]++;
				if (best[g] == SIZE_MAX || better(sw, ps, p, best[g], false))
					best[g] = p;
			} else if (!nmeet[g] && (best[g] == SIZE_MAX || better(sw, ps, p, best[g], true))) {
				best[g] = p;
			}
		}

	secs(hz, sizeof hz, sc0->duration);
	fprintf(f, "kasim sweep: %s (%s)\n", sc0->name, sw->path);
	fprintf(f, "%zu points x %u replica%s = %llu runs; horizon %s; sweep seed %llu\n", sw->npoints,
		sw->replicas, sw->replicas == 1 ? "" : "s", (unsigned long long)sw->nruns, hz,
		(unsigned long long)sw->seed);
	fprintf(f, "Objective: P(connection lost within the horizon) <= %g", sw->obj.max_loss);
	if (sw->obj.max_detection != KS_TIME_NEVER) {
		secs(md, sizeof md, sw->obj.max_detection);
		fprintf(f, " and %s detection time <= %s", stat, md);
	}
	if (sw->obj.prefer == PREFER_DETECTION)
		fprintf(f, ", then the shortest %s detection time of a dead peer, then the least overhead.\n",
			stat);
	else
		fprintf(f, ", then the least overhead, then the shortest %s detection time of a dead peer.\n",
			stat);
	fputs("Lost: an end reported an error before the horizon, or the byte A sent at the horizon\n"
	      "was not acknowledged. Detection: from B's power-off to A's error (docs/sweeps.md).\n"
	      "Overhead: segments (IPv4+TCP headers, 40 bytes each) per hour of the idle connection.\n\n",
	      f);

	/* the table */
	size_t nenv = 0, nset = 0;
	for (size_t a = 0; a < sw->naxes; a++) {
		if (!SETTING(sw, a))
			nenv++;
		else if (strcmp(sw->axes[a].key, "A.tcp_keepidle") && strcmp(sw->axes[a].key, "A.tcp_keepintvl") &&
			 strcmp(sw->axes[a].key, "A.tcp_keepcnt"))
			nset++;
	}
	size_t ncols = nenv + 3 + nset + 5;
	struct col *cols = calloc(ncols, sizeof(*cols));
	char dethead[32];
	snprintf(dethead, sizeof dethead, "detection %s", stat);
	for (size_t c = 0; c < ncols; c++) {
		cols[c].cell = calloc(G, sizeof(char *));
		if (!cols[c].cell)
			abort();
	}
	size_t c = 0;
	for (size_t a = 0; a < sw->naxes; a++)
		if (!SETTING(sw, a))
			cols[c++].head = sw->axes[a].key;
	size_t c_ka = c;
	cols[c++].head = "keepidle";
	cols[c++].head = "keepintvl";
	cols[c++].head = "keepcnt";
	size_t c_set = c;
	for (size_t a = 0; a < sw->naxes; a++)
		if (SETTING(sw, a) && strcmp(sw->axes[a].key, "A.tcp_keepidle") &&
		    strcmp(sw->axes[a].key, "A.tcp_keepintvl") && strcmp(sw->axes[a].key, "A.tcp_keepcnt"))
			cols[c++].head = sw->axes[a].key;
	size_t c_p = c;
	cols[c++].head = "P(loss)";
	cols[c++].head = "95% CI";
	cols[c++].head = dethead;
	cols[c++].head = "probes/h";
	cols[c++].head = "bytes/h";

	char **reason = calloc(G, sizeof(char *));
	if (!reason)
		abort();
	for (size_t g = 0; g < G; g++) {
		size_t p = best[g];
		const struct pstat *s = &ps[p];
		c = 0;
		for (size_t a = 0; a < sw->naxes; a++)
			if (!SETTING(sw, a))
				cols[c++].cell[g] = strdup(sw->axes[a].values[sweep_value_index(sw, p, a)]);
		if (asprintf(&cols[c++].cell[g], "%u s", s->idle) < 0 ||
		    asprintf(&cols[c++].cell[g], "%u s", s->intvl) < 0 ||
		    asprintf(&cols[c++].cell[g], "%u", s->cnt) < 0)
			abort();
		for (size_t a = 0; a < sw->naxes; a++)
			if (SETTING(sw, a) && strcmp(sw->axes[a].key, "A.tcp_keepidle") &&
			    strcmp(sw->axes[a].key, "A.tcp_keepintvl") && strcmp(sw->axes[a].key, "A.tcp_keepcnt"))
				cols[c++].cell[g] = strdup(sw->axes[a].values[sweep_value_index(sw, p, a)]);
		char d[40];
		if (s->det[sw->obj.stat] == KS_TIME_NEVER)
			snprintf(d, sizeof d, "never");
		else
			snprintf(d, sizeof d, "%.1f s", sec_d(s->det[sw->obj.stat]));
		if (asprintf(&cols[c++].cell[g], "%.4f (%u/%u)", s->p, s->lost, s->runs) < 0 ||
		    asprintf(&cols[c++].cell[g], "%.4f-%.4f", s->lo, s->hi) < 0 ||
		    asprintf(&cols[c++].cell[g], "%s", d) < 0 ||
		    asprintf(&cols[c++].cell[g], "%.1f", s->probes_h) < 0 ||
		    asprintf(&cols[c++].cell[g], "%.0f", s->bytes_h) < 0)
			abort();

		/* the reason, in words */
		size_t len = 0;
		char lim[64] = "";
		if (sw->obj.max_detection != KS_TIME_NEVER) {
			secs(md, sizeof md, sw->obj.max_detection);
			snprintf(lim, sizeof lim, " and %s detection <= %s", stat, md);
		}
		if (nmeet[g]) {
			len += (size_t)snprintf(buf + len, sizeof buf - len,
						"%s of the %zu of %zu settings with P(loss) <= %g%s",
						sw->obj.prefer == PREFER_DETECTION ? "shortest detection"
										   : "least overhead",
						nmeet[g], ntot[g], sw->obj.max_loss, lim);
		} else {
			len += (size_t)snprintf(buf + len, sizeof buf - len,
						"NO setting meets P(loss) <= %g%s; this one loses least", sw->obj.max_loss, lim);
		}
		/* where keepidle stops being safe: the longest meeting and the
		 * shortest failing keepidle among this group's points */
		uint32_t ok_max = 0, bad_min = UINT32_MAX;
		bool idle_varies = false;
		for (size_t q = 0; q < sw->npoints; q++) {
			if (sweep_group_of(sw, q) != g)
				continue;
			idle_varies |= ps[q].idle != s->idle;
			if (ps[q].p <= sw->obj.max_loss) {
				if (ps[q].idle > ok_max)
					ok_max = ps[q].idle;
			} else if (ps[q].idle < bad_min) {
				bad_min = ps[q].idle;
			}
		}
		if (idle_varies && ok_max && len < sizeof buf)
			len += (size_t)snprintf(buf + len, sizeof buf - len, "; loss-safe up to keepidle %u s", ok_max);
		if (idle_varies && bad_min != UINT32_MAX && len < sizeof buf)
			snprintf(buf + len, sizeof buf - len, "; P(loss) > %g from keepidle %u s", sw->obj.max_loss,
				 bad_min);
		reason[g] = strdup(buf);
	}
	for (c = 0; c < ncols; c++) {
		cols[c].width = strlen(cols[c].head);
		for (size_t g = 0; g < G; g++)
			if (cols[c].cell[g] && strlen(cols[c].cell[g]) > cols[c].width)
				cols[c].width = strlen(cols[c].cell[g]);
	}
	for (c = 0; c < ncols; c++) {
		bool sep = c == c_ka || c == c_p || (c == c_set && c_set != c_p);
		fprintf(f, "%s%-*s", c == 0 ? "" : sep ? " | " : "  ", (int)cols[c].width, cols[c].head);
	}
	fputs(" | reason\n", f);
	for (size_t g = 0; g < G; g++) {
		for (c = 0; c < ncols; c++) {
			bool sep = c == c_ka || c == c_p || (c == c_set && c_set != c_p);
			fprintf(f, "%s%-*s", c == 0 ? "" : sep ? " | " : "  ", (int)cols[c].width,
				cols[c].cell[g] ? cols[c].cell[g] : "?");
		}
		fprintf(f, " | %s\n", reason[g] ? reason[g] : "?");
	}
	for (c = 0; c < ncols; c++) {
		for (size_t g = 0; g < G; g++)
			free(cols[c].cell[g]);
		free(cols[c].cell);
	}
	for (size_t g = 0; g < G; g++)
		free(reason[g]);
	free(reason);
	free(cols);
	free(best);
	free(nmeet);
	free(ntot);
}

/* Stage results.csv, summary.csv, recommendation.txt and plots/ in od and
 * render the plots; nothing is committed. 0, or 1 with a message on err.
 * *no_gnuplot is set when rendering was asked for and gnuplot is missing. */
static int stage_outputs(struct outdir *od, const struct sweep *sw, const struct run_result *res, bool do_render,
			 bool *no_gnuplot, FILE *err)
{
	struct pstat *ps = point_stats(sw, res);
	static const char *const names[] = { "results.csv", "summary.csv", "recommendation.txt" };
	int rc = 0;

	for (int i = 0; i < 3 && !rc; i++) {
		FILE *f = outdir_fopen(od, names[i]);
		if (!f) {
			rc = 1;
			break;
		}
		if (i == 0)
			write_results(f, sw, res);
		else if (i == 1)
			write_summary(f, sw, ps);
		else
			write_recommendation(f, sw, ps);
		rc = outdir_fclose(od, f) ? 1 : 0;
	}
	if (!rc)
		rc = sweep_plots(od, sw, ps, do_render, no_gnuplot, err);
	free(ps);
	if (rc && outdir_error(od)[0])
		fprintf(err, "kasim: %s\n", outdir_error(od));
	return rc;
}

/* Commit what stage_outputs() staged (with whatever else od holds). */
static int commit_outputs(struct outdir *od, bool no_gnuplot, FILE *err)
{
	if (outdir_commit(od)) {
		fprintf(err, "kasim: %s; none of the results was written under a final name\n", outdir_error(od));
		return 1;
	}
	if (no_gnuplot)
		fprintf(err, "kasim: gnuplot not found; wrote %s/plots/*.gp (run 'cd %s/plots && gnuplot survival.gp')\n",
			outdir_dir(od), outdir_dir(od));
	return 0;
}

int sweep_write_outputs(const struct sweep *sw, const struct run_result *res, const char *dir, bool do_render,
			FILE *err)
{
	char msg[600];
	bool no_gnuplot = false;
	struct outdir *od = outdir_open(dir, msg, sizeof msg);
	if (!od) {
		fprintf(err, "kasim: %s\n", msg);
		return 1;
	}
	int rc = stage_outputs(od, sw, res, do_render, &no_gnuplot, err);
	if (!rc)
		rc = commit_outputs(od, no_gnuplot, err);
	outdir_free(od);
	return rc;
}

/* ---- kasim merge ------------------------------------------------------------------------------ */

static bool read_manifest(const char *dir, struct manifest *m, FILE *err)
{
	char *mp = sweep_path(dir, "manifest");
	size_t len;
	char *text = sweep_read_all(mp, &len);
	bool ok = false;
	memset(m, 0, sizeof(*m));
	if (!text)
		fprintf(err, "kasim: %s: not a sweep directory (no manifest)\n", dir);
	else if (!manifest_parse(text, m))
		fprintf(err, "kasim: %s: damaged\n", mp);
	else if (m->version != MANIFEST_VERSION)
		fprintf(err, "kasim: %s: written by another version of kasim (format %u, this one reads %d); "
			     "run the shard again in a new directory\n", mp, m->version, MANIFEST_VERSION);
	else
		ok = true;
	free(text);
	free(mp);
	return ok;
}

/* Shard i against shard 0: the same sweep definition and sharding, not given
 * twice. */
static bool shard_matches(const char *const *dirs, const struct manifest *sh, size_t i, FILE *err)
{
	const struct manifest *a = &sh[i], *z = &sh[0];
	if (a->hash != z->hash) {
		fprintf(err, "kasim: %s is from another sweep or sharding than %s: its sweep definition hash is "
			     "%016llx, not %016llx (the sweep files or their --set options differ)\n", dirs[i], dirs[0],
			(unsigned long long)a->hash, (unsigned long long)z->hash);
		return false;
	}
	if (a->runs != z->runs || a->sn != z->sn) {
		fprintf(err, "kasim: %s is from another sweep or sharding than %s: shard %llu/%llu of %llu runs, "
			     "not of %llu/%llu\n", dirs[i], dirs[0], (unsigned long long)a->si, (unsigned long long)a->sn,
			(unsigned long long)a->runs, (unsigned long long)z->si, (unsigned long long)z->sn);
		return false;
	}
	for (size_t j = 0; j < i; j++)
		if (sh[j].si == a->si) {
			fprintf(err, "kasim: shard %llu/%llu is given twice (%s and %s)\n", (unsigned long long)a->si,
				(unsigned long long)a->sn, dirs[j], dirs[i]);
			return false;
		}
	if (!a->finished) {
		fprintf(err, "kasim: %s: shard %llu/%llu is not finished (run it again with --resume)\n", dirs[i],
			(unsigned long long)a->si, (unsigned long long)a->sn);
		return false;
	}
	return true;
}

/* A shard's results-partial.csv must be the one its manifest describes. */
static bool results_match(const char *path, size_t len, uint32_t crc, const struct manifest *m, FILE *err)
{
	if (len == m->results_len && crc == m->results_crc)
		return true;
	fprintf(err, "kasim: %s does not match its manifest (%zu bytes, CRC-32C %08x; the manifest says %llu bytes, "
		     "%08x): it was changed, damaged or copied from another sweep; rewrite it from the journal with "
		     "kasim sweep FILE --shard %llu/%llu -o DIR --resume\n", path, len, (unsigned)crc,
		(unsigned long long)m->results_len, (unsigned)m->results_crc, (unsigned long long)m->si,
		(unsigned long long)m->sn);
	return false;
}

/* Is out one of the shard directories (the same device and inode, whatever
 * the spelling or symlink)? Writing there would replace the shard's files. */
static bool out_is_a_shard(const char *out, const char *const *dirs, size_t ndirs, FILE *err)
{
	struct stat so, sd;
	if (stat(out, &so) != 0)
		return false; /* does not exist yet: cannot be an input */
	for (size_t i = 0; i < ndirs; i++)
		if (stat(dirs[i], &sd) == 0 && sd.st_dev == so.st_dev && sd.st_ino == so.st_ino) {
			fprintf(err, "kasim: merge: the output directory %s is the shard directory %s; merging into "
				     "one of its inputs would destroy it (give another -o DIR)\n", out, dirs[i]);
			return true;
		}
	return false;
}

int sweep_merge(const char *const *dirs, size_t ndirs, const char *out, bool do_render, FILE *err)
{
	struct manifest *sh = calloc(ndirs, sizeof(*sh));
	struct sweep *sw = NULL;
	struct run_result *res = NULL;
	bool *seen = NULL;
	int rc = 2;
	char *text = NULL;

	if (!sh)
		return 1;
	if (out_is_a_shard(out, dirs, ndirs, err))
		goto out;
	for (size_t i = 0; i < ndirs; i++)
		if (!read_manifest(dirs[i], &sh[i], err) || !shard_matches(dirs, sh, i, err))
			goto out;
	for (unsigned long long k = 0; k < sh[0].sn; k++) {
		bool have = false;
		for (size_t i = 0; i < ndirs; i++)
			have |= sh[i].si == k;
		if (!have) {
			fprintf(err, "kasim: shard %llu/%llu is missing (its runs r with r %% %llu = %llu are a gap)\n",
				k, (unsigned long long)sh[0].sn, (unsigned long long)sh[0].sn, k);
			goto out;
		}
	}
	/* the sweep, exactly as the shards ran it */
	char *cp = sweep_path(dirs[0], "sweep.ini");
	size_t len;
	text = sweep_read_all(cp, &len);
	if (!text) {
		fprintf(err, "kasim: cannot read %s: %s\n", cp, strerror(errno));
		free(cp);
		goto out;
	}
	free(cp);
	struct diag d = { 0 };
	sw = sweep_parse(sh[0].path, text, (const char *const *)sh[0].sets, sh[0].nsets, &d);
	diag_print(&d, sh[0].path, err); /* escaped: the sweep file is input text */
	diag_free(&d);
	if (!sw)
		goto out;
	if (sw->hash != sh[0].hash || sw->nruns != sh[0].runs) {
		fprintf(err, "kasim: %s/sweep.ini does not match its manifest\n", dirs[0]);
		goto out;
	}
	res = calloc(sw->nruns, sizeof(*res));
	seen = calloc(sw->nruns, sizeof(*seen));
	if (!res || !seen) {
		fputs("kasim: out of memory\n", err);
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < ndirs; i++) {
		char *pp = sweep_path(dirs[i], "results-partial.csv");
		char *buf = sweep_read_all(pp, &len);
		if (!buf) {
			fprintf(err, "kasim: %s: shard %llu/%llu is not finished (no results-partial.csv; run it "
				     "again with --resume)\n", dirs[i], (unsigned long long)sh[i].si,
				(unsigned long long)sh[i].sn);
			free(pp);
			goto out;
		}
		uint32_t crc = crc32c(0, buf, len);
		size_t lineno = 0;
		for (char *l = buf, *nl; *l; l = nl + 1) {
			nl = strchr(l, '\n');
			lineno++;
			if (!nl) {
				fprintf(err, "kasim: %s:%zu: truncated line\n", pp, lineno);
				free(buf);
				free(pp);
				goto out;
			}
			*nl = '\0';
			struct run_result r;
			if (!run_record_parse(l, &r) || r.run >= sw->nruns || r.run % sh[i].sn != sh[i].si ||
			    r.seed != sweep_run_seed(sw->seed, r.run)) {
				fprintf(err, "kasim: %s:%zu: not a run of shard %llu/%llu of this sweep\n", pp, lineno,
					(unsigned long long)sh[i].si, (unsigned long long)sh[i].sn);
				free(buf);
				free(pp);
				goto out;
			}
			if (seen[r.run]) {
				fprintf(err, "kasim: %s:%zu: run %llu appears twice\n", pp, lineno,
					(unsigned long long)r.run);
				free(buf);
				free(pp);
				goto out;
			}
			seen[r.run] = true;
			res[r.run] = r;
		}
		/* every line is a run of this shard; are they the ones it wrote? */
		bool same = results_match(pp, len, crc, &sh[i], err);
		free(buf);
		free(pp);
		if (!same)
			goto out;
	}
	for (uint64_t r = 0; r < sw->nruns; r++)
		if (!seen[r]) {
			fprintf(err, "kasim: run %llu (shard %llu/%llu) is missing: a gap\n", (unsigned long long)r,
				(unsigned long long)(r % sh[0].sn), (unsigned long long)sh[0].sn);
			goto out;
		}
	/* the merged directory: manifest, sweep.ini and every output, one commit */
	char msg[600];
	bool no_gnuplot = false;
	struct outdir *od = outdir_open(out, msg, sizeof msg);
	rc = 1;
	if (!od) {
		fprintf(err, "kasim: %s\n", msg);
		goto out;
	}
	char *man = sweep_manifest(sw, 0, 1, NULL, 0);
	if (outdir_write(od, "sweep.ini", sw->text, strlen(sw->text)) || outdir_write(od, "manifest", man, strlen(man)))
		fprintf(err, "kasim: %s\n", outdir_error(od));
	else if (!stage_outputs(od, sw, res, do_render, &no_gnuplot, err))
		rc = commit_outputs(od, no_gnuplot, err);
	free(man);
	outdir_free(od);
out:
	for (size_t i = 0; i < ndirs; i++)
		manifest_free(&sh[i]);
	free(sh);
	free(text);
	free(res);
	free(seen);
	sweep_free(sw);
	return rc;
}
