/*
 * sweep_journal.c - what a sweep directory holds besides its outputs, and
 * reading it back for --resume and kasim merge:
 *   - a run's record: one line of RUN_RECORD_FIELDS fields (results-partial.csv's rows);
 *   - the journal (runs.journal): one record and its CRC-32C per finished
 *     run, loaded line by line on --resume;
 *   - the manifest: which sweep and shard the directory holds.
 * These files are input when read back (docs/security.md, "What kasim
 * reads"): every line is checked, and the reading is bounded (the journal
 * and results-partial.csv a line at a time, the manifest at most
 * SWEEP_MANIFEST_MAX bytes).
 */
#include "priv/sweep_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checksum.h"

/* ---- a run's record ---------------------------------------------------------------- */

static int put_time(char *b, size_t n, ks_time_t t)
{
	return t == KS_TIME_NEVER ? snprintf(b, n, "-") : snprintf(b, n, "%llu", (unsigned long long)t);
}

int run_record_format(char *buf, size_t n, const struct run_result *r)
{
	char t1[24], t2[24], t3[24], t4[24], t5[24];
	put_time(t1, sizeof t1, r->lost_at);
	put_time(t2, sizeof t2, r->fail_at[HOST_A]);
	put_time(t3, sizeof t3, r->detect[HOST_A]);
	put_time(t4, sizeof t4, r->fail_at[HOST_B]);
	put_time(t5, sizeof t5, r->detect[HOST_B]);
	int k = snprintf(buf, n, "%llu %016llx %d %u %d %d %s %s %s %u %u %llu %llu %llu %u %u %s %s %u",
			 (unsigned long long)r->run, (unsigned long long)r->seed, r->lost ? 1 : 0,
			 (unsigned)r->end, r->end_host < 0 ? 2 : r->end_host, r->err, t1, t2, t3,
			 (unsigned)r->det_end[HOST_A], r->probes, (unsigned long long)r->segments,
			 (unsigned long long)r->bytes, (unsigned long long)r->events, r->nat_expired, r->nat_evicted,
			 t4, t5, (unsigned)r->det_end[HOST_B]);
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
	uint64_t f[RUN_RECORD_FIELDS];
	char *p = (char *)line;
	for (int i = 0; i < RUN_RECORD_FIELDS; i++)
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
	r->fail_at[HOST_A] = f[7];
	r->detect[HOST_A] = f[8];
	r->det_end[HOST_A] = (uint8_t)f[9];
	r->probes = (uint32_t)f[10];
	r->segments = f[11];
	r->bytes = f[12];
	r->events = f[13];
	r->nat_expired = (uint32_t)f[14];
	r->nat_evicted = (uint32_t)f[15];
	r->fail_at[HOST_B] = f[16];
	r->detect[HOST_B] = f[17];
	r->det_end[HOST_B] = (uint8_t)f[18];
	return f[2] <= 1 && f[3] <= 255 && f[9] <= 255 && f[14] <= UINT32_MAX && f[15] <= UINT32_MAX &&
	       f[18] <= 255;
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
	char rec[RUN_LINE_MAX];
	if (body >= sizeof rec)
		return JOURNAL_MALFORMED;
	memcpy(rec, line, body);
	rec[body] = '\0';
	return run_record_parse(rec, r) ? JOURNAL_OK : JOURNAL_MALFORMED;
}

/* ---- the journal ----------------------------------------------------------------- */

/* Why a complete journal line is refused, or NULL. */
static const char *journal_check(const char *line, const struct sweep *sw, uint64_t si, uint64_t sn,
				 struct run_result *r)
{
	switch (journal_parse(line, r)) {
	case JOURNAL_CHECKSUM:
		return "its checksum does not match (the line was changed or damaged)";
	case JOURNAL_MALFORMED:
		return "not a journal line (19 fields and a checksum)";
	case JOURNAL_OK:
		break;
	}
	if (r->run >= sw->nruns || r->run % sn != si || r->seed != sweep_run_seed(sw->seed, r->run))
		return "not a run of this sweep and shard";
	return NULL;
}

long long journal_load(const char *path, const struct sweep *sw, uint64_t si, uint64_t sn,
		       struct run_result *res, bool *done, FILE *err)
{
	FILE *fp = fopen(path, "rb");
	char line[RUN_LINE_MAX];
	struct text_line l;
	size_t lineno = 0;
	uint64_t good = 0; /* bytes of the complete lines */
	long long n = 0;

	if (!fp)
		return errno == ENOENT ? 0 : -1;
	while (textfile_getline(fp, line, sizeof line, &l) && l.ended) {
		struct run_result r;
		lineno++;
		const char *why = l.nul ? "it holds a NUL byte"
			: l.len >= sizeof line ? "not a journal line (19 fields and a checksum)"
			: journal_check(line, sw, si, sn, &r);
		uint64_t k = why ? 0 : r.run / sn;
		if (!why && done[k] && memcmp(&res[k], &r, sizeof r))
			why = "its run is already in an earlier line, with other results";
		if (why) {
			fprintf(err, "kasim: %s:%zu: %s; delete the damaged lines (their runs are run again) "
				     "or start again in a new directory\n", path, lineno, why);
			fclose(fp);
			return -2;
		}
		if (!done[k]) {
			done[k] = true;
			res[k] = r;
			n++;
		}
		good += l.len + 1;
	}
	int rerr = l.error ? (errno ? errno : EIO) : 0;
	fclose(fp);
	if (rerr) {
		errno = rerr;
		return -1;
	}
	/* a last line without its newline: a torn write, dropped */
	if (l.len && !l.ended && truncate(path, (off_t)good) != 0)
		return -1;
	return n;
}

/* ---- the manifest ------------------------------------------------------------------ */

/* The manifest identifies the sweep and the shard; merge and --resume check it.
 * Its lines, in this order (docs/sweeps.md):
 *   kasim-sweep 3
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

char *sweep_manifest_read(const char *dir, struct textfile_info *info)
{
	char *path = sweep_path(dir, "manifest");
	char *text = textfile_load(path, SWEEP_MANIFEST_MAX, info);
	free(path);
	return text;
}

int resume_check(const char *text, const struct sweep *sw, uint64_t si, uint64_t sn, const char *dir,
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
