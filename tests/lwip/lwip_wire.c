/*
 * lwip_wire.c - lwIP's own TCP, run in user space on virtual time.
 *
 * Debian's liblwip (2.1.3) is linked as it is. No tcpip thread is started:
 * the harness is the only thread, calls the raw API itself, and drives
 * lwIP's timers the way the tcpip thread would, tcp_tmr() every
 * TCP_TMR_INTERVAL (250 ms) of virtual time, so tcp_slowtmr() runs every
 * 500 ms. lwIP is endpoint A. Its netif hands every IPv4 packet to the
 * harness (netif->output), which parses the TCP header, records it, and
 * delivers it after the link delay to a scripted peer B (lwip_peer.c) that
 * answers the way kasim's endpoint B does. B's packets go back in through
 * netif->input = ip_input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lwip/init.h>
#include <lwip/ip.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcp.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/inet_chksum.h>
#include <lwip/prot/ip4.h>
#include <lwip/prot/tcp.h>

#include "lwip_check.h"

#define TMR_NS ((uint64_t)TCP_TMR_INTERVAL * 1000000u)

/* netif->output: an IPv4 packet leaves lwIP. */
static err_t wire_output(struct netif *nif, struct pbuf *p, const ip4_addr_t *dst)
{
	(void)dst;
	struct wire *w = nif->state;
	uint8_t buf[1600];
	u16_t n = pbuf_copy_partial(p, buf, sizeof(buf), 0);
	struct lw_seg seg;
	if (lw_parse(buf, n, &seg) == 0)
		wire_from_a(w, &seg);
	return ERR_OK;
}

static err_t wire_netif_init(struct netif *nif)
{
	nif->name[0] = 'k';
	nif->name[1] = 's';
	nif->mtu = 1500;
	nif->output = wire_output;
	nif->flags = NETIF_FLAG_UP | NETIF_FLAG_LINK_UP;
	return ERR_OK;
}

/* Into lwIP: B's segment as an IPv4 packet, checksums and all. */
void wire_to_a(struct wire *w, const struct lw_seg *seg)
{
	uint8_t buf[1600];
	size_t n = lw_build(buf, sizeof(buf), seg);
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
	if (!p) {
		fprintf(stderr, "lwip-check: pbuf_alloc failed\n");
		exit(2);
	}
	pbuf_take(p, buf, (u16_t)n);
	if (w->nif.input(p, &w->nif) != ERR_OK)
		pbuf_free(p);
}

static void on_err(void *arg, err_t err)
{
	struct wire *w = arg;
	w->pcb = NULL; /* lwIP freed it */
	w->err = err;
	w->err_time = w->now;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)pcb;
	struct wire *w = arg;
	w->connected = err == ERR_OK;
	return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)err;
	if (!p)
		return ERR_OK; /* FIN: nothing to do, the case ends on the timeline */
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

/* lwIP up, A's pcb connecting to B at virtual time 0. */
void wire_start(struct wire *w, const struct lw_case *c)
{
	lwip_init(); /* once per process: each case runs in a child of its own */
	ip4_addr_t a, mask, gw;
	IP4_ADDR(&a, 192, 0, 2, 10);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 0, 0, 0, 0);
	if (!netif_add(&w->nif, &a, &mask, &gw, w, wire_netif_init, ip_input)) {
		fprintf(stderr, "lwip-check: netif_add failed\n");
		exit(2);
	}
	netif_set_default(&w->nif);
	netif_set_up(&w->nif);
	netif_set_link_up(&w->nif);

	w->pcb = tcp_new();
	tcp_arg(w->pcb, w);
	tcp_err(w->pcb, on_err);
	tcp_recv(w->pcb, on_recv);
	if (c->keepalive) {
		ip_set_option(w->pcb, SOF_KEEPALIVE);
		w->pcb->keep_idle = c->keepidle_ms;
		w->pcb->keep_intvl = c->keepintvl_ms;
		w->pcb->keep_cnt = c->keepcnt;
	}
	tcp_bind(w->pcb, IP4_ADDR_ANY, LW_PORT_A);
	ip_addr_t b;
	IP_ADDR4(&b, 198, 51, 100, 20);
	tcp_connect(w->pcb, &b, LW_PORT_B, on_connected);
}

/* What tcpip_thread's cyclic timer does every TCP_TMR_INTERVAL. */
void wire_tick(struct wire *w)
{
	(void)w;
	tcp_tmr();
}

/* A's application writes n bytes. */
void wire_send(struct wire *w, uint32_t n)
{
	static const char zeros[1460];
	if (!w->pcb)
		return;
	while (n > 0) {
		uint32_t k = n > sizeof(zeros) ? (uint32_t)sizeof(zeros) : n;
		if (tcp_write(w->pcb, zeros, (u16_t)k, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;
		n -= k;
	}
	tcp_output(w->pcb);
}

uint64_t wire_tmr_ns(void)
{
	return TMR_NS;
}
