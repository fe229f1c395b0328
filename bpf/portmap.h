/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Destination NAT for published ports, from the port_maps hash (one lookup,
 * whatever the number of maps). A new connection to a published port makes
 * two entries: dnat_ct (the client's tuple -> the container) and dnat_rev
 * (the container's reply tuple -> the address and port the client dialled);
 * dnat_ct_new and dnat_rev_new until the client spoke after the container's
 * answer (maps.h: floods).
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
 * The two halves of a DNAT flow are kept one as those of SNAT are (ct.h):
 * a dnat_rev entry is used only for the client flow it names when that
 * flow points back at it; a lost dnat_rev entry is claimed again by the
 * client's next packet; a lost dnat_ct entry is re-created by the
 * container's next reply (from dnat_rev), or by the client's next packet
 * (the port map names the container, hence the reverse tuple). A container
 * tuple that another live client flow holds is never shared: the new flow
 * is refused, or the one that lost its entry is cut (dnat_tuple_taken);
 * there is no port to remap on this side. What cannot be healed: a lost
 * dnat_rev entry while only the container speaks (its reply does not say
 * which published address and port it answers for), until the client's
 * next packet.
 */
static __always_inline int drev_owned(const struct bpfnet_dnat_rev *rv,
				      const struct bpfnet_flow *k)
{
	return rv->client_addr == k->saddr && rv->client_port == k->sport &&
	       rv->host_addr == k->daddr && rv->host_port == k->dport;
}

/* The tuple of the container's replies to client flow k, sent as ct says. */
static __always_inline void drev_key(const struct bpfnet_flow *k,
				     const struct bpfnet_ct *ct,
				     struct bpfnet_flow *rk)
{
	/* the container answers the client, or the gateway standing in for it */
	flow_reply(rk, ct->hairpin_addr ? ct->hairpin_addr : k->saddr, k->sport,
		   ct->nat_addr, ct->nat_port, k->proto);
}

/*
 * The tables of one tier (maps.h): answered flows (dnat_ct, dnat_rev) or
 * flows not proven two-way yet (dnat_ct_new, dnat_rev_new), and the other
 * tier's, against which a tuple is checked.
 */
struct dtier {
	void *ct, *rev, *other_ct, *other_rev;
};

#define DTIER_MAIN ((struct dtier){ &dnat_ct, &dnat_rev, &dnat_ct_new, &dnat_rev_new })
#define DTIER_NEW ((struct dtier){ &dnat_ct_new, &dnat_rev_new, &dnat_ct, &dnat_rev })

/* Does the live flow in ctmap that reverse entry cur names send to rk? */
static __always_inline int drev_held(void *ctmap, const struct bpfnet_dnat_rev *cur,
				     const struct bpfnet_flow *rk, __u64 now)
{
	struct bpfnet_flow ok = {};
	struct bpfnet_ct *oct;

	flow_reply(&ok, cur->host_addr, cur->host_port, cur->client_addr,
		   cur->client_port, rk->proto);
	oct = bpf_map_lookup_elem(ctmap, &ok);
	return oct && oct->expires_ns > now && oct->nat_addr == rk->saddr &&
	       oct->nat_port == rk->sport;
}

/*
 * Make rk client flow k's reverse tuple in tier t: 0 claimed, 1 it already
 * was, BPFNET_ERR another live flow holds it, in either tier. An entry
 * whose flow is gone, expired or points elsewhere is stale: taken over in
 * t, removed from the other tier (a reply must not find it first).
 */
static __always_inline int drev_claim(struct dtier t, const struct bpfnet_flow *rk,
				      const struct bpfnet_flow *k, __u64 now)
{
	struct bpfnet_dnat_rev rv = {
		.host_addr = k->daddr, .host_port = k->dport,
		.client_addr = k->saddr, .client_port = k->sport,
	}, *cur;

	if (bpf_map_update_elem(t.rev, rk, &rv, BPF_NOEXIST)) {
		cur = bpf_map_lookup_elem(t.rev, rk);
		if (!cur)
			return BPFNET_ERR;
		if (drev_owned(cur, k))
			return 1;
		if (drev_held(t.ct, cur, rk, now))
			return BPFNET_ERR;
		bpf_map_delete_elem(t.rev, rk);
		if (bpf_map_update_elem(t.rev, rk, &rv, BPF_NOEXIST))
			return BPFNET_ERR;
	}
	cur = bpf_map_lookup_elem(t.other_rev, rk);
	if (!cur)
		return 0;
	if (!drev_held(t.other_ct, cur, rk, now)) {
		/* k's own expired flow too: its reply must find this one */
		bpf_map_delete_elem(t.other_rev, rk);
		return 0;
	}
	if (drev_owned(cur, k))
		return 0;	/* k itself, being promoted */
	bpf_map_delete_elem(t.rev, rk);
	return BPFNET_ERR;
}

/* A live client flow: its reverse half is there and its, or claimed again. */
static __always_inline struct bpfnet_ct *dnat_keep(struct dtier t,
						   const struct bpfnet_flow *k,
						   struct bpfnet_ct *ct, __u64 now)
{
	struct bpfnet_flow rk = {};
	struct bpfnet_dnat_rev *rv;

	drev_key(k, ct, &rk);
	rv = bpf_map_lookup_elem(t.rev, &rk);
	if (rv && drev_owned(rv, k))
		return ct;
	if (drev_claim(t, &rk, k, now) >= 0) {
		stat_inc(BPFNET_STAT_FLOWS_HEALED);
		return ct;
	}
	/* another client's flow holds the container tuple now */
	stat_inc(BPFNET_STAT_DNAT_TAKEN);
	bpf_map_delete_elem(t.ct, k);
	return NULL;
}

/*
 * Has the client of a flow not proven yet spoken after the container's
 * answer (maps.h)? For TCP, its first ACK must acknowledge the container's
 * SYN-ACK (ack_orig holds that SYN-ACK's sequence number + 1 until the
 * client acknowledged anything: dnat_note_synack).
 */
static __always_inline int dnat_proven(const struct pkt *p,
				       const struct bpfnet_ct *ct)
{
	__u8 f = p->tcp_flags;

	if (!ct->seen_reply)
		return 0;
	if (p->proto != IPPROTO_TCP)
		return 1;
	return (f & TCP_FLAG_ACK) && !(f & (TCP_FLAG_SYN | TCP_FLAG_RST)) &&
	       !ct->acked_orig && p->tcp_ack == ct->ack_orig;
}

/* The container's SYN-ACK to a flow not proven yet: what proves it. */
static __always_inline void dnat_note_synack(struct bpfnet_ct *ct,
					     const struct pkt *p)
{
	if (p->proto == IPPROTO_TCP && !ct->acked_orig &&
	    (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) ==
		    (TCP_FLAG_SYN | TCP_FLAG_ACK))
		ct->ack_orig = p->tcp_seq + 1;
}

/*
 * A client flow in dnat_ct_new (nct) that proved two-way: moved to dnat_ct
 * and dnat_rev with the same container tuple. It stays a new flow when its
 * tuple is another's in the main tables.
 */
static __always_inline struct bpfnet_ct *dnat_promote(const struct bpfnet_flow *k,
						      struct bpfnet_ct *nct,
						      __u64 now)
{
	struct bpfnet_ct copy = *nct;
	struct bpfnet_flow rk = {};

	drev_key(k, &copy, &rk);
	if (drev_claim(DTIER_MAIN, &rk, k, now) < 0 ||
	    bpf_map_update_elem(&dnat_ct, k, &copy, BPF_ANY))
		return nct;
	bpf_map_delete_elem(&dnat_ct_new, k);
	bpf_map_delete_elem(&dnat_rev_new, &rk);
	stat_inc(BPFNET_STAT_FLOWS_PROMOTED);
	return bpf_map_lookup_elem(&dnat_ct, k);
}

/* A client flow to the container pm names (state and expiry apart). */
static __always_inline void dnat_fill(struct bpfnet_ct *nct,
				      const struct bpfnet_flow *k,
				      const struct bpfnet_pm_val *pm,
				      const struct bpfnet_cfg *cfg)
{
	nct->nat_addr = pm->caddr;
	nct->nat_port = pm->cport;
	if (k->saddr == pm->caddr)
		nct->hairpin_addr = cfg->gateway;
}

/*
 * A packet of a client flow whose dnat_ct entry was lost: re-created,
 * established, when the reverse entry of the tuple the port map gives is
 * this flow's. Any address's port map will do: the entry proves the flow.
 */
static __always_inline struct bpfnet_ct *dnat_heal(const struct bpfnet_flow *k,
						   const struct bpfnet_cfg *cfg,
						   __u64 now)
{
	struct bpfnet_pm_val *pm = pm_find(k->daddr, k->dport, k->proto, 1);
	struct bpfnet_ct nct = {};
	struct bpfnet_flow rk = {};
	struct bpfnet_dnat_rev *rv;

	if (!pm)
		return NULL;
	dnat_fill(&nct, k, pm, cfg);
	drev_key(k, &nct, &rk);
	rv = bpf_map_lookup_elem(&dnat_rev, &rk);
	if (!rv || !drev_owned(rv, k))
		return NULL;
	nct.state = BPFNET_CT_ESTABLISHED;
	nct.seen_reply = 1;
	nct.expires_ns = now + ct_lifetime(&nct, k->proto);
	nct.created_ns = now;
	if (!bpf_map_update_elem(&dnat_ct, k, &nct, BPF_NOEXIST))
		stat_inc(BPFNET_STAT_FLOWS_HEALED);
	return bpf_map_lookup_elem(&dnat_ct, k);
}

/* A new client flow k to the container pm names, in the new-flow tables. */
static __always_inline struct bpfnet_ct *dnat_new(const struct bpfnet_flow *k,
						  const struct bpfnet_pm_val *pm,
						  const struct bpfnet_cfg *cfg,
						  __u64 now)
{
	struct bpfnet_ct nct = {};
	struct bpfnet_flow rk = {};

	dnat_fill(&nct, k, pm, cfg);
	nct.state = BPFNET_CT_NEW;
	nct.expires_ns = now + ct_lifetime(&nct, k->proto);
	nct.created_ns = now;
	drev_key(k, &nct, &rk);
	if (drev_claim(DTIER_NEW, &rk, k, now) < 0) {
		stat_inc(BPFNET_STAT_DNAT_TAKEN);
		return NULL;
	}
	if (bpf_map_update_elem(&dnat_ct_new, k, &nct, BPF_ANY))
		return NULL;
	stat_inc(BPFNET_STAT_DNAT_FLOWS);
	return bpf_map_lookup_elem(&dnat_ct_new, k);
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
	struct bpfnet_flow k = {};
	struct bpfnet_ct *ct;
	struct bpfnet_pm_val *pm;
	int expired;

	if (!p->has_ports || p->proto == IPPROTO_ICMP)
		return NULL;
	flow_of(p, &k);
	/*
	 * An expired flow is gone, in either tier: a new one on its tuple
	 * (a client reusing its port) lives in the new-flow tier until
	 * proven. A lost one may be healed.
	 */
	ct = bpf_map_lookup_elem(&dnat_ct, &k);
	if (ct && ct->expires_ns > now)
		return dnat_keep(DTIER_MAIN, &k, ct, now);
	expired = ct != NULL;
	barrier_var(expired);	/* a flag, never or-ed with a pointer */
	ct = bpf_map_lookup_elem(&dnat_ct_new, &k);
	if (ct && ct->expires_ns > now) {
		ct = dnat_keep(DTIER_NEW, &k, ct, now);
		return ct && dnat_proven(p, ct) ? dnat_promote(&k, ct, now) : ct;
	}
	if (!is_new_conn(p)) {
		if (ct || expired)
			return NULL;
		return dnat_heal(&k, cfg, now);
	}
	pm = pm_find(p->daddr, p->dport, p->proto, 0);
	if (!pm && (where == DNAT_TO_HOST || to_host_addr(skb, p, cfg)))
		pm = pm_find(p->daddr, p->dport, p->proto, 1);
	if (!pm)
		return NULL;
	if (where == DNAT_FROM_OUTSIDE && p->proto == IPPROTO_UDP &&
	    host_socket(skb, &k)) {
		stat_inc(BPFNET_STAT_HOST_FLOW_KEPT);
		return NULL;
	}
	return dnat_new(&k, pm, cfg, now);
}

/* Rewrite a packet of a DNAT flow towards its container (counted as its rx). */
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
	/* traffic of the published container: a client's, or a neighbour's */
	ep_rx(ct->nat_addr, p->tot_len);
	return 0;
}

/*
 * The client flow a container's reply answers, from its reverse entry rv:
 * only when that flow sends to this container tuple. A dnat_ct entry the
 * LRU lost is re-created from rv, established. NULL: not a live flow.
 */
static __always_inline struct bpfnet_ct *dnat_of_reply(void *ctmap,
						       const struct pkt *p,
						       const struct bpfnet_dnat_rev *rv,
						       struct bpfnet_flow *ck,
						       __u64 now)
{
	struct bpfnet_ct *ct, nct = {};

	/* the client's flow, which the reply answers as published */
	flow_reply(ck, rv->host_addr, rv->host_port, rv->client_addr,
		   rv->client_port, p->proto);
	ct = bpf_map_lookup_elem(ctmap, ck);
	if (!ct) {
		nct.nat_addr = p->saddr;
		nct.nat_port = p->sport;
		if (p->daddr != rv->client_addr)
			nct.hairpin_addr = p->daddr;
		nct.state = BPFNET_CT_ESTABLISHED;
		nct.seen_reply = 1;
		nct.expires_ns = now + ct_lifetime(&nct, p->proto);
		nct.created_ns = now;
		if (!bpf_map_update_elem(ctmap, ck, &nct, BPF_NOEXIST))
			stat_inc(BPFNET_STAT_FLOWS_HEALED);
		ct = bpf_map_lookup_elem(ctmap, ck);
		if (!ct)
			return NULL;
	}
	if (ct->nat_addr != p->saddr || ct->nat_port != p->sport ||
	    (ct->hairpin_addr ? ct->hairpin_addr : rv->client_addr) != p->daddr ||
	    ct->expires_ns < now)
		return NULL;
	return ct;
}

/*
 * A packet from a published container: if it answers a DNAT flow, give it
 * the published address and port as source (and the client back as
 * destination), counted as the container's tx. 0: rewritten;
 * BPFNET_CONTINUE: not such a reply; BPFNET_ERR: the rewrite failed.
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
	if (rv) {
		ct = dnat_of_reply(&dnat_ct, p, rv, &ck, now);
	} else {
		/* the answer to a flow not proven yet */
		rv = bpf_map_lookup_elem(&dnat_rev_new, &rk);
		if (!rv)
			return BPFNET_CONTINUE;
		ct = dnat_of_reply(&dnat_ct_new, p, rv, &ck, now);
		if (ct)
			dnat_note_synack(ct, p);
	}
	if (!ct)
		return BPFNET_CONTINUE;
	ct_touch(ct, p, 1, now);
	ep_tx(p->saddr, p->tot_len);	/* the published container's answer */
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
