// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "flows.h"
#include "log.h"
#include "mapiter.h"
#include "peers.h"
#include "sockdiag.h"
#include "vec.h"
#include "portmap.h"
#include "portmap6.h"

static void pm_key(const struct port_spec *ps, unsigned int off,
		   struct bpfnet_pm_key *k)
{
	memset(k, 0, sizeof(*k));
	k->host_addr = ps->host.s_addr;
	k->host_port = htons((uint16_t)(ps->host_lo + off));
	k->proto = ps->proto;
}

/* Delete entries of ps[i] for offsets below `upto` that belong to caddr. */
static void pm_delete(struct dp *dp, struct in_addr caddr,
		      const struct port_spec *ps, unsigned int upto)
{
	struct bpfnet_pm_key k;
	struct bpfnet_pm_val v;

	if (!portspec_v4(ps))
		return;	/* an IPv6 address: port_maps6's (portmap6.c) */
	for (unsigned int off = 0; off < upto; off++) {
		pm_key(ps, off, &k);
		if (!bpf_map_lookup_elem(dp->pm_fd, &k, &v) &&
		    v.caddr == caddr.s_addr)
			bpf_map_delete_elem(dp->pm_fd, &k);
	}
}

/* The published entry of ps's host port at offset off that claims it, if any. */
static bool pm_claimed(const struct dp *dp, const struct bpfnet_state *st,
		       const struct port_spec *ps, unsigned int off,
		       struct bpfnet_pm_key *k, struct bpfnet_pm_val *v)
{
	pm_key(ps, off, k);
	if (!bpf_map_lookup_elem(dp->pm_fd, k, v))
		return true;
	if (ps->host.s_addr) {	/* the same port on every address */
		k->host_addr = 0;
		return !bpf_map_lookup_elem(dp->pm_fd, k, v);
	}
	for (int i = 0; i < st->n_port_addrs; i++) {	/* on one address */
		k->host_addr = st->port_addrs[i].s_addr;
		if (!bpf_map_lookup_elem(dp->pm_fd, k, v))
			return true;
	}
	return false;
}

static int check_conflicts4(const struct dp *dp, const struct bpfnet_state *st,
			    const struct port_spec *ps, int n, char *err,
			    size_t errlen)
{
	for (int i = 0; i < n; i++) {
		unsigned int span = portspec_v4(&ps[i]) ?
				    ps[i].host_hi - ps[i].host_lo + 1u : 0;

		for (unsigned int off = 0; off < span; off++) {
			struct bpfnet_pm_key k;
			struct bpfnet_pm_val v;
			const struct endpoint_rec *owner;
			struct port_spec theirs;
			char a[96], b[96];

			if (!pm_claimed(dp, st, &ps[i], off, &k, &v))
				continue;
			theirs = (struct port_spec){
				.host.s_addr = k.host_addr,
				/* the map entry does not say if it is of both */
				.family = k.host_addr ? AF_INET : PORTSPEC_BOTH,
				.host_lo = ntohs(k.host_port),
				.host_hi = ntohs(k.host_port),
				.ctr_lo = ntohs(v.cport),
				.ctr_hi = ntohs(v.cport),
				.proto = k.proto,
			};
			owner = state_find_ip(st, (struct in_addr){ v.caddr });
			portspec_format(&ps[i], a, sizeof(a));
			portspec_format(&theirs, b, sizeof(b));
			snprintf(err, errlen,
				 "port map %s conflicts with %s of container %.64s",
				 a, b, owner ? owner->id : "(none: run 'bpfnet gc')");
			return -EEXIST;
		}
	}
	return 0;
}

int portmap_check_conflicts(const struct dp *dp, const struct bpfnet_state *st,
			    const struct endpoint_rec *rec,
			    const struct port_spec *ps, int n, char *err,
			    size_t errlen)
{
	int r = portmap6_family_check(rec, ps, n, portmap6_nat46(dp), err, errlen);

	if (!r)
		r = check_conflicts4(dp, st, ps, n, err, errlen);
	if (!r)
		r = portmap6_check_conflicts(dp, st, rec, ps, n, err, errlen);
	return r;
}

int portmap_missing(const struct dp *dp, const struct endpoint_rec *rec,
		    const struct port_spec *ps, int n, char *err, size_t errlen)
{
	struct in_addr caddr = rec->ip;

	for (int i = 0; i < n; i++) {
		unsigned int span = portspec_v4(&ps[i]) ?
				    ps[i].host_hi - ps[i].host_lo + 1u : 0;

		for (unsigned int off = 0; off < span; off++) {
			struct bpfnet_pm_key k;
			struct bpfnet_pm_val v;
			char a[96];

			pm_key(&ps[i], off, &k);
			if (!bpf_map_lookup_elem(dp->pm_fd, &k, &v) &&
			    v.caddr == caddr.s_addr &&
			    v.cport == htons((uint16_t)(ps[i].ctr_lo + off)))
				continue;
			portspec_format(&ps[i], a, sizeof(a));
			snprintf(err, errlen, "port map %s has no entry for host port %u",
				 a, ps[i].host_lo + off);
			return -ENOENT;
		}
	}
	return portmap6_missing_of(dp, rec, ps, n, err, errlen);
}

/* Another network on the uplink publishes one of these host ports: -EEXIST. */
static int peer_conflict(const struct dp *dp, const struct port_spec *ps, int n)
{
	struct bpfnet_cfg c;
	char why[320];
	__u32 zero = 0;

	if (bpf_map_lookup_elem(dp->cfg_fd, &zero, &c) || !c.uplink_ifindex ||
	    !peers_port_conflict((int)c.uplink_ifindex, dp->prog_up_in, ps, n,
				 why, sizeof(why)))
		return 0;
	pr_err("%s", why);
	return -EEXIST;
}

/* Write ps into port_maps, all or nothing. */
static int pm_insert(struct dp *dp, struct in_addr caddr,
		     const struct port_spec *ps, int n)
{
	for (int i = 0; i < n; i++) {
		unsigned int span = portspec_v4(&ps[i]) ?
				    ps[i].host_hi - ps[i].host_lo + 1u : 0;

		for (unsigned int off = 0; off < span; off++) {
			struct bpfnet_pm_val v = {
				.caddr = caddr.s_addr,
				.cport = htons((uint16_t)(ps[i].ctr_lo + off)),
				.flags = ps[i].family == AF_INET && !ps[i].host.s_addr ?
					 BPFNET_PM_V4ONLY : 0,
			};
			struct bpfnet_pm_key k;
			int err;

			pm_key(&ps[i], off, &k);
			if (!bpf_map_update_elem(dp->pm_fd, &k, &v, BPF_NOEXIST))
				continue;
			err = -errno;
			pm_delete(dp, caddr, &ps[i], off);
			while (i-- > 0)
				pm_delete(dp, caddr, &ps[i],
					  ps[i].host_hi - ps[i].host_lo + 1u);
			return err;
		}
	}
	return 0;
}

/*
 * The container's endpoint says it is published before its first port map
 * is written: from then on its packets may be a published port's replies,
 * and the datapath looks for them (BPFNET_EP_PUBLISHED). Never cleared: a
 * container whose ports were all taken back pays two lookups for nothing.
 * No endpoint: nothing to mark (endpoint_publish writes it before its
 * ports).
 */
static int mark_published(struct dp *dp, struct in_addr caddr)
{
	struct bpfnet_endpoint ep;

	if (bpf_map_lookup_elem(dp->ep_fd, &caddr.s_addr, &ep))
		return errno == ENOENT ? 0 : -errno;
	if (ep.flags & BPFNET_EP_PUBLISHED)
		return 0;
	ep.flags |= BPFNET_EP_PUBLISHED;
	return bpf_map_update_elem(dp->ep_fd, &caddr.s_addr, &ep, BPF_EXIST) ? -errno : 0;
}

/*
 * Publish ps for caddr. Another network on the uplink may publish the same
 * port between our check and our write (each network has its own lock): so
 * check again once written, and give way if it is there. Of two networks,
 * the later to check sees the other: never both keep a port.
 */
int portmap_apply(struct dp *dp, const struct endpoint_rec *rec,
		  const struct port_spec *ps, int n)
{
	int err;

	if (peer_conflict(dp, ps, n) || fault_point(9, "peers checked"))
		return -EEXIST;
	err = mark_published(dp, rec->ip);
	if (!err)
		err = pm_insert(dp, rec->ip, ps, n);
	if (!err) {
		struct in6_addr t;

		portmap6_target(rec, portmap6_nat46(dp), &t);
		err = portmap6_apply(dp, &t, ps, n);
		if (err)
			portmap_unapply(dp, rec, ps, n);
	}
	if (!err && peer_conflict(dp, ps, n)) {
		portmap_unapply(dp, rec, ps, n);
		err = -EEXIST;
	}
	return err;
}

struct pm_walk {
	struct bpfnet_pm_key *keys;
	struct bpfnet_pm_val *vals;
	size_t n, kcap, vcap;
};

static void pm_collect(const void *key, const void *val, void *ctx)
{
	struct pm_walk *w = ctx;

	if (VEC_RESERVE(w->keys, w->n, w->kcap) ||
	    VEC_RESERVE(w->vals, w->n, w->vcap))
		return;
	w->keys[w->n] = *(const struct bpfnet_pm_key *)key;
	w->vals[w->n++] = *(const struct bpfnet_pm_val *)val;
}

static int pm_order(const void *a, const void *b)
{
	const struct port_spec *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->family != y->family)	/* both families before IPv4 alone */
		return x->family - y->family;
	if (x->host.s_addr != y->host.s_addr)
		return ntohl(x->host.s_addr) < ntohl(y->host.s_addr) ? -1 : 1;
	return x->host_lo - y->host_lo;
}

/* Entries of one container, as specs: consecutive ports become ranges. */
static void pm_to_specs(const struct pm_walk *w, struct in_addr caddr,
			struct port_list *out)
{
	struct port_list single = { 0 };

	for (size_t i = 0; i < w->n; i++) {
		struct port_spec ps = {
			.host.s_addr = w->keys[i].host_addr,
			.host_lo = ntohs(w->keys[i].host_port),
			.ctr_lo = ntohs(w->vals[i].cport),
			.proto = w->keys[i].proto,
		};

		if (w->vals[i].caddr != caddr.s_addr)
			continue;
		/* 0.0.0.0 named, or no address at all (both families) */
		ps.family = ps.host.s_addr || w->vals[i].flags & BPFNET_PM_V4ONLY ?
			    AF_INET : PORTSPEC_BOTH;
		ps.host_hi = ps.host_lo;
		ps.ctr_hi = ps.ctr_lo;
		portlist_push(&single, &ps);
	}
	if (single.n)
		qsort(single.v, (size_t)single.n, sizeof(single.v[0]), pm_order);
	for (int i = 0; i < single.n; i++) {
		struct port_spec *last = out->n ? &out->v[out->n - 1] : NULL;
		const struct port_spec *ps = &single.v[i];

		if (last && last->proto == ps->proto &&
		    last->family == ps->family &&
		    last->host.s_addr == ps->host.s_addr &&
		    last->host_hi + 1 == ps->host_lo &&
		    last->ctr_hi + 1 == ps->ctr_lo) {
			last->host_hi++;
			last->ctr_hi++;
			continue;
		}
		portlist_push(out, ps);
	}
	portlist_free(&single);
}

int portmap_sync_state(struct dp *dp, struct bpfnet_state *st, bool adopt)
{
	bool *mine = adopt ? calloc((size_t)st->n + 1, sizeof(*mine)) : NULL;
	struct pm_walk w = { 0 };
	int removed = 0;

	map_for_each(dp->pm_fd, sizeof(struct bpfnet_pm_key),
		     sizeof(struct bpfnet_pm_val), pm_collect, &w);
	/* the records without ports get theirs back: IPv4's first, then
	 * port_maps6's that no spec of both families holds */
	for (int i = 0; mine && i < st->n; i++) {
		mine[i] = !st->eps[i].ports.n;
		if (mine[i])
			pm_to_specs(&w, st->eps[i].ip, &st->eps[i].ports);
	}
	for (size_t i = 0; i < w.n; i++) {
		struct in_addr a = { w.vals[i].caddr };

		if (!state_find_ip(st, a) &&
		    !bpf_map_delete_elem(dp->pm_fd, &w.keys[i]))
			removed++;
	}
	free(w.keys);
	free(w.vals);
	removed += portmap6_sync_state(dp, st, mine);
	free(mine);
	return removed;
}

struct dnat_match {
	struct in_addr caddr;
	const struct port_spec *ps;
	int n;
	struct flow_vec v;
};

static void match_dnat(const void *key, const void *val, void *ctx)
{
	const struct bpfnet_flow *k = key;
	const struct bpfnet_ct *ct = val;
	struct dnat_match *m = ctx;
	bool hit = false;

	if (ct->nat_addr != m->caddr.s_addr)
		return;
	for (int i = 0; i < m->n && !hit; i++)
		hit = portspec_v4(&m->ps[i]) && k->proto == m->ps[i].proto &&
		      ntohs(k->dport) >= m->ps[i].host_lo &&
		      ntohs(k->dport) <= m->ps[i].host_hi &&
		      (!m->ps[i].host.s_addr || k->daddr == m->ps[i].host.s_addr);
	if (hit)
		flow_vec_push(&m->v, k, ct);
}

/*
 * Connections made through the published ports ps (to caddr): forget
 * them, from one tier's tables (ct_fd, rev_fd: answered or new flows).
 */
static void flush_dnat_flows(int ct_fd, int rev_fd, struct in_addr caddr,
			     const struct port_spec *ps, int n)
{
	struct dnat_match m = { .caddr = caddr, .ps = ps, .n = n };

	map_for_each(ct_fd, sizeof(struct bpfnet_flow),
		     sizeof(struct bpfnet_ct), match_dnat, &m);
	for (size_t i = 0; i < m.v.n; i++) {
		const struct bpfnet_flow *k = &m.v.keys[i];
		const struct bpfnet_ct *ct = &m.v.vals[i];
		struct bpfnet_flow r = {
			.saddr = ct->nat_addr,
			.daddr = ct->hairpin_addr ? ct->hairpin_addr : k->saddr,
			.sport = ct->nat_port, .dport = k->sport,
			.proto = k->proto,
		};

		bpf_map_delete_elem(rev_fd, &r);
		bpf_map_delete_elem(ct_fd, k);
	}
	flow_vec_free(&m.v);
}

/* Did the host socket c dial a port of ps (sock_rev knows what it dialled)? */
static bool dialled_through(struct dp *dp, const struct host_conn *c,
			    const struct port_spec *ps, int n)
{
	struct bpfnet_sock_key k = {
		.cookie = c->cookie, .addr = c->id.idiag_dst[0],
		.port = c->id.idiag_dport,
	};
	struct bpfnet_sock_val v;

	if (bpf_map_lookup_elem(dp->sock_rev_fd, &k, &v))
		return false;	/* made without the socket programs */
	for (int i = 0; i < n; i++)
		if (portspec_v4(&ps[i]) && ps[i].proto == c->proto &&
		    ntohs(v.port) >= ps[i].host_lo &&
		    ntohs(v.port) <= ps[i].host_hi &&
		    (!ps[i].host.s_addr || ps[i].host.s_addr == v.addr))
			return true;
	return false;
}

/* Host processes' connections through the published ports ps: closed
 * (SOCK_DESTROY), as the datapath's are flushed. */
static void cut_host_conns(struct dp *dp, struct in_addr caddr,
			   const struct port_spec *ps, int n)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct conn_list l = { 0 };

	for (size_t p = 0; p < sizeof(protos); p++)
		host_conns(protos[p], caddr, &l);
	for (int i = 0; i < l.n; i++) {
		const struct host_conn *c = &l.v[i];
		struct bpfnet_sock_key k = {
			.cookie = c->cookie, .addr = c->id.idiag_dst[0],
			.port = c->id.idiag_dport,
		};

		if (!dialled_through(dp, c, ps, n))
			continue;
		if (host_conn_destroy(c))
			pr_warn("failed to close a host socket connected through a removed port");
		bpf_map_delete_elem(dp->sock_rev_fd, &k);
	}
	conn_list_free(&l);
}

void portmap_unapply(struct dp *dp, const struct endpoint_rec *rec,
		     const struct port_spec *ps, int n)
{
	struct in_addr caddr = rec->ip;
	struct in6_addr t;

	for (int i = 0; i < n; i++)
		pm_delete(dp, caddr, &ps[i], ps[i].host_hi - ps[i].host_lo + 1u);
	portmap6_target(rec, true, &t);	/* what nat46 may have written */
	portmap6_unapply(dp, &t, ps, n);
	flush_dnat_flows(dp->dnat_ct_fd, dp->dnat_rev_fd, caddr, ps, n);
	flush_dnat_flows(dp->dnat_ct_new_fd, dp->dnat_rev_new_fd, caddr, ps, n);
	cut_host_conns(dp, caddr, ps, n);
}
