// SPDX-License-Identifier: GPL-2.0
/*
 * Flows: "conntrack" (the flow from the container -> its source translation)
 * and "rev_nat" (the reply arriving on the uplink -> the original flow). A
 * flow goes with its reply entry. Walks collect first and delete after, as
 * mapiter.h asks.
 */
#include <bpf/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flows.h"
#include "mapiter.h"
#include "vec.h"

void flow_vec_push(struct flow_vec *v, const struct bpfnet_flow *k,
		   const struct bpfnet_ct *ct)
{
	/* both arrays or neither: a pair is skipped when memory runs out */
	if (VEC_RESERVE(v->keys, v->n, v->kcap) ||
	    VEC_RESERVE(v->vals, v->n, v->vcap))
		return;
	v->keys[v->n] = *k;
	v->vals[v->n++] = *ct;
}

void flow_vec_free(struct flow_vec *v)
{
	free(v->keys);
	free(v->vals);
	memset(v, 0, sizeof(*v));
}

/* Delete the reply entry of flow k, translated as ct says, from rnat_fd. */
static void forget_reply_in(int rnat_fd, const struct bpfnet_flow *k,
			    const struct bpfnet_ct *ct)
{
	struct bpfnet_flow r = {
		.saddr = k->daddr, .daddr = ct->nat_addr,
		.sport = k->dport, .dport = ct->nat_port,
		.proto = k->proto,
	};

	bpf_map_delete_elem(rnat_fd, &r);
}

static void forget_reply(struct dp *dp, const struct bpfnet_flow *k,
			 const struct bpfnet_ct *ct)
{
	forget_reply_in(dp->rnat_fd, k, ct);
}

/* The flows of one container (all when caddr is 0), with their translation. */
struct flow_list {
	__be32 caddr;
	struct flow_vec v;
};

static void collect_flow(const void *key, const void *val, void *ctx)
{
	const struct bpfnet_flow *k = key;
	struct flow_list *l = ctx;

	if (!l->caddr || k->saddr == l->caddr)
		flow_vec_push(&l->v, k, val);
}

/* The flows of caddr (all when 0) in one tier: ct_fd and its rnat_fd. */
static int flush_tier(int ct_fd, int rnat_fd, __be32 caddr)
{
	struct flow_list l = { .caddr = caddr };
	int removed = 0;

	map_for_each(ct_fd, sizeof(struct bpfnet_flow),
		     sizeof(struct bpfnet_ct), collect_flow, &l);
	for (size_t i = 0; i < l.v.n; i++) {
		forget_reply_in(rnat_fd, &l.v.keys[i], &l.v.vals[i]);
		if (!bpf_map_delete_elem(ct_fd, &l.v.keys[i]))
			removed++;
	}
	flow_vec_free(&l.v);
	return removed;
}

/* Answered flows and flows not answered yet (ct_new, rev_nat_new). */
int dp_flush_flows(struct dp *dp, __be32 caddr)
{
	return flush_tier(dp->ct_fd, dp->rnat_fd, caddr) +
	       flush_tier(dp->ct_new_fd, dp->rnat_new_fd, caddr);
}

/* Keys collected during a map walk, deleted after it. */
struct key_list {
	struct bpfnet_flow *keys;
	size_t n, cap;
	__u64 now;
	int ct_fd;
};

static void key_list_add(struct key_list *l, const struct bpfnet_flow *k)
{
	if (VEC_RESERVE(l->keys, l->n, l->cap))
		return;
	l->keys[l->n++] = *k;
}

static void pick_expired(const void *key, const void *val, void *ctx)
{
	const struct bpfnet_ct *ct = val;
	struct key_list *l = ctx;

	if (ct->expires_ns <= l->now)
		key_list_add(l, key);
}

static void pick_orphan(const void *key, const void *val, void *ctx)
{
	const struct bpfnet_flow *k = key;
	const struct bpfnet_rnat *rv = val;
	struct key_list *l = ctx;
	struct bpfnet_flow fk = { .saddr = rv->caddr, .daddr = rv->raddr,
				  .sport = rv->cport, .dport = rv->rport,
				  .proto = k->proto };
	struct bpfnet_ct ct;

	if (bpf_map_lookup_elem(l->ct_fd, &fk, &ct))
		key_list_add(l, key);
}

int dp_expire_flows(struct dp *dp)
{
	struct key_list l = { .ct_fd = dp->ct_fd };
	struct timespec ts;
	struct bpfnet_ct ct;
	int removed = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	l.now = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
	map_for_each(dp->ct_fd, sizeof(struct bpfnet_flow), sizeof(ct),
		     pick_expired, &l);
	for (size_t i = 0; i < l.n; i++) {
		/* the entry as it is now: its translation finds the reply */
		if (!bpf_map_lookup_elem(dp->ct_fd, &l.keys[i], &ct))
			forget_reply(dp, &l.keys[i], &ct);
		if (!bpf_map_delete_elem(dp->ct_fd, &l.keys[i]))
			removed++;
	}
	l.n = 0;
	map_for_each(dp->rnat_fd, sizeof(struct bpfnet_flow),
		     sizeof(struct bpfnet_rnat), pick_orphan, &l);
	for (size_t i = 0; i < l.n; i++)
		bpf_map_delete_elem(dp->rnat_fd, &l.keys[i]);
	free(l.keys);
	return removed;
}
