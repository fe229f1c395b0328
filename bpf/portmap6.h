/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Destination NAT for ports published on IPv6 (port_maps6), from outside:
 * a new connection arriving on the uplink to a published [address]:port
 * is sent to the container's address and port, its flow noted in dnat6_ct
 * (the client's tuple) and dnat6_rev (the container's replies' tuple ->
 * the client's); the container's replies leave with the address and port
 * the client dialled as source. Nothing else of the container is reached:
 * a packet from outside that is neither such a connection nor a reply of
 * the container's own flows is dropped as before (datapath6.h).
 * A container reaching a published port on the uplink's address or the
 * gateway's (hairpin6) is sent there too, and the answer back to it; one
 * reaching its own port is given the gateway as source (ct.hairpin_addr
 * set), or its answer would never leave it.
 * One tier (no new-flow tables yet, unlike IPv4's portmap.h), no healing
 * of a lost half: a flow whose entry the LRU took is cut. Checksums as
 * nat6.h's (the pseudo header, BPF_F_PSEUDO_HDR).
 */
#ifndef BPFNET_PORTMAP6_H
#define BPFNET_PORTMAP6_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "ct.h"
#include "ct6.h"
#include "maps.h"
#include "nat6.h"
#include "parse6.h"
#include "route6.h"
#include "stats.h"

/* The IPv6 port map for [a]:port, then (any: a is the host's) every address's. */
static __always_inline struct bpfnet_pm6_val *pm6_find(const struct bpfnet_in6 *a,
						       __be16 port, __u8 proto,
						       int any)
{
	struct bpfnet_pm6_key k = { .host_addr = *a, .host_port = port,
				    .proto = proto };
	struct bpfnet_pm6_val *v = bpf_map_lookup_elem(&port_maps6, &k);

	if (v || !any)
		return v;
	__builtin_memset(&k.host_addr, 0, sizeof(k.host_addr));
	return bpf_map_lookup_elem(&port_maps6, &k);
}

/*
 * A new flow k to a published port: a TCP SYN or a UDP datagram to a port
 * of its address, or of every address when it is the uplink's or the
 * bridge's. 0: made; -1: none (the host's own traffic goes on to the
 * stack). A frame of its own: from_container6's has no room for its tuples.
 */
static __always_inline int dnat6_new(const struct bpfnet_flow6 *k, const struct pkt6 *p6,
				const struct bpfnet_cfg6 *c6, __u64 now)
{
	struct bpfnet_flow6 r = {};
	struct bpfnet_pm6_val *pm;
	struct bpfnet_ct6 *ct;
	int any, own;

	if (k->proto == IPPROTO_TCP &&
	    (p6->p.tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN)
		return -1;
	any = in6_eq(&k->daddr, &c6->uplink_addr) || in6_eq(&k->daddr, &c6->gateway);
	pm = pm6_find(&k->daddr, k->dport, k->proto, any);
	if (!pm)
		return -1;
	/* the container's replies: from its address and port to the client,
	 * or to the gateway standing in for it (its own port) */
	own = in6_eq(&k->saddr, &pm->caddr);
	r.saddr = pm->caddr;
	r.daddr = own ? c6->gateway : k->saddr;
	r.sport = pm->cport;
	r.dport = k->sport;
	r.proto = k->proto;
	if (bpf_map_update_elem(&dnat6_ct, k, &ct6_zero, BPF_ANY) ||
	    bpf_map_update_elem(&dnat6_rev, &r, k, BPF_ANY))
		return -1;
	ct = bpf_map_lookup_elem(&dnat6_ct, k);
	if (!ct)
		return -1;
	ct->nat_addr6 = pm->caddr;
	ct->ct.nat_port = pm->cport;
	ct->ct.hairpin_addr = own;	/* IPv6: a flag, the gateway the address */
	ct->ct.state = BPFNET_CT_NEW;
	ct->ct.created_ns = now;
	stat_inc(BPFNET_STAT_DNAT_FLOWS);
	return 0;
}

/*
 * The live flow of a packet to a published port, made if it is new; NULL:
 * none. k: room for its tuple (the caller's: from_container6's is shared).
 */
static __always_inline struct bpfnet_ct6 *dnat6_get(const struct pkt6 *p6,
						    const struct bpfnet_cfg6 *c6,
						    struct bpfnet_flow6 *k)
{
	__u64 now = bpf_ktime_get_ns();
	struct bpfnet_ct6 *ct;

	if (!p6->p.has_ports || p6->p.frag_later || p6->p.icmp_error ||
	    (p6->p.proto != IPPROTO_TCP && p6->p.proto != IPPROTO_UDP))
		return NULL;
	flow6_of(p6, k);
	ct = bpf_map_lookup_elem(&dnat6_ct, k);
	if (!ct || ct->ct.expires_ns <= now)
		ct = dnat6_new(k, p6, c6, now) ? NULL : bpf_map_lookup_elem(&dnat6_ct, k);
	if (ct)
		ct_touch(&ct->ct, &p6->p, 0, now);
	return ct;
}

/*
 * A packet of flow ct to its container: the container's address and port
 * as destination, and the gateway as source for a container's flow to its
 * own port. 0, or BPFNET_ERR.
 */
static __always_inline int dnat6_apply(struct __sk_buff *skb, struct pkt6 *p6,
				       struct bpfnet_ct6 *ct,
				       const struct bpfnet_cfg6 *c6)
{
	/* (in place, from the maps: from_container6 has no stack to spare) */
	struct bpfnet_in6 *gw = (struct bpfnet_in6 *)&c6->gateway;

	if (nat6_addr(skb, p6, 0, &p6->daddr, &ct->nat_addr6) ||
	    nat6_port(skb, p6, 0, p6->p.dport, ct->ct.nat_port))
		return BPFNET_ERR;
	p6->daddr = ct->nat_addr6;
	p6->p.dport = ct->ct.nat_port;
	if (ct->ct.hairpin_addr) {
		if (nat6_addr(skb, p6, 1, &p6->saddr, gw))
			return BPFNET_ERR;
		p6->saddr = *gw;
	}
	stat_inc(BPFNET_STAT_DNAT_PKTS);
	return 0;
}

/*
 * A packet on the uplink to a published IPv6 port: its destination becomes
 * the container's address and port. 0 (p6 then names the container),
 * BPFNET_CONTINUE (not such a packet), or a drop verdict.
 */
static __always_inline int dnat6_in(struct __sk_buff *skb, struct pkt6 *p6,
				    const struct bpfnet_cfg6 *c6)
{
	struct bpfnet_flow6 k = {};
	struct bpfnet_ct6 *ct = dnat6_get(p6, c6, &k);

	if (!ct)
		return BPFNET_CONTINUE;
	if (dnat6_apply(skb, p6, ct, c6))
		return drop(BPFNET_STAT_DROP_CSUM, 0);
	if (monitor_tracing())	/* k: the packet as it came */
		monitor_trace6(skb, BPFNET_TRACE_DNAT, &k);
	return 0;
}

/*
 * A container's packet to a published port on the uplink's address or the
 * gateway's (hairpin): to the published container at once, as from
 * outside; counted as the sender's tx (me) and the receiver's rx. A
 * verdict, or BPFNET_CONTINUE (not such a packet). k: room for a tuple.
 */
static __always_inline int hairpin6(struct __sk_buff *skb, struct pkt6 *p6,
				    const struct bpfnet_cfg6 *c6,
				    const struct bpfnet_cfg *cfg, __be32 me,
				    struct bpfnet_flow6 *k)
{
	struct bpfnet_ct6 *ct;

	if (!in6_eq(&p6->daddr, &c6->uplink_addr) && !in6_eq(&p6->daddr, &c6->gateway))
		return BPFNET_CONTINUE;
	ct = dnat6_get(p6, c6, k);
	if (!ct)
		return BPFNET_CONTINUE;
	ep_tx(me, p6->p.tot_len);	/* (deliver6 counts the receiver's) */
	if (dnat6_apply(skb, p6, ct, c6))
		return drop(BPFNET_STAT_DROP_CSUM, me);
	stat_inc(BPFNET_STAT_HAIRPIN);
	if (monitor_tracing())
		monitor_trace6(skb, BPFNET_TRACE_HAIRPIN, k);
	return deliver6(skb, p6, cfg);
}

/*
 * A container's packet (from_container6): if it answers a live flow of
 * dnat6_ct, its source becomes the address and port the client dialled,
 * and it leaves where the FIB sends it, by the uplink only; to a client of
 * the subnet (hairpin) it is delivered at once, to the client itself when
 * sent to the gateway standing in for it, counted as the sender's tx (me)
 * and the client's rx. A verdict, or BPFNET_CONTINUE (not such an answer).
 * r: room for its tuple.
 */
static __always_inline int dnat6_reply(struct __sk_buff *skb, struct pkt6 *p6,
				       const struct bpfnet_cfg6 *c6,
				       const struct bpfnet_cfg *cfg,
				       __be32 me, struct bpfnet_flow6 *r)
{
	__u64 now = bpf_ktime_get_ns();
	struct bpf_fib_lookup fib = {};
	struct bpfnet_flow6 *rv;
	struct bpfnet_ct6 *ct;
	int rc, verdict;

	if (!p6->p.has_ports || p6->p.frag_later || p6->p.icmp_error)
		return BPFNET_CONTINUE;
	flow6_of(p6, r);
	rv = bpf_map_lookup_elem(&dnat6_rev, r);
	if (!rv)
		return BPFNET_CONTINUE;
	/* (rv is used in place: from_container's stack has no room for a copy) */
	ct = bpf_map_lookup_elem(&dnat6_ct, rv);
	if (!ct || ct->ct.expires_ns <= now || ct->ct.nat_port != p6->p.sport ||
	    !in6_eq(&ct->nat_addr6, &p6->saddr))
		return BPFNET_CONTINUE;	/* a stale entry: not its flow now */
	ct_touch(&ct->ct, &p6->p, 1, now);
	if (nat6_addr(skb, p6, 1, &p6->saddr, &rv->daddr) ||
	    nat6_port(skb, p6, 1, p6->p.sport, rv->dport))
		return drop(BPFNET_STAT_DROP_CSUM, 0);
	p6->saddr = rv->daddr;
	p6->p.sport = rv->dport;
	if (!in6_eq(&p6->daddr, &rv->saddr)) {	/* its own port's client: itself */
		if (nat6_addr(skb, p6, 0, &p6->daddr, &rv->saddr))
			return drop(BPFNET_STAT_DROP_CSUM, 0);
		p6->daddr = rv->saddr;
	}
	stat_inc(BPFNET_STAT_DNAT_REPLIES);
	if (monitor_tracing())	/* r: the packet as it came */
		monitor_trace6(skb, in_subnet6(c6, &p6->daddr) ? BPFNET_TRACE_HAIRPIN_REPLY :
				   BPFNET_TRACE_DNAT_REPLY, r);
	if (in_subnet6(c6, &p6->daddr)) {	/* a container's flow (hairpin) */
		ep_tx(me, p6->p.tot_len);
		stat_inc(BPFNET_STAT_HAIRPIN);
		return deliver6(skb, p6, cfg);
	}
	rc = fib_lookup6(skb, p6, cfg, &fib, route_len(skb, &p6->p));
	verdict = route_allowed6(skb, p6, cfg, &fib, rc);
	if (verdict)
		return verdict;
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || p6->p.ttl <= 1)
		return TC_ACT_OK;	/* over the MTU, hop limit spent: the stack's */
	rc = fib_redirect6(skb, p6, &fib);
	return rc == BPFNET_ERR ? drop(BPFNET_STAT_DROP_CSUM, 0) : rc;
}

#endif
