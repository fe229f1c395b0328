/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Networks sharing an uplink. Each has its own filter there, and tc runs
 * them in turn: the first whose rev_nat or port_maps knows a reply takes
 * it. So a network never claims a translated tuple that another network on
 * the uplink holds, as a flow of its own (answered or not yet) or as a port
 * it publishes (user space lists their maps in peer_rev_nat, peer_rnat_new
 * and peer_port_maps; for NAT66, peer_rev_nat6 and peer_port_maps6). Two
 * networks
 * claiming one tuple in the same instant on two CPUs could still meet: the
 * claim and the check are two steps.
 */
#ifndef BPFNET_PEERS_H
#define BPFNET_PEERS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "maps.h"

/* Does another network hold reply tuple r (on the uplink, for our port)? */
static __noinline int peer_holds(const struct bpfnet_flow *r)
{
	struct bpfnet_pm_key pk = { .host_port = r->dport, .proto = r->proto };

	for (__u32 i = 0; i < BPFNET_MAX_PEERS; i++) {
		__u32 slot = i;
		void *rn = bpf_map_lookup_elem(&peer_rev_nat, &slot);
		void *nn = bpf_map_lookup_elem(&peer_rnat_new, &slot);
		void *pm = bpf_map_lookup_elem(&peer_port_maps, &slot);

		if (rn && bpf_map_lookup_elem(rn, r))
			return 1;
		if (nn && bpf_map_lookup_elem(nn, r))
			return 1;
		if (!pm)
			continue;
		pk.host_addr = r->daddr;
		if (bpf_map_lookup_elem(pm, &pk))
			return 1;
		pk.host_addr = 0;
		if (bpf_map_lookup_elem(pm, &pk))
			return 1;
	}
	return 0;
}

/*
 * peer_holds for an IPv6 reply tuple r (NAT66's claims, nat6.h): another
 * network's rev_nat6 holds it, or its port_maps6 publishes r's port at
 * r's address or at every address. A global function: the verifier
 * checks it once, not in each of nat6_claim's retries.
 */
__noinline int peer_holds6(const struct bpfnet_flow6 *r)
{
	struct bpfnet_pm6_key pk = {};

	if (!r)
		return 0;
	pk.host_port = r->dport;
	pk.proto = r->proto;
	for (__u32 i = 0; i < BPFNET_MAX_PEERS; i++) {
		__u32 slot = i;
		void *rn = bpf_map_lookup_elem(&peer_rev_nat6, &slot);
		void *pm = bpf_map_lookup_elem(&peer_port_maps6, &slot);

		if (rn && bpf_map_lookup_elem(rn, r))
			return 1;
		if (!pm)
			continue;
		pk.host_addr = r->daddr;
		if (bpf_map_lookup_elem(pm, &pk))
			return 1;
		__builtin_memset(&pk.host_addr, 0, sizeof(pk.host_addr));
		if (bpf_map_lookup_elem(pm, &pk))
			return 1;
	}
	return 0;
}

#endif
