/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 addresses, routes and neighbours over rtnetlink (dual stack): what
 * `ip -6 addr|route|neigh` would do.
 */
#ifndef BPFNET_LINK6_H
#define BPFNET_LINK6_H

#include <netinet/in.h>
#include <stdint.h>

#include "nl.h"

/* addr/prefix on ifindex with IFA_F_NODAD: usable at once, never tentative. */
int addr6_add(struct nl *nl, int ifindex, const struct in6_addr *addr,
	      int prefix);
int addr6_del(struct nl *nl, int ifindex, const struct in6_addr *addr,
	      int prefix);

/*
 * Does ifindex hold addr? 0 with its prefix length and IFA_F_* flags,
 * -ENOENT if not, or -errno.
 */
int addr6_find(struct nl *nl, int ifindex, const struct in6_addr *addr,
	       int *prefix, uint32_t *flags);

/* The first global address of ifindex (not tentative). -ENOENT if none. */
int addr6_first_global(struct nl *nl, int ifindex, struct in6_addr *out);

/*
 * A global address of another interface than skip_ifindex whose network
 * overlaps net/prefix: 0 with it, its prefix length and interface;
 * -ENOENT if none, or -errno.
 */
int addr6_overlapping(struct nl *nl, const struct in6_addr *net, int prefix,
		      int skip_ifindex, struct in6_addr *found, int *found_prefix,
		      int *ifindex);

/* A global IPv6 address of the host and the interface that holds it. */
struct host_addr6 {
	int ifindex;
	struct in6_addr addr;
};

/*
 * Every global IPv6 address of the namespace (no link-local one, no ::1),
 * the first max of them into out. How many there are, or -errno.
 */
int addr6_list(struct nl *nl, struct host_addr6 *out, int max);

/* Default route ::/0 via gw on oif; an existing one is not replaced. */
int route6_add_default(struct nl *nl, const struct in6_addr *gw, int oif);

/* The main table's IPv6 default route: device and gateway. -ENOENT: none. */
int route6_default_via(struct nl *nl, int *oif, struct in6_addr *gw);

/* A permanent neighbour entry: addr is at mac on ifindex (no solicitation). */
int neigh6_set(struct nl *nl, int ifindex, const struct in6_addr *addr,
	       const uint8_t mac[6]);
int neigh6_del(struct nl *nl, int ifindex, const struct in6_addr *addr);

#endif
