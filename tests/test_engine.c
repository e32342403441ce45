/*
 * test_engine.c - the event heap: (when, seq) order, re-arm, cancel, callbacks
 * that re-arm or cancel, eng_run(until), and a large random schedule.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "helpers.h"
#include "rng.h"

enum { MAXLOG = 8192 };

struct log {
	int id[MAXLOG];
	ks_time_t at[MAXLOG];
	size_t n;
};

struct tev {
	struct ev_timer t;
	int id;
	struct log *log;
	/* behaviours */
	int rearm_times;          /* re-arm itself this many more times */
	ks_time_t rearm_step;
	struct tev *cancel_other; /* cancel this one when firing */
};

static void tev_fire(struct engine *e, struct ev_timer *t)
{
	struct tev *v = container_of(t, struct tev, t);
	cr_assert_lt(v->log->n, (size_t)MAXLOG);
	v->log->id[v->log->n] = v->id;
	v->log->at[v->log->n] = e->now;
	v->log->n++;
	cr_expect_eq(e->now, t->when, "a timer must fire at its own expiry");
	cr_expect_not(ev_timer_pending(t), "a firing timer is no longer pending");
	if (v->cancel_other)
		eng_cancel(e, &v->cancel_other->t);
	if (v->rearm_times > 0) {
		v->rearm_times--;
		eng_schedule_in(e, t, v->rearm_step);
	}
}

static void tev_init(struct tev *v, int id, struct log *log)
{
	memset(v, 0, sizeof(*v));
	ev_timer_init(&v->t, tev_fire);
	v->id = id;
	v->log = log;
}

static void expect_order(const struct log *log, const int *ids, size_t n)
{
	cr_assert_eq(log->n, n, "%zu events ran, want %zu", log->n, n);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(log->id[i], ids[i], "event %zu: id %d, want %d", i, log->id[i], ids[i]);
}

Test(engine, fifo_at_equal_times)
{
	struct engine e;
	struct log log = {0};
	struct tev v[5];
	eng_init(&e);
	for (int i = 0; i < 5; i++)
		tev_init(&v[i], i, &log);
	/* armed in the order 3, 1, 4, 0, 2, all due at 5 s */
	const int arm[] = {3, 1, 4, 0, 2};
	for (size_t i = 0; i < NELEMS(arm); i++)
		eng_schedule(&e, &v[arm[i]].t, 5 * SEC);
	cr_expect_eq(eng_run(&e, 10 * SEC), 5);
	expect_order(&log, arm, NELEMS(arm));
	for (size_t i = 0; i < log.n; i++)
		cr_expect_eq(log.at[i], 5 * SEC);
	eng_destroy(&e);
}

Test(engine, time_order_before_seq)
{
	struct engine e;
	struct log log = {0};
	struct tev a, b, c;
	eng_init(&e);
	tev_init(&a, 1, &log);
	tev_init(&b, 2, &log);
	tev_init(&c, 3, &log);
	eng_schedule(&e, &a.t, 3 * SEC);
	eng_schedule(&e, &b.t, 1 * SEC);
	eng_schedule(&e, &c.t, 2 * SEC);
	eng_run(&e, KS_TIME_NEVER - 1);
	const int want[] = {2, 3, 1};
	expect_order(&log, want, 3);
	cr_expect_eq(log.at[0], 1 * SEC);
	cr_expect_eq(log.at[1], 2 * SEC);
	cr_expect_eq(log.at[2], 3 * SEC);
	eng_destroy(&e);
}

Test(engine, rearm_later_moves_and_takes_new_seq)
{
	struct engine e;
	struct log log = {0};
	struct tev a, b, c;
	eng_init(&e);
	tev_init(&a, 1, &log);
	tev_init(&b, 2, &log);
	tev_init(&c, 3, &log);
	eng_schedule(&e, &a.t, 1 * SEC);
	eng_schedule(&e, &b.t, 2 * SEC);
	eng_schedule(&e, &c.t, 2 * SEC);
	uint64_t seq_before = a.t.seq;
	/* a moves later, to the same instant as b and c: it was re-armed last,
	 * so it now runs after both */
	eng_schedule(&e, &a.t, 2 * SEC);
	cr_expect_gt(a.t.seq, c.t.seq);
	cr_expect_gt(a.t.seq, seq_before);
	cr_expect_eq(e.len, 3, "re-arming must not duplicate the timer");
	eng_run(&e, 10 * SEC);
	const int want[] = {2, 3, 1};
	expect_order(&log, want, 3);
	eng_destroy(&e);
}

Test(engine, rearm_earlier_moves)
{
	struct engine e;
	struct log log = {0};
	struct tev a, b, c;
	eng_init(&e);
	tev_init(&a, 1, &log);
	tev_init(&b, 2, &log);
	tev_init(&c, 3, &log);
	eng_schedule(&e, &a.t, 1 * SEC);
	eng_schedule(&e, &b.t, 2 * SEC);
	eng_schedule(&e, &c.t, 9 * SEC);
	eng_schedule(&e, &c.t, 1 * SEC); /* earlier: ties with a, armed after it */
	cr_expect_eq(e.len, 3);
	eng_run(&e, 10 * SEC);
	const int want[] = {1, 3, 2};
	expect_order(&log, want, 3);
	cr_expect_eq(log.at[1], 1 * SEC);
	eng_destroy(&e);
}

Test(engine, rearm_same_time_goes_behind_equal_peers)
{
	struct engine e;
	struct log log = {0};
	struct tev a, b;
	eng_init(&e);
	tev_init(&a, 1, &log);
	tev_init(&b, 2, &log);
	eng_schedule(&e, &a.t, 4 * SEC);
	eng_schedule(&e, &b.t, 4 * SEC);
	eng_schedule(&e, &a.t, 4 * SEC); /* same time, fresh seq */
	eng_run(&e, 4 * SEC);
	const int want[] = {2, 1};
	expect_order(&log, want, 2);
	eng_destroy(&e);
}

/* Cancel the timer at position `which` (0 = head, 1 = middle, 2 = last) of three. */
static void cancel_one(int which)
{
	struct engine e;
	struct log log = {0};
	struct tev v[3];
	eng_init(&e);
	for (int i = 0; i < 3; i++) {
		tev_init(&v[i], i, &log);
		eng_schedule(&e, &v[i].t, (ks_time_t)(i + 1) * SEC);
	}
	eng_cancel(&e, &v[which].t);
	cr_expect_not(ev_timer_pending(&v[which].t));
	cr_expect_eq(e.len, 2);
	cr_expect_eq(eng_run(&e, 10 * SEC), 2);
	int want[2], k = 0;
	for (int i = 0; i < 3; i++)
		if (i != which)
			want[k++] = i;
	expect_order(&log, want, 2);
	eng_destroy(&e);
}

Test(engine, cancel_head) { cancel_one(0); }
Test(engine, cancel_middle) { cancel_one(1); }
Test(engine, cancel_last) { cancel_one(2); }

Test(engine, cancel_in_a_bigger_heap_keeps_order)
{
	/* Cancel an interior node of a 64-element heap; everything else still
	 * comes out in time order. */
	struct engine e;
	struct log log = {0};
	static struct tev v[64];
	eng_init(&e);
	for (int i = 0; i < 64; i++) {
		tev_init(&v[i], i, &log);
		eng_schedule(&e, &v[i].t, (ks_time_t)((i * 37) % 64 + 1) * MS);
	}
	for (int i = 0; i < 64; i += 5)
		eng_cancel(&e, &v[i].t);
	eng_run(&e, SEC);
	cr_assert_eq(log.n, 64 - 13);
	for (size_t i = 1; i < log.n; i++)
		cr_expect_lt(log.at[i - 1], log.at[i]);
	for (size_t i = 0; i < log.n; i++)
		cr_expect_neq(log.id[i] % 5, 0, "cancelled timer %d ran", log.id[i]);
	eng_destroy(&e);
}

Test(engine, cancel_not_pending_is_harmless)
{
	struct engine e;
	struct log log = {0};
	struct tev a, b;
	eng_init(&e);
	tev_init(&a, 1, &log);
	tev_init(&b, 2, &log);
	eng_cancel(&e, &a.t); /* never armed */
	eng_schedule(&e, &b.t, 1 * SEC);
	eng_schedule(&e, &a.t, 2 * SEC);
	eng_cancel(&e, &a.t);
	eng_cancel(&e, &a.t); /* twice */
	cr_expect_eq(e.len, 1);
	eng_run(&e, 5 * SEC);
	eng_cancel(&e, &b.t); /* already fired */
	const int want[] = {2};
	expect_order(&log, want, 1);
	cr_expect_eq(e.len, 0);
	eng_destroy(&e);
}

Test(engine, callback_rearms_itself)
{
	struct engine e;
	struct log log = {0};
	struct tev a;
	eng_init(&e);
	tev_init(&a, 7, &log);
	a.rearm_times = 4;
	a.rearm_step = 250 * MS;
	const ks_time_t start = 1 * SEC;
	eng_schedule(&e, &a.t, start);
	cr_expect_eq(eng_run(&e, 10 * SEC), 5);
	cr_assert_eq(log.n, 5);
	for (size_t k = 0; k < 5; k++)
		cr_expect_eq(log.at[k], start + k * a.rearm_step);
	eng_destroy(&e);
}

Test(engine, callback_cancels_another_pending_timer)
{
	struct engine e;
	struct log log = {0};
	struct tev a, b, c;
	eng_init(&e);
	tev_init(&a, 1, &log);
	tev_init(&b, 2, &log);
	tev_init(&c, 3, &log);
	a.cancel_other = &b;
	eng_schedule(&e, &a.t, 1 * SEC);
	eng_schedule(&e, &b.t, 1 * SEC); /* same instant, after a: cancelled before it runs */
	eng_schedule(&e, &c.t, 2 * SEC);
	eng_run(&e, 10 * SEC);
	const int want[] = {1, 3};
	expect_order(&log, want, 2);
	cr_expect_not(ev_timer_pending(&b.t));
	eng_destroy(&e);
}

Test(engine, run_until_stops_and_sets_clock)
{
	struct engine e;
	struct log log = {0};
	struct tev a, b, c;
	eng_init(&e);
	tev_init(&a, 1, &log);
	tev_init(&b, 2, &log);
	tev_init(&c, 3, &log);
	eng_schedule(&e, &a.t, 1 * SEC);
	eng_schedule(&e, &b.t, 5 * SEC); /* exactly at until: runs */
	eng_schedule(&e, &c.t, 5 * SEC + 1);
	const ks_time_t until = 5 * SEC;
	cr_expect_eq(eng_run(&e, until), 2);
	cr_expect_eq(e.now, until);
	cr_expect(ev_timer_pending(&c.t));
	const int want[] = {1, 2};
	expect_order(&log, want, 2);
	/* nothing due before until: the clock still moves to until */
	cr_expect_eq(eng_run(&e, until + 1), 1);
	cr_expect_eq(e.now, until + 1);
	cr_expect_eq(eng_run(&e, 7 * SEC), 0);
	cr_expect_eq(e.now, 7 * SEC);
	cr_expect_eq(e.fired, 3);
	eng_destroy(&e);
}

Test(engine, schedule_in_the_past_clamps_to_now)
{
	struct engine e;
	struct log log = {0};
	struct tev a, b;
	eng_init(&e);
	tev_init(&a, 1, &log);
	tev_init(&b, 2, &log);
	eng_run(&e, 10 * SEC);
	cr_assert_eq(e.now, 10 * SEC);
	eng_schedule(&e, &b.t, 10 * SEC);
	eng_schedule(&e, &a.t, 3 * SEC); /* in the past */
	cr_expect_eq(a.t.when, 10 * SEC);
	eng_run(&e, 10 * SEC);
	const int want[] = {2, 1}; /* clamped to now, and after b (later seq) */
	expect_order(&log, want, 2);
	cr_expect_eq(log.at[1], 10 * SEC);
	eng_destroy(&e);
}

/* eng_add() takes its seq like eng_schedule() (one counter) and clamps to now. */
Test(engine, add_orders_like_schedule)
{
	struct engine e;
	struct log log = {0};
	struct tev v[4];
	eng_init(&e);
	for (int i = 0; i < 4; i++)
		tev_init(&v[i], i, &log);
	eng_run(&e, 2 * SEC);
	eng_schedule(&e, &v[1].t, 4 * SEC);
	eng_schedule(&e, &v[0].t, 5 * SEC);
	eng_add(&e, &v[2].t, 5 * SEC); /* same time, armed later: after 0 */
	eng_add(&e, &v[3].t, 1 * SEC); /* in the past: now, before everything */
	cr_expect_eq(v[3].t.when, 2 * SEC);
	cr_expect(ev_timer_pending(&v[2].t));
	cr_expect_eq(eng_run(&e, 10 * SEC), 4);
	const int want[] = {3, 1, 0, 2};
	expect_order(&log, want, NELEMS(want));
	cr_expect_eq(log.at[0], 2 * SEC);
	cr_expect_eq(log.at[3], 5 * SEC);
	eng_destroy(&e);
}

Test(engine, schedule_in_saturates)
{
	struct engine e;
	struct tev a;
	struct log log = {0};
	eng_init(&e);
	tev_init(&a, 1, &log);
	eng_run(&e, 5 * SEC);
	eng_schedule_in(&e, &a.t, KS_TIME_NEVER - 1); /* now + delay overflows */
	cr_expect_eq(a.t.when, KS_TIME_NEVER);
	eng_cancel(&e, &a.t);
	eng_destroy(&e);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

Test(engine, large_random_schedule_is_sorted_and_stable)
{
	enum { N = 4000 };
	struct engine e;
	static struct log log;
	static struct tev v[N];
	static uint64_t key[N]; /* (when << 32) | arm order: the expected order */
	struct rng r;
	rng_seed(&r, 2024, 7);
	eng_init(&e);
	memset(&log, 0, sizeof(log));
	/* Arm with few distinct times (many ties), re-arm a quarter of them and
	 * cancel some; what is left must come out in (when, last arm order). */
	uint32_t order = 0;
	uint32_t last_arm[N];
	bool cancelled[N] = {false};
	for (int i = 0; i < N; i++) {
		tev_init(&v[i], i, &log);
		eng_schedule(&e, &v[i].t, (ks_time_t)(rng_u32(&r) % 50) * MS);
		last_arm[i] = order++;
	}
	for (int k = 0; k < N / 4; k++) {
		int i = (int)(rng_u32(&r) % N);
		eng_schedule(&e, &v[i].t, (ks_time_t)(rng_u32(&r) % 50) * MS);
		last_arm[i] = order++;
	}
	for (int k = 0; k < N / 10; k++) {
		int i = (int)(rng_u32(&r) % N);
		eng_cancel(&e, &v[i].t);
		cancelled[i] = true;
	}
	size_t live = 0;
	for (int i = 0; i < N; i++)
		if (!cancelled[i])
			key[live++] = (v[i].t.when / MS) << 32 | last_arm[i];
	qsort(key, live, sizeof(key[0]), cmp_u64);
	cr_assert_eq(eng_run(&e, SEC), live);
	cr_assert_eq(log.n, live);
	/* map arm order back to ids */
	static int id_of_arm[N + N / 4];
	for (int i = 0; i < N; i++)
		id_of_arm[last_arm[i]] = i;
	for (size_t k = 0; k < live; k++) {
		int want = id_of_arm[key[k] & 0xffffffffu];
		cr_expect_eq(log.id[k], want, "position %zu: id %d, want %d", k, log.id[k], want);
		cr_expect_eq(log.at[k], (key[k] >> 32) * MS);
		if (k)
			cr_expect_leq(log.at[k - 1], log.at[k]);
	}
	eng_destroy(&e);
}

/* Model-based: callbacks re-arm themselves, arm, re-arm and cancel others
 * (also for the current instant), cancel themselves, or re-arm and then
 * cancel themselves; a plain array replays the same operations and predicts
 * every firing as the pending timer with the least (when, arm order). */
enum { MN = 64 };

struct model {
	struct engine e;
	struct ev_timer t[MN];
	bool pending[MN];
	ks_time_t when[MN];
	uint64_t seq[MN], next_seq;
	struct rng r;
	uint64_t fired;
};

static void model_arm(struct model *m, int i, ks_time_t when)
{
	eng_schedule(&m->e, &m->t[i], when);
	m->pending[i] = true;
	m->when[i] = when < m->e.now ? m->e.now : when;
	m->seq[i] = m->next_seq++;
}

static void model_cancel(struct model *m, int i)
{
	eng_cancel(&m->e, &m->t[i]);
	m->pending[i] = false;
}

static int model_next(const struct model *m)
{
	int best = -1;
	for (int i = 0; i < MN; i++)
		if (m->pending[i] && (best < 0 || m->when[i] < m->when[best] ||
				      (m->when[i] == m->when[best] && m->seq[i] < m->seq[best])))
			best = i;
	return best;
}

static void model_fire(struct engine *e, struct ev_timer *t)
{
	struct model *m = container_of(e, struct model, e);
	int me = (int)(t - m->t);
	int want = model_next(m);
	cr_assert_eq(me, want, "event %llu: timer %d fired, the model expects %d",
		     (unsigned long long)m->fired, me, want);
	cr_assert_eq(e->now, m->when[me]);
	m->pending[me] = false;
	m->fired++;
	int ops = (int)(rng_u32(&m->r) % 4);
	for (int k = 0; k < ops; k++) {
		int i = (int)(rng_u32(&m->r) % MN);
		uint32_t what = rng_u32(&m->r) % 8;
		ks_time_t dt = (ks_time_t)(rng_u32(&m->r) % 4) * MS; /* many ties, some at now */
		if (what < 4)
			model_arm(m, i, e->now + dt);
		else if (what < 6)
			model_cancel(m, i);
		else if (what == 6)
			model_arm(m, me, e->now + dt);
		else
			model_cancel(m, me);
	}
	if (rng_u32(&m->r) % 2)
		model_arm(m, me, e->now + (ks_time_t)(rng_u32(&m->r) % 5) * MS);
	cr_assert_eq(ev_timer_pending(t), m->pending[me]);
}

Test(engine, callbacks_that_rearm_and_cancel_follow_a_model)
{
	static struct model m;
	memset(&m, 0, sizeof(m));
	rng_seed(&m.r, 77, 5);
	eng_init(&m.e);
	for (int i = 0; i < MN; i++)
		ev_timer_init(&m.t[i], model_fire);
	for (int i = 0; i < MN; i++)
		model_arm(&m, i, (ks_time_t)(rng_u32(&m.r) % 10) * MS);
	uint64_t ran = eng_run(&m.e, 2 * SEC);
	cr_expect_eq(ran, m.fired);
	cr_expect_eq(m.fired, 20490, "the model ran %llu events", (unsigned long long)m.fired); /* seeded delays, pinned */
	for (int i = 0; i < MN; i++)
		cr_expect_eq(ev_timer_pending(&m.t[i]), m.pending[i] && m.when[i] > 2 * SEC, "timer %d", i);
	eng_destroy(&m.e);
}

/* eng_fire_inline: a source of back-to-back events runs its next one inside
 * its own callback only when arming it would make it the next event anyway. */
struct chain {
	struct ev_timer t;
	struct log *log;
	ks_time_t step;
	int left;
	bool inline_ok;   /* use eng_fire_inline when it allows */
	uint64_t inlined;
};

static void chain_fire(struct engine *e, struct ev_timer *t)
{
	struct chain *c = container_of(t, struct chain, t);
	for (;;) {
		c->log->id[c->log->n] = 100;
		c->log->at[c->log->n++] = e->now;
		if (--c->left == 0)
			return;
		ks_time_t next = e->now + c->step;
		if (!c->inline_ok || !eng_fire_inline(e, next)) {
			eng_schedule(e, t, next);
			return;
		}
		c->inlined++;
	}
}

/* The same events in the same order, with the same count, whether the chain
 * re-arms its timer or runs inline; others due at the same instant go first. */
static void run_chain(bool inline_ok, struct log *log, uint64_t *ran, uint64_t *inlined,
		      uint64_t *seq)
{
	struct engine e;
	struct chain c = {.log = log, .step = 10 * MS, .left = 50, .inline_ok = inline_ok};
	struct tev others[5];
	eng_init(&e);
	ev_timer_init(&c.t, chain_fire);
	eng_schedule(&e, &c.t, 0);
	const ks_time_t at[5] = {35 * MS, 100 * MS, 100 * MS, 250 * MS, 250 * MS + 1};
	for (int i = 0; i < 5; i++) {
		tev_init(&others[i], i, log);
		eng_schedule(&e, &others[i].t, at[i]);
	}
	*ran = eng_run(&e, 400 * MS);
	*inlined = c.inlined;
	*seq = e.next_seq;
	eng_destroy(&e);
}

Test(engine, fire_inline_gives_the_order_of_rearming)
{
	static struct log a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	uint64_t ran_a, ran_b, inl_a, inl_b, seq_a, seq_b;
	run_chain(false, &a, &ran_a, &inl_a, &seq_a);
	run_chain(true, &b, &ran_b, &inl_b, &seq_b);
	cr_expect_eq(inl_a, 0);
	/* 41 chain events by 400 ms (0, 10, ..., 400) + 5 others. Each chain
	 * event tries its next one inline: refused for 40 (35 comes first), 100
	 * and 250 (others due at that instant go first), 260 (250 ms + 1 ns comes
	 * first) and 410 (beyond the horizon): 41 tries - 5 = 36 inline */
	cr_expect_eq(ran_a, 46);
	cr_expect_eq(ran_b, 46);
	cr_expect_eq(inl_b, 36);
	cr_expect_eq(seq_a, seq_b, "an inline event takes the seq a re-arm would");
	cr_assert_eq(a.n, b.n);
	for (size_t i = 0; i < a.n; i++) {
		cr_expect_eq(a.id[i], b.id[i], "event %zu", i);
		cr_expect_eq(a.at[i], b.at[i], "event %zu", i);
	}
	/* at 100 ms the two others (armed before) run before the chain */
	size_t k = 0;
	while (b.at[k] < 100 * MS)
		k++;
	cr_expect_eq(b.id[k], 1);
	cr_expect_eq(b.id[k + 1], 2);
	cr_expect_eq(b.id[k + 2], 100);
}

struct tries {
	struct ev_timer t;
	bool ok[3];
};

static void try_inline(struct engine *e, struct ev_timer *t)
{
	bool *ok = container_of(t, struct tries, t)->ok;
	ok[0] = eng_fire_inline(e, e->now + 5 * MS);  /* beyond the horizon */
	ok[1] = eng_fire_inline(e, e->now - 1);       /* in the past */
	eng_stop(e);
	ok[2] = eng_fire_inline(e, e->now + 1 * MS);  /* after eng_stop */
}

Test(engine, fire_inline_refused_beyond_horizon_past_stop_or_outside_run)
{
	struct tries x;
	struct engine e;
	eng_init(&e);
	ev_timer_init(&x.t, try_inline);
	x.ok[0] = x.ok[1] = x.ok[2] = true;
	cr_expect_not(eng_fire_inline(&e, 0), "outside eng_run");
	eng_schedule(&e, &x.t, 10 * MS);
	cr_expect_eq(eng_run(&e, 12 * MS), 1);
	cr_expect_not(x.ok[0]);
	cr_expect_not(x.ok[1]);
	cr_expect_not(x.ok[2]);
	cr_expect_eq(e.now, 10 * MS, "stopped at the last event");
	eng_destroy(&e);
}
