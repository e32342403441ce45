/*
 * test_hostile.c - hostile inputs (issue 10, the input side), run through the
 * sanitised binary: each must end with exit 2, exactly the expected message on
 * stderr and nothing on stdout.
 *
 * tests/corpus/ holds one file per hostile input; the table below says what
 * kasim must print for it. Inputs too large to keep in the repository
 * (/dev/zero, /dev/urandom, a file over 1 MiB, half a million garbage lines)
 * are made here.
 */
#include <criterion/criterion.h>

#include "binrun.h"

struct hostile {
	const char *file;  /* in tests/corpus/ */
	bool sweep;        /* kasim sweep FILE -o DIR, else kasim FILE */
	const char *err;   /* the whole of stderr */
};

static const struct hostile corpus[] = {
	{ "nul-in-value.ini", false, "kasim: nul-in-value.ini:3: NUL byte (kasim reads text files only)\n" },
	{ "cr-line-ends.ini", false,
	  "kasim: cr-line-ends.ini:1: carriage return not followed by a line feed (line ends are LF or CRLF)\n" },
	{ "cr-inside-line.ini", false,
	  "kasim: cr-inside-line.ini:3: carriage return not followed by a line feed (line ends are LF or "
	  "CRLF)\n" },
	{ "line-1022.ini", false, "kasim: line-1022.ini:2: line too long (at most 1021 characters)\n" },
	{ "loss-rounds-to-1.ini", false,
	  "kasim: loss-rounds-to-1.ini:2: loss = 1.0000000000000000001 is out of range (a probability, 0..1)\n" },
	{ "bg-rate-rounds-to-max.ini", false,
	  "kasim: bg-rate-rounds-to-max.ini:2: bg_rate = 1000000.00000000000000001 is out of range (new flows "
	  "per second, 0..1000000, 0 = no background load)\n" },
	{ "event-loss-rounds-to-1.ini", false,
	  "kasim: event-loss-rounds-to-1.ini:2: link loss: 1.00000000000000000001 is out of range (a "
	  "probability, 0..1)\n" },
	{ "escape-in-key.ini", false,
	  "kasim: escape-in-key.ini:2: unknown key 'k\\x1b[2J' in [A] (valid keys: so_keepalive, tcp_keepidle, "
	  "tcp_keepintvl, tcp_keepcnt, tcp_user_timeout, net.ipv4.tcp_keepalive_time, "
	  "net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes, net.ipv4.tcp_retries2, "
	  "net.ipv4.tcp_syn_retries, net.ipv4.tcp_synack_retries, net.ipv4.icmp_ratelimit, net.ipv4.icmp_ratemask, "
	  "net.ipv4.tcp_rto_min_us, net.ipv4.tcp_timestamps, rto_min, tcp_linger2, "
	  "net.ipv4.tcp_fin_timeout, net.ipv4.tcp_orphan_retries, app_reads, addr, os, library, "
	  "heartbeat, heartbeat_interval, heartbeat_timeout, heartbeat_count, heartbeat_size, "
	  "heartbeat_reply_size, heartbeat_idle_only, heartbeat_without_calls, heartbeat_action)\n" },
	{ "escape-in-section.ini", false,
	  "kasim: escape-in-section.ini:1: unknown section [\\x1b] (valid sections: [scenario], [A], [B], "
	  "[link], [nat], [lb], [proxy], [events])\n"
	  "kasim: escape-in-section.ini:1: unexpected text after ']' (a section line is [name] and an "
	  "optional ; comment)\n" },
	{ "escape-in-value.ini", false,
	  "kasim: escape-in-value.ini:2: tcp_keepidle = \\x1b[31m5\\x9b is not a number of seconds (1..32767 s; "
	  "setsockopt(TCP_KEEPIDLE) returns EINVAL outside; e.g. 75 or 2h)\n" },
	{ "sweep-nul.ini", true, "kasim: sweep-nul.ini:4: NUL byte (kasim reads text files only)\n" },
	{ "sweep-cr.ini", true,
	  "kasim: sweep-cr.ini:3: carriage return not followed by a line feed (line ends are LF or CRLF)\n" },
	{ "sweep-line-1022.ini", true, "kasim: sweep-line-1022.ini:4: line too long (at most 1021 characters)\n" },
	{ "sweep-too-many-runs.ini", true,
	  "kasim: sweep-too-many-runs.ini:7: replicas = 1000000 makes more than 10000000 runs (at most "
	  "10000000 points x replicas)\n" },
	{ "sweep-too-many-points.ini", true,
	  "kasim: sweep-too-many-points.ini:6: A.tcp_keepcnt makes more than 1000000 points (at most "
	  "1000000: the product of the axes' value counts)\n" },
	{ "sweep-max-loss-rounds-to-1.ini", true,
	  "kasim: sweep-max-loss-rounds-to-1.ini:5: max_loss = 1.0000000000000000001 is not valid (a "
	  "probability, 0..1, e.g. 0.001 or 1e-3)\n" },
	{ "sweep-escape-in-axis.ini", true,
	  "kasim: sweep-escape-in-axis.ini:4: A.tcp_keepidle: tcp_keepidle = \\x1b[2J is not a number of "
	  "seconds (1..32767 s; setsockopt(TCP_KEEPIDLE) returns EINVAL outside; e.g. 75 or 2h)\n" },
};

/* kasim [sweep] FILE [-o DIR] in dir: exit 2, exactly err, nothing on stdout,
 * and it ends: max_s is a hang guard (the bug was a kasim that never ended),
 * generous enough for a loaded machine, not a speed measurement. A kasim that
 * does not end is killed 5 s after it. */
static void expect_refused(const char *dir, const char *file, bool sweep, const char *err, double max_s)
{
	char *tmp = make_tmpdir(), out[512];
	SNP(out, "%s/out", tmp);
	const struct cmd_opts o = { .cwd = dir, .limit = max_s + 5 };
	struct cmd r = sweep ? KASIM_WITH(&o, "sweep", file, "-o", out) : KASIM_WITH(&o, file);
	cr_expect_eq(r.status, 2, "%s: exit %d\n%s", file, r.status, r.err);
	cr_expect_eq(r.outlen, 0, "%s: stdout:\n%s", file, r.out);
	if (err)
		cr_expect_str_eq(r.err, err, "%s", file);
	cr_expect_lt(r.secs, max_s, "%s took %.2f s", file, r.secs);
	cr_expect(!file_exists(out), "%s: %s was created", file, out);
	cmd_free(&r);
	rmdir(tmp);
	free(tmp);
}

Test(hostile, corpus)
{
	char *dir = root_path("tests/corpus");
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
		expect_refused(dir, corpus[i].file, corpus[i].sweep, corpus[i].err, 10);
	free(dir);
}

/* Every file of tests/corpus/ has its row in the table. */
Test(hostile, corpus_complete)
{
	char *dir = root_path("tests/corpus");
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;
	cr_assert_not_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		bool found = false;
		for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
			found |= !strcmp(corpus[i].file, e->d_name);
		cr_expect(found, "tests/corpus/%s has no row in test_hostile.c", e->d_name);
		n++;
	}
	closedir(d);
	cr_expect_eq(n, sizeof(corpus) / sizeof(corpus[0]));
	free(dir);
}

/* Devices that never end or hold no text: refused (the reader stops at the
 * first NUL or one byte past 1 MiB), so kasim ends. */
Test(hostile, devices_end_quickly)
{
	expect_refused("/", "/dev/zero", false, "kasim: /dev/zero:1: NUL byte (kasim reads text files only)\n", 10);
	expect_refused("/", "/dev/zero", true, "kasim: /dev/zero:1: NUL byte (kasim reads text files only)\n", 10);
	/* the line of the first NUL is random: the exit status, stdout and time */
	expect_refused("/", "/dev/urandom", false, NULL, 10);
	expect_refused("/", "/dev/urandom", true, NULL, 10);
}

/* A text file one byte over 1 MiB is refused before it is parsed; one of
 * exactly 1 MiB is parsed. */
Test(hostile, size_limit)
{
	char *dir = make_tmpdir(), path[512];
	SNP(path, "%s/big.ini", dir);
	for (int extra = 1; extra >= 0; extra--) {
		FILE *f = fopen(path, "w");
		cr_assert_not_null(f);
		fputs("[A]\nso_keepalive = on\n", f);
		long n = 1024 * 1024 + extra - (long)strlen("[A]\nso_keepalive = on\n");
		for (; n >= 11; n -= 11)
			fputs(";234567890\n", f); /* comment lines */
		for (; n > 0; n--)
			fputc('\n', f);
		fclose(f);
		cr_assert_eq(file_size(path), 1024 * 1024 + extra);
		if (extra) {
			expect_refused(dir, "big.ini", false,
				       "kasim: big.ini: larger than 1048576 bytes (a scenario or sweep file is at "
				       "most 1 MiB)\n", 10);
			expect_refused(dir, "big.ini", true,
				       "kasim: big.ini: larger than 1048576 bytes (a scenario or sweep file is at "
				       "most 1 MiB)\n", 10);
		} else {
			struct cmd r = KASIM_WITH(&(struct cmd_opts){ .cwd = dir }, "big.ini", "--set",
						  "scenario.duration=1s");
			cr_expect_eq(r.status, 0, "%s", r.err);
			cmd_free(&r);
		}
	}
	unlink(path);
	rmdir(dir);
	free(dir);
}

/* Half a million garbage lines (just under 1 MiB): the first 20 errors, then
 * how many more, in bounded time and memory. */
Test(hostile, error_cap)
{
	char *dir = make_tmpdir(), path[512], want[4096] = "";
	SNP(path, "%s/garbage.ini", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < 500000; i++)
		fputs("x\n", f);
	fclose(f);
	for (int sweep = 0; sweep < 2; sweep++) {
		want[0] = '\0';
		for (int i = 1; i <= 20; i++) {
			char line[160];
			SNP(line, "kasim: garbage.ini:%d: syntax error (expected [section], KEY = VALUE or a ; "
				  "comment)\n", i);
			strcat(want, line);
		}
		strcat(want, "kasim: garbage.ini: ... and 499980 more errors\n");
		expect_refused(dir, "garbage.ini", sweep, want, 60);
	}
	unlink(path);
	rmdir(dir);
	free(dir);
}

/* ---- terminal escaping ------------------------------------------------------ */

#include "termesc.h"

static void expect_esc(const char *in, const char *want)
{
	char buf[256];
	size_t n = termesc(buf, sizeof(buf), in);
	cr_expect_str_eq(buf, want, "termesc(%s)", want);
	cr_expect_eq(n, strlen(want));
}

Test(termesc, printable_and_utf8_pass_the_rest_is_escaped)
{
	expect_esc("plain text: a=b, [x] ~!@#$%^&*()\\", "plain text: a=b, [x] ~!@#$%^&*()\\");
	expect_esc("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80");
	expect_esc("a\nb\tc", "a\\nb\\tc");
	expect_esc("\x1b[31mred\x1b]0;title\x07", "\\x1b[31mred\\x1b]0;title\\x07");
	expect_esc("\r\x7f\x01", "\\x0d\\x7f\\x01");
	/* C1 controls (CSI as U+009B), invalid, overlong, surrogate, truncated */
	expect_esc("\xc2\x9b" "2J", "\\xc2\\x9b2J");
	expect_esc("\xff\xfe", "\\xff\\xfe");
	expect_esc("\xc0\xaf", "\\xc0\\xaf");
	expect_esc("\xed\xa0\x80", "\\xed\\xa0\\x80");
	expect_esc("\xe2\x80", "\\xe2\\x80");
	/* a short buffer: truncated, terminated, the needed length returned */
	char small[6];
	cr_expect_eq(termesc(small, sizeof(small), "\x1b\x1b"), 8);
	cr_expect_str_eq(small, "\\x1b\\");
}

Test(termesc, fputs_escapes_long_text)
{
	char in[3001], *buf = NULL;
	size_t len = 0;
	for (int i = 0; i < 3000; i++)
		in[i] = i % 3 ? 'a' : '\x1b';
	in[3000] = '\0';
	FILE *f = open_memstream(&buf, &len);
	termesc_fputs(in, f);
	fclose(f);
	cr_expect_eq(len, 1000 * 4 + 2000);
	cr_expect(!strchr(buf, '\x1b'));
	cr_expect_eq(strncmp(buf, "\\x1baa\\x1baa", 12), 0);
	free(buf);
}

/* The text timeline's header prints the name and description escaped. */
Test(hostile, timeline_header_escaped)
{
	char *dir = make_tmpdir(), path[512];
	SNP(path, "%s/esc.ini", dir);
	write_file(path, "[scenario]\nduration = 1s\ndescription = evil \x1b]0;pwned\x07 \x1b[31mred \xc3\xa9\n");
	struct cmd r = KASIM(path);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(strncmp(r.out, "# esc: evil \\x1b]0;pwned\\x07 \\x1b[31mred \xc3\xa9 (seed 1, duration 1 s, timers A linux HZ 250, B linux HZ 250)\n",
			     strlen("# esc: evil \\x1b]0;pwned\\x07 \\x1b[31mred \xc3\xa9 (seed 1, duration 1 s, timers A linux HZ 250, B linux HZ 250)\n")),
		     0, "%s", r.out);
	cr_expect(!strchr(r.out, '\x1b'));
	cmd_free(&r);
	unlink(path);
	rmdir(dir);
	free(dir);
}

/* An unknown command-line argument is escaped too. */
Test(hostile, usage_error_escaped)
{
	struct cmd r = KASIM("--\x1b[2J");
	cr_expect_eq(r.status, 2);
	cr_expect_str_eq(r.err, "kasim: unknown option: --\\x1b[2J\nTry 'kasim --help' for more information.\n");
	cmd_free(&r);
}
