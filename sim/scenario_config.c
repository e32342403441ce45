/*
 * scenario_config.c - the effective configuration, key by key, read from the
 * key table (scenario.h, "the effective configuration"): every row of the
 * table says where its value is stored and of what kind it is, so a writer
 * that iterates the table (run.json) can never miss a key.
 */
#include "priv/scenario_priv.h"

#include <string.h>

size_t scenario_nsections(void)
{
	return NSECTIONS;
}

const char *scenario_section_name(size_t sec)
{
	return sec < NSECTIONS ? sc_sections[sec].name : NULL;
}

size_t scenario_nkeys(size_t sec)
{
	return sec < NSECTIONS ? sc_sections[sec].nkeys : 0;
}

const char *scenario_key_name(size_t sec, size_t k)
{
	return k < scenario_nkeys(sec) ? sc_sections[sec].keys[k].name : NULL;
}

enum cfg_dir scenario_key_dir(size_t sec, size_t k)
{
	return k < scenario_nkeys(sec) ? (enum cfg_dir)sc_sections[sec].keys[k].dir : CFG_DIR_NONE;
}

/* Where key k's value is in sc: the section's struct, or a link direction's. */
static const char *key_field(const struct scenario *sc, size_t sec, const struct key_def *k,
			     int host)
{
	const char *base = (const char *)sc + sc_sections[sec].base;

	switch (k->dir) {
	case DIR_BOTH:
		return (const char *)&sc->link.dir[host == HOST_B ? HOST_B : HOST_A] + k->off;
	case DIR_AB:
		return (const char *)&sc->link.dir[HOST_A] + k->off;
	case DIR_BA:
		return (const char *)&sc->link.dir[HOST_B] + k->off;
	default:
		return base + k->off;
	}
}

/* A socket option or sysctl: its unit, and null when 0 means unset. */
static void opt_value(const struct ep_config *ep, enum sockopt opt, struct cfg_value *v)
{
	const struct opt_def *o = &sc_opt_defs[opt];
	const char *f = (const char *)ep + o->off;
	uint32_t u;

	if (o->unit == U_BOOL) {
		v->type = CFG_BOOL;
		v->b = *(const bool *)(const void *)f;
		return;
	}
	u = *(const uint32_t *)(const void *)f;
	if (o->unit == U_LINGER && u == TCP_LINGER2_NONE) {
		v->type = CFG_REAL; /* TCP_LINGER2 -1 */
		v->r = -1;
		return;
	}
	v->type = u == 0 && o->zero_unset ? CFG_NULL : CFG_UINT;
	v->u = u;
}

static void str_value(struct cfg_value *v, const char *s)
{
	v->type = CFG_STR;
	v->s = s;
}

void scenario_key_value(const struct scenario *sc, size_t sec, size_t k, int host,
			struct cfg_value *v)
{
	const struct key_def *kd = &sc_sections[sec].keys[k];
	const void *f = key_field(sc, sec, kd, host);
	const struct ep_config *ep = (const struct ep_config *)(const void *)
		((const char *)sc + sc_sections[sec].base +
		 (kd->kind == V_OPT || kd->kind == V_ADDR ? kd->off : 0));

	memset(v, 0, sizeof(*v));
	switch (kd->kind) {
	case V_NAME:
	case V_PRESET:
	case V_LIBRARY:
		str_value(v, f);
		if (kd->kind != V_NAME && !*v->s)
			v->type = CFG_NULL; /* no preset, no library */
		break;
	case V_TEXT:
		str_value(v, *(char *const *)f);
		break;
	case V_DURATION:
		v->t = *(const ks_time_t *)f;
		v->type = v->t == KS_TIME_NEVER ? CFG_NULL : CFG_TIME; /* drawn from the seed */
		break;
	case V_U64:
		v->u = *(const uint64_t *)f;
		v->type = kd->max && v->u > kd->max ? CFG_NULL : CFG_UINT; /* drawn from the seed */
		break;
	case V_OPT:
		opt_value(ep, kd->opt, v);
		break;
	case V_ADDR:
		v->type = CFG_ADDR;
		v->addr = ep->addr;
		v->port = ep->port;
		break;
	case V_IPV4:
		v->type = CFG_ADDR;
		v->addr = *(const uint32_t *)f;
		break;
	case V_PROB:
	case V_RATE:
		v->type = CFG_REAL;
		v->r = *(const double *)f;
		break;
	case V_BOOL:
		v->type = CFG_BOOL;
		v->b = *(const bool *)f;
		break;
	case V_ENUM:
		str_value(v, kd->names[*(const int *)f]);
		break;
	case V_TIMER:
		str_value(v, sc_timer_names[*(const enum sc_timer *)f]);
		break;
	case V_HZ:
		v->type = CFG_UINT;
		v->u = *(const uint32_t *)f;
		break;
	case V_OS:
		str_value(v, profile_get(*(const enum os_profile *)f)->name);
		break;
	case V_DURLIST:
		v->type = CFG_TIMES;
		v->times = ((const struct dur_list *)f)->v;
		v->ntimes = ((const struct dur_list *)f)->n;
		break;
	}
}
