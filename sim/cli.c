/*
 * cli.c - option parsing, loading the scenario, running it with the chosen
 * output. Results go to stdout; diagnostics to stderr.
 */
#include "cli.h"

#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "scenario.h"
#include "sim.h"
#include "sweep_cli.h"

static const char usage_text[] =
	"Usage: kasim [OPTIONS] SCENARIO.ini\n"
	"       kasim sweep [OPTIONS] SWEEP.ini -o DIR    (kasim sweep --help)\n"
	"       kasim merge SHARD_DIR... -o DIR          (kasim merge --help)\n"
	"Simulate two TCP endpoints, the link between them and Linux's keepalive and\n"
	"retransmission timers; print every packet, every timer decision and when and\n"
	"why each endpoint noticed (or did not notice) that its peer was gone.\n"
	"\n"
	"Options:\n"
	"  --json                  print one JSON document instead of the text timeline\n"
	"  --explain               narrate every timer firing and state change (text)\n"
	"  --set SECTION.KEY=VALUE override a scenario value; repeatable, e.g.\n"
	"                          --set A.tcp_keepidle=60 --set link.delay=20ms\n"
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n"
	"\n"
	"Examples:\n"
	"  kasim scenarios/unplug.ini              B's cable is pulled: A gives up at 7875 s\n"
	"  kasim --set A.tcp_keepidle=60 scenarios/unplug.ini\n"
	"  kasim --json scenarios/reboot.ini | jq .endpoints\n"
	"\n"
	"The scenario format is described in docs/scenario-format.md.\n"
	"Exit status: 0 on success, 2 for bad input (options, scenario file, --set),\n"
	"1 when output could not be written.\n";

static int usage_error(FILE *err, const char *msg, const char *arg)
{
	fprintf(err, "kasim: %s%s%s\nTry 'kasim --help' for more information.\n", msg, arg ? ": " : "",
		arg ? arg : "");
	return KASIM_EXIT_USAGE;
}

int kasim_main(int argc, char **argv, FILE *out, FILE *err)
{
	enum { OPT_JSON = 256, OPT_SET, OPT_EXPLAIN };
	static const struct option longopts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"explain", no_argument, NULL, OPT_EXPLAIN},
		{"set", required_argument, NULL, OPT_SET},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	bool json = false;
	struct output_opts oo = {0};
	const char **sets = calloc((size_t)argc + 1, sizeof(*sets));
	size_t nsets = 0;
	int rc = KASIM_EXIT_OK;

	if (!sets)
		return KASIM_EXIT_FAIL;
	setlocale(LC_NUMERIC, "C"); /* '.' decimals whatever the environment says */
	/* subcommands (docs/sweeps.md); anything else is a scenario file */
	if (argc > 1 && (!strcmp(argv[1], "sweep") || !strcmp(argv[1], "merge"))) {
		rc = (argv[1][0] == 's' ? sweep_main : merge_main)(argc - 1, argv + 1, out, err);
		goto done;
	}
	optind = 0;                 /* re-entrant for in-process tests (GNU getopt) */
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: json = true; break;
		case OPT_EXPLAIN: oo.explain = true; break;
		case OPT_SET: sets[nsets++] = optarg; break;
		case 'h':
			fputs(usage_text, out);
			goto done;
		case 'V':
			fprintf(out, "kasim %s (git %s)\n", KASIM_VERSION, KASIM_GIT);
			goto done;
		case ':':
			rc = usage_error(err, "option needs a value", argv[optind - 1]);
			goto done;
		default:
			rc = usage_error(err, "unknown option", argv[optind - 1]);
			goto done;
		}
	}
	if (optind != argc - 1) {
		rc = usage_error(err, optind == argc ? "no scenario file given" : "more than one scenario file",
				 NULL);
		goto done;
	}

	struct diag d = {0};
	struct scenario *sc = scenario_load(argv[optind], sets, nsets, &d);
	if (!sc) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(err, "kasim: %s\n", d.msg[i]);
		diag_free(&d);
		rc = KASIM_EXIT_USAGE;
		goto done;
	}
	diag_free(&d);

	struct sink *sink = json ? json_sink_new(out, &oo) : text_sink_new(out, &oo);
	if (!sink) {
		fputs("kasim: cannot set up the output (out of memory or no temporary files)\n", err);
		scenario_free(sc);
		rc = KASIM_EXIT_FAIL;
		goto done;
	}
	struct sim *sim = malloc(sizeof(*sim));
	if (!sim) {
		sink->destroy(sink);
		scenario_free(sc);
		rc = KASIM_EXIT_FAIL;
		goto done;
	}
	sim_init(sim, sc);
	sim_add_sink(sim, sink);
	sim_run(sim);
	sim_destroy(sim);
	free(sim);
	sink->destroy(sink);
	scenario_free(sc);
	if (fflush(out) != 0 || ferror(out)) {
		fputs("kasim: error writing the output\n", err);
		rc = KASIM_EXIT_FAIL;
	}
done:
	free(sets);
	return rc;
}
