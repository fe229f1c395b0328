// SPDX-License-Identifier: GPL-2.0
/*
 * bpfnet gc: bring the state file, the kernel's links and the pinned maps
 * back into agreement. Removes expired flows, containers whose namespace
 * is gone or whose set-up was cut short, and links or map entries nobody
 * records. A corrupt state file is set aside and rebuilt from the links
 * (the host veth's alias holds the container id) and the endpoint map.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "datapath.h"
#include "dplinks.h"
#include "flows.h"
#include "flows6.h"
#include "addr6.h"
#include "fsutil.h"
#include "endpoint.h"
#include "ipam.h"
#include "link.h"
#include "log.h"
#include "netrec.h"
#include "portstore.h"
#include "portmap.h"
#include "state.h"

struct gc_counts {
	int containers, unrecorded, endpoints, port_maps, flows, sockets, stats;
};

/* A rebuilt record's IPv6 address: the endpoints6 entry of its veth. */
static void rebuild_ip6(struct dp *dp, int ifindex, struct endpoint_rec *e)
{
	struct bpfnet_in6 key, *prev = NULL, next;
	struct bpfnet_endpoint ep;

	while (!bpf_map_get_next_key(dp->ep6_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(dp->ep6_fd, &key, &ep) &&
		    (int)ep.host_ifindex == ifindex &&
		    !IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)key.a)) {
			memcpy(&e->ip6, key.a, sizeof(e->ip6));
			return;
		}
	}
}

/* Rebuild records from our veths and the endpoint map. */
static void rebuild_state(const struct bpfnet_config *cfg, struct dp *dp,
			  bool have_dp, const struct link_vec *links,
			  struct bpfnet_state *st)
{
	__be32 key, next, *prev = NULL;
	struct bpfnet_endpoint ep;

	memset(st, 0, sizeof(*st));
	st->net.subnet = cfg->subnet;	/* the rest is recorded by the next hook */
	st->net.prefix = cfg->prefix;
	if (!have_dp)
		return;
	while (!bpf_map_get_next_key(dp->ep_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(dp->ep_fd, &key, &ep))
			continue;
		for (int i = 0; i < links->n; i++) {
			const struct link_info *li = &links->v[i];
			struct endpoint_rec *e;

			if (li->ifindex != (int)ep.host_ifindex ||
			    !oci_id_valid(li->alias))
				continue;
			e = state_add(st);
			if (!e)
				return;
			snprintf(e->id, sizeof(e->id), "%s", li->alias);
			snprintf(e->veth, sizeof(e->veth), "%s", li->name);
			e->ip.s_addr = key;
			rebuild_ip6(dp, li->ifindex, e);
			memcpy(e->mac, ep.mac, 6);
			e->ready = true;	/* pid unknown: kept while its veth is */
		}
	}
}

static bool link_present(const struct link_vec *links, const char *name)
{
	for (int i = 0; i < links->n; i++)
		if (!strcmp(links->v[i].name, name))
			return true;
	return false;
}

static bool record_dead(const struct endpoint_rec *e, const struct link_vec *links)
{
	if (!e->ready || !link_present(links, e->veth))
		return true;
	return e->netns_ino && !state_rec_alive(e);
}

static void gc_endpoints_map(struct dp *dp, struct bpfnet_state *st,
			     struct gc_counts *c)
{
	__be32 key, next, *prev = NULL, stale[256];
	int n = 0;

	while (!bpf_map_get_next_key(dp->ep_fd, prev, &next) && n < 256) {
		struct in_addr a = { next };

		key = next;
		prev = &key;
		if (!state_find_ip(st, a))
			stale[n++] = next;
	}
	for (int i = 0; i < n; i++) {
		bpf_map_delete_elem(dp->ep_fd, &stale[i]);
		bpf_map_delete_elem(dp->ep_stats_fd, &stale[i]);
		c->flows += dp_flush_flows(dp, stale[i]);
		c->endpoints++;
	}
	/* counters of containers gone, whatever left them (a crash) */
	n = 0;
	prev = NULL;
	while (!bpf_map_get_next_key(dp->ep_stats_fd, prev, &next) && n < 256) {
		struct in_addr a = { next };

		key = next;
		prev = &key;
		if (!state_find_ip(st, a))
			stale[n++] = next;
	}
	for (int i = 0; i < n; i++)
		if (!bpf_map_delete_elem(dp->ep_stats_fd, &stale[i]))
			c->stats++;
}

/* A record's IPv6 address, or the link-local one of a record that has one. */
static bool ip6_recorded(const struct bpfnet_state *st, const struct in6_addr *a)
{
	if (state_find_ip6(st, a))
		return true;
	for (int i = 0; i < st->n; i++) {
		struct in6_addr ll = in6_linklocal_of_mac(st->eps[i].mac);

		if (!in6_is_zero(&st->eps[i].ip6) && !memcmp(&ll, a, sizeof(ll)))
			return true;
	}
	return false;
}

/* endpoints6 entries no record holds (a crash between map and record). */
static void gc_endpoints6_map(struct dp *dp, struct bpfnet_state *st,
			      struct gc_counts *c)
{
	struct bpfnet_in6 key, next, *prev = NULL, stale[256];
	int n = 0;

	while (!bpf_map_get_next_key(dp->ep6_fd, prev, &next) && n < 256) {
		key = next;
		prev = &key;
		if (!ip6_recorded(st, (const struct in6_addr *)next.a))
			stale[n++] = next;
	}
	for (int i = 0; i < n; i++) {
		if (!bpf_map_delete_elem(dp->ep6_fd, &stale[i]))
			c->endpoints++;
		c->flows += dp_flush_flows6(dp, (const struct in6_addr *)stale[i].a);
	}
}

static bool state_file_exists(const struct bpfnet_config *cfg)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/state.json", cfg->state_dir);
	return access(path, F_OK) == 0;
}

static int set_aside(const struct bpfnet_config *cfg)
{
	char from[PATH_MAX], to[PATH_MAX];

	snprintf(from, sizeof(from), "%s/state.json", cfg->state_dir);
	snprintf(to, sizeof(to), "%s/state.json.corrupt", cfg->state_dir);
	if (rename(from, to))
		return -errno;
	pr_warn("moved the corrupt state to %s; rebuilding it from the kernel", to);
	return 0;
}

/*
 * The records' ports files; when one is corrupt, the records are still sound
 * and only the ports come back, from the port map (adopted).
 */
static int load_ports_or_adopt(const struct bpfnet_config *cfg,
			       struct bpfnet_state *st, bool *adopt)
{
	int err = state_load_ports(cfg->state_dir, st);

	if (err != -EBADMSG)
		return err;
	pr_warn("rebuilding the published ports from the port map");
	for (int i = 0; i < st->n; i++) {
		st->eps[i].ports.n = 0;
		st->eps[i].ports_dirty = true;
	}
	*adopt = true;
	return 0;
}

static bool is_recorded(const char *id, void *st)
{
	return state_find(st, id) != NULL;
}

/*
 * The records to collect: as loaded, or rebuilt from the kernel when the
 * state file is corrupt or gone while our veths are not (then *rebuilt).
 */
static int gc_records(const struct bpfnet_config *cfg, int load_err,
		      struct dp *dp, bool have_dp, const struct link_vec *links,
		      struct bpfnet_state *st, bool *rebuilt)
{
	int err = load_err;

	if (!err)
		err = load_ports_or_adopt(cfg, st, rebuilt);
	if (err == -EBADMSG) {
		err = set_aside(cfg);
		if (!err)
			rebuild_state(cfg, dp, have_dp, links, st);
		*rebuilt = true;
	} else if (!err && !st->n && links->n && !state_file_exists(cfg)) {
		/* the state is gone but our veths are not: adopt them */
		pr_warn("no state file but %d bpfnet links: rebuilding the state from the kernel",
			links->n);
		state_free(st);
		rebuild_state(cfg, dp, have_dp, links, st);
		*rebuilt = true;
	}
	return err;
}

/* Release the records whose containers are gone; how many. */
static int gc_dead(const struct bpfnet_config *cfg, struct nl *nl,
		   struct bpfnet_state *st, const struct link_vec *links)
{
	int n = 0;

	for (int i = st->n - 1; i >= 0; i--) {
		if (!record_dead(&st->eps[i], links))
			continue;
		endpoint_release(cfg, nl, &st->eps[i]);
		state_remove(st, &st->eps[i]);
		n++;
	}
	return n;
}

/*
 * A veth with no record: its container is alive (the kernel removes a veth
 * pair with its namespace), only its record is lost. Say so; never delete it.
 */
static int gc_unrecorded(const struct bpfnet_state *st,
			 const struct link_vec *links)
{
	int n = 0;

	for (int i = 0; i < links->n; i++) {
		const struct link_info *li = &links->v[i];
		bool known = false;

		for (int k = 0; k < st->n; k++)
			known |= !strcmp(st->eps[k].veth, li->name);
		if (known)
			continue;
		pr_warn("not deleting %s (container '%.64s'): it has no record; its container may be alive",
			li->name, oci_id_valid(li->alias) ? li->alias : "?");
		n++;
	}
	return n;
}

int cmd_gc(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	struct link_vec links = { 0 };
	struct gc_counts c = { 0 };
	struct state_session s;
	struct bpfnet_state *st = &s.st;
	struct link_info br;
	struct dp_links dpl;
	struct nl nl;
	struct dp dp;
	bool have_dp, rebuilt = false;
	int err, load_err;

	(void)args;	/* no words: main.c's table says so */
	/* records only: a corrupt ports file is rebuilt, not fatal */
	load_err = state_begin(&s, cfg->state_dir, STATE_WRITE | STATE_RECORDS);
	if (s.lock < 0 || (err = nl_open(&nl))) {
		if (s.lock >= 0)
			pr_err("failed to open netlink: %s", strerror(-err));
		state_end(&s);
		return 1;
	}
	if (!link_get(&nl, cfg->bridge, 0, &br))
		link_list_veths(&nl, br.ifindex, BPFNET_VETH_PREFIX, &links);
	have_dp = dp_open(cfg, &dp, false) == 0;

	err = gc_records(cfg, load_err, &dp, have_dp, &links, st, &rebuilt);
	if (!err)	/* a repair writes the network's settings, not the flags' */
		err = netrec_take(&st->net, st->n, cfg, false);
	if (err)
		goto out;
	c.containers = gc_dead(cfg, &nl, st, &links);
	c.unrecorded = gc_unrecorded(st, &links);
	if (have_dp) {
		c.port_maps = portmap_sync_state(&dp, st, rebuilt);
		gc_endpoints_map(&dp, st, &c);
		gc_endpoints6_map(&dp, st, &c);
		c.flows += dp_expire_flows(&dp) + dp_expire_flows6(&dp);
		c.sockets = dp_expire_sock_rev(&dp);
		/* and the uplink as it is now (its address may have changed) */
		if (!dp_links_lookup(&nl, cfg, &dpl))
			datapath_reconfigure(cfg, &dpl);
	} else if (st->n && !dp_links_lookup(&nl, cfg, &dpl) &&
		   !datapath_repair(cfg, st, &dpl)) {
		printf("gc: reloaded the datapath and re-attached %d containers\n", st->n);
	}
	err = state_commit(&s);
	if (!err)	/* files of records lost with a corrupt state */
		portstore_sweep(cfg->state_dir, is_recorded, st);
	if (!err)
		printf("gc: removed %d containers, %d endpoint entries, %d port maps, %d flows, %d socket entries, %d counters; %d containers remain, %d links without a record kept\n",
		       c.containers, c.endpoints, c.port_maps, c.flows, c.sockets,
		       c.stats, st->n, c.unrecorded);
out:
	if (have_dp)
		dp_close(&dp);
	link_vec_free(&links);
	nl_close(&nl);
	state_end(&s);
	return err ? 1 : 0;
}
