/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address-only masquerade of IP protocols without ports (GRE, ESP, SCTP,
 * anything but TCP, UDP and ICMP), as MASQUERADE does: the container's
 * address becomes the uplink's and replies from that remote come back to
 * it. With no port to tell flows apart, one container holds a remote for
 * a protocol at a time (proto_nat, claimed with BPF_NOEXIST); another
 * container's packets to it are dropped (drop_protocol_remote_taken) until
 * the holder has been quiet for BPFNET_PROTO_NAT_SECS.
 *
 * Not covered: protocols whose checksum covers a pseudo header (UDP-Lite,
 * DCCP) keep a wrong checksum; another network on the same uplink is not
 * asked (peers.h covers ports only).
 */
#ifndef BPFNET_PROTONAT_H
#define BPFNET_PROTONAT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "config.h"
#include "consts.h"
#include "frag.h"
#include "forward.h"
#include "maps.h"
#include "nat.h"
#include "parse.h"
#include "stats.h"

/* A packet (or first fragment) of a protocol masqueraded by address only? */
static __always_inline int proto_other(const struct pkt *p)
{
	return !p->frag_later && p->proto != IPPROTO_TCP &&
	       p->proto != IPPROTO_UDP && p->proto != IPPROTO_ICMP;
}

/* Refresh a holder's expiry, at most once a second (a shared entry). */
static __always_inline void proto_touch(struct bpfnet_proto_val *v, __u64 now)
{
	__u64 exp = now + BPFNET_PROTO_NAT_SECS * NSEC_PER_SEC;

	if (exp > v->expires_ns + NSEC_PER_SEC)
		v->expires_ns = exp;
}

/* Make remote k the container's: 0, or BPFNET_ERR while another holds it. */
static __always_inline int proto_claim(const struct bpfnet_proto_key *k,
				       __be32 caddr, __u64 now)
{
	struct bpfnet_proto_val nv = { .caddr = caddr }, *v;

	v = bpf_map_lookup_elem(&proto_nat, k);
	if (v && v->caddr == caddr) {
		proto_touch(v, now);
		return 0;
	}
	if (v && v->expires_ns > now)
		return BPFNET_ERR;
	if (v)	/* the last holder went quiet: taken over */
		bpf_map_delete_elem(&proto_nat, k);
	nv.expires_ns = now + BPFNET_PROTO_NAT_SECS * NSEC_PER_SEC;
	if (!bpf_map_update_elem(&proto_nat, k, &nv, BPF_NOEXIST))
		return 0;
	/* another CPU claimed it first: ours only if for the same container */
	v = bpf_map_lookup_elem(&proto_nat, k);
	return v && v->caddr == caddr ? 0 : BPFNET_ERR;
}

/* A container's packet of such a protocol: its source masqueraded. 0, or a drop verdict. */
static __always_inline int proto_snat(struct __sk_buff *skb, struct pkt *p,
				      const struct bpfnet_cfg *cfg)
{
	struct bpfnet_proto_key k = { .uplink_addr = cfg->uplink_addr,
				      .raddr = p->daddr, .proto = p->proto };
	struct bpfnet_frag_key fk = {};
	__be32 caddr = p->saddr;

	if (!cfg->uplink_addr)
		return drop(BPFNET_STAT_DROP_NO_UPLINK_ADDR, caddr);
	if (proto_claim(&k, caddr, bpf_ktime_get_ns()))
		return drop(BPFNET_STAT_DROP_PROTO_TAKEN, caddr);
	frag_key_of(p, &fk);
	if (nat_addr(skb, p, 1, caddr, cfg->uplink_addr))
		return drop(BPFNET_STAT_DROP_CSUM, caddr);
	frag_note(p, &fk, cfg->uplink_addr, 1);
	p->saddr = cfg->uplink_addr;
	stat_inc(BPFNET_STAT_PROTO_NAT_PKTS);
	ep_tx(caddr, p->tot_len);
	return 0;
}

/* Such a packet for the uplink address: to the container holding its remote. */
static __always_inline int proto_rnat(struct __sk_buff *skb, struct pkt *p,
				      const struct bpfnet_cfg *cfg)
{
	struct bpfnet_proto_key k = { .uplink_addr = p->daddr,
				      .raddr = p->saddr, .proto = p->proto };
	struct bpfnet_frag_key fk = {};
	struct bpfnet_proto_val *v;
	__u64 now = bpf_ktime_get_ns();
	__be32 caddr;

	v = bpf_map_lookup_elem(&proto_nat, &k);
	if (!v || v->expires_ns < now)
		return TC_ACT_NEXT_FILTER;	/* the host's own (an IPsec tunnel...) */
	proto_touch(v, now);
	caddr = v->caddr;
	frag_key_of(p, &fk);
	if (nat_addr(skb, p, 0, p->daddr, caddr))
		return drop(BPFNET_STAT_DROP_CSUM, caddr);
	frag_note(p, &fk, caddr, 0);
	p->daddr = caddr;
	stat_inc(BPFNET_STAT_PROTO_NAT_PKTS);
	ep_rx(caddr, p->tot_len);
	return deliver(skb, p, cfg, caddr);
}

#endif
