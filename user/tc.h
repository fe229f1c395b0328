/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TC clsact filters over rtnetlink (what `tc qdisc add clsact` and `tc filter
 * add ... bpf da` do), on our own libmnl socket.
 */
#ifndef BPFNET_TC_H
#define BPFNET_TC_H

#include <stdbool.h>
#include <linux/types.h>

/* Our TC filters are recognised by this handle and priority. */
#define BPFNET_TC_HANDLE 0xb9f
#define BPFNET_TC_PRIO 1

enum tc_dir { TC_INGRESS, TC_EGRESS };

/*
 * Attach prog_fd at dir of ifindex as our filter (creating the clsact qdisc
 * if needed, replacing only our own filter). 0 or -errno.
 */
int tc_attach(int ifindex, enum tc_dir dir, int prog_fd, const char *name);

/* Remove our filter; -ENOENT when it is not there. */
int tc_detach(int ifindex, enum tc_dir dir);

/* The id of the program in our filter, 0 when there is none. */
__u32 tc_query(int ifindex, enum tc_dir dir);

#endif
