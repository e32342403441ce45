/*
 * timer.c - timer models. The exact model: the TCP clock is the engine clock
 * (ns) and timers fire exactly at now + delay.
 */
#include "timer.h"

void tm_init(struct timer_model *tm, enum tm_kind kind)
{
	tm->kind = kind;
}

tcp_stamp_t tm_stamp(const struct timer_model *tm, ks_time_t now)
{
	(void)tm;
	return now;
}

tcp_stamp_t tm_secs(const struct timer_model *tm, uint64_t s)
{
	(void)tm;
	return s * KS_SEC;
}

tcp_stamp_t tm_msecs(const struct timer_model *tm, uint64_t ms)
{
	(void)tm;
	return ms * KS_MS;
}

tcp_stamp_t tm_from_ns(const struct timer_model *tm, ks_time_t ns)
{
	(void)tm;
	return ns;
}

ks_time_t tm_to_ns(const struct timer_model *tm, tcp_stamp_t d)
{
	(void)tm;
	return d;
}

tcp_stamp_t tm_elapsed(const struct timer_model *tm, tcp_stamp_t now, tcp_stamp_t then)
{
	(void)tm;
	return now - then;
}

ks_time_t tm_expiry(const struct timer_model *tm, ks_time_t now, tcp_stamp_t delay)
{
	(void)tm;
	ks_time_t when = now + delay;
	return when < now ? KS_TIME_NEVER : when;
}
