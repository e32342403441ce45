/*
 * test_cli.c - the kasim command line, through the sanitised binary
 * ($KASIM_BIN): exit status, which stream gets what, error messages.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* Lines of s (count of '\n'). */
static size_t nlines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Every line of err starts with "kasim: ". */
static void expect_prefixed(const char *err)
{
	const char *p = err;
	cr_expect(*p, "stderr is empty");
	while (*p) {
		const char *nl = strchr(p, '\n');
		cr_assert_not_null(nl, "stderr does not end with a newline: %s", err);
		if (!starts_with(p, "Try 'kasim --help'"))
			cr_expect(starts_with(p, "kasim: "), "line without the kasim: prefix: %.*s", (int)(nl - p), p);
		p = nl + 1;
	}
}

Test(cli, help_on_stdout_exit_0)
{
	const char *const longopt[] = {"--help"}, *const shortopt[] = {"-h"};
	const char *const *variants[] = {longopt, shortopt};
	for (size_t i = 0; i < NELEMS(variants); i++) {
		struct cmd c;
		kasim_run(variants[i], 1, &c);
		cr_expect_eq(c.status, 0);
		cr_expect(starts_with(c.out, "Usage: kasim"), "stdout: %s", c.out);
		cr_expect_not_null(strstr(c.out, "--json"));
		cr_expect_not_null(strstr(c.out, "--set"));
		cr_expect_eq(c.errlen, 0, "stderr: %s", c.err);
		cmd_free(&c);
	}
}

Test(cli, version)
{
	const char *const args[] = {"--version"};
	struct cmd c;
	kasim_run(args, 1, &c);
	cr_expect_eq(c.status, 0);
	cr_expect(starts_with(c.out, "kasim " KASIM_VERSION), "stdout: %s", c.out);
	/* the version line, then what it was built with */
	cr_expect_eq(nlines(c.out), 2);
	cr_expect(strstr(c.out, "\nbuilt with gcc ") && strstr(c.out, "libpcap") && strstr(c.out, "jansson"),
		  "stdout: %s", c.out);
	cr_expect_eq(c.errlen, 0);
	cmd_free(&c);

	const char *const shortv[] = {"-V"};
	kasim_run(shortv, 1, &c);
	cr_expect_eq(c.status, 0);
	cr_expect(starts_with(c.out, "kasim " KASIM_VERSION));
	cmd_free(&c);
}

/* kasim -V names the commit of the tree it was built from, as it is now: the
 * Makefile regenerates it on every build (build/gen/version_git.h), so it
 * cannot go stale. Needs a git checkout of kasim (KASIM_ROOT/.git). */
Test(cli, version_names_current_commit)
{
	char *dotgit = strf("%s/.git", getenv("KASIM_ROOT") ? getenv("KASIM_ROOT") : ".");
	bool checkout = access(dotgit, F_OK) == 0;
	free(dotgit);
	if (!checkout)
		cr_skip_test("KASIM_ROOT is not a git checkout");
	struct cmd g = cmd_run("git", (const char *const[]){"git", "-C", getenv("KASIM_ROOT"), "describe",
							    "--always", "--dirty", NULL},
			       NULL);
	char desc[256] = "";
	snprintf(desc, sizeof desc, "%s", g.out);
	bool got = g.outlen > 0;
	int st = g.status;
	cmd_free(&g);
	if (!got || st != 0)
		cr_skip_test("git describe failed (git missing?)");
	desc[strcspn(desc, "\n")] = '\0';
	cr_assert(desc[0]);

	const char *const args[] = {"-V"};
	struct cmd c;
	kasim_run(args, 1, &c);
	char *want = strf("kasim %s (git %s)\n", KASIM_VERSION, desc);
	cr_expect(starts_with(c.out, want), "want %s got %s", want, c.out);
	free(want);
	cmd_free(&c);
}

Test(cli, no_arguments_is_usage_error)
{
	struct cmd c;
	kasim_run(NULL, 0, &c);
	cr_expect_eq(c.status, 2);
	cr_expect_eq(c.outlen, 0, "stdout: %s", c.out);
	expect_prefixed(c.err);
	cr_expect_not_null(strstr(c.err, "--help"), "point to --help: %s", c.err);
	cmd_free(&c);
}

Test(cli, unknown_option_is_usage_error)
{
	char *sc = scenario_file("unplug.ini");
	const char *const args[] = {"--frobnicate", sc};
	struct cmd c;
	kasim_run(args, 2, &c);
	cr_expect_eq(c.status, 2);
	cr_expect_eq(c.outlen, 0);
	expect_prefixed(c.err);
	cr_expect_not_null(strstr(c.err, "--frobnicate"), "name the option: %s", c.err);
	cmd_free(&c);
	free(sc);
}

Test(cli, set_without_value_is_usage_error)
{
	char *sc = scenario_file("unplug.ini");
	const char *const args[] = {sc, "--set"};
	struct cmd c;
	kasim_run(args, 2, &c);
	cr_expect_eq(c.status, 2);
	cr_expect_eq(c.outlen, 0);
	expect_prefixed(c.err);
	cmd_free(&c);
	free(sc);
}

Test(cli, two_scenario_files_is_usage_error)
{
	char *sc = scenario_file("unplug.ini");
	const char *const args[] = {sc, sc};
	struct cmd c;
	kasim_run(args, 2, &c);
	cr_expect_eq(c.status, 2);
	cr_expect_eq(c.outlen, 0);
	expect_prefixed(c.err);
	cmd_free(&c);
	free(sc);
}

Test(cli, missing_file)
{
	const char *const args[] = {"/nonexistent/kasim/nothing-here.ini"};
	struct cmd c;
	kasim_run(args, 1, &c);
	cr_expect_eq(c.status, 2);
	cr_expect_eq(c.outlen, 0);
	expect_prefixed(c.err);
	cr_expect_not_null(strstr(c.err, "/nonexistent/kasim/nothing-here.ini"), "name the file: %s", c.err);
	cmd_free(&c);
}

Test(cli, every_scenario_error_reported)
{
	/* two bad lines: both on stderr, as "kasim: FILE:LINE: ...", nothing on stdout */
	char *path = tmp_write("two-errors.ini", "[A]\ntcp_keepidle = 0\nno_such_key = 1\n");
	const char *const args[] = {path};
	struct cmd c;
	kasim_run(args, 1, &c);
	cr_expect_eq(c.status, 2);
	cr_expect_eq(c.outlen, 0, "stdout: %s", c.out);
	cr_expect_eq(nlines(c.err), 2, "stderr: %s", c.err);
	char *l2 = strf("kasim: %s:2: ", path), *l3 = strf("kasim: %s:3: ", path);
	cr_expect(starts_with(c.err, l2), "first line: %s", c.err);
	const char *second = strchr(c.err, '\n');
	cr_assert_not_null(second);
	cr_expect(starts_with(second + 1, l3), "second line: %s", second + 1);
	cr_expect_not_null(strstr(c.err, "tcp_keepidle"));
	cr_expect_not_null(strstr(c.err, "no_such_key"));
	free(l2);
	free(l3);
	cmd_free(&c);
	tmp_remove(path);
}

Test(cli, invalid_set_rejected)
{
	char *sc = scenario_file("unplug.ini");
	const char *const args[] = {"--set", "A.tcp_keepidle=0", sc};
	struct cmd c;
	kasim_run(args, 3, &c);
	cr_expect_eq(c.status, 2);
	cr_expect_eq(c.outlen, 0);
	expect_prefixed(c.err);
	cr_expect_not_null(strstr(c.err, "tcp_keepidle"), "stderr: %s", c.err);
	cmd_free(&c);
	free(sc);
}

Test(cli, valid_set_changes_the_outcome)
{
	/* unplug.ini with TCP_KEEPIDLE 60: t_r = 0, abort at 60 + 9 x 75 = 735 s */
	char *sc = scenario_file("unplug.ini");
	const char *const args[] = {"--set", "A.tcp_keepidle=60", sc};
	struct cmd c;
	kasim_run(args, 3, &c);
	cr_expect_eq(c.status, 0, "stderr: %s", c.err);
	cr_expect_eq(c.errlen, 0);
	char *want = strf("A aborted with ETIMEDOUT at %u s", 60 + 9 * 75);
	cr_expect_not_null(strstr(c.out, want), "stdout:\n%s", c.out);
	free(want);
	cmd_free(&c);
	free(sc);
}

Test(cli, results_on_stdout_nothing_on_stderr)
{
	char *sc = scenario_file("unplug.ini");
	const char *const args[] = {sc};
	struct cmd c;
	kasim_run(args, 1, &c);
	cr_expect_eq(c.status, 0);
	cr_expect_gt(c.outlen, 0);
	cr_expect_eq(c.errlen, 0, "stderr: %s", c.err);
	cmd_free(&c);
	free(sc);
}

Test(cli, explain_narrates_state_changes)
{
	char *sc = scenario_file("unplug.ini");
	const char *const plain[] = {sc}, *const explain[] = {"--explain", sc};
	struct cmd a, b;
	kasim_run(plain, 1, &a);
	kasim_run(explain, 2, &b);
	/* the wording belongs to test_explain.c; here: it adds lines, and the
	 * state changes are among them */
	cr_expect_eq(b.status, 0);
	cr_expect_eq(b.errlen, 0);
	cr_expect_null(strstr(a.out, "SYN_SENT"));
	cr_expect_not_null(strstr(b.out, "SYN_SENT"), "stdout:\n%s", b.out);
	cr_expect_not_null(strstr(b.out, "ESTABLISHED"));
	cr_expect_gt(nlines(b.out), nlines(a.out));
	cmd_free(&a);
	cmd_free(&b);
	free(sc);
}
