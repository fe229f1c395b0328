// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nl.h"

#define NL_RECV_SIZE 32768

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

int nl_open(struct nl *nl)
{
	return nl_open_proto(nl, NETLINK_ROUTE);
}

int nl_open_proto(struct nl *nl, int proto)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sk = mnl_socket_open2(proto, SOCK_CLOEXEC);
	if (!nl->sk)
		return -errno;
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(nl->sk);
		nl->sk = NULL;
		return err;
	}
	/* Best effort: older kernels lack extended ack. */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (unsigned int)time(NULL);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

struct nlmsghdr *nl_msg(struct nl *nl, void *buf, int type, int flags)
{
	struct nlmsghdr *nlh;

	/* libmnl leaves attribute padding as it finds it: start from zeros */
	memset(buf, 0, MNL_SOCKET_BUFFER_SIZE);
	nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = (unsigned short)type;
	nlh->nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

static void read_extack(struct nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&e->msg);
	mnl_attr_for_each_payload((const void *)((const char *)e + off),
				  mnl_nlmsg_get_payload_len(nlh) - off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG) {
			snprintf(nl->extack, sizeof(nl->extack), "%s",
				 mnl_attr_get_str(attr));
		}
	}
}

int nl_talk(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	char *buf;
	unsigned int seq = req->nlmsg_seq;
	int ret = 0;
	bool done = false;

	nl->extack[0] = '\0';
	if (mnl_socket_sendto(nl->sk, req, req->nlmsg_len) < 0)
		return -errno;
	buf = malloc(NL_RECV_SIZE);
	if (!buf)
		return -ENOMEM;
	while (!done) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, buf, NL_RECV_SIZE);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int left = (int)n;

		if (n < 0) {
			ret = -errno;
			break;
		}
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				if (e->error) {
					read_extack(nl, nlh);
					if (!ret)
						ret = e->error;
				}
				done = true;
				break;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				/* a dump ends here, with no ack after it */
				if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
					int derr = *(const int *)mnl_nlmsg_get_payload(nlh);

					if (derr && !ret)
						ret = derr;
				}
				done = true;
				break;
			}
			if (cb && !ret && cb(nlh, data) < MNL_CB_OK)
				ret = -EIO;
		}
	}
	free(buf);
	return ret;
}
