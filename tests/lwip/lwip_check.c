/*
 * lwip_check.c - kasim's lwIP profile against lwIP itself (make lwip-check).
 *
 * For every case: run lwIP's TCP (Debian's liblwip 2.1.3) as endpoint A on
 * virtual time against the scripted peer B (lwip_wire.c, lwip_peer.c), then
 * run the same scenario in kasim with os = lwip, timer = lwip and the same
 * slow-timer phase, and compare every segment A sent (time, flags, relative
 * seq and ack, length) and the error A's application saw, exactly: both are
 * deterministic, so any difference is a difference of the models.
 *
 *   lwip_check KASIM     exit 0 when every case matches, 1 otherwise
 *
 * Each case runs in a child process of its own, because lwIP keeps its state
 * (tcp_ticks, the pcb lists) in globals that lwip_init() does not reset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lwip_check.h"

#define MS 1000000ull
#define S 1000000000ull

static const struct lw_case cases[] = {
	{"unplug", "B unplugged; A probes 3 times (2/1/3) and aborts",
	 true, 2000, 1000, 3, 10 * MS, 100 * MS, 20 * S, 1, {{500 * MS, LW_UNPLUG, 0}}},
	{"live-peer", "B alive: every probe answered, the idle clock restarts",
	 true, 2000, 1000, 3, 10 * MS, 100 * MS, 12 * S, 0, {{0, LW_UNPLUG, 0}}},
	{"reboot", "B reboots: its RST answers probe #1",
	 true, 2000, 1000, 3, 10 * MS, 370 * MS, 10 * S, 1, {{500 * MS, LW_REBOOT, 0}}},
	{"replug", "B unplugged, back before the last probe: probe #3 answered",
	 true, 2000, 1000, 5, 10 * MS, 100 * MS, 12 * S, 2,
	 {{500 * MS, LW_UNPLUG, 0}, {3700 * MS, LW_REPLUG, 0}}},
	{"default-phase", "7200/75/9 defaults, B unplugged, phase 0.42 s",
	 true, 7200000, 75000, 9, 1 * MS, 420 * MS, 8000 * S, 1, {{10 * S, LW_UNPLUG, 0}}},
	{"peer-data", "B sends 100 bytes while A probes, then vanishes",
	 true, 2000, 1000, 3, 10 * MS, 100 * MS, 20 * S, 4,
	 {{500 * MS, LW_UNPLUG, 0}, {3700 * MS, LW_REPLUG, 0}, {3800 * MS, LW_SEND_B, 100},
	  {4500 * MS, LW_UNPLUG, 0}}},
	{"syn-lost", "B unplugged before the SYN: SYN retransmissions",
	 false, 0, 0, 0, 10 * MS, 100 * MS, 60 * S, 1, {{0, LW_UNPLUG, 0}}},
	{"data-lost", "B unplugged, A writes 100 bytes: 12 backed-off retransmissions, ERR_ABRT",
	 false, 0, 0, 0, 10 * MS, 100 * MS, 3000 * S, 2,
	 {{500 * MS, LW_UNPLUG, 0}, {1 * S, LW_SEND_A, 100}}},
	{"rtt-sample", "one RTT sample (timed from the SYN), then B unplugged: the RTO it gives",
	 false, 0, 0, 0, 300 * MS, 100 * MS, 60 * S, 3,
	 {{1 * S, LW_SEND_A, 100}, {2 * S, LW_UNPLUG, 0}, {3 * S, LW_SEND_A, 100}}},
	{"delayed-ack", "B sends one segment, then two at once: the fast timer's ACK, then an immediate one",
	 false, 0, 0, 0, 10 * MS, 100 * MS, 5 * S, 3,
	 {{1 * S, LW_SEND_B, 100}, {2 * S, LW_SEND_B, 100}, {2 * S + 1, LW_SEND_B, 100}}},
	{"probe-busy", "keepalive probes go out beside unacknowledged data",
	 true, 2000, 1000, 3, 10 * MS, 100 * MS, 30 * S, 2,
	 {{500 * MS, LW_UNPLUG, 0}, {1 * S, LW_SEND_A, 100}}},
};

enum { NEXT_TMR, NEXT_FLIGHT, NEXT_EVENT, NEXT_END };

/* The earliest thing to happen next (ties: timer, arrival, event; the cases
 * avoid ties, so this order is only a rule, not a claim). */
static int next_thing(const struct wire *w, uint64_t tmr, int ev, int *fi, uint64_t *t)
{
	int what = NEXT_TMR;
	*t = tmr;
	*fi = -1;
	for (int i = 0; i < w->nflight; i++)
		if (w->flight[i].t < *t) {
			*t = w->flight[i].t;
			*fi = i;
			what = NEXT_FLIGHT;
		}
	if (ev < w->c->nev && w->c->ev[ev].t < *t) {
		*t = w->c->ev[ev].t;
		what = NEXT_EVENT;
	}
	if (*t > w->c->duration_ns)
		what = NEXT_END;
	return what;
}

static void deliver(struct wire *w, int i)
{
	struct lw_seg s = w->flight[i];
	memmove(&w->flight[i], &w->flight[i + 1], (size_t)(w->nflight - i - 1) * sizeof(s));
	w->nflight--;
	if (s.from_a)
		peer_arrive(w, &s);
	else
		wire_to_a(w, &s);
}

/* lwIP's side of one case, on virtual time. */
static void run_lwip(struct wire *w, const struct lw_case *c)
{
	memset(w, 0, sizeof(*w));
	w->c = c;
	w->b.plugged = true;
	/* The slow tick before t = 0 is at -phase (kasim's jiffies_phase), and
	 * tcp_tmr() runs every 250 ms from there, tcp_slowtmr() on every other
	 * call starting with the first; the calls before t = 0 run first. */
	uint64_t tmr = wire_tmr_ns();
	int64_t at = -(int64_t)c->phase_ns;
	for (; at < 0; at += (int64_t)tmr)
		wire_tick(w);
	uint64_t next_tmr = (uint64_t)at;
	wire_start(w, c);
	int ev = 0;
	for (;;) {
		int fi;
		uint64_t t;
		int what = next_thing(w, next_tmr, ev, &fi, &t);
		if (what == NEXT_END)
			break;
		w->now = t;
		if (what == NEXT_TMR) {
			wire_tick(w);
			next_tmr += tmr;
		} else if (what == NEXT_FLIGHT) {
			deliver(w, fi);
		} else {
			peer_event(w, &c->ev[ev++]);
		}
	}
}

static int run_case(const char *kasim, const struct lw_case *c)
{
	struct wire *w = calloc(1, sizeof(*w));
	if (!w)
		return 2;
	run_lwip(w, c);
	int rc = kasim_compare(kasim, c, w);
	free(w);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: lwip_check KASIM\n");
		return 2;
	}
	int bad = 0;
	size_t n = sizeof(cases) / sizeof(cases[0]);
	for (size_t i = 0; i < n; i++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			perror("lwip-check: fork");
			return 2;
		}
		if (pid == 0) {
			int rc = run_case(argv[1], &cases[i]);
			fflush(stdout);
			_exit(rc);
		}
		int st;
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			printf("lwip-check: %s: FAILED\n", cases[i].name);
			bad++;
		}
	}
	printf("lwip-check: %zu cases, %d failed\n", n, bad);
	return bad ? 1 : 0;
}
