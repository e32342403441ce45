/*
 * priv/tcp_priv.h - what the model's files (tcp.c, keepalive.c,
 * retransmit.c) share among themselves and nobody else uses: the output
 * path, the end of a connection, the timers' arming and callbacks, and the
 * trace helpers. Public headers (tcp.h, keepalive.h, retransmit.h, trace.h)
 * are what sim.c, the outputs, the sweeps and the tests include; a header
 * under include/priv/ is included only by the module it belongs to
 * (docs/architecture.md).
 */
#ifndef KASIM_PRIV_TCP_PRIV_H
#define KASIM_PRIV_TCP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "keepalive.h"
#include "retransmit.h"
#include "tcp.h"
#include "trace.h"
#include "priv/tcp_rtt_priv.h"

/* The kernel's annotation (include/linux/compiler_attributes.h): a path the
 * steady state never takes, kept out of line and out of its callers' way. */
#ifndef __cold
#define __cold __attribute__((__cold__, __noinline__))
#endif

/* ---- the host's interface (struct tcp_env) --------------------------------- */

static inline struct engine *sk_eng(const struct tcp_sock *sk) { return sk->host->eng; }
static inline ks_time_t sk_now_ns(const struct tcp_sock *sk) { return sk->host->eng->now; }
static inline bool tcp_tracing(const struct tcp_sock *sk) { return sk->host->env->tracing; }
/* Report a record (only when tcp_tracing()). */
static inline void tcp_trace(const struct tcp_sock *sk, struct ks_record *r)
{
	const struct tcp_env *env = sk->host->env;
	env->trace(env->ctx, r);
}

/* ---- tcp.c ------------------------------------------------------------------ */

tcp_stamp_t tcp_now(const struct tcp_sock *sk);
/* The timestamp option's clock, TCP_TS_HZ = 1000 (tcp_time_stamp_ts()):
 * whole ms of the engine's clock, + 1 for the connection's tsoffset, so that
 * no TSval is 0 (a TSecr of 0 means "none"). */
static inline uint32_t tcp_ts_clock(const struct tcp_sock *sk)
{
	return (uint32_t)(sk_now_ns(sk) / KS_MS) + 1;
}
static inline const struct timer_model *tcp_tm(const struct tcp_sock *sk) { return &sk->host->tm; }
static inline bool tcp_write_queue_empty(const struct tcp_sock *sk)
{
	return sk->write_seq == sk->snd_nxt;
}
/* Build a segment from the socket and put it on the host's interface;
 * returns what env->xmit returned. */
int tcp_transmit(struct tcp_sock *sk, uint8_t flags, uint32_t seq, uint32_t len,
		 enum seg_kind kind, uint32_t nth);
void tcp_send_active_reset(struct tcp_sock *sk);
/* tcp_fin_time(): an orphan's FIN_WAIT2 time, stamp units (TCP_LINGER2 >= 0). */
tcp_stamp_t tcp_fin_time(const struct tcp_sock *sk);
/* tcp_time_wait(): become a timewait socket in state st for timeo (stamp
 * units; at least 3.5 RTO; TIME_WAIT: TCP_TIMEWAIT_LEN). */
void tcp_time_wait(struct tcp_sock *sk, enum tcp_state st, tcp_stamp_t timeo);
/* A RST answering a segment that matched no socket (tcp_v4_send_reset). */
void tcp_v4_send_reset(struct host *h, const struct segment *in);
/* Segments sent and not yet acknowledged: data in MSS-sized pieces, plus the
 * FIN when it is in flight. */
static inline uint32_t packets_in_flight(const struct tcp_sock *sk)
{
	uint32_t bytes = sk->snd_nxt - sk->snd_una;
	uint32_t fin = sk->fin_queued && sk->snd_nxt == sk->write_seq && bytes > 0;
	bytes -= fin;
	return (bytes + TCP_MSS - 1) / TCP_MSS + fin;
}

/* Immediate pure ACK (tcp_send_ack). */
void tcp_send_ack(struct tcp_sock *sk, enum seg_kind kind, uint32_t nth);
/* Send whatever the write queue holds that the window allows (tcp_push). */
void tcp_push(struct tcp_sock *sk);
/* The connection is over: CLOSE, timers stopped, err (0 = none) is what the
 * application sees next, why is how it ended. The REC_END record is built
 * from the socket (the keepalive or retransmission numbers that decided). */
void tcp_done(struct tcp_sock *sk, int err, enum tcp_end why);
/* The state machine's one setter (tcp.c): records REC_STATE and tells the
 * application (sk_state_change). */
void tcp_set_state(struct tcp_sock *sk, enum tcp_state to);
/* tcp_reset(): an accepted RST ends the connection with the errno of its
 * state (tcp_close.c). */
void tcp_reset(struct tcp_sock *sk, const struct segment *seg);
/* The timewait / orphan FIN_WAIT2 lifetime is over (tcp_close.c). */
void tcp_tw_timer_expired(struct engine *eng, struct ev_timer *t);
/* tcp_write_err(): tcp_done() with sk_err_soft, or ETIMEDOUT. */
void tcp_write_err(struct tcp_sock *sk, enum tcp_end why);

/* ---- keepalive.c ------------------------------------------------------------- */

/* (Re)arm the keepalive timer len stamp units from now (tcp_reset_keepalive_timer). */
void tcp_reset_keepalive_timer(struct tcp_sock *sk, tcp_stamp_t len);
void tcp_delete_keepalive_timer(struct tcp_sock *sk);
/* The connection reached ESTABLISHED: arm the timer as the profile does. */
void tcp_keepalive_established(struct tcp_sock *sk);
/* The timer callback. */
void tcp_keepalive_timer(struct engine *eng, struct ev_timer *t);

/* ---- retransmit.c ------------------------------------------------------------ */

/* tcp_bound_rto(): at most TCP_RTO_MAX. */
tcp_stamp_t tcp_bound_rto(const struct tcp_sock *sk, tcp_stamp_t rto);

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
/* tcp_write_timeout()'s rule for the socket's state: the retry boundary
 * (tcp_retries2, tcp_syn_retries, ...), its RTO base, and the resulting
 * retransmits_timed_out() limit in ns. */
struct tcp_write_rule {
	uint32_t boundary;
	ks_time_t rto_base;
	ks_time_t limit;
};
struct tcp_write_rule tcp_write_timeout_rule(const struct tcp_sock *sk);
void tcp_retransmit_timer(struct engine *eng, struct ev_timer *t);
/* Retransmit the head of the queue (SYN, SYN-ACK, data or FIN). */
int tcp_retransmit_head(struct tcp_sock *sk);
/* tcp_ld_RTO_revert() (RFC 6069) for an ICMP quoting seq: undo one backoff
 * step and re-arm for what is left of the reverted RTO. Fills the revert's
 * numbers in *r; returns 0 (no revert), 1 (re-armed) or 2 (the reverted RTO
 * has run out: the caller retransmits now with tcp_retransmit_now()). */
int tcp_ld_RTO_revert(struct tcp_sock *sk, uint32_t seq, struct rec_icmp *r);
/* tcp_retransmit_timer() called directly (not from the timer). */
void tcp_retransmit_now(struct tcp_sock *sk);

/* ---- tcp_lwip.c: lwIP's timers (os = lwip) ------------------------------------ */

void lwip_pcb_init(struct tcp_sock *sk);
/* The pcb becomes active (connect, or a SYN for a listener): the slow timer
 * visits it from now on. */
void lwip_pcb_active(struct tcp_sock *sk);
void lwip_pcb_purge(struct tcp_sock *sk);
/* tcp_output_segment(): a queued segment (SYN, data, FIN) went out. */
void lwip_output_segment(struct tcp_sock *sk, uint32_t seq);
/* tcp_receive(): an ACK of new data. */
void lwip_rcv_ack(struct tcp_sock *sk, uint32_t ack);
void lwip_synsent_acked(struct tcp_sock *sk);
/* tcp_process(): any segment but RST/SYN refreshes the idle clock. */
void lwip_tcp_process(struct tcp_sock *sk, const struct segment *seg);
/* tcp_ack(): acknowledge in-order data, delayed. */
void lwip_ack_delayed(struct tcp_sock *sk);
/* TCP_SYNMAXRTX in SYN_SENT, TCP_MAXRTX otherwise. */
uint32_t lwip_rexmit_limit(const struct tcp_sock *sk);
/* tcp_slowtmr() steps 1-2; false when the pcb was dropped. */
bool lwip_slowtmr_rexmit(struct tcp_sock *sk);

#endif
