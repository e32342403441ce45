/*
 * scenario.h - scenario files (INI) turned into a validated, immutable
 * description of one simulation.
 *
 * The scenario is the only input of a simulation: scenario -> simulation ->
 * event stream -> output sinks. Every value here has already been checked
 * against Linux's limits; the simulation never re-validates.
 *
 * Errors are collected, never printed here: the caller prints every message of
 * a struct diag (diag.h), each already in the form "FILE:LINE: what is wrong
 * (what is valid)".
 *
 * Modules: scenario.c (loading, --set, whole-scenario checks), scenario_keys.c
 * (the key table), scenario_opts.c (socket options), scenario_events.c (the
 * [events] grammar), scenario_config.c (the effective configuration); they
 * share include/priv/scenario_priv.h. Durations: duration.h; numbers: number.h.
 */
#ifndef KASIM_SCENARIO_H
#define KASIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "duration.h"
#include "engine.h"
#include "number.h"
#include "profile.h"
#include "timer.h"

enum { HOST_A = 0, HOST_B = 1, NHOSTS = 2 };
/* With a [proxy], P's two sockets are hosts of their own: P.server connects
 * to B (the server leg, A's role there), P.client accepts A (the client leg,
 * B's role there). A segment's direction on its leg's link is then src & 1,
 * as on the one link without a proxy (link.h). */
enum { HOST_PS = 2, HOST_PC = 3, NSOCKS = 4 };
/* 'A', 'B' or 'P': how every output names a host (packet lines: the pair
 * A/P or P/B names the leg). */
static inline char host_letter(int h) { return h == HOST_A ? 'A' : h == HOST_B ? 'B' : 'P'; }
/* "A", "B", "P.client" or "P.server": a socket's name in timer and end lines. */
static inline const char *host_name(int h)
{
	static const char *const names[NSOCKS] = {"A", "B", "P.server", "P.client"};
	return names[h];
}

/* What an application does when its heartbeats go unanswered. */
enum hb_action { HB_ACTION_CLOSE, HB_ACTION_ABORT };

/* Application heartbeats of one endpoint (docs/heartbeats.md): heartbeat =
 * PRESET and the heartbeat_* keys. Independent of TCP keepalive: the pings
 * and replies are payload that goes through the TCP model. */
struct hb_config {
	char preset[16];          /* "" = off; "custom" or a preset name */
	ks_time_t interval;       /* between pings (idle time when idle_only); 0 = unset */
	ks_time_t timeout;        /* a ping's reply must arrive within this */
	uint64_t count;           /* consecutive missed replies before giving up */
	uint64_t size;            /* bytes of one ping */
	uint64_t reply_size;      /* bytes of the peer's reply; 0 = the peer does not reply */
	bool idle_only;           /* on: the interval counts from the last data received */
	bool without_calls;       /* ping also when no call is open (permit_without_calls) */
	int action;               /* enum hb_action */
};

/* Socket options and per-host sysctls, with Linux's names and units. */
struct ep_config {
	bool so_keepalive;          /* SO_KEEPALIVE, default off */
	uint32_t tcp_keepidle;      /* s, 0 = unset (use the sysctl) */
	uint32_t tcp_keepintvl;     /* s, 0 = unset */
	uint32_t tcp_keepcnt;       /* count, 0 = unset */
	uint32_t tcp_user_timeout;  /* ms, 0 = off */
	/* net.ipv4.* of this host's network namespace */
	uint32_t tcp_keepalive_time;   /* s, default 7200 */
	uint32_t tcp_keepalive_intvl;  /* s, default 75 */
	uint32_t tcp_keepalive_probes; /* count, default 9 */
	uint32_t tcp_retries2;         /* default 15 */
	uint32_t tcp_syn_retries;      /* default 6 */
	uint32_t icmp_ratelimit;       /* ms, default 1000: when this host's side answers with ICMP */
	uint32_t icmp_ratemask;        /* ICMP types rate limited, default 0x1818 */
	uint32_t tcp_rto_min_us;       /* us, default 200000 (Linux >= 6.11) */
	uint32_t tcp_timestamps;       /* 0 off, 1 (default) or 2 on: offer the timestamp option */
	ks_time_t rto_min;             /* the route's rto_min (ip route ... rto_min); NEVER = none */
	uint32_t tcp_fin_timeout;      /* s, default 60: an orphan's FIN_WAIT2 (tcp_fin_time) */
	uint32_t tcp_orphan_retries;   /* default 0 (= 8 while the RTO is below its max) */
	uint32_t tcp_linger2;          /* TCP_LINGER2, s: 0 = use tcp_fin_timeout,
					* TCP_LINGER2_NONE = -1 (no FIN_WAIT2 wait) */
	bool app_reads;                /* the application reads what arrives (default on);
					* off: close() finds unread data and resets */
	uint32_t tcp_synack_retries;   /* default 5 */
	uint32_t addr;                 /* IPv4, host byte order */
	uint16_t port;
	enum os_profile os;            /* os = linux (default), freebsd, ... */
	char library[16];              /* library = NAME applied ("" = none) */
	struct hb_config hb;           /* application heartbeats (heartbeat = ...) */
};

/* One direction of the wire, indexed by the sender: dir[HOST_A] is A->B. */
struct link_dir {
	ks_time_t delay;   /* one way, default 0 */
	ks_time_t jitter;  /* extra delay, uniform in [0, jitter] per segment, default 0 */
	double loss;       /* P(loss) per segment (in the good state when ge_p > 0) */
	double ge_p;       /* Gilbert-Elliott: P(good -> bad) per segment; 0 = no bursts */
	double ge_r;       /* P(bad -> good) per segment: mean burst length 1/ge_r segments */
	double ge_loss;    /* P(loss) per segment in the bad state, default 1 */
};

struct link_config {
	struct link_dir dir[NHOSTS];
	bool reorder;      /* jitter may reorder segments (default off: FIFO per direction) */
};

/* What a NAT does with a segment that matches no mapping. */
enum nat_miss {
	NAT_MISS_DROP,    /* silently */
	NAT_MISS_RST,     /* drop, and answer the sender with a RST */
	NAT_MISS_CREATE,  /* outbound only: create a mapping (conntrack tcp_loose = 1) */
	NAT_MISS_INVALID, /* outbound only: conntrack tcp_loose = 0 marks it INVALID and, with no
			   * "ct state invalid drop" rule, it leaves untranslated; so does the
			   * answer to A's inside address on its way back */
};
/* What a full table does with a new mapping. */
enum nat_full { NAT_FULL_EVICT, NAT_FULL_DROP };
/* How a background flow ends. */
enum nat_bg_end { NAT_BG_FIN, NAT_BG_SILENT };

/* [nat]: a NAT between A (inside) and B (outside), at A's end of the wire. */
/* A short list of durations ("10s, 5m, 30m"). */
#define DUR_LIST_MAX 4
struct dur_list {
	uint32_t n;                    /* 1..DUR_LIST_MAX */
	ks_time_t v[DUR_LIST_MAX];
};

struct nat_config {
	bool enabled;                  /* a [nat] section is present */
	char preset[32];               /* preset applied ("" = none) */
	uint64_t capacity;             /* mappings */
	ks_time_t established_timeout; /* idle timeout once the handshake completed */
	ks_time_t transitory_timeout;  /* before the handshake completes, after FIN/RST */
	ks_time_t gc_period;           /* 0 = expire exactly at the timeout, else at GC ticks */
	bool inbound_refresh;          /* B's segments refresh the mapping */
	int outbound_miss;             /* enum nat_miss */
	int inbound_miss;              /* enum nat_miss (drop or rst) */
	bool rst_on_expiry;            /* RST to both ends when a mapping expires */
	bool port_preservation;        /* keep A's port as the external port when free */
	int table_full;                /* enum nat_full */
	uint32_t ext_addr;             /* the NAT's public address */
	/* background load: other inside hosts competing for the table */
	double bg_rate;                /* new flows per second (Poisson), 0 = none */
	ks_time_t bg_lifetime;         /* mean lifetime (exponential) */
	struct dur_list bg_interval;   /* traffic patterns: a flow sends a segment every
	                                * bg_interval.v[k], k drawn uniformly per flow */
	int bg_end;                    /* enum nat_bg_end */
};

/* What a terminating proxy sends on a leg when its idle timer expires, and
 * how a leg's end is passed on to the other leg. */
enum proxy_close { PROXY_FIN, PROXY_RST, PROXY_SILENT };

/* [proxy]: a proxy P that terminates TCP between A and B (sim/proxy.c). A
 * connects to P (the client leg, over [link] and the NAT if any); P connects
 * to B once A's connection is accepted (the server leg, over its own wire). */
struct proxy_config {
	bool enabled;                  /* a [proxy] section is present */
	char preset[32];               /* preset applied ("" = none) */
	ks_time_t idle_timeout;        /* payload-idle limit, 0 = none */
	ks_time_t max_duration;        /* lifetime limit from the accept, 0 = none */
	int client_expiry, server_expiry; /* enum proxy_close: what each leg gets at expiry */
	int on_reset;                  /* enum proxy_close: the other leg when a leg is reset
	                                * or times out (a FIN is always passed on as a FIN) */
	ks_time_t server_delay;        /* one-way delay of the P-B wire */
	struct ep_config client;       /* P's socket on the client leg (addr: where A connects) */
	struct ep_config server;       /* P's socket on the server leg (addr: P's source) */
	/* the preset's documented range of idle_timeout (or of max_duration when
	 * range_on_max); 0, 0 = none */
	ks_time_t idle_min, idle_max;
	bool range_on_max;
	char idle_range_src[96];       /* "AWS ALB: 1-4000 s" for the message */
};

/* Options settable at run time by "set X OPTION VALUE". */
enum sockopt {
	OPT_SO_KEEPALIVE,
	OPT_TCP_KEEPIDLE,
	OPT_TCP_KEEPINTVL,
	OPT_TCP_KEEPCNT,
	OPT_TCP_USER_TIMEOUT,
	OPT_SYSCTL_KEEPALIVE_TIME,
	OPT_SYSCTL_KEEPALIVE_INTVL,
	OPT_SYSCTL_KEEPALIVE_PROBES,
	OPT_SYSCTL_RETRIES2,
	OPT_SYSCTL_SYN_RETRIES,
	OPT_SYSCTL_ICMP_RATELIMIT,
	OPT_SYSCTL_ICMP_RATEMASK,
	OPT_SYSCTL_RTO_MIN_US,
	OPT_SYSCTL_TIMESTAMPS,
	OPT_TCP_LINGER2,
	OPT_SYSCTL_FIN_TIMEOUT,
	OPT_SYSCTL_ORPHAN_RETRIES,
	OPT_SYSCTL_SYNACK_RETRIES,
};
/* TCP_LINGER2 set to a negative value: the kernel stores -1. */
#define TCP_LINGER2_NONE UINT32_MAX

enum action {
	ACT_UNPLUG,  /* X's cable: nothing reaches or leaves X; X keeps running */
	ACT_REPLUG,
	ACT_CRASH,   /* power off: silent, all state lost */
	ACT_BOOT,    /* back up with no connections: answers RST */
	ACT_REBOOT,  /* crash + boot */
	ACT_SEND,    /* application writes arg bytes */
	ACT_CLOSE,   /* application closes the socket (FIN) */
	ACT_SET,     /* setsockopt / sysctl at run time */
	ACT_CONGEST, /* X's qdisc drops everything X sends for arg ns */
	/* the path (host = -1) */
	ACT_LINK_DOWN,  /* the wire is cut: every segment is lost, in flight included */
	ACT_LINK_UP,
	ACT_LINK_LOSS,  /* loss probability p, both directions */
	ACT_LINK_DELAY, /* one-way delay arg and jitter (host: that sender's direction, -1 both) */
	ACT_PARTITION,  /* segments sent by host are lost (one-way failure) */
	ACT_HEAL,       /* end every partition */
	ACT_NAT_FLUSH,  /* every mapping is deleted */
	ACT_NAT_REBOOT, /* the NAT loses all state and restarts its port allocator */
	ACT_UNREACHABLE,/* host's end of the path answers every segment for host with
			 * ICMP destination unreachable, code arg (-1 as UINT64_MAX: off) */
	ACT_LB_FLUSH,   /* "lb flush": the same for [lb] */
	ACT_LB_REBOOT,  /* "lb reboot" */
};

/* [scenario] timer: the timer model of each host (docs/timers.md). auto gives
 * each host its own OS's: Linux profiles the jiffies wheel, lwip its slow
 * timer, the others the exact model; exact, linux and lwip force one. */
enum sc_timer { SC_TIMER_AUTO, SC_TIMER_EXACT, SC_TIMER_LINUX, SC_TIMER_LWIP };

struct sc_event {
	ks_time_t at;
	int line;      /* line in the scenario file, for messages */
	enum action action;
	int host;      /* HOST_A or HOST_B; -1 for the path's events (PARTITION: the sender) */
	enum sockopt opt; /* ACT_SET */
	uint64_t arg;  /* bytes (SEND), ns (CONGEST, LINK_DELAY), option value (SET; ms for UT) */
	double p;      /* LINK_LOSS */
	ks_time_t every; /* "... every D": repeat every D ns after at; 0 = once */
	ks_time_t until; /* "... until T": the last occurrence is at or before T;
	                  * KS_TIME_NEVER = to the end of the simulation */
	ks_time_t jitter; /* LINK_DELAY: uniform in [0, jitter] per segment, 0 = none */
};
/* The shortest period of a repeating event. */
#define EVENT_EVERY_MIN KS_MS

struct scenario {
	char name[64];        /* [A-Za-z0-9._-]+ */
	char *description;    /* may be empty, never NULL */
	char *path;           /* file as given on the command line */
	ks_time_t duration;   /* default 1 day */
	uint64_t seed;        /* default 1 */
	enum sc_timer timer;  /* timer = auto (default) | exact | linux | lwip */
	uint32_t hz;          /* hz = 100 | 250 (default) | 300 | 1000 */
	uint64_t jiffies;     /* tcp_jiffies32 at t = 0; UINT64_MAX = draw from the seed */
	ks_time_t jiffies_phase; /* time since the last tick at t = 0 (< 1 tick);
				  * KS_TIME_NEVER = draw from the seed */
	struct ep_config ep[NHOSTS];
	struct link_config link;
	struct nat_config nat;
	struct nat_config lb;  /* [lb]: a second forwarding box, at the far end of A's wire */
	struct proxy_config proxy;
	struct sc_event *events; /* sorted by time; equal times keep file order */
	size_t nevents;
};

/*
 * Load a scenario file and apply --set overrides ("SECTION.KEY=VALUE", in order,
 * validated exactly like file entries). Returns NULL and fills d when anything
 * is wrong; every error of the file is reported, not only the first.
 */
struct scenario *scenario_load(const char *path, const char *const *sets, size_t nsets,
			       struct diag *d);
/* The same from a string (tests); name is used in messages as the FILE part. */
struct scenario *scenario_parse_string(const char *name, const char *text,
				       const char *const *sets, size_t nsets, struct diag *d);
/*
 * The hook for files that extend the scenario format (sweep files, see
 * sweep.h): like scenario_parse_string(), but the section [skip_section] (if
 * not NULL) is accepted and its keys are ignored, because the caller parses
 * it itself. Everything else is validated exactly as in a scenario file.
 */
struct scenario *scenario_parse_text(const char *name, const char *text, const char *skip_section,
				     const char *const *sets, size_t nsets, struct diag *d);
void scenario_free(struct scenario *s);
/* The timer model host h runs on (docs/timers.md): an lwIP stack always on its
 * slow timer; timer = auto each host's own OS's model (Linux profiles: linux);
 * a forced model only on the hosts that have it, the others exact. */
enum tm_kind sc_host_timer(const struct scenario *sc, int h);

/* Defaults of one endpoint (Linux): keepalive off, sysctls 7200/75/9, retries2 15. */
void ep_config_default(struct ep_config *c, int host);

/* NAT presets (sim/nat_preset.c): names in documentation order; fill out with
 * the defaults plus the preset's values. Returns false when name is unknown. */
extern const char *const nat_preset_names[];
extern const size_t nat_npresets;
bool nat_preset_fill(const char *name, struct nat_config *out);
/* The vendor's documented range of established_timeout for a preset; false
 * when there is none (fixed, or not documented). */
bool nat_preset_range(const char *name, ks_time_t *min, ks_time_t *max, const char **setting);
/* The [nat] defaults without a preset. */
void nat_config_default(struct nat_config *c);
/* The [lb] defaults: [nat]'s, with the LB's own ext_addr. */
void lb_config_default(struct nat_config *c);

/* Heartbeat presets (sim/heartbeat_preset.c): names in documentation order
 * ("off" and "custom" first); fill out with the preset's values. Returns
 * false when name is unknown. */
extern const char *const hb_preset_names[];
extern const size_t hb_npresets;
bool hb_preset_fill(const char *name, struct hb_config *out);
/* How outputs name a preset's heartbeat and its reply ("gRPC keepalive",
 * "PING ACK"), and what its application does on giving up ("transport
 * closed"); "heartbeat", "reply" for custom. */
struct hb_words {
	const char *what, *reply, *closed, *aborted;
	const char *interval_needed; /* non-NULL: why heartbeat_interval must be set */
};
const struct hb_words *hb_preset_words(const char *name);
/* Proxy presets (sim/proxy_preset.c), like the NAT's. */
extern const char *const proxy_preset_names[];
extern const size_t proxy_npresets;
bool proxy_preset_fill(const char *name, struct proxy_config *out);
void proxy_config_default(struct proxy_config *c);

/* Validate an option value as setsockopt/sysctl would. Returns NULL when valid,
 * else a static text naming the valid range, e.g. "1..32767 s". */
const char *sockopt_check(enum sockopt opt, uint64_t value);
const char *sockopt_name(enum sockopt opt);

/* ---- the effective configuration, generated from the key table ------------ */

/*
 * Every key of every section, in the order of docs/scenario-format.md, with
 * its effective value (after --set and presets): run.json's "config" is
 * written from this, so a new key can never be missing there.
 */
enum cfg_type {
	CFG_NULL,   /* unset: a socket option the sysctl stands for, a [nat] without
	             * preset, jiffies or jiffies_phase drawn from the seed */
	CFG_BOOL,   /* .b */
	CFG_UINT,   /* .u */
	CFG_REAL,   /* .r */
	CFG_TIME,   /* .t */
	CFG_STR,    /* .s */
	CFG_ADDR,   /* .addr (host byte order), .port (0 = an address alone) */
	CFG_TIMES,  /* .times[0 .. ntimes - 1] */
};
struct cfg_value {
	enum cfg_type type;
	bool b;
	uint64_t u;
	double r;
	ks_time_t t;
	const char *s;
	uint32_t addr;
	uint16_t port;
	const ks_time_t *times;
	size_t ntimes;
};
/* Where a [link] key's value lives: one value (reorder), both directions
 * (delay), or one direction (delay.a_to_b, delay.b_to_a). */
enum cfg_dir { CFG_DIR_NONE, CFG_DIR_BOTH, CFG_DIR_AB, CFG_DIR_BA };

/* Sections in file order: scenario, A, B, link, nat, lb, proxy, events ([events] has no keys). */
size_t scenario_nsections(void);
const char *scenario_section_name(size_t sec);
size_t scenario_nkeys(size_t sec);
const char *scenario_key_name(size_t sec, size_t k);
enum cfg_dir scenario_key_dir(size_t sec, size_t k);
/* Key k of section sec in sc. For a CFG_DIR_BOTH key, host (HOST_A: a_to_b,
 * HOST_B: b_to_a) says which direction's value; it is ignored otherwise. */
void scenario_key_value(const struct scenario *sc, size_t sec, size_t k, int host,
			struct cfg_value *v);

#endif
