/* SPDX-License-Identifier: GPL-2.0 */
/* Counters: global per-CPU slots and per-container traffic. */
#ifndef BPFNET_STATS_H
#define BPFNET_STATS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "maps.h"
#include "monitor.h"

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += n;
}

static __always_inline void stat_inc(__u32 idx)
{
	stat_add(idx, 1);
}

/*
 * A container's first counters: in .rodata, not on the stack, so counting
 * costs the programs (near the 512-byte stack limit) no stack of its own.
 */
static const struct bpfnet_ep_stats ep_stats_zero;

static __always_inline struct bpfnet_ep_stats *ep_stats(__be32 addr)
{
	struct bpfnet_ep_stats *s;

	s = bpf_map_lookup_elem(&endpoint_stats, &addr);
	if (s)
		return s;
	bpf_map_update_elem(&endpoint_stats, &addr, &ep_stats_zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&endpoint_stats, &addr);
}

/* A packet (len: its IP total length) the container at addr sent. */
static __always_inline void ep_tx(__be32 addr, __u32 len)
{
	struct bpfnet_ep_stats *s = ep_stats(addr);

	if (s) {
		s->tx_packets++;
		s->tx_bytes += len;
	}
}

/* A packet delivered to the container at addr. */
static __always_inline void ep_rx(__be32 addr, __u32 len)
{
	struct bpfnet_ep_stats *s = ep_stats(addr);

	if (s) {
		s->rx_packets++;
		s->rx_bytes += len;
	}
}

/*
 * Drop a packet, counting why (and against the container if known), and
 * telling a monitor (monitor.h). Called as drop(reason, ep_addr): every
 * drop site is a TC program's helper whose packet is `skb`.
 */
#define drop(reason, ep_addr) drop_skb(skb, (reason), (ep_addr))

static __always_inline int drop_skb(struct __sk_buff *skb, __u32 reason,
				    __be32 ep_addr)
{
	struct bpfnet_ep_stats *s;

	stat_inc(reason);
	monitor_drop(skb, reason, ep_addr);
	if (ep_addr) {
		s = bpf_map_lookup_elem(&endpoint_stats, &ep_addr);
		if (s)
			s->drops++;
	}
	return TC_ACT_SHOT;
}

#endif
