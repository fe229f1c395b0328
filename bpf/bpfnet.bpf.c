// SPDX-License-Identifier: GPL-2.0
/*
 * The bpfnet datapath: TC programs that do what iptables MASQUERADE and the
 * FORWARD chain would, from BPF maps.
 *
 *   outside --- [uplink]  ingress: reverse NAT, ICMP errors, redirect_peer
 *                  |      egress : NAT of container packets the stack routed
 *                  |      (fragments and other IP protocols too: frag.h, protonat.h)
 *               host stack
 *                  |
 *               [bridge]
 *                  |
 *              [host veth] ingress (packets from the container): admission
 *                  |        (IPv4 and ARP from its own address and MAC only),
 *                  |        NAT + bpf_redirect_neigh to the uplink
 *               eth0 (container)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpfnet_shared.h"
#include "config.h"
#include "consts.h"
#include "ct.h"
#include "datapath6.h"
#include "flow.h"
#include "forward.h"
#include "frag.h"
#include "icmp_err.h"
#include "into_container.h"
#include "maps.h"
#include "monitor.h"
#include "nat.h"
#include "nat46.h"
#include "parse.h"
#include "portmap.h"
#include "protonat.h"
#include "stats.h"

char LICENSE[] SEC("license") = "GPL";

/* ARP from a container must speak for its own address and MAC. */
static __always_inline int check_arp(struct __sk_buff *skb)
{
	struct {
		__be16 htype, ptype;
		__u8 hlen, plen;
		__be16 op;
		__u8 sha[ETH_ALEN];
		__be32 spa;
	} __attribute__((packed)) arp;
	struct bpfnet_endpoint *ep;
	__u8 src[ETH_ALEN];

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &arp, sizeof(arp)) ||
	    bpf_skb_load_bytes(skb, ETH_ALEN, src, sizeof(src)))
		return drop(BPFNET_STAT_DROP_MALFORMED, 0);
	/* Ethernet and IPv4, or sha and spa are not where they are read */
	if (arp.htype != bpf_htons(ARPHRD_ETHER) || arp.ptype != bpf_htons(ETH_P_IP) ||
	    arp.hlen != ETH_ALEN || arp.plen != 4)
		return drop(BPFNET_STAT_DROP_MALFORMED, 0);
	ep = bpf_map_lookup_elem(&endpoints, &arp.spa);
	if (!ep || ep->host_ifindex != skb->ifindex || !mac_eq(ep->mac, arp.sha) ||
	    !mac_eq(ep->mac, src))
		return drop(BPFNET_STAT_DROP_SPOOF_ARP, ep ? arp.spa : 0);
	return TC_ACT_OK;
}

/* Translate the source of a container's packet. 0, or a drop verdict. */
static __noinline int snat(struct __sk_buff *skb, struct pkt *p,
				const struct bpfnet_cfg *cfg)
{
	__u64 now = bpf_ktime_get_ns();
	struct bpfnet_frag_key fk = {};
	struct bpfnet_flow before = {};
	struct bpfnet_ep_stats *es;
	struct bpfnet_ct *ct;
	__be32 caddr = p->saddr;

	/* an uplink with no address yet (DHCP to come): nothing to hide behind */
	if (!cfg->uplink_addr)
		return drop(BPFNET_STAT_DROP_NO_UPLINK_ADDR, caddr);
	ct = ct_snat(skb, p, cfg, now);
	if (!ct)
		return drop(BPFNET_STAT_DROP_NO_PORT, caddr);
	ct_touch(ct, p, 0, now);
	if (nat_addr(skb, p, 1, p->saddr, ct->nat_addr) ||
	    nat_port(skb, p, 1, p->sport, ct->nat_port))
		return drop(BPFNET_STAT_DROP_CSUM, caddr);
	/* a first fragment: the later ones follow it (p is still as it came) */
	frag_key_of(p, &fk);
	frag_note(p, &fk, ct->nat_addr, 1);
	stat_inc(BPFNET_STAT_SNAT_PKTS);
	stat_add(BPFNET_STAT_SNAT_BYTES, p->tot_len);
	es = ep_stats(caddr);
	if (es) {
		es->tx_packets++;
		es->tx_bytes += p->tot_len;
	}
	if (monitor_tracing()) {	/* p is still as it came */
		flow_of(p, &before);
		monitor_trace(skb, BPFNET_TRACE_SNAT, caddr, &before);
	}
	return 0;
}

/*
 * Published ports seen from a container: its replies, and its own
 * connections. A verdict, or BPFNET_CONTINUE for any other packet.
 */
/*
 * A container's packet for an address of the host: a published port there?
 * Delivered to its container (hairpin), or BPFNET_CONTINUE.
 */
static __noinline int to_published(struct __sk_buff *skb, struct pkt *p,
					const struct bpfnet_cfg *cfg, int where)
{
	__u64 now = bpf_ktime_get_ns();
	struct bpfnet_ct *ct = dnat_get(skb, p, cfg, now, where);
	struct bpfnet_flow before = {};

	if (!ct)
		return BPFNET_CONTINUE;
	ep_tx(p->saddr, p->tot_len);	/* (dnat_apply counts the receiver's) */
	flow_of(p, &before);
	if (dnat_apply(skb, p, ct, now))
		return drop(BPFNET_STAT_DROP_CSUM, p->saddr);
	stat_inc(BPFNET_STAT_HAIRPIN);
	if (monitor_tracing())
		monitor_trace(skb, BPFNET_TRACE_HAIRPIN, p->daddr, &before);
	return deliver(skb, p, cfg, p->daddr);
}

/*
 * A published container's reply for the outside is routed before it is
 * translated: one that cannot leave on the fast path (over the MTU, TTL
 * spent, no route) goes to the stack as it is (BPFNET_CONTINUE), which
 * answers or fragments it, and uplink_egress translates it. The stack never
 * gets it with the host's address as source.
 */
static __noinline int from_container_dnat(struct __sk_buff *skb,
					       struct pkt *p,
					       const struct bpfnet_cfg *cfg)
{
	int out = !in_subnet(cfg, p->daddr), rc;
	struct bpf_fib_lookup fib = {};
	struct bpfnet_frag_key fk = {};
	struct bpfnet_flow rk = {};

	flow_of(p, &rk);
	/* a reply of a connection proven or not yet (either tier)? Most
	 * packets are none: they pay these two lookups and nothing more */
	if (!bpf_map_lookup_elem(&dnat_rev, &rk) &&
	    !bpf_map_lookup_elem(&dnat_rev_new, &rk))
		return BPFNET_CONTINUE;
	if (out && !leaves_fast(skb, p, cfg, &fib))
		return BPFNET_CONTINUE;
	frag_key_of(p, &fk);
	rc = dnat_reverse(skb, p, bpf_ktime_get_ns());
	if (rc == BPFNET_ERR)
		return drop(BPFNET_STAT_DROP_CSUM, p->saddr);
	if (rc == 0) {
		if (monitor_tracing())	/* rk: the packet as it came */
			monitor_trace(skb, out ? BPFNET_TRACE_DNAT_REPLY :
					   BPFNET_TRACE_HAIRPIN_REPLY, fk.saddr, &rk);
		if (!out) {	/* (dnat_reverse counted the sender's) */
			ep_rx(p->daddr, p->tot_len);
			stat_inc(BPFNET_STAT_HAIRPIN);
			return deliver(skb, p, cfg, p->daddr);
		}
		if (!fib.ifindex)	/* its entry came after the check: no route known */
			return drop(BPFNET_STAT_DROP_OTHER_NET, fk.saddr);
		frag_note(p, &fk, p->saddr, 1);
		rc = fib_redirect(skb, p, &fib);
		return rc == BPFNET_ERR ? drop(BPFNET_STAT_DROP_CSUM, fk.saddr) : rc;
	}
	return BPFNET_CONTINUE;	/* no reply: the caller asks to_published */
}

/*
 * What a container sends about a translated flow, before anything else
 * (the neighbour's shortcut included: a hairpin flow's error is translated):
 * ICMP errors about its flows, replies of its published ports.
 */
static __always_inline int from_container_flows(struct __sk_buff *skb,
						struct pkt *p,
						const struct bpfnet_cfg *cfg,
						struct bpf_fib_lookup *fib,
						const struct bpfnet_endpoint *ep)
{
	int rc;

	if (p->frag_later)	/* no L4 header: as its datagram's first went */
		return frag_from_container(skb, p, cfg);
	if (p->icmp_error) {
		rc = icmp_err_from_container(skb, p, cfg, fib);
		if (rc != BPFNET_CONTINUE)
			return rc;
		__builtin_memset(fib, 0, sizeof(*fib));
	}
	if (!p->has_ports)
		return BPFNET_CONTINUE;
	/* each a subprogram of its own, one after the other: their stack
	 * frames never add up. Only a container a port map names can send a
	 * published port's replies: the others skip two lookups. */
	if (ep->flags & BPFNET_EP_PUBLISHED) {
		rc = from_container_dnat(skb, p, cfg);
		if (rc != BPFNET_CONTINUE)
			return rc;
		/* a reply to a client over IPv6, the gateway standing in */
		if (p->daddr == cfg->gateway) {
			rc = nat46_reply(skb);
			if (rc != BPFNET_CONTINUE)
				return rc;
		}
	}
	/* the host's other addresses: once the FIB says so (from_container) */
	if (p->daddr != cfg->uplink_addr && p->daddr != cfg->gateway)
		return BPFNET_CONTINUE;
	return to_published(skb, p, cfg, DNAT_TO_HOST);
}

/* Broadcast (all ones, or the subnet's) or multicast? */
static __always_inline int to_everyone(const struct pkt *p,
				       const struct bpfnet_cfg *cfg)
{
	return (p->daddr & bpf_htonl(0xf0000000)) == bpf_htonl(0xe0000000) ||
	       p->daddr == 0xffffffff || p->daddr == (cfg->subnet | ~cfg->netmask);
}

/*
 * Admission is an allow-list: IPv4 and ARP from the container's own
 * address and MAC; IPv6 with --subnet6 (admit6.h: its own addresses and
 * MAC, RA guard, ND checks; from_container6 goes on to forward it), without
 * it dropped (router advertisements, NDP for any MAC). Every other frame is
 * dropped under its own reason: VLAN tags (the kernel moves the outer one
 * into skb metadata before TC ingress; a second one stays in the frame),
 * and any other ethertype. BPFNET_CONTINUE for an IPv4 frame (its
 * addresses still to be checked), else the verdict.
 */
static __noinline int admit(struct __sk_buff *skb)
{
	__u16 proto;

	if (skb->vlan_present)
		return drop(BPFNET_STAT_DROP_VLAN, 0);
	if (load_eth_proto(skb, &proto))
		return drop(BPFNET_STAT_DROP_MALFORMED, 0);
	switch (proto) {
	case ETH_P_IP:
		return BPFNET_CONTINUE;
	case ETH_P_ARP:
		return check_arp(skb);
	case ETH_P_8021Q:
	case ETH_P_8021AD:
		return drop(BPFNET_STAT_DROP_VLAN, 0);
	case ETH_P_IPV6:	/* tagged only: from_container sent the rest on */
		return drop(BPFNET_STAT_DROP_IPV6, 0);
	default:
		return drop(BPFNET_STAT_DROP_ETHERTYPE, 0);
	}
}

/*
 * May a container's packet go where the FIB sends it? Decided for every
 * result, before anything is handed to the stack: a container reaches its
 * subnet, the host (unless --isolate) and the outside by the uplink, never
 * another network of the host (another bridge, another interface).
 * 0: allowed (to the uplink, fib->ifindex, for SUCCESS and FRAG_NEEDED);
 * else a drop verdict.
 */
static __always_inline int route_allowed(struct __sk_buff *skb, const struct pkt *p,
					 const struct bpfnet_cfg *cfg,
					 struct bpf_fib_lookup *fib, int rc)
{
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		break;
	/* for the host itself (or no route); or, the bridge routing nothing,
	 * for the host if for anyone */
	case BPF_FIB_LKUP_RET_NOT_FWDED:
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		if (cfg->isolate && opens_conn(p))
			return drop(BPFNET_STAT_DROP_ISOLATED, p->saddr);
		return 0;
	case BPF_FIB_LKUP_RET_BLACKHOLE:
	case BPF_FIB_LKUP_RET_UNREACHABLE:
	case BPF_FIB_LKUP_RET_PROHIBIT:
		return 0;	/* routed nowhere: the stack drops it or answers */
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		/* the MTU check ends the lookup before it names the device */
		rc = fib_route_dev(skb, p, cfg, fib);
		if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_FRAG_NEEDED)
			return drop(BPFNET_STAT_DROP_OTHER_NET, p->saddr);
		break;
	default:
		/* UNSUPP_LWT (an encapsulating route), results added since:
		 * not known to leave by the uplink */
		return drop(BPFNET_STAT_DROP_OTHER_NET, p->saddr);
	}
	if (!cfg->uplink_ifindex || fib->ifindex != cfg->uplink_ifindex)
		return drop(BPFNET_STAT_DROP_OTHER_NET, p->saddr);
	return 0;
}

SEC("tc")
int from_container(struct __sk_buff *skb)
{
	struct bpf_fib_lookup fib = {};
	const struct bpfnet_cfg *cfg;
	struct bpfnet_endpoint *ep;
	struct pkt p = {};
	__u8 src[ETH_ALEN];
	int rc, verdict;

	rc = is_ipv6(skb) ? from_container_ipv6(skb) : admit(skb);	/* a verdict, or IPv4 */
	if (rc != BPFNET_CONTINUE)
		return rc;
	if (parse_ipv4(skb, &p))
		return drop(BPFNET_STAT_DROP_MALFORMED, 0);
	ep = bpf_map_lookup_elem(&endpoints, &p.saddr);
	if (!ep || ep->host_ifindex != skb->ifindex)
		return drop(BPFNET_STAT_DROP_SPOOF_IP, 0);
	if (bpf_skb_load_bytes(skb, ETH_ALEN, src, sizeof(src)) ||
	    !mac_eq(src, ep->mac))
		return drop(BPFNET_STAT_DROP_SPOOF_MAC, p.saddr);

	cfg = get_cfg();
	if (cfg) {
		rc = from_container_flows(skb, &p, cfg, &fib, ep);
		if (rc != BPFNET_CONTINUE)
			return rc;
	}
	if (cfg && cfg->isolate && p.daddr == cfg->gateway && opens_conn(&p))
		return drop(BPFNET_STAT_DROP_ISOLATED, p.saddr);
	if (cfg && in_subnet(cfg, p.daddr) && p.daddr != cfg->gateway) {
		ep = bpf_map_lookup_elem(&endpoints, &p.daddr);
		if (ep && ep->host_ifindex != skb->ifindex)
			return deliver_neighbour(skb, &p, ep);
	}
	if (!cfg)
		goto pass;
	/* broadcast and multicast reach the host's daemons too: not isolated */
	if (to_everyone(&p, cfg)) {
		if (cfg->isolate)
			return drop(BPFNET_STAT_DROP_ISOLATED, p.saddr);
		goto pass;
	}
	if (in_subnet(cfg, p.daddr))
		goto pass;

	/* the ports too: policy routing and multipath hashing may use them */
	fib.sport = p.sport;
	fib.dport = p.dport;
	rc = fib_route(skb, &p, cfg, &fib);
	/* for another address of the host: a port published there? (asked only
	 * now, so the outside-bound fast path pays nothing for it) */
	if (rc == BPF_FIB_LKUP_RET_NOT_FWDED && p.has_ports) {
		verdict = to_published(skb, &p, cfg, DNAT_TO_HOST);
		if (verdict != BPFNET_CONTINUE)
			return verdict;
	}
	/* isolation first, whatever the result: nothing reaches the stack before */
	verdict = route_allowed(skb, &p, cfg, &fib, rc);
	if (verdict)
		return verdict;
	if (rc == BPF_FIB_LKUP_RET_NOT_FWDED)
		goto pass;	/* for the host itself */
	/* unreachable, over the MTU, unusual: the stack, untranslated (mtu.h) */
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || p.frag_later || p.ttl <= 1 ||
	    !(p.has_ports || proto_other(&p)))
		goto slow;

	if (no_masq(cfg, p.daddr))	/* routed as it is: its own address */
		stat_inc(BPFNET_STAT_NO_MASQ_OUT);
	else if ((rc = p.has_ports ? snat(skb, &p, cfg) : proto_snat(skb, &p, cfg)))
		return rc;
	rc = fib_redirect(skb, &p, &fib);
	return rc == BPFNET_ERR ? drop(BPFNET_STAT_DROP_CSUM, p.saddr) : rc;

slow:
	stat_inc(BPFNET_STAT_SLOW_PATH);
	return TC_ACT_OK;
pass:
	stat_inc(BPFNET_STAT_PASS);
	return TC_ACT_OK;
}

/* A packet for the uplink address that is no reply: a published port? */
static __always_inline int uplink_dnat(struct __sk_buff *skb, struct pkt *p,
				       const struct bpfnet_cfg *cfg)
{
	__u64 now = bpf_ktime_get_ns();
	struct bpfnet_ct *ct = dnat_get(skb, p, cfg, now, DNAT_FROM_OUTSIDE);
	struct bpfnet_frag_key fk = {};
	struct bpfnet_flow before = {};

	if (!ct)	/* the host's own traffic, or another network's port */
		return TC_ACT_NEXT_FILTER;
	frag_key_of(p, &fk);
	flow_of(p, &before);
	if (dnat_apply(skb, p, ct, now))
		return drop(BPFNET_STAT_DROP_CSUM, ct->nat_addr);
	frag_note(p, &fk, p->daddr, 0);
	if (monitor_tracing())
		monitor_trace(skb, BPFNET_TRACE_DNAT, p->daddr, &before);
	return deliver(skb, p, cfg, p->daddr);
}

static __noinline int uplink_ingress4(struct __sk_buff *skb)
{
	const struct bpfnet_cfg *cfg = get_cfg();
	struct bpfnet_flow rk = {}, ck = {};
	struct bpfnet_frag_key fk = {};
	struct bpfnet_ep_stats *es;
	struct bpfnet_rnat *rv;
	struct bpfnet_ct *ct;
	struct pkt p = {};
	__u16 proto;
	__u64 now;

	/* not this network's packet: the next network's filter, or the host */
	if (!cfg || load_eth_proto(skb, &proto) || proto != ETH_P_IP ||
	    parse_ipv4(skb, &p))
		return TC_ACT_NEXT_FILTER;
	/* about a masqueraded flow, or a port published on any address */
	if (p.icmp_error)
		return rnat_icmp_error(skb, &p, cfg);
	if (p.frag_later)	/* to a container if its datagram's first went there */
		return frag_ingress(skb, &p, cfg);
	/* another address of the host: only a port published there */
	if (p.daddr != cfg->uplink_addr)
		return p.has_ports ? uplink_dnat(skb, &p, cfg) : TC_ACT_NEXT_FILTER;
	if (!p.has_ports)
		return proto_other(&p) ? proto_rnat(skb, &p, cfg) : TC_ACT_NEXT_FILTER;
	flow_of(&p, &rk);
	now = bpf_ktime_get_ns();
	/* the container's flow, which the reply answers once translated back:
	 * an answered one, or one answered now for the first time (promoted) */
	rv = bpf_map_lookup_elem(&rev_nat, &rk);
	if (rv)
		ct = ct_of_reply(&conntrack, &p, rv, &ck, now);
	else if ((rv = bpf_map_lookup_elem(&rev_nat_new, &rk)))
		ct = ct_promote(&p, &rk, rv, &ck, now);
	else
		return uplink_dnat(skb, &p, cfg);
	if (!ct)	/* not ours: another flow's stale entry, or expired */
		return TC_ACT_NEXT_FILTER;
	ct_touch(ct, &p, 1, now);
	if (nat_addr(skb, &p, 0, p.daddr, ck.saddr) ||
	    nat_port(skb, &p, 0, p.dport, ck.sport))
		return drop(BPFNET_STAT_DROP_CSUM, ck.saddr);
	frag_key_of(&p, &fk);	/* p is still as it came */
	frag_note(&p, &fk, ck.saddr, 0);
	stat_inc(BPFNET_STAT_RNAT_PKTS);
	stat_add(BPFNET_STAT_RNAT_BYTES, p.tot_len);
	es = ep_stats(ck.saddr);
	if (es) {
		es->rx_packets++;
		es->rx_bytes += p.tot_len;
	}
	if (monitor_tracing())	/* rk: the packet as it came */
		monitor_trace(skb, BPFNET_TRACE_RNAT, ck.saddr, &rk);
	return deliver(skb, &p, cfg, ck.saddr);
}

/*
 * IPv6 takes its own way: IPv4's frame and its would stack over 512 bytes.
 * What the IPv6 half leaves may be for an IPv4-only container (NAT46).
 */
SEC("tc")
int uplink_ingress(struct __sk_buff *skb)
{
	int rc;

	if (!is_ipv6(skb))
		return uplink_ingress4(skb);
	rc = uplink_ingress6(skb);
	return rc == TC_ACT_NEXT_FILTER ? nat46_in(skb) : rc;
}

/*
 * A published container's reply the stack routed (from_container_dnat left
 * it): translated as on the fast path. 0, BPFNET_CONTINUE (no such reply),
 * or a drop verdict.
 */
static __noinline int egress_dnat_reply(struct __sk_buff *skb, struct pkt *p)
{
	struct bpfnet_frag_key fk = {};
	struct bpfnet_flow before = {};
	__be32 caddr = p->saddr;
	int rc;

	frag_key_of(p, &fk);
	flow_of(p, &before);
	rc = dnat_reverse(skb, p, bpf_ktime_get_ns());
	if (rc == BPFNET_ERR)
		return drop(BPFNET_STAT_DROP_CSUM, caddr);
	if (rc)
		return rc;
	frag_note(p, &fk, p->saddr, 1);
	if (monitor_tracing())
		monitor_trace(skb, BPFNET_TRACE_DNAT_REPLY, caddr, &before);
	return 0;
}

SEC("tc")
int uplink_egress(struct __sk_buff *skb)
{
	const struct bpfnet_cfg *cfg = get_cfg();
	struct pkt p = {};
	__u16 proto;
	int rc;

	if (is_ipv6(skb))	/* NAT66 (datapath6.h) */
		return uplink_egress6(skb);
	/* another network's packets (its filter translates them) or the host's */
	if (!cfg || load_eth_proto(skb, &proto) || proto != ETH_P_IP ||
	    parse_ipv4(skb, &p) || !in_subnet(cfg, p.saddr))
		return TC_ACT_NEXT_FILTER;
	/* to a --no-masquerade prefix: untranslated, but a published port's
	 * reply still leaves from the published address */
	if (no_masq(cfg, p.daddr)) {
		rc = p.has_ports && !p.icmp_error && !p.frag_later ?
		     egress_dnat_reply(skb, &p) : BPFNET_CONTINUE;
		if (rc == BPFNET_CONTINUE) {
			stat_inc(BPFNET_STAT_NO_MASQ_OUT);
			return TC_ACT_OK;
		}
		return rc ? rc : TC_ACT_OK;
	}
	if (p.icmp_error)
		return icmp_err_egress(skb, &p);
	/* never leak a private source: a fragment whose first was not translated */
	if (p.frag_later)
		return frag_egress(skb, &p);
	if (!p.has_ports && !proto_other(&p))
		return drop(BPFNET_STAT_DROP_MALFORMED, p.saddr);
	if (!p.has_ports)
		rc = proto_snat(skb, &p, cfg);
	else if ((rc = egress_dnat_reply(skb, &p)) == BPFNET_CONTINUE)
		rc = snat(skb, &p, cfg);
	return rc ? rc : TC_ACT_OK;
}

/*
 * Into a container (egress of its host veth): replies and published ports
 * come by bpf_redirect_peer and never pass here. What does pass is the
 * bridge's and the stack's: a neighbour of the same network (its own veth
 * is the way in), the host itself (see from_host), and packets routed from
 * any other interface, which must answer a flow of this container (a host
 * on the uplink's LAN routing the subnet through us reaches nothing). All
 * else is dropped and counted.
 */
SEC("tc")
int to_container(struct __sk_buff *skb)
{
	const struct bpfnet_cfg *cfg = get_cfg();
	struct bpfnet_endpoint *src;
	struct pkt p = {};
	__u16 proto;

	if (!cfg || load_eth_proto(skb, &proto))
		return TC_ACT_OK;
	if (proto == ETH_P_IPV6)
		return to_container6(skb);
	if (proto != ETH_P_IP) {
		/* ARP for the bridge and the host; anything else only theirs */
		if (proto == ETH_P_ARP || !skb->ingress_ifindex)
			return TC_ACT_OK;
		return drop(BPFNET_STAT_DROP_UNSOLICITED, 0);
	}
	if (parse_ipv4(skb, &p))
		return drop(BPFNET_STAT_DROP_MALFORMED, 0);
	if (!skb->ingress_ifindex)	/* made by the host itself */
		return from_host(skb, &p, cfg);
	src = bpf_map_lookup_elem(&endpoints, &p.saddr);
	if (src && src->host_ifindex == skb->ingress_ifindex)
		return TC_ACT_OK;	/* a neighbour, through the bridge */
	if (answers_flow(&p))
		return TC_ACT_OK;
	if (no_masq(cfg, p.saddr)) {	/* another node's pods: routed, admitted */
		stat_inc(BPFNET_STAT_NO_MASQ_IN);
		return TC_ACT_OK;
	}
	return drop(BPFNET_STAT_DROP_UNSOLICITED, p.daddr);
}

/* The cgroup socket programs: published ports for host processes. */
#include "sock_progs.h"
