/*
 * test_csv.c - timeline.csv: the documented columns, RFC 4180 fields, and
 * exact rows for the unplug scenario (7200 + n x 75 s).
 */
#include <criterion/criterion.h>

#include "csv_out.h"
#include "binrun.h"

/* Split one CSV record (RFC 4180) at *p into fields; returns the count and
 * advances *p past the line end. Fields are copied into f[i] (max 32). */
static int csv_split(const char **p, char f[][1024], int max)
{
	int n = 0;
	const char *s = *p;
	for (;;) {
		char *o = f[n];
		size_t k = 0;
		if (*s == '"') {
			s++;
			for (;;) {
				if (*s == '"' && s[1] == '"') {
					o[k++] = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					cr_assert(*s, "unterminated quoted field");
					o[k++] = *s++;
				}
			}
		} else {
			while (*s && *s != ',' && *s != '\n')
				o[k++] = *s++;
		}
		o[k] = '\0';
		n++;
		cr_assert_lt(n, max);
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s == '\n')
			s++;
		break;
	}
	*p = s;
	return n;
}

/* On timer = exact: the rows checked are the textbook formulas. */
static char *csv_of(const char *scenario)
{
	char *dir = make_tmpdir();
	char *sc = root_path(scenario);
	struct cmd r = KASIM("-q", "--no-plot", "--set", "scenario.timer=exact", "-o", dir, sc);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char path[512];
	SNP(path, "%s/timeline.csv", dir);
	char *csv = slurp(path, NULL);
	cr_assert_not_null(csv);
	cmd_free(&r);
	free(sc);
	free(dir);
	return csv;
}

Test(csv, documented_header)
{
	cr_assert_str_eq(csv_header,
			 "time_s,record,host,src,dst,flags,seq,ack,len_bytes,note,fate,fate_time_s,drop_reason,"
			 "drop_host,decision,elapsed_s,probes_out,keepidle_s,keepintvl_s,keepcnt,user_timeout_ms,"
			 "next_s,retransmits,since_first_s,limit_s,error,explanation,rtt_sample_s,srtt_s,rttvar_s,rto_s,late_s");
	char *csv = csv_of("scenarios/unplug.ini");
	cr_assert(strncmp(csv, csv_header, strlen(csv_header)) == 0);
	cr_assert_eq(csv[strlen(csv_header)], '\n');
	free(csv);
}

Test(csv, every_row_has_every_column)
{
	const char *const scen[] = {"scenarios/unplug.ini", "scenarios/data-in-flight.ini", "scenarios/reboot.ini",
				    "scenarios/alive.ini", "scenarios/user-timeout.ini"};
	static char f[40][1024];
	for (size_t i = 0; i < sizeof scen / sizeof scen[0]; i++) {
		char *csv = csv_of(scen[i]);
		const char *p = csv;
		int rows = 0;
		while (*p) {
			cr_assert_eq(csv_split(&p, f, 40), 32, "%s row %d", scen[i], rows);
			rows++;
		}
		cr_assert_gt(rows, 5);
		free(csv);
	}
}

Test(csv, unplug_rows)
{
	static char f[40][1024];
	char *csv = csv_of("scenarios/unplug.ini");
	const char *p = csv;
	csv_split(&p, f, 40); /* header */
	int probes = 0, aborts = 0, dropped_probes = 0, ends = 0;
	while (*p) {
		csv_split(&p, f, 40);
		if (!strcmp(f[1], "keepalive") && !strcmp(f[14], "probe")) {
			/* probe n (1-based) at 7200 + (n-1) x 75 s, probes_out n-1 */
			char want[32];
			SNP(want, "%d", 7200 + probes * 75);
			cr_assert_str_eq(f[0], want);
			cr_assert_str_eq(f[15], want, "elapsed = time since the handshake");
			SNP(want, "%d", probes);
			cr_assert_str_eq(f[16], want);
			cr_assert_str_eq(f[17], "7200");
			cr_assert_str_eq(f[18], "75");
			cr_assert_str_eq(f[19], "9");
			cr_assert_str_eq(f[20], "0");
			cr_assert_str_eq(f[21], "75");
			cr_assert(strstr(f[26], "so probe #"), "%s", f[26]);
			probes++;
		}
		if (!strcmp(f[1], "keepalive") && !strcmp(f[14], "abort")) {
			cr_assert_str_eq(f[0], "7875");
			cr_assert_str_eq(f[15], "7875");
			cr_assert_str_eq(f[16], "9");
			cr_assert_str_eq(f[21], "", "not re-armed");
			aborts++;
		}
		if (!strcmp(f[1], "packet") && strstr(f[9], "keepalive probe #")) {
			cr_assert_str_eq(f[2], "A");
			cr_assert_str_eq(f[5], ".");
			cr_assert_str_eq(f[10], "dropped");
			cr_assert_str_eq(f[11], f[0], "no delay: dropped as sent");
			cr_assert_str_eq(f[12], "unplugged");
			cr_assert_str_eq(f[13], "B");
			dropped_probes++;
		}
		if (!strcmp(f[1], "end")) {
			cr_assert_str_eq(f[0], "7875");
			cr_assert_str_eq(f[2], "A");
			cr_assert_str_eq(f[14], "keepalive-timeout");
			cr_assert_str_eq(f[25], "ETIMEDOUT");
			ends++;
		}
	}
	cr_assert_eq(probes, 9);
	cr_assert_eq(aborts, 1);
	cr_assert_eq(dropped_probes, 9);
	cr_assert_eq(ends, 1);
	free(csv);
}

Test(csv, retransmit_rows)
{
	static char f[40][1024];
	char *csv = csv_of("scenarios/data-in-flight.ini");
	const char *p = csv;
	csv_split(&p, f, 40);
	int n = 0;
	while (*p) {
		csv_split(&p, f, 40);
		if (strcmp(f[1], "retransmit"))
			continue;
		n++;
		cr_assert_str_eq(f[24], "924.6", "tcp_retries2 15 with RTO 200 ms");
		if (!strcmp(f[14], "abort")) {
			cr_assert_str_eq(f[0], "1104.6");
			cr_assert_str_eq(f[22], "16");
			cr_assert_str_eq(f[23], "1044.4");
		}
	}
	cr_assert_eq(n, 17, "16 retransmissions and the abort");
	free(csv);
}
