/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Destination NAT for published ports, from the port_maps hash (one lookup,
 * whatever the number of maps). A new connection to a published port makes
 * two entries: dnat_ct (the client's tuple -> the container) and dnat_rev
 * (the container's reply tuple -> the address and port the client dialled).
 * A container reaching its own published port is also given the gateway as
 * source, or its reply would never leave it.
 */
#ifndef BPFNET_PORTMAP_H
#define BPFNET_PORTMAP_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "ct.h"
#include "config.h"
#include "flow.h"
#include "forward.h"
#include "hostsock.h"
#include "maps.h"
#include "nat.h"
#include "parse.h"
#include "stats.h"

/* The port map for host:port, then (with any) the one on every address. */
static __always_inline struct bpfnet_pm_val *pm_find(__be32 host, __be16 port,
						     __u8 proto, int any)
{
	struct bpfnet_pm_key k = { .host_addr = host, .host_port = port,
				   .proto = proto };
	struct bpfnet_pm_val *v = bpf_map_lookup_elem(&port_maps, &k);

	if (v || !any)
		return v;
	k.host_addr = 0;
	return bpf_map_lookup_elem(&port_maps, &k);
}

/*
 * Is the packet's destination an address of the host, where a port on
 * every address is published? The uplink's address and the gateway are;
 * another is when the FIB routes it to the host itself (a secondary
 * address, another interface's). A port published on one address needs no
 * such question: the address was checked when it was published.
 */
static __always_inline int to_host_addr(struct __sk_buff *skb, const struct pkt *p,
					const struct bpfnet_cfg *cfg)
{
	struct bpf_fib_lookup fib = {};

	if (p->daddr == cfg->uplink_addr || p->daddr == cfg->gateway)
		return 1;
	if ((p->daddr & bpf_htonl(0xf0000000)) == bpf_htonl(0xe0000000) ||
	    p->daddr == 0xffffffff || in_subnet(cfg, p->daddr))
		return 0;
	return fib_lookup4(skb, p, cfg, &fib, 0) == BPF_FIB_LKUP_RET_NOT_FWDED;
}

/* Where a packet to a published port comes from (dnat_get). */
enum {
	DNAT_TO_HOST = 1,	/* from a container, to an address known to be the host's */
	DNAT_FROM_OUTSIDE = 2,	/* from outside, on the uplink: maybe the host's own flow */
};

static __always_inline int is_new_conn(const struct pkt *p)
{
	if (p->proto == IPPROTO_TCP)
		return (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
	return 1;
}

/*
 * The live DNAT flow of the packet, made from a port map if it is new. A
 * port on every address counts where the destination is the host's. From
 * outside, never a datagram a host UDP socket would receive: one connected
 * to that peer, or one bound to the port unconnected (a client on an
 * ephemeral port inside a published range looks just like a listener; a
 * listener there before the port was published is one only --force let
 * in). The host's flows are never taken.
 */
static __always_inline struct bpfnet_ct *dnat_get(struct __sk_buff *skb,
						  const struct pkt *p,
						  const struct bpfnet_cfg *cfg,
						  __u64 now, int where)
{
	struct bpfnet_flow k = {}, rk = {};
	struct bpfnet_dnat_rev rv = {};
	struct bpfnet_ct *ct, nct = {};
	struct bpfnet_pm_val *pm;

	if (!p->has_ports || p->proto == IPPROTO_ICMP)
		return NULL;
	flow_of(p, &k);
	ct = bpf_map_lookup_elem(&dnat_ct, &k);
	if (ct && ct->expires_ns > now)
		return ct;
	if (!is_new_conn(p))
		return NULL;
	pm = pm_find(p->daddr, p->dport, p->proto, 0);
	if (!pm && (where == DNAT_TO_HOST || to_host_addr(skb, p, cfg)))
		pm = pm_find(p->daddr, p->dport, p->proto, 1);
	if (!pm)
		return NULL;
	if (where == DNAT_FROM_OUTSIDE && p->proto == IPPROTO_UDP &&
	    host_socket(skb, p->proto, p->saddr, p->sport, p->daddr,
			p->dport, 0)) {
		stat_inc(BPFNET_STAT_HOST_FLOW_KEPT);
		return NULL;
	}
	nct.nat_addr = pm->caddr;
	nct.nat_port = pm->cport;
	nct.state = BPFNET_CT_NEW;
	nct.expires_ns = now + ct_lifetime(p->proto, BPFNET_CT_NEW);
	if (p->saddr == pm->caddr)
		nct.hairpin_addr = cfg->gateway;
	/* the container answers the client, or the gateway standing in for it */
	flow_reply(&rk, nct.hairpin_addr ? nct.hairpin_addr : p->saddr, p->sport,
		   pm->caddr, pm->cport, p->proto);
	rv.host_addr = p->daddr;
	rv.host_port = p->dport;
	rv.client_addr = p->saddr;
	rv.client_port = p->sport;
	if (bpf_map_update_elem(&dnat_rev, &rk, &rv, BPF_ANY) ||
	    bpf_map_update_elem(&dnat_ct, &k, &nct, BPF_ANY))
		return NULL;
	stat_inc(BPFNET_STAT_DNAT_FLOWS);
	return bpf_map_lookup_elem(&dnat_ct, &k);
}

/* Rewrite a packet of a DNAT flow towards its container. */
static __always_inline int dnat_apply(struct __sk_buff *skb, struct pkt *p,
				      struct bpfnet_ct *ct, __u64 now)
{
	ct_touch(ct, p, 0, now);
	if (nat_addr(skb, p, 0, p->daddr, ct->nat_addr) ||
	    nat_port(skb, p, 0, p->dport, ct->nat_port))
		return BPFNET_ERR;
	if (ct->hairpin_addr &&
	    nat_addr(skb, p, 1, p->saddr, ct->hairpin_addr))
		return BPFNET_ERR;
	p->daddr = ct->nat_addr;
	p->dport = ct->nat_port;
	stat_inc(BPFNET_STAT_DNAT_PKTS);
	return 0;
}

/*
 * A packet from a published container: if it answers a DNAT flow, give it
 * the published address and port as source (and the client back as
 * destination). 0: rewritten; BPFNET_CONTINUE: not such a reply;
 * BPFNET_ERR: the rewrite failed.
 */
static __always_inline int dnat_reverse(struct __sk_buff *skb, struct pkt *p,
					__u64 now)
{
	struct bpfnet_flow rk = {}, ck = {};
	struct bpfnet_dnat_rev *rv;
	struct bpfnet_ct *ct;
	__be32 client;

	if (!p->has_ports || p->proto == IPPROTO_ICMP)
		return BPFNET_CONTINUE;
	flow_of(p, &rk);
	rv = bpf_map_lookup_elem(&dnat_rev, &rk);
	if (!rv)
		return BPFNET_CONTINUE;
	/* the client's flow, which the reply answers as published */
	flow_reply(&ck, rv->host_addr, rv->host_port, rv->client_addr,
		   rv->client_port, p->proto);
	ct = bpf_map_lookup_elem(&dnat_ct, &ck);
	if (!ct || ct->expires_ns < now)
		return BPFNET_CONTINUE;
	ct_touch(ct, p, 1, now);
	client = rv->client_addr;
	if (nat_addr(skb, p, 1, p->saddr, rv->host_addr) ||
	    nat_port(skb, p, 1, p->sport, rv->host_port))
		return BPFNET_ERR;
	if (p->daddr != client && nat_addr(skb, p, 0, p->daddr, client))
		return BPFNET_ERR;
	p->saddr = ck.daddr;
	p->sport = ck.dport;
	p->daddr = client;
	stat_inc(BPFNET_STAT_DNAT_REPLIES);
	return 0;
}

#endif
