/*
 * link.c - a point-to-point wire with a one-way delay.
 *
 * Invariant: every slot is either on the free list or pending in the engine,
 * never both. Slots are allocated in chunks and never freed before
 * link_destroy(), so steady state allocates nothing.
 */
#include "link.h"

#include <stdio.h>
#include <stdlib.h>

struct link_pkt {
	struct ev_timer arrive;  /* fires when the last bit reaches the far end */
	struct link *link;
	struct segment seg;
	ks_time_t sent;
	struct link_pkt *next_free;
};

enum { CHUNK = 64 };

const char *drop_reason_name(enum drop_reason r)
{
	switch (r) {
	case DROP_NONE: return NULL;
	case DROP_UNPLUGGED: return "unplugged";
	case DROP_HOST_DOWN: return "host-down";
	case DROP_QDISC: return "local-qdisc";
	}
	return "unknown";
}

static void link_arrive(struct engine *eng, struct ev_timer *t)
{
	(void)eng;
	struct link_pkt *p = container_of(t, struct link_pkt, arrive);
	struct link *l = p->link;
	struct segment seg = p->seg;  /* copy: the slot is recycled first */
	ks_time_t sent = p->sent;
	p->next_free = l->free_list;
	l->free_list = p;
	l->arrive(l->ctx, &seg, sent);
}

static struct link_pkt *link_alloc(struct link *l)
{
	if (!l->free_list) {
		struct link_pkt *c = calloc(CHUNK, sizeof(*c));
		struct link_pkt **cs = realloc(l->chunks, (l->nchunks + 1) * sizeof(*cs));
		if (!c || !cs) {
			fputs("kasim: out of memory (link)\n", stderr);
			abort();
		}
		l->chunks = cs;
		l->chunks[l->nchunks++] = c;
		for (int i = 0; i < CHUNK; i++) {
			ev_timer_init(&c[i].arrive, link_arrive);
			c[i].link = l;
			c[i].next_free = l->free_list;
			l->free_list = &c[i];
		}
	}
	struct link_pkt *p = l->free_list;
	l->free_list = p->next_free;
	return p;
}

void link_init(struct link *l, struct engine *eng, const struct link_config *cfg,
	       link_arrive_fn arrive, void *ctx)
{
	*l = (struct link){.eng = eng, .arrive = arrive, .ctx = ctx};
	l->delay[HOST_A] = l->delay[HOST_B] = cfg->delay;
}

void link_destroy(struct link *l)
{
	for (size_t i = 0; i < l->nchunks; i++) {
		for (int j = 0; j < CHUNK; j++)
			eng_cancel(l->eng, &l->chunks[i][j].arrive);
		free(l->chunks[i]);
	}
	free(l->chunks);
	*l = (struct link){0};
}

void link_send(struct link *l, const struct segment *seg)
{
	struct link_pkt *p = link_alloc(l);
	p->seg = *seg;
	p->sent = l->eng->now;
	eng_schedule_in(l->eng, &p->arrive, l->delay[seg->src]);
}
