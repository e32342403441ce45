/*
 * expect.h - expected results in a scenario file: the [expect] section,
 * checked after the run (docs/teaching.md, kasim-scenario(5)).
 *
 *   [expect]
 *   A.error = ETIMEDOUT
 *   A.error_time = 7875s ± 0.5s          ; also "+- 0.5s"
 *   A.probe_times = 7200s, 7275s, 7350s  ; A's keepalive probes, when each left A
 *   B.state = ESTABLISHED
 *
 * A field is HOST.NAME with NAME one of the fields of --json's endpoints.X
 * (isn, state, error, error_time, end, end_time, probes_sent,
 * retransmissions, summary) or a list of packet times (probe_times: the
 * keepalive probes the host sent; retrans_times: its retransmissions, TLPs
 * included). Times and counts may carry a tolerance. "none" stands for
 * JSON's null (no error, no end) and for an empty list.
 *
 * Modules: expect.c (parsing: the section, one value), expect_check.c (the
 * sink that observes a run through its records and its final state, the
 * comparison and the report lines).
 */
#ifndef KASIM_EXPECT_H
#define KASIM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "engine.h"

struct sink;

enum exp_field {
	EF_ISN,
	EF_STATE,
	EF_ERROR,
	EF_ERROR_TIME,
	EF_END,
	EF_END_TIME,
	EF_PROBES_SENT,
	EF_RETRANSMISSIONS,
	EF_SUMMARY,
	EF_PROBE_TIMES,
	EF_RETRANS_TIMES,
	EF_NFIELDS
};

/* How a field's value is written and compared. */
enum exp_kind {
	EK_COUNT, /* unsigned integer, tolerance allowed */
	EK_NAME,  /* a name from a fixed list (state, errno, end), or none */
	EK_TIME,  /* a duration, or none; tolerance allowed */
	EK_TEXT,  /* free text, compared exactly */
	EK_TIMES, /* a list of durations, or none; the tolerance applies to each */
};

/* One expected value (a line of [expect], or an answer). */
struct exp_value {
	bool none;              /* "none": null, or the empty list */
	uint64_t u;             /* EK_COUNT; EK_NAME: the enum / errno value */
	ks_time_t t;            /* EK_TIME */
	ks_time_t *times;       /* EK_TIMES (malloc'd) */
	size_t ntimes;
	char *text;             /* EK_TEXT (malloc'd) */
	uint64_t tol;           /* ns (times) or count; 0 = exact */
};

struct expectation {
	int line;               /* in the file */
	int host;               /* HOST_A, HOST_B */
	enum exp_field field;
	char name[24];          /* "A.error_time" */
	struct exp_value v;
};

struct expect_set {
	struct expectation *v;
	size_t n, cap;
	bool present;           /* the file has an [expect] section (maybe empty) */
};

/* The field's name ("error_time") and how its value is written. */
const char *expect_field_name(enum exp_field f);
enum exp_kind expect_field_kind(enum exp_field f);

/* "A.error_time" into *host and *field; false when it names no field. */
bool expect_field_find(const char *name, int *host, enum exp_field *field);
/* Report an unknown field NAME at `at`, with a did-you-mean among the
 * fields ("unknown field 'A.probes_snt' in [expect] (did you mean ...)").
 * cands/ncands: the names to suggest from (NULL: every field). */
void expect_unknown_field(struct diag *d, const struct diag_loc *at, const char *name, const char *where,
			  const char *const *cands, size_t ncands);

/* Parse value text for field f into *v (allow_tol: "± D" / "+- D" may follow);
 * NULL when valid, else what is wrong and valid, for "NAME = VALUE: ..." */
const char *expect_parse_value(enum exp_field f, const char *text, bool allow_tol, struct exp_value *v,
			       char *why, size_t n);
void expect_value_free(struct exp_value *v);

/* The [expect] section of a scenario file's text (every other section is the
 * scenario reader's). Errors go to d as FILE:LINE: ...; returns false when
 * there was any. es is zeroed first. */
bool expect_parse(const char *file, const char *text, struct expect_set *es, struct diag *d);
void expect_set_free(struct expect_set *es);

/* ---- checking (expect_check.c) ------------------------------------------ */

/* What a run gave for one endpoint (all fields, as --json prints them). */
struct exp_actual {
	uint32_t isn;
	int state;              /* enum tcp_state */
	int error;              /* 0 = none */
	ks_time_t error_time;
	int end;                /* enum tcp_end, END_NONE = none */
	ks_time_t end_time;
	uint32_t probes_sent, retransmissions;
	char summary[512];
	ks_time_t *probe_times, *retrans_times;
	size_t nprobe, nretrans, cap_probe, cap_retrans;
};

/* A sink that records what the expectations need; its finish() reads the
 * final state (through the read-only struct sim, as output.h allows). */
struct sink *expect_sink_new(void);
/* The actual values of host h after sim_finish(). */
const struct exp_actual *expect_sink_actual(const struct sink *s, int h);

/* Does v hold for field f of a? */
bool expect_holds(enum exp_field f, const struct exp_value *want, const struct exp_actual *a);
/* want as text, e.g. "7875 s ± 0.5 s", "ETIMEDOUT", "7200 s, 7275 s". */
void expect_format_want(char *buf, size_t n, enum exp_field f, const struct exp_value *want);
/* What a run gave for field f, e.g. "7875.04 s", "none". */
void expect_format_got(char *buf, size_t n, enum exp_field f, const struct exp_actual *a);

/* The report after a run: one line per expectation ("  FILE:LINE: A.error =
 * ETIMEDOUT: held" / "... expected X, got Y") when all_lines, else only the
 * failures. Returns the number of failures. */
size_t expect_report(FILE *out, const char *file, const struct expect_set *es, const struct sink *s,
		     bool all_lines);

#endif
