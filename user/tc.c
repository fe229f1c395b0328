// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <arpa/inet.h>

#include "nl.h"
#include "tc.h"

static struct tcmsg *tc_msg(struct nlmsghdr *nlh, int ifindex, __u32 parent)
{
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	return tcm;
}

static __u32 filter_parent(enum tc_dir dir)
{
	return TC_H_MAKE(TC_H_CLSACT,
			 dir == TC_INGRESS ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
}

/* A filter request for our handle and priority, any protocol. */
static struct nlmsghdr *filter_msg(struct nl *nl, void *buf, int type,
				   int flags, int ifindex, enum tc_dir dir)
{
	struct nlmsghdr *nlh = nl_msg(nl, buf, type, flags);
	struct tcmsg *tcm = tc_msg(nlh, ifindex, filter_parent(dir));

	tcm->tcm_handle = BPFNET_TC_HANDLE;
	tcm->tcm_info = TC_H_MAKE(BPFNET_TC_PRIO << 16, htons(ETH_P_ALL));
	mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
	return nlh;
}

static int ensure_clsact(struct nl *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;
	int err;

	nlh = nl_msg(nl, buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL);
	tcm = tc_msg(nlh, ifindex, TC_H_CLSACT);
	tcm->tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
	mnl_attr_put_strz(nlh, TCA_KIND, "clsact");
	err = nl_talk(nl, nlh, NULL, NULL);
	return err == -EEXIST ? 0 : err;
}

int tc_attach(int ifindex, enum tc_dir dir, int prog_fd, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *opts;
	struct nl nl;
	int err;

	err = nl_open(&nl);
	if (err)
		return err;
	err = ensure_clsact(&nl, ifindex);
	if (err)
		goto out;
	nlh = filter_msg(&nl, buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_REPLACE,
			 ifindex, dir);
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_BPF_FD, (__u32)prog_fd);
	mnl_attr_put_strz(nlh, TCA_BPF_NAME, name);
	mnl_attr_put_u32(nlh, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
	mnl_attr_nest_end(nlh, opts);
	err = nl_talk(&nl, nlh, NULL, NULL);
out:
	nl_close(&nl);
	return err;
}

int tc_detach(int ifindex, enum tc_dir dir)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nl nl;
	int err;

	err = nl_open(&nl);
	if (err)
		return err;
	err = nl_talk(&nl, filter_msg(&nl, buf, RTM_DELTFILTER, 0, ifindex, dir),
		      NULL, NULL);
	nl_close(&nl);
	return err;
}

static int bpf_id_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr, *in;
	bool bpf = false;

	mnl_attr_for_each(attr, nlh, sizeof(struct tcmsg)) {
		if (mnl_attr_get_type(attr) == TCA_KIND)
			bpf = !strcmp(mnl_attr_get_str(attr), "bpf");
		if (mnl_attr_get_type(attr) != TCA_OPTIONS || !bpf)
			continue;
		mnl_attr_for_each_nested(in, attr)
			if (mnl_attr_get_type(in) == TCA_BPF_ID)
				*(__u32 *)data = mnl_attr_get_u32(in);
	}
	return MNL_CB_OK;
}

__u32 tc_query(int ifindex, enum tc_dir dir)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nl nl;
	__u32 id = 0;

	if (nl_open(&nl))
		return 0;
	nl_talk(&nl, filter_msg(&nl, buf, RTM_GETTFILTER, 0, ifindex, dir),
		bpf_id_cb, &id);
	nl_close(&nl);
	return id;
}
