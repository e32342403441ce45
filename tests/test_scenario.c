/*
 * test_scenario.c - scenario files: defaults, every key at its limits, exact
 * messages with their line numbers, events, --set, durations.
 *
 * Parameterized-test structs hold char arrays, never char pointers (Criterion
 * runs tests in PIE child processes where such pointers may be invalid).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"

#define SEC KS_SEC
#define NSETS(a) (sizeof(a) / sizeof((a)[0]))

static struct scenario *sc_parse(const char *text, struct diag *d)
{
	return scenario_parse_string("t.ini", text, NULL, 0, d);
}

/* Every message of d, one a line, for failure output. */
static char *sc_dump(const struct diag *d)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < d->n; i++)
		len += strlen(d->msg[i]) + 1;
	out = calloc(1, len);
	for (size_t i = 0; i < d->n; i++) {
		strcat(out, d->msg[i]);
		strcat(out, "\n");
	}
	return out;
}

/* The text must fail with exactly these messages, in this order. */
static void sc_expect_errors(const char *text, const char *const *sets, size_t nsets,
			     const char *const *want, size_t nwant)
{
	struct diag d = { 0 };
	struct scenario *s = scenario_parse_string("t.ini", text, sets, nsets, &d);
	char *all = sc_dump(&d);

	cr_expect_null(s, "accepted:\n%s", text);
	cr_expect_eq(d.n, nwant, "got %zu messages, want %zu:\n%s", d.n, nwant, all);
	for (size_t i = 0; i < d.n && i < nwant; i++)
		cr_expect_str_eq(d.msg[i], want[i]);
	free(all);
	scenario_free(s);
	diag_free(&d);
}

static void sc_expect_error(const char *text, const char *want)
{
	sc_expect_errors(text, NULL, 0, &want, 1);
}

static struct scenario *sc_ok(const char *text, const char *const *sets, size_t nsets)
{
	struct diag d = { 0 };
	struct scenario *s = scenario_parse_string("t.ini", text, sets, nsets, &d);
	char *all = sc_dump(&d);

	cr_assert_not_null(s, "rejected:\n%s\n%s", text, all);
	cr_assert_eq(d.n, 0);
	free(all);
	diag_free(&d);
	return s;
}

/* ---- defaults ------------------------------------------------------------ */

Test(scenario, defaults_of_every_field)
{
	struct scenario *s = sc_ok("", NULL, 0);

	cr_assert_str_eq(s->name, "t");
	cr_assert_str_eq(s->description, "");
	cr_assert_str_eq(s->path, "t.ini");
	cr_assert_eq(s->duration, 86400 * SEC);
	cr_assert_eq(s->seed, 1);
	cr_assert_eq(s->link.dir[HOST_A].delay, 0);
	cr_assert_eq(s->link.dir[HOST_B].delay, 0);
	cr_assert_eq(s->nat.enabled, false);
	cr_assert_eq(s->nevents, 0);
	for (int h = 0; h < NHOSTS; h++) {
		const struct ep_config *e = &s->ep[h];
		cr_assert_eq(e->so_keepalive, false);
		cr_assert_eq(e->tcp_keepidle, 0);
		cr_assert_eq(e->tcp_keepintvl, 0);
		cr_assert_eq(e->tcp_keepcnt, 0);
		cr_assert_eq(e->tcp_user_timeout, 0);
		cr_assert_eq(e->tcp_keepalive_time, 7200);
		cr_assert_eq(e->tcp_keepalive_intvl, 75);
		cr_assert_eq(e->tcp_keepalive_probes, 9);
		cr_assert_eq(e->tcp_retries2, 15);
		cr_assert_eq(e->tcp_syn_retries, 6);
	}
	cr_assert_eq(s->ep[HOST_A].addr, 0xC000020Au); /* 192.0.2.10 */
	cr_assert_eq(s->ep[HOST_A].port, 40000);
	cr_assert_eq(s->ep[HOST_B].addr, 0xC6336414u); /* 198.51.100.20 */
	cr_assert_eq(s->ep[HOST_B].port, 443);
	scenario_free(s);
}

Test(scenario, ep_config_default_matches_linux)
{
	struct ep_config c;

	memset(&c, 0xff, sizeof(c));
	ep_config_default(&c, HOST_B);
	cr_assert_eq(c.so_keepalive, false);
	cr_assert_eq(c.tcp_keepidle + c.tcp_keepintvl + c.tcp_keepcnt + c.tcp_user_timeout, 0);
	cr_assert_eq(c.tcp_keepalive_time, 7200);
	cr_assert_eq(c.tcp_keepalive_intvl, 75);
	cr_assert_eq(c.tcp_keepalive_probes, 9);
	cr_assert_eq(c.tcp_retries2, 15);
	cr_assert_eq(c.tcp_syn_retries, 6);
	cr_assert_eq(c.addr, 0xC6336414u);
	cr_assert_eq(c.port, 443);
}

Test(scenario, every_key_set)
{
	struct scenario *s = sc_ok("; a comment\n"
				   "# another\n"
				   "[scenario]\n"
				   "name = my-test.1_x\n"
				   "description = A dies; B notices ; inline comment\n"
				   "duration = 2h\n"
				   "seed = 0x10\n"
				   "[A]\n"
				   "so_keepalive = ON\n"
				   "tcp_keepidle = 60\n"
				   "tcp_keepintvl = 10s\n"
				   "tcp_keepcnt = 3\n"
				   "tcp_user_timeout = 30s\n"
				   "net.ipv4.tcp_keepalive_time = 1h\n"
				   "net.ipv4.tcp_keepalive_intvl = 30\n"
				   "net.ipv4.tcp_keepalive_probes = 0\n"
				   "net.ipv4.tcp_retries2 = 8\n"
				   "net.ipv4.tcp_syn_retries = 2\n"
				   "addr = 10.1.2.3:1234\n"
				   "[link]\n"
				   "delay : 20ms\n",
				   NULL, 0);
	const struct ep_config *a = &s->ep[HOST_A];

	cr_assert_str_eq(s->name, "my-test.1_x");
	/* inih ends a value at ';' or '#' after whitespace only */
	cr_assert_str_eq(s->description, "A dies; B notices");
	cr_assert_eq(s->duration, 7200 * SEC);
	cr_assert_eq(s->seed, 16);
	cr_assert_eq(a->so_keepalive, true);
	cr_assert_eq(a->tcp_keepidle, 60);
	cr_assert_eq(a->tcp_keepintvl, 10);
	cr_assert_eq(a->tcp_keepcnt, 3);
	cr_assert_eq(a->tcp_user_timeout, 30000);
	cr_assert_eq(a->tcp_keepalive_time, 3600);
	cr_assert_eq(a->tcp_keepalive_intvl, 30);
	cr_assert_eq(a->tcp_keepalive_probes, 0);
	cr_assert_eq(a->tcp_retries2, 8);
	cr_assert_eq(a->tcp_syn_retries, 2);
	cr_assert_eq(a->addr, 0x0A010203u);
	cr_assert_eq(a->port, 1234);
	cr_assert_eq(s->link.dir[HOST_A].delay, 20 * KS_MS);
	cr_assert_eq(s->link.dir[HOST_B].delay, 20 * KS_MS);
	/* B untouched */
	cr_assert_eq(s->ep[HOST_B].so_keepalive, false);
	cr_assert_eq(s->ep[HOST_B].tcp_keepalive_time, 7200);
	scenario_free(s);
}

/* ---- every key at its limits --------------------------------------------- */

struct key_case {
	char sect[16];
	char key[40];
	char val[48];
	int ok;
	unsigned long long want; /* the stored value, when ok */
};

/* The field a key sets, as a number (addr: addr << 16 | port). */
static unsigned long long sc_field(const struct scenario *s, const char *sect, const char *key)
{
	const struct ep_config *e = &s->ep[sect[0] == 'B' ? HOST_B : HOST_A];

	if (!strcmp(sect, "scenario"))
		return !strcmp(key, "duration") ? s->duration : s->seed;
	if (!strcmp(sect, "link"))
		return s->link.dir[HOST_A].delay == s->link.dir[HOST_B].delay ? s->link.dir[HOST_A].delay
										   : ~0ULL;
	if (!strcmp(key, "so_keepalive"))
		return e->so_keepalive;
	if (!strcmp(key, "tcp_keepidle"))
		return e->tcp_keepidle;
	if (!strcmp(key, "tcp_keepintvl"))
		return e->tcp_keepintvl;
	if (!strcmp(key, "tcp_keepcnt"))
		return e->tcp_keepcnt;
	if (!strcmp(key, "tcp_user_timeout"))
		return e->tcp_user_timeout;
	if (!strcmp(key, "net.ipv4.tcp_keepalive_time"))
		return e->tcp_keepalive_time;
	if (!strcmp(key, "net.ipv4.tcp_keepalive_intvl"))
		return e->tcp_keepalive_intvl;
	if (!strcmp(key, "net.ipv4.tcp_keepalive_probes"))
		return e->tcp_keepalive_probes;
	if (!strcmp(key, "net.ipv4.tcp_retries2"))
		return e->tcp_retries2;
	if (!strcmp(key, "net.ipv4.tcp_syn_retries"))
		return e->tcp_syn_retries;
	if (!strcmp(key, "addr"))
		return (unsigned long long)e->addr << 16 | e->port;
	cr_assert_fail("no such key %s", key);
	return 0;
}

ParameterizedTestParameters(scenario, key_limits)
{
	static struct key_case cases[] = {
		{ "A", "so_keepalive", "on", 1, 1 },
		{ "A", "so_keepalive", "Off", 1, 0 },
		{ "B", "so_keepalive", "YES", 1, 1 },
		{ "A", "so_keepalive", "no", 1, 0 },
		{ "A", "so_keepalive", "true", 1, 1 },
		{ "A", "so_keepalive", "False", 1, 0 },
		{ "A", "so_keepalive", "1", 1, 1 },
		{ "A", "so_keepalive", "0", 1, 0 },
		{ "A", "so_keepalive", "2", 0, 0 },
		{ "A", "so_keepalive", "enabled", 0, 0 },
		{ "A", "tcp_keepidle", "1", 1, 1 },
		{ "A", "tcp_keepidle", "32767", 1, 32767 },
		{ "A", "tcp_keepidle", "0", 0, 0 },
		{ "A", "tcp_keepidle", "32768", 0, 0 },
		{ "B", "tcp_keepidle", "2h", 1, 7200 },
		{ "A", "tcp_keepidle", "1m30s", 1, 90 },
		{ "A", "tcp_keepidle", "1500ms", 0, 0 },
		{ "A", "tcp_keepidle", "75x", 0, 0 },
		{ "A", "tcp_keepidle", "-1", 0, 0 },
		{ "A", "tcp_keepidle", "99999999999999999999999", 0, 0 },
		{ "A", "tcp_keepintvl", "1", 1, 1 },
		{ "A", "tcp_keepintvl", "32767", 1, 32767 },
		{ "A", "tcp_keepintvl", "0", 0, 0 },
		{ "A", "tcp_keepintvl", "32768", 0, 0 },
		{ "A", "tcp_keepcnt", "1", 1, 1 },
		{ "A", "tcp_keepcnt", "127", 1, 127 },
		{ "A", "tcp_keepcnt", "0", 0, 0 },
		{ "A", "tcp_keepcnt", "128", 0, 0 },
		{ "A", "tcp_keepcnt", "3s", 0, 0 },
		{ "A", "tcp_user_timeout", "0", 1, 0 },
		{ "A", "tcp_user_timeout", "2147483647", 1, 2147483647 },
		{ "A", "tcp_user_timeout", "2147483648", 0, 0 },
		{ "A", "tcp_user_timeout", "-1", 0, 0 },
		{ "A", "tcp_user_timeout", "30s", 1, 30000 },
		{ "A", "tcp_user_timeout", "2000us", 1, 2 },
		{ "A", "tcp_user_timeout", "1500us", 0, 0 },
		{ "A", "tcp_user_timeout", "1.5", 0, 0 },
		{ "A", "net.ipv4.tcp_keepalive_time", "1", 1, 1 },
		{ "A", "net.ipv4.tcp_keepalive_time", "2147483", 1, 2147483 },
		{ "A", "net.ipv4.tcp_keepalive_time", "0", 0, 0 },
		{ "A", "net.ipv4.tcp_keepalive_time", "2147484", 0, 0 },
		{ "B", "net.ipv4.tcp_keepalive_intvl", "1", 1, 1 },
		{ "B", "net.ipv4.tcp_keepalive_intvl", "2147483", 1, 2147483 },
		{ "B", "net.ipv4.tcp_keepalive_intvl", "0", 0, 0 },
		{ "B", "net.ipv4.tcp_keepalive_intvl", "2147484", 0, 0 },
		{ "A", "net.ipv4.tcp_keepalive_probes", "0", 1, 0 },
		{ "A", "net.ipv4.tcp_keepalive_probes", "255", 1, 255 },
		{ "A", "net.ipv4.tcp_keepalive_probes", "-1", 0, 0 },
		{ "A", "net.ipv4.tcp_keepalive_probes", "256", 0, 0 },
		{ "A", "net.ipv4.tcp_retries2", "0", 1, 0 },
		{ "A", "net.ipv4.tcp_retries2", "255", 1, 255 },
		{ "A", "net.ipv4.tcp_retries2", "-1", 0, 0 },
		{ "A", "net.ipv4.tcp_retries2", "256", 0, 0 },
		{ "A", "net.ipv4.tcp_syn_retries", "1", 1, 1 },
		{ "A", "net.ipv4.tcp_syn_retries", "127", 1, 127 },
		{ "A", "net.ipv4.tcp_syn_retries", "0", 0, 0 },
		{ "A", "net.ipv4.tcp_syn_retries", "128", 0, 0 },
		{ "A", "addr", "10.0.0.1:1", 1, 0x0A000001ULL << 16 | 1 },
		{ "B", "addr", "255.255.255.255:65535", 1, 0xFFFFFFFFULL << 16 | 65535 },
		{ "A", "addr", "10.0.0.1:0", 0, 0 },
		{ "A", "addr", "10.0.0.1:65536", 0, 0 },
		{ "A", "addr", "10.0.0.256:80", 0, 0 },
		{ "A", "addr", "10.0.0.1", 0, 0 },
		{ "A", "addr", "10.0.0.1:80x", 0, 0 },
		{ "A", "addr", "::1:80", 0, 0 },
		{ "scenario", "duration", "1ns", 1, 1 },
		{ "scenario", "duration", "36500d", 1, 36500ULL * 86400 * SEC },
		{ "scenario", "duration", "0", 0, 0 },
		{ "scenario", "duration", "36500d1ns", 0, 0 },
		{ "scenario", "duration", "99999999999d", 0, 0 },
		{ "scenario", "seed", "0", 1, 0 },
		{ "scenario", "seed", "18446744073709551615", 1, 18446744073709551615ULL },
		{ "scenario", "seed", "0xFFFFFFFFFFFFFFFF", 1, 18446744073709551615ULL },
		{ "scenario", "seed", "18446744073709551616", 0, 0 },
		{ "scenario", "seed", "0x10000000000000000", 0, 0 },
		{ "scenario", "seed", "-1", 0, 0 },
		{ "scenario", "seed", "12abc", 0, 0 },
		{ "link", "delay", "0", 1, 0 },
		{ "link", "delay", "1d", 1, 86400 * SEC },
		{ "link", "delay", "1d1ns", 0, 0 },
		{ "link", "delay", "250us", 1, 250 * KS_US },
	};
	return cr_make_param_array(struct key_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct key_case *c, scenario, key_limits)
{
	char text[256];
	struct diag d = { 0 };
	struct scenario *s;

	snprintf(text, sizeof(text), "[%s]\n%s = %s\n", c->sect, c->key, c->val);
	s = sc_parse(text, &d);
	if (c->ok) {
		cr_assert_not_null(s, "[%s] %s = %s rejected: %s", c->sect, c->key, c->val,
				   d.n ? d.msg[0] : "");
		cr_expect_eq(sc_field(s, c->sect, c->key), c->want, "[%s] %s = %s: %llu", c->sect,
			     c->key, c->val, sc_field(s, c->sect, c->key));
	} else {
		cr_expect_null(s, "[%s] %s = %s accepted", c->sect, c->key, c->val);
		cr_expect_eq(d.n, 1);
		if (d.n) {
			char prefix[128];
			snprintf(prefix, sizeof(prefix), "t.ini:2: %s = %s ", c->key, c->val);
			cr_expect(!strncmp(d.msg[0], prefix, strlen(prefix)), "%s", d.msg[0]);
		}
	}
	scenario_free(s);
	diag_free(&d);
}

Test(scenario, range_messages_are_exact)
{
	sc_expect_error("[A]\ntcp_keepidle = 0\n",
			"t.ini:2: tcp_keepidle = 0 is out of range "
			"(1..32767 s; setsockopt(TCP_KEEPIDLE) returns EINVAL outside)");
	sc_expect_error("[B]\ntcp_keepintvl = 32768\n",
			"t.ini:2: tcp_keepintvl = 32768 is out of range "
			"(1..32767 s; setsockopt(TCP_KEEPINTVL) returns EINVAL outside)");
	sc_expect_error("[A]\ntcp_keepcnt = 128\n",
			"t.ini:2: tcp_keepcnt = 128 is out of range "
			"(1..127 probes; setsockopt(TCP_KEEPCNT) returns EINVAL outside)");
	sc_expect_error("[A]\ntcp_user_timeout = 2147483648\n",
			"t.ini:2: tcp_user_timeout = 2147483648 is out of range (0..2147483647 ms, "
			"0 = off; setsockopt(TCP_USER_TIMEOUT) returns EINVAL outside)");
	sc_expect_error("[A]\nnet.ipv4.tcp_keepalive_time = 0\n",
			"t.ini:2: net.ipv4.tcp_keepalive_time = 0 is out of range (1..2147483 s; "
			"Linux accepts 0, but then the keepalive timer fires on every tick, "
			"which kasim does not model)");
	sc_expect_error("[A]\nnet.ipv4.tcp_keepalive_intvl = 2147484\n",
			"t.ini:2: net.ipv4.tcp_keepalive_intvl = 2147484 is out of range "
			"(1..2147483 s)");
	sc_expect_error("[B]\nnet.ipv4.tcp_keepalive_probes = 256\n",
			"t.ini:2: net.ipv4.tcp_keepalive_probes = 256 is out of range (0..255 probes)");
	sc_expect_error("[B]\nnet.ipv4.tcp_syn_retries = 0\n",
			"t.ini:2: net.ipv4.tcp_syn_retries = 0 is out of range "
			"(1..127 retransmissions)");
	sc_expect_error("[A]\ntcp_keepidle = 1500ms\n",
			"t.ini:2: tcp_keepidle = 1500ms must be whole seconds "
			"(1..32767 s; setsockopt(TCP_KEEPIDLE) returns EINVAL outside)");
	sc_expect_error("[A]\ntcp_keepidle = 75x\n",
			"t.ini:2: tcp_keepidle = 75x is not a number of seconds "
			"(1..32767 s; setsockopt(TCP_KEEPIDLE) returns EINVAL outside; e.g. 75 or 2h)");
	sc_expect_error("[A]\nso_keepalive = maybe\n",
			"t.ini:2: so_keepalive = maybe is not a boolean "
			"(on/off, yes/no, true/false or 1/0)");
	sc_expect_error("[A]\naddr = 10.0.0.1:0\n",
			"t.ini:2: addr = 10.0.0.1:0 is not a valid address "
			"(IPv4:PORT, e.g. 192.0.2.10:40000, port 1..65535)");
	sc_expect_error("[scenario]\nduration = 0\n",
			"t.ini:2: duration = 0 is out of range "
			"(more than 0, at most 100 years = 36500d)");
	sc_expect_error("[scenario]\nduration = 1x\n",
			"t.ini:2: duration = 1x is not a duration "
			"(e.g. 90s, 1500ms, 2h11m15s, 1d; a bare number is seconds)");
	sc_expect_error("[link]\ndelay = 2d\n", "t.ini:2: delay = 2d is out of range (0..1d)");
	sc_expect_error("[scenario]\nseed = 1e3\n",
			"t.ini:2: seed = 1e3 is not an integer "
			"(unsigned 64-bit integer, decimal or 0x hex)");
}

Test(scenario, trailing_garbage_and_inline_comments)
{
	struct scenario *s = sc_ok("[A]\ntcp_keepidle = 60 ; one minute\n"
				   "tcp_keepintvl = 5 # five\n",
				   NULL, 0);
	cr_assert_eq(s->ep[HOST_A].tcp_keepidle, 60);
	cr_assert_eq(s->ep[HOST_A].tcp_keepintvl, 5);
	scenario_free(s);
	/* no whitespace before ';': not a comment, so trailing garbage */
	sc_expect_error("[A]\ntcp_keepcnt = 5;x\n",
			"t.ini:2: tcp_keepcnt = 5;x is not an integer "
			"(1..127 probes; setsockopt(TCP_KEEPCNT) returns EINVAL outside)");
}

Test(scenario, name_rules)
{
	char text[200];
	struct scenario *s;

	snprintf(text, sizeof(text), "[scenario]\nname = %063d\n", 7);
	s = sc_ok(text, NULL, 0);
	cr_assert_eq(strlen(s->name), 63);
	scenario_free(s);
	snprintf(text, sizeof(text), "[scenario]\nname = %064d\n", 7);
	sc_expect_errors(text, NULL, 0,
			 (const char *const[]){ "t.ini:2: name = "
						"000000000000000000000000000000000000000000000000000000"
						"0000000007 is not a valid name (1..63 characters of "
						"A-Z a-z 0-9 . _ -)" },
			 1);
	sc_expect_error("[scenario]\nname = a b\n",
			"t.ini:2: name = a b is not a valid name (1..63 characters of A-Z a-z 0-9 . _ -)");
	sc_expect_error("[scenario]\nname =\n",
			"t.ini:2: name =  is not a valid name (1..63 characters of A-Z a-z 0-9 . _ -)");
}

/* ---- default names, files ------------------------------------------------- */

Test(scenario, name_default_from_path)
{
	static const char *const cases[][2] = {
		{ "scenarios/unplug.ini", "unplug" },
		{ "/a/b/dead peer!.ini", "dead_peer_" },
		{ "x.txt", "x.txt" },
		{ "dir/.ini", "scenario" },
		{ "v1.2.ini", "v1.2" },
	};
	for (size_t i = 0; i < NSETS(cases); i++) {
		struct diag d = { 0 };
		struct scenario *s = scenario_parse_string(cases[i][0], "", NULL, 0, &d);
		cr_assert_not_null(s);
		cr_expect_str_eq(s->name, cases[i][1]);
		cr_expect_str_eq(s->path, cases[i][0]);
		scenario_free(s);
		diag_free(&d);
	}
	/* truncated to 63 characters */
	char longname[100];
	memset(longname, 'n', 80);
	strcpy(longname + 80, ".ini");
	struct diag d = { 0 };
	struct scenario *s = scenario_parse_string(longname, "", NULL, 0, &d);
	cr_assert_not_null(s);
	cr_assert_eq(strlen(s->name), 63);
	scenario_free(s);
	diag_free(&d);
}

Test(scenario, load_file_and_missing_file)
{
	char dir[] = "/tmp/kasim-scenario-XXXXXX";
	char path[128];
	struct diag d = { 0 };
	struct scenario *s;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/unplug.ini", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("[A]\nso_keepalive = on\n[events]\n10s = unplug B\n", f);
	fclose(f);
	s = scenario_load(path, NULL, 0, &d);
	cr_assert_not_null(s);
	cr_expect_str_eq(s->name, "unplug");
	cr_expect_str_eq(s->path, path);
	cr_expect_eq(s->ep[HOST_A].so_keepalive, true);
	cr_expect_eq(s->nevents, 1);
	scenario_free(s);
	unlink(path);
	rmdir(dir);

	s = scenario_load(path, NULL, 0, &d);
	cr_assert_null(s);
	cr_assert_eq(d.n, 1);
	char want[200];
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	cr_expect_str_eq(d.msg[0], want);
	diag_free(&d);
	cr_expect_null(d.msg);

	s = scenario_load("/", NULL, 0, &d);
	cr_assert_null(s);
	cr_assert_eq(d.n, 1);
	cr_expect_str_eq(d.msg[0], "/: cannot read: Is a directory");
	diag_free(&d);
}

/* ---- syntax, unknown names, duplicates ------------------------------------ */

Test(scenario, syntax_error_line_numbers)
{
	sc_expect_error("[A]\ntcp_keepidle = 5\noops\n",
			"t.ini:3: syntax error (expected [section], KEY = VALUE or a ; comment)");
	sc_expect_errors("[A\n"
			 "\n"
			 "[B]\n"
			 "so_keepalive\n"
			 "tcp_keepidle = 60\n"
			 "[link ; delay = 1]\n",
			 NULL, 0,
			 (const char *const[]){
				 "t.ini:1: syntax error (expected [section], KEY = VALUE or a ; comment)",
				 "t.ini:4: syntax error (expected [section], KEY = VALUE or a ; comment)",
				 "t.ini:6: syntax error (expected [section], KEY = VALUE or a ; comment)",
			 },
			 3);
	sc_expect_error("[link] delay = 1\n",
			"t.ini:1: unexpected text after ']' (a section line is [name] and an "
			"optional ; comment)");
}

Test(scenario, crlf_bom_indent_and_long_lines)
{
	char text[3000];
	struct scenario *s;

	s = sc_ok("\xEF\xBB\xBF[A]\r\n  tcp_keepidle = 60\r\n\ttcp_keepintvl = 7\r\n", NULL, 0);
	cr_assert_eq(s->ep[HOST_A].tcp_keepidle, 60);
	cr_assert_eq(s->ep[HOST_A].tcp_keepintvl, 7);
	scenario_free(s);

	/* a 2000-character line is one line: numbers after it stay right */
	strcpy(text, "[scenario]\ndescription = ");
	memset(text + strlen(text), 'x', 2000);
	text[26 + 2000] = '\0';
	strcat(text, "\n[A]\ntcp_keepidle = 0\n");
	sc_expect_errors(text, NULL, 0,
			 (const char *const[]){
				 "t.ini:2: line too long (at most 1021 characters)",
				 "t.ini:4: tcp_keepidle = 0 is out of range (1..32767 s; "
				 "setsockopt(TCP_KEEPIDLE) returns EINVAL outside)",
			 },
			 2);
}

Test(scenario, did_you_mean)
{
	sc_expect_error("[A]\nkeepidel = 5\n",
			"t.ini:2: unknown key 'keepidel' in [A] (did you mean 'tcp_keepidle'?)");
	sc_expect_error("[B]\ntcp_keepidel = 5\n",
			"t.ini:2: unknown key 'tcp_keepidel' in [B] (did you mean 'tcp_keepidle'?)");
	sc_expect_error("[A]\nso_keepalve = on\n",
			"t.ini:2: unknown key 'so_keepalve' in [A] (did you mean 'so_keepalive'?)");
	sc_expect_error("[A]\ntcp_keepalive_time = 60\n",
			"t.ini:2: unknown key 'tcp_keepalive_time' in [A] "
			"(did you mean 'net.ipv4.tcp_keepalive_time'?)");
	sc_expect_error("[A]\nTCP_KEEPCNT = 5\n",
			"t.ini:2: unknown key 'TCP_KEEPCNT' in [A] (did you mean 'tcp_keepcnt'?)");
	sc_expect_error("[A]\nretries2 = 5\n",
			"t.ini:2: unknown key 'retries2' in [A] (did you mean 'net.ipv4.tcp_retries2'?)");
	sc_expect_error("[lnik]\ndelay = 5ms\n",
			"t.ini:1: unknown section [lnik] (did you mean [link]?)");
	sc_expect_error("[a]\n", "t.ini:1: unknown section [a] (did you mean [A]?)");
	sc_expect_error("[scenario]\ndurration = 1h\n",
			"t.ini:2: unknown key 'durration' in [scenario] (did you mean 'duration'?)");
	/* nothing close: list what is valid */
	sc_expect_error("[A]\nfoo = 1\n",
			"t.ini:2: unknown key 'foo' in [A] (valid keys: so_keepalive, tcp_keepidle, "
			"tcp_keepintvl, tcp_keepcnt, tcp_user_timeout, net.ipv4.tcp_keepalive_time, "
			"net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes, "
			"net.ipv4.tcp_retries2, net.ipv4.tcp_syn_retries, net.ipv4.tcp_synack_retries, "
			"net.ipv4.icmp_ratelimit, "
			"net.ipv4.icmp_ratemask, net.ipv4.tcp_rto_min_us, net.ipv4.tcp_timestamps, rto_min, "
			"tcp_linger2, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_orphan_retries, app_reads, "
			"addr, os, library, heartbeat, heartbeat_interval, heartbeat_timeout, heartbeat_count, "
			"heartbeat_size, heartbeat_reply_size, heartbeat_idle_only, heartbeat_without_calls, "
			"heartbeat_action)");
	sc_expect_error("[foo]\n", "t.ini:1: unknown section [foo] (valid sections: [scenario], "
				   "[A], [B], [link], [nat], [lb], [proxy], [events])");
	sc_expect_error("seed = 5\n",
			"t.ini:1: key 'seed' is outside any section (valid sections: [scenario], "
			"[A], [B], [link], [nat], [lb], [proxy], [events])");
}

Test(scenario, duplicate_key)
{
	sc_expect_errors("[A]\n"
			 "tcp_keepidle = 60\n"
			 "[B]\n"
			 "tcp_keepidle = 60\n"
			 "[A]\n"
			 "tcp_keepidle = 30\n",
			 NULL, 0,
			 (const char *const[]){
				 "t.ini:6: duplicate key 'tcp_keepidle' (first set at line 2)" },
			 1);
}

Test(scenario, all_errors_with_their_lines)
{
	sc_expect_errors("[scenario]\n"               /* 1 */
			 "duration = 3h\n"            /* 2 */
			 "oops\n"                     /* 3 */
			 "[A]\n"                      /* 4 */
			 "keepidel = 5\n"             /* 5 */
			 "tcp_keepcnt = 0\n"          /* 6 */
			 "[lnik]\n"                   /* 7 */
			 "delay = 5ms\n"              /* 8 */
			 "[events]\n"                 /* 9 */
			 "4h = unplug B\n"            /* 10 */
			 "10s = unplgu B\n"           /* 11 */
			 "[B]\n"                      /* 12 */
			 "addr = 192.0.2.10:40000\n", /* 13 */
			 NULL, 0,
			 (const char *const[]){
				 "t.ini:3: syntax error (expected [section], KEY = VALUE or a ; comment)",
				 "t.ini:5: unknown key 'keepidel' in [A] (did you mean 'tcp_keepidle'?)",
				 "t.ini:6: tcp_keepcnt = 0 is out of range (1..127 probes; "
				 "setsockopt(TCP_KEEPCNT) returns EINVAL outside)",
				 "t.ini:7: unknown section [lnik] (did you mean [link]?)",
				 "t.ini:11: unknown action 'unplgu' (did you mean 'unplug'? valid actions: "
				 "unplug, replug, crash, boot, reboot, close, send, congest, set, link, "
				 "partition, heal, nat, lb, unreachable)",
				 "t.ini:13: addr = 192.0.2.10:40000 is A's address and port too "
				 "(A and B must differ)",
				 "t.ini:10: event at 4h is after the end of the simulation (duration 3h)",
			 },
			 7);
}

Test(scenario, same_addr_port_only_is_an_error)
{
	struct scenario *s = sc_ok("[A]\naddr = 10.0.0.1:80\n[B]\naddr = 10.0.0.1:81\n", NULL, 0);
	scenario_free(s);
	sc_expect_error("[B]\naddr = 10.0.0.1:80\n[A]\naddr = 10.0.0.1:80\n",
			"t.ini:4: addr = 10.0.0.1:80 is B's address and port too (A and B must differ)");
}

/* ---- events ---------------------------------------------------------------- */

Test(scenario, events_sorted_stably_with_lines)
{
	struct scenario *s = sc_ok("[events]\n"          /* 1 */
				   "10s = unplug B\n"    /* 2 */
				   "5s = crash A\n"      /* 3 */
				   "10 = replug B\n"     /* 4 */
				   "; comment\n"         /* 5 */
				   "0 = send A 100\n"    /* 6 */
				   "10000ms = close A\n" /* 7 */
				   "5s = boot A\n",      /* 8 */
				   NULL, 0);
	static const struct {
		ks_time_t at;
		int line;
		enum action act;
	} want[] = {
		{ 0, 6, ACT_SEND },        { 5 * SEC, 3, ACT_CRASH },   { 5 * SEC, 8, ACT_BOOT },
		{ 10 * SEC, 2, ACT_UNPLUG }, { 10 * SEC, 4, ACT_REPLUG }, { 10 * SEC, 7, ACT_CLOSE },
	};
	cr_assert_eq(s->nevents, NSETS(want));
	for (size_t i = 0; i < NSETS(want); i++) {
		cr_expect_eq(s->events[i].at, want[i].at, "event %zu", i);
		cr_expect_eq(s->events[i].line, want[i].line, "event %zu", i);
		cr_expect_eq(s->events[i].action, want[i].act, "event %zu", i);
	}
	scenario_free(s);
}

Test(scenario, every_action)
{
	struct scenario *s = sc_ok("[scenario]\nduration = 1h\n"
				   "[events]\n"
				   "1 = unplug A\n"
				   "2 = replug B\n"
				   "3 = crash A\n"
				   "4 = boot B\n"
				   "5 = reboot A\n"
				   "6 = close B\n"
				   "7 = send A 1\n"
				   "8 = send B 1073741824\n"
				   "9 = congest A 1500ms\n"
				   "10 = set B tcp_keepidle 2h\n"
				   "1h =   unplug\tB  \n",
				   NULL, 0);
	static const struct {
		enum action act;
		int host;
		uint64_t arg;
	} want[] = {
		{ ACT_UNPLUG, HOST_A, 0 },         { ACT_REPLUG, HOST_B, 0 },
		{ ACT_CRASH, HOST_A, 0 },          { ACT_BOOT, HOST_B, 0 },
		{ ACT_REBOOT, HOST_A, 0 },         { ACT_CLOSE, HOST_B, 0 },
		{ ACT_SEND, HOST_A, 1 },           { ACT_SEND, HOST_B, 1073741824 },
		{ ACT_CONGEST, HOST_A, 1500 * KS_MS }, { ACT_SET, HOST_B, 7200 },
		{ ACT_UNPLUG, HOST_B, 0 },
	};
	cr_assert_eq(s->nevents, NSETS(want));
	for (size_t i = 0; i < NSETS(want); i++) {
		cr_expect_eq(s->events[i].action, want[i].act, "event %zu", i);
		cr_expect_eq(s->events[i].host, want[i].host, "event %zu", i);
		cr_expect_eq(s->events[i].arg, want[i].arg, "event %zu", i);
		cr_expect_eq(s->events[i].line, (int)i + 4, "event %zu", i);
	}
	cr_expect_eq(s->events[9].opt, OPT_TCP_KEEPIDLE);
	cr_expect_eq(s->events[10].at, 3600 * SEC);
	scenario_free(s);
}

struct set_case {
	char opt[40];
	char val[24];
	enum sockopt id;
	uint64_t arg;
};

ParameterizedTestParameters(scenario, set_event_options)
{
	static struct set_case cases[] = {
		{ "so_keepalive", "on", OPT_SO_KEEPALIVE, 1 },
		{ "so_keepalive", "false", OPT_SO_KEEPALIVE, 0 },
		{ "tcp_keepidle", "60", OPT_TCP_KEEPIDLE, 60 },
		{ "tcp_keepintvl", "1m", OPT_TCP_KEEPINTVL, 60 },
		{ "tcp_keepcnt", "127", OPT_TCP_KEEPCNT, 127 },
		{ "tcp_user_timeout", "30s", OPT_TCP_USER_TIMEOUT, 30000 },
		{ "tcp_user_timeout", "250", OPT_TCP_USER_TIMEOUT, 250 },
		{ "tcp_user_timeout", "0", OPT_TCP_USER_TIMEOUT, 0 },
		{ "net.ipv4.tcp_keepalive_time", "600", OPT_SYSCTL_KEEPALIVE_TIME, 600 },
		{ "net.ipv4.tcp_keepalive_intvl", "5s", OPT_SYSCTL_KEEPALIVE_INTVL, 5 },
		{ "net.ipv4.tcp_keepalive_probes", "0", OPT_SYSCTL_KEEPALIVE_PROBES, 0 },
		{ "net.ipv4.tcp_retries2", "255", OPT_SYSCTL_RETRIES2, 255 },
		{ "net.ipv4.tcp_syn_retries", "1", OPT_SYSCTL_SYN_RETRIES, 1 },
	};
	return cr_make_param_array(struct set_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct set_case *c, scenario, set_event_options)
{
	char text[160];
	struct scenario *s;

	snprintf(text, sizeof(text), "[events]\n1s = set A %s %s\n", c->opt, c->val);
	s = sc_ok(text, NULL, 0);
	cr_assert_eq(s->nevents, 1);
	cr_expect_eq(s->events[0].action, ACT_SET);
	cr_expect_eq(s->events[0].host, HOST_A);
	cr_expect_eq(s->events[0].opt, c->id);
	cr_expect_eq(s->events[0].arg, c->arg, "%s %s: %llu", c->opt, c->val,
		     (unsigned long long)s->events[0].arg);
	cr_expect_str_eq(sockopt_name(c->id), c->opt);
	scenario_free(s);
}

Test(scenario, event_errors)
{
	sc_expect_error("[scenario]\nduration = 3h\n[events]\n4h = unplug B\n",
			"t.ini:4: event at 4h is after the end of the simulation (duration 3h)");
	sc_expect_error("[events]\n10s = set A tcp_keepidle 0\n",
			"t.ini:2: tcp_keepidle = 0 is out of range "
			"(1..32767 s; setsockopt(TCP_KEEPIDLE) returns EINVAL outside)");
	sc_expect_error("[events]\n10s = set A tcp_user_timeout 1500us\n",
			"t.ini:2: tcp_user_timeout = 1500us must be whole milliseconds (0..2147483647 "
			"ms, 0 = off; setsockopt(TCP_USER_TIMEOUT) returns EINVAL outside)");
	sc_expect_error("[events]\n10s = set A addr 10.0.0.1:5\n",
			"t.ini:2: unknown option 'addr' (valid options: so_keepalive, tcp_keepidle, "
			"tcp_keepintvl, tcp_keepcnt, tcp_user_timeout, net.ipv4.tcp_keepalive_time, "
			"net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes, "
			"net.ipv4.tcp_retries2, net.ipv4.tcp_syn_retries, net.ipv4.tcp_synack_retries, "
			"net.ipv4.icmp_ratelimit, "
			"net.ipv4.icmp_ratemask, net.ipv4.tcp_rto_min_us, net.ipv4.tcp_timestamps, "
			"tcp_linger2, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_orphan_retries)");
	sc_expect_error("[events]\n10s = set A keepidle 5\n",
			"t.ini:2: unknown option 'keepidle' (did you mean 'tcp_keepidle'?)");
	sc_expect_error("[events]\n10s = shutdown A\n",
			"t.ini:2: unknown action 'shutdown' (valid actions: unplug, replug, crash, "
			"boot, reboot, close, send, congest, set, link, partition, heal, nat, lb, unreachable)");
	sc_expect_error("[events]\n10s = unplug a\n",
			"t.ini:2: unplug: unknown host 'a' (A or B, upper case)");
	sc_expect_error("[events]\n10s = unplug\n",
			"t.ini:2: 'unplug' takes 1 argument, not 0 (unplug X, where X is A or B)");
	sc_expect_error("[events]\n10s = send A\n",
			"t.ini:2: 'send' takes 2 arguments, not 1 (send X BYTES, where X is A or B)");
	sc_expect_error("[events]\n10s = set A tcp_keepidle 5 6 7\n",
			"t.ini:2: 'set' takes 3 arguments, not at least 4 "
			"(set X OPTION VALUE, where X is A or B)");
	sc_expect_error("[events]\n10s = send A 0\n",
			"t.ini:2: send: byte count 0 is out of range (1..1073741824 bytes)");
	sc_expect_error("[events]\n10s = send A 1073741825\n",
			"t.ini:2: send: byte count 1073741825 is out of range (1..1073741824 bytes)");
	sc_expect_error("[events]\n10s = send A 1k\n",
			"t.ini:2: send: byte count '1k' is not an integer (1..1073741824 bytes)");
	sc_expect_error("[events]\n10s = congest B 0\n",
			"t.ini:2: congest: duration 0 is out of range (more than 0)");
	sc_expect_error("[events]\n10s = congest B 5x\n",
			"t.ini:2: congest: duration '5x' is not a duration (e.g. 90s, 1500ms, "
			"2h11m15s, 1d; a bare number is seconds)");
	sc_expect_error("[events]\n10q = crash A\n",
			"t.ini:2: event time '10q' is not a duration (e.g. 90s, 1500ms, 2h11m15s, 1d; "
			"a bare number is seconds)");
	sc_expect_error("[events]\n10s =\n",
			"t.ini:2: event at '10s' has no action (valid actions: unplug, replug, crash, "
			"boot, reboot, close, send, congest, set, link, partition, heal, nat, lb, unreachable)");
	/* exactly at the end is fine */
	struct scenario *s = sc_ok("[scenario]\nduration = 3h\n[events]\n3h = unplug B\n", NULL, 0);
	cr_expect_eq(s->events[0].at, 3 * 3600 * SEC);
	scenario_free(s);
}

/* ---- --set ----------------------------------------------------------------- */

Test(scenario, set_overrides)
{
	static const char *const sets[] = {
		"A.tcp_keepidle=60",
		"link.delay=20ms",
		"A.net.ipv4.tcp_keepalive_time=60",
		"scenario.duration=1h",
		"B.so_keepalive=on",
		"A.tcp_keepidle=90", /* in order: the last one wins */
		"scenario.description=from the command line",
		"scenario.name=cli",
	};
	struct scenario *s = sc_ok("[scenario]\nduration = 2h\n[A]\ntcp_keepidle = 30\n"
				   "[events]\n30m = unplug B\n",
				   sets, NSETS(sets));

	cr_expect_eq(s->ep[HOST_A].tcp_keepidle, 90);
	cr_expect_eq(s->link.dir[HOST_A].delay, 20 * KS_MS);
	cr_expect_eq(s->link.dir[HOST_B].delay, 20 * KS_MS);
	cr_expect_eq(s->ep[HOST_A].tcp_keepalive_time, 60);
	cr_expect_eq(s->ep[HOST_B].tcp_keepalive_time, 7200);
	cr_expect_eq(s->duration, 3600 * SEC);
	cr_expect_eq(s->ep[HOST_B].so_keepalive, true);
	cr_expect_str_eq(s->description, "from the command line");
	cr_expect_str_eq(s->name, "cli");
	scenario_free(s);
}

Test(scenario, set_errors)
{
	static const char *const sets[] = {
		"foo",
		"A.tcp_keepidle=0",
		"events.10s=unplug B",
		"lnik.delay=1ms",
		"A.keepidel=5",
		"A.tcp_keepidle",
		"=5",
		".x=1",
		"scenario.duration=30m",
		"B.addr=192.0.2.10:40000",
	};
	sc_expect_errors("[events]\n1h = crash B\n", sets, NSETS(sets),
			 (const char *const[]){
				 "--set foo: expected SECTION.KEY=VALUE (e.g. A.tcp_keepidle=60)",
				 "--set A.tcp_keepidle=0: tcp_keepidle = 0 is out of range "
				 "(1..32767 s; setsockopt(TCP_KEEPIDLE) returns EINVAL outside)",
				 "--set events.10s=unplug B: [events] cannot be changed with --set "
				 "(put events in the scenario file)",
				 "--set lnik.delay=1ms: unknown section [lnik] (did you mean [link]?)",
				 "--set A.keepidel=5: unknown key 'keepidel' in [A] "
				 "(did you mean 'tcp_keepidle'?)",
				 "--set A.tcp_keepidle: expected SECTION.KEY=VALUE (e.g. A.tcp_keepidle=60)",
				 "--set =5: expected SECTION.KEY=VALUE (e.g. A.tcp_keepidle=60)",
				 "--set .x=1: expected SECTION.KEY=VALUE (e.g. A.tcp_keepidle=60)",
				 "--set B.addr=192.0.2.10:40000: addr = 192.0.2.10:40000 is A's address "
				 "and port too (A and B must differ)",
				 "t.ini:2: event at 1h is after the end of the simulation (duration 30m)",
			 },
			 10);
}

Test(scenario, diag_collects_in_order)
{
	struct diag d = { 0 };

	for (int i = 0; i < 20; i++)
		diag_add(&d, "message %d of %s", i, "twenty");
	cr_assert_eq(d.n, 20);
	cr_expect_str_eq(d.msg[0], "message 0 of twenty");
	cr_expect_str_eq(d.msg[19], "message 19 of twenty");
	diag_free(&d);
	cr_expect_eq(d.n, 0);
	cr_expect_null(d.msg);
}

/* ---- sockopt_check -------------------------------------------------------- */

Test(scenario, sockopt_check_limits)
{
	static const struct {
		enum sockopt opt;
		uint64_t lo, hi;
		const char *name;
	} lim[] = {
		{ OPT_SO_KEEPALIVE, 0, 1, "so_keepalive" },
		{ OPT_TCP_KEEPIDLE, 1, 32767, "tcp_keepidle" },
		{ OPT_TCP_KEEPINTVL, 1, 32767, "tcp_keepintvl" },
		{ OPT_TCP_KEEPCNT, 1, 127, "tcp_keepcnt" },
		{ OPT_TCP_USER_TIMEOUT, 0, 2147483647, "tcp_user_timeout" },
		{ OPT_SYSCTL_KEEPALIVE_TIME, 1, 2147483, "net.ipv4.tcp_keepalive_time" },
		{ OPT_SYSCTL_KEEPALIVE_INTVL, 1, 2147483, "net.ipv4.tcp_keepalive_intvl" },
		{ OPT_SYSCTL_KEEPALIVE_PROBES, 0, 255, "net.ipv4.tcp_keepalive_probes" },
		{ OPT_SYSCTL_RETRIES2, 0, 255, "net.ipv4.tcp_retries2" },
		{ OPT_SYSCTL_SYN_RETRIES, 1, 127, "net.ipv4.tcp_syn_retries" },
	};
	for (size_t i = 0; i < NSETS(lim); i++) {
		cr_expect_null(sockopt_check(lim[i].opt, lim[i].lo), "%s", lim[i].name);
		cr_expect_null(sockopt_check(lim[i].opt, lim[i].hi), "%s", lim[i].name);
		cr_expect_not_null(sockopt_check(lim[i].opt, lim[i].hi + 1), "%s", lim[i].name);
		cr_expect_not_null(sockopt_check(lim[i].opt, UINT64_MAX), "%s", lim[i].name);
		if (lim[i].lo)
			cr_expect_not_null(sockopt_check(lim[i].opt, lim[i].lo - 1), "%s",
					   lim[i].name);
		cr_expect_str_eq(sockopt_name(lim[i].opt), lim[i].name);
	}
	cr_expect_str_eq(sockopt_check(OPT_TCP_KEEPIDLE, 0),
			 "1..32767 s; setsockopt(TCP_KEEPIDLE) returns EINVAL outside");
	cr_expect_str_eq(sockopt_check(OPT_SYSCTL_KEEPALIVE_TIME, 2147484), "1..2147483 s");
}

/* ---- durations ------------------------------------------------------------ */

struct dur_case {
	char text[48];
	int ok;
	ks_time_t ns;
};

ParameterizedTestParameters(scenario, durations)
{
	static struct dur_case cases[] = {
		{ "90", 1, 90 * SEC },
		{ "90s", 1, 90 * SEC },
		{ "0", 1, 0 },
		{ "0s", 1, 0 },
		{ "1500ms", 1, 1500 * KS_MS },
		{ "250us", 1, 250 * KS_US },
		{ "10ns", 1, 10 },
		{ "5m", 1, 300 * SEC },
		{ "2h11m15s", 1, 7875 * SEC },
		{ "1d", 1, 86400 * SEC },
		{ "1d1ns", 1, 86400 * SEC + 1 },
		{ "1.5s", 1, 1500 * KS_MS },
		{ "1.5", 1, 1500 * KS_MS },
		{ "0.25ms", 1, 250 * KS_US },
		{ "1.000000001", 1, SEC + 1 },
		{ "1.5000000000000", 1, 1500 * KS_MS },
		{ "0.5m", 1, 30 * SEC },
		{ "1h0.5m", 1, 3630 * SEC },
		{ "1s500ms", 1, 1500 * KS_MS },
		{ "007s", 1, 7 * SEC },
		{ "18446744073709551614ns", 1, 18446744073709551614ULL },
		{ "213503d23h34m33s709551614ns", 1, 18446744073709551614ULL },
		{ "", 0, 0 },
		{ "-1", 0, 0 },
		{ "+1", 0, 0 },
		{ "1x", 0, 0 },
		{ "s", 0, 0 },
		{ "1h1h", 0, 0 },
		{ "1s1m", 0, 0 },
		{ "1ms1s", 0, 0 },
		{ "1h30", 0, 0 },
		{ "1 s", 0, 0 },
		{ " 1s", 0, 0 },
		{ "1S", 0, 0 },
		{ "1.", 0, 0 },
		{ ".5", 0, 0 },
		{ "1.0000000001", 0, 0 },
		{ "1.5ns", 0, 0 },
		{ "0.0001us", 0, 0 },
		{ "1e3", 0, 0 },
		{ "0x10", 0, 0 },
		{ "18446744073709551615ns", 0, 0 },
		{ "18446744073709551616", 0, 0 },
		{ "213504d", 0, 0 },
		{ "99999999999999999999999999d", 0, 0 },
	};
	return cr_make_param_array(struct dur_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct dur_case *c, scenario, durations)
{
	ks_time_t t = 12345;
	bool ok = parse_duration(c->text, &t);

	cr_assert_eq(ok, (bool)c->ok, "'%s'", c->text);
	if (c->ok)
		cr_assert_eq(t, c->ns, "'%s' = %llu", c->text, (unsigned long long)t);
	else
		cr_assert_eq(t, 12345, "'%s' changed the output", c->text);
}

struct fmt_case {
	ks_time_t t;
	char want[32];
};

ParameterizedTestParameters(scenario, format_seconds)
{
	static struct fmt_case cases[] = {
		{ 0, "0" },
		{ 7875 * SEC, "7875" },
		{ 200 * KS_MS, "0.2" },
		{ 1, "0.000000001" },
		{ 1500 * KS_MS, "1.5" },
		{ SEC + 10, "1.00000001" },
		{ 123456789, "0.123456789" },
		{ 86400 * SEC + 250 * KS_US, "86400.00025" },
		{ UINT64_MAX, "18446744073.709551615" },
	};
	return cr_make_param_array(struct fmt_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct fmt_case *c, scenario, format_seconds)
{
	char buf[32];

	format_seconds(buf, sizeof(buf), c->t);
	cr_assert_str_eq(buf, c->want);
}

Test(scenario, format_seconds_truncates_safely)
{
	char buf[4];

	format_seconds(buf, sizeof(buf), 7875 * SEC);
	cr_assert_str_eq(buf, "787");
}

/* ---- hostile bytes and limits (issue 10) --------------------------------------- */

/* The line limit is exact: 1021 bytes without the line end, LF or CRLF. */
Test(scenario, line_limit_is_exact)
{
	char text[2200];
	const char *ends[] = { "\n", "\r\n" };
	for (int e = 0; e < 2; e++) {
		/* "description = " is 14 bytes */
		snprintf(text, sizeof(text), "[scenario]%sdescription = %0*d%s", ends[e], 1021 - 14, 0, ends[e]);
		struct scenario *s = sc_ok(text, NULL, 0);
		cr_expect_eq(strlen(s->description), 1021 - 14);
		scenario_free(s);
		snprintf(text, sizeof(text), "[scenario]%sdescription = %0*d%s", ends[e], 1022 - 14, 0, ends[e]);
		sc_expect_error(text, "t.ini:2: line too long (at most 1021 characters)");
	}
	/* a byte-order mark does not count */
	snprintf(text, sizeof(text), "\xEF\xBB\xBF" "description=%0*d\n[scenario]\n", 1021 - 12, 0);
	sc_expect_error(text, "t.ini:1: key 'description' is outside any section (valid sections: "
			      "[scenario], [A], [B], [link], [nat], [lb], [proxy], [events])");
}

/* A carriage return is only valid in CRLF. */
Test(scenario, bare_cr_refused)
{
	sc_expect_error("[A]\rso_keepalive = on\rtcp_keepidle = 60\r",
			"t.ini:1: carriage return not followed by a line feed (line ends are LF or CRLF)");
	sc_expect_errors("[A]\r\nso_keepalive = on\r\ntcp_keepidle = 60\rtcp_keepcnt = 3\r\ntcp_keepcnt = 0\n",
			 NULL, 0,
			 (const char *const[]){
				 "t.ini:3: carriage return not followed by a line feed (line ends are LF or CRLF)",
				 "t.ini:4: tcp_keepcnt = 0 is out of range (1..127 probes; "
				 "setsockopt(TCP_KEEPCNT) returns EINVAL outside)",
			 },
			 2);
	sc_expect_error("[A]\nso_keepalive = on\r",
			"t.ini:2: carriage return not followed by a line feed (line ends are LF or CRLF)");
}

/* Bounded decimals are compared exactly, not after rounding to a double. */
Test(scenario, decimal_bounds_exact)
{
	sc_expect_error("[link]\nloss = 1.0000000000000000001\n",
			"t.ini:2: loss = 1.0000000000000000001 is out of range (a probability, 0..1)");
	sc_expect_error("[link]\nloss.b_to_a = 1.00000000000000000000000001\n",
			"t.ini:2: loss.b_to_a = 1.00000000000000000000000001 is out of range (a probability, 0..1)");
	sc_expect_error("[nat]\nbg_rate = 1000000.0000000000000001\n",
			"t.ini:2: bg_rate = 1000000.0000000000000001 is out of range (new flows per second, "
			"0..1000000, 0 = no background load)");
	sc_expect_error("[events]\n1s = link loss 1.00000000000000000001\n",
			"t.ini:2: link loss: 1.00000000000000000001 is out of range (a probability, 0..1)");
	struct scenario *s = sc_ok("[link]\nloss = 1.000000000000000000000\nge_p = 0.99999999999999999999\n"
				   "[nat]\nbg_rate = 0001000000.000\n", NULL, 0);
	cr_expect_eq(s->link.dir[HOST_A].loss, 1.0);
	cr_expect_eq(s->link.dir[HOST_A].ge_p, 1.0); /* rounds up, but is below 1 */
	cr_expect_eq(s->nat.bg_rate, 1e6);
	scenario_free(s);
}

Test(scenario, decimal_cmp_exact)
{
	static const struct { const char *text; uint64_t bound; int want; } cases[] = {
		{ "1", 1, 0 },
		{ "1.000", 1, 0 },
		{ "001.0", 1, 0 },
		{ "1.0000000000000000001", 1, 1 },
		{ "0.99999999999999999999", 1, -1 },
		{ "0", 0, 0 },
		{ "0.000", 1, -1 },
		{ "0.0001", 0, 1 },
		{ "10", 1, 1 },
		{ "10e-1", 1, 0 },
		{ "1e-3", 1, -1 },
		{ "0.01e2", 1, 0 },
		{ "0.0100001e2", 1, 1 },
		{ "1e+0", 1, 0 },
		{ "999999.9999999999999", 1000000, -1 },
		{ "1000000.0000000000001", 1000000, 1 },
		{ "1000000", 1000000, 0 },
		{ "1e999999999999", 1, 1 },
		{ "1e-999999999999", 1, -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(decimal_cmp(cases[i].text, cases[i].bound), cases[i].want, "%s vs %llu",
			     cases[i].text, (unsigned long long)cases[i].bound);
}

/* The error list keeps 20 messages and counts the rest; diag_print escapes
 * every message for the terminal and says how many more there were. */
Test(scenario, diag_cap_and_print)
{
	struct diag d = { 0 };
	for (int i = 0; i < 25; i++)
		diag_add(&d, "f.ini:%d: bad \x1b[2J", i + 1);
	cr_expect_eq(d.n, 20);
	cr_expect_eq(d.dropped, 5);
	cr_expect_eq(diag_count(&d), 25);
	cr_expect_str_eq(d.msg[19], "f.ini:20: bad \x1b[2J");

	struct diag e = { 0 };
	diag_add(&e, "first");
	diag_append(&e, &d);
	cr_expect_eq(e.n, 20);
	cr_expect_eq(e.dropped, 6 + 0); /* 19 of d fit after "first"; 1 + 5 are counted */

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct diag two = { 0 };
	diag_add(&two, "f.ini:1: bad \x1b[2J\tx\x7f");
	two.dropped = 3;
	diag_print(&two, "f\x1b.ini", f);
	fclose(f);
	cr_expect_str_eq(buf, "kasim: f.ini:1: bad \\x1b[2J\\tx\\x7f\n"
			      "kasim: f\\x1b.ini: ... and 3 more errors\n");
	free(buf);
	diag_free(&two);
	diag_free(&e);
	diag_free(&d);
	cr_expect_eq(d.dropped, 0);
}

/* A garbage text of many lines: every line is checked, 20 messages kept. */
Test(scenario, garbage_capped)
{
	size_t n = 100000;
	char *text = malloc(2 * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(text + 2 * i, "x\n", 2);
	text[2 * n] = '\0';
	struct diag d = { 0 };
	struct scenario *s = scenario_parse_string("t.ini", text, NULL, 0, &d);
	cr_expect_null(s);
	cr_expect_eq(d.n, 20);
	cr_expect_eq(d.dropped, n - 20);
	cr_expect_str_eq(d.msg[19], "t.ini:20: syntax error (expected [section], KEY = VALUE or a ; comment)");
	diag_free(&d);
	free(text);
}
