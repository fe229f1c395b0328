/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MTU on the fast path. What goes out of the uplink by
 * bpf_redirect_neigh is never fragmented nor checked again, so the route's
 * MTU is checked before (fib_route): the packet's length, or, for a GSO
 * packet, the length of one of the segments it will be cut into, against
 * the route's MTU (a route's "mtu", a learnt path MTU, else the device's).
 * What does not fit is left to the stack untranslated: its forwarding path
 * answers "fragmentation needed" (DF set, GSO included) from the gateway,
 * with the next-hop MTU, or fragments the packet, and the uplink egress
 * translates the fragments (frag.h). Nothing is translated before that
 * decision, so the stack never gets a packet with one of its own addresses
 * as source.
 */
#ifndef BPFNET_MTU_H
#define BPFNET_MTU_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "consts.h"
#include "parse.h"

/* The IP length of the packet, or of each of its GSO segments. */
static __always_inline __u16 route_len(struct __sk_buff *skb, const struct pkt *p)
{
	__u32 len = p->l4off - ETH_HLEN + skb->gso_size;
	__u8 doff;

	if (!skb->gso_size || skb->gso_segs <= 1)
		return p->tot_len;
	if (p->proto == IPPROTO_TCP) {
		if (bpf_skb_load_bytes(skb, p->l4off + 12, &doff, 1))
			return p->tot_len;
		len += (doff >> 4) * 4;
	} else if (p->proto == IPPROTO_UDP) {
		len += 8;
	}
	return len < p->tot_len ? len : p->tot_len;
}

#endif
