/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the stack may hand a container (to_container): answers to its flows,
 * and the host's own packets (under --isolate only replies and published
 * ports).
 */
#ifndef BPFNET_INTO_CONTAINER_H
#define BPFNET_INTO_CONTAINER_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "flow.h"
#include "maps.h"
#include "parse.h"
#include "stats.h"

/*
 * Does the packet start a conversation (rather than answer one the host
 * started)? TCP SYN, any UDP, ICMP echo request. Used by --isolate.
 */
static __always_inline int opens_conn(const struct pkt *p)
{
	if (p->proto == IPPROTO_TCP)
		return (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
	if (p->proto == IPPROTO_ICMP)
		return p->icmp_type == ICMP_ECHO;
	return 1;
}

/*
 * Does a packet routed in from outside the network answer a flow of its
 * container (a masqueraded one, or one through a published port)?
 */
static __always_inline int answers_flow(const struct pkt *p)
{
	struct bpfnet_flow k = {};

	if (!p->has_ports || p->icmp_error)
		return 0;
	flow_reply(&k, p->saddr, p->sport, p->daddr, p->dport, p->proto);
	return bpf_map_lookup_elem(&conntrack, &k) ||
	       bpf_map_lookup_elem(&ct_new, &k) ||
	       bpf_map_lookup_elem(&dnat_rev, &k) ||
	       bpf_map_lookup_elem(&dnat_rev_new, &k);
}

/* From the host itself: allowed, but under --isolate only its replies and
 * its sockets sent to a published port. */
static __always_inline int from_host(struct __sk_buff *skb, const struct pkt *p,
				     const struct bpfnet_cfg *cfg)
{
	struct bpfnet_sock_key k = {};

	if (!cfg->isolate || !opens_conn(p))
		return TC_ACT_OK;
	k.cookie = bpf_get_socket_cookie(skb);
	k.addr = p->daddr;
	k.port = p->dport;
	if (p->has_ports && bpf_map_lookup_elem(&sock_rev, &k))
		return TC_ACT_OK;
	return drop(BPFNET_STAT_DROP_ISOLATED, p->daddr);
}

#endif
