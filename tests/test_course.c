/*
 * test_course.c - the course pack (scenarios/course/, docs/teaching.md):
 * every answer key holds under kasim check, each one fails when one of its
 * expected numbers is changed, every assignment has its handout and a
 * starting scenario that runs, and no answer sits in what students get.
 */
#include <criterion/criterion.h>

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of $KASIM_ROOT/rel whose name ends with suffix ("" = any, not
 * "." or ".."), sorted; *n gets their number. */
static char **list_dir(const char *rel, const char *suffix, size_t *n)
{
	char *dir = root_path(rel);
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "%s", dir);
	char **v = NULL;
	size_t cnt = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), sl = strlen(suffix);
		if (e->d_name[0] == '.' || l < sl || strcmp(e->d_name + l - sl, suffix))
			continue;
		v = realloc(v, (cnt + 1) * sizeof(*v));
		v[cnt++] = strf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	free(dir);
	qsort(v, cnt, sizeof(*v), by_name);
	*n = cnt;
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

Test(course, every_answer_key_holds)
{
	size_t n;
	char **keys = list_dir("scenarios/course/keys", ".ini", &n);
	cr_assert_geq(n, 12, "the pack has %zu keys", n);
	const char **args = calloc(n + 2, sizeof(*args));
	args[0] = "check";
	for (size_t i = 0; i < n; i++)
		args[i + 1] = keys[i];
	struct cmd c;
	kasim_run(args, n + 1, &c);
	cr_expect_eq(c.status, 0, "stdout:\n%s\nstderr:\n%s", c.out, c.err);
	for (size_t i = 0; i < n; i++) {
		char *l = strf("%s: ok, ", keys[i]);
		cr_expect_not_null(strstr(c.out, l), "%s did not hold:\n%s", keys[i], c.out);
		free(l);
	}
	cmd_free(&c);
	free(args);
	free_list(keys, n);
}

/* The key with the first integer of its first expectation that has one
 * raised by 1000 (beyond any tolerance of the pack); *line gets its line. */
static char *mutate(const char *text, int *line)
{
	char *m = strdup(text), *p = strstr(m, "\n[expect]\n");
	cr_assert_not_null(p, "no [expect]");
	int ln = 1;
	for (const char *q = m; q < p + 1; q++)
		ln += *q == '\n';
	p += strlen("\n[expect]\n");
	for (ln++; *p; ln++) {
		char *eol = strchr(p, '\n'), *eq = strchr(p, '=');
		if (!eol)
			eol = p + strlen(p);
		if (*p != ';' && eq && eq < eol) {
			char *dig = eq;
			while (dig < eol && !isdigit((unsigned char)*dig))
				dig++;
			if (dig < eol) {
				char *end;
				unsigned long long v = strtoull(dig, &end, 10);
				char *out = strf("%.*s%llu%s", (int)(dig - m), m, v + 1000, end);
				free(m);
				*line = ln;
				return out;
			}
		}
		p = *eol ? eol + 1 : eol;
	}
	cr_assert_fail("no expectation with a number");
	return NULL;
}

Test(course, every_key_fails_when_one_expected_number_changes)
{
	size_t n;
	char **keys = list_dir("scenarios/course/keys", ".ini", &n);
	char *tmp = make_tmpdir();
	for (size_t i = 0; i < n; i++) {
		char *text = slurp(keys[i], NULL);
		cr_assert_not_null(text);
		int line = 0;
		char *bad = mutate(text, &line), *path = strf("%s/mutated-%zu.ini", tmp, i);
		write_file(path, bad);
		struct cmd c = KASIM("check", path);
		cr_expect_eq(c.status, 1, "%s mutated at line %d still holds:\n%s%s", keys[i], line, c.out, c.err);
		char *l = strf("  %s:%d: ", path, line);
		cr_expect_not_null(strstr(c.out, l), "%s: want a failure at line %d:\n%s", keys[i], line, c.out);
		free(l);
		cmd_free(&c);
		free(text);
		free(bad);
		free(path);
	}
	rm_rf(tmp);
	free(tmp);
	free_list(keys, n);
}

Test(course, every_assignment_has_a_handout_and_a_starting_scenario_without_answers)
{
	size_t n;
	char **dirs = list_dir("scenarios/course", "", &n);
	size_t assignments = 0;
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(dirs[i], '/') + 1;
		if (!isdigit((unsigned char)base[0]))
			continue; /* keys/ */
		assignments++;
		char *ho = strf("%s/handout.md", dirs[i]), *sc = strf("%s/scenario.ini", dirs[i]);
		char *ht = slurp(ho, NULL), *st = slurp(sc, NULL);
		cr_assert(ht && st, "%s: handout.md and scenario.ini", dirs[i]);
		cr_expect_null(strstr(st, "[expect]"), "%s: the starting scenario holds answers", sc);
		cr_expect_null(strstr(ht, "[expect]\n"), "%s", ho);
		struct cmd c = KASIM(sc);
		cr_expect_eq(c.status, 0, "%s: %s", sc, c.err);
		cmd_free(&c);
		/* its key(s), apart: keys/NAME.ini or keys/NAME-*.ini */
		char *key = strf("%s/scenarios/course/keys/%s", getenv("KASIM_ROOT"), base);
		char *one = strf("%s.ini", key), *many = strf("%s-1-alive.ini", key);
		cr_expect(file_exists(one) || file_exists(many), "%s has no key", base);
		free(key), free(one), free(many), free(ho), free(sc), free(ht), free(st);
	}
	cr_expect_geq(assignments, 12);
	free_list(dirs, n);
}

/* Assignment 11: the capture holds the probes the key names, as Wireshark
 * sees them (tcp.analysis.keep_alive), and B's two answers. */
Test(course, wireshark_finds_the_keys_probes)
{
	if (!have_program("tshark"))
		cr_skip_test("tshark is not installed");
	char *sc = root_path("scenarios/course/11-wireshark/scenario.ini");
	char *tmp = make_tmpdir(), *out = strf("%s/ws", tmp), *pcap = strf("%s/capture.pcap", out);
	struct cmd c = KASIM("-q", "--no-plot", "-o", out, sc);
	cr_assert_eq(c.status, 0, "%s", c.err);
	cmd_free(&c);
	const char *filters[] = {"tcp.analysis.keep_alive", "tcp.analysis.keep_alive_ack"};
	const char *want[] = {"5\n", "2\n"};
	for (size_t i = 0; i < 2; i++) {
		char *script = strf("tshark -r '%s' -Y %s 2>/dev/null | wc -l > '%s/n'", pcap, filters[i], tmp);
		cr_assert_eq(sh(script), 0);
		char *nf = strf("%s/n", tmp), *got = slurp(nf, NULL);
		cr_expect_str_eq(got, want[i], "%s", filters[i]);
		free(script), free(nf), free(got);
	}
	rm_rf(tmp);
	free(tmp), free(out), free(pcap), free(sc);
}
