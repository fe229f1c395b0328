/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connection tracking and source port allocation. A flow from a container
 * owns two entries: conntrack (its own tuple -> translation and state) and
 * rev_nat (the reply tuple on the uplink -> the container); until its first
 * reply, ct_new and rev_nat_new instead (maps.h: floods). The reply entry
 * is claimed first with BPF_NOEXIST, then checked against the other tier,
 * so two flows can never share a translated tuple, even when CPUs race.
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

/*
 * TCP without sequence tracking, but not blind: the acknowledgement number
 * each side last sent is kept (rewritten only when it moved more than
 * BPFNET_CT_ACK_SLACK bytes, not on every packet), and an RST closes an
 * established flow only when its sequence number lies within
 * BPFNET_CT_RST_WINDOW of what the other side acknowledged: what the
 * receiver expects, give or take a generous window (scaling is not known
 * here). A blind RST has about one chance in 2,000 of landing in it. An RST
 * before the flow is established (a refused connection) always counts.
 */
#ifndef BPFNET_CT_ACK_SLACK
#define BPFNET_CT_ACK_SLACK (1 << 16)
#endif
#ifndef BPFNET_CT_RST_WINDOW
#define BPFNET_CT_RST_WINDOW (1 << 20)
#endif

/* How long a flow lives after its last packet, by protocol and state. */
static __always_inline __u64 ct_lifetime(const struct bpfnet_ct *ct, __u8 proto)
{
	if (proto == IPPROTO_TCP) {
		if (ct->state == BPFNET_CT_CLOSING)
			return BPFNET_CT_TCP_CLOSE_SECS * NSEC_PER_SEC;
		if (ct->state != BPFNET_CT_ESTABLISHED)
			return BPFNET_CT_TCP_SYN_SECS * NSEC_PER_SEC;
		/* one side said FIN, the other may still answer for minutes */
		if (ct->fin_orig || ct->fin_reply)
			return BPFNET_CT_TCP_HALF_CLOSED_SECS * NSEC_PER_SEC;
		return BPFNET_CT_TCP_EST_SECS * NSEC_PER_SEC;
	}
	if (proto == IPPROTO_UDP)
		return BPFNET_CT_UDP_SECS * NSEC_PER_SEC;
	return BPFNET_CT_ICMP_SECS * NSEC_PER_SEC;
}

/* Set a field only when it changes (a write dirties the shared entry). */
static __always_inline int ct_set(__u8 *field, __u8 v)
{
	if (*field == v)
		return 0;
	*field = v;
	return 1;
}

/* Keep the acknowledgement number of the packet's side, within the slack. */
static __always_inline int ct_note_ack(struct bpfnet_ct *ct, const struct pkt *p,
				       int reply)
{
	__u32 *ack = reply ? &ct->ack_reply : &ct->ack_orig;
	__u8 *known = reply ? &ct->acked_reply : &ct->acked_orig;
	__s32 d = (__s32)(p->tcp_ack - *ack);

	if (*known && d >= -BPFNET_CT_ACK_SLACK && d <= BPFNET_CT_ACK_SLACK)
		return 0;
	*ack = p->tcp_ack;
	*known = 1;
	return 1;
}

/* Does an RST from the packet's side close the flow (see above)? */
static __always_inline int ct_rst_valid(const struct bpfnet_ct *ct,
					const struct pkt *p, int reply)
{
	__u32 expect = reply ? ct->ack_orig : ct->ack_reply;
	__u8 known = reply ? ct->acked_orig : ct->acked_reply;
	__s32 d = (__s32)(p->tcp_seq - expect);

	if (ct->state == BPFNET_CT_NEW)
		return 1;
	return known && d >= -BPFNET_CT_RST_WINDOW && d <= BPFNET_CT_RST_WINDOW;
}

/* The TCP state after one packet; 1 when the entry changed. */
static __always_inline int ct_tcp(struct bpfnet_ct *ct, const struct pkt *p,
				  int reply)
{
	__u8 f = p->tcp_flags;
	int changed = 0;

	if (f & TCP_FLAG_RST)
		return ct_rst_valid(ct, p, reply) &&
		       ct_set(&ct->state, BPFNET_CT_CLOSING);
	if ((f & TCP_FLAG_SYN) && !(f & TCP_FLAG_ACK) && !reply) {
		/* (re)opened: what the last connection on the tuple said is gone */
		changed |= ct_set(&ct->state, BPFNET_CT_NEW);
		changed |= ct_set(&ct->fin_orig, 0) | ct_set(&ct->fin_reply, 0);
		changed |= ct_set(&ct->acked_orig, 0) | ct_set(&ct->acked_reply, 0);
	} else if (ct->seen_reply && (f & TCP_FLAG_ACK) && !(f & TCP_FLAG_SYN) &&
		   ct->state == BPFNET_CT_NEW) {
		changed |= ct_set(&ct->state, BPFNET_CT_ESTABLISHED);
	}
	if (f & TCP_FLAG_ACK)
		changed |= ct_note_ack(ct, p, reply);
	if (f & TCP_FLAG_FIN)
		changed |= ct_set(reply ? &ct->fin_reply : &ct->fin_orig, 1);
	/* the short close timeout only once both sides are done */
	if (ct->fin_orig && ct->fin_reply)
		changed |= ct_set(&ct->state, BPFNET_CT_CLOSING);
	return changed;
}

/*
 * Advance the state with one packet (reply=1: coming back) and refresh it.
 * The entry is shared by every CPU the flow's packets meet: its expiry is
 * rewritten only when the state changed or it gained more than a second
 * (as Cilium does), so a busy flow does not dirty it with every packet.
 * The packet and byte counters still are (atomic adds, read by gc and
 * `bpfnet flows`): the price of per-flow accounting.
 */
static __always_inline void ct_touch(struct bpfnet_ct *ct, const struct pkt *p,
				     int reply, __u64 now)
{
	int changed = 0;
	__u64 exp;

	if (reply)
		changed |= ct_set(&ct->seen_reply, 1);
	if (p->proto == IPPROTO_TCP)
		changed |= ct_tcp(ct, p, reply);
	else if (reply)
		changed |= ct_set(&ct->state, BPFNET_CT_ESTABLISHED);
	exp = now + ct_lifetime(ct, p->proto);
	if (changed || exp > ct->expires_ns + NSEC_PER_SEC)
		ct->expires_ns = exp;
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
 * How the two halves of a SNAT flow stay one (both maps are LRU, each may
 * lose an entry on its own):
 *  - a reverse entry is used only when the flow it names points back at
 *    it (ct_of_reply, and the owner checks of ct_snat and ct_forget);
 *  - reverse half lost, forward alive: the container's next packet claims
 *    the same tuple again (BPF_NOEXIST); only when another flow (or a host
 *    socket) holds it by then is the flow given a new port (flows_remapped);
 *  - forward half lost, reverse alive: a reply re-creates the forward half
 *    from the reverse entry (ct_of_reply); the container's next packet finds
 *    its reverse entry when the flow kept its own port (the first candidate
 *    ct_claim_port tries) and takes it back.
 * What cannot be healed: a flow that was given another port than its own
 * and lost its forward half speaks first; its translated port is known only
 * to the reverse entry, whose key needs that port. It gets a new port (the
 * remote sees a new flow; TCP resets). Every re-creation counts as
 * flows_healed.
 */
static __always_inline int rnat_owned(const struct bpfnet_rnat *rv,
				      const struct bpfnet_flow *k)
{
	return rv->caddr == k->saddr && rv->cport == k->sport &&
	       rv->raddr == k->daddr && rv->rport == k->dport;
}

/*
 * Make reply tuple r flow k's in map, the reverse table of k's tier
 * (rev_nat, or rev_nat_new for a flow not answered yet; maps.h): 0
 * claimed, 1 it already was k's (a lost forward half found again),
 * BPFNET_ERR another flow holds it: in map, in the other tier's table
 * (other), or in another network on the uplink (peers.h). Claimed first,
 * checked after: of two flows claiming one tuple in the two tiers at once,
 * at least one sees the other and gives it up.
 */
static __always_inline int rnat_claim(void *map, void *other,
				      const struct bpfnet_flow *r,
				      const struct bpfnet_flow *k)
{
	struct bpfnet_rnat rv = {
		.caddr = k->saddr, .cport = k->sport,
		.raddr = k->daddr, .rport = k->dport,
	}, *cur;

	if (bpf_map_update_elem(map, r, &rv, BPF_NOEXIST)) {
		cur = bpf_map_lookup_elem(map, r);
		return cur && rnat_owned(cur, k) ? 1 : BPFNET_ERR;
	}
	cur = bpf_map_lookup_elem(other, r);
	if (cur && !rnat_owned(cur, k)) {
		bpf_map_delete_elem(map, r);
		return BPFNET_ERR;
	}
	if (!peer_holds(r))
		return cur ? 1 : 0;
	bpf_map_delete_elem(map, r);
	stat_inc(BPFNET_STAT_PEER_PORT_SKIPPED);
	return BPFNET_ERR;
}

/*
 * Claim a translated tuple for flow k: its own port first (when inside
 * --snat-ports), then random ones of the range; never one a host socket
 * uses towards the same remote, nor one another network on the uplink
 * holds (peers.h).
 */
/*
 * A global function: the verifier checks it once, on its own, rather than
 * in every path of every program that calls it (its retries times the
 * peers' tables would otherwise multiply into each caller's states).
 */
__noinline int ct_claim_port(struct __sk_buff *skb, const struct bpfnet_flow *k,
			     const struct bpfnet_cfg *cfg, __be16 *port)
{
	struct bpfnet_flow r = {};
	__be16 cand;
	__u32 span;
	__u16 own;
	int rc;

	if (!skb || !k || !cfg || !port)
		return BPFNET_ERR;
	span = (__u32)cfg->port_max - cfg->port_min + 1;
	own = bpf_ntohs(k->sport);
	cand = k->sport;

	/* an echo id is no port: kept as it is */
	if (k->proto != IPPROTO_ICMP && (own < cfg->port_min || own > cfg->port_max))
		cand = bpf_htons(cfg->port_min + bpf_get_prandom_u32() % span);
	for (int i = 0; i < BPFNET_PORT_RETRIES; i++) {
		reply_of(k, cfg->uplink_addr, cand, &r);
		rc = BPFNET_ERR;
		if (host_socket(skb, &r))	/* r: a reply, as the host would get it */
			stat_inc(BPFNET_STAT_HOST_PORT_SKIPPED);
		else	/* a new flow: its tier is the new-flow tables */
			rc = rnat_claim(&rev_nat_new, &rev_nat, &r, k);
		if (rc >= 0) {
			if (rc == 1)
				stat_inc(BPFNET_STAT_FLOWS_HEALED);
			*port = cand;
			return 0;
		}
		stat_inc(BPFNET_STAT_PORT_RETRIES);
		cand = bpf_htons(cfg->port_min + bpf_get_prandom_u32() % span);
	}
	return BPFNET_ERR;
}

/*
 * Drop a flow's entries from its tier (ctmap, rmap): its reply entry only
 * if it is still ours.
 */
static __always_inline void ct_forget(void *ctmap, void *rmap,
				      const struct bpfnet_flow *k,
				      const struct bpfnet_ct *ct)
{
	struct bpfnet_flow r = {};
	struct bpfnet_rnat *rv;

	reply_of(k, ct->nat_addr, ct->nat_port, &r);
	rv = bpf_map_lookup_elem(rmap, &r);
	if (rv && rnat_owned(rv, k))
		bpf_map_delete_elem(rmap, &r);
	bpf_map_delete_elem(ctmap, k);
}

/*
 * A live flow's reverse half in its tier's rmap (other: the other tier's):
 * 0 when it is there and the flow's, or was lost and is claimed again with
 * the same tuple; BPFNET_ERR when the tuple now belongs to another flow or
 * a host socket.
 */
static __always_inline int ct_keep_reply(struct __sk_buff *skb, void *rmap,
					 void *other,
					 const struct bpfnet_flow *k,
					 const struct bpfnet_ct *ct)
{
	struct bpfnet_flow r = {};
	struct bpfnet_rnat *rv;

	reply_of(k, ct->nat_addr, ct->nat_port, &r);
	rv = bpf_map_lookup_elem(rmap, &r);
	if (rv)
		return rnat_owned(rv, k) ? 0 : BPFNET_ERR;
	if (host_socket(skb, &r) || rnat_claim(rmap, other, &r, k) < 0)
		return BPFNET_ERR;
	stat_inc(BPFNET_STAT_FLOWS_HEALED);
	return 0;
}

/*
 * Flow k's entry in one tier (ctmap, rmap; other: the other tier's reverse
 * table) while it is live, its reverse half there or claimed again; else
 * NULL, and an entry that is expired, of an old uplink address or whose
 * tuple is another's now (never shared: remapped) is gone.
 */
static __always_inline struct bpfnet_ct *ct_live(struct __sk_buff *skb,
						 void *ctmap, void *rmap,
						 void *other,
						 const struct bpfnet_flow *k,
						 const struct bpfnet_cfg *cfg,
						 __u64 now)
{
	struct bpfnet_ct *ct = bpf_map_lookup_elem(ctmap, k);

	if (!ct)
		return NULL;
	if (ct->expires_ns > now && ct->nat_addr == cfg->uplink_addr) {
		if (!ct_keep_reply(skb, rmap, other, k, ct))
			return ct;
		stat_inc(BPFNET_STAT_FLOWS_REMAPPED);
		bpf_map_delete_elem(ctmap, k);
		return NULL;
	}
	ct_forget(ctmap, rmap, k, ct);
	stat_inc(BPFNET_STAT_FLOWS_EXPIRED);
	return NULL;
}

/*
 * Find the live translation of the packet's flow, answered (conntrack) or
 * not yet (ct_new), or make one in ct_new.
 */
static __always_inline struct bpfnet_ct *ct_snat(struct __sk_buff *skb,
						 const struct pkt *p,
						 const struct bpfnet_cfg *cfg,
						 __u64 now)
{
	struct bpfnet_flow k = {}, r = {};
	struct bpfnet_ct *ct, nct = {};
	__be16 port;

	flow_of(p, &k);
	ct = ct_live(skb, &conntrack, &rev_nat, &rev_nat_new, &k, cfg, now);
	if (!ct)
		ct = ct_live(skb, &ct_new, &rev_nat_new, &rev_nat, &k, cfg, now);
	if (ct)
		return ct;
	if (ct_claim_port(skb, &k, cfg, &port))
		return NULL;
	nct.nat_addr = cfg->uplink_addr;
	nct.nat_port = port;
	nct.state = BPFNET_CT_NEW;
	nct.expires_ns = now + ct_lifetime(&nct, p->proto);
	nct.created_ns = now;
	if (bpf_map_update_elem(&ct_new, &k, &nct, BPF_NOEXIST)) {
		/* another CPU created it first: give our claim back, unless
		 * it is the winner's too (the same tuple, found again) */
		ct = bpf_map_lookup_elem(&ct_new, &k);
		if (!ct || ct->nat_port != port || ct->nat_addr != cfg->uplink_addr) {
			reply_of(&k, cfg->uplink_addr, port, &r);
			bpf_map_delete_elem(&rev_nat_new, &r);
		}
	} else {
		stat_inc(BPFNET_STAT_FLOWS_CREATED);
	}
	return bpf_map_lookup_elem(&ct_new, &k);
}

/*
 * Does the flow rv names, while it is there (in ctmap, the tier of rv),
 * point back at reply tuple r?
 */
static __always_inline int rnat_points_back(void *ctmap,
					    const struct bpfnet_rnat *rv,
					    const struct bpfnet_flow *r)
{
	struct bpfnet_flow ck = {};
	struct bpfnet_ct *ct;

	flow_reply(&ck, rv->raddr, rv->rport, rv->caddr, rv->cport, r->proto);
	ct = bpf_map_lookup_elem(ctmap, &ck);
	return !ct || (ct->nat_addr == r->daddr && ct->nat_port == r->dport);
}

/* The reverse entry of reply tuple r whose flow points back at it, or NULL. */
static __always_inline struct bpfnet_rnat *rnat_find(const struct bpfnet_flow *r)
{
	struct bpfnet_rnat *rv = bpf_map_lookup_elem(&rev_nat, r);

	if (rv && rnat_points_back(&conntrack, rv, r))
		return rv;
	rv = bpf_map_lookup_elem(&rev_nat_new, r);
	return rv && rnat_points_back(&ct_new, rv, r) ? rv : NULL;
}

/*
 * The container flow a reply on the uplink answers, from its reverse
 * entry rv (of ctmap's tier): only when that flow's translation is the
 * reply's destination (a stale reverse entry of a remapped flow is not
 * its). A forward half the LRU lost is re-created from rv, established:
 * the reply is delivered and the flow goes on with the same port. NULL:
 * not a live flow of ours.
 */
static __always_inline struct bpfnet_ct *ct_of_reply(void *ctmap,
						     const struct pkt *p,
						     const struct bpfnet_rnat *rv,
						     struct bpfnet_flow *ck,
						     __u64 now)
{
	struct bpfnet_ct *ct, nct = {};

	flow_reply(ck, rv->raddr, rv->rport, rv->caddr, rv->cport, p->proto);
	ct = bpf_map_lookup_elem(ctmap, ck);
	if (!ct) {
		nct.nat_addr = p->daddr;
		nct.nat_port = p->dport;
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
	if (ct->nat_addr != p->daddr || ct->nat_port != p->dport ||
	    ct->expires_ns < now)
		return NULL;
	return ct;
}

/*
 * The first reply of a flow not answered before (rvn: its entry in
 * rev_nat_new for reply tuple rk): the flow is promoted to conntrack and
 * rev_nat with the same tuple (maps.h says why), and the reply goes on as
 * the main tables say. NULL: not a live flow of ours.
 */
static __always_inline struct bpfnet_ct *ct_promote(const struct pkt *p,
						    const struct bpfnet_flow *rk,
						    const struct bpfnet_rnat *rvn,
						    struct bpfnet_flow *ck,
						    __u64 now)
{
	struct bpfnet_ct *ct = ct_of_reply(&ct_new, p, rvn, ck, now), copy;
	struct bpfnet_rnat *rv;

	if (!ct)
		return NULL;
	copy = *ct;
	if (rnat_claim(&rev_nat, &rev_nat_new, rk, ck) < 0)
		return NULL;	/* its tuple was another's: the claim lost a race */
	if (!bpf_map_update_elem(&conntrack, ck, &copy, BPF_ANY))
		stat_inc(BPFNET_STAT_FLOWS_PROMOTED);
	bpf_map_delete_elem(&ct_new, ck);
	bpf_map_delete_elem(&rev_nat_new, rk);
	rv = bpf_map_lookup_elem(&rev_nat, rk);
	return rv ? ct_of_reply(&conntrack, p, rv, ck, now) : NULL;
}

#endif
