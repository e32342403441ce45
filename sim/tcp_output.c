/*
 * tcp_output.c - the output path of a host's TCP (net/ipv4/tcp_output.c in
 * miniature): build a segment from the connection's header template and hand
 * it to the host's interface (struct tcp_env), pure ACKs, the active reset,
 * the reset for a segment that matched no socket, and tcp_push().
 */
#include "tcp.h"

#include "priv/tcp_priv.h"

int tcp_transmit(struct tcp_sock *sk, uint8_t flags, uint32_t seq, uint32_t len,
		 enum seg_kind kind, uint32_t nth)
{
	struct segment seg = sk->hdr; /* tuple, window, ends (set_tuple) */
	seg.seq = seq;
	seg.ack = (flags & TH_ACK) ? sk->rcv_nxt : 0;
	seg.len = len;
	seg.flags = flags;
	seg.kind = (uint8_t)kind;
	seg.nth = nth;
	/* tcp_options_write(): TSecr (ts_recent) is in the template; the TSval
	 * only on what takes sequence space: a pure ACK's is never echoed in an
	 * ACK of new data, kasim's receiver acknowledging each segment at once */
	if (sk->tstamp_ok && (len || (flags & (TH_SYN | TH_FIN))))
		seg.tsval = tcp_ts_clock(sk);
	if ((flags & TH_SYN) && sk->wscale_ok)
		seg.opts = TCPOPT_WSCALE_OK; /* tcp_syn_options() / tcp_synack_options() */
	if (flags & TH_ACK)
		sk->rcv_wup = sk->rcv_nxt; /* the window's left edge we advertised */
	const struct tcp_env *env = sk->host->env;
	return env->xmit(env->ctx, &seg);
}

void tcp_send_ack(struct tcp_sock *sk, enum seg_kind kind, uint32_t nth)
{
	sk->lw.ack_delay = false; /* lwIP: the owed delayed ACK goes with it */
	tcp_transmit(sk, TH_ACK, sk->snd_nxt, 0, kind, nth);
}

/* tcp_send_active_reset(): RST|ACK at snd_nxt (the keepalive abort's RST;
 * the live kernel sends it too, docs/kernel-conformance.md). */
void tcp_send_active_reset(struct tcp_sock *sk)
{
	tcp_transmit(sk, TH_RST | TH_ACK, sk->snd_nxt, 0, SEG_RST_KA, 0);
}

/* tcp_v4_send_reset(): a segment matched no socket (RFC 793 "reset generation"). */
void tcp_v4_send_reset(struct host *h, const struct segment *in)
{
	if (in->flags & TH_RST)
		return; /* never answer a RST */
	struct segment seg = {
		.saddr = in->daddr, .daddr = in->saddr, .sport = in->dport, .dport = in->sport,
		.src = (uint8_t)h->id, .dst = in->src, .kind = SEG_RST_NOSOCK,
	};
	rst_reply_numbers(in, &seg);
	h->env->xmit(h->env->ctx, &seg);
}

/* Bytes of data (not FIN) queued but not yet sent. */
static uint32_t unsent_data(const struct tcp_sock *sk)
{
	uint32_t queued = sk->write_seq - sk->snd_nxt;
	return (sk->fin_queued && queued > 0) ? queued - 1 : queued;
}

/* tcp_push(): send new data the fixed window allows, then the FIN. */
void tcp_push(struct tcp_sock *sk)
{
	if (!(TCPF(sk->state) & (TCPF(TCP_ESTABLISHED) | TCPF(TCP_CLOSE_WAIT) |
				 TCPF(TCP_FIN_WAIT1) | TCPF(TCP_LAST_ACK) | TCPF(TCP_CLOSING))))
		return;
	if (tcp_write_queue_empty(sk)) {
		sk->packets_out = packets_in_flight(sk); /* nothing new to send */
		return;
	}
	bool sent = false;
	uint32_t left;
	while ((left = unsent_data(sk)) > 0) {
		uint32_t len = left < TCP_MSS ? left : TCP_MSS;
		if (seq_after(sk->snd_nxt + len, sk->snd_una + TCP_WINDOW))
			break; /* wait for the (fixed) window to open */
		if (sk->snd_nxt == sk->snd_una)
			sk->head_sent = sk_now_ns(sk);
		tcp_transmit(sk, TH_ACK | TH_PSH, sk->snd_nxt, len, SEG_NORMAL, 0);
		if (sk->lwip)
			lwip_output_segment(sk, sk->snd_nxt);
		sk->snd_nxt += len;
		sent = true;
	}
	if (sk->fin_queued && unsent_data(sk) == 0 && sk->snd_nxt != sk->write_seq) {
		if (sk->snd_nxt == sk->snd_una)
			sk->head_sent = sk_now_ns(sk);
		tcp_transmit(sk, TH_FIN | TH_ACK, sk->snd_nxt, 0, SEG_NORMAL, 0);
		if (sk->lwip)
			lwip_output_segment(sk, sk->snd_nxt);
		sk->snd_nxt += 1;
		sent = true;
	}
	sk->packets_out = packets_in_flight(sk);
	if (sent)
		tcp_rtt_sent(sk, sk->snd_nxt); /* skb->skb_mstamp_ns */
	/* tcp_event_new_data_sent(): arm the RTO if nothing was in flight. */
	if (sent && !ev_timer_pending(&sk->retransmit_timer))
		tcp_rearm_rto(sk);
	/* tcp_write_xmit(): then, maybe, a tail loss probe instead */
	if (sent)
		tcp_schedule_loss_probe(sk);
}
