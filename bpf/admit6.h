/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Admission of a container's IPv6 (from_container, with --subnet6): an
 * allow-list, as for IPv4.
 *
 *  - Router-only ICMPv6 is dropped whatever its source (drop_router_advert):
 *    router advertisements (134), redirects (137), MLD queries (130),
 *    router renumbering (138), multicast router advertisements (151). A
 *    container is never the bridge's router or querier.
 *  - ND messages the datapath does not check (inverse ND 141/142, SEND
 *    148/149) are dropped (drop_spoofed_nd).
 *  - The source must be the container's: its address in the subnet or its
 *    link-local address, each a key of endpoints6 naming its host veth
 *    (drop_spoofed_ip), from its MAC (drop_spoofed_mac). A link-local
 *    source only for ND and MLD, or to link-local and multicast
 *    destinations (drop_spoofed_ip: not usable off the link).
 *  - The unspecified source :: only for duplicate address detection (a
 *    neighbour solicitation to a solicited-node group, for one of its own
 *    addresses, without a source link-layer option) and MLD reports; its
 *    MAC is checked through the link-local entry of that MAC's EUI-64.
 *  - Neighbour solicitations, advertisements and router solicitations
 *    (drop_spoofed_nd): an advertisement's target must be one of the
 *    container's own addresses; every source or target link-layer address
 *    option must be its MAC; an ND message in fragments (options out of
 *    sight) is refused, as receivers do (RFC 6980). Router solicitations
 *    are admitted (the container's kernel sends them when its link comes
 *    up; the host, a router that answers them or not, and the other
 *    containers, which are not routers, ignore them) under the same
 *    option check.
 */
#ifndef BPFNET_ADMIT6_H
#define BPFNET_ADMIT6_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "maps.h"
#include "parse6.h"
#include "stats.h"

/* Options an ND message may carry before the datapath stops vouching for it. */
#define BPFNET_ND_MAX_OPTS 8
#define ND_OPT_SOURCE_LL 1
#define ND_OPT_TARGET_LL 2

/* Router-only ICMPv6 (see above). */
static __always_inline int icmp6_router_only(__u8 type)
{
	return type == ICMP6_ROUTER_ADVERT || type == ICMP6_REDIRECT ||
	       type == ICMP6_MLD_QUERY || type == ICMP6_ROUTER_RENUMBER ||
	       type == ICMP6_MRD_ADVERT;
}

/* ND messages whose claims are not checked here. */
static __always_inline int icmp6_nd_unchecked(__u8 type)
{
	return type == ICMP6_INV_NEIGH_SOLICIT || type == ICMP6_INV_NEIGH_ADVERT ||
	       type == ICMP6_CERT_PATH_SOLICIT || type == ICMP6_CERT_PATH_ADVERT;
}

static __always_inline int icmp6_mld_report(__u8 type)
{
	return type == ICMP6_MLD_REPORT || type == ICMP6_MLD_DONE ||
	       type == ICMP6_MLD2_REPORT;
}

/*
 * The endpoint of addr if it is the container's behind this host veth with
 * this MAC: NULL if addr is nobody's there (or another's), *mac_ok 0 when
 * it is this veth's but the MAC is not its.
 */
static __always_inline struct bpfnet_endpoint *ep6_here(struct __sk_buff *skb,
							 const struct bpfnet_in6 *addr,
							 const __u8 *mac, int *mac_ok)
{
	struct bpfnet_endpoint *ep = bpf_map_lookup_elem(&endpoints6, addr);

	if (!ep || ep->host_ifindex != skb->ifindex)
		return NULL;
	*mac_ok = mac_eq(ep->mac, mac);
	return ep;
}

/*
 * The link-layer address options of an ND message, from off to the end of
 * the packet: each must be mac; from :: none may be a source option. 0, or
 * the drop reason.
 */
static __always_inline int nd_opts_ok(struct __sk_buff *skb, const struct pkt6 *p6,
				      __u32 off, const __u8 *mac, int unspec)
{
	__u8 omac[ETH_ALEN] __attribute__((aligned(4)));
	struct {
		__u8 type, len;
	} o;

	for (int i = 0; i < BPFNET_ND_MAX_OPTS; i++) {
		if (off >= p6->end)
			return 0;
		if (off + 2 > p6->end || bpf_skb_load_bytes(skb, off, &o, 2) || !o.len)
			return BPFNET_STAT_DROP_MALFORMED;
		if (o.type == ND_OPT_SOURCE_LL || o.type == ND_OPT_TARGET_LL) {
			if (unspec && o.type == ND_OPT_SOURCE_LL)
				return BPFNET_STAT_DROP_SPOOF_ND;
			if (o.len != 1 || bpf_skb_load_bytes(skb, off + 2, omac, sizeof(omac)))
				return BPFNET_STAT_DROP_MALFORMED;
			if (!mac_eq(omac, mac))
				return BPFNET_STAT_DROP_SPOOF_ND;
		}
		off += (__u32)o.len * 8;
	}
	/* more options than it vouches for */
	return off >= p6->end ? 0 : BPFNET_STAT_DROP_SPOOF_ND;
}

/*
 * NS, NA and RS from the container whose MAC is mac. unspec: sent from ::
 * (duplicate address detection). 0, or the drop reason.
 */
static __always_inline int nd_ok(struct __sk_buff *skb, const struct pkt6 *p6,
				 const __u8 *mac, int unspec)
{
	__u8 type = p6->p.icmp_type;
	struct bpfnet_in6 target;
	int mac_ok = 0;

	if (p6->p.frag)
		return BPFNET_STAT_DROP_SPOOF_ND;
	if (type == ICMP6_ROUTER_SOLICIT)
		return nd_opts_ok(skb, p6, p6->p.l4off + 8, mac, unspec);
	if (bpf_skb_load_bytes(skb, p6->p.l4off + 8, &target, sizeof(target)))
		return BPFNET_STAT_DROP_MALFORMED;
	/* an advertisement speaks for its target; so does a probe from :: */
	if ((type == ICMP6_NEIGH_ADVERT || unspec) &&
	    (!ep6_here(skb, &target, mac, &mac_ok) || !mac_ok))
		return BPFNET_STAT_DROP_SPOOF_ND;
	return nd_opts_ok(skb, p6, p6->p.l4off + 24, mac, unspec);
}

/* ICMPv6 that may come from ::: DAD probes and MLD reports (RFC 4862, 3810). */
static __always_inline int unspec_allowed(const struct pkt6 *p6)
{
	if (p6->p.proto != NEXTHDR_ICMP6 || p6->p.frag_later)
		return 0;
	if (p6->p.icmp_type == ICMP6_NEIGH_SOLICIT)
		return in6_solicited_node(&p6->daddr);
	return icmp6_mld_report(p6->p.icmp_type);
}

/*
 * A container's IPv6 frame on its host veth: 0 when admitted, else the
 * drop verdict (counted). See the top of this file.
 */
static __always_inline int admit6(struct __sk_buff *skb, const struct pkt6 *p6)
{
	int icmp = p6->p.proto == NEXTHDR_ICMP6 && !p6->p.frag_later, mac_ok = 0, rc;
	int unspec = in6_is_zero(&p6->saddr);
	__u8 mac[ETH_ALEN] __attribute__((aligned(4)));
	struct bpfnet_in6 ll;

	if (icmp && icmp6_router_only(p6->p.icmp_type))
		return drop(BPFNET_STAT_DROP_RA, 0);
	if (icmp && icmp6_nd_unchecked(p6->p.icmp_type))
		return drop(BPFNET_STAT_DROP_SPOOF_ND, 0);
	if (bpf_skb_load_bytes(skb, ETH_ALEN, mac, sizeof(mac)))
		return drop(BPFNET_STAT_DROP_MALFORMED, 0);
	if (unspec) {
		if (!unspec_allowed(p6))
			return drop(BPFNET_STAT_DROP_SPOOF_IP, 0);
		/* no address to go by: the MAC must be the one whose EUI-64
		 * link-local is this veth's container's */
		in6_eui64_linklocal(&ll, mac);
		if (!ep6_here(skb, &ll, mac, &mac_ok) || !mac_ok)
			return drop(BPFNET_STAT_DROP_SPOOF_MAC, 0);
	} else {
		if (!ep6_here(skb, &p6->saddr, mac, &mac_ok))
			return drop(BPFNET_STAT_DROP_SPOOF_IP, 0);
		if (!mac_ok)
			return drop(BPFNET_STAT_DROP_SPOOF_MAC, 0);
		if (in6_linklocal(&p6->saddr) && !icmp6_link_scope(&p6->p) &&
		    !in6_linklocal(&p6->daddr) && !in6_multicast(&p6->daddr))
			return drop(BPFNET_STAT_DROP_SPOOF_IP, 0);
	}
	if (!icmp || (p6->p.icmp_type != ICMP6_NEIGH_SOLICIT &&
		      p6->p.icmp_type != ICMP6_NEIGH_ADVERT &&
		      p6->p.icmp_type != ICMP6_ROUTER_SOLICIT))
		return 0;
	rc = nd_ok(skb, p6, mac, unspec);
	return rc ? drop(rc, 0) : 0;
}

#endif
