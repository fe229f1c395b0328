/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT66, a container's IPv6 fragments leaving by the uplink (fragment
 * header, RFC 8200 4.5). The first fragment carries the L4 header: it is
 * translated as any packet of its flow (nat6_out, the L4 checksum fixed
 * for the whole datagram through the pseudo header), and its datagram,
 * keyed as the container sent it (source, destination, identification,
 * next header), is noted in frag6_out with the source it left with. The
 * later fragments have no ports and IPv6 no header checksum: they only
 * take that source. One whose first was not translated (or seen) is
 * dropped and counted (drop_fragment_unknown): the container's own
 * address never leaves, as IPv4's frag.h. The kernel sends a datagram's
 * fragments in order.
 */
#ifndef BPFNET_FRAG6_H
#define BPFNET_FRAG6_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "ct6.h"
#include "maps.h"
#include "nat6.h"
#include "parse6.h"
#include "stats.h"

/*
 * A later fragment: the source its first left with (TC_ACT_OK), or a drop
 * verdict. Not inlined, as nat6_frag_note.
 */
static __noinline int nat6_frag_follow(struct __sk_buff *skb, struct pkt6 *p6)
{
	struct bpfnet_frag6_key k = {};
	struct bpfnet_frag6_val *v;
	struct bpfnet_in6 addr;

	frag6_key_of(p6, &k);
	v = bpf_map_lookup_elem(&frag6_out, &k);
	if (!v || v->expires_ns <= bpf_ktime_get_ns())
		return drop(BPFNET_STAT_DROP_FRAG_UNKNOWN, 0);
	addr = v->addr;
	if (bpf_skb_store_bytes(skb, ETH_HLEN + IP6_SADDR_OFF, &addr, sizeof(addr), 0))
		return drop(BPFNET_STAT_DROP_CSUM, 0);
	p6->saddr = addr;
	stat_inc(BPFNET_STAT_FRAG_XLATED);
	return TC_ACT_OK;
}

/* A datagram's entry before it is filled in: in .rodata, not on the stack. */
static const struct bpfnet_frag6_val frag6_zero;

/*
 * After a first fragment's translation: its datagram, keyed as the
 * container sent it (p6 still names the container), leaves with addr.
 * Not inlined: uplink_egress's combined stack is near its limit.
 */
static __noinline void nat6_frag_note(const struct pkt6 *p6, const struct bpfnet_in6 *addr)
{
	struct bpfnet_frag6_key k = {};
	struct bpfnet_frag6_val *v;

	frag6_key_of(p6, &k);
	if (bpf_map_update_elem(&frag6_out, &k, &frag6_zero, BPF_ANY))
		return;	/* its later fragments will be dropped */
	v = bpf_map_lookup_elem(&frag6_out, &k);
	if (!v)
		return;
	v->addr = *addr;
	v->expires_ns = bpf_ktime_get_ns() + BPFNET_FRAG_SECS * NSEC_PER_SEC;
}

/*
 * Replies to the uplink's address, the other way: a first fragment
 * translated back by nat6_in notes its datagram, keyed as it arrived (to
 * uplink), with the container it went to (p6 names it now); the later
 * ones follow it there. Not inlined, as above.
 */
static __noinline void nat6_frag_note_in(const struct pkt6 *p6, const struct bpfnet_in6 *uplink)
{
	struct bpfnet_frag6_key k = {};
	struct bpfnet_frag6_val *v;

	frag6_key_of(p6, &k);
	k.daddr = *uplink;	/* as it came */
	if (bpf_map_update_elem(&frag6_rnat, &k, &frag6_zero, BPF_ANY))
		return;	/* its later fragments are left to the host */
	v = bpf_map_lookup_elem(&frag6_rnat, &k);
	if (!v)
		return;
	v->addr = p6->daddr;
	v->expires_ns = bpf_ktime_get_ns() + BPFNET_FRAG_SECS * NSEC_PER_SEC;
}

/*
 * A later fragment to the uplink's address: its destination the container
 * its first went to (p6 then names it) and 0, or BPFNET_CONTINUE (no
 * datagram of ours: the host's own), or a drop verdict.
 */
static __noinline int nat6_frag_follow_in(struct __sk_buff *skb, struct pkt6 *p6)
{
	struct bpfnet_frag6_key k = {};
	struct bpfnet_frag6_val *v;
	struct bpfnet_in6 addr;

	frag6_key_of(p6, &k);
	v = bpf_map_lookup_elem(&frag6_rnat, &k);
	if (!v || v->expires_ns <= bpf_ktime_get_ns())
		return BPFNET_CONTINUE;
	addr = v->addr;
	if (bpf_skb_store_bytes(skb, ETH_HLEN + IP6_DADDR_OFF, &addr, sizeof(addr),
				BPF_F_RECOMPUTE_CSUM))
		return drop(BPFNET_STAT_DROP_CSUM, 0);
	p6->daddr = addr;
	stat_inc(BPFNET_STAT_FRAG_XLATED);
	return 0;
}

#endif
