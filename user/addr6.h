/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 prefixes as --subnet6 takes them (/64 to /120): parsing, membership
 * and the host part, which fits in 64 bits for every accepted prefix.
 */
#ifndef BPFNET_ADDR6_H
#define BPFNET_ADDR6_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SUBNET6_PREFIX_MIN 64
#define SUBNET6_PREFIX_MAX 120

/* The longest "addr/len" text. */
#define CIDR6_STRLEN (INET6_ADDRSTRLEN + 4)

/*
 * Parse "ADDR/N" (any N from 0 to 128, host bits zero). 0, or -EINVAL;
 * the range /64../120 is the caller's to check.
 */
int parse_cidr6(const char *s, struct in6_addr *net, int *prefix);

/* Is a inside net/prefix? */
bool in6_in_prefix(const struct in6_addr *a, const struct in6_addr *net,
		   int prefix);

/* The low 64 bits of a, host order: its host part under a prefix >= 64. */
uint64_t in6_low64(const struct in6_addr *a);

/* net with its low 64 bits replaced by host (prefix >= 64). */
struct in6_addr in6_with_low64(const struct in6_addr *net, uint64_t host);

/* The largest host part under prefix (64..128). */
uint64_t in6_host_max(int prefix);

bool in6_is_zero(const struct in6_addr *a);

/*
 * fe80::/64 with the modified EUI-64 interface identifier of mac (RFC 4291
 * 2.5.1): the link-local address a kernel with addr_gen_mode 0 gives an
 * interface with that MAC, which the datapath admits as the container's.
 */
struct in6_addr in6_linklocal_of_mac(const uint8_t mac[6]);

/* "fd19::/64" */
void cidr6_format(const struct in6_addr *net, int prefix, char *buf,
		  size_t len);

#endif
