// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 flows (flows6.h). As flows.c does for IPv4, walks collect first and
 * delete after (mapiter.h), and each flow is read again just before it
 * goes, since the datapath may have refreshed it meanwhile.
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

static int flush6(struct dp *dp, struct pick6 *p)
{
	struct bpfnet_flow6 r, owner;
	struct bpfnet_ct6 ct;
	int removed = 0;

	map_for_each(dp->ct6_fd, sizeof(struct bpfnet_flow6), sizeof(ct),
		     pick_flow, p);
	for (size_t i = 0; i < p->n; i++) {
		if (bpf_map_lookup_elem(dp->ct6_fd, &p->keys[i], &ct) ||
		    (p->expired_by && !picked(p, &p->keys[i], &ct)))
			continue;
		reply6_of(&p->keys[i], &ct, &r);
		if (!bpf_map_lookup_elem(dp->rnat6_fd, &r, &owner) &&
		    !memcmp(&owner, &p->keys[i], sizeof(owner)))
			bpf_map_delete_elem(dp->rnat6_fd, &r);
		if (!bpf_map_delete_elem(dp->ct6_fd, &p->keys[i]))
			removed++;
	}
	free(p->keys);
	return removed;
}

int dp_flush_flows6(struct dp *dp, const struct in6_addr *caddr)
{
	struct pick6 p = { .caddr = (const struct bpfnet_in6 *)caddr };

	return flush6(dp, &p);
}

int dp_flush_nat6_addr(struct dp *dp, const struct in6_addr *nat_addr)
{
	struct pick6 p = { .nat_addr = (const struct bpfnet_in6 *)nat_addr };

	return flush6(dp, &p);
}

/* A reply entry whose flow is gone or no longer translated to it. */
struct orphans6 {
	int ct6_fd;
	struct bpfnet_flow6 *keys;
	size_t n, cap;
};

static bool orphan6(int ct6_fd, const struct bpfnet_flow6 *r,
		    const struct bpfnet_flow6 *flow)
{
	struct bpfnet_flow6 back;
	struct bpfnet_ct6 ct;

	if (bpf_map_lookup_elem(ct6_fd, flow, &ct))
		return true;
	reply6_of(flow, &ct, &back);
	return memcmp(&back, r, sizeof(back)) != 0;
}

static void pick_orphan6(const void *key, const void *val, void *ctx)
{
	struct orphans6 *o = ctx;

	if (orphan6(o->ct6_fd, key, val) && !VEC_RESERVE(o->keys, o->n, o->cap))
		o->keys[o->n++] = *(const struct bpfnet_flow6 *)key;
}

int dp_expire_flows6(struct dp *dp)
{
	struct pick6 p = { .expired_by = now_ns() };
	struct orphans6 o = { .ct6_fd = dp->ct6_fd };
	struct bpfnet_flow6 flow;
	int removed = flush6(dp, &p);

	map_for_each(dp->rnat6_fd, sizeof(flow), sizeof(flow), pick_orphan6, &o);
	for (size_t i = 0; i < o.n; i++)
		if (!bpf_map_lookup_elem(dp->rnat6_fd, &o.keys[i], &flow) &&
		    orphan6(dp->ct6_fd, &o.keys[i], &flow))
			bpf_map_delete_elem(dp->rnat6_fd, &o.keys[i]);
	free(o.keys);
	return removed;
}

struct live6 {
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
	if (in6_zero(&ct->nat_addr6)) {	/* routed: replies carry it as it is */
		e->reply6.saddr = e->key6.daddr;
		e->reply6.daddr = e->key6.saddr;
		e->reply6.sport = e->key6.dport;
		e->reply6.dport = e->key6.sport;
		e->reply6.proto = e->key6.proto;
	} else {
		reply6_of(&e->key6, ct, &e->reply6);
	}
	e->answered = ct->ct.seen_reply;
	e->now_ns = w->now;
}

int dp_list_flows6(struct dp *dp, struct flow_entries *out)
{
	struct live6 w = { .out = out, .now = now_ns() };
	int err = map_for_each(dp->ct6_fd, sizeof(struct bpfnet_flow6),
			       sizeof(struct bpfnet_ct6), pick_live6, &w);

	return err ? err : w.err;
}
