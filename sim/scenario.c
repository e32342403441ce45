/*
 * scenario.c - scenario files (INI) -> a validated struct scenario: loading,
 * the INI reader's callbacks, --set overrides, and the checks that need the
 * whole scenario.
 *
 * The file is read by the one INI reader (inifile.h: Debian's libinih over
 * the shared line reader). Every line is also classified here the way inih
 * will read it, so that *every* malformed line is reported (inih's return
 * value only names the first one), and unknown [section] headers are reported
 * at their own line even when the section holds no keys.
 *
 * Every key of every section is one row of the key table (scenario_keys.c);
 * the [events] grammar is in scenario_events.c. Errors are collected in a
 * struct diag (diag.h), all of them, never only the first. There is no
 * mutable global state here (many simulations may run in parallel threads);
 * only inih's own configuration globals are written, see inifile.c.
 */
#include "priv/scenario_priv.h"
#include "inifile.h"
#include "textfile.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sc_oom(struct ctx *c)
{
	if (!c->oom)
		sc_report(c, "out of memory");
	c->oom = true;
}

/* ------------------------------------------------------------------------ */
/* The INI reader's callbacks                                               */
/* ------------------------------------------------------------------------ */

/* The section the caller parses itself (scenario_parse_text's skip_section),
 * and [expect], which any scenario file may hold (expect.c reads it). */
static bool is_skipped(const struct ctx *c, const char *name, size_t len)
{
	if (len == 6 && !strncmp(name, "expect", 6))
		return true;
	return c->skip && strlen(c->skip) == len && !strncmp(c->skip, name, len);
}

static void section_line(struct ctx *c, const struct ini_line *l)
{
	int sec = sc_sect_find(l->name, l->len);

	if (sec == SEC_NAT)
		c->s->nat.enabled = true; /* an empty [nat] places a default NAT */
	if (sec == SEC_LB)
		c->s->lb.enabled = true; /* an empty [lb] places a default box there */
	if (sec == SEC_PROXY)
		c->s->proxy.enabled = true; /* an empty [proxy] places a default proxy */
	if (sec < 0 && !is_skipped(c, l->name, l->len)) {
		char *name = strndup(l->name, l->len);
		if (!name) {
			sc_oom(c);
			return;
		}
		sc_unknown_section(c, name);
		free(name);
	}
	if (l->trailing)
		sc_report(c, "unexpected text after ']' (a section line is [name] and an optional ; "
			     "comment)");
}

/* Every line, as inih will read it: report what inih would only count. */
static void on_line(void *user, const char *line, enum line_fault fault)
{
	struct ctx *c = user;
	struct ini_line l;

	if (fault != LINE_OK) {
		sc_report(c, "%s", line_fault_text(fault));
		return;
	}
	ini_classify(line, &l);
	if (l.kind == INI_SECTION) {
		section_line(c, &l);
	} else if (l.kind == INI_SYNTAX) {
		if (!c->first_syntax)
			c->first_syntax = c->at.line;
		sc_report(c, "syntax error (expected [section], KEY = VALUE or a ; comment)");
	}
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct ctx *c = user;
	const struct key_def *k;
	int sec, *first;

	if (!*section) {
		char list[256];
		const char *names[NSECTIONS];
		for (int i = 0; i < NSECTIONS; i++)
			names[i] = sc_sections[i].name;
		sc_report(c, "key '%s' is outside any section (valid sections: %s)", name,
			  diag_join(list, sizeof(list), names, NSECTIONS, "[", "]"));
		return 1;
	}
	sec = sc_sect_find(section, strlen(section));
	if (sec < 0)
		return 1; /* reported at the [section] line, or skipped (c->skip) */
	if (!*name) {
		sc_report(c, "missing key before '=' (KEY = VALUE)");
		return 1;
	}
	if (sec == SEC_EVENTS) {
		sc_event_parse(c, name, value);
		return 1;
	}
	k = sc_key_find(sec, name);
	if (!k) {
		sc_unknown_key(c, sec, name, false);
		return 1;
	}
	first = &c->first_line[sec][k - sc_sections[sec].keys];
	if (*first) {
		sc_report(c, "duplicate key '%s' (first set at line %d)", name, *first);
		return 1;
	}
	*first = c->at.line;
	sc_key_apply(c, sec, k, value);
	return 1; /* errors are ours to report; inih's count stays for syntax */
}

/* ------------------------------------------------------------------------ */
/* --set                                                                    */
/* ------------------------------------------------------------------------ */

static char *trimmed_dup(const char *s, size_t n)
{
	char *d = strndup(s, n), *t;

	if (d) {
		t = ini_trim(d);
		memmove(d, t, strlen(t) + 1);
	}
	return d;
}

/* SECTION.KEY=VALUE, validated exactly like a file entry. */
static void apply_set(struct ctx *c, const char *arg)
{
	const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');
	char *sect = NULL, *key = NULL, *val = NULL;
	const struct key_def *k;
	int sec;

	c->at.set = arg;
	c->at.line = 0;
	if (!dot || !eq || eq < dot) {
		sc_report(c, "expected SECTION.KEY=VALUE (e.g. A.tcp_keepidle=60)");
		return;
	}
	sect = trimmed_dup(arg, (size_t)(dot - arg));
	key = trimmed_dup(dot + 1, (size_t)(eq - dot - 1));
	val = trimmed_dup(eq + 1, strlen(eq + 1));
	if (!sect || !key || !val)
		sc_oom(c);
	else if (!*sect || !*key)
		sc_report(c, "expected SECTION.KEY=VALUE (e.g. A.tcp_keepidle=60)");
	else if ((sec = sc_sect_find(sect, strlen(sect))) < 0)
		sc_unknown_section(c, sect);
	else if (sec == SEC_EVENTS)
		sc_report(c, "[events] cannot be changed with --set (put events in the scenario file)");
	else if (!(k = sc_key_find(sec, key)))
		sc_unknown_key(c, sec, key, false);
	else {
		c->set_src[sec][k - sc_sections[sec].keys] = arg;
		sc_key_apply(c, sec, k, val);
	}
	free(sect);
	free(key);
	free(val);
}

/* ------------------------------------------------------------------------ */
/* Checks that need the whole scenario (after --set)                        */
/* ------------------------------------------------------------------------ */

/* Point c at where key `name` of section sec was set (the last --set wins);
 * false if it was never set. */
static bool key_where(struct ctx *c, int sec, const char *name)
{
	const struct key_def *k = sc_key_find(sec, name);
	size_t i = (size_t)(k - sc_sections[sec].keys);

	if (c->set_src[sec][i]) {
		c->at.set = c->set_src[sec][i];
		return true;
	}
	c->at.set = NULL;
	c->at.line = c->first_line[sec][i];
	return c->at.line != 0;
}

/* hz, jiffies, jiffies_phase: only where the timer model has ticks (auto:
 * the Linux hosts' jiffies; an lwIP host shares the phase). */
static void check_timer_keys(struct ctx *c)
{
	struct scenario *s = c->s;
	const char *only_linux = "only the linux timer model has jiffies (set timer = linux)";

	if (s->timer != SC_TIMER_LINUX && s->timer != SC_TIMER_AUTO) {
		if (key_where(c, SEC_SCENARIO, "hz"))
			sc_report(c, "hz: %s", only_linux);
		if (key_where(c, SEC_SCENARIO, "jiffies"))
			sc_report(c, "jiffies: %s", only_linux);
		if (s->timer == SC_TIMER_EXACT && key_where(c, SEC_SCENARIO, "jiffies_phase"))
			sc_report(c, "jiffies_phase: the exact timer model has no ticks (set timer = linux "
				     "or lwip)");
		if (s->timer == SC_TIMER_LWIP && s->jiffies_phase != KS_TIME_NEVER &&
		    s->jiffies_phase >= TM_LWIP_SLOW_INTERVAL && key_where(c, SEC_SCENARIO, "jiffies_phase"))
			sc_report(c, "jiffies_phase is out of range (0 up to one slow-timer tick, 0.5 s, "
				     "exclusive)");
	} else if (s->jiffies_phase != KS_TIME_NEVER && s->jiffies_phase >= KS_SEC / s->hz &&
		   key_where(c, SEC_SCENARIO, "jiffies_phase")) {
		char tick[32];
		format_seconds(tick, sizeof(tick), KS_SEC / s->hz);
		sc_report(c, "jiffies_phase is out of range (0 up to one tick, %s s at hz = %u, "
			     "exclusive)", tick, (unsigned)s->hz);
	}
}

enum tm_kind sc_host_timer(const struct scenario *sc, int h)
{
	/* a proxy's sockets: its client.* / server.* settings (os linux) */
	const struct ep_config *ep = h == HOST_PS ? &sc->proxy.server : h == HOST_PC ? &sc->proxy.client
										 : &sc->ep[h];
	const struct profile *p = profile_get(ep->os);
	if (p->algo == KA_ALGO_LWIP)
		return TM_LWIP;
	if (p->linux_timers && (sc->timer == SC_TIMER_AUTO || sc->timer == SC_TIMER_LINUX))
		return TM_LINUX;
	return TM_EXACT;
}

/* Host h's OS profile: the options it lacks (keys and "set" events), and
 * its own sysctl defaults. */
static void check_profile(struct ctx *c, int h)
{
	struct scenario *s = c->s;
	struct ep_config *ep = &s->ep[h];
	const struct profile *p = profile_get(ep->os);
	const struct sect_def *sd = &sc_sections[h == HOST_A ? SEC_A : SEC_B];

	for (size_t i = 0; i < sd->nkeys; i++) {
		const struct key_def *k = &sd->keys[i];
		if (k->kind != V_OPT || profile_has_opt(p, k->opt) ||
		    !key_where(c, h == HOST_A ? SEC_A : SEC_B, k->name))
			continue;
		sc_report(c, "%s: os = %s has no such option (%s has %s)", k->name, p->name, p->name,
			  p->opts_text);
	}
	c->at.set = NULL;
	for (size_t i = 0; i < s->nevents; i++) {
		const struct sc_event *ev = &s->events[i];
		if (ev->host != h || ev->action != ACT_SET || profile_has_opt(p, ev->opt))
			continue;
		c->at.line = ev->line;
		sc_report(c, "set %c %s: os = %s has no such option (%s has %s)", "AB"[h],
			  sockopt_name(ev->opt), p->name, p->name, p->opts_text);
	}
	if (ep->os != OS_LINUX && ep->os != OS_LINUX_26) {
		/* the profile's own defaults (its sysctls are not Linux's) */
		ep->tcp_keepalive_time = p->keepidle;
		ep->tcp_keepalive_intvl = p->keepintvl;
		ep->tcp_keepalive_probes = p->keepcnt;
	}
}

/* A heartbeat needs an interval: the presets whose protocol has none by
 * default (gRPC clients, ssh, ...) say so. */
static void check_heartbeat(struct ctx *c, int h)
{
	const struct hb_config *hb = &c->s->ep[h].hb;
	int sec = h == HOST_A ? SEC_A : SEC_B;
	const struct sect_def *sd = &sc_sections[sec];

	for (size_t i = 0; !hb->preset[0] && i < sd->nkeys; i++) {
		if ((c->hb_set[h] & (1u << i)) && key_where(c, sec, sd->keys[i].name)) {
			sc_report(c, "%s: there is no heartbeat (set heartbeat = custom or a preset)",
				  sd->keys[i].name);
			return;
		}
	}
	size_t ival = (size_t)(sc_key_find(sec, "heartbeat_interval") - sd->keys);
	if (!hb->preset[0] || hb->interval || (c->hb_set[h] & (1u << ival)) ||
	    !key_where(c, sec, "heartbeat"))
		return; /* (an invalid heartbeat_interval was reported as such) */
	sc_report(c, "heartbeat = %s needs heartbeat_interval (%s; e.g. heartbeat_interval = 30s)",
		  hb->preset, hb_preset_words(hb->preset)->interval_needed);
}

/* A and B must not share address and port: reported where the later was set. */
static void check_addrs(struct ctx *c)
{
	struct scenario *s = c->s;

	if (s->ep[HOST_A].addr != s->ep[HOST_B].addr || s->ep[HOST_A].port != s->ep[HOST_B].port)
		return;
	int later = c->addr_src[HOST_B].order > c->addr_src[HOST_A].order ? HOST_B : HOST_A;
	struct in_addr in = { .s_addr = htonl(s->ep[later].addr) };
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &in, ip, sizeof(ip));
	c->at.line = c->addr_src[later].line;
	c->at.set = c->addr_src[later].set;
	sc_report(c, "addr = %s:%u is %s's address and port too (A and B must differ)", ip,
		  (unsigned)s->ep[later].port, later == HOST_A ? "B" : "A");
}

/* A proxy preset's documented range (idle_timeout, or max_duration). */
static void check_proxy(struct ctx *c)
{
	const struct proxy_config *x = &c->s->proxy;
	const char *key = x->range_on_max ? "max_duration" : "idle_timeout";
	ks_time_t v = x->range_on_max ? x->max_duration : x->idle_timeout;
	char val[64];

	if (!x->enabled || !x->idle_max || (v >= x->idle_min && v <= x->idle_max))
		return;
	if (!key_where(c, SEC_PROXY, key))
		return;
	format_secs(val, sizeof(val), v);
	sc_report(c, "%s = %s is outside what %s allows (%s)", key, val, x->preset, x->idle_range_src);
}

/* nat events need a NAT; ICMP errors are not modelled through one (nor
 * through a proxy); no
 * event (nor a repetition's until) after the end. */
static void check_events(struct ctx *c)
{
	struct scenario *s = c->s;

	c->at.set = NULL;
	for (size_t i = 0; i < s->nevents; i++) {
		enum action a = s->events[i].action;
		if ((a == ACT_NAT_FLUSH || a == ACT_NAT_REBOOT) && !s->nat.enabled) {
			c->at.line = s->events[i].line;
			sc_report(c, "nat %s: there is no NAT (add a [nat] section)",
				  a == ACT_NAT_FLUSH ? "flush" : "reboot");
		}
		if ((a == ACT_LB_FLUSH || a == ACT_LB_REBOOT) && !s->lb.enabled) {
			c->at.line = s->events[i].line;
			sc_report(c, "lb %s: there is no LB (add an [lb] section)",
				  a == ACT_LB_FLUSH ? "flush" : "reboot");
		}
		if (a == ACT_UNREACHABLE && s->lb.enabled) {
			c->at.line = s->events[i].line;
			sc_report(c, "unreachable: ICMP errors through the LB are not modelled (remove "
				     "[lb], or use partition or link down)");
		}
		if (a == ACT_UNREACHABLE && s->nat.enabled) {
			c->at.line = s->events[i].line;
			sc_report(c, "unreachable: ICMP errors through the NAT are not modelled (remove "
				     "[nat], or use partition or link down)");
		}
		if (a == ACT_UNREACHABLE && s->proxy.enabled) {
			c->at.line = s->events[i].line;
			sc_report(c, "unreachable: ICMP errors through a proxy are not modelled (remove "
				     "[proxy], or use partition or link down)");
		}
	}
	for (size_t i = 0; i < s->nevents; i++) {
		if (s->events[i].at > s->duration) {
			char at[64], dur[64];
			format_duration(at, sizeof(at), s->events[i].at);
			format_duration(dur, sizeof(dur), s->duration);
			c->at.line = s->events[i].line;
			sc_report(c, "event at %s is after the end of the simulation (duration %s)", at,
				  dur);
		} else if (s->events[i].every && s->events[i].until != KS_TIME_NEVER &&
			   s->events[i].until > s->duration) {
			char at[64], dur[64];
			format_duration(at, sizeof(at), s->events[i].until);
			format_duration(dur, sizeof(dur), s->duration);
			c->at.line = s->events[i].line;
			sc_report(c, "until %s is after the end of the simulation (duration %s; leave "
				     "until out to repeat to the end)", at, dur);
		}
	}
}

/* A preset whose vendor documents a range for its idle timeout: the value
 * (the preset's or an explicit one) must be inside it. */
static void check_nat_range(struct ctx *c, int sec)
{
	const struct nat_config *n = (const struct nat_config *)(const void *)
		((const char *)c->s + sc_sections[sec].base);
	ks_time_t min, max;
	const char *setting;
	if (!n->enabled || !nat_preset_range(n->preset, &min, &max, &setting))
		return;
	if (n->established_timeout >= min && n->established_timeout <= max)
		return;
	char v[32];
	format_duration(v, sizeof(v), n->established_timeout);
	if (!key_where(c, sec, "established_timeout"))
		key_where(c, sec, "preset");
	sc_report(c, "established_timeout = %s is outside %s's range (%s: %llu..%llu s)", v,
		  n->preset, setting, (unsigned long long)(min / KS_SEC),
		  (unsigned long long)(max / KS_SEC));
}

static void check_all(struct ctx *c)
{
	check_timer_keys(c);
	check_nat_range(c, SEC_NAT);
	check_nat_range(c, SEC_LB);
	for (int h = 0; h < NHOSTS; h++) {
		sc_library_finish(c, h == HOST_A ? SEC_A : SEC_B, &c->s->ep[h]);
		check_profile(c, h);
		check_heartbeat(c, h);
	}
	c->at.set = NULL;
	check_addrs(c);
	check_proxy(c);
	check_events(c);
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */
/* ------------------------------------------------------------------------ */

/* Base name without ".ini", other characters than [A-Za-z0-9._-] as '_'. */
static void default_name(char name[64], const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n >= 4 && !strcmp(b + n - 4, ".ini"))
		n -= 4;
	if (n > 63)
		n = 63;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)b[i];
		name[i] = isalnum(ch) || ch == '.' || ch == '_' || ch == '-' ? (char)ch : '_';
	}
	name[n] = '\0';
	if (!n)
		strcpy(name, "scenario");
}

static int event_cmp(const void *pa, const void *pb)
{
	const struct sc_event *a = pa, *b = pb;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line); /* file order */
}

/* Every default, before the file. */
static void scenario_defaults(struct ctx *c, const char *file)
{
	struct scenario *s = c->s;

	s->description = strdup("");
	s->path = strdup(file);
	if (!s->description || !s->path)
		sc_oom(c);
	default_name(s->name, file);
	s->duration = DAY;
	s->seed = 1;
	s->timer = SC_TIMER_AUTO;
	s->hz = 250;
	s->jiffies = UINT64_MAX;
	s->jiffies_phase = KS_TIME_NEVER;
	for (int h = 0; h < NHOSTS; h++) {
		ep_config_default(&s->ep[h], h);
		s->link.dir[h].ge_loss = 1.0; /* Gilbert's model: the bad state loses all */
	}
	nat_config_default(&s->nat);
	lb_config_default(&s->lb);
	proxy_config_default(&s->proxy);
}

/* The file's lines through the INI reader, every error reported. */
static void read_text(struct ctx *c, const char *text)
{
	struct ini_parse p = {
		.text = text, .line = &c->at.line, .on_line = on_line, .on_entry = on_entry, .user = c,
	};
	int r = ini_parse_text(&p);

	c->at.set = NULL;
	if (r > 0 && r != c->first_syntax) {
		/* a malformed line on_line() did not recognise */
		c->at.line = r;
		sc_report(c, "syntax error (expected [section], KEY = VALUE or a ; comment)");
	} else if (r < 0) {
		c->at.line = 0;
		sc_oom(c);
	}
}

static struct scenario *load_text(const char *file, const char *text, const char *skip,
				  const char *const *sets, size_t nsets, struct diag *d)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct scenario *s;

	if (!c || !(s = calloc(1, sizeof(*s)))) {
		free(c);
		diag_add(d, "%s: out of memory", file);
		return NULL;
	}
	c->at.file = file;
	c->skip = skip;
	c->d = d;
	c->s = s;
	scenario_defaults(c, file);
	read_text(c, text);
	for (size_t i = 0; i < nsets; i++)
		apply_set(c, sets[i]);
	c->at.set = NULL;
	check_all(c);
	if (s->nevents > 1)
		qsort(s->events, s->nevents, sizeof(*s->events), event_cmp);

	if (c->nerr) {
		scenario_free(s);
		s = NULL;
	}
	free(c);
	return s;
}

struct scenario *scenario_load(const char *path, const char *const *sets, size_t nsets,
			       struct diag *d)
{
	char *text = textfile_read(path, NULL, d);
	struct scenario *s;

	if (!text)
		return NULL;
	s = load_text(path, text, NULL, sets, nsets, d);
	free(text);
	return s;
}

struct scenario *scenario_parse_string(const char *name, const char *text,
				       const char *const *sets, size_t nsets, struct diag *d)
{
	return scenario_parse_text(name, text, NULL, sets, nsets, d);
}

struct scenario *scenario_parse_text(const char *name, const char *text, const char *skip_section,
				     const char *const *sets, size_t nsets, struct diag *d)
{
	return load_text(name, text, skip_section, sets, nsets, d);
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	free(s->description);
	free(s->path);
	free(s->events);
	free(s);
}
