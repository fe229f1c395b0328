/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMPv6 errors inside a hairpin flow (portmap6.h): a published container
 * that answers a container's packet to its published port with an error
 * (port unreachable with no listener, Packet Too Big ...) sends it to the
 * client as it saw it (the client's address, or the gateway's for its own
 * port) quoting the packet as it got it (to its own address and port). The
 * client knows that packet as it sent it, to the address and port it
 * dialled, so the error reaches it as IPv4's does (icmp_err.h): from the
 * dialled address, quoting the dialled address and port, the quoted
 * transport checksum (when quoted whole) and the ICMPv6 checksum fixed for
 * every change (the outer addresses through the pseudo header). Delivered
 * at once, as the flow's packets are.
 */
#ifndef BPFNET_HAIRPIN6_ERR_H
#define BPFNET_HAIRPIN6_ERR_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "config.h"
#include "consts.h"
#include "maps.h"
#include "nat6.h"
#include "parse6.h"
#include "route6.h"
#include "stats.h"

/* Where an ICMPv6 error's checksums are. */
struct err6 {
	__u32 csum;	/* the error's own (ICMPv6) */
	__u32 qcsum;	/* the quoted TCP or UDP one; 0: not quoted whole, or none */
};

/* The quoted transport checksum changed as from -> to say (size 0: to is a
 * difference), and the ICMPv6 checksum for the two bytes that changed. */
static __always_inline int err6_qcsum(struct __sk_buff *skb, const struct err6 *e,
				      __u64 from, __u64 to, __u64 size)
{
	__be16 oldc, newc;

	if (!e->qcsum)
		return 0;
	if (bpf_skb_load_bytes(skb, e->qcsum, &oldc, 2) ||
	    bpf_l3_csum_replace(skb, e->qcsum, from, to, size) ||
	    bpf_skb_load_bytes(skb, e->qcsum, &newc, 2))
		return BPFNET_ERR;
	return bpf_l4_csum_replace(skb, e->csum, oldc, newc, 2);
}

/* A quoted address at off: from -> to, in its pseudo header and its bytes. */
static __always_inline int err6_qaddr(struct __sk_buff *skb, const struct err6 *e, __u32 off,
				      const struct bpfnet_in6 *from, const struct bpfnet_in6 *to)
{
	__s64 diff;

	if (in6_eq(from, to))
		return 0;
	diff = bpf_csum_diff((__be32 *)from, 16, (__be32 *)to, 16, 0);
	if (diff < 0 || err6_qcsum(skb, e, 0, (__u32)diff, 0) ||
	    bpf_l4_csum_replace(skb, e->csum, 0, (__u32)diff, 0))
		return BPFNET_ERR;
	return bpf_skb_store_bytes(skb, off, to, 16, 0);
}

/* The quoted port at off: from -> to. */
static __always_inline int err6_qport(struct __sk_buff *skb, const struct err6 *e, __u32 off,
				      __be16 from, __be16 to)
{
	if (from == to)
		return 0;
	if (err6_qcsum(skb, e, from, to, 2) ||
	    bpf_l4_csum_replace(skb, e->csum, from, to, 2))
		return BPFNET_ERR;
	return bpf_skb_store_bytes(skb, off, &to, 2, 0);
}

/*
 * The translation of hairpin6_error's error p6: 0, BPFNET_CONTINUE (about
 * no live hairpin flow), or BPFNET_ERR.
 */
static __always_inline int hairpin6_err_xlate(struct __sk_buff *skb, struct pkt6 *p6,
					      const struct bpfnet_cfg6 *c6)
{
	__u32 qip = p6->p.l4off + 8, qport = qip + IPV6_HLEN;
	struct bpfnet_flow6 r = {}, *rv;
	struct err6 e = {};
	struct bpfnet_ct6 *ct = NULL;
	__be16 ports[2], c;

	/* the quoted packet, turned round: the container's reply tuple */
	if (bpf_skb_load_bytes(skb, qip + 6, &r.proto, 1) ||
	    bpf_skb_load_bytes(skb, qip + IP6_SADDR_OFF, &r.daddr, 16) ||
	    bpf_skb_load_bytes(skb, qip + IP6_DADDR_OFF, &r.saddr, 16) ||
	    bpf_skb_load_bytes(skb, qport, ports, sizeof(ports)))
		return BPFNET_CONTINUE;
	if (r.proto != IPPROTO_TCP && r.proto != IPPROTO_UDP)
		return BPFNET_CONTINUE;
	r.sport = ports[1];
	r.dport = ports[0];
	/* about a packet it got from the error's destination */
	if (!in6_eq(&r.saddr, &p6->saddr) || !in6_eq(&r.daddr, &p6->daddr))
		return BPFNET_CONTINUE;
	/* the client's flow (in place), in either tier (portmap6.h) */
	rv = bpf_map_lookup_elem(&dnat6_rev, &r);
	if (rv)
		ct = bpf_map_lookup_elem(&dnat6_ct, rv);
	else if ((rv = bpf_map_lookup_elem(&dnat6_rev_new, &r)))
		ct = bpf_map_lookup_elem(&dnat6_ct_new, rv);
	if (!rv || !in_subnet6(c6, &rv->saddr))
		return BPFNET_CONTINUE;	/* none, or a client outside */
	if (!ct || ct->ct.expires_ns <= bpf_ktime_get_ns() || ct->ct.nat_port != r.sport ||
	    !in6_eq(&ct->nat_addr6, &r.saddr))
		return BPFNET_CONTINUE;	/* a stale entry: not its flow now */
	e.csum = p6->p.l4off + 2;
	e.qcsum = qport + (r.proto == IPPROTO_TCP ? 16 : 6);
	if (bpf_skb_load_bytes(skb, e.qcsum, &c, 2) || !c)
		e.qcsum = 0;	/* cut short, or a UDP checksum of none */
	/* quoted: to the address and port dialled, from the client's own */
	if (err6_qport(skb, &e, qport + 2, r.sport, rv->dport) ||
	    err6_qaddr(skb, &e, qip + IP6_DADDR_OFF, &r.saddr, &rv->daddr) ||
	    err6_qaddr(skb, &e, qip + IP6_SADDR_OFF, &r.daddr, &rv->saddr) ||
	    nat6_addr(skb, p6, 1, &p6->saddr, &rv->daddr) ||
	    (!in6_eq(&p6->daddr, &rv->saddr) && nat6_addr(skb, p6, 0, &p6->daddr, &rv->saddr)))
		return BPFNET_ERR;
	p6->saddr = rv->daddr;
	p6->daddr = rv->saddr;
	return 0;
}

/*
 * A published container's ICMPv6 error (from_container, once
 * from_container6 admitted it and asked: BPFNET_HAIRPIN6_ERR), in a frame
 * beside from_container6's as published6 is: about a hairpin client's TCP
 * or UDP packet it received, translated for the client and delivered to
 * it; else BPFNET_CONTINUE (from_container6 goes on with it), or a drop
 * verdict.
 */
__noinline int hairpin6_error(struct __sk_buff *skb)
{
	const struct bpfnet_cfg6 *c6 = get_cfg6();
	const struct bpfnet_cfg *cfg = get_cfg();
	struct pkt6 p6 = {};
	int rc;

	if (!skb || !c6 || !cfg || parse_ipv6(skb, &p6) || p6.p.frag)
		return BPFNET_CONTINUE;
	rc = hairpin6_err_xlate(skb, &p6, c6);
	if (rc)
		return rc == BPFNET_ERR ? drop(BPFNET_STAT_DROP_CSUM, 0) : rc;
	stat_inc(BPFNET_STAT_ICMP_ERR_XLATED);
	return deliver6(skb, &p6, cfg);
}

#endif
