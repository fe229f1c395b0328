/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IPv6 halves of the TC programs (--subnet6, routed mode): each a
 * global function, so the verifier checks it once on its own rather than
 * inside every path of the IPv4 program that calls it.
 *
 *   from_container6  admission (admit6.h), then: multicast and the host to
 *                    the bridge, neighbours to their veth peer, the outside
 *                    by the uplink only (bpf_fib_lookup, bpf_redirect_neigh),
 *                    each flow noted in conntrack6 (ct6.h); a published
 *                    port's answers from the address dialled, and a
 *                    container's connections to one on the host's address
 *                    straight to its container (hairpin, portmap6.h)
 *   uplink_egress6   with nat6: masquerade behind the uplink's address
 *                    (nat6.h), for the datapath's packets and the stack's;
 *                    a container's ICMPv6 errors about its flows
 *                    (icmp_err6.h), its fragments (frag6.h)
 *   uplink_ingress6  with nat6, replies to the uplink's address translated
 *                    back; connections to a published IPv6 port sent to
 *                    its container (portmap6.h); for the subnet: replies of those flows, ICMPv6 errors
 *                    about them and the later fragments of a reply, into the
 *                    container (redirect_peer); nothing else (drop_unsolicited)
 *   to_container6    what the stack and the bridge hand a container: ND
 *                    and MLD, the host (not under --isolate), neighbours,
 *                    replies of its flows; nothing else
 */
#ifndef BPFNET_DATAPATH6_H
#define BPFNET_DATAPATH6_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "admit6.h"
#include "bpfnet_shared.h"
#include "config.h"
#include "consts.h"
#include "ct6.h"
#include "frag6.h"
#include "hairpin6_err.h"
#include "icmp_err6.h"
#include "maps.h"
#include "nat6.h"
#include "parse6.h"
#include "portmap6.h"
#include "route6.h"
#include "stats.h"

/*
 * Published ports seen from a container, once from_container6 admitted its
 * packet and asked (BPFNET_PUBLISHED6): the answers of a published port's
 * flows, and connections to one on the host's address (hairpin,
 * portmap6.h). Called by from_container beside from_container6, not inside
 * it: their frames would not fit in 512 bytes together. A verdict, or
 * BPFNET_CONTINUE (from_container6 then goes on with the packet).
 */
__noinline int published6(struct __sk_buff *skb)
{
	const struct bpfnet_cfg6 *c6 = get_cfg6();
	const struct bpfnet_cfg *cfg = get_cfg();
	struct bpfnet_flow6 fl = {};	/* a tuple, for the lookups */
	struct bpfnet_endpoint *ep;
	struct pkt6 p6 = {};
	__be32 me;
	int rc;

	if (!skb || !c6 || !cfg || parse_ipv6(skb, &p6))
		return BPFNET_CONTINUE;
	ep = bpf_map_lookup_elem(&endpoints6, &p6.saddr);
	me = ep ? ep->ip4 : 0;
	rc = dnat6_reply(skb, &p6, c6, cfg, me, &fl);
	if (rc == BPFNET_CONTINUE)
		rc = hairpin6(skb, &p6, c6, cfg, me, &fl);
	return rc;
}

/*
 * A container's IPv6 frame (from_container). Without --subnet6, or before
 * user space filled net_config, every IPv6 frame is dropped (drop_ipv6).
 * One that may be a published port's (asked 0) is handed back as
 * BPFNET_PUBLISHED6 once admitted; from_container asks again (asked 1)
 * if published6 did not take it.
 */
__noinline int from_container6(struct __sk_buff *skb, int asked)
{
	const struct bpfnet_cfg6 *c6 = get_cfg6();
	const struct bpfnet_cfg *cfg = get_cfg();
	struct bpf_fib_lookup fib = {};
	struct bpfnet_endpoint *ep;
	struct pkt6 p6 = {};
	int rc, verdict, link;
	__be32 me;

	if (!skb)
		return TC_ACT_SHOT;
	if (!c6 || !cfg)
		return drop(BPFNET_STAT_DROP_IPV6, 0);
	if (parse_ipv6(skb, &p6))
		return drop(BPFNET_STAT_DROP_MALFORMED, 0);
	rc = admit6(skb, &p6);
	if (rc)
		return rc;
	link = icmp6_link_scope(&p6.p);	/* ND, MLD: never isolated */
	/* whose counters: its IPv4 address's (none for DAD's ::) */
	ep = bpf_map_lookup_elem(&endpoints6, &p6.saddr);
	me = ep ? ep->ip4 : 0;

	/* a published port's answer (or ICMPv6 error), or a connection to one
	 * on the host's address (hairpin): before the link's shortcuts */
	if (!asked && (p6.p.has_ports || p6.p.icmp_error) &&
	    ((ep && (ep->flags & BPFNET_EP_PUBLISHED)) || host_addr6(c6, &p6.daddr)))
		return p6.p.icmp_error ? BPFNET_HAIRPIN6_ERR : BPFNET_PUBLISHED6;
	/* multicast reaches the host's daemons too, as IPv4's broadcast */
	if (in6_multicast(&p6.daddr)) {
		if (cfg->isolate && !link)
			return drop(BPFNET_STAT_DROP_ISOLATED, me);
		goto pass;
	}
	/* the link: a neighbour (its address in the subnet or its link-local
	 * one) straight to its veth, the host and the rest to the bridge */
	if (in6_linklocal(&p6.daddr) ||
	    (in_subnet6(c6, &p6.daddr) && !in6_eq(&p6.daddr, &c6->gateway))) {
		ep = bpf_map_lookup_elem(&endpoints6, &p6.daddr);
		if (ep && ep->host_ifindex != skb->ifindex) {
			ep_tx(me, p6.p.tot_len);
			return deliver_neighbour6(skb, ep, p6.p.tot_len);
		}
		if (!ep && in6_linklocal(&p6.daddr) && cfg->isolate && !link &&
		    opens_conn6(&p6.p))
			return drop(BPFNET_STAT_DROP_ISOLATED, me);
		goto pass;
	}
	if (in6_eq(&p6.daddr, &c6->gateway)) {
		if (cfg->isolate && !link && opens_conn6(&p6.p))
			return drop(BPFNET_STAT_DROP_ISOLATED, me);
		goto pass;
	}

	rc = fib_lookup6(skb, &p6, cfg, &fib, route_len(skb, &p6.p));
	verdict = route_allowed6(skb, &p6, cfg, &fib, rc);
	if (verdict)
		return verdict;
	if (rc == BPF_FIB_LKUP_RET_NOT_FWDED)
		goto pass;	/* for the host itself */
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_FRAG_NEEDED)
		goto slow;	/* routed nowhere, or the bridge forwards nothing */
	/* to the uplink (with nat6, uplink_egress6 translates it there) */
	ct6_out(&p6, bpf_ktime_get_ns());
	ep_tx(me, p6.p.tot_len);
	/* over the route's MTU, the hop limit spent: the stack's (mtu.h) */
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || p6.p.ttl <= 1)
		goto slow;
	rc = fib_redirect6(skb, &p6, &fib);
	return rc == BPFNET_ERR ? drop(BPFNET_STAT_DROP_CSUM, 0) : rc;

slow:
	stat_inc(BPFNET_STAT_SLOW_PATH);
	return TC_ACT_OK;
pass:
	stat_inc(BPFNET_STAT_PASS);
	return TC_ACT_OK;
}

/*
 * IPv6 arriving on the uplink: a reply (or an ICMPv6 error) for one of the
 * network's flows goes straight into its container; anything else for the
 * subnet is dropped; what is not for the subnet (the host's, ND, another
 * network's) is not this filter's.
 */
__noinline int uplink_ingress6(struct __sk_buff *skb)
{
	const struct bpfnet_cfg6 *c6 = get_cfg6();
	const struct bpfnet_cfg *cfg = get_cfg();
	struct pkt6 p6 = {};
	int rc;

	if (!skb || !c6 || !cfg || parse_ipv6(skb, &p6))
		return TC_ACT_NEXT_FILTER;
	rc = BPFNET_CONTINUE;
	if (c6->nat6 && in6_eq(&p6.daddr, &c6->uplink_addr)) {
		if (p6.p.frag_later)	/* as its first fragment (frag6.h) */
			rc = nat6_frag_follow_in(skb, &p6);
		else	/* a reply of a masqueraded flow? */
			rc = nat6_in(skb, &p6);
		if (!rc && p6.p.frag && !p6.p.frag_later)
			nat6_frag_note_in(&p6, &c6->uplink_addr);
	}
	if (rc == BPFNET_CONTINUE)
		rc = dnat6_in(skb, &p6, c6);	/* to a published port? */
	if (rc != BPFNET_CONTINUE)
		return rc ? rc : deliver6(skb, &p6, cfg);
	/* the host's own (its address is not in the subnet) */
	if (!in_subnet6(c6, &p6.daddr) || icmp6_link_scope(&p6.p))
		return TC_ACT_NEXT_FILTER;
	if (!ct6_inbound(skb, &p6))
		return drop(BPFNET_STAT_DROP_UNSOLICITED, 0);
	return deliver6(skb, &p6, cfg);
}

/*
 * parse_ipv6 in a frame of its own: its locals (the IPv6 header, the
 * extension walk) are gone before uplink_egress6 calls the translation,
 * whose frame then sits just above the parsed packet (uplink_egress's
 * combined stack is near its limit).
 */
static __noinline int parse_ipv6_apart(struct __sk_buff *skb, struct pkt6 *p6)
{
	return parse_ipv6(skb, p6);
}

/*
 * IPv6 leaving by the uplink (uplink_egress): with nat6, a container's
 * packet is masqueraded (nat6.h); anything else is not this filter's.
 */
__noinline int uplink_egress6(struct __sk_buff *skb)
{
	const struct bpfnet_cfg6 *c6 = get_cfg6();
	const struct bpfnet_cfg *cfg = get_cfg();
	struct pkt6 p6 = {};
	int rc;

	if (!skb || !c6 || !cfg || !c6->nat6 || parse_ipv6_apart(skb, &p6) ||
	    !in_subnet6(c6, &p6.saddr))
		return TC_ACT_NEXT_FILTER;
	if (p6.p.frag_later)	/* as its first fragment (frag6.h) */
		return nat6_frag_follow(skb, &p6);
	if (p6.p.icmp_error && !p6.p.frag)
		return nat6_out_error(skb, &p6, &c6->uplink_addr);
	rc = nat6_masquerade(skb, &p6, cfg, c6);
	if (rc == TC_ACT_OK && p6.p.frag)	/* a first fragment */
		nat6_frag_note(&p6, &c6->uplink_addr);
	return rc;
}

/*
 * IPv6 into a container (to_container): ND and MLD (router messages only
 * from the host itself), the host (under --isolate only what opens
 * nothing), a neighbour by its own veth, and from anywhere else replies of
 * the container's flows and ICMPv6 errors about them.
 */
__noinline int to_container6(struct __sk_buff *skb)
{
	const struct bpfnet_cfg *cfg = get_cfg();
	struct bpfnet_endpoint *src;
	struct pkt6 p6 = {};
	__u32 from;

	if (!skb)
		return TC_ACT_SHOT;
	from = skb->ingress_ifindex;	/* 0: made by the host itself */
	if (!cfg || !get_cfg6())	/* IPv4 only: the host's own, nobody else's */
		return from ? drop(BPFNET_STAT_DROP_UNSOLICITED, 0) : TC_ACT_OK;
	if (parse_ipv6(skb, &p6))
		return drop(BPFNET_STAT_DROP_MALFORMED, 0);
	if (icmp6_link_scope(&p6.p)) {
		if (from && icmp6_router_only(p6.p.icmp_type))
			return drop(BPFNET_STAT_DROP_UNSOLICITED, 0);
		return TC_ACT_OK;
	}
	if (!from) {	/* made by the host itself */
		if (cfg->isolate && opens_conn6(&p6.p))
			return drop(BPFNET_STAT_DROP_ISOLATED, 0);
		return TC_ACT_OK;
	}
	src = bpf_map_lookup_elem(&endpoints6, &p6.saddr);
	if (src && src->host_ifindex == from)
		return TC_ACT_OK;	/* a neighbour, through the bridge */
	if (ct6_inbound(skb, &p6))
		return TC_ACT_OK;
	return drop(BPFNET_STAT_DROP_UNSOLICITED, 0);
}

/*
 * A container's IPv6 frame, for from_container: from_container6, and
 * published6 (or hairpin6_error) in a frame beside it when it asks. A
 * verdict.
 */
static __always_inline int from_container_ipv6(struct __sk_buff *skb)
{
	int rc = from_container6(skb, 0);

	if (rc == BPFNET_PUBLISHED6 || rc == BPFNET_HAIRPIN6_ERR) {
		rc = rc == BPFNET_PUBLISHED6 ? published6(skb) : hairpin6_error(skb);
		if (rc == BPFNET_CONTINUE)
			rc = from_container6(skb, 1);
	}
	return rc;
}

#endif
