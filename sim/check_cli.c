/*
 * check_cli.c - "kasim check": run scenario files and report their [expect]
 * results, one line per file plus each failure as FILE:LINE; with --answers,
 * grade a student's answers file (KEY = VALUE lines) against a key's
 * [expect] without running anything (docs/teaching.md).
 */
#include "check_cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "inifile.h"
#include "output.h"
#include "scenario.h"
#include "sim.h"
#include "sweep_cli.h"
#include "termesc.h"
#include "textfile.h"

static const char check_usage[] =
	"Usage: kasim check [OPTIONS] FILE...\n"
	"       kasim check --answers ANSWERS KEY.ini\n"
	"Run each scenario FILE and check the expectations of its [expect] section:\n"
	"one line per file, then every expectation that failed, as FILE:LINE.\n"
	"With --answers, grade ANSWERS (one KEY = VALUE line per question, e.g.\n"
	"A.error_time = 7875) against the [expect] of KEY.ini, within the key's\n"
	"tolerances; nothing is simulated (verify the key itself with kasim check KEY.ini).\n"
	"\n"
	"Options:\n"
	"  --answers ANSWERS       grade ANSWERS against the one key file given\n"
	"  -v, --verbose           also list the expectations (or answers) that held\n"
	"  -h, --help              show this help and exit\n"
	"\n"
	"Examples:\n"
	"  kasim check scenarios/course/*/key.ini\n"
	"  kasim check --answers alice.txt scenarios/course/01-dead-peer/key.ini\n"
	"\n"
	"Exit status: 0 when every expectation held (every answer is right), 1 when\n"
	"any failed, 2 for bad input (options, a file, an expectation or an answer).\n";

static int usage_error(FILE *err, const char *msg, const char *arg)
{
	return subcommand_usage_error(err, "check", msg, arg);
}

int expect_load(const char *file, struct expect_set *es, FILE *err)
{
	struct diag d = {0};
	char *text = textfile_read(file, NULL, &d);
	bool ok = text && expect_parse(file, text, es, &d);
	free(text);
	if (!ok)
		diag_print(&d, file, err);
	diag_free(&d);
	if (!ok)
		expect_set_free(es);
	return ok ? KASIM_EXIT_OK : KASIM_EXIT_USAGE;
}

/* One file: load, run, report. The exit status of this file. */
static int check_one(const char *file, bool verbose, FILE *out, FILE *err)
{
	struct diag d = {0};
	struct expect_set es = {0};
	struct scenario *sc = NULL;
	char *text = textfile_read(file, NULL, &d);
	/* every error of the file: the scenario's and its [expect]'s */
	bool ok = text && (sc = scenario_parse_string(file, text, NULL, 0, &d)) != NULL;
	ok = text && expect_parse(file, text, &es, &d) && ok;
	free(text);
	if (!ok)
		diag_print(&d, file, err);
	diag_free(&d);
	int rc = ok ? KASIM_EXIT_OK : KASIM_EXIT_USAGE;
	if (rc == KASIM_EXIT_OK && !es.n) {
		fputs("kasim: ", err);
		termesc_fputs(file, err);
		fputs(": no [expect] section, nothing to check (expected results: docs/teaching.md)\n", err);
		rc = KASIM_EXIT_USAGE;
	}
	struct sink *k = rc == KASIM_EXIT_OK ? expect_sink_new() : NULL;
	struct sim *sim = k ? malloc(sizeof(*sim)) : NULL;
	if (rc == KASIM_EXIT_OK && !sim) {
		fputs("kasim: out of memory\n", err);
		rc = KASIM_EXIT_FAIL;
	}
	if (sim) {
		sim_init(sim, sc);
		sim_add_sink(sim, k);
		sim_run(sim);
		/* the file name is input text: escaped like every other echo of it */
		termesc_fputs(file, out);
		size_t failed = 0;
		for (size_t i = 0; i < es.n; i++)
			failed += !expect_holds(es.v[i].field, &es.v[i].v, expect_sink_actual(k, es.v[i].host));
		if (failed)
			fprintf(out, ": FAILED, %zu of %zu expectation%s failed\n", failed, es.n, es.n == 1 ? "" : "s");
		else
			fprintf(out, ": ok, %zu expectation%s held\n", es.n, es.n == 1 ? "" : "s");
		expect_report(out, file, &es, k, verbose);
		rc = failed ? KASIM_EXIT_FAIL : KASIM_EXIT_OK;
		sim_destroy(sim);
		free(sim);
	}
	if (k)
		k->destroy(k);
	expect_set_free(&es);
	scenario_free(sc);
	return rc;
}

/* ---- grading an answers file ---------------------------------------------- */

struct answer {
	int line;
	size_t key;              /* index in the key's expectations */
	struct exp_value v;
};

struct actx {
	struct diag_loc at;
	struct diag d;
	const struct expect_set *key;
	struct answer *a;
	size_t n;
	const char **names;      /* the key's field names, for did-you-mean */
};

static void ans_line(void *user, const char *line, enum line_fault fault)
{
	struct actx *c = user;
	struct ini_line l;
	if (fault != LINE_OK) {
		diag_at(&c->d, &c->at, "%s", line_fault_text(fault));
		return;
	}
	ini_classify(line, &l);
	if (l.kind == INI_SECTION)
		diag_at(&c->d, &c->at, "an answers file has no [sections] (one KEY = VALUE line per answer)");
	else if (l.kind == INI_SYNTAX)
		diag_at(&c->d, &c->at, "syntax error (expected KEY = VALUE, e.g. A.error_time = 7875, or a # comment)");
}

static int ans_entry(void *user, const char *section, const char *name, const char *value)
{
	struct actx *c = user;
	const struct expect_set *key = c->key;
	char why[256];
	if (*section)
		return 1; /* reported at its [section] line */
	size_t i = 0;
	while (i < key->n && strcmp(key->v[i].name, name))
		i++;
	if (i == key->n) {
		expect_unknown_field(&c->d, &c->at, name, "the key", c->names, key->n);
		return 1;
	}
	for (size_t j = 0; j < c->n; j++)
		if (c->a[j].key == i) {
			diag_at(&c->d, &c->at, "'%s' answered twice (first at line %d)", name, c->a[j].line);
			return 1;
		}
	struct answer *a = &c->a[c->n];
	const char *bad = expect_parse_value(key->v[i].field, value, false, &a->v, why, sizeof why);
	if (bad) {
		diag_at(&c->d, &c->at, "%s = %s: %s", name, value, bad);
		return 1;
	}
	a->line = c->at.line;
	a->key = i;
	c->n++;
	return 1;
}

/* The answer as if a run had given it, to compare it as a run's value. */
static void as_actual(enum exp_field f, const struct exp_value *v, struct exp_actual *a)
{
	memset(a, 0, sizeof *a);
	ks_time_t t = v->none ? 0 : v->t;
	a->isn = (uint32_t)v->u;
	a->state = (int)v->u;
	a->error = f == EF_ERROR_TIME ? !v->none : (int)v->u;
	a->error_time = t;
	a->end = f == EF_END_TIME ? (v->none ? END_NONE : END_CLOSED) : (int)v->u;
	a->end_time = t;
	a->probes_sent = a->retransmissions = (uint32_t)v->u;
	if (v->text)
		snprintf(a->summary, sizeof a->summary, "%s", v->text);
	a->probe_times = a->retrans_times = v->times;
	a->nprobe = a->nretrans = v->ntimes;
}

static void grade_report(const char *ansfile, const char *keyfile, struct actx *c, bool verbose, size_t *wrong,
			 FILE *out)
{
	const struct expect_set *key = c->key;
	char want[512], got[640];
	struct exp_actual a;
	for (size_t i = 0; i < key->n; i++) {
		const struct expectation *e = &key->v[i];
		const struct answer *ans = NULL;
		for (size_t j = 0; j < c->n; j++)
			if (c->a[j].key == i)
				ans = &c->a[j];
		expect_format_want(want, sizeof want, e->field, &e->v);
		if (!ans) {
			(*wrong)++;
			fprintf(out, "  %s:%d: %s: not answered\n", keyfile, e->line, e->name);
			continue;
		}
		as_actual(e->field, &ans->v, &a);
		bool ok = expect_holds(e->field, &e->v, &a);
		*wrong += !ok;
		if (ok && !verbose)
			continue;
		expect_format_got(got, sizeof got, e->field, &a);
		fprintf(out, "  %s:%d: %s = %s: %s (the key, %s:%d: %s)\n", ansfile, ans->line, e->name, got,
			ok ? "right" : "wrong", keyfile, e->line, want);
	}
}

static int grade(const char *ansfile, const char *keyfile, bool verbose, FILE *out, FILE *err)
{
	struct expect_set key;
	int rc = expect_load(keyfile, &key, err);
	if (rc != KASIM_EXIT_OK)
		return rc;
	if (!key.n) {
		fprintf(err, "kasim: %s: no [expect] section: not an answer key\n", keyfile);
		expect_set_free(&key);
		return KASIM_EXIT_USAGE;
	}
	struct actx c = {.at = {.file = ansfile}, .key = &key};
	c.a = calloc(key.n, sizeof(*c.a));
	c.names = calloc(key.n, sizeof(*c.names));
	char *text = c.a && c.names ? textfile_read(ansfile, NULL, &c.d) : NULL;
	if (!c.a || !c.names)
		diag_add(&c.d, "out of memory");
	for (size_t i = 0; c.names && i < key.n; i++)
		c.names[i] = key.v[i].name;
	if (text) {
		struct ini_parse p = {.text = text, .line = &c.at.line, .on_line = ans_line, .on_entry = ans_entry, .user = &c};
		ini_parse_text(&p);
	}
	if (diag_count(&c.d)) {
		diag_print(&c.d, ansfile, err);
		rc = KASIM_EXIT_USAGE;
	} else {
		size_t wrong = 0;
		char *buf = NULL;
		size_t len = 0;
		FILE *lines = open_memstream(&buf, &len);
		grade_report(ansfile, keyfile, &c, verbose, &wrong, lines ? lines : out);
		if (lines)
			fclose(lines);
		termesc_fputs(ansfile, out);
		fprintf(out, ": %zu of %zu answer%s right\n", key.n - wrong, key.n, key.n == 1 ? "" : "s");
		if (buf)
			fputs(buf, out);
		free(buf);
		rc = wrong ? KASIM_EXIT_FAIL : KASIM_EXIT_OK;
	}
	for (size_t i = 0; i < c.n; i++)
		expect_value_free(&c.a[i].v);
	free(c.a);
	free(c.names);
	free(text);
	diag_free(&c.d);
	expect_set_free(&key);
	return rc;
}

int check_main(int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option longopts[] = {
		{"answers", required_argument, NULL, 'a'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *answers = NULL;
	bool verbose = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': answers = optarg; break;
		case 'v': verbose = true; break;
		case 'h': fputs(check_usage, out); return KASIM_EXIT_OK;
		case ':': return usage_error(err, "option needs a value", argv[optind - 1]);
		default: return usage_error(err, "unknown option", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return usage_error(err, answers ? "no key file given" : "no scenario file given", NULL);
	if (answers) {
		if (optind != argc - 1)
			return usage_error(err, "--answers grades against one key file", NULL);
		return grade(answers, argv[optind], verbose, out, err);
	}
	int rc = KASIM_EXIT_OK;
	for (int i = optind; i < argc; i++) {
		int r = check_one(argv[i], verbose, out, err);
		if (r > rc)
			rc = r; /* 2 (bad input) over 1 (a failure) over 0 */
	}
	fflush(out);
	return rc;
}
