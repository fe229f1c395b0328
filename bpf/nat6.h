/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT66 masquerade (nat6 1): a container's TCP, UDP and ICMPv6 echo leave
 * from the uplink's IPv6 address. The flow is conntrack6's (ct6.h, noted by
 * from_container); its translated port is claimed in rev_nat6 with
 * BPF_NOEXIST (its own port first, when inside --snat-ports and free), so
 * two flows never share a translated tuple; until its first reply both
 * halves are in the new-flow tier (ct6_new, rev_nat6_new; ct6.h). Packets
 * are translated at the uplink's egress, where both the datapath's
 * redirected ones and the stack's arrive, and replies (and ICMPv6 errors
 * about the flows) back at its ingress. IPv6 has no header
 * checksum: the 16-byte address goes into the L4 checksum through the
 * pseudo header (bpf_csum_diff, then bpf_l4_csum_replace with
 * BPF_F_PSEUDO_HDR; ICMPv6 has one too).
 */
#ifndef BPFNET_NAT6_H
#define BPFNET_NAT6_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "ct6.h"
#include "hostsock.h"
#include "maps.h"
#include "parse6.h"
#include "peers.h"
#include "protonat6.h"
#include "stats.h"

/* Where the checksum sits in the L4 header of TCP, UDP, ICMPv6. */
static __always_inline __u32 l4_csum_off6(__u8 proto)
{
	return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
}

/* Replace the source (src 1) or destination address, L4 checksum fixed. */
static __always_inline int nat6_addr(struct __sk_buff *skb, const struct pkt6 *p6, int src,
				     struct bpfnet_in6 *from, struct bpfnet_in6 *to)
{
	__u64 flags = BPF_F_PSEUDO_HDR;
	__s64 diff;

	diff = bpf_csum_diff((__be32 *)from, sizeof(*from), (__be32 *)to, sizeof(*to), 0);
	if (diff < 0)
		return BPFNET_ERR;
	if (p6->p.proto == IPPROTO_UDP)
		flags |= BPF_F_MARK_MANGLED_0;
	/* size 0 in flags: "to" is a checksum difference */
	if (bpf_l4_csum_replace(skb, p6->p.l4off + l4_csum_off6(p6->p.proto), 0, diff, flags))
		return BPFNET_ERR;
	return bpf_skb_store_bytes(skb, ETH_HLEN + (src ? IP6_SADDR_OFF : IP6_DADDR_OFF),
				   to, sizeof(*to), 0);
}

/* Replace the source or destination port (the echo identifier for ICMPv6). */
static __always_inline int nat6_port(struct __sk_buff *skb, const struct pkt6 *p6, int src,
				     __be16 from, __be16 to)
{
	__u32 off = p6->p.proto == NEXTHDR_ICMP6 ? 4 : (src ? 0 : 2);

	if (from == to)
		return 0;
	if (bpf_l4_csum_replace(skb, p6->p.l4off + l4_csum_off6(p6->p.proto), from, to,
				sizeof(to)))
		return BPFNET_ERR;
	return bpf_skb_store_bytes(skb, p6->p.l4off + off, &to, sizeof(to), 0);
}

/*
 * Make reply tuple r flow k's in map, the reverse table of k's tier
 * (rev_nat6, or rev_nat6_new for a flow not answered yet): 0 claimed, 1 it
 * already was k's (a lost forward half found again), BPFNET_ERR another
 * flow holds it, in map or in the other tier's table (other). Claimed
 * first, checked after, as ct.h's rnat_claim: of two flows claiming one
 * tuple in the two tiers at once, at least one sees the other.
 */
static __always_inline int rnat6_claim(void *map, void *other,
				       const struct bpfnet_flow6 *r,
				       const struct bpfnet_flow6 *k)
{
	struct bpfnet_flow6 *cur;

	if (bpf_map_update_elem(map, r, k, BPF_NOEXIST)) {
		cur = bpf_map_lookup_elem(map, r);
		return cur && flow6_eq(cur, k) ? 1 : BPFNET_ERR;
	}
	cur = bpf_map_lookup_elem(other, r);
	if (!cur)
		return 0;
	if (flow6_eq(cur, k))
		return 1;
	bpf_map_delete_elem(map, r);
	return BPFNET_ERR;
}

/*
 * A translated port for flow k, claimed in the reverse table of its tier
 * (main: rev_nat6, else rev_nat6_new) and free in the other's: first (its
 * own port, an echo identifier kept as it is; or, healing, the port the
 * flow had), then random ones of --snat-ports; never one a host socket
 * uses towards the same remote (as ct_claim_port, hostsock.h), nor one
 * another network on the uplink holds (peers.h). r: the caller's room for
 * the reply tuples tried. 0 and *port, or BPFNET_ERR when
 * BPFNET_PORT_RETRIES were all taken.
 */
static __always_inline int nat6_claim(struct __sk_buff *skb, const struct bpfnet_flow6 *k,
				      const struct bpfnet_cfg *cfg,
				      const struct bpfnet_in6 *up, __be16 *port,
				      struct bpfnet_flow6 *r, int main)
{
	__u32 span = (__u32)cfg->port_max - cfg->port_min + 1;
	void *map = main ? (void *)&rev_nat6 : (void *)&rev_nat6_new;
	void *other = main ? (void *)&rev_nat6_new : (void *)&rev_nat6;
	__u16 own = bpf_ntohs(*port);
	__be16 cand = *port;

	if (k->proto != NEXTHDR_ICMP6 && (own < cfg->port_min || own > cfg->port_max))
		cand = bpf_htons(cfg->port_min + bpf_get_prandom_u32() % span);
	for (int i = 0; i < BPFNET_PORT_RETRIES; i++) {
		nat6_reply_of(k, up, cand, r);
		if (host_socket6(skb, r)) {	/* r: a reply, as the host would get it */
			stat_inc(BPFNET_STAT_HOST_PORT_SKIPPED);
		} else if (peer_holds6(r)) {	/* its filter may run first */
			stat_inc(BPFNET_STAT_PEER_PORT_SKIPPED);
		} else if (rnat6_claim(map, other, r, k) >= 0) {
			goto claimed;	/* (1: its own already, a lost forward half) */
		}
		stat_inc(BPFNET_STAT_PORT_RETRIES);
		cand = bpf_htons(cfg->port_min + bpf_get_prandom_u32() % span);
	}
	return BPFNET_ERR;
claimed:
	*port = cand;
	return 0;
}

/*
 * The container's packet leaving by the uplink (uplink_egress), from the
 * subnet: its source becomes the uplink's address and its flow's port.
 * TC_ACT_OK once translated, else a drop verdict. Not inlined:
 * uplink_egress's combined stack is near its limit, so each of
 * uplink_egress6's ways (this, icmp_err6.h, protonat6.h, frag6.h) has a
 * frame of its own above a thin one that holds the parsed packet.
 */
static __noinline int nat6_out(struct __sk_buff *skb, struct pkt6 *p6,
			       const struct bpfnet_cfg *cfg,
			       const struct bpfnet_cfg6 *c6)
{
	struct bpfnet_in6 up = c6->uplink_addr;
	struct bpfnet_flow6 k = {}, r = {}, *rv;
	__u64 now = bpf_ktime_get_ns();
	struct bpfnet_ct6 *ct;
	int had, main;
	__be16 port;

	if (in6_is_zero(&up))
		return drop(BPFNET_STAT_DROP_NO_UPLINK_ADDR, 0);
	/* (a container's ICMPv6 errors: icmp_err6.h; later fragments: frag6.h) */
	if (!p6->p.has_ports || p6->p.frag_later ||
	    (p6->p.proto == NEXTHDR_ICMP6 && p6->p.icmp_type != ICMP6_ECHO_REQUEST))
		return drop(BPFNET_STAT_DROP_NAT66_UNSUPPORTED, 0);
	flow6_of(p6, &k);
	ct = ct6_find(&k, now, &main);
	if (!ct) {	/* the datapath notes every flow it routes: the stack's */
		ct6_out(p6, now);
		ct = ct6_find(&k, now, &main);
		if (!ct)
			return drop(BPFNET_STAT_DROP_NO_PORT, 0);
	}
	/* its translation, while its reply entry (its tier's) is still its own */
	port = ct->ct.nat_port;
	nat6_reply_of(&k, &up, port, &r);
	rv = bpf_map_lookup_elem(main ? (void *)&rev_nat6 : (void *)&rev_nat6_new, &r);
	if (!in6_eq(&ct->nat_addr6, &up) || !rv || !flow6_eq(rv, &k)) {
		/* a new flow from its own port; one that lost its reply half
		 * (LRU) from the port it had, so that it goes on (healed) */
		had = in6_eq(&ct->nat_addr6, &up);
		if (!had)
			port = k.sport;
		if (nat6_claim(skb, &k, cfg, &up, &port, &r, main))
			return drop(BPFNET_STAT_DROP_NO_PORT, 0);
		if (had)
			stat_inc(port == ct->ct.nat_port ? BPFNET_STAT_FLOWS_HEALED :
							   BPFNET_STAT_FLOWS_REMAPPED);
		ct->nat_addr6 = up;
		ct->ct.nat_port = port;
	}
	if (nat6_addr(skb, p6, 1, &p6->saddr, &up) || nat6_port(skb, p6, 1, k.sport, port))
		return drop(BPFNET_STAT_DROP_CSUM, 0);
	stat_inc(BPFNET_STAT_SNAT_PKTS);
	stat_add(BPFNET_STAT_SNAT_BYTES, p6->p.tot_len);
	if (monitor_tracing())	/* k: the packet as it came */
		monitor_trace6(skb, BPFNET_TRACE_SNAT, &k);
	return TC_ACT_OK;
}

/* A container's packet leaving: by its flow's port, or by address only. */
static __always_inline int nat6_masquerade(struct __sk_buff *skb, struct pkt6 *p6,
					   const struct bpfnet_cfg *cfg,
					   const struct bpfnet_cfg6 *c6)
{
	if (proto_other6(&p6->p))	/* GRE, ESP...: protonat6.h */
		return nat6_out_proto(skb, p6, &c6->uplink_addr);
	return nat6_out(skb, p6, cfg, c6);
}

/*
 * An ICMPv6 error (unreachable, packet too big, time exceeded, parameter
 * problem) to the uplink's address about a masqueraded flow: its
 * destination and the quoted packet's source address and port become the
 * container's again, the ICMPv6 checksum fixed for each (the quoted
 * transport checksum is left as it came: receivers do not check it). 0
 * (p6 then names the container), BPFNET_CONTINUE, or a drop verdict.
 */
static __always_inline int nat6_in_error(struct __sk_buff *skb, struct pkt6 *p6)
{
	__u32 csum = p6->p.l4off + 2, qip = p6->p.l4off + 8;
	struct bpfnet_flow6 r = {}, k, *rv;
	__u32 qport = qip + IPV6_HLEN;
	struct bpfnet_ct6 *ct;
	struct ipv6hdr ip;
	__be16 ports[2];
	__s64 diff;
	int main;

	if (bpf_skb_load_bytes(skb, qip, &ip, sizeof(ip)) ||
	    bpf_skb_load_bytes(skb, qport, ports, sizeof(ports)))
		return BPFNET_CONTINUE;
	if (ip.nexthdr == NEXTHDR_ICMP6) {	/* the echo request's id */
		qport += 4;
		if (bpf_skb_load_bytes(skb, qport, &ports[0], 2))
			return BPFNET_CONTINUE;
		ports[1] = 0;
	} else if (ip.nexthdr != IPPROTO_TCP && ip.nexthdr != IPPROTO_UDP) {
		return BPFNET_CONTINUE;
	}
	/* the quoted packet left as the flow's: its reply tuple names the flow */
	__builtin_memcpy(&r.saddr, &ip.daddr, sizeof(r.saddr));
	__builtin_memcpy(&r.daddr, &ip.saddr, sizeof(r.daddr));
	r.sport = ports[1];
	r.dport = ports[0];
	r.proto = ip.nexthdr;
	rv = bpf_map_lookup_elem(&rev_nat6, &r);
	if (!rv)	/* a flow not answered yet */
		rv = bpf_map_lookup_elem(&rev_nat6_new, &r);
	if (!rv || !in6_eq(&r.daddr, &p6->daddr))
		return BPFNET_CONTINUE;
	k = *rv;
	ct = ct6_find(&k, bpf_ktime_get_ns(), &main);
	if (!ct || ct->ct.nat_port != r.dport || !in6_eq(&ct->nat_addr6, &r.daddr))
		return BPFNET_CONTINUE;
	diff = bpf_csum_diff((__be32 *)&r.daddr, 16, (__be32 *)&k.saddr, 16, 0);
	if (diff < 0 || nat6_addr(skb, p6, 0, &p6->daddr, &k.saddr) ||
	    bpf_l4_csum_replace(skb, csum, 0, diff, 0) ||
	    bpf_skb_store_bytes(skb, qip + IP6_SADDR_OFF, &k.saddr, 16, 0) ||
	    bpf_l4_csum_replace(skb, csum, r.dport, k.sport, sizeof(k.sport)) ||
	    bpf_skb_store_bytes(skb, qport, &k.sport, sizeof(k.sport), 0))
		return drop(BPFNET_STAT_DROP_CSUM, 0);
	p6->daddr = k.saddr;
	stat_inc(BPFNET_STAT_ICMP_ERR_XLATED);
	return 0;
}

/*
 * A reply whose flow lost its forward half (conntrack6 is LRU): the flow
 * re-made from its reply half k (rev_nat6), translated as the reply says,
 * as ct.h's ct_of_reply heals IPv4's (flows_healed). NULL if it cannot be.
 */
static __always_inline struct bpfnet_ct6 *nat6_heal_forward(const struct bpfnet_flow6 *k,
							    const struct pkt6 *p6, __u64 now)
{
	struct bpfnet_ct6 *ct;

	if (bpf_map_update_elem(&conntrack6, k, &ct6_zero, BPF_NOEXIST))
		return bpf_map_lookup_elem(&conntrack6, k);	/* another CPU's */
	ct = bpf_map_lookup_elem(&conntrack6, k);
	if (!ct)
		return NULL;
	ct->nat_addr6 = p6->daddr;
	ct->ct.nat_port = p6->p.dport;
	ct->ct.state = BPFNET_CT_ESTABLISHED;
	ct->ct.seen_reply = 1;
	ct->ct.created_ns = now;
	ct->ct.expires_ns = now + ct_lifetime(&ct->ct, k->proto);
	stat_inc(BPFNET_STAT_FLOWS_HEALED);
	return ct;
}

/*
 * The first reply of a NAT66 flow k not answered before (its reply tuple r
 * found in rev_nat6_new): both halves move to conntrack6 and rev_nat6 with
 * the same tuple (maps.h: floods); a lost forward half is healed there
 * after (nat6_heal_forward). 0, or BPFNET_ERR: not k's flow now.
 */
static __always_inline int nat6_promote(const struct bpfnet_flow6 *k,
					const struct bpfnet_flow6 *r, __u64 now)
{
	struct bpfnet_ct6 *ct = bpf_map_lookup_elem(&ct6_new, k);

	if (ct && (ct->ct.expires_ns <= now || ct->ct.nat_port != r->dport ||
		   !in6_eq(&ct->nat_addr6, &r->daddr)))
		return BPFNET_ERR;	/* a stale entry: not its flow now */
	if (rnat6_claim(&rev_nat6, &rev_nat6_new, r, k) < 0)
		return BPFNET_ERR;	/* its tuple was another's: the claim lost a race */
	if (ct) {
		if (!bpf_map_update_elem(&conntrack6, k, ct, BPF_ANY))
			stat_inc(BPFNET_STAT_FLOWS_PROMOTED);
		bpf_map_delete_elem(&ct6_new, k);
	}
	bpf_map_delete_elem(&rev_nat6_new, r);
	return 0;
}

/*
 * A reply on the uplink to the uplink's address: translated back to its
 * container's flow (p6 then names the container) and 0, or BPFNET_CONTINUE
 * (no flow of this network's), or a drop verdict.
 */
static __always_inline int nat6_in(struct __sk_buff *skb, struct pkt6 *p6)
{
	struct bpfnet_flow6 r = {}, k, *rv;
	__u64 now = bpf_ktime_get_ns();
	struct bpfnet_ct6 *ct;

	if (p6->p.icmp_error && !p6->p.frag)
		return nat6_in_error(skb, p6);
	if (proto_other6(&p6->p))	/* GRE, ESP...: by address only */
		return nat6_in_proto(skb, p6);
	if (!p6->p.has_ports || p6->p.frag_later || p6->p.icmp_error)
		return BPFNET_CONTINUE;
	flow6_of(p6, &r);
	rv = bpf_map_lookup_elem(&rev_nat6, &r);
	if (rv) {
		k = *rv;
	} else {	/* the first reply of a flow not answered yet? */
		rv = bpf_map_lookup_elem(&rev_nat6_new, &r);
		if (!rv)
			return BPFNET_CONTINUE;
		k = *rv;
		if (nat6_promote(&k, &r, now))
			return BPFNET_CONTINUE;
	}
	ct = bpf_map_lookup_elem(&conntrack6, &k);
	if (!ct)
		ct = nat6_heal_forward(&k, p6, now);
	if (!ct || ct->ct.expires_ns <= now || ct->ct.nat_port != p6->p.dport ||
	    !in6_eq(&ct->nat_addr6, &p6->daddr))
		return BPFNET_CONTINUE;	/* a stale entry: not its flow now */
	ct_touch(&ct->ct, &p6->p, 1, now);
	if (nat6_addr(skb, p6, 0, &p6->daddr, &k.saddr) ||
	    nat6_port(skb, p6, 0, p6->p.dport, k.sport))
		return drop(BPFNET_STAT_DROP_CSUM, 0);
	p6->daddr = k.saddr;
	p6->p.dport = k.sport;
	stat_inc(BPFNET_STAT_RNAT_PKTS);
	stat_add(BPFNET_STAT_RNAT_BYTES, p6->p.tot_len);
	if (monitor_tracing())	/* r: the packet as it came */
		monitor_trace6(skb, BPFNET_TRACE_RNAT, &r);
	return 0;
}

#endif
