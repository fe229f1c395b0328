/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 addresses (--subnet6) from the same records as IPv4's: the gateway
 * is the prefix's ::1, containers get ::2 upwards, lowest free first.
 */
#ifndef BPFNET_IPAM6_H
#define BPFNET_IPAM6_H

#include <netinet/in.h>
#include <stddef.h>

#include "config.h"
#include "state.h"

/* Lowest free address of cfg's prefix. -ENOSPC when the pool is full. */
int ipam6_alloc(const struct bpfnet_state *st, const struct bpfnet_config *cfg,
		struct in6_addr *out);

/*
 * A requested static address (what names where it was asked, "bpfnet.ip6"):
 * an IPv6 address inside the prefix, not its network (::) or gateway (::1)
 * address, not in use. -EINVAL/-EADDRINUSE with the reason in err.
 */
int ipam6_static(const struct bpfnet_state *st, const struct bpfnet_config *cfg,
		 const char *what, const char *text, struct in6_addr *out,
		 char *err, size_t errlen);

#endif
