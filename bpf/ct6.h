/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 flows (conntrack6): a flow a container opens is noted under its own
 * tuple, and a packet from outside reaches a container only as a reply of
 * one (or an ICMPv6 error quoting one). State, expiry, the TCP FINs and
 * acknowledgements follow ct.h's logic on the struct bpfnet_ct inside each
 * entry, so IPv6 flows live and close as IPv4's do. Two tiers, as IPv4's
 * (maps.h: floods): a new flow is made in ct6_new (NAT66: its reply entry
 * in rev_nat6_new) and moves to conntrack6 (rev_nat6) on its first reply,
 * so a flood of flows nobody answers never evicts an answered one. Routed
 * mode translates nothing; NAT66 keeps its translated source in the same
 * entry (nat_addr6, ct.nat_port).
 */
#ifndef BPFNET_CT6_H
#define BPFNET_CT6_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "ct.h"
#include "maps.h"
#include "parse6.h"
#include "stats.h"

/* The tuple of the packet as it is now. */
static __always_inline void flow6_of(const struct pkt6 *p6, struct bpfnet_flow6 *k)
{
	k->saddr = p6->saddr;
	k->daddr = p6->daddr;
	k->sport = p6->p.sport;
	k->dport = p6->p.dport;
	k->proto = p6->p.proto;
}

static __always_inline int flow6_eq(const struct bpfnet_flow6 *a, const struct bpfnet_flow6 *b)
{
	return in6_eq(&a->saddr, &b->saddr) && in6_eq(&a->daddr, &b->daddr) &&
	       a->sport == b->sport && a->dport == b->dport && a->proto == b->proto;
}

/* The tuple of the flow the packet answers (the other direction's). */
static __always_inline void flow6_reply_of(const struct pkt6 *p6, struct bpfnet_flow6 *k)
{
	k->saddr = p6->daddr;
	k->daddr = p6->saddr;
	k->sport = p6->p.dport;
	k->dport = p6->p.sport;
	k->proto = p6->p.proto;
}

/*
 * Does a container's packet to the outside open (or carry on) a flow that
 * replies may answer? TCP, UDP, ICMPv6 echo requests, other protocols by
 * address (no ports); not ICMPv6 errors and echo replies (they answer the
 * outside, which opened nothing: it cannot), nor later fragments (no L4).
 */
static __always_inline int ct6_tracks(const struct pkt *p)
{
	if (p->frag_later)
		return 0;
	if (p->proto == NEXTHDR_ICMP6)
		return p->icmp_type == ICMP6_ECHO_REQUEST;
	return 1;
}

/* A new flow's entry before it is filled in: in .rodata, not on the stack. */
static const struct bpfnet_ct6 ct6_zero;

/* The tuple replies of flow k carry on the uplink, translated to port. */
static __always_inline void nat6_reply_of(const struct bpfnet_flow6 *k,
					  const struct bpfnet_in6 *uplink, __be16 port,
					  struct bpfnet_flow6 *r)
{
	r->saddr = k->daddr;
	r->daddr = *uplink;
	r->sport = k->dport;
	r->dport = port;
	r->proto = k->proto;
}

/*
 * Flow k's live entry: answered (conntrack6, *main 1) or not yet (ct6_new,
 * *main 0); NULL when it has none, or only an expired one.
 */
static __always_inline struct bpfnet_ct6 *ct6_find(const struct bpfnet_flow6 *k,
						   __u64 now, int *main)
{
	struct bpfnet_ct6 *ct = bpf_map_lookup_elem(&conntrack6, k);

	*main = 1;
	if (ct && ct->ct.expires_ns > now)
		return ct;
	*main = 0;
	ct = bpf_map_lookup_elem(&ct6_new, k);
	return ct && ct->ct.expires_ns > now ? ct : NULL;
}

/* Note a container's packet in its flow, making the flow (ct6_new) if it is new. */
static __always_inline void ct6_out(const struct pkt6 *p6, __u64 now)
{
	struct bpfnet_flow6 k = {};
	__u64 flags = BPF_NOEXIST;
	struct bpfnet_ct6 *ct;

	if (!ct6_tracks(&p6->p))
		return;
	flow6_of(p6, &k);
	ct = bpf_map_lookup_elem(&conntrack6, &k);
	if (ct && ct->ct.expires_ns > now) {
		ct_touch(&ct->ct, &p6->p, 0, now);
		return;
	}
	if (ct) {
		/* expired: the same tuple opened again, a new flow, which lives
		 * in ct6_new until answered (its old NAT66 reply entry, if it is
		 * still its own, is found again by the port claim, or gc's) */
		bpf_map_delete_elem(&conntrack6, &k);
		stat_inc(BPFNET_STAT_FLOWS_EXPIRED);
	}
	ct = bpf_map_lookup_elem(&ct6_new, &k);
	if (ct && ct->ct.expires_ns > now) {
		ct_touch(&ct->ct, &p6->p, 0, now);
		return;
	}
	if (ct) {
		flags = BPF_EXIST;
		stat_inc(BPFNET_STAT_FLOWS_EXPIRED);
	}
	if (bpf_map_update_elem(&ct6_new, &k, &ct6_zero, flags))
		return;	/* another CPU made it first: its packet counts */
	ct = bpf_map_lookup_elem(&ct6_new, &k);
	if (!ct)
		return;
	stat_inc(BPFNET_STAT_FLOWS_CREATED);
	ct->ct.state = BPFNET_CT_NEW;
	ct->ct.created_ns = now;
	ct_touch(&ct->ct, &p6->p, 0, now);	/* its expiry, its first packet */
}

/*
 * Flow k's live entry for a packet that answers it: one of ct6_new moves
 * to conntrack6 (promoted), unless it is NAT66's by port (nat, 0), whose
 * reply entry must move with it (nat6_in does both). NULL: none.
 */
static __always_inline struct bpfnet_ct6 *ct6_answered(const struct bpfnet_flow6 *k,
						       __u64 now, int nat)
{
	struct bpfnet_ct6 *ct;
	int main;

	ct = ct6_find(k, now, &main);
	if (!ct || main || (!nat && !in6_is_zero(&ct->nat_addr6)))
		return ct;
	if (bpf_map_update_elem(&conntrack6, k, ct, BPF_ANY))
		return ct;
	bpf_map_delete_elem(&ct6_new, k);
	stat_inc(BPFNET_STAT_FLOWS_PROMOTED);
	return bpf_map_lookup_elem(&conntrack6, k);
}

/* Is a packet from outside a reply of a live flow of its container? Noted. */
static __always_inline int ct6_reply(const struct pkt6 *p6, __u64 now)
{
	struct bpfnet_flow6 k = {};
	struct bpfnet_ct6 *ct;

	if (p6->p.frag_later || p6->p.icmp_error)
		return 0;
	/* an echo reply answers a request; no other ICMPv6 answers a flow */
	if (p6->p.proto == NEXTHDR_ICMP6 && p6->p.icmp_type != ICMP6_ECHO_REPLY)
		return 0;
	flow6_reply_of(p6, &k);
	ct = ct6_answered(&k, now, 0);
	if (!ct)
		return 0;
	ct_touch(&ct->ct, &p6->p, 1, now);
	return 1;
}

/*
 * Is an ICMPv6 error from outside about a live flow of the container it is
 * sent to? The quoted packet is that flow's, as the container sent it: its
 * source the error's destination, its tuple a key of conntrack6 or ct6_new (TCP, UDP,
 * ICMPv6 echo requests; a quoted extension header is not followed).
 */
static __always_inline int ct6_error(struct __sk_buff *skb, const struct pkt6 *p6,
				     __u64 now)
{
	__u32 off = p6->p.l4off + 8;	/* the quoted IPv6 header */
	struct bpfnet_flow6 k = {};
	struct ipv6hdr ip;
	__u8 l4[6];
	int main;

	if (!p6->p.icmp_error || p6->p.frag_later ||
	    bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)) ||
	    bpf_skb_load_bytes(skb, off + IPV6_HLEN, l4, sizeof(l4)))
		return 0;
	__builtin_memcpy(&k.saddr, &ip.saddr, sizeof(k.saddr));
	__builtin_memcpy(&k.daddr, &ip.daddr, sizeof(k.daddr));
	if (!in6_eq(&k.saddr, &p6->daddr))
		return 0;
	k.proto = ip.nexthdr;
	switch (ip.nexthdr) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		k.sport = *(__be16 *)&l4[0];
		k.dport = *(__be16 *)&l4[2];
		break;
	case NEXTHDR_ICMP6:
		if (l4[0] != ICMP6_ECHO_REQUEST)
			return 0;
		k.sport = *(__be16 *)&l4[4];
		break;
	default:
		break;	/* other protocols: by address */
	}
	return ct6_find(&k, now, &main) != NULL;
}

/* The datagram a fragment from outside belongs to. */
static __always_inline void frag6_key_of(const struct pkt6 *p6, struct bpfnet_frag6_key *k)
{
	k->saddr = p6->saddr;
	k->daddr = p6->daddr;
	k->id = p6->frag_id;
	k->proto = p6->p.proto;
}

/*
 * May a packet from outside enter its container? A reply of one of its
 * flows, an ICMPv6 error quoting one, or a later fragment of a datagram
 * whose first fragment was such a reply (noted here when it was let in;
 * one that comes before its first is not).
 */
static __always_inline int ct6_inbound(struct __sk_buff *skb, const struct pkt6 *p6)
{
	struct bpfnet_frag6_key fk = {};
	__u64 now = bpf_ktime_get_ns(), exp, *until;

	if (p6->p.frag)
		frag6_key_of(p6, &fk);
	if (p6->p.frag_later) {
		until = bpf_map_lookup_elem(&frag6_in, &fk);
		return until && *until > now;
	}
	if (!ct6_reply(p6, now) && !ct6_error(skb, p6, now))
		return 0;
	if (p6->p.frag) {	/* a first fragment: its followers may come */
		exp = now + BPFNET_FRAG_SECS * NSEC_PER_SEC;
		bpf_map_update_elem(&frag6_in, &fk, &exp, BPF_ANY);
	}
	return 1;
}

#endif
