/*
 * bench.c - the core benchmark: run a scenario with every output off and
 * report events per second and peak memory. Peak memory is measured for the
 * full duration and for a tenth of it, to show that it does not grow with
 * the simulated time.
 *
 *   build/bench SCENARIO.ini [REPEAT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scenario.h"
#include "sim.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Run sc once with duration d; returns events; *secs gets the wall time. */
static uint64_t run_once(struct scenario *sc, ks_time_t d, double *secs)
{
	sc->duration = d;
	struct sim *s = malloc(sizeof(*s));
	if (!s)
		exit(1);
	sim_init(s, sc);
	double t0 = now_s();
	sim_run(s);
	*secs = now_s() - t0;
	uint64_t n = s->eng.fired;
	sim_destroy(s);
	free(s);
	return n;
}

/* Peak RSS (KiB) of a child that runs the scenario for duration d. */
static long peak_rss_child(struct scenario *sc, ks_time_t d)
{
	pid_t pid = fork();
	if (pid == 0) {
		double secs;
		run_once(sc, d, &secs);
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		_exit(0);
	}
	int st;
	struct rusage ru;
	if (pid < 0 || wait4(pid, &st, 0, &ru) < 0)
		return -1;
	return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench SCENARIO.ini [REPEAT]\n");
		return 2;
	}
	int repeat = argc > 2 ? atoi(argv[2]) : 3;
	struct diag d = {0};
	struct scenario *sc = scenario_load(argv[1], NULL, 0, &d);
	if (!sc) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "bench: %s\n", d.msg[i]);
		return 2;
	}
	ks_time_t full = sc->duration;
	double best = 1e30;
	uint64_t events = 0;
	for (int i = 0; i < repeat; i++) {
		double secs;
		events = run_once(sc, full, &secs);
		if (secs < best)
			best = secs;
	}
	long rss_full = peak_rss_child(sc, full);
	long rss_tenth = peak_rss_child(sc, full / 10);
	char dur[32];
	format_seconds(dur, sizeof dur, full);
	printf("scenario        %s (%s s simulated)\n", argv[1], dur);
	printf("events          %llu\n", (unsigned long long)events);
	printf("wall time       %.3f s (best of %d)\n", best, repeat);
	printf("events/s        %.1f million (one core)\n", (double)events / best / 1e6);
	printf("peak RSS        %ld KiB for the full run, %ld KiB for a tenth of it\n", rss_full, rss_tenth);
	scenario_free(sc);
	diag_free(&d);
	return 0;
}
