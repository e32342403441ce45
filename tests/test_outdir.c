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
	struct run plain = KASIM(sc);
	struct run with = KASIM("-q", "--no-plot", "-o", d, sc);
	cr_assert_eq(with.status, 0, "%s", with.err);
	cr_assert_str_eq(with.out, plain.out, "stdout is the same with or without -o");
	cr_assert_str_eq(with.err, "");
	const char *files[] = {"run.json", "timeline.csv", "capture.pcap", "plots/timeline.gp", "plots/detection.gp",
			       "plots/timeline-packets.dat", "plots/timeline-phases.dat",
			       "plots/timeline-events.dat", "plots/detection.dat"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char p[600];
		SNP(p, "%s/%s", d, files[i]);
		cr_assert_gt(file_size(p), 0, "%s", files[i]);
	}
	cr_assert_eq(count_entries(d, NULL), 10, "9 files and plots/");
	run_free(&plain);
	run_free(&with);
	free(sc);
	free(d);
}

Test(outdir, default_dir_is_out_name)
{
	char *d = make_tmpdir();
	char *sc = root_path("scenarios/reboot.ini");
	struct run r = kasim_run_in((char *const[]){"kasim", "-q", "--no-plot", "--out", sc, NULL}, d, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char p[600];
	SNP(p, "%s/out/reboot/run.json", d);
	cr_assert(file_exists(p));
	run_free(&r);
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
		struct run r = kasim_run_in((char *const[]){"kasim", "--no-plot", "--out", sc, NULL}, d, NULL);
		cr_assert_eq(r.status, 2, "name %s", names[i]);
		char want[200];
		SNP(want, "kasim: the scenario name '%s' cannot name a directory under out/; "
					    "give one with -o DIR\n", names[i]);
		cr_assert_str_eq(r.err, want);
		cr_assert_str_eq(r.out, "", "no partial output");
		run_free(&r);
	}
	cr_assert_eq(count_entries(d, NULL), 1, "only s.ini: nothing written");
	free(d);
}

Test(outdir, deterministic)
{
	char *a = make_tmpdir(), *b = make_tmpdir();
	char *sc = root_path("scenarios/data-in-flight.ini");
	struct run r1 = KASIM("-q", "--no-plot", "-o", a, sc);
	struct run r2 = KASIM("-q", "--no-plot", "-o", b, sc);
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
	run_free(&r1);
	run_free(&r2);
	free(sc);
	free(a);
	free(b);
}

Test(outdir, run_json_has_config)
{
	char *d = make_tmpdir();
	char *sc = root_path("scenarios/unplug.ini");
	struct run r = KASIM("-q", "--no-plot", "-o", d, "--set", "A.tcp_keepidle=60", "--set", "link.delay=20ms", sc);
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
	run_free(&r);
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
	char *o, *e;
	pid_t pid = kasim_start((char *const[]){"kasim", "-q", "-o", dir, sc, NULL}, NULL, NULL, &o, &e);
	/* wait until it is writing, then interrupt */
	for (int i = 0; i < 200 && count_entries(dir, ".kasim-tmp-") == 0; i++)
		usleep(20000);
	cr_assert_gt(count_entries(dir, ".kasim-tmp-"), 0, "kasim did not start writing");
	usleep(200000);
	kill(pid, sig);
	struct run r = kasim_wait(pid, o, e);
	cr_assert_eq(r.status, 128 + sig, "killed by the signal (status %d): %s", r.status, r.err);
	cr_assert(strstr(r.err, "kasim: interrupted; removed the unfinished files in "), "%s", r.err);
	cr_assert_eq(count_entries(dir, ".kasim-tmp-"), 0, "no temporary left");
	const char *finals[] = {"run.json", "timeline.csv", "capture.pcap", "plots/timeline.gp"};
	for (size_t i = 0; i < 4; i++) {
		char p[700];
		SNP(p, "%s/%s", dir, finals[i]);
		cr_assert_not(file_exists(p), "%s exists after an interrupted run", finals[i]);
	}
	run_free(&r);
	free(d);
}

Test(outdir, sigint_leaves_no_partial_files, .timeout = 60) { interrupt_with(SIGINT); }
Test(outdir, sigterm_leaves_no_partial_files, .timeout = 60) { interrupt_with(SIGTERM); }

Test(outdir, unwritable_dir_fails_cleanly)
{
	char *d = make_tmpdir();
	char f[600], dir[700];
	SNP(f, "%s/file", d);
	write_file(f, "x");
	SNP(dir, "%s/sub", f); /* below a regular file */
	char *sc = root_path("scenarios/unplug.ini");
	struct run r = KASIM("--no-plot", "-o", dir, sc);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "kasim: cannot create directory "), "%s", r.err);
	cr_assert_str_eq(r.out, "", "no partial output");
	run_free(&r);
	free(sc);
	free(d);
}
