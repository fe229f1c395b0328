// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "dplinks.h"
#include "link.h"
#include "link6.h"
#include "log.h"

int dp_links_get(struct nl *nl, int bridge_ifindex, int uplink_ifindex,
		 struct dp_links *l)
{
	struct link_info li;
	int err;

	memset(l, 0, sizeof(*l));
	err = link_get(nl, NULL, bridge_ifindex, &li);
	if (err)
		return err;
	l->bridge_ifindex = li.ifindex;
	snprintf(l->bridge_name, sizeof(l->bridge_name), "%s", li.name);
	memcpy(l->bridge_mac, li.mac, sizeof(l->bridge_mac));
	l->n_addrs = addr_list(nl, l->addrs, DP_MAX_ADDRS);
	if (l->n_addrs < 0)
		return l->n_addrs;
	if (l->n_addrs > DP_MAX_ADDRS) {
		pr_info("the host has %d IPv4 addresses: ports published on all of them are seen on the first %d",
			l->n_addrs, DP_MAX_ADDRS);
		l->n_addrs = DP_MAX_ADDRS;
	}
	l->n_addrs6 = addr6_list(nl, l->addrs6, DP_MAX_ADDRS);
	if (l->n_addrs6 < 0)
		return l->n_addrs6;
	if (l->n_addrs6 > DP_MAX_ADDRS) {
		pr_info("the host has %d IPv6 addresses: ports published on all of them are seen on the first %d",
			l->n_addrs6, DP_MAX_ADDRS);
		l->n_addrs6 = DP_MAX_ADDRS;
	}
	if (!uplink_ifindex)
		return 0;
	err = link_get(nl, NULL, uplink_ifindex, &li);
	if (err)
		return err;
	l->uplink_ifindex = li.ifindex;
	snprintf(l->uplink_name, sizeof(l->uplink_name), "%s", li.name);
	/* none is a fact too: the datapath says why that is an error */
	if (addr_first(nl, uplink_ifindex, &l->uplink_addr))
		l->uplink_addr.s_addr = 0;
	if (addr6_first_global(nl, uplink_ifindex, &l->uplink_addr6))
		memset(&l->uplink_addr6, 0, sizeof(l->uplink_addr6));
	return 0;
}

int dp_links_lookup(struct nl *nl, const struct bpfnet_config *cfg,
		    struct dp_links *l)
{
	struct link_info br;
	int uplink = 0, mtu, err;

	err = link_get(nl, cfg->bridge, 0, &br);
	if (!err)
		err = uplink_resolve(nl, cfg->uplink, &uplink, &mtu);
	return err ? err : dp_links_get(nl, br.ifindex, uplink, l);
}
