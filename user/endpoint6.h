/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A container's IPv6 side (--subnet6), made with its IPv4 one
 * (endpoint.c): the bridge's gateway address, the container's address,
 * default route and neighbour entries, all static so that neither
 * duplicate address detection nor neighbour discovery has to run first.
 * Nothing to do (0) when the network has no IPv6 prefix.
 */
#ifndef BPFNET_ENDPOINT6_H
#define BPFNET_ENDPOINT6_H

#include <stdint.h>

#include "config.h"
#include "nl.h"
#include "state.h"

/* The bridge gets the gateway (::1, the prefix's length), no DAD. */
/*
 * --subnet6 must be no other network of the host's (the uplink's, another
 * interface's; our bridge's is ours): 0, or -EINVAL after saying which.
 */
int endpoint6_subnet_free(const struct bpfnet_config *cfg, struct nl *nl,
			   int uplink);

int endpoint6_bridge(const struct bpfnet_config *cfg, struct nl *nl,
		     int bridge_ifindex);

/*
 * Inside the container, its interface (eth_ifindex) still down: no router
 * advertisements, no DAD, the address (no DAD).
 */
int endpoint6_inside_down(const struct bpfnet_config *cfg, struct nl *cnl,
			  int netns_fd, int eth_ifindex,
			  const struct endpoint_rec *rec);

/* Its interface up: the default route via the gateway, which is at bridge_mac. */
int endpoint6_inside_up(const struct bpfnet_config *cfg, struct nl *cnl,
			int eth_ifindex, const uint8_t bridge_mac[6]);

/* On the host: the container's address is at its MAC, on the bridge. */
int endpoint6_host_neigh(struct nl *nl, int bridge_ifindex,
			 const struct endpoint_rec *rec);

/* Forget the host's neighbour entry of rec (the rest goes with its veth). */
void endpoint6_release(const struct bpfnet_config *cfg, struct nl *nl,
		       const struct endpoint_rec *rec);

#endif
