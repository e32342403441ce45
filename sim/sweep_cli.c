/*
 * sweep_cli.c - "kasim sweep" and "kasim merge" (cli.c dispatches here).
 */
#include "sweep_cli.h"

#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
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

static bool parse_uint(const char *s, uint64_t *v)
{
	char *e;
	if (!*s || *s < '0' || *s > '9')
		return false;
	*v = strtoull(s, &e, 10);
	return !*e;
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

int sweep_main(int argc, char **argv, FILE *out, FILE *err)
{
	enum { O_SHARD = 256, O_RESUME, O_SET, O_NORENDER, O_NOPROGRESS, O_STATS };
	static const struct option longopts[] = {
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
	struct sweep_exec e = { .shard_n = 1, .render = true, .progress = isatty(2) };
	const char **sets = calloc((size_t)argc + 1, sizeof(*sets));
	size_t nsets = 0;
	int rc = KASIM_EXIT_OK, c;
	uint64_t v;

	if (!sets)
		return KASIM_EXIT_FAIL;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': e.dir = optarg; break;
		case O_SHARD: {
			const char *slash = strchr(optarg, '/');
			char num[32];
			uint64_t i, n;
			if (!slash || (size_t)(slash - optarg) >= sizeof num) {
				rc = usage_error(err, "sweep", "--shard wants I/N with 0 <= I < N", optarg);
				goto done;
			}
			memcpy(num, optarg, (size_t)(slash - optarg));
			num[slash - optarg] = '\0';
			if (!parse_uint(num, &i) || !parse_uint(slash + 1, &n) || n == 0 || i >= n) {
				rc = usage_error(err, "sweep", "--shard wants I/N with 0 <= I < N", optarg);
				goto done;
			}
			e.shard_i = i;
			e.shard_n = n;
			break;
		}
		case O_RESUME: e.resume = true; break;
		case 'j':
			if (!parse_uint(optarg, &v) || v < 1 || v > 4096) {
				rc = usage_error(err, "sweep", "--jobs wants a number of threads, 1..4096", optarg);
				goto done;
			}
			e.threads = (int)v;
			break;
		case O_SET: sets[nsets++] = optarg; break;
		case O_NORENDER: e.render = false; break;
		case O_NOPROGRESS: e.progress = false; break;
		case O_STATS: e.stats = true; break;
		case 'h': fputs(sweep_usage, out); goto done;
		case ':': rc = usage_error(err, "sweep", "option needs a value", argv[optind - 1]); goto done;
		default: rc = usage_error(err, "sweep", "unknown option", argv[optind - 1]); goto done;
		}
	}
	if (optind != argc - 1) {
		rc = usage_error(err, "sweep", optind == argc ? "no sweep file given" : "more than one sweep file",
				 NULL);
		goto done;
	}
	if (!e.dir) {
		rc = usage_error(err, "sweep", "no output directory (-o DIR)", NULL);
		goto done;
	}
	struct diag d = { 0 };
	struct sweep *sw = sweep_load(argv[optind], sets, nsets, &d);
	diag_print(&d, argv[optind], err);
	diag_free(&d);
	if (!sw) {
		rc = KASIM_EXIT_USAGE;
		goto done;
	}
	if (e.shard_n == 1 && plot_templates_missing(err))
		rc = KASIM_EXIT_FAIL;
	else
		rc = sweep_execute(sw, &e, err);
	sweep_free(sw);
done:
	free(sets);
	return rc;
}

int merge_main(int argc, char **argv, FILE *out, FILE *err)
{
	enum { O_NORENDER = 256 };
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
