// SPDX-License-Identifier: GPL-2.0
/*
 * The datapath facade: the steps a hook, gc or down takes, in terms of
 * containers, over pins.c, attach.c, flows.c and portmap.c. The bridge and
 * uplink come from the caller (struct dp_links); a recorded container's
 * veth is found by name.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bpfnet.objid.h"
#include "addr6.h"
#include "attach.h"
#include "datapath.h"
#include "flows.h"
#include "flows6.h"
#include "forwarding.h"
#include "log.h"
#include "mapiter.h"
#include "peers.h"
#include "portmap.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* Forwarding on the interfaces bpfnet routes between, not host-wide. */
static int enable_forwarding(const struct bpfnet_config *cfg,
			     const struct dp_links *links)
{
	int err = forwarding_enable(cfg->state_dir, links->bridge_name);

	/* IPv6: the bridge only, never conf.all (forwarding6_enable says why) */
	if (!err && cfg->prefix6)
		err = forwarding6_enable(cfg->state_dir, links->bridge_name);
	return err ? err : forwarding_enable(cfg->state_dir, links->uplink_name);
}

static __u64 netns_cookie(void)
{
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
		close(fd);
	}
	return cookie;
}

/* The IPv6 half (net_config6): disabled without --subnet6, only the
 * uplink's IPv6 address noted (NAT46). */
static int write_config6(const struct bpfnet_config *bcfg, struct dp *dp,
			 const struct dp_links *links)
{
	struct bpfnet_cfg6 c = { 0 }, old = { 0 };
	__u32 zero = 0;
	char a[INET6_ADDRSTRLEN];

	bpf_map_lookup_elem(dp->cfg6_fd, &zero, &old);
	/* without --subnet6 too: IPv4-only containers published on IPv6 are
	 * reached at it (NAT46, nat46.h) */
	memcpy(c.uplink_addr.a, &links->uplink_addr6, sizeof(c.uplink_addr));
	if (bcfg->prefix6) {
		memcpy(c.subnet.a, &bcfg->subnet6, sizeof(c.subnet));
		memcpy(c.gateway.a, &bcfg->gateway6, sizeof(c.gateway));
		c.prefix_len = (__u8)bcfg->prefix6;
		c.enabled = 1;
		c.nat6 = bcfg->nat6;
	}
	if (bpf_map_update_elem(dp->cfg6_fd, &zero, &c, BPF_ANY))
		return -errno;
	/* as IPv4's: NAT66 flows behind an address the uplink lost are dead */
	if (!in6_is_zero((const struct in6_addr *)old.uplink_addr.a) &&
	    memcmp(&old.uplink_addr, &c.uplink_addr, sizeof(c.uplink_addr))) {
		int n = dp_flush_nat6_addr(dp, (const struct in6_addr *)old.uplink_addr.a);

		if (n)
			pr_info("uplink IPv6 address changed: %d flows masqueraded behind %s flushed",
				n, inet_ntop(AF_INET6, old.uplink_addr.a, a, sizeof(a)));
	}
	return 0;
}

/* Write the network's settings into the config map. */
static int write_config(const struct bpfnet_config *bcfg, struct dp *dp,
			const struct dp_links *links)
{
	struct bpfnet_cfg c = { 0 }, old;
	__be32 old_addr;
	__u32 zero = 0;
	int err;

	if (links->uplink_ifindex && !links->uplink_addr.s_addr)
		pr_warn("uplink %s has no IPv4 address yet: containers reach the outside once it has one ('bpfnet resync', or 'bpfnet watch' running)",
			links->uplink_name);
	c.subnet = bcfg->subnet.s_addr;
	c.netmask = htonl(~0u << (32 - bcfg->prefix));
	c.gateway = bcfg->gateway.s_addr;
	c.uplink_addr = links->uplink_addr.s_addr;
	c.uplink_ifindex = (__u32)links->uplink_ifindex;
	c.bridge_ifindex = (__u32)links->bridge_ifindex;
	c.port_min = (__u16)bcfg->port_min;
	c.port_max = (__u16)bcfg->port_max;
	memcpy(c.bridge_mac, links->bridge_mac, 6);
	c.enabled = 1;
	c.isolate = bcfg->isolate;
	c.n_no_masq = (__u32)bcfg->n_no_masq;
	for (int i = 0; i < bcfg->n_no_masq; i++) {
		c.no_masq[i].addr = bcfg->no_masq[i].net.s_addr;
		c.no_masq[i].mask = bcfg->no_masq[i].prefix ?
				    htonl(~0u << (32 - bcfg->no_masq[i].prefix)) : 0;
	}
	c.obj_id = BPFNET_OBJ_ID;
	c.netns_cookie = netns_cookie();
	old_addr = bpf_map_lookup_elem(dp->cfg_fd, &zero, &old) ? 0 : old.uplink_addr;
	/* the IPv6 half first: the IPv4 one is what readers take as written */
	err = write_config6(bcfg, dp, links);
	if (err)
		return err;
	if (bpf_map_update_elem(dp->cfg_fd, &zero, &c, BPF_ANY))
		return -errno;
	/* the uplink's address changed (DHCP, another uplink): flows behind
	 * the old one are dead; their container's next packet gets a new one */
	if (old_addr && old_addr != c.uplink_addr) {
		int n = dp_flush_nat_addr(dp, old_addr);

		pr_info("uplink address changed: %d flows masqueraded behind %s flushed",
			n, inet_ntoa((struct in_addr){ old_addr }));
	}
	return 0;
}

/* The host's addresses for the socket programs (host_addrs): gone ones out. */
struct addr_sync {
	const struct dp_links *links;
	__be32 stale[BPFNET_MAX_HOST_ADDRS];
	int n;
};

static void find_stale(const void *key, const void *value, void *ctx)
{
	struct addr_sync *as = ctx;
	__be32 a = *(const __be32 *)key;

	(void)value;
	for (int i = 0; i < as->links->n_addrs; i++)
		if (as->links->addrs[i].addr.s_addr == a)
			return;
	if (as->n < BPFNET_MAX_HOST_ADDRS)
		as->stale[as->n++] = a;
}

static void sync_host_addrs(struct dp *dp, const struct dp_links *links)
{
	struct addr_sync as = { .links = links };

	map_for_each(dp->host_addrs_fd, sizeof(__be32), sizeof(__u32),
		     find_stale, &as);
	for (int i = 0; i < as.n; i++)
		bpf_map_delete_elem(dp->host_addrs_fd, &as.stale[i]);
	for (int i = 0; i < links->n_addrs; i++) {
		__u32 ifx = (__u32)links->addrs[i].ifindex;

		bpf_map_update_elem(dp->host_addrs_fd, &links->addrs[i].addr.s_addr,
				    &ifx, BPF_ANY);
	}
}

/* The same for IPv6 (host_addrs6): global addresses, gone ones out. */
struct addr6_sync {
	const struct dp_links *links;
	struct bpfnet_in6 stale[BPFNET_MAX_HOST_ADDRS];
	int n;
};

static void find_stale6(const void *key, const void *value, void *ctx)
{
	struct addr6_sync *as = ctx;

	(void)value;
	for (int i = 0; i < as->links->n_addrs6; i++)
		if (!memcmp(&as->links->addrs6[i].addr, key, sizeof(struct bpfnet_in6)))
			return;
	if (as->n < BPFNET_MAX_HOST_ADDRS)
		memcpy(&as->stale[as->n++], key, sizeof(struct bpfnet_in6));
}

static void sync_host_addrs6(struct dp *dp, const struct dp_links *links)
{
	struct addr6_sync as = { .links = links };

	map_for_each(dp->host_addrs6_fd, sizeof(struct bpfnet_in6), sizeof(__u32),
		     find_stale6, &as);
	for (int i = 0; i < as.n; i++)
		bpf_map_delete_elem(dp->host_addrs6_fd, &as.stale[i]);
	for (int i = 0; i < links->n_addrs6; i++) {
		__u32 ifx = (__u32)links->addrs6[i].ifindex;

		bpf_map_update_elem(dp->host_addrs6_fd, &links->addrs6[i].addr,
				    &ifx, BPF_ANY);
	}
}

/* Is ifindex one an edge filter goes on: another interface of the host? */
static bool edge_candidate(const struct dp_links *links, int ifindex)
{
	return ifindex != links->uplink_ifindex && ifindex != links->bridge_ifindex;
}

/* The edge filter on one interface, said when it could not be attached. */
static void attach_edge_if(const struct bpfnet_config *cfg, struct dp *dp,
			   int ifindex, const char *addr)
{
	int err = attach_edge(ifindex, dp->prog_up_in, cfg->state_dir);

	if (err)
		pr_warn("ports published on %s are not reached from its interface: %s",
			addr, strerror(-err));
}

/*
 * Every other interface with an address of the host gets the ingress
 * program too: a port published on its address, or on every address, is
 * reached from its own network, as from the uplink's.
 */
static void attach_edges(const struct bpfnet_config *cfg, struct dp *dp,
			 const struct dp_links *links)
{
	for (int i = 0; i < links->n_addrs; i++) {
		const struct host_addr *a = &links->addrs[i];
		int j = 0;

		while (j < i && links->addrs[j].ifindex != a->ifindex)
			j++;
		if (j < i || !edge_candidate(links, a->ifindex) ||
		    (ntohl(a->addr.s_addr) >> 24) == 127)
			continue;
		attach_edge_if(cfg, dp, a->ifindex, inet_ntoa(a->addr));
	}
}

/* The same for an interface with IPv6 addresses only (the others have theirs). */
static void attach_edges6(const struct bpfnet_config *cfg, struct dp *dp,
			  const struct dp_links *links)
{
	for (int i = 0; i < links->n_addrs6; i++) {
		const struct host_addr6 *a = &links->addrs6[i];
		char text[INET6_ADDRSTRLEN];
		bool done = !edge_candidate(links, a->ifindex);

		for (int j = 0; j < links->n_addrs && !done; j++)
			done = links->addrs[j].ifindex == a->ifindex;
		for (int j = 0; j < i && !done; j++)
			done = links->addrs6[j].ifindex == a->ifindex;
		if (done)
			continue;
		inet_ntop(AF_INET6, &a->addr, text, sizeof(text));
		attach_edge_if(cfg, dp, a->ifindex, text);
	}
}

void datapath_edges(const struct bpfnet_config *cfg, struct dp *dp,
		    const struct dp_links *links)
{
	attach_edges(cfg, dp, links);
	attach_edges6(cfg, dp, links);
	sync_host_addrs(dp, links);
	sync_host_addrs6(dp, links);
}

/*
 * The uplink's filters and forwarding, then (the old uplink's taken off,
 * when it changed) the edges' filters and the host's addresses.
 */
static int attach_uplink(const struct bpfnet_config *cfg, struct dp *dp,
			 const struct dp_links *links, int old_uplink)
{
	int up = links->uplink_ifindex, err = 0;

	/* the filter first: a network that comes later and finds forwarding
	 * on finds it too, and whose record says what it was (forwarding.c) */
	if (up)
		err = attach_uplink_progs(up, dp->prog_up_in, dp->prog_up_out,
					  cfg->state_dir);
	if (!err && up)
		err = enable_forwarding(cfg, links);
	if (err) {
		pr_err("failed to attach to the uplink: %s", strerror(-err));
		return err;
	}
	if (old_uplink && old_uplink != up) {
		char name[IF_NAMESIZE];

		detach_filters(old_uplink, cfg->state_dir);
		peers_link(old_uplink);
		if (if_indextoname((unsigned int)old_uplink, name))
			forwarding_restore_if(cfg->state_dir, name);
	}
	peers_link(up);
	datapath_edges(cfg, dp, links);
	return 0;
}

static int publish_ports(struct dp *dp, const struct endpoint_rec *rec)
{
	int err;

	if (!rec->ports.n)
		return 0;
	err = portmap_apply(dp, rec, rec->ports.v, rec->ports.n);
	if (err)
		pr_err("failed to publish %d port maps for %s: %s",
		       rec->ports.n, rec->id,
		       err == -EEXIST ? "a host port is already published" :
					strerror(-err));
	return err;
}

/*
 * Its IPv6 addresses, if it has one in the subnet, in endpoints6 with the
 * same entry: that one and its link-local one (the EUI-64 of its MAC).
 */
static int endpoint6_publish(struct dp *dp, const struct endpoint_rec *rec,
			     const struct bpfnet_endpoint *ep)
{
	struct in6_addr keys[2] = { rec->ip6, in6_linklocal_of_mac(rec->mac) };
	char a[INET6_ADDRSTRLEN];
	int err;

	if (in6_is_zero(&rec->ip6))
		return 0;
	for (int i = 0; i < 2; i++) {
		if (!bpf_map_update_elem(dp->ep6_fd, &keys[i], ep, BPF_ANY))
			continue;
		err = -errno;
		pr_err("failed to add %s to the IPv6 endpoint map: %s",
		       inet_ntop(AF_INET6, &keys[i], a, sizeof(a)), strerror(-err));
		return err;
	}
	return 0;
}

/* Publish one recorded endpoint in the maps and attach to its veth. */
static int endpoint_publish(struct dp *dp, const struct endpoint_rec *rec,
			    int veth_ifindex)
{
	struct bpfnet_endpoint ep = { .host_ifindex = (__u32)veth_ifindex,
				      .ip4 = rec->ip.s_addr };
	int err;

	memcpy(ep.mac, rec->mac, 6);
	if (bpf_map_update_elem(dp->ep_fd, &rec->ip.s_addr, &ep, BPF_ANY)) {
		err = -errno;
		pr_err("failed to add %s to the endpoint map: %s",
		       inet_ntoa(rec->ip), strerror(-err));
		return err;
	}
	err = endpoint6_publish(dp, rec, &ep);
	if (err)
		return err;
	err = attach_tc(veth_ifindex, TC_INGRESS, dp->prog_from_ct,
			"from_container");
	/* and what goes into the container: see to_container */
	if (!err)
		err = attach_tc(veth_ifindex, TC_EGRESS, dp->prog_to_ct,
				"to_container");
	if (err) {
		pr_err("failed to attach to %s: %s", rec->veth, strerror(-err));
		return err;
	}
	return publish_ports(dp, rec);
}

/* After a fresh load: put every other recorded container back in the maps. */
static void resync(struct dp *dp, const struct bpfnet_state *st,
		   const struct endpoint_rec *skip)
{
	if (!st)
		return;
	for (int i = 0; i < st->n; i++) {
		const struct endpoint_rec *e = &st->eps[i];
		unsigned int veth;

		if (e == skip || !e->ready)
			continue;
		veth = if_nametoindex(e->veth);	/* 0: gone, gc's business */
		if (veth && !endpoint_publish(dp, e, (int)veth))
			pr_info("re-attached %s (%s)", e->id, inet_ntoa(e->ip));
	}
}

/* Open (or load) the datapath, write its config, attach uplink and cgroup. */
static int dp_prepare(const struct bpfnet_config *cfg, struct dp *dp,
		      const struct dp_links *links)
{
	int err = dp_open(cfg, dp, true);

	if (err)
		return err;
	err = write_config(cfg, dp, links);
	if (!err)
		err = attach_uplink(cfg, dp, links, 0);
	if (!err)
		err = attach_sock_progs(cfg, &dp->sock);
	if (err)
		dp_close(dp);
	return err;
}

int datapath_endpoint_add(const struct bpfnet_config *cfg,
			  const struct bpfnet_state *st,
			  const struct endpoint_rec *rec, int veth_ifindex,
			  const struct dp_links *links)
{
	struct dp dp;
	int err;

	err = dp_prepare(cfg, &dp, links);
	if (err)
		return err;
	if (dp.fresh || !rec)
		resync(&dp, st, rec);
	if (rec)
		err = endpoint_publish(&dp, rec, veth_ifindex);
	dp_close(&dp);
	return err;
}

int datapath_repair(const struct bpfnet_config *cfg,
		    const struct bpfnet_state *st,
		    const struct dp_links *links)
{
	return datapath_endpoint_add(cfg, st, NULL, 0, links);
}

void datapath_endpoint_del(const struct bpfnet_config *cfg,
			   const struct endpoint_rec *rec)
{
	struct dp dp;

	if (!rec->ip.s_addr || dp_open(cfg, &dp, false))
		return;
	if (rec->ports.n)
		portmap_unapply(&dp, rec, rec->ports.v, rec->ports.n);
	bpf_map_delete_elem(dp.ep_fd, &rec->ip.s_addr);
	if (!in6_is_zero(&rec->ip6)) {
		struct in6_addr ll = in6_linklocal_of_mac(rec->mac);

		bpf_map_delete_elem(dp.ep6_fd, &rec->ip6);	/* a bpfnet_in6 */
		bpf_map_delete_elem(dp.ep6_fd, &ll);
		dp_flush_flows6(&dp, &rec->ip6);
	}
	bpf_map_delete_elem(dp.ep_stats_fd, &rec->ip.s_addr);
	dp_flush_flows(&dp, rec->ip.s_addr);
	dp_close(&dp);
}

int datapath_reconfigure(const struct bpfnet_config *cfg,
			 const struct dp_links *links)
{
	struct bpfnet_cfg old = { 0 };
	struct dp dp;
	__u32 zero = 0;
	int err;

	err = dp_open(cfg, &dp, false);
	if (err)
		return err;
	bpf_map_lookup_elem(dp.cfg_fd, &zero, &old);
	err = write_config(cfg, &dp, links);
	if (err && err != -EADDRNOTAVAIL)	/* that one said why */
		pr_err("failed to write the network's settings to the datapath: %s",
		       strerror(-err));
	/* the new uplink first: masquerade never stops for want of one */
	if (!err)
		err = attach_uplink(cfg, &dp, links, (int)old.uplink_ifindex);
	dp_close(&dp);
	return err;
}

/* The network's filters off the uplink and every edge. */
static void detach_everywhere(const struct bpfnet_config *cfg)
{
	struct if_nameindex *ifs = if_nameindex();

	for (struct if_nameindex *i = ifs; i && i->if_index; i++)
		detach_filters((int)i->if_index, cfg->state_dir);
	if (ifs)
		if_freenameindex(ifs);
}

int datapath_down(const struct bpfnet_config *cfg)
{
	struct bpfnet_cfg c = { 0 };
	struct dp dp;
	__u32 zero = 0;
	bool open = dp_open(cfg, &dp, false) == 0;

	if (open)
		bpf_map_lookup_elem(dp.cfg_fd, &zero, &c);
	detach_everywhere(cfg);
	/* the networks left on the uplink forget this one's maps */
	peers_link((int)c.uplink_ifindex);
	if (open) {
		detach_sock_progs(cfg, &dp.sock);
		dp_close(&dp);
	}
	dp_remove_pins(cfg);
	if (!access(cfg->pin_dir, F_OK)) {
		pr_err("failed to remove %s", cfg->pin_dir);
		return -EBUSY;
	}
	return 0;
}
