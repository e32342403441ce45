/*
 * sweep_cli.c - "kasim sweep" and "kasim merge" (cli.c dispatches here).
 */
#include "sweep_cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "number.h"
#include "sweep.h"
#include "sweep_plot.h"
#include "termesc.h"

static const char sweep_usage[] =
	"Usage: kasim sweep [OPTIONS] SWEEP.ini -o DIR\n"
	"Run a parameter sweep: the scenario of SWEEP.ini for every point of its [sweep]\n"
	"axes, replicas times each, on every core. Writes DIR/results.csv (one row per run),\n"
	"DIR/summary.csv (one row per point), DIR/recommendation.txt and DIR/plots/.\n"
	"\n"
	"Options:\n"
	"  -o, --out DIR           output directory (created if missing)\n"
	"  --shard I/N             run only the runs r with r % N == I (0 <= I < N);\n"
	"                          combine the shard directories with kasim merge\n"
	"  --resume                finish an interrupted sweep in DIR: run only what is missing\n"
	"  -j, --jobs N            threads (default: OMP_NUM_THREADS, else every core)\n"
	"  --set SECTION.KEY=VALUE override a scenario value at every point (repeatable)\n"
	"  --no-render             write the gnuplot scripts and data, do not run gnuplot\n"
	"  --no-progress           no progress bar (it is drawn only when stderr is a terminal)\n"
	"  --stats                 print runs, events and events/s on stderr at the end\n"
	"  -h, --help              show this help and exit\n"
	"\n"
	"Examples:\n"
	"  kasim sweep scenarios/sweeps/nat-safe.ini -o out/nat-safe\n"
	"  kasim sweep scenarios/sweeps/nat-safe.ini --shard 3/16 -o out/s3\n"
	"  kasim merge out/s* -o out/nat-safe\n"
	"\n"
	"The sweep format and what a run measures: docs/sweeps.md.\n";

static const char merge_usage[] =
	"Usage: kasim merge [OPTIONS] SHARD_DIR... -o DIR\n"
	"Combine the directories of kasim sweep --shard I/N runs into the files an\n"
	"unsharded run writes (byte for byte). Every shard 0..N-1 must be there, once,\n"
	"from the same sweep, and finished.\n"
	"\n"
	"Options:\n"
	"  -o, --out DIR    output directory\n"
	"  --no-render      do not run gnuplot\n"
	"  -h, --help       show this help and exit\n";

static int usage_error(FILE *err, const char *cmd, const char *msg, const char *arg)
{
	fprintf(err, "kasim %s: %s%s", cmd, msg, arg ? ": " : "");
	termesc_fputs(arg ? arg : "", err); /* a command-line argument: input text */
	fprintf(err, "\nTry 'kasim %s --help' for more information.\n", cmd);
	return KASIM_EXIT_USAGE;
}

int subcommand_usage_error(FILE *err, const char *cmd, const char *msg, const char *arg)
{
	return usage_error(err, cmd, msg, arg);
}

/* A decimal number, nothing else; an overflow is an error, never a wrap or
 * a saturation (number.h). */
static bool parse_uint(const char *s, uint64_t *v)
{
	return parse_u64(s, false, v) == NUM_OK;
}

/* --shard I/N: 0 <= I < N. */
static bool parse_shard(const char *arg, struct sweep_exec *e)
{
	const char *slash = strchr(arg, '/');
	char num[32];
	uint64_t i, n;

	if (!slash || (size_t)(slash - arg) >= sizeof num)
		return false;
	memcpy(num, arg, (size_t)(slash - arg));
	num[slash - arg] = '\0';
	if (!parse_uint(num, &i) || !parse_uint(slash + 1, &n) || n == 0 || i >= n)
		return false;
	e->shard_i = i;
	e->shard_n = n;
	return true;
}

/* The plot scripts are kasim's templates: find them before running anything. */
static bool plot_templates_missing(FILE *err)
{
	char msg[4096];
	if (!sweep_plot_templates_check(msg, sizeof msg))
		return false;
	fprintf(err, "kasim: %s\n", msg);
	return true;
}

enum { O_SHARD = 256, O_RESUME, O_SET, O_NORENDER, O_NOPROGRESS, O_STATS };

static const struct option sweep_longopts[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "shard", required_argument, NULL, O_SHARD },
	{ "resume", no_argument, NULL, O_RESUME },
	{ "jobs", required_argument, NULL, 'j' },
	{ "set", required_argument, NULL, O_SET },
	{ "no-render", no_argument, NULL, O_NORENDER },
	{ "no-progress", no_argument, NULL, O_NOPROGRESS },
	{ "stats", no_argument, NULL, O_STATS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* What kasim sweep's command line asks for. */
struct sweep_args {
	struct sweep_exec e;
	const char **sets;        /* the --set options, in order */
	size_t nsets;
};

/* Option c of getopt_long (its value in optarg) into a: -1 to go on, else
 * an exit status (--help: 0). */
static int sweep_option(int c, char **argv, struct sweep_args *a, FILE *out, FILE *err)
{
	uint64_t v;

	switch (c) {
	case 'o': a->e.dir = optarg; break;
	case O_SHARD:
		if (!parse_shard(optarg, &a->e))
			return usage_error(err, "sweep", "--shard wants I/N with 0 <= I < N", optarg);
		break;
	case O_RESUME: a->e.resume = true; break;
	case 'j':
		if (!parse_uint(optarg, &v) || v < 1 || v > 4096)
			return usage_error(err, "sweep", "--jobs wants a number of threads, 1..4096", optarg);
		a->e.threads = (int)v;
		break;
	case O_SET: a->sets[a->nsets++] = optarg; break;
	case O_NORENDER: a->e.render = false; break;
	case O_NOPROGRESS: a->e.progress = false; break;
	case O_STATS: a->e.stats = true; break;
	case 'h': fputs(sweep_usage, out); return KASIM_EXIT_OK;
	case ':': return usage_error(err, "sweep", "option needs a value", argv[optind - 1]);
	default: return usage_error(err, "sweep", "unknown option", argv[optind - 1]);
	}
	return -1;
}

/* Load the sweep file with the --set options and run it. */
static int sweep_run_file(const char *file, struct sweep_args *a, FILE *err)
{
	struct diag d = { 0 };
	struct sweep *sw = sweep_load(file, a->sets, a->nsets, &d);
	int rc;

	diag_print(&d, file, err);
	diag_free(&d);
	if (!sw)
		return KASIM_EXIT_USAGE;
	if (a->e.shard_n == 1 && plot_templates_missing(err))
		rc = KASIM_EXIT_FAIL;
	else
		rc = sweep_execute(sw, &a->e, err);
	sweep_free(sw);
	return rc;
}

int sweep_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct sweep_args a = { .e = { .shard_n = 1, .render = true, .progress = isatty(2) } };
	int rc = -1, c;

	a.sets = calloc((size_t)argc + 1, sizeof(*a.sets));
	if (!a.sets)
		return KASIM_EXIT_FAIL;
	optind = 0;
	opterr = 0;
	while (rc < 0 && (c = getopt_long(argc, argv, ":o:j:h", sweep_longopts, NULL)) != -1)
		rc = sweep_option(c, argv, &a, out, err);
	if (rc < 0 && optind != argc - 1)
		rc = usage_error(err, "sweep", optind == argc ? "no sweep file given" : "more than one sweep file", NULL);
	else if (rc < 0 && !a.e.dir)
		rc = usage_error(err, "sweep", "no output directory (-o DIR)", NULL);
	else if (rc < 0)
		rc = sweep_run_file(argv[optind], &a, err);
	free(a.sets);
	return rc;
}

int merge_main(int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "no-render", no_argument, NULL, O_NORENDER },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	bool render = true;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case O_NORENDER: render = false; break;
		case 'h': fputs(merge_usage, out); return KASIM_EXIT_OK;
		case ':': return usage_error(err, "merge", "option needs a value", argv[optind - 1]);
		default: return usage_error(err, "merge", "unknown option", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return usage_error(err, "merge", "no shard directories given", NULL);
	if (!dir)
		return usage_error(err, "merge", "no output directory (-o DIR)", NULL);
	if (plot_templates_missing(err))
		return KASIM_EXIT_FAIL;
	return sweep_merge((const char *const *)argv + optind, (size_t)(argc - optind), dir, render, err);
}
