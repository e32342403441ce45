/*
 * scenario_keys.c - the key table: every key of every section is one row
 * (struct key_def) with its name, how its value is parsed, where it is stored
 * and what is valid; and key_apply, which stores a value by its section's
 * rules (presets and libraries fill in, link directions, the proxy's legs).
 * The value itself is parsed and checked in scenario_values.c; socket
 * options and sysctls have their limits in scenario_opts.c.
 */
#include "library.h"
#include "priv/scenario_priv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT_KEY(name, o) { name, V_OPT, o, 0, 0, 0, NULL, DIR_NONE, NULL }
#define BOOLV "on/off, yes/no, true/false or 1/0"

static const struct key_def scenario_keys[] = {
	{ "name", V_NAME, 0, offsetof(struct scenario, name), 0, 0,
	  "1..63 characters of A-Z a-z 0-9 . _ -", DIR_NONE, NULL },
	{ "description", V_TEXT, 0, offsetof(struct scenario, description), 0, 0, "free text", DIR_NONE, NULL },
	{ "duration", V_DURATION, 0, offsetof(struct scenario, duration), 1, 36500 * DAY,
	  "more than 0, at most 100 years = 36500d", DIR_NONE, NULL },
	{ "seed", V_U64, 0, offsetof(struct scenario, seed), 0, 0,
	  "unsigned 64-bit integer, decimal or 0x hex", DIR_NONE, NULL },
	{ "timer", V_TIMER, 0, offsetof(struct scenario, timer), 0, 0, "auto, exact, linux or lwip", DIR_NONE, NULL },
	{ "hz", V_HZ, 0, offsetof(struct scenario, hz), 0, 0, "100, 250, 300 or 1000", DIR_NONE, NULL },
	{ "jiffies", V_U64, 0, offsetof(struct scenario, jiffies), 0, UINT32_MAX,
	  "0..4294967295, tcp_jiffies32 at t = 0", DIR_NONE, NULL },
	{ "jiffies_phase", V_DURATION, 0, offsetof(struct scenario, jiffies_phase), 0, KS_SEC,
	  "0 up to one tick (1 s / hz), exclusive", DIR_NONE, NULL },
};

static const char *const hb_action_names[] = { "close", "abort", NULL };
#define HB(f) (offsetof(struct ep_config, hb) + offsetof(struct hb_config, f))

static const struct key_def ep_keys[] = {
	OPT_KEY("so_keepalive", OPT_SO_KEEPALIVE),
	OPT_KEY("tcp_keepidle", OPT_TCP_KEEPIDLE),
	OPT_KEY("tcp_keepintvl", OPT_TCP_KEEPINTVL),
	OPT_KEY("tcp_keepcnt", OPT_TCP_KEEPCNT),
	OPT_KEY("tcp_user_timeout", OPT_TCP_USER_TIMEOUT),
	OPT_KEY("net.ipv4.tcp_keepalive_time", OPT_SYSCTL_KEEPALIVE_TIME),
	OPT_KEY("net.ipv4.tcp_keepalive_intvl", OPT_SYSCTL_KEEPALIVE_INTVL),
	OPT_KEY("net.ipv4.tcp_keepalive_probes", OPT_SYSCTL_KEEPALIVE_PROBES),
	OPT_KEY("net.ipv4.tcp_retries2", OPT_SYSCTL_RETRIES2),
	OPT_KEY("net.ipv4.tcp_syn_retries", OPT_SYSCTL_SYN_RETRIES),
	OPT_KEY("net.ipv4.tcp_synack_retries", OPT_SYSCTL_SYNACK_RETRIES),
	OPT_KEY("net.ipv4.icmp_ratelimit", OPT_SYSCTL_ICMP_RATELIMIT),
	OPT_KEY("net.ipv4.icmp_ratemask", OPT_SYSCTL_ICMP_RATEMASK),
	OPT_KEY("net.ipv4.tcp_rto_min_us", OPT_SYSCTL_RTO_MIN_US),
	OPT_KEY("net.ipv4.tcp_timestamps", OPT_SYSCTL_TIMESTAMPS),
	{ "rto_min", V_DURATION, 0, offsetof(struct ep_config, rto_min), 0, 120 * KS_SEC,
	  "0..120s (whole ms: the route metric is in ms)", DIR_NONE, NULL },
	OPT_KEY("tcp_linger2", OPT_TCP_LINGER2),
	OPT_KEY("net.ipv4.tcp_fin_timeout", OPT_SYSCTL_FIN_TIMEOUT),
	OPT_KEY("net.ipv4.tcp_orphan_retries", OPT_SYSCTL_ORPHAN_RETRIES),
	{ "app_reads", V_BOOL, 0, offsetof(struct ep_config, app_reads), 0, 0, BOOLV, DIR_NONE, NULL },
	{ "addr", V_ADDR, 0, 0, 0, 0, "IPv4:PORT, e.g. 192.0.2.10:40000, port 1..65535", DIR_NONE, NULL },
	{ "os", V_OS, 0, offsetof(struct ep_config, os), 0, 0,
	  "linux, linux-2.6, freebsd, macos, windows or lwip", DIR_NONE, NULL },
	{ "library", V_LIBRARY, 0, offsetof(struct ep_config, library), 0, 0,
	  "go, node, redis, libpq, postgres, curl, libcurl or java", DIR_NONE, NULL },
	/* application heartbeats (docs/heartbeats.md) */
	{ "heartbeat", V_PRESET, 0, HB(preset), 0, 0, NULL, DIR_NONE, NULL },
	{ "heartbeat_interval", V_DURATION, 0, HB(interval), KS_MS, DAY, "1ms..1d", DIR_NONE, NULL },
	{ "heartbeat_timeout", V_DURATION, 0, HB(timeout), 0, DAY,
	  "0..1d, 0 = the interval (a miss is counted at the next ping)", DIR_NONE, NULL },
	{ "heartbeat_count", V_U64, 0, HB(count), 1, 100, "1..100 missed replies", DIR_NONE, NULL },
	{ "heartbeat_size", V_U64, 0, HB(size), 1, 65536, "1..65536 bytes", DIR_NONE, NULL },
	{ "heartbeat_reply_size", V_U64, 0, HB(reply_size), 0, 65536,
	  "0..65536 bytes, 0 = the peer does not reply", DIR_NONE, NULL },
	{ "heartbeat_idle_only", V_BOOL, 0, HB(idle_only), 0, 0, BOOLV, DIR_NONE, NULL },
	{ "heartbeat_without_calls", V_BOOL, 0, HB(without_calls), 0, 0, BOOLV, DIR_NONE, NULL },
	{ "heartbeat_action", V_ENUM, 0, HB(action), 0, 0, NULL, DIR_NONE, hb_action_names },
};

const char *sockopt_name(enum sockopt opt)
{
	for (size_t i = 0; i < NKEYS(ep_keys); i++)
		if (ep_keys[i].kind == V_OPT && ep_keys[i].opt == opt)
			return ep_keys[i].name;
	return "?";
}

#define LD(f) offsetof(struct link_dir, f)
#define LINK_KEY3(name, kind, f, min, max, valid) \
	{ name, kind, 0, LD(f), min, max, valid, DIR_BOTH, NULL }, \
	{ name ".a_to_b", kind, 0, LD(f), min, max, valid, DIR_AB, NULL }, \
	{ name ".b_to_a", kind, 0, LD(f), min, max, valid, DIR_BA, NULL }

static const struct key_def link_keys[] = {
	LINK_KEY3("delay", V_DURATION, delay, 0, DAY, "0..1d"),
	LINK_KEY3("jitter", V_DURATION, jitter, 0, DAY, "0..1d"),
	LINK_KEY3("loss", V_PROB, loss, 0, 0, "a probability, 0..1"),
	LINK_KEY3("ge_p", V_PROB, ge_p, 0, 0, "a probability, 0..1"),
	LINK_KEY3("ge_r", V_PROB, ge_r, 0, 0, "a probability, 0..1"),
	LINK_KEY3("ge_loss", V_PROB, ge_loss, 0, 0, "a probability, 0..1"),
	{ "reorder", V_BOOL, 0, offsetof(struct link_config, reorder), 0, 0, BOOLV, DIR_NONE, NULL },
};

static const char *const miss_out_names[] = { "drop", "rst", "create", "invalid-passthrough", NULL };
static const char *const miss_in_names[] = { "drop", "rst", NULL };
static const char *const full_names[] = { "evict", "drop", NULL };
static const char *const bg_end_names[] = { "fin", "silent", NULL };
#define NC(f) offsetof(struct nat_config, f)

static const struct key_def nat_keys[] = {
	{ "preset", V_PRESET, 0, NC(preset), 0, 0, NULL, DIR_NONE, NULL },
	{ "capacity", V_U64, 0, NC(capacity), 1, 16777216, "1..16777216 mappings", DIR_NONE, NULL },
	{ "established_timeout", V_DURATION, 0, NC(established_timeout), 1, 36500 * DAY,
	  "more than 0, at most 36500d", DIR_NONE, NULL },
	{ "transitory_timeout", V_DURATION, 0, NC(transitory_timeout), 1, 36500 * DAY,
	  "more than 0, at most 36500d", DIR_NONE, NULL },
	{ "gc_period", V_DURATION, 0, NC(gc_period), 0, DAY,
	  "0..1d, 0 = expire exactly at the timeout", DIR_NONE, NULL },
	{ "inbound_refresh", V_BOOL, 0, NC(inbound_refresh), 0, 0, BOOLV, DIR_NONE, NULL },
	{ "outbound_miss", V_ENUM, 0, NC(outbound_miss), 0, 0, NULL, DIR_NONE, miss_out_names },
	{ "inbound_miss", V_ENUM, 0, NC(inbound_miss), 0, 0, NULL, DIR_NONE, miss_in_names },
	{ "rst_on_expiry", V_BOOL, 0, NC(rst_on_expiry), 0, 0, BOOLV, DIR_NONE, NULL },
	{ "port_preservation", V_BOOL, 0, NC(port_preservation), 0, 0, BOOLV, DIR_NONE, NULL },
	{ "table_full", V_ENUM, 0, NC(table_full), 0, 0, NULL, DIR_NONE, full_names },
	{ "ext_addr", V_IPV4, 0, NC(ext_addr), 0, 0, "an IPv4 address, e.g. 203.0.113.1",
	  DIR_NONE, NULL },
	{ "bg_rate", V_RATE, 0, NC(bg_rate), 0, 1000000,
	  "new flows per second, 0..1000000, 0 = no background load", DIR_NONE, NULL },
	{ "bg_lifetime", V_DURATION, 0, NC(bg_lifetime), 1, 36500 * DAY,
	  "more than 0, at most 36500d", DIR_NONE, NULL },
	{ "bg_interval", V_DURLIST, 0, NC(bg_interval), 1, DAY,
	  "more than 0, at most 1d; a list of up to 4, e.g. 10s, 5m", DIR_NONE, NULL },
	{ "bg_end", V_ENUM, 0, NC(bg_end), 0, 0, NULL, DIR_NONE, bg_end_names },
};

static const char *const proxy_close_names[] = { "fin", "rst", "none", NULL };
static const char *const proxy_reset_names[] = { "fin", "rst", NULL };
#define PX(f) offsetof(struct proxy_config, f)
/* P's socket options on one leg: V_OPT rows whose off is that leg's
 * struct ep_config in struct proxy_config (0 for [A]/[B]'s own rows). */
#define PX_OPTS(leg) \
	{ #leg ".so_keepalive", V_OPT, OPT_SO_KEEPALIVE, PX(leg), 0, 0, NULL, DIR_NONE, NULL }, \
	{ #leg ".tcp_keepidle", V_OPT, OPT_TCP_KEEPIDLE, PX(leg), 0, 0, NULL, DIR_NONE, NULL }, \
	{ #leg ".tcp_keepintvl", V_OPT, OPT_TCP_KEEPINTVL, PX(leg), 0, 0, NULL, DIR_NONE, NULL }, \
	{ #leg ".tcp_keepcnt", V_OPT, OPT_TCP_KEEPCNT, PX(leg), 0, 0, NULL, DIR_NONE, NULL }, \
	{ #leg ".tcp_user_timeout", V_OPT, OPT_TCP_USER_TIMEOUT, PX(leg), 0, 0, NULL, DIR_NONE, NULL }, \
	{ #leg ".addr", V_ADDR, 0, PX(leg), 0, 0, "IPv4:PORT, e.g. 203.0.113.80:443, port 1..65535", \
	  DIR_NONE, NULL }

static const struct key_def proxy_keys[] = {
	{ "preset", V_PRESET, 0, PX(preset), 0, 0, NULL, DIR_NONE, NULL },
	{ "idle_timeout", V_DURATION, 0, PX(idle_timeout), 0, 36500 * DAY,
	  "0..36500d, 0 = none", DIR_NONE, NULL },
	{ "max_duration", V_DURATION, 0, PX(max_duration), 0, 36500 * DAY,
	  "0..36500d, 0 = none", DIR_NONE, NULL },
	{ "client.expiry", V_ENUM, 0, PX(client_expiry), 0, 0, NULL, DIR_NONE, proxy_close_names },
	{ "server.expiry", V_ENUM, 0, PX(server_expiry), 0, 0, NULL, DIR_NONE, proxy_close_names },
	{ "on_reset", V_ENUM, 0, PX(on_reset), 0, 0, NULL, DIR_NONE, proxy_reset_names },
	{ "server.delay", V_DURATION, 0, PX(server_delay), 0, DAY, "0..1d", DIR_NONE, NULL },
	PX_OPTS(client),
	PX_OPTS(server),
};

_Static_assert(NKEYS(scenario_keys) <= MAX_KEYS, "raise MAX_KEYS");
_Static_assert(NKEYS(proxy_keys) <= MAX_KEYS, "raise MAX_KEYS");
_Static_assert(NKEYS(ep_keys) <= MAX_KEYS, "raise MAX_KEYS");
_Static_assert(NKEYS(link_keys) <= MAX_KEYS, "raise MAX_KEYS");
_Static_assert(NKEYS(nat_keys) <= MAX_KEYS, "raise MAX_KEYS");

const struct sect_def sc_sections[NSECTIONS] = {
	[SEC_SCENARIO] = { "scenario", scenario_keys, NKEYS(scenario_keys), 0, -1 },
	[SEC_A] = { "A", ep_keys, NKEYS(ep_keys), offsetof(struct scenario, ep), HOST_A },
	[SEC_B] = { "B", ep_keys, NKEYS(ep_keys),
		    offsetof(struct scenario, ep) + sizeof(struct ep_config), HOST_B },
	[SEC_LINK] = { "link", link_keys, NKEYS(link_keys), offsetof(struct scenario, link), -1 },
	[SEC_NAT] = { "nat", nat_keys, NKEYS(nat_keys), offsetof(struct scenario, nat), -1 },
	/* [lb]: the same keys and presets, its own struct nat_config */
	[SEC_LB] = { "lb", nat_keys, NKEYS(nat_keys), offsetof(struct scenario, lb), -1 },
	[SEC_PROXY] = { "proxy", proxy_keys, NKEYS(proxy_keys), offsetof(struct scenario, proxy), -1 },
	[SEC_EVENTS] = { "events", NULL, 0, 0, -1 },
};

const char *const sc_timer_names[] = { [SC_TIMER_AUTO] = "auto", [SC_TIMER_EXACT] = "exact",
				       [SC_TIMER_LINUX] = "linux", [SC_TIMER_LWIP] = "lwip" };

/* ------------------------------------------------------------------------ */
/* Lookup                                                                   */
/* ------------------------------------------------------------------------ */

int sc_sect_find(const char *name, size_t len)
{
	for (int i = 0; i < NSECTIONS; i++)
		if (strlen(sc_sections[i].name) == len && !strncmp(sc_sections[i].name, name, len))
			return i;
	return -1;
}

const struct key_def *sc_key_find(int sec, const char *name)
{
	for (size_t i = 0; i < sc_sections[sec].nkeys; i++)
		if (!strcmp(sc_sections[sec].keys[i].name, name))
			return &sc_sections[sec].keys[i];
	return NULL;
}

void sc_unknown_section(struct ctx *c, const char *name)
{
	const char *names[NSECTIONS];
	const char *hint;
	char list[256];

	for (int i = 0; i < NSECTIONS; i++)
		names[i] = sc_sections[i].name;
	hint = diag_suggest(name, names, NSECTIONS);
	if (hint)
		sc_report(c, "unknown section [%s] (did you mean [%s]?)", name, hint);
	else
		sc_report(c, "unknown section [%s] (valid sections: %s)", name,
			  diag_join(list, sizeof(list), names, NSECTIONS, "[", "]"));
}

void sc_unknown_key(struct ctx *c, int sec, const char *name, bool opts_only)
{
	const struct sect_def *sd = &sc_sections[sec];
	const char *names[MAX_KEYS];
	const char *hint;
	char list[1024];
	size_t n = 0;

	for (size_t i = 0; i < sd->nkeys; i++)
		if (!opts_only || sd->keys[i].kind == V_OPT)
			names[n++] = sd->keys[i].name;
	hint = diag_suggest(name, names, n);
	diag_join(list, sizeof(list), names, n, "", "");
	if (opts_only && hint)
		sc_report(c, "unknown option '%s' (did you mean '%s'?)", name, hint);
	else if (opts_only)
		sc_report(c, "unknown option '%s' (valid options: %s)", name, list);
	else if (hint)
		sc_report(c, "unknown key '%s' in [%s] (did you mean '%s'?)", name, sd->name, hint);
	else
		sc_report(c, "unknown key '%s' in [%s] (valid keys: %s)", name, sd->name, list);
}

/* library = NAME: the keepalive options the library sets, for every one the
 * section does not set itself (the keys win whatever their order). */
static void apply_library(struct ctx *c, int sec, struct ep_config *ep, const char *val)
{
	static const enum sockopt opts[] = {OPT_SO_KEEPALIVE, OPT_TCP_KEEPIDLE, OPT_TCP_KEEPINTVL,
					    OPT_TCP_KEEPCNT};
	const struct library *lib = library_get(val);
	char list[256];

	if (!lib) {
		const char *hint = diag_suggest(val, library_names, library_count);
		diag_join(list, sizeof(list), library_names, library_count, "", "");
		if (hint)
			sc_report(c, "unknown library '%s' (did you mean '%s'? valid libraries: %s)", val,
				  hint, list);
		else
			sc_report(c, "unknown library '%s' (valid libraries: %s)", val, list);
		return;
	}
	const uint64_t v[] = {lib->so_keepalive, lib->keepidle, lib->keepintvl, lib->keepcnt};
	for (size_t i = 0; i < NKEYS(opts); i++) {
		size_t idx = 0;
		while (ep_keys[idx].kind != V_OPT || ep_keys[idx].opt != opts[i])
			idx++;
		if (!c->first_line[sec][idx] && !c->set_src[sec][idx])
			sc_opt_store(ep, opts[i], v[i]);
	}
	strcpy(ep->library, lib->name);
}

/* After every key: a library whose interval follows the idle time (redis'
 * tcp-keepalive N: N, N / 3, 3) derives it from the tcp_keepidle the section
 * sets, unless it sets tcp_keepintvl too. */
void sc_library_finish(struct ctx *c, int sec, struct ep_config *ep)
{
	const struct library *lib = ep->library[0] ? library_get(ep->library) : NULL;
	size_t idle = 0, intvl = 0;

	if (!lib || !lib->intvl_div)
		return;
	while (ep_keys[idle].kind != V_OPT || ep_keys[idle].opt != OPT_TCP_KEEPIDLE)
		idle++;
	while (ep_keys[intvl].kind != V_OPT || ep_keys[intvl].opt != OPT_TCP_KEEPINTVL)
		intvl++;
	if ((!c->first_line[sec][idle] && !c->set_src[sec][idle]) || c->first_line[sec][intvl] ||
	    c->set_src[sec][intvl])
		return;
	/* anetKeepAlive(): val = interval / 3; if (val == 0) val = 1; */
	uint32_t v = ep->tcp_keepidle / lib->intvl_div;
	sc_opt_store(ep, OPT_TCP_KEEPINTVL, v ? v : 1);
}

static void hb_apply_preset(struct ctx *c, int h, const char *val);

/* [A] / [B]: socket options, the address, the OS profile, the heartbeats. */
static void ep_key_apply(struct ctx *c, int sec, const struct key_def *k, const char *val)
{
	struct ep_config *ep = (struct ep_config *)(void *)((char *)c->s + sc_sections[sec].base +
							     (k->kind == V_OPT || k->kind == V_ADDR ? k->off : 0));
	int h = sc_sections[sec].host;
	uint64_t v;

	switch (k->kind) {
	case V_OPT:
		if (sc_opt_parse(c, k->opt, k->name, val, &v))
			sc_opt_store(ep, k->opt, v);
		break;
	case V_LIBRARY:
		apply_library(c, sec, ep, val);
		break;
	case V_ADDR:
		if (!sc_parse_addr(val, &ep->addr, &ep->port)) {
			sc_report(c, "%s = %s is not a valid address (%s)", k->name, val, k->valid);
			return;
		}
		if (h < 0)
			break; /* [proxy]: P's own addresses */
		c->addr_src[h].line = c->at.line;
		c->addr_src[h].set = c->at.set;
		c->addr_src[h].order = ++c->order;
		break;
	case V_PRESET:
		hb_apply_preset(c, h, val);
		break;
	default:
		if (k->off >= offsetof(struct ep_config, hb))
			c->hb_set[h] |= 1u << (k - ep_keys);
		sc_value_apply(c, k, (char *)ep + k->off, val);
		break;
	}
}

/* [link]: parse once, then store into the direction(s): a .a_to_b/.b_to_a
 * key always wins over the plain key, whatever the order. */
static void link_key_apply(struct ctx *c, const struct key_def *k, const char *val)
{
	unsigned bit = 1u << (k->off / 8);
	char tmp[8];
	ks_time_t t;
	double dv;

	if (k->dir == DIR_NONE) {
		sc_value_apply(c, k, (char *)&c->s->link + k->off, val);
		return;
	}
	if (k->kind == V_DURATION) {
		if (!sc_dur_value(c, k, val, &t))
			return;
		memcpy(tmp, &t, 8);
	} else {
		if (!sc_real_value(c, k, val, &dv))
			return;
		memcpy(tmp, &dv, 8);
	}
	for (int h = 0; h < NHOSTS; h++) {
		bool mine = k->dir == DIR_BOTH || k->dir - DIR_AB == h;
		if (!mine || (k->dir == DIR_BOTH && (c->link_set[h] & bit)))
			continue;
		memcpy((char *)&c->s->link.dir[h] + k->off, tmp, 8);
		if (k->dir != DIR_BOTH)
			c->link_set[h] |= bit;
	}
}

/* The size of a preset-filled key's field (0: not filled by presets). */
static size_t kind_size(enum val_kind kind)
{
	switch (kind) {
	case V_DURATION: return sizeof(ks_time_t);
	case V_DURLIST: return sizeof(struct dur_list);
	case V_U64: return sizeof(uint64_t);
	case V_PROB: case V_RATE: return sizeof(double);
	case V_BOOL: return sizeof(bool);
	case V_ENUM: return sizeof(int);
	case V_IPV4: return sizeof(uint32_t);
	default: return 0;
	}
}

/* Copy the preset's value of every key in keys[from..to) not set explicitly
 * (bit i of set) from preset to dst (the section's structs). */
static void preset_copy(const struct key_def *keys, size_t from, size_t to, uint32_t set,
			void *dst, const void *preset)
{
	for (size_t i = from; i < to; i++) {
		size_t size = kind_size(keys[i].kind);
		if (keys[i].kind != V_PRESET && size && !(set & (1u << i)))
			memcpy((char *)dst + keys[i].off, (const char *)preset + keys[i].off, size);
	}
}

/* "unknown preset 'x' (did you mean 'y'? valid presets: ...)" */
static void unknown_preset(struct ctx *c, const char *val, const char *const *names, size_t n)
{
	char list[512];
	const char *hint = diag_suggest(val, names, n);
	diag_join(list, sizeof(list), names, n, "", "");
	if (hint)
		sc_report(c, "unknown preset '%s' (did you mean '%s'? valid presets: %s)", val, hint,
			  list);
	else
		sc_report(c, "unknown preset '%s' (valid presets: %s)", val, list);
}

/* heartbeat = NAME: every heartbeat_* key of the section not set explicitly
 * takes the preset's value, whatever the order. */
static void hb_apply_preset(struct ctx *c, int h, const char *val)
{
	struct ep_config p = {0};
	size_t first = (size_t)(sc_key_find(SEC_A, "heartbeat") - ep_keys);

	if (!hb_preset_fill(val, &p.hb)) {
		unknown_preset(c, val, hb_preset_names, hb_npresets);
		return;
	}
	preset_copy(ep_keys, first, NKEYS(ep_keys), c->hb_set[h], &c->s->ep[h], &p);
	strcpy(c->s->ep[h].hb.preset, p.hb.preset);
}

/* The struct nat_config of [nat] or [lb], and the bits of its keys set explicitly. */
static struct nat_config *box_config(struct ctx *c, int sec, uint32_t **set)
{
	*set = sec == SEC_LB ? &c->lb_set : &c->nat_set;
	return (struct nat_config *)(void *)((char *)c->s + sc_sections[sec].base);
}

/* preset = NAME: every [nat] (or [lb]) key not set explicitly takes the
 * preset's value (the keys of the section win whatever their order). */
static void apply_preset(struct ctx *c, int sec, const char *val)
{
	struct nat_config p;
	uint32_t *set;
	struct nat_config *n = box_config(c, sec, &set);

	if (!nat_preset_fill(val, &p)) {
		unknown_preset(c, val, nat_preset_names, nat_npresets);
		return;
	}
	if (sec == SEC_LB) { /* a preset keeps the LB's own address */
		struct nat_config d;
		lb_config_default(&d);
		p.ext_addr = d.ext_addr;
	}
	preset_copy(nat_keys, 0, NKEYS(nat_keys), *set, n, &p);
	strcpy(n->preset, p.preset);
}

/* [nat] / [lb]: any key places the box; preset fills what is not set explicitly. */
static void nat_key_apply(struct ctx *c, int sec, const struct key_def *k, const char *val)
{
	uint32_t *set;
	struct nat_config *n = box_config(c, sec, &set);

	n->enabled = true;
	if (k->kind == V_PRESET) {
		apply_preset(c, sec, val);
		return;
	}
	*set |= 1u << (k - nat_keys);
	sc_value_apply(c, k, (char *)n + k->off, val);
}

/* The size of a [proxy] key's value in struct proxy_config (V_OPT: the option's field). */
static size_t proxy_key_field(const struct key_def *k, size_t *off)
{
	*off = k->off;
	switch (k->kind) {
	case V_DURATION: return sizeof(ks_time_t);
	case V_ENUM: return sizeof(int);
	case V_ADDR:
		*off = k->off + offsetof(struct ep_config, addr);
		return offsetof(struct ep_config, port) + sizeof(uint16_t) - offsetof(struct ep_config, addr);
	case V_OPT:
		*off = k->off + sc_opt_defs[k->opt].off;
		return sc_opt_defs[k->opt].unit == U_BOOL ? sizeof(bool) : sizeof(uint32_t);
	default: return 0;
	}
}

/* [proxy] preset = NAME: every key not set explicitly takes the preset's value. */
static void proxy_apply_preset(struct ctx *c, const char *val)
{
	struct proxy_config p, *x = &c->s->proxy;

	if (!proxy_preset_fill(val, &p)) {
		unknown_preset(c, val, proxy_preset_names, proxy_npresets);
		return;
	}
	for (size_t i = 0; i < NKEYS(proxy_keys); i++) {
		size_t off, size = proxy_key_field(&proxy_keys[i], &off);
		if (size && !(c->proxy_set & (1u << i)))
			memcpy((char *)x + off, (char *)&p + off, size);
	}
	strcpy(x->preset, p.preset);
	x->idle_min = p.idle_min;
	x->idle_max = p.idle_max;
	x->range_on_max = p.range_on_max;
	strcpy(x->idle_range_src, p.idle_range_src);
}

/* [proxy]: any key places the proxy; preset fills what is not set explicitly. */
static void proxy_key_apply(struct ctx *c, const struct key_def *k, const char *val)
{
	c->s->proxy.enabled = true;
	if (k->kind == V_PRESET) {
		proxy_apply_preset(c, val);
		return;
	}
	c->proxy_set |= 1u << (k - proxy_keys);
	if (k->kind == V_OPT || k->kind == V_ADDR)
		ep_key_apply(c, SEC_PROXY, k, val);
	else
		sc_value_apply(c, k, (char *)&c->s->proxy + k->off, val);
}

void sc_key_apply(struct ctx *c, int sec, const struct key_def *k, const char *val)
{
	switch (sec) {
	case SEC_PROXY:
		proxy_key_apply(c, k, val);
		break;
	case SEC_A:
	case SEC_B:
		ep_key_apply(c, sec, k, val);
		break;
	case SEC_LINK:
		link_key_apply(c, k, val);
		break;
	case SEC_NAT:
	case SEC_LB:
		nat_key_apply(c, sec, k, val);
		break;
	default: /* [scenario] */
		sc_value_apply(c, k, (char *)c->s + k->off, val);
		break;
	}
}
