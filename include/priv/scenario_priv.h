/*
 * priv/scenario_priv.h - what the scenario parser's files share, and nothing
 * outside them uses:
 *   scenario.c         loading: the INI reader's callbacks, --set, the checks
 *                      that need the whole scenario
 *   scenario_keys.c    the key table of every section and how a key's value
 *                      is parsed, checked and stored (key_apply)
 *   scenario_opts.c    socket options and sysctls: Linux's limits
 *   scenario_events.c  the [events] grammar
 *   scenario_config.c  the effective configuration, key by key (scenario.h)
 */
#ifndef KASIM_PRIV_SCENARIO_PRIV_H
#define KASIM_PRIV_SCENARIO_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "duration.h"
#include "number.h"
#include "scenario.h"

#define MAX_KEYS 32          /* keys per section (first_line[] below, nat_set bits) */
#define DAY (86400 * KS_SEC)
#define NKEYS(t) (sizeof(t) / sizeof((t)[0]))

/* ---- socket options and sysctls (scenario_opts.c) ---- */

enum opt_unit { U_BOOL, U_SEC, U_COUNT, U_MS, U_MASK /* a count, or 0x hex */,
		U_LINGER /* seconds, or a negative number: TCP_LINGER2_NONE */ };

/* Indexed by enum sockopt; the option's name is its row in the [A]/[B] keys. */
struct opt_def {
	enum opt_unit unit;
	uint64_t min, max;
	const char *range;  /* sockopt_check()'s answer outside min..max */
	const char *zero;   /* its answer for 0, when that needs its own words */
	size_t off;         /* field in struct ep_config */
	bool zero_unset;    /* 0 means unset (the sysctl applies) */
};
extern const struct opt_def sc_opt_defs[];

/* ---- sections and keys (scenario_keys.c) ---- */

enum val_kind {
	V_NAME,     /* char[64] of [A-Za-z0-9._-] */
	V_TEXT,     /* char *, free text */
	V_DURATION, /* ks_time_t within min..max */
	V_U64,      /* uint64_t, decimal or 0x hex */
	V_OPT,      /* socket option / sysctl: sc_opt_defs[opt] */
	V_ADDR,     /* IPv4:PORT into ep_config.addr and .port */
	V_PROB,     /* double in 0..1 */
	V_RATE,     /* double in 0..max (per second) */
	V_BOOL,     /* bool */
	V_ENUM,     /* int: index in names[] */
	V_IPV4,     /* uint32_t, host byte order */
	V_PRESET,   /* [nat] preset, [A]/[B] heartbeat: fills every key not set explicitly */
	V_TIMER,    /* enum sc_timer by name */
	V_HZ,       /* uint32_t: 100, 250, 300 or 1000 */
	V_OS,       /* enum os_profile by name (ep_config.os) */
	V_DURLIST,  /* struct dur_list: 1..DUR_LIST_MAX durations within min..max */
	V_LIBRARY,  /* [A]/[B] library: fills the keepalive options not set explicitly */
};

/* Link keys: which direction(s) a key sets (the values of enum cfg_dir). */
enum { DIR_NONE = CFG_DIR_NONE, DIR_BOTH = CFG_DIR_BOTH, DIR_AB = CFG_DIR_AB, DIR_BA = CFG_DIR_BA };

struct key_def {
	const char *name;
	enum val_kind kind;
	enum sockopt opt;   /* V_OPT */
	size_t off;         /* field in the section's struct (not V_OPT/V_ADDR) */
	ks_time_t min, max; /* V_DURATION, V_U64 (max 0 = no range), V_RATE */
	const char *valid;  /* what is valid, for messages (not V_OPT) */
	int dir;            /* DIR_*: off is then in struct link_dir */
	const char *const *names; /* V_ENUM, NULL-terminated */
};

enum { SEC_SCENARIO, SEC_A, SEC_B, SEC_LINK, SEC_NAT, SEC_LB, SEC_PROXY, SEC_EVENTS, NSECTIONS };

struct sect_def {
	const char *name;
	const struct key_def *keys; /* NULL: [events], parsed by sc_event_parse() */
	size_t nkeys;
	size_t base;                /* offset of the section's struct in struct scenario */
	int host;                   /* HOST_A/HOST_B for endpoints, else -1 ([proxy] too) */
};
extern const struct sect_def sc_sections[NSECTIONS];
extern const char *const sc_timer_names[]; /* by enum sc_timer */
#define NTIMERS 4

/* ---- the parse context (scenario.c) ---- */

struct ctx {
	struct diag_loc at;    /* where we are: a file line, or a --set argument */
	const char *skip;      /* a [section] someone else parses (sweep files), or NULL */
	struct diag *d;
	size_t nerr;
	bool oom;
	struct scenario *s;
	size_t evcap;
	int first_syntax;      /* first syntax error line the reader found */
	int first_line[NSECTIONS][MAX_KEYS]; /* where each key was set, 0 = not yet */
	const char *set_src[NSECTIONS][MAX_KEYS]; /* the last --set of each key, or NULL */
	struct {
		int line;
		const char *set;
		unsigned order;    /* 0 = default */
	} addr_src[NHOSTS];
	unsigned order;
	uint32_t link_set[NHOSTS]; /* link_dir fields set by a .a_to_b/.b_to_a key (bit = off / 8) */
	uint32_t nat_set;          /* nat keys set explicitly (bit = index) */
	uint32_t lb_set;           /* lb keys set explicitly (the same table's bits) */
	uint32_t hb_set[NHOSTS];   /* [A]/[B] heartbeat_* keys set explicitly (bit = index) */
	uint32_t proxy_set;        /* proxy keys set explicitly (bit = index) */
};

/* scenario_values.c: parse and check one value of key k, store it in field
 * (value_apply); the pieces the per-section rules reuse. Each reports its
 * error at c->at and returns false (or stores nothing). */
void sc_value_apply(struct ctx *c, const struct key_def *k, void *field, const char *val);
bool sc_parse_addr(const char *v, uint32_t *addr, uint16_t *port);
bool sc_dur_value(struct ctx *c, const struct key_def *k, const char *val, ks_time_t *t);
bool sc_real_value(struct ctx *c, const struct key_def *k, const char *val, double *dv);

/* An error at c->at (counted in c->nerr). */
#define sc_report(c, ...) ((c)->nerr++, diag_at((c)->d, &(c)->at, __VA_ARGS__))
/* "out of memory", once. */
void sc_oom(struct ctx *c);

/* Section by name (len bytes), -1 when unknown. */
int sc_sect_find(const char *name, size_t len);
const struct key_def *sc_key_find(int sec, const char *name);
/* "unknown section [x] (did you mean [y]?)" */
void sc_unknown_section(struct ctx *c, const char *name);
/* "unknown key 'x' in [A] (did you mean 'y'?)"; only V_OPT keys when opts_only. */
void sc_unknown_key(struct ctx *c, int sec, const char *name, bool opts_only);
/* Parse, check and store one key's value; reports and leaves the field
 * alone when invalid. */
void sc_key_apply(struct ctx *c, int sec, const struct key_def *k, const char *val);
/* After every key of [A]/[B] sec: what the endpoint's library derives from them. */
void sc_library_finish(struct ctx *c, int sec, struct ep_config *ep);

/* A socket option's value in its own unit, checked by sockopt_check();
 * reports and returns false when invalid (scenario_opts.c). */
bool sc_opt_parse(struct ctx *c, enum sockopt opt, const char *name, const char *val, uint64_t *out);
void sc_opt_store(struct ep_config *ep, enum sockopt opt, uint64_t v);

/* One [events] entry "WHEN = ACTION ARGS" (scenario_events.c). */
void sc_event_parse(struct ctx *c, const char *when, const char *value);

#endif
