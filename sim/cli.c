/*
 * cli.c - option parsing, loading the scenario, running it with the chosen
 * outputs. Results go to stdout (or the output directory); diagnostics,
 * notes and progress to stderr.
 *
 * With an output directory (-o DIR, --out, --plot) SIGINT, SIGTERM and SIGHUP
 * are blocked while kasim writes, and polled between slices of the
 * simulation: on one, kasim removes its temporary files and then lets the
 * signal take its ordinary effect. No signal handler, no global state.
 */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <locale.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_cli.h"
#include "csv_out.h"
#include "gnuplot.h"
#include "notes.h"
#include "outdir.h"
#include "output.h"
#include "pcap_out.h"
#include "plot_out.h"
#include "scenario.h"
#include "sim.h"
#include "sweep_cli.h"
#include "termesc.h"
#include "version.h"

static const char usage_text[] =
	"Usage: kasim [OPTIONS] SCENARIO.ini\n"
	"       kasim sweep [OPTIONS] SWEEP.ini -o DIR    (kasim sweep --help)\n"
	"       kasim merge SHARD_DIR... -o DIR          (kasim merge --help)\n"
	"       kasim check FILE...                      (kasim check --help)\n"
	"       kasim variant ASSIGNMENT --seed N -o DIR (kasim variant --help)\n"
	"Simulate two TCP endpoints, the link between them and Linux's keepalive and\n"
	"retransmission timers; print every packet, every timer decision and when and\n"
	"why each endpoint noticed (or did not notice) that its peer was gone.\n"
	"\n"
	"Options:\n"
	"  --json                  print one JSON document instead of the text timeline\n"
	"  --explain               narrate every timer firing in plain words, with the\n"
	"                          kernel's reasoning (for students; docs/outputs.md)\n"
	"  --set SECTION.KEY=VALUE override a scenario value; repeatable, e.g.\n"
	"                          --set A.tcp_keepidle=60 --set link.delay=20ms\n"
	"  -o, --out DIR           also write DIR/: run.json, timeline.csv, capture.pcap\n"
	"                          (with a NAT or an LB: capture.inside.pcap and\n"
	"                          capture.outside.pcap, around both boxes; with\n"
	"                          both, capture.between.pcap too;\n"
	"                          with a proxy: capture.client.pcap, capture.server.pcap)\n"
	"                          and plots/ (gnuplot scripts, data, PNG and SVG)\n"
	"      --out               the same into out/NAME/ (NAME: the scenario's name)\n"
	"      --plot              insist on rendered plots: fail (exit 69) without gnuplot;\n"
	"                          implies --out when -o is not given\n"
	"      --no-plot           write the plot scripts and data, do not run gnuplot\n"
	"  -q, --quiet             no progress or notes on stderr, only errors\n"
	"      --color=WHEN        colour the timeline: auto (default: on a terminal and\n"
	"                          NO_COLOR unset), always, never\n"
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n"
	"\n"
	"Without -o/--out/--plot kasim writes nothing but stdout.\n"
	"\n"
	"Examples:\n"
	"  kasim scenarios/unplug.ini              B's cable is pulled: A gives up at 7875 s\n"
	"  kasim --explain scenarios/unplug.ini    the same, every decision in words\n"
	"  kasim -o out/unplug scenarios/unplug.ini && wireshark out/unplug/capture.pcap\n"
	"  kasim --set A.tcp_keepidle=60 scenarios/unplug.ini\n"
	"  kasim --json scenarios/reboot.ini | jq .endpoints\n"
	"\n"
	"The scenario format is described in docs/scenario-format.md, the outputs in\n"
	"docs/outputs.md.\n"
	"Exit status: 0 on success, 2 for bad input (options, scenario file, --set),\n"
	"1 when output could not be written or an expectation of the file's [expect]\n"
	"section failed, 69 when --plot was given and gnuplot is not installed.\n";

static int usage_error(FILE *err, const char *msg, const char *arg)
{
	fprintf(err, "kasim: %s%s", msg, arg ? ": " : "");
	termesc_fputs(arg ? arg : "", err); /* a command-line argument: input text */
	fputs("\nTry 'kasim --help' for more information.\n", err);
	return KASIM_EXIT_USAGE;
}

enum color_when { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

/* Colour on f? --color wins; in auto mode a terminal, NO_COLOR unset or
 * empty, and TERM not "dumb". */
static bool want_color(enum color_when w, FILE *f)
{
	if (w != COLOR_AUTO)
		return w == COLOR_ALWAYS;
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	if (nc && nc[0])
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(fileno(f));
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* progress throttling only, never the outputs */
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Everything one run with an output directory holds. */
struct run_files {
	struct outdir *od;
	FILE *json, *csv, *pcap[4];  /* up to 4 captures (NAT, LB, between + proxy) */
	int npcap;
	struct sink *json_sink, *csv_sink, *pcap_sink, *plot_sink;
};

static void files_destroy(struct run_files *rf)
{
	if (!rf->od)
		return; /* never opened, or already destroyed */
	for (int i = 0; i < rf->npcap; i++)
		if (rf->pcap[i]) {
			outdir_closed(rf->od, rf->pcap[i], false);
			if (!rf->pcap_sink)
				fclose(rf->pcap[i]);
			rf->pcap[i] = NULL;
		}
	if (rf->pcap_sink)
		rf->pcap_sink->destroy(rf->pcap_sink); /* closes the captures */
	FILE *fs[] = {rf->json, rf->csv};
	for (size_t i = 0; i < 2; i++)
		if (fs[i]) {
			outdir_closed(rf->od, fs[i], false);
			fclose(fs[i]);
		}
	rf->json = rf->csv = NULL;
	struct sink *ss[] = {rf->json_sink, rf->csv_sink, rf->plot_sink};
	for (size_t i = 0; i < 3; i++)
		if (ss[i])
			ss[i]->destroy(ss[i]);
	rf->json_sink = rf->csv_sink = rf->plot_sink = rf->pcap_sink = NULL;
	outdir_free(rf->od); /* removes every temporary not renamed */
	rf->od = NULL;
}

static int files_open(struct run_files *rf, const char *dir, const struct scenario *sc, FILE *err)
{
	char msg[600];
	struct output_opts jo = {.run_info = true};
	rf->od = outdir_open(dir, msg, sizeof msg);
	if (!rf->od) {
		fprintf(err, "kasim: %s\n", msg);
		return -1;
	}
	/* Without a NAT one capture of the wire; with one, a capture on each side.
	 * With a proxy, the client leg's (one or two, as above), then the server leg's. */
	static const char *const one[] = {"capture.pcap"};
	static const char *const two[] = {"capture.inside.pcap", "capture.outside.pcap"};
	static const char *const px1[] = {"capture.client.pcap", "capture.server.pcap"};
	static const char *const px2[] = {"capture.client.inside.pcap", "capture.client.outside.pcap",
					  "capture.server.pcap"};
	/* a [nat] and an [lb]: the wire between them as well */
	static const char *const three[] = {"capture.inside.pcap", "capture.outside.pcap",
					    "capture.between.pcap"};
	static const char *const px3[] = {"capture.client.inside.pcap", "capture.client.outside.pcap",
					  "capture.client.between.pcap", "capture.server.pcap"};
	bool boxes = sc->nat.enabled || sc->lb.enabled; /* captured around both at once */
	bool chain = sc->nat.enabled && sc->lb.enabled;
	const char *const *names = sc->proxy.enabled ? (chain ? px3 : boxes ? px2 : px1)
			       : chain ? three : boxes ? two : one;
	rf->npcap = (chain ? 3 : boxes ? 2 : 1) + sc->proxy.enabled;
	bool ok = (rf->json = outdir_fopen(rf->od, "run.json")) && (rf->csv = outdir_fopen(rf->od, "timeline.csv"));
	for (int i = 0; ok && i < rf->npcap; i++)
		ok = (rf->pcap[i] = outdir_fopen(rf->od, names[i])) != NULL;
	if (!ok) {
		fprintf(err, "kasim: %s\n", outdir_error(rf->od));
		return -1;
	}
	rf->json_sink = json_sink_new(rf->json, &jo);
	rf->csv_sink = csv_sink_new(rf->csv);
	rf->pcap_sink = pcap_sink_new(rf->pcap, rf->npcap, record_lag_bound(sc), msg, sizeof msg);
	if (!rf->pcap_sink) {
		fprintf(err, "kasim: %s: %s\n", names[0], msg);
		return -1;
	}
	rf->plot_sink = plot_sink_new(rf->od);
	if (!rf->json_sink || !rf->csv_sink || !rf->plot_sink) {
		fprintf(err, "kasim: cannot set up the output files: %s\n",
			outdir_error(rf->od)[0] ? outdir_error(rf->od) : "out of memory");
		return -1;
	}
	return 0;
}

/* After sim_finish(): close every file (still staged, see outdir.h). */
static int files_close(struct run_files *rf, FILE *err)
{
	outdir_fclose(rf->od, rf->json);
	outdir_fclose(rf->od, rf->csv);
	rf->json = rf->csv = NULL;
	bool ok = pcap_sink_status(rf->pcap_sink) == 0;
	for (int i = 0; i < rf->npcap; i++) {
		outdir_closed(rf->od, rf->pcap[i], ok);
		rf->pcap[i] = NULL;
	}
	rf->pcap_sink->destroy(rf->pcap_sink); /* closes the captures */
	rf->pcap_sink = NULL;
	if (outdir_error(rf->od)[0]) {
		fprintf(err, "kasim: %s; nothing was written under a final name\n", outdir_error(rf->od));
		return -1;
	}
	return 0;
}

/* Every file, figures included, checked and renamed into place together. */
static int files_commit(struct run_files *rf, FILE *err)
{
	if (outdir_commit(rf->od) != 0) {
		fprintf(err, "kasim: %s; nothing was written under a final name\n", outdir_error(rf->od));
		return -1;
	}
	return 0;
}

static bool interrupted(const sigset_t *watched)
{
	sigset_t pending;
	if (sigpending(&pending) != 0)
		return false;
	for (int s = 1; s < NSIG; s++)
		if (sigismember(watched, s) == 1 && sigismember(&pending, s) == 1)
			return true;
	return false;
}

/* kasim_main's steps return one of the exit statuses, or CLI_GO_ON (go to the
 * next step) or CLI_INTERRUPTED (a watched signal is pending). */
enum { CLI_GO_ON = -1, CLI_INTERRUPTED = -2 };

/* The command line, parsed. */
struct cli_opts {
	bool json, want_out, plot, no_plot, quiet;
	const char *out_dir;  /* -o DIR, or out/NAME (dirbuf) */
	enum color_when color;
	struct output_opts oo;
	const char **sets;
	size_t nsets;
	const char *file;     /* the scenario */
	char dirbuf[128];
};

/* One run: what kasim_main sets up and tears down. */
struct cli_run {
	struct scenario *sc;
	struct sink *sink;
	struct expect_set es;        /* the file's [expect] */
	struct sink *exp_sink;       /* checks it, when there is one */
	struct sim *sim;
	bool sim_ready;
	struct run_files rf;
	bool blocked, shown;  /* signals blocked; a progress line is on stderr */
	sigset_t watched, oldmask;
};

static void print_version(FILE *out)
{
	fprintf(out, "kasim %s (git %s)\nbuilt with %s; %s; jansson %s; inih (Debian); %s\n",
		KASIM_VERSION, kasim_git(),
#ifdef __clang__
		__VERSION__, /* names the compiler: "Debian Clang 14.0.6" */
#else
		"gcc " __VERSION__,
#endif
		pcap_lib_version(), JANSSON_VERSION,
#ifdef _OPENMP
		"OpenMP sweeps"
#else
		"no OpenMP: sweeps run on one thread"
#endif
	);
}

enum { OPT_JSON = 256, OPT_SET, OPT_EXPLAIN, OPT_PLOT, OPT_NO_PLOT, OPT_COLOR, OPT_OUT_LONG };

/* One option of getopt_long's; CLI_GO_ON, or the exit status. */
static int parse_one(int c, char **argv, struct cli_opts *o, FILE *out, FILE *err)
{
	switch (c) {
	case OPT_JSON: o->json = true; break;
	case OPT_EXPLAIN: o->oo.explain = true; break;
	case OPT_SET: o->sets[o->nsets++] = optarg; break;
	case 'o':
	case OPT_OUT_LONG:
		o->want_out = true;
		o->out_dir = optarg;
		if (o->out_dir && !o->out_dir[0])
			return usage_error(err, "the output directory name is empty", NULL);
		break;
	case OPT_PLOT: o->plot = true; break;
	case OPT_NO_PLOT: o->no_plot = true; break;
	case 'q': o->quiet = true; break;
	case OPT_COLOR:
		if (!strcmp(optarg, "auto"))
			o->color = COLOR_AUTO;
		else if (!strcmp(optarg, "always"))
			o->color = COLOR_ALWAYS;
		else if (!strcmp(optarg, "never"))
			o->color = COLOR_NEVER;
		else
			return usage_error(err, "--color takes auto, always or never", optarg);
		break;
	case 'h': fputs(usage_text, out); return KASIM_EXIT_OK;
	case 'V': print_version(out); return KASIM_EXIT_OK;
	case ':': return usage_error(err, "option needs a value", argv[optind - 1]);
	default: return usage_error(err, "unknown option", argv[optind - 1]);
	}
	return CLI_GO_ON;
}

/* The options of a single run into o (o->sets holds argc entries). */
static int parse_opts(int argc, char **argv, struct cli_opts *o, FILE *out, FILE *err)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"explain", no_argument, NULL, OPT_EXPLAIN},
		{"set", required_argument, NULL, OPT_SET},
		{"out", optional_argument, NULL, OPT_OUT_LONG},
		{"plot", no_argument, NULL, OPT_PLOT},
		{"no-plot", no_argument, NULL, OPT_NO_PLOT},
		{"quiet", no_argument, NULL, 'q'},
		{"color", required_argument, NULL, OPT_COLOR},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	optind = 0;                 /* re-entrant for in-process tests (GNU getopt) */
	opterr = 0;
	int c, rc;
	while ((c = getopt_long(argc, argv, ":hVqo:", longopts, NULL)) != -1)
		if ((rc = parse_one(c, argv, o, out, err)) != CLI_GO_ON)
			return rc;
	if (optind != argc - 1)
		return usage_error(err, optind == argc ? "no scenario file given" : "more than one scenario file",
				   NULL);
	if (o->plot && o->no_plot)
		return usage_error(err, "--plot and --no-plot contradict each other", NULL);
	if (o->plot)
		o->want_out = true;
	o->file = argv[optind];
	return CLI_GO_ON;
}

/* Load the scenario; where its outputs go; what they need, checked before
 * anything is written. */
static int load_and_check(struct cli_opts *o, struct cli_run *r, FILE *err)
{
	struct diag d = {0};
	r->sc = scenario_load(o->file, o->sets, o->nsets, &d);
	if (!r->sc) {
		diag_print(&d, o->file, err);
		diag_free(&d);
		return KASIM_EXIT_USAGE;
	}
	diag_free(&d);
	if (expect_load(o->file, &r->es, err) != KASIM_EXIT_OK)
		return KASIM_EXIT_USAGE;
	if (!o->quiet)
		scenario_notes_print(r->sc, o->file, o->sets, o->nsets, err);
	if (o->want_out && !o->out_dir) {
		/* out/NAME: the name is [A-Za-z0-9._-]+ already; "." and ".." would
		 * leave out/, so they are refused. */
		if (!outdir_component_ok(r->sc->name)) {
			fprintf(err, "kasim: the scenario name '%s' cannot name a directory under out/; "
				"give one with -o DIR\n", r->sc->name);
			return KASIM_EXIT_USAGE;
		}
		snprintf(o->dirbuf, sizeof o->dirbuf, "out/%s", r->sc->name);
		o->out_dir = o->dirbuf;
	}
	if (o->plot && !gnuplot_available()) {
		fputs("kasim: --plot: gnuplot is not installed (Debian: apt-get install gnuplot-nox); "
		      "without --plot kasim still writes the scripts and data\n", err);
		return KASIM_EXIT_UNAVAILABLE;
	}
	if (o->want_out) {
		/* the plot scripts are kasim's templates: find them before writing anything */
		char msg[4096];
		if (plot_templates_check(msg, sizeof msg)) {
			fprintf(err, "kasim: %s\n", msg);
			return KASIM_EXIT_FAIL;
		}
	}
	return CLI_GO_ON;
}

/* The stdout sink, the simulation and, with an output directory, the signals
 * watched and the files opened. */
static int set_up(struct cli_opts *o, struct cli_run *r, FILE *out, FILE *err)
{
	o->oo.color = want_color(o->color, out);
	r->sink = o->json ? json_sink_new(out, &o->oo) : text_sink_new(out, &o->oo);
	r->sim = malloc(sizeof(*r->sim));
	if (r->es.n)
		r->exp_sink = expect_sink_new();
	if (!r->sink || !r->sim || (r->es.n && !r->exp_sink)) {
		fputs("kasim: cannot set up the output (out of memory or no temporary files)\n", err);
		return KASIM_EXIT_FAIL;
	}
	if (o->want_out) {
		sigemptyset(&r->watched);
		sigaddset(&r->watched, SIGINT);
		sigaddset(&r->watched, SIGTERM);
		sigaddset(&r->watched, SIGHUP);
		r->blocked = sigprocmask(SIG_BLOCK, &r->watched, &r->oldmask) == 0;
		if (files_open(&r->rf, o->out_dir, r->sc, err) != 0)
			return KASIM_EXIT_FAIL;
	}
	sim_init(r->sim, r->sc);
	r->sim_ready = true;
	sim_add_sink(r->sim, r->sink);
	if (r->exp_sink)
		sim_add_sink(r->sim, r->exp_sink);
	if (o->want_out) {
		sim_add_sink(r->sim, r->rf.json_sink);
		sim_add_sink(r->sim, r->rf.csv_sink);
		sim_add_sink(r->sim, r->rf.pcap_sink);
		sim_add_sink(r->sim, r->rf.plot_sink);
	}
	return CLI_GO_ON;
}

static bool cli_interrupted(const struct cli_run *r)
{
	return r->blocked && interrupted(&r->watched);
}

/* Run in slices: between them, look for a signal and show progress. */
static int run_slices(const struct cli_opts *o, struct cli_run *r, FILE *err)
{
	bool progress = !o->quiet && isatty(fileno(err));
	double last = wall_now();
	/* The slice adapts to keep each one between about 10 and 50 ms of wall
	 * time, so a signal is noticed quickly however dense the events are.
	 * Where the slices fall never changes the results. */
	const ks_time_t dur = r->sc->duration;
	ks_time_t step = KS_SEC < dur ? KS_SEC : dur;
	for (ks_time_t t = step;; t = t > dur - step ? dur : t + step) {
		double t0 = wall_now();
		sim_run_until(r->sim, t);
		double now = wall_now();
		if (now - t0 > 0.05 && step > 1)
			step = step / 4 ? step / 4 : 1;
		else if (now - t0 < 0.01 && step < dur / 2)
			step *= 2;
		if (cli_interrupted(r))
			return CLI_INTERRUPTED;
		if (progress && now - last >= 0.1) {
			last = now;
			fprintf(err, "\rkasim: %s: simulated %llu of %llu s (%u%%) ", r->sc->name,
				(unsigned long long)(t / KS_SEC), (unsigned long long)(dur / KS_SEC),
				(unsigned)((long double)t * 100 / dur));
			r->shown = true;
		}
		if (t >= dur)
			break;
	}
	if (r->shown)
		fputs("\r\033[K", err);
	sim_finish(r->sim);
	return cli_interrupted(r) ? CLI_INTERRUPTED : CLI_GO_ON;
}

/* The output directory: close, render, commit; then the note on a missing
 * gnuplot. */
static int commit_outputs(const struct cli_opts *o, struct cli_run *r, FILE *err)
{
	if (files_close(&r->rf, err) != 0)
		return KASIM_EXIT_FAIL;
	if (!o->no_plot && gnuplot_available()) {
		char msg[600];
		int prc = plot_render(r->rf.od, msg, sizeof msg);
		if (cli_interrupted(r))
			return CLI_INTERRUPTED;
		if (prc) {
			fprintf(err, "kasim: %s; nothing was written under a final name\n", msg);
			return prc == 69 ? KASIM_EXIT_UNAVAILABLE : KASIM_EXIT_FAIL;
		}
	}
	if (files_commit(&r->rf, err) != 0)
		return KASIM_EXIT_FAIL;
	if (!o->no_plot && !o->quiet && !gnuplot_available()) {
		/* Not asked for explicitly (that failed above): a note, once. */
		bool c = want_color(o->color, err);
		fprintf(err, "kasim: %snote:%s gnuplot is not installed, so no PNG/SVG; wrote %s/plots/timeline.gp "
			"and %s/plots/detection.gp with their data; render them with: cd %s/plots && "
			"gnuplot timeline.gp detection.gp\n",
			c ? "\033[33m" : "", c ? "\033[0m" : "", o->out_dir, o->out_dir, o->out_dir);
	}
	return KASIM_EXIT_OK;
}

/* Parse, load, set up, run, write: the first step that does not go on
 * decides the exit status. */
static int run_steps(int argc, char **argv, struct cli_opts *o, struct cli_run *r, FILE *out, FILE *err)
{
	int rc = parse_opts(argc, argv, o, out, err);
	if (rc == CLI_GO_ON)
		rc = load_and_check(o, r, err);
	if (rc == CLI_GO_ON)
		rc = set_up(o, r, out, err);
	if (rc == CLI_GO_ON)
		rc = run_slices(o, r, err);
	if (rc != CLI_GO_ON)
		return rc;
	if (fflush(out) != 0 || ferror(out)) {
		fputs("kasim: error writing the output\n", err);
		return KASIM_EXIT_FAIL;
	}
	rc = o->want_out ? commit_outputs(o, r, err) : KASIM_EXIT_OK;
	if (rc == KASIM_EXIT_OK && r->exp_sink) {
		/* after the summary (on stderr with --json: stdout stays one document) */
		FILE *f = o->json ? err : out;
		fprintf(f, "%sExpectations ([expect]):\n", o->json ? "" : "\n");
		if (expect_report(f, o->file, &r->es, r->exp_sink, true))
			rc = KASIM_EXIT_FAIL;
		fflush(f);
	}
	return rc;
}

int kasim_main(int argc, char **argv, FILE *out, FILE *err)
{
	setlocale(LC_NUMERIC, "C"); /* '.' decimals whatever the environment says */
	/* subcommands (docs/sweeps.md); anything else is a scenario file */
	if (argc > 1 && (!strcmp(argv[1], "sweep") || !strcmp(argv[1], "merge")))
		return (argv[1][0] == 's' ? sweep_main : merge_main)(argc - 1, argv + 1, out, err);
	if (argc > 1 && (!strcmp(argv[1], "check") || !strcmp(argv[1], "variant")))
		return (argv[1][0] == 'c' ? check_main : variant_main)(argc - 1, argv + 1, out, err);
	struct cli_opts o = {.color = COLOR_AUTO};
	struct cli_run r = {0};
	o.sets = calloc((size_t)argc + 1, sizeof(*o.sets));
	if (!o.sets)
		return KASIM_EXIT_FAIL;
	int rc = run_steps(argc, argv, &o, &r, out, err);
	if (rc == CLI_INTERRUPTED) {
		if (r.shown)
			fputs("\r\033[K", err);
		fprintf(err, "kasim: interrupted; removed the unfinished files in %s\n", o.out_dir);
		rc = KASIM_EXIT_FAIL;
		files_destroy(&r.rf);
		/* the signal is delivered when the mask is restored below */
	}
	if (r.sim_ready)
		sim_destroy(r.sim);
	free(r.sim);
	if (r.sink)
		r.sink->destroy(r.sink);
	if (r.exp_sink)
		r.exp_sink->destroy(r.exp_sink);
	expect_set_free(&r.es);
	files_destroy(&r.rf);
	scenario_free(r.sc);
	free(o.sets);
	if (r.blocked)
		sigprocmask(SIG_SETMASK, &r.oldmask, NULL);
	return rc;
}
