/*
 * scenario_values.c - one value of a scenario key, parsed and checked by its
 * kind (struct key_def): names, text, durations and lists of them, integers,
 * probabilities and rates, booleans, enumerations, the OS profile, addresses.
 * The key table and the per-section rules are scenario_keys.c's.
 */
#include "priv/scenario_priv.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Values                                                                   */
/* ------------------------------------------------------------------------ */

bool sc_parse_addr(const char *v, uint32_t *addr, uint16_t *port)
{
	const char *colon = strrchr(v, ':');
	char ip[INET_ADDRSTRLEN];
	struct in_addr in;
	uint64_t p;

	if (!colon || (size_t)(colon - v) >= sizeof(ip))
		return false;
	memcpy(ip, v, (size_t)(colon - v));
	ip[colon - v] = '\0';
	if (inet_pton(AF_INET, ip, &in) != 1)
		return false;
	if (parse_u64(colon + 1, false, &p) != NUM_OK || p < 1 || p > 65535)
		return false;
	*addr = ntohl(in.s_addr);
	*port = (uint16_t)p;
	return true;
}

static bool valid_name(const char *v)
{
	size_t n = strlen(v);

	if (n < 1 || n > 63)
		return false;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && *v != '.' && *v != '_' && *v != '-')
			return false;
	return true;
}

/* A V_DURATION value within k's range. */
bool sc_dur_value(struct ctx *c, const struct key_def *k, const char *val, ks_time_t *t)
{
	enum num_err e = dur_parse(val, t);

	if (e == NUM_OVERFLOW || (e == NUM_OK && (*t < k->min || *t > k->max))) {
		sc_report(c, "%s = %s is out of range (%s)", k->name, val, k->valid);
		return false;
	}
	if (e != NUM_OK) {
		sc_report(c, "%s = %s %s", k->name, val, dur_error(e));
		return false;
	}
	return true;
}

/* A V_PROB (0..1) or V_RATE (0..max) value: a plain decimal number. */
bool sc_real_value(struct ctx *c, const struct key_def *k, const char *val, double *dv)
{
	if (!parse_real(val, false, dv)) {
		sc_report(c, "%s = %s is not a number (%s)", k->name, val, k->valid);
		return false;
	}
	if (decimal_cmp(val, k->kind == V_PROB ? 1 : k->max) > 0) {
		sc_report(c, "%s = %s is out of range (%s)", k->name, val, k->valid);
		return false;
	}
	return true;
}

/* V_DURLIST: "10s, 5m", 1..DUR_LIST_MAX durations within k's range. */
static bool durlist_value(struct ctx *c, const struct key_def *k, const char *val,
			  struct dur_list *l)
{
	char item[128];
	const char *p = val;

	*l = (struct dur_list){ 0 };
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		ks_time_t t;
		while (len && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (l->n == DUR_LIST_MAX || len >= sizeof(item)) {
			sc_report(c, "%s = %s has too many items (%s)", k->name, val, k->valid);
			return false;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		enum num_err e = dur_parse(item, &t);
		if (e == NUM_OK && (t < k->min || t > k->max))
			e = NUM_OVERFLOW;
		if (e != NUM_OK) {
			const char *what = e == NUM_OVERFLOW ? "is out of range" : "is not a duration";
			if (!comma && l->n == 0) /* a single value: say it like any duration */
				sc_report(c, "%s = %s %s (%s)", k->name, val, what, k->valid);
			else
				sc_report(c, "%s = %s: %s %s (%s)", k->name, val, item, what, k->valid);
			return false;
		}
		l->v[l->n++] = t;
		if (!comma)
			return true;
		p = comma + 1;
	}
}

/* A name among names[0..n-1] into *idx, or "not a KIND (did you mean ...)". */
static bool named_value(struct ctx *c, const struct key_def *k, const char *val,
			const char *const *names, size_t n, const char *kind, int *idx)
{
	const char *hint;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(val, names[i])) {
			*idx = (int)i;
			return true;
		}
	hint = diag_suggest(val, names, n);
	if (hint)
		sc_report(c, "%s = %s is not %s (did you mean '%s'? %s)", k->name, val, kind, hint,
			  k->valid);
	else
		sc_report(c, "%s = %s is not %s (%s)", k->name, val, kind, k->valid);
	return false;
}

static void enum_apply(struct ctx *c, const struct key_def *k, const char *val, int *field)
{
	size_t n = 0;
	char list[256];

	while (k->names[n])
		n++;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(k->names[i], val)) {
			*field = (int)i;
			return;
		}
	}
	sc_report(c, "%s = %s is not a valid value (valid: %s)", k->name, val,
		  diag_join(list, sizeof(list), k->names, n, "", ""));
}

static void os_apply(struct ctx *c, const struct key_def *k, const char *val, enum os_profile *field)
{
	const char *names[NOS];
	int os;

	for (int i = 0; i < NOS; i++)
		names[i] = profile_get((enum os_profile)i)->name;
	if (named_value(c, k, val, names, NOS, "a known OS profile", &os))
		*field = (enum os_profile)os;
}

static void text_apply(struct ctx *c, const char *val, char **field)
{
	char *dup = strdup(val);

	if (!dup) {
		sc_oom(c);
		return;
	}
	free(*field);
	*field = dup;
}

/* V_U64: decimal or 0x hex when k has no range (seed), else decimal in min..max. */
static void u64_apply(struct ctx *c, const struct key_def *k, const char *val, uint64_t *field)
{
	uint64_t v;
	enum num_err e = parse_u64(val, k->max == 0, &v);

	if (e != NUM_OK)
		sc_report(c, "%s = %s is %s (%s)", k->name, val,
			  e == NUM_OVERFLOW ? "out of range" : "not an integer", k->valid);
	else if (k->max && (v < k->min || v > k->max))
		sc_report(c, "%s = %s is out of range (%s)", k->name, val, k->valid);
	else
		*field = v;
}

/* A key of the plain kinds, into field: one short case per enum val_kind. */
void sc_value_apply(struct ctx *c, const struct key_def *k, void *field, const char *val)
{
	ks_time_t t;
	uint64_t v;
	double dv;
	bool b;
	int i;

	switch (k->kind) {
	case V_NAME:
		if (!valid_name(val))
			sc_report(c, "%s = %s is not a valid name (%s)", k->name, val, k->valid);
		else
			strcpy(field, val);
		break;
	case V_TEXT:
		text_apply(c, val, field);
		break;
	case V_DURATION:
		if (sc_dur_value(c, k, val, &t))
			*(ks_time_t *)field = t;
		break;
	case V_DURLIST: {
		struct dur_list l;
		if (durlist_value(c, k, val, &l))
			*(struct dur_list *)field = l;
		break;
	}
	case V_U64:
		u64_apply(c, k, val, field);
		break;
	case V_TIMER:
		if (named_value(c, k, val, sc_timer_names, NTIMERS, "a timer model", &i))
			*(enum sc_timer *)field = (enum sc_timer)i;
		break;
	case V_HZ:
		if (parse_u64(val, false, &v) != NUM_OK || (v != 100 && v != 250 && v != 300 && v != 1000))
			sc_report(c, "%s = %s is not a supported HZ (%s)", k->name, val, k->valid);
		else
			*(uint32_t *)field = (uint32_t)v;
		break;
	case V_OS:
		os_apply(c, k, val, field);
		break;
	case V_PROB:
	case V_RATE:
		if (sc_real_value(c, k, val, &dv))
			*(double *)field = dv;
		break;
	case V_BOOL:
		if (!parse_bool(val, &b))
			sc_report(c, "%s = %s is not a boolean (%s)", k->name, val, k->valid);
		else
			*(bool *)field = b;
		break;
	case V_ENUM:
		enum_apply(c, k, val, field);
		break;
	case V_IPV4: {
		struct in_addr in;
		if (inet_pton(AF_INET, val, &in) != 1)
			sc_report(c, "%s = %s is not a valid address (%s)", k->name, val, k->valid);
		else
			*(uint32_t *)field = ntohl(in.s_addr);
		break;
	}
	case V_PRESET: /* nat_key_apply() */
	case V_OPT:    /* ep_key_apply() */
	case V_LIBRARY:
	case V_ADDR:
		break;
	}
}
