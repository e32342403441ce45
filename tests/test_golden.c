/*
 * test_golden.c - the outputs of every shipped scenario and sweep are byte-identical
 * to tests/golden/expected (written by tests/golden/run.sh; see that script for what
 * is pinned). A refactor must not change them; a named bug fix regenerates them with
 * `make golden-update` and says so in its commit.
 */
#include "binrun.h"

Test(golden, shipped_outputs_unchanged, .timeout = 600)
{
	char *d = make_tmpdir(), cmd[8192];
	const char *root = getenv("KASIM_ROOT");
	cr_assert_not_null(root, "KASIM_ROOT is not set (run the tests with make test)");
	SNP(cmd, "cd '%s' && tests/golden/run.sh '%s' '%s/out' && diff -r tests/golden/expected '%s/out' >'%s/diff' 2>&1",
	    root, kasim_bin(), d, d, d);
	int rc = sh(cmd);
	char p[4096];
	SNP(p, "%s/diff", d);
	char *diff = slurp(p, NULL);
	cr_assert_eq(rc, 0, "outputs differ from tests/golden/expected:\n%.4000s", diff ? diff : "(no diff)");
	free(diff);
	rm_rf(d);
	free(d);
}
