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
	int connect6, sendmsg6, recvmsg6, peername6;
};

/* Attach prog_fd as our filter at dir of ifindex unless it is there already. */
int attach_tc(int ifindex, enum tc_dir dir, int prog_fd, const char *name);

/*
 * The network's filters on its uplink, both directions, named after its
 * state dir: replaced in place when they are there, else added at the first
 * free priority, after the other networks'. 0 or -errno.
 */
int attach_uplink_progs(int ifindex, int in_fd, int out_fd,
			const char *state_dir);

/*
 * The network's ingress filter on another interface with an address of the
 * host (an edge), named "edge_ingress <state dir>". 0 or -errno.
 */
int attach_edge(int ifindex, int in_fd, const char *state_dir);

/* Remove the network's filters (uplink or edge) from ifindex, both directions. */
void detach_filters(int ifindex, const char *state_dir);

/*
 * The network (state dir) one of our uplink filters belongs to: what
 * follows the program's name; "" for a filter of a bpfnet from before
 * networks shared uplinks (the bare name); NULL for any other filter.
 */
const char *uplink_filter_net(const struct tc_filter *f);

/*
 * The state dirs of the other networks with a filter on the uplink: their
 * count (0 if none, *nets NULL) or -errno. Free with nets_free.
 */
int uplink_other_nets(int ifindex, const char *state_dir, char ***nets);
void nets_free(char **nets, int n);

/*
 * Host processes reach published ports through the socket programs, on the
 * configured cgroup or the cgroup2 root. 0 when there is no cgroup2 at all.
 */
int attach_sock_progs(const struct bpfnet_config *cfg,
		      const struct sock_progs *p);
void detach_sock_progs(const struct bpfnet_config *cfg,
		       const struct sock_progs *p);

#endif
