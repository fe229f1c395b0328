// SPDX-License-Identifier: GPL-2.0
/*
 * TC filters are ours by handle (tc.c): we replace or remove only those. On
 * a container's veth bpfnet is alone, at priority 1. An uplink is shared by
 * every network that uses it: each has a filter of its own in each
 * direction, named "<program> <state dir>", at the first priority free on
 * that hook when it came (tc runs lower priorities first). The name finds
 * it again, so nothing is recorded and a reload replaces it in place; its
 * programs answer TC_ACT_UNSPEC for what is not their network's, so TC
 * goes on to the next network's filter. Every other interface with an
 * address of the host (an "edge") gets the ingress program alone, named
 * "edge_ingress <state dir>", so ports published on its addresses are
 * reached from its own network too. Socket programs attach with
 * BPF_F_ALLOW_MULTI next to whatever else the cgroup runs, and are
 * recognised by program id.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "attach.h"
#include "log.h"
#include "vec.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

int attach_tc(int ifindex, enum tc_dir dir, int prog_fd, const char *name)
{
	if (tc_query(ifindex, dir, BPFNET_TC_PRIO) == prog_id(prog_fd))
		return 0;
	return tc_attach(ifindex, dir, BPFNET_TC_PRIO, false, prog_fd, name);
}

/*
 * A network is known by its state dir, as the kernel resolves it, cut to
 * what a filter's name keeps (struct tc_filter) after "uplink_ingress ".
 */
#define NET_ID_SIZE (sizeof(((struct tc_filter *)0)->name) - 15)

static void net_id(const char *state_dir, char net[NET_ID_SIZE])
{
	char real[PATH_MAX];

	snprintf(net, NET_ID_SIZE, "%s", realpath(state_dir, real) ? real : state_dir);
}

const char *uplink_filter_net(const struct tc_filter *f)
{
	const char *sp;

	if (!f->bpf || f->handle != BPFNET_TC_HANDLE ||
	    strncmp(f->name, "uplink_", 7))
		return NULL;
	sp = strchr(f->name, ' ');
	return sp ? sp + 1 : "";
}

/* The first priority with no filter at all on it, 0 when none is left. */
static __u32 free_prio(const struct tc_filter_vec *fv)
{
	for (__u32 prio = 1; prio <= 0xffff; prio++) {
		int i = 0;

		while (i < fv->n && fv->v[i].prio != prio)
			i++;
		if (i == fv->n)
			return prio;
	}
	return 0;
}

/* Attach or replace the network's filter at dir of the uplink. */
static int attach_uplink_dir(int ifindex, enum tc_dir dir, int prog_fd,
			     const char *name)
{
	struct tc_filter_vec fv;
	int err = -EEXIST;

	/* two networks may pick the same free priority at once: the second
	 * is refused (excl) and looks again */
	for (int tries = 0; tries < 8 && err == -EEXIST; tries++) {
		__u32 prio = 0, id = 0;
		bool mine = false;

		err = tc_list(ifindex, dir, &fv);
		if (err)
			return err;
		for (int i = 0; i < fv.n; i++) {
			if (fv.v[i].handle == BPFNET_TC_HANDLE &&
			    !strcmp(fv.v[i].name, name)) {
				mine = true;
				prio = fv.v[i].prio;
				id = fv.v[i].prog_id;
			}
		}
		if (!mine)
			prio = free_prio(&fv);
		tc_filter_vec_free(&fv);
		if (mine && id == prog_id(prog_fd))
			return 0;
		if (!prio)
			return -ENOSPC;
		err = tc_attach(ifindex, dir, prio, !mine, prog_fd, name);
	}
	return err;
}

int attach_uplink_progs(int ifindex, int in_fd, int out_fd,
			const char *state_dir)
{
	char net[NET_ID_SIZE], name[NET_ID_SIZE + 16];
	int err;

	net_id(state_dir, net);
	snprintf(name, sizeof(name), "uplink_ingress %s", net);
	err = attach_uplink_dir(ifindex, TC_INGRESS, in_fd, name);
	if (err)
		return err;
	snprintf(name, sizeof(name), "uplink_egress %s", net);
	return attach_uplink_dir(ifindex, TC_EGRESS, out_fd, name);
}

/* The network of any of our named filters, uplink or edge; as uplink_filter_net. */
static const char *filter_net(const struct tc_filter *f)
{
	const char *sp;

	if (!f->bpf || f->handle != BPFNET_TC_HANDLE || strncmp(f->name, "edge_", 5))
		return uplink_filter_net(f);
	sp = strchr(f->name, ' ');
	return sp ? sp + 1 : NULL;
}

int attach_edge(int ifindex, int in_fd, const char *state_dir)
{
	char net[NET_ID_SIZE], name[NET_ID_SIZE + 16];

	net_id(state_dir, net);
	snprintf(name, sizeof(name), "edge_ingress %s", net);
	return attach_uplink_dir(ifindex, TC_INGRESS, in_fd, name);
}

void detach_filters(int ifindex, const char *state_dir)
{
	static const enum tc_dir dirs[] = { TC_INGRESS, TC_EGRESS };
	struct tc_filter_vec fv;
	char net[NET_ID_SIZE];

	net_id(state_dir, net);
	for (size_t d = 0; d < 2; d++) {
		if (tc_list(ifindex, dirs[d], &fv))
			continue;
		for (int i = 0; i < fv.n; i++) {
			const char *n = filter_net(&fv.v[i]);

			/* ours; or an older bpfnet's, which would keep every
			 * other network's packets from their filters */
			if (n && (!n[0] || !strcmp(n, net)))
				tc_detach(ifindex, dirs[d], fv.v[i].prio);
		}
		tc_filter_vec_free(&fv);
	}
}

int uplink_other_nets(int ifindex, const char *state_dir, char ***nets)
{
	struct tc_filter_vec fv;
	char net[NET_ID_SIZE];
	size_t cap = 0;
	int n = 0, err;

	*nets = NULL;
	if (ifindex <= 0)
		return 0;
	net_id(state_dir, net);
	err = tc_list(ifindex, TC_INGRESS, &fv);
	if (err)
		return err;
	for (int i = 0; !err && i < fv.n; i++) {
		const char *o = uplink_filter_net(&fv.v[i]);

		if (!o || !strcmp(o, net))
			continue;
		err = VEC_RESERVE(*nets, n, cap);
		if (!err && !((*nets)[n] = strdup(o)))
			err = -ENOMEM;
		if (!err)
			n++;
	}
	tc_filter_vec_free(&fv);
	if (err) {
		nets_free(*nets, n);
		*nets = NULL;
		return err;
	}
	return n;
}

void nets_free(char **nets, int n)
{
	for (int i = 0; i < n; i++)
		free(nets[i]);
	free(nets);
}

/* The cgroup2 directory the socket programs attach to; "" when none. */
static void sock_cgroup(const struct bpfnet_config *cfg, char *buf, size_t size)
{
	static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs sfs;

	buf[0] = '\0';
	if (cfg->cgroup[0]) {
		snprintf(buf, size, "%s", cfg->cgroup);
		return;
	}
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		if (!statfs(roots[i], &sfs) && sfs.f_type == CGROUP2_SUPER_MAGIC) {
			snprintf(buf, size, "%s", roots[i]);
			return;
		}
	}
}

/* Where each program of struct sock_progs attaches. */
static const struct {
	size_t off;
	enum bpf_attach_type type;
} sock_types[] = {
	{ offsetof(struct sock_progs, connect4), BPF_CGROUP_INET4_CONNECT },
	{ offsetof(struct sock_progs, sendmsg4), BPF_CGROUP_UDP4_SENDMSG },
	{ offsetof(struct sock_progs, recvmsg4), BPF_CGROUP_UDP4_RECVMSG },
	{ offsetof(struct sock_progs, peername4), BPF_CGROUP_INET4_GETPEERNAME },
	{ offsetof(struct sock_progs, connect6), BPF_CGROUP_INET6_CONNECT },
	{ offsetof(struct sock_progs, sendmsg6), BPF_CGROUP_UDP6_SENDMSG },
	{ offsetof(struct sock_progs, recvmsg6), BPF_CGROUP_UDP6_RECVMSG },
	{ offsetof(struct sock_progs, peername6), BPF_CGROUP_INET6_GETPEERNAME },
};
#define NSOCK (sizeof(sock_types) / sizeof(sock_types[0]))

static int sock_fd(const struct sock_progs *p, size_t i)
{
	return *(const int *)((const char *)p + sock_types[i].off);
}

static bool prog_attached(int cg, enum bpf_attach_type type, __u32 id)
{
	__u32 ids[64], cnt = 64;

	if (bpf_prog_query(cg, type, 0, NULL, ids, &cnt))
		return false;
	for (__u32 i = 0; i < cnt; i++)
		if (ids[i] == id)
			return true;
	return false;
}

int attach_sock_progs(const struct bpfnet_config *cfg,
		      const struct sock_progs *p)
{
	char path[PATH_MAX];
	int cg, err = 0;

	sock_cgroup(cfg, path, sizeof(path));
	if (!path[0]) {
		pr_info("no cgroup2 mounted: host processes cannot use published ports");
		return 0;
	}
	cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		err = -errno;
		pr_err("failed to open cgroup %s: %s", path, strerror(-err));
		return err;
	}
	for (size_t i = 0; i < NSOCK; i++) {
		int fd = sock_fd(p, i);

		if (prog_attached(cg, sock_types[i].type, prog_id(fd)))
			continue;
		if (bpf_prog_attach(fd, cg, sock_types[i].type, BPF_F_ALLOW_MULTI)) {
			err = -errno;
			pr_err("failed to attach socket programs to %s: %s", path,
			       strerror(-err));
			break;
		}
	}
	close(cg);
	return err;
}

void detach_sock_progs(const struct bpfnet_config *cfg,
		       const struct sock_progs *p)
{
	char path[PATH_MAX];
	int cg;

	sock_cgroup(cfg, path, sizeof(path));
	if (!path[0])
		return;
	cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return;
	for (size_t i = 0; i < NSOCK; i++)
		bpf_prog_detach2(sock_fd(p, i), cg, sock_types[i].type);
	close(cg);
}
