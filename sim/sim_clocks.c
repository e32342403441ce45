/*
 * sim_clocks.c - which clock each host's timers run on: the scenario's
 * jiffies clock and lwIP slow-timer phase, drawn from the seed, and each
 * host's timer model (priv/sim_priv.h).
 */
#include "priv/sim_priv.h"

#include <stdint.h>

#include "rng.h"

/* The scenario's clocks. The unknown initial jiffies value and tick phase
 * are drawn from the seed through a generator of their own, so choosing a
 * timer model never changes the ISNs or anything else drawn from s->rng.
 * linux: the jiffies clock both Linux hosts share (two namespaces of one
 * machine); lwip: the slow timer's phase. */
void sim_clocks(struct timer_model *linux_tm, struct timer_model *lwip_tm,
		       const struct scenario *sc)
{
	struct rng r;
	rng_seed(&r, sc->seed, 0x6a6966666965ULL /* "jiffie" */);
	uint64_t jiffies = rng_u32(&r);
	ks_time_t phase = rng_u32(&r);
	if (sc->jiffies != UINT64_MAX)
		jiffies = sc->jiffies;
	tm_init_linux(linux_tm, sc->hz, jiffies,
		      sc->jiffies_phase != KS_TIME_NEVER ? sc->jiffies_phase : phase % (KS_SEC / sc->hz));
	tm_init_lwip(lwip_tm, sc->jiffies_phase != KS_TIME_NEVER ? sc->jiffies_phase
								 : phase % TM_LWIP_SLOW_INTERVAL);
}

/* Host h's timer model (sc_host_timer): an lwIP host gets the seeded phase
 * under timer = auto or lwip, phase 0 otherwise (its keepalive rule counts
 * slow-timer ticks even under timer = exact). */
void sim_host_timer(struct timer_model *tm, const struct scenario *sc, int h,
			   const struct timer_model *linux_tm, const struct timer_model *lwip_tm)
{
	switch (sc_host_timer(sc, h)) {
	case TM_LWIP:
		if (sc->timer == SC_TIMER_AUTO || sc->timer == SC_TIMER_LWIP)
			*tm = *lwip_tm;
		else
			tm_init_lwip(tm, 0);
		break;
	case TM_LINUX:
		*tm = *linux_tm;
		break;
	case TM_EXACT:
		tm_init(tm, TM_EXACT);
		break;
	}
}
