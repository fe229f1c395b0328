/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flow tables (maps.h) and how full each is. A full LRU table evicts
 * its least recently used entries: in a main table idle established flows
 * (which only a flow that got a reply can push out: maps.h), in a new-flow
 * table flows nobody answered yet (a flood, or a very busy container).
 */
#ifndef BPFNET_TABLES_H
#define BPFNET_TABLES_H

#include <linux/types.h>
#include <stdbool.h>

struct dp;

/*
 * A table at or over this share of its size is full (bpfnet stats warns).
 * An LRU map evicts while keeping some free entries per CPU: under a
 * steady flood a table of 65,536 shows 99.8% full, one of 4,096 99.6%,
 * but one of 1,024 only 93%.
 */
#define TABLE_FULL_PCT 95
enum { NTABLES = 8 };

struct table_fill {
	const char *name;	/* its pin name */
	bool flows;		/* a forward table: one entry per flow */
	bool fresh;		/* a new-flow table */
	int entries;
	__u32 max;		/* max_entries; 0 when unknown */
};

/*
 * The flow tables, by fd, in this order: conntrack, rev_nat, dnat_ct,
 * dnat_rev, then the new-flow tables ct_new, rev_nat_new, dnat_ct_new,
 * dnat_rev_new. Each one's entries counted into t.
 */
void table_fill(const int fds[NTABLES], struct table_fill *t);

/* The same for the tables of dp. */
void dp_table_fill(struct dp *dp, struct table_fill *t);
bool table_full(const struct table_fill *t);

#endif
