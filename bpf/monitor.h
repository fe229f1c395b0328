/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events for `bpfnet monitor`: a drop or a translation, written straight
 * into the ring buffer's memory (no copy on the stack), only while a
 * monitor's lease of that type runs (bpfnet_shared.h), at most `rate` per
 * second on each CPU.
 */
#ifndef BPFNET_MONITOR_H
#define BPFNET_MONITOR_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "maps.h"

/*
 * Does a monitor want events of this type now? With none, one array
 * lookup and a zero test. A lease found expired is cleared, so a monitor
 * that was killed costs the clock read only until the next packet.
 */
static __always_inline const struct bpfnet_monitor_ctl *monitor_wants(__u32 type,
								 __u64 *now)
{
	struct bpfnet_monitor_ctl *c;
	__u32 zero = 0;
	__u64 until;

	c = bpf_map_lookup_elem(&monitor_ctl, &zero);
	if (!c || type >= BPFNET_EV_TYPES)
		return NULL;
	until = c->until_ns[type];
	if (!until)
		return NULL;
	*now = bpf_ktime_get_ns();
	if (*now < until)
		return c;
	c->until_ns[type] = 0;
	return NULL;
}

/* One token of this CPU's second: 1, or 0 and the event counted lost. */
static __always_inline int monitor_take(const struct bpfnet_monitor_ctl *c,
					__u64 now)
{
	__u32 zero = 0, rate = c->rate ? c->rate : BPFNET_MONITOR_RATE;
	struct bpfnet_monitor_budget *b;

	b = bpf_map_lookup_elem(&monitor_budget, &zero);
	if (!b)
		return 0;
	if (now - b->second_ns >= NSEC_PER_SEC) {
		b->second_ns = now;
		b->used = 0;
	}
	if (b->used >= rate) {
		b->lost++;
		return 0;
	}
	b->used++;
	return 1;
}

/* The ring is full: the reader is behind. Counted with the rate's losses. */
static __always_inline void monitor_ring_full(void)
{
	struct bpfnet_monitor_budget *b;
	__u32 zero = 0;

	b = bpf_map_lookup_elem(&monitor_budget, &zero);
	if (b)
		b->lost++;
}

/* A reserved event, zeroed, with its header; NULL when none may be made. */
static __always_inline struct bpfnet_event *monitor_event(struct __sk_buff *skb,
							  __u32 type, __u32 reason,
							  __be32 ep_addr)
{
	const struct bpfnet_monitor_ctl *c;
	struct bpfnet_event *e;
	__u64 now = 0;

	c = monitor_wants(type, &now);
	if (!c || !monitor_take(c, now))
		return NULL;
	e = bpf_ringbuf_reserve(&monitor_ring, sizeof(*e), 0);
	if (!e) {
		monitor_ring_full();
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = now;
	e->type = type;
	e->reason = reason;
	e->ifindex = skb->ifindex;
	e->ep_addr = ep_addr;
	e->eth_proto = bpf_ntohs(skb->protocol);
	return e;
}

/*
 * The packet's tuple, read from the frame as it is now, into the event:
 * addresses and protocol of IPv4, the ports of TCP and UDP (not of a later
 * fragment: it has none).
 */
static __always_inline void monitor_tuple(struct __sk_buff *skb,
					  struct bpfnet_event *e,
					  struct bpfnet_flow *f)
{
	struct {
		__u8 ver_ihl, tos;
		__be16 tot_len, id, frag_off;
	} h;
	__u32 l4off;

	if (e->eth_proto != ETH_P_IP ||
	    bpf_skb_load_bytes(skb, ETH_HLEN, &h, sizeof(h)) ||
	    bpf_skb_load_bytes(skb, ETH_HLEN + IP_SADDR_OFF, &f->saddr, 8) ||
	    bpf_skb_load_bytes(skb, ETH_HLEN + 9, &f->proto, 1))
		return;
	if (bpf_ntohs(h.frag_off) & IP_OFFSET)
		return;
	if (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
		return;
	l4off = ETH_HLEN + (h.ver_ihl & 0xf) * 4;
	if (bpf_skb_load_bytes(skb, l4off, &f->sport, 4)) {
		f->sport = 0;
		f->dport = 0;
	}
}

/*
 * IPv6's tuple, read from the frame into the event: the addresses (into s
 * and d, the event's IPv6 fields, straight into the ring's memory), the
 * fixed header's next header as protocol and, when that is TCP or UDP, the
 * ports (into f). Behind extension headers the protocol shown is the first
 * of them (0 hop-by-hop, 44 fragment ...) and the ports are 0: the chain
 * is not walked here.
 */
static __always_inline void monitor_tuple6(struct __sk_buff *skb,
					   struct bpfnet_flow *f,
					   struct bpfnet_in6 *s,
					   struct bpfnet_in6 *d)
{
	if (bpf_skb_load_bytes(skb, ETH_HLEN + 8, s, sizeof(*s)) ||
	    bpf_skb_load_bytes(skb, ETH_HLEN + 24, d, sizeof(*d)) ||
	    bpf_skb_load_bytes(skb, ETH_HLEN + 6, &f->proto, 1))
		return;
	if (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
		return;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + 40, &f->sport, 4)) {
		f->sport = 0;
		f->dport = 0;
	}
}

/*
 * A drop, for a monitor: its reason, the container the datapath knew
 * (ep_addr, or 0), the interface and the packet's tuple (IPv4's or IPv6's). A subprogram of
 * its own: the drop sites, deep in the call chains, pay its few bytes of
 * stack only while they call it.
 */
static __noinline int monitor_drop(struct __sk_buff *skb, __u32 reason,
				   __be32 ep_addr)
{
	struct bpfnet_event *e;

	e = monitor_event(skb, BPFNET_EV_DROP, reason, ep_addr);
	if (!e)
		return 0;
	if (e->eth_proto == ETH_P_IPV6)
		monitor_tuple6(skb, &e->tuple, &e->saddr6, &e->daddr6);
	else
		monitor_tuple(skb, e, &e->tuple);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Is a monitor tracing? Inline, so a translation pays one lookup for it. */
static __always_inline int monitor_tracing(void)
{
	struct bpfnet_monitor_ctl *c;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&monitor_ctl, &zero);
	return c && c->until_ns[BPFNET_EV_TRACE];
}

/* The counter a translation of this kind adds to: the event's reason. */
static __always_inline __u32 trace_reason(__u32 kind)
{
	switch (kind) {
	case BPFNET_TRACE_SNAT:
		return BPFNET_STAT_SNAT_PKTS;
	case BPFNET_TRACE_RNAT:
		return BPFNET_STAT_RNAT_PKTS;
	case BPFNET_TRACE_DNAT:
		return BPFNET_STAT_DNAT_PKTS;
	case BPFNET_TRACE_DNAT_REPLY:
		return BPFNET_STAT_DNAT_REPLIES;
	default:
		return BPFNET_STAT_HAIRPIN;
	}
}

/*
 * A translation, once written: the packet as it came (before: the tuple
 * the caller kept, a few stores on its stack, no lookup) and as it leaves,
 * read from the frame; kind says which translation it was (enum
 * bpfnet_trace_kind). Called only once monitor_tracing() said yes, so a
 * translation pays one lookup and a zero test when no monitor traces.
 */
static __noinline int monitor_trace(struct __sk_buff *skb, __u32 kind,
				    __be32 ep_addr,
				    const struct bpfnet_flow *before)
{
	struct bpfnet_event *e;

	if (!before)
		return 0;
	e = monitor_event(skb, BPFNET_EV_TRACE, trace_reason(kind), ep_addr);
	if (!e)
		return 0;
	e->kind = kind;
	monitor_tuple(skb, e, &e->after);
	e->tuple = *before;
	if (e->tuple.proto != IPPROTO_TCP && e->tuple.proto != IPPROTO_UDP) {
		e->tuple.sport = 0;	/* an echo id is no port (as monitor_tuple) */
		e->tuple.dport = 0;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Does the container of an IPv6 translation of this kind send (its address
 * the source as the packet came), or receive (the destination as it left)? */
static __always_inline int trace_from_container(__u32 kind)
{
	return kind == BPFNET_TRACE_SNAT || kind == BPFNET_TRACE_DNAT_REPLY ||
	       kind == BPFNET_TRACE_HAIRPIN_REPLY;
}

/*
 * IPv6's monitor_trace: before is the flow's tuple as the packet came (the
 * caller's, already made for its lookups), the tuple as it leaves is read
 * from the frame, the addresses of both into the event's IPv6 fields. The
 * container (ep_addr, its IPv4 address: what the monitor knows it by) is
 * found here, in endpoints6: a lookup paid only while a monitor traces.
 */
static __noinline int monitor_trace6(struct __sk_buff *skb, __u32 kind,
				     const struct bpfnet_flow6 *before)
{
	const struct bpfnet_endpoint *ep;
	struct bpfnet_event *e;
	struct bpfnet_in6 who;	/* the key on the stack: never a pointer picked by a select */

	if (!before)
		return 0;
	e = monitor_event(skb, BPFNET_EV_TRACE, trace_reason(kind), 0);
	if (!e)
		return 0;
	e->kind = kind;
	monitor_tuple6(skb, &e->after, &e->after_saddr6, &e->after_daddr6);
	e->saddr6 = before->saddr;
	e->daddr6 = before->daddr;
	e->tuple.proto = before->proto;
	if (before->proto == IPPROTO_TCP || before->proto == IPPROTO_UDP) {
		e->tuple.sport = before->sport;	/* (an echo id is no port) */
		e->tuple.dport = before->dport;
	}
	who = trace_from_container(kind) ? before->saddr : e->after_daddr6;
	ep = bpf_map_lookup_elem(&endpoints6, &who);
	if (ep)
		e->ep_addr = ep->ip4;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

#endif
