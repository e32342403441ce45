/*
 * test_integrity.c - what --resume and kasim merge trust (docs/sweeps.md,
 * "Checksums and refusals"): CRC-32C against its published test vectors,
 * journal lines with a checksum, manifests with the sweep's definition hash
 * and the shard results' checksum, and the refusals that follow.
 */
#include "binrun.h"

#include <errno.h>

#include "checksum.h"
#include "sweep.h"
#include "textfile.h"

/* ---- CRC-32C ------------------------------------------------------------------- */

Test(checksum, crc32c_published_vectors)
{
	unsigned char b[32];
	/* the CRC catalogue's check value, and RFC 3720 appendix B.4 */
	cr_assert_eq(crc32c(0, "123456789", 9), 0xE3069283u);
	cr_assert_eq(crc32c(0, "", 0), 0u);
	memset(b, 0, sizeof b);
	cr_assert_eq(crc32c(0, b, sizeof b), 0x8A9136AAu);
	memset(b, 0xff, sizeof b);
	cr_assert_eq(crc32c(0, b, sizeof b), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		b[i] = (unsigned char)i;
	cr_assert_eq(crc32c(0, b, sizeof b), 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		b[i] = (unsigned char)(31 - i);
	cr_assert_eq(crc32c(0, b, sizeof b), 0x113FDB5Cu);
	/* in pieces = at once */
	cr_assert_eq(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
}

/* ---- journal lines and manifests ------------------------------------------------------- */

/* Change the last digit of field f (0-based) of the line at l: "a changed number". */
static void bump_field(char *l, int f)
{
	for (int i = 0; i < f; i++)
		l = strchr(l, ' ') + 1;
	char *e = l + strcspn(l, " \n") - 1;
	cr_assert(*e >= '0' && *e <= '9', "field %d is not a number: %s", f, l);
	*e = *e == '9' ? '0' : *e + 1;
}


static const char rec[] = "12345 fedcba9876543210 1 5 1 104 7000000001 61000000000 - 0 9 21 840 99 2 1 - 7000000000 1";

Test(integrity, a_changed_journal_line_fails_its_checksum)
{
	struct run_result r;
	char line[256];
	SNP(line, "%s 7804ca54", rec);
	cr_assert_eq(journal_parse(line, &r), JOURNAL_OK);
	cr_assert_eq(r.segments, 21);
	bump_field(line, 12); /* 840 -> 841 bytes */
	cr_assert(strstr(line, " 21 841 99 ") != NULL, "%s", line);
	cr_assert_eq(journal_parse(line, &r), JOURNAL_CHECKSUM);
	SNP(line, "%s 7804ca55", rec);
	cr_assert_eq(journal_parse(line, &r), JOURNAL_CHECKSUM);
	SNP(line, "%s 7804CA54", rec); /* lower-case hex only */
	cr_assert_eq(journal_parse(line, &r), JOURNAL_MALFORMED);
	cr_assert_eq(journal_parse(rec, &r), JOURNAL_MALFORMED); /* no checksum */
	/* a line of the 16-field format, its checksum right: not a record any more */
	cr_assert_eq(journal_parse("12345 fedcba9876543210 1 5 1 104 7000000001 61000000000 - 0 9 21 840 99 2 1 0f5620e7",
				   &r), JOURNAL_MALFORMED);
	cr_assert_eq(journal_parse("1 00000000", &r), JOURNAL_CHECKSUM);
	cr_assert_eq(journal_parse("", &r), JOURNAL_MALFORMED);
	cr_assert_eq(journal_parse(" 0f5620e7", &r), JOURNAL_CHECKSUM);
	/* a well-formed checksum over a record that is not one */
	char bad[64];
	SNP(bad, "1 2 3");
	SNP(line, "%s %08x", bad, (unsigned)crc32c(0, bad, strlen(bad)));
	cr_assert_eq(journal_parse(line, &r), JOURNAL_MALFORMED);
}

static struct sweep *small(const char *text, const char *set)
{
	struct diag d = { 0 };
	const char *sets[] = { set };
	struct sweep *sw = sweep_parse("s.ini", text, sets, set ? 1 : 0, &d);
	cr_assert_not_null(sw, "%s", d.n ? d.msg[0] : "?");
	diag_free(&d);
	return sw;
}

Test(integrity, manifest_round_trip)
{
	struct sweep *sw = small("[sweep]\nA.tcp_keepidle = 60, 120\nreplicas = 3\n", "link.delay=1ms");
	char *m = sweep_manifest(sw, 1, 2, "abc\n", 4), want[512];
	SNP(want, "kasim-sweep 3\nhash %016llx\nruns 6\nshard 1/2\nresults 4 %08x\npath s.ini\nset link.delay=1ms\n",
	    (unsigned long long)sw->hash, (unsigned)crc32c(0, "abc\n", 4));
	cr_assert_str_eq(m, want);
	struct manifest p;
	cr_assert(manifest_parse(m, &p));
	cr_assert_eq(p.version, 3);
	cr_assert_eq(p.hash, sw->hash);
	cr_assert_eq(p.runs, 6);
	cr_assert_eq(p.si, 1);
	cr_assert_eq(p.sn, 2);
	cr_assert(p.finished);
	cr_assert_eq(p.results_len, 4);
	cr_assert_eq(p.results_crc, crc32c(0, "abc\n", 4));
	cr_assert_str_eq(p.path, "s.ini");
	cr_assert_eq(p.nsets, 1);
	cr_assert_str_eq(p.sets[0], "link.delay=1ms");
	manifest_free(&p);
	free(m);
	m = sweep_manifest(sw, 0, 1, NULL, 0);
	cr_assert(manifest_parse(m, &p));
	cr_assert_not(p.finished);
	manifest_free(&p);
	free(m);
	/* read back exactly as written, or damaged */
	static const char *const bad[] = {
		"kasim-sweep 3\nhash 0x01\nruns 6\nshard 1/2\npath s\n",
		"kasim-sweep 3\nhash 1\nruns 6\nshard 1/2\npath s\n",
		"kasim-sweep 3\nhash 0000000000000001\nruns 6\nshard 2/2\npath s\n",
		"kasim-sweep 3\nhash 0000000000000001\nruns +6\nshard 1/2\npath s\n",
		"kasim-sweep 3\nhash 0000000000000001\nruns 6\nshard 1/2\nresults 4 ABC\npath s\n",
		"kasim-sweep 3\nhash 0000000000000001\nruns 6\nshard 1/2\n",
		"kasim-sweep 02\n",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_expect_not(manifest_parse(bad[i], &p), "accepted: %s", bad[i]);
		manifest_free(&p);
	}
	cr_assert(manifest_parse("kasim-sweep 1\nhash 1\n", &p));
	cr_assert_eq(p.version, 1);
	manifest_free(&p);
	sweep_free(sw);
}

/* ---- the binary ------------------------------------------------------------------------ */

/* 3 x 2 points x 5 replicas = 30 runs (as in test_sweep.c). */
#define SMALL(KEEPCNT)                                                                                 \
	"[scenario]\nname = small\nduration = 2h\nseed = 5\n"                                          \
	"[A]\nso_keepalive = on\ntcp_keepintvl = 5\ntcp_keepcnt = " KEEPCNT "\n"                       \
	"[link]\ndelay = 5ms\n[events]\n1h50m = crash B\n"                                             \
	"[sweep]\nA.tcp_keepidle = 60, 600, 6000\nlink.delay = 1ms, 40ms\nreplicas = 5\n"

static char *cat(const char *a, const char *b)
{
	char *p = malloc(strlen(a) + strlen(b) + 2);
	sprintf(p, "%s/%s", a, b);
	return p;
}

static char *read_in(const char *dir, const char *name)
{
	char *p = cat(dir, name), *s = slurp(p, NULL);
	cr_assert_not_null(s, "cannot read %s", p);
	free(p);
	return s;
}

static void write_in(const char *dir, const char *name, const char *text)
{
	char *p = cat(dir, name);
	write_file(p, text);
	free(p);
}

/* The start of line n (1-based) of s. */
static char *line_at(char *s, int n)
{
	while (--n > 0) {
		s = strchr(s, '\n');
		cr_assert_not_null(s);
		s++;
	}
	return s;
}

/* d/s.ini (text) swept into d/o, which must succeed. */
static void swept(const char *d, const char *text, char **file, char **out)
{
	*file = cat(d, "s.ini");
	*out = cat(d, "o");
	write_file(*file, text);
	struct cmd r = KASIM("sweep", *file, "-o", *out, "--no-render");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_free(&r);
}

/* With journal as out/runs.journal, --resume exits 2 naming line n, and
 * leaves the journal as it was. */
static void resume_refused(char *file, char *out, const char *journal, int n, const char *why)
{
	char want[8192];
	write_in(out, "runs.journal", journal);
	struct cmd r = KASIM("sweep", file, "-o", out, "--no-render", "--resume");
	cr_assert_eq(r.status, 2);
	SNP(want, "kasim: %s/runs.journal:%d: %s; delete the damaged lines (their runs are run again) or start "
		  "again in a new directory\n", out, n, why);
	cr_assert_str_eq(r.err, want);
	cr_assert_eq(r.outlen, 0);
	cmd_free(&r);
	char *after = read_in(out, "runs.journal");
	cr_assert_str_eq(after, journal, "a refused resume changed the journal");
	free(after);
}

Test(integrity_bin, resume_refuses_a_changed_journal_line)
{
	char *d = make_tmpdir(), *file, *out;
	swept(d, SMALL("2"), &file, &out);
	struct cmd r;
	char *results = read_in(out, "results.csv"), *journal = read_in(out, "runs.journal");

	/* one number (the segments of line 5) changed */
	char *bad = strdup(journal);
	bump_field(line_at(bad, 5), 11);
	resume_refused(file, out, bad, 5, "its checksum does not match (the line was changed or damaged)");

	/* a valid line of another shard (run 31 of 30) */
	struct run_result x = { .run = 31, .seed = 7, .lost_at = KS_TIME_NEVER, .fail_at = { 1, 1 }, .detect = { 1, 1 } };
	char line[256];
	journal_format(line, sizeof line, &x);
	char *other = malloc(strlen(journal) + sizeof line + 2);
	sprintf(other, "%s%s\n", journal, line);
	resume_refused(file, out, other, 31, "not a run of this sweep and shard");

	/* as the message says: line 5 deleted, its run is run again, the same results */
	char *l5 = line_at(bad, 5), *l6 = line_at(bad, 6);
	memmove(l5, l6, strlen(l6) + 1);
	write_in(out, "runs.journal", bad);
	r = KASIM("sweep", file, "-o", out, "--no-render", "--resume");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_free(&r);
	char *again = read_in(out, "results.csv");
	cr_assert_str_eq(again, results);
	free(again);
	free(other);
	free(bad);
	free(results);
	free(journal);
	rm_rf(d);
	free(d);
	free(file);
	free(out);
}

Test(integrity_bin, resume_refuses_a_changed_sweep_file)
{
	char *d = make_tmpdir(), *file, *out, want[8192];
	swept(d, SMALL("2"), &file, &out);
	struct cmd r;
	struct sweep *s2 = small(SMALL("2"), NULL), *s3 = small(SMALL("3"), NULL);
	write_file(file, SMALL("3")); /* a value outside [sweep]: same seed, same runs */
	r = KASIM("sweep", file, "-o", out, "--no-render", "--resume");
	cr_assert_eq(r.status, 2);
	SNP(want, "kasim: %s holds another sweep or shard: its sweep definition hash is %016llx, %s with these "
		  "--set options is %016llx (another sweep file or --set); use another directory\n",
	    out, (unsigned long long)s2->hash, file, (unsigned long long)s3->hash);
	cr_assert_str_eq(r.err, want);
	cmd_free(&r);
	/* an older kasim's directory */
	write_in(out, "manifest", "kasim-sweep 1\nhash 0\nruns 30\nshard 0/1\npath s.ini\n");
	r = KASIM("sweep", file, "-o", out, "--no-render", "--resume");
	cr_assert_eq(r.status, 2);
	SNP(want, "kasim: %s/manifest: written by another version of kasim (format 1, this one reads 3); start "
		  "again in a new directory\n", out);
	cr_assert_str_eq(r.err, want);
	cmd_free(&r);
	sweep_free(s2);
	sweep_free(s3);
	rm_rf(d);
	free(d);
	free(file);
	free(out);
}

/* Shards 0/2 and 1/2 of sweep file name (text) into d/name.0, d/name.1. */
static void two_shards(const char *d, const char *name, const char *text)
{
	char *file = cat(d, name);
	write_file(file, text);
	for (int i = 0; i < 2; i++) {
		char dir[4096], spec[8];
		SNP(dir, "%s/%s.%d", d, name, i);
		SNP(spec, "%d/2", i);
		struct cmd r = KASIM("sweep", file, "--shard", spec, "-o", dir, "--no-render");
		cr_assert_eq(r.status, 0, "%s", r.err);
		cmd_free(&r);
	}
	free(file);
}

static struct cmd merge2(char *a, char *b, char *out)
{
	return KASIM("merge", a, b, "-o", out, "--no-render");
}

/* Shards 0/2 and 1/2 of two sweep files that differ only in a value outside
 * [sweep] (tcp_keepcnt 2 or 3): the same seed and number of runs. */
struct two_sweeps {
	char *d, a0[4096], a1[4096], b1[4096], m[4096], rp[4096];
	struct sweep *sa, *sb;
	char *mine, *theirs; /* a.1's and b.1's results-partial.csv */
};

static void two_sweeps(struct two_sweeps *t)
{
	t->d = make_tmpdir();
	two_shards(t->d, "a", SMALL("2"));
	two_shards(t->d, "b", SMALL("3"));
	SNP(t->a0, "%s/a.0", t->d);
	SNP(t->a1, "%s/a.1", t->d);
	SNP(t->b1, "%s/b.1", t->d);
	SNP(t->m, "%s/merged", t->d);
	SNP(t->rp, "%s/results-partial.csv", t->a1);
	t->sa = small(SMALL("2"), NULL);
	t->sb = small(SMALL("3"), NULL);
	t->mine = read_in(t->a1, "results-partial.csv");
	t->theirs = read_in(t->b1, "results-partial.csv");
	cr_assert_str_neq(t->mine, t->theirs);
}

static void two_sweeps_free(struct two_sweeps *t)
{
	sweep_free(t->sa);
	sweep_free(t->sb);
	free(t->mine);
	free(t->theirs);
	rm_rf(t->d);
	free(t->d);
}

Test(integrity_bin, merge_refuses_a_shard_of_another_sweep)
{
	struct two_sweeps t;
	char want[8192];
	two_sweeps(&t);
	struct cmd r = merge2(t.a0, t.b1, t.m);
	cr_assert_eq(r.status, 2);
	SNP(want, "kasim: %s is from another sweep or sharding than %s: its sweep definition hash is %016llx, not "
		  "%016llx (the sweep files or their --set options differ)\n", t.b1, t.a0,
	    (unsigned long long)t.sb->hash, (unsigned long long)t.sa->hash);
	cr_assert_str_eq(r.err, want);
	cr_assert_eq(r.outlen, 0);
	cmd_free(&r);
	cr_assert_eq(count_entries(t.d, "merged"), 0, "a refused merge wrote something");
	two_sweeps_free(&t);
}

Test(integrity_bin, merge_refuses_results_copied_from_another_sweep)
{
	struct two_sweeps t;
	char want[8192];
	two_sweeps(&t);
	/* every line is a well-formed run of shard 1/2 with the right seed */
	write_in(t.a1, "results-partial.csv", t.theirs);
	struct cmd r = merge2(t.a0, t.a1, t.m);
	cr_assert_eq(r.status, 2);
	SNP(want, "kasim: %s does not match its manifest (%zu bytes, CRC-32C %08x; the manifest says %zu bytes, "
		  "%08x): it was changed, damaged or copied from another sweep; rewrite it from the journal with "
		  "kasim sweep FILE --shard 1/2 -o DIR --resume\n", t.rp, strlen(t.theirs),
	    (unsigned)crc32c(0, t.theirs, strlen(t.theirs)), strlen(t.mine),
	    (unsigned)crc32c(0, t.mine, strlen(t.mine)));
	cr_assert_str_eq(r.err, want);
	cmd_free(&r);
	cr_assert_eq(count_entries(t.d, "merged"), 0, "a refused merge wrote something");

	/* as the message says: --resume rewrites it from the journal; then it merges */
	char *file = cat(t.d, "a");
	r = KASIM("sweep", file, "--shard", "1/2", "-o", t.a1, "--no-render", "--resume");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_free(&r);
	char *back = read_in(t.a1, "results-partial.csv");
	cr_assert_str_eq(back, t.mine);
	free(back);
	r = merge2(t.a0, t.a1, t.m);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_free(&r);
	free(file);
	two_sweeps_free(&t);
}

Test(integrity_bin, merge_refuses_a_changed_results_row_and_an_unfinished_shard)
{
	struct two_sweeps t;
	char want[8192];
	two_sweeps(&t);
	char *tampered = strdup(t.mine);
	bump_field(line_at(tampered, 3), 10); /* the probes of the third run */
	write_in(t.a1, "results-partial.csv", tampered);
	struct cmd r = merge2(t.a0, t.a1, t.m);
	cr_assert_eq(r.status, 2);
	SNP(want, "kasim: %s does not match its manifest (%zu bytes, CRC-32C %08x; the manifest says %zu bytes, "
		  "%08x): it was changed, damaged or copied from another sweep; rewrite it from the journal with "
		  "kasim sweep FILE --shard 1/2 -o DIR --resume\n", t.rp, strlen(tampered),
	    (unsigned)crc32c(0, tampered, strlen(tampered)), strlen(t.mine),
	    (unsigned)crc32c(0, t.mine, strlen(t.mine)));
	cr_assert_str_eq(r.err, want);
	cmd_free(&r);
	cr_assert_eq(count_entries(t.d, "merged"), 0, "a refused merge wrote something");
	write_in(t.a1, "results-partial.csv", t.mine);

	/* an unfinished shard: its manifest has no results line yet */
	char *man = read_in(t.a1, "manifest");
	char *res = strstr(man, "\nresults ");
	cr_assert_not_null(res);
	char *unfinished = strdup(man), *end = res + 1 + strcspn(res + 1, "\n");
	memmove(unfinished + (res - man), end, strlen(end) + 1);
	write_in(t.a1, "manifest", unfinished);
	r = merge2(t.a0, t.a1, t.m);
	cr_assert_eq(r.status, 2);
	SNP(want, "kasim: %s: shard 1/2 is not finished (run it again with --resume)\n", t.a1);
	cr_assert_str_eq(r.err, want);
	cmd_free(&r);
	write_in(t.a1, "manifest", man);
	r = merge2(t.a0, t.a1, t.m);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_free(&r);
	free(unfinished);
	free(man);
	free(tampered);
	two_sweeps_free(&t);
}

/* ---- bounded reading of what --resume and merge read back ------------------------------- */

/* d/name with n bytes of b. */
static char *write_bytes(const char *d, const char *name, const void *b, size_t n)
{
	char *p = cat(d, name);
	FILE *f = fopen(p, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(b, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
	return p;
}

Test(integrity, textfile_getline_holds_one_bounded_line)
{
	char *d = make_tmpdir(), text[700], buf[16];
	size_t n = 0;
	n += (size_t)sprintf(text + n, "abc\n");
	memset(text + n, 'x', 600);
	n += 600;
	memcpy(text + n, "\na\0b\n\ntorn", 11);
	n += 10;
	char *p = write_bytes(d, "f", text, n);
	FILE *f = fopen(p, "rb");
	struct text_line l;

	cr_assert(textfile_getline(f, buf, sizeof buf, &l));
	cr_expect_str_eq(buf, "abc");
	cr_expect(l.len == 3 && l.ended && !l.nul && !l.error);
	cr_assert(textfile_getline(f, buf, sizeof buf, &l)); /* 600 bytes: 15 kept, all counted */
	cr_expect_str_eq(buf, "xxxxxxxxxxxxxxx");
	cr_expect(l.len == 600 && l.ended && !l.nul);
	cr_assert(textfile_getline(f, buf, sizeof buf, &l));
	cr_expect_str_eq(buf, "a");
	cr_expect(l.len == 3 && l.ended && l.nul);
	cr_assert(textfile_getline(f, buf, sizeof buf, &l));
	cr_expect(l.len == 0 && l.ended && buf[0] == '\0');
	cr_assert(textfile_getline(f, buf, sizeof buf, &l)); /* what a kill leaves */
	cr_expect_str_eq(buf, "torn");
	cr_expect(l.len == 4 && !l.ended);
	cr_expect_not(textfile_getline(f, buf, sizeof buf, &l));
	cr_expect(l.len == 0 && !l.ended && !l.error);
	fclose(f);
	free(p);
	rm_rf(d);
	free(d);
}

Test(integrity, textfile_load_limit_nul_and_absence)
{
	char *d = make_tmpdir(), *p = write_bytes(d, "f", "ab\ncd\n", 6), *z = write_bytes(d, "z", "a\nb\0c", 5);
	struct textfile_info in;
	char *t = textfile_load(p, 6, &in);
	cr_assert_not_null(t);
	cr_expect_str_eq(t, "ab\ncd\n");
	cr_expect_eq(in.len, 6);
	free(t);
	cr_expect_null(textfile_load(p, 5, &in));
	cr_expect_eq(in.fault, TEXTFILE_TOO_LARGE);
	cr_expect_null(textfile_load(z, 100, &in));
	cr_expect_eq(in.fault, TEXTFILE_NUL);
	cr_expect_eq(in.line, 2);
	char *none = cat(d, "none");
	cr_expect_null(textfile_load(none, 100, &in));
	cr_expect(in.fault == TEXTFILE_OPEN && in.err == ENOENT);
	free(none);
	free(p);
	free(z);
	rm_rf(d);
	free(d);
}

/* A journal line longer than any kasim writes is refused like any damaged
 * line (the journal is read a line at a time, in a bounded buffer). */
Test(integrity_bin, resume_refuses_a_too_long_journal_line)
{
	char *d = make_tmpdir(), *file, *out;
	swept(d, SMALL("2"), &file, &out);
	char *journal = read_in(out, "runs.journal"), *longer = malloc(strlen(journal) + 2000);
	sprintf(longer, "%s", journal);
	size_t n = strlen(longer);
	memset(longer + n, '7', 1500);
	strcpy(longer + n + 1500, "\n");
	resume_refused(file, out, longer, 31, "not a journal line (19 fields and a checksum)");
	free(longer);
	free(journal);
	rm_rf(d);
	free(d);
	free(file);
	free(out);
}

/* A manifest with a NUL byte is damaged: it was read as a C string, so a
 * valid manifest with anything after a NUL was taken for valid. */
Test(integrity_bin, resume_refuses_a_manifest_with_a_nul_byte)
{
	char *d = make_tmpdir(), *file, *out, want[4096];
	swept(d, SMALL("2"), &file, &out);
	char *man = read_in(out, "manifest"), *text = malloc(strlen(man) + 8);
	size_t n = strlen(man);
	memcpy(text, man, n);
	memcpy(text + n, "\0junk\n", 6);
	free(write_bytes(out, "manifest", text, n + 6));
	struct cmd r = KASIM("sweep", file, "-o", out, "--no-render", "--resume");
	cr_expect_eq(r.status, 2);
	SNP(want, "kasim: %s/manifest: damaged (start again in a new directory)\n", out);
	cr_expect_str_eq(r.err, want);
	cr_expect_eq(r.outlen, 0);
	cmd_free(&r);
	free(text);
	free(man);
	rm_rf(d);
	free(d);
	free(file);
	free(out);
}
