/* SPDX-License-Identifier: GPL-2.0 */
/* Walking a BPF hash map from user space, in batches. */
#ifndef BPFNET_MAPITER_H
#define BPFNET_MAPITER_H

#include <stddef.h>

/*
 * Call fn(key, value, ctx) for every entry of the (non-per-CPU) hash map fd,
 * reading up to 4096 entries per system call. Entries may be deleted from
 * fn's results afterwards, not during the walk. Returns 0 or -errno.
 */
int map_for_each(int fd, size_t key_size, size_t value_size,
		 void (*fn)(const void *key, const void *value, void *ctx),
		 void *ctx);

#endif
