/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT66, ICMPv6 errors a container sends (port unreachable, Packet Too
 * Big, time exceeded, parameter problem) about a packet it received: the
 * reply of one of its masqueraded flows, which reached it translated
 * (nat6_in). The remote knows that packet as it was sent, to the uplink's
 * address and the flow's translated port, so the error leaves as
 * IPv4's does (icmp_err.h): its source the uplink's address, the quoted
 * destination address and port the translated ones, the ICMPv6 checksum
 * fixed for each (the outer address through the pseudo header; the quoted
 * transport checksum is left as it came, as nat6_in_error leaves it:
 * receivers do not check it). Translated at the uplink's egress, where
 * from_container's redirect and the stack's forwarding both arrive.
 */
#ifndef BPFNET_ICMP_ERR6_H
#define BPFNET_ICMP_ERR6_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "ct6.h"
#include "maps.h"
#include "nat6.h"
#include "parse6.h"
#include "stats.h"

/*
 * The container's flow a quoted packet it received belongs to: the quoted
 * tuple turned round (TCP, UDP; an echo reply's id is the flow's sport).
 * 0 and *k, or BPFNET_ERR (a quoted extension header, another protocol).
 */
static __always_inline int quoted6_flow(struct __sk_buff *skb, __u32 qip,
					struct bpfnet_flow6 *k, __u32 *qport)
{
	struct ipv6hdr ip;
	__u8 l4[6];

	if (bpf_skb_load_bytes(skb, qip, &ip, sizeof(ip)) ||
	    bpf_skb_load_bytes(skb, qip + IPV6_HLEN, l4, sizeof(l4)))
		return BPFNET_ERR;
	__builtin_memcpy(&k->saddr, &ip.daddr, sizeof(k->saddr));
	__builtin_memcpy(&k->daddr, &ip.saddr, sizeof(k->daddr));
	k->proto = ip.nexthdr;
	switch (ip.nexthdr) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		k->sport = *(__be16 *)&l4[2];
		k->dport = *(__be16 *)&l4[0];
		*qport = qip + IPV6_HLEN + 2;	/* the quoted destination port */
		return 0;
	case NEXTHDR_ICMP6:
		if (l4[0] != ICMP6_ECHO_REPLY)
			return BPFNET_ERR;
		k->sport = *(__be16 *)&l4[4];
		k->dport = 0;
		*qport = qip + IPV6_HLEN + 4;	/* the echo identifier */
		return 0;
	default:
		return BPFNET_ERR;
	}
}

/*
 * A container's ICMPv6 error leaving by the uplink (nat6_out): translated
 * as above and TC_ACT_OK, or dropped (drop_nat66_unsupported) when it is
 * about no live flow of the container: its own address never leaves.
 */
static __noinline int nat6_out_error(struct __sk_buff *skb, struct pkt6 *p6,
				     const struct bpfnet_in6 *up)
{
	__u32 csum = p6->p.l4off + 2, qip = p6->p.l4off + 8, qport = 0;
	struct bpfnet_in6 caddr = p6->saddr, nat;
	struct bpfnet_flow6 k = {};
	struct bpfnet_ct6 *ct;
	__be16 port;
	__s64 diff;
	int main;

	if (in6_is_zero(up))
		return drop(BPFNET_STAT_DROP_NO_UPLINK_ADDR, 0);
	if (quoted6_flow(skb, qip, &k, &qport) || !in6_eq(&k.saddr, &caddr))
		return drop(BPFNET_STAT_DROP_NAT66_UNSUPPORTED, 0);
	ct = ct6_find(&k, bpf_ktime_get_ns(), &main);
	if (!ct || !in6_eq(&ct->nat_addr6, up))
		return drop(BPFNET_STAT_DROP_NAT66_UNSUPPORTED, 0);
	nat = ct->nat_addr6;
	port = ct->ct.nat_port;
	diff = bpf_csum_diff((__be32 *)&caddr, 16, (__be32 *)&nat, 16, 0);
	if (diff < 0 || nat6_addr(skb, p6, 1, &caddr, &nat) ||
	    bpf_l4_csum_replace(skb, csum, 0, diff, 0) ||
	    bpf_skb_store_bytes(skb, qip + IP6_DADDR_OFF, &nat, 16, 0) ||
	    bpf_l4_csum_replace(skb, csum, k.sport, port, sizeof(port)) ||
	    bpf_skb_store_bytes(skb, qport, &port, sizeof(port), 0))
		return drop(BPFNET_STAT_DROP_CSUM, 0);
	p6->saddr = nat;
	stat_inc(BPFNET_STAT_ICMP_ERR_XLATED);
	return TC_ACT_OK;
}

#endif
