/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv4 fragments, translated as their datagram's first fragment was. The
 * first fragment carries the L4 header: it meets the flow tables as any
 * packet does (SNAT, reverse NAT, published ports) and its translation is
 * noted in frag_nat under the datagram as it came (source, destination,
 * IP id, protocol). The later fragments have no ports: they get the same
 * address from that entry, and only the IP checksum changes (the L4
 * checksum, in the first fragment, covers the whole datagram).
 *
 * Fragments seen before their first: leaving, dropped and counted
 * (drop_fragment_unknown: a private source never leaks); arriving, left to
 * the next filter and the stack (they may be the host's own), as Cilium
 * does. The kernel sends a datagram's fragments in order.
 */
#ifndef BPFNET_FRAG_H
#define BPFNET_FRAG_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "forward.h"
#include "maps.h"
#include "nat.h"
#include "parse.h"
#include "stats.h"

/* The datagram the packet (a fragment) belongs to, as it is now. */
static __always_inline void frag_key_of(const struct pkt *p,
					struct bpfnet_frag_key *k)
{
	k->saddr = p->saddr;
	k->daddr = p->daddr;
	k->id = p->ip_id;
	k->proto = p->proto;
}

/*
 * After a first fragment's translation: its datagram, keyed as it came (k,
 * taken before), gets addr as new source (src = 1) or destination. Nothing
 * for a packet that is no fragment.
 */
static __always_inline void frag_note(const struct pkt *p,
				      const struct bpfnet_frag_key *k,
				      __be32 addr, int src)
{
	struct bpfnet_frag_val v = { .addr = addr, .src = (__u8)src };

	if (!p->frag || p->frag_later)
		return;
	v.expires_ns = bpf_ktime_get_ns() + BPFNET_FRAG_SECS * NSEC_PER_SEC;
	bpf_map_update_elem(&frag_nat, k, &v, BPF_ANY);
}

/* The live translation of a later fragment's datagram, or NULL. */
static __always_inline const struct bpfnet_frag_val *frag_find(const struct pkt *p,
							       int src)
{
	struct bpfnet_frag_key k = {};
	struct bpfnet_frag_val *v;

	frag_key_of(p, &k);
	v = bpf_map_lookup_elem(&frag_nat, &k);
	if (!v || v->src != src || v->expires_ns < bpf_ktime_get_ns())
		return NULL;
	return v;
}

/* Rewrite a later fragment's address as its first's was; p follows. */
static __always_inline int frag_apply(struct __sk_buff *skb, struct pkt *p,
				      const struct bpfnet_frag_val *v)
{
	__be32 to = v->addr;

	if (v->src) {
		if (nat_addr(skb, p, 1, p->saddr, to))
			return BPFNET_ERR;
		p->saddr = to;
	} else {
		if (nat_addr(skb, p, 0, p->daddr, to))
			return BPFNET_ERR;
		p->daddr = to;
	}
	stat_inc(BPFNET_STAT_FRAG_XLATED);
	return 0;
}

/*
 * A container's later fragment: translated and redirected to the uplink
 * when its datagram's first was and the route fits (leaves_fast); else
 * BPFNET_CONTINUE, untranslated: the stack forwards it (or answers), and
 * the uplink egress translates it (frag_egress).
 */
static __noinline int frag_from_container(struct __sk_buff *skb, struct pkt *p,
					       const struct bpfnet_cfg *cfg)
{
	const struct bpfnet_frag_val *v = frag_find(p, 1);
	struct bpf_fib_lookup fib = {};
	__be32 caddr = p->saddr;
	int rc;

	if (!v || !leaves_fast(skb, p, cfg, &fib) || fib.ifindex != cfg->uplink_ifindex)
		return BPFNET_CONTINUE;
	if (frag_apply(skb, p, v))
		return drop(BPFNET_STAT_DROP_CSUM, caddr);
	rc = fib_redirect(skb, p, &fib);
	return rc == BPFNET_ERR ? drop(BPFNET_STAT_DROP_CSUM, caddr) : rc;
}

/* A later fragment the stack routed to the uplink: translated, or dropped. */
static __always_inline int frag_egress(struct __sk_buff *skb, struct pkt *p)
{
	const struct bpfnet_frag_val *v = frag_find(p, 1);
	__be32 caddr = p->saddr;

	if (!v)
		return drop(BPFNET_STAT_DROP_FRAG_UNKNOWN, caddr);
	if (frag_apply(skb, p, v))
		return drop(BPFNET_STAT_DROP_CSUM, caddr);
	return TC_ACT_OK;
}

/* A later fragment on the uplink: to its container, or not ours. */
static __always_inline int frag_ingress(struct __sk_buff *skb, struct pkt *p,
					const struct bpfnet_cfg *cfg)
{
	const struct bpfnet_frag_val *v = frag_find(p, 0);

	if (!v)
		return TC_ACT_NEXT_FILTER;
	if (frag_apply(skb, p, v))
		return drop(BPFNET_STAT_DROP_CSUM, v->addr);
	return deliver(skb, p, cfg, p->daddr);
}

#endif
