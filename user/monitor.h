/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpfnet monitor's side of the datapath's events: the lease that turns
 * them on (monitor_ctl) and the count of those lost (monitor_budget).
 * bpfnet_shared.h says how the datapath uses them.
 */
#ifndef BPFNET_MONITOR_H
#define BPFNET_MONITOR_H

#include <linux/types.h>

#include "pins.h"

/* Hold (or renew) the lease of each type in types (1 << enum
 * bpfnet_event_type) for BPFNET_MONITOR_LEASE_NS; rate 0: the default.
 * 0 or -errno. */
int monitor_lease(struct dp *dp, unsigned int types, unsigned int rate);

/* Give the leases of types up: the datapath stops making those events. */
void monitor_unlease(struct dp *dp, unsigned int types);

/* Events lost so far on every CPU (over the rate, or the ring full). */
__u64 monitor_lost(struct dp *dp);

#endif
