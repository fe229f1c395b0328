/* SPDX-License-Identifier: GPL-2.0 */
/* Packet parsing: Ethernet, IPv4 and the L4 fields the NAT needs. */
#ifndef BPFNET_PARSE_H
#define BPFNET_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "consts.h"

/* What one IPv4 packet looks like to the datapath. */
struct pkt {
	__u32 l4off;		/* offset of the L4 header */
	__be32 saddr, daddr;
	__be16 sport, dport;	/* ICMP echo: id as sport (request) or dport (reply) */
	__u32 tcp_seq;		/* TCP: sequence number, host order */
	__u32 tcp_ack;		/* TCP: acknowledgement number, host order */
	__u16 tot_len;		/* host order */
	__be16 ip_id;		/* the IP identification: a fragment's datagram */
	__u8 proto;
	__u8 ttl;
	__u8 tos;
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 frag;		/* 1: a fragment (first or later) */
	__u8 frag_later;	/* 1: a fragment after the first: no L4 header */
	__u8 has_ports;		/* 1: sport/dport are meaningful */
	__u8 icmp_error;	/* 1: an ICMP error carrying a packet */
};

static __always_inline int mac_eq(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

static __always_inline int load_eth_proto(struct __sk_buff *skb, __u16 *proto)
{
	__be16 p;

	if (bpf_skb_load_bytes(skb, 12, &p, sizeof(p)))
		return BPFNET_ERR;
	*proto = bpf_ntohs(p);
	return 0;
}

/*
 * Ports of TCP/UDP, the echo id of ICMP; flags and errors noted. A first
 * fragment has its L4 header (its checksum covers the whole datagram); the
 * later ones have none.
 */
static __always_inline int parse_l4(struct __sk_buff *skb, struct pkt *p)
{
	struct {
		__be16 ports[2];
		__be32 seq, ack;
		__u8 doff, flags;
		__be16 window;
	} th;	/* the first 16 bytes of a TCP header, in one load */
	__be16 ports[2];
	__u8 b[2];

	if (p->frag_later)
		return 0;
	switch (p->proto) {
	case IPPROTO_TCP:
		if (bpf_skb_load_bytes(skb, p->l4off, &th, sizeof(th)))
			return BPFNET_ERR;
		ports[0] = th.ports[0];
		ports[1] = th.ports[1];
		p->tcp_seq = bpf_ntohl(th.seq);
		p->tcp_ack = bpf_ntohl(th.ack);
		p->tcp_flags = th.flags;
		break;
	case IPPROTO_UDP:
		if (bpf_skb_load_bytes(skb, p->l4off, ports, sizeof(ports)))
			return BPFNET_ERR;
		break;
	case IPPROTO_ICMP:
		if (bpf_skb_load_bytes(skb, p->l4off, b, sizeof(b)))
			return BPFNET_ERR;
		p->icmp_type = b[0];
		if (b[0] == ICMP_DEST_UNREACH || b[0] == ICMP_TIME_EXCEEDED ||
		    b[0] == ICMP_PARAMETERPROB) {
			p->icmp_error = 1;
			return 0;
		}
		if (b[0] != ICMP_ECHO && b[0] != ICMP_ECHOREPLY)
			return 0;
		if (bpf_skb_load_bytes(skb, p->l4off + 4, &ports[0], 2))
			return BPFNET_ERR;
		/* the id travels as the "port" of the side that chose it */
		if (b[0] == ICMP_ECHO) {
			ports[1] = 0;
		} else {
			ports[1] = ports[0];
			ports[0] = 0;
		}
		break;
	default:
		return 0;
	}
	p->sport = ports[0];
	p->dport = ports[1];
	p->has_ports = 1;
	return 0;
}

/* Parse an IPv4 packet behind an Ethernet header. BPFNET_ERR: not IPv4 or malformed. */
static __always_inline int parse_ipv4(struct __sk_buff *skb, struct pkt *p)
{
	struct iphdr ip;
	__u32 ihl;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
		return BPFNET_ERR;
	ihl = ip.ihl * 4;
	if (ip.version != 4 || ihl < sizeof(ip))
		return BPFNET_ERR;
	p->l4off = ETH_HLEN + ihl;
	p->saddr = ip.saddr;
	p->daddr = ip.daddr;
	p->proto = ip.protocol;
	p->ttl = ip.ttl;
	p->tos = ip.tos;
	p->tot_len = bpf_ntohs(ip.tot_len);
	p->ip_id = ip.id;
	p->frag = (bpf_ntohs(ip.frag_off) & (IP_MF | IP_OFFSET)) != 0;
	p->frag_later = (bpf_ntohs(ip.frag_off) & IP_OFFSET) != 0;
	return parse_l4(skb, p);
}

#endif
