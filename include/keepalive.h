/*
 * keepalive.h - Linux's tcp_keepalive_timer() and the socket options that
 * steer it (net/ipv4/tcp_timer.c, net/ipv4/tcp.c, include/net/tcp.h).
 */
#ifndef KASIM_KEEPALIVE_H
#define KASIM_KEEPALIVE_H

#include <stdint.h>

#include "tcp.h"

/* include/net/tcp.h: the per-socket value, or the host's sysctl when unset. */
tcp_stamp_t keepalive_time_when(const struct tcp_sock *sk);
tcp_stamp_t keepalive_intvl_when(const struct tcp_sock *sk);
uint32_t keepalive_probes(const struct tcp_sock *sk);
/* min(now - lrcvtime, now - rcv_tstamp) */
tcp_stamp_t keepalive_time_elapsed(const struct tcp_sock *sk);

/* (Re)arm the keepalive timer len stamp units from now (tcp_reset_keepalive_timer). */
void tcp_reset_keepalive_timer(struct tcp_sock *sk, tcp_stamp_t len);
void tcp_delete_keepalive_timer(struct tcp_sock *sk);
/* The connection reached ESTABLISHED: arm the timer as the profile does. */
void tcp_keepalive_established(struct tcp_sock *sk);

/* The timer callback. */
void tcp_keepalive_timer(struct engine *eng, struct ev_timer *t);

/* setsockopt at run time, with Linux's re-arm rules. Values already validated. */
void tcp_set_keepalive(struct tcp_sock *sk, bool on);          /* SO_KEEPALIVE */
void tcp_sock_set_keepidle(struct tcp_sock *sk, uint32_t s);   /* TCP_KEEPIDLE */
void tcp_sock_set_keepintvl(struct tcp_sock *sk, uint32_t s);  /* TCP_KEEPINTVL */
void tcp_sock_set_keepcnt(struct tcp_sock *sk, uint32_t n);    /* TCP_KEEPCNT */
void tcp_sock_set_user_timeout(struct tcp_sock *sk, uint32_t ms);

#endif
