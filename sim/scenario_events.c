/*
 * scenario_events.c - the [events] grammar: "WHEN = ACTION ARGS [REPEAT]",
 * the endpoint actions (unplug A, send A 100, set A tcp_keepidle 600, ...),
 * the path's (link down, partition A->B, nat flush, ...), and the optional
 * repetition "every DURATION [until TIME]" (send A 100 every 10s until 1h).
 */
#include "priv/scenario_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icmp.h"

#define SEND_MAX 1073741824u

static const struct act_def {
	const char *name;
	enum action act;
	int nargs;          /* after the action word, the host included */
	const char *usage;
} act_defs[] = {
	{ "unplug", ACT_UNPLUG, 1, "unplug X" },
	{ "replug", ACT_REPLUG, 1, "replug X" },
	{ "crash", ACT_CRASH, 1, "crash X" },
	{ "boot", ACT_BOOT, 1, "boot X" },
	{ "reboot", ACT_REBOOT, 1, "reboot X" },
	{ "close", ACT_CLOSE, 1, "close X" },
	{ "send", ACT_SEND, 2, "send X BYTES" },
	{ "congest", ACT_CONGEST, 2, "congest X DURATION" },
	{ "set", ACT_SET, 3, "set X OPTION VALUE" },
};
#define NACTS (sizeof(act_defs) / sizeof(act_defs[0]))

/* The path's actions: no host argument. */
static const char *const path_acts[] = { "link", "partition", "heal", "nat", "lb", "unreachable" };
#define NPATH (sizeof(path_acts) / sizeof(path_acts[0]))

#define MAX_TOK 7  /* one more than the longest action, link delay A->B D jitter J */
#define HOST_TOK 5 /* one more than the longest host action, set X OPTION VALUE */
#define MAX_WORDS (MAX_TOK + 4) /* the action's, then every D until T */

static size_t action_names(const char **names)
{
	for (size_t i = 0; i < NACTS; i++)
		names[i] = act_defs[i].name;
	for (size_t i = 0; i < NPATH; i++)
		names[NACTS + i] = path_acts[i];
	return NACTS + NPATH;
}

static const char *action_list(char *buf, size_t size)
{
	const char *names[NACTS + NPATH];

	return diag_join(buf, size, names, action_names(names), "", "");
}

#define DELAY_USAGE "'link delay D', 'link delay D jitter J', optionally for one direction: " \
	"'link delay A->B D [jitter J]' (D, J: 0..1d)"

/* One duration of a link delay event, 0..1d like the [link] keys. */
static bool delay_value(struct ctx *c, const char *what, const char *s, ks_time_t *out)
{
	enum num_err e = dur_parse(s, out);
	if (e == NUM_OK && *out > DAY) {
		sc_report(c, "link delay: %s %s is out of range (0..1d)", what, s);
		return false;
	}
	if (e != NUM_OK) {
		sc_report(c, "link delay: %s '%s' %s", what, s, dur_error(e));
		return false;
	}
	return true;
}

/* link delay [A->B|B->A] D [jitter J] (tok[0] = "link", tok[1] = "delay") */
static bool link_delay_event(struct ctx *c, struct sc_event *ev, char **tok, size_t ntok)
{
	size_t i = 2;
	ev->action = ACT_LINK_DELAY;
	if (i < ntok && !strcmp(tok[i], "A->B")) {
		ev->host = HOST_A;
		i++;
	} else if (i < ntok && !strcmp(tok[i], "B->A")) {
		ev->host = HOST_B;
		i++;
	}
	if (ntok != i + 1 && !(ntok == i + 3 && !strcmp(tok[i + 1], "jitter"))) {
		sc_report(c, "link delay: expected " DELAY_USAGE);
		return false;
	}
	if (!delay_value(c, "delay", tok[i], &ev->arg))
		return false;
	return ntok == i + 1 || delay_value(c, "jitter", tok[i + 2], &ev->jitter);
}

/* link down | link up | link loss P | link delay ... */
static bool link_event(struct ctx *c, struct sc_event *ev, char **tok, size_t ntok)
{
	if (ntok >= 2 && !strcmp(tok[1], "delay"))
		return link_delay_event(c, ev, tok, ntok);
	if (ntok == 2 && !strcmp(tok[1], "down")) {
		ev->action = ACT_LINK_DOWN;
	} else if (ntok == 2 && !strcmp(tok[1], "up")) {
		ev->action = ACT_LINK_UP;
	} else if (ntok == 3 && !strcmp(tok[1], "loss")) {
		ev->action = ACT_LINK_LOSS;
		if (!parse_real(tok[2], false, &ev->p)) {
			sc_report(c, "link loss: '%s' is not a number (a probability, 0..1)", tok[2]);
			return false;
		}
		if (decimal_cmp(tok[2], 1) > 0) {
			sc_report(c, "link loss: %s is out of range (a probability, 0..1)", tok[2]);
			return false;
		}
	} else {
		sc_report(c, "link: expected 'link down', 'link up', 'link loss P' or 'link delay D [jitter J]'");
		return false;
	}
	return true;
}

/* unreachable X host|net|port|admin|off: X's end of the path answers every
 * segment for X with that ICMP destination unreachable (icmp.h). */
static bool unreachable_event(struct ctx *c, struct sc_event *ev, char **tok, size_t ntok)
{
	static const char usage[] = "unreachable X host|net|port|admin|off, where X is A or B";
	int code;
	if (ntok != 3) {
		sc_report(c, "'unreachable' takes 2 arguments, not %s%zu (%s)", ntok == MAX_TOK ? "at least " : "",
			  ntok - 1, usage);
		return false;
	}
	if (strcmp(tok[1], "A") && strcmp(tok[1], "B")) {
		sc_report(c, "unreachable: unknown host '%s' (A or B, upper case)", tok[1]);
		return false;
	}
	code = strcmp(tok[2], "off") ? icmp_code_parse(tok[2]) : -1;
	if (code < 0 && strcmp(tok[2], "off")) {
		sc_report(c, "unreachable: unknown ICMP '%s' (host, net, port, admin or off)", tok[2]);
		return false;
	}
	ev->action = ACT_UNREACHABLE;
	ev->host = tok[1][0] == 'A' ? HOST_A : HOST_B;
	ev->arg = code < 0 ? UINT64_MAX : (uint64_t)code;
	return true;
}

/* link ... | partition A->B | partition B->A | heal | nat flush | nat reboot |
 * lb flush | lb reboot |
 * unreachable X ICMP. Fills ev; reports and returns false when wrong. */
static bool path_event(struct ctx *c, struct sc_event *ev, char **tok, size_t ntok)
{
	ev->host = -1;
	if (!strcmp(tok[0], "link"))
		return link_event(c, ev, tok, ntok);
	if (!strcmp(tok[0], "unreachable"))
		return unreachable_event(c, ev, tok, ntok);
	if (!strcmp(tok[0], "partition")) {
		if (ntok == 2 && !strcmp(tok[1], "A->B")) {
			ev->host = HOST_A;
		} else if (ntok == 2 && !strcmp(tok[1], "B->A")) {
			ev->host = HOST_B;
		} else {
			sc_report(c, "partition: expected 'partition A->B' or 'partition B->A' "
				     "(the direction that fails)");
			return false;
		}
		ev->action = ACT_PARTITION;
	} else if (!strcmp(tok[0], "heal")) {
		if (ntok != 1) {
			sc_report(c, "'heal' takes no argument (heal ends every partition)");
			return false;
		}
		ev->action = ACT_HEAL;
	} else if (ntok == 2 && !strcmp(tok[1], "flush")) {
		ev->action = tok[0][0] == 'l' ? ACT_LB_FLUSH : ACT_NAT_FLUSH;
	} else if (ntok == 2 && !strcmp(tok[1], "reboot")) {
		ev->action = tok[0][0] == 'l' ? ACT_LB_REBOOT : ACT_NAT_REBOOT;
	} else {
		sc_report(c, "%s: expected '%s flush' or '%s reboot'", tok[0], tok[0], tok[0]);
		return false;
	}
	return true;
}

/* The arguments after the host: send's bytes, congest's duration, set's
 * option and value. */
static bool host_args(struct ctx *c, struct sc_event *ev, char **tok)
{
	enum num_err e;
	uint64_t v;

	switch (ev->action) {
	case ACT_SEND:
		e = parse_u64(tok[2], false, &v);
		if (e == NUM_SYNTAX) {
			sc_report(c, "send: byte count '%s' is not an integer (1..%u bytes)", tok[2],
				  SEND_MAX);
			return false;
		}
		if (e != NUM_OK || v < 1 || v > SEND_MAX) {
			sc_report(c, "send: byte count %s is out of range (1..%u bytes)", tok[2], SEND_MAX);
			return false;
		}
		ev->arg = v;
		return true;
	case ACT_CONGEST:
		e = dur_parse(tok[2], &ev->arg);
		if (e == NUM_OK && ev->arg == 0) {
			sc_report(c, "congest: duration 0 is out of range (more than 0)");
			return false;
		}
		if (e != NUM_OK) {
			sc_report(c, "congest: duration '%s' %s", tok[2], dur_error(e));
			return false;
		}
		return true;
	case ACT_SET: {
		const struct key_def *k = sc_key_find(SEC_A, tok[2]);
		if (!k || k->kind != V_OPT) {
			sc_unknown_key(c, SEC_A, tok[2], true);
			return false;
		}
		if (!sc_opt_parse(c, k->opt, k->name, tok[3], &v))
			return false;
		ev->opt = k->opt;
		ev->arg = v;
		return true;
	}
	default:
		return true;
	}
}

/* unplug X | send X BYTES | set X OPTION VALUE | ... */
static bool host_event(struct ctx *c, struct sc_event *ev, char **tok, size_t ntok)
{
	const struct act_def *a = NULL;
	char list[256];

	for (size_t i = 0; i < NACTS; i++)
		if (!strcmp(act_defs[i].name, tok[0]))
			a = &act_defs[i];
	if (!a) {
		const char *names[NACTS + NPATH], *hint;
		hint = diag_suggest(tok[0], names, action_names(names));
		if (hint)
			sc_report(c, "unknown action '%s' (did you mean '%s'? valid actions: %s)", tok[0],
				  hint, action_list(list, sizeof(list)));
		else
			sc_report(c, "unknown action '%s' (valid actions: %s)", tok[0],
				  action_list(list, sizeof(list)));
		return false;
	}
	if (ntok - 1 != (size_t)a->nargs) {
		size_t shown = ntok < HOST_TOK ? ntok : HOST_TOK;
		sc_report(c, "'%s' takes %d argument%s, not %s%zu (%s, where X is A or B)", a->name,
			  a->nargs, a->nargs > 1 ? "s" : "", shown == HOST_TOK ? "at least " : "", shown - 1,
			  a->usage);
		return false;
	}
	ev->action = a->act;
	if (!strcmp(tok[1], "A")) {
		ev->host = HOST_A;
	} else if (!strcmp(tok[1], "B")) {
		ev->host = HOST_B;
	} else {
		sc_report(c, "%s: unknown host '%s' (A or B, upper case)", a->name, tok[1]);
		return false;
	}
	return host_args(c, ev, tok);
}

/* Actions that do the same thing each time, or act once: no "every". */
static bool repeatable(const struct sc_event *ev)
{
	return ev->action != ACT_CLOSE && ev->action != ACT_SET && ev->action != ACT_LINK_LOSS &&
	       ev->action != ACT_LINK_DELAY;
}

/* "every D [until T]" at the end of the words (tok[*ntok - 2 or 4 ..]): fills
 * ev->every and ev->until and drops the words from *ntok. Reports and
 * returns false when wrong; true (and nothing changed) without "every". */
static bool repeat_words(struct ctx *c, struct sc_event *ev, char **tok, size_t *ntok)
{
	char dur[64];
	size_t i = 0;
	enum num_err e;

	while (i < *ntok && strcmp(tok[i], "every"))
		i++;
	if (i == *ntok)
		return true;
	if (i == 0 || !(*ntok == i + 2 || (*ntok == i + 4 && !strcmp(tok[i + 2], "until")))) {
		sc_report(c, "'every' must end the event: ACTION ... every DURATION [until TIME] "
			     "(e.g. send A 100 every 10s until 1h)");
		return false;
	}
	format_duration(dur, sizeof(dur), EVENT_EVERY_MIN);
	e = dur_parse(tok[i + 1], &ev->every);
	if (e == NUM_OK && ev->every < EVENT_EVERY_MIN) {
		sc_report(c, "every %s is out of range (a duration, at least %s)", tok[i + 1], dur);
		return false;
	}
	if (e != NUM_OK) {
		sc_report(c, "every: duration '%s' %s", tok[i + 1], dur_error(e));
		return false;
	}
	ev->until = KS_TIME_NEVER;
	if (*ntok == i + 4) {
		e = dur_parse(tok[i + 3], &ev->until);
		if (e != NUM_OK) {
			sc_report(c, "until: time '%s' %s", tok[i + 3], dur_error(e));
			return false;
		}
		if (ev->until < ev->at) {
			sc_report(c, "until %s is before the event's first time (until is a time since "
				     "t = 0, at or after it)", tok[i + 3]);
			return false;
		}
	}
	*ntok = i;
	return true;
}

static void event_add(struct ctx *c, const struct sc_event *ev)
{
	if (c->s->nevents == c->evcap) {
		size_t cap = c->evcap ? 2 * c->evcap : 16;
		struct sc_event *p = realloc(c->s->events, cap * sizeof(*p));
		if (!p) {
			sc_oom(c);
			return;
		}
		c->s->events = p;
		c->evcap = cap;
	}
	c->s->events[c->s->nevents++] = *ev;
}

/* The action's words (at most MAX_TOK) of value, then the event. */
static void event_words(struct ctx *c, struct sc_event *ev, const char *when, char *copy)
{
	char *tok[MAX_WORDS], *save = NULL, list[256];
	size_t ntok = 0;
	bool path = false, ok;

	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (ntok == MAX_WORDS)
			break;
		tok[ntok++] = t;
	}
	if (ntok == 0) {
		sc_report(c, "event at '%s' has no action (valid actions: %s)", when,
			  action_list(list, sizeof(list)));
		return;
	}
	if (!repeat_words(c, ev, tok, &ntok))
		return;
	if (ntok > MAX_TOK)
		ntok = MAX_TOK; /* "takes N arguments, not at least ..." */
	for (size_t i = 0; i < NPATH; i++)
		path |= !strcmp(path_acts[i], tok[0]);
	ok = path ? path_event(c, ev, tok, ntok) : host_event(c, ev, tok, ntok);
	if (ok && ev->every && !repeatable(ev)) {
		sc_report(c, "'%s' cannot repeat: it %s (every works with send, congest, unplug, "
			     "replug, crash, boot, reboot, link down|up, partition, heal, nat, lb)",
			  tok[0], ev->action == ACT_CLOSE ? "acts once" : "sets the same value each time");
		ok = false;
	}
	if (ok)
		event_add(c, ev);
}

void sc_event_parse(struct ctx *c, const char *when, const char *value)
{
	struct sc_event ev = { .line = c->at.line };
	enum num_err e;
	char *copy;

	e = dur_parse(when, &ev.at);
	if (e != NUM_OK) {
		sc_report(c, "event time '%s' %s", when, dur_error(e));
		return;
	}
	copy = strdup(value);
	if (!copy) {
		sc_oom(c);
		return;
	}
	event_words(c, &ev, when, copy);
	free(copy);
}
