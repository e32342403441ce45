/*
 * nat.c - the NAT's translation: A's segments outbound and B's inbound, the
 * miss policies (drop, rst, create, invalid-passthrough), the external port allocator, the TCP
 * tracking that moves a mapping between the timeout classes, and the RSTs
 * the NAT sends. The model: nat.h and docs/nat.md; the table:
 * nat_table.c; the invariants: priv/nat_priv.h.
 */
#include "priv/nat_priv.h"

const char *nat_decision_name(enum nat_decision d)
{
	static const char *const names[] = {
		[NATD_CREATED] = "created", [NATD_TRANSLATED] = "translated",
		[NATD_CLASS] = "class", [NATD_EXPIRED] = "expired", [NATD_EVICTED] = "evicted",
		[NATD_FLUSHED] = "flushed", [NATD_DROPPED] = "dropped", [NATD_RST] = "rst",
		[NATD_PASSED] = "passed",
	};
	return names[d];
}

const char *nat_box_name(enum nat_box b)
{
	return b == NAT_BOX_LB ? "LB" : "NAT";
}

const char *nat_class_name(enum nat_class c)
{
	return c == NAT_ESTABLISHED ? "established" : "transitory";
}

/* ---- ports ------------------------------------------------------------------------ */

/* An external port for A's tuple toward rem: A's own port when preservation is
 * on and it is free, else the allocator's next free port (1024..65535). */
static uint16_t alloc_port(struct nat *n, uint16_t in_port, uint32_t rem_addr, uint16_t rem_port)
{
	if (n->cfg.port_preservation && !nat_find_ex(n, in_port, rem_addr, rem_port))
		return in_port;
	for (uint32_t tries = 0; tries < 65536 - PORT_FIRST; tries++) {
		uint16_t p = n->next_port;
		n->next_port = p == 65535 ? PORT_FIRST : (uint16_t)(p + 1);
		if (!nat_find_ex(n, p, rem_addr, rem_port))
			return p;
	}
	return 0; /* every port in use toward rem */
}

/* ---- reports ---------------------------------------------------------------------- */

/* The tuple of a segment that has no mapping, as a report shows it: an
 * outbound one from its inside side, an inbound one from its outside side. */
static void rec_tuple_of(const struct segment *seg, struct rec_nat *r)
{
	if (seg->src == HOST_A) {
		r->in_addr = seg->saddr;
		r->in_port = seg->sport;
		r->rem_addr = seg->daddr;
		r->rem_port = seg->dport;
	} else {
		r->ext_port = seg->dport;
		r->rem_addr = seg->saddr;
		r->rem_port = seg->sport;
	}
}

/* ---- RSTs ------------------------------------------------------------------------- */

/* A RST answering seg, sent back toward seg's sender (tcp_v4_send_reset's
 * rule: seq = seg's ACK, or RST|ACK acknowledging seg). The tuple is seg's,
 * reversed: the sender sees it come from the peer it was talking to. */
static void rst_answer(struct nat *n, const struct segment *seg, const struct segment *tuple)
{
	if ((seg->flags & TH_RST) || !n->hooks.send)
		return;
	struct segment r = {
		.saddr = tuple->daddr, .daddr = tuple->saddr, .sport = tuple->dport,
		.dport = tuple->sport, .src = seg->dst, .dst = seg->src,
		.kind = n->box == NAT_BOX_LB ? SEG_RST_LB : SEG_RST_NAT,
		.win = 0,
	};
	rst_reply_numbers(seg, &r);
	n->st.rsts++;
	struct rec_nat rec = {.decision = NATD_RST, .dir = seg->src, .rst_to = seg->src,
			      .ext_addr = n->cfg.ext_addr, .why = "no mapping"};
	rec_tuple_of(seg, &rec);
	nat_emit(n, &rec);
	n->hooks.send(n->hooks.ctx, &r);
}

/* rst_on_expiry: a RST to one end of m, with the sequence number that end
 * expects (its peer's last ACK number seen by the NAT). */
void nat_send_rst_for(struct nat *n, const struct nat_map *m, int to)
{
	if (!n->hooks.send)
		return;
	struct segment r = {.flags = TH_RST, .dst = (uint8_t)to,
			    .kind = n->box == NAT_BOX_LB ? SEG_RST_LB : SEG_RST_NAT,
			    .src = (uint8_t)!to};
	if (to == HOST_A) {
		if (!m->a_ack)
			return; /* nothing known about what A expects */
		r.saddr = m->rem_addr;
		r.sport = m->rem_port;
		r.daddr = m->in_addr;
		r.dport = m->in_port;
		r.seq = m->a_rcv_nxt;
	} else {
		if (!m->b_ack)
			return;
		r.saddr = nat_keeps_addr(n) ? m->in_addr : n->cfg.ext_addr;
		r.sport = m->ext_port;
		r.daddr = m->rem_addr;
		r.dport = m->rem_port;
		r.seq = m->b_rcv_nxt;
	}
	n->st.rsts++;
	struct rec_nat rec = {.decision = NATD_RST, .dir = -1, .rst_to = to, .why = "idle timeout"};
	nat_fill_rec(n, m, &rec);
	nat_emit(n, &rec);
	n->hooks.send(n->hooks.ctx, &r);
}

/* ---- segments ---------------------------------------------------------------------- */

static void drop_report(struct nat *n, const struct segment *seg, enum drop_reason why,
			const char *text)
{
	n->st.drops++;
	if (!n->hooks.report)
		return;
	struct rec_nat r = {.decision = NATD_DROPPED, .dir = seg->src, .drop = why, .why = text,
			    .ext_addr = n->cfg.ext_addr};
	rec_tuple_of(seg, &r);
	nat_emit(n, &r);
}

/* outbound_miss = invalid-passthrough: conntrack (nf_conntrack_tcp_loose = 0)
 * refuses to pick up a mid-stream segment, tcp_new() leaves it INVALID, and
 * nf_nat only rewrites tracked connections: with no "ct state invalid drop"
 * rule the router forwards it as it is, A's inside address for source. */
static void pass_untranslated(struct nat *n, const struct segment *seg, struct segment *out)
{
	*out = *seg;
	if (!n->hooks.report)
		return;
	struct rec_nat r = {.decision = NATD_PASSED, .dir = seg->src, .ext_addr = n->cfg.ext_addr,
			    .why = "conntrack INVALID (tcp_loose = 0), no drop rule"};
	rec_tuple_of(seg, &r);
	if (seg->src == HOST_B) { /* inbound: to A's inside address, no mapping */
		r.in_addr = seg->daddr;
		r.in_port = seg->dport;
		r.ext_port = 0;
	}
	nat_emit(n, &r);
}

/* Class changes and RST bookkeeping a translated segment causes. */
static void track(struct nat *n, struct nat_map *m, const struct segment *seg, int dir)
{
	uint8_t f = seg->flags;
	if (f & TH_ACK) {
		if (dir == HOST_A) {
			m->a_ack = true;
			m->a_rcv_nxt = seg->ack;
		} else {
			m->b_ack = true;
			m->b_rcv_nxt = seg->ack;
		}
	}
	if (f & (TH_FIN | TH_RST)) {
		m->tcp |= TCP_FIN_SEEN;
		nat_set_class(n, m, NAT_TRANSITORY, dir);
		return;
	}
	if (m->tcp & TCP_FIN_SEEN)
		return;
	if (dir == HOST_A && (f & TH_SYN) && !(f & TH_ACK))
		m->tcp |= TCP_SYN_OUT;
	else if (dir == HOST_B && (f & TH_SYN) && (f & TH_ACK) && (m->tcp & TCP_SYN_OUT))
		m->tcp |= TCP_SYNACK_IN;
	else if (dir == HOST_A && (f & TH_ACK) && !(f & TH_SYN) && (m->tcp & TCP_SYNACK_IN))
		nat_set_class(n, m, NAT_ESTABLISHED, dir);
}

static void translated(struct nat *n, struct nat_map *m, const struct segment *seg, bool refr)
{
	n->st.translated++;
	if (!n->hooks.report || m->bg)
		return;
	struct rec_nat r = {.decision = NATD_TRANSLATED, .dir = seg->src, .refreshed = refr};
	nat_fill_rec(n, m, &r);
	nat_emit(n, &r);
}

enum drop_reason nat_outbound(struct nat *n, const struct segment *seg, struct segment *out)
{
	struct nat_map *m = nat_live(n, nat_find_in(n, seg->saddr, seg->sport, seg->daddr, seg->dport));
	if (!m) {
		bool syn = (seg->flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN;
		if (!syn && n->cfg.outbound_miss == NAT_MISS_INVALID) {
			pass_untranslated(n, seg, out);
			return DROP_NONE;
		}
		if (seg->flags & TH_RST) {
			drop_report(n, seg, DROP_NAT_NO_MAPPING, "no mapping (a RST creates none)");
			return DROP_NAT_NO_MAPPING;
		}
		if (!syn && n->cfg.outbound_miss != NAT_MISS_CREATE) {
			drop_report(n, seg, DROP_NAT_NO_MAPPING, "no mapping");
			if (n->cfg.outbound_miss == NAT_MISS_RST)
				rst_answer(n, seg, seg);
			return DROP_NAT_NO_MAPPING;
		}
		if (!nat_make_room(n)) {
			drop_report(n, seg, DROP_NAT_TABLE_FULL, "table full");
			return DROP_NAT_TABLE_FULL;
		}
		uint16_t port = alloc_port(n, seg->sport, seg->daddr, seg->dport);
		if (!port) {
			drop_report(n, seg, DROP_NAT_TABLE_FULL, "no free external port");
			return DROP_NAT_TABLE_FULL;
		}
		m = nat_map_insert(n, seg->saddr, seg->sport, port, seg->daddr, seg->dport,
				   syn ? NAT_TRANSITORY : NAT_ESTABLISHED, false);
		n->st.created++;
		nat_report_map(n, m, NATD_CREATED, HOST_A, syn ? "SYN" : "outbound_miss = create");
	} else {
		nat_refresh(n, m);
	}
	track(n, m, seg, HOST_A);
	*out = *seg;
	out->saddr = nat_keeps_addr(n) ? seg->saddr : n->cfg.ext_addr;
	out->sport = m->ext_port;
	translated(n, m, seg, true);
	return DROP_NONE;
}

enum drop_reason nat_inbound(struct nat *n, const struct segment *seg, struct segment *out)
{
	struct nat_map *m = NULL;
	bool keep = nat_keeps_addr(n);
	if (seg->daddr == n->cfg.ext_addr || keep)
		m = nat_live(n, nat_find_ex(n, seg->dport, seg->saddr, seg->sport));
	if (m && keep && seg->daddr != m->in_addr)
		m = NULL; /* client IP preservation: the mapping is for A's side's address */
	if (!m && (keep || seg->daddr != n->cfg.ext_addr) && n->cfg.outbound_miss == NAT_MISS_INVALID) {
		/* the answer to an untranslated segment, to A's inside address:
		 * INVALID too (no entry), routed to A as it is */
		pass_untranslated(n, seg, out);
		return DROP_NONE;
	}
	if (!m) {
		drop_report(n, seg, DROP_NAT_NO_MAPPING, "no mapping");
		if (n->cfg.inbound_miss == NAT_MISS_RST)
			rst_answer(n, seg, seg);
		return DROP_NAT_NO_MAPPING;
	}
	bool refr = n->cfg.inbound_refresh;
	if (refr)
		nat_refresh(n, m);
	track(n, m, seg, HOST_B);
	*out = *seg;
	out->daddr = m->in_addr;
	out->dport = m->in_port;
	translated(n, m, seg, refr);
	return DROP_NONE;
}
