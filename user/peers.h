/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The other bpfnet networks on an uplink, met through their filters there
 * (attach.h names them): each filter's program leads to its network's maps,
 * read here; only each network's tables of the others' maps are written.
 */
#ifndef BPFNET_PEERS_H
#define BPFNET_PEERS_H

#include <stddef.h>

#include "portspec.h"

/*
 * Does another network on the uplink publish a host port of ps[0..n), on
 * any address, for the same protocol? A host port belongs to one network
 * of an uplink: TC would hand its connections to the first network's
 * filter only. -EEXIST with why in err; else 0 (also when nothing can be
 * read: nothing to compare with). own_prog_fd: this network's uplink_ingress.
 */
int peers_port_conflict(int uplink_ifindex, int own_prog_fd,
			const struct port_spec *ps, int n, char *err,
			size_t errlen);

/*
 * Give every network on the uplink the rev_nat and port_maps of all the
 * others (its peer_rev_nat and peer_port_maps tables), so none claims a
 * translated port another holds (bpf/peers.h). Called whenever a network
 * comes to the uplink or leaves it; the filters there are the truth.
 */
void peers_link(int uplink_ifindex);

#endif
