/*
 * tcp.h - a host's TCP stack: one socket, its state and the input/output paths.
 *
 * Deliberately minimal but real: three-way handshake with ISNs, snd_una /
 * snd_nxt / write_seq / rcv_nxt, data and its ACKs, immediate duplicate ACKs for
 * out-of-window segments (how a keepalive probe gets answered), RST for a
 * segment that matches no socket, RST acceptance, FIN close. No congestion
 * control, no delayed ACKs, no receive-window limits (the window is fixed).
 *
 * Field names are the kernel's (struct tcp_sock / inet_connection_sock), so a
 * reader can follow net/ipv4/tcp_input.c and tcp_timer.c side by side.
 *
 * This is the model's public face (what sim.c, the outputs and the tests
 * use). The model knows nothing of the simulation: a host reaches the world
 * only through its struct tcp_env (send a segment, report a decision, draw an
 * ISN, the engine's clock and timers). What tcp.c, keepalive.c and
 * retransmit.c share among themselves is in priv/tcp_priv.h.
 */
#ifndef KASIM_TCP_H
#define KASIM_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "packet.h"
#include "profile.h"
#include "scenario.h"
#include "timer.h"

/* Linux's numbering (include/net/tcp_states.h), so masks read like the kernel's. */
enum tcp_state {
	TCP_ESTABLISHED = 1,
	TCP_SYN_SENT,
	TCP_SYN_RECV,
	TCP_FIN_WAIT1,
	TCP_FIN_WAIT2,
	TCP_TIME_WAIT,
	TCP_CLOSE,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
	TCP_LISTEN,
	TCP_CLOSING,
};
#define TCPF(s) (1u << (s))

/* errno values an application sees (numbers as on Linux). */
enum { KS_EPIPE = 32, KS_ECONNREFUSED = 111, KS_ECONNRESET = 104, KS_ETIMEDOUT = 110,
       KS_ECONNABORTED = 103 /* lwIP's ERR_ABRT through its socket API */ };

#define TCP_MSS 1460u
#define TCP_WINDOW 65535u
#define TCP_RTO_MIN (200 * KS_MS)
#define TCP_RTO_MAX (120 * KS_SEC)
#define TCP_TIMEOUT_INIT (1 * KS_SEC)          /* RFC 6298 initial RTO */
#define TCP_RESOURCE_PROBE_INTERVAL_MS 500     /* HZ/2 */
#define TCP_TIMEWAIT_LEN (60 * KS_SEC)
#define TCP_TIMEWAIT_LEN_S 60u /* the same in seconds, for tm_secs() */
#define TCP_INVALID_RATELIMIT_MS 500           /* net.ipv4.tcp_invalid_ratelimit */

/* How a connection ended (for the outputs). */
enum tcp_end {
	END_NONE,
	END_KEEPALIVE,     /* keepalive abort, probes_out >= keepalive_probes */
	END_KEEPALIVE_UT,  /* keepalive abort by TCP_USER_TIMEOUT */
	END_RTO,           /* retransmits_timed_out (tcp_retries2 or TCP_USER_TIMEOUT) */
	END_SYN_TIMEOUT,   /* connect() gave up (tcp_syn_retries) */
	END_RESET,         /* a RST was accepted */
	END_CLOSED,        /* orderly close finished */
	END_CRASH,         /* the host lost power */
	END_KEEPALIVE_IDLE,/* keepalive abort on idle time (BSD, lwIP profiles) */
	END_ICMP,          /* an ICMP error in SYN_SENT / SYN_RECV (tcp_v4_err) */
	END_APP_ABORT,     /* the application closed with SO_LINGER {1, 0}: RST (tcp_abort_close) */
	END_CLOSE_RESET,   /* close() with unread data, or an orphan's FIN_WAIT2 end: RST */
	/* (the last: sweep_report.c's end_text() names every value up to it) */
};

struct host;
struct ks_record;

/*
 * A host's interface to the world, set by its owner (sim.c): the lwIP netif /
 * Linux queue_xmit idea. The model sends, reports and draws ISNs only
 * through it, and arms its timers on eng.
 */
struct tcp_env {
	void *ctx;
	struct engine *eng;
	/* Put a segment on the host's interface. 0: it left the host; > 0
	 * (NET_XMIT_DROP): the local qdisc refused it. May assign seg->id. */
	int (*xmit)(void *ctx, struct segment *seg);
	/* Report a decision (trace.h); called only while tracing is set. */
	void (*trace)(void *ctx, struct ks_record *r);
	/* Draw an initial sequence number. */
	uint32_t (*isn)(void *ctx);
	bool tracing;          /* someone listens: build records */
};

/* lwIP's per-pcb timer state (os = lwip: sim/tcp_lwip.c), in slow-timer
 * ticks, named as in lwIP's struct tcp_pcb. */
struct lwip_pcb {
	int32_t rtime;            /* ticks the RTO has run; -1 = not running */
	int32_t rto;              /* ticks */
	int32_t sa, sv;           /* Van Jacobson's scaled mean (x8) and deviation (x4) */
	uint32_t nrtx;            /* retransmissions */
	uint32_t rttest;          /* tcp_ticks when the timed segment left; 0 = none */
	uint32_t rtseq;           /* its sequence number */
	bool rtt_timing;          /* a segment is timed (lwIP: rttest != 0) */
	bool ack_delay;           /* TF_ACK_DELAY: an ACK is owed at the next fast tick */
	struct ev_timer fasttmr;  /* tcp_fasttmr() for this pcb, armed only when owed */
};

/* Karn's rule (tcp_clean_rtx_queue(): TCPCB_RETRANS): the sequence range of
 * data retransmitted and not yet acknowledged; an ACK covering any of it
 * gives no RTT sample. */
struct tcp_rtx_marks {
	bool any;
	uint32_t lo, hi;
};

/* The send time of unacknowledged data, as the kernel keeps it per skb
 * (skb->skb_mstamp_ns): one entry per burst of segments sent at the same
 * time, oldest first; a full ring merges the newest burst into the previous
 * one (tcp_rtt.c). */
#define TCP_SENT_RING 32
struct tcp_sent_ring {
	uint32_t end_seq[TCP_SENT_RING]; /* first sequence number after the burst */
	ks_time_t when[TCP_SENT_RING];
	uint8_t head, n;
};

struct tcp_sock {
	struct host *host;
	enum tcp_state state;
	bool keepopen;           /* SOCK_KEEPOPEN (SO_KEEPALIVE) */
	bool dead;               /* SOCK_DEAD: the application closed it (orphan) */
	bool fin_queued;         /* close() called: a FIN follows the queued data */
	bool tstamp_ok;          /* rx_opt.tstamp_ok: both ends use the timestamp option */
	bool wscale_ok;          /* rx_opt.wscale_ok: window scaling offered (client) / agreed */
	bool pred_flags;         /* tp->pred_flags != 0: header prediction is on */

	/* Per-socket options; 0 = use the host's sysctl (keepalive_*_when). */
	uint32_t keepalive_time;   /* TCP_KEEPIDLE, s */
	uint32_t keepalive_intvl;  /* TCP_KEEPINTVL, s */
	uint32_t keepalive_probes; /* TCP_KEEPCNT */
	/* What they, or the sysctls, amount to (keepalive_refresh(), at every
	 * change): keepalive_time_when() and keepalive_intvl_when() in stamp
	 * units, keepalive_probes(). */
	tcp_stamp_t ka_time_when, ka_intvl_when;
	uint32_t ka_probes;
	uint32_t user_timeout;     /* TCP_USER_TIMEOUT, ms (icsk_user_timeout) */
	int32_t linger2;           /* TCP_LINGER2, s: 0 = tcp_fin_timeout, -1 = no FIN_WAIT2 wait */
	uint32_t rcv_unread;       /* bytes received and not read (app_reads off) */

	/* The connection's 4-tuple (host byte order), in the order of the
	 * kernel's sock_common (skc_addrpair = {skc_daddr, skc_rcv_saddr},
	 * skc_portpair = {skc_dport, skc_num}): a segment for this socket holds
	 * the same pairs the other way round (packet.h), so inet_match() reads
	 * each pair as one word (tcp.c). */
	uint32_t daddr, saddr;
	uint16_t dport, sport;
	/* The header every segment of the connection starts from: the tuple as
	 * sent, the (fixed) window, who sends and who receives, and the TSecr
	 * our segments echo (hdr.tsecr is rx_opt.ts_recent). tcp_transmit()
	 * copies it and fills in the numbers and flags. */
	struct segment hdr;

	/* Sequence space. */
	uint32_t iss, irs;
	uint32_t snd_una, snd_nxt, write_seq;
	uint32_t rcv_nxt, rcv_wup;
	uint32_t packets_out;      /* segments sent and not yet acked */

	/* Idle clock and keepalive (tcp_jiffies32 units). */
	tcp_stamp_t rcv_tstamp;    /* last acceptable ACK processed by tcp_ack() */
	tcp_stamp_t lrcvtime;      /* icsk_ack.lrcvtime: last in-order data queued */
	tcp_stamp_t last_oow_ack_time;
	uint32_t probes_out;       /* icsk_probes_out */
	int err_soft;              /* sk_err_soft: an ICMP error, reported if the connection times out */

	/* RTT estimator (tcp_rtt_estimator(), sim/tcp_rtt.c), in microseconds
	 * like the kernel; srtt_us == 0: no sample yet. icsk_rto in stamp units. */
	uint32_t srtt_us;          /* smoothed RTT << 3 */
	uint32_t mdev_us;          /* medium deviation << 2 */
	uint32_t mdev_max_us;      /* maximal mdev for the last RTT period */
	uint32_t rttvar_us;        /* smoothed mdev_max */
	uint32_t rtt_seq;          /* snd_nxt when the RTT period began */
	struct tcp_rtx_marks rtx;  /* Karn: retransmitted data still unacked */
	struct tcp_sent_ring sent; /* when the unacked data was (first) sent */
	tcp_stamp_t rto;
	tcp_stamp_t icsk_rto_min;  /* net.ipv4.tcp_rto_min_us when the socket was made */
	ks_time_t head_sent;       /* last transmission of the first unacked segment */
	bool tlp_pending;          /* the retransmit timer is armed as a loss probe */
	bool tlp_high;             /* tlp_high_seq: a loss probe is out, unacked */
	ks_time_t rtt_probe_sent;  /* when the segment we time was sent; NEVER = none */
	uint32_t retransmits;      /* icsk_retransmits */
	uint32_t backoff;          /* icsk_backoff */
	ks_time_t retrans_stamp;   /* first retransmission of the episode; NEVER = none */

	struct ev_timer keepalive_timer; /* sk_timer */
	struct ev_timer retransmit_timer;/* icsk_retransmit_timer */
	struct ev_timer tw_timer;        /* TIME_WAIT / orphan FIN_WAIT2 lifetime */
	ks_time_t ka_nominal;            /* when the keepalive timer was asked to fire */
	ks_time_t rto_nominal;           /* ... the retransmit timer */

	/* What the application (and the outputs) see. */
	int sk_err;                /* pending error: the next call returns it, once */
	int error;                 /* the error the connection ended with, 0 = none */
	ks_time_t error_time;
	enum tcp_end end;
	ks_time_t end_time;
	uint32_t probes_sent;      /* keepalive probes transmitted */
	uint32_t retrans_sent;

	bool lwip;                 /* os = lwip: lwIP's timers (tcp_lwip.c) run this socket */
	struct lwip_pcb lw;
	/* The application's callbacks, as the kernel's sk_data_ready (in-order
	 * data was queued) and sk_state_change, with sk_user_data for it; NULL:
	 * no application listens (heartbeat.h sets them). */
	void (*sk_data_ready)(struct tcp_sock *sk);
	void (*sk_state_change)(struct tcp_sock *sk);
	void *sk_user_data;
};

struct host {
	const struct tcp_env *env; /* the world, as the model sees it */
	struct engine *eng;        /* env->eng, kept at hand: the clock of every path */
	int id;                    /* HOST_A / HOST_B (HOST_PS / HOST_PC: a proxy's sockets) */
	char name;                 /* 'A' / 'B' / 'P' */
	struct ep_config cfg;      /* sysctls of this host (mutable: "set X net.ipv4...") */
	const struct profile *prof;/* os = ...: defaults and keepalive algorithm */
	struct timer_model tm;     /* this host's clock and timers */
	struct tm_base wheel;      /* its timer base (linux model) */
	bool powered, plugged, listening;
	ks_time_t qdisc_drop_until;/* "congest X D": the qdisc drops what X sends */
	struct tcp_sock sk;        /* the host's one connection; CLOSE = none */
};

/* Endpoint life cycle. tm: the scenario's timer model (the host derives its
 * own from it and its os profile, docs/timers.md). */
void tcp_host_init(struct host *h, const struct tcp_env *env, const struct timer_model *tm, int id,
		   const struct ep_config *cfg);
void tcp_connect(struct host *h, const struct host *peer);  /* A: send SYN */
void tcp_listen(struct host *h);                              /* B: passive open */
/* A segment arrives at host h (cable and power already checked). */
void tcp_v4_rcv(struct host *h, const struct segment *seg);
/* An ICMP error (a SEG_ICMP segment, icmp.h) arrives at host h (tcp_err.c). */
void tcp_v4_err(struct host *h, const struct segment *icmp);
/* Application calls. */
/* Return 0 or the errno the call fails with. */
int tcp_sendmsg(struct tcp_sock *sk, uint64_t bytes);
int tcp_close(struct tcp_sock *sk);
/* setsockopt(TCP_LINGER2) (ep_config encoding: TCP_LINGER2_NONE = -1). */
void tcp_sock_set_linger2(struct tcp_sock *sk, uint32_t v);
/* close() with SO_LINGER {1, 0}: a RST instead of a FIN, the socket is gone. */
int tcp_abort_close(struct tcp_sock *sk);
/* The application's state is gone (a proxy that forgets a connection at its
 * idle timeout): tcp_done() without a packet; the peer's next segment finds
 * no socket and gets a RST (tcp_v4_send_reset). */
void tcp_abort_silent(struct tcp_sock *sk);
void tcp_host_crash(struct host *h);

const char *tcp_state_name(enum tcp_state s);
const char *tcp_errno_name(int err);

#endif
