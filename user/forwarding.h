/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv4 forwarding, scoped to the interfaces bpfnet routes between (the bridge
 * and the uplink) instead of the whole host, and given back by bpfnet down.
 */
#ifndef BPFNET_FORWARDING_H
#define BPFNET_FORWARDING_H

/*
 * Turn on net.ipv4.conf.IFNAME.forwarding; when it was off, remember that in
 * <state_dir>/forwarding (under the state lock). 0 or -errno.
 */
int forwarding_enable(const char *state_dir, const char *ifname);

/* Put back every value forwarding_enable changed, then forget them. */
void forwarding_restore(const char *state_dir);

#endif
