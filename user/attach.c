// SPDX-License-Identifier: GPL-2.0
/*
 * TC filters are ours by handle and priority (tc.c): we replace or remove
 * only those. Socket programs attach with BPF_F_ALLOW_MULTI next to whatever
 * else the cgroup runs, and are recognised by program id.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "attach.h"
#include "log.h"

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
	if (tc_query(ifindex, dir) == prog_id(prog_fd))
		return 0;
	return tc_attach(ifindex, dir, prog_fd, name);
}

void detach_uplink(int ifindex)
{
	tc_detach(ifindex, TC_INGRESS);
	tc_detach(ifindex, TC_EGRESS);
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
