/*
 * retransmit.h - the retransmission timer: RTO from the handshake RTT, the
 * tail loss probe, exponential backoff, and the abort rule of
 * retransmits_timed_out() (net.ipv4.tcp_retries2 or TCP_USER_TIMEOUT).
 * net/ipv4/tcp_timer.c, tcp_output.c, tcp_input.c.
 *
 * Public: the pure formulas and queries. The timer and its arming are
 * model-internal (priv/tcp_priv.h).
 */
#ifndef KASIM_RETRANSMIT_H
#define KASIM_RETRANSMIT_H

#include <stdbool.h>

#include "tcp.h"

/* TCP_TIMEOUT_INIT, TCP_RTO_MIN, TCP_RTO_MAX in the socket's stamp units. */
tcp_stamp_t tcp_timeout_init(const struct tcp_sock *sk);
tcp_stamp_t tcp_rto_min(const struct tcp_sock *sk);
tcp_stamp_t tcp_rto_max(const struct tcp_sock *sk);
/* tcp_model_timeout(): the time the RTO series needs for `boundary` retries (ns). */
ks_time_t tcp_model_timeout(uint32_t boundary, ks_time_t rto_base);
/* retransmits_timed_out(): has the episode lasted long enough to give up? */
bool retransmits_timed_out(const struct tcp_sock *sk, uint32_t boundary, uint32_t user_timeout_ms,
			   ks_time_t rto_base);

#endif
