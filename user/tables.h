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

#include "pins.h"

/* A table at or over this share of its size is full (bpfnet stats warns). */
#define TABLE_FULL_PCT 95
enum { NTABLES = 8 };

struct table_fill {
	const char *name;	/* its pin name */
	bool flows;		/* a forward table: one entry per flow */
	bool fresh;		/* a new-flow table */
	int entries;
	__u32 max;		/* max_entries; 0 when unknown */
};

/* Count the entries of every flow table of dp, main tables first. */
void dp_table_fill(struct dp *dp, struct table_fill *t);
bool table_full(const struct table_fill *t);

#endif
