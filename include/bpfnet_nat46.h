/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * NAT46's part of the BPF/user-space contract (bpfnet_shared.h includes
 * it, after struct bpfnet_ct). A port published on IPv6 for a container
 * without an IPv6 address, when the uplink has one ("[::]:8080:80", or
 * "8080:80"): its port_maps6 entry's caddr is the container's IPv4
 * address, IPv4-mapped (::ffff:a.b.c.d), and the datapath translates the
 * connections to IPv4 (bpf/nat46.h).
 */
#ifndef BPFNET_NAT46_SHARED_H
#define BPFNET_NAT46_SHARED_H

/*
 * "nat46_ct": a connection from outside over IPv6 to a port published for
 * an IPv4-only container (port_maps6, caddr IPv4-mapped), the client's
 * tuple (struct bpfnet_flow6, as it arrived) -> its translation to IPv4.
 * "nat46_rev": the container's replies' tuple (struct bpfnet_flow: from
 * its address and port to the gateway and gw_port) -> the client's tuple,
 * a key of nat46_ct.
 */
struct bpfnet_nat46 {
	struct bpfnet_ct ct;	/* ct.nat_addr, ct.nat_port: the container's IPv4
				 * address and port; ct.hairpin_addr: the gateway,
				 * the source the container sees (all be) */
	__be16 gw_port;		/* the source port the container sees, be */
	__u8 pad[6];
};
_Static_assert(sizeof(struct bpfnet_nat46) == 64, "bpfnet_nat46 layout");

#endif
