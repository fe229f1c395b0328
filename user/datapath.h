/* SPDX-License-Identifier: GPL-2.0 */
/* The eBPF datapath from user space: load once, pin, attach per endpoint. */
#ifndef BPFNET_DATAPATH_H
#define BPFNET_DATAPATH_H

#include <linux/types.h>
#include <bpf/libbpf.h>
#include <stdbool.h>

#include "bpfnet_shared.h"
#include "config.h"
#include "pins.h"
#include "state.h"

/*
 * Make sure the datapath is loaded and pinned (the first time only; a stale
 * one is replaced and the other containers of st re-attached), the config
 * map current and the uplink attached, then publish rec in the endpoint
 * map and attach to its host veth.
 */
int datapath_endpoint_add(const struct bpfnet_config *cfg,
			  const struct bpfnet_state *st,
			  const struct endpoint_rec *rec, int veth_ifindex,
			  int uplink_ifindex, int bridge_ifindex);

/*
 * Make the datapath whole for the recorded containers: load it again if it
 * is missing or stale, and put every container back in its maps.
 */
int datapath_repair(const struct bpfnet_config *cfg,
		    const struct bpfnet_state *st);

/* Forget rec: endpoint entry, its flows, its counters. Quiet on failure. */
void datapath_endpoint_del(const struct bpfnet_config *cfg,
			   const struct endpoint_rec *rec);

/* Detach from the uplink and remove every pin (bpfnet down). */
int datapath_down(const struct bpfnet_config *cfg);

#endif
