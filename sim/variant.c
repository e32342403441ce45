/*
 * variant.c - "kasim variant": a fresh numeric variant of a course
 * assignment per student, from a seed, with its own answer key
 * (docs/teaching.md).
 *
 * The numbers are drawn from the seed; the key's values are computed here
 * from the kernel's formulas (each generator's comment names the kernel
 * logic), never by running the simulation. kasim check verifies a key like
 * any other (the tests do, for many seeds).
 */
#include "check_cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "duration.h"
#include "number.h"
#include "outdir.h"
#include "rng.h"
#include "sweep_cli.h"
#include "termesc.h"
#include "textfile.h"

static const char variant_usage[] =
	"Usage: kasim variant ASSIGNMENT --seed N -o DIR\n"
	"Write a fresh numeric variant of a course assignment (a directory of\n"
	"scenarios/course/) for one student: DIR/student/ holds the handout and the\n"
	"scenario, DIR/key/key.ini the answer key (the scenario and its [expect],\n"
	"computed from the kernel's formulas). The same seed gives the same variant.\n"
	"\n"
	"Options:\n"
	"  --seed N                the variant (e.g. the student's number)\n"
	"  -o, --out DIR           output directory\n"
	"  -h, --help              show this help and exit\n"
	"\n"
	"Assignments with variants: 01-dead-peer, 04-user-timeout, 10-rto-estimation.\n"
	"\n"
	"Example:\n"
	"  kasim variant scenarios/course/01-dead-peer --seed 1234 -o out/alice\n"
	"  kasim check out/alice/key/key.ini\n";

/* A number in lo..hi (inclusive) from the seed's stream. */
static uint64_t draw(uint64_t *st, uint64_t lo, uint64_t hi)
{
	return lo + splitmix64(st) % (hi - lo + 1);
}

/* What a generator writes: the scenario (both files) and the key's [expect]. */
struct variant {
	FILE *sc, *exp;
	uint64_t seed;
};

static void secs_of(char *buf, size_t n, ks_time_t t)
{
	format_seconds(buf, n, t);
}

/* The keepalive scenario both keepalive generators write: A probes, B is
 * unplugged at `unplug` s; ut_ms 0 = no TCP_USER_TIMEOUT. */
static void ka_scenario(struct variant *v, const char *what, ks_time_t abort, const uint64_t ka[3], uint64_t ut_ms,
			uint64_t d_ms, uint64_t unplug)
{
	fprintf(v->sc, "[scenario]\ndescription = %s variant %llu\ntimer = exact\nduration = %llus\n\n[A]\n"
		"so_keepalive = on\ntcp_keepidle = %llu\ntcp_keepintvl = %llu\ntcp_keepcnt = %llu\n", what,
		(unsigned long long)v->seed, (unsigned long long)(abort / KS_SEC + 600), (unsigned long long)ka[0],
		(unsigned long long)ka[1], (unsigned long long)ka[2]);
	if (ut_ms)
		fprintf(v->sc, "tcp_user_timeout = %llums\n", (unsigned long long)ut_ms);
	fprintf(v->sc, "\n[link]\ndelay = %llums\n\n[events]\n%llus = unplug B\n", (unsigned long long)d_ms,
		(unsigned long long)unplug);
}

/* Times t0 + k * step, k = 0..n-1, as "7200s, 7275s, ...". */
static void time_list(FILE *f, ks_time_t t0, ks_time_t step, uint64_t n)
{
	char b[32];
	for (uint64_t k = 0; k < n; k++) {
		secs_of(b, sizeof b, t0 + (ks_time_t)k * step);
		fprintf(f, "%s%ss", k ? ", " : "", b);
	}
}

/*
 * Dead-peer detection (tcp_keepalive_timer()): A last hears from B at the
 * SYN-ACK, one round trip 2 d after its SYN (lrcvtime = rcv_tstamp = 2 d).
 * The timer armed at ESTABLISHED fires keepidle later with elapsed =
 * keepidle >= keepalive_time_when(): probe #1, then every keepintvl
 * (keepalive_intvl_when()); at the firing after probe #keepcnt,
 * probes_out >= keepalive_probes(): RST and tcp_write_err() -> ETIMEDOUT at
 * 2 d + keepidle + keepcnt x keepintvl. B (SO_KEEPALIVE off) stays ESTABLISHED.
 */
static void gen_dead_peer(struct variant *v, uint64_t *st)
{
	uint64_t d_ms = draw(st, 1, 150), idle = 10 * draw(st, 3, 60), intvl = draw(st, 5, 90),
		 cnt = draw(st, 2, 12), unplug = draw(st, 1, idle - 1);
	ks_time_t rtt = (ks_time_t)(2 * d_ms) * KS_MS;
	ks_time_t first = rtt + (ks_time_t)idle * KS_SEC, step = (ks_time_t)intvl * KS_SEC;
	ks_time_t abort = first + (ks_time_t)cnt * step;
	char b[32], r[32];
	ka_scenario(v, "B's cable is pulled; when does A notice? dead-peer", abort, (const uint64_t[3]){idle, intvl, cnt},
		    0, d_ms, unplug);
	secs_of(r, sizeof r, rtt);
	secs_of(b, sizeof b, abort);
	fprintf(v->exp, "; A last heard from B at the SYN-ACK: 2 x %llu ms = %s s (lrcvtime).\n"
		"; tcp_keepalive_timer(): probe #1 at %s + keepidle %llu, then one every keepintvl %llu s;\n"
		"; the firing after probe #%llu finds probes_out %llu >= keepcnt: RST, ETIMEDOUT at\n"
		"; %s + %llu + %llu x %llu = %s s.\n",
		(unsigned long long)d_ms, r, r, (unsigned long long)idle, (unsigned long long)intvl,
		(unsigned long long)cnt, (unsigned long long)cnt, r, (unsigned long long)idle,
		(unsigned long long)cnt, (unsigned long long)intvl, b);
	fprintf(v->exp, "A.error = ETIMEDOUT\nA.error_time = %ss\nA.probes_sent = %llu\nA.probe_times = ", b,
		(unsigned long long)cnt);
	time_list(v->exp, first, step, cnt);
	fputs("\nB.state = ESTABLISHED\nB.error = none\n", v->exp);
}

/*
 * TCP_USER_TIMEOUT with keepalive (tcp_keepalive_timer()): with
 * icsk_user_timeout set, keepalive_probes() no longer decides; a firing
 * aborts when elapsed >= user_timeout and probes_out > 0. Firings come at
 * elapsed = keepidle + j x keepintvl (probe #j+1 unless it aborts), so the
 * abort is at the first j >= 1 with keepidle + j x keepintvl >= user_timeout,
 * after j probes, elapsed counted from the SYN-ACK at 2 d.
 */
static void gen_user_timeout(struct variant *v, uint64_t *st)
{
	uint64_t d_ms = draw(st, 1, 100), idle = draw(st, 10, 120), intvl = draw(st, 2, 30), cnt = draw(st, 2, 9);
	/* a user timeout past the first probe, up to 15 intervals after it, in ms */
	uint64_t ut_ms = idle * 1000 + draw(st, 1, 15 * intvl * 1000 - 1);
	uint64_t j = (ut_ms - idle * 1000 + intvl * 1000 - 1) / (intvl * 1000); /* ceil */
	if (j < 1)
		j = 1;
	ks_time_t rtt = (ks_time_t)(2 * d_ms) * KS_MS;
	ks_time_t first = rtt + (ks_time_t)idle * KS_SEC, step = (ks_time_t)intvl * KS_SEC;
	ks_time_t abort = first + (ks_time_t)j * step;
	char b[32], r[32], u[32];
	ka_scenario(v, "TCP_USER_TIMEOUT against tcp_keepcnt: user-timeout", abort,
		    (const uint64_t[3]){idle, intvl, cnt}, ut_ms, d_ms, 1);
	secs_of(r, sizeof r, rtt);
	secs_of(b, sizeof b, abort);
	secs_of(u, sizeof u, (ks_time_t)ut_ms * KS_MS);
	fprintf(v->exp, "; Idle clock from the SYN-ACK at %s s. With TCP_USER_TIMEOUT set, tcp_keepalive_timer()\n"
		"; ignores keepcnt %llu: it aborts at the first firing with probes_out > 0 and\n"
		"; elapsed = %llu + j x %llu >= %s s: j = %llu, so %llu probe%s and ETIMEDOUT at %s s.\n",
		r, (unsigned long long)cnt, (unsigned long long)idle, (unsigned long long)intvl, u,
		(unsigned long long)j, (unsigned long long)j, j == 1 ? "" : "s", b);
	fprintf(v->exp, "A.error = ETIMEDOUT\nA.end = keepalive-user-timeout\nA.error_time = %ss\n"
		"A.probes_sent = %llu\nA.probe_times = ", b, (unsigned long long)j);
	time_list(v->exp, first, step, j);
	fputc('\n', v->exp);
}

/*
 * RTO from the handshake's RTT sample (tcp_rtt_estimator(), first sample):
 * m = 2 d, srtt = m, mdev = m / 2, rttvar = max(4 mdev, tcp_rto_min 200 ms);
 * __tcp_set_rto(): RTO = srtt + rttvar. A write at S to a vanished B is
 * retransmitted by tcp_retransmit_timer() at S + RTO, then the RTO doubles
 * each time (icsk_backoff, capped at TCP_RTO_MAX 120 s, never reached here):
 * retransmission k at S + (2^k - 1) RTO. The run stops halfway to the next.
 */
static void gen_rto(struct variant *v, uint64_t *st)
{
	uint64_t d_ms = draw(st, 5, 150), send = draw(st, 10, 60), n = draw(st, 3, 6);
	uint64_t m = 2 * d_ms, var = 2 * m > 200 ? 2 * m : 200, rto_ms = m + var;
	ks_time_t rto = (ks_time_t)rto_ms * KS_MS, s0 = (ks_time_t)send * KS_SEC;
	/* the run ends halfway between retransmission n and n + 1 */
	ks_time_t end = s0 + ((1LL << n) - 1) * rto + (1LL << n) * rto / 2;
	char b[32], e[32];
	format_duration_unit(e, sizeof e, end);
	fprintf(v->sc, "[scenario]\ndescription = rto variant %llu: the RTO from the handshake's RTT sample\n"
		"timer = exact\nduration = %s\n\n[A]\nso_keepalive = off\n\n[link]\ndelay = %llums\n\n"
		"[events]\n%llus = unplug B\n%llus = send A 100\n",
		(unsigned long long)v->seed, e, (unsigned long long)d_ms, (unsigned long long)send - 1,
		(unsigned long long)send);
	secs_of(b, sizeof b, rto);
	fprintf(v->exp, "; RTT sample m = 2 x %llu ms = %llu ms (SYN -> SYN-ACK); srtt = %llu ms,\n"
		"; rttvar = max(2 m, 200 ms) = %llu ms; RTO = %llu ms. Retransmission k at %llu s + (2^k - 1) RTO,\n"
		"; %llu of them before the run ends; no error yet.\n",
		(unsigned long long)d_ms, (unsigned long long)m, (unsigned long long)m, (unsigned long long)var,
		(unsigned long long)rto_ms, (unsigned long long)send, (unsigned long long)n);
	fprintf(v->exp, "A.retransmissions = %llu\nA.retrans_times = ", (unsigned long long)n);
	for (uint64_t k = 1; k <= n; k++) {
		secs_of(b, sizeof b, s0 + (ks_time_t)((1LL << k) - 1) * rto);
		fprintf(v->exp, "%s%ss", k > 1 ? ", " : "", b);
	}
	fputs("\nA.state = ESTABLISHED\nA.error = none\n", v->exp);
}

static const struct {
	const char *kind;
	void (*gen)(struct variant *v, uint64_t *st);
} generators[] = {
	{"dead-peer", gen_dead_peer},
	{"user-timeout", gen_user_timeout},
	{"rto-estimation", gen_rto},
};

/* The assignment's kind: its directory's name without the "NN-" prefix. */
static int find_generator(const char *dir)
{
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	const char *b = dir + len;
	while (b > dir && b[-1] != '/')
		b--;
	while (b < dir + len && (*b >= '0' && *b <= '9'))
		b++;
	if (b < dir + len && *b == '-')
		b++;
	for (size_t i = 0; i < sizeof generators / sizeof generators[0]; i++)
		if (strlen(generators[i].kind) == (size_t)(dir + len - b) && !strncmp(b, generators[i].kind, (size_t)(dir + len - b)))
			return (int)i;
	return -1;
}

static int usage_error(FILE *err, const char *msg, const char *arg)
{
	return subcommand_usage_error(err, "variant", msg, arg);
}

/* The three files, through the one output writer. */
static int write_variant(const char *outdir, const char *handout, const char *sc, const char *exp, FILE *err)
{
	char msg[600];
	struct outdir *od = outdir_open(outdir, msg, sizeof msg);
	if (!od) {
		fprintf(err, "kasim: %s\n", msg);
		return KASIM_EXIT_FAIL;
	}
	size_t klen = strlen(sc) + strlen(exp) + 64;
	char *key = malloc(klen);
	int rc = KASIM_EXIT_OK;
	if (key)
		snprintf(key, klen, "%s\n[expect]\n%s", sc, exp);
	if (!key || outdir_write(od, "student/handout.md", handout, strlen(handout)) ||
	    outdir_write(od, "student/scenario.ini", sc, strlen(sc)) ||
	    outdir_write(od, "key/key.ini", key, strlen(key)) || outdir_commit(od)) {
		fprintf(err, "kasim: %s\n", key ? outdir_error(od) : "out of memory");
		rc = KASIM_EXIT_FAIL;
	}
	free(key);
	outdir_free(od);
	return rc;
}

static int make_variant(const char *dir, int g, uint64_t seed, const char *outdir, FILE *err)
{
	char path[4096];
	struct diag d = {0};
	snprintf(path, sizeof path, "%s/handout.md", dir);
	char *handout = textfile_read(path, NULL, &d);
	if (!handout) {
		diag_print(&d, path, err);
		diag_free(&d);
		return KASIM_EXIT_USAGE;
	}
	char *sc = NULL, *exp = NULL;
	size_t sl = 0, el = 0;
	struct variant v = {.sc = open_memstream(&sc, &sl), .exp = open_memstream(&exp, &el), .seed = seed};
	uint64_t st = seed ^ 0x6b6173696d766172ULL; /* "kasimvar": the seed's own stream */
	int rc = KASIM_EXIT_FAIL;
	if (v.sc && v.exp) {
		fprintf(v.sc, "; %s, variant %llu (kasim variant --seed %llu). Run: kasim scenario.ini\n", generators[g].kind,
			(unsigned long long)seed, (unsigned long long)seed);
		generators[g].gen(&v, &st);
	}
	if (v.sc)
		fclose(v.sc);
	if (v.exp)
		fclose(v.exp);
	if (sc && exp)
		rc = write_variant(outdir, handout, sc, exp, err);
	else
		fputs("kasim: out of memory\n", err);
	free(sc);
	free(exp);
	free(handout);
	diag_free(&d);
	return rc;
}

int variant_main(int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option longopts[] = {
		{"seed", required_argument, NULL, 's'},
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *outdir = NULL, *seedarg = NULL;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 's': seedarg = optarg; break;
		case 'o': outdir = optarg; break;
		case 'h': fputs(variant_usage, out); return KASIM_EXIT_OK;
		case ':': return usage_error(err, "option needs a value", argv[optind - 1]);
		default: return usage_error(err, "unknown option", argv[optind - 1]);
		}
	}
	uint64_t seed;
	if (optind != argc - 1)
		return usage_error(err, optind == argc ? "no assignment given" : "more than one assignment", NULL);
	if (!seedarg || parse_u64(seedarg, false, &seed) != NUM_OK)
		return usage_error(err, "--seed N is required (a whole number, e.g. the student's number)", seedarg);
	if (!outdir || !outdir[0])
		return usage_error(err, "-o DIR is required", NULL);
	int g = find_generator(argv[optind]);
	if (g < 0)
		return usage_error(err, "this assignment has no variants (these do: 01-dead-peer, 04-user-timeout, "
					"10-rto-estimation)", argv[optind]);
	return make_variant(argv[optind], g, seed, outdir, err);
}
