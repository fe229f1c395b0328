/* SPDX-License-Identifier: GPL-2.0 */
/* The eBPF datapath from user space: load once, pin, attach per endpoint. */
#ifndef BPFNET_DATAPATH_H
#define BPFNET_DATAPATH_H

#include "config.h"
#include "state.h"

/*
 * Make sure the programs and maps are loaded and pinned (loading them the
 * first time), the uplink and bridge are attached, then attach to the host
 * veth of rec and publish rec in the endpoint map.
 */
int datapath_endpoint_add(const struct bpfnet_config *cfg,
			  const struct endpoint_rec *rec, int veth_ifindex,
			  int uplink_ifindex, int bridge_ifindex);

/* Forget rec: endpoint entry, its flows, its counters. Never fails loudly. */
void datapath_endpoint_del(const struct bpfnet_config *cfg,
			   const struct endpoint_rec *rec);

/* Detach from the uplink and remove every pin (bpfnet down). */
int datapath_down(const struct bpfnet_config *cfg);

#endif
