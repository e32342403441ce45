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

#include "keepalive.h"
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

/* The manifest identifies the sweep and the shard; merge and --resume check it. */
char *sweep_manifest(const struct sweep *sw, uint64_t si, uint64_t sn)
{
	char *m = NULL, *sets = strdup("");
	for (size_t i = 0; sets && i < sw->nsets; i++) {
		char *t = NULL;
		if (asprintf(&t, "%sset %s\n", sets, sw->sets[i]) < 0)
			t = NULL;
		free(sets);
		sets = t;
	}
	if (!sets || asprintf(&m, "kasim-sweep 1\nhash %016llx\nruns %llu\nshard %llu/%llu\npath %s\n%s",
			      (unsigned long long)sw->hash, (unsigned long long)sw->nruns,
			      (unsigned long long)si, (unsigned long long)sn, sw->path, sets) < 0) {
		fputs("kasim: out of memory\n", stderr);
		abort();
	}
	free(sets);
	return m;
}

/* The lines "hash ...", "runs ...", "shard ..." of a manifest must agree. */
static bool manifest_same(const char *a, const char *b)
{
	static const char *const keys[] = { "kasim-sweep ", "hash ", "runs ", "shard " };
	for (size_t k = 0; k < 4; k++) {
		const char *pa = strstr(a, keys[k]), *pb = strstr(b, keys[k]);
		if (!pa || !pb)
			return false;
		size_t la = strcspn(pa, "\n"), lb = strcspn(pb, "\n");
		if (la != lb || strncmp(pa, pb, la))
			return false;
	}
	return true;
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

/* Load the journal of a shard into res/done; returns the number of runs
 * found, and truncates a torn last line. -1 on a read error. */
static long long journal_load(const char *path, const struct sweep *sw, uint64_t si, uint64_t sn,
			      struct run_result *res, bool *done, FILE *err)
{
	size_t len = 0;
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
		struct run_result r;
		if (journal_parse(buf + off, &r) && r.run < sw->nruns && r.run % sn == si &&
		    r.seed == sweep_run_seed(sw->seed, r.run)) {
			uint64_t k = r.run / sn;
			if (!done[k]) {
				done[k] = true;
				res[k] = r;
				n++;
			}
		} else {
			fprintf(err, "kasim: %s: ignoring a damaged line\n", path);
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
	char *copy_path = sweep_path(e->dir, "sweep.ini");
	char *man = sweep_manifest(sw, si, sn);
	struct run_result *res = calloc(m ? m : 1, sizeof(*res));
	bool *done = calloc(m ? m : 1, sizeof(*done));
	uint64_t *todo = calloc(m ? m : 1, sizeof(*todo));
	int rc = 0, fd = -1;
	size_t mlen = 0;
	char *old = NULL;

	if (!res || !done || !todo) {
		fputs("kasim: out of memory\n", err);
		rc = 1;
		goto out;
	}
	int ec = sweep_mkdir_p(e->dir);
	if (ec) {
		fprintf(err, "kasim: cannot create %s: %s\n", e->dir, strerror(ec));
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
	if (old && !manifest_same(old, man)) {
		fprintf(err, "kasim: %s holds another sweep or shard (its manifest differs: another "
			     "sweep file, --set or --shard); use another directory\n", e->dir);
		rc = 2;
		goto out;
	}
	if (!old && (write_file_atomic(copy_path, sw->text, strlen(sw->text)) ||
		     write_file_atomic(man_path, man, strlen(man)))) {
		fprintf(err, "kasim: cannot write %s: %s\n", man_path, strerror(errno));
		rc = 1;
		goto out;
	}
	long long have = 0;
	if (old) {
		have = journal_load(jpath, sw, si, sn, res, done, err);
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

	fd = open(jpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0) {
		fprintf(err, "kasim: cannot open %s: %s\n", jpath, strerror(errno));
		rc = 1;
		goto out;
	}
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
			len += (size_t)journal_format(all + len, cap - len - 1, &res[k]);
			all[len++] = '\n';
		}
		char *pp = sweep_path(e->dir, "results-partial.csv");
		if (write_file_atomic(pp, all, len)) {
			fprintf(err, "kasim: cannot write %s: %s\n", pp, strerror(errno));
			rc = 1;
		}
		free(pp);
		free(all);
	}
out:
	if (fd >= 0)
		close(fd);
	free(old);
	free(man);
	free(man_path);
	free(jpath);
	free(copy_path);
	free(res);
	free(done);
	free(todo);
	return rc;
}
