/*
 * engine.h - kasim's discrete-event core.
 *
 * The engine knows nothing about TCP. It keeps a clock in integer nanoseconds and
 * a binary min-heap of timers ordered by (when, seq): seq is a per-engine counter
 * taken each time a timer is (re)armed, so timers due at the same instant fire in
 * the order they were armed. That single rule makes every run deterministic.
 *
 * Timers are intrusive (libuv style): the owner embeds a struct ev_timer and
 * recovers itself in the callback with container_of(). Nothing is allocated per
 * event; the heap array grows to the largest number of pending timers and stays.
 *
 * One engine belongs to one simulation; there is no global state, so many
 * engines can run in parallel threads.
 */
#ifndef KASIM_ENGINE_H
#define KASIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t ks_time_t; /* nanoseconds since t = 0 (A's SYN) */

#define KS_NS 1ULL
#define KS_US 1000ULL
#define KS_MS 1000000ULL
#define KS_SEC 1000000000ULL
#define KS_TIME_NEVER UINT64_MAX

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct engine;
struct ev_timer;

typedef void (*ev_cb)(struct engine *eng, struct ev_timer *t);

struct ev_timer {
	ks_time_t when;  /* absolute expiry */
	uint64_t seq;    /* tie-break: order of arming */
	uint32_t slot;   /* 1-based heap index; 0 = not pending */
	ev_cb cb;
};

struct engine {
	ks_time_t now;
	uint64_t next_seq;
	uint64_t fired;          /* events run so far (for benchmarks) */
	struct ev_timer **heap;  /* heap[0] is the earliest */
	uint32_t len, cap;
	bool stopped;
	bool running;            /* inside eng_run() */
	ks_time_t until;         /* its horizon */
	uint64_t inlined;        /* events this eng_run() ran by eng_fire_inline */
};

void eng_init(struct engine *e);
void eng_destroy(struct engine *e);

void ev_timer_init(struct ev_timer *t, ev_cb cb);
static inline bool ev_timer_pending(const struct ev_timer *t) { return t->slot != 0; }

/* Arm (or re-arm) t to fire at absolute time when (>= now). A re-arm takes a
 * fresh seq, exactly as if the timer had been cancelled and armed again. */
void eng_schedule(struct engine *e, struct ev_timer *t, ks_time_t when);
/* eng_schedule() for a timer known not to be pending (add_timer()): the
 * same order, without the re-arm's code. */
void eng_add(struct engine *e, struct ev_timer *t, ks_time_t when);
/* Take n consecutive seqs now (the first is returned), for timers armed later
 * with eng_schedule_seq(): a timer armed with a reserved seq orders among
 * those due at the same instant as if it had been armed at reservation time.
 * One timer can so stand for a list of future events (sim.c's script). */
uint64_t eng_reserve_seq(struct engine *e, uint64_t n);
void eng_schedule_seq(struct engine *e, struct ev_timer *t, ks_time_t when, uint64_t seq);
/* Arm t to fire delay ns from now (saturating). */
void eng_schedule_in(struct engine *e, struct ev_timer *t, ks_time_t delay);
/* Disarm t; harmless if it is not pending. */
void eng_cancel(struct engine *e, struct ev_timer *t);

/* Run every event due at or before until, in (when, seq) order, then leave the
 * clock at until (unless eng_stop() was called, which leaves it at the last
 * event). Returns the number of events run. */
uint64_t eng_run(struct engine *e, ks_time_t until);
/*
 * Inside a callback: run the caller's next event, due at when, right here
 * instead of arming a timer and returning. Allowed (true: the clock moves to
 * when and the event is counted) only when arming the running timer for when
 * would make it the very next event anyway: nothing pending is due at or
 * before when (a re-armed timer takes a fresh seq, so it would come after
 * anything due at the same instant), when is within eng_run()'s horizon, and
 * eng_stop() was not called. The order of events is therefore exactly the
 * one arming would give; only the heap round trip is saved. False: arm the
 * timer as usual.
 */
bool eng_fire_inline(struct engine *e, ks_time_t when);
/* Make eng_run() return after the current callback. */
void eng_stop(struct engine *e);

#endif
