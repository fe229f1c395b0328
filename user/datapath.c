// SPDX-License-Identifier: GPL-2.0
/*
 * The datapath from user space. The first hook loads the BPF object and
 * pins its programs and maps under the pin dir; every later one only opens
 * the pins (no verifier run) and attaches to its new veth. TC filters are
 * ours by handle and priority: we replace or remove only those.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bpfnet.skel.h"
#include "datapath.h"
#include "fsutil.h"
#include "link.h"
#include "log.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

static const char *const map_pins[] = {
	BPFNET_PIN_CONFIG, BPFNET_PIN_ENDPOINTS, BPFNET_PIN_CT,
	BPFNET_PIN_RNAT,   BPFNET_PIN_STATS,     BPFNET_PIN_EP_STATS,
};

static void pin_path(const struct bpfnet_config *cfg, const char *name,
		     char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", cfg->pin_dir, name);
}

static int obj_get(const struct bpfnet_config *cfg, const char *name)
{
	char path[PATH_MAX];

	pin_path(cfg, name, path, sizeof(path));
	return bpf_obj_get(path);
}

void dp_close(struct dp *dp)
{
	int *fds[] = { &dp->cfg_fd, &dp->ep_fd, &dp->ct_fd, &dp->rnat_fd,
		       &dp->stats_fd, &dp->ep_stats_fd, &dp->prog_from_ct,
		       &dp->prog_up_in, &dp->prog_up_out };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] > 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static int open_pins(const struct bpfnet_config *cfg, struct dp *dp)
{
	dp->cfg_fd = obj_get(cfg, BPFNET_PIN_CONFIG);
	dp->ep_fd = obj_get(cfg, BPFNET_PIN_ENDPOINTS);
	dp->ct_fd = obj_get(cfg, BPFNET_PIN_CT);
	dp->rnat_fd = obj_get(cfg, BPFNET_PIN_RNAT);
	dp->stats_fd = obj_get(cfg, BPFNET_PIN_STATS);
	dp->ep_stats_fd = obj_get(cfg, BPFNET_PIN_EP_STATS);
	dp->prog_from_ct = obj_get(cfg, BPFNET_PIN_PROG_FROM_CT);
	dp->prog_up_in = obj_get(cfg, BPFNET_PIN_PROG_UP_IN);
	dp->prog_up_out = obj_get(cfg, BPFNET_PIN_PROG_UP_OUT);
	if (dp->cfg_fd < 0 || dp->ep_fd < 0 || dp->ct_fd < 0 ||
	    dp->rnat_fd < 0 || dp->stats_fd < 0 || dp->ep_stats_fd < 0 ||
	    dp->prog_from_ct < 0 || dp->prog_up_in < 0 || dp->prog_up_out < 0) {
		dp_close(dp);
		return -ENOENT;
	}
	return 0;
}

/* The pin dir's parent must be a bpffs; mount one there if it is not. */
static int ensure_bpffs(const struct bpfnet_config *cfg)
{
	char parent[PATH_MAX];
	struct statfs sfs;

	snprintf(parent, sizeof(parent), "%s", cfg->pin_dir);
	dirname(parent);
	if (!statfs(parent, &sfs) && sfs.f_type == BPF_FS_MAGIC)
		return 0;
	if (ensure_private_dir(parent, 0700) &&
	    access(parent, F_OK))
		return -errno;
	if (mount("bpf", parent, "bpf", 0, "mode=0700")) {
		int err = -errno;

		pr_err("failed to mount bpffs at %s: %s", parent, strerror(-err));
		return err;
	}
	pr_info("mounted bpffs at %s", parent);
	return 0;
}

static int load_and_pin(const struct bpfnet_config *cfg)
{
	struct bpfnet_bpf *skel;
	struct bpf_map *map;
	char path[PATH_MAX];
	int err;

	err = ensure_bpffs(cfg);
	if (err)
		return err;
	err = ensure_private_dir(cfg->pin_dir, 0700);
	if (err)
		return err;
	skel = bpfnet_bpf__open();
	if (!skel) {
		pr_err("failed to open the BPF object: %s", strerror(errno));
		return -errno;
	}
	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		pin_path(cfg, bpf_map__name(map), path, sizeof(path));
		bpf_map__set_pin_path(map, path);
	}
	err = bpfnet_bpf__load(skel);
	if (err) {
		pr_err("failed to load the BPF programs: %s (run with -vv for the verifier log)",
		       strerror(-err));
		goto out;
	}
	pin_path(cfg, BPFNET_PIN_PROG_FROM_CT, path, sizeof(path));
	err = bpf_program__pin(skel->progs.from_container, path);
	pin_path(cfg, BPFNET_PIN_PROG_UP_IN, path, sizeof(path));
	if (!err)
		err = bpf_program__pin(skel->progs.uplink_ingress, path);
	pin_path(cfg, BPFNET_PIN_PROG_UP_OUT, path, sizeof(path));
	if (!err)
		err = bpf_program__pin(skel->progs.uplink_egress, path);
	if (err)
		pr_err("failed to pin the BPF programs in %s: %s", cfg->pin_dir,
		       strerror(-err));
	else
		pr_info("loaded and pinned the datapath in %s", cfg->pin_dir);
out:
	bpfnet_bpf__destroy(skel);
	return err;
}

int dp_open(const struct bpfnet_config *cfg, struct dp *dp, bool create)
{
	int err;

	memset(dp, 0, sizeof(*dp));
	err = open_pins(cfg, dp);
	if (!err || !create)
		return err;
	err = load_and_pin(cfg);
	if (err) {
		dp_remove_pins(cfg);
		return err;
	}
	return open_pins(cfg, dp);
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

int dp_tc_attach(int ifindex, enum bpf_tc_attach_point point, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = BPFNET_TC_HANDLE,
			    .priority = BPFNET_TC_PRIO);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = BPFNET_TC_HANDLE,
			    .priority = BPFNET_TC_PRIO, .prog_fd = prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	if (!bpf_tc_query(&hook, &q) && q.prog_id == prog_id(prog_fd))
		return 0;	/* already ours and current */
	return bpf_tc_attach(&hook, &opts);
}

int dp_tc_detach(int ifindex, enum bpf_tc_attach_point point)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = BPFNET_TC_HANDLE,
			    .priority = BPFNET_TC_PRIO);

	return bpf_tc_detach(&hook, &opts);
}

static int enable_forwarding(void)
{
	const char *path = "/proc/sys/net/ipv4/ip_forward";
	char cur = '0';
	int fd, err = 0;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (read(fd, &cur, 1) == 1 && cur == '1')
		goto out;
	if (pwrite(fd, "1\n", 2, 0) != 2)
		err = -errno;
	pr_info("enabled IPv4 forwarding");
out:
	close(fd);
	return err;
}

/* Write the network's settings into the config map. */
static int write_config(const struct bpfnet_config *bcfg, struct dp *dp,
			int uplink_ifindex, int bridge_ifindex)
{
	struct bpfnet_cfg c = { 0 };
	struct link_info br;
	struct in_addr up = { 0 };
	struct nl nl;
	__u32 zero = 0;
	int err;

	err = nl_open(&nl);
	if (err)
		return err;
	err = link_get(&nl, NULL, bridge_ifindex, &br);
	if (!err && uplink_ifindex && addr_first(&nl, uplink_ifindex, &up)) {
		pr_err("uplink has no IPv4 address to masquerade behind");
		err = -EADDRNOTAVAIL;
	}
	nl_close(&nl);
	if (err)
		return err;
	c.subnet = bcfg->subnet.s_addr;
	c.netmask = htonl(~0u << (32 - bcfg->prefix));
	c.gateway = bcfg->gateway.s_addr;
	c.uplink_addr = up.s_addr;
	c.uplink_ifindex = (__u32)uplink_ifindex;
	c.bridge_ifindex = (__u32)bridge_ifindex;
	c.port_min = (__u16)bcfg->port_min;
	c.port_max = (__u16)bcfg->port_max;
	memcpy(c.bridge_mac, br.mac, 6);
	c.enabled = 1;
	return bpf_map_update_elem(dp->cfg_fd, &zero, &c, BPF_ANY) ? -errno : 0;
}

static int attach_uplink(struct dp *dp, int uplink_ifindex)
{
	int err;

	if (!uplink_ifindex)
		return 0;
	err = enable_forwarding();
	if (!err)
		err = dp_tc_attach(uplink_ifindex, BPF_TC_INGRESS, dp->prog_up_in);
	if (!err)
		err = dp_tc_attach(uplink_ifindex, BPF_TC_EGRESS, dp->prog_up_out);
	if (err)
		pr_err("failed to attach to the uplink: %s", strerror(-err));
	return err;
}

int datapath_endpoint_add(const struct bpfnet_config *cfg,
			  const struct endpoint_rec *rec, int veth_ifindex,
			  int uplink_ifindex, int bridge_ifindex)
{
	struct bpfnet_endpoint ep = { .host_ifindex = (__u32)veth_ifindex };
	struct dp dp;
	int err;

	err = dp_open(cfg, &dp, true);
	if (err)
		return err;
	err = write_config(cfg, &dp, uplink_ifindex, bridge_ifindex);
	if (err)
		goto out;
	err = attach_uplink(&dp, uplink_ifindex);
	if (err)
		goto out;
	memcpy(ep.mac, rec->mac, 6);
	if (bpf_map_update_elem(dp.ep_fd, &rec->ip.s_addr, &ep, BPF_ANY)) {
		err = -errno;
		pr_err("failed to add %s to the endpoint map: %s",
		       inet_ntoa(rec->ip), strerror(-err));
		goto out;
	}
	err = dp_tc_attach(veth_ifindex, BPF_TC_INGRESS, dp.prog_from_ct);
	if (err)
		pr_err("failed to attach to %s: %s", rec->veth, strerror(-err));
out:
	dp_close(&dp);
	return err;
}

int dp_flush_flows(struct dp *dp, __be32 caddr)
{
	struct bpfnet_flow key, next, *keys = NULL;
	struct bpfnet_ct ct;
	size_t n = 0, cap = 0;
	void *prev = NULL;
	int removed = 0;

	/* collect first: deleting while walking a hash restarts the walk */
	while (!bpf_map_get_next_key(dp->ct_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (caddr && next.saddr != caddr)
			continue;
		if (n == cap) {
			struct bpfnet_flow *nk;

			cap = cap ? cap * 2 : 64;
			nk = realloc(keys, cap * sizeof(*keys));
			if (!nk)
				break;
			keys = nk;
		}
		keys[n++] = next;
	}
	for (size_t i = 0; i < n; i++) {
		if (!bpf_map_lookup_elem(dp->ct_fd, &keys[i], &ct)) {
			struct bpfnet_flow r = {
				.saddr = keys[i].daddr, .daddr = ct.nat_addr,
				.sport = keys[i].dport, .dport = ct.nat_port,
				.proto = keys[i].proto,
			};

			bpf_map_delete_elem(dp->rnat_fd, &r);
		}
		if (!bpf_map_delete_elem(dp->ct_fd, &keys[i]))
			removed++;
	}
	free(keys);
	return removed;
}

void datapath_endpoint_del(const struct bpfnet_config *cfg,
			   const struct endpoint_rec *rec)
{
	struct dp dp;

	if (!rec->ip.s_addr || dp_open(cfg, &dp, false))
		return;
	bpf_map_delete_elem(dp.ep_fd, &rec->ip.s_addr);
	bpf_map_delete_elem(dp.ep_stats_fd, &rec->ip.s_addr);
	dp_flush_flows(&dp, rec->ip.s_addr);
	dp_close(&dp);
}

void dp_remove_pins(const struct bpfnet_config *cfg)
{
	const char *progs[] = { BPFNET_PIN_PROG_FROM_CT, BPFNET_PIN_PROG_UP_IN,
				BPFNET_PIN_PROG_UP_OUT };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(map_pins) / sizeof(map_pins[0]); i++) {
		pin_path(cfg, map_pins[i], path, sizeof(path));
		unlink(path);
	}
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		pin_path(cfg, progs[i], path, sizeof(path));
		unlink(path);
	}
	rmdir(cfg->pin_dir);
}

int datapath_down(const struct bpfnet_config *cfg)
{
	struct bpfnet_cfg c;
	struct dp dp;
	__u32 zero = 0;

	if (dp_open(cfg, &dp, false) == 0) {
		if (!bpf_map_lookup_elem(dp.cfg_fd, &zero, &c) && c.uplink_ifindex) {
			dp_tc_detach((int)c.uplink_ifindex, BPF_TC_INGRESS);
			dp_tc_detach((int)c.uplink_ifindex, BPF_TC_EGRESS);
		}
		dp_close(&dp);
	}
	dp_remove_pins(cfg);
	if (!access(cfg->pin_dir, F_OK)) {
		pr_err("failed to remove %s", cfg->pin_dir);
		return -EBUSY;
	}
	return 0;
}
