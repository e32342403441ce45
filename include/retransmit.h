/*
 * retransmit.h - the retransmission timer: RTO from the handshake RTT, the
 * tail loss probe, exponential backoff, and the abort rule of
 * retransmits_timed_out() (net.ipv4.tcp_retries2 or TCP_USER_TIMEOUT).
 * net/ipv4/tcp_timer.c, tcp_output.c, tcp_input.c.
 */
#ifndef KASIM_RETRANSMIT_H
#define KASIM_RETRANSMIT_H

#include <stdbool.h>

#include "tcp.h"

/* TCP_TIMEOUT_INIT, TCP_RTO_MIN, TCP_RTO_MAX in the socket's stamp units. */
tcp_stamp_t tcp_timeout_init(const struct tcp_sock *sk);
tcp_stamp_t tcp_rto_min(const struct tcp_sock *sk);
tcp_stamp_t tcp_rto_max(const struct tcp_sock *sk);
/* tcp_rtt_estimator() for one sample (the handshake), then tcp_set_rto(). */
void tcp_rtt_sample(struct tcp_sock *sk, ks_time_t rtt);
/* A new ACK ends the backoff: icsk_rto back to the estimator's value. */
void tcp_rtt_restore_rto(struct tcp_sock *sk);
/* Arm the retransmission timer for the current RTO if data is in flight,
 * stop it otherwise (tcp_rearm_rto). */
void tcp_rearm_rto(struct tcp_sock *sk);
/* tcp_schedule_loss_probe(): after new data was sent, replace the RTO by a
 * tail loss probe (linux timer model only: the exact model is the textbook
 * RTO series). */
void tcp_schedule_loss_probe(struct tcp_sock *sk);
/* tcp_set_xmit_timer(): on an ACK of new data, a loss probe or the RTO. */
void tcp_set_xmit_timer(struct tcp_sock *sk);
/* Everything in flight was acked: the loss episode is over. */
void tcp_ack_clears_retrans(struct tcp_sock *sk);
/* tcp_model_timeout(): the time the RTO series needs for `boundary` retries (ns). */
ks_time_t tcp_model_timeout(uint32_t boundary, ks_time_t rto_base);
/* retransmits_timed_out(): has the episode lasted long enough to give up? */
bool retransmits_timed_out(const struct tcp_sock *sk, uint32_t boundary, uint32_t user_timeout_ms,
			   ks_time_t rto_base);
void tcp_retransmit_timer(struct engine *eng, struct ev_timer *t);

#endif
