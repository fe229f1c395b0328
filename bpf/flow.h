/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flow tuples, the keys of conntrack, rev_nat, dnat_ct and dnat_rev. Every
 * tuple of the other direction is built by flow_reply, so the code that
 * writes a reply entry and the code that looks it up cannot disagree on
 * which address or port goes where.
 */
#ifndef BPFNET_FLOW_H
#define BPFNET_FLOW_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "parse.h"

/* The tuple of the packet as it is now. */
static __always_inline void flow_of(const struct pkt *p, struct bpfnet_flow *k)
{
	k->saddr = p->saddr;
	k->daddr = p->daddr;
	k->sport = p->sport;
	k->dport = p->dport;
	k->proto = p->proto;
}

/* The tuple of the replies to packets from saddr:sport to daddr:dport. */
static __always_inline void flow_reply(struct bpfnet_flow *r,
				       __be32 saddr, __be16 sport,
				       __be32 daddr, __be16 dport, __u8 proto)
{
	r->saddr = daddr;
	r->daddr = saddr;
	r->sport = dport;
	r->dport = sport;
	r->proto = proto;
}

#endif
