/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT66 of IPv6 protocols without ports (GRE, ESP, SCTP, anything but TCP,
 * UDP and ICMPv6), by address only, as protonat.h does for IPv4: the
 * container's source becomes the uplink's address and replies from that
 * remote come back to it. With no port to tell flows apart, one container
 * holds a remote for a protocol at a time: its flow (ports 0; in ct6_new
 * until answered, then conntrack6) owns the reply tuple (remote, uplink,
 * 0, 0, protocol) in rev_nat6, whatever the flow's tier;
 * another container's packets to that remote are dropped
 * (drop_protocol_remote_taken) until the holder's flow has expired. No
 * transport checksum covers the IPv6 addresses of these protocols, so only
 * the address changes (and skb->csum with it). Not covered, as for IPv4:
 * UDP-Lite and DCCP, whose checksums cover a pseudo header.
 */
#ifndef BPFNET_PROTONAT6_H
#define BPFNET_PROTONAT6_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "ct6.h"
#include "maps.h"
#include "parse6.h"
#include "stats.h"

/* A packet (or first fragment) of a protocol masqueraded by address only? */
static __always_inline int proto_other6(const struct pkt *p)
{
	return !p->frag_later && p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP &&
	       p->proto != NEXTHDR_ICMP6;
}

/* Rewrite the source (src 1) or destination address, nothing else. */
static __always_inline int proto6_addr(struct __sk_buff *skb, int src,
				       const struct bpfnet_in6 *to)
{
	return bpf_skb_store_bytes(skb, ETH_HLEN + (src ? IP6_SADDR_OFF : IP6_DADDR_OFF),
				   to, sizeof(*to), BPF_F_RECOMPUTE_CSUM);
}

/*
 * Make the remote of flow k (reply tuple r) the container's: 0, or
 * BPFNET_ERR while another container's live flow holds it.
 */
static __always_inline int proto6_claim(const struct bpfnet_flow6 *k,
					const struct bpfnet_flow6 *r, __u64 now)
{
	struct bpfnet_flow6 *cur;
	int main;

	if (!bpf_map_update_elem(&rev_nat6, r, k, BPF_NOEXIST))
		return 0;
	cur = bpf_map_lookup_elem(&rev_nat6, r);
	if (!cur)
		return BPFNET_ERR;
	if (flow6_eq(cur, k))
		return 0;
	if (ct6_find(cur, now, &main))	/* answered or not */
		return BPFNET_ERR;
	/* the last holder went quiet (or its flow is gone): taken over */
	return bpf_map_update_elem(&rev_nat6, r, k, BPF_ANY) ? BPFNET_ERR : 0;
}

/* A container's packet of such a protocol leaving: TC_ACT_OK, or a drop verdict. */
static __noinline int nat6_out_proto(struct __sk_buff *skb, const struct pkt6 *p6,
				     const struct bpfnet_in6 *up)
{
	struct bpfnet_flow6 k = {}, r = {};
	__u64 now = bpf_ktime_get_ns();
	struct bpfnet_ct6 *ct;
	int main;

	if (in6_is_zero(up))
		return drop(BPFNET_STAT_DROP_NO_UPLINK_ADDR, 0);
	flow6_of(p6, &k);
	ct = ct6_find(&k, now, &main);
	if (!ct) {	/* the stack's (the datapath notes the flows it routes) */
		ct6_out(p6, now);
		ct = ct6_find(&k, now, &main);
		if (!ct)
			return drop(BPFNET_STAT_DROP_NO_PORT, 0);
	}
	r.saddr = k.daddr;
	r.daddr = *up;
	r.proto = k.proto;
	if (proto6_claim(&k, &r, now))
		return drop(BPFNET_STAT_DROP_PROTO_TAKEN, 0);
	ct->nat_addr6 = *up;
	ct->ct.nat_port = 0;
	if (proto6_addr(skb, 1, up))
		return drop(BPFNET_STAT_DROP_CSUM, 0);
	stat_inc(BPFNET_STAT_PROTO_NAT_PKTS);
	return TC_ACT_OK;
}

/*
 * Such a packet from the remote to the uplink's address: to the container
 * whose live flow holds it (p6 then names the container) and 0, or
 * BPFNET_CONTINUE (the host's own: an IPsec tunnel...), or a drop verdict.
 */
static __always_inline int nat6_in_proto(struct __sk_buff *skb, struct pkt6 *p6)
{
	__u64 now = bpf_ktime_get_ns();
	struct bpfnet_flow6 r = {}, k, *rv;
	struct bpfnet_ct6 *ct;

	flow6_of(p6, &r);
	rv = bpf_map_lookup_elem(&rev_nat6, &r);
	if (!rv)
		return BPFNET_CONTINUE;
	k = *rv;
	ct = ct6_answered(&k, now, 1);	/* promoted by its first reply */
	if (!ct || !in6_eq(&ct->nat_addr6, &p6->daddr))
		return BPFNET_CONTINUE;
	ct_touch(&ct->ct, &p6->p, 1, now);
	if (proto6_addr(skb, 0, &k.saddr))
		return drop(BPFNET_STAT_DROP_CSUM, 0);
	p6->daddr = k.saddr;
	stat_inc(BPFNET_STAT_PROTO_NAT_PKTS);
	return 0;
}

#endif
