/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT46 for published ports: an IPv4-only container published on IPv6
 * ("[::]:8080:80", or "8080:80" when the uplink has an IPv6 address) is
 * reached over IPv6 from outside, as docker-proxy reaches it, but in the
 * datapath. Its port_maps6 entry names its IPv4 address, IPv4-mapped
 * (::ffff:a.b.c.d).
 *
 *   client [2001:db8::2]:40000 -> [uplink]:8080         (IPv6, uplink ingress)
 *       becomes 172.19.0.1:gw_port -> 172.19.0.2:80      (IPv4, into the container)
 *   its replies 172.19.0.2:80 -> 172.19.0.1:gw_port      (from_container)
 *       become [uplink]:8080 -> [2001:db8::2]:40000      (IPv6, out the uplink)
 *
 * The container sees the bridge's gateway as its peer, from a port chosen
 * per flow in --snat-ports (nat46_claim: never one a host socket or an
 * IPv4 hairpin flow holds towards that container port). The flow is noted
 * in nat46_ct (the client's tuple) and nat46_rev (the container's replies'
 * tuple). Translation: bpf_skb_change_proto, a new IP header (hop limit
 * and TTL carried over, one hop less for the forwarding), the L4 checksum
 * moved from one pseudo header to the other (bpf_csum_diff of the
 * addresses, BPF_F_PSEUDO_HDR) and the ports replaced. TCP and UDP; not
 * fragments, extension headers or IPv4 options (left as they are: the
 * stack's), nor ICMP errors about these flows.
 */
#ifndef BPFNET_NAT46_H
#define BPFNET_NAT46_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpfnet_shared.h"
#include "config.h"
#include "consts.h"
#include "ct.h"
#include "flow.h"
#include "forward.h"
#include "hostsock.h"
#include "maps.h"
#include "nat6.h"
#include "parse.h"
#include "parse6.h"
#include "portmap6.h"
#include "stats.h"

#define NAT46_L4OFF4 (ETH_HLEN + 20)	/* IPv4 without options */
#define NAT46_L4OFF6 (ETH_HLEN + 40)	/* IPv6 without extension headers */

/* An IPv4 header without options, as written. */
struct nat46_ip4 {
	__u8 vihl, tos;
	__be16 tot_len, id, frag_off;
	__u8 ttl, proto;
	__be16 check;
	__be32 saddr, daddr;
};

/* An IPv6 header, as written. */
struct nat46_ip6 {
	__be32 vtcfl;
	__be16 plen;
	__u8 nexthdr, hop_limit;
	struct bpfnet_in6 saddr, daddr;
};

static __always_inline __u16 csum_fold32(__u64 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/*
 * The L4 header of a translated packet (at l4off): the checksum moved
 * from the old pseudo header to the new one (diff), then the ports.
 */
static __always_inline int nat46_l4(struct __sk_buff *skb, __u32 l4off, __u8 proto,
				    __s64 diff, const struct pkt *p,
				    __be16 sport, __be16 dport)
{
	__u32 at = l4off + l4_csum_off6(proto);
	__u64 mangled = proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;

	if (diff < 0 || bpf_l4_csum_replace(skb, at, 0, diff, BPF_F_PSEUDO_HDR | mangled))
		return BPFNET_ERR;
	if (sport != p->sport &&
	    (bpf_l4_csum_replace(skb, at, p->sport, sport, sizeof(sport) | mangled) ||
	     bpf_skb_store_bytes(skb, l4off, &sport, sizeof(sport), 0)))
		return BPFNET_ERR;
	if (dport != p->dport &&
	    (bpf_l4_csum_replace(skb, at, p->dport, dport, sizeof(dport) | mangled) ||
	     bpf_skb_store_bytes(skb, l4off + 2, &dport, sizeof(dport), 0)))
		return BPFNET_ERR;
	return 0;
}

/*
 * An IPv6 packet (p6, no extension headers) made IPv4: from the gateway's
 * gw_port to the container's address and port, TTL the hop limit (deliver
 * takes the hop off). 0 or BPFNET_ERR.
 */
static __noinline int nat46_to4(struct __sk_buff *skb, const struct pkt6 *p6,
				const struct bpfnet_nat46 *ct)
{
	struct nat46_ip4 ip = { .vihl = 0x45, .frag_off = bpf_htons(0x4000) };	/* DF */
	__be16 eth = bpf_htons(ETH_P_IP);
	__s64 diff;

	if (!skb || !p6 || !ct)
		return BPFNET_ERR;
	ip.ttl = p6->p.ttl;
	ip.proto = p6->p.proto;
	ip.saddr = ct->ct.hairpin_addr;
	ip.daddr = ct->ct.nat_addr;
	ip.tos = (__u8)(bpf_ntohl(p6->flowinfo) >> 20);
	ip.tot_len = bpf_htons(p6->p.tot_len - 20);
	ip.check = csum_fold32((__u32)bpf_csum_diff(NULL, 0, (__be32 *)&ip, sizeof(ip), 0));
	/* saddr and daddr follow each other in pkt6 and in the header */
	diff = bpf_csum_diff((__be32 *)&p6->saddr, 32, &ip.saddr, 8, 0);
	if (bpf_skb_change_proto(skb, eth, 0) ||
	    bpf_skb_store_bytes(skb, 12, &eth, sizeof(eth), 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &ip, sizeof(ip), BPF_F_RECOMPUTE_CSUM))
		return BPFNET_ERR;
	return nat46_l4(skb, NAT46_L4OFF4, p6->p.proto, diff, &p6->p,
			ct->gw_port, ct->ct.nat_port);
}

/*
 * A container's IPv4 reply (p, no options) made IPv6: from the address and
 * port the client dialled, to the client (k: its tuple), one hop less.
 */
static __noinline int nat46_to6(struct __sk_buff *skb, const struct pkt *p,
				const struct bpfnet_flow6 *k)
{
	struct nat46_ip6 ip = {};
	__be16 eth = bpf_htons(ETH_P_IPV6);
	__be32 a4[2];
	__s64 diff;

	if (!skb || !p || !k)
		return BPFNET_ERR;
	ip.vtcfl = bpf_htonl(0x60000000 | ((__u32)p->tos << 20));
	ip.plen = bpf_htons(p->tot_len - 20);
	ip.nexthdr = p->proto;
	ip.hop_limit = p->ttl - 1;
	ip.saddr = k->daddr;
	ip.daddr = k->saddr;
	a4[0] = p->saddr;
	a4[1] = p->daddr;
	diff = bpf_csum_diff(a4, sizeof(a4), (__be32 *)&ip.saddr, 32, 0);
	if (bpf_skb_change_proto(skb, eth, 0) ||
	    bpf_skb_store_bytes(skb, 12, &eth, sizeof(eth), 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &ip, sizeof(ip), BPF_F_RECOMPUTE_CSUM))
		return BPFNET_ERR;
	return nat46_l4(skb, NAT46_L4OFF6, p->proto, diff, p, k->dport, k->sport);
}

/*
 * Claim reply tuple r for client flow k in nat46_rev: free, or held by a
 * flow that is gone (expired, its entry lost, or now on another port).
 */
static __always_inline int nat46_rev_claim(const struct bpfnet_flow *r,
					   const struct bpfnet_flow6 *k, __u64 now)
{
	struct bpfnet_flow6 *held;
	struct bpfnet_nat46 *ct;

	if (!bpf_map_update_elem(&nat46_rev, r, k, BPF_NOEXIST))
		return 0;
	held = bpf_map_lookup_elem(&nat46_rev, r);
	if (!held)
		return BPFNET_ERR;
	ct = bpf_map_lookup_elem(&nat46_ct, held);
	if (ct && ct->ct.expires_ns > now && ct->gw_port == r->dport &&
	    ct->ct.nat_addr == r->saddr && ct->ct.nat_port == r->sport)
		return BPFNET_ERR;	/* a live flow's */
	return bpf_map_update_elem(&nat46_rev, r, k, BPF_ANY) ? BPFNET_ERR : 0;
}

/*
 * The gateway's port (v->gw_port) for client flow k to the container's
 * v->ct.nat_addr:nat_port: random ones of --snat-ports, never one a host
 * socket holds (a packet from the container's port to it would be the
 * host's) nor an IPv4 hairpin flow to that container port (dnat_rev). A
 * global function: its retries are verified once. 0, or BPFNET_ERR when
 * BPFNET_PORT_RETRIES were all taken.
 */
__noinline int nat46_claim(struct __sk_buff *skb, const struct bpfnet_flow6 *k,
			   const struct bpfnet_cfg *cfg, struct bpfnet_nat46 *v)
{
	__u64 now = bpf_ktime_get_ns();
	struct bpfnet_flow r = {};
	__u32 span;

	if (!skb || !k || !cfg || !v)
		return BPFNET_ERR;
	span = (__u32)cfg->port_max - cfg->port_min + 1;
	r.saddr = v->ct.nat_addr;
	r.daddr = cfg->gateway;
	r.sport = v->ct.nat_port;
	r.proto = k->proto;
	for (int i = 0; i < BPFNET_PORT_RETRIES; i++) {
		r.dport = bpf_htons(cfg->port_min + bpf_get_prandom_u32() % span);
		if (host_socket(skb, &r) || bpf_map_lookup_elem(&dnat_rev, &r) ||
		    bpf_map_lookup_elem(&dnat_rev_new, &r)) {
			stat_inc(BPFNET_STAT_HOST_PORT_SKIPPED);
			continue;
		}
		if (!nat46_rev_claim(&r, k, now)) {
			v->gw_port = r.dport;
			return 0;
		}
		stat_inc(BPFNET_STAT_PORT_RETRIES);
	}
	return BPFNET_ERR;
}

/*
 * A new flow k to a port published for an IPv4-only container: a TCP SYN
 * or a UDP datagram to a port of its address, or of every address when it
 * is the uplink's. Its entry, or NULL (not such a packet, or no port).
 */
static __always_inline struct bpfnet_nat46 *nat46_new(struct __sk_buff *skb,
						      const struct bpfnet_flow6 *k,
						      const struct pkt6 *p6,
						      const struct bpfnet_cfg *cfg,
						      const struct bpfnet_cfg6 *c6,
						      __u64 now)
{
	struct bpfnet_nat46 v = {};
	struct bpfnet_pm6_val *pm;
	int any;

	if (k->proto == IPPROTO_TCP &&
	    (p6->p.tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN)
		return NULL;
	any = !in6_is_zero(&c6->uplink_addr) && in6_eq(&k->daddr, &c6->uplink_addr);
	pm = pm6_find(&k->daddr, k->dport, k->proto, any);
	if (!pm || !in6_v4mapped(&pm->caddr))
		return NULL;
	v.ct.nat_addr = pm->caddr.a[3];
	v.ct.nat_port = pm->cport;
	v.ct.hairpin_addr = cfg->gateway;
	v.ct.created_ns = now;
	/* no port left: the host's stack answers it (a reset, unreachable) */
	if (nat46_claim(skb, k, cfg, &v))
		return NULL;
	if (bpf_map_update_elem(&nat46_ct, k, &v, BPF_ANY))
		return NULL;
	stat_inc(BPFNET_STAT_DNAT_FLOWS);
	return bpf_map_lookup_elem(&nat46_ct, k);
}

/*
 * IPv6 on the uplink that no IPv6 filter took (uplink_ingress): a packet
 * of a NAT46 flow, or one opening it, is made IPv4 and delivered to its
 * container. A verdict; TC_ACT_NEXT_FILTER when not such a packet.
 */
__noinline int nat46_in(struct __sk_buff *skb)
{
	const struct bpfnet_cfg *cfg = get_cfg();
	__u64 now = bpf_ktime_get_ns();
	const struct bpfnet_cfg6 *c6;
	struct bpfnet_flow6 k = {};
	struct bpfnet_nat46 *ct;
	struct pkt6 p6 = {};
	struct pkt p = {};
	__u32 zero = 0;

	c6 = bpf_map_lookup_elem(&net_config6, &zero);	/* enabled or not */
	if (!skb || !cfg || !c6 || parse_ipv6(skb, &p6) || !p6.p.has_ports ||
	    p6.p.frag || p6.p.icmp_error || p6.p.l4off != NAT46_L4OFF6 ||
	    (p6.p.proto != IPPROTO_TCP && p6.p.proto != IPPROTO_UDP))
		return TC_ACT_NEXT_FILTER;
	flow6_of(&p6, &k);
	ct = bpf_map_lookup_elem(&nat46_ct, &k);
	if (!ct || ct->ct.expires_ns <= now)
		ct = nat46_new(skb, &k, &p6, cfg, c6, now);
	if (!ct)
		return TC_ACT_NEXT_FILTER;
	ct_touch(&ct->ct, &p6.p, 0, now);
	if (nat46_to4(skb, &p6, ct))
		return drop(BPFNET_STAT_DROP_CSUM, ct->ct.nat_addr);
	p.l4off = NAT46_L4OFF4;
	p.saddr = ct->ct.hairpin_addr;
	p.daddr = ct->ct.nat_addr;
	p.proto = p6.p.proto;
	p.ttl = p6.p.ttl;
	p.tot_len = p6.p.tot_len - 20;
	stat_inc(BPFNET_STAT_DNAT_PKTS);
	return deliver(skb, &p, cfg, p.daddr);
}

/*
 * A published container's IPv4 packet to the gateway (from_container): a
 * reply of a NAT46 flow leaves by the uplink as IPv6. A verdict, or
 * BPFNET_CONTINUE (not such a reply).
 */
__noinline int nat46_reply(struct __sk_buff *skb)
{
	const struct bpfnet_cfg *cfg = get_cfg();
	__u64 now = bpf_ktime_get_ns();
	struct bpfnet_flow r = {};
	struct bpfnet_flow6 *k;
	struct bpfnet_nat46 *ct;
	struct pkt p = {};

	if (!skb || !cfg || parse_ipv4(skb, &p) || !p.has_ports || p.frag ||
	    p.icmp_error || p.l4off != NAT46_L4OFF4 || p.daddr != cfg->gateway)
		return BPFNET_CONTINUE;
	flow_of(&p, &r);
	k = bpf_map_lookup_elem(&nat46_rev, &r);
	if (!k)
		return BPFNET_CONTINUE;
	ct = bpf_map_lookup_elem(&nat46_ct, k);
	if (!ct || ct->ct.expires_ns <= now || ct->gw_port != p.dport ||
	    ct->ct.nat_addr != p.saddr || ct->ct.nat_port != p.sport)
		return BPFNET_CONTINUE;	/* a stale entry: not its flow now */
	if (p.ttl <= 1 || !cfg->uplink_ifindex)
		return drop(BPFNET_STAT_DROP_OTHER_NET, p.saddr);
	ct_touch(&ct->ct, &p, 1, now);
	ep_tx(p.saddr, p.tot_len);
	if (nat46_to6(skb, &p, k))
		return drop(BPFNET_STAT_DROP_CSUM, p.saddr);
	stat_inc(BPFNET_STAT_DNAT_REPLIES);
	stat_inc(BPFNET_STAT_FAST_OUT);
	/*
	 * The kernel's route and neighbour for it, by the uplink: the FIB
	 * helper would ask for IPv6 forwarding on the uplink, which the hook
	 * never turns on (it would stop the host taking router
	 * advertisements there). No MTU check either: a packet the 20 bytes
	 * make too big for the uplink is dropped by its device (TCP's MSS,
	 * the client's, keeps segments within it).
	 */
	return bpf_redirect_neigh(cfg->uplink_ifindex, NULL, 0, 0);
}

#endif
