/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forwarding without the stack: to a container through its veth peer
 * (bpf_redirect_peer), or out where the FIB says (bpf_redirect_neigh).
 * Either way the packet loses one hop of TTL, as a router's would; what
 * the datapath cannot forward it leaves to the stack.
 */
#ifndef BPFNET_FORWARD_H
#define BPFNET_FORWARD_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "maps.h"
#include "mtu.h"
#include "nat.h"
#include "parse.h"
#include "stats.h"

/* Send a translated packet to a container through its veth peer. */
static __always_inline int deliver(struct __sk_buff *skb, struct pkt *p,
				   const struct bpfnet_cfg *cfg, __be32 caddr)
{
	struct bpfnet_endpoint *ep = bpf_map_lookup_elem(&endpoints, &caddr);

	if (!ep || p->ttl <= 1) {
		stat_inc(BPFNET_STAT_SLOW_PATH);
		return TC_ACT_OK;	/* the stack routes it over the bridge */
	}
	/*
	 * Addressed to the container now. Before 6.15 bpf_redirect_peer keeps
	 * the packet type the frame got on arrival, and a hairpin arrived on a
	 * bridge port addressed to the bridge: "otherhost", which the
	 * container's ip_rcv drops.
	 */
	if (dec_ttl(skb, p) ||
	    bpf_skb_store_bytes(skb, 0, ep->mac, ETH_ALEN, 0) ||
	    bpf_skb_store_bytes(skb, ETH_ALEN, cfg->bridge_mac, ETH_ALEN, 0) ||
	    bpf_skb_change_type(skb, PACKET_HOST))
		return drop(BPFNET_STAT_DROP_MALFORMED, caddr);
	stat_inc(BPFNET_STAT_FAST_IN);
	return bpf_redirect_peer(ep->host_ifindex, 0);
}

/*
 * A container's packet for a neighbour of the same network: straight to the
 * neighbour's veth peer, where the bridge would have sent it, but without
 * the bridge (so no br_netfilter FORWARD chain can drop it). No routing hop:
 * the TTL and the source MAC stay; the destination MAC becomes the
 * neighbour's, whatever the sender put there. Counted for both containers.
 */
static __always_inline int deliver_neighbour(struct __sk_buff *skb, const struct pkt *p,
					     const struct bpfnet_endpoint *ep)
{
	if (bpf_skb_store_bytes(skb, 0, ep->mac, ETH_ALEN, 0) ||
	    bpf_skb_change_type(skb, PACKET_HOST))
		return drop(BPFNET_STAT_DROP_MALFORMED, 0);
	stat_inc(BPFNET_STAT_FAST_L2);
	ep_tx(p->saddr, p->tot_len);
	ep_rx(p->daddr, p->tot_len);
	return bpf_redirect_peer(ep->host_ifindex, 0);
}

/*
 * Route the packet as the stack would route it coming in on the bridge,
 * checking tot_len against the route's MTU (0: the frame against the
 * egress device's MTU, once found). fib is zeroed by the caller, or holds
 * the ports the route may depend on. NO_NEIGH counts as found: it still
 * names the egress device and next hop, and bpf_redirect_neigh resolves
 * the neighbour.
 */
static __always_inline int fib_lookup4(struct __sk_buff *skb, const struct pkt *p,
				       const struct bpfnet_cfg *cfg,
				       struct bpf_fib_lookup *fib, __u16 tot_len)
{
	int rc;

	fib->family = AF_INET;
	fib->ifindex = cfg->bridge_ifindex;
	fib->l4_protocol = p->proto;
	fib->tos = p->tos;
	fib->tot_len = tot_len;
	fib->ipv4_src = p->saddr;
	fib->ipv4_dst = p->daddr;
	rc = bpf_fib_lookup(skb, fib, sizeof(*fib), 0);
	return rc == BPF_FIB_LKUP_RET_NO_NEIGH ? BPF_FIB_LKUP_RET_SUCCESS : rc;
}

/* The lookup with the packet's length, or a GSO segment's (mtu.h). */
static __always_inline int fib_route(struct __sk_buff *skb, const struct pkt *p,
				     const struct bpfnet_cfg *cfg,
				     struct bpf_fib_lookup *fib)
{
	return fib_lookup4(skb, p, cfg, fib, route_len(skb, p));
}

/*
 * The egress device of a route that failed fib_route's MTU check: the
 * kernel returns FRAG_NEEDED before it names the device, so look again
 * without the check. SUCCESS or FRAG_NEEDED (the frame against the
 * device's MTU), both with fib->ifindex set; anything else names none.
 */
static __always_inline int fib_route_dev(struct __sk_buff *skb, const struct pkt *p,
					 const struct bpfnet_cfg *cfg,
					 struct bpf_fib_lookup *fib)
{
	return fib_lookup4(skb, p, cfg, fib, 0);
}

/* One hop less, then to fib_route's next hop. BPFNET_ERR: TTL unchanged. */
static __always_inline int fib_redirect(struct __sk_buff *skb, struct pkt *p,
					const struct bpf_fib_lookup *fib)
{
	struct bpf_redir_neigh nh = { .nh_family = AF_INET, .ipv4_nh = fib->ipv4_dst };

	if (dec_ttl(skb, p))
		return BPFNET_ERR;
	stat_inc(BPFNET_STAT_FAST_OUT);
	return bpf_redirect_neigh(fib->ifindex, &nh, sizeof(nh), 0);
}

/*
 * Can a packet leave on the fast path, once translated? Routed (by its
 * untranslated addresses and ports, as from_container routes), within the
 * route's MTU, and a hop of TTL left. When not, the stack must have it
 * untranslated: it answers or fragments it, then the uplink egress
 * translates. fib is zeroed by the caller; on 1 it holds the next hop.
 */
static __always_inline int leaves_fast(struct __sk_buff *skb, const struct pkt *p,
				       const struct bpfnet_cfg *cfg,
				       struct bpf_fib_lookup *fib)
{
	fib->sport = p->sport;
	fib->dport = p->dport;
	return p->ttl > 1 && fib_route(skb, p, cfg, fib) == BPF_FIB_LKUP_RET_SUCCESS;
}

#endif
