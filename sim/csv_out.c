/*
 * csv_out.c - timeline.csv, streamed: each record becomes one row as it
 * happens, nothing is kept. Times are exact seconds from integer ns.
 */
#include "csv_out.h"

#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "ka_late.h"
#include "sim.h"

const char csv_header[] =
	"time_s,record,host,src,dst,flags,seq,ack,len_bytes,note,fate,fate_time_s,drop_reason,drop_host,"
	"decision,elapsed_s,probes_out,keepidle_s,keepintvl_s,keepcnt,user_timeout_ms,next_s,"
	"retransmits,since_first_s,limit_s,error,explanation,rtt_sample_s,srtt_s,rttvar_s,rto_s,late_s";

enum { NCOLS = 32 };
enum {
	C_TIME, C_RECORD, C_HOST, C_SRC, C_DST, C_FLAGS, C_SEQ, C_ACK, C_LEN, C_NOTE, C_FATE, C_FATE_TIME,
	C_DROP_REASON, C_DROP_HOST, C_DECISION, C_ELAPSED, C_PROBES_OUT, C_KEEPIDLE, C_KEEPINTVL,
	C_KEEPCNT, C_UT, C_NEXT, C_RETRANS, C_SINCE, C_LIMIT, C_ERROR, C_EXPLAIN,
	C_RTT_SAMPLE, C_SRTT, C_RTTVAR, C_RTO, /* appended: the columns before keep their place */
	C_LATE, /* keepalive, timer = linux/lwip: after the exact-timer schedule (ka_late.h) */
};

struct csv_sink {
	struct sink base;
	FILE *out;
	struct ka_late kl;
	char cell[NCOLS][1024];
};

/* "A", "B", or "" for the path (-1). */
static const char *hs(int h) { return h >= 0 && h < NSOCKS ? host_name(h) : ""; }

static void row_clear(struct csv_sink *cs)
{
	for (int i = 0; i < NCOLS; i++)
		cs->cell[i][0] = '\0';
}

static void set(struct csv_sink *cs, int c, const char *v) { snprintf(cs->cell[c], sizeof cs->cell[c], "%s", v); }
static void set_u(struct csv_sink *cs, int c, unsigned long long v)
{
	snprintf(cs->cell[c], sizeof cs->cell[c], "%llu", v);
}
static void set_t(struct csv_sink *cs, int c, ks_time_t t) { format_seconds(cs->cell[c], sizeof cs->cell[c], t); }

void csv_field(FILE *o, const char *v)
{
	if (!strpbrk(v, ",\"\r\n")) {
		fputs(v, o);
		return;
	}
	fputc('"', o);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', o);
		fputc(*v, o);
	}
	fputc('"', o);
}

static void row_write(struct csv_sink *cs)
{
	for (int i = 0; i < NCOLS; i++) {
		if (i)
			fputc(',', cs->out);
		csv_field(cs->out, cs->cell[i]);
	}
	fputc('\n', cs->out);
}

static void csv_packet(struct csv_sink *cs, const struct rec_packet *p)
{
	const struct segment *seg = p->seg;
	char fl[8], b[128];
	set_t(cs, C_TIME, p->sent);
	set(cs, C_RECORD, "packet");
	set(cs, C_HOST, hs(seg->src));
	set(cs, C_SRC, hs(seg->src));
	set(cs, C_DST, hs(seg->dst));
	/* an ICMP error: "ICMP", and the quoted segment's seq */
	set(cs, C_FLAGS, seg->kind == SEG_ICMP ? "ICMP" : tcp_flags_str(seg->flags, fl));
	set_u(cs, C_SEQ, seg->seq);
	if (seg->flags & TH_ACK)
		set_u(cs, C_ACK, seg->ack);
	set_u(cs, C_LEN, seg->len);
	packet_note(b, sizeof b, seg);
	set(cs, C_NOTE, b);
	set(cs, C_FATE, p->reason == DROP_NONE ? "delivered" : "dropped");
	set_t(cs, C_FATE_TIME, p->fate_time);
	if (p->reason != DROP_NONE) {
		set(cs, C_DROP_REASON, drop_reason_name(p->reason));
		set(cs, C_DROP_HOST, hs(p->reason_host));
		drop_text(b, sizeof b, p->reason, p->reason_host);
		snprintf(cs->cell[C_EXPLAIN], sizeof cs->cell[C_EXPLAIN], "dropped: %s", b);
	}
}

/* The four cells every record row starts with. */
static void row_head(struct csv_sink *cs, ks_time_t t, const char *record, const char *host,
		     const char *decision)
{
	set_t(cs, C_TIME, t);
	set(cs, C_RECORD, record);
	set(cs, C_HOST, host);
	set(cs, C_DECISION, decision);
}

static void csv_keepalive(struct csv_sink *cs, ks_time_t now, const struct rec_keepalive *k)
{
	row_head(cs, now, "keepalive", hs(k->host), ka_decision_name(k->decision));
	set_t(cs, C_ELAPSED, k->elapsed);
	set_u(cs, C_PROBES_OUT, k->probes_out);
	set_t(cs, C_KEEPIDLE, k->time);
	set_t(cs, C_KEEPINTVL, k->intvl);
	set_u(cs, C_KEEPCNT, k->probes);
	set_u(cs, C_UT, k->user_timeout);
	if (k->next != KS_TIME_NEVER)
		set_t(cs, C_NEXT, k->next);
	if (k->clock != TM_EXACT)
		set_t(cs, C_LATE, ka_late_of(&cs->kl, k));
	explain_keepalive(cs->cell[C_EXPLAIN], sizeof cs->cell[C_EXPLAIN], now, k);
}

static void csv_rto(struct csv_sink *cs, ks_time_t now, const struct rec_rto *r)
{
	row_head(cs, now, "retransmit", hs(r->host),
		 r->decision == RTO_ABORT ? "abort" : r->decision == RTO_PROBE ? "loss-probe" : "retransmit");
	set_u(cs, C_UT, r->user_timeout);
	if (r->next != KS_TIME_NEVER)
		set_t(cs, C_NEXT, r->next);
	set_u(cs, C_RETRANS, r->retransmits);
	set_t(cs, C_SINCE, r->since);
	set_t(cs, C_LIMIT, r->limit);
	explain_rto(cs->cell[C_EXPLAIN], sizeof cs->cell[C_EXPLAIN], now, r);
}

static void csv_rtt(struct csv_sink *cs, ks_time_t now, const struct rec_rtt *r)
{
	row_head(cs, now, "rtt", hs(r->host), r->rfc6298 ? "rfc6298" : "tcp_rtt_estimator");
	set_t(cs, C_RTT_SAMPLE, r->sample);
	set_t(cs, C_SRTT, r->srtt);
	set_t(cs, C_RTTVAR, r->rttvar);
	set_t(cs, C_RTO, r->rto);
	explain_rtt(cs->cell[C_EXPLAIN], sizeof cs->cell[C_EXPLAIN], now, r);
}

static void csv_record(struct sink *s, const struct sim *sim, const struct ks_record *r)
{
	(void)sim;
	struct csv_sink *cs = (struct csv_sink *)s;
	ka_late_record(&cs->kl, r);
	row_clear(cs);
	switch (r->type) {
	case REC_PACKET: csv_packet(cs, &r->u.pkt); break;
	case REC_KEEPALIVE: csv_keepalive(cs, r->t, &r->u.ka); break;
	case REC_RTO: csv_rto(cs, r->t, &r->u.rto); break;
	case REC_RTT: csv_rtt(cs, r->t, &r->u.rtt); break;
	case REC_ACTION: {
		const struct sc_event *ev = r->u.act.ev;
		row_head(cs, r->t, "event", hs(ev->host), action_name(ev->action));
		if (r->u.act.result)
			snprintf(cs->cell[C_EXPLAIN], sizeof cs->cell[C_EXPLAIN], "%s %s %s",
				 action_name(ev->action), hs(ev->host), r->u.act.result);
		else
			snprintf(cs->cell[C_EXPLAIN], sizeof cs->cell[C_EXPLAIN], "%s %s (scenario line %d)",
				 action_name(ev->action), hs(ev->host), ev->line);
		break;
	}
	case REC_STATE:
		row_head(cs, r->t, "state", hs(r->u.st.host), tcp_state_name(r->u.st.to));
		explain_state(cs->cell[C_EXPLAIN], sizeof cs->cell[C_EXPLAIN], r->t, &r->u.st);
		break;
	case REC_END:
		row_head(cs, r->t, "end", hs(r->u.end.host), end_name(r->u.end.why));
		if (r->u.end.error)
			set(cs, C_ERROR, tcp_errno_name(r->u.end.error));
		explain_end(cs->cell[C_EXPLAIN], sizeof cs->cell[C_EXPLAIN], r->t, &r->u.end);
		break;
	case REC_PROXY:
		row_head(cs, r->t, "proxy", "P", proxy_decision_name(r->u.px.decision));
		proxy_text(cs->cell[C_EXPLAIN], sizeof cs->cell[C_EXPLAIN], &r->u.px);
		break;
	case REC_NAT:
		row_head(cs, r->t, r->u.nat.box == NAT_BOX_LB ? "lb" : "nat", hs(r->u.nat.dir),
			 nat_decision_name(r->u.nat.decision));
		if (r->u.nat.decision == NATD_DROPPED)
			set(cs, C_DROP_REASON, drop_reason_name(r->u.nat.drop));
		nat_text(cs->cell[C_EXPLAIN], sizeof cs->cell[C_EXPLAIN], &r->u.nat);
		break;
	case REC_ICMP:
		row_head(cs, r->t, "icmp", hs(r->u.icmp.host), icmp_decision_name(r->u.icmp.decision));
		set_u(cs, C_SEQ, r->u.icmp.seq);
		if (r->u.icmp.decision >= ICMPD_SOFT && tcp_errno_name(r->u.icmp.err))
			set(cs, C_ERROR, tcp_errno_name(r->u.icmp.err));
		icmp_text(cs->cell[C_EXPLAIN], sizeof cs->cell[C_EXPLAIN], &r->u.icmp);
		break;
	case REC_HEARTBEAT:
		row_head(cs, r->t, "heartbeat", hs(r->u.hb.host), hb_decision_name(r->u.hb.decision));
		hb_text(cs->cell[C_EXPLAIN], sizeof cs->cell[C_EXPLAIN], &r->u.hb);
		break;
	default:
		return; /* record types added later are not rows (yet) */
	}
	row_write(cs);
}

static void csv_finish(struct sink *s, const struct sim *sim)
{
	(void)sim;
	fflush(((struct csv_sink *)s)->out);
}

static void csv_destroy(struct sink *s) { free(s); }

struct sink *csv_sink_new(FILE *out)
{
	struct csv_sink *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return NULL;
	cs->base = (struct sink){.record = csv_record, .finish = csv_finish, .destroy = csv_destroy};
	cs->out = out;
	fprintf(out, "%s\n", csv_header);
	return &cs->base;
}
