/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rewriting addresses and ports with correct checksums. An address change
 * fixes the IP header checksum and, through the pseudo header, the TCP/UDP
 * checksum; a port change fixes only the L4 checksum. The csum helpers know
 * CHECKSUM_PARTIAL (TX offload, GSO) from complete checksums, and
 * BPF_F_MARK_MANGLED_0 keeps a zero ("none") UDP checksum zero.
 */
#ifndef BPFNET_NAT_H
#define BPFNET_NAT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "consts.h"
#include "parse.h"

#define NO_L4_CSUM (-1)

/* Where the L4 checksum sits in its header, or NO_L4_CSUM. */
static __always_inline int l4_csum_off(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 16;
	case IPPROTO_UDP:
		return 6;
	case IPPROTO_ICMP:
		return 2;
	}
	return NO_L4_CSUM;
}

/* Replace the source (src=1) or destination address of the packet. */
static __always_inline int nat_addr(struct __sk_buff *skb, struct pkt *p,
				    int src, __be32 from, __be32 to)
{
	int coff = l4_csum_off(p->proto);
	__u64 flags = BPF_F_PSEUDO_HDR | sizeof(to);

	if (p->proto == IPPROTO_UDP)
		flags |= BPF_F_MARK_MANGLED_0;
	/* ICMP has no pseudo header; fragments after the first have no L4 */
	if (coff != NO_L4_CSUM && p->proto != IPPROTO_ICMP && !p->frag_later &&
	    bpf_l4_csum_replace(skb, p->l4off + coff, from, to, flags))
		return BPFNET_ERR;
	if (bpf_l3_csum_replace(skb, ETH_HLEN + IP_CSUM_OFF, from, to, sizeof(to)))
		return BPFNET_ERR;
	return bpf_skb_store_bytes(skb, ETH_HLEN + (src ? IP_SADDR_OFF : IP_DADDR_OFF),
				   &to, sizeof(to), 0);
}

/* Replace the source or destination port (the ICMP echo id for ICMP). */
static __always_inline int nat_port(struct __sk_buff *skb, struct pkt *p,
				    int src, __be16 from, __be16 to)
{
	int coff = l4_csum_off(p->proto);
	__u64 flags = sizeof(to);
	__u32 off;

	if (from == to)
		return 0;
	if (coff == NO_L4_CSUM)
		return BPFNET_ERR;
	if (p->proto == IPPROTO_UDP)
		flags |= BPF_F_MARK_MANGLED_0;
	off = p->proto == IPPROTO_ICMP ? 4 : (src ? 0 : 2);
	if (bpf_l4_csum_replace(skb, p->l4off + coff, from, to, flags))
		return BPFNET_ERR;
	return bpf_skb_store_bytes(skb, p->l4off + off, &to, sizeof(to), 0);
}

/* Forwarding: one hop less, as a router does. */
static __always_inline int dec_ttl(struct __sk_buff *skb, struct pkt *p)
{
	__be16 from = bpf_htons(((__u16)p->ttl << 8) | p->proto);
	__be16 to = bpf_htons(((__u16)(p->ttl - 1) << 8) | p->proto);
	__u8 ttl = p->ttl - 1;

	if (bpf_l3_csum_replace(skb, ETH_HLEN + IP_CSUM_OFF, from, to, sizeof(to)))
		return BPFNET_ERR;
	return bpf_skb_store_bytes(skb, ETH_HLEN + IP_TTL_OFF, &ttl, 1, 0);
}

#endif
