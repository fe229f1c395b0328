// SPDX-License-Identifier: GPL-2.0
/*
 * A container's endpoint: the bridge it hangs off, its veth pair, the
 * configuration inside its namespace, and its datapath entries; made
 * together and undone together.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "datapath.h"
#include "dplinks.h"
#include "endpoint.h"
#include "endpoint6.h"
#include "fault.h"
#include "ipam.h"
#include "log.h"

/*
 * The subnet must be no other network of the host's: not the uplink's, not
 * another interface's (another bpfnet network, a docker0, a LAN). Our own
 * bridge's address is no conflict.
 */
static int subnet_free(const struct bpfnet_config *cfg, struct nl *nl,
		       int uplink)
{
	struct host_addr addrs[BPFNET_MAX_HOST_ADDRS];
	int n = addr_list(nl, addrs, BPFNET_MAX_HOST_ADDRS);
	int bridge = (int)if_nametoindex(cfg->bridge);

	for (int i = 0; i < n && i < BPFNET_MAX_HOST_ADDRS; i++) {
		const struct host_addr *a = &addrs[i];
		char s[INET_ADDRSTRLEN], o[INET_ADDRSTRLEN], name[IF_NAMESIZE];

		if (a->ifindex == bridge ||
		    !cidr_overlap(cfg->subnet, cfg->prefix, a->addr, a->prefix))
			continue;
		inet_ntop(AF_INET, &cfg->subnet, s, sizeof(s));
		inet_ntop(AF_INET, &a->addr, o, sizeof(o));
		if (a->ifindex == uplink)
			pr_err("subnet %s/%d overlaps the uplink's network (%s/%d)",
			       s, cfg->prefix, o, a->prefix);
		else
			pr_err("subnet %s/%d overlaps the network of %s (%s/%d): choose another --subnet",
			       s, cfg->prefix,
			       if_indextoname((unsigned int)a->ifindex, name) ? name : "another interface",
			       o, a->prefix);
		return -EINVAL;
	}
	return 0;
}

int endpoint_plan(const struct bpfnet_config *cfg, struct nl *nl,
			  struct net_plan *plan)
{
	int err, mtu;

	err = uplink_resolve(nl, cfg->uplink, &plan->uplink_ifindex, &mtu);
	if (err == -EPFNOSUPPORT) {
		pr_err("uplink %s is not an Ethernet device (WireGuard, tun and PPP carry no Ethernet header): name an Ethernet one with --uplink",
		       cfg->uplink[0] ? cfg->uplink : "(the default route's)");
		return err;
	}
	if (err) {
		pr_err("failed to find uplink %s: %s", cfg->uplink, strerror(-err));
		return err;
	}
	plan->mtu = cfg->mtu ? cfg->mtu : mtu > 0 ? mtu : 1500;
	err = subnet_free(cfg, nl, plan->uplink_ifindex);
	return err ? err : endpoint6_subnet_free(cfg, nl, plan->uplink_ifindex);
}

static int ensure_bridge(const struct bpfnet_config *cfg, struct nl *nl,
			 struct net_plan *plan)
{
	struct link_info li;
	uint8_t mac[6];
	int err;

	err = link_get(nl, cfg->bridge, 0, &li);
	if (err == -ENODEV) {
		ipam_bridge_mac(cfg->gateway, mac);
		err = bridge_create(nl, cfg->bridge, plan->mtu, mac);
		if (err) {
			pr_err("failed to create bridge %s: %s%s%s", cfg->bridge,
			       strerror(-err), nl->extack[0] ? ": " : "",
			       nl->extack);
			return err;
		}
		plan->bridge_created = true;
		err = link_get(nl, cfg->bridge, 0, &li);
		/* the mark that lets bpfnet down delete it, and nothing else */
		if (!err && link_set_alias(nl, li.ifindex, BPFNET_BRIDGE_ALIAS)) {
			pr_err("failed to mark bridge %s as bpfnet's", cfg->bridge);
			link_del(nl, li.ifindex);
			return -EIO;
		}
	}
	if (err) {
		pr_err("failed to look up bridge %s: %s", cfg->bridge,
		       strerror(-err));
		return err;
	}
	if (strcmp(li.kind, "bridge")) {
		pr_err("%s exists and is not a bridge", cfg->bridge);
		return -EEXIST;
	}
	plan->bridge_ifindex = li.ifindex;
	memcpy(plan->bridge_mac, li.mac, sizeof(plan->bridge_mac));
	err = addr_add(nl, li.ifindex, cfg->gateway, cfg->prefix);
	if (!err)
		err = endpoint6_bridge(cfg, nl, li.ifindex);
	if (!err && !li.up)
		err = link_set(nl, li.ifindex, true, -1);
	if (err)
		pr_err("failed to configure bridge %s: %s", cfg->bridge,
		       strerror(-err));
	return err;
}

/*
 * Inside the container: lo and iface up, address, default route; with
 * --subnet6 the IPv6 ones too (endpoint6.c says how).
 */
static int configure_container(const struct bpfnet_config *cfg, struct nl *cnl,
			       int netns_fd, const struct endpoint_rec *rec,
			       const struct net_plan *plan)
{
	struct link_info lo, eth;
	int err;

	err = link_get(cnl, "lo", 0, &lo);
	if (!err && !lo.up)
		err = link_set(cnl, lo.ifindex, true, -1);
	if (err)
		goto fail;
	err = link_get(cnl, cfg->iface, 0, &eth);
	if (!err)
		err = addr_add(cnl, eth.ifindex, rec->ip, cfg->prefix);
	if (!err && endpoint6_inside_down(cfg, cnl, netns_fd, eth.ifindex, rec))
		return -EIO;	/* said */
	if (!err)
		err = link_set(cnl, eth.ifindex, true, -1);
	if (!err)
		err = route_add_default(cnl, cfg->gateway, eth.ifindex);
	if (!err && endpoint6_inside_up(cfg, cnl, eth.ifindex, plan->bridge_mac))
		return -EIO;	/* said */
	if (!err)
		return 0;
fail:
	pr_err("failed to configure %s in container %s: %s%s%s", cfg->iface,
	       rec->id, strerror(-err), cnl->extack[0] ? ": " : "", cnl->extack);
	return err;
}

/* Could bpfnet have named a veth for id so? (salts as ipam_veth_name tries) */
static bool name_derived_from(const char *name, const char *id)
{
	char want[IFNAMSIZ];

	for (unsigned int salt = 0; salt < 64; salt++) {
		ipam_veth_name_salted(id, salt, want);
		if (!strcmp(want, name))
			return true;
	}
	return false;
}

bool endpoint_link_ours(const struct bpfnet_config *cfg, struct nl *nl,
			const struct link_info *li, const char *id)
{
	struct link_info br;
	int bridge = link_get(nl, cfg->bridge, 0, &br) ? 0 : br.ifindex;

	if (strcmp(li->kind, "veth"))
		return false;
	/* set up: our alias and a name we derive from it, on our bridge (or
	 * on none, if the bridge is gone) */
	if (!strcmp(li->alias, id))
		return (!li->master || li->master == bridge) &&
		       name_derived_from(li->name, id);
	/* created by a run that died before it set the alias and master */
	return !li->alias[0] && !li->master && name_derived_from(li->name, id);
}

void endpoint_release(const struct bpfnet_config *cfg, struct nl *nl,
		      const struct endpoint_rec *rec)
{
	struct link_info li;
	bool present = !link_get(nl, rec->veth, 0, &li);

	if (present && !endpoint_link_ours(cfg, nl, &li, rec->id)) {
		/* a damaged record: touch neither the link nor the maps */
		pr_warn("not deleting %s: it is not the veth bpfnet made for %.64s (kind %s)",
			li.name, rec->id, li.kind[0] ? li.kind : "?");
		return;
	}
	datapath_endpoint_del(cfg, rec);
	endpoint6_release(cfg, nl, rec);
	if (present)
		link_del(nl, li.ifindex);
}

bool endpoint_intact(struct nl *nl, const struct endpoint_rec *rec,
			    uint64_t ino)
{
	struct link_info li;

	return rec->ready && rec->netns_ino == ino &&
	       !link_get(nl, rec->veth, 0, &li);
}

/* Create the links for rec; undo what this call created on failure. */
int endpoint_build(const struct bpfnet_config *cfg, struct nl *nl,
		   struct nl *cnl, int netns_fd, const struct bpfnet_state *st,
		   const struct endpoint_rec *rec, struct net_plan *plan)
{
	struct dp_links links;
	struct link_info li;
	int err;

	err = ensure_bridge(cfg, nl, plan);
	if (err)
		return err;
	err = fault_point(3, "bridge ready");
	if (err)
		goto undo_bridge;
	err = veth_create(nl, rec->veth, cfg->iface, netns_fd, rec->mac,
			  plan->mtu);
	if (err) {
		pr_err("failed to create veth %s: %s%s%s", rec->veth,
		       strerror(-err), nl->extack[0] ? ": " : "", nl->extack);
		goto undo_bridge;
	}
	err = fault_point(4, "veth created");
	if (err)
		goto undo_veth;
	err = link_get(nl, rec->veth, 0, &li);
	if (!err)
		err = link_set_alias(nl, li.ifindex, rec->id);
	if (!err)
		err = link_set(nl, li.ifindex, true, plan->bridge_ifindex);
	if (err) {
		pr_err("failed to attach %s to %s: %s", rec->veth, cfg->bridge,
		       strerror(-err));
		goto undo_veth;
	}
	err = configure_container(cfg, cnl, netns_fd, rec, plan);
	if (!err)
		err = endpoint6_host_neigh(nl, plan->bridge_ifindex, rec);
	if (err)
		goto undo_veth;
	err = fault_point(5, "container configured");
	if (err)
		goto undo_veth;
	err = dp_links_get(nl, plan->bridge_ifindex, plan->uplink_ifindex,
			   &links);
	if (!err)
		err = datapath_endpoint_add(cfg, st, rec, li.ifindex, &links);
	if (err)
		goto undo_veth;
	err = fault_point(6, "datapath attached");
	if (err)
		goto undo_veth;
	return 0;

undo_veth:
	endpoint_release(cfg, nl, rec);
undo_bridge:
	if (plan->bridge_created && !link_get(nl, cfg->bridge, 0, &li))
		link_del(nl, li.ifindex);
	return err;
}
