/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP errors (unreachable, fragmentation needed, time exceeded) that come
 * back for a translated flow quote the packet as it left the host: its
 * source is the uplink address and the translated port. Both the outer
 * destination and the quoted packet are turned back into the container's,
 * with the inner IP checksum, the inner L4 checksum (when quoted) and the
 * ICMP checksum kept right, so traceroute and path-MTU discovery work.
 */
#ifndef BPFNET_ICMP_ERR_H
#define BPFNET_ICMP_ERR_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "ct.h"
#include "flow.h"
#include "forward.h"
#include "maps.h"
#include "nat.h"
#include "parse.h"
#include "stats.h"

/* One's-complement incremental update of a 16-bit field at off (RFC 1624). */
static __always_inline int csum_update(struct __sk_buff *skb, __u32 off,
				       __be32 from, __be32 to, int size)
{
	return bpf_l4_csum_replace(skb, off, from, to, size);
}

/* Rewrite 2 or 4 bytes at off and fix the ICMP checksum for the change. */
static __always_inline int icmp_rewrite(struct __sk_buff *skb, __u32 icmp_csum,
					__u32 off, __be32 from, __be32 to, int size)
{
	if (csum_update(skb, icmp_csum, from, to, size))
		return BPFNET_ERR;
	return bpf_skb_store_bytes(skb, off, &to, size, 0);
}

/*
 * An ICMP error on the uplink: translated back and delivered when it quotes
 * one of this network's flows, else TC_ACT_NEXT_FILTER (another network's
 * flow, or the host's own).
 */
static __always_inline int rnat_icmp_error(struct __sk_buff *skb, struct pkt *p,
					   const struct bpfnet_cfg *cfg)
{
	__u32 icmp_csum = p->l4off + 2, in_ip = p->l4off + 8, in_l4;
	struct bpfnet_flow rk = {};
	struct bpfnet_rnat *rv;
	struct iphdr ip;
	__be16 ports[2], oldc, newc;
	__u32 port_off, l4c_off = 0;
	__u8 t;

	if (bpf_skb_load_bytes(skb, in_ip, &ip, sizeof(ip)) || ip.ihl < 5 ||
	    ip.saddr != cfg->uplink_addr)
		return TC_ACT_NEXT_FILTER;
	in_l4 = in_ip + ip.ihl * 4;
	if (ip.protocol == IPPROTO_TCP || ip.protocol == IPPROTO_UDP) {
		if (bpf_skb_load_bytes(skb, in_l4, ports, sizeof(ports)))
			return TC_ACT_NEXT_FILTER;
		port_off = in_l4;
		l4c_off = in_l4 + (ip.protocol == IPPROTO_TCP ? 16 : 6);
	} else if (ip.protocol == IPPROTO_ICMP) {
		if (bpf_skb_load_bytes(skb, in_l4, &t, 1) || t != ICMP_ECHO ||
		    bpf_skb_load_bytes(skb, in_l4 + 4, &ports[0], 2))
			return TC_ACT_NEXT_FILTER;
		ports[1] = 0;	/* the echo id is the "source port" of a request */
		port_off = in_l4 + 4;
		l4c_off = in_l4 + 2;
	} else {
		return TC_ACT_NEXT_FILTER;
	}
	/* the quoted packet left the host: the error answers it */
	flow_reply(&rk, ip.saddr, ports[0], ip.daddr, ports[1], ip.protocol);
	rv = rnat_find(&rk);
	if (!rv)	/* none, or a stale one */
		return TC_ACT_NEXT_FILTER;

	/* the quoted L4 checksum, when the error quotes it */
	if (bpf_skb_load_bytes(skb, l4c_off, &oldc, 2) == 0) {
		if (!(ip.protocol == IPPROTO_UDP && oldc == 0)) {
			if (ip.protocol != IPPROTO_ICMP &&
			    csum_update(skb, l4c_off, ip.saddr, rv->caddr, 4))
				return drop(BPFNET_STAT_DROP_CSUM, rv->caddr);
			if (csum_update(skb, l4c_off, rk.dport, rv->cport, 2) ||
			    bpf_skb_load_bytes(skb, l4c_off, &newc, 2) ||
			    csum_update(skb, icmp_csum, oldc, newc, 2))
				return drop(BPFNET_STAT_DROP_CSUM, rv->caddr);
		}
	}
	/* the quoted port (or echo id), and the quoted source address */
	if (icmp_rewrite(skb, icmp_csum, port_off, rk.dport, rv->cport, 2))
		return drop(BPFNET_STAT_DROP_CSUM, rv->caddr);
	if (bpf_skb_load_bytes(skb, in_ip + IP_CSUM_OFF, &oldc, 2) ||
	    bpf_l3_csum_replace(skb, in_ip + IP_CSUM_OFF, ip.saddr, rv->caddr, 4) ||
	    bpf_skb_load_bytes(skb, in_ip + IP_CSUM_OFF, &newc, 2) ||
	    csum_update(skb, icmp_csum, oldc, newc, 2) ||
	    icmp_rewrite(skb, icmp_csum, in_ip + IP_SADDR_OFF, ip.saddr, rv->caddr, 4))
		return drop(BPFNET_STAT_DROP_CSUM, rv->caddr);
	/* the outer destination: IP header checksum only */
	if (nat_addr(skb, p, 0, p->daddr, rv->caddr))
		return drop(BPFNET_STAT_DROP_CSUM, rv->caddr);
	stat_inc(BPFNET_STAT_ICMP_ERR_XLATED);
	return deliver(skb, p, cfg, rv->caddr);
}

#endif
