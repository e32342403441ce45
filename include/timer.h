/*
 * timer.h - how a TCP timer's requested delay becomes a firing time, and the
 * clock the TCP code reads ("tcp_jiffies32").
 *
 * The TCP modules never add delays to the clock themselves: they ask the timer
 * model. Every kernel quantity kept in jiffies (rcv_tstamp, lrcvtime,
 * keepalive_time, icsk_rto, ...) is a tcp_stamp_t here, in the model's unit.
 *
 *   exact  the TCP clock is the engine's nanosecond clock and a timer fires
 *          exactly when asked (for teaching the formulas).
 *   linux  jiffies at HZ; stamps are u32 jiffies compared with wrap-around;
 *          timers live on the non-cascading timer wheel of Linux >= 4.8 and
 *          fire at the first bucket boundary after their expiry (docs/timers.md).
 *   lwip   the TCP clock counts lwIP slow-timer ticks (500 ms); keepalive is
 *          evaluated only at those ticks (keepalive.c, lwip profile).
 */
#ifndef KASIM_TIMER_H
#define KASIM_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

typedef uint64_t tcp_stamp_t;

enum tm_kind { TM_EXACT, TM_LINUX, TM_LWIP };

#define TM_LWIP_SLOW_INTERVAL (500 * KS_MS) /* TCP_SLOW_INTERVAL */

struct timer_model {
	enum tm_kind kind;
	uint32_t hz;          /* TM_LINUX: ticks per second (100, 250, 300, 1000) */
	uint64_t jiffies0;    /* TM_LINUX: jiffies at t = 0 (tcp_jiffies32 = low 32 bits) */
	ks_time_t phase;      /* TM_LINUX, TM_LWIP: time since the last tick at t = 0 */
	/* derived by the tm_init*() functions, so the common conversions need no
	 * switch on kind: */
	uint64_t per_sec;     /* stamps per second: 1e9 (ns), hz, 2 (lwIP's slow ticks) */
	uint64_t wrap;        /* tm_elapsed()'s mask: all ones, or u32 for tick counters */
};

/*
 * One CPU's timer base (struct timer_base): just its clock. The wheel's clock
 * is brought up to jiffies when a timer is armed (forward_timer_base) and runs
 * one jiffy ahead of jiffies after the timer softirq has expired a bucket, so
 * a timer re-armed from its own handler measures its delay from jiffies + 1.
 */
struct tm_base {
	uint64_t clk;
};

void tm_init(struct timer_model *tm, enum tm_kind kind);
/* TM_LINUX: HZ, jiffies at t = 0 and the time since the last tick at t = 0. */
void tm_init_linux(struct timer_model *tm, uint32_t hz, uint64_t jiffies0, ks_time_t phase);
/* TM_LWIP: the time since the last slow-timer tick at t = 0. */
void tm_init_lwip(struct timer_model *tm, ks_time_t phase);

/* The models with ticks (timer.c, out of line: their 128-bit divisions would
 * make every caller of the inline functions below save registers). */
tcp_stamp_t tm_tick_stamp(const struct timer_model *tm, ks_time_t now);
ks_time_t tm_ticks_to_ns(const struct timer_model *tm, tcp_stamp_t d);

/* tcp_jiffies32: the TCP clock at engine time now. */
static inline tcp_stamp_t tm_stamp(const struct timer_model *tm, ks_time_t now)
{
	return tm->kind == TM_EXACT ? now : tm_tick_stamp(tm, now);
}
/* seconds * HZ (lwIP: slow ticks, 2 a second; exact: ns) */
static inline tcp_stamp_t tm_secs(const struct timer_model *tm, uint64_t s)
{
	return s * tm->per_sec;
}
/* msecs_to_jiffies(ms): rounds up */
tcp_stamp_t tm_msecs(const struct timer_model *tm, uint64_t ms);
/* ns -> stamp units, rounded up like usecs_to_jiffies (for RTO values) */
tcp_stamp_t tm_from_ns(const struct timer_model *tm, ks_time_t ns);
/* stamp units -> ns (for the outputs) */
static inline ks_time_t tm_to_ns(const struct timer_model *tm, tcp_stamp_t d)
{
	return tm->kind == TM_EXACT ? d : tm_ticks_to_ns(tm, d);
}
/* now - then on the TCP clock (u32 jiffies arithmetic where the model has
 * jiffies: mod 2^32 is the low 32 bits) */
static inline tcp_stamp_t tm_elapsed(const struct timer_model *tm, tcp_stamp_t now,
				     tcp_stamp_t then)
{
	return (now - then) & tm->wrap;
}
/* Engine time of the start of the tick a stamp taken at or before now belongs to. */
ks_time_t tm_stamp_time(const struct timer_model *tm, ks_time_t now, tcp_stamp_t stamp);
/* now - then as the kernel's millisecond TCP clock (tcp_time_stamp_ms) sees it, in ns:
 * exact: now - then; linux: whole milliseconds. */
ks_time_t tm_ms_elapsed(const struct timer_model *tm, ks_time_t now, ks_time_t then);

/*
 * Engine time at which a timer armed at now for delay (stamp units) really
 * fires. base: the arming host's timer base (may be NULL in the exact model).
 * The nominal time is now + tm_to_ns(delay).
 */
ks_time_t tm_expiry(const struct timer_model *tm, struct tm_base *base, ks_time_t now,
		    tcp_stamp_t delay);
/* A timer of base fires at now: the softirq clock moves one past this jiffy. */
void tm_fire(const struct timer_model *tm, struct tm_base *base, ks_time_t now);

/* ---- the Linux timer wheel, as pure functions (tests, docs) ---- */
/* jiffies (64 bit) at engine time t, and the engine time of the tick that makes it j. */
uint64_t tm_jiffies64(const struct timer_model *tm, ks_time_t t);
ks_time_t tm_tick_time(const struct timer_model *tm, uint64_t j);
/* calc_wheel_index(): the level for expires armed with the wheel at clk, and the
 * jiffy the timer really expires at (bucket_expiry). 8 levels for HZ <= 100, else 9. */
uint64_t tm_wheel_expiry(uint64_t expires, uint64_t clk, uint32_t hz, unsigned *level);

#endif
