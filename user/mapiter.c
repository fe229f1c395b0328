// SPDX-License-Identifier: GPL-2.0
#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "mapiter.h"

#define BATCH 4096

#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

/* One entry at a time: for kernels or maps without batch lookups. */
static int walk_slow(int fd, size_t ksz, size_t vsz,
		     void (*fn)(const void *, const void *, void *), void *ctx)
{
	char *key = calloc(1, ksz), *next = calloc(1, ksz), *val = calloc(1, vsz);
	bool first = true;
	int err = 0;

	if (!key || !next || !val) {
		err = -ENOMEM;
		goto out;
	}
	while (!bpf_map_get_next_key(fd, first ? NULL : key, next)) {
		first = false;
		for (size_t i = 0; i < ksz; i++)
			key[i] = next[i];
		if (!bpf_map_lookup_elem(fd, key, val))
			fn(key, val, ctx);
	}
out:
	free(key);
	free(next);
	free(val);
	return err;
}

int map_for_each(int fd, size_t ksz, size_t vsz,
		 void (*fn)(const void *, const void *, void *), void *ctx)
{
	/* zeroed: valgrind does not model BPF_MAP_LOOKUP_BATCH's writes, and
	 * would take what the kernel filled in for uninitialised */
	char *keys = calloc(BATCH, ksz), *vals = calloc(BATCH, vsz);
	__u32 in = 0, out = 0, count;
	bool first = true;
	int err = 0;

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (;;) {
		int ret;

		count = BATCH;
		ret = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys,
					   vals, &count, NULL);
		if (ret && errno != ENOENT) {
			if (first && (errno == EINVAL || errno == ENOTSUPP ||
				      errno == EOPNOTSUPP))
				err = walk_slow(fd, ksz, vsz, fn, ctx);
			else
				err = -errno;
			break;
		}
		for (__u32 i = 0; i < count; i++)
			fn(keys + i * ksz, vals + i * vsz, ctx);
		if (ret)
			break;	/* ENOENT: that was the last batch */
		in = out;
		first = false;
	}
	free(keys);
	free(vals);
	return err;
}
