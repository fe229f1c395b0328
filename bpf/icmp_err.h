/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP errors (unreachable, fragmentation needed, time exceeded) about a
 * translated flow, in every direction. An error quotes the packet it
 * answers as that packet was when it met the error's sender; both the
 * outer header and the quoted packet are turned into what the other side
 * of the translation knows, with the quoted IP checksum, the quoted L4
 * checksum (when quoted: RFC 792 asks for 8 bytes of L4 only), the ICMP
 * checksum and the outer IP checksum kept right.
 *
 *  - to the host, about a packet it sent (icmp_flow_of_sent): a masqueraded
 *    flow's (quoted source uplink:nat_port, back to the container) or a
 *    published port's reply (quoted source host:published port, back to
 *    the container behind it). From the uplink, or from a container that
 *    reached a published port (hairpin). Path MTU and traceroute.
 *  - from a container, about a packet it received (icmp_flow_of_received):
 *    a published port's client packet (port unreachable with no listener;
 *    quoted destination back to host:published port) or a masqueraded
 *    flow's reply (quoted destination back to uplink:nat_port). Leaves by
 *    the uplink (fib + redirect, else the stack and uplink_egress), or goes
 *    to the client container of a hairpin flow.
 */
#ifndef BPFNET_ICMP_ERR_H
#define BPFNET_ICMP_ERR_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "ct.h"
#include "flow.h"
#include "forward.h"
#include "maps.h"
#include "nat.h"
#include "parse.h"
#include "portmap.h"
#include "stats.h"

/*
 * One's-complement incremental update of the 16-bit checksum at off
 * (RFC 1624). bpf_l3_csum_replace rewrites the field whatever the skb's
 * checksum state: the fields changed here lie inside the ICMP payload,
 * which no offload sums, and the outer sum of the packet does not change
 * (each change is undone by a checksum), so CHECKSUM_COMPLETE stays right.
 */
static __always_inline int csum_update(struct __sk_buff *skb, __u32 off,
				       __be32 from, __be32 to, int size)
{
	return bpf_l3_csum_replace(skb, off, from, to, size);
}

/* Rewrite 2 or 4 bytes at off and fix the ICMP checksum for the change. */
static __always_inline int icmp_rewrite(struct __sk_buff *skb, __u32 icmp_csum,
					__u32 off, __be32 from, __be32 to, int size)
{
	if (csum_update(skb, icmp_csum, from, to, size))
		return BPFNET_ERR;
	return bpf_skb_store_bytes(skb, off, &to, size, 0);
}

/* The packet an ICMP error quotes: where its parts are, and its tuple. */
struct quoted {
	__u32 icmp_csum;	/* offset of the error's own checksum */
	__u32 ip;		/* of the quoted IP header */
	__u32 l4;		/* of its L4 header */
	__u32 l4c;		/* of its L4 checksum; 0: not quoted, or none (UDP 0) */
	struct bpfnet_flow k;	/* TCP/UDP ports, or the echo id as sport */
};

/* Parse the quoted packet: TCP, UDP or an ICMP echo request, not a later fragment. */
static __always_inline int quoted_parse(struct __sk_buff *skb, const struct pkt *p,
					struct quoted *q)
{
	__be16 ports[2], c;
	struct iphdr ip;
	__u8 t;

	q->icmp_csum = p->l4off + 2;
	q->ip = p->l4off + 8;
	if (bpf_skb_load_bytes(skb, q->ip, &ip, sizeof(ip)) || ip.ihl < 5 ||
	    (bpf_ntohs(ip.frag_off) & IP_OFFSET))
		return BPFNET_ERR;
	q->l4 = q->ip + ip.ihl * 4;
	if (ip.protocol == IPPROTO_TCP || ip.protocol == IPPROTO_UDP) {
		if (bpf_skb_load_bytes(skb, q->l4, ports, sizeof(ports)))
			return BPFNET_ERR;
		q->l4c = q->l4 + (ip.protocol == IPPROTO_TCP ? 16 : 6);
	} else if (ip.protocol == IPPROTO_ICMP) {
		if (bpf_skb_load_bytes(skb, q->l4, &t, 1) || t != ICMP_ECHO ||
		    bpf_skb_load_bytes(skb, q->l4 + 4, &ports[0], 2))
			return BPFNET_ERR;
		ports[1] = 0;	/* the echo id is the "source port" of a request */
		q->l4c = q->l4 + 2;
	} else {
		return BPFNET_ERR;
	}
	if (q->l4c + 2 > ETH_HLEN + (__u32)p->tot_len ||
	    bpf_skb_load_bytes(skb, q->l4c, &c, 2) ||
	    (ip.protocol == IPPROTO_UDP && c == 0))
		q->l4c = 0;
	q->k.saddr = ip.saddr;
	q->k.daddr = ip.daddr;
	q->k.sport = ports[0];
	q->k.dport = ports[1];
	q->k.proto = ip.protocol;
	return 0;
}

/* A checksum inside the quoted packet, updated for from -> to, and the ICMP checksum for that. */
static __always_inline int quoted_csum(struct __sk_buff *skb, const struct quoted *q,
				       __u32 off, __be32 from, __be32 to, int size)
{
	__be16 oldc, newc;

	if (bpf_skb_load_bytes(skb, off, &oldc, 2) ||
	    csum_update(skb, off, from, to, size) ||
	    bpf_skb_load_bytes(skb, off, &newc, 2))
		return BPFNET_ERR;
	return csum_update(skb, q->icmp_csum, oldc, newc, 2);
}

/* The quoted source (src=1) or destination address: its IP checksum and pseudo header too. */
static __always_inline int quoted_addr(struct __sk_buff *skb, const struct quoted *q,
				       int src, __be32 from, __be32 to)
{
	if (from == to)
		return 0;
	/* ICMP has no pseudo header */
	if (q->l4c && q->k.proto != IPPROTO_ICMP &&
	    quoted_csum(skb, q, q->l4c, from, to, 4))
		return BPFNET_ERR;
	if (quoted_csum(skb, q, q->ip + IP_CSUM_OFF, from, to, 4))
		return BPFNET_ERR;
	return icmp_rewrite(skb, q->icmp_csum,
			    q->ip + (src ? IP_SADDR_OFF : IP_DADDR_OFF), from, to, 4);
}

/* The quoted source or destination port (the echo id: source only). */
static __always_inline int quoted_port(struct __sk_buff *skb, const struct quoted *q,
				       int src, __be16 from, __be16 to)
{
	__u32 off = q->l4 + (src ? 0 : 2);

	if (from == to)
		return 0;
	if (q->k.proto == IPPROTO_ICMP) {
		if (!src)
			return BPFNET_ERR;
		off = q->l4 + 4;
	}
	if (q->l4c && quoted_csum(skb, q, q->l4c, from, to, 2))
		return BPFNET_ERR;
	return icmp_rewrite(skb, q->icmp_csum, off, from, to, 2);
}

/* What an error becomes: its outer addresses and the quoted tuple. */
struct icmp_xlate {
	__be32 saddr, daddr;	/* outer */
	struct bpfnet_flow k;	/* quoted */
};

static __always_inline void xlate_init(struct icmp_xlate *x, const struct pkt *p,
				       const struct quoted *q)
{
	x->saddr = p->saddr;
	x->daddr = p->daddr;
	x->k = q->k;
}

/* Rewrite the error as x says, every checksum with it. */
static __always_inline int xlate_apply(struct __sk_buff *skb, struct pkt *p,
				       const struct quoted *q,
				       const struct icmp_xlate *x)
{
	if (quoted_port(skb, q, 1, q->k.sport, x->k.sport) ||
	    quoted_port(skb, q, 0, q->k.dport, x->k.dport) ||
	    quoted_addr(skb, q, 1, q->k.saddr, x->k.saddr) ||
	    quoted_addr(skb, q, 0, q->k.daddr, x->k.daddr))
		return BPFNET_ERR;
	/* the outer addresses: the IP header checksum only */
	if (x->saddr != p->saddr && nat_addr(skb, p, 1, p->saddr, x->saddr))
		return BPFNET_ERR;
	if (x->daddr != p->daddr && nat_addr(skb, p, 0, p->daddr, x->daddr))
		return BPFNET_ERR;
	p->saddr = x->saddr;
	p->daddr = x->daddr;
	stat_inc(BPFNET_STAT_ICMP_ERR_XLATED);
	return 0;
}

/*
 * An error to the host about a packet it sent (the quoted source is the
 * error's destination): the flow that packet belonged to, and x filled to
 * take the error to its container. snat: masqueraded flows too (on the
 * uplink). 0, or BPFNET_CONTINUE: none of this network's flows.
 */
/* A published port's live client flow k in one tier (ctmap, revmap), its
 * reverse half its own; NULL when none. */
static __always_inline struct bpfnet_ct *dnat_owned_in(void *ctmap, void *revmap,
						       const struct bpfnet_flow *k)
{
	struct bpfnet_ct *ct = bpf_map_lookup_elem(ctmap, k);
	struct bpfnet_dnat_rev *drv;
	struct bpfnet_flow rk = {};

	if (!ct || ct->expires_ns < bpf_ktime_get_ns())
		return NULL;
	drev_key(k, ct, &rk);
	drv = bpf_map_lookup_elem(revmap, &rk);
	return drv && drev_owned(drv, k) ? ct : NULL;
}

static __always_inline int icmp_flow_of_sent(const struct quoted *q,
					     struct icmp_xlate *x, int snat)
{
	struct bpfnet_flow k = {};
	struct bpfnet_rnat *rv;
	struct bpfnet_ct *ct;

	/* the tuple that answers the quoted packet: rev_nat's and dnat_ct's key
	 * (answered flows, or flows not answered yet: the *_new tables) */
	flow_reply(&k, q->k.saddr, q->k.sport, q->k.daddr, q->k.dport, q->k.proto);
	rv = snat ? rnat_find(&k) : NULL;
	if (rv) {	/* none, or a stale one: NULL */
		x->daddr = rv->caddr;
		x->k.saddr = rv->caddr;
		x->k.sport = rv->cport;
		return 0;
	}
	if (q->k.proto == IPPROTO_ICMP)
		return BPFNET_CONTINUE;
	/* a published port's reply: the client flow, if its reverse half is its */
	ct = dnat_owned_in(&dnat_ct, &dnat_rev, &k);
	if (!ct)
		ct = dnat_owned_in(&dnat_ct_new, &dnat_rev_new, &k);
	if (!ct)
		return BPFNET_CONTINUE;
	x->daddr = ct->nat_addr;
	x->k.saddr = ct->nat_addr;
	x->k.sport = ct->nat_port;
	if (ct->hairpin_addr) {	/* a container's flow to its own port */
		x->saddr = ct->hairpin_addr;
		x->k.daddr = ct->hairpin_addr;
	}
	return 0;
}

/*
 * An error a container sends about a packet it received (the quoted
 * destination is the error's source): a published port's client packet or
 * a masqueraded flow's reply, and x filled as the other side must see it.
 * 0, or BPFNET_CONTINUE: about no live flow.
 */
/* The container's tuple rk as a published port's reply in one tier
 * (revmap, ctmap): x filled and 0 when its live client flow owns it. */
static __always_inline int dnat_received_in(void *revmap, void *ctmap,
					    const struct bpfnet_flow *rk,
					    struct icmp_xlate *x, __u64 now)
{
	struct bpfnet_dnat_rev *rv = bpf_map_lookup_elem(revmap, rk);
	struct bpfnet_flow ck = {};
	struct bpfnet_ct *ct;

	if (!rv)
		return BPFNET_CONTINUE;
	flow_reply(&ck, rv->host_addr, rv->host_port, rv->client_addr,
		   rv->client_port, rk->proto);
	ct = bpf_map_lookup_elem(ctmap, &ck);
	if (!ct || ct->expires_ns <= now || ct->nat_addr != rk->saddr ||
	    ct->nat_port != rk->sport ||
	    (ct->hairpin_addr ? ct->hairpin_addr : rv->client_addr) != rk->daddr)
		return BPFNET_CONTINUE;
	x->saddr = rv->host_addr;
	x->daddr = rv->client_addr;
	x->k.saddr = rv->client_addr;
	x->k.daddr = rv->host_addr;
	x->k.dport = rv->host_port;
	return 0;
}

static __always_inline int icmp_flow_of_received(const struct quoted *q,
						 struct icmp_xlate *x)
{
	__u64 now = bpf_ktime_get_ns();
	struct bpfnet_flow rk = {};
	struct bpfnet_ct *ct;

	/* the container's own tuple: dnat_rev's and conntrack's key, in the
	 * tables of answered flows or of flows not answered yet */
	flow_reply(&rk, q->k.saddr, q->k.sport, q->k.daddr, q->k.dport, q->k.proto);
	if (!dnat_received_in(&dnat_rev, &dnat_ct, &rk, x, now) ||
	    !dnat_received_in(&dnat_rev_new, &dnat_ct_new, &rk, x, now))
		return 0;
	ct = bpf_map_lookup_elem(&conntrack, &rk);
	if (!ct)
		ct = bpf_map_lookup_elem(&ct_new, &rk);
	if (!ct || ct->expires_ns < now)
		return BPFNET_CONTINUE;
	x->saddr = ct->nat_addr;
	x->k.daddr = ct->nat_addr;
	x->k.dport = ct->nat_port;
	return 0;
}

/*
 * An ICMP error on the uplink: translated and delivered when it is about
 * one of this network's flows (masqueraded, or to a published port), else
 * TC_ACT_NEXT_FILTER (another network's flow, or the host's own).
 */
static __always_inline int rnat_icmp_error(struct __sk_buff *skb, struct pkt *p,
					   const struct bpfnet_cfg *cfg)
{
	struct icmp_xlate x;
	struct quoted q = {};

	if (quoted_parse(skb, p, &q) || q.k.saddr != p->daddr)
		return TC_ACT_NEXT_FILTER;
	xlate_init(&x, p, &q);
	if (icmp_flow_of_sent(&q, &x, p->daddr == cfg->uplink_addr))
		return TC_ACT_NEXT_FILTER;
	if (xlate_apply(skb, p, &q, &x))
		return drop(BPFNET_STAT_DROP_CSUM, x.daddr);
	return deliver(skb, p, cfg, x.daddr);
}

/*
 * An ICMP error from a container about one of its translated flows:
 * to a container of the network (hairpin) delivered at once; to the
 * outside redirected to the uplink when the FIB says it leaves there,
 * else BPFNET_CONTINUE, untranslated, for the stack to route (the uplink's
 * egress translates it: icmp_err_egress). BPFNET_CONTINUE too when it is
 * about no flow of the network.
 */
static __noinline int icmp_err_from_container(struct __sk_buff *skb,
						   struct pkt *p,
						   const struct bpfnet_cfg *cfg,
						   struct bpf_fib_lookup *fib)
{
	struct icmp_xlate x;
	struct quoted q = {};
	int rc;

	if (quoted_parse(skb, p, &q))
		return BPFNET_CONTINUE;
	xlate_init(&x, p, &q);
	if (q.k.saddr == p->daddr && !icmp_flow_of_sent(&q, &x, 0))
		goto local;	/* to a published port it reached: its server */
	if (q.k.daddr != p->saddr || icmp_flow_of_received(&q, &x))
		return BPFNET_CONTINUE;
	if (in_subnet(cfg, x.daddr))
		goto local;	/* to the client of a hairpin flow */
	rc = fib_route(skb, p, cfg, fib);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || fib->ifindex != cfg->uplink_ifindex ||
	    p->ttl <= 1)
		return BPFNET_CONTINUE;
	if (xlate_apply(skb, p, &q, &x))
		return drop(BPFNET_STAT_DROP_CSUM, p->saddr);
	rc = fib_redirect(skb, p, fib);
	return rc == BPFNET_ERR ? drop(BPFNET_STAT_DROP_CSUM, p->saddr) : rc;
local:
	if (xlate_apply(skb, p, &q, &x))
		return drop(BPFNET_STAT_DROP_CSUM, p->saddr);
	return deliver(skb, p, cfg, x.daddr);
}

/*
 * A container's ICMP error the stack routed to the uplink: translated as
 * icmp_err_from_container would have, or dropped (never a private source
 * outside).
 */
static __noinline int icmp_err_egress(struct __sk_buff *skb, struct pkt *p)
{
	struct icmp_xlate x;
	struct quoted q = {};

	if (quoted_parse(skb, p, &q) || q.k.daddr != p->saddr)
		return drop(BPFNET_STAT_DROP_MALFORMED, p->saddr);
	xlate_init(&x, p, &q);
	if (icmp_flow_of_received(&q, &x))
		return drop(BPFNET_STAT_DROP_MALFORMED, p->saddr);
	if (xlate_apply(skb, p, &q, &x))
		return drop(BPFNET_STAT_DROP_CSUM, p->saddr);
	return TC_ACT_OK;
}

#endif
