/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv4 forwarding, scoped to the interfaces bpfnet routes between (the bridge
 * and the uplink) instead of the whole host, and given back by bpfnet down.
 */
#ifndef BPFNET_FORWARDING_H
#define BPFNET_FORWARDING_H

/*
 * Turn on net.ipv4.conf.IFNAME.forwarding; when it was off, remember that in
 * <state_dir>/forwarding (under the state lock). When it is on already and
 * another network sharing IFNAME (an uplink, attach.h) recorded it off,
 * remember that too: whichever network leaves last gives it back. Call it
 * after the network's uplink filters are attached. 0 or -errno.
 */
int forwarding_enable(const char *state_dir, const char *ifname);

/*
 * The same for net.ipv6.conf.IFNAME.forwarding (the bridge of a network
 * with --subnet6), recorded in <state_dir>/forwarding6.
 */
int forwarding6_enable(const char *state_dir, const char *ifname);

/*
 * Put back every value forwarding6_enable changed too, and every one
 * forwarding_enable changed, but on an interface where
 * another network's uplink filter remains (after this network's are
 * detached); then forget them.
 */
void forwarding_restore(const char *state_dir);

/* The same for one interface only (an uplink the network left); the
 * record keeps the others. */
void forwarding_restore_if(const char *state_dir, const char *ifname);

#endif
