// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "addr6.h"
#include "endpoint6.h"
#include "link6.h"
#include "log.h"
#include "netns.h"

int endpoint6_subnet_free(const struct bpfnet_config *cfg, struct nl *nl,
			   int uplink)
{
	char s[CIDR6_STRLEN], o[INET6_ADDRSTRLEN], name[IF_NAMESIZE];
	int bridge = (int)if_nametoindex(cfg->bridge), prefix, ifindex, err;
	struct in6_addr a;

	if (!cfg->prefix6)
		return 0;
	err = addr6_overlapping(nl, &cfg->subnet6, cfg->prefix6, bridge, &a,
				&prefix, &ifindex);
	if (err == -ENOENT)
		return 0;
	if (err) {
		pr_err("failed to read the host's IPv6 addresses: %s", strerror(-err));
		return err;
	}
	cidr6_format(&cfg->subnet6, cfg->prefix6, s, sizeof(s));
	inet_ntop(AF_INET6, &a, o, sizeof(o));
	if (ifindex == uplink)
		pr_err("subnet6 %s overlaps the uplink's network (%s/%d)", s, o, prefix);
	else
		pr_err("subnet6 %s overlaps the network of %s (%s/%d): choose another --subnet6",
		       s, if_indextoname((unsigned int)ifindex, name) ? name : "another interface",
		       o, prefix);
	return -EINVAL;
}

int endpoint6_bridge(const struct bpfnet_config *cfg, struct nl *nl,
		     int bridge_ifindex)
{
	int err;

	if (!cfg->prefix6)
		return 0;
	err = addr6_add(nl, bridge_ifindex, &cfg->gateway6, cfg->prefix6);
	if (err)
		pr_err("failed to give bridge %s its IPv6 gateway address: %s%s%s",
		       cfg->bridge, strerror(-err), nl->extack[0] ? ": " : "",
		       nl->extack);
	return err;
}

/* net.ipv6.conf.IFACE.KEY = 0 inside the container (addr_gen_mode 0:
 * the link-local address is the EUI-64 of the MAC, as endpoints6 has it). */
static int sysctl_off(const struct bpfnet_config *cfg, int netns_fd,
		      const char *key)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", cfg->iface,
		 key);
	return netns_sysctl_set(netns_fd, path, "0\n");
}

int endpoint6_inside_down(const struct bpfnet_config *cfg, struct nl *cnl,
			  int netns_fd, int eth_ifindex,
			  const struct endpoint_rec *rec)
{
	const char *what = "accept_ra";
	int err;

	if (!cfg->prefix6 || in6_is_zero(&rec->ip6))
		return 0;
	/* the container's addresses and routes are ours: no router of the
	 * bridge's segment may add others, and its address needs no DAD */
	err = sysctl_off(cfg, netns_fd, what);
	if (!err) {
		what = "accept_dad";
		err = sysctl_off(cfg, netns_fd, what);
	}
	if (!err) {
		what = "addr_gen_mode";
		err = sysctl_off(cfg, netns_fd, what);
	}
	if (!err) {
		what = "its IPv6 address";
		err = addr6_add(cnl, eth_ifindex, &rec->ip6, cfg->prefix6);
	}
	if (err)
		pr_err("failed to set %s of %s in container %s: %s%s%s", what,
		       cfg->iface, rec->id, strerror(-err),
		       cnl->extack[0] ? ": " : "", cnl->extack);
	return err;
}

int endpoint6_inside_up(const struct bpfnet_config *cfg, struct nl *cnl,
			int eth_ifindex, const uint8_t bridge_mac[6])
{
	const char *what = "the IPv6 default route";
	int err;

	if (!cfg->prefix6)
		return 0;
	err = route6_add_default(cnl, &cfg->gateway6, eth_ifindex);
	if (!err) {
		what = "the gateway's neighbour entry";
		err = neigh6_set(cnl, eth_ifindex, &cfg->gateway6, bridge_mac);
	}
	if (err)
		pr_err("failed to add %s on %s in the container: %s%s%s", what,
		       cfg->iface, strerror(-err), cnl->extack[0] ? ": " : "",
		       cnl->extack);
	return err;
}

int endpoint6_host_neigh(struct nl *nl, int bridge_ifindex,
			 const struct endpoint_rec *rec)
{
	int err;

	if (in6_is_zero(&rec->ip6))
		return 0;
	err = neigh6_set(nl, bridge_ifindex, &rec->ip6, rec->mac);
	if (err)
		pr_err("failed to add the neighbour entry of container %s on the bridge: %s",
		       rec->id, strerror(-err));
	return err;
}

void endpoint6_release(const struct bpfnet_config *cfg, struct nl *nl,
		       const struct endpoint_rec *rec)
{
	unsigned int bridge = if_nametoindex(cfg->bridge);

	if (bridge && !in6_is_zero(&rec->ip6))
		neigh6_del(nl, (int)bridge, &rec->ip6);
}
