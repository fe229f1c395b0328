/* SPDX-License-Identifier: GPL-2.0 */
/* The network's settings, as the hook wrote them into net_config. */
#ifndef BPFNET_CONFIG_H
#define BPFNET_CONFIG_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "maps.h"

/* The settings, or NULL while user space has not filled them in yet. */
static __always_inline const struct bpfnet_cfg *get_cfg(void)
{
	__u32 zero = 0;
	const struct bpfnet_cfg *cfg = bpf_map_lookup_elem(&net_config, &zero);

	return cfg && cfg->enabled ? cfg : NULL;
}

static __always_inline int in_subnet(const struct bpfnet_cfg *cfg, __be32 a)
{
	return (a & cfg->netmask) == cfg->subnet;
}

/* Is a in a --no-masquerade prefix (another node's pods, say)? */
static __always_inline int no_masq(const struct bpfnet_cfg *cfg, __be32 a)
{
	for (int i = 0; i < BPFNET_MAX_NO_MASQ; i++) {
		if (i >= cfg->n_no_masq)
			break;
		if ((a & cfg->no_masq[i].mask) == cfg->no_masq[i].addr)
			return 1;
	}
	return 0;
}

#endif
