/*
 * priv/tcp_rtt_priv.h - the RTT estimator (sim/tcp_rtt.c) as the model's
 * other files use it: where samples come from (the handshake, an ACK of new
 * data), what Karn's rule needs to know (what was retransmitted, when the
 * unacknowledged data was sent) and the RTO it gives.
 */
#ifndef KASIM_PRIV_TCP_RTT_PRIV_H
#define KASIM_PRIV_TCP_RTT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp.h"

/* A new connection: no sample yet (srtt_us = 0), nothing sent. */
void tcp_rtt_reset(struct tcp_sock *sk);
/* The handshake completed: ack acknowledges the SYN (client) or SYN-ACK
 * (server) first sent at `sent`; a sample unless it was retransmitted (then
 * the timestamp echo's), else tcp_init_metrics()' 3 s fallback. */
void tcp_rtt_handshake(struct tcp_sock *sk, ks_time_t sent, bool retransmitted,
		       const struct segment *ack);
/* Data or FIN up to end_seq left now for the first time. */
void tcp_rtt_sent(struct tcp_sock *sk, uint32_t end_seq);
/* [seq, end) was sent again (RTO or loss probe): TCPCB_RETRANS. */
void tcp_rtt_retransmitted(struct tcp_sock *sk, uint32_t seq, uint32_t end);
/* tcp_ack() moved snd_una with ack: tcp_clean_rtx_queue()'s sample if Karn
 * allows, else the timestamp echo's (tcp_ack_update_rtt()). */
void tcp_rtt_ack(struct tcp_sock *sk, const struct segment *ack);
/* One valid sample (us): the estimator, tcp_set_rto(), icsk_backoff = 0,
 * and a REC_RTT record. */
void tcp_rtt_sample(struct tcp_sock *sk, long sample_us);
/* __tcp_set_rto() + tcp_bound_rto() (or RFC 6298's RTO) from the state. */
tcp_stamp_t tcp_rtt_rto(const struct tcp_sock *sk);
/* icsk_rto = srtt ? __tcp_set_rto() : TCP_TIMEOUT_INIT (tcp_ld_RTO_revert()). */
void tcp_rtt_restore_rto(struct tcp_sock *sk);

#endif
