/*
 * sweep_run.c - what one run of a sweep measures, and the executor that runs
 * a sweep (or one shard of it) on every core, journals each run as it
 * finishes and resumes an interrupted sweep.
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
 *   phase 2, detection: a fresh connection with the same settings; after one
 *   healthy keepalive cycle C = keepidle + round trip, B loses power at a
 *   uniformly random moment of the next cycle (fail_at = C + u C, u in [0, 1)
 *   drawn from the sweep seed and the replica number, the same for every
 *   point). The detection time is A's error minus fail_at.
 *
 * Both simulations take their seeds from the run's seed only, so a run is a
 * pure function of (sweep, run index).
 *
 * The executor: OpenMP "parallel for schedule(dynamic)" over the runs still
 * missing. Each run builds its own scenario copy and simulation; the only
 * shared things are the results array (each run writes its own slot), the
 * journal file (one write(2) per run under a critical section) and two
 * atomic counters for the progress bar.
 */
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "checksum.h"
#include "keepalive.h"
#include "outdir.h"
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
	if (seg->src == HOST_A && seg->dst == HOST_B && seg->kind != SEG_RST_NAT) {
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

/* The detection sink: stops phase 2 at A's REC_END and keeps it. */
struct detection {
	struct sink sink;
	struct sim *sim;
	bool ended;
	enum tcp_end why;
	ks_time_t at;
};

static void detection_record(struct sink *k, const struct sim *sim, const struct ks_record *r)
{
	(void)sim;
	struct detection *d = container_of(k, struct detection, sink);
	if (r->type == REC_END && r->u.end.host == HOST_A) {
		d->ended = true;
		d->why = r->u.end.why;
		d->at = r->t;
		sim_stop(d->sim);
	}
}

static void phase_detection(const struct scenario *sc, uint64_t seed, uint64_t phase_seed,
			    struct run_result *out)
{
	const struct ep_config *ep = &sc->ep[HOST_A];
	struct ka_settings ka = keepalive_settings(ep);
	ks_time_t idle = (ks_time_t)ka.time * KS_SEC;
	ks_time_t intvl = (ks_time_t)ka.intvl * KS_SEC;
	ks_time_t cycle = idle + sc->link.dir[HOST_A].delay + sc->link.dir[HOST_B].delay;
	struct rng rng;

	rng_seed(&rng, phase_seed, 0x646574656374ULL /* "detect" */);
	ks_time_t fail = cycle + (ks_time_t)(rng_unit(&rng) * (double)cycle);
	struct sc_event crash = { .at = fail, .action = ACT_CRASH, .host = HOST_B };
	struct scenario s2 = *sc;
	uint64_t x = seed;

	size_t at;
	s2.events = events_plus(sc, &crash, &at);
	s2.nevents = sc->nevents + 1;
	s2.seed = splitmix64(&x);
	s2.duration = fail + idle + ka.probes * intvl + (ks_time_t)ep->tcp_user_timeout * KS_MS + sc->duration;
	struct sim *sim = new_sim(&s2);
	struct detection d = { .sink = { .record = detection_record }, .sim = sim };
	sim_add_sink(sim, &d.sink);
	sim_run_until(sim, s2.duration);

	struct sim_counters cnt;
	sim_counters(sim, &cnt);
	out->fail_at = fail;
	out->det_end = (uint8_t)(d.ended ? d.why : END_NONE);
	out->detect = d.ended && d.at >= fail ? d.at - fail : KS_TIME_NEVER;
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
	uint64_t x = out->seed ^ 0x9e3779b97f4a7c15ULL;
	phase_detection(sc, splitmix64(&x), sweep_run_seed(sw->seed ^ 0x6661696cULL /* "fail" */,
							   r % sw->replicas), out);
}

/* ---- directories and the manifest ------------------------------------------------- */

/* The manifest identifies the sweep and the shard; merge and --resume check it.
 * Its lines, in this order (docs/sweeps.md):
 *   kasim-sweep 2
 *   hash HHHHHHHHHHHHHHHH      the sweep's definition hash (sweep.h)
 *   runs N                     runs of the whole sweep
 *   shard I/N
 *   results LEN CCCCCCCC       a finished shard: results-partial.csv's length, CRC-32C
 *   path FILE
 *   set KEY=VALUE              one per --set, in order */
char *sweep_manifest(const struct sweep *sw, uint64_t si, uint64_t sn, const char *results, size_t len)
{
	char *m = NULL, *sets = strdup(""), res[64] = "";
	for (size_t i = 0; sets && i < sw->nsets; i++) {
		char *t = NULL;
		if (asprintf(&t, "%sset %s\n", sets, sw->sets[i]) < 0)
			t = NULL;
		free(sets);
		sets = t;
	}
	if (results)
		snprintf(res, sizeof res, "results %zu %08x\n", len, (unsigned)crc32c(0, results, len));
	if (!sets || asprintf(&m, "kasim-sweep %d\nhash %016llx\nruns %llu\nshard %llu/%llu\n%spath %s\n%s",
			      MANIFEST_VERSION, (unsigned long long)sw->hash, (unsigned long long)sw->nruns,
			      (unsigned long long)si, (unsigned long long)sn, res, sw->path, sets) < 0) {
		fputs("kasim: out of memory\n", stderr);
		abort();
	}
	free(sets);
	return m;
}

/* The line at *s (up to '\n', which must be there) into buf; advances *s. */
static bool next_line(const char **s, char *buf, size_t n)
{
	const char *nl = strchr(*s, '\n');
	if (!nl || (size_t)(nl - *s) >= n)
		return false;
	memcpy(buf, *s, (size_t)(nl - *s));
	buf[nl - *s] = '\0';
	*s = nl + 1;
	return true;
}

/* Header lines must read back exactly as sweep_manifest writes them. */
static bool parse_header(const char **s, struct manifest *m)
{
	char l[4][128], w[128];
	unsigned long long h, r, i, n, len;
	unsigned crc;
	for (int k = 1; k < 4; k++) /* hash, runs, shard */
		if (!next_line(s, l[k], sizeof l[k]))
			return false;
	if (sscanf(l[1], "hash %llx", &h) != 1 || sscanf(l[2], "runs %llu", &r) != 1 ||
	    sscanf(l[3], "shard %llu/%llu", &i, &n) != 2 || n == 0 || i >= n)
		return false;
	snprintf(w, sizeof w, "hash %016llx", h);
	bool ok = !strcmp(w, l[1]);
	snprintf(w, sizeof w, "runs %llu", r);
	ok &= !strcmp(w, l[2]);
	snprintf(w, sizeof w, "shard %llu/%llu", i, n);
	ok &= !strcmp(w, l[3]);
	m->hash = h, m->runs = r, m->si = i, m->sn = n;
	if (ok && !strncmp(*s, "results ", 8)) {
		if (!next_line(s, l[0], sizeof l[0]) || sscanf(l[0], "results %llu %x", &len, &crc) != 2)
			return false;
		snprintf(w, sizeof w, "results %llu %08x", len, crc);
		ok = !strcmp(w, l[0]);
		m->finished = true, m->results_len = len, m->results_crc = crc;
	}
	return ok;
}

bool manifest_parse(const char *text, struct manifest *m)
{
	const char *s = text;
	char l[64], w[64];
	memset(m, 0, sizeof(*m));
	if (!next_line(&s, l, sizeof l) || sscanf(l, "kasim-sweep %u", &m->version) != 1)
		return false;
	snprintf(w, sizeof w, "kasim-sweep %u", m->version);
	if (strcmp(w, l))
		return false;
	if (m->version != MANIFEST_VERSION)
		return true;
	if (!parse_header(&s, m) || strncmp(s, "path ", 5))
		return false;
	/* path and sets: free text up to the end of the line (the sweep's hash,
	 * checked against sweep.ini by merge, covers the sets) */
	size_t n = 0;
	for (const char *q = s; (q = strstr(q, "\nset ")); q++)
		n++;
	m->path = strndup(s + 5, strcspn(s + 5, "\n"));
	m->sets = calloc(n + 1, sizeof(char *));
	if (!m->path || !m->sets) {
		fputs("kasim: out of memory\n", stderr);
		abort();
	}
	for (const char *q = strstr(s, "\nset "); q && m->nsets < n; q = strstr(q + 1, "\nset "))
		if (!(m->sets[m->nsets++] = strndup(q + 5, strcspn(q + 5, "\n"))))
			abort();
	return true;
}

void manifest_free(struct manifest *m)
{
	for (size_t i = 0; i < m->nsets; i++)
		free(m->sets[i]);
	free(m->sets);
	free(m->path);
	memset(m, 0, sizeof(*m));
}

/* --resume: the manifest already in dir must be this sweep's and shard's
 * (0), else a message and 2. */
static int resume_check(const char *text, const struct sweep *sw, uint64_t si, uint64_t sn, const char *dir,
			FILE *err)
{
	struct manifest m;
	int rc = 2;
	if (!manifest_parse(text, &m))
		fprintf(err, "kasim: %s/manifest: damaged (start again in a new directory)\n", dir);
	else if (m.version != MANIFEST_VERSION)
		fprintf(err, "kasim: %s/manifest: written by another version of kasim (format %u, this one "
			     "reads %d); start again in a new directory\n", dir, m.version, MANIFEST_VERSION);
	else if (m.hash != sw->hash || m.runs != sw->nruns)
		fprintf(err, "kasim: %s holds another sweep or shard: its sweep definition hash is %016llx, "
			     "%s with these --set options is %016llx (another sweep file or --set); use another "
			     "directory\n", dir, (unsigned long long)m.hash, sw->path, (unsigned long long)sw->hash);
	else if (m.si != si || m.sn != sn)
		fprintf(err, "kasim: %s holds another sweep or shard: it is shard %llu/%llu, not %llu/%llu; use "
			     "another directory\n", dir, (unsigned long long)m.si, (unsigned long long)m.sn,
			(unsigned long long)si, (unsigned long long)sn);
	else
		rc = 0;
	manifest_free(&m);
	return rc;
}

/* ---- the executor ------------------------------------------------------------------- */

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress_draw(FILE *err, uint64_t done, uint64_t total, uint64_t base, double t0)
{
	enum { W = 30 };
	double el = mono() - t0, frac = total ? (double)done / (double)total : 1;
	int fill = (int)(frac * W);
	char bar[W + 1], eta[32] = "--:--";

	for (int i = 0; i < W; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[W] = '\0';
	if (done > base && el > 0.2) {
		double left = el / (double)(done - base) * (double)(total - done);
		unsigned s = (unsigned)(left + 0.5);
		snprintf(eta, sizeof(eta), "%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
	}
	fprintf(err, "\r[%s] %5.1f%% %llu/%llu runs  ETA %s ", bar, 100 * frac,
		(unsigned long long)done, (unsigned long long)total, eta);
	fflush(err);
}

/* Why a complete journal line is refused, or NULL. */
static const char *journal_check(const char *line, const struct sweep *sw, uint64_t si, uint64_t sn,
				 struct run_result *r)
{
	switch (journal_parse(line, r)) {
	case JOURNAL_CHECKSUM:
		return "its checksum does not match (the line was changed or damaged)";
	case JOURNAL_MALFORMED:
		return "not a journal line (16 fields and a checksum)";
	case JOURNAL_OK:
		break;
	}
	if (r->run >= sw->nruns || r->run % sn != si || r->seed != sweep_run_seed(sw->seed, r->run))
		return "not a run of this sweep and shard";
	return NULL;
}

/* Load the journal of a shard into res/done; returns the number of runs
 * found. A final line without its newline is the normal trace of a kill in
 * the middle of a write: it is dropped (the file is truncated before it) and
 * its run is run again. Any other bad line is refused, naming it (-2): resume
 * trusts no line it cannot verify. -1 on a read error. */
static long long journal_load(const char *path, const struct sweep *sw, uint64_t si, uint64_t sn,
			      struct run_result *res, bool *done, FILE *err)
{
	size_t len = 0, lineno = 0;
	char *buf = sweep_read_all(path, &len);
	long long n = 0;
	size_t good = 0;

	if (!buf)
		return errno == ENOENT ? 0 : -1;
	for (size_t off = 0; off < len;) {
		char *nl = memchr(buf + off, '\n', len - off);
		if (!nl)
			break; /* torn write: dropped below */
		*nl = '\0';
		lineno++;
		struct run_result r;
		const char *why = strlen(buf + off) != (size_t)(nl - buf) - off ? "it holds a NUL byte"
						: journal_check(buf + off, sw, si, sn, &r);
		uint64_t k = why ? 0 : r.run / sn;
		if (!why && done[k] && memcmp(&res[k], &r, sizeof r))
			why = "its run is already in an earlier line, with other results";
		if (why) {
			fprintf(err, "kasim: %s:%zu: %s; delete the damaged lines (their runs are run again) "
				     "or start again in a new directory\n", path, lineno, why);
			free(buf);
			return -2;
		}
		if (!done[k]) {
			done[k] = true;
			res[k] = r;
			n++;
		}
		off = (size_t)(nl - buf) + 1;
		good = off;
	}
	free(buf);
	if (good < len && truncate(path, (off_t)good) != 0)
		return -1;
	return n;
}

int sweep_execute(const struct sweep *sw, const struct sweep_exec *e, FILE *err)
{
	uint64_t si = e->shard_n ? e->shard_i : 0, sn = e->shard_n ? e->shard_n : 1;
	uint64_t m = si < sw->nruns ? (sw->nruns - si + sn - 1) / sn : 0;
	char *man_path = sweep_path(e->dir, "manifest"), *jpath = sweep_path(e->dir, "runs.journal");
	char *man = sweep_manifest(sw, si, sn, NULL, 0);
	struct run_result *res = calloc(m ? m : 1, sizeof(*res));
	bool *done = calloc(m ? m : 1, sizeof(*done));
	uint64_t *todo = calloc(m ? m : 1, sizeof(*todo));
	int rc = 0, fd = -1;
	struct outdir *od = NULL;
	size_t mlen = 0;
	char *old = NULL;

	if (!res || !done || !todo) {
		fputs("kasim: out of memory\n", err);
		rc = 1;
		goto out;
	}
	char msg[600];
	od = outdir_open(e->dir, msg, sizeof msg);
	if (!od) {
		fprintf(err, "kasim: %s\n", msg);
		rc = 1;
		goto out;
	}
	old = sweep_read_all(man_path, &mlen);
	if (old && !e->resume) {
		fprintf(err, "kasim: %s already holds a sweep (use --resume to finish it, or another "
			     "directory)\n", e->dir);
		rc = 2;
		goto out;
	}
	if (old && (rc = resume_check(old, sw, si, sn, e->dir, err)))
		goto out;
	/* the journal first: a symlink there is refused before anything is written */
	fd = outdir_append(od, "runs.journal");
	if (fd < 0 || (!old && (outdir_write(od, "sweep.ini", sw->text, strlen(sw->text)) ||
				outdir_write(od, "manifest", man, strlen(man)) || outdir_commit(od)))) {
		fprintf(err, "kasim: %s\n", outdir_error(od));
		rc = 1;
		goto out;
	}
	long long have = 0;
	if (old) {
		have = journal_load(jpath, sw, si, sn, res, done, err);
		if (have == -2) {
			rc = 2;
			goto out;
		}
		if (have < 0) {
			fprintf(err, "kasim: cannot read %s: %s\n", jpath, strerror(errno));
			rc = 1;
			goto out;
		}
	}
	uint64_t ntodo = 0;
	for (uint64_t k = 0; k < m; k++)
		if (!done[k])
			todo[ntodo++] = k;

#ifdef _OPENMP
	if (e->threads > 0)
		omp_set_num_threads(e->threads);
	int nthreads = omp_get_max_threads();
#else
	int nthreads = 1;
#endif
	_Atomic uint64_t ndone = (uint64_t)have, nevents = 0;
	int werr = 0;
	double t0 = mono(), last_sync = t0, last_draw = 0;
	const uint64_t base = (uint64_t)have;

#pragma omp parallel for schedule(dynamic, 1)
	for (uint64_t i = 0; i < ntodo; i++) {
		uint64_t k = todo[i];
		struct run_result r;
		char line[512];

		sweep_run_one(sw, si + k * sn, &r);
		res[k] = r;
		int n = journal_format(line, sizeof(line) - 1, &r);
		line[n++] = '\n';
#pragma omp critical(kasim_journal)
		{
			if (!werr && write(fd, line, (size_t)n) != n)
				werr = errno ? errno : EIO;
			double now = mono();
			if (now - last_sync >= 1.0) {
				if (fdatasync(fd) && !werr)
					werr = errno;
				last_sync = now;
			}
		}
		atomic_fetch_add(&nevents, r.events);
		uint64_t d = atomic_fetch_add(&ndone, 1) + 1;
#ifdef _OPENMP
		bool master = omp_get_thread_num() == 0;
#else
		bool master = true;
#endif
		if (e->progress && master) {
			double now = mono();
			if (now - last_draw >= 0.1) {
				last_draw = now;
				progress_draw(err, d, m, base, t0);
			}
		}
	}
	double wall = mono() - t0;
	if (fdatasync(fd) && !werr)
		werr = errno;
	if (close(fd) && !werr)
		werr = errno;
	fd = -1;
	if (e->progress) {
		progress_draw(err, atomic_load(&ndone), m, base, t0);
		fputs("\n", err);
	}
	if (werr) {
		fprintf(err, "kasim: cannot write %s: %s\n", jpath, strerror(werr));
		rc = 1;
		goto out;
	}
	if (e->stats) {
		uint64_t ev = atomic_load(&nevents);
		fprintf(err, "kasim: %llu runs (%llu now) in %.3f s on %d thread%s: %llu events, "
			     "%.1f M events/s, %.1f M per thread\n",
			(unsigned long long)m, (unsigned long long)ntodo, wall, nthreads,
			nthreads == 1 ? "" : "s", (unsigned long long)ev, wall > 0 ? (double)ev / wall / 1e6 : 0,
			wall > 0 ? (double)ev / wall / 1e6 / nthreads : 0);
	}
	if (sn == 1) {
		rc = sweep_write_outputs(sw, res, e->dir, e->render, err);
	} else {
		/* the shard's runs, in order: what kasim merge reads */
		size_t cap = (size_t)m * 160 + 1, len = 0;
		char *all = malloc(cap);
		if (!all) {
			fputs("kasim: out of memory\n", err);
			rc = 1;
			goto out;
		}
		for (uint64_t k = 0; k < m; k++) {
			len += (size_t)run_record_format(all + len, cap - len - 1, &res[k]);
			all[len++] = '\n';
		}
		/* with the manifest that gives their length and checksum: the shard is
		 * finished. One commit, renamed in this order: a crash between the two
		 * leaves the old manifest, i.e. an unfinished shard that --resume ends. */
		char *fin = sweep_manifest(sw, si, sn, all, len);
		if (outdir_write(od, "results-partial.csv", all, len) || outdir_write(od, "manifest", fin, strlen(fin)) ||
		    outdir_commit(od)) {
			fprintf(err, "kasim: %s\n", outdir_error(od));
			rc = 1;
		}
		free(fin);
		free(all);
	}
out:
	if (fd >= 0)
		close(fd);
	outdir_free(od);
	free(old);
	free(man);
	free(man_path);
	free(jpath);
	free(res);
	free(done);
	free(todo);
	return rc;
}
