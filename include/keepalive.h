/*
 * keepalive.h - Linux's tcp_keepalive_timer() and the socket options that
 * steer it (net/ipv4/tcp_timer.c, net/ipv4/tcp.c, include/net/tcp.h), and
 * the other stacks' keepalive rules (docs/profiles.md).
 *
 * Public: the effective settings and the setsockopt calls. The timer itself
 * and its arming are model-internal (priv/tcp_priv.h).
 */
#ifndef KASIM_KEEPALIVE_H
#define KASIM_KEEPALIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"
#include "tcp.h"

/* The effective keepalive settings: the per-socket option when set, else the
 * host's default (the sysctl, or the os profile's constant). */
struct ka_settings {
	uint32_t time;   /* keepalive_time, s (TCP_KEEPIDLE / tcp_keepalive_time) */
	uint32_t intvl;  /* keepalive_intvl, s */
	uint32_t probes; /* keepalive_probes */
};
/* ... of an endpoint configured by cfg, before any run-time setsockopt (what
 * its socket starts with: the values its first keepalive firing reads). */
struct ka_settings keepalive_settings(const struct ep_config *cfg);
/* ... of a socket now (read at every firing, so a sysctl change applies at
 * the next one). */
struct ka_settings keepalive_settings_sk(const struct tcp_sock *sk);

/* include/net/tcp.h: the same in the socket's stamp units (tcp_tm(sk)). The
 * kernel reads the option and the sysctl at every call; kasim computes them
 * when either changes (keepalive_refresh()), which every firing then reads. */
static inline tcp_stamp_t keepalive_time_when(const struct tcp_sock *sk) { return sk->ka_time_when; }
static inline tcp_stamp_t keepalive_intvl_when(const struct tcp_sock *sk) { return sk->ka_intvl_when; }
static inline uint32_t keepalive_probes(const struct tcp_sock *sk) { return sk->ka_probes; }
/* Recompute the three after a change of the socket's options (the setters
 * below do it) or of the host's keepalive sysctls (the caller does). */
void keepalive_refresh(struct tcp_sock *sk);
/* min(now - lrcvtime, now - rcv_tstamp) (rcv_tstamp only for linux-2.6) */
tcp_stamp_t keepalive_time_elapsed(const struct tcp_sock *sk);

/* setsockopt at run time, with Linux's re-arm rules. Values already validated. */
void tcp_set_keepalive(struct tcp_sock *sk, bool on);          /* SO_KEEPALIVE */
void tcp_sock_set_keepidle(struct tcp_sock *sk, uint32_t s);   /* TCP_KEEPIDLE */
void tcp_sock_set_keepintvl(struct tcp_sock *sk, uint32_t s);  /* TCP_KEEPINTVL */
void tcp_sock_set_keepcnt(struct tcp_sock *sk, uint32_t n);    /* TCP_KEEPCNT */
void tcp_sock_set_user_timeout(struct tcp_sock *sk, uint32_t ms);

#endif
