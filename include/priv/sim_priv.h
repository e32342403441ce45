/*
 * priv/sim_priv.h - what sim.c shares with sim_events.c (the timers of the
 * scenario's events, set up by sim_init() and fired by the engine) and with
 * sim_clocks.c (each host's timer model).
 */
#ifndef KASIM_PRIV_SIM_PRIV_H
#define KASIM_PRIV_SIM_PRIV_H

#include "sim.h"

/* A's connect() at t = 0, after the events of t = 0. */
void sim_connect_fire(struct engine *eng, struct ev_timer *t);
/* The next timed event(s) of the script. */
void sim_script_fire(struct engine *eng, struct ev_timer *t);
/* One timer for each repeating event ("every"); none without. */
void sim_repeat_init(struct sim *s);

/* The scenario's Linux jiffies clock and lwIP slow-timer phase (sim_clocks.c). */
void sim_clocks(struct timer_model *linux_tm, struct timer_model *lwip_tm,
		const struct scenario *sc);
/* Host h's timer model, given the scenario's two clocks. */
void sim_host_timer(struct timer_model *tm, const struct scenario *sc, int h,
		    const struct timer_model *linux_tm, const struct timer_model *lwip_tm);

#endif
