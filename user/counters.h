/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The datapath's counters as `bpfnet stats` shows them, in every format:
 * the global ones (enum bpfnet_stat) by name, the flow tables' fill, and
 * each recorded container's traffic, read once under the state lock.
 */
#ifndef BPFNET_COUNTERS_H
#define BPFNET_COUNTERS_H

#include <linux/types.h>
#include <netinet/in.h>
#include <stdbool.h>

#include "bpfnet_shared.h"
#include "state.h"
#include "tables.h"

struct dp;

struct ctr_endpoint {
	const char *id;			/* the record's, whole */
	struct in_addr ip;
	struct bpfnet_ep_stats s;	/* summed over the CPUs; zero when none */
};

struct counters {
	__u64 totals[BPFNET_STAT_MAX];
	struct table_fill tables[NTABLES];
	int flows;			/* flows tracked: forward tables' entries */
	int n;
	struct ctr_endpoint *eps;
};

/* The name of counter k in `bpfnet stats` ("snat_packets", "drop_ipv6"). */
const char *stat_name(int k);

/* One sentence saying what counter k counts. */
const char *stat_help(int k);

/* Is k a drop reason ("drop_..."): the first is DROP_SPOOF_IP (shared header). */
bool stat_is_drop(int k);

/* Read everything into c (its containers from st). 0 or -errno. */
int counters_read(struct dp *dp, const struct bpfnet_state *st, struct counters *c);
void counters_free(struct counters *c);

#endif
