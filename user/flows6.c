// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 flows (flows6.h). As flows.c does for IPv4, walks collect first and
 * delete after (mapiter.h), and each flow is read again just before it
 * goes, since the datapath may have refreshed it meanwhile. Four pairs of
 * a flow table and its reply table, as IPv4's: flows containers opened
 * (conntrack6/rev_nat6) and flows to published ports (dnat6_ct/dnat6_rev),
 * each answered or not yet (ct6_new/rev_nat6_new, dnat6_ct_new/dnat6_rev_new).
 * Every reply table maps a reply tuple to its flow's key.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpfnet_shared.h"
#include "flows.h"
#include "flows6.h"
#include "mapiter.h"
#include "vec.h"

/* Which flows a walk picks. */
struct pick6 {
	const struct bpfnet_in6 *caddr;		/* their source; NULL: any */
	const struct bpfnet_in6 *nat_addr;	/* their translation; NULL: any */
	__u64 expired_by;			/* expired at this time; 0: any */
	struct bpfnet_flow6 *keys;
	size_t n, cap;
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static bool in6_zero(const struct bpfnet_in6 *a)
{
	return !(a->a[0] | a->a[1] | a->a[2] | a->a[3]);
}

static bool picked(const struct pick6 *p, const struct bpfnet_flow6 *k,
		   const struct bpfnet_ct6 *ct)
{
	return (!p->caddr || !memcmp(&k->saddr, p->caddr, sizeof(k->saddr))) &&
	       (!p->nat_addr ||
		!memcmp(&ct->nat_addr6, p->nat_addr, sizeof(ct->nat_addr6))) &&
	       (!p->expired_by || ct->ct.expires_ns <= p->expired_by);
}

static void pick_flow(const void *key, const void *val, void *ctx)
{
	struct pick6 *p = ctx;

	if (picked(p, key, val) && !VEC_RESERVE(p->keys, p->n, p->cap))
		p->keys[p->n++] = *(const struct bpfnet_flow6 *)key;
}

/* NAT66's reply tuple of flow k (nat6.h's nat6_reply_of). */
static void reply6_of(const struct bpfnet_flow6 *k, const struct bpfnet_ct6 *ct,
		      struct bpfnet_flow6 *r)
{
	memset(r, 0, sizeof(*r));
	r->saddr = k->daddr;
	r->daddr = ct->nat_addr6;
	r->sport = k->dport;
	r->dport = ct->ct.nat_port;
	r->proto = k->proto;
}

/* One flow table and its reply table (see above). */
struct pair6 {
	int fwd_fd, rev_fd;
	bool published, answered;
	struct bpfnet_in6 gw;	/* published: the gateway, own-port flows' client */
};

enum { PAIRS6 = 4 };	/* i: 0 conntrack6, 1 ct6_new, 2 dnat6_ct, 3 dnat6_ct_new */

static void pair6_of(struct dp *dp, int i, struct pair6 *p)
{
	const int fwd[PAIRS6] = { dp->ct6_fd, dp->ct6_new_fd, dp->dnat6_ct_fd,
				  dp->dnat6_ct_new_fd };
	const int rev[PAIRS6] = { dp->rnat6_fd, dp->rnat6_new_fd, dp->dnat6_rev_fd,
				  dp->dnat6_rev_new_fd };
	struct bpfnet_cfg6 c6 = { 0 };
	__u32 zero = 0;

	*p = (struct pair6){ .fwd_fd = fwd[i], .rev_fd = rev[i], .published = i >= 2,
			     .answered = !(i & 1) };
	if (p->published && !bpf_map_lookup_elem(dp->cfg6_fd, &zero, &c6))
		p->gw = c6.gateway;
}

/* The reply tuple of flow k in pair p: NAT66's, or a published container's answer. */
static void pair6_reply(const struct pair6 *p, const struct bpfnet_flow6 *k,
			const struct bpfnet_ct6 *ct, struct bpfnet_flow6 *r)
{
	if (!p->published) {
		reply6_of(k, ct, r);
		return;
	}
	memset(r, 0, sizeof(*r));
	r->saddr = ct->nat_addr6;
	r->daddr = ct->ct.hairpin_addr ? p->gw : k->saddr;
	r->sport = ct->ct.nat_port;
	r->dport = k->sport;
	r->proto = k->proto;
}

static int flush6(const struct pair6 *pr, struct pick6 *p)
{
	struct bpfnet_flow6 r, owner;
	struct bpfnet_ct6 ct;
	int removed = 0;

	map_for_each(pr->fwd_fd, sizeof(struct bpfnet_flow6), sizeof(ct),
		     pick_flow, p);
	for (size_t i = 0; i < p->n; i++) {
		if (bpf_map_lookup_elem(pr->fwd_fd, &p->keys[i], &ct) ||
		    (p->expired_by && !picked(p, &p->keys[i], &ct)))
			continue;
		pair6_reply(pr, &p->keys[i], &ct, &r);
		if (!bpf_map_lookup_elem(pr->rev_fd, &r, &owner) &&
		    !memcmp(&owner, &p->keys[i], sizeof(owner)))
			bpf_map_delete_elem(pr->rev_fd, &r);
		if (!bpf_map_delete_elem(pr->fwd_fd, &p->keys[i]))
			removed++;
	}
	free(p->keys);
	p->keys = NULL;
	p->n = p->cap = 0;
	return removed;
}

/* The flows containers opened, in both tiers (pairs 0 and 1). */
static int flush6_opened(struct dp *dp, struct pick6 *p)
{
	struct pair6 pr;
	int removed = 0;

	for (int i = 0; i < 2; i++) {
		pair6_of(dp, i, &pr);
		removed += flush6(&pr, p);
	}
	return removed;
}

int dp_flush_flows6(struct dp *dp, const struct in6_addr *caddr)
{
	struct pick6 p = { .caddr = (const struct bpfnet_in6 *)caddr };

	return flush6_opened(dp, &p);
}

int dp_flush_nat6_addr(struct dp *dp, const struct in6_addr *nat_addr)
{
	struct pick6 p = { .nat_addr = (const struct bpfnet_in6 *)nat_addr };

	return flush6_opened(dp, &p);
}

/* A reply entry whose flow is gone or no longer answered with it. */
struct orphans6 {
	const struct pair6 *pr;
	struct bpfnet_flow6 *keys;
	size_t n, cap;
};

static bool orphan6(const struct pair6 *pr, const struct bpfnet_flow6 *r,
		    const struct bpfnet_flow6 *flow)
{
	struct bpfnet_flow6 back;
	struct bpfnet_ct6 ct;

	if (bpf_map_lookup_elem(pr->fwd_fd, flow, &ct))
		return true;
	pair6_reply(pr, flow, &ct, &back);
	return memcmp(&back, r, sizeof(back)) != 0;
}

static void pick_orphan6(const void *key, const void *val, void *ctx)
{
	struct orphans6 *o = ctx;

	if (orphan6(o->pr, key, val) && !VEC_RESERVE(o->keys, o->n, o->cap))
		o->keys[o->n++] = *(const struct bpfnet_flow6 *)key;
}

/* Expired flows of one pair, then its reply entries of no flow. */
static int expire6(const struct pair6 *pr, __u64 now)
{
	struct pick6 p = { .expired_by = now };
	struct orphans6 o = { .pr = pr };
	struct bpfnet_flow6 flow;
	int removed = flush6(pr, &p);

	map_for_each(pr->rev_fd, sizeof(flow), sizeof(flow), pick_orphan6, &o);
	for (size_t i = 0; i < o.n; i++)
		if (!bpf_map_lookup_elem(pr->rev_fd, &o.keys[i], &flow) &&
		    orphan6(pr, &o.keys[i], &flow))
			bpf_map_delete_elem(pr->rev_fd, &o.keys[i]);
	free(o.keys);
	return removed;
}

int dp_expire_flows6(struct dp *dp)
{
	__u64 now = now_ns();
	struct pair6 pr;
	int removed = 0;

	for (int i = 0; i < PAIRS6; i++) {
		pair6_of(dp, i, &pr);
		removed += expire6(&pr, now);
	}
	return removed;
}

struct live6 {
	const struct pair6 *pr;
	struct flow_entries *out;
	__u64 now;
	int err;
};

static void pick_live6(const void *key, const void *val, void *ctx)
{
	const struct bpfnet_ct6 *ct = val;
	struct live6 *w = ctx;
	struct flow_entry *e;

	if (ct->ct.expires_ns <= w->now)	/* the datapath's own test */
		return;
	if (VEC_RESERVE(w->out->v, w->out->n, w->out->cap)) {
		w->err = -ENOMEM;
		return;
	}
	e = &w->out->v[w->out->n++];
	memset(e, 0, sizeof(*e));
	e->v6 = true;
	e->key6 = *(const struct bpfnet_flow6 *)key;
	e->ct = ct->ct;
	e->published = w->pr->published;
	if (!e->published && in6_zero(&ct->nat_addr6)) {	/* routed: as it is */
		e->reply6.saddr = e->key6.daddr;
		e->reply6.daddr = e->key6.saddr;
		e->reply6.sport = e->key6.dport;
		e->reply6.dport = e->key6.sport;
		e->reply6.proto = e->key6.proto;
	} else {
		pair6_reply(w->pr, &e->key6, ct, &e->reply6);
	}
	e->answered = w->pr->answered;
	e->now_ns = w->now;
}

int dp_list_flows6(struct dp *dp, struct flow_entries *out)
{
	struct live6 w = { .out = out, .now = now_ns() };
	struct pair6 pr;
	int err = 0;

	for (int i = 0; i < PAIRS6 && !err && !w.err; i++) {
		pair6_of(dp, i, &pr);
		w.pr = &pr;
		err = map_for_each(pr.fwd_fd, sizeof(struct bpfnet_flow6),
				   sizeof(struct bpfnet_ct6), pick_live6, &w);
	}
	return err ? err : w.err;
}
