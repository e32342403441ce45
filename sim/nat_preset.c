/*
 * nat_preset.c - the [nat] defaults and the presets: real middleboxes' idle
 * timeouts and miss behaviour, each number with its source.
 *
 * Each value's source (RFC, vendor documentation, kernel source) is named
 * beside it and in docs/nat.md's preset table; "mb B.x" tags the row of the
 * project's middlebox notes it was taken from. A value the sources do not give is marked
 * ASSUMPTION here and in docs/nat.md; the two example presets are not devices.
 * A preset only fills in defaults: any key of the same [nat] section (or
 * --set nat.KEY=...) overrides it, whatever the order.
 */
#include <string.h>

#include "scenario.h"

#define S KS_SEC
#define MIN (60 * KS_SEC)
#define ADDR_NAT 0xCB007101u /* 203.0.113.1 (TEST-NET-3, RFC 5737) */
#define ADDR_LB 0xC6336402u  /* 198.51.100.2 (TEST-NET-2, RFC 5737) */
/* kasim's default table size: nf_conntrack_buckets' upper clamp 262144, which
 * is also nf_conntrack_max's default there (mb B.2). Large: without background
 * load nothing is ever evicted. */
#define CAP_DEFAULT 262144u

/* No preset: RFC 5382 REQ-5's minimums, silent drops, LRU eviction. */
void nat_config_default(struct nat_config *c)
{
	memset(c, 0, sizeof(*c));
	c->capacity = CAP_DEFAULT;
	c->established_timeout = 7440 * S; /* RFC 5382 REQ-5: >= 2 h 4 min (mb B.1) */
	c->transitory_timeout = 240 * S;   /* RFC 5382 REQ-5: >= 4 min (mb B.1) */
	c->gc_period = 0;
	c->inbound_refresh = true;         /* RFC 4787 REQ-6: inbound refresh MAY (mb B.1) */
	c->outbound_miss = NAT_MISS_DROP;  /* "drop silently (most common)" (mb B.5) */
	c->inbound_miss = NAT_MISS_DROP;
	c->rst_on_expiry = false;
	c->port_preservation = false;
	c->table_full = NAT_FULL_EVICT;
	c->ext_addr = ADDR_NAT;
	c->bg_rate = 0;
	c->bg_lifetime = 60 * S;
	c->bg_interval = (struct dur_list){.n = 1, .v = {10 * S}};
	c->bg_end = NAT_BG_FIN;
}

/* [lb]: the same defaults; its own address (where it masquerades from when
 * it does not keep A's side's, nat.h): on B's network, TEST-NET-2. */
void lb_config_default(struct nat_config *c)
{
	nat_config_default(c);
	c->ext_addr = ADDR_LB;
}

static void aws_nat_gateway(struct nat_config *c)
{
	/* mb B.3: AWS NAT Gateway idle timeout 350 s, fixed (VPC User Guide,
	 * nat-gateway-troubleshooting.html#nat-gateway-troubleshooting-timeout). */
	c->established_timeout = 350 * S;
	/* ASSUMPTION: one idle timeout for every state (the guide names only one). */
	c->transitory_timeout = 350 * S;
	/* mb B.3/B.5: "a NAT gateway returns an RST packet to any resources behind
	 * the NAT gateway that attempt to continue the connection". */
	c->outbound_miss = NAT_MISS_RST;
	/* ASSUMPTION: traffic from outside to a timed-out flow is dropped silently. */
	c->inbound_miss = NAT_MISS_DROP;
}

static void azure_nat_gateway(struct nat_config *c)
{
	/* mb B.3: Azure NAT Gateway idle timeout 4 min default, 4..120 min
	 * (azure-docs articles/nat-gateway/nat-gateway-resource.md). */
	c->established_timeout = 4 * MIN;
	c->transitory_timeout = 4 * MIN; /* ASSUMPTION: the same timer for every state */
	/* mb B.3/B.5: silently drops at the timeout; sends a unidirectional RST only
	 * when traffic later hits the dropped flow. ASSUMPTION: toward the sender of
	 * that traffic, in either direction. */
	c->outbound_miss = NAT_MISS_RST;
	c->inbound_miss = NAT_MISS_RST;
}

static void azure_lb(struct nat_config *c)
{
	/* mb B.3: Azure Load Balancer idle timeout 4 min default, 4..100 min
	 * (learn.microsoft.com load-balancer-tcp-reset; load-balancer-tcp-idle-timeout.md).
	 * Default: the flow is silently dropped. "TCP Reset on Idle" (rst_on_expiry
	 * = on) sends a bidirectional RST at the timeout. */
	c->established_timeout = 4 * MIN;
	c->transitory_timeout = 4 * MIN; /* ASSUMPTION: the same timer for every state */
	c->outbound_miss = NAT_MISS_DROP;
	c->inbound_miss = NAT_MISS_DROP;
	c->rst_on_expiry = false;
}

static void gcp_cloud_nat(struct nat_config *c)
{
	/* mb B.3: GCP Cloud NAT: TCP established idle timeout "Defaults to 1200s",
	 * transitory "Defaults to 30s" (Terraform google provider docs; Cloud NAT overview). */
	c->established_timeout = 1200 * S;
	c->transitory_timeout = 30 * S;
	/* mb B.3 [verify]: expiry action silent drop. ASSUMPTION. */
	c->outbound_miss = NAT_MISS_DROP;
	c->inbound_miss = NAT_MISS_DROP;
}

static void linux_conntrack(struct nat_config *c)
{
	/* mb B.2 (Documentation/networking/nf_conntrack-sysctl.rst):
	 * nf_conntrack_tcp_timeout_established = 432000 s (5 days). */
	c->established_timeout = 432000 * S;
	/* mb B.2: tcp_timeout_syn_sent 120 s, fin_wait 120 s, time_wait 120 s: one
	 * transitory timer of 120 s (kasim has one transitory class; close_wait 60,
	 * last_ack 30, close 10 s are not modelled separately). */
	c->transitory_timeout = 120 * S;
	/* mb B.2: nf_conntrack_max default = nf_conntrack_buckets, clamped to at
	 * most 262144 (RAM/16384). */
	c->capacity = 262144;
	/* mb B.2: a full table drops the new packet when early_drop() frees no
	 * (non-ASSURED) entry: established entries are never evicted. */
	c->table_full = NAT_FULL_DROP;
	/* mb B.2/B.5: nf_conntrack_tcp_loose = 1 picks up mid-stream connections. */
	c->outbound_miss = NAT_MISS_CREATE;
	/* mb B.2 [verify]: get_unique_tuple() keeps the source port when free. ASSUMPTION. */
	c->port_preservation = true;
	/* mb B.5 [verify in model]: an inbound packet with no mapping is delivered
	 * to the router's own stack, which answers RST (unless a firewall drops
	 * INVALID). ASSUMPTION. */
	c->inbound_miss = NAT_MISS_RST;
}

static void docker_ipvs(struct nat_config *c)
{
	/* mb B.2: ipvsadm -l --timeout: tcp 900 s, tcpfin 120 s; idle > 900 s the
	 * entry is gone and packets are black-holed (moby/moby#31208, #37822). */
	c->established_timeout = 900 * S;
	c->transitory_timeout = 120 * S;
	c->outbound_miss = NAT_MISS_DROP;
	c->inbound_miss = NAT_MISS_DROP;
}

static void rfc5382_minimum(struct nat_config *c)
{
	/* mb B.1: RFC 5382 REQ-5: established idle-timeout MUST NOT be less than
	 * 2 h 4 min, transitory MUST NOT be less than 4 min. */
	c->established_timeout = 7440 * S;
	c->transitory_timeout = 240 * S;
	/* mb B.5: RFC 5382 has no rule for stray non-SYN segments; drop. */
	c->outbound_miss = NAT_MISS_DROP;
	c->inbound_miss = NAT_MISS_DROP;
}

static void example_home_router(struct nat_config *c)
{
	/* EXAMPLE, not a device. mb B.6: Netgear/DNI firmware evicts the LRU
	 * session when the table is full; its comments imply a TCP ESTABLISHED
	 * timeout of 1800 s. The capacity is an illustrative value. */
	c->established_timeout = 1800 * S;
	c->transitory_timeout = 240 * S; /* RFC 5382 minimum (mb B.1) */
	c->capacity = 4096;              /* EXAMPLE value */
	c->table_full = NAT_FULL_EVICT;
	c->outbound_miss = NAT_MISS_DROP;
	c->inbound_miss = NAT_MISS_DROP;
}

static void example_cgnat(struct nat_config *c)
{
	/* EXAMPLE, not a device. mb B.7: carrier NATs reported to drop idle
	 * mappings after 5..30 min ("usually 5 min", XTLS/Xray-core#4927); the
	 * short end is used. The capacity is an illustrative value. */
	c->established_timeout = 300 * S;
	c->transitory_timeout = 240 * S; /* RFC 5382 minimum (mb B.1) */
	c->capacity = 65536;             /* EXAMPLE value */
	c->table_full = NAT_FULL_EVICT;
	c->outbound_miss = NAT_MISS_DROP;
	c->inbound_miss = NAT_MISS_DROP;
}

static void aws_nlb(struct nat_config *c)
{
	/* mb B.3: AWS Network Load Balancer, TCP listeners: idle timeout 350 s,
	 * configurable 60..6000 s (ELB User Guide, network-load-balancers.html
	 * "Connection idle timeout", attribute tcp.idle_timeout.seconds). "If a
	 * client or a target sends data after the idle timeout period elapses, it
	 * receives a TCP RST packet to indicate that the connection is no longer
	 * valid." */
	c->established_timeout = 350 * S;
	c->transitory_timeout = 350 * S; /* ASSUMPTION: one idle timer for every state */
	c->outbound_miss = NAT_MISS_RST;
	c->inbound_miss = NAT_MISS_RST;
}

static void aws_network_firewall(struct nat_config *c)
{
	/* mb B.3: AWS Network Firewall FlowTimeouts.TcpIdleTimeoutSeconds: default
	 * 350, 60..6000 s (API_FlowTimeouts.html): after it "data packets are
	 * dropped, however, the next TCP SYN packet is considered a new flow". */
	c->established_timeout = 350 * S;
	c->transitory_timeout = 350 * S; /* ASSUMPTION: one idle timer for every state */
	c->outbound_miss = NAT_MISS_DROP;
	c->inbound_miss = NAT_MISS_DROP;
}

static void gcp_lb(struct nat_config *c)
{
	/* mb B.3: GCE egress and the network (L3/L4) load balancer drop idle TCP
	 * flows after 600 s, silently (Compute Engine troubleshooting, quoted in
	 * grpc/grpc-go#536 and grpc/grpc-java#1648). */
	c->established_timeout = 600 * S;
	c->transitory_timeout = 600 * S; /* ASSUMPTION: one idle timer for every state */
	c->outbound_miss = NAT_MISS_DROP;
	c->inbound_miss = NAT_MISS_DROP;
}

static void kube_proxy(struct nat_config *c)
{
	/* mb B.3: kube-proxy sets nf_conntrack_tcp_timeout_established to
	 * --conntrack-tcp-timeout-established, default 24h (kube-proxy reference;
	 * kubernetes/kubernetes#71358), not the kernel's 5 days; everything else
	 * is the node's conntrack. */
	linux_conntrack(c);
	c->established_timeout = 86400 * S;
}

/* A vendor's documented range for the established idle timeout (0 = none). */
struct preset_range {
	ks_time_t min, max;
	const char *setting; /* the vendor's name for it */
};

static const struct {
	const char *name;
	void (*fill)(struct nat_config *c);
	struct preset_range range;
} presets[] = {
	{ "aws-nat-gateway", aws_nat_gateway, {0, 0, NULL} },
	{ "azure-nat-gateway", azure_nat_gateway, {4 * MIN, 120 * MIN, "the NAT gateway's TCP idle timeout"} },
	{ "azure-lb", azure_lb, {4 * MIN, 100 * MIN, "the load balancer's idle timeout"} },
	{ "gcp-cloud-nat", gcp_cloud_nat, {0, 0, NULL} },
	{ "linux-conntrack", linux_conntrack, {0, 0, NULL} },
	{ "docker-ipvs", docker_ipvs, {0, 0, NULL} },
	{ "rfc5382-minimum", rfc5382_minimum, {0, 0, NULL} },
	{ "example-home-router", example_home_router, {0, 0, NULL} },
	{ "example-cgnat", example_cgnat, {0, 0, NULL} },
	{ "aws-nlb", aws_nlb, {60 * S, 6000 * S, "tcp.idle_timeout.seconds"} },
	{ "aws-network-firewall", aws_network_firewall, {60 * S, 6000 * S, "TcpIdleTimeoutSeconds"} },
	{ "gcp-lb", gcp_lb, {0, 0, NULL} },
	{ "kube-proxy", kube_proxy, {0, 0, NULL} },
};

#define NPRESETS (sizeof(presets) / sizeof(presets[0]))

const char *const nat_preset_names[] = {
	"aws-nat-gateway", "azure-nat-gateway", "azure-lb", "gcp-cloud-nat", "linux-conntrack",
	"docker-ipvs", "rfc5382-minimum", "example-home-router", "example-cgnat", "aws-nlb",
	"aws-network-firewall", "gcp-lb", "kube-proxy",
};
const size_t nat_npresets = NPRESETS;
_Static_assert(sizeof(nat_preset_names) / sizeof(nat_preset_names[0]) == NPRESETS,
	       "preset name list");

/* Fills out (defaults + the preset); false when name is unknown. */
bool nat_preset_fill(const char *name, struct nat_config *out)
{
	for (size_t i = 0; i < NPRESETS; i++) {
		if (!strcmp(presets[i].name, name)) {
			nat_config_default(out);
			presets[i].fill(out);
			strcpy(out->preset, presets[i].name);
			out->enabled = true;
			return true;
		}
	}
	return false;
}

/* The vendor's range for established_timeout under preset name: false when
 * the vendor documents none (or the preset is unknown). */
bool nat_preset_range(const char *name, ks_time_t *min, ks_time_t *max, const char **setting)
{
	for (size_t i = 0; i < NPRESETS; i++) {
		if (!strcmp(presets[i].name, name) && presets[i].range.max) {
			*min = presets[i].range.min;
			*max = presets[i].range.max;
			*setting = presets[i].range.setting;
			return true;
		}
	}
	return false;
}
