/*
 * test_plot.c - gnuplot: quoting that cannot be escaped, the templates (copied
 * into DIR/plots/ byte for byte, found beside the binary, installed or through
 * KASIM_PLOTS), scripts gnuplot accepts (exit 0) and renders to PNG and SVG,
 * hostile scenario and sweep text that never runs, and what happens without
 * gnuplot.
 */
#include <criterion/criterion.h>

#include "gnuplot.h"
#include "plot_out.h"
#include "binrun.h"

Test(plot, quote)
{
	char b[256];
	gp_quote(b, sizeof b, "B's cable", GP_SCRIPT);
	cr_assert_str_eq(b, "'B''s cable'");
	gp_quote(b, sizeof b, "\"; system(\"touch /tmp/x\") ; \"", GP_SCRIPT);
	cr_assert_str_eq(b, "'_; system(_touch /tmp/x_) ; _'");
	gp_quote(b, sizeof b, "`rm -rf ~` @macro $x \\n", GP_SCRIPT);
	cr_assert_str_eq(b, "'_rm -rf ~_ _macro _x _n'");
	gp_quote(b, sizeof b, "a\nb\tc\x7f", GP_SCRIPT);
	cr_assert_str_eq(b, "'a b c '");
	gp_quote(b, sizeof b, "caf\xc3\xa9 \xff", GP_SCRIPT);
	cr_assert_str_eq(b, "'caf\xc3\xa9 ?'", "valid UTF-8 kept, invalid bytes replaced");
	/* cut, but always closed */
	gp_quote(b, 8, "''''''''", GP_SCRIPT);
	cr_assert_str_eq(b, "''''''");
	gp_quote(b, 6, "abcdef", GP_SCRIPT);
	cr_assert_str_eq(b, "'abc'");
}

/* gnuplot -d SCRIPT [SCRIPT2] in dir (one session); its exit status. */
static int gnuplot_status2(const char *dir, const char *script, const char *script2)
{
	struct cmd c = cmd_run("gnuplot", (const char *const[]){"gnuplot", "-d", script, script2, NULL},
			       &(struct cmd_opts){.cwd = dir});
	int st = c.status;
	cmd_free(&c);
	return st;
}

static int gnuplot_status(const char *dir, const char *script)
{
	return gnuplot_status2(dir, script, NULL);
}

static void check_rendered(const char *dir)
{
	const char *names[] = {"timeline", "detection"};
	for (int i = 0; i < 2; i++) {
		char p[700];
		SNP(p, "%s/plots/%s.png", dir, names[i]);
		size_t n;
		char *png = slurp(p, &n);
		cr_assert_not_null(png, "%s missing", p);
		cr_assert_gt(n, 10000, "%s is too small to show anything", p);
		cr_assert(memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is not a PNG", p);
		free(png);
		SNP(p, "%s/plots/%s.svg", dir, names[i]);
		char *svg = slurp(p, &n);
		cr_assert_not_null(svg, "%s missing", p);
		cr_assert_gt(n, 10000);
		cr_assert(strstr(svg, "<svg"), "%s is not an SVG", p);
		cr_assert(strstr(svg, "</svg>"), "%s is cut short", p);
		free(svg);
	}
	cr_assert_eq(count_entries(dir, ".kasim-tmp-"), 0);
}

Test(plot, scripts_render, .timeout = 120)
{
	if (!have_program("gnuplot"))
		cr_skip_test("gnuplot is not installed");
	const char *scen[] = {"scenarios/unplug.ini", "scenarios/reboot.ini", "scenarios/alive.ini",
			      "scenarios/data-in-flight.ini", "scenarios/user-timeout.ini",
			      "scenarios/setsockopt.ini"};
	for (size_t i = 0; i < sizeof scen / sizeof scen[0]; i++) {
		char *d = make_tmpdir();
		char *sc = root_path(scen[i]);
		struct cmd r = KASIM("-q", "--plot", "-o", d, sc);
		cr_assert_eq(r.status, 0, "%s: %s", scen[i], r.err);
		cr_assert_str_eq(r.err, "", "%s: gnuplot said something: %s", scen[i], r.err);
		check_rendered(d);
		/* the scripts run as they are, from plots/ (what the docs tell users) */
		char pd[600];
		SNP(pd, "%s/plots", d);
		cr_assert_eq(gnuplot_status(pd, "timeline.gp"), 0, "%s", scen[i]);
		cr_assert_eq(gnuplot_status(pd, "detection.gp"), 0, "%s", scen[i]);
		cmd_free(&r);
		free(sc);
		free(d);
	}
}

/* The scripts of dir/plots are kasim's templates (names[i] as tpl[i]), byte for byte. */
struct script { const char *name, *tpl; };
static const struct script run_scripts[] = {{"timeline.gp", "timeline.gp"}, {"detection.gp", "detection.gp"}};
static const struct script sweep_scripts[] = {{"survival.gp", "sweep-survival.gp"},
					      {"detection.gp", "sweep-detection.gp"},
					      {"tradeoff.gp", "sweep-tradeoff.gp"}};

static void expect_templates(const char *dir, const struct script *s, int n)
{
	for (int i = 0; i < n; i++) {
		char p[700], t[300];
		SNP(p, "%s/plots/%s", dir, s[i].name);
		SNP(t, "plots/%s", s[i].tpl);
		char *tp = root_path(t);
		size_t a, b;
		char *got = slurp(p, &a), *want = slurp(tp, &b);
		cr_assert_not_null(got, "%s missing", p);
		cr_assert_not_null(want, "%s missing", tp);
		cr_assert(a == b && memcmp(got, want, a) == 0, "%s is not the template %s", p, tp);
		free(got);
		free(want);
		free(tp);
	}
}

/* dir/rel holds both texts. */
static void expect_in_file(const char *dir, const char *rel, const char *a, const char *b)
{
	char p[700];
	SNP(p, "%s/%s", dir, rel);
	char *text = slurp(p, NULL);
	cr_assert_not_null(text, "%s missing", p);
	cr_assert(strstr(text, a), "%s lacks %s:\n%s", p, a, text);
	cr_assert(strstr(text, b), "%s lacks %s:\n%s", p, b, text);
	free(text);
}

Test(plot, hostile_text_cannot_run_commands, .timeout = 60)
{
	if (!have_program("gnuplot"))
		cr_skip_test("gnuplot is not installed");
	char *d = make_tmpdir();
	char sc[600], pwned[600], pwned2[600], out[600], desc[2048], set[2100];
	SNP(pwned, "%s/pwned", d);
	SNP(pwned2, "%s/pwned2", d);
	SNP(sc, "%s/h.ini", d);
	SNP(out, "%s/o", d);
	SNP(desc,
		 "x'; system(\"touch %s\") ; print ' \"; system(\"touch %s\") ; \" `touch %s` @x $(touch %s)",
		 pwned, pwned, pwned2, pwned2);
	char text[4096];
	SNP(text, "[scenario]\nname = evil.name-1\ndescription = %s\nduration = 1m\n"
				    "[A]\nso_keepalive = on\ntcp_keepidle = 10\n[events]\n5s = unplug B\n", desc);
	write_file(sc, text);
	struct cmd r = KASIM("-q", "--plot", "-o", out, sc);
	cr_assert_eq(r.status, 0, "%s", r.err);
	check_rendered(out);
	cmd_free(&r);
	/* --set can carry a newline, which a scenario file cannot */
	SNP(set, "scenario.description=ok\nsystem('touch %s')\n`touch %s`", pwned, pwned2);
	r = KASIM("-q", "--plot", "-o", out, "--set", set, sc);
	cr_assert_eq(r.status, 0, "%s", r.err);
	check_rendered(out);
	cr_assert_not(file_exists(pwned), "gnuplot ran a command from the description");
	cr_assert_not(file_exists(pwned2), "gnuplot ran a backquoted command from the description");
	cr_assert_not(file_exists("/tmp/pwned"));
	/* the description is data of the settings file, inert, and the scripts
	 * are the templates, byte for byte: nothing of the input is in them */
	expect_in_file(out, "plots/timeline.vars", "\ndescription\t\"ok system('touch ", "') _touch ");
	expect_templates(out, run_scripts, 2);
	cmd_free(&r);
	free(d);
}

/* A PATH where no gnuplot can be found. */
static const struct cmd_opts no_path = {.env = (const char *const[]){"PATH=/nonexistent", NULL}};

Test(plot, explicit_plot_without_gnuplot_fails)
{
	char *d = make_tmpdir();
	char out[600];
	SNP(out, "%s/o", d);
	char *sc = root_path("scenarios/unplug.ini");
	struct cmd r = KASIM_WITH(&no_path, "--plot", "-o", out, sc);
	cr_assert_eq(r.status, 69);
	cr_assert_str_eq(r.err, "kasim: --plot: gnuplot is not installed (Debian: apt-get install gnuplot-nox); "
				"without --plot kasim still writes the scripts and data\n");
	cr_assert_str_eq(r.out, "");
	cr_assert_not(file_exists(out), "nothing written");
	cmd_free(&r);
	free(sc);
	free(d);
}

Test(plot, without_gnuplot_a_note_once)
{
	char *d = make_tmpdir();
	char out[600], p[700];
	SNP(out, "%s/o", d);
	char *sc = root_path("scenarios/unplug.ini");
	struct cmd r = KASIM_WITH(&no_path, "-o", out, sc);
	cr_assert_eq(r.status, 0);
	char want[2048];
	SNP(want,
		 "kasim: note: gnuplot is not installed, so no PNG/SVG; wrote %s/plots/timeline.gp and "
		 "%s/plots/detection.gp with their data; render them with: cd %s/plots && gnuplot timeline.gp "
		 "detection.gp\n", out, out, out);
	cr_assert_str_eq(r.err, want);
	SNP(p, "%s/plots/timeline.gp", out);
	cr_assert(file_exists(p));
	SNP(p, "%s/plots/timeline.png", out);
	cr_assert_not(file_exists(p));
	cmd_free(&r);
	/* --quiet: not even the note */
	r = KASIM_WITH(&no_path, "-q", "-o", out, sc);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.err, "");
	cmd_free(&r);
	free(sc);
	free(d);
}

Test(plot, plot_and_no_plot_contradict)
{
	char *sc = root_path("scenarios/unplug.ini");
	struct cmd r = KASIM("--plot", "--no-plot", sc);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "kasim: --plot and --no-plot contradict each other"));
	cmd_free(&r);
	free(sc);
}

Test(plot, quote_data_files)
{
	char b[256];
	gp_quote(b, sizeof b, "nat.preset=aws-nat-gateway, link.loss=0", GP_DATA);
	cr_assert_str_eq(b, "\"nat.preset=aws-nat-gateway, link.loss=0\"", "plain labels unchanged");
	gp_quote(b, sizeof b, "a\"b `touch x` @m $v \\ it's\nz", GP_DATA);
	cr_assert_str_eq(b, "\"a_b _touch x_ _m _v _ it's z\"");
}

/* A complete PNG and SVG pass; cut or empty ones do not. */
Test(plot, rendered_file_checks)
{
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 1, 'x', 'x',
					    'x', 'x', 'x', 0, 0, 0, 0,
					    'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
	char why[128];
	FILE *f = tmpfile();
	fwrite(png, 1, sizeof png, f);
	fflush(f);
	cr_assert(gnuplot_output_complete(fileno(f), "a.png", why, sizeof why));
	cr_assert_eq(ftruncate(fileno(f), sizeof png - 1), 0);
	cr_assert_not(gnuplot_output_complete(fileno(f), "a.png", why, sizeof why));
	cr_assert_str_eq(why, "cut short (no IEND chunk at the end)");
	cr_assert_eq(ftruncate(fileno(f), 0), 0);
	cr_assert_not(gnuplot_output_complete(fileno(f), "a.png", why, sizeof why));
	cr_assert_str_eq(why, "empty");
	fclose(f);
	f = tmpfile();
	fputs("<svg>\n<g/>\n</svg>\n\n", f);
	fflush(f);
	cr_assert(gnuplot_output_complete(fileno(f), "a.svg", why, sizeof why));
	cr_assert_eq(ftruncate(fileno(f), 12), 0);
	cr_assert_not(gnuplot_output_complete(fileno(f), "a.svg", why, sizeof why));
	cr_assert_str_eq(why, "cut short (does not end with </svg>)");
	fclose(f);
}

/* gnuplot -d on every .gp of dir/plots, by hand (as the docs tell users). */
static void render_by_hand(const char *dir)
{
	const char *names[] = {"survival.gp", "detection.gp", "tradeoff.gp"};
	char pd[700];
	SNP(pd, "%s/plots", dir);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(gnuplot_status(pd, names[i]), 0, "gnuplot %s in %s", names[i], pd);
}

static void expect_inert(const char *marker_dir, const char *dir)
{
	for (int i = 1; i <= 5; i++) {
		char p[700];
		SNP(p, "%s/pwned%d", marker_dir, i);
		cr_assert_not(file_exists(p), "a command from the sweep file ran (%s)", p);
	}
	const char *gps[] = {"survival.gp", "detection.gp", "tradeoff.gp"};
	for (int i = 0; i < 3; i++) {
		char p[700];
		SNP(p, "%s/plots/%s", dir, gps[i]);
		char *s = slurp(p, NULL);
		cr_assert_not_null(s, "%s", p);
		cr_assert_null(strchr(s, '`'), "%s carries a backquote", p);
		cr_assert_null(strchr(s, '@'), "%s carries a macro", p);
		free(s);
	}
	expect_templates(dir, sweep_scripts, 3);
}

/* Axis values of a sweep (here the description, an environment axis that
 * reaches every plot's labels and the .dat column headers) with backquotes,
 * system(), quotes and @ macros: through kasim sweep, kasim merge and gnuplot
 * run by hand on the written scripts, nothing runs. */
Test(plot, sweep_values_cannot_run_commands)
{
	if (!have_program("gnuplot"))
		cr_skip_test("gnuplot is not installed");
	char *d = make_tmpdir();
	char file[600], out[600], s0[600], s1[600], merged[600], text[4096];
	SNP(file, "%s/s.ini", d);
	SNP(text,
	    "[scenario]\nduration = 10m\n[A]\nso_keepalive = on\n[sweep]\nA.tcp_keepidle = 60, 120\n"
	    "scenario.description = `touch %s/pwned1`, a\"b system(\"touch %s/pwned2\") \"c, "
	    "x' . system('touch %s/pwned3') . 'y, @m $(touch %s/pwned4), \" . `touch %s/pwned5` . \"\n"
	    "link.delay = 1ms, 2ms\nreplicas = 2\n",
	    d, d, d, d, d);
	write_file(file, text);
	SNP(out, "%s/o", d);
	struct cmd r = KASIM("sweep", file, "-o", out, "--no-progress");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.err, "");
	char p[700];
	SNP(p, "%s/plots/survival.png", out);
	cr_assert_gt(file_size(p), 1000, "rendered");
	expect_inert(d, out);
	render_by_hand(out);
	expect_inert(d, out);
	cmd_free(&r);

	SNP(s0, "%s/s0", d);
	SNP(s1, "%s/s1", d);
	SNP(merged, "%s/m", d);
	struct cmd a = KASIM("sweep", file, "--shard", "0/2", "-o", s0, "--no-progress");
	struct cmd b = KASIM("sweep", file, "--shard", "1/2", "-o", s1, "--no-progress");
	cr_assert_eq(a.status + b.status, 0, "%s%s", a.err, b.err);
	r = KASIM("merge", s0, s1, "-o", merged);
	cr_assert_eq(r.status, 0, "%s", r.err);
	SNP(p, "%s/plots/tradeoff.png", merged);
	cr_assert_gt(file_size(p), 1000, "rendered");
	expect_inert(d, merged);
	render_by_hand(merged);
	expect_inert(d, merged);
	/* the label is in the settings and the data, inert */
	expect_in_file(merged, "plots/survival.vars", "\ngroup_0\t\"scenario.description=_touch ",
		       "\"scenario.description=x' . system('touch ");
	SNP(p, "%s/plots/tradeoff.dat", merged);
	char *dat = slurp(p, NULL);
	cr_assert(strstr(dat, "\"scenario.description=a_b system(_touch "), "%s", dat);
	free(dat);
	cmd_free(&r);
	cmd_free(&a);
	cmd_free(&b);
	free(d);
}

/* The width of a PNG (its IHDR), 0 if it is none. */
static unsigned png_width(const char *path)
{
	size_t n;
	unsigned char *b = (unsigned char *)slurp(path, &n);
	unsigned w = b && n > 24 && !memcmp(b + 12, "IHDR", 4)
			     ? (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19]
			     : 0;
	free(b);
	return w;
}

/* What the docs and kasim's note say: cd DIR/plots && gnuplot timeline.gp
 * detection.gp renders both figures, each under its own name (the second
 * script used to inherit the first one's file names and settings). */
Test(plot, both_scripts_in_one_gnuplot)
{
	if (!have_program("gnuplot"))
		cr_skip_test("gnuplot is not installed");
	char *d = make_tmpdir(), *sc = root_path("scenarios/unplug.ini"), pd[600], p[700];
	struct cmd r = KASIM("-q", "--no-plot", "-o", d, sc);
	cr_assert_eq(r.status, 0, "%s", r.err);
	SNP(pd, "%s/plots", d);
	cr_assert_eq(gnuplot_status2(pd, "timeline.gp", "detection.gp"), 0);
	SNP(p, "%s/timeline.png", pd);
	cr_assert_eq(png_width(p), 1500, "timeline.png is the timeline");
	SNP(p, "%s/detection.png", pd);
	cr_assert_eq(png_width(p), 1400, "detection.png is the detection plot");
	cmd_free(&r);
	free(sc);
	free(d);
}

/* ---- where kasim finds its templates ---------------------------------------------- */

/* A copy of KASIM_BIN as root/bin/kasim, run from now on (this test's process
 * only) without KASIM_PLOTS; templates (when tpl) copied into root/tpl. */
static void layout(const char *root, const char *tpl)
{
	char p[700], cmd[2400];
	SNP(p, "%s/bin", root);
	cr_assert_eq(mkdir(p, 0755), 0);
	SNP(cmd, "cp '%s' '%s/bin/kasim'", kasim_bin(), root);
	cr_assert_eq(sh(cmd), 0, "%s", cmd);
	if (tpl) {
		char *src = root_path("plots");
		SNP(cmd, "mkdir -p '%s/%s' && cp '%s'/*.gp '%s/%s'", root, tpl, src, root, tpl);
		cr_assert_eq(sh(cmd), 0, "%s", cmd);
		free(src);
	}
	SNP(p, "%s/bin/kasim", root);
	setenv("KASIM_BIN", p, 1);
	unsetenv("KASIM_PLOTS");
}

static void run_finds_templates(const char *root)
{
	char out[600], *sc = root_path("scenarios/unplug.ini");
	SNP(out, "%s/out", root);
	struct cmd r = KASIM("-q", "--no-plot", "-o", out, sc);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.err, "");
	expect_templates(out, run_scripts, 2);
	cmd_free(&r);
	free(sc);
}

/* ./kasim in a checkout: <dir of the binary>/plots/ */
Test(plot, templates_beside_the_binary)
{
	char *root = make_tmpdir();
	layout(root, "bin/plots");
	run_finds_templates(root);
	free(root);
}

/* make install: <dir of the binary>/../share/kasim/plots/ */
Test(plot, templates_installed)
{
	char *root = make_tmpdir();
	layout(root, "share/kasim/plots");
	run_finds_templates(root);
	free(root);
}

/* KASIM_PLOTS wins over both, and is then the only place looked at. */
Test(plot, templates_from_kasim_plots)
{
	char *root = make_tmpdir(), p[700], out[600], want[2048];
	layout(root, "mine");
	SNP(p, "%s/mine", root);
	setenv("KASIM_PLOTS", p, 1);
	run_finds_templates(root);
	SNP(p, "%s/none", root);
	setenv("KASIM_PLOTS", p, 1);
	SNP(out, "%s/out2", root);
	char *sc = root_path("scenarios/unplug.ini");
	struct cmd r = KASIM("-q", "-o", out, sc);
	cr_assert_eq(r.status, 1);
	SNP(want, "kasim: cannot find the gnuplot template timeline.gp (tried %s/none/timeline.gp, from KASIM_PLOTS)\n",
	    root);
	cr_assert_str_eq(r.err, want);
	cr_assert_not(file_exists(out), "nothing written");
	cmd_free(&r);
	free(sc);
	free(root);
}

/* No templates anywhere: plots are part of every -o DIR, so the run stops
 * before writing anything, naming the places it looked; the sweep too
 * (before running), and kasim merge. Without an output directory nothing
 * is needed. */
Test(plot, templates_missing)
{
	char *root = make_tmpdir(), out[600], want[2048];
	layout(root, NULL);
	char *sc = root_path("scenarios/unplug.ini"), *sw = root_path("scenarios/sweeps/quick.ini");
	SNP(out, "%s/out", root);
	struct cmd r = KASIM("-q", "--no-plot", "-o", out, sc);
	cr_assert_eq(r.status, 1);
	SNP(want, "kasim: cannot find the gnuplot template timeline.gp (tried %s/bin/plots/timeline.gp, "
		  "%s/share/kasim/plots/timeline.gp); set KASIM_PLOTS to the directory that holds kasim's plots/*.gp\n",
	    root, root);
	cr_assert_str_eq(r.err, want);
	cr_assert_str_eq(r.out, "");
	cr_assert_not(file_exists(out), "nothing written");
	cmd_free(&r);
	r = KASIM("sweep", sw, "-o", out, "--no-render", "--no-progress");
	cr_assert_eq(r.status, 1);
	SNP(want, "kasim: cannot find the gnuplot template sweep-survival.gp (tried %s/bin/plots/sweep-survival.gp, "
		  "%s/share/kasim/plots/sweep-survival.gp); set KASIM_PLOTS to the directory that holds kasim's "
		  "plots/*.gp\n",
	    root, root);
	cr_assert_str_eq(r.err, want);
	cr_assert_not(file_exists(out), "nothing written");
	cmd_free(&r);
	r = KASIM("merge", root, "-o", out);
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, want);
	cmd_free(&r);
	r = KASIM(sc);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_free(&r);
	free(sc);
	free(sw);
	free(root);
}
