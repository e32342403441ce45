/*
 * lwip_kasim.c - the lwIP harness's case run in kasim, and the comparison.
 *
 * The case becomes a scenario (os = lwip, timer = lwip, the same slow-timer
 * phase and link delay, B's script as events), kasim --json runs it, and
 * A's segments and A's error are compared with what lwIP did.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <lwip/err.h>

#include "lwip_check.h"

extern char **environ;

static const char *ev_text(const struct lw_event *e, char *buf, size_t n)
{
	switch (e->what) {
	case LW_UNPLUG: return "unplug B";
	case LW_REPLUG: return "replug B";
	case LW_REBOOT: return "reboot B";
	case LW_SEND_A: snprintf(buf, n, "send A %" PRIu32, e->n); return buf;
	case LW_SEND_B: snprintf(buf, n, "send B %" PRIu32, e->n); return buf;
	}
	return "?";
}

static int write_scenario(const char *path, const struct lw_case *c)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "[scenario]\nname = lwip-%s\nduration = %" PRIu64 "ns\ntimer = lwip\n"
		   "jiffies_phase = %" PRIu64 "ns\n\n[A]\nos = lwip\n",
		c->name, c->duration_ns, c->phase_ns);
	if (c->keepalive)
		fprintf(f, "so_keepalive = on\ntcp_keepidle = %u\ntcp_keepintvl = %u\n"
			   "tcp_keepcnt = %u\n",
			c->keepidle_ms / 1000, c->keepintvl_ms / 1000, c->keepcnt);
	fprintf(f, "\n[link]\ndelay = %" PRIu64 "ns\n\n[events]\n", c->delay_ns);
	for (int i = 0; i < c->nev; i++) {
		char buf[64];
		fprintf(f, "%" PRIu64 "ns = %s\n", c->ev[i].t, ev_text(&c->ev[i], buf, sizeof(buf)));
	}
	return fclose(f);
}

/* kasim --json FILE; returns its output parsed, or NULL. */
static json_t *run_kasim(const char *kasim, const char *ini)
{
	int fd[2];
	if (pipe(fd) < 0)
		return NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	char *argv[] = {(char *)kasim, "--json", (char *)ini, NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, kasim, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (rc != 0) {
		close(fd[0]);
		fprintf(stderr, "lwip-check: cannot run %s: %s\n", kasim, strerror(rc));
		return NULL;
	}
	FILE *f = fdopen(fd[0], "r");
	json_error_t je;
	json_t *j = f ? json_loadf(f, 0, &je) : NULL;
	if (f)
		fclose(f);
	int st;
	waitpid(pid, &st, 0);
	if (!j || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "lwip-check: %s --json %s failed\n", kasim, ini);
		json_decref(j);
		return NULL;
	}
	return j;
}

static void flags_str(uint8_t fl, char buf[8])
{
	char *p = buf; /* kasim's order (tcp_flags_str) */
	if (fl & LW_SYN) *p++ = 'S';
	if (fl & LW_FIN) *p++ = 'F';
	if (fl & LW_RST) *p++ = 'R';
	if (fl & LW_PSH) *p++ = 'P';
	if (fl & LW_ACK) *p++ = '.';
	if (p == buf) *p++ = 'n';
	*p = '\0';
}

/* lwIP's errors as its socket layer reports them (err_to_errno()). */
static const char *lwip_errno(int err)
{
	switch (err) {
	case 0: return "none";
	case ERR_ABRT: return "ECONNABORTED";
	case ERR_RST: return "ECONNRESET";
	case ERR_CLSD: return "ENOTCONN";
	case ERR_TIMEOUT: return "ETIMEDOUT";
	default: return "other";
	}
}

/* One side's segment as compared: relative seq/ack, time in ns. */
struct row {
	uint64_t t;
	char flags[8];
	uint32_t seq, ack, len;
};

static int kasim_rows(json_t *j, struct row *rows, int cap)
{
	json_t *pk = json_object_get(j, "packets"), *p;
	size_t i;
	int n = 0;
	uint32_t a_isn = 0, b_isn = 0;
	json_array_foreach(pk, i, p) {
		const char *src = json_string_value(json_object_get(p, "src"));
		const char *fl = json_string_value(json_object_get(p, "flags"));
		uint32_t seq = (uint32_t)json_integer_value(json_object_get(p, "seq"));
		if (src && fl && !strcmp(src, "B") && fl[0] == 'S')
			b_isn = seq;
		if (!src || strcmp(src, "A") || n == cap)
			continue;
		if (fl && fl[0] == 'S' && n == 0)
			a_isn = seq;
		struct row *r = &rows[n++];
		r->t = (uint64_t)llround(json_number_value(json_object_get(p, "time")) * 1e9);
		snprintf(r->flags, sizeof(r->flags), "%s", fl ? fl : "?");
		r->seq = seq - a_isn;
		r->ack = (uint32_t)json_integer_value(json_object_get(p, "ack"));
		r->len = (uint32_t)json_integer_value(json_object_get(p, "len"));
	}
	for (int k = 0; k < n; k++)
		if (strchr(rows[k].flags, '.'))
			rows[k].ack -= b_isn;
	return n;
}

static int lwip_rows(const struct wire *w, struct row *rows)
{
	uint32_t a_isn = w->nsegs ? w->segs[0].seq : 0;
	for (int k = 0; k < w->nsegs; k++) {
		const struct lw_seg *s = &w->segs[k];
		rows[k] = (struct row){.t = s->t, .seq = s->seq - a_isn, .len = s->len,
				       .ack = (s->flags & LW_ACK) ? s->ack - w->b.iss : s->ack};
		flags_str(s->flags, rows[k].flags);
	}
	return w->nsegs;
}

static bool row_eq(const struct row *a, const struct row *b)
{
	/* kasim prints times in seconds with nanosecond digits: 1 us covers the
	 * double's rounding, and no timer of either model is that fine. */
	uint64_t d = a->t > b->t ? a->t - b->t : b->t - a->t;
	return d <= 1000 && !strcmp(a->flags, b->flags) && a->seq == b->seq &&
	       a->ack == b->ack && a->len == b->len;
}

static void print_row(const char *who, const struct row *r)
{
	if (!r) {
		printf("    %-6s (none)\n", who);
		return;
	}
	printf("    %-6s %12.6f [%s] seq %u ack %u len %u\n", who, (double)r->t / 1e9, r->flags,
	       r->seq, r->ack, r->len);
}

static int compare(const struct lw_case *c, const struct wire *w, json_t *j)
{
	static const int cap = LW_MAX_SEGS;
	struct row *kr = calloc(cap, sizeof(*kr)), *lr = calloc(cap, sizeof(*lr));
	if (!kr || !lr)
		return 2;
	int nk = kasim_rows(j, kr, cap), nl = lwip_rows(w, lr), bad = 0;
	for (int i = 0; i < (nk > nl ? nk : nl); i++) {
		const struct row *a = i < nl ? &lr[i] : NULL, *b = i < nk ? &kr[i] : NULL;
		if (a && b && row_eq(a, b))
			continue;
		if (!bad++)
			printf("lwip-check: %s: segments differ (%s)\n", c->name, c->what);
		printf("  segment %d:\n", i + 1);
		print_row("lwIP", a);
		print_row("kasim", b);
	}
	json_t *ep = json_object_get(json_object_get(j, "endpoints"), "A");
	const char *kerr = json_string_value(json_object_get(ep, "error"));
	double kt = json_number_value(json_object_get(ep, "error_time"));
	const char *lerr = lwip_errno(w->err);
	bool err_ok = !strcmp(kerr ? kerr : "none", lerr) &&
		      (!w->err || llabs(llround(kt * 1e9) - (long long)w->err_time) <= 1000);
	if (!err_ok) {
		bad++;
		printf("lwip-check: %s: A's error: lwIP %s at %.6f s, kasim %s at %.6f s\n", c->name,
		       lerr, (double)w->err_time / 1e9, kerr ? kerr : "none", kt);
	}
	if (!bad)
		printf("lwip-check: %s: %d segments identical, A's error %s%s (%s)\n", c->name, nl,
		       lerr, w->err ? " at the same time" : "", c->what);
	free(kr);
	free(lr);
	return bad ? 1 : 0;
}

int kasim_compare(const char *kasim, const struct lw_case *c, const struct wire *w)
{
	char dir[] = "/tmp/kasim-lwip-XXXXXX";
	if (!mkdtemp(dir))
		return 2;
	char ini[sizeof(dir) + 32];
	snprintf(ini, sizeof(ini), "%s/%s.ini", dir, c->name);
	int rc = 2;
	if (write_scenario(ini, c) == 0) {
		json_t *j = run_kasim(kasim, ini);
		if (j) {
			rc = compare(c, w, j);
			json_decref(j);
		}
	}
	unlink(ini);
	rmdir(dir);
	return rc;
}
