/* SPDX-License-Identifier: GPL-2.0 */
/* A container's endpoint: bridge, veth pair, in-namespace config, datapath. */
#ifndef BPFNET_ENDPOINT_H
#define BPFNET_ENDPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "link.h"
#include "nl.h"
#include "state.h"

/* Resolved uplink, MTU and bridge for one run. */
struct net_plan {
	int uplink_ifindex;	/* 0 when the host has no uplink */
	int mtu;
	int bridge_ifindex;
	uint8_t bridge_mac[6];	/* the gateway's, for the IPv6 neighbour entry */
	bool bridge_created;
};

/* The uplink and MTU for this run; the subnet may not overlap the uplink's. */
int endpoint_plan(const struct bpfnet_config *cfg, struct nl *nl,
		  struct net_plan *plan);

/*
 * Create rec's bridge (if needed), veth pair, container-side config and
 * datapath entries; on failure undo what this call created.
 */
int endpoint_build(const struct bpfnet_config *cfg, struct nl *nl,
		   struct nl *cnl, int netns_fd, const struct bpfnet_state *st,
		   const struct endpoint_rec *rec, struct net_plan *plan);

/* Is this record's network already in place for the same namespace? */
bool endpoint_intact(struct nl *nl, const struct endpoint_rec *rec,
		     uint64_t ino);

/* Is li the veth bpfnet made for container id (kind, alias, master, name)? */
bool endpoint_link_ours(const struct bpfnet_config *cfg, struct nl *nl,
			const struct link_info *li, const char *id);

/*
 * Remove a recorded endpoint's datapath entries and its veth, if the veth is
 * provably bpfnet's (endpoint_link_ours); never another link. Not the record.
 */
void endpoint_release(const struct bpfnet_config *cfg, struct nl *nl,
		      const struct endpoint_rec *rec);

#endif
