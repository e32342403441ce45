/*
 * priv/sweep_priv.h - what the sweep file parser's two files share:
 *   sweep.c       the [sweep] section: reserved keys, axes and their values
 *   sweep_plan.c  planning: dimensions (zip), the size limits, one validated
 *                 scenario per point, seeds and the sweep's hash
 */
#ifndef KASIM_PRIV_SWEEP_PRIV_H
#define KASIM_PRIV_SWEEP_PRIV_H

#include "diag.h"
#include "sweep.h"

enum { K_REPLICAS, K_SEED, K_MAX_LOSS, K_MAX_DETECTION, K_DETECTION, K_PREFER, K_ZIP, NRESERVED };

struct sctx {
	struct diag_loc at;     /* FILE:LINE of messages */
	struct diag *d;
	size_t nerr;
	struct sweep *sw;
	const char *text;
	int first[NRESERVED];   /* line of each reserved key, 0 = not yet */
};

/* An error at c->at (counted in c->nerr). */
void sw_report(struct sctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Dimensions, size checks, every value and every point validated by the
 * scenario parser; reports into c (sweep_plan.c). */
void sw_plan(struct sctx *c);
/* FNV-1a of the text and the --set overrides. */
uint64_t sw_hash(const char *text, const char *const *sets, size_t nsets);

#endif
