/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connection tracking and source port allocation. A flow from a container
 * owns two entries: conntrack (its own tuple -> translation and state) and
 * rev_nat (the reply tuple on the uplink -> the container). The reply entry
 * is claimed first with BPF_NOEXIST, so two flows can never share a
 * translated tuple, even when CPUs race.
 */
#ifndef BPFNET_CT_H
#define BPFNET_CT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "flow.h"
#include "hostsock.h"
#include "maps.h"
#include "parse.h"
#include "peers.h"
#include "stats.h"

static __always_inline __u64 ct_lifetime(__u8 proto, __u8 state)
{
	if (proto == IPPROTO_TCP) {
		if (state == BPFNET_CT_ESTABLISHED)
			return BPFNET_CT_TCP_EST_SECS * NSEC_PER_SEC;
		if (state == BPFNET_CT_CLOSING)
			return BPFNET_CT_TCP_CLOSE_SECS * NSEC_PER_SEC;
		return BPFNET_CT_TCP_SYN_SECS * NSEC_PER_SEC;
	}
	if (proto == IPPROTO_UDP)
		return BPFNET_CT_UDP_SECS * NSEC_PER_SEC;
	return BPFNET_CT_ICMP_SECS * NSEC_PER_SEC;
}

/* Advance the state with one packet (reply=1: coming back) and refresh it. */
static __always_inline void ct_touch(struct bpfnet_ct *ct, const struct pkt *p,
				     int reply, __u64 now)
{
	__u8 f = p->tcp_flags;

	if (reply)
		ct->seen_reply = 1;
	if (p->proto == IPPROTO_TCP) {
		if (f & (TCP_FLAG_FIN | TCP_FLAG_RST))
			ct->state = BPFNET_CT_CLOSING;
		else if ((f & TCP_FLAG_SYN) && !(f & TCP_FLAG_ACK) && !reply)
			ct->state = BPFNET_CT_NEW;	/* (re)opened */
		else if (ct->seen_reply && (f & TCP_FLAG_ACK) &&
			 !(f & TCP_FLAG_SYN) && ct->state == BPFNET_CT_NEW)
			ct->state = BPFNET_CT_ESTABLISHED;
	} else if (reply) {
		ct->state = BPFNET_CT_ESTABLISHED;
	}
	ct->expires_ns = now + ct_lifetime(p->proto, ct->state);
	__sync_fetch_and_add(&ct->packets, 1);
	__sync_fetch_and_add(&ct->bytes, p->tot_len);
}

/* The tuple replies of flow k carry on the uplink once translated. */
static __always_inline void reply_of(const struct bpfnet_flow *k, __be32 nat_addr,
				     __be16 nat_port, struct bpfnet_flow *r)
{
	flow_reply(r, nat_addr, nat_port, k->daddr, k->dport, k->proto);
}

/*
 * Claim a translated tuple for flow k: its own port first (when inside
 * --snat-ports), then random ones of the range; never one a host socket
 * uses towards the same remote, nor one another network on the uplink
 * holds (peers.h).
 */
static __always_inline int ct_claim_port(struct __sk_buff *skb,
					 const struct bpfnet_flow *k,
					 const struct bpfnet_cfg *cfg,
					 __be16 *port)
{
	struct bpfnet_rnat rv = {
		.caddr = k->saddr, .cport = k->sport,
		.raddr = k->daddr, .rport = k->dport,
	};
	__u32 span = (__u32)cfg->port_max - cfg->port_min + 1;
	struct bpfnet_flow r = {};
	__u16 own = bpf_ntohs(k->sport);
	__be16 cand = k->sport;

	/* an echo id is no port: kept as it is */
	if (k->proto != IPPROTO_ICMP && (own < cfg->port_min || own > cfg->port_max))
		cand = bpf_htons(cfg->port_min + bpf_get_prandom_u32() % span);
	for (int i = 0; i < BPFNET_PORT_RETRIES; i++) {
		reply_of(k, cfg->uplink_addr, cand, &r);
		if (host_socket(skb, k->proto, k->daddr, k->dport,
				cfg->uplink_addr, cand, 0)) {
			stat_inc(BPFNET_STAT_HOST_PORT_SKIPPED);
		} else if (!bpf_map_update_elem(&rev_nat, &r, &rv, BPF_NOEXIST)) {
			if (!peer_holds(&r)) {
				*port = cand;
				return 0;
			}
			bpf_map_delete_elem(&rev_nat, &r);
			stat_inc(BPFNET_STAT_PEER_PORT_SKIPPED);
		}
		stat_inc(BPFNET_STAT_PORT_RETRIES);
		cand = bpf_htons(cfg->port_min + bpf_get_prandom_u32() % span);
	}
	return BPFNET_ERR;
}

/* Drop a flow's entries (its reply entry only if it is still ours). */
static __always_inline void ct_forget(const struct bpfnet_flow *k,
				      const struct bpfnet_ct *ct)
{
	struct bpfnet_flow r = {};
	struct bpfnet_rnat *rv;

	reply_of(k, ct->nat_addr, ct->nat_port, &r);
	rv = bpf_map_lookup_elem(&rev_nat, &r);
	if (rv && rv->caddr == k->saddr && rv->cport == k->sport)
		bpf_map_delete_elem(&rev_nat, &r);
	bpf_map_delete_elem(&conntrack, k);
}

/* Find the live translation of the packet's flow, or make one. */
static __always_inline struct bpfnet_ct *ct_snat(struct __sk_buff *skb,
						 const struct pkt *p,
						 const struct bpfnet_cfg *cfg,
						 __u64 now)
{
	struct bpfnet_flow k = {}, r = {};
	struct bpfnet_ct *ct, nct = {};
	__be16 port;

	flow_of(p, &k);
	ct = bpf_map_lookup_elem(&conntrack, &k);
	if (ct) {
		reply_of(&k, ct->nat_addr, ct->nat_port, &r);
		if (ct->expires_ns > now && ct->nat_addr == cfg->uplink_addr &&
		    bpf_map_lookup_elem(&rev_nat, &r))
			return ct;
		/* expired, evicted half, or the uplink address changed */
		ct_forget(&k, ct);
		stat_inc(BPFNET_STAT_FLOWS_EXPIRED);
	}
	if (ct_claim_port(skb, &k, cfg, &port))
		return NULL;
	nct.nat_addr = cfg->uplink_addr;
	nct.nat_port = port;
	nct.state = BPFNET_CT_NEW;
	nct.expires_ns = now + ct_lifetime(p->proto, BPFNET_CT_NEW);
	if (bpf_map_update_elem(&conntrack, &k, &nct, BPF_NOEXIST)) {
		/* another CPU created it first: give our claim back */
		reply_of(&k, cfg->uplink_addr, port, &r);
		bpf_map_delete_elem(&rev_nat, &r);
	} else {
		stat_inc(BPFNET_STAT_FLOWS_CREATED);
	}
	return bpf_map_lookup_elem(&conntrack, &k);
}

#endif
