/*
 * timer.c - timer models (see timer.h and docs/timers.md).
 *
 * exact: the TCP clock is the engine clock (ns), timers fire at now + delay.
 * linux: jiffies = jiffies0 + floor((t + phase) * HZ / 1 s); tick j starts at
 *        the engine time where that formula first gives j. A timer armed for
 *        `delay` jiffies expires at E = jiffies + delay and is placed on the
 *        wheel level chosen from E - base_clk (calc_wheel_index); it runs at
 *        the tick of its bucket, (floor(E / g) + 1) * g, g = 8^level.
 * lwip:  the TCP clock counts 500 ms slow-timer ticks (tcp_ticks).
 */
#include "timer.h"

__extension__ typedef unsigned __int128 u128;

#define LVL_CLK_SHIFT 3u
#define LVL_BITS 6u
#define LVL_SIZE (1u << LVL_BITS)
#define LVL_SHIFT(n) ((n) * LVL_CLK_SHIFT)
#define LVL_GRAN(n) (1ULL << LVL_SHIFT(n))
/* first delta of level n (n >= 1): 63 << 3(n-1) */
#define LVL_START(n) ((uint64_t)(LVL_SIZE - 1) << (((n) - 1) * LVL_CLK_SHIFT))

/* The fields every model derives from its kind (and hz). */
static void tm_derive(struct timer_model *tm)
{
	switch (tm->kind) {
	case TM_LINUX: tm->per_sec = tm->hz; break;
	case TM_LWIP: tm->per_sec = KS_SEC / TM_LWIP_SLOW_INTERVAL; break;
	case TM_EXACT: tm->per_sec = KS_SEC; break;
	}
	tm->wrap = tm->kind == TM_EXACT ? UINT64_MAX : UINT32_MAX; /* u32 jiffies wrap */
}

void tm_init(struct timer_model *tm, enum tm_kind kind)
{
	tm->kind = kind;
	tm->hz = kind == TM_LINUX ? 250 : 0;
	tm->jiffies0 = 0;
	tm->phase = 0;
	tm_derive(tm);
}

void tm_init_linux(struct timer_model *tm, uint32_t hz, uint64_t jiffies0, ks_time_t phase)
{
	tm->kind = TM_LINUX;
	tm->hz = hz;
	tm->jiffies0 = jiffies0;
	tm->phase = phase;
	tm_derive(tm);
}

void tm_init_lwip(struct timer_model *tm, ks_time_t phase)
{
	tm->kind = TM_LWIP;
	tm->hz = 2;
	tm->jiffies0 = 0;
	tm->phase = phase;
	tm_derive(tm);
}

/* ---- the jiffies clock ---- */

uint64_t tm_jiffies64(const struct timer_model *tm, ks_time_t t)
{
	if (tm->kind == TM_LWIP)
		return (t + tm->phase) / TM_LWIP_SLOW_INTERVAL;
	return tm->jiffies0 + (uint64_t)(((u128)(t + tm->phase) * tm->hz) / KS_SEC);
}

ks_time_t tm_tick_time(const struct timer_model *tm, uint64_t j)
{
	if (tm->kind == TM_LWIP) {
		u128 at = (u128)j * TM_LWIP_SLOW_INTERVAL;
		return at <= tm->phase ? 0 : at - tm->phase >= KS_TIME_NEVER ? KS_TIME_NEVER
									    : (ks_time_t)(at - tm->phase);
	}
	if (j <= tm->jiffies0)
		return 0;
	/* smallest t with floor((t + phase) * hz / 1 s) >= j - jiffies0 */
	u128 num = (u128)(j - tm->jiffies0) * KS_SEC;
	u128 at = (num + tm->hz - 1) / tm->hz;
	if (at <= tm->phase)
		return 0;
	at -= tm->phase;
	return at >= KS_TIME_NEVER ? KS_TIME_NEVER : (ks_time_t)at;
}

__attribute__((noinline)) tcp_stamp_t tm_tick_stamp(const struct timer_model *tm, ks_time_t now)
{
	return (uint32_t)tm_jiffies64(tm, now); /* tcp_jiffies32 / tcp_ticks (u32) */
}

tcp_stamp_t tm_msecs(const struct timer_model *tm, uint64_t ms)
{
	switch (tm->kind) {
	case TM_LINUX: return (ms * tm->hz + 999) / 1000; /* msecs_to_jiffies rounds up */
	case TM_LWIP: return ms * KS_MS / TM_LWIP_SLOW_INTERVAL; /* lwIP: integer division */
	case TM_EXACT: break;
	}
	return ms * KS_MS;
}

tcp_stamp_t tm_from_ns(const struct timer_model *tm, ks_time_t ns)
{
	switch (tm->kind) {
	case TM_LINUX: return (tcp_stamp_t)(((u128)ns * tm->hz + KS_SEC - 1) / KS_SEC);
	case TM_LWIP: return (ns + TM_LWIP_SLOW_INTERVAL - 1) / TM_LWIP_SLOW_INTERVAL;
	case TM_EXACT: break;
	}
	return ns;
}

__attribute__((noinline)) ks_time_t tm_ticks_to_ns(const struct timer_model *tm, tcp_stamp_t d)
{
	if (tm->kind == TM_LWIP)
		return d * TM_LWIP_SLOW_INTERVAL;
	return (ks_time_t)(((u128)d * KS_SEC) / tm->hz);
}

ks_time_t tm_stamp_time(const struct timer_model *tm, ks_time_t now, tcp_stamp_t stamp)
{
	if (tm->kind == TM_EXACT)
		return stamp;
	uint64_t j = tm_jiffies64(tm, now) - tm_elapsed(tm, tm_stamp(tm, now), stamp);
	return tm_tick_time(tm, j);
}

ks_time_t tm_ms_elapsed(const struct timer_model *tm, ks_time_t now, ks_time_t then)
{
	if (tm->kind == TM_EXACT)
		return now - then;
	return (now / KS_MS - then / KS_MS) * KS_MS; /* tcp_time_stamp_ms() */
}

/* ---- the wheel ---- */

/* calc_index(): round up to the level's granularity, never early. */
static uint64_t calc_index(uint64_t expires, unsigned lvl)
{
	return ((expires >> LVL_SHIFT(lvl)) + 1) << LVL_SHIFT(lvl);
}

uint64_t tm_wheel_expiry(uint64_t expires, uint64_t clk, uint32_t hz, unsigned *level)
{
	unsigned depth = hz > 100 ? 9 : 8; /* LVL_DEPTH */
	uint64_t cutoff = LVL_START(depth); /* WHEEL_TIMEOUT_CUTOFF */
	int64_t delta = (int64_t)(expires - clk);
	unsigned lvl;

	if (delta < 0) {
		/* already expired: the current bucket, run at the next tick */
		*level = 0;
		return clk;
	}
	for (lvl = 0; lvl + 1 < depth; lvl++)
		if ((uint64_t)delta < LVL_START(lvl + 1))
			break;
	if (lvl == depth - 1 && (uint64_t)delta >= cutoff)
		expires = clk + cutoff - LVL_GRAN(depth - 1); /* WHEEL_TIMEOUT_MAX */
	*level = lvl;
	return calc_index(expires, lvl);
}

/* tm_expiry() for TM_LINUX: mod_timer() on the wheel of base. Out of line, so
 * that its 128-bit divisions do not weigh on the exact model's path. */
__attribute__((noinline)) static ks_time_t wheel_expiry(const struct timer_model *tm,
							 struct tm_base *base, ks_time_t now,
							 tcp_stamp_t delay)
{
	uint64_t j = tm_jiffies64(tm, now);
	uint64_t clk = j;
	if (base) {
		if (base->clk < j)
			base->clk = j; /* forward_timer_base() */
		clk = base->clk;
	}
	unsigned level;
	uint64_t fire = tm_wheel_expiry(j + delay, clk, tm->hz, &level);
	return tm_tick_time(tm, fire);
}

/* tm_expiry() for TM_LWIP: the slow timer, at the delay-th tick from the
 * current one. Out of line like the wheel, for the same reason. */
__attribute__((noinline)) static ks_time_t slow_tick_expiry(const struct timer_model *tm,
							     ks_time_t now, tcp_stamp_t delay)
{
	return tm_tick_time(tm, tm_jiffies64(tm, now) + (delay ? delay : 1));
}

ks_time_t tm_expiry(const struct timer_model *tm, struct tm_base *base, ks_time_t now,
		    tcp_stamp_t delay)
{
	if (tm->kind == TM_EXACT) {
		ks_time_t when = now + delay;
		return when < now ? KS_TIME_NEVER : when;
	}
	if (tm->kind == TM_LWIP)
		return slow_tick_expiry(tm, now, delay);
	return wheel_expiry(tm, base, now, delay);
}

void tm_fire(const struct timer_model *tm, struct tm_base *base, ks_time_t now)
{
	if (tm->kind != TM_LINUX || !base)
		return;
	uint64_t j = tm_jiffies64(tm, now);
	if (base->clk <= j)
		base->clk = j + 1; /* __run_timers(): clk++ before running the bucket */
}
