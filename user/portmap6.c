// SPDX-License-Identifier: GPL-2.0
/*
 * Published ports on IPv6: the port_maps6 entries of a container. A spec
 * publishes here when it names an IPv6 address ("[::1]:8080:80") or every
 * address ("[::]:...", or no address at all, for a container that has an
 * IPv6 address). A container without one is published here too when the
 * uplink has an IPv6 address: its entries name its IPv4 address,
 * IPv4-mapped, and the datapath translates (NAT46, bpf/nat46.h). The rules
 * are port_maps' (portmap.c): all or nothing, no host port published twice.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/types.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr6.h"
#include "bpfnet_shared.h"
#include "ctrid.h"
#include "log.h"
#include "mapiter.h"
#include "portmap6.h"
#include "sockdiag.h"
#include "vec.h"

static bool in6_all_zero_words(const __be32 *a)
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

/* Does ps publish on IPv6 for a container whose IPv6 address is caddr6? */
static bool pm6_applies(const struct port_spec *ps, const struct in6_addr *caddr6)
{
	return portspec_v6(ps) && !in6_is_zero(caddr6);
}

/* Is caddr6 an IPv4 container's address, IPv4-mapped (NAT46)? */
static bool pm6_is46(const struct in6_addr *caddr6)
{
	return IN6_IS_ADDR_V4MAPPED(caddr6);
}

bool portmap6_nat46(const struct dp *dp)
{
	struct bpfnet_cfg6 c6 = { 0 };
	__u32 zero = 0;

	if (bpf_map_lookup_elem(dp->cfg6_fd, &zero, &c6))
		return false;
	return !in6_all_zero_words(c6.uplink_addr.a);
}

void portmap6_target(const struct endpoint_rec *rec, bool nat46, struct in6_addr *t)
{
	memset(t, 0, sizeof(*t));
	if (!in6_is_zero(&rec->ip6)) {
		*t = rec->ip6;
	} else if (nat46) {
		t->s6_addr[10] = t->s6_addr[11] = 0xff;
		memcpy(&t->s6_addr[12], &rec->ip, 4);
	}
}

/* The container an entry's caddr names (its IPv6 address, or NAT46's
 * IPv4 one), or NULL. */
static const struct endpoint_rec *pm6_owner(const struct bpfnet_state *st,
					    const struct in6_addr *c)
{
	struct in_addr a;

	if (!pm6_is46(c))
		return state_find_ip6(st, c);
	memcpy(&a, &c->s6_addr[12], 4);
	return state_find_ip(st, a);
}

static void pm6_key(const struct port_spec *ps, unsigned int off,
		    struct bpfnet_pm6_key *k)
{
	memset(k, 0, sizeof(*k));
	if (ps->family == AF_INET6)
		memcpy(&k->host_addr, &ps->host6, sizeof(k->host_addr));
	k->host_port = htons((uint16_t)(ps->host_lo + off));
	k->proto = ps->proto;
}

int portmap6_family_check(const struct endpoint_rec *rec,
			  const struct port_spec *ps, int n, bool nat46,
			  char *err, size_t errlen)
{
	char spec[96];

	if (!in6_is_zero(&rec->ip6) || nat46)
		return 0;
	for (int i = 0; i < n; i++) {
		if (ps[i].family != AF_INET6)
			continue;
		portspec_format(&ps[i], spec, sizeof(spec));
		snprintf(err, errlen,
			 "port map %s: container %.*s has no IPv6 address (the network has no --subnet6), nor the uplink one to translate from",
			 spec, ctrid_short_len(rec->id), rec->id);
		return -EAFNOSUPPORT;
	}
	return 0;
}

/* Every entry of port_maps6, read at once. */
struct pm6_walk {
	struct bpfnet_pm6_key *keys;
	struct bpfnet_pm6_val *vals;
	size_t n, kcap, vcap;
};

static void pm6_collect(const void *key, const void *val, void *ctx)
{
	struct pm6_walk *w = ctx;

	if (VEC_RESERVE(w->keys, w->n, w->kcap) ||
	    VEC_RESERVE(w->vals, w->n, w->vcap))
		return;
	w->keys[w->n] = *(const struct bpfnet_pm6_key *)key;
	w->vals[w->n++] = *(const struct bpfnet_pm6_val *)val;
}

static void pm6_walk_free(struct pm6_walk *w)
{
	free(w->keys);
	free(w->vals);
	memset(w, 0, sizeof(*w));
}

static bool in6_all_zero(const struct bpfnet_in6 *a)
{
	return in6_all_zero_words(a->a);
}

/* Does entry k claim one of ps's host ports (same address, or either any)? */
static bool pm6_meets(const struct bpfnet_pm6_key *k, const struct port_spec *ps)
{
	unsigned int port = ntohs(k->host_port);
	bool any = ps->family != AF_INET6 || in6_is_zero(&ps->host6);

	return k->proto == ps->proto && port >= ps->host_lo &&
	       port <= ps->host_hi &&
	       (any || in6_all_zero(&k->host_addr) ||
		!memcmp(&k->host_addr, &ps->host6, sizeof(ps->host6)));
}

/* The entry that makes ps conflict, written as a spec into b. */
static void pm6_describe(const struct bpfnet_pm6_key *k,
			 const struct bpfnet_pm6_val *v, char *b, size_t size)
{
	struct port_spec theirs = {
		.host_lo = ntohs(k->host_port), .host_hi = ntohs(k->host_port),
		.ctr_lo = ntohs(v->cport), .ctr_hi = ntohs(v->cport),
		.proto = k->proto, .family = AF_INET6,
	};

	memcpy(&theirs.host6, &k->host_addr, sizeof(theirs.host6));
	portspec_format(&theirs, b, size);
}

/*
 * The IPv6 named addresses are in no record's list (the IPv4 ones are, in
 * port_addrs), so the map is read whole: its size is what is published on
 * IPv6, small next to a port range's lookups.
 */
int portmap6_check_conflicts(const struct dp *dp, const struct bpfnet_state *st,
			     const struct endpoint_rec *rec,
			     const struct port_spec *ps, int n, char *err,
			     size_t errlen)
{
	struct pm6_walk w = { 0 };
	struct in6_addr t;
	int ret = 0;

	portmap6_target(rec, portmap6_nat46(dp), &t);
	map_for_each(dp->pm6_fd, sizeof(struct bpfnet_pm6_key),
		     sizeof(struct bpfnet_pm6_val), pm6_collect, &w);
	for (int i = 0; i < n && !ret; i++) {
		if (!pm6_applies(&ps[i], &t))
			continue;
		for (size_t j = 0; j < w.n && !ret; j++) {
			const struct endpoint_rec *owner;
			struct in6_addr c;
			char a[96], b[96];

			if (!pm6_meets(&w.keys[j], &ps[i]))
				continue;
			memcpy(&c, &w.vals[j].caddr, sizeof(c));
			owner = pm6_owner(st, &c);
			portspec_format(&ps[i], a, sizeof(a));
			pm6_describe(&w.keys[j], &w.vals[j], b, sizeof(b));
			snprintf(err, errlen,
				 "port map %s conflicts with %s of container %.64s",
				 a, b, owner ? owner->id : "(none: run 'bpfnet gc')");
			ret = -EEXIST;
		}
	}
	pm6_walk_free(&w);
	return ret;
}

/* Delete entries of ps for offsets below upto that belong to caddr6. */
static void pm6_delete(struct dp *dp, const struct in6_addr *caddr6,
		       const struct port_spec *ps, unsigned int upto)
{
	struct bpfnet_pm6_key k;
	struct bpfnet_pm6_val v;

	for (unsigned int off = 0; off < upto; off++) {
		pm6_key(ps, off, &k);
		if (!bpf_map_lookup_elem(dp->pm6_fd, &k, &v) &&
		    !memcmp(&v.caddr, caddr6, sizeof(v.caddr)))
			bpf_map_delete_elem(dp->pm6_fd, &k);
	}
}

/* Its endpoints6 entry says it is published (BPFNET_EP_PUBLISHED), as IPv4's. */
static int mark_published6(struct dp *dp, const struct in6_addr *caddr6)
{
	struct bpfnet_endpoint ep;

	if (bpf_map_lookup_elem(dp->ep6_fd, caddr6, &ep))
		return errno == ENOENT ? 0 : -errno;
	if (ep.flags & BPFNET_EP_PUBLISHED)
		return 0;
	ep.flags |= BPFNET_EP_PUBLISHED;
	return bpf_map_update_elem(dp->ep6_fd, caddr6, &ep, BPF_EXIST) ? -errno : 0;
}

int portmap6_apply(struct dp *dp, const struct in6_addr *caddr6,
		   const struct port_spec *ps, int n)
{
	int err = in6_is_zero(caddr6) ? 0 : mark_published6(dp, caddr6);

	for (int i = 0; i < n && !err; i++) {
		unsigned int span = ps[i].host_hi - ps[i].host_lo + 1u;

		if (!pm6_applies(&ps[i], caddr6))
			continue;
		for (unsigned int off = 0; off < span; off++) {
			struct bpfnet_pm6_val v = {
				.cport = htons((uint16_t)(ps[i].ctr_lo + off)),
			};
			struct bpfnet_pm6_key k;

			memcpy(&v.caddr, caddr6, sizeof(v.caddr));
			pm6_key(&ps[i], off, &k);
			if (!bpf_map_update_elem(dp->pm6_fd, &k, &v, BPF_NOEXIST))
				continue;
			err = -errno;
			pm6_delete(dp, caddr6, &ps[i], off);
			while (i-- > 0)
				if (pm6_applies(&ps[i], caddr6))
					pm6_delete(dp, caddr6, &ps[i],
						   ps[i].host_hi - ps[i].host_lo + 1u);
			return err;
		}
	}
	return err;
}

/* dnat6_ct's flows to caddr6 through one of ps's host ports. */
struct dnat6_match {
	const struct in6_addr *caddr6;
	const struct port_spec *ps;
	int n;
	struct bpfnet_flow6 *keys;
	struct bpfnet_ct6 *vals;
	size_t len, kcap, vcap;
};

static void match_dnat6(const void *key, const void *val, void *ctx)
{
	const struct bpfnet_flow6 *k = key;
	const struct bpfnet_ct6 *ct = val;
	struct dnat6_match *m = ctx;
	struct bpfnet_pm6_key pk = {
		.host_addr = k->daddr, .host_port = k->dport, .proto = k->proto,
	};
	bool hit = false;

	if (memcmp(&ct->nat_addr6, m->caddr6, sizeof(ct->nat_addr6)))
		return;
	for (int i = 0; i < m->n && !hit; i++)
		hit = pm6_applies(&m->ps[i], m->caddr6) && pm6_meets(&pk, &m->ps[i]);
	if (!hit || VEC_RESERVE(m->keys, m->len, m->kcap) ||
	    VEC_RESERVE(m->vals, m->len, m->vcap))
		return;
	m->keys[m->len] = *k;
	m->vals[m->len++] = *ct;
}

/*
 * Connections made through the published ports ps to caddr6, in one tier
 * (ct_fd, rev_fd: proven flows, or not proven yet): forgotten.
 */
static void flush_dnat6_flows(struct dp *dp, int ct_fd, int rev_fd,
			      const struct in6_addr *caddr6,
			      const struct port_spec *ps, int n)
{
	struct dnat6_match m = { .caddr6 = caddr6, .ps = ps, .n = n };
	struct bpfnet_cfg6 c6 = { 0 };
	__u32 zero = 0;

	/* a container's flow to its own port is answered to the gateway */
	bpf_map_lookup_elem(dp->cfg6_fd, &zero, &c6);
	map_for_each(ct_fd, sizeof(struct bpfnet_flow6),
		     sizeof(struct bpfnet_ct6), match_dnat6, &m);
	for (size_t i = 0; i < m.len; i++) {
		const struct bpfnet_flow6 *k = &m.keys[i];
		struct bpfnet_flow6 r = {
			.saddr = m.vals[i].nat_addr6,
			.daddr = m.vals[i].ct.hairpin_addr ? c6.gateway : k->saddr,
			.sport = m.vals[i].ct.nat_port, .dport = k->sport,
			.proto = k->proto,
		};

		bpf_map_delete_elem(rev_fd, &r);
		bpf_map_delete_elem(ct_fd, k);
	}
	free(m.keys);
	free(m.vals);
}

/* sock_rev6's entry of the host socket c (what it dialled), or -ENOENT. */
static int sock6_entry(const struct dp *dp, const struct host_conn *c,
		       struct bpfnet_sock6_key *k, struct bpfnet_sock6_val *v)
{
	memset(k, 0, sizeof(*k));
	k->cookie = c->cookie;
	memcpy(&k->addr, c->id.idiag_dst, sizeof(k->addr));
	k->port = c->id.idiag_dport;
	return bpf_map_lookup_elem(dp->sock_rev6_fd, k, v) ? -ENOENT : 0;
}

/*
 * Host processes' IPv6 connections to caddr6 through the published ports
 * ps (sock_rev6 knows what each dialled): closed (SOCK_DESTROY), as the
 * datapath's flows are flushed. A socket made without the socket programs
 * has no entry and stays.
 */
static void cut_host_conns6(struct dp *dp, const struct in6_addr *caddr6,
			    const struct port_spec *ps, int n)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct conn_list l = { 0 };

	for (size_t p = 0; p < sizeof(protos); p++)
		host_conns6(protos[p], caddr6, &l);
	for (int i = 0; i < l.n; i++) {
		const struct host_conn *c = &l.v[i];
		struct bpfnet_sock6_key k;
		struct bpfnet_sock6_val v;
		struct bpfnet_pm6_key pk = { 0 };
		bool hit = false;

		if (sock6_entry(dp, c, &k, &v))
			continue;
		pk.host_addr = v.addr;
		pk.host_port = v.port;
		pk.proto = c->proto;
		for (int j = 0; j < n && !hit; j++)
			hit = pm6_applies(&ps[j], caddr6) && pm6_meets(&pk, &ps[j]);
		if (!hit)
			continue;
		if (host_conn_destroy(c))
			pr_warn("failed to close a host IPv6 socket connected through a removed port");
		bpf_map_delete_elem(dp->sock_rev6_fd, &k);
	}
	conn_list_free(&l);
}

/* nat46_ct's flows to an IPv4 container (caddr6 IPv4-mapped) through one
 * of ps's host ports. */
struct nat46_match {
	__be32 caddr;
	const struct in6_addr *caddr6;
	const struct port_spec *ps;
	int n;
	struct bpfnet_flow6 *keys;
	struct bpfnet_nat46 *vals;
	size_t len, kcap, vcap;
};

static void match_nat46(const void *key, const void *val, void *ctx)
{
	const struct bpfnet_flow6 *k = key;
	const struct bpfnet_nat46 *v = val;
	struct nat46_match *m = ctx;
	struct bpfnet_pm6_key pk = {
		.host_addr = k->daddr, .host_port = k->dport, .proto = k->proto,
	};
	bool hit = false;

	if (v->ct.nat_addr != m->caddr)
		return;
	for (int i = 0; i < m->n && !hit; i++)
		hit = pm6_applies(&m->ps[i], m->caddr6) && pm6_meets(&pk, &m->ps[i]);
	if (!hit || VEC_RESERVE(m->keys, m->len, m->kcap) ||
	    VEC_RESERVE(m->vals, m->len, m->vcap))
		return;
	m->keys[m->len] = *k;
	m->vals[m->len++] = *v;
}

/* Connections over IPv6 through the published ports ps to an IPv4
 * container (NAT46): forgotten, both entries. */
static void flush_nat46_flows(struct dp *dp, const struct in6_addr *caddr6,
			      const struct port_spec *ps, int n)
{
	struct nat46_match m = { .caddr6 = caddr6, .ps = ps, .n = n };

	memcpy(&m.caddr, &caddr6->s6_addr[12], 4);
	map_for_each(dp->nat46_ct_fd, sizeof(struct bpfnet_flow6),
		     sizeof(struct bpfnet_nat46), match_nat46, &m);
	for (size_t i = 0; i < m.len; i++) {
		const struct bpfnet_nat46 *v = &m.vals[i];
		struct bpfnet_flow r = {
			.saddr = v->ct.nat_addr, .daddr = v->ct.hairpin_addr,
			.sport = v->ct.nat_port, .dport = v->gw_port,
			.proto = m.keys[i].proto,
		};

		bpf_map_delete_elem(dp->nat46_rev_fd, &r);
		bpf_map_delete_elem(dp->nat46_ct_fd, &m.keys[i]);
	}
	free(m.keys);
	free(m.vals);
}

void portmap6_unapply(struct dp *dp, const struct in6_addr *caddr6,
		      const struct port_spec *ps, int n)
{
	if (in6_is_zero(caddr6))
		return;
	for (int i = 0; i < n; i++)
		if (pm6_applies(&ps[i], caddr6))
			pm6_delete(dp, caddr6, &ps[i],
				   ps[i].host_hi - ps[i].host_lo + 1u);
	if (pm6_is46(caddr6)) {
		flush_nat46_flows(dp, caddr6, ps, n);
	} else {
		flush_dnat6_flows(dp, dp->dnat6_ct_fd, dp->dnat6_rev_fd, caddr6, ps, n);
		flush_dnat6_flows(dp, dp->dnat6_ct_new_fd, dp->dnat6_rev_new_fd, caddr6, ps, n);
	}
	cut_host_conns6(dp, caddr6, ps, n);
}

int portmap6_missing(const struct dp *dp, const struct in6_addr *caddr6,
		     const struct port_spec *ps, int n, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		unsigned int span = ps[i].host_hi - ps[i].host_lo + 1u;

		for (unsigned int off = 0; off < span && pm6_applies(&ps[i], caddr6); off++) {
			struct bpfnet_pm6_key k;
			struct bpfnet_pm6_val v;
			char a[96];

			pm6_key(&ps[i], off, &k);
			if (!bpf_map_lookup_elem(dp->pm6_fd, &k, &v) &&
			    !memcmp(&v.caddr, caddr6, sizeof(v.caddr)) &&
			    v.cport == htons((uint16_t)(ps[i].ctr_lo + off)))
				continue;
			portspec_format(&ps[i], a, sizeof(a));
			snprintf(err, errlen,
				 "port map %s has no IPv6 entry for host port %u",
				 a, ps[i].host_lo + off);
			return -ENOENT;
		}
	}
	return 0;
}

/* Does a spec of both families in l hold the :: entry k -> cport? */
static bool held_by_both(const struct port_list *l,
			 const struct bpfnet_pm6_key *k, __be16 cport)
{
	unsigned int port = ntohs(k->host_port);

	if (!in6_all_zero(&k->host_addr))
		return false;
	for (int i = 0; i < l->n; i++) {
		const struct port_spec *s = &l->v[i];

		if (s->family == PORTSPEC_BOTH && s->proto == k->proto &&
		    port >= s->host_lo && port <= s->host_hi &&
		    ntohs(cport) == s->ctr_lo + (port - s->host_lo))
			return true;
	}
	return false;
}

static int pm6_order(const void *a, const void *b)
{
	const struct port_spec *x = a, *y = b;
	int c = memcmp(&x->host6, &y->host6, sizeof(x->host6));

	if (x->proto != y->proto)
		return x->proto - y->proto;
	return c ? c : x->host_lo - y->host_lo;
}

/* caddr6's entries as IPv6 specs appended to out: consecutive ports as ranges. */
static void pm6_to_specs(const struct pm6_walk *w, const struct in6_addr *caddr6,
			 struct port_list *out)
{
	struct port_list single = { 0 };

	for (size_t i = 0; i < w->n; i++) {
		struct port_spec ps = {
			.host_lo = ntohs(w->keys[i].host_port),
			.ctr_lo = ntohs(w->vals[i].cport),
			.proto = w->keys[i].proto, .family = AF_INET6,
		};

		if (memcmp(&w->vals[i].caddr, caddr6, sizeof(*caddr6)) ||
		    held_by_both(out, &w->keys[i], w->vals[i].cport))
			continue;
		memcpy(&ps.host6, &w->keys[i].host_addr, sizeof(ps.host6));
		ps.host_hi = ps.host_lo;
		ps.ctr_hi = ps.ctr_lo;
		portlist_push(&single, &ps);
	}
	if (single.n)
		qsort(single.v, (size_t)single.n, sizeof(single.v[0]), pm6_order);
	for (int i = 0, first = out->n; i < single.n; i++) {
		struct port_spec *last = out->n > first ? &out->v[out->n - 1] : NULL;
		const struct port_spec *ps = &single.v[i];

		if (last && last->proto == ps->proto &&
		    !memcmp(&last->host6, &ps->host6, sizeof(ps->host6)) &&
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

int portmap6_missing_of(const struct dp *dp, const struct endpoint_rec *rec,
			const struct port_spec *ps, int n, char *err, size_t errlen)
{
	struct in6_addr t;

	portmap6_target(rec, portmap6_nat46(dp), &t);
	return portmap6_missing(dp, &t, ps, n, err, errlen);
}

int portmap6_sync_state(struct dp *dp, struct bpfnet_state *st,
			const bool *adopt)
{
	struct pm6_walk w = { 0 };
	int removed = 0;

	map_for_each(dp->pm6_fd, sizeof(struct bpfnet_pm6_key),
		     sizeof(struct bpfnet_pm6_val), pm6_collect, &w);
	for (int i = 0; adopt && i < st->n; i++)
		if (adopt[i] && !in6_is_zero(&st->eps[i].ip6))
			pm6_to_specs(&w, &st->eps[i].ip6, &st->eps[i].ports);
	for (size_t i = 0; i < w.n; i++) {
		struct in6_addr c;

		memcpy(&c, &w.vals[i].caddr, sizeof(c));
		if (!pm6_owner(st, &c) &&
		    !bpf_map_delete_elem(dp->pm6_fd, &w.keys[i]))
			removed++;
	}
	pm6_walk_free(&w);
	return removed;
}
