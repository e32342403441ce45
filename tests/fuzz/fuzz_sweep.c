/*
 * fuzz_sweep.c - libFuzzer target: bytes -> the sweep loader (sweep_parse,
 * from memory: the [sweep] section, its axes, zip and objective, and the
 * scenario of every point), then the manifest of the loaded sweep.
 * Input format: tests/fuzz/fuzz_input.h. `make fuzz FUZZ_TARGET=sweep`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_input.h"
#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	struct diag d = {0};

	if (!fuzz_input_split(&in, data, size))
		return 0;
	struct sweep *sw = sweep_parse("fuzz.ini", in.text, in.sets, in.nsets, &d);
	fuzz_check_result(sw, &d);
	if (sw) {
		/* every point is a validated scenario; the numbering is in range */
		if (sw->npoints == 0 || sw->nruns != (uint64_t)sw->npoints * sw->replicas)
			__builtin_trap();
		for (size_t a = 0; a < sw->naxes; a++)
			if (sweep_value_index(sw, sw->npoints - 1, a) >= sw->axes[a].nvalues)
				__builtin_trap();
		free(sweep_manifest(sw, 0, 1, NULL, 0));
	}
	sweep_free(sw);
	diag_free(&d);
	fuzz_input_free(&in);
	return 0;
}
