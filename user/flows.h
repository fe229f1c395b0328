/* SPDX-License-Identifier: GPL-2.0 */
/* The connection-tracking maps: walks over the flows, and their removal. */
#ifndef BPFNET_FLOWS_H
#define BPFNET_FLOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "bpfnet_shared.h"
#include "pins.h"

/* A growable list of flows with their entries, filled during map walks. */
struct flow_vec {
	struct bpfnet_flow *keys;
	struct bpfnet_ct *vals;
	size_t n, kcap, vcap;
};

/* Append one (key, ct) pair; on allocation failure the pair is skipped. */
void flow_vec_push(struct flow_vec *v, const struct bpfnet_flow *k,
		   const struct bpfnet_ct *ct);
void flow_vec_free(struct flow_vec *v);

/* Delete the flows of one container (0: all flows). Returns how many. */
int dp_flush_flows(struct dp *dp, __be32 caddr);

/* Delete the flows masqueraded behind nat_addr (an address the uplink lost). */
int dp_flush_nat_addr(struct dp *dp, __be32 nat_addr);

/*
 * Delete expired flows (masqueraded and published) with their own reply
 * entries, and reply entries of no flow; returns how many flows.
 */
int dp_expire_flows(struct dp *dp);

/*
 * One live flow (bpfnet flows): masqueraded (conntrack, ct_new) or to a
 * published port (dnat_ct, dnat_ct_new), answered or not yet.
 */
struct flow_entry {
	struct bpfnet_flow key;		/* the original tuple, as it was sent */
	struct bpfnet_flow reply;	/* the tuple its replies carry, translated */
	struct bpfnet_ct ct;
	bool v6;			/* conntrack6's: key6 and reply6 hold it */
	struct bpfnet_flow6 key6;	/* the original tuple, as it was sent */
	struct bpfnet_flow6 reply6;	/* the tuple its replies carry, translated */
	bool published;			/* to a published port; else masqueraded */
	bool answered;			/* in the main tables, not the new-flow ones */
	__u64 now_ns;			/* when it was read (CLOCK_MONOTONIC, as expires_ns) */
};

struct flow_entries {
	struct flow_entry *v;
	size_t n, cap;
};

/*
 * Every flow of the four tables that has not expired, with its reply
 * tuple, into out (freed with flow_entries_free). 0 or -errno.
 */
int dp_list_flows(struct dp *dp, struct flow_entries *out);
void flow_entries_free(struct flow_entries *l);

/* Delete sock_rev entries of sockets that are gone; returns how many. */
int dp_expire_sock_rev(struct dp *dp);

#endif
