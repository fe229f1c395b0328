/* SPDX-License-Identifier: GPL-2.0 */
/* Growable arrays: one way to make room, for every list in the tree. */
#ifndef BPFNET_VEC_H
#define BPFNET_VEC_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

/*
 * Room for element n of *data, an array of *cap elements of elem bytes:
 * doubles the allocation (at least 8) when it is full. 0, or -ENOMEM with
 * the array left as it was.
 */
static inline int vec_reserve(void **data, size_t elem, size_t n, size_t *cap)
{
	size_t want;
	void *p;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : 8;
	p = realloc(*data, want * elem);
	if (!p)
		return -ENOMEM;
	*data = p;
	*cap = want;
	return 0;
}

/* VEC_RESERVE(ptr, n, cap): vec_reserve for a typed pointer. */
#define VEC_RESERVE(ptr, n, cap) \
	vec_reserve((void **)&(ptr), sizeof(*(ptr)), (size_t)(n), &(cap))

#endif
