/*
 * timer.h - how a TCP timer's requested delay becomes a firing time, and the
 * clock the TCP code reads ("tcp_jiffies32").
 *
 * The TCP modules never add delays to the clock themselves: they ask the timer
 * model. In the exact model (the default, for teaching the formulas) the TCP
 * clock is the engine's nanosecond clock and a timer fires exactly when asked.
 * Every kernel quantity kept in jiffies (rcv_tstamp, lrcvtime, keepalive_time,
 * ...) is a tcp_stamp_t here, in the model's own unit.
 */
#ifndef KASIM_TIMER_H
#define KASIM_TIMER_H

#include <stdint.h>

#include "engine.h"

typedef uint64_t tcp_stamp_t;

enum tm_kind { TM_EXACT };

struct timer_model {
	enum tm_kind kind;
};

void tm_init(struct timer_model *tm, enum tm_kind kind);
/* tcp_jiffies32: the TCP clock at engine time now. */
tcp_stamp_t tm_stamp(const struct timer_model *tm, ks_time_t now);
/* seconds * HZ */
tcp_stamp_t tm_secs(const struct timer_model *tm, uint64_t s);
/* msecs_to_jiffies(ms): rounds up */
tcp_stamp_t tm_msecs(const struct timer_model *tm, uint64_t ms);
/* ns -> stamp units, rounded up (for RTO values kept in ns) */
tcp_stamp_t tm_from_ns(const struct timer_model *tm, ks_time_t ns);
/* stamp units -> ns (for the outputs) */
ks_time_t tm_to_ns(const struct timer_model *tm, tcp_stamp_t d);
/* now - then on the TCP clock (u32 jiffies arithmetic where the model has jiffies) */
tcp_stamp_t tm_elapsed(const struct timer_model *tm, tcp_stamp_t now, tcp_stamp_t then);
/* Engine time at which a timer armed at now for delay (stamp units) really fires. */
ks_time_t tm_expiry(const struct timer_model *tm, ks_time_t now, tcp_stamp_t delay);

#endif
