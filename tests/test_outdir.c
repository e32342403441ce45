/*
 * test_outdir.c - the output directory: safe names, temporary files that
 * never survive an error or an interruption, determinism, run.json, and a
 * plain run that still writes nothing but stdout.
 */
#include <criterion/criterion.h>

#include <jansson.h>

#include "outdir.h"
#include "binrun.h"

Test(outdir, names)
{
	cr_assert(outdir_name_ok("run.json"));
	cr_assert(outdir_name_ok("plots/timeline.gp"));
	cr_assert_not(outdir_name_ok("/etc/passwd"));
	cr_assert_not(outdir_name_ok("../x"));
	cr_assert_not(outdir_name_ok("plots/../../x"));
	cr_assert_not(outdir_name_ok("./x"));
	cr_assert_not(outdir_name_ok("a//b"));
	cr_assert_not(outdir_name_ok("a/"));
	cr_assert_not(outdir_name_ok(""));
	cr_assert_not(outdir_name_ok("a b"));
	cr_assert_not(outdir_name_ok("a\nb"));
	cr_assert(outdir_component_ok("unplug"));
	cr_assert(outdir_component_ok("..."));
	cr_assert_not(outdir_component_ok(".."));
	cr_assert_not(outdir_component_ok("."));
	cr_assert_not(outdir_component_ok("a/b"));
}

Test(outdir, temporaries_until_commit)
{
	char *d = make_tmpdir();
	char dir[512], err[256], p[600];
	SNP(dir, "%s/x/y", d);
	struct outdir *od = outdir_open(dir, err, sizeof err);
	cr_assert_not_null(od, "%s", err);
	FILE *f = outdir_fopen(od, "plots/a.dat");
	cr_assert_not_null(f);
	fputs("hello\n", f);
	cr_assert_eq(outdir_fclose(od, f), 0);
	SNP(p, "%s/plots/a.dat", dir);
	cr_assert_not(file_exists(p), "not before the commit");
	cr_assert_eq(count_entries(dir, ".kasim-tmp-"), 1);
	cr_assert_null(outdir_fopen(od, "../evil"));
	cr_assert(strstr(outdir_error(od), "refusing to write '../evil'"));
	outdir_free(od);
	cr_assert_eq(count_entries(dir, ".kasim-tmp-"), 0, "a failed run leaves no temporary");
	cr_assert_not(file_exists(p));

	od = outdir_open(dir, err, sizeof err);
	f = outdir_fopen(od, "plots/a.dat");
	fputs("hello\n", f);
	outdir_fclose(od, f);
	cr_assert_eq(outdir_commit(od), 0);
	outdir_free(od);
	cr_assert_eq(file_size(p), 6);
	cr_assert_eq(count_entries(dir, ".kasim-tmp-"), 0);
	free(d);
}

Test(outdir, layout_and_plain_run_unchanged)
{
	char *d = make_tmpdir();
	char *sc = root_path("scenarios/unplug.ini");
	struct cmd plain = KASIM(sc);
	struct cmd with = KASIM("-q", "--no-plot", "-o", d, sc);
	cr_assert_eq(with.status, 0, "%s", with.err);
	cr_assert_str_eq(with.out, plain.out, "stdout is the same with or without -o");
	cr_assert_str_eq(with.err, "");
	const char *files[] = {"run.json", "timeline.csv", "capture.pcap", "plots/timeline.gp", "plots/detection.gp",
			       "plots/timeline-packets.dat", "plots/timeline-phases.dat",
			       "plots/timeline-events.dat", "plots/detection.dat", "plots/timeline.vars",
			       "plots/detection.vars"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char p[600];
		SNP(p, "%s/%s", d, files[i]);
		cr_assert_gt(file_size(p), 0, "%s", files[i]);
	}
	cr_assert_eq(count_entries(d, NULL), 12, "11 files and plots/");
	cmd_free(&plain);
	cmd_free(&with);
	free(sc);
	free(d);
}

Test(outdir, default_dir_is_out_name)
{
	char *d = make_tmpdir();
	char *sc = root_path("scenarios/reboot.ini");
	struct cmd r = KASIM_WITH(&(struct cmd_opts){.cwd = d}, "-q", "--no-plot", "--out", sc);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char p[600];
	SNP(p, "%s/out/reboot/run.json", d);
	cr_assert(file_exists(p));
	cmd_free(&r);
	free(sc);
	free(d);
}

Test(outdir, dot_names_cannot_leave_out)
{
	char *d = make_tmpdir();
	char sc[600];
	const char *names[] = {"..", "."};
	for (int i = 0; i < 2; i++) {
		SNP(sc, "%s/s.ini", d);
		char text[128];
		SNP(text, "[scenario]\nname = %s\nduration = 1m\n", names[i]);
		write_file(sc, text);
		struct cmd r = KASIM_WITH(&(struct cmd_opts){.cwd = d}, "--no-plot", "--out", sc);
		cr_assert_eq(r.status, 2, "name %s", names[i]);
		char want[200];
		SNP(want, "kasim: the scenario name '%s' cannot name a directory under out/; "
					    "give one with -o DIR\n", names[i]);
		cr_assert_str_eq(r.err, want);
		cr_assert_str_eq(r.out, "", "no partial output");
		cmd_free(&r);
	}
	cr_assert_eq(count_entries(d, NULL), 1, "only s.ini: nothing written");
	free(d);
}

Test(outdir, deterministic)
{
	char *a = make_tmpdir(), *b = make_tmpdir();
	char *sc = root_path("scenarios/data-in-flight.ini");
	struct cmd r1 = KASIM("-q", "--no-plot", "-o", a, sc);
	struct cmd r2 = KASIM("-q", "--no-plot", "-o", b, sc);
	cr_assert_eq(r1.status, 0);
	cr_assert_eq(r2.status, 0);
	const char *files[] = {"run.json", "timeline.csv", "capture.pcap", "plots/timeline.gp",
			       "plots/detection.dat", "plots/timeline-packets.dat"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char p1[600], p2[600];
		size_t n1, n2;
		SNP(p1, "%s/%s", a, files[i]);
		SNP(p2, "%s/%s", b, files[i]);
		char *x = slurp(p1, &n1), *y = slurp(p2, &n2);
		cr_assert_eq(n1, n2, "%s", files[i]);
		cr_assert(memcmp(x, y, n1) == 0, "%s differs between two runs", files[i]);
		free(x);
		free(y);
	}
	cmd_free(&r1);
	cmd_free(&r2);
	free(sc);
	free(a);
	free(b);
}

Test(outdir, run_json_has_config)
{
	char *d = make_tmpdir();
	char *sc = root_path("scenarios/unplug.ini");
	struct cmd r = KASIM("-q", "--no-plot", "-o", d, "--set", "A.tcp_keepidle=60", "--set", "link.delay=20ms", sc);
	cr_assert_eq(r.status, 0);
	char p[600];
	SNP(p, "%s/run.json", d);
	json_error_t je;
	json_t *j = json_load_file(p, 0, &je);
	cr_assert_not_null(j, "%s", je.text);
	cr_assert_str_eq(json_string_value(json_object_get(j, "kasim_version")), KASIM_VERSION);
	cr_assert_eq(json_integer_value(json_object_get(j, "seed")), 1);
	json_t *c = json_object_get(j, "config");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(c, "A"), "tcp_keepidle")), 60);
	cr_assert(json_is_null(json_object_get(json_object_get(c, "B"), "tcp_keepidle")), "unset: the sysctl applies");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(c, "B"), "net.ipv4.tcp_keepalive_time")), 7200);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(c, "A"), "addr")), "192.0.2.10:40000");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(c, "B"), "addr")), "198.51.100.20:443");
	json_t *link = json_object_get(c, "link");
	cr_assert_float_eq(json_number_value(json_object_get(json_object_get(link, "a_to_b"), "delay")), 0.02, 1e-12);
	cr_assert_float_eq(json_number_value(json_object_get(json_object_get(link, "b_to_a"), "delay")), 0.02, 1e-12);
	cr_assert(json_is_null(json_object_get(c, "nat")), "no [nat] section");
	json_t *ev = json_array_get(json_object_get(c, "events"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(ev, "action")), "unplug");
	cr_assert_str_eq(json_string_value(json_object_get(ev, "host")), "B");
	cr_assert_eq(json_integer_value(json_object_get(ev, "time")), 10);
	/* and the --json document itself */
	cr_assert_eq(json_array_size(json_object_get(j, "packets")), 3 + 9 + 1, "handshake, 9 probes, RST");
	json_decref(j);
	cmd_free(&r);
	free(sc);
	free(d);
}

/* A long run, interrupted: nothing under a final name, no temporary left. */
static void interrupt_with(int sig)
{
	char *d = make_tmpdir();
	char sc[600], dir[600];
	SNP(sc, "%s/long.ini", d);
	SNP(dir, "%s/o", d);
	/* a probe every second for ten years: far longer than the test waits */
	write_file(sc, "[scenario]\nduration = 3650d\n[A]\nso_keepalive = on\ntcp_keepidle = 1\n"
		       "tcp_keepintvl = 1\n[link]\ndelay = 1ms\n");
	struct proc kp;
	proc_start(&kp, NULL, (const char *const[]){"kasim", "-q", "-o", dir, sc, NULL}, &(struct cmd_opts){.limit = 60});
	/* wait until it is writing, then interrupt */
	for (int i = 0; i < 200 && count_entries(dir, ".kasim-tmp-") == 0; i++)
		usleep(20000);
	cr_assert_gt(count_entries(dir, ".kasim-tmp-"), 0, "kasim did not start writing");
	usleep(200000);
	kill(kp.pid, sig);
	struct cmd r = proc_wait(&kp);
	cr_assert_eq(r.status, 128 + sig, "killed by the signal (status %d): %s", r.status, r.err);
	cr_assert(strstr(r.err, "kasim: interrupted; removed the unfinished files in "), "%s", r.err);
	cr_assert_eq(count_entries(dir, ".kasim-tmp-"), 0, "no temporary left");
	const char *finals[] = {"run.json", "timeline.csv", "capture.pcap", "plots/timeline.gp"};
	for (size_t i = 0; i < 4; i++) {
		char p[700];
		SNP(p, "%s/%s", dir, finals[i]);
		cr_assert_not(file_exists(p), "%s exists after an interrupted run", finals[i]);
	}
	cmd_free(&r);
	free(d);
}

Test(outdir, sigint_leaves_no_partial_files) { interrupt_with(SIGINT); }
Test(outdir, sigterm_leaves_no_partial_files) { interrupt_with(SIGTERM); }

Test(outdir, unwritable_dir_fails_cleanly)
{
	char *d = make_tmpdir();
	char f[600], dir[700];
	SNP(f, "%s/file", d);
	write_file(f, "x");
	SNP(dir, "%s/sub", f); /* below a regular file */
	char *sc = root_path("scenarios/unplug.ini");
	struct cmd r = KASIM("--no-plot", "-o", dir, sc);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "kasim: cannot create directory "), "%s", r.err);
	cr_assert_str_eq(r.out, "", "no partial output");
	cmd_free(&r);
	free(sc);
	free(d);
}

/* ---- issue 10: symlinks, staging, incomplete files ------------------------------ */

Test(outdir, staging_dir_is_private_and_unpredictable)
{
	char *d = make_tmpdir();
	char err[256];
	struct outdir *a = outdir_open(d, err, sizeof err), *b = outdir_open(d, err, sizeof err);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	FILE *fa = outdir_fopen(a, "x"), *fb = outdir_fopen(b, "x");
	cr_assert_not_null(fa, "%s", outdir_error(a));
	cr_assert_not_null(fb, "two writers of the same name do not collide: %s", outdir_error(b));
	cr_assert_eq(count_entries(d, ".kasim-tmp-"), 2, "one staging directory each");
	DIR *dp = opendir(d);
	struct dirent *e;
	while ((e = readdir(dp)))
		if (strstr(e->d_name, ".kasim-tmp-")) {
			char p[700];
			SNP(p, "%s/%s", d, e->d_name);
			struct stat st;
			cr_assert_eq(lstat(p, &st), 0);
			cr_assert(S_ISDIR(st.st_mode));
			cr_assert_eq(st.st_mode & 0777, 0700, "%s is private", p);
			cr_assert_eq(strlen(e->d_name), strlen(".kasim-tmp-") + 16, "64 random bits: %s", e->d_name);
		}
	closedir(dp);
	outdir_fclose(a, fa);
	outdir_fclose(b, fb);
	outdir_free(a);
	outdir_free(b);
	cr_assert_eq(count_entries(d, NULL), 0, "both discarded, nothing left");
	free(d);
}

/* A file outside every output directory, and whether it is untouched. */
static void victim_make(const char *dir, char *path, size_t n)
{
	cr_assert_lt((size_t)snprintf(path, n, "%s/victim", dir), n);
	write_file(path, "keep\n");
}

static void victim_check(const char *path, const char *what)
{
	char *s = slurp(path, NULL);
	cr_assert_not_null(s, "%s: the victim file is gone", what);
	cr_assert_str_eq(s, "keep\n", "%s: a write went through a symlink to %s", what, path);
	free(s);
}

static void plant_link(const char *dir, const char *rel, const char *target)
{
	char p[700];
	SNP(p, "%s/%s", dir, rel);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0777);
			*s = '/';
		}
	cr_assert_eq(symlink(target, p), 0, "symlink %s", p);
}

static bool is_link(const char *dir, const char *rel)
{
	char p[700];
	SNP(p, "%s/%s", dir, rel);
	struct stat st;
	return lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
}

Test(outdir, single_run_never_writes_through_a_symlink)
{
	bool gp = have_program("gnuplot");
	const char *names[] = {"run.json", "timeline.csv", "capture.pcap", "plots/timeline.gp", "plots/detection.gp",
			       "plots/timeline-packets.dat", "plots/timeline-phases.dat", "plots/timeline-events.dat",
			       "plots/detection.dat", "plots/timeline.png", "plots/timeline.svg", "plots/detection.png",
			       "plots/detection.svg"};
	char *sc = root_path("scenarios/unplug.ini");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!gp && (strstr(names[i], ".png") || strstr(names[i], ".svg")))
			continue;
		char *d = make_tmpdir();
		char victim[600], out[600];
		victim_make(d, victim, sizeof victim);
		SNP(out, "%s/o", d);
		plant_link(out, names[i], victim);
		struct cmd r = KASIM("-q", gp ? "--plot" : "--no-plot", "-o", out, sc);
		cr_assert_eq(r.status, 1, "%s: %s", names[i], r.err);
		char want[800];
		SNP(want, "refusing to write %s/%s: it is a symbolic link", out, names[i]);
		cr_assert(strstr(r.err, want), "%s: %s", names[i], r.err);
		victim_check(victim, names[i]);
		cr_assert(is_link(out, names[i]), "%s: the symlink was replaced", names[i]);
		char p[700];
		SNP(p, "%s/run.json", out);
		cr_assert(!strcmp(names[i], "run.json") || !file_exists(p), "%s: a partial result was committed",
			  names[i]);
		cr_assert_eq(count_entries(out, ".kasim-tmp-"), 0);
		cmd_free(&r);
		free(d);
	}
	free(sc);
}

Test(outdir, symlinked_directories_are_refused)
{
	char *sc = root_path("scenarios/unplug.ini");
	char *d = make_tmpdir();
	char elsewhere[600], out[600];
	SNP(elsewhere, "%s/elsewhere", d);
	mkdir(elsewhere, 0777);
	/* DIR/plots -> a directory outside DIR */
	SNP(out, "%s/o", d);
	plant_link(out, "plots", elsewhere);
	struct cmd r = KASIM("-q", "-o", out, sc);
	cr_assert_eq(r.status, 1, "%s", r.err);
	char want[800];
	SNP(want, "kasim: cannot set up the output files: cannot use directory %s/plots: it is a symbolic link "
		  "(refused)\n", out);
	cr_assert_str_eq(r.err, want);
	cr_assert_eq(count_entries(elsewhere, NULL), 0, "nothing written through DIR/plots");
	cmd_free(&r);
	/* DIR itself a symlink */
	SNP(out, "%s/link", d);
	cr_assert_eq(symlink(elsewhere, out), 0);
	r = KASIM("-q", "-o", out, sc);
	cr_assert_eq(r.status, 1, "%s", r.err);
	SNP(want, "kasim: refusing to write into %s: it is a symbolic link\n", out);
	cr_assert_str_eq(r.err, want);
	cr_assert_eq(count_entries(elsewhere, NULL), 0);
	cmd_free(&r);
	free(d);
	free(sc);
}

static const char tiny_sweep[] = "[scenario]\nduration = 10m\n[A]\nso_keepalive = on\n"
				 "[sweep]\nA.tcp_keepidle = 60, 120\nreplicas = 2\n";

/* kasim sweep/merge, every file: a symlink planted at its name is refused. */
Test(outdir, sweep_and_merge_never_write_through_a_symlink)
{
	bool gp = have_program("gnuplot");
	const char *names[] = {"runs.journal", "sweep.ini", "results.csv", "summary.csv", "recommendation.txt",
			       "plots/survival.dat", "plots/survival.gp", "plots/tradeoff.dat", "plots/detection.gp",
			       "plots/survival.png", "plots/tradeoff.png", "manifest", "plots"};
	char *top = make_tmpdir();
	char file[600], elsewhere[600];
	SNP(file, "%s/s.ini", top);
	write_file(file, tiny_sweep);
	SNP(elsewhere, "%s/elsewhere", top);
	mkdir(elsewhere, 0777);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!gp && strstr(names[i], ".png"))
			continue;
		for (int mode = 0; mode < 2; mode++) { /* 0: sweep, 1: merge */
			if (mode == 1 && !strcmp(names[i], "runs.journal"))
				continue; /* merge writes no journal */
			char *d = make_tmpdir();
			char victim[600], out[600], s0[600], s1[600];
			victim_make(d, victim, sizeof victim);
			SNP(out, "%s/o", d);
			bool dir = !strcmp(names[i], "plots");
			plant_link(out, names[i], dir ? elsewhere : victim);
			struct cmd r;
			if (mode == 0) {
				r = KASIM("sweep", file, "-o", out, "--no-progress");
			} else {
				SNP(s0, "%s/s0", d);
				SNP(s1, "%s/s1", d);
				struct cmd a = KASIM("sweep", file, "--shard", "0/2", "-o", s0, "--no-render", "--no-progress");
				struct cmd b = KASIM("sweep", file, "--shard", "1/2", "-o", s1, "--no-render", "--no-progress");
				cr_assert_eq(a.status + b.status, 0, "%s%s", a.err, b.err);
				cmd_free(&a);
				cmd_free(&b);
				r = KASIM("merge", s0, s1, "-o", out);
			}
			const char *what = mode ? "merge" : "sweep";
			if (!strcmp(names[i], "manifest") && mode == 0) {
				/* read, not written: the directory looks like a sweep already */
				cr_assert_eq(r.status, 2, "%s", r.err);
			} else {
				cr_assert_eq(r.status, 1, "%s %s: %s", what, names[i], r.err);
				cr_assert(strstr(r.err, "symbolic link"), "%s %s: %s", what, names[i], r.err);
			}
			victim_check(victim, names[i]);
			cr_assert_eq(count_entries(elsewhere, NULL), 0, "%s %s", what, names[i]);
			cr_assert(is_link(out, names[i]), "%s %s: the symlink was replaced", what, names[i]);
			char p[700];
			SNP(p, "%s/results.csv", out);
			cr_assert(!strcmp(names[i], "results.csv") || !file_exists(p), "%s %s: results committed",
				  what, names[i]);
			cr_assert_eq(count_entries(out, ".kasim-tmp-"), 0, "%s %s", what, names[i]);
			cmd_free(&r);
			free(d);
		}
	}
	/* a shard's results-partial.csv */
	char *d = make_tmpdir();
	char victim[600], out[600];
	victim_make(d, victim, sizeof victim);
	SNP(out, "%s/o", d);
	plant_link(out, "results-partial.csv", victim);
	struct cmd r = KASIM("sweep", file, "--shard", "0/2", "-o", out, "--no-progress");
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "symbolic link"), "%s", r.err);
	victim_check(victim, "results-partial.csv");
	cmd_free(&r);
	free(d);
	free(top);
}

/* A fake gnuplot that writes a cut PNG and an unfinished SVG and exits 0,
 * as gnuplot does on a full disk. Returns the PATH to use. */
static char *fake_gnuplot(const char *dir)
{
	char bin[600], gp[700];
	SNP(bin, "%s/bin", dir);
	mkdir(bin, 0777);
	SNP(gp, "%s/gnuplot", bin);
	write_file(gp, "#!/bin/sh\n"
		       "for a; do s=$a; done\n"
		       "b=${s%.gp}\n"
		       "printf '\\211PNG\\r\\n\\032\\nIHDR-cut-short' > \"$b.png\"\n"
		       "printf '<svg xmlns=\"http://www.w3.org/2000/svg\"><g>' > \"$b.svg\"\n"
		       "exit 0\n");
	chmod(gp, 0755);
	char *path = malloc(strlen(bin) + 32);
	sprintf(path, "%s:/usr/bin:/bin", bin);
	return path;
}

/* No file of the run under a final name, no temporary left. */
static void expect_nothing_committed(const char *out, const char *const *finals, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char p[700];
		SNP(p, "%s/%s", out, finals[i]);
		cr_assert_not(file_exists(p), "%s was committed although the run failed", finals[i]);
	}
	cr_assert_eq(count_entries(out, ".kasim-tmp-"), 0, "no temporary left");
}

static const char *const run_finals[] = {"run.json", "timeline.csv", "capture.pcap", "plots/timeline.gp",
					 "plots/timeline-packets.dat", "plots/detection.dat", "plots/timeline.png",
					 "plots/timeline.svg", "plots/detection.png"};
static const char *const sweep_finals[] = {"results.csv", "summary.csv", "recommendation.txt", "plots/survival.gp",
					   "plots/survival.dat", "plots/survival.png", "plots/detection.png"};

/* kasim with PATH = path fails with exit 1 and exactly this message: a cut
 * figure (what the fake gnuplot writes) in out/plots/NAME, and out holds none
 * of the finals. */
static void expect_cut_figure(const char *const argv[], const char *path, const char *out, const char *name,
			      const char *tail, const char *const *finals, size_t n)
{
	char env[300];
	SNP(env, "PATH=%s", path);
	struct cmd r = cmd_run(NULL, argv, &(struct cmd_opts){.env = (const char *const[]){env, NULL}});
	cr_assert_eq(r.status, 1, "%s", r.err);
	char want[900];
	SNP(want, "kasim: %s/plots/%s was not written completely (cut short (no IEND chunk at the end); "
		  "is the disk full?)%s\n", out, name, tail);
	cr_assert_str_eq(r.err, want);
	expect_nothing_committed(out, finals, n);
	cmd_free(&r);
}

Test(outdir, incomplete_figures_fail_the_whole_run)
{
	char *d = make_tmpdir();
	char *path = fake_gnuplot(d);
	char out[600], file[600], s0[600], s1[600];
	char *sc = root_path("scenarios/unplug.ini");
	SNP(out, "%s/run", d);
	expect_cut_figure((const char *const[]){"kasim", "-q", "-o", out, sc, NULL}, path, out, "timeline.png",
			  "; nothing was written under a final name", run_finals,
			  sizeof run_finals / sizeof run_finals[0]);
	SNP(file, "%s/s.ini", d);
	write_file(file, tiny_sweep);
	SNP(out, "%s/sweep", d);
	expect_cut_figure((const char *const[]){"kasim", "sweep", file, "-o", out, "--no-progress", NULL}, path, out,
			  "survival.png", "", sweep_finals, sizeof sweep_finals / sizeof sweep_finals[0]);
	SNP(s0, "%s/s0", d);
	SNP(s1, "%s/s1", d);
	struct cmd a = KASIM("sweep", file, "--shard", "0/2", "-o", s0, "--no-render", "--no-progress");
	struct cmd b = KASIM("sweep", file, "--shard", "1/2", "-o", s1, "--no-render", "--no-progress");
	cr_assert_eq(a.status + b.status, 0);
	SNP(out, "%s/merged", d);
	expect_cut_figure((const char *const[]){"kasim", "merge", s0, s1, "-o", out, NULL}, path, out, "survival.png", "",
			  sweep_finals, sizeof sweep_finals / sizeof sweep_finals[0]);
	const char *mf[] = {"manifest", "sweep.ini"};
	expect_nothing_committed(out, mf, 2);
	cmd_free(&a);
	cmd_free(&b);
	free(sc);
	free(path);
	free(d);
}

/* Every file under a final name in dir (recursively) is whole. */
static void expect_all_complete(const char *dir)
{
	DIR *dp = opendir(dir);
	if (!dp)
		return;
	struct dirent *e;
	while ((e = readdir(dp))) {
		if (e->d_name[0] == '.')
			continue;
		char p[700];
		SNP(p, "%s/%s", dir, e->d_name);
		struct stat st;
		cr_assert_eq(lstat(p, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			expect_all_complete(p);
			continue;
		}
		size_t n;
		char *s = slurp(p, &n);
		cr_assert_gt(n, 0, "%s is empty", p);
		if (strstr(e->d_name, ".png"))
			cr_assert(n > 12 && !memcmp(s + n - 8, "IEND\xae\x42\x60\x82", 8), "%s has no IEND", p);
		if (strstr(e->d_name, ".svg"))
			cr_assert(strstr(s, "</svg>"), "%s is cut short", p);
		free(s);
	}
	closedir(dp);
}

/* The reproduction: a 64 KiB tmpfs (root only). */
Test(outdir, full_disk_leaves_no_broken_file)
{
	if (geteuid() != 0)
		cr_skip_test("mounting a tmpfs needs root");
	if (!have_program("gnuplot"))
		cr_skip_test("gnuplot is not installed");
	char *d = make_tmpdir();
	char mnt[600], out[700], file[600];
	SNP(mnt, "%s/full", d);
	mkdir(mnt, 0777);
	struct cmd m = cmd_run("mount", (const char *const[]){"mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt, NULL},
			       NULL);
	int st = m.status;
	cmd_free(&m);
	if (st != 0)
		cr_skip_test("cannot mount a tmpfs here");
	char *sc = root_path("scenarios/alive.ini");
	SNP(out, "%s/x", mnt);
	struct cmd r = KASIM("-q", "-o", out, sc);
	int status1 = r.status;
	char *err1 = strdup(r.err);
	cmd_free(&r);
	expect_all_complete(mnt);
	SNP(file, "%s/s.ini", d);
	write_file(file, tiny_sweep);
	SNP(out, "%s/sw", mnt);
	r = KASIM("sweep", file, "-o", out, "--no-progress");
	int status2 = r.status;
	char *err2 = strdup(r.err);
	cmd_free(&r);
	expect_all_complete(mnt);
	SNP(out, "%s/x/run.json", mnt);
	bool run_json = file_exists(out);
	SNP(out, "%s/sw/results.csv", mnt);
	bool results = file_exists(out);
	m = cmd_run("umount", (const char *const[]){"umount", mnt, NULL}, NULL);
	cmd_free(&m);
	cr_assert_eq(status1, 1, "the run does not fit in 64 KiB: %s", err1);
	cr_assert(strstr(err1, "nothing was written under a final name"), "%s", err1);
	cr_assert_not(run_json, "run.json committed by a failed run");
	cr_assert_eq(status2, 1, "the sweep does not fit either: %s", err2);
	cr_assert_not(results, "results.csv committed by a failed sweep");
	free(err1);
	free(err2);
	free(sc);
	free(d);
}
