// SPDX-License-Identifier: GPL-2.0
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "bpfnet_shared.h"
#include "log.h"
#include "mapiter.h"
#include "peers.h"

static __u32 fd_prog_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* The map called name (of that key and value size) that program prog_id
 * uses; -errno when it has none. */
static int prog_map(__u32 prog_id, const char *name, __u32 key, __u32 value)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), ids[64] = { 0 };
	int pfd = bpf_prog_get_fd_by_id(prog_id), fd = -ENOENT;

	if (pfd < 0)
		return -errno;
	info.nr_map_ids = 64;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(pfd, &info, &len))
		info.nr_map_ids = 0;
	for (__u32 i = 0; i < info.nr_map_ids && i < 64 && fd < 0; i++) {
		struct bpf_map_info mi = { 0 };
		__u32 mlen = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(ids[i]);

		if (mfd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(mfd, &mi, &mlen) &&
		    !strcmp(mi.name, name) && mi.key_size == key &&
		    mi.value_size == value)
			fd = mfd;
		else
			close(mfd);
	}
	close(pfd);
	return fd;
}

static int prog_port_maps(__u32 prog_id)
{
	return prog_map(prog_id, "port_maps", sizeof(struct bpfnet_pm_key),
			sizeof(struct bpfnet_pm_val));
}

static int prog_port_maps6(__u32 prog_id)
{
	return prog_map(prog_id, "port_maps6", sizeof(struct bpfnet_pm6_key),
			sizeof(struct bpfnet_pm6_val));
}

/* One network on the uplink, through its ingress program: its own maps,
 * and the tables where it finds the others' (fd -1: none). */
struct net_maps {
	int rev_nat, port_maps, peer_rev_nat, peer_port_maps;
	int rev_nat_new, peer_rnat_new;
	int rev_nat6, port_maps6, peer_rev_nat6, peer_port_maps6;	/* NAT66 */
};

/* in_id: the network's uplink_ingress (rev_nat, port_maps); out_id: its
 * uplink_egress, which translates, so holds the tables. */
static void net_maps_open(__u32 in_id, __u32 out_id, struct net_maps *m)
{
	m->rev_nat = prog_map(in_id, "rev_nat", sizeof(struct bpfnet_flow),
			      sizeof(struct bpfnet_rnat));
	m->port_maps = prog_port_maps(in_id);
	m->peer_rev_nat = prog_map(out_id, "peer_rev_nat", 4, 4);
	m->peer_port_maps = prog_map(out_id, "peer_port_maps", 4, 4);
	/* flows not answered yet hold tuples too (maps.h) */
	m->rev_nat_new = prog_map(in_id, "rev_nat_new", sizeof(struct bpfnet_flow),
				  sizeof(struct bpfnet_rnat));
	m->peer_rnat_new = prog_map(out_id, "peer_rnat_new", 4, 4);
	m->rev_nat6 = prog_map(in_id, "rev_nat6", sizeof(struct bpfnet_flow6),
			       sizeof(struct bpfnet_flow6));
	m->port_maps6 = prog_port_maps6(in_id);
	m->peer_rev_nat6 = prog_map(out_id, "peer_rev_nat6", 4, 4);
	m->peer_port_maps6 = prog_map(out_id, "peer_port_maps6", 4, 4);
}

/* The program of the egress filter of network net (0: none). */
static __u32 egress_prog(const struct tc_filter_vec *out, const char *net)
{
	for (int i = 0; i < out->n; i++) {
		const char *n = uplink_filter_net(&out->v[i]);

		if (n && !strcmp(n, net))
			return out->v[i].prog_id;
	}
	return 0;
}

static void net_maps_close(struct net_maps *m)
{
	int *fds[] = { &m->rev_nat, &m->port_maps, &m->peer_rev_nat, &m->peer_port_maps,
		       &m->rev_nat_new, &m->peer_rnat_new, &m->rev_nat6, &m->port_maps6,
		       &m->peer_rev_nat6, &m->peer_port_maps6 };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
}

/* Fill one network's table (peer_rev_nat or peer_port_maps) with the
 * others' maps, and empty the slots left. The maps the kernel refused
 * are counted in *refused. */
static void table_fill(int table, const struct net_maps *nets, int n, int self,
		       size_t which, int *refused)
{
	__u32 slot = 0;

	if (table < 0)
		return;
	for (int j = 0; j < n; j++) {
		int fd = *(const int *)((const char *)&nets[j] + which);

		if (j == self || fd < 0 || slot >= BPFNET_MAX_PEERS)
			continue;
		if (!bpf_map_update_elem(table, &slot, &fd, BPF_ANY))
			slot++;
		else
			(*refused)++;
	}
	for (; slot < BPFNET_MAX_PEERS; slot++)
		bpf_map_delete_elem(table, &slot);
}

static __u32 map_size(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

/*
 * Networks on one uplink may have flow tables of different sizes
 * (--flow-table-size): since Linux 5.10 the kernel takes a hash map of any
 * size into a map of maps (only arrays must match their template). An
 * older kernel refuses, and then a network cannot see the other's tuples
 * and could translate a flow onto one of them: said once per command.
 */
static void warn_refused(const struct net_maps *nets, int n, int refused)
{
	__u32 size = map_size(nets[0].rev_nat);
	bool differ = false;

	if (!refused)
		return;
	for (int i = 1; i < n; i++)
		differ = differ || map_size(nets[i].rev_nat) != size;
	if (differ)
		pr_warn("the kernel refused %d of the other networks' flow tables on the uplink (they differ in size): their tuples are not avoided; give networks sharing an uplink one --flow-table-size",
			refused);
	else
		pr_warn("the kernel refused %d of the other networks' maps on the uplink: their tuples are not avoided",
			refused);
}

void peers_link(int uplink_ifindex)
{
	struct net_maps nets[BPFNET_MAX_PEERS + 1];
	struct tc_filter_vec in, out;
	int n = 0, refused = 0;

	if (uplink_ifindex <= 0 || tc_list(uplink_ifindex, TC_INGRESS, &in))
		return;
	if (tc_list(uplink_ifindex, TC_EGRESS, &out)) {
		tc_filter_vec_free(&in);
		return;
	}
	for (int i = 0; i < in.n && n < BPFNET_MAX_PEERS + 1; i++) {
		const char *net = uplink_filter_net(&in.v[i]);

		if (net && net[0])
			net_maps_open(in.v[i].prog_id, egress_prog(&out, net),
				      &nets[n++]);
	}
	tc_filter_vec_free(&in);
	tc_filter_vec_free(&out);
	for (int i = 0; i < n; i++) {
		table_fill(nets[i].peer_rev_nat, nets, n, i,
			   offsetof(struct net_maps, rev_nat), &refused);
		table_fill(nets[i].peer_port_maps, nets, n, i,
			   offsetof(struct net_maps, port_maps), &refused);
		table_fill(nets[i].peer_rnat_new, nets, n, i,
			   offsetof(struct net_maps, rev_nat_new), &refused);
		table_fill(nets[i].peer_rev_nat6, nets, n, i,
			   offsetof(struct net_maps, rev_nat6), &refused);
		table_fill(nets[i].peer_port_maps6, nets, n, i,
			   offsetof(struct net_maps, port_maps6), &refused);
	}
	if (n)
		warn_refused(nets, n, refused);
	for (int i = 0; i < n; i++)
		net_maps_close(&nets[i]);
}

struct port_hit {
	const struct port_spec *ps;
	int n;
	bool v6;		/* the specs' IPv6 side, against port_maps6 */
	bool hit;		/* the first entry that matches: */
	unsigned int port;
	__u8 proto;
};

static void port_match(struct port_hit *h, __be16 host_port, __u8 proto)
{
	unsigned int port = ntohs(host_port);

	for (int i = 0; i < h->n && !h->hit; i++) {
		const struct port_spec *ps = &h->ps[i];

		if ((h->v6 ? portspec_v6(ps) : portspec_v4(ps)) &&
		    proto == ps->proto && port >= ps->host_lo && port <= ps->host_hi) {
			h->port = port;
			h->proto = proto;
			h->hit = true;
		}
	}
}

static void find_port(const void *key, const void *value, void *ctx)
{
	const struct bpfnet_pm_key *k = key;

	(void)value;
	port_match(ctx, k->host_port, k->proto);
}

static void find_port6(const void *key, const void *value, void *ctx)
{
	const struct bpfnet_pm6_key *k = key;

	(void)value;
	port_match(ctx, k->host_port, k->proto);
}

/* Does network prog_id publish a port of h's specs, on IPv4 or IPv6? */
static void prog_publishes(__u32 prog_id, struct port_hit *h)
{
	int fd = prog_port_maps(prog_id);

	if (fd >= 0) {
		h->v6 = false;
		map_for_each(fd, sizeof(struct bpfnet_pm_key),
			     sizeof(struct bpfnet_pm_val), find_port, h);
		close(fd);
	}
	fd = prog_port_maps6(prog_id);
	if (fd >= 0 && !h->hit) {
		h->v6 = true;
		map_for_each(fd, sizeof(struct bpfnet_pm6_key),
			     sizeof(struct bpfnet_pm6_val), find_port6, h);
	}
	if (fd >= 0)
		close(fd);
}

int peers_port_conflict(int uplink_ifindex, int own_prog_fd,
			const struct port_spec *ps, int n, char *err,
			size_t errlen)
{
	struct port_hit h = { .ps = ps, .n = n };
	__u32 own = fd_prog_id(own_prog_fd);
	struct tc_filter_vec fv;

	if (uplink_ifindex <= 0 || tc_list(uplink_ifindex, TC_INGRESS, &fv))
		return 0;
	for (int i = 0; i < fv.n && !h.hit; i++) {
		const char *net = uplink_filter_net(&fv.v[i]);

		if (!net || fv.v[i].prog_id == own)
			continue;
		prog_publishes(fv.v[i].prog_id, &h);
		if (h.hit)
			snprintf(err, errlen,
				 "host port %u/%s%s is published by another network on the uplink (%s)",
				 h.port, h.proto == IPPROTO_UDP ? "udp" : "tcp",
				 h.v6 ? " (IPv6)" : "", net[0] ? net : "an older bpfnet");
	}
	tc_filter_vec_free(&fv);
	return h.hit ? -EEXIST : 0;
}
