/* SPDX-License-Identifier: GPL-2.0 */
/* A thin netlink wrapper over libmnl: every request acked and checked. */
#ifndef BPFNET_NL_H
#define BPFNET_NL_H

#include <libmnl/libmnl.h>

struct nl {
	struct mnl_socket *sk;
	unsigned int seq;
	unsigned int portid;
	char extack[256];	/* the kernel's message for the last error */
};

/* Open an rtnetlink socket in the current network namespace. 0 or -errno. */
int nl_open(struct nl *nl);
/* The same for another netlink family (NETLINK_SOCK_DIAG). */
int nl_open_proto(struct nl *nl, int proto);
void nl_close(struct nl *nl);

/* Start a request in buf (MNL_SOCKET_BUFFER_SIZE bytes). */
struct nlmsghdr *nl_msg(struct nl *nl, void *buf, int type, int flags);

/*
 * Send req with NLM_F_ACK and read answers until the ack (or NLMSG_DONE for
 * a dump), calling cb for each data message. Returns 0 or -errno; on error
 * nl->extack holds the kernel's explanation when it gave one.
 */
int nl_talk(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data);

#endif
