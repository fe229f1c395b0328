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

#endif
