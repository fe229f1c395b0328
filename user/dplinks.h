/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bridge and uplink facts the datapath is given (struct dp_links),
 * looked up over the caller's netlink socket.
 */
#ifndef BPFNET_DPLINKS_H
#define BPFNET_DPLINKS_H

#include "config.h"
#include "datapath.h"
#include "nl.h"

/* The facts of the bridge and the uplink (0: none) of these indexes. */
int dp_links_get(struct nl *nl, int bridge_ifindex, int uplink_ifindex,
		 struct dp_links *l);

/* The same for the configured bridge and uplink, found by name. */
int dp_links_lookup(struct nl *nl, const struct bpfnet_config *cfg,
		    struct dp_links *l);

#endif
