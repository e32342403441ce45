/*
 * priv/sim_priv.h - what sim.c and sim_events.c share: the timers of the
 * scenario's events, set up by sim_init() and fired by the engine.
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

#endif
