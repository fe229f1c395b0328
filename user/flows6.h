/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IPv6 flow tables: "conntrack6" (a flow a container opened -> its
 * state and NAT66 translation) and "rev_nat6" (NAT66's reply tuple on the
 * uplink -> that flow), "ct6_new" and "rev_nat6_new" the same for flows not
 * answered yet; "dnat6_ct"/"dnat6_rev" and "dnat6_ct_new"/"dnat6_rev_new"
 * for flows to published ports. A flow goes with its reply entry when that
 * entry still names it.
 */
#ifndef BPFNET_FLOWS6_H
#define BPFNET_FLOWS6_H

#include <netinet/in.h>

#include "pins.h"

/* Delete the IPv6 flows from caddr (every one when NULL), both tiers. How many. */
int dp_flush_flows6(struct dp *dp, const struct in6_addr *caddr);

/* Delete the flows masqueraded behind nat_addr (an address the uplink lost). */
int dp_flush_nat6_addr(struct dp *dp, const struct in6_addr *nat_addr);

/*
 * Delete expired IPv6 flows (opened by containers and to published ports,
 * both tiers), then reply entries of no flow. How many flows.
 */
int dp_expire_flows6(struct dp *dp);

struct flow_entries;

/*
 * Append every IPv6 flow that has not expired to out (flows.h's list, v6
 * set; "answered" in the main tables, "published" to a published port).
 * 0 or -errno.
 */
int dp_list_flows6(struct dp *dp, struct flow_entries *out);

#endif
