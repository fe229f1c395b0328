/* SPDX-License-Identifier: GPL-2.0 */
/* Address management: which address, MAC and host interface name a container gets. */
#ifndef BPFNET_IPAM_H
#define BPFNET_IPAM_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "state.h"

/* Lowest free host address of the subnet. -ENOSPC when the pool is full. */
int ipam_alloc(const struct bpfnet_state *st, const struct bpfnet_config *cfg,
	       struct in_addr *out);

/*
 * Validate a requested static address: in the subnet, not the network,
 * gateway or broadcast address, not in use. -EINVAL/-EADDRINUSE with a
 * reason that names it as what ("bpfnet.ip", "CNI_ARGS IP").
 */
int ipam_static(const struct bpfnet_state *st, const struct bpfnet_config *cfg,
		const char *what, const char *text, struct in_addr *out,
		char *err, size_t errlen);

/*
 * A requested MAC: neither a container's nor the bridge's. -EADDRINUSE with
 * a reason ("is in use by ID").
 */
int ipam_mac_free(const struct bpfnet_state *st, const struct bpfnet_config *cfg,
		  const uint8_t mac[6], char *err, size_t errlen);

/* Locally administered MAC derived from the address: 02:42:a.b.c.d. */
void ipam_mac(struct in_addr ip, uint8_t mac[6]);

/*
 * The bridge's MAC, from the gateway: 06:42:a.b.c.d, also locally
 * administered unicast, and never a container's (their first byte is 02).
 * Fixed, so it does not follow the lowest MAC of the bridge's ports.
 */
void ipam_bridge_mac(struct in_addr gateway, uint8_t mac[6]);

/*
 * Host-side interface name for a container id: "bnv" + 12 hex digits of a
 * hash of the id, salted until no other container in st uses it.
 */
void ipam_veth_name(const struct bpfnet_state *st, const char *id,
		    char out[IFNAMSIZ]);
void ipam_veth_name_salted(const char *id, unsigned int salt,
			   char out[IFNAMSIZ]);

#endif
