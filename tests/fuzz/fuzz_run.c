/*
 * fuzz_run.c - libFuzzer target: bytes -> scenario loader -> when it loads, a
 * short simulation with every streaming output attached (the text timeline
 * with --explain, JSON, CSV and the pcap capture(s)), written to /dev/null.
 * Input format: tests/fuzz/fuzz_input.h. `make fuzz FUZZ_TARGET=run`.
 *
 * A scenario may legitimately ask for a century of background flows at a
 * million a second, so the harness (not kasim) bounds the work of one input:
 * the simulation runs in slices of simulated time and stops after
 * FUZZ_MAX_EVENTS engine events, the slice adapting (as cli.c's does) so that
 * one slice runs about FUZZ_MAX_EVENTS / 16 events at most. An instant that
 * never ends (events re-arming themselves at the same time) is not bounded:
 * that would be a real hang, and libFuzzer's -timeout reports it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "csv_out.h"
#include "fuzz_input.h"
#include "output.h"
#include "pcap_out.h"
#include "scenario.h"
#include "sim.h"

#define FUZZ_MAX_EVENTS 10000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run s in slices until its duration or FUZZ_MAX_EVENTS events. */
static void run_bounded(struct sim *s, ks_time_t dur)
{
	ks_time_t t = 0, step = KS_MS < dur ? KS_MS : dur;
	while (t < dur && s->eng.fired < FUZZ_MAX_EVENTS) {
		uint64_t before = s->eng.fired;
		t = dur - t > step ? t + step : dur;
		sim_run_until(s, t);
		uint64_t ran = s->eng.fired - before;
		if (ran > FUZZ_MAX_EVENTS / 16 && step > 1)
			step /= 4;
		else if (ran < FUZZ_MAX_EVENTS / 64 && step < dur / 2)
			step *= 2;
	}
	sim_finish(s);
}

static void simulate(const struct scenario *sc, FILE *null)
{
	struct output_opts text_o = {.explain = true}, json_o = {.run_info = true};
	struct sink *text = text_sink_new(null, &text_o);
	struct sink *json = json_sink_new(null, &json_o);
	struct sink *csv = csv_sink_new(null);
	FILE *caps[2] = {fopen("/dev/null", "wb"), fopen("/dev/null", "wb")};
	int ncaps = sc->nat.enabled ? 2 : 1;
	char msg[256];
	struct sink *pcap = caps[0] && caps[1]
		? pcap_sink_new(caps, ncaps, record_lag_bound(sc), msg, sizeof msg) : NULL;
	struct sim *s = malloc(sizeof(*s));
	if (!text || !json || !csv || !pcap || !s)
		abort(); /* out of memory in the harness: not a finding */
	if (ncaps == 1)
		fclose(caps[1]);

	sim_init(s, sc);
	sim_add_sink(s, text);
	sim_add_sink(s, json);
	sim_add_sink(s, csv);
	sim_add_sink(s, pcap);
	run_bounded(s, sc->duration);
	sim_destroy(s);
	free(s);
	pcap->destroy(pcap); /* closes the captures */
	csv->destroy(csv);
	json->destroy(json);
	text->destroy(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct fuzz_input in;
	struct diag d = {0};

	if (!null && !(null = fopen("/dev/null", "w")))
		abort();
	if (!fuzz_input_split(&in, data, size))
		return 0;
	struct scenario *sc = scenario_parse_text("fuzz.ini", in.text, NULL, in.sets, in.nsets, &d);
	if (sc)
		simulate(sc, null);
	scenario_free(sc);
	diag_free(&d);
	fuzz_input_free(&in);
	return 0;
}
