// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "nl.h"
#include "tc.h"
#include "vec.h"

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

/* A filter request for our handle at prio, any protocol. */
static struct nlmsghdr *filter_msg(struct nl *nl, void *buf, int type,
				   int flags, int ifindex, enum tc_dir dir,
				   __u32 prio)
{
	struct nlmsghdr *nlh = nl_msg(nl, buf, type, flags);
	struct tcmsg *tcm = tc_msg(nlh, ifindex, filter_parent(dir));

	tcm->tcm_handle = BPFNET_TC_HANDLE;
	tcm->tcm_info = TC_H_MAKE(prio << 16, htons(ETH_P_ALL));
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

int tc_attach(int ifindex, enum tc_dir dir, __u32 prio, bool excl,
	      int prog_fd, const char *name)
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
	nlh = filter_msg(&nl, buf, RTM_NEWTFILTER,
			 NLM_F_CREATE | (excl ? NLM_F_EXCL : NLM_F_REPLACE),
			 ifindex, dir, prio);
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

int tc_detach(int ifindex, enum tc_dir dir, __u32 prio)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nl nl;
	int err;

	err = nl_open(&nl);
	if (err)
		return err;
	err = nl_talk(&nl, filter_msg(&nl, buf, RTM_DELTFILTER, 0, ifindex, dir,
				      prio), NULL, NULL);
	nl_close(&nl);
	return err;
}

/* One filter message: its priority, handle, kind, and a bpf one's name and program. */
static void filter_parse(const struct nlmsghdr *nlh, struct tc_filter *f)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr, *in;

	memset(f, 0, sizeof(*f));
	f->prio = TC_H_MAJ(tcm->tcm_info) >> 16;
	f->handle = tcm->tcm_handle;
	mnl_attr_for_each(attr, nlh, sizeof(struct tcmsg)) {
		if (mnl_attr_get_type(attr) == TCA_KIND)
			f->bpf = !strcmp(mnl_attr_get_str(attr), "bpf");
		if (mnl_attr_get_type(attr) != TCA_OPTIONS || !f->bpf)
			continue;
		mnl_attr_for_each_nested(in, attr) {
			if (mnl_attr_get_type(in) == TCA_BPF_ID)
				f->prog_id = mnl_attr_get_u32(in);
			if (mnl_attr_get_type(in) == TCA_BPF_NAME)
				snprintf(f->name, sizeof(f->name), "%s",
					 mnl_attr_get_str(in));
		}
	}
}

static int bpf_id_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tc_filter f;

	filter_parse(nlh, &f);
	if (f.bpf)
		*(__u32 *)data = f.prog_id;
	return MNL_CB_OK;
}

__u32 tc_query(int ifindex, enum tc_dir dir, __u32 prio)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nl nl;
	__u32 id = 0;

	if (nl_open(&nl))
		return 0;
	nl_talk(&nl, filter_msg(&nl, buf, RTM_GETTFILTER, 0, ifindex, dir, prio),
		bpf_id_cb, &id);
	nl_close(&nl);
	return id;
}

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tc_filter_vec *fv = data;
	struct tc_filter f;

	filter_parse(nlh, &f);
	/* the dump also names each priority's classifier (handle 0): skip it */
	if (!f.handle)
		return MNL_CB_OK;
	if (VEC_RESERVE(fv->v, fv->n, fv->cap))
		return MNL_CB_ERROR;
	fv->v[fv->n++] = f;
	return MNL_CB_OK;
}

int tc_list(int ifindex, enum tc_dir dir, struct tc_filter_vec *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nl nl;
	int err;

	memset(out, 0, sizeof(*out));
	err = nl_open(&nl);
	if (err)
		return err;
	nlh = nl_msg(&nl, buf, RTM_GETTFILTER, NLM_F_DUMP);
	tc_msg(nlh, ifindex, filter_parent(dir));
	err = nl_talk(&nl, nlh, list_cb, out);
	nl_close(&nl);
	if (err == -EINVAL || err == -ENOENT)	/* no clsact: no filters */
		err = 0;
	if (err)
		tc_filter_vec_free(out);
	return err;
}

void tc_filter_vec_free(struct tc_filter_vec *fv)
{
	free(fv->v);
	memset(fv, 0, sizeof(*fv));
}
