/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Destination NAT for ports published on IPv6 (port_maps6), from outside:
 * a new connection arriving on the uplink to a published [address]:port
 * is sent to the container's address and port, its flow noted in dnat6_ct
 * (the client's tuple) and dnat6_rev (the container's replies' tuple ->
 * the client's); the container's replies leave with the address and port
 * the client dialled as source. Nothing else of the container is reached:
 * a packet from outside that is neither such a connection nor a reply of
 * the container's own flows is dropped as before (datapath6.h).
 * A container reaching a published port on an address of the host
 * (hairpin6) is sent there too, and the answer back to it; one
 * reaching its own port is given the gateway as source (ct.hairpin_addr
 * set), or its answer would never leave it.
 * Two tiers, as IPv4's portmap.h (maps.h: floods): a new connection lives
 * in dnat6_ct_new and dnat6_rev_new until its client spoke after the
 * container's answer (dnat_proven), then in dnat6_ct and dnat6_rev. A lost
 * half is healed as IPv4's are (portmap.h says how and what cannot be).
 * Checksums as nat6.h's (the pseudo header, BPF_F_PSEUDO_HDR).
 */
#ifndef BPFNET_PORTMAP6_H
#define BPFNET_PORTMAP6_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpfnet_shared.h"
#include "consts.h"
#include "ct.h"
#include "ct6.h"
#include "maps.h"
#include "nat6.h"
#include "portmap.h"
#include "parse6.h"
#include "route6.h"
#include "stats.h"

/* Does port_maps6's caddr name an IPv4 address (::ffff:a.b.c.d: NAT46)? */
static __always_inline int in6_v4mapped(const struct bpfnet_in6 *a)
{
	return !a->a[0] && !a->a[1] && a->a[2] == bpf_htonl(0xffff);
}

/* The IPv6 port map for [a]:port, then (any: a is the host's) every address's. */
static __always_inline struct bpfnet_pm6_val *pm6_find(const struct bpfnet_in6 *a,
						       __be16 port, __u8 proto,
						       int any)
{
	struct bpfnet_pm6_key k = { .host_addr = *a, .host_port = port,
				    .proto = proto };
	struct bpfnet_pm6_val *v = bpf_map_lookup_elem(&port_maps6, &k);

	if (v || !any)
		return v;
	__builtin_memset(&k.host_addr, 0, sizeof(k.host_addr));
	return bpf_map_lookup_elem(&port_maps6, &k);
}

/*
 * The tables of one tier (maps.h): proven flows (dnat6_ct, dnat6_rev) or
 * flows not proven yet (dnat6_ct_new, dnat6_rev_new), and the other
 * tier's, against which a tuple is checked.
 */
struct dtier6 {
	void *ct, *rev, *other_ct, *other_rev;
};

#define DTIER6_MAIN ((struct dtier6){ &dnat6_ct, &dnat6_rev, &dnat6_ct_new, &dnat6_rev_new })
#define DTIER6_NEW ((struct dtier6){ &dnat6_ct_new, &dnat6_rev_new, &dnat6_ct, &dnat6_rev })

/* The tuple of the container's replies to client flow k, sent as ct says. */
static __always_inline void drev6_key(const struct bpfnet_flow6 *k,
				      const struct bpfnet_ct6 *ct,
				      const struct bpfnet_cfg6 *c6,
				      struct bpfnet_flow6 *rk)
{
	/* the container answers the client, or the gateway standing in for it */
	rk->saddr = ct->nat_addr6;
	rk->daddr = ct->ct.hairpin_addr ? c6->gateway : k->saddr;
	rk->sport = ct->ct.nat_port;
	rk->dport = k->sport;
	rk->proto = k->proto;
}

/* Does the live flow in ctmap that reverse entry cur names send to rk? */
static __always_inline int drev6_held(void *ctmap, const struct bpfnet_flow6 *cur,
				      const struct bpfnet_flow6 *rk, __u64 now)
{
	struct bpfnet_ct6 *oct = bpf_map_lookup_elem(ctmap, cur);

	return oct && oct->ct.expires_ns > now && in6_eq(&oct->nat_addr6, &rk->saddr) &&
	       oct->ct.nat_port == rk->sport;
}

/*
 * Make rk client flow k's reverse tuple in tier t: 0 claimed, 1 it already
 * was, BPFNET_ERR another live flow holds it, in either tier. A stale
 * entry (its flow gone, expired or elsewhere) is taken over in t, removed
 * from the other tier. As portmap.h's drev_claim.
 */
static __always_inline int drev6_claim(struct dtier6 t, const struct bpfnet_flow6 *rk,
				       const struct bpfnet_flow6 *k, __u64 now)
{
	struct bpfnet_flow6 *cur;

	if (bpf_map_update_elem(t.rev, rk, k, BPF_NOEXIST)) {
		cur = bpf_map_lookup_elem(t.rev, rk);
		if (!cur)
			return BPFNET_ERR;
		if (flow6_eq(cur, k))
			return 1;
		if (drev6_held(t.ct, cur, rk, now))
			return BPFNET_ERR;
		bpf_map_delete_elem(t.rev, rk);
		if (bpf_map_update_elem(t.rev, rk, k, BPF_NOEXIST))
			return BPFNET_ERR;
	}
	cur = bpf_map_lookup_elem(t.other_rev, rk);
	if (!cur)
		return 0;
	if (!drev6_held(t.other_ct, cur, rk, now)) {
		bpf_map_delete_elem(t.other_rev, rk);
		return 0;
	}
	if (flow6_eq(cur, k))
		return 0;	/* k itself, being promoted */
	bpf_map_delete_elem(t.rev, rk);
	return BPFNET_ERR;
}

/* A live client flow: its reverse half is there and its, or claimed again. */
static __always_inline struct bpfnet_ct6 *dnat6_keep(struct dtier6 t,
						     const struct bpfnet_flow6 *k,
						     struct bpfnet_ct6 *ct,
						     const struct bpfnet_cfg6 *c6,
						     __u64 now)
{
	struct bpfnet_flow6 rk = {}, *rv;

	drev6_key(k, ct, c6, &rk);
	rv = bpf_map_lookup_elem(t.rev, &rk);
	if (rv && flow6_eq(rv, k))
		return ct;
	if (drev6_claim(t, &rk, k, now) >= 0) {
		stat_inc(BPFNET_STAT_FLOWS_HEALED);
		return ct;
	}
	/* another client's flow holds the container tuple now */
	stat_inc(BPFNET_STAT_DNAT_TAKEN);
	bpf_map_delete_elem(t.ct, k);
	return NULL;
}

/*
 * A client flow in dnat6_ct_new (nct) that proved two-way (dnat_proven):
 * moved to dnat6_ct and dnat6_rev with the same container tuple. It stays
 * a new flow when its tuple is another's in the main tables.
 */
static __always_inline struct bpfnet_ct6 *dnat6_promote(const struct bpfnet_flow6 *k,
							struct bpfnet_ct6 *nct,
							const struct bpfnet_cfg6 *c6,
							__u64 now)
{
	struct bpfnet_flow6 rk = {};

	drev6_key(k, nct, c6, &rk);
	if (drev6_claim(DTIER6_MAIN, &rk, k, now) < 0 ||
	    bpf_map_update_elem(&dnat6_ct, k, nct, BPF_ANY))
		return nct;
	bpf_map_delete_elem(&dnat6_ct_new, k);
	bpf_map_delete_elem(&dnat6_rev_new, &rk);
	stat_inc(BPFNET_STAT_FLOWS_PROMOTED);
	return bpf_map_lookup_elem(&dnat6_ct, k);
}

/* Client flow k's entry ct, to the container pm names (state apart). */
static __always_inline void dnat6_fill(struct bpfnet_ct6 *ct,
				       const struct bpfnet_flow6 *k,
				       const struct bpfnet_pm6_val *pm, __u64 now)
{
	ct->nat_addr6 = pm->caddr;
	ct->ct.nat_port = pm->cport;
	/* IPv6: a flag, the gateway the address */
	ct->ct.hairpin_addr = in6_eq(&k->saddr, &pm->caddr);
	ct->ct.created_ns = now;
}

/*
 * A packet of a client flow whose dnat6_ct entry was lost: re-created,
 * established, when the reverse entry of the tuple the port map gives is
 * this flow's (portmap.h's dnat_heal). A frame of its own: hairpin6's has
 * no room for its tuples. NULL: none.
 */
static __noinline struct bpfnet_ct6 *dnat6_heal(const struct bpfnet_flow6 *k,
						const struct bpfnet_cfg6 *c6,
						__u64 now)
{
	struct bpfnet_pm6_val *pm = pm6_find(&k->daddr, k->dport, k->proto, 1);
	struct bpfnet_flow6 rk = {}, *rv;
	struct bpfnet_ct6 *ct;
	int own;

	if (!pm)
		return NULL;
	own = in6_eq(&k->saddr, &pm->caddr);
	rk.saddr = pm->caddr;
	rk.daddr = own ? c6->gateway : k->saddr;
	rk.sport = pm->cport;
	rk.dport = k->sport;
	rk.proto = k->proto;
	rv = bpf_map_lookup_elem(&dnat6_rev, &rk);
	if (!rv || !flow6_eq(rv, k))
		return NULL;
	if (bpf_map_update_elem(&dnat6_ct, k, &ct6_zero, BPF_NOEXIST))
		return bpf_map_lookup_elem(&dnat6_ct, k);	/* another CPU's */
	ct = bpf_map_lookup_elem(&dnat6_ct, k);
	if (!ct)
		return NULL;
	dnat6_fill(ct, k, pm, now);
	ct->ct.state = BPFNET_CT_ESTABLISHED;
	ct->ct.seen_reply = 1;
	ct->ct.expires_ns = now + ct_lifetime(&ct->ct, k->proto);
	stat_inc(BPFNET_STAT_FLOWS_HEALED);
	return ct;
}

/*
 * An address of the host, where a port on every IPv6 address answers: the
 * uplink's, the bridge's, or another global one the host had when user
 * space last looked (host_addrs6: a secondary address, another
 * interface's). Never a link-local one.
 */
static __always_inline int host_addr6(const struct bpfnet_cfg6 *c6,
				      const struct bpfnet_in6 *a)
{
	return in6_eq(a, &c6->uplink_addr) || in6_eq(a, &c6->gateway) ||
	       bpf_map_lookup_elem(&host_addrs6, a);
}

/*
 * A new flow k to a published port: a TCP SYN or a UDP datagram to a port
 * of its address, or of every address when it is the host's (host_addr6);
 * in the new-flow tables. NULL: none (the host's own traffic goes on to
 * the stack), or its container tuple is another live flow's.
 */
static __always_inline struct bpfnet_ct6 *dnat6_new(const struct bpfnet_flow6 *k,
						    const struct pkt6 *p6,
						    const struct bpfnet_cfg6 *c6,
						    __u64 now)
{
	struct bpfnet_flow6 r = {};
	struct bpfnet_pm6_val *pm;
	struct bpfnet_ct6 *ct;
	int any, own;

	if (k->proto == IPPROTO_TCP &&
	    (p6->p.tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN)
		return NULL;
	any = host_addr6(c6, &k->daddr);
	pm = pm6_find(&k->daddr, k->dport, k->proto, any);
	if (!pm || in6_v4mapped(&pm->caddr))	/* an IPv4 container's: nat46.h */
		return NULL;
	/* the container's replies: from its address and port to the client,
	 * or to the gateway standing in for it (its own port) */
	own = in6_eq(&k->saddr, &pm->caddr);
	r.saddr = pm->caddr;
	r.daddr = own ? c6->gateway : k->saddr;
	r.sport = pm->cport;
	r.dport = k->sport;
	r.proto = k->proto;
	if (drev6_claim(DTIER6_NEW, &r, k, now) < 0) {
		stat_inc(BPFNET_STAT_DNAT_TAKEN);
		return NULL;
	}
	if (bpf_map_update_elem(&dnat6_ct_new, k, &ct6_zero, BPF_ANY))
		return NULL;
	ct = bpf_map_lookup_elem(&dnat6_ct_new, k);
	if (!ct)
		return NULL;
	dnat6_fill(ct, k, pm, now);
	ct->ct.state = BPFNET_CT_NEW;
	stat_inc(BPFNET_STAT_DNAT_FLOWS);
	return ct;
}

/*
 * The live flow of a packet to a published port, made (new tier) if it is
 * new, promoted once proven, healed if it lost a half; NULL: none. An
 * expired flow is gone, in either tier: a new one on its tuple lives in
 * the new-flow tier until proven. k: room for its tuple (the caller's:
 * from_container6's is shared). heal: a lost forward half may be healed
 * from the port map here (dnat6_heal); 0 on the hairpin path, whose stack
 * (from_container, published6) has no room for dnat6_heal's frame: there
 * the container's next answer heals it (dnat6_of_reply).
 */
static __always_inline struct bpfnet_ct6 *dnat6_get(const struct pkt6 *p6,
						    const struct bpfnet_cfg6 *c6,
						    struct bpfnet_flow6 *k, int heal)
{
	__u64 now = bpf_ktime_get_ns();
	struct bpfnet_ct6 *ct;
	int expired;

	if (!p6->p.has_ports || p6->p.frag_later || p6->p.icmp_error ||
	    (p6->p.proto != IPPROTO_TCP && p6->p.proto != IPPROTO_UDP))
		return NULL;
	flow6_of(p6, k);
	ct = bpf_map_lookup_elem(&dnat6_ct, k);
	if (ct && ct->ct.expires_ns > now) {
		ct = dnat6_keep(DTIER6_MAIN, k, ct, c6, now);
		goto touch;
	}
	expired = ct != NULL;
	barrier_var(expired);	/* a flag, never or-ed with a pointer */
	ct = bpf_map_lookup_elem(&dnat6_ct_new, k);
	if (ct && ct->ct.expires_ns > now) {
		ct = dnat6_keep(DTIER6_NEW, k, ct, c6, now);
		if (ct && dnat_proven(&p6->p, &ct->ct))
			ct = dnat6_promote(k, ct, c6, now);
	} else if (!is_new_conn(&p6->p)) {
		ct = ct || expired || !heal ? NULL : dnat6_heal(k, c6, now);
	} else {
		ct = dnat6_new(k, p6, c6, now);
	}
touch:
	if (ct)
		ct_touch(&ct->ct, &p6->p, 0, now);
	return ct;
}

/*
 * A packet of flow ct to its container: the container's address and port
 * as destination, and the gateway as source for a container's flow to its
 * own port. 0, or BPFNET_ERR.
 */
static __always_inline int dnat6_apply(struct __sk_buff *skb, struct pkt6 *p6,
				       struct bpfnet_ct6 *ct,
				       const struct bpfnet_cfg6 *c6)
{
	/* (in place, from the maps: from_container6 has no stack to spare) */
	struct bpfnet_in6 *gw = (struct bpfnet_in6 *)&c6->gateway;

	if (nat6_addr(skb, p6, 0, &p6->daddr, &ct->nat_addr6) ||
	    nat6_port(skb, p6, 0, p6->p.dport, ct->ct.nat_port))
		return BPFNET_ERR;
	p6->daddr = ct->nat_addr6;
	p6->p.dport = ct->ct.nat_port;
	if (ct->ct.hairpin_addr) {
		if (nat6_addr(skb, p6, 1, &p6->saddr, gw))
			return BPFNET_ERR;
		p6->saddr = *gw;
	}
	stat_inc(BPFNET_STAT_DNAT_PKTS);
	return 0;
}

/*
 * A packet on the uplink to a published IPv6 port: its destination becomes
 * the container's address and port. 0 (p6 then names the container),
 * BPFNET_CONTINUE (not such a packet), or a drop verdict.
 */
static __always_inline int dnat6_in(struct __sk_buff *skb, struct pkt6 *p6,
				    const struct bpfnet_cfg6 *c6)
{
	struct bpfnet_flow6 k = {};
	struct bpfnet_ct6 *ct = dnat6_get(p6, c6, &k, 1);

	if (!ct)
		return BPFNET_CONTINUE;
	if (dnat6_apply(skb, p6, ct, c6))
		return drop(BPFNET_STAT_DROP_CSUM, 0);
	if (monitor_tracing())	/* k: the packet as it came */
		monitor_trace6(skb, BPFNET_TRACE_DNAT, &k);
	return 0;
}

/*
 * A container's packet to a published port on an address of the host
 * (hairpin: the uplink's, the gateway's, host_addrs6's): to the published container at once, as from
 * outside; counted as the sender's tx (me) and the receiver's rx. A
 * verdict, or BPFNET_CONTINUE (not such a packet). k: room for a tuple.
 */
static __always_inline int hairpin6(struct __sk_buff *skb, struct pkt6 *p6,
				    const struct bpfnet_cfg6 *c6,
				    const struct bpfnet_cfg *cfg, __be32 me,
				    struct bpfnet_flow6 *k)
{
	struct bpfnet_ct6 *ct;

	if (!host_addr6(c6, &p6->daddr))
		return BPFNET_CONTINUE;
	ct = dnat6_get(p6, c6, k, 0);
	if (!ct)
		return BPFNET_CONTINUE;
	ep_tx(me, p6->p.tot_len);	/* (deliver6 counts the receiver's) */
	if (dnat6_apply(skb, p6, ct, c6))
		return drop(BPFNET_STAT_DROP_CSUM, me);
	stat_inc(BPFNET_STAT_HAIRPIN);
	if (monitor_tracing())
		monitor_trace6(skb, BPFNET_TRACE_HAIRPIN, k);
	return deliver6(skb, p6, cfg);
}

/*
 * The client flow (the key rv, in ctmap) a container's answer belongs to,
 * while that flow sends to the answer's source (the gateway standing in
 * for the client of a container's own port); a lost entry is re-created
 * from rv, established, as portmap.h's dnat_of_reply. NULL: none.
 */
static __always_inline struct bpfnet_ct6 *dnat6_of_reply(void *ctmap,
							 const struct pkt6 *p6,
							 const struct bpfnet_flow6 *rv,
							 const struct bpfnet_cfg6 *c6,
							 __u64 now)
{
	struct bpfnet_ct6 *ct = bpf_map_lookup_elem(ctmap, rv);

	if (!ct && !bpf_map_update_elem(ctmap, rv, &ct6_zero, BPF_NOEXIST)) {
		ct = bpf_map_lookup_elem(ctmap, rv);
		if (!ct)
			return NULL;
		ct->nat_addr6 = p6->saddr;
		ct->ct.nat_port = p6->p.sport;
		ct->ct.hairpin_addr = !in6_eq(&p6->daddr, &rv->saddr);
		ct->ct.state = BPFNET_CT_ESTABLISHED;
		ct->ct.seen_reply = 1;
		ct->ct.created_ns = now;
		ct->ct.expires_ns = now + ct_lifetime(&ct->ct, rv->proto);
		stat_inc(BPFNET_STAT_FLOWS_HEALED);
	} else if (!ct) {
		ct = bpf_map_lookup_elem(ctmap, rv);	/* another CPU's */
	}
	if (!ct || ct->ct.expires_ns <= now || ct->ct.nat_port != p6->p.sport ||
	    !in6_eq(&ct->nat_addr6, &p6->saddr) ||
	    !in6_eq(&p6->daddr, ct->ct.hairpin_addr ? &c6->gateway : &rv->saddr))
		return NULL;
	return ct;
}

/*
 * A container's packet (from_container6): if it answers a live flow of
 * dnat6_ct, its source becomes the address and port the client dialled,
 * and it leaves where the FIB sends it, by the uplink only; to a client of
 * the subnet (hairpin) it is delivered at once, to the client itself when
 * sent to the gateway standing in for it, counted as the sender's tx (me)
 * and the client's rx. A verdict, or BPFNET_CONTINUE (not such an answer).
 * r: room for its tuple.
 */
static __always_inline int dnat6_reply(struct __sk_buff *skb, struct pkt6 *p6,
				       const struct bpfnet_cfg6 *c6,
				       const struct bpfnet_cfg *cfg,
				       __be32 me, struct bpfnet_flow6 *r)
{
	__u64 now = bpf_ktime_get_ns();
	struct bpf_fib_lookup fib = {};
	struct bpfnet_flow6 *rv;
	struct bpfnet_ct6 *ct;
	int rc, verdict;

	if (!p6->p.has_ports || p6->p.frag_later || p6->p.icmp_error)
		return BPFNET_CONTINUE;
	flow6_of(p6, r);
	/* (rv is used in place: from_container's stack has no room for a copy) */
	rv = bpf_map_lookup_elem(&dnat6_rev, r);
	if (rv) {
		ct = dnat6_of_reply(&dnat6_ct, p6, rv, c6, now);
	} else {	/* the answer to a flow not proven yet */
		rv = bpf_map_lookup_elem(&dnat6_rev_new, r);
		if (!rv)
			return BPFNET_CONTINUE;
		ct = dnat6_of_reply(&dnat6_ct_new, p6, rv, c6, now);
		if (ct)
			dnat_note_synack(&ct->ct, &p6->p);
	}
	if (!ct)
		return BPFNET_CONTINUE;	/* a stale entry: not its flow now */
	ct_touch(&ct->ct, &p6->p, 1, now);
	if (nat6_addr(skb, p6, 1, &p6->saddr, &rv->daddr) ||
	    nat6_port(skb, p6, 1, p6->p.sport, rv->dport))
		return drop(BPFNET_STAT_DROP_CSUM, 0);
	p6->saddr = rv->daddr;
	p6->p.sport = rv->dport;
	if (!in6_eq(&p6->daddr, &rv->saddr)) {	/* its own port's client: itself */
		if (nat6_addr(skb, p6, 0, &p6->daddr, &rv->saddr))
			return drop(BPFNET_STAT_DROP_CSUM, 0);
		p6->daddr = rv->saddr;
	}
	stat_inc(BPFNET_STAT_DNAT_REPLIES);
	if (monitor_tracing())	/* r: the packet as it came */
		monitor_trace6(skb, in_subnet6(c6, &p6->daddr) ? BPFNET_TRACE_HAIRPIN_REPLY :
				   BPFNET_TRACE_DNAT_REPLY, r);
	if (in_subnet6(c6, &p6->daddr)) {	/* a container's flow (hairpin) */
		ep_tx(me, p6->p.tot_len);
		stat_inc(BPFNET_STAT_HAIRPIN);
		return deliver6(skb, p6, cfg);
	}
	rc = fib_lookup6(skb, p6, cfg, &fib, route_len(skb, &p6->p));
	/* back where its client is: by the uplink, or by the interface of
	 * another address of the host it dialled (an edge, as IPv4's) */
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || p6->p.ttl <= 1) {
		verdict = route_allowed6(skb, p6, cfg, &fib, rc);
		/* over the MTU, hop limit spent: the stack's */
		return verdict ? verdict : TC_ACT_OK;
	}
	rc = fib_redirect6(skb, p6, &fib);
	return rc == BPFNET_ERR ? drop(BPFNET_STAT_DROP_CSUM, 0) : rc;
}

#endif
