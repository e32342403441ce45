/*
 * fuzz_scenario.c - libFuzzer target: bytes -> the scenario loader
 * (scenario_parse_text, from memory), then every diagnostic is formatted and
 * freed. Input format: tests/fuzz/fuzz_input.h. Run with `make fuzz
 * FUZZ_TARGET=scenario` (docs/testing.md).
 */
#include <stdint.h>
#include <stdio.h>

#include "fuzz_input.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	struct diag d = {0};

	if (!fuzz_input_split(&in, data, size))
		return 0;
	struct scenario *s = scenario_parse_text("fuzz.ini", in.text, NULL, in.sets, in.nsets, &d);
	fuzz_check_result(s, &d);
	scenario_free(s);
	diag_free(&d);
	fuzz_input_free(&in);
	return 0;
}
