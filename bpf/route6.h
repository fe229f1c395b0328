/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 forwarding without the stack, as forward.h does for IPv4: to a
 * neighbour through its veth peer, into a container from the uplink
 * (bpf_redirect_peer), out where the FIB says (bpf_redirect_neigh). A
 * routed packet loses one hop of its hop limit (no header checksum in
 * IPv6: only the byte changes). The FIB lookup starts at the bridge, whose
 * IPv6 forwarding (net.ipv6.conf.BRIDGE.forwarding) the hook turns on;
 * never all.forwarding.
 */
#ifndef BPFNET_ROUTE6_H
#define BPFNET_ROUTE6_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "maps.h"
#include "mtu.h"
#include "parse6.h"
#include "stats.h"

#define AF_INET6 10

/* The network's IPv6 settings, or NULL without --subnet6. */
static __always_inline const struct bpfnet_cfg6 *get_cfg6(void)
{
	__u32 zero = 0;
	const struct bpfnet_cfg6 *c = bpf_map_lookup_elem(&net_config6, &zero);

	return c && c->enabled ? c : NULL;
}

/* Is a in the --subnet6 prefix (prefix_len 64 to 120, as the hook checks)? */
static __always_inline int in_subnet6(const struct bpfnet_cfg6 *c,
				      const struct bpfnet_in6 *a)
{
	__u32 plen = c->prefix_len, bits, mask;

	if (plen < 64 || plen > 128)
		return 0;
	if (a->a[0] != c->subnet.a[0] || a->a[1] != c->subnet.a[1])
		return 0;
	for (int w = 2; w < 4; w++) {
		bits = plen > 32 * w ? plen - 32 * w : 0;
		if (bits > 32)
			bits = 32;
		mask = bits ? bpf_htonl(~0U << (32 - bits)) : 0;
		if ((a->a[w] & mask) != c->subnet.a[w])
			return 0;
	}
	return 1;
}

/* One hop less, as a router does. */
static __always_inline int dec_hoplimit(struct __sk_buff *skb, const struct pkt *p)
{
	__u8 hl = p->ttl - 1;

	return bpf_skb_store_bytes(skb, ETH_HLEN + IP6_HOPLIMIT_OFF, &hl, 1, 0);
}

/*
 * A container's packet for a neighbour of the same network (its address in
 * the subnet or its link-local one): straight to its veth peer, no hop, as
 * deliver_neighbour does for IPv4.
 */
static __always_inline int deliver_neighbour6(struct __sk_buff *skb,
					      const struct bpfnet_endpoint *ep, __u32 len)
{
	if (bpf_skb_store_bytes(skb, 0, ep->mac, ETH_ALEN, 0) ||
	    bpf_skb_change_type(skb, PACKET_HOST))
		return drop(BPFNET_STAT_DROP_MALFORMED, 0);
	stat_inc(BPFNET_STAT_FAST_L2);
	ep_rx(ep->ip4, len);
	return bpf_redirect_peer(ep->host_ifindex, 0);
}

/*
 * A packet from outside for a container: into it through its veth peer,
 * one hop less, from the bridge's MAC; one whose hop limit runs out here
 * goes to the stack as it is (which answers it, if it forwards IPv6).
 */
static __always_inline int deliver6(struct __sk_buff *skb, const struct pkt6 *p6,
				    const struct bpfnet_cfg *cfg)
{
	struct bpfnet_endpoint *ep = bpf_map_lookup_elem(&endpoints6, &p6->daddr);

	if (!ep || p6->p.ttl <= 1) {
		stat_inc(BPFNET_STAT_SLOW_PATH);
		return TC_ACT_OK;
	}
	if (dec_hoplimit(skb, &p6->p) ||
	    bpf_skb_store_bytes(skb, 0, ep->mac, ETH_ALEN, 0) ||
	    bpf_skb_store_bytes(skb, ETH_ALEN, cfg->bridge_mac, ETH_ALEN, 0) ||
	    bpf_skb_change_type(skb, PACKET_HOST))
		return drop(BPFNET_STAT_DROP_MALFORMED, 0);
	stat_inc(BPFNET_STAT_FAST_IN);
	ep_rx(ep->ip4, p6->p.tot_len);
	return bpf_redirect_peer(ep->host_ifindex, 0);
}

/*
 * Route a container's packet as the stack would route it coming in on the
 * bridge, checking len against the route's MTU (0: none). NO_NEIGH counts
 * as found, as in fib_lookup4.
 */
static __always_inline int fib_lookup6(struct __sk_buff *skb, const struct pkt6 *p6,
				       const struct bpfnet_cfg *cfg,
				       struct bpf_fib_lookup *fib, __u16 len)
{
	int rc;

	fib->family = AF_INET6;
	fib->ifindex = cfg->bridge_ifindex;
	fib->l4_protocol = p6->p.proto;
	fib->sport = p6->p.sport;
	fib->dport = p6->p.dport;
	fib->flowinfo = p6->flowinfo;
	fib->tot_len = len;
	__builtin_memcpy(fib->ipv6_src, &p6->saddr, sizeof(fib->ipv6_src));
	__builtin_memcpy(fib->ipv6_dst, &p6->daddr, sizeof(fib->ipv6_dst));
	rc = bpf_fib_lookup(skb, fib, sizeof(*fib), 0);
	return rc == BPF_FIB_LKUP_RET_NO_NEIGH ? BPF_FIB_LKUP_RET_SUCCESS : rc;
}

/*
 * May a container's packet go where the FIB sends it (route_allowed for
 * IPv6)? Its subnet and the host (unless --isolate) were decided before;
 * here: the outside by the uplink only, never another network of the host,
 * and under --isolate no connection opened to another address of the
 * host. 0: allowed; else a drop verdict. fib->ifindex is the uplink after
 * SUCCESS and FRAG_NEEDED.
 */
static __always_inline int route_allowed6(struct __sk_buff *skb, const struct pkt6 *p6,
					  const struct bpfnet_cfg *cfg,
					  struct bpf_fib_lookup *fib, int rc)
{
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		break;
	case BPF_FIB_LKUP_RET_NOT_FWDED:
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		if (cfg->isolate && opens_conn6(&p6->p))
			return drop(BPFNET_STAT_DROP_ISOLATED, 0);
		return 0;
	case BPF_FIB_LKUP_RET_BLACKHOLE:
	case BPF_FIB_LKUP_RET_UNREACHABLE:
	case BPF_FIB_LKUP_RET_PROHIBIT:
		return 0;	/* routed nowhere: the stack drops it or answers */
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		/* the MTU check ends the lookup before it names the device */
		__builtin_memset(fib, 0, sizeof(*fib));
		/* (0: the frame against the device's MTU, once named) */
		rc = fib_lookup6(skb, p6, cfg, fib, 0);
		if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_FRAG_NEEDED)
			return drop(BPFNET_STAT_DROP_OTHER_NET, 0);
		break;
	default:
		return drop(BPFNET_STAT_DROP_OTHER_NET, 0);
	}
	if (!cfg->uplink_ifindex || fib->ifindex != cfg->uplink_ifindex)
		return drop(BPFNET_STAT_DROP_OTHER_NET, 0);
	return 0;
}

/* One hop less, then to the FIB's next hop. BPFNET_ERR: unchanged. */
static __always_inline int fib_redirect6(struct __sk_buff *skb, const struct pkt6 *p6,
					 const struct bpf_fib_lookup *fib)
{
	struct bpf_redir_neigh nh = { .nh_family = AF_INET6 };

	__builtin_memcpy(nh.ipv6_nh, fib->ipv6_dst, sizeof(nh.ipv6_nh));
	if (dec_hoplimit(skb, &p6->p))
		return BPFNET_ERR;
	stat_inc(BPFNET_STAT_FAST_OUT);
	return bpf_redirect_neigh(fib->ifindex, &nh, sizeof(nh), 0);
}

#endif
