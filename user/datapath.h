/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The eBPF datapath as commands see it: containers in and out, repair and
 * removal. Its parts: pins.h (load, pin, open), attach.h (TC and cgroup),
 * flows.h (conntrack walks), portmap.h (published ports).
 */
#ifndef BPFNET_DATAPATH_H
#define BPFNET_DATAPATH_H

#include <linux/types.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>

#include "bpfnet_shared.h"	/* the map layouts, for who reads through struct dp */
#include "config.h"
#include "link.h"
#include "link6.h"
#include "pins.h"
#include "state.h"

/*
 * The bridge and the uplink the datapath serves, as the caller found them
 * (dplinks.h looks them up): the datapath asks netlink nothing itself.
 */
#define DP_MAX_ADDRS BPFNET_MAX_HOST_ADDRS

struct dp_links {
	int bridge_ifindex;
	char bridge_name[IF_NAMESIZE];
	uint8_t bridge_mac[6];
	int uplink_ifindex;		/* 0 when the host has no uplink */
	char uplink_name[IF_NAMESIZE];
	struct in_addr uplink_addr;	/* its first IPv4 address; 0 if none */
	struct in6_addr uplink_addr6;	/* its first global IPv6 address; :: if none */
	/* every IPv4 address of the host: published ports on any of them */
	struct host_addr addrs[DP_MAX_ADDRS];
	int n_addrs;
	/* every global IPv6 address of the host (host_addrs6) */
	struct host_addr6 addrs6[DP_MAX_ADDRS];
	int n_addrs6;
};

/*
 * Make sure the datapath is loaded and pinned (the first time only; a stale
 * one is replaced and the other containers of st re-attached), the config
 * map current and the uplink attached, then publish rec in the endpoint
 * map and attach to its host veth. With no rec (repair), every recorded
 * container is put back.
 */
int datapath_endpoint_add(const struct bpfnet_config *cfg,
			  const struct bpfnet_state *st,
			  const struct endpoint_rec *rec, int veth_ifindex,
			  const struct dp_links *links);

/*
 * Make the datapath whole for the recorded containers: load it again if it
 * is missing or stale, and put every container back in its maps.
 */
int datapath_repair(const struct bpfnet_config *cfg,
		    const struct bpfnet_state *st,
		    const struct dp_links *links);

/*
 * The network's settings changed (bpfnet net set): write them to the
 * loaded datapath, and move the uplink programs if the uplink is another.
 * -ENOENT (quietly) when no datapath is loaded.
 */
int datapath_reconfigure(const struct bpfnet_config *cfg,
			 const struct dp_links *links);

/* Forget rec: endpoint entry, its flows, its counters. Quiet on failure. */
/*
 * Every interface with an address of the host gets the network's ingress
 * filter, and the socket programs the host's addresses (hooks do this;
 * so does `port add` naming an address).
 */
void datapath_edges(const struct bpfnet_config *cfg, struct dp *dp,
		    const struct dp_links *links);

void datapath_endpoint_del(const struct bpfnet_config *cfg,
			   const struct endpoint_rec *rec);

/* Detach from the uplink and remove every pin (bpfnet down). */
int datapath_down(const struct bpfnet_config *cfg);

#endif
