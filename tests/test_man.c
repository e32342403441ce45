/*
 * test_man.c - the manual pages docs/kasim.1 and docs/kasim-scenario.5:
 * mandoc -T lint and man --warnings find nothing, and every option that
 * kasim --help, kasim sweep --help and kasim merge --help print is in
 * kasim.1, so the page and the program cannot drift apart. (make install
 * and man -l on the installed pages: tests/install-check.sh.)
 */
#include <criterion/criterion.h>

#include <ctype.h>

#include "binrun.h"

static const char *const pages[] = {"docs/kasim.1", "docs/kasim-scenario.5"};

static void expect_silent(const char *fmt, const char *page)
{
	char *path = root_path(page), cmd[4096];
	SNP(cmd, fmt, path);
	struct cmd c = cmd_run("sh", (const char *const[]){"sh", "-c", cmd, NULL}, NULL);
	cr_expect_eq(c.status, 0, "%s: exit %d: %s", cmd, c.status, c.out);
	cr_expect_str_empty(c.out, "%s:\n%s", cmd, c.out);
	cmd_free(&c);
	free(path);
}

Test(man, mandoc_lint_clean)
{
	if (!have_program("mandoc"))
		cr_skip_test("mandoc is not installed (make test installs it)");
	for (size_t i = 0; i < sizeof pages / sizeof *pages; i++)
		expect_silent("mandoc -T lint '%s' 2>&1", pages[i]);
}

Test(man, man_warnings_clean)
{
	if (!have_program("man"))
		cr_skip_test("man is not installed");
	for (size_t i = 0; i < sizeof pages / sizeof *pages; i++)
		expect_silent("MANWIDTH=80 man --warnings -l '%s' 2>&1 >/dev/null", pages[i]);
}

/* The options of a --help text: on each line whose first non-blank is '-',
 * every -x / --word before the description (two blanks), without "=VALUE".
 * Appended to opts (NUL-separated words), returns how many. */
static size_t help_options(const char *help, char *opts, size_t cap)
{
	size_t n = 0, used = strlen(opts);
	for (const char *l = help; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		const char *p = l;
		while (*p == ' ')
			p++;
		if (*p != '-' || l == p)
			continue;
		const char *end = strstr(p, "  ");
		const char *nl = strchr(p, '\n');
		if (!end || (nl && end > nl))
			end = nl ? nl : p + strlen(p);
		while (p < end) {
			if (*p == '-' && (p == l || p[-1] == ' ' || p[-1] == '/')) {
				size_t k = 0;
				while (p + k < end && (p[k] == '-' || isalnum((unsigned char)p[k])))
					k++;
				cr_assert_lt(used + k + 2, cap);
				memcpy(opts + used, p, k);
				opts[used + k] = ' ';
				opts[used + k + 1] = '\0';
				used += k + 1;
				n++;
				p += k;
			} else {
				p++;
			}
		}
	}
	return n;
}

/* Is opt ("--no-plot") in the roff source, written as roff writes it (\-\-no\-plot)? */
static bool in_page(const char *roff, const char *opt, size_t len)
{
	char want[128] = "";
	size_t w = 0;
	for (size_t i = 0; i < len && w + 3 < sizeof want; i++) {
		if (opt[i] == '-')
			want[w++] = '\\';
		want[w++] = opt[i];
	}
	want[w] = '\0';
	/* whole word: not followed by more of an option name */
	for (const char *h = strstr(roff, want); h; h = strstr(h + 1, want)) {
		char next = h[w];
		if (!(isalnum((unsigned char)next) || (next == '\\' && h[w + 1] == '-')))
			return true;
	}
	return false;
}

Test(man, every_help_option_documented)
{
	char *path = root_path("docs/kasim.1");
	char *roff = slurp(path, NULL);
	cr_assert_not_null(roff, "cannot read %s", path);
	free(path);

	struct {
		const char *const *argv;
		const char *must; /* one option the parser must find, so it cannot find none */
		size_t min;
	} helps[] = {
		{(const char *const[]){"kasim", "--help", NULL}, "--no-plot", 14},
		{(const char *const[]){"kasim", "sweep", "--help", NULL}, "--no-progress", 12},
		{(const char *const[]){"kasim", "merge", "--help", NULL}, "--no-render", 5},
		{(const char *const[]){"kasim", "check", "--help", NULL}, "--answers", 3},
		{(const char *const[]){"kasim", "variant", "--help", NULL}, "--seed", 4},
	};
	for (size_t i = 0; i < sizeof helps / sizeof *helps; i++) {
		struct cmd r = cmd_run(NULL, helps[i].argv, NULL);
		cr_assert_eq(r.status, 0);
		char opts[4096] = "";
		size_t n = help_options(r.out, opts, sizeof opts);
		cr_expect_geq(n, helps[i].min, "%s: only %zu options parsed: %s", helps[i].argv[1], n, opts);
		char must[64];
		SNP(must, "%s ", helps[i].must);
		cr_expect(strstr(opts, must) != NULL, "%s not parsed from: %s", helps[i].must, opts);
		for (char *o = opts; *o;) {
			size_t k = strcspn(o, " ");
			cr_expect(in_page(roff, o, k), "kasim %s --help prints %.*s, docs/kasim.1 does not have it",
				  i ? helps[i].argv[1] : "", (int)k, o);
			o += k + 1;
		}
		cmd_free(&r);
	}
	free(roff);
}
