/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IPv6 flow tables: "conntrack6" (a flow a container opened -> its
 * state and NAT66 translation) and "rev_nat6" (NAT66's reply tuple on the
 * uplink -> that flow). A flow goes with its reply entry when that entry
 * still names it.
 */
#ifndef BPFNET_FLOWS6_H
#define BPFNET_FLOWS6_H

#include <netinet/in.h>

#include "pins.h"

/* Delete the IPv6 flows from caddr (every one when NULL). How many. */
int dp_flush_flows6(struct dp *dp, const struct in6_addr *caddr);

/* Delete the flows masqueraded behind nat_addr (an address the uplink lost). */
int dp_flush_nat6_addr(struct dp *dp, const struct in6_addr *nat_addr);

/* Delete expired IPv6 flows, then reply entries of no flow. How many flows. */
int dp_expire_flows6(struct dp *dp);

struct flow_entries;

/*
 * Append every IPv6 flow that has not expired to out (flows.h's list, v6
 * set; "answered" once a reply came). 0 or -errno.
 */
int dp_list_flows6(struct dp *dp, struct flow_entries *out);

#endif
