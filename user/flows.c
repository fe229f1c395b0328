// SPDX-License-Identifier: GPL-2.0
/*
 * Flows: "conntrack" (the flow from the container -> its source translation)
 * and "rev_nat" (the reply arriving on the uplink -> the original flow);
 * "dnat_ct" and "dnat_rev" the same for published ports; "sock_rev" the
 * host sockets the socket programs sent to a container. A flow goes with
 * its reply entry when that entry is still its own. Walks collect first and
 * delete after, as mapiter.h asks, and each entry is read again just before
 * it goes: the datapath may have refreshed it meanwhile.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fault.h"
#include "flows.h"
#include "mapiter.h"
#include "sockdiag.h"
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

/* Delete the reply entry of flow k, translated as ct says. */
static void snat_reply_key(const struct bpfnet_flow *k, const struct bpfnet_ct *ct,
			   struct bpfnet_flow *r)
{
	memset(r, 0, sizeof(*r));
	r->saddr = k->daddr;
	r->daddr = ct->nat_addr;
	r->sport = k->dport;
	r->dport = ct->nat_port;
	r->proto = k->proto;
}

static bool snat_reply_owned(const void *val, const struct bpfnet_flow *k)
{
	const struct bpfnet_rnat *rv = val;

	return rv->caddr == k->saddr && rv->cport == k->sport &&
	       rv->raddr == k->daddr && rv->rport == k->dport;
}

static void dnat_reply_key(const struct bpfnet_flow *k, const struct bpfnet_ct *ct,
			   struct bpfnet_flow *r)
{
	memset(r, 0, sizeof(*r));
	r->saddr = ct->nat_addr;
	r->daddr = ct->hairpin_addr ? ct->hairpin_addr : k->saddr;
	r->sport = ct->nat_port;
	r->dport = k->sport;
	r->proto = k->proto;
}

static bool dnat_reply_owned(const void *val, const struct bpfnet_flow *k)
{
	const struct bpfnet_dnat_rev *rv = val;

	return rv->client_addr == k->saddr && rv->client_port == k->sport &&
	       rv->host_addr == k->daddr && rv->host_port == k->dport;
}

/*
 * A flow table and its reply table: conntrack/rev_nat (masquerade) or
 * dnat_ct/dnat_rev (published ports). A reply entry is a flow's only when
 * it points back at it (another flow may hold the tuple by now).
 */
struct flow_pair {
	int fwd_fd, rev_fd;
	size_t rev_size;
	void (*reply_key)(const struct bpfnet_flow *, const struct bpfnet_ct *,
			  struct bpfnet_flow *);
	bool (*owned)(const void *rev_val, const struct bpfnet_flow *k);
};

/* Masqueraded flows: answered ones (newer=0), or not answered yet. */
static void pair_snat(struct dp *dp, struct flow_pair *p, int newer)
{
	*p = (struct flow_pair){ newer ? dp->ct_new_fd : dp->ct_fd,
				 newer ? dp->rnat_new_fd : dp->rnat_fd,
				 sizeof(struct bpfnet_rnat), snat_reply_key,
				 snat_reply_owned };
}

/* Published-port flows: proven ones (newer=0), or not proven yet. */
static void pair_dnat(struct dp *dp, struct flow_pair *p, int newer)
{
	*p = (struct flow_pair){ newer ? dp->dnat_ct_new_fd : dp->dnat_ct_fd,
				 newer ? dp->dnat_rev_new_fd : dp->dnat_rev_fd,
				 sizeof(struct bpfnet_dnat_rev), dnat_reply_key,
				 dnat_reply_owned };
}

/* Delete flow k's reply entry, translated as ct says, if it is still k's. */
static void pair_forget_reply(const struct flow_pair *p, const struct bpfnet_flow *k,
			      const struct bpfnet_ct *ct)
{
	struct bpfnet_flow r;
	char val[32];

	p->reply_key(k, ct, &r);
	if (p->rev_size <= sizeof(val) && !bpf_map_lookup_elem(p->rev_fd, &r, val) &&
	    p->owned(val, k))
		bpf_map_delete_elem(p->rev_fd, &r);
}


/* The flows of one container (all when caddr is 0), or translated to
 * nat_addr (any when 0), with their translation. */
struct flow_list {
	__be32 caddr, nat_addr;
	struct flow_vec v;
};

static void collect_flow(const void *key, const void *val, void *ctx)
{
	const struct bpfnet_flow *k = key;
	const struct bpfnet_ct *ct = val;
	struct flow_list *l = ctx;

	if ((!l->caddr || k->saddr == l->caddr) &&
	    (!l->nat_addr || ct->nat_addr == l->nat_addr))
		flow_vec_push(&l->v, k, val);
}

/* One tier of masqueraded flows. */
static int flush_tier(const struct flow_pair *p, __be32 caddr, __be32 nat_addr)
{
	struct flow_list l = { .caddr = caddr, .nat_addr = nat_addr };
	int removed = 0;

	map_for_each(p->fwd_fd, sizeof(struct bpfnet_flow),
		     sizeof(struct bpfnet_ct), collect_flow, &l);
	for (size_t i = 0; i < l.v.n; i++) {
		pair_forget_reply(p, &l.v.keys[i], &l.v.vals[i]);
		if (!bpf_map_delete_elem(p->fwd_fd, &l.v.keys[i]))
			removed++;
	}
	flow_vec_free(&l.v);
	return removed;
}

/* Answered flows and flows not answered yet (ct_new, rev_nat_new). */
static int flush(struct dp *dp, __be32 caddr, __be32 nat_addr)
{
	struct flow_pair main, newer;

	pair_snat(dp, &main, 0);
	pair_snat(dp, &newer, 1);
	return flush_tier(&main, caddr, nat_addr) + flush_tier(&newer, caddr, nat_addr);
}

int dp_flush_flows(struct dp *dp, __be32 caddr)
{
	return flush(dp, caddr, 0);
}

int dp_flush_nat_addr(struct dp *dp, __be32 nat_addr)
{
	return nat_addr ? flush(dp, 0, nat_addr) : 0;
}

/* Keys collected during a map walk, deleted after it. */
struct key_list {
	struct bpfnet_flow *keys;
	size_t n, cap;
	__u64 now;
};

static void key_list_add(struct key_list *l, const struct bpfnet_flow *k)
{
	if (VEC_RESERVE(l->keys, l->n, l->cap))
		return;
	l->keys[l->n++] = *k;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void pick_expired(const void *key, const void *val, void *ctx)
{
	const struct bpfnet_ct *ct = val;
	struct key_list *l = ctx;

	if (ct->expires_ns <= l->now)
		key_list_add(l, key);
}

/*
 * Expired flows of a pair, each read again just before it goes (the
 * datapath may have refreshed or re-made it since the walk), with its reply
 * entry when that is still its own. How many went.
 */
static int pair_expire(const struct flow_pair *p)
{
	struct key_list l = { .now = now_ns() };
	struct bpfnet_ct ct;
	int removed = 0;

	map_for_each(p->fwd_fd, sizeof(struct bpfnet_flow), sizeof(ct),
		     pick_expired, &l);
	if (l.n)	/* the test holds gc where it has something to delete */
		fault_point(10, "expired flows picked");
	for (size_t i = 0; i < l.n; i++) {
		if (bpf_map_lookup_elem(p->fwd_fd, &l.keys[i], &ct) ||
		    ct.expires_ns > now_ns())
			continue;
		pair_forget_reply(p, &l.keys[i], &ct);
		if (!bpf_map_delete_elem(p->fwd_fd, &l.keys[i]))
			removed++;
	}
	free(l.keys);
	return removed;
}

/* The flow a reply entry names, as its table's key. */
static void flow_of_reply(const struct flow_pair *p, const struct bpfnet_flow *r,
			  const void *val, struct bpfnet_flow *k)
{
	memset(k, 0, sizeof(*k));
	k->proto = r->proto;
	if (p->rev_size == sizeof(struct bpfnet_rnat)) {
		const struct bpfnet_rnat *rv = val;

		k->saddr = rv->caddr;
		k->sport = rv->cport;
		k->daddr = rv->raddr;
		k->dport = rv->rport;
	} else {
		const struct bpfnet_dnat_rev *rv = val;

		k->saddr = rv->client_addr;
		k->sport = rv->client_port;
		k->daddr = rv->host_addr;
		k->dport = rv->host_port;
	}
}

struct orphan_walk {
	const struct flow_pair *p;
	struct key_list l;
};

/* A reply entry whose flow is gone, or points at another tuple. */
static bool orphan(const struct flow_pair *p, const struct bpfnet_flow *r,
		   const void *val)
{
	struct bpfnet_flow k, back;
	struct bpfnet_ct ct;

	flow_of_reply(p, r, val, &k);
	if (bpf_map_lookup_elem(p->fwd_fd, &k, &ct))
		return true;
	p->reply_key(&k, &ct, &back);
	return memcmp(&back, r, sizeof(back)) != 0;
}

static void pick_orphan(const void *key, const void *val, void *ctx)
{
	struct orphan_walk *w = ctx;

	if (orphan(w->p, key, val))
		key_list_add(&w->l, key);
}

/* Reply entries of no flow, each checked again just before it goes. */
static void pair_orphans(const struct flow_pair *p)
{
	struct orphan_walk w = { .p = p };
	char val[32];

	map_for_each(p->rev_fd, sizeof(struct bpfnet_flow), p->rev_size,
		     pick_orphan, &w);
	for (size_t i = 0; i < w.l.n; i++)
		if (!bpf_map_lookup_elem(p->rev_fd, &w.l.keys[i], val) &&
		    orphan(p, &w.l.keys[i], val))
			bpf_map_delete_elem(p->rev_fd, &w.l.keys[i]);
	free(w.l.keys);
}

/*
 * The four pairs, i from 0 to FLOW_PAIRS - 1: each kind (masqueraded,
 * published) in each tier (answered, new).
 */
enum { FLOW_PAIRS = 4 };

static void pair_of(struct dp *dp, int i, struct flow_pair *p)
{
	if (i < 2)
		pair_snat(dp, p, i);
	else
		pair_dnat(dp, p, i - 2);
}

int dp_expire_flows(struct dp *dp)
{
	struct flow_pair p;
	int removed = 0;

	for (int i = 0; i < FLOW_PAIRS; i++) {
		pair_of(dp, i, &p);
		removed += pair_expire(&p);
		pair_orphans(&p);
	}
	return removed;
}

/* A walk of one pair's flow table for dp_list_flows. */
struct live_walk {
	const struct flow_pair *p;
	bool published, answered;
	__u64 now;
	struct flow_entries *out;
	int err;
};

static void pick_live(const void *key, const void *val, void *ctx)
{
	const struct bpfnet_flow *k = key;
	const struct bpfnet_ct *ct = val;
	struct live_walk *w = ctx;
	struct flow_entry *e;

	/* the datapath's own test: a flow lives while expires_ns > now */
	if (ct->expires_ns <= w->now)
		return;
	if (VEC_RESERVE(w->out->v, w->out->n, w->out->cap)) {
		w->err = -ENOMEM;
		return;
	}
	e = &w->out->v[w->out->n++];
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->ct = *ct;
	w->p->reply_key(k, ct, &e->reply);
	e->published = w->published;
	e->answered = w->answered;
	e->now_ns = w->now;
}

int dp_list_flows(struct dp *dp, struct flow_entries *out)
{
	struct flow_pair p;
	int err;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < FLOW_PAIRS; i++) {
		struct live_walk w = { .p = &p, .published = i >= 2,
				       .answered = i % 2 == 0, .now = now_ns(),
				       .out = out };

		pair_of(dp, i, &p);
		err = map_for_each(p.fwd_fd, sizeof(struct bpfnet_flow),
				   sizeof(struct bpfnet_ct), pick_live, &w);
		if (!err)
			err = w.err;
		if (err) {
			flow_entries_free(out);
			return err;
		}
	}
	return 0;
}

void flow_entries_free(struct flow_entries *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct sock_keys {
	struct bpfnet_sock_key *v;
	size_t n, cap;
};

static void pick_sock(const void *key, const void *val, void *ctx)
{
	struct sock_keys *l = ctx;

	(void)val;
	if (!VEC_RESERVE(l->v, l->n, l->cap))
		l->v[l->n++] = *(const struct bpfnet_sock_key *)key;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int dp_expire_sock_rev(struct dp *dp)
{
	struct sock_keys l = { 0 };
	struct conn_list live = { 0 };
	uint64_t *cookies;
	int removed = 0;

	/* the entries first, the sockets after: an entry made meanwhile has
	 * a socket the dump still finds */
	map_for_each(dp->sock_rev_fd, sizeof(struct bpfnet_sock_key),
		     sizeof(struct bpfnet_sock_val), pick_sock, &l);
	if (!l.n || host_sockets(IPPROTO_TCP, &live) ||
	    host_sockets(IPPROTO_UDP, &live))
		goto out;	/* nothing to do, or no list to trust */
	cookies = calloc((size_t)live.n + 1, sizeof(*cookies));
	if (!cookies)
		goto out;
	for (int i = 0; i < live.n; i++)
		cookies[i] = live.v[i].cookie;
	qsort(cookies, (size_t)live.n, sizeof(*cookies), cmp_u64);
	for (size_t i = 0; i < l.n; i++)
		if (!bsearch(&l.v[i].cookie, cookies, (size_t)live.n,
			     sizeof(*cookies), cmp_u64) &&
		    !bpf_map_delete_elem(dp->sock_rev_fd, &l.v[i]))
			removed++;
	free(cookies);
out:
	conn_list_free(&live);
	free(l.v);
	return removed;
}
