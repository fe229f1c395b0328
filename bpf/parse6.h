/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 parsing: the fixed header, a bounded walk over the extension
 * headers (hop-by-hop, routing, destination options, fragment), and the L4
 * fields the datapath needs, in a struct pkt (parse.h) so that the flow
 * logic of ct.h runs on IPv6 packets unchanged: ports, TCP flags, sequence
 * and acknowledgement numbers, the hop limit in ttl, the IPv6 length (40 +
 * payload) in tot_len. The addresses are in struct pkt6 (pkt's IPv4 ones
 * stay 0).
 */
#ifndef BPFNET_PARSE6_H
#define BPFNET_PARSE6_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "parse.h"

#define IPV6_HLEN 40
#define IP6_HOPLIMIT_OFF 7	/* inside the IPv6 header */
#define IP6_SADDR_OFF 8
#define IP6_DADDR_OFF 24

/* Next-header values (defines in the UAPI, not in vmlinux.h). */
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_ICMP6 58
#define NEXTHDR_DEST 60

/*
 * At most this many extension headers before the upper layer: more is
 * dropped as malformed (a real sender uses two or three; a long chain only
 * pushes the L4 header out of reach of filters, RFC 7112).
 */
#define BPFNET_MAX_EXT6 6

/* ICMPv6 types (RFC 4443, 4861, 3810). */
#define ICMP6_DST_UNREACH 1
#define ICMP6_PKT_TOOBIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAMPROB 4
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_MLD_QUERY 130
#define ICMP6_MLD_REPORT 131
#define ICMP6_MLD_DONE 132
#define ICMP6_ROUTER_SOLICIT 133
#define ICMP6_ROUTER_ADVERT 134
#define ICMP6_NEIGH_SOLICIT 135
#define ICMP6_NEIGH_ADVERT 136
#define ICMP6_REDIRECT 137
#define ICMP6_ROUTER_RENUMBER 138
#define ICMP6_INV_NEIGH_SOLICIT 141
#define ICMP6_INV_NEIGH_ADVERT 142
#define ICMP6_MLD2_REPORT 143
#define ICMP6_CERT_PATH_SOLICIT 148
#define ICMP6_CERT_PATH_ADVERT 149
#define ICMP6_MRD_ADVERT 151

/* What one IPv6 packet looks like to the datapath. */
struct pkt6 {
	struct pkt p;		/* L4 fields, hop limit (ttl), IPv6 length (tot_len) */
	struct bpfnet_in6 saddr, daddr;
	__be32 flowinfo;	/* traffic class and flow label, as the FIB takes them */
	__be32 frag_id;		/* a fragment's identification (p.frag) */
	__u32 end;		/* offset of the end of the IPv6 payload */
};

static __always_inline int in6_eq(const struct bpfnet_in6 *a, const struct bpfnet_in6 *b)
{
	return a->a[0] == b->a[0] && a->a[1] == b->a[1] && a->a[2] == b->a[2] &&
	       a->a[3] == b->a[3];
}

static __always_inline int in6_is_zero(const struct bpfnet_in6 *a)
{
	return !(a->a[0] | a->a[1] | a->a[2] | a->a[3]);
}

/* fe80::/10, link-local unicast. */
static __always_inline int in6_linklocal(const struct bpfnet_in6 *a)
{
	return (a->a[0] & bpf_htonl(0xffc00000)) == bpf_htonl(0xfe800000);
}

/* ff00::/8, multicast. */
static __always_inline int in6_multicast(const struct bpfnet_in6 *a)
{
	return (a->a[0] & bpf_htonl(0xff000000)) == bpf_htonl(0xff000000);
}

/* ff02::1:ff00:0/104, a solicited-node group (neighbour solicitations). */
static __always_inline int in6_solicited_node(const struct bpfnet_in6 *a)
{
	return a->a[0] == bpf_htonl(0xff020000) && a->a[1] == 0 &&
	       a->a[2] == bpf_htonl(1) &&
	       (a->a[3] & bpf_htonl(0xff000000)) == bpf_htonl(0xff000000);
}

/* fe80::/64 with the EUI-64 interface identifier of mac (RFC 4291 2.5.1). */
static __always_inline void in6_eui64_linklocal(struct bpfnet_in6 *a, const __u8 *mac)
{
	a->a[0] = bpf_htonl(0xfe800000);
	a->a[1] = 0;
	a->a[2] = bpf_htonl(((__u32)(mac[0] ^ 2) << 24) | ((__u32)mac[1] << 16) |
			    ((__u32)mac[2] << 8) | 0xff);
	a->a[3] = bpf_htonl(0xfe000000 | ((__u32)mac[3] << 16) | ((__u32)mac[4] << 8) |
			    mac[5]);
}

/*
 * ICMPv6: type and code noted; echo has its identifier as a port (as
 * IPv4's, parse_l4); errors carry a packet.
 */
static __always_inline int parse_icmp6(struct __sk_buff *skb, struct pkt *p)
{
	__u8 h[6];

	if (bpf_skb_load_bytes(skb, p->l4off, h, 2))
		return BPFNET_ERR;
	p->icmp_type = h[0];
	if (h[0] >= ICMP6_DST_UNREACH && h[0] <= ICMP6_PARAMPROB) {
		p->icmp_error = 1;
		return 0;
	}
	if (h[0] != ICMP6_ECHO_REQUEST && h[0] != ICMP6_ECHO_REPLY)
		return 0;
	if (bpf_skb_load_bytes(skb, p->l4off, h, sizeof(h)))
		return BPFNET_ERR;
	if (h[0] == ICMP6_ECHO_REQUEST) {
		p->sport = *(__be16 *)&h[4];
		p->dport = 0;
	} else {
		p->sport = 0;
		p->dport = *(__be16 *)&h[4];
	}
	p->has_ports = 1;
	return 0;
}

/*
 * The extension headers, at most BPFNET_MAX_EXT6 of them: hop-by-hop only
 * first, a fragment header noted (a later fragment has no L4 header), a
 * type 0 routing header with segments left refused (RFC 5095). On return
 * p->proto is the upper-layer protocol and p->l4off its offset.
 */
static __always_inline int parse_ext6(struct __sk_buff *skb, struct pkt *p, __u8 nh,
				      __be32 *frag_id)
{
	__u32 off = ETH_HLEN + IPV6_HLEN;
	struct {
		__u8 nexthdr, len, type, left;
	} e;
	int frags = 0;
	__be16 frag_off;

	/* the extension headers, then the upper layer: one more turn */
	for (int i = 0; i <= BPFNET_MAX_EXT6; i++) {
		switch (nh) {
		case NEXTHDR_HOP:
			if (i)
				return BPFNET_ERR;
			/* fall through */
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
			if (i == BPFNET_MAX_EXT6 ||
			    bpf_skb_load_bytes(skb, off, &e, sizeof(e)))
				return BPFNET_ERR;
			if (nh == NEXTHDR_ROUTING && e.type == 0 && e.left)
				return BPFNET_ERR;
			off += ((__u32)e.len + 1) * 8;
			nh = e.nexthdr;
			continue;
		case NEXTHDR_FRAGMENT:
			if (i == BPFNET_MAX_EXT6 || frags++ || bpf_skb_load_bytes(skb, off, &e, 2) ||
			    bpf_skb_load_bytes(skb, off + 2, &frag_off, 2) ||
			    bpf_skb_load_bytes(skb, off + 4, frag_id, 4))
				return BPFNET_ERR;
			/* offset (13 bits, 8-byte units) and M, the last bit */
			p->frag = (bpf_ntohs(frag_off) & 0xfff9) != 0;
			p->frag_later = (bpf_ntohs(frag_off) & 0xfff8) != 0;
			off += 8;
			nh = e.nexthdr;
			continue;
		default:
			p->proto = nh;
			p->l4off = off;
			return 0;
		}
	}
	return BPFNET_ERR;	/* (not reached) */
}

/*
 * Parse an IPv6 packet behind an Ethernet header. BPFNET_ERR: not IPv6,
 * shorter than it says, or an extension header chain it cannot follow.
 */
static __always_inline int parse_ipv6(struct __sk_buff *skb, struct pkt6 *p6)
{
	struct ipv6hdr ip;
	__u32 len;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) || ip.version != 6)
		return BPFNET_ERR;
	len = bpf_ntohs(ip.payload_len);
	/* a jumbogram (0 with a hop-by-hop option) is not taken either */
	if (!len || ETH_HLEN + IPV6_HLEN + len > skb->len)
		return BPFNET_ERR;
	__builtin_memcpy(&p6->saddr, &ip.saddr, sizeof(p6->saddr));
	__builtin_memcpy(&p6->daddr, &ip.daddr, sizeof(p6->daddr));
	p6->flowinfo = *(__be32 *)&ip & bpf_htonl(0x0fffffff);
	p6->end = ETH_HLEN + IPV6_HLEN + len;
	p6->p.ttl = ip.hop_limit;
	p6->p.tot_len = IPV6_HLEN + len;
	if (parse_ext6(skb, &p6->p, ip.nexthdr, &p6->frag_id) || p6->p.l4off > p6->end)
		return BPFNET_ERR;
	if (p6->p.frag_later)
		return 0;
	if (p6->p.proto == NEXTHDR_ICMP6)
		return parse_icmp6(skb, &p6->p);
	return parse_l4(skb, &p6->p);
}

/* IPv6, untagged: datapath6.h's (a tagged frame is dropped as VLAN). */
static __always_inline int is_ipv6(struct __sk_buff *skb)
{
	__u16 proto;

	return !skb->vlan_present && !load_eth_proto(skb, &proto) && proto == ETH_P_IPV6;
}

/*
 * Does the packet start a conversation? TCP SYN, any UDP, ICMPv6 echo
 * request, any other protocol (as opens_conn for IPv4).
 */
static __always_inline int opens_conn6(const struct pkt *p)
{
	if (p->proto == IPPROTO_TCP)
		return (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
	if (p->proto == NEXTHDR_ICMP6)
		return p->icmp_type == ICMP6_ECHO_REQUEST;
	return 1;
}

/* Neighbour discovery and MLD: link-scope messages of the host and containers. */
static __always_inline int icmp6_link_scope(const struct pkt *p)
{
	if (p->proto != NEXTHDR_ICMP6 || p->frag_later)
		return 0;
	return (p->icmp_type >= ICMP6_MLD_QUERY && p->icmp_type <= ICMP6_REDIRECT) ||
	       p->icmp_type == ICMP6_MLD2_REPORT;
}

#endif
