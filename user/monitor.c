// SPDX-License-Identifier: GPL-2.0
/* The monitor's lease on the datapath's events, and their losses. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpfnet_shared.h"
#include "monitor.h"

/* CLOCK_MONOTONIC: the clock of bpf_ktime_get_ns(). */
static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* Another monitor's leases stay: only types' are written. */
static int write_ctl(struct dp *dp, unsigned int types, __u64 until,
		     unsigned int rate)
{
	struct bpfnet_monitor_ctl c = { 0 };
	__u32 zero = 0;

	if (bpf_map_lookup_elem(dp->mon_ctl_fd, &zero, &c))
		return -errno;
	for (int t = 0; t < BPFNET_EV_TYPES; t++)
		if (types & (1u << t))
			c.until_ns[t] = until;
	if (rate)
		c.rate = rate;
	if (bpf_map_update_elem(dp->mon_ctl_fd, &zero, &c, BPF_ANY))
		return -errno;
	return 0;
}

int monitor_lease(struct dp *dp, unsigned int types, unsigned int rate)
{
	return write_ctl(dp, types, mono_ns() + BPFNET_MONITOR_LEASE_NS,
			 rate ? rate : BPFNET_MONITOR_RATE);
}

void monitor_unlease(struct dp *dp, unsigned int types)
{
	write_ctl(dp, types, 0, 0);
}

__u64 monitor_lost(struct dp *dp)
{
	int ncpu = libbpf_num_possible_cpus();
	struct bpfnet_monitor_budget *b;
	__u64 lost = 0;
	__u32 zero = 0;

	if (ncpu <= 0)
		return 0;
	b = calloc((size_t)ncpu, sizeof(*b));
	if (!b)
		return 0;
	if (!bpf_map_lookup_elem(dp->mon_budget_fd, &zero, b))
		for (int c = 0; c < ncpu; c++)
			lost += b[c].lost;
	free(b);
	return lost;
}
