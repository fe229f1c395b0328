/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TC clsact filters over rtnetlink (what `tc qdisc add clsact` and `tc filter
 * add ... bpf da` do), on our own libmnl socket.
 */
#ifndef BPFNET_TC_H
#define BPFNET_TC_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * Our TC filters are recognised by this handle. On a container's veth bpfnet
 * is alone and uses BPFNET_TC_PRIO; on an uplink that several networks share,
 * each network has a filter of its own at a priority of its own (attach.c).
 */
#define BPFNET_TC_HANDLE 0xb9f
#define BPFNET_TC_PRIO 1

enum tc_dir { TC_INGRESS, TC_EGRESS };

/* One filter at a clsact hook, as a dump shows it. */
struct tc_filter {
	__u32 prio, handle;
	bool bpf;		/* of kind "bpf": then name and prog_id */
	__u32 prog_id;
	char name[256];
};

struct tc_filter_vec {
	struct tc_filter *v;
	int n;
	size_t cap;
};

/*
 * Attach prog_fd at dir of ifindex as our filter at prio (creating the
 * clsact qdisc if needed). excl: fail with -EEXIST when our filter is there
 * already; else replace it. 0 or -errno.
 */
int tc_attach(int ifindex, enum tc_dir dir, __u32 prio, bool excl,
	      int prog_fd, const char *name);

/* Remove our filter at prio; -ENOENT when it is not there. */
int tc_detach(int ifindex, enum tc_dir dir, __u32 prio);

/* The id of the program in our filter at prio, 0 when there is none. */
__u32 tc_query(int ifindex, enum tc_dir dir, __u32 prio);

/* Every filter at dir of ifindex, anyone's (none without clsact). 0 or -errno. */
int tc_list(int ifindex, enum tc_dir dir, struct tc_filter_vec *out);
void tc_filter_vec_free(struct tc_filter_vec *fv);

#endif
