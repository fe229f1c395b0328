/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching the datapath's programs, given by fd: TC filters on links, and
 * the socket programs on a cgroup. Knows nothing of pins or maps.
 */
#ifndef BPFNET_ATTACH_H
#define BPFNET_ATTACH_H

#include "config.h"
#include "tc.h"

/* The cgroup socket programs (fd -1: not open). */
struct sock_progs {
	int connect4, sendmsg4, recvmsg4, peername4;
};

/* Attach prog_fd as our filter at dir of ifindex unless it is there already. */
int attach_tc(int ifindex, enum tc_dir dir, int prog_fd, const char *name);

/* Remove our filters from the uplink, both directions. */
void detach_uplink(int ifindex);

/*
 * Host processes reach published ports through the socket programs, on the
 * configured cgroup or the cgroup2 root. 0 when there is no cgroup2 at all.
 */
int attach_sock_progs(const struct bpfnet_config *cfg,
		      const struct sock_progs *p);
void detach_sock_progs(const struct bpfnet_config *cfg,
		       const struct sock_progs *p);

#endif
