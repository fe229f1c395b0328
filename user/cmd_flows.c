// SPDX-License-Identifier: GPL-2.0
/*
 * bpfnet flows [ID]: the live flows, as `conntrack -L` lists the kernel's.
 * Each with its container, its tuple as sent and as translated, its state,
 * its age, the seconds until it expires and its counters; from the four
 * flow tables (flows.h), answered flows and flows not answered yet alike,
 * and the IPv6 flows, opened by containers or to published ports, both
 * tiers (flows6.h).
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "flows.h"
#include "flows6.h"
#include "log.h"
#include "pins.h"
#include "state.h"

/* A flow as printed: what kind it is and whose. */
struct flow_row {
	const struct flow_entry *e;
	const char *kind;	/* "masquerade", "routed", "published" or "hairpin" */
	struct in_addr caddr;	/* its container: masqueraded, or delivered to */
	struct in6_addr caddr6;	/* an IPv6 flow's container */
	const struct endpoint_rec *rec;		/* caddr's record, or NULL */
	const struct endpoint_rec *client;	/* hairpin: the container that dialled */
};

/*
 * An IPv6 flow a container opened, masqueraded (NAT66) or routed as it is;
 * or one to a published port, its container the source of its answers.
 */
static void describe6(const struct bpfnet_state *st, const struct flow_entry *e,
		      struct flow_row *r)
{
	if (e->published) {
		memcpy(&r->caddr6, &e->reply6.saddr, sizeof(r->caddr6));
		r->rec = state_find_ip6(st, &r->caddr6);
		r->client = state_find_ip6(st, (const struct in6_addr *)&e->key6.saddr);
		r->kind = r->client || e->ct.hairpin_addr ? "hairpin" : "published";
		return;
	}
	memcpy(&r->caddr6, &e->key6.saddr, sizeof(r->caddr6));
	r->rec = state_find_ip6(st, &r->caddr6);
	r->kind = memcmp(&e->reply6.daddr, &e->key6.saddr, sizeof(e->key6.saddr)) ?
		  "masquerade" : "routed";
}

static void describe(const struct bpfnet_state *st, const struct flow_entry *e,
		     struct flow_row *r)
{
	struct in_addr src = { .s_addr = e->key.saddr };

	memset(r, 0, sizeof(*r));
	r->e = e;
	if (e->v6) {
		describe6(st, e, r);
		return;
	}
	r->caddr.s_addr = e->published ? e->ct.nat_addr : e->key.saddr;
	r->rec = state_find_ip(st, r->caddr);
	r->kind = e->published ? "published" : "masquerade";
	if (e->published) {
		r->client = state_find_ip(st, src);
		if (r->client || e->ct.hairpin_addr)
			r->kind = "hairpin";
	}
}

/* Flows of container id: masqueraded from it, delivered to it, or dialled by it. */
static bool row_of(const struct flow_row *r, const char *id)
{
	return !id || (r->rec && !strcmp(r->rec->id, id)) ||
	       (r->client && !strcmp(r->client->id, id));
}

/* IPv4 first; by container, then kind, then the original tuple: a stable order. */
static int row_cmp(const void *a, const void *b)
{
	const struct flow_row *x = a, *y = b;
	__u32 cx = ntohl(x->caddr.s_addr), cy = ntohl(y->caddr.s_addr);
	int d;

	if (x->e->v6 != y->e->v6)
		return x->e->v6 ? 1 : -1;
	if (x->e->v6)
		d = memcmp(&x->caddr6, &y->caddr6, sizeof(x->caddr6));
	else
		d = cx < cy ? -1 : cx > cy;
	if (!d)
		d = strcmp(x->kind, y->kind);
	if (d)
		return d;
	return x->e->v6 ? memcmp(&x->e->key6, &y->e->key6, sizeof(x->e->key6)) :
			  memcmp(&x->e->key, &y->e->key, sizeof(x->e->key));
}

static const char *proto_name(__u8 proto, char *buf, size_t len)
{
	if (proto == IPPROTO_TCP)
		return "tcp";
	if (proto == IPPROTO_UDP)
		return "udp";
	if (proto == IPPROTO_ICMP)
		return "icmp";
	if (proto == IPPROTO_ICMPV6)
		return "icmp6";
	snprintf(buf, len, "%u", proto);
	return buf;
}

static const char *state_name(__u8 state)
{
	switch (state) {
	case BPFNET_CT_NEW:
		return "NEW";
	case BPFNET_CT_ESTABLISHED:
		return "ESTABLISHED";
	case BPFNET_CT_CLOSING:
		return "CLOSING";
	}
	return "UNKNOWN";
}

/* Established TCP with a FIN from one side only: the other may still speak. */
static bool half_closed(const struct flow_entry *e)
{
	__u8 proto = e->v6 ? e->key6.proto : e->key.proto;

	return proto == IPPROTO_TCP && e->ct.state == BPFNET_CT_ESTABLISHED &&
	       (e->ct.fin_orig || e->ct.fin_reply);
}

/* Whole seconds until the flow expires (it has not: dp_list_flows). */
static unsigned long long expires_in(const struct flow_entry *e)
{
	return (e->ct.expires_ns - e->now_ns) / 1000000000ull;
}

/*
 * Whole seconds since the datapath made the flow's entry (created_ns, on
 * the clock of now_ns; a half re-made after the LRU lost it counts from
 * then).
 */
static unsigned long long age(const struct flow_entry *e)
{
	if (e->ct.created_ns > e->now_ns)
		return 0;
	return (e->now_ns - e->ct.created_ns) / 1000000000ull;
}

/* A 64-hex id (as runc and podman make them) shortened, as docker ps does. */
static const char *short_id(const struct endpoint_rec *rec, char *buf)
{
	size_t n;

	if (!rec)
		return "-";
	n = strlen(rec->id);
	if (n != 64 || strspn(rec->id, "0123456789abcdefABCDEF") != n)
		return rec->id;
	memcpy(buf, rec->id, 12);
	buf[12] = '\0';
	return buf;
}

/* The translated tuple: the reply tuple the other way round. */
static void translated(const struct flow_entry *e, struct bpfnet_flow *t)
{
	memset(t, 0, sizeof(*t));
	t->saddr = e->reply.daddr;
	t->sport = e->reply.dport;
	t->daddr = e->reply.saddr;
	t->dport = e->reply.sport;
	t->proto = e->reply.proto;
}

/* A tuple of either family, as printed: the addresses and ports. */
struct tuple_view {
	int af;
	const void *saddr, *daddr;
	__be16 sport, dport;
};

static struct tuple_view view4(const struct bpfnet_flow *f)
{
	return (struct tuple_view){ AF_INET, &f->saddr, &f->daddr, f->sport, f->dport };
}

static struct tuple_view view6(const struct bpfnet_flow6 *f)
{
	return (struct tuple_view){ AF_INET6, &f->saddr, &f->daddr, f->sport, f->dport };
}

/* "a:p->b:p"; IPv6 addresses in brackets, as URLs write them. */
static void tuple_text(struct tuple_view v, char *buf, size_t len)
{
	const char *l = v.af == AF_INET6 ? "[" : "", *r = v.af == AF_INET6 ? "]" : "";
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	inet_ntop(v.af, v.saddr, s, sizeof(s));
	inet_ntop(v.af, v.daddr, d, sizeof(d));
	snprintf(buf, len, "%s%s%s:%u->%s%s%s:%u", l, s, r, ntohs(v.sport), l, d, r,
		 ntohs(v.dport));
}

static void tuple_json(cJSON *o, const char *name, struct tuple_view v)
{
	cJSON *t = cJSON_AddObjectToObject(o, name);
	char a[INET6_ADDRSTRLEN];

	cJSON_AddStringToObject(t, "src", inet_ntop(v.af, v.saddr, a, sizeof(a)));
	cJSON_AddNumberToObject(t, "sport", ntohs(v.sport));
	cJSON_AddStringToObject(t, "dst", inet_ntop(v.af, v.daddr, a, sizeof(a)));
	cJSON_AddNumberToObject(t, "dport", ntohs(v.dport));
}

/* An IPv6 flow's translated tuple: its reply tuple the other way round. */
static void translated6(const struct flow_entry *e, struct bpfnet_flow6 *t)
{
	memset(t, 0, sizeof(*t));
	t->saddr = e->reply6.daddr;
	t->sport = e->reply6.dport;
	t->daddr = e->reply6.saddr;
	t->dport = e->reply6.sport;
	t->proto = e->reply6.proto;
}

/* The original and translated tuples of a flow; t and t6 hold the latter. */
static void tuple_views(const struct flow_entry *e, struct bpfnet_flow *t,
			struct bpfnet_flow6 *t6, struct tuple_view *orig,
			struct tuple_view *xlat)
{
	if (e->v6) {
		translated6(e, t6);
		*orig = view6(&e->key6);
		*xlat = view6(t6);
	} else {
		translated(e, t);
		*orig = view4(&e->key);
		*xlat = view4(t);
	}
}

static void tuples_text(const struct flow_entry *e, char *orig, char *xlat, size_t len)
{
	struct tuple_view o, x;
	struct bpfnet_flow6 t6;
	struct bpfnet_flow t;

	tuple_views(e, &t, &t6, &o, &x);
	tuple_text(o, orig, len);
	tuple_text(x, xlat, len);
}

static void tuples_json(cJSON *o, const struct flow_entry *e)
{
	struct tuple_view v, x;
	struct bpfnet_flow6 t6;
	struct bpfnet_flow t;

	tuple_views(e, &t, &t6, &v, &x);
	tuple_json(o, "original", v);
	tuple_json(o, "translated", x);
}

static cJSON *row_json(const struct flow_row *r)
{
	const struct flow_entry *e = r->e;
	cJSON *o = cJSON_CreateObject();
	char buf[8], a[INET6_ADDRSTRLEN];
	__u8 proto = e->v6 ? e->key6.proto : e->key.proto;

	if (r->rec)
		cJSON_AddStringToObject(o, "id", r->rec->id);
	else
		cJSON_AddNullToObject(o, "id");
	cJSON_AddStringToObject(o, "ip", e->v6 ? inet_ntop(AF_INET6, &r->caddr6, a, sizeof(a)) :
						  inet_ntoa(r->caddr));
	cJSON_AddStringToObject(o, "kind", r->kind);
	if (r->client)
		cJSON_AddStringToObject(o, "client_id", r->client->id);
	else
		cJSON_AddNullToObject(o, "client_id");
	cJSON_AddStringToObject(o, "proto", proto_name(proto, buf, sizeof(buf)));
	tuples_json(o, e);
	cJSON_AddStringToObject(o, "state", state_name(e->ct.state));
	cJSON_AddBoolToObject(o, "half_closed", half_closed(e));
	cJSON_AddBoolToObject(o, "answered", e->answered);
	cJSON_AddNumberToObject(o, "age", (double)age(e));
	cJSON_AddNumberToObject(o, "expires_in", (double)expires_in(e));
	cJSON_AddNumberToObject(o, "packets", (double)e->ct.packets);
	cJSON_AddNumberToObject(o, "bytes", (double)e->ct.bytes);
	return o;
}

static void print_json(const struct flow_row *rows, size_t n)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, row_json(&rows[i]));
	cmd_put_json(arr);
}

/* Width of the ID column: its longest entry, at least the heading's. */
static int id_width(const struct flow_row *rows, size_t n)
{
	char buf[13];
	int w = 2;

	for (size_t i = 0; i < n; i++) {
		int len = (int)strlen(short_id(rows[i].rec, buf));

		w = len > w ? len : w;
	}
	return w;
}

#define TUPLE_W 43	/* 255.255.255.255:65535->255.255.255.255:65535 */

static void print_text(const struct flow_row *rows, size_t n)
{
	char id[13], proto[8], orig[112], xlat[112];
	int w = id_width(rows, n);

	printf("%-*s %-5s %-10s %-11s %-*s %-*s %7s %7s %10s %12s\n", w, "ID", "PROTO",
	       "KIND", "STATE", TUPLE_W, "ORIGINAL", TUPLE_W, "TRANSLATED",
	       "AGE", "EXPIRES", "PACKETS", "BYTES");
	for (size_t i = 0; i < n; i++) {
		const struct flow_entry *e = rows[i].e;

		tuples_text(e, orig, xlat, sizeof(orig));
		printf("%-*s %-5s %-10s %-11s %-*s %-*s %7llu %7llu %10llu %12llu\n", w,
		       short_id(rows[i].rec, id),
		       proto_name(e->v6 ? e->key6.proto : e->key.proto, proto, sizeof(proto)),
		       rows[i].kind,
		       half_closed(e) ? "HALF-CLOSED" : state_name(e->ct.state),
		       TUPLE_W, orig, TUPLE_W, xlat, age(e), expires_in(e),
		       (unsigned long long)e->ct.packets,
		       (unsigned long long)e->ct.bytes);
	}
}

/* The rows of the flows of id (every flow when NULL), sorted. */
static struct flow_row *rows_of(const struct bpfnet_state *st,
				const struct flow_entries *l, const char *id,
				size_t *n)
{
	struct flow_row *rows = calloc(l->n + 1, sizeof(*rows));

	*n = 0;
	if (!rows)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		describe(st, &l->v[i], &rows[*n]);
		if (row_of(&rows[*n], id))
			(*n)++;
	}
	qsort(rows, *n, sizeof(*rows), row_cmp);
	return rows;
}

int cmd_flows(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	const char *id = args->argc == 2 ? args->argv[1] : NULL;
	struct flow_entries l = { 0 };
	struct flow_row *rows = NULL;
	struct state_session s;
	struct dp dp;
	size_t n = 0;
	int err;

	/* the records name the containers; read under the lock */
	err = state_begin(&s, cfg->state_dir, STATE_RECORDS);
	if (!err && id && !state_find(&s.st, id)) {
		pr_err("no container %s (see 'bpfnet ls')", id);
		err = -ESRCH;
	}
	if (err)
		goto out;
	if (dp_open(cfg, &dp, false)) {
		pr_err("no datapath is loaded in %s", cfg->pin_dir);
		err = -ENOENT;
		goto out;
	}
	err = dp_list_flows(&dp, &l);
	if (!err)
		err = dp_list_flows6(&dp, &l);
	dp_close(&dp);
	if (err) {
		pr_err("failed to read the flow tables: %s", strerror(-err));
		goto out;
	}
	rows = rows_of(&s.st, &l, id, &n);
	if (!rows) {
		pr_err("failed to list the flows: %s", strerror(ENOMEM));
		err = -ENOMEM;
	} else if (cfg->json) {
		print_json(rows, n);
	} else {
		print_text(rows, n);
	}
out:
	free(rows);
	flow_entries_free(&l);
	state_end(&s);
	return err ? 1 : 0;
}
