/*
 * output_json.c - one JSON document, streamed.
 *
 * "packets" is written to the output as packets happen. Timer firings and
 * events are written to anonymous temporary files meanwhile and copied in at
 * the end, so memory stays flat however long the run. Times are seconds
 * printed exactly from integer nanoseconds (no binary floating point); strings
 * are escaped by jansson.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ka_late.h"
#include "output.h"
#include "sim.h"

struct json_sink {
	struct sink base;
	FILE *out;
	FILE *timers, *events, *rtt; /* spill files */
	bool run_info;         /* run.json: add "config" */
	bool started, any_packet, any_timer, any_event, any_rtt;
	bool ended[NSOCKS];
	struct rec_end end[NSOCKS];
	char *hb_summary[NSOCKS];  /* an application's heartbeat gave up: its sentence */
	struct ka_late kl;     /* keepalive lateness against the exact-timer schedule */
};

static const char *hstr(int h)
{
	static const char *const names[NSOCKS] = {"\"A\"", "\"B\"", "\"P.server\"", "\"P.client\""};
	return names[h];
}

/* A JSON string literal, escaped by jansson. Invalid UTF-8 is replaced by '?'. */
static void put_str(FILE *f, const char *s)
{
	json_t *j = json_string(s);
	if (!j) {
		char *copy = strdup(s);
		if (!copy) {
			fputs("\"\"", f);
			return;
		}
		for (char *p = copy; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		j = json_string(copy);
		free(copy);
	}
	if (j) {
		json_dumpf(j, f, JSON_ENCODE_ANY);
		json_decref(j);
	} else {
		fputs("\"\"", f);
	}
}

/* Seconds, exact: 7875, 0.2, 10.000000001 */
static void put_time(FILE *f, ks_time_t t)
{
	char b[32];
	format_seconds(b, sizeof b, t);
	fputs(b, f);
}

/* A time, or null for KS_TIME_NEVER (not re-armed, no end). */
static void put_time_or_null(FILE *f, ks_time_t t)
{
	if (t == KS_TIME_NEVER)
		fputs("null", f);
	else
		put_time(f, t);
}

/* "192.0.2.10:40000", or just the address when port is 0. */
static void put_addr(FILE *o, uint32_t a, uint16_t port)
{
	fprintf(o, "\"%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	if (port)
		fprintf(o, ":%u", port);
	fputc('"', o);
}

/* One value of the effective configuration (scenario.h). */
static void put_cfg_value(FILE *o, const struct cfg_value *v)
{
	switch (v->type) {
	case CFG_NULL: fputs("null", o); break;
	case CFG_BOOL: fputs(v->b ? "true" : "false", o); break;
	case CFG_UINT: fprintf(o, "%llu", (unsigned long long)v->u); break;
	case CFG_REAL: fprintf(o, "%.17g", v->r); break;
	case CFG_TIME: put_time(o, v->t); break;
	case CFG_STR: put_str(o, v->s); break;
	case CFG_ADDR: put_addr(o, v->addr, v->port); break;
	case CFG_TIMES:
		fputc('[', o);
		for (size_t k = 0; k < v->ntimes; k++) {
			fputs(k ? ", " : "", o);
			put_time(o, v->times[k]);
		}
		fputc(']', o);
		break;
	}
}

/* "KEY": VALUE, ... of section sec's keys that live in `dir` (of direction
 * host for CFG_DIR_BOTH); returns whether it wrote any. */
static bool put_cfg_keys(FILE *o, const struct scenario *sc, size_t sec, enum cfg_dir dir, int host)
{
	bool any = false;
	struct cfg_value v;

	for (size_t k = 0; k < scenario_nkeys(sec); k++) {
		if (scenario_key_dir(sec, k) != dir)
			continue;
		fprintf(o, "%s\"%s\": ", any ? ", " : "", scenario_key_name(sec, k));
		scenario_key_value(sc, sec, k, host, &v);
		put_cfg_value(o, &v);
		any = true;
	}
	return any;
}

/* The section has keys of both directions ([link]). */
static bool has_dir_keys(size_t sec)
{
	for (size_t k = 0; k < scenario_nkeys(sec); k++)
		if (scenario_key_dir(sec, k) == CFG_DIR_BOTH)
			return true;
	return false;
}

/*
 * "config": every key of the scenario with its effective value (after --set),
 * generated from the key table, so a new key is never missing. A [link] key
 * of both directions is written per direction ("a_to_b", "b_to_a"); the
 * scenario's file is added to [scenario]; "nat" is null without a NAT;
 * "proxy" is there only with a proxy.
 */
/* "link delay": the new delay and jitter (seconds), after a ", ". */
static void put_delay(FILE *o, const struct sc_event *ev)
{
	fputs("\"delay\": ", o);
	put_time(o, ev->arg);
	fputs(", \"jitter\": ", o);
	put_time(o, ev->jitter);
}

static void put_config(FILE *o, const struct scenario *sc)
{
	fputs(",\n  \"config\": {\n", o);
	for (size_t sec = 0; sec < scenario_nsections(); sec++) {
		const char *name = scenario_section_name(sec);
		bool any;
		if (!scenario_nkeys(sec))
			continue; /* [events], below */
		if (!strcmp(name, "proxy") && !sc->proxy.enabled)
			continue; /* absent without a proxy (run.json as before [proxy] existed) */
		if (!strcmp(name, "lb") && !sc->lb.enabled)
			continue; /* absent without an [lb] (run.json as before [lb] existed) */
		fprintf(o, "    \"%s\": ", name);
		if (!strcmp(name, "nat") && !sc->nat.enabled) {
			fputs("null,\n", o);
			continue;
		}
		fputc('{', o);
		any = put_cfg_keys(o, sc, sec, CFG_DIR_NONE, HOST_A);
		if (!strcmp(name, "scenario")) {
			fputs(", \"file\": ", o);
			put_str(o, sc->path ? sc->path : "");
		}
		for (int h = 0; h < NHOSTS && has_dir_keys(sec); h++) {
			fprintf(o, "%s\"%s\": {", any ? ", " : "", h == HOST_A ? "a_to_b" : "b_to_a");
			put_cfg_keys(o, sc, sec, CFG_DIR_BOTH, h);
			fputc('}', o);
			any = true;
		}
		fputs("},\n", o);
	}
	fputs("    \"events\": [", o);
	for (size_t i = 0; i < sc->nevents; i++) {
		const struct sc_event *ev = &sc->events[i];
		fprintf(o, "%s\n      {\"time\": ", i ? "," : "");
		put_time(o, ev->at);
		fprintf(o, ", \"line\": %d, \"action\": \"%s\", \"host\": %s", ev->line, action_name(ev->action),
			ev->host < 0 ? "null" : hstr(ev->host));
		if (ev->action == ACT_LINK_LOSS)
			fprintf(o, ", \"p\": %.17g", ev->p);
		if (ev->action == ACT_LINK_DELAY) {
			fputs(", ", o);
			put_delay(o, ev);
		}
		if (ev->action == ACT_SEND)
			fprintf(o, ", \"bytes\": %llu", (unsigned long long)ev->arg);
		else if (ev->action == ACT_CONGEST) {
			fputs(", \"duration\": ", o);
			put_time(o, ev->arg);
		} else if (ev->action == ACT_SET)
			fprintf(o, ", \"option\": \"%s\", \"value\": %llu", sockopt_name(ev->opt),
				(unsigned long long)ev->arg);
		if (ev->every) { /* a repeating event: its period and last time (null: the end) */
			fputs(", \"every\": ", o);
			put_time(o, ev->every);
			fputs(", \"until\": ", o);
			put_time_or_null(o, ev->until);
		}
		fputc('}', o);
	}
	fputs(sc->nevents ? "\n    ]\n  }" : "]\n  }", o);
}

static void start(struct json_sink *js, const struct sim *sim)
{
	const struct scenario *sc = sim->sc;
	FILE *o = js->out;
	js->started = true;
	fputs("{\n  \"scenario\": ", o);
	put_str(o, sc->name);
	fputs(",\n  \"description\": ", o);
	put_str(o, sc->description);
	fprintf(o, ",\n  \"kasim_version\": \"%s\",\n  \"seed\": %llu,\n  \"duration\": ", KASIM_VERSION,
		(unsigned long long)sc->seed);
	put_time(o, sc->duration);
	if (js->run_info)
		put_config(o, sc);
	fputs(",\n  \"packets\": [", o);
}

static void json_fate(FILE *o, const struct rec_packet *p);

static void json_packet(struct json_sink *js, const struct rec_packet *p)
{
	const struct segment *seg = p->seg;
	FILE *o = js->out;
	char fl[8], note[96];
	fprintf(o, "%s\n    {\"id\": %llu, \"time\": ", js->any_packet ? "," : "", (unsigned long long)seg->id);
	js->any_packet = true;
	put_time(o, p->sent);
	if (seg->kind == SEG_ICMP) {
		/* not TCP: the ICMP's type and code, and the segment it quotes */
		fprintf(o, ", \"src\": %s, \"dst\": %s, \"icmp\": \"%s\", \"icmp_type\": %u, "
			   "\"icmp_code\": %u, \"quoted\": {\"src\": %s, \"flags\": \"%s\", \"seq\": %u, "
			   "\"ack\": %u, \"len\": %u}, ", hstr(seg->src), hstr(seg->dst),
			icmp_code_name(seg->icmp_code), seg->icmp_type, seg->icmp_code, hstr(seg->dst),
			tcp_flags_str(seg->flags, fl), seg->seq, seg->ack, seg->len);
		json_fate(o, p);
		return;
	}
	fprintf(o, ", \"src\": %s, \"dst\": %s, \"flags\": \"%s\", \"seq\": %u, \"ack\": %u, \"len\": %u, "
		   "\"keepalive\": %s, ", hstr(seg->src), hstr(seg->dst), tcp_flags_str(seg->flags, fl),
		seg->seq, seg->ack, seg->len, seg->kind == SEG_KA_PROBE ? "true" : "false");
	packet_note(note, sizeof note, seg);
	fputs("\"note\": ", o);
	if (note[0])
		put_str(o, note);
	else
		fputs("null", o);
	if (p->seg_out)
		fprintf(o, ", \"nat_port\": %u", seg->src == HOST_A ? p->seg_out->sport : seg->dport);
	else
		fputs(", \"nat_port\": null", o);
	fputs(", ", o);
	json_fate(o, p);
}

/* "fate": ..., with the arrival or where and why it was dropped (ends the object). */
static void json_fate(FILE *o, const struct rec_packet *p)
{
	if (p->reason == DROP_NONE) {
		fputs("\"fate\": \"delivered\", \"arrival\": ", o);
		put_time(o, p->fate_time);
		fputs(", \"reason\": null}", o);
	} else {
		fputs("\"fate\": \"dropped\", \"dropped_at\": ", o);
		put_time(o, p->fate_time);
		const char *where = p->reason_host >= 0 ? hstr(p->reason_host)
				    : p->reason_host == FATE_AT_LB ? "\"lb\""
				    : p->reason >= DROP_NAT_NO_MAPPING ? "\"nat\"" : "\"link\"";
		fprintf(o, ", \"reason\": \"%s\", \"where\": %s}", drop_reason_name(p->reason), where);
	}
}

static void json_keepalive(struct json_sink *js, ks_time_t now, const struct rec_keepalive *k)
{
	FILE *o = js->timers;
	fprintf(o, "%s\n    {\"time\": ", js->any_timer ? "," : "");
	js->any_timer = true;
	put_time(o, now);
	fprintf(o, ", \"host\": %s, \"timer\": \"keepalive\", \"decision\": \"%s\", \"elapsed\": ",
		hstr(k->host), ka_decision_name(k->decision));
	put_time(o, k->elapsed);
	fprintf(o, ", \"probes_out\": %u, \"keepidle\": ", k->probes_out);
	put_time(o, k->time);
	fputs(", \"keepintvl\": ", o);
	put_time(o, k->intvl);
	fprintf(o, ", \"keepcnt\": %u, \"user_timeout_ms\": %u, \"next\": ", k->probes, k->user_timeout);
	put_time_or_null(o, k->next);
	if (k->decision == KA_PROBE)
		fprintf(o, ", \"probe\": %u", k->probe_no);
	fputs(", \"nominal\": ", o);
	put_time(o, k->nominal);
	fputs(", \"actual\": ", o);
	put_time(o, k->actual);
	if (k->clock != TM_EXACT) {
		/* how much later than the exact-timer schedule (ka_late.h) */
		fputs(", \"late\": ", o);
		put_time(o, ka_late_of(&js->kl, k));
	}
	fputc('}', o);
}

static void json_rto(struct json_sink *js, ks_time_t now, const struct rec_rto *r)
{
	FILE *o = js->timers;
	fprintf(o, "%s\n    {\"time\": ", js->any_timer ? "," : "");
	js->any_timer = true;
	put_time(o, now);
	fprintf(o, ", \"host\": %s, \"timer\": \"retransmit\", \"decision\": \"%s\", \"retransmits\": %u, "
		   "\"since_first_retransmission\": ", hstr(r->host),
		r->decision == RTO_ABORT ? "abort" : r->decision == RTO_PROBE ? "loss-probe" : "retransmit",
		r->retransmits);
	put_time(o, r->since);
	fputs(", \"limit\": ", o);
	put_time(o, r->limit);
	fputs(", \"next\": ", o);
	put_time_or_null(o, r->next);
	fputs(", \"nominal\": ", o);
	put_time(o, r->nominal);
	fputs(", \"actual\": ", o);
	put_time(o, r->actual);
	fputc('}', o);
}

/* The "rtt" array: one RTT sample and the estimator after it, in seconds. */
static void json_rtt(struct json_sink *js, ks_time_t now, const struct rec_rtt *r)
{
	FILE *o = js->rtt;
	fprintf(o, "%s\n    {\"time\": ", js->any_rtt ? "," : "");
	js->any_rtt = true;
	put_time(o, now);
	fprintf(o, ", \"host\": %s", hstr(r->host));
	const char *const key[] = {"sample", "srtt", "rttvar", "rto"};
	const ks_time_t val[] = {r->sample, r->srtt, r->rttvar, r->rto};
	for (size_t i = 0; i < 4; i++) {
		fprintf(o, ", \"%s\": ", key[i]);
		put_time(o, val[i]);
	}
	fputc('}', o);
}

static void event_head(struct json_sink *js, ks_time_t now, const char *type)
{
	FILE *o = js->events;
	fprintf(o, "%s\n    {\"time\": ", js->any_event ? "," : "");
	js->any_event = true;
	put_time(o, now);
	fprintf(o, ", \"type\": \"%s\"", type);
}

/* An application heartbeat's decision; a give-up keeps its summary sentence. */
static void json_heartbeat(struct json_sink *js, ks_time_t now, const struct rec_heartbeat *h)
{
	FILE *o = js->events;
	char text[512];
	event_head(js, now, "heartbeat");
	fprintf(o, ", \"host\": %s, \"decision\": \"%s\", \"ping\": %u, \"misses\": %u, "
		   "\"count\": %u, \"sent\": ", hstr(h->host), hb_decision_name(h->decision), h->no,
		h->misses, h->count);
	put_time(o, h->sent);
	fputs(", \"timeout\": ", o);
	put_time(o, h->timeout);
	fputs(", \"last_alive\": ", o);
	put_time(o, h->last_alive);
	hb_text(text, sizeof text, h);
	fputs(", \"text\": ", o);
	put_str(o, text);
	fputc('}', o);
	if (h->decision == HBD_GIVEUP && !js->hb_summary[h->host]) {
		hb_summary(text, sizeof text, now, h);
		js->hb_summary[h->host] = strdup(text); /* NULL (no memory): left out */
	}
}

static void json_nat(struct json_sink *js, ks_time_t t, const struct rec_nat *n)
{
	char text[320];
	event_head(js, t, n->box == NAT_BOX_LB ? "lb" : "nat");
	fprintf(js->events, ", \"decision\": \"%s\", \"from\": %s, \"in_port\": %u, "
		"\"ext_port\": %u, \"class\": \"%s\", \"idle\": ", nat_decision_name(n->decision),
		n->dir < 0 ? "null" : hstr(n->dir), n->in_port, n->ext_port, nat_class_name(n->cls));
	put_time(js->events, n->idle);
	fputs(", \"reason\": ", js->events);
	if (n->decision == NATD_DROPPED)
		fprintf(js->events, "\"%s\"", drop_reason_name(n->drop));
	else if (n->why)
		put_str(js->events, n->why);
	else
		fputs("null", js->events);
	if (n->decision == NATD_RST)
		fprintf(js->events, ", \"rst_to\": %s", hstr(n->rst_to));
	nat_text(text, sizeof text, n);
	fputs(", \"text\": ", js->events);
	put_str(js->events, text);
	fputc('}', js->events);
}

static void json_icmp(struct json_sink *js, ks_time_t t, const struct rec_icmp *ic)
{
	char text[400];
	event_head(js, t, "icmp");
	fprintf(js->events, ", \"host\": %s, \"decision\": \"%s\", \"icmp\": \"%s\", \"seq\": %u, "
		"\"error\": ", hstr(ic->host), icmp_decision_name(ic->decision),
		icmp_code_name(ic->code), ic->seq);
	if (ic->decision >= ICMPD_SOFT && tcp_errno_name(ic->err))
		fprintf(js->events, "\"%s\"", tcp_errno_name(ic->err));
	else
		fputs("null", js->events);
	if (ic->decision <= ICMPD_RATELIMITED) {
		fputs(", \"tokens\": ", js->events);
		put_time(js->events, ic->tokens);
	}
	if (ic->decision == ICMPD_REVERT) {
		fprintf(js->events, ", \"backoff\": %u, \"rto\": ", ic->backoff);
		put_time(js->events, ic->rto);
		fputs(", \"remaining\": ", js->events);
		put_time(js->events, ic->remaining);
	}
	icmp_text(text, sizeof text, ic);
	fputs(", \"text\": ", js->events);
	put_str(js->events, text);
	fputc('}', js->events);
}

static void json_record(struct sink *s, const struct sim *sim, const struct ks_record *r)
{
	struct json_sink *js = (struct json_sink *)s;
	if (!js->started)
		start(js, sim);
	ka_late_record(&js->kl, r);
	switch (r->type) {
	case REC_PACKET: json_packet(js, &r->u.pkt); break;
	case REC_KEEPALIVE: json_keepalive(js, r->t, &r->u.ka); break;
	case REC_RTO: json_rto(js, r->t, &r->u.rto); break;
	case REC_RTT: json_rtt(js, r->t, &r->u.rtt); break;
	case REC_NAT: json_nat(js, r->t, &r->u.nat); break;
	case REC_ICMP: json_icmp(js, r->t, &r->u.icmp); break;
	case REC_HEARTBEAT:
		json_heartbeat(js, r->t, &r->u.hb);
		break;
	case REC_ACTION:
		event_head(js, r->t, "action");
		fprintf(js->events, ", \"action\": \"%s\", \"host\": %s, \"line\": %d, \"arg\": %llu, ",
			action_name(r->u.act.ev->action),
			r->u.act.ev->host < 0 ? "null" : hstr(r->u.act.ev->host), r->u.act.ev->line,
			(unsigned long long)r->u.act.ev->arg);
		if (r->u.act.ev->action == ACT_LINK_LOSS)
			fprintf(js->events, "\"p\": %.17g, ", r->u.act.ev->p);
		if (r->u.act.ev->action == ACT_LINK_DELAY) {
			put_delay(js->events, r->u.act.ev);
			fputs(", ", js->events);
		}
		fputs("\"result\": ", js->events);
		if (r->u.act.result)
			put_str(js->events, r->u.act.result);
		else
			fputs("null", js->events);
		fputc('}', js->events);
		break;
	case REC_PROXY: {
		char text[512];
		event_head(js, r->t, "proxy");
		fprintf(js->events, ", \"decision\": \"%s\", \"leg\": %s, \"client_leg\": %s%s%s, "
			"\"server_leg\": %s%s%s, \"text\": ", proxy_decision_name(r->u.px.decision),
			r->u.px.leg < 0 ? "null" : hstr(r->u.px.leg),
			r->u.px.client_action < 0 ? "" : "\"", r->u.px.client_action < 0 ? "null" :
			proxy_close_name(r->u.px.client_action), r->u.px.client_action < 0 ? "" : "\"",
			r->u.px.server_action < 0 ? "" : "\"", r->u.px.server_action < 0 ? "null" :
			proxy_close_name(r->u.px.server_action), r->u.px.server_action < 0 ? "" : "\"");
		proxy_text(text, sizeof text, &r->u.px);
		put_str(js->events, text);
		fputc('}', js->events);
		break;
	}
	case REC_STATE:
		event_head(js, r->t, "state");
		fprintf(js->events, ", \"host\": %s, \"from\": \"%s\", \"to\": \"%s\"}", hstr(r->u.st.host),
			tcp_state_name(r->u.st.from), tcp_state_name(r->u.st.to));
		break;
	case REC_END:
		js->ended[r->u.end.host] = true;
		js->end[r->u.end.host] = r->u.end;
		event_head(js, r->t, "end");
		fprintf(js->events, ", \"host\": %s, \"end\": \"%s\", \"error\": ", hstr(r->u.end.host),
			end_name(r->u.end.why));
		if (r->u.end.error)
			fprintf(js->events, "\"%s\"}", tcp_errno_name(r->u.end.error));
		else
			fputs("null}", js->events);
		break;
	}
}

static void copy_spill(FILE *from, FILE *to)
{
	char buf[65536];
	size_t n;
	rewind(from);
	while ((n = fread(buf, 1, sizeof buf, from)) > 0)
		fwrite(buf, 1, n, to);
}

/* "timer": the model host h ran on, "hz": its HZ (linux only, else null). */
static void json_timer(FILE *o, const struct scenario *sc, int h)
{
	static const char *const names[] = { [TM_EXACT] = "exact", [TM_LINUX] = "linux", [TM_LWIP] = "lwip" };
	enum tm_kind k = sc_host_timer(sc, h);
	fprintf(o, "\"timer\": \"%s\", \"hz\": ", names[k]);
	if (k == TM_LINUX)
		fprintf(o, "%u", (unsigned)sc->hz);
	else
		fputs("null", o);
}

static void json_endpoint(struct json_sink *js, const struct sim *sim, int h)
{
	const struct tcp_sock *sk = &sim->host[h].sk;
	FILE *o = js->out;
	char line[512];
	fprintf(o, "    %s: {\"isn\": %u, \"state\": \"%s\", \"error\": ", hstr(h), sk->iss,
		tcp_state_name(sk->state));
	if (sk->error) {
		fprintf(o, "\"%s\", \"error_time\": ", tcp_errno_name(sk->error));
		put_time(o, sk->error_time);
	} else {
		fputs("null, \"error_time\": null", o);
	}
	fprintf(o, ", \"end\": %s%s%s, \"end_time\": ", js->ended[h] ? "\"" : "",
		js->ended[h] ? end_name(js->end[h].why) : "null", js->ended[h] ? "\"" : "");
	if (js->ended[h])
		put_time(o, sk->end_time);
	else
		fputs("null", o);
	fprintf(o, ", \"probes_sent\": %u, \"retransmissions\": %u, ", sk->probes_sent, sk->retrans_sent);
	json_timer(o, sim->sc, h);
	fputs(", \"summary\": ", o);
	summary_sentence(line, sizeof line, sim, h, js->ended[h] ? &js->end[h] : NULL);
	put_str(o, line);
	if (js->hb_summary[h]) { /* only when an application's heartbeat gave up */
		fputs(", \"heartbeat\": ", o);
		put_str(o, js->hb_summary[h]);
	}
	fputc('}', o);
}

/* A box's statistics in the summary: "nat" or "lb". */
static void json_box_stats(FILE *o, const struct nat *nat)
{
	const struct nat_stats *st = &nat->st;
	fprintf(o, "  \"%s\": {\"preset\": ", nat->box == NAT_BOX_LB ? "lb" : "nat");
	if (nat->cfg.preset[0])
		put_str(o, nat->cfg.preset);
	else
		fputs("null", o);
	fprintf(o, ", \"capacity\": %llu, \"established_timeout\": ",
		(unsigned long long)nat->cfg.capacity);
	put_time(o, nat->cfg.established_timeout);
	fputs(", \"transitory_timeout\": ", o);
	put_time(o, nat->cfg.transitory_timeout);
	fprintf(o, ", \"mappings_created\": %llu, \"refreshes\": %llu, \"expiries\": %llu, "
		"\"evictions\": %llu, \"flushed\": %llu, \"drops\": %llu, \"rsts_sent\": %llu, "
		"\"translated\": %llu, \"peak_mappings\": %llu, \"table_full_drops\": %llu, "
		"\"background\": {\"flows\": %llu, \"segments\": %llu, \"evictions\": %llu, "
		"\"expiries\": %llu, \"broken\": %llu, \"refused\": %llu}},\n",
		(unsigned long long)st->created, (unsigned long long)st->refreshes,
		(unsigned long long)st->expired, (unsigned long long)st->evicted,
		(unsigned long long)st->flushed, (unsigned long long)st->drops,
		(unsigned long long)st->rsts, (unsigned long long)st->translated,
		(unsigned long long)st->peak, (unsigned long long)st->table_full_drops,
		(unsigned long long)st->bg_flows, (unsigned long long)st->bg_segments,
		(unsigned long long)st->bg_evicted, (unsigned long long)st->bg_expired,
		(unsigned long long)st->bg_broken, (unsigned long long)st->bg_refused);
}

static void json_finish(struct sink *s, const struct sim *sim)
{
	struct json_sink *js = (struct json_sink *)s;
	FILE *o = js->out;
	if (!js->started)
		start(js, sim);
	fputs(js->any_packet ? "\n  ],\n  \"timers\": [" : "],\n  \"timers\": [", o);
	copy_spill(js->timers, o);
	fputs(js->any_timer ? "\n  ],\n  \"rtt\": [" : "],\n  \"rtt\": [", o);
	copy_spill(js->rtt, o);
	fputs(js->any_rtt ? "\n  ],\n  \"events\": [" : "],\n  \"events\": [", o);
	copy_spill(js->events, o);
	fputs(js->any_event ? "\n  ],\n" : "],\n", o);
	fprintf(o, "  \"stats\": {\"packets\": %llu, \"dropped\": %llu, \"events\": %llu},\n",
		(unsigned long long)sim->packets, (unsigned long long)sim->drops,
		(unsigned long long)sim->eng.fired);
	for (int b = 0; b < NAT_NBOXES; b++)
		if (sim->box_on[b])
			json_box_stats(o, &sim->box[b]);
	fputs("  \"endpoints\": {\n", o);
	json_endpoint(js, sim, HOST_A);
	fputs(",\n", o);
	json_endpoint(js, sim, HOST_B);
	if (sim->has_proxy) { /* P's two sockets */
		fputs(",\n", o);
		json_endpoint(js, sim, HOST_PC);
		fputs(",\n", o);
		json_endpoint(js, sim, HOST_PS);
		fputs(",\n    \"P\": {\"summary\": ", o);
		char line[768];
		proxy_summary(line, sizeof line, sim);
		put_str(o, line);
		fputc('}', o);
	}
	fputs("\n  }\n}\n", o);
	fflush(o);
}

static void json_destroy(struct sink *s)
{
	struct json_sink *js = (struct json_sink *)s;
	if (js->timers)
		fclose(js->timers);
	if (js->events)
		fclose(js->events);
	for (int h = 0; h < NHOSTS; h++)
		free(js->hb_summary[h]);
	if (js->rtt)
		fclose(js->rtt);
	free(js);
}

struct sink *json_sink_new(FILE *out, const struct output_opts *o)
{
	struct json_sink *js = calloc(1, sizeof(*js));
	if (!js)
		return NULL;
	js->run_info = o->run_info;
	js->base = (struct sink){.record = json_record, .finish = json_finish, .destroy = json_destroy};
	js->out = out;
	js->timers = tmpfile();
	js->events = tmpfile();
	js->rtt = tmpfile();
	if (!js->timers || !js->events || !js->rtt) {
		json_destroy(&js->base);
		return NULL;
	}
	return &js->base;
}
